//! Criterion benchmarks of the negacyclic NTT candidates, side by side in one run.
//!
//! Candidates, each at n = 2048, 4096, 8192, 16384:
//! - `tfhe-ntt`: `tfhe_ntt::prime64::Plan` (run-time AVX-512 IFMA for q < 2^50, AVX-512, AVX2),
//!   inverse followed by its `normalize` (division by n), with 42- and 59-bit primes;
//! - `scalar`: this crate's portable Harvey NTT (`NttPlan::new_scalar`), same primes;
//! - `ntt-crate`: the `ntt` crate 0.1.9, which computes a cyclic (not negacyclic) transform over
//!   i64 with `(a * b) % p` and so overflows above 31-bit primes: measured with a 31-bit prime
//!   only, allocation of its output vector included (its API returns a new `Vec`).
//!
//! Also the pointwise multiply-accumulate of the NTT form, scalar against the plan's kernel, and
//! the inverse of one residue class of coefficients (`ClassInverse`) against the full inverse.
//!
//! Run: `cargo bench -p ckks --bench ntt` (add `-- --warm-up-time 1 --measurement-time 3` while
//! iterating).

#![expect(
    clippy::unwrap_used,
    reason = "benchmark setup on constant, known-good parameters"
)]

use std::hint::black_box;

use ckks::params::ntt_primes;
use ckks::ring::{ClassInverse, Modulus, NttPlan};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const SIZES: [usize; 4] = [2048, 4096, 8192, 16384];
const PRIME_BITS: [u32; 2] = [42, 59];

/// Reproducible residues in [0, q) (SplitMix64).
fn residues(q: u64, n: usize) -> Vec<u64> {
    let mut s = 0x0123_4567_89ab_cdefu64;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) % q
        })
        .collect()
}

/// The largest `bits`-bit prime = 1 mod 2n.
fn prime(bits: u32, n: usize) -> u64 {
    ntt_primes(bits, n, 1, &[])
        .unwrap()
        .first()
        .copied()
        .unwrap()
}

fn bench_ntt(c: &mut Criterion) {
    let mut forward = c.benchmark_group("ntt_forward");
    for n in SIZES {
        for bits in PRIME_BITS {
            let q = prime(bits, n);
            let mut data = residues(q, n);
            let tfhe = tfhe_ntt::prime64::Plan::try_new(n, q).unwrap();
            forward.bench_with_input(
                BenchmarkId::new(format!("tfhe-ntt/{bits}b"), n),
                &n,
                |b, _| b.iter(|| tfhe.fwd(black_box(&mut data))),
            );
            let scalar = NttPlan::new_scalar(n, Modulus::new(q).unwrap()).unwrap();
            forward.bench_with_input(
                BenchmarkId::new(format!("scalar/{bits}b"), n),
                &n,
                |b, _| b.iter(|| scalar.forward(black_box(&mut data))),
            );
        }
        let p = prime(31, n);
        let p_i64 = i64::try_from(p).unwrap();
        let omega = ntt::omega(p_i64, n);
        let data: Vec<i64> = residues(p, n)
            .into_iter()
            .map(|x| i64::try_from(x).unwrap())
            .collect();
        forward.bench_with_input(BenchmarkId::new("ntt-crate/31b", n), &n, |b, _| {
            b.iter(|| ntt::ntt(black_box(&data), omega, n, p_i64))
        });
    }
    forward.finish();

    let mut inverse = c.benchmark_group("ntt_inverse");
    for n in SIZES {
        for bits in PRIME_BITS {
            let q = prime(bits, n);
            let mut data = residues(q, n);
            let tfhe = tfhe_ntt::prime64::Plan::try_new(n, q).unwrap();
            inverse.bench_with_input(
                BenchmarkId::new(format!("tfhe-ntt/{bits}b"), n),
                &n,
                |b, _| {
                    b.iter(|| {
                        tfhe.inv(black_box(&mut data));
                        tfhe.normalize(&mut data);
                    })
                },
            );
            let scalar = NttPlan::new_scalar(n, Modulus::new(q).unwrap()).unwrap();
            inverse.bench_with_input(
                BenchmarkId::new(format!("scalar/{bits}b"), n),
                &n,
                |b, _| b.iter(|| scalar.inverse(black_box(&mut data))),
            );
        }
        let p = prime(31, n);
        let p_i64 = i64::try_from(p).unwrap();
        let omega = ntt::omega(p_i64, n);
        let data: Vec<i64> = residues(p, n)
            .into_iter()
            .map(|x| i64::try_from(x).unwrap())
            .collect();
        inverse.bench_with_input(BenchmarkId::new("ntt-crate/31b", n), &n, |b, _| {
            b.iter(|| ntt::intt(black_box(&data), omega, n, p_i64))
        });
    }
    inverse.finish();
}

/// Pointwise multiply-accumulate acc += a * b (the NTT-form product), scalar Barrett
/// (`Modulus::mul_add_slices`) against the plan's kernel (`NttPlan::mul_add_assign`: tfhe-ntt
/// `mul_accumulate`, SIMD on x86).
fn bench_pointwise(c: &mut Criterion) {
    let mut group = c.benchmark_group("pointwise_mul_add");
    for n in [4096, 8192] {
        for bits in PRIME_BITS {
            let q = prime(bits, n);
            let m = Modulus::new(q).unwrap();
            let plan = NttPlan::new(n, m).unwrap();
            let (a, b) = (
                residues(q, n),
                residues(q, n).into_iter().rev().collect::<Vec<_>>(),
            );
            let mut acc = residues(q, n);
            group.bench_with_input(
                BenchmarkId::new(format!("scalar/{bits}b"), n),
                &n,
                |bench, _| bench.iter(|| m.mul_add_slices(black_box(&mut acc), &a, &b)),
            );
            group.bench_with_input(
                BenchmarkId::new(format!("{:?}/{bits}b", plan.backend()), n),
                &n,
                |bench, _| bench.iter(|| plan.mul_add_assign(black_box(&mut acc), &a, &b)),
            );
        }
    }
    group.finish();
}

/// Coefficients k = 7 mod 8 of one row from its NTT form (`ClassInverse::apply`, d = 8, r = 7)
/// against the full inverse (`NttPlan::inverse`), at n = 4096 with the primes of the `exact`
/// preset (the largest NTT-friendly primes below 2^50 and 2^45).
fn bench_class_inverse(c: &mut Criterion) {
    let mut group = c.benchmark_group("ntt_class_inverse");
    let n = 4096;
    for bits in [50, 45] {
        let q = prime(bits, n);
        let plan = NttPlan::new(n, Modulus::new(q).unwrap()).unwrap();
        let class = ClassInverse::new(&plan, 8, 7).unwrap();
        let values = residues(q, n);
        let mut out = vec![0u64; class.len()];
        group.bench_with_input(
            BenchmarkId::new(format!("class-d8/{bits}b"), n),
            &n,
            |b, _| b.iter(|| class.apply(black_box(&values), &mut out).unwrap()),
        );
        // In place, like `ntt_inverse` (its time does not depend on the values).
        let mut data = values.clone();
        group.bench_with_input(
            BenchmarkId::new(format!("full-inverse/{bits}b"), n),
            &n,
            |b, _| b.iter(|| plan.inverse(black_box(&mut data))),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_ntt, bench_pointwise, bench_class_inverse);
criterion_main!(benches);
