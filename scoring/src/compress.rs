//! Compression of polynomials mod Q to t bits per coefficient (Kyber's `Compress_q`).
//!
//! `compress(x) = round(x * 2^t / Q) mod 2^t` and `decompress(y) = round(y * Q / 2^t)`, so
//! `decompress(compress(x)) = x + d` with `|d| <= Q / 2^(t+1) + 1` (a rounding error of step
//! `Q / 2^t`). The scoring protocol sends the public key and the response's `c1'` this way: the
//! low bits of an RLWE sample are noise, and dropping them costs far less precision than the
//! bytes they take (`docs/parameters.md`).
//!
//! Both work on RNS residues with u128 arithmetic only:
//! - compress: `x / Q = sum_i y_i / q_i mod 1` with `y_i = x_i (Q/q_i)^-1 mod q_i` (CRT), each
//!   `y_i 2^t / q_i` taken in fixed point with [`FRACTION_BITS`] extra bits (error < 2^-20 per
//!   modulus, against a rounding step of 1);
//! - decompress: with `Q = A 2^t + B` (`B < 2^t`), `y Q / 2^t = y A + y B / 2^t`, so
//!   `decompress(y) mod q_i = y (A mod q_i) + round(y B / 2^t) mod q_i`.
//!
//! # Security
//! Variable time; used on public data (public keys, responses) only.

use std::sync::Arc;

use ckks::ring::{Coeff, Poly, RnsBasis};
use num_bigint::BigUint;
use num_traits::ToPrimitive;

use crate::error::Result;

/// Extra fixed-point bits in [`Compressor::compress`].
pub const FRACTION_BITS: u32 = 24;

/// Precomputed constants to compress and decompress polynomials of one basis to `t` bits.
#[derive(Debug, Clone)]
pub struct Compressor {
    basis: Arc<RnsBasis>,
    bits: u32,
    /// Per modulus: (Q/q_i)^-1 mod q_i.
    crt_inv: Vec<u64>,
    /// Per modulus: floor(Q / 2^t) mod q_i.
    high_mod: Vec<u64>,
    /// Q mod 2^t.
    low: u64,
    /// One modulus q with 2^t < q: floor(2^(t+64) / q), for the division-free path.
    single_ratio: Option<u64>,
}

impl Compressor {
    /// Constants for `basis` and `bits` in 1..=50.
    ///
    /// # Errors
    /// `ckks::Error::ModulusSize` if `bits` is 0 or above 50 (the fixed point must fit u128).
    pub fn new(basis: &Arc<RnsBasis>, bits: u32) -> Result<Self> {
        if !(1..=50).contains(&bits) {
            return Err(ckks::Error::ModulusSize {
                bits,
                min: 1,
                max: 50,
            }
            .into());
        }
        let q: BigUint = basis.product();
        let high = &q >> bits;
        let low = (&q & ((BigUint::from(1u8) << bits) - 1u8))
            .to_u64()
            .unwrap_or(0);
        let mut crt_inv = Vec::with_capacity(basis.len());
        let mut high_mod = Vec::with_capacity(basis.len());
        for m in basis.moduli() {
            let qi = BigUint::from(m.value());
            let punctured = (&q / &qi) % &qi;
            let inv = m
                .inv(punctured.to_u64().unwrap_or(0))
                .ok_or(ckks::Error::ParamsMismatch)?;
            crt_inv.push(inv);
            high_mod.push((&high % &qi).to_u64().unwrap_or(0));
        }
        let single_ratio = match basis.moduli() {
            [m] if m.value() > 1 << bits => {
                u64::try_from((1u128 << (bits + 64)) / u128::from(m.value())).ok()
            }
            _ => None,
        };
        Ok(Self {
            basis: Arc::clone(basis),
            bits,
            crt_inv,
            high_mod,
            low,
            single_ratio,
        })
    }

    /// Bits per compressed coefficient.
    pub const fn bits(&self) -> u32 {
        self.bits
    }

    /// The basis (modulus Q) this compressor works for.
    pub fn basis(&self) -> &Arc<RnsBasis> {
        &self.basis
    }

