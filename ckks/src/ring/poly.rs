//! Polynomials of `R_Q = Z_Q[X]/(X^n + 1)` in RNS form, Q = q_0 * ... * q_(L-1), stored as L rows
//! of n residues (row i holds the polynomial mod q_i).
//!
//! The representation is part of the type: [`Poly<Coeff>`] holds coefficients
//! p(X) = a_0 + a_1 X + ... + a_(n-1) X^(n-1); [`Poly<Ntt>`] holds, per row, the values of p at
//! the odd powers of a primitive 2n-th root of unity (see [`crate::ring::ntt`]), where the
//! negacyclic product is pointwise. Only [`Poly<Ntt>`] multiplies; conversions consume or copy.
//! Mixing the forms does not compile:
//!
//! ```compile_fail
//! use ckks::ring::{Coeff, Ntt, Poly, RnsBasis};
//! let basis = RnsBasis::new(16, &[4_398_044_938_241]).unwrap();
//! let mut a = Poly::<Coeff>::zero(&basis);
//! let b = Poly::<Ntt>::zero(&basis);
//! a.add_assign(&b).unwrap(); // expected `Poly<Coeff>`, found `Poly<Ntt>`
//! ```
//!
//! ```
//! use ckks::ring::{Coeff, Poly, RnsBasis};
//! let basis = RnsBasis::new(16, &[4_398_044_938_241]).unwrap();
//! let mut a = Poly::<Coeff>::zero(&basis);
//! let b = Poly::<Coeff>::zero(&basis).to_ntt().into_coeff();
//! a.add_assign(&b).unwrap();
//! ```
//!
//! # Security
//! Arithmetic on rows is constant time (see [`Modulus`]). [`Zeroize`] clears the rows; `Debug`
//! prints the shape only. The lifts and `switch_modulus` run in variable time.

use core::marker::PhantomData;
use std::sync::Arc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::ToPrimitive;
use zeroize::Zeroize;

use crate::ring::modulus::Modulus;
use crate::ring::rns::RnsBasis;
use crate::{Error, Result};

/// Marker: coefficient form, p(X) = a_0 + a_1 X + ... + a_(n-1) X^(n-1), row i reduced mod q_i.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coeff;

/// Marker: evaluation (NTT) form, row i holds p at the odd powers of a 2n-th root of unity mod q_i.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ntt;

/// An element of `R_Q = Z_Q[X]/(X^n + 1)`, stored as `basis.len()` rows of n residues in [0, q_i).
pub struct Poly<R> {
    basis: Arc<RnsBasis>,
    rows: Vec<u64>,
    _repr: PhantomData<R>,
}

impl<R> Clone for Poly<R> {
    fn clone(&self) -> Self {
        Self {
            basis: Arc::clone(&self.basis),
            rows: self.rows.clone(),
            _repr: PhantomData,
        }
    }
}

impl<R> PartialEq for Poly<R> {
    fn eq(&self, other: &Self) -> bool {
        self.basis.same_as(&other.basis) && self.rows == other.rows
    }
}

impl<R> Eq for Poly<R> {}

impl<R> core::fmt::Debug for Poly<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Poly")
            .field("repr", &core::any::type_name::<R>())
            .field("n", &self.basis.n())
            .field("rows", &self.basis.len())
            .finish_non_exhaustive()
    }
}

impl<R> Zeroize for Poly<R> {
    fn zeroize(&mut self) {
        // Zero in place: the polynomial keeps its shape and stays a valid zero.
        self.rows.as_mut_slice().zeroize();
    }
}

/// Whether every value is below q (q < 2^63), branch-free: v < q exactly when v < 2^63 and
/// v - q wraps (sets bit 63). AND and OR reductions of 64-bit subtractions vectorize even on
/// baseline x86-64, where an unsigned 64-bit comparison does not; the offender is located
/// only on error.
fn all_below(values: &[u64], q: u64) -> bool {
    let (below, high) = values.iter().fold((u64::MAX, 0u64), |(below, high), &v| {
        (below & v.wrapping_sub(q), high | v)
    });
    (below >> 63) == 1 && (high >> 63) == 0
}

impl<R> Poly<R> {
    fn from_parts(basis: Arc<RnsBasis>, rows: Vec<u64>) -> Self {
        Self {
            basis,
            rows,
            _repr: PhantomData,
        }
    }

    /// The zero polynomial over `basis`.
    pub fn zero(basis: &Arc<RnsBasis>) -> Self {
        Self::from_parts(Arc::clone(basis), vec![0; basis.len() * basis.n()])
    }

