//! Wire format of the library's objects: round trips, exact sizes, and one test per decoder
//! error, in the documented validation order.

#![expect(
    clippy::unwrap_used,
    reason = "test setup on known-good parameters: a failure is a test failure"
)]

/// Named `wire` so `cargo test -p ckks wire` selects these tests.
mod wire {
    use std::sync::Arc;

    use ckks::Error;
    use ckks::ciphertext::{Ciphertext, SeededCiphertext};
    use ckks::keys::{PublicKey, SecretKey};
    use ckks::params::{Params, ParamsSpec};
    use ckks::plaintext::Plaintext;
    use ckks::ring::{Ntt, RnsBasis};
    use ckks::sampling::{Seed, uniform_ntt};
    use ckks::wire::{
        self, FORMAT_VERSION, Header, Kind, MAGIC, PackedPublicKey, PackedSeededCiphertext, Reader,
        Writer, bitpack,
    };
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};

    /// N = 4096, two 42-bit primes: the production `exact` ciphertext modulus.
    fn production() -> Arc<Params> {
        Params::new(ParamsSpec::with_prime_bits(12, &[42, 42], &[]).unwrap()).unwrap()
    }

    /// N = 1024 with primes of different widths (17 and 18 bits), so rows do not start on a byte.
    fn small() -> Arc<Params> {
        Params::new_insecure_for_tests(ParamsSpec::with_prime_bits(10, &[17, 18], &[]).unwrap())
            .unwrap()
    }

    fn rng(seed: u8) -> ChaCha20Rng {
        ChaCha20Rng::from_seed([seed; 32])
    }

    fn seed(rng: &mut ChaCha20Rng) -> Seed {
        let mut s = [0_u8; 32];
        rng.fill_bytes(&mut s);
        s
    }

    fn seeded_ct(params: &Params, level: usize, rng: &mut ChaCha20Rng) -> SeededCiphertext {
        let basis = params.basis_at(level).unwrap();
        let c0 = uniform_ntt(rng, &basis).unwrap();
        SeededCiphertext::new(c0, seed(rng), 2f64.powf(44.5)).unwrap()
    }

    fn ciphertext(params: &Params, level: usize, rng: &mut ChaCha20Rng) -> Ciphertext<Ntt> {
        let basis = params.basis_at(level).unwrap();
        let c0 = uniform_ntt(rng, &basis).unwrap();
        let c1 = uniform_ntt(rng, &basis).unwrap();
        Ciphertext::new(c0, c1, 1.5e13).unwrap()
    }

    fn public_key(params: &Arc<Params>, rng: &mut ChaCha20Rng) -> PublicKey {
        let sk = SecretKey::generate(params, rng);
        PublicKey::generate(&sk, params.basis(), rng).unwrap()
    }

    /// Packs `rows` with the bit widths of `basis` but no range check (moduli 2^bits), to forge
    /// out-of-range residues.
    fn forge_rows(basis: &RnsBasis, rows: &[u64]) -> Vec<u8> {
        let widths: Vec<u64> = basis
            .moduli()
            .iter()
            .map(|m| 1_u64 << bitpack::residue_bits(m.value()))
            .collect();
        let mut w = Writer::new();
        bitpack::pack_rows(&mut w, rows, basis.n(), &widths).unwrap();
        w.into_bytes()
    }

    #[test]
    fn seeded_ciphertext_round_trips_at_every_level_with_exact_size() {
        for params in [production(), small()] {
            let mut rng = rng(1);
            for level in 0..=params.max_level() {
                let ct = seeded_ct(&params, level, &mut rng);
                let bytes = wire::encode_seeded_ciphertext(&params, &ct).unwrap();
                let basis = params.basis_at(level).unwrap();
                let bits: usize = basis
                    .moduli()
                    .iter()
                    .map(|m| bitpack::residue_bits(m.value()) as usize)
                    .sum();
                assert_eq!(bytes.len(), 10 + 1 + 8 + 32 + params.n() * bits / 8);
                assert_eq!(
                    bytes.len(),
                    wire::object_len(wire::seeded_ciphertext_body_len(&basis).unwrap()).unwrap()
                );
                assert_eq!(wire::decode_seeded_ciphertext(&params, &bytes).unwrap(), ct);
            }
        }
    }

    #[test]
    fn production_sizes_match_the_documented_table() {
        let params = production();
        let mut rng = rng(2);
        let ct = seeded_ct(&params, 1, &mut rng);
        assert_eq!(
            wire::encode_seeded_ciphertext(&params, &ct).unwrap().len(),
            43_059
        );
        let pk = public_key(&params, &mut rng);
        assert_eq!(wire::encode_public_key(&params, &pk).unwrap().len(), 43_051);
        let full = ciphertext(&params, 1, &mut rng);
        assert_eq!(
            wire::encode_ciphertext(&params, &full).unwrap().len(),
            86_035
        );
        let sk = SecretKey::generate(&params, &mut rng);
        assert_eq!(wire::export_secret_key(&sk).unwrap().len(), 1_034);
    }

    #[test]
    fn public_key_round_trips() {
        for params in [production(), small()] {
            let pk = public_key(&params, &mut rng(3));
            let bytes = wire::encode_public_key(&params, &pk).unwrap();
            assert_eq!(wire::decode_public_key(&params, &bytes).unwrap(), pk);
        }
    }

    #[test]
    fn public_key_body_over_an_output_prime_round_trips() {
        // The scoring protocol's key: one 46-bit prime outside the ciphertext chain.
        let params = production();
        let mut rng = rng(4);
        let sk = SecretKey::generate(&params, &mut rng);
        let out = RnsBasis::new(4096, &[140_737_488_273_409]).unwrap();
        let pk = PublicKey::generate(&sk, &out, &mut rng).unwrap();
        // Not a level of the chain: refused as a stand-alone object...
        assert_eq!(
            wire::encode_public_key(&params, &pk),
            Err(Error::ParamsMismatch)
        );
        // ...and framed as a body instead.
        let mut w = Writer::new();
        Header::new(Kind::ScoreRequest, 0xabcd).write(&mut w);
        wire::write_public_key(&mut w, &pk).unwrap();
        let bytes = w.into_bytes();
        assert_eq!(bytes.len(), 10 + wire::public_key_body_len(&out).unwrap());
        assert_eq!(wire::public_key_body_len(&out).unwrap(), 32 + 4096 * 47 / 8);
        let mut r = Reader::new(&bytes);
        Header::expect(&mut r, Kind::ScoreRequest, 0xabcd).unwrap();
        let packed = PackedPublicKey::read(&mut r, &out).unwrap();
        r.finish("request").unwrap();
        assert_eq!(packed.unpack().unwrap(), pk);
    }

    #[test]
    fn ciphertext_and_plaintext_round_trip() {
        for params in [production(), small()] {
            let mut rng = rng(5);
            for level in 0..=params.max_level() {
                let ct = ciphertext(&params, level, &mut rng);
                let bytes = wire::encode_ciphertext(&params, &ct).unwrap();
                assert_eq!(wire::decode_ciphertext(&params, &bytes).unwrap(), ct);

                let basis = params.basis_at(level).unwrap();
                let pt = Plaintext::new(uniform_ntt(&mut rng, &basis).unwrap(), 3.25).unwrap();
                let bytes = wire::encode_plaintext(&params, &pt).unwrap();
                assert_eq!(
                    bytes.len(),
                    10 + 1 + wire::plaintext_body_len(&basis).unwrap()
                );
                assert_eq!(wire::decode_plaintext(&params, &bytes).unwrap(), pt);
            }
        }
    }

    #[test]
    fn secret_key_export_round_trips() {
        for params in [production(), small()] {
            let sk = SecretKey::generate(&params, &mut rng(6));
            let bytes = wire::export_secret_key(&sk).unwrap();
            assert_eq!(bytes.len(), wire::secret_key_len(&params).unwrap());
            let back = wire::import_secret_key(&params, &bytes).unwrap();
            assert_eq!(*back.export_coefficients(), *sk.export_coefficients());
        }
    }

    #[test]
    fn decoded_seeded_ciphertext_expands_to_the_same_c1() {
        let params = small();
        let ct = seeded_ct(&params, 1, &mut rng(7));
        let bytes = wire::encode_seeded_ciphertext(&params, &ct).unwrap();
        let back = wire::decode_seeded_ciphertext(&params, &bytes).unwrap();
        assert_eq!(back.expand().unwrap(), ct.expand().unwrap());
    }

    // ---- one test per decoder error, in validation order ----

    fn valid_seeded(params: &Params) -> Vec<u8> {
        wire::encode_seeded_ciphertext(params, &seeded_ct(params, 1, &mut rng(8))).unwrap()
    }

    #[test]
    fn decode_rejects_truncated_header() {
        let params = small();
        let bytes = valid_seeded(&params);
        assert_eq!(
            wire::decode_seeded_ciphertext(&params, &bytes[..7]),
            Err(Error::Truncated {
                what: "header",
                needed: 10,
                left: 7
            })
        );
    }

    #[test]
    fn decode_rejects_bad_magic() {
        let params = small();
        let mut bytes = valid_seeded(&params);
        bytes[..4].copy_from_slice(b"SEAL");
        assert_eq!(
            wire::decode_seeded_ciphertext(&params, &bytes),
            Err(Error::BadMagic {
                expected: MAGIC,
                found: *b"SEAL"
            })
        );
    }

    #[test]
    fn decode_rejects_unsupported_version() {
        let params = small();
        let mut bytes = valid_seeded(&params);
        bytes[4] = FORMAT_VERSION + 1;
        assert_eq!(
            wire::decode_seeded_ciphertext(&params, &bytes),
            Err(Error::UnsupportedVersion {
                expected: FORMAT_VERSION,
                found: FORMAT_VERSION + 1
            })
        );
    }

    #[test]
    fn decode_rejects_wrong_kind() {
        let params = small();
        let bytes = valid_seeded(&params);
        assert_eq!(
            wire::decode_public_key(&params, &bytes),
            Err(Error::WrongKind {
                expected: Kind::PublicKey.to_byte(),
                found: Kind::SeededCiphertext.to_byte()
            })
        );
        assert_eq!(
            wire::decode_ciphertext(&params, &bytes).map(|_| ()),
            Err(Error::WrongKind {
                expected: 0x04,
                found: 0x03
            })
        );
    }

    #[test]
    fn header_read_rejects_unknown_kind() {
        let params = small();
        let mut bytes = valid_seeded(&params);
        bytes[9] = 0x7e;
        assert_eq!(
            Header::read(&mut Reader::new(&bytes)),
            Err(Error::UnknownKind { found: 0x7e })
        );
        assert_eq!(
            wire::decode_seeded_ciphertext(&params, &bytes),
            Err(Error::WrongKind {
                expected: 0x03,
                found: 0x7e
            })
        );
    }

    #[test]
    fn decode_rejects_other_parameters() {
        let params = small();
        let bytes = valid_seeded(&params);
        let other = production();
        assert_eq!(
            wire::decode_seeded_ciphertext(&other, &bytes),
            Err(Error::ParamsIdMismatch {
                expected: other.id(),
                found: params.id()
            })
        );
    }

    #[test]
    fn decode_rejects_missing_level() {
        let params = small();
        let bytes = valid_seeded(&params);
        assert_eq!(
            wire::decode_seeded_ciphertext(&params, &bytes[..10]),
            Err(Error::Truncated {
                what: "level",
                needed: 1,
                left: 0
            })
        );
    }

    #[test]
    fn decode_rejects_level_above_the_chain() {
        let params = small();
        let mut bytes = valid_seeded(&params);
        bytes[10] = 2;
        assert_eq!(
            wire::decode_seeded_ciphertext(&params, &bytes),
            Err(Error::InvalidLevel { level: 2, max: 1 })
        );
    }

    #[test]
    fn decode_rejects_invalid_scale() {
        let params = small();
        for scale in [0.0, -1.0, f64::INFINITY] {
            let mut bytes = valid_seeded(&params);
            bytes[11..19].copy_from_slice(&scale.to_le_bytes());
            assert_eq!(
                wire::decode_seeded_ciphertext(&params, &bytes),
                Err(Error::InvalidScale { scale })
            );
        }
        let mut bytes = valid_seeded(&params);
        bytes[11..19].copy_from_slice(&f64::NAN.to_le_bytes());
        assert!(matches!(
            wire::decode_seeded_ciphertext(&params, &bytes),
            Err(Error::InvalidScale { scale }) if scale.is_nan()
        ));
    }

    #[test]
    fn decode_rejects_truncated_seed_and_polynomials() {
        let params = small();
        let bytes = valid_seeded(&params);
        assert_eq!(
            wire::decode_seeded_ciphertext(&params, &bytes[..11 + 8 + 31]),
            Err(Error::Truncated {
                what: "ciphertext seed",
                needed: 32,
                left: 31
            })
        );
        let c0_len = 1024 * 35 / 8;
        assert_eq!(
            wire::decode_seeded_ciphertext(&params, &bytes[..bytes.len() - 1]),
            Err(Error::Truncated {
                what: "c0",
                needed: c0_len,
                left: c0_len - 1
            })
        );
        let ct = wire::encode_ciphertext(&params, &ciphertext(&params, 1, &mut rng(9))).unwrap();
        assert_eq!(
            wire::decode_ciphertext(&params, &ct[..ct.len() - 5]).map(|_| ()),
            Err(Error::Truncated {
                what: "c1",
                needed: c0_len,
                left: c0_len - 5
            })
        );
    }

    #[test]
    fn decode_rejects_trailing_bytes() {
        let params = small();
        let mut bytes = valid_seeded(&params);
        bytes.extend_from_slice(&[0, 0, 0]);
        assert_eq!(
            wire::decode_seeded_ciphertext(&params, &bytes),
            Err(Error::TrailingBytes {
                what: "seeded ciphertext",
                extra: 3
            })
        );
    }

    #[test]
    fn decode_rejects_residue_equal_to_modulus() {
        let params = small();
        let ct = seeded_ct(&params, 1, &mut rng(10));
        let basis = ct.basis().clone();
        let mut rows = ct.c0().as_slice().to_vec();
        let q1 = basis.moduli()[1].value();
        rows[1024 + 500] = q1;
        let mut bytes = wire::encode_seeded_ciphertext(&params, &ct).unwrap();
        let start = 11 + 8 + 32;
        bytes.truncate(start);
        bytes.extend_from_slice(&forge_rows(&basis, &rows));
        assert_eq!(
            wire::decode_seeded_ciphertext(&params, &bytes),
            Err(Error::ResidueOutOfRange {
                row: 1,
                value: q1,
                modulus: q1
            })
        );
    }

    #[test]
    fn decode_rejects_residue_out_of_range_in_public_key() {
        let params = small();
        let pk = public_key(&params, &mut rng(11));
        let basis = pk.basis().clone();
        let mut rows = pk.p0().as_slice().to_vec();
        let top = (1_u64 << bitpack::residue_bits(basis.moduli()[0].value())) - 1;
        rows[3] = top;
        let mut bytes = wire::encode_public_key(&params, &pk).unwrap();
        bytes.truncate(11 + 32);
        bytes.extend_from_slice(&forge_rows(&basis, &rows));
        assert_eq!(
            wire::decode_public_key(&params, &bytes),
            Err(Error::ResidueOutOfRange {
                row: 0,
                value: top,
                modulus: basis.moduli()[0].value()
            })
        );
    }

    #[test]
    fn import_rejects_ternary_code_three_and_bad_lengths() {
        let params = small();
        let sk = SecretKey::generate(&params, &mut rng(12));
        let mut bytes = wire::export_secret_key(&sk).unwrap().to_vec();
        bytes[10 + 5] |= 0b1100_0000; // coefficient 5 * 4 + 3 = 23
        assert_eq!(
            wire::import_secret_key(&params, &bytes).map(|_| ()),
            Err(Error::InvalidSecretKey {
                index: 23,
                value: 3
            })
        );
        let good = wire::export_secret_key(&sk).unwrap();
        assert_eq!(
            wire::import_secret_key(&params, &good[..good.len() - 1]).map(|_| ()),
            Err(Error::Truncated {
                what: "secret key",
                needed: 256,
                left: 255
            })
        );
        let mut long = good.to_vec();
        long.push(0);
        assert_eq!(
            wire::import_secret_key(&params, &long).map(|_| ()),
            Err(Error::TrailingBytes {
                what: "secret key",
                extra: 1
            })
        );
        assert_eq!(
            wire::import_secret_key(&production(), &good).map(|_| ()),
            Err(Error::ParamsIdMismatch {
                expected: production().id(),
                found: params.id()
            })
        );
    }

    #[test]
    fn encode_refuses_an_object_outside_the_chain() {
        let params = small();
        let other = production();
        let ct = seeded_ct(&other, 0, &mut rng(13));
        assert_eq!(
            wire::encode_seeded_ciphertext(&params, &ct),
            Err(Error::ParamsMismatch)
        );
    }

    #[test]
    fn seeded_body_framing_checks_lengths_before_unpacking() {
        // A message of two seeded ciphertexts: a bad residue in the first is reported only after the
        // framing has checked the whole message (trailing bytes win).
        let params = small();
        let basis = params.basis().clone();
        let ct = seeded_ct(&params, 1, &mut rng(14));
        let mut w = Writer::new();
        wire::write_seeded_ciphertext(&mut w, &ct).unwrap();
        wire::write_seeded_ciphertext(&mut w, &ct).unwrap();
        let mut bytes = w.into_bytes();
        bytes[8 + 32] = 0xff; // first residue of the first c0: bits set
        bytes[8 + 32 + 1] = 0xff;
        bytes[8 + 32 + 2] |= 0x01; // 17 one-bits: 2^17 - 1 >= q_0
        bytes.push(9);
        let mut r = Reader::new(&bytes);
        let first = PackedSeededCiphertext::read(&mut r, &basis).unwrap();
        let second = PackedSeededCiphertext::read(&mut r, &basis).unwrap();
        assert_eq!(
            r.finish("two ciphertexts"),
            Err(Error::TrailingBytes {
                what: "two ciphertexts",
                extra: 1
            })
        );
        assert!(matches!(
            first.unpack(),
            Err(Error::ResidueOutOfRange { row: 0, .. })
        ));
        assert_eq!(second.unpack().unwrap(), ct);
    }

    #[test]
    fn sizes_of_every_documented_parameter_set() {
        // (log_n, prime bits, P, public key, seeded ct, ciphertext, plaintext, secret key), as in
        // docs/wire-format.md.
        let table: [(u32, &[u32], usize, [usize; 5]); 4] = [
            (
                12,
                &[42, 42],
                43_008,
                [43_051, 43_059, 86_035, 43_027, 1_034],
            ),
            (
                12,
                &[38, 22],
                30_720,
                [30_763, 30_771, 61_459, 30_739, 1_034],
            ),
            (
                12,
                &[50, 45],
                48_640,
                [48_683, 48_691, 97_299, 48_659, 1_034],
            ),
            (
                13,
                &[49, 44, 44],
                140_288,
                [140_331, 140_339, 280_595, 140_307, 2_058],
            ),
        ];
        for (log_n, bits, poly, sizes) in table {
            let params =
                Params::new(ParamsSpec::with_prime_bits(log_n, bits, &[]).unwrap()).unwrap();
            let basis = params.basis();
            assert_eq!(wire::packed_poly_len(basis).unwrap(), poly);
            let found = [
                wire::object_len(wire::public_key_body_len(basis).unwrap()).unwrap(),
                wire::object_len(wire::seeded_ciphertext_body_len(basis).unwrap()).unwrap(),
                wire::object_len(wire::ciphertext_body_len(basis).unwrap()).unwrap(),
                wire::object_len(wire::plaintext_body_len(basis).unwrap()).unwrap(),
                wire::secret_key_len(&params).unwrap(),
            ];
            assert_eq!(found, sizes, "log_n {log_n}, bits {bits:?}");
        }
    }
}
