//! Criterion benchmarks of seed expansion, key generation and encryption at production sizes:
//! n = 4096 with two 42-bit primes and n = 8192 with primes of 49, 44 and 44 bits, the public
//! key at the first prime (the scoring protocol's output modulus); seed expansion also over the
//! `exact` preset's basis (n = 4096, primes of 50 and 45 bits), and the error sampler with the
//! server's AES-256-CTR generator and with ChaCha12. The PRG candidates include AES-CTR from
//! the `ctr` crate (`*_crate`) beside the library's own counter mode.
//!
//! Run: `cargo bench -p ckks --bench encrypt`

use std::hint::black_box;
use std::sync::Arc;

use aes::cipher::{KeyIvInit, StreamCipher};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::{ChaCha8Rng, ChaCha12Rng, ChaCha20Rng};

use ckks::encoding::CoeffEncoder;
use ckks::encrypt::{PublicKeyEncryptor, SecretKeyEncryptor};
use ckks::keys::{PublicKey, SecretKey};
use ckks::params::{Params, ParamsSpec};
use ckks::plaintext::Plaintext;
use ckks::ring::RnsBasis;
use ckks::sampling;

/// Bytes the server expands per request for `a` at n = 4096 with two 42-bit primes
/// (6 bytes per candidate coefficient).
const EXPANSION_BYTES: usize = 48 * 1024;

fn chacha<R: SeedableRng<Seed = [u8; 32]> + RngCore>(seed: [u8; 32], out: &mut [u8]) {
    let mut rng = R::from_seed(seed);
    rng.fill_bytes(out);
}

fn aes128_ctr_crate(seed: [u8; 32], out: &mut [u8]) {
    let key: [u8; 16] = seed.first_chunk().copied().unwrap_or_default();
    let iv: [u8; 16] = seed.last_chunk().copied().unwrap_or_default();
    let mut cipher = ctr::Ctr128LE::<aes::Aes128>::new(&key.into(), &iv.into());
    out.fill(0);
    cipher.apply_keystream(out);
}

fn aes256_ctr_crate(seed: [u8; 32], out: &mut [u8]) {
    let mut cipher = ctr::Ctr128LE::<aes::Aes256>::new(&seed.into(), &[0u8; 16].into());
    out.fill(0);
    cipher.apply_keystream(out);
}

/// The library's AES-256-CTR ([`sampling::AesCtrRng`]): counter blocks encrypted in place.
fn aes256_ctr(seed: [u8; 32], out: &mut [u8]) {
    sampling::AesCtrRng::from_seed(seed).fill_bytes(out);
}

fn prg(c: &mut Criterion) {
    let mut group = c.benchmark_group("prg_48KiB");
    group.throughput(Throughput::Bytes(EXPANSION_BYTES as u64));
    let seed = [7u8; 32];
    let mut out = vec![0u8; EXPANSION_BYTES];
    type Expand = fn([u8; 32], &mut [u8]);
    let candidates: [(&str, Expand); 6] = [
        ("chacha20", chacha::<ChaCha20Rng>),
        ("chacha12", chacha::<ChaCha12Rng>),
        ("chacha8", chacha::<ChaCha8Rng>),
        ("aes128_ctr_crate", aes128_ctr_crate),
        ("aes256_ctr_crate", aes256_ctr_crate),
        ("aes256_ctr", aes256_ctr),
    ];
    for (name, expand) in candidates {
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| expand(black_box(seed), black_box(&mut out)));
        });
    }
    group.finish();
}

/// The production parameter sets: (label, params, one-prime output basis).
fn production() -> Vec<(&'static str, Arc<Params>, Arc<RnsBasis>)> {
    [(12, &[42u32, 42][..]), (13, &[49, 44, 44][..])]
        .into_iter()
        .filter_map(|(log_n, bits)| {
            let params = Params::new(ParamsSpec::with_prime_bits(log_n, bits, &[]).ok()?).ok()?;
            let out = params.basis_at(0).ok()?;
            let label = if log_n == 12 { "n4096" } else { "n8192" };
            Some((label, params, out))
        })
        .collect()
}

/// A profile-like plaintext: 8 values at coefficients 0..7, scale 2^40.
fn profile(params: &Arc<Params>) -> Option<Plaintext> {
    let values = [0.78, 0.71, 0.65, 0.48, 0.36, 0.59, 0.27, 0.83];
    let scale = 2f64.powi(40);
    let coeffs = CoeffEncoder::new(params.n())
        .ok()?
        .encode(&values, scale)
        .ok()?;
    Plaintext::from_i128(params.basis(), &coeffs, scale).ok()
}

