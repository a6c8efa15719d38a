//! Inverse negacyclic NTT restricted to one residue class of coefficient indices.
//!
//! For f(X) in Z_q[X]/(X^n + 1), a power of two d with 2 <= d <= n/2 and r in 0..d, let
//! `g(Y) = sum_j f_(d j + r) Y^j` in Z_q[Y]/(Y^(n/d) + 1). Every root eta of Y^(n/d) = -1 has
//! exactly d roots zeta of X^n = -1 with zeta^d = eta, and summing `zeta^-r f(zeta)` over them
//! keeps only the terms of f whose index is r mod d:
//!
//! `g(eta) = d^-1 * sum_(zeta^d = eta) zeta^-r f(zeta)`.
//!
//! So the n evaluations of f (one [`NttPlan`] forward transform) give the n/d evaluations of g,
//! and an inverse NTT of size n/d gives its coefficients `f_r, f_(d + r), f_(2d + r), ...`.
//! The d preimages of eta come in pairs (zeta, -zeta) whose weights differ by (-1)^r, so the
//! sums take n/2 products, and with the small inverse about n/2 + (n/2d) log2(n/d) products in
//! all, against (n/2) log2(n) for a full inverse.
//!
//! Nothing is assumed about the roots either plan uses: [`ClassInverse::new`] transforms the
//! monomials X (size n) and Y (size n/d) to read every evaluation point and matches them.
//!
//! # Security
//! [`ClassInverse::apply`] runs in time independent of the values (fixed tables, no branches
//! on data). [`ClassInverse::new`] uses variable-time inversion on public constants only.

use std::collections::HashMap;

use super::{Multiplicand, NttPlan};
use crate::ring::modulus::Modulus;
use crate::{Error, Result};

/// Inverse NTT restricted to one residue class of coefficient indices.
///
/// Built from an [`NttPlan`] of size n modulo q, it maps the n evaluations of f (in the plan's
/// bit-reversed order) to the n/d coefficients `f_(d j + r)`, j in 0..n/d.
#[derive(Clone)]
pub struct ClassInverse {
    n: usize,
    d: usize,
    r: usize,
    modulus: Modulus,
    /// Transform of size n/d whose inverse recovers g from its evaluations.
    small: NttPlan,
    /// Big slots grouped by small slot: entries `s d .. (s + 1) d` are the d slots t with
    /// zeta_t^d = eta_s, as adjacent pairs (t, t') with zeta_t' = -zeta_t. `None` when this
    /// order is the identity (the plan's bit-reversed order already has that layout).
    gather: Option<Vec<usize>>,
    /// `(c_t, shoup(c_t))`, c_t = d^-1 zeta_t^-r, for the first slot t of each pair, in the
    /// order of `gather`. The second slot's weight is (-1)^r c_t.
    weights: Vec<[u64; 2]>,
    /// All ones for odd r (the pair's second value is subtracted), else zero.
    odd_mask: u64,
    /// Whether a sum of d/2 lazy products (each below 2q) fits a u64.
    lazy: bool,
    /// The fold for d = 8 with the plan's order, on IFMA: per-slot weights (c_t and
    /// `(-1)^r c_t` for the pair's second slot).
    #[cfg(target_arch = "x86_64")]
    fold8: Option<crate::ring::simd::WeightedSums8>,
}

impl core::fmt::Debug for ClassInverse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClassInverse")
            .field("n", &self.n)
            .field("d", &self.d)
            .field("r", &self.r)
            .field("q", &self.modulus.value())
            .finish_non_exhaustive()
    }
}