    /// `round(x * 2^t / Q) mod 2^t` for every coefficient x of `poly` (in `[0, 2^t)`).
    ///
    /// # Errors
    /// `ckks::Error::ParamsMismatch` if `poly` is over another basis.
    pub fn compress(&self, poly: &Poly<Coeff>) -> Result<Vec<u64>> {
        if !poly.basis().same_as(&self.basis) {
            return Err(ckks::Error::ParamsMismatch.into());
        }
        let n = poly.n();
        // One modulus: x * r / 2^64 = x 2^t / q - x * eps / 2^64 with r = floor(2^(t+64) / q),
        // eps < 1 and x < 2^50: the error is below 2^-14, so the result is the correctly rounded
        // value except within 2^-14 of a tie (either neighbour is then a valid rounding).
        if let Some(out) = poly.row(0).and_then(|row| self.compress_row(row)) {
            return Ok(out);
        }
        let shift = self.bits + FRACTION_BITS;
        let mask: u128 = (1u128 << shift) - 1;
        let mut acc = vec![0u128; n];
        for ((row, m), &inv) in poly.rows().zip(self.basis.moduli()).zip(&self.crt_inv) {
            let q = u128::from(m.value());
            let inv_shoup = m.shoup(inv);
            for (a, &x) in acc.iter_mut().zip(row) {
                let y = u128::from(m.mul_shoup(x, inv, inv_shoup));
                // y < q < 2^50, shift <= 74: the product fits u128.
                *a = (*a + (y << shift) / q) & mask;
            }
        }
        let half = 1u128 << (FRACTION_BITS - 1);
        let out_mask = (1u128 << self.bits) - 1;
        Ok(acc
            .into_iter()
            .map(|a| (((a + half) >> FRACTION_BITS) & out_mask) as u64)
            .collect())
    }

    /// As [`Compressor::compress`] for the values of a one-modulus row (each below q), or `None`
    /// when this compressor is not for one modulus above 2^t.
    pub fn compress_row(&self, row: &[u64]) -> Option<Vec<u64>> {
        let ratio = self.single_ratio?;
        let mask = (1u64 << self.bits) - 1;
        Some(
            row.iter()
                .map(|&x| (((u128::from(x) * u128::from(ratio) + (1 << 63)) >> 64) as u64) & mask)
                .collect(),
        )
    }

