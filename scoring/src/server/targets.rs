//! Target coefficients of negacyclic products computed directly in coefficient form, for
//! catalogs so small that a few dot products beat the NTTs of a whole polynomial.
//!
//! In `Z_q[X]/(X^n + 1)`, coefficient t of `a * b` is
//! `sum_{m <= t} a_m b_(t-m) - sum_{m > t} a_m b_(n+t-m)`.
//!
//! # Security
//! Time depends on the positions (public: they follow from the product count) and not on the
//! values; the ternary u is the server's secret and is read in full for every target.

use ckks::ring::Modulus;
use zeroize::Zeroizing;

/// `(c W)[t] mod q` for W given by its non-zero coefficients (`positions`, residues `values`),
/// c one row in coefficient form, appended to `out` for every target t.
pub(super) fn sparse_product_at(
    m: &Modulus,
    c: &[u64],
    positions: &[usize],
    values: &[u64],
    targets: impl Iterator<Item = usize>,
    out: &mut Vec<u64>,
) {
    let n = c.len();
    for t in targets {
        // Up to 8 * 512 terms below 2^100 each: < 2^112, no overflow in u128.
        let (mut plus, mut minus) = (0u128, 0u128);
        for (&p, &w) in positions.iter().zip(values) {
            let (index, negate) = if p <= t {
                (t - p, false)
            } else {
                (n + t - p, true)
            };
            let term = u128::from(c.get(index).copied().unwrap_or(0)) * u128::from(w);
            if negate {
                minus += term;
            } else {
                plus += term;
            }
        }
        out.push(m.sub(m.reduce_u128(plus), m.reduce_u128(minus)));
    }
}

/// A ternary polynomial as two masks per coefficient (all ones where u = 1, resp. u = -1), so
/// that a dot product with u is two masked sums: no multiplication, no branch.
pub(super) struct TernaryMasks {
    plus: Zeroizing<Vec<u64>>,
    minus: Zeroizing<Vec<u64>>,
}

impl TernaryMasks {
    /// The masks of u (values in {-1, 0, 1}).
    pub(super) fn new(u: &[i8]) -> Self {
        ckks::ring::vectorized(
            #[inline(always)]
            || Self {
                plus: Zeroizing::new(u.iter().map(|&t| u64::from(t > 0).wrapping_neg()).collect()),
                minus: Zeroizing::new(u.iter().map(|&t| u64::from(t < 0).wrapping_neg()).collect()),
            },
        )
    }
}

/// `(u p)[t] mod q` for a ternary u (as [`TernaryMasks`]) and `p_rev` = p reversed
/// (`p_rev[x] = p[n - 1 - x]`, one row, values < q), appended to `out` for every target t.
pub(super) fn ternary_product_at(
    m: &Modulus,
    u: &TernaryMasks,
    p_rev: &[u64],
    targets: impl Iterator<Item = usize>,
    out: &mut Vec<u64>,
) {
    let n = u.plus.len();
    // Terms per u64 partial sum so that it cannot wrap: chunk * q <= 2^64.
    let chunk = 1usize << (64 - m.bits()).min(30);
    for t in targets {
        let split = (t + 1).min(n);
        let (low_plus, high_plus) = u.plus.split_at(split);
        let (low_minus, high_minus) = u.minus.split_at(split);
        let (high_p, low_p) = p_rev.split_at(n - split);
        // sum_{m <= t} u_m p_(t-m) = <u[..=t], rev[n-1-t..]>; sum_{m > t} u_m p_(n+t-m) =
        // <u[t+1..], rev[..n-1-t]>.
        let low = signed_sum(low_plus, low_minus, low_p, chunk, m);
        let high = signed_sum(high_plus, high_minus, high_p, chunk, m);
        out.push(m.sub(low, high));
    }
}