impl ClassInverse {
    /// For `plan` (size n, modulus q): coefficients k = d j + r, j in 0..n/d.
    ///
    /// The size-n/d transform runs on the same kernel as `plan` where that kernel supports it.
    ///
    /// # Errors
    /// [`Error::InvalidDegree`] (with `n` = d and the accepted range 2..=n/2) unless d is a
    /// power of two with 2 <= d and n/d >= 2; [`Error::IndexOutOfRange`] (with `index` = r and
    /// `n` = d) unless r < d; [`Error::ParamsMismatch`] if the evaluation points of `plan` and
    /// of the size-n/d plan do not match d to one (not the case for plans built by this crate).
    pub fn new(plan: &NttPlan, d: usize, r: usize) -> Result<Self> {
        let n = plan.n();
        let max_d = n / 2;
        if !d.is_power_of_two() || !(2..=max_d).contains(&d) {
            return Err(Error::InvalidDegree {
                n: d,
                min: 2,
                max: max_d,
            });
        }
        if r >= d {
            return Err(Error::IndexOutOfRange { index: r, n: d });
        }
        let small = NttPlan::with_backend(n / d, *plan.modulus(), plan.backend())?;
        Self::from_points(small, r, &evaluation_points(plan))
    }

    /// The class inverse for big-slot points `zetas` (n of them, r < d = n / small.n() even).
    fn from_points(small: NttPlan, r: usize, zetas: &[u64]) -> Result<Self> {
        let modulus = *small.modulus();
        let n = zetas.len();
        let d = n.checked_div(small.n()).ok_or(Error::ParamsMismatch)?;
        let (order, weights) = match_slots(&modulus, zetas, &evaluation_points(&small), r)?;
        let gather = order
            .iter()
            .enumerate()
            .any(|(k, &t)| k != t)
            .then_some(order);
        let lazy = u64::try_from(d)
            .ok()
            .and_then(|d| d.checked_mul(modulus.value()))
            .is_some();
        #[cfg(target_arch = "x86_64")]
        let fold8 = if d == 8 && gather.is_none() {
            let slot_weights = weights
                .iter()
                .flat_map(|&[c, _]| [c, if r % 2 == 1 { modulus.neg(c) } else { c }])
                .collect();
            crate::ring::simd::WeightedSums8::new(modulus.value(), slot_weights)
        } else {
            None
        };
        Ok(Self {
            n,
            d,
            r,
            modulus,
            small,
            gather,
            weights,
            odd_mask: 0u64.wrapping_sub((r & 1) as u64),
            lazy,
            #[cfg(target_arch = "x86_64")]
            fold8,
        })
    }

    /// Number of output coefficients, n / d.
    pub fn len(&self) -> usize {
        self.n / self.d
    }

