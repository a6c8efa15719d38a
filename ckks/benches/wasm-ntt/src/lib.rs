//! NTT kernels on wasm32, timed by `bench.mjs` under node.

use ckks::params::ntt_primes;
use ckks::ring::{Modulus, NttPlan};

/// Reproducible residues in [0, q) (SplitMix64), as in `benches/ntt.rs`.
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

/// Builds a plan for (n, largest `bits`-bit prime = 1 mod 2n) and runs `iters` transforms.
/// kind: 0 scalar forward, 1 scalar inverse, 2 tfhe-ntt forward, 3 tfhe-ntt inverse + normalize.
/// Returns a checksum of the result (so nothing is optimized away), or 0 on bad input.
#[unsafe(no_mangle)]
pub extern "C" fn run(kind: u32, n: u32, bits: u32, iters: u32) -> u64 {
    let n = n as usize;
    let Some(q) = ntt_primes(bits, n, 1, &[]).ok().and_then(|p| p.first().copied()) else {
        return 0;
    };
    let mut data = residues(q, n);
    match kind {
        0 | 1 => {
            let Ok(plan) = Modulus::new(q).and_then(|m| NttPlan::new_scalar(n, m)) else {
                return 0;
            };
            for _ in 0..iters {
                if kind == 0 {
                    plan.forward(&mut data)
                } else {
                    plan.inverse(&mut data)
                }
            }
        }
        _ => {
            let Some(plan) = tfhe_ntt::prime64::Plan::try_new(n, q) else {
                return 0;
            };
            for _ in 0..iters {
                if kind == 2 {
                    plan.fwd(&mut data)
                } else {
                    plan.inv(&mut data);
                    plan.normalize(&mut data)
                }
            }
        }
    }
    data.iter().fold(0u64, |a, &x| a.wrapping_add(x))
}
