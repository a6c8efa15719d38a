//! The wire format between a client and a server: what the client encrypts and encodes, the
//! server decodes, expands and answers, and the client decodes and decrypts, compared with the
//! cleartext.

/// Named `wire` so `cargo test -p ckks wire` selects these tests.
mod wire {
    use ckks::encrypt::{Decryptor, SecretKeyEncryptor};
    use ckks::keys::SecretKey;
    use ckks::params::{Params, ParamsSpec};
    use ckks::plaintext::Plaintext;
    use ckks::sampling::error_bound;
    use ckks::wire::{self, PackedPoly, PackedSubset, Reader, Writer};
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};

    #[test]
    fn seeded_ciphertext_decoded_by_the_server_decrypts_to_the_message() {
        // n = 4096, two 42-bit primes (Q ~ 2^84).
        let params = Params::new(ParamsSpec::with_prime_bits(12, &[42, 42], &[]).unwrap()).unwrap();
        let mut rng = ChaCha20Rng::from_seed([21; 32]);
        let sk = SecretKey::generate(&params, &mut rng);
        let n = params.n();
        // Message coefficients up to 2^40 in magnitude, random signs.
        let m: Vec<i128> = (0..n)
            .map(|_| i128::from(rng.next_u64() >> 23) - (1 << 40))
            .collect();
        let pt = Plaintext::from_i128(params.basis(), &m, 2f64.powi(40)).unwrap();
        let ct = SecretKeyEncryptor::new(&sk).encrypt(&pt, &mut rng).unwrap();

        // Client -> server.
        let request = wire::encode_seeded_ciphertext(&params, &ct).unwrap();
        let received = wire::decode_seeded_ciphertext(&params, &request).unwrap();
        assert_eq!(received.scale(), 2f64.powi(40));
        let full = received.expand().unwrap();

        // c0 + c1*s = m + e exactly, with |e| <= the sampler's bound: the maximum over all
        // coefficients must stay within it.
        let bound = error_bound(params.sigma()).unwrap() as f64;
        let decrypted = Decryptor::new(&sk)
            .decrypt(&full)
            .unwrap()
            .lift_centered_f64();
        let max_err = decrypted
            .iter()
            .zip(&m)
            .map(|(&d, &x)| (d - x as f64).abs())
            .fold(0.0, f64::max);
        assert!(max_err <= bound, "max error {max_err} > {bound}");

        // Server -> client: only chosen coefficients of c0 and all of c1, in coefficient form.
        let coeff = full.into_coeff();
        let indices = [7_usize, 15, 2047, 4095];
        let mut w = Writer::new();
        wire::write_subset(&mut w, coeff.c0(), &indices).unwrap();
        wire::write_poly(&mut w, coeff.c1()).unwrap();
        let response = w.into_bytes();
        let basis = params.basis();
        assert_eq!(
            response.len(),
            wire::packed_subset_len(basis, indices.len()).unwrap()
                + wire::packed_poly_len(basis).unwrap()
        );
        let mut r = Reader::new(&response);
        let c0 = PackedSubset::read(&mut r, basis, indices.len(), "c0 targets").unwrap();
        let c1 = PackedPoly::read(&mut r, basis, "c1").unwrap();
        r.finish("response").unwrap();
        let values = Decryptor::new(&sk)
            .decrypt_coefficients(&c0.unpack().unwrap(), &c1.unpack().unwrap(), &indices)
            .unwrap();
        for (&k, &v) in indices.iter().zip(values.iter()) {
            let err = (v - m[k] as f64).abs();
            assert!(err <= bound, "coefficient {k}: error {err} > {bound}");
        }
    }
}