    /// A polynomial from `basis.len()` concatenated rows of n residues (row i mod q_i).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] unless `rows.len() == basis.len() * n`;
    /// [`Error::ResidueOutOfRange`] for a residue not below its modulus.
    pub fn from_rows(basis: &Arc<RnsBasis>, rows: Vec<u64>) -> Result<Self> {
        let expected = basis.len() * basis.n();
        if rows.len() != expected {
            return Err(Error::LengthMismatch {
                what: "polynomial rows",
                expected,
                found: rows.len(),
            });
        }
        for (row, (values, m)) in rows.chunks_exact(basis.n()).zip(basis.moduli()).enumerate() {
            let q = m.value();
            if !all_below(values, q) {
                let value = values.iter().copied().find(|&v| v >= q).unwrap_or(q);
                return Err(Error::ResidueOutOfRange {
                    row,
                    value,
                    modulus: q,
                });
            }
        }
        Ok(Self::from_parts(Arc::clone(basis), rows))
    }

    /// The RNS basis.
    pub fn basis(&self) -> &Arc<RnsBasis> {
        &self.basis
    }

    /// The ring degree n.
    pub fn n(&self) -> usize {
        self.basis.n()
    }

    /// Row i (the polynomial mod q_i), or `None` past the last row.
    pub fn row(&self, i: usize) -> Option<&[u64]> {
        let n = self.n();
        self.rows
            .get(i.checked_mul(n)?..i.checked_add(1)?.checked_mul(n)?)
    }

    /// The rows, in basis order.
    pub fn rows(&self) -> impl Iterator<Item = &[u64]> {
        self.rows.chunks_exact(self.basis.n())
    }

    /// The rows, mutably. Callers keep every residue of row i in [0, q_i).
    pub fn rows_mut(&mut self) -> impl Iterator<Item = &mut [u64]> {
        self.rows.chunks_exact_mut(self.basis.n())
    }

    /// The rows with their moduli.
    fn rows_with_moduli_mut(&mut self) -> impl Iterator<Item = (&mut [u64], &Modulus)> {
        self.rows
            .chunks_exact_mut(self.basis.n())
            .zip(self.basis.moduli())
    }

    /// All residues, row after row.
    pub fn as_slice(&self) -> &[u64] {
        &self.rows
    }

    /// All residues, row after row, by value.
    pub fn into_rows(self) -> Vec<u64> {
        self.rows
    }

    fn check_same_basis(&self, rhs: &Self) -> Result<()> {
        if self.basis.same_as(&rhs.basis) {
            Ok(())
        } else {
            Err(Error::ParamsMismatch)
        }
    }

    /// self = self + rhs.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the bases differ.
    pub fn add_assign(&mut self, rhs: &Self) -> Result<()> {
        self.check_same_basis(rhs)?;
        let n = self.n();
        for ((a, m), b) in self.rows_with_moduli_mut().zip(rhs.rows.chunks_exact(n)) {
            m.add_slices(a, b);
        }
        Ok(())
    }

    /// self = self - rhs.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the bases differ.
    pub fn sub_assign(&mut self, rhs: &Self) -> Result<()> {
        self.check_same_basis(rhs)?;
        let n = self.n();
        for ((a, m), b) in self.rows_with_moduli_mut().zip(rhs.rows.chunks_exact(n)) {
            m.sub_slices(a, b);
        }
        Ok(())
    }

    /// self = -self.
    pub fn neg_assign(&mut self) {
        for (a, m) in self.rows_with_moduli_mut() {
            m.neg_slice(a);
        }
    }

    /// self + rhs.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the bases differ.
    pub fn add(&self, rhs: &Self) -> Result<Self> {
        let mut out = self.clone();
        out.add_assign(rhs)?;
        Ok(out)
    }

    /// self - rhs.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the bases differ.
    pub fn sub(&self, rhs: &Self) -> Result<Self> {
        let mut out = self.clone();
        out.sub_assign(rhs)?;
        Ok(out)
    }

    /// self = c * self, with c reduced mod each q_i (same in both forms).
    pub fn mul_scalar_assign(&mut self, c: u64) {
        for (a, m) in self.rows_with_moduli_mut() {
            m.mul_scalar_slice(a, c);
        }
    }

