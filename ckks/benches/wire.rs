//! Criterion benchmarks of the wire format: raw bit-packing of a polynomial, and encode/decode
//! of a seeded ciphertext and a public key (decode includes every residue check; it does not
//! expand the seed).
//!
//! Parameter sets: n = 4096 with two 42-bit primes (84 bits per coefficient), n = 4096 with
//! 50 + 45-bit primes (the `exact` preset's chain) and n = 8192 with 49 + 44 + 44-bit primes
//! (the `private-plus` chain).
//!
//! Run: `cargo bench -p ckks --bench wire` (add `-- --warm-up-time 1 --measurement-time 3`
//! while iterating).

#![expect(
    clippy::unwrap_used,
    reason = "benchmark setup on constant, known-good parameters"
)]

use std::hint::black_box;
use std::sync::Arc;

use ckks::ciphertext::SeededCiphertext;
use ckks::keys::{PublicKey, SecretKey};
use ckks::params::{Params, ParamsSpec};
use ckks::sampling::uniform_ntt;
use ckks::wire::{self, Writer, bitpack};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SETS: [(&str, u32, &[u32]); 3] = [
    ("n4096-42x2", 12, &[42, 42]),
    ("n4096-50+45", 12, &[50, 45]),
    ("n8192-49+44x2", 13, &[49, 44, 44]),
];

fn params(log_n: u32, bits: &[u32]) -> Arc<Params> {
    Params::new(ParamsSpec::with_prime_bits(log_n, bits, &[]).unwrap()).unwrap()
}

fn bench_wire(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::from_seed([11; 32]);
    let mut group = c.benchmark_group("wire");
    for (name, log_n, bits) in SETS {
        let params = params(log_n, bits);
        let basis = Arc::clone(params.basis());
        let moduli: Vec<u64> = basis.moduli().iter().map(|m| m.value()).collect();
        let n = params.n();

        let poly = uniform_ntt(&mut rng, &basis).unwrap();
        let packed_len = wire::packed_poly_len(&basis).unwrap();
        group.throughput(Throughput::Bytes(packed_len as u64));
        group.bench_function(BenchmarkId::new("pack_poly", name), |b| {
            b.iter(|| {
                let mut w = Writer::with_capacity(packed_len);
                bitpack::pack_rows(&mut w, black_box(poly.as_slice()), n, &moduli).unwrap();
                w.into_bytes()
            });
        });
        let mut w = Writer::new();
        wire::write_poly(&mut w, &poly).unwrap();
        let packed = w.into_bytes();
        let mut out = vec![0_u64; n * moduli.len()];
        group.bench_function(BenchmarkId::new("unpack_poly", name), |b| {
            b.iter(|| bitpack::unpack_rows_into(black_box(&packed), n, &moduli, &mut out).unwrap());
        });

        let ct = SeededCiphertext::new(
            uniform_ntt(&mut rng, &basis).unwrap(),
            [3; 32],
            2f64.powi(40),
        )
        .unwrap();
        let bytes = wire::encode_seeded_ciphertext(&params, &ct).unwrap();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new("encode_seeded_ciphertext", name), |b| {
            b.iter(|| wire::encode_seeded_ciphertext(&params, black_box(&ct)).unwrap());
        });
        group.bench_function(BenchmarkId::new("decode_seeded_ciphertext", name), |b| {
            b.iter(|| wire::decode_seeded_ciphertext(&params, black_box(&bytes)).unwrap());
        });

        let sk = SecretKey::generate(&params, &mut rng);
        let pk = PublicKey::generate(&sk, &basis, &mut rng).unwrap();
        let bytes = wire::encode_public_key(&params, &pk).unwrap();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new("encode_public_key", name), |b| {
            b.iter(|| wire::encode_public_key(&params, black_box(&pk)).unwrap());
        });
        group.bench_function(BenchmarkId::new("decode_public_key", name), |b| {
            b.iter(|| wire::decode_public_key(&params, black_box(&bytes)).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, bench_wire);
criterion_main!(benches);