    /// Always false: there are at least two output coefficients (n/d >= 2).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes f_(d j + r) (in [0, q)) to `out[j]` from the n evaluations `ntt_values` (plan's
    /// order, values in [0, q)).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] unless `ntt_values.len() == n` and `out.len() == n/d`.
    pub fn apply(&self, ntt_values: &[u64], out: &mut [u64]) -> Result<()> {
        if ntt_values.len() != self.n {
            return Err(Error::LengthMismatch {
                what: "NTT values",
                expected: self.n,
                found: ntt_values.len(),
            });
        }
        if out.len() != self.len() {
            return Err(Error::LengthMismatch {
                what: "class output",
                expected: self.len(),
                found: out.len(),
            });
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(fold) = &self.fold8
            && fold.apply(ntt_values, out) == out.len()
        {
            self.small.inverse(out);
            return Ok(());
        }
        let (d, half) = (self.d, self.d / 2);
        let blocks = out.iter_mut().zip(self.weights.chunks_exact(half));
        match &self.gather {
            None => {
                for ((g, w), values) in blocks.zip(ntt_values.chunks_exact(d)) {
                    let pairs = values.chunks_exact(2).map(|p| match p {
                        [a, b] => (*a, *b),
                        _ => (0, 0),
                    });
                    *g = self.block_sum(pairs.zip(w));
                }
            }
            Some(order) => {
                let value = |t: &usize| ntt_values.get(*t).copied().unwrap_or(0);
                for ((g, w), slots) in blocks.zip(order.chunks_exact(d)) {
                    let pairs = slots.chunks_exact(2).map(|p| match p {
                        [a, b] => (value(a), value(b)),
                        _ => (0, 0),
                    });
                    *g = self.block_sum(pairs.zip(w));
                }
            }
        }
        self.small.inverse(out);
        Ok(())
    }

    /// As [`ClassInverse::apply`] on the evaluations `x y + z w` (or `x y`): pointwise products
    /// of `plan` (the plan this class inverse was built from) with multiplicands it prepared.
    /// On IFMA the products go from registers into the fold, never stored; otherwise they are
    /// computed into `scratch` (n values) first.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] unless `x`, `z` and `scratch` hold n values and `out` n/d;
    /// [`Error::ParamsMismatch`] for a plan of another size or modulus.
    ///
    /// # Panics
    /// As [`NttPlan::mul_prepared_into`] for a multiplicand of another plan.
    pub fn apply_products(
        &self,
        plan: &NttPlan,
        (x, y): (&[u64], &Multiplicand),
        zw: Option<(&[u64], &Multiplicand)>,
        scratch: &mut [u64],
        out: &mut [u64],
    ) -> Result<()> {
        if plan.n() != self.n || plan.modulus().value() != self.modulus.value() {
            return Err(Error::ParamsMismatch);
        }
        for (what, len) in [("NTT values", x.len()), ("scratch", scratch.len())]
            .into_iter()
            .chain(zw.map(|(z, _)| ("NTT values", z.len())))
        {
            if len != self.n {
                return Err(Error::LengthMismatch {
                    what,
                    expected: self.n,
                    found: len,
                });
            }
        }
        #[cfg(target_arch = "x86_64")]
        if let (Some(fold), Some(mont)) = (&self.fold8, &plan.montgomery)
            && out.len() == self.len()
        {
            plan.check_prepared(y);
            if let Some((_, w)) = zw {
                plan.check_prepared(w);
            }
            let zw = zw.map(|(z, w)| (z, w.values.as_slice()));
            if fold.apply_products(mont, (x, &y.values), zw, out) == out.len() {
                self.small.inverse(out);
                return Ok(());
            }
        }
        match zw {
            Some(zw) => plan.mul_add_prepared_into(scratch, (x, y), zw),
            None => plan.mul_prepared_into(scratch, x, y),
        }
        self.apply(scratch, out)
    }

    /// sum of c_t (a + (-1)^r b) over the pairs (a, b) of one block, reduced into [0, q).
    #[inline(always)]
    fn block_sum<'a>(&self, terms: impl Iterator<Item = ((u64, u64), &'a [u64; 2])>) -> u64 {
        let m = &self.modulus;
        // For odd r, (!b) + q + 1 = q - b (mod 2^64): a + (q - b) in (0, 2q), an exact
        // representative of a - b that Shoup's product accepts as is.
        let (mask, offset) = (self.odd_mask, self.odd_mask & (m.value() + 1));
        let combine = |(a, b): (u64, u64)| a.wrapping_add((b ^ mask).wrapping_add(offset));
        if self.lazy {
            // Each lazy product is below 2q and (d/2) * 2q fits a u64 (checked in `new`).
            let sum = terms.fold(0u64, |acc, (pair, &[c, c_shoup])| {
                acc.wrapping_add(m.lazy_mul_shoup(combine(pair), c, c_shoup))
            });
            m.reduce(sum)
        } else {
            terms.fold(0u64, |acc, (pair, &[c, c_shoup])| {
                m.add(acc, m.mul_shoup(combine(pair), c, c_shoup))
            })
        }
    }
}

/// The evaluation point of every slot of `plan`: the forward transform of the monomial X.
fn evaluation_points(plan: &NttPlan) -> Vec<u64> {
    let mut x = vec![0u64; plan.n()];
    if let Some(one) = x.get_mut(1) {
        *one = 1;
    }
    plan.forward(&mut x);
    x
}