    /// The first `len` rows over the prefix basis (drops the top moduli; same form).
    ///
    /// # Errors
    /// As [`RnsBasis::prefix`].
    pub fn truncate(&self, len: usize) -> Result<Self> {
        let basis = self.basis.prefix(len)?;
        let rows = self.rows.iter().take(len * self.n()).copied().collect();
        Ok(Self::from_parts(basis, rows))
    }
}

impl Poly<Coeff> {
    fn from_signed<T>(
        basis: &Arc<RnsBasis>,
        coeffs: &[T],
        reduce: impl Fn(&Modulus, &T) -> u64,
    ) -> Result<Self> {
        let n = basis.n();
        if coeffs.len() != n {
            return Err(Error::LengthMismatch {
                what: "polynomial coefficients",
                expected: n,
                found: coeffs.len(),
            });
        }
        let mut rows = Vec::with_capacity(basis.len() * n);
        for m in basis.moduli() {
            rows.extend(coeffs.iter().map(|c| reduce(m, c)));
        }
        Ok(Self::from_parts(Arc::clone(basis), rows))
    }

    /// The polynomial with the given n signed coefficients, reduced mod each q_i.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] unless `coeffs.len() == n`.
    pub fn from_i64(basis: &Arc<RnsBasis>, coeffs: &[i64]) -> Result<Self> {
        Self::from_signed(basis, coeffs, |m, &c| m.reduce_i64(c))
    }

    /// As [`Poly::from_i64`], for i128 coefficients.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] unless `coeffs.len() == n`.
    pub fn from_i128(basis: &Arc<RnsBasis>, coeffs: &[i128]) -> Result<Self> {
        Self::from_signed(basis, coeffs, |m, &c| m.reduce_i128(c))
    }

    /// As [`Poly::from_i64`], for big-integer coefficients.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] unless `coeffs.len() == n`.
    pub fn from_bigint(basis: &Arc<RnsBasis>, coeffs: &[BigInt]) -> Result<Self> {
        Self::from_signed(basis, coeffs, |m, c: &BigInt| {
            c.mod_floor(&BigInt::from(m.value())).to_u64().unwrap_or(0)
        })
    }

    /// Forward NTT of every row; consumes `self`, so the old form cannot be used by mistake.
    pub fn into_ntt(mut self) -> Poly<Ntt> {
        for (i, row) in self.rows.chunks_exact_mut(self.basis.n()).enumerate() {
            if let Some(plan) = self.basis.plan(i) {
                plan.forward(row);
            }
        }
        Poly::from_parts(self.basis, self.rows)
    }

    /// Forward NTT of a copy.
    pub fn to_ntt(&self) -> Poly<Ntt> {
        self.clone().into_ntt()
    }

    /// The residues of coefficient k across the rows, or `None` for k >= n.
    pub fn coefficient_residues(&self, k: usize) -> Option<Vec<u64>> {
        if k >= self.n() {
            return None;
        }
        self.rows().map(|row| row.get(k).copied()).collect()
    }

    /// Every coefficient CRT-lifted to its centered value in (-Q/2, Q/2], as f64.
    pub fn lift_centered_f64(&self) -> Vec<f64> {
        let mut residues = vec![0u64; self.basis.len()];
        (0..self.n())
            .map(|k| {
                for (r, row) in residues.iter_mut().zip(self.rows()) {
                    *r = row.get(k).copied().unwrap_or(0);
                }
                self.basis.lift_centered_f64(&residues)
            })
            .collect()
    }

    /// Every coefficient CRT-lifted to its centered value in (-Q/2, Q/2].
    pub fn lift_centered(&self) -> Vec<BigInt> {
        let mut residues = vec![0u64; self.basis.len()];
        (0..self.n())
            .map(|k| {
                for (r, row) in residues.iter_mut().zip(self.rows()) {
                    *r = row.get(k).copied().unwrap_or(0);
                }
                self.basis.lift_centered(&residues)
            })
            .collect()
    }

    /// Exact modulus switch: each coefficient x (centered in (-Q/2, Q/2]) becomes
    /// round(x * Q' / Q) = floor(x * Q' / Q + 1/2), reduced mod the moduli of `target`
    /// (product Q'). The target may share no modulus with the source.
    ///
    /// One or two source moduli into one target modulus take a u128 path: with
    /// y_i = x_i * (Q/q_i)^-1 mod q_i, x = sum y_i * Q/q_i - kQ, so
    /// q' x / Q = sum (q' y_i / q_i) - k q' and each quotient and remainder is exact;
    /// the rest uses big integers.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the ring degrees differ.
    pub fn switch_modulus(&self, target: &Arc<RnsBasis>) -> Result<Poly<Coeff>> {
        if target.n() != self.n() {
            return Err(Error::ParamsMismatch);
        }
        if let ([t], 1..=2) = (target.moduli(), self.basis.len()) {
            return Ok(Poly::from_parts(
                Arc::clone(target),
                self.switch_to_one_modulus(*t),
            ));
        }
        Ok(self.switch_modulus_bigint(target))
    }

