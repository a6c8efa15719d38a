//! Criterion benchmarks of the scoring server's operations and the client's partial decryption at
//! production sizes: n = 4096 with two 42-bit primes and n = 8192 with primes of 49, 44 and 44
//! bits, the output modulus (and the public key) at the first prime.
//!
//! Run: `cargo bench -p ckks --bench evaluate`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

use ckks::ciphertext::{Ciphertext, SeededCiphertext};
use ckks::encrypt::{CoefficientMethod, Decryptor, PublicKeyEncryptor, SecretKeyEncryptor};
use ckks::evaluator::Evaluator;
use ckks::keys::{PublicKey, SecretKey};
use ckks::params::{Params, ParamsSpec};
use ckks::plaintext::Plaintext;
use ckks::ring::{Coeff, RnsBasis};
use ckks::sampling;

/// Everything one parameter set needs: keys, a request, a weight plaintext, a switched result.
struct Setup {
    label: &'static str,
    params: Arc<Params>,
    out: Arc<RnsBasis>,
    sk: SecretKey,
    pk: PublicKey,
    request: SeededCiphertext,
    weights: Plaintext,
    switched: Ciphertext<Coeff>,
}

fn setup(log_n: u32, bits: &[u32], label: &'static str) -> Option<Setup> {
    let mut rng = ChaCha20Rng::from_seed([log_n as u8; 32]);
    let params = Params::new(ParamsSpec::with_prime_bits(log_n, bits, &[]).ok()?).ok()?;
    let out = params.basis_at(0).ok()?;
    let sk = SecretKey::generate(&params, &mut rng);
    let pk = PublicKey::generate(&sk, &out, &mut rng).ok()?;
    let n = params.n();
    let profile: Vec<i128> = (0..n).map(|k| if k < 8 { 1 << 40 } else { 0 }).collect();
    let pt = Plaintext::from_i128(params.basis(), &profile, 2f64.powi(40)).ok()?;
    let request = SecretKeyEncryptor::new(&sk).encrypt(&pt, &mut rng).ok()?;
    let w = sampling::uniform_ntt(&mut rng, params.basis()).ok()?;
    let weights = Plaintext::new(w, 2f64.powi(35)).ok()?;
    let product = Evaluator::new()
        .mul_plain(&request.expand().ok()?, &weights)
        .ok()?;
    let switched = Evaluator::new().mod_switch_to_coeff(&product, &out).ok()?;
    Some(Setup {
        label,
        params,
        out,
        sk,
        pk,
        request,
        weights,
        switched,
    })
}

fn setups() -> Vec<Setup> {
    [
        setup(12, &[42, 42], "n4096"),
        setup(13, &[49, 44, 44], "n8192"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn server(c: &mut Criterion) {
    let ev = Evaluator::new();
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    let mut group = c.benchmark_group("evaluate");
    for s in setups() {
        group.bench_function(BenchmarkId::new("expand_seeded_ciphertext", s.label), |b| {
            b.iter(|| black_box(&s.request).expand());
        });
        let Ok(ct) = s.request.expand() else { continue };
        group.bench_function(BenchmarkId::new("mul_plain", s.label), |b| {
            b.iter(|| ev.mul_plain(black_box(&ct), &s.weights));
        });
        let Ok(product) = ev.mul_plain(&ct, &s.weights) else {
            continue;
        };
        group.bench_function(
            BenchmarkId::new("mod_switch_to_output_prime", s.label),
            |b| {
                b.iter(|| ev.mod_switch_to_coeff(black_box(&product), &s.out));
            },
        );
        group.bench_function(
            BenchmarkId::new("rerandomize_at_output_prime", s.label),
            |b| {
                b.iter(|| {
                    let mut ct = s.switched.clone();
                    let enc = PublicKeyEncryptor::new(&s.params, &s.pk)?;
                    let zero = enc.encrypt_zero_coeff(ct.scale(), &mut rng)?;
                    ev.add_assign(&mut ct, &zero)?;
                    Ok::<_, ckks::Error>(ct)
                });
            },
        );
    }
    group.finish();
}

fn client(c: &mut Criterion) {
    let mut group = c.benchmark_group("decrypt_coefficients");
    for s in setups() {
        let dec = Decryptor::new(&s.sk);
        let Some(row) = s.switched.c0().row(0) else {
            continue;
        };
        for targets in [5usize, 16, 64, 512] {
            let indices: Vec<usize> = (0..targets).map(|j| 8 * j + 7).collect();
            let c0: Vec<u64> = indices
                .iter()
                .filter_map(|&k| row.get(k).copied())
                .collect();
            for (name, method) in [
                ("direct", CoefficientMethod::Direct),
                ("ntt", CoefficientMethod::Ntt),
            ] {
                let id = BenchmarkId::new(format!("{}/{name}", s.label), targets);
                group.bench_function(id, |b| {
                    b.iter(|| {
                        dec.decrypt_coefficient_residues(
                            black_box(&c0),
                            s.switched.c1(),
                            &indices,
                            method,
                        )
                    });
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, server, client);
criterion_main!(benches);
