//! Homomorphic operations against cleartext arithmetic, at the production size n = 4096 with two
//! 42-bit primes: addition, plaintext products with rescaling, and the coefficient-packing dot
//! product of the scoring protocol (modulus switch to one 47-bit prime, re-randomization with a
//! public key at that prime, decryption of the target coefficients only).
//!
//! Noise facts used below (n = 4096; e from CBD(21): |e| <= 21, variance 10.5; s, u uniform
//! ternary: variance 2/3; a "6 sd" bound on a complex slot value z with E|z|^2 = v holds with
//! probability 1 - exp(-36) per slot, a "7 sd" bound on a real sum of many independent terms
//! fails with probability 2.6e-12 per coefficient):
//! - a fresh secret-key encryption decrypts to m + e; encoding rounds each coefficient by <= 1/2;
//!   in slot j both become sum_k (r_k + e_k) zeta_j^k: |.| <= E = 6 sqrt(n (10.5 + 1/12)) = 1254.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "integration tests fail loudly on a broken invariant"
)]

use std::sync::Arc;

use ckks::ciphertext::Ciphertext;
use ckks::encoding::{CoeffEncoder, SlotEncoder};
use ckks::encrypt::{Decryptor, PublicKeyEncryptor, SecretKeyEncryptor};
use ckks::evaluator::Evaluator;
use ckks::keys::{PublicKey, SecretKey};
use ckks::params::{Params, ParamsSpec, ntt_primes};
use ckks::plaintext::Plaintext;
use ckks::ring::{Poly, RnsBasis};
use num_bigint::BigInt;
use num_complex::Complex64;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const N: usize = 4096;

fn params() -> Arc<Params> {
    Params::new(ParamsSpec::with_prime_bits(12, &[42, 42], &[]).unwrap()).unwrap()
}