/// The `exact` preset's basis (n = 4096, primes of 50 and 45 bits) and its first prime alone.
fn exact_bases() -> Option<(Arc<RnsBasis>, Arc<RnsBasis>)> {
    let params = Params::new(ParamsSpec::with_prime_bits(12, &[50, 45], &[]).ok()?).ok()?;
    Some((params.basis().clone(), params.basis_at(0).ok()?))
}

fn seed_expansion(c: &mut Criterion) {
    let mut group = c.benchmark_group("expand_a");
    if let Some((basis, first)) = exact_bases() {
        group.bench_function(BenchmarkId::new("ciphertext_basis", "exact_n4096"), |b| {
            b.iter(|| sampling::uniform_ntt_from_seed(&basis, black_box(&[3; 32])));
        });
        group.bench_function(BenchmarkId::new("output_prime", "exact_n4096"), |b| {
            b.iter(|| sampling::uniform_ntt_from_seed(&first, black_box(&[3; 32])));
        });
    }
    for (label, params, out) in production() {
        group.bench_function(BenchmarkId::new("ciphertext_basis", label), |b| {
            b.iter(|| sampling::uniform_ntt_from_seed(params.basis(), black_box(&[3; 32])));
        });
        group.bench_function(BenchmarkId::new("output_prime", label), |b| {
            b.iter(|| sampling::uniform_ntt_from_seed(&out, black_box(&[3; 32])));
        });
    }
    group.finish();
}

fn samplers(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let mut group = c.benchmark_group("sample_chacha20");
    for n in [4096usize, 8192] {
        group.bench_function(BenchmarkId::new("ternary", n), |b| {
            b.iter(|| sampling::ternary(&mut rng, black_box(n)));
        });
        group.bench_function(BenchmarkId::new("error_sigma_3_2", n), |b| {
            b.iter(|| sampling::error(&mut rng, black_box(n), 3.2));
        });
    }
    group.finish();
}

/// `error(rng, 4096, 3.2)` (CBD(21)) with the server's AES-256-CTR generator and with ChaCha12.
fn error_sampler(c: &mut Criterion) {
    let mut group = c.benchmark_group("error_sampler");
    let mut aes = sampling::AesCtrRng::from_seed([4; 32]);
    group.bench_function(BenchmarkId::new("aes256_ctr", 4096), |b| {
        b.iter(|| sampling::error(&mut aes, black_box(4096), 3.2));
    });
    let mut chacha = ChaCha12Rng::from_seed([4; 32]);
    group.bench_function(BenchmarkId::new("chacha12", 4096), |b| {
        b.iter(|| sampling::error(&mut chacha, black_box(4096), 3.2));
    });
    group.finish();
    let mut group = c.benchmark_group("ternary_sampler");
    let mut out = vec![0i8; 4096];
    group.bench_function(BenchmarkId::new("aes256_ctr", 4096), |b| {
        b.iter(|| sampling::ternary_into(&mut aes, black_box(&mut out)));
    });
    group.finish();
}

fn keys_and_encryption(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let mut group = c.benchmark_group("encrypt");
    for (label, params, out) in production() {
        let Some(pt) = profile(&params) else { continue };
        group.bench_function(BenchmarkId::new("keygen_sk_seeded_pk", label), |b| {
            b.iter(|| {
                let sk = SecretKey::generate(&params, &mut rng);
                let pk = PublicKey::generate(&sk, &out, &mut rng);
                (sk, pk)
            });
        });
        let sk = SecretKey::generate(&params, &mut rng);
        group.bench_function(BenchmarkId::new("secret_key_seeded", label), |b| {
            let enc = SecretKeyEncryptor::new(&sk);
            b.iter(|| enc.encrypt(black_box(&pt), &mut rng));
        });
        let Ok(pk) = PublicKey::generate(&sk, params.basis(), &mut rng) else {
            continue;
        };
        group.bench_function(BenchmarkId::new("public_key", label), |b| {
            b.iter(|| {
                PublicKeyEncryptor::new(&params, &pk)
                    .and_then(|enc| enc.encrypt(black_box(&pt), &mut rng))
            });
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    prg,
    seed_expansion,
    samplers,
    error_sampler,
    keys_and_encryption
);
criterion_main!(benches);
