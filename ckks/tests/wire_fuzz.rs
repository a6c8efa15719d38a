//! Fuzz-style properties of the decoders: arbitrary and mutated bytes (bit flips, truncation at
//! every length, extension) never panic; a decoder returns an error or an object, and whatever
//! it accepts re-encodes to exactly the bytes it was given (the format is canonical).

#![expect(
    clippy::unwrap_used,
    reason = "test setup on known-good parameters: a failure is a test failure"
)]

/// Named `wire` so `cargo test -p ckks wire` selects these tests.
mod wire {
    use std::sync::{Arc, OnceLock};

    use ckks::ciphertext::{Ciphertext, SeededCiphertext};
    use ckks::keys::{PublicKey, SecretKey};
    use ckks::params::{Params, ParamsSpec};
    use ckks::plaintext::Plaintext;
    use ckks::ring::Ntt;
    use ckks::sampling::uniform_ntt;
    use ckks::wire::{self, FORMAT_VERSION, Header, Kind, MAGIC, Reader};
    use ckks::{Error, Result};
    use proptest::prelude::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// N = 1024, primes of 17 and 18 bits (rows do not start on byte boundaries).
    fn params() -> &'static Arc<Params> {
        static PARAMS: OnceLock<Arc<Params>> = OnceLock::new();
        PARAMS.get_or_init(|| {
            Params::new_insecure_for_tests(ParamsSpec::with_prime_bits(10, &[17, 18], &[]).unwrap())
                .unwrap()
        })
    }

    /// Decodes `bytes` as `kind` and re-encodes what was accepted.
    fn decode_reencode(kind: Kind, bytes: &[u8]) -> Result<Vec<u8>> {
        let p = params();
        match kind {
            Kind::PublicKey => wire::encode_public_key(p, &wire::decode_public_key(p, bytes)?),
            Kind::SeededCiphertext => {
                wire::encode_seeded_ciphertext(p, &wire::decode_seeded_ciphertext(p, bytes)?)
            }
            Kind::Ciphertext => wire::encode_ciphertext(p, &wire::decode_ciphertext(p, bytes)?),
            Kind::Plaintext => wire::encode_plaintext(p, &wire::decode_plaintext(p, bytes)?),
            Kind::SecretKey => {
                Ok(wire::export_secret_key(&wire::import_secret_key(p, bytes)?)?.to_vec())
            }
            _ => Err(Error::UnknownKind {
                found: kind.to_byte(),
            }),
        }
    }

    const KINDS: [Kind; 5] = [
        Kind::PublicKey,
        Kind::SeededCiphertext,
        Kind::Ciphertext,
        Kind::Plaintext,
        Kind::SecretKey,
    ];

    /// A valid encoding of each kind (level 0 or 1) from a fixed seed.
    fn valid(kind: Kind, level: usize, seed: u64) -> Vec<u8> {
        let p = params();
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let basis = p.basis_at(level).unwrap();
        match kind {
            Kind::PublicKey => {
                let sk = SecretKey::generate(p, &mut rng);
                wire::encode_public_key(p, &PublicKey::generate(&sk, &basis, &mut rng).unwrap())
            }
            Kind::SeededCiphertext => wire::encode_seeded_ciphertext(
                p,
                &SeededCiphertext::new(uniform_ntt(&mut rng, &basis).unwrap(), [7; 32], 1024.0)
                    .unwrap(),
            ),
            Kind::Ciphertext => {
                let c0 = uniform_ntt(&mut rng, &basis).unwrap();
                let c1 = uniform_ntt(&mut rng, &basis).unwrap();
                wire::encode_ciphertext(p, &Ciphertext::<Ntt>::new(c0, c1, 0.5).unwrap())
            }
            Kind::Plaintext => wire::encode_plaintext(
                p,
                &Plaintext::new(uniform_ntt(&mut rng, &basis).unwrap(), 2f64.powi(40)).unwrap(),
            ),
            _ => Ok(wire::export_secret_key(&SecretKey::generate(p, &mut rng))
                .unwrap()
                .to_vec()),
        }
        .unwrap()
    }

    #[test]
    fn every_truncation_of_every_object_is_refused() {
        for kind in KINDS {
            let bytes = valid(kind, 1, 1);
            for len in 0..bytes.len() {
                let err = decode_reencode(kind, &bytes[..len]).unwrap_err();
                assert!(
                    matches!(err, Error::Truncated { .. }),
                    "{kind:?} at {len}: {err:?}"
                );
            }
            assert_eq!(decode_reencode(kind, &bytes).unwrap(), bytes);
        }
    }

    #[test]
    fn every_single_bit_flip_of_the_fixed_fields_is_refused_or_canonical() {
        // Header, level, scale and seed: the first 10 + 1 + 8 + 32 bytes.
        for kind in KINDS {
            let bytes = valid(kind, 1, 2);
            for bit in 0..8 * 51.min(bytes.len()) {
                let mut m = bytes.clone();
                m[bit / 8] ^= 1 << (bit % 8);
                match decode_reencode(kind, &m) {
                    Ok(again) => assert_eq!(again, m, "{kind:?} bit {bit}"),
                    Err(e) if bit < 80 => assert!(
                        matches!(
                            e,
                            Error::BadMagic { .. }
                                | Error::UnsupportedVersion { .. }
                                | Error::WrongKind { .. }
                                | Error::ParamsIdMismatch { .. }
                        ),
                        "{kind:?} bit {bit}: {e:?}"
                    ),
                    Err(_) => {}
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(kind in prop::sample::select(KINDS.to_vec()), bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(again) = decode_reencode(kind, &bytes) {
                prop_assert_eq!(again, bytes);
            }
        }

        #[test]
        fn arbitrary_body_after_a_valid_header_never_panics(
            kind in prop::sample::select(KINDS.to_vec()),
            level in 0_u8..4,
            body in prop::collection::vec(any::<u8>(), 0..5000),
        ) {
            let mut w = wire::Writer::new();
            Header::new(kind, params().id()).write(&mut w);
            if kind != Kind::SecretKey {
                w.u8(level);
            }
            w.bytes(&body);
            let bytes = w.into_bytes();
            match decode_reencode(kind, &bytes) {
                Ok(again) => prop_assert_eq!(again, bytes),
                Err(e) => prop_assert!(matches!(
                    e,
                    Error::Truncated { .. }
                        | Error::TrailingBytes { .. }
                        | Error::InvalidLevel { .. }
                        | Error::InvalidScale { .. }
                        | Error::ResidueOutOfRange { .. }
                        | Error::InvalidSecretKey { .. }
                ), "{:?}", e),
            }
        }

        #[test]
        fn mutated_valid_encodings_are_refused_or_canonical(
            kind in prop::sample::select(KINDS.to_vec()),
            level in 0_usize..2,
            seed in any::<u64>(),
            flips in prop::collection::vec((any::<prop::sample::Index>(), 0_u8..8), 1..8),
            cut in prop::option::of(any::<prop::sample::Index>()),
            extra in prop::collection::vec(any::<u8>(), 0..3),
        ) {
            let mut bytes = valid(kind, level, seed);
            for (at, bit) in &flips {
                let i = at.index(bytes.len());
                bytes[i] ^= 1 << bit;
            }
            if let Some(cut) = cut {
                let len = cut.index(bytes.len() + 1);
                bytes.truncate(len);
            }
            bytes.extend_from_slice(&extra);
            if let Ok(again) = decode_reencode(kind, &bytes) {
                prop_assert_eq!(again, bytes);
            }
        }

        #[test]
        fn decode_of_encode_is_identity(kind in prop::sample::select(KINDS.to_vec()), level in 0_usize..2, seed in any::<u64>()) {
            let bytes = valid(kind, level, seed);
            prop_assert_eq!(decode_reencode(kind, &bytes).unwrap(), bytes);
        }

        #[test]
        fn extended_encodings_report_trailing_bytes(kind in prop::sample::select(KINDS.to_vec()), extra in prop::collection::vec(any::<u8>(), 1..40)) {
            let mut bytes = valid(kind, 0, 3);
            bytes.extend_from_slice(&extra);
            let err = decode_reencode(kind, &bytes).unwrap_err();
            prop_assert!(matches!(err, Error::TrailingBytes { extra: e, .. } if e == extra.len()), "{:?}", err);
        }

        #[test]
        fn header_read_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..16)) {
            let mut r = Reader::new(&bytes);
            match Header::read(&mut r) {
                Ok(h) => {
                    prop_assert_eq!(&bytes[..4], &MAGIC);
                    prop_assert_eq!(bytes[4], FORMAT_VERSION);
                    prop_assert_eq!(h.kind.to_byte(), bytes[9]);
                    prop_assert_eq!(r.remaining(), bytes.len() - 10);
                }
                Err(e) => {
                    let expected = matches!(
                        e,
                        Error::Truncated { .. }
                            | Error::BadMagic { .. }
                            | Error::UnsupportedVersion { .. }
                            | Error::UnknownKind { .. }
                    );
                    prop_assert!(expected, "{:?}", e);
                }
            }
        }
    }
}