/// `sum_i (x_i & plus_i) - sum_i (x_i & minus_i) mod q` for x < q, one pass over x, in u64
/// partial sums of `chunk` terms.
fn signed_sum(plus: &[u64], minus: &[u64], x: &[u64], chunk: usize, m: &Modulus) -> u64 {
    // Compiled for AVX-512 where the processor has it: the masked sums vectorize.
    ckks::ring::vectorized(
        #[inline(always)]
        || {
            let mut total = 0u64;
            for ((ps, ms), xs) in plus
                .chunks(chunk)
                .zip(minus.chunks(chunk))
                .zip(x.chunks(chunk))
            {
                let (p, n) = ps
                    .iter()
                    .zip(ms)
                    .zip(xs)
                    .fold((0u64, 0u64), |(p, n), ((&kp, &km), &v)| {
                        (p.wrapping_add(kp & v), n.wrapping_add(km & v))
                    });
                total = m.add(total, m.sub(m.reduce(p), m.reduce(n)));
            }
            total
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ckks::ring::{Poly, RnsBasis};
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};
    use std::sync::Arc;

    fn reversed(p: &[u64]) -> Vec<u64> {
        p.iter().rev().copied().collect()
    }

    fn basis(bits: &[u32]) -> Arc<RnsBasis> {
        let spec = ckks::params::ParamsSpec::with_prime_bits(10, bits, &[]).unwrap();
        RnsBasis::new(1 << 10, &spec.moduli).unwrap()
    }

    fn product(b: &Arc<RnsBasis>, x: &[i64], y: &[i64]) -> Poly<ckks::ring::Coeff> {
        Poly::from_i64(b, x)
            .unwrap()
            .to_ntt()
            .mul(&Poly::from_i64(b, y).unwrap().to_ntt())
            .unwrap()
            .into_coeff()
    }

    #[test]
    fn direct_targets_match_the_ntt_product() {
        for bits in [&[50u32, 45][..], &[59], &[30]] {
            let b = basis(bits);
            let n = b.n();
            let mut rng = ChaCha20Rng::seed_from_u64(u64::from(bits[0]));
            let c: Vec<i64> = (0..n)
                .map(|_| (rng.next_u64() >> 20) as i64 - (1 << 43))
                .collect();
            let mut w = vec![0i64; n];
            let positions = [0usize, 7, 8, 100, 511, 1023];
            for &p in &positions {
                w[p] = (rng.next_u64() >> 24) as i64 - (1 << 39);
            }
            let u: Vec<i8> = (0..n).map(|_| (rng.next_u32() % 3) as i8 - 1).collect();
            let u_wide: Vec<i64> = u.iter().map(|&x| i64::from(x)).collect();
            let targets = [0usize, 7, 15, 99, 512, 1022, 1023];
            let cw = product(&b, &c, &w);
            let uc = product(&b, &u_wide, &c);
            let c_poly = Poly::from_i64(&b, &c).unwrap();
            for (r, m) in b.moduli().iter().enumerate() {
                let row = c_poly.row(r).unwrap();
                let values: Vec<u64> = positions.iter().map(|&p| m.reduce_i64(w[p])).collect();
                let mut got = Vec::new();
                sparse_product_at(m, row, &positions, &values, targets.into_iter(), &mut got);
                let want: Vec<u64> = targets.iter().map(|&t| cw.row(r).unwrap()[t]).collect();
                assert_eq!(got, want, "sparse, row {r}");
                let mut got = Vec::new();
                ternary_product_at(
                    m,
                    &TernaryMasks::new(&u),
                    &reversed(row),
                    targets.into_iter(),
                    &mut got,
                );
                let want: Vec<u64> = targets.iter().map(|&t| uc.row(r).unwrap()[t]).collect();
                assert_eq!(got, want, "ternary, row {r}");
            }
        }
    }

    #[test]
    fn ternary_sums_survive_extreme_values() {
        // All u = 1 against all p = q - 1: the largest partial sums.
        let b = basis(&[59]);
        let m = b.moduli()[0];
        let n = b.n();
        let u = vec![1i8; n];
        let p = vec![m.value() - 1; n];
        let mut got = Vec::new();
        ternary_product_at(
            &m,
            &TernaryMasks::new(&u),
            &reversed(&p),
            [0usize, n - 1].into_iter(),
            &mut got,
        );
        // t = n - 1: sum of n copies of -1; t = 0: one -1 minus (n - 1) copies of -1.
        let minus_one = m.value() - 1;
        assert_eq!(got[1], m.mul(minus_one, n as u64 % m.value()));
        assert_eq!(got[0], m.sub(minus_one, m.mul(minus_one, (n - 1) as u64)));
    }
}