fn uniform(rng: &mut ChaCha20Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

fn random_slots(rng: &mut ChaCha20Rng) -> Vec<Complex64> {
    (0..N / 2)
        .map(|_| Complex64::new(uniform(rng), uniform(rng)))
        .collect()
}

/// sum_k (r_k + e_k) zeta_j^k over a fresh encryption, 6 sd: see the module comment.
fn fresh_slot_noise() -> f64 {
    6.0 * (N as f64 * (10.5 + 1.0 / 12.0)).sqrt()
}

fn max_error(got: &[Complex64], want: &[Complex64]) -> f64 {
    got.iter()
        .zip(want)
        .map(|(g, w)| (g - w).norm())
        .fold(0.0, f64::max)
}

#[test]
fn homomorphic_add_sub_and_add_plain_match_cleartext() {
    // x + y: two fresh noises add: |.| <= 2 E / delta (plus n 2^-50 for the FFTs).
    // x + y - x: three fresh noises: 3 E / delta. ct + pt: one fresh noise and one rounding:
    // 2 E / delta.
    let p = params();
    let delta = 2f64.powi(40);
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let sk = SecretKey::generate(&p, &mut rng);
    let enc = SlotEncoder::new(N).unwrap();
    let (x, y) = (random_slots(&mut rng), random_slots(&mut rng));
    let pt = |v: &[Complex64]| {
        Plaintext::from_i128(p.basis(), &enc.encode(v, delta).unwrap(), delta).unwrap()
    };
    let encryptor = SecretKeyEncryptor::new(&sk);
    let cx = encryptor
        .encrypt(&pt(&x), &mut rng)
        .unwrap()
        .expand()
        .unwrap();
    let cy = encryptor
        .encrypt(&pt(&y), &mut rng)
        .unwrap()
        .expand()
        .unwrap();
    let ev = Evaluator::new();
    let dec = Decryptor::new(&sk);
    let decode = |ct: &Ciphertext| {
        enc.decode(&dec.decrypt(ct).unwrap().lift_centered_f64(), delta)
            .unwrap()
    };
    let float = N as f64 * 2f64.powi(-50);

    let sum: Vec<Complex64> = x.iter().zip(&y).map(|(a, b)| a + b).collect();
    let err = max_error(&decode(&ev.add(&cx, &cy).unwrap()), &sum);
    let bound = 2.0 * fresh_slot_noise() / delta + float;
    assert!(err <= bound, "add: {err:e} > {bound:e}");

    let err = max_error(
        &decode(&ev.sub(&ev.add(&cx, &cy).unwrap(), &cx).unwrap()),
        &y,
    );
    let bound = 3.0 * fresh_slot_noise() / delta + float;
    assert!(err <= bound, "add then sub: {err:e} > {bound:e}");

    let err = max_error(&decode(&ev.add_plain(&cx, &pt(&y)).unwrap()), &sum);
    let bound = 2.0 * fresh_slot_noise() / delta + float;
    assert!(err <= bound, "add_plain: {err:e} > {bound:e}");

    let neg: Vec<Complex64> = x.iter().map(|a| -a).collect();
    let err = max_error(&decode(&ev.neg(&cx)), &neg);
    let bound = fresh_slot_noise() / delta + float;
    assert!(err <= bound, "neg: {err:e} > {bound:e}");
}

#[test]
fn plaintext_product_and_rescale_match_cleartext() {
    // ct(x) * pt(y) at scale delta^2 decrypts to (m_x + e) m_y: slot j carries
    // (delta x_j + n_x)(delta y_j + n_y) with |n_x|, |n_y| <= E (noise and roundings, 6 sd), so
    // |x'y' - xy| <= (|x| + |y|) E / delta + E^2 / delta^2 with |x|, |y| <= sqrt(2).
    // Rescaling by q_1 (~2^42) adds round-off r0 + r1*s: in a slot |.| <= 6 sqrt(n/12) +
    // 36 sqrt(n/12) sqrt(2n/3) = 36 n / sqrt(18) + 6 sqrt(n/12) = 34,870, divided by the new
    // scale delta^2 / q_1.
    let p = params();
    let delta = 2f64.powi(38);
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let sk = SecretKey::generate(&p, &mut rng);
    let enc = SlotEncoder::new(N).unwrap();
    let (x, y) = (random_slots(&mut rng), random_slots(&mut rng));
    let pt = |v: &[Complex64]| {
        Plaintext::from_i128(p.basis(), &enc.encode(v, delta).unwrap(), delta).unwrap()
    };
    let cx = SecretKeyEncryptor::new(&sk)
        .encrypt(&pt(&x), &mut rng)
        .unwrap()
        .expand()
        .unwrap();
    let ev = Evaluator::new();
    let dec = Decryptor::new(&sk);
    let product = ev.mul_plain(&cx, &pt(&y)).unwrap();
    assert_eq!(product.scale(), delta * delta);
    let want: Vec<Complex64> = x.iter().zip(&y).map(|(a, b)| a * b).collect();
    let e = fresh_slot_noise();
    let bound = 2.0 * 2f64.sqrt() * e / delta + (e / delta).powi(2) + N as f64 * 2f64.powi(-50);
    let got = enc
        .decode(
            &dec.decrypt(&product).unwrap().lift_centered_f64(),
            product.scale(),
        )
        .unwrap();
    let err = max_error(&got, &want);
    assert!(err <= bound, "product: {err:e} > {bound:e}");

    let rescaled = ev.rescale(&product).unwrap();
    assert_eq!(rescaled.level(), 0);
    let rescale_noise = 36.0 * N as f64 / 18f64.sqrt() + 6.0 * (N as f64 / 12.0).sqrt();
    let bound = bound + rescale_noise / rescaled.scale();
    let got = enc
        .decode(
            &dec.decrypt(&rescaled).unwrap().lift_centered_f64(),
            rescaled.scale(),
        )
        .unwrap();
    let err = max_error(&got, &want);
    assert!(err <= bound, "rescaled product: {err:e} > {bound:e}");
}

/// A catalog of `products` linear models (8 weights in [-1, 1], a bias in [-1, 1]).
fn catalog(rng: &mut ChaCha20Rng, products: usize) -> Vec<([f64; 8], f64)> {
    (0..products)
        .map(|_| (core::array::from_fn(|_| uniform(rng)), uniform(rng)))
        .collect()
}

#[test]
fn packed_coefficient_seven_is_the_exact_integer_dot_product() {
    // m(X) = sum_i round(Df f_i) X^i, W(X) = sum_j sum_i round(Dw w_ji) X^(8j + 7 - i): the
    // negacyclic product has coefficient 8j+7 = sum_i round(Df f_i) round(Dw w_ji) exactly
    // (no other pair of terms lands there), checked with big integers over all 512 products.
    let p = params();
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let (df, dw) = (2f64.powi(42), 2f64.powi(35));
    let features: Vec<f64> = (0..8).map(|_| (uniform(&mut rng) + 1.0) / 2.0).collect();
    let models = catalog(&mut rng, N / 8);
    let encoder = CoeffEncoder::new(N).unwrap();
    let m = encoder.encode(&features, df).unwrap();
    let (weights, positions) = weight_layout(&models);
    let w = encoder.encode_at(&weights, &positions, dw).unwrap();
    let product = Poly::from_i128(p.basis(), &m)
        .unwrap()
        .into_ntt()
        .mul(&Poly::from_i128(p.basis(), &w).unwrap().into_ntt())
        .unwrap()
        .into_coeff()
        .lift_centered();
    for j in 0..N / 8 {
        let exact: i128 = (0..8).map(|i| m[i] * w[8 * j + 7 - i]).sum();
        assert_eq!(product[8 * j + 7], BigInt::from(exact), "product {j}");
    }
}

/// The weights of every model and their coefficient positions 8j + 7 - i.
fn weight_layout(models: &[([f64; 8], f64)]) -> (Vec<f64>, Vec<usize>) {
    let mut weights = Vec::new();
    let mut positions = Vec::new();
    for (j, (w, _)) in models.iter().enumerate() {
        for (i, &wi) in w.iter().enumerate() {
            weights.push(wi);
            positions.push(8 * j + 7 - i);
        }
    }
    (weights, positions)
}

#[test]
fn packed_dot_product_after_switch_and_rerandomization_matches_cleartext() {
    // Scores bias_j + sum_i w_ji f_i (f in [0, 1], w and bias in [-1, 1]) for 512 products in
    // one ciphertext, Df = 2^42, Dw = 2^35 (|Df Dw score| <= 9 * 2^77 < Q/2 = 2^83), then a
    // switch to one 47-bit prime q', re-randomization under a public key at q', and decryption
    // of the 512 target coefficients only. Error of one score, in score units:
    // - rounding the features: sum_i |w_i| / (2 Df) <= 4 / Df;
    // - rounding the weights: sum_i f_i / (2 Dw) <= 4 / Dw; the bias: 1 / (2 Df Dw);
    // - encryption noise (e*W)_k: a sum over the 8 * 512 = 4096 non-zero coefficients of W
    //   (each <= Dw + 1/2) of independent e's: 7 sd = 7 sqrt(10.5 * 4096) (Dw + 1/2), over
    //   Df Dw;
    // - the switch: r0 + r1*s, |.| <= 7 sqrt(1/12 + n (2/3) / 12), over the new scale
    //   Df Dw q'/Q;
    // - the fresh encryption of zero at q': u*e_pk + e0 + e1*s, 7 sqrt(14 n + 10.5), over the
    //   same scale.
    let p = params();
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    let (df, dw) = (2f64.powi(42), 2f64.powi(35));
    let sk = SecretKey::generate(&p, &mut rng);
    let out: Arc<RnsBasis> = RnsBasis::new(N, &ntt_primes(47, N, 1, &[]).unwrap()).unwrap();
    let pk = PublicKey::generate(&sk, &out, &mut rng).unwrap();

    // Client: the profile in coefficients 0..7, seeded secret-key encryption.
    let features: Vec<f64> = (0..8).map(|_| (uniform(&mut rng) + 1.0) / 2.0).collect();
    let encoder = CoeffEncoder::new(N).unwrap();
    let m = Plaintext::from_i128(p.basis(), &encoder.encode(&features, df).unwrap(), df).unwrap();
    let request = SecretKeyEncryptor::new(&sk).encrypt(&m, &mut rng).unwrap();

    // Server: W and the biases, product, switch, re-randomization.
    let models = catalog(&mut rng, N / 8);
    let (weights, positions) = weight_layout(&models);
    let w = Plaintext::from_i128(
        p.basis(),
        &encoder.encode_at(&weights, &positions, dw).unwrap(),
        dw,
    )
    .unwrap();
    let targets: Vec<usize> = (0..N / 8).map(|j| 8 * j + 7).collect();
    let biases: Vec<f64> = models.iter().map(|(_, b)| *b).collect();
    let bias = Plaintext::from_i128(
        p.basis(),
        &encoder.encode_at(&biases, &targets, df * dw).unwrap(),
        df * dw,
    )
    .unwrap();
    let ev = Evaluator::new();
    let mut scored = ev.mul_plain(&request.expand().unwrap(), &w).unwrap();
    ev.add_plain_assign(&mut scored, &bias).unwrap();
    let mut switched = ev.mod_switch_to_coeff(&scored, &out).unwrap();
    let zero = PublicKeyEncryptor::new(&p, &pk)
        .unwrap()
        .encrypt_zero_coeff(switched.scale(), &mut rng)
        .unwrap();
    ev.add_assign(&mut switched, &zero).unwrap();
    let c0_values: Vec<u64> = targets
        .iter()
        .map(|&k| switched.c0().row(0).unwrap()[k])
        .collect();

    // Client: only the target coefficients.
    let decrypted = Decryptor::new(&sk)
        .decrypt_coefficients(&c0_values, switched.c1(), &targets)
        .unwrap();
    let scale = switched.scale();
    let q_ratio = out.moduli()[0].value() as f64 / p.basis().log_q().exp2();
    assert!((scale / (df * dw * q_ratio) - 1.0).abs() < 1e-3);

    let n = N as f64;
    let bound = 4.0 / df
        + 4.0 / dw
        + 0.5 / (df * dw)
        + 7.0 * (10.5 * 4096.0f64).sqrt() * (dw + 0.5) / (df * dw)
        + 7.0 * (1.0 / 12.0 + n * (2.0 / 3.0) / 12.0).sqrt() / scale
        + 7.0 * (14.0 * n + 10.5).sqrt() / scale;
    let mut max = 0.0f64;
    for ((weights, bias), value) in models.iter().zip(decrypted.iter()) {
        let clear = bias
            + weights
                .iter()
                .zip(&features)
                .map(|(w, f)| w * f)
                .sum::<f64>();
        max = max.max((value / scale - clear).abs());
    }
    assert!(max <= bound, "max error {max:e} > bound {bound:e}");
    assert!(max > 0.0);
}
