//! decrypt(encrypt(x)) against the cleartext at every supported ring degree (2048..32768, each
//! with a parameter set accepted by the 128-bit check), for both encoders and both kinds of
//! encryption; seeded and unseeded forms; the noise of an encryption of zero.
//!
//! Error bounds (x the message, delta the scale, n the degree, errors CBD(21): |e| <= 21,
//! variance 10.5; s and u uniform ternary: variance 2/3; u = 2^-53):
//! - secret-key encryption decrypts to m + e exactly, so with the coefficient encoder
//!   |x' - x| <= (1/2 + 21) / delta + 4u |x| (rounding, noise, float division);
//! - the slot encoder maps a coefficient error r + e (rounding r in [-1/2, 1/2]) to slot j as
//!   sum_k (r_k + e_k) zeta_j^k, a sum of n independent terms of variance <= 1/12 + 10.5: a
//!   complex value with E|z|^2 <= n (10.5 + 1/12), so P(|z| > 6 sd) <= exp(-36) per slot;
//!   bound 6 sqrt(n (10.5 + 1/12)) / delta plus n 2^-50 for the floating-point FFTs;
//! - public-key encryption adds u*e_pk + e1*s. In the canonical embedding each slot of u*e_pk is
//!   a product of two such sums (sd sqrt(2n/3) and sqrt(10.5 n)), each within 6 sd as above:
//!   |.| <= 36 n sqrt(7); e1*s likewise. Bound (72 sqrt(7) n + 6 sqrt(n (10.5 + 1/12)))/delta;
//! - coefficient k of an encryption of zero, u*e_pk + e0 + e1*s, is a sum of 2n + 1 independent
//!   terms of variance <= 7 (10.5 for e0): sd sqrt(14 n + 10.5); every one of the n coefficients
//!   stays within 7 sd (two-sided Gaussian tail 2.6e-12 each).

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "integration tests fail loudly on a broken invariant"
)]

use std::sync::Arc;

use ckks::ciphertext::Ciphertext;
use ckks::encoding::{CoeffEncoder, SlotEncoder};
use ckks::encrypt::{Decryptor, PublicKeyEncryptor, SecretKeyEncryptor};
use ckks::keys::{PublicKey, SecretKey};
use ckks::params::{Params, ParamsSpec};
use ckks::plaintext::Plaintext;
use ckks::sampling;
use num_complex::Complex64;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// One secure parameter set per supported degree (log2(Q) within the 128-bit table).
fn params_for(log_n: u32) -> Arc<Params> {
    let bits: &[u32] = match log_n {
        11 => &[54],
        12 => &[42, 42],
        13 => &[54, 54, 54, 54],
        14 => &[54; 8],
        _ => &[58; 15],
    };
    Params::new(ParamsSpec::with_prime_bits(log_n, bits, &[]).unwrap()).unwrap()
}

const LOG_NS: [u32; 5] = [11, 12, 13, 14, 15];
const SCALE: f64 = (1u64 << 40) as f64;