/// Groups the big slots (points `zetas`, n of them) by the small slot s whose point `etas[s]`
/// is zeta^d, d = n / etas.len() (even), as adjacent pairs (t, t') with zeta_t' = -zeta_t
/// (both map to the same eta), and weights the first slot t of each pair with
/// `(c, shoup(c))`, c = d^-1 zeta_t^-r. Returns the n big slots in that order and the n/2
/// weights.
///
/// # Errors
/// [`Error::ParamsMismatch`] unless the points are distinct, each zeta's negation is a point,
/// and every eta has exactly d preimages.
fn match_slots(
    modulus: &Modulus,
    zetas: &[u64],
    etas: &[u64],
    r: usize,
) -> Result<(Vec<usize>, Vec<[u64; 2]>)> {
    let (n, m) = (zetas.len(), etas.len());
    let d = n.checked_div(m).ok_or(Error::ParamsMismatch)?;
    if d * m != n || d < 2 || d % 2 != 0 {
        return Err(Error::ParamsMismatch);
    }
    let slot_of: HashMap<u64, usize> = etas.iter().enumerate().map(|(s, &e)| (e, s)).collect();
    let index_of: HashMap<u64, usize> = zetas.iter().enumerate().map(|(t, &z)| (z, t)).collect();
    if slot_of.len() != m || index_of.len() != n {
        return Err(Error::ParamsMismatch);
    }
    let d_inv = modulus
        .inv(modulus.reduce(d as u64))
        .ok_or(Error::ParamsMismatch)?;
    let two_n = 2 * n as u64;
    let mut placed = vec![false; n];
    let mut filled = vec![0usize; m];
    let mut order = vec![0usize; n];
    let mut weights = vec![[0u64; 2]; n / 2];
    for (t, &zeta) in zetas.iter().enumerate() {
        if placed.get(t).copied().unwrap_or(true) {
            continue;
        }
        let partner = *index_of
            .get(&modulus.neg(zeta))
            .ok_or(Error::ParamsMismatch)?;
        // (-zeta)^d = zeta^d for even d: the partner belongs to the same small slot.
        let s = *slot_of
            .get(&modulus.pow(zeta, d as u64))
            .ok_or(Error::ParamsMismatch)?;
        let count = filled.get_mut(s).ok_or(Error::ParamsMismatch)?;
        if partner == t || *count == d {
            return Err(Error::ParamsMismatch);
        }
        let k = s * d + *count;
        *count += 2;
        for (slot, value) in [(t, k), (partner, k + 1)] {
            *placed.get_mut(slot).ok_or(Error::ParamsMismatch)? = true;
            *order.get_mut(value).ok_or(Error::ParamsMismatch)? = slot;
        }
        // zeta^(2n) = 1, so zeta^-r = zeta^(2n - r).
        let c = modulus.mul(d_inv, modulus.pow(zeta, two_n - r as u64));
        *weights.get_mut(k / 2).ok_or(Error::ParamsMismatch)? = [c, modulus.shoup(c)];
    }
    // n distinct slots placed, at most d per small slot and m * d = n: each got exactly d.
    Ok((order, weights))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ntt_primes;
    use crate::ring::ntt::tests::random_poly;
    use proptest::prelude::*;

    /// A 61-bit prime = 1 mod 2^16: with d = 16, (d/2) * 2q overflows a u64 (the reducing path).
    const PRIME_61: u64 = 2_305_843_009_211_662_337;

    /// Primes of 45, 50 and 59 bits (the largest = 1 mod 2n), and the 61-bit one.
    fn primes(n: usize) -> Vec<u64> {
        let mut primes: Vec<u64> = [45, 50, 59]
            .into_iter()
            .map(|bits| ntt_primes(bits, n, 1, &[]).unwrap()[0])
            .collect();
        primes.push(PRIME_61);
        primes
    }

    fn plans(n: usize, q: u64) -> [NttPlan; 2] {
        let m = Modulus::new(q).unwrap();
        [
            NttPlan::new(n, m).unwrap(),
            NttPlan::new_scalar(n, m).unwrap(),
        ]
    }

    /// Checks `apply(forward(f))` against f_(d j + r) on both kernels.
    fn check_class(n: usize, q: u64, d: usize, r: usize, seed: u64) {
        let f = random_poly(q, n, seed);
        let expected: Vec<u64> = f.iter().copied().skip(r).step_by(d).collect();
        for plan in plans(n, q) {
            let class = ClassInverse::new(&plan, d, r).unwrap();
            assert_eq!(class.len(), n / d);
            let mut values = f.clone();
            plan.forward(&mut values);
            let mut out = vec![u64::MAX; class.len()];
            class.apply(&values, &mut out).unwrap();
            assert_eq!(
                out,
                expected,
                "n = {n}, q = {q}, d = {d}, r = {r}, backend {:?}",
                plan.backend()
            );
        }
    }

    #[test]
    fn class_of_products_matches_the_class_of_the_stored_products() {
        for n in [64usize, 4096] {
            for q in primes(n) {
                for plan in plans(n, q) {
                    let m = *plan.modulus();
                    let [x, y, z, w] =
                        [1u64, 2, 3, 4].map(|k| random_poly(q, n, k * 77 + n as u64));
                    let (py, pw) = (plan.prepare(&y), plan.prepare(&w));
                    let class = ClassInverse::new(&plan, 8, 7).unwrap();
                    let mut scratch = vec![0; n];
                    for with_zw in [false, true] {
                        let values: Vec<u64> = (0..n)
                            .map(|i| {
                                let xy = m.mul(x[i], y[i]);
                                if with_zw {
                                    m.add(xy, m.mul(z[i], w[i]))
                                } else {
                                    xy
                                }
                            })
                            .collect();
                        let mut want = vec![0; class.len()];
                        class.apply(&values, &mut want).unwrap();
                        let mut got = vec![u64::MAX; class.len()];
                        let zw = with_zw.then_some((z.as_slice(), &pw));
                        class
                            .apply_products(&plan, (&x, &py), zw, &mut scratch, &mut got)
                            .unwrap();
                        assert_eq!(got, want, "n {n}, q {q}, backend {:?}", plan.backend());
                    }
                }
            }
        }
    }

    #[test]
    fn class_of_products_refuses_wrong_lengths_and_plans() {
        let n = 64;
        let q = primes(n)[0];
        let [plan, _] = plans(n, q);
        let class = ClassInverse::new(&plan, 8, 7).unwrap();
        let y = plan.prepare(&random_poly(q, n, 1));
        let x = random_poly(q, n, 2);
        let mut out = vec![0; class.len()];
        let mut short = vec![0; n - 1];
        assert!(matches!(
            class.apply_products(&plan, (&x, &y), None, &mut short, &mut out),
            Err(Error::LengthMismatch {
                what: "scratch",
                ..
            })
        ));
        let other = NttPlan::new(n, Modulus::new(primes(n)[1]).unwrap()).unwrap();
        let mut scratch = vec![0; n];
        assert_eq!(
            class.apply_products(&other, (&x, &y), None, &mut scratch, &mut out),
            Err(Error::ParamsMismatch)
        );
    }

    #[test]
    fn class_inverse_picks_every_class_at_small_sizes() {
        for n in [16usize, 64] {
            for q in primes(n) {
                for d in [2usize, 8] {
                    for r in 0..d {
                        check_class(n, q, d, r, q ^ (n * d + r) as u64);
                    }
                }
            }
        }
    }

    #[test]
    fn class_inverse_picks_the_class_at_production_sizes() {
        for n in [4096usize, 8192] {
            for q in primes(n) {
                check_class(n, q, 8, 7, q);
                check_class(n, q, 2, 1, q + 1);
            }
        }
    }

    #[test]
    fn class_inverse_of_the_largest_stride_and_of_a_reducing_sum() {
        // d = n/2 leaves a size-2 transform; with the 61-bit prime, d = 16 cannot sum lazily.
        check_class(64, PRIME_61, 32, 5, 1);
        let plan = NttPlan::new(64, Modulus::new(PRIME_61).unwrap()).unwrap();
        assert!(!ClassInverse::new(&plan, 16, 0).unwrap().lazy);
        assert!(ClassInverse::new(&plan, 8, 0).unwrap().lazy);
        for r in [0usize, 9, 15] {
            check_class(64, PRIME_61, 16, r, 2);
            check_class(4096, PRIME_61, 16, r, 3);
        }
    }

    #[test]
    fn bit_reversed_plans_need_no_gather() {
        for n in [16usize, 4096] {
            for plan in plans(n, primes(n)[0]) {
                let class = ClassInverse::new(&plan, 8, 7).unwrap();
                assert!(class.gather.is_none(), "backend {:?}", plan.backend());
            }
        }
    }

    #[test]
    fn gathered_slots_give_the_same_class() {
        // Force the general path: reverse the order of the pairs in every block.
        let (n, d, r) = (64usize, 8, 3);
        let q = primes(n)[1];
        let plan = NttPlan::new(n, Modulus::new(q).unwrap()).unwrap();
        let mut class = ClassInverse::new(&plan, d, r).unwrap();
        let mut order: Vec<usize> = (0..n).collect();
        for (block, weights) in order
            .chunks_exact_mut(d)
            .zip(class.weights.chunks_exact_mut(d / 2))
        {
            let pairs: Vec<usize> = block.chunks_exact(2).rev().flatten().copied().collect();
            block.copy_from_slice(&pairs);
            weights.reverse();
        }
        class.gather = Some(order);
        let f = random_poly(q, n, 7);
        let mut values = f.clone();
        plan.forward(&mut values);
        let mut out = vec![0u64; n / d];
        class.apply(&values, &mut out).unwrap();
        let expected: Vec<u64> = f.iter().copied().skip(r).step_by(d).collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn slots_in_any_order_give_the_same_class() {
        // A plan whose slots were permuted: points and values move together.
        let (n, d) = (256usize, 8);
        let q = primes(n)[2];
        let m = Modulus::new(q).unwrap();
        let plan = NttPlan::new(n, m).unwrap();
        let perm: Vec<usize> = (0..n).map(|t| (t * 37 + 11) % n).collect();
        let zetas = evaluation_points(&plan);
        let permuted_zetas: Vec<u64> = perm.iter().map(|&t| zetas[t]).collect();
        let f = random_poly(q, n, 3);
        let mut values = f.clone();
        plan.forward(&mut values);
        let permuted_values: Vec<u64> = perm.iter().map(|&t| values[t]).collect();
        for r in 0..d {
            let small = NttPlan::new(n / d, m).unwrap();
            let class = ClassInverse::from_points(small, r, &permuted_zetas).unwrap();
            assert!(class.gather.is_some());
            let mut out = vec![0u64; n / d];
            class.apply(&permuted_values, &mut out).unwrap();
            let expected: Vec<u64> = f.iter().copied().skip(r).step_by(d).collect();
            assert_eq!(out, expected, "r = {r}");
        }
    }

    #[test]
    fn new_rejects_bad_strides_and_classes() {
        let plan = NttPlan::new(64, Modulus::new(primes(64)[0]).unwrap()).unwrap();
        for d in [0usize, 1, 3, 12, 64, 128] {
            assert_eq!(
                ClassInverse::new(&plan, d, 0).unwrap_err(),
                Error::InvalidDegree {
                    n: d,
                    min: 2,
                    max: 32
                }
            );
        }
        for r in [8usize, 9, usize::MAX] {
            assert_eq!(
                ClassInverse::new(&plan, 8, r).unwrap_err(),
                Error::IndexOutOfRange { index: r, n: 8 }
            );
        }
        let tiny = NttPlan::new(2, Modulus::new(primes(64)[0]).unwrap()).unwrap();
        assert_eq!(
            ClassInverse::new(&tiny, 2, 0).unwrap_err(),
            Error::InvalidDegree {
                n: 2,
                min: 2,
                max: 1
            }
        );
    }

    #[test]
    fn apply_rejects_wrong_lengths() {
        let plan = NttPlan::new(64, Modulus::new(primes(64)[0]).unwrap()).unwrap();
        let class = ClassInverse::new(&plan, 8, 7).unwrap();
        let mut out = vec![0u64; 8];
        assert_eq!(
            class.apply(&[0u64; 63], &mut out).unwrap_err(),
            Error::LengthMismatch {
                what: "NTT values",
                expected: 64,
                found: 63
            }
        );
        assert_eq!(
            class.apply(&[0u64; 64], &mut [0u64; 9]).unwrap_err(),
            Error::LengthMismatch {
                what: "class output",
                expected: 8,
                found: 9
            }
        );
    }

    #[test]
    fn match_slots_rejects_points_that_do_not_match() {
        let (n, q) = (16usize, primes(16)[0]);
        let m = Modulus::new(q).unwrap();
        let plan = NttPlan::new(n, m).unwrap();
        let small = NttPlan::new(n / 4, m).unwrap();
        let zetas = evaluation_points(&plan);
        let etas = evaluation_points(&small);
        assert!(match_slots(&m, &zetas, &etas, 1).is_ok());
        // A repeated eta, an eta with no preimage, a size that is not a multiple, an odd d.
        let mut repeated = etas.clone();
        repeated[1] = repeated[0];
        let mut foreign = etas.clone();
        foreign[2] = 5;
        for bad in [repeated, foreign] {
            assert_eq!(
                match_slots(&m, &zetas, &bad, 1).unwrap_err(),
                Error::ParamsMismatch
            );
        }
        for (z, e) in [(&zetas[..15], &etas[..]), (&zetas[..12], &etas[..])] {
            assert_eq!(match_slots(&m, z, e, 1).unwrap_err(), Error::ParamsMismatch);
        }
        // A zeta whose negation is missing.
        let mut unpaired = zetas.clone();
        unpaired[1] = m.mul(unpaired[0], unpaired[0]);
        assert_eq!(
            match_slots(&m, &unpaired, &etas, 1).unwrap_err(),
            Error::ParamsMismatch
        );
        // Points of X^n = +1 (a cyclic transform) do not map onto the small plan's points.
        let cyclic: Vec<u64> = zetas.iter().map(|&z| m.mul(z, z)).collect();
        assert_eq!(
            match_slots(&m, &cyclic, &etas, 1).unwrap_err(),
            Error::ParamsMismatch
        );
    }

    #[test]
    fn debug_shows_the_shape_not_the_tables() {
        let plan = NttPlan::new(64, Modulus::new(primes(64)[0]).unwrap()).unwrap();
        let class = ClassInverse::new(&plan, 8, 7).unwrap();
        assert_eq!((class.len(), class.is_empty()), (8, false));
        let shown = format!("{class:?}");
        assert!(shown.contains("d: 8") && shown.contains("r: 7") && !shown.contains("weights"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn class_inverse_matches_coefficient_selection(
            log_n in 2u32..=11,
            log_d in 1u32..=10,
            r_seed in any::<usize>(),
            which in 0usize..4,
            seed in any::<u64>(),
        ) {
            let n = 1usize << log_n;
            let d = 1usize << log_d.min(log_n - 1);
            let r = r_seed % d;
            let q = primes(1 << 11)[which];
            let f = random_poly(q, n, seed);
            let expected: Vec<u64> = f.iter().copied().skip(r).step_by(d).collect();
            for plan in plans(n, q) {
                let class = ClassInverse::new(&plan, d, r).unwrap();
                let mut values = f.clone();
                plan.forward(&mut values);
                let mut out = vec![0u64; n / d];
                class.apply(&values, &mut out).unwrap();
                prop_assert_eq!(&out, &expected, "backend {:?}", plan.backend());
            }
        }
    }
}
