//! Encoder benchmarks: CKKS slot encoding/decoding (special FFT, n/2 complex slots) and the
//! coefficient encoder, at n = 4096 and 8192, scale 2^40. Before the timings, prints the slot
//! encoder's measured round-trip error at n = 2^10, 2^13, 2^16 and several scales.
//!
//! Run: `cargo bench -p ckks --bench encode`

use std::hint::black_box;

use ckks::encoding::{CoeffEncoder, SlotEncoder};
use criterion::{BenchmarkId, Criterion, criterion_group};
use num_complex::Complex64;

const SCALE: f64 = 1_099_511_627_776.0; // 2^40

/// Deterministic values in [-1, 1) (the figures do not depend on them).
fn values(count: usize) -> Vec<f64> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect()
}

fn slots(c: &mut Criterion) {
    let mut group = c.benchmark_group("slot_encoder");
    for log_n in [12u32, 13] {
        let n = 1usize << log_n;
        let Ok(encoder) = SlotEncoder::new(n) else {
            return;
        };
        let reals = values(n / 2);
        let z: Vec<Complex64> = reals
            .iter()
            .zip(reals.iter().rev())
            .map(|(&re, &im)| Complex64::new(re, im))
            .collect();
        group.bench_with_input(BenchmarkId::new("new", n), &n, |b, &n| {
            b.iter(|| SlotEncoder::new(black_box(n)))
        });
        group.bench_with_input(BenchmarkId::new("encode", n), &z, |b, z| {
            b.iter(|| encoder.encode(black_box(z), SCALE))
        });
        group.bench_with_input(BenchmarkId::new("encode_real", n), &reals, |b, x| {
            b.iter(|| encoder.encode_real(black_box(x), SCALE))
        });
        let Ok(coeffs) = encoder.encode(&z, SCALE) else {
            return;
        };
        group.bench_with_input(BenchmarkId::new("decode_i128", n), &coeffs, |b, m| {
            b.iter(|| encoder.decode(black_box(m), SCALE))
        });
        let lifted: Vec<f64> = coeffs.iter().map(|&c| c as f64).collect();
        group.bench_with_input(BenchmarkId::new("decode_f64", n), &lifted, |b, m| {
            b.iter(|| encoder.decode(black_box(m), SCALE))
        });
    }
    group.finish();
}

fn coefficients(c: &mut Criterion) {
    let mut group = c.benchmark_group("coeff_encoder");
    for log_n in [12u32, 13] {
        let n = 1usize << log_n;
        let Ok(encoder) = CoeffEncoder::new(n) else {
            return;
        };
        // The scoring client's vector: 8 values at X^0..X^7.
        let features = values(8);
        group.bench_with_input(BenchmarkId::new("encode_8", n), &features, |b, x| {
            b.iter(|| encoder.encode(black_box(x), SCALE))
        });
        // A full weight polynomial: n values, one per coefficient, at X^(8j + 7 - i).
        let weights = values(n);
        let positions: Vec<usize> = (0..n).map(|k| 8 * (k / 8) + 7 - k % 8).collect();
        group.bench_with_input(BenchmarkId::new("encode_at_full", n), &weights, |b, w| {
            b.iter(|| encoder.encode_at(black_box(w), &positions, SCALE))
        });
        let Ok(coeffs) = encoder.encode_at(&weights, &positions, SCALE) else {
            return;
        };
        group.bench_with_input(BenchmarkId::new("decode_strided", n), &coeffs, |b, m| {
            b.iter(|| encoder.decode_strided(black_box(m), 7, 8, n / 8, SCALE))
        });
    }
    group.finish();
}

/// Prints the slot encoder's measured precision: the maximum error of decode(encode(z)) over
/// n/2 random slots (|Re|, |Im| < 1), next to the worst-case bound n/(2 delta) and the typical
/// size sqrt(n/12)/delta of the rounding error.
fn precision_report() {
    println!("slot encoder precision: max |decode(encode(z)) - z| over n/2 slots");
    for log_n in [10u32, 13, 16] {
        let n = 1usize << log_n;
        let Ok(encoder) = SlotEncoder::new(n) else {
            return;
        };
        let re = values(n / 2);
        let z: Vec<Complex64> = re
            .iter()
            .zip(re.iter().rev())
            .map(|(&re, &im)| Complex64::new(re, im))
            .collect();
        for log_delta in [30, 40, 60, 85] {
            let delta = 2f64.powi(log_delta);
            let Ok(back) = encoder
                .encode(&z, delta)
                .and_then(|m| encoder.decode(&m, delta))
            else {
                return;
            };
            let worst = back
                .iter()
                .zip(&z)
                .map(|(a, b)| (a - b).norm())
                .fold(0.0, f64::max);
            println!(
                "  n = 2^{log_n}, delta = 2^{log_delta}: {worst:.1e} (worst-case bound {:.1e}, \
                 typical {:.1e})",
                n as f64 / (2.0 * delta),
                (n as f64 / 12.0).sqrt() / delta
            );
        }
    }
}

criterion_group!(benches, slots, coefficients);

fn main() {
    precision_report();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