    /// `round(y * Q / 2^t)` for every value y (each below 2^t), as a polynomial mod Q.
    ///
    /// # Errors
    /// `ckks::Error::LengthMismatch` unless there are n values; `ckks::Error::ResidueOutOfRange`
    /// for a value at or above 2^t.
    pub fn decompress(&self, values: &[u64]) -> Result<Poly<Coeff>> {
        let n = self.basis.n();
        if values.len() != n {
            return Err(ckks::Error::LengthMismatch {
                what: "compressed coefficients",
                expected: n,
                found: values.len(),
            }
            .into());
        }
        let limit = 1u64 << self.bits;
        // Some value is at or above the power of two 2^t exactly when their OR is (one
        // vectorized pass); the offender is located only on error.
        if values.iter().fold(0, |acc, &v| acc | v) >= limit
            && let Some(&value) = values.iter().find(|&&v| v >= limit)
        {
            return Err(ckks::Error::ResidueOutOfRange {
                row: 0,
                value,
                modulus: limit,
            }
            .into());
        }
        let half = 1u128 << (self.bits - 1);
        if let [m] = self.basis.moduli()
            && m.value() > 1 << self.bits
        {
            // One modulus q > 2^t: round(y q / 2^t) directly (y q < 2^114), below q.
            let q = u128::from(m.value());
            let row = values
                .iter()
                .map(|&y| ((u128::from(y) * q + half) >> self.bits) as u64)
                .collect();
            return Ok(Poly::from_rows(&self.basis, row)?);
        }
        let fraction: Vec<u64> = values
            .iter()
            .map(|&y| ((u128::from(y) * u128::from(self.low) + half) >> self.bits) as u64)
            .collect();
        let mut rows = Vec::with_capacity(n * self.basis.len());
        for (m, &a) in self.basis.moduli().iter().zip(&self.high_mod) {
            let a_shoup = m.shoup(a);
            rows.extend(
                values
                    .iter()
                    .zip(&fraction)
                    .map(|(&y, &f)| m.add(m.mul_shoup(m.reduce(y), a, a_shoup), m.reduce(f))),
            );
        }
        Ok(Poly::from_rows(&self.basis, rows)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigInt;
    use num_integer::Integer;
    use proptest::prelude::*;

    fn basis(bits: &[u32]) -> Arc<RnsBasis> {
        let spec = ckks::params::ParamsSpec::with_prime_bits(12, bits, &[]).unwrap();
        RnsBasis::new(1 << 12, &spec.moduli).unwrap()
    }

    /// Exact reference with big integers: round(x 2^t / Q) mod 2^t.
    fn reference(x: &BigInt, q: &BigInt, t: u32) -> u64 {
        let x = x.mod_floor(q);
        let num: BigInt = (x << t) * 2 + q;
        let r: BigInt = num.div_floor(&(q * 2));
        r.mod_floor(&(BigInt::from(1u8) << t)).to_u64().unwrap()
    }

    fn random_poly(basis: &Arc<RnsBasis>, seed: u64) -> Poly<Coeff> {
        let mut state = seed;
        let rows = basis
            .moduli()
            .iter()
            .flat_map(|m| {
                (0..basis.n())
                    .map(|_| {
                        state = state
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        (state >> 11) % m.value()
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        Poly::from_rows(basis, rows).unwrap()
    }

    #[test]
    fn compress_matches_exact_rounding() {
        for (bits, t) in [
            (vec![50, 45], 47),
            (vec![38, 22], 33),
            (vec![49, 44, 44], 45),
            (vec![50], 47),
        ] {
            let b = basis(&bits);
            let c = Compressor::new(&b, t).unwrap();
            let p = random_poly(&b, 7);
            let got = c.compress(&p).unwrap();
            let q = BigInt::from(b.product());
            for (k, x) in p.lift_centered().iter().enumerate() {
                assert_eq!(got[k], reference(x, &q, t), "bits {bits:?} k {k}");
            }
        }
    }

    #[test]
    fn decompress_error_is_below_half_a_step() {
        for (bits, t) in [
            (vec![50, 45], 47),
            (vec![50], 47),
            (vec![38, 22], 33),
            (vec![38], 33),
            (vec![49, 44, 44], 45),
        ] {
            let b = basis(&bits);
            let c = Compressor::new(&b, t).unwrap();
            let p = random_poly(&b, 11);
            // Decompression is round(y Q / 2^t) exactly, on every path.
            let values = c.compress(&p).unwrap();
            let q_big = BigInt::from(b.product());
            let direct = c.decompress(&values).unwrap().lift_centered();
            for (&y, got) in values.iter().zip(&direct).take(64) {
                let want = ((BigInt::from(y) * &q_big) + (BigInt::from(1u8) << (t - 1))) >> t;
                let mut want = want.mod_floor(&q_big);
                if want > &q_big / 2 {
                    want -= &q_big;
                }
                assert_eq!(got, &want, "bits {bits:?}");
            }
            let back = c.decompress(&c.compress(&p).unwrap()).unwrap();
            let q = BigInt::from(b.product());
            // |d| <= Q / 2^(t+1) + 1 (one rounding each way).
            let limit: BigInt = (&q >> (t + 1)) + 2;
            for (x, y) in p.lift_centered().iter().zip(back.lift_centered()) {
                let mut d = (y - x).mod_floor(&q);
                if d > &q / 2 {
                    d -= &q;
                }
                assert!(d.magnitude() <= limit.magnitude(), "{d} > {limit}");
            }
        }
    }

    #[test]
    fn decompress_rejects_out_of_range_and_wrong_length() {
        let b = basis(&[50, 45]);
        let c = Compressor::new(&b, 47).unwrap();
        let mut v = vec![0u64; b.n()];
        v[3] = 1 << 47;
        assert!(matches!(
            c.decompress(&v),
            Err(crate::Error::Ckks(ckks::Error::ResidueOutOfRange { value, .. })) if value == 1 << 47
        ));
        assert!(matches!(
            c.decompress(&v[1..]),
            Err(crate::Error::Ckks(ckks::Error::LengthMismatch { .. }))
        ));
        assert!(Compressor::new(&b, 0).is_err());
        assert!(Compressor::new(&b, 51).is_err());
    }

    proptest! {
        #[test]
        fn compress_of_decompress_is_identity(values in proptest::collection::vec(0u64..(1 << 33), 4096)) {
            let b = basis(&[38, 22]);
            let c = Compressor::new(&b, 33).unwrap();
            // 2^33 < Q: each value has its own preimage, and compress(decompress(y)) = y.
            let back = c.compress(&c.decompress(&values).unwrap()).unwrap();
            prop_assert_eq!(back, values);
        }
    }
}