fn uniform(rng: &mut ChaCha20Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

fn slot_bound(n: usize) -> f64 {
    6.0 * (n as f64 * (10.5 + 1.0 / 12.0)).sqrt() / SCALE + n as f64 * 2f64.powi(-50)
}

fn public_key_slot_bound(n: usize) -> f64 {
    (72.0 * 7f64.sqrt() * n as f64 + 6.0 * (n as f64 * (10.5 + 1.0 / 12.0)).sqrt()) / SCALE
        + n as f64 * 2f64.powi(-50)
}

fn max_complex_error(got: &[Complex64], want: &[Complex64]) -> f64 {
    got.iter()
        .zip(want)
        .map(|(g, w)| (g - w).norm())
        .fold(0.0, f64::max)
}

#[test]
fn coefficient_encoder_round_trips_under_secret_key_at_every_degree() {
    for log_n in LOG_NS {
        let params = params_for(log_n);
        let n = params.n();
        let mut rng = ChaCha20Rng::from_seed([log_n as u8; 32]);
        let sk = SecretKey::generate(&params, &mut rng);
        let encoder = CoeffEncoder::new(n).unwrap();
        let values: Vec<f64> = (0..n).map(|_| uniform(&mut rng)).collect();
        let coeffs = encoder.encode(&values, SCALE).unwrap();
        let pt = Plaintext::from_i128(params.basis(), &coeffs, SCALE).unwrap();
        let ct = SecretKeyEncryptor::new(&sk).encrypt(&pt, &mut rng).unwrap();
        let dec = Decryptor::new(&sk).decrypt(&ct.expand().unwrap()).unwrap();
        let got = encoder
            .decode(&dec.lift_centered_f64(), ct.scale())
            .unwrap();
        let bound = 21.5 / SCALE + 4.0 * f64::EPSILON;
        let err = got
            .iter()
            .zip(&values)
            .map(|(g, v)| (g - v).abs())
            .fold(0.0, f64::max);
        assert!(err <= bound, "n = {n}: max error {err:e} > {bound:e}");
        assert!(err > 0.0, "n = {n}: no noise at all");
    }
}

#[test]
fn slot_encoder_round_trips_under_both_encryptions_at_every_degree() {
    for log_n in LOG_NS {
        let params = params_for(log_n);
        let n = params.n();
        let mut rng = ChaCha20Rng::from_seed([100 + log_n as u8; 32]);
        let sk = SecretKey::generate(&params, &mut rng);
        let pk = PublicKey::generate(&sk, params.basis(), &mut rng).unwrap();
        let encoder = SlotEncoder::new(n).unwrap();
        let values: Vec<Complex64> = (0..n / 2)
            .map(|_| Complex64::new(uniform(&mut rng), uniform(&mut rng)))
            .collect();
        let coeffs = encoder.encode(&values, SCALE).unwrap();
        let pt = Plaintext::from_i128(params.basis(), &coeffs, SCALE).unwrap();
        let decryptor = Decryptor::new(&sk);

        let seeded = SecretKeyEncryptor::new(&sk).encrypt(&pt, &mut rng).unwrap();
        let dec = decryptor.decrypt(&seeded.expand().unwrap()).unwrap();
        let got = encoder.decode(&dec.lift_centered_f64(), SCALE).unwrap();
        let err = max_complex_error(&got, &values);
        assert!(
            err <= slot_bound(n),
            "n = {n}: secret key: {err:e} > {:e}",
            slot_bound(n)
        );

        let ct = PublicKeyEncryptor::new(&params, &pk)
            .unwrap()
            .encrypt(&pt, &mut rng)
            .unwrap();
        let dec = decryptor.decrypt(&ct).unwrap();
        let got = encoder
            .decode(&dec.lift_centered_f64(), ct.scale())
            .unwrap();
        let err = max_complex_error(&got, &values);
        let bound = public_key_slot_bound(n);
        assert!(err <= bound, "n = {n}: public key: {err:e} > {bound:e}");
    }
}

#[test]
fn seeded_and_unseeded_forms_decrypt_the_same() {
    let params = params_for(12);
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let sk = SecretKey::generate(&params, &mut rng);
    let values: Vec<f64> = (0..8).map(|_| uniform(&mut rng)).collect();
    let coeffs = CoeffEncoder::new(params.n())
        .unwrap()
        .encode(&values, SCALE)
        .unwrap();
    let pt = Plaintext::from_i128(params.basis(), &coeffs, SCALE).unwrap();
    let seeded = SecretKeyEncryptor::new(&sk).encrypt(&pt, &mut rng).unwrap();
    // The unseeded form as a receiver rebuilds it: c1 expanded from the transmitted seed,
    // and the same ciphertext after a trip through coefficient form.
    let unseeded = Ciphertext::new(
        seeded.c0().clone(),
        sampling::uniform_ntt_from_seed(seeded.basis(), seeded.seed()).unwrap(),
        seeded.scale(),
    )
    .unwrap();
    let decryptor = Decryptor::new(&sk);
    let a = decryptor.decrypt(&seeded.expand().unwrap()).unwrap();
    let b = decryptor.decrypt(&unseeded).unwrap();
    let c = decryptor.decrypt(&unseeded.to_coeff().into_ntt()).unwrap();
    assert_eq!(*a, *b);
    assert_eq!(*a, *c);
    // A different seed gives a different c1, which no longer decrypts to the message.
    let mut wrong_seed = *seeded.seed();
    wrong_seed[0] ^= 1;
    let wrong = Ciphertext::new(
        seeded.c0().clone(),
        sampling::uniform_ntt_from_seed(seeded.basis(), &wrong_seed).unwrap(),
        seeded.scale(),
    )
    .unwrap();
    assert_ne!(*decryptor.decrypt(&wrong).unwrap(), *a);
}

#[test]
fn encryption_of_zero_noise_is_within_its_bound_at_every_degree() {
    for log_n in LOG_NS {
        let params = params_for(log_n);
        let n = params.n();
        let mut rng = ChaCha20Rng::from_seed([200 + log_n as u8; 32]);
        let sk = SecretKey::generate(&params, &mut rng);
        // The scoring protocol's placement: the public key at one output prime.
        let out = params.basis().prefix(1).unwrap();
        let pk = PublicKey::generate(&sk, &out, &mut rng).unwrap();
        let encryptor = PublicKeyEncryptor::new(&params, &pk).unwrap();
        let bound = 7.0 * (14.0 * n as f64 + 10.5).sqrt();
        for zero in [
            encryptor.encrypt_zero(1.0, &mut rng).unwrap(),
            encryptor
                .encrypt_zero_coeff(1.0, &mut rng)
                .unwrap()
                .into_ntt(),
        ] {
            let noise = Decryptor::new(&sk)
                .decrypt(&zero)
                .unwrap()
                .lift_centered_f64();
            let max = noise.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(max <= bound, "n = {n}: noise {max} > {bound}");
            assert!(max > 21.0, "n = {n}: noise {max} too small for u*e + e1*s");
        }
    }
}