    /// Exact modulus switch into a single modulus t of any kind (a prime outside any basis, or
    /// a power of two): coefficient k becomes round(x_k * t / Q) mod t, in [0, t).
    ///
    /// Same rounding and paths as [`Poly::switch_modulus`].
    pub fn switch_modulus_values(&self, t: &Modulus) -> Vec<u64> {
        if self.basis.len() <= 2 {
            return self.switch_to_one_modulus(*t);
        }
        let q = BigInt::from(self.basis.product());
        let two_q = &q * 2u32;
        let modulus = BigInt::from(t.value());
        self.lift_centered()
            .into_iter()
            .map(|x| {
                (x * &modulus * 2u32 + &q)
                    .div_floor(&two_q)
                    .mod_floor(&modulus)
                    .to_u64()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// The u128 path of [`Poly::switch_modulus`] (source of one or two moduli, target `t`).
    fn switch_to_one_modulus(&self, t: Modulus) -> Vec<u64> {
        let parts: Vec<SwitchPart<'_>> = self
            .basis
            .moduli()
            .iter()
            .enumerate()
            .map(|(i, m)| SwitchPart::new(m, self.basis.punctured_inv(i), t.value()))
            .collect();
        match (parts.as_slice(), self.row(0), self.row(1)) {
            ([p0], Some(row0), _) => row0
                .iter()
                .map(|&x0| {
                    // round(r0 / q0) = [2 r0 >= q0].
                    let (whole, r0) = p0.split(x0);
                    let round = u64::from(2 * u128::from(r0) >= u128::from(p0.q));
                    t.reduce(whole + round)
                })
                .collect(),
            ([p0, p1], Some(row0), Some(row1)) => {
                let (q0, q1) = (u128::from(p0.q), u128::from(p1.q));
                let product = q0 * q1;
                row0.iter()
                    .zip(row1)
                    .map(|(&x0, &x1)| {
                        let (w0, r0) = p0.split(x0);
                        let (w1, r1) = p1.split(x1);
                        // R = r0 q1 + r1 q0 < 2Q; round(R / Q) = [2R >= Q] + [2R >= 3Q].
                        let twice = 2 * (u128::from(r0) * q1 + u128::from(r1) * q0);
                        let round = u64::from(twice >= product) + u64::from(twice >= 3 * product);
                        // w0 + w1 < 2t + 2 max(q_i) <= 2^64 - 4 for t, q_i < 2^62.
                        t.reduce(w0 + w1 + round)
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// The big-integer path of [`Poly::switch_modulus`] (any bases of the same degree).
    fn switch_modulus_bigint(&self, target: &Arc<RnsBasis>) -> Poly<Coeff> {
        let q = BigInt::from(self.basis.product());
        let q_target = BigInt::from(target.product());
        let two_q = &q * 2u32;
        let rounded: Vec<BigInt> = self
            .lift_centered()
            .into_iter()
            .map(|x| (x * &q_target * 2u32 + &q).div_floor(&two_q))
            .collect();
        let mut rows = Vec::with_capacity(target.len() * target.n());
        for m in target.moduli() {
            let modulus = BigInt::from(m.value());
            rows.extend(
                rounded
                    .iter()
                    .map(|y| y.mod_floor(&modulus).to_u64().unwrap_or(0)),
            );
        }
        Poly::from_parts(Arc::clone(target), rows)
    }

    /// Rescale by the last modulus q_L: each coefficient x (centered) becomes round(x / q_L),
    /// over the basis without q_L. Exact: (x - r) / q_L with r the centered residue of x mod the
    /// odd prime q_L, computed row by row as (x_i - r) * q_L^-1 mod q_i.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] for a basis of one modulus (nothing to drop).
    pub fn rescale_last(&self) -> Result<Poly<Coeff>> {
        let lower = self.basis.drop_last().ok_or(Error::LengthMismatch {
            what: "moduli to rescale (at least two)",
            expected: 2,
            found: self.basis.len(),
        })?;
        let n = self.n();
        let last = self
            .basis
            .moduli()
            .last()
            .copied()
            .ok_or(Error::ParamsMismatch)?;
        let top: Vec<i64> = self
            .row(self.basis.len() - 1)
            .ok_or(Error::ParamsMismatch)?
            .iter()
            .map(|&r| last.center(r))
            .collect();
        let mut rows = Vec::with_capacity(lower.len() * n);
        for (m, row) in lower.moduli().iter().zip(self.rows()) {
            let inv = m.inv(last.value()).ok_or(Error::ParamsMismatch)?;
            let inv_shoup = m.shoup(inv);
            rows.extend(
                row.iter()
                    .zip(&top)
                    .map(|(&x, &r)| m.mul_shoup(m.sub(x, m.reduce_i64(r)), inv, inv_shoup)),
            );
        }
        Ok(Poly::from_parts(lower, rows))
    }
}

/// Constants of one source modulus q_i for switching into a single modulus t:
/// (Q/q_i)^-1 mod q_i and t = c * q_i + s, each multiplicand with its Shoup constant.
struct SwitchPart<'a> {
    m: &'a Modulus,
    q: u64,
    inv: (u64, u64),
    c: u64,
    s: (u64, u64),
}

impl<'a> SwitchPart<'a> {
    fn new(m: &'a Modulus, inv: Option<(u64, u64)>, t: u64) -> Self {
        let q = m.value();
        let s = t % q;
        Self {
            m,
            q,
            inv: inv.unwrap_or((1, m.shoup(1))),
            c: t / q,
            s: (s, m.shoup(s)),
        }
    }

    /// For a residue x_i: with y = x_i (Q/q_i)^-1 mod q_i, returns (floor(t y / q_i), t y mod q_i),
    /// exactly and without branches: t y = c y q_i + s y, and s y = quot q_i + rem by Shoup.
    #[inline(always)]
    fn split(&self, x: u64) -> (u64, u64) {
        let y = self.m.mul_shoup(x, self.inv.0, self.inv.1);
        let quot = ((u128::from(y) * u128::from(self.s.1)) >> 64) as u64;
        // rem in [0, 2q): subtract q once when it is at least q, and count it in the quotient.
        let rem = y
            .wrapping_mul(self.s.0)
            .wrapping_sub(quot.wrapping_mul(self.q));
        let t = rem.wrapping_sub(self.q);
        let below = 0u64.wrapping_sub(t >> 63);
        let rem = t.wrapping_add(self.q & below);
        let quot = quot + 1 - (below & 1);
        (self.c * y + quot, rem)
    }
}

impl Poly<Ntt> {
    /// Inverse NTT of every row; consumes `self`.
    pub fn into_coeff(mut self) -> Poly<Coeff> {
        for (i, row) in self.rows.chunks_exact_mut(self.basis.n()).enumerate() {
            if let Some(plan) = self.basis.plan(i) {
                plan.inverse(row);
            }
        }
        Poly::from_parts(self.basis, self.rows)
    }

    /// Inverse NTT of a copy.
    pub fn to_coeff(&self) -> Poly<Coeff> {
        self.clone().into_coeff()
    }

    /// self = self * rhs (pointwise: the negacyclic product).
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the bases differ.
    pub fn mul_assign(&mut self, rhs: &Self) -> Result<()> {
        self.check_same_basis(rhs)?;
        let n = self.n();
        let basis = Arc::clone(&self.basis);
        for (i, (a, b)) in self
            .rows
            .chunks_exact_mut(n)
            .zip(rhs.rows.chunks_exact(n))
            .enumerate()
        {
            if let Some(plan) = basis.plan(i) {
                plan.mul_assign(a, b);
            }
        }
        Ok(())
    }

    /// self * rhs.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the bases differ.
    pub fn mul(&self, rhs: &Self) -> Result<Self> {
        let mut out = Self::zero(&self.basis);
        out.mul_add_assign(self, rhs)?;
        Ok(out)
    }

    /// self = self + a * b.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the bases differ.
    pub fn mul_add_assign(&mut self, a: &Self, b: &Self) -> Result<()> {
        self.check_same_basis(a)?;
        self.check_same_basis(b)?;
        let n = self.n();
        let basis = Arc::clone(&self.basis);
        for (i, (acc, (x, y))) in self
            .rows
            .chunks_exact_mut(n)
            .zip(a.rows.chunks_exact(n).zip(b.rows.chunks_exact(n)))
            .enumerate()
        {
            if let Some(plan) = basis.plan(i) {
                plan.mul_add_assign(acc, x, y);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// NTT-friendly primes = 1 mod 2^16: three of 42 bits, one of 47 bits (the output size of
    /// the scoring protocol), one of 59 bits.
    const Q42: [u64; 3] = [4_398_044_938_241, 4_398_043_496_449, 4_398_042_972_161];
    const Q47: u64 = 140_737_487_306_753;
    const Q59: u64 = 576_460_752_301_785_089;

    fn basis(moduli: &[u64]) -> Arc<RnsBasis> {
        RnsBasis::new(16, moduli).unwrap()
    }

    #[test]
    fn range_check_catches_every_value_at_or_above_q() {
        let q = Q59;
        assert!(all_below(&[], q));
        assert!(all_below(&[0, 1, q - 1], q));
        for bad in [q, q + 1, 1 << 63, q + (1 << 63), u64::MAX] {
            assert!(!all_below(&[0, bad, 1], q), "{bad}");
            let mut rows = vec![0; 16];
            rows[5] = bad;
            assert_eq!(
                Poly::<Coeff>::from_rows(&basis(&[q]), rows),
                Err(Error::ResidueOutOfRange {
                    row: 0,
                    value: bad,
                    modulus: q
                })
            );
        }
    }

    /// round(x * target / source) = floor(x * target / source + 1/2), by quotient and remainder.
    fn rounded_ratio(x: &BigInt, target: &BigInt, source: &BigInt) -> BigInt {
        let (quot, rem) = (x * target).div_mod_floor(source);
        if rem * 2 >= *source { quot + 1 } else { quot }
    }

    /// A uniformly spread centered coefficient vector of `basis` from random residues.
    fn poly_from(basis: &Arc<RnsBasis>, raw: &[u64]) -> Poly<Coeff> {
        let rows = basis
            .moduli()
            .iter()
            .enumerate()
            .flat_map(|(i, m)| {
                raw.iter()
                    .map(move |&r| m.reduce(r.rotate_left(i as u32 * 7)))
            })
            .collect();
        Poly::from_rows(basis, rows).unwrap()
    }

    fn check_switch(source: &Arc<RnsBasis>, target: &Arc<RnsBasis>, raw: &[u64]) {
        let p = poly_from(source, raw);
        let switched = p.switch_modulus(target).unwrap();
        assert!(switched.basis().same_as(target));
        let (q, q_target) = (
            BigInt::from(source.product()),
            BigInt::from(target.product()),
        );
        for (k, x) in p.lift_centered().iter().enumerate() {
            let expected = rounded_ratio(x, &q_target, &q);
            for (m, row) in target.moduli().iter().zip(switched.rows()) {
                let want = expected
                    .mod_floor(&BigInt::from(m.value()))
                    .to_u64()
                    .unwrap();
                assert_eq!(row[k], want, "coefficient {k}, x = {x}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn switch_from_two_primes_to_one_is_exact(raw in proptest::collection::vec(any::<u64>(), 16)) {
            check_switch(&basis(&Q42[..2]), &basis(&[Q47]), &raw);
            check_switch(&basis(&[Q42[0], Q59]), &basis(&[Q47]), &raw);
            check_switch(&basis(&[Q59, Q42[1]]), &basis(&[Q42[2]]), &raw);
        }

        #[test]
        fn switch_into_a_power_of_two_or_any_modulus_is_exact(raw in proptest::collection::vec(any::<u64>(), 16)) {
            for (moduli, t) in [(&Q42[..2], 1u64 << 40), (&Q42[..1], 1 << 20), (&Q42[..], 1 << 61), (&Q42[..2], Q47 + 2)] {
                let source = basis(moduli);
                let p = poly_from(&source, &raw);
                let got = p.switch_modulus_values(&Modulus::new(t).unwrap());
                let q = BigInt::from(source.product());
                for (x, value) in p.lift_centered().iter().zip(got) {
                    let expected = rounded_ratio(x, &BigInt::from(t), &q).mod_floor(&BigInt::from(t));
                    prop_assert_eq!(BigInt::from(value), expected);
                }
            }
        }

        #[test]
        fn switch_from_one_prime_is_exact(raw in proptest::collection::vec(any::<u64>(), 16)) {
            check_switch(&basis(&[Q42[0]]), &basis(&[Q47]), &raw);
            check_switch(&basis(&[Q59]), &basis(&[Q42[0]]), &raw);
        }

        #[test]
        fn switch_between_wide_bases_is_exact(raw in proptest::collection::vec(any::<u64>(), 16)) {
            check_switch(&basis(&Q42), &basis(&[Q47]), &raw);
            check_switch(&basis(&Q42[..2]), &basis(&[Q47, Q59]), &raw);
            check_switch(&basis(&[Q47, Q59]), &basis(&Q42), &raw);
        }

        #[test]
        fn rescale_last_rounds_exactly(raw in proptest::collection::vec(any::<u64>(), 16)) {
            for moduli in [&Q42[..2], &Q42[..], &[Q59, Q47, Q42[0]][..]] {
                let source = basis(moduli);
                let p = poly_from(&source, &raw);
                let rescaled = p.rescale_last().unwrap();
                prop_assert_eq!(rescaled.basis().len(), moduli.len() - 1);
                let last = BigInt::from(*moduli.last().unwrap());
                let expected: Vec<BigInt> = p
                    .lift_centered()
                    .iter()
                    .map(|x| rounded_ratio(x, &BigInt::from(1), &last))
                    .collect();
                prop_assert_eq!(rescaled.lift_centered(), expected);
            }
        }

        #[test]
        fn ring_operations_match_integer_arithmetic(a in proptest::collection::vec(-1i64 << 38..1i64 << 38, 16), b in proptest::collection::vec(-1i64 << 38..1i64 << 38, 16), c in any::<u64>()) {
            let basis = basis(&Q42[..2]);
            let pa = Poly::from_i64(&basis, &a).unwrap();
            let pb = Poly::from_i64(&basis, &b).unwrap();
            let big = |v: &[i64]| v.iter().map(|&x| BigInt::from(x)).collect::<Vec<_>>();
            prop_assert_eq!(pa.add(&pb).unwrap().lift_centered(), big(&a.iter().zip(&b).map(|(x, y)| x + y).collect::<Vec<_>>()));
            prop_assert_eq!(pa.sub(&pb).unwrap().lift_centered(), big(&a.iter().zip(&b).map(|(x, y)| x - y).collect::<Vec<_>>()));
            let mut neg = pa.clone();
            neg.neg_assign();
            prop_assert_eq!(neg.lift_centered(), big(&a.iter().map(|x| -x).collect::<Vec<_>>()));
            // Negacyclic product over the integers: twice it is below 2 * 16 * 2^76 = 2^81 < Q/2 ~ 2^83.
            let mut product = vec![BigInt::from(0); 16];
            for (i, x) in a.iter().enumerate() {
                for (j, y) in b.iter().enumerate() {
                    let term = BigInt::from(*x) * y;
                    if i + j < 16 { product[i + j] += term } else { product[i + j - 16] -= term }
                }
            }
            let ntt = pa.to_ntt().mul(&pb.to_ntt()).unwrap().into_coeff();
            prop_assert_eq!(ntt.lift_centered(), product.clone());
            let mut acc = Poly::<Ntt>::zero(&basis);
            acc.mul_add_assign(&pa.to_ntt(), &pb.to_ntt()).unwrap();
            acc.mul_add_assign(&pa.to_ntt(), &pb.to_ntt()).unwrap();
            let doubled: Vec<BigInt> = product.iter().map(|x| x * 2).collect();
            prop_assert_eq!(acc.to_coeff().lift_centered(), doubled);
            // A scalar multiple, and the f64 lift of a value below 2^53.
            let small = c % 1024;
            let mut scaled = Poly::from_i64(&basis, &a.iter().map(|x| x >> 18).collect::<Vec<_>>()).unwrap();
            scaled.mul_scalar_assign(small);
            let expected: Vec<f64> = a.iter().map(|x| ((x >> 18) * small as i64) as f64).collect();
            prop_assert_eq!(scaled.lift_centered_f64(), expected);
        }

        #[test]
        fn from_i128_and_from_bigint_agree(v in proptest::collection::vec(any::<i128>(), 16)) {
            let basis = basis(&Q42);
            let from_i128 = Poly::from_i128(&basis, &v).unwrap();
            let as_big: Vec<BigInt> = v.iter().map(|&x| BigInt::from(x)).collect();
            prop_assert_eq!(&Poly::from_bigint(&basis, &as_big).unwrap(), &from_i128);
            // Q ~ 2^126 < 2^127: an i128 may wrap, so compare modulo Q.
            let q = BigInt::from(basis.product());
            for (x, lifted) in as_big.iter().zip(from_i128.lift_centered()) {
                prop_assert_eq!(x.mod_floor(&q), lifted.mod_floor(&q));
            }
        }
    }

    #[test]
    fn ntt_roundtrip_keeps_the_polynomial() {
        let basis = basis(&[Q42[0], Q59]);
        let p = poly_from(
            &basis,
            &(0..16).map(|i| i * 0x1234_5678_9abc).collect::<Vec<_>>(),
        );
        assert_eq!(p.to_ntt().to_coeff(), p);
        assert_ne!(p.to_ntt().as_slice(), p.as_slice());
    }

    #[test]
    fn from_rows_checks_length_and_range() {
        let basis = basis(&Q42[..2]);
        assert_eq!(
            Poly::<Coeff>::from_rows(&basis, vec![0; 31]).unwrap_err(),
            Error::LengthMismatch {
                what: "polynomial rows",
                expected: 32,
                found: 31
            }
        );
        let mut rows = vec![0u64; 32];
        rows[16 + 3] = Q42[1];
        assert_eq!(
            Poly::<Ntt>::from_rows(&basis, rows.clone()).unwrap_err(),
            Error::ResidueOutOfRange {
                row: 1,
                value: Q42[1],
                modulus: Q42[1]
            }
        );
        rows[16 + 3] = Q42[1] - 1;
        let p = Poly::<Ntt>::from_rows(&basis, rows).unwrap();
        assert_eq!(p.row(1).unwrap()[3], Q42[1] - 1);
        assert_eq!(p.row(2), None);
        assert_eq!(
            Poly::from_i64(&basis, &[1; 15]).unwrap_err(),
            Error::LengthMismatch {
                what: "polynomial coefficients",
                expected: 16,
                found: 15
            }
        );
    }

    #[test]
    fn operands_over_other_bases_are_refused() {
        let (a, b) = (basis(&Q42[..2]), basis(&[Q42[0], Q42[2]]));
        let mut x = Poly::<Ntt>::zero(&a);
        let y = Poly::<Ntt>::zero(&b);
        assert_eq!(x.add_assign(&y), Err(Error::ParamsMismatch));
        assert_eq!(x.sub_assign(&y), Err(Error::ParamsMismatch));
        assert_eq!(x.mul_assign(&y), Err(Error::ParamsMismatch));
        assert_eq!(x.mul_add_assign(&x.clone(), &y), Err(Error::ParamsMismatch));
        assert_eq!(x.add(&y).unwrap_err(), Error::ParamsMismatch);
        let other_degree = RnsBasis::new(32, &[Q47]).unwrap();
        assert_eq!(
            Poly::<Coeff>::zero(&a)
                .switch_modulus(&other_degree)
                .unwrap_err(),
            Error::ParamsMismatch
        );
        // Same moduli built twice are the same ring.
        let mut z = Poly::<Ntt>::zero(&basis(&Q42[..2]));
        assert_eq!(z.add_assign(&Poly::zero(&a)), Ok(()));
    }

    #[test]
    fn truncate_and_rescale_check_the_number_of_rows() {
        let basis = basis(&Q42);
        let p = poly_from(&basis, &[7; 16]);
        let low = p.truncate(2).unwrap();
        assert_eq!(low.as_slice(), &p.as_slice()[..32]);
        assert_eq!(
            p.truncate(4).unwrap_err(),
            Error::InvalidLevel { level: 3, max: 2 }
        );
        let one = p.truncate(1).unwrap();
        assert_eq!(
            one.rescale_last().unwrap_err(),
            Error::LengthMismatch {
                what: "moduli to rescale (at least two)",
                expected: 2,
                found: 1
            }
        );
        assert_eq!(
            p.coefficient_residues(5).unwrap(),
            vec![
                p.row(0).unwrap()[5],
                p.row(1).unwrap()[5],
                p.row(2).unwrap()[5]
            ]
        );
        assert_eq!(p.coefficient_residues(16), None);
    }

    #[test]
    fn debug_hides_values_and_zeroize_clears_them() {
        let basis = basis(&[Q47]);
        let mut p = Poly::from_i64(&basis, &[123_456_789; 16]).unwrap();
        let shown = format!("{p:?}");
        assert!(!shown.contains("123456789"), "{shown}");
        assert!(shown.contains("Coeff"));
        p.zeroize();
        assert!(p.as_slice().iter().all(|&x| x == 0));
        assert_eq!(p.as_slice().len(), 16);
    }
}
