//! Criterion benchmarks of seed expansion, key generation and encryption at production sizes.
//!
//! Run: `cargo bench -p ckks --bench encrypt`

use std::hint::black_box;

use aes::cipher::{KeyIvInit, StreamCipher};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::{ChaCha8Rng, ChaCha12Rng, ChaCha20Rng};

/// Bytes the server expands per request for `a` at n = 4096 with two 42-bit primes
/// (6 bytes per candidate coefficient).
const EXPANSION_BYTES: usize = 48 * 1024;

fn chacha<R: SeedableRng<Seed = [u8; 32]> + RngCore>(seed: [u8; 32], out: &mut [u8]) {
    let mut rng = R::from_seed(seed);
    rng.fill_bytes(out);
}

fn aes128_ctr(seed: [u8; 32], out: &mut [u8]) {
    let (key, iv) = seed.split_at(16);
    let mut cipher = ctr::Ctr128LE::<aes::Aes128>::new(key.into(), iv.into());
    out.fill(0);
    cipher.apply_keystream(out);
}

fn aes256_ctr(seed: [u8; 32], out: &mut [u8]) {
    let mut cipher = ctr::Ctr128LE::<aes::Aes256>::new(&seed.into(), &[0u8; 16].into());
    out.fill(0);
    cipher.apply_keystream(out);
}

fn prg(c: &mut Criterion) {
    let mut group = c.benchmark_group("prg_48KiB");
    group.throughput(Throughput::Bytes(EXPANSION_BYTES as u64));
    let seed = [7u8; 32];
    let mut out = vec![0u8; EXPANSION_BYTES];
    type Expand = fn([u8; 32], &mut [u8]);
    let candidates: [(&str, Expand); 5] = [
        ("chacha20", chacha::<ChaCha20Rng>),
        ("chacha12", chacha::<ChaCha12Rng>),
        ("chacha8", chacha::<ChaCha8Rng>),
        ("aes128_ctr", aes128_ctr),
        ("aes256_ctr", aes256_ctr),
    ];
    for (name, expand) in candidates {
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| expand(black_box(seed), black_box(&mut out)));
        });
    }
    group.finish();
}

criterion_group!(benches, prg);
criterion_main!(benches);
