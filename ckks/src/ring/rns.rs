//! RNS bases: Q = q_0 * q_1 * ... * q_(L-1) for distinct NTT-friendly primes, with one NTT plan
//! per prime and the CRT constants that lift residues back to integers.
//!
//! CRT: for residues x_i = x mod q_i, with Q_i = Q / q_i and y_i = x_i * Q_i^-1 mod q_i,
//! x = sum_i y_i * Q_i mod Q. The centered lift is the representative in (-Q/2, Q/2].
//!
//! # Security
//! The lifts use big-integer or u128 division and run in variable time; they touch a client's
//! own decrypted values only on the client.

use std::sync::{Arc, OnceLock};

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{ToPrimitive, Zero};

use crate::ring::modulus::Modulus;
use crate::ring::ntt::NttPlan;
use crate::{Error, Result};

/// A basis of distinct NTT-friendly primes for ring degree n, shared as `Arc<RnsBasis>`.
pub struct RnsBasis {
    n: usize,
    moduli: Vec<Modulus>,
    plans: Vec<Arc<NttPlan>>,
    /// Q.
    product: BigUint,
    /// floor(Q / 2).
    half_product: BigUint,
    /// Q_i = Q / q_i.
    punctured: Vec<BigUint>,
    /// Q_i^-1 mod q_i and its Shoup constant.
    punctured_inv: Vec<(u64, u64)>,
    /// The basis without its last modulus, built on first use.
    lower: OnceLock<Option<Arc<RnsBasis>>>,
}

impl core::fmt::Debug for RnsBasis {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let moduli: Vec<u64> = self.moduli.iter().map(Modulus::value).collect();
        f.debug_struct("RnsBasis")
            .field("n", &self.n)
            .field("moduli", &moduli)
            .finish_non_exhaustive()
    }
}

impl RnsBasis {
    /// A basis for ring degree n over the given primes, in order.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] for an empty list; [`Error::ModulusSize`] for q >= 2^62;
    /// [`Error::DuplicateModulus`]; [`Error::InvalidDegree`] and [`Error::InvalidModulus`] as
    /// [`NttPlan::new`].
    pub fn new(n: usize, moduli: &[u64]) -> Result<Arc<Self>> {
        if moduli.is_empty() {
            return Err(Error::LengthMismatch {
                what: "rns basis moduli",
                expected: 1,
                found: 0,
            });
        }
        for (i, q) in moduli.iter().enumerate() {
            if moduli.iter().take(i).any(|p| p == q) {
                return Err(Error::DuplicateModulus { modulus: *q });
            }
        }
        let mut plans = Vec::with_capacity(moduli.len());
        for &q in moduli {
            plans.push(Arc::new(NttPlan::new(n, Modulus::new(q)?)?));
        }
        Ok(Arc::new(Self::from_plans(n, plans)))
    }

    /// Builds the CRT constants for plans already checked (same n, distinct primes).
    fn from_plans(n: usize, plans: Vec<Arc<NttPlan>>) -> Self {
        let moduli: Vec<Modulus> = plans.iter().map(|p| *p.modulus()).collect();
        let product: BigUint = moduli.iter().map(|m| BigUint::from(m.value())).product();
        let punctured: Vec<BigUint> = moduli
            .iter()
            .map(|m| &product / BigUint::from(m.value()))
            .collect();
        let punctured_inv = moduli
            .iter()
            .zip(&punctured)
            .map(|(m, qi)| {
                let r = (qi % BigUint::from(m.value())).to_u64().unwrap_or(0);
                // The primes are distinct, so Q_i is invertible mod q_i.
                let inv = m.inv(r).unwrap_or(0);
                (inv, m.shoup(inv))
            })
            .collect();
        let half_product = &product >> 1u32;
        Self {
            n,
            moduli,
            plans,
            product,
            half_product,
            punctured,
            punctured_inv,
            lower: OnceLock::new(),
        }
    }

    /// The ring degree n.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The number of moduli (level + 1).
    pub fn len(&self) -> usize {
        self.moduli.len()
    }

    /// Always false: a basis has at least one modulus.
    pub fn is_empty(&self) -> bool {
        self.moduli.is_empty()
    }

    /// The moduli q_0, ..., q_(len-1).
    pub fn moduli(&self) -> &[Modulus] {
        &self.moduli
    }

    /// The NTT plan of modulus i.
    pub fn plan(&self, i: usize) -> Option<&NttPlan> {
        self.plans.get(i).map(|p| &**p)
    }

    /// log2 Q = sum of log2 q_i.
    pub fn log_q(&self) -> f64 {
        self.moduli.iter().map(Modulus::log2).sum()
    }

    /// The basis of the first `len` moduli (a lower level), sharing the NTT tables.
    ///
    /// # Errors
    /// [`Error::InvalidLevel`] if `len` exceeds the number of moduli; [`Error::LengthMismatch`]
    /// for `len == 0`.
    pub fn prefix(self: &Arc<Self>, len: usize) -> Result<Arc<RnsBasis>> {
        if len == 0 {
            return Err(Error::LengthMismatch {
                what: "rns basis prefix",
                expected: 1,
                found: 0,
            });
        }
        if len > self.len() {
            return Err(Error::InvalidLevel {
                level: len - 1,
                max: self.len() - 1,
            });
        }
        let mut basis = Arc::clone(self);
        while basis.len() > len {
            basis = basis.drop_last().ok_or(Error::InvalidLevel {
                level: len - 1,
                max: self.len() - 1,
            })?;
        }
        Ok(basis)
    }

    /// The basis without its last modulus (cached), or `None` for a one-modulus basis.
    pub fn drop_last(&self) -> Option<Arc<RnsBasis>> {
        self.lower
            .get_or_init(|| {
                let keep = self.plans.len().checked_sub(1).filter(|&k| k > 0)?;
                let plans = self.plans.iter().take(keep).cloned().collect();
                Some(Arc::new(Self::from_plans(self.n, plans)))
            })
            .clone()
    }

    /// Q, the product of the moduli.
    pub fn product(&self) -> BigUint {
        self.product.clone()
    }

    /// True when both bases have the same n and the same moduli in the same order.
    pub fn same_as(&self, other: &RnsBasis) -> bool {
        core::ptr::eq(self, other) || (self.n == other.n && self.moduli == other.moduli)
    }

    /// Q_i^-1 mod q_i with its Shoup constant, for modulus i.
    pub(crate) fn punctured_inv(&self, i: usize) -> Option<(u64, u64)> {
        self.punctured_inv.get(i).copied()
    }

    /// The CRT lift of one coefficient to [0, Q).
    fn lift(&self, residues: &[u64]) -> BigUint {
        let mut x = BigUint::zero();
        for (((m, &r), qi), &(inv, inv_shoup)) in self
            .moduli
            .iter()
            .zip(residues)
            .zip(&self.punctured)
            .zip(&self.punctured_inv)
        {
            let y = m.mul_shoup(m.reduce(r), inv, inv_shoup);
            x += qi * y;
        }
        x % &self.product
    }

    /// CRT-lifts one coefficient (`residues[i]` mod q_i) to its centered integer in (-Q/2, Q/2].
    /// Missing residues count as zero; residues need not be reduced.
    pub fn lift_centered(&self, residues: &[u64]) -> BigInt {
        let x = self.lift(residues);
        if x > self.half_product {
            BigInt::from_biguint(Sign::Minus, &self.product - x)
        } else {
            BigInt::from_biguint(Sign::Plus, x)
        }
    }

    /// As [`RnsBasis::lift_centered`], rounded to the nearest f64 (exact u128 arithmetic for one
    /// or two moduli).
    pub fn lift_centered_f64(&self, residues: &[u64]) -> f64 {
        match (self.moduli.as_slice(), residues) {
            ([m], [r, ..]) => m.center(m.reduce(*r)) as f64,
            ([m0, m1], [r0, r1, ..]) => {
                let (q0, q1) = (u128::from(m0.value()), u128::from(m1.value()));
                let product = q0 * q1;
                let [(inv0, inv0_shoup), (inv1, inv1_shoup)] =
                    [self.punctured_inv(0), self.punctured_inv(1)].map(|c| c.unwrap_or((0, 0)));
                let y0 = m0.mul_shoup(m0.reduce(*r0), inv0, inv0_shoup);
                let y1 = m1.mul_shoup(m1.reduce(*r1), inv1, inv1_shoup);
                // y0 * q1 + y1 * q0 < 2Q < 2^125.
                let mut x = u128::from(y0) * q1 + u128::from(y1) * q0;
                if x >= product {
                    x -= product;
                }
                if x > product / 2 {
                    -((product - x) as f64)
                } else {
                    x as f64
                }
            }
            _ => self.lift_centered(residues).to_f64().unwrap_or(f64::NAN),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigInt;
    use proptest::prelude::*;

    /// NTT-friendly primes = 1 mod 2^16 of 42, 50 and 59 bits.
    pub(crate) const Q42: [u64; 3] = [4_398_044_938_241, 4_398_043_496_449, 4_398_042_972_161];
    pub(crate) const Q50: u64 = 1_125_899_904_679_937;
    pub(crate) const Q59: u64 = 576_460_752_301_785_089;

    fn residues_of(basis: &RnsBasis, x: &BigInt) -> Vec<u64> {
        basis
            .moduli()
            .iter()
            .map(|m| {
                let q = BigInt::from(m.value());
                (((x % &q) + &q) % &q).to_u64().unwrap()
            })
            .collect()
    }

    #[test]
    fn new_rejects_bad_bases() {
        assert_eq!(
            RnsBasis::new(16, &[]).unwrap_err(),
            Error::LengthMismatch {
                what: "rns basis moduli",
                expected: 1,
                found: 0
            }
        );
        assert_eq!(
            RnsBasis::new(16, &[Q42[0], Q42[0]]).unwrap_err(),
            Error::DuplicateModulus { modulus: Q42[0] }
        );
        assert_eq!(
            RnsBasis::new(16, &[Q42[0] + 2]).unwrap_err(),
            Error::InvalidModulus {
                modulus: Q42[0] + 2,
                two_n: 32
            }
        );
        assert!(matches!(
            RnsBasis::new(16, &[1 << 62]),
            Err(Error::ModulusSize { bits: 63, .. })
        ));
        assert!(matches!(
            RnsBasis::new(24, &[Q42[0]]),
            Err(Error::InvalidDegree { n: 24, .. })
        ));
    }

    #[test]
    fn prefix_shares_moduli_and_checks_its_length() {
        let basis = RnsBasis::new(32, &[Q42[0], Q42[1], Q50]).unwrap();
        let low = basis.prefix(2).unwrap();
        assert_eq!(low.len(), 2);
        assert!(low.same_as(&RnsBasis::new(32, &Q42[..2]).unwrap()));
        assert!(!low.same_as(&basis));
        assert!(basis.prefix(3).unwrap().same_as(&basis));
        assert_eq!(
            basis.prefix(4).unwrap_err(),
            Error::InvalidLevel { level: 3, max: 2 }
        );
        assert!(matches!(
            basis.prefix(0),
            Err(Error::LengthMismatch { found: 0, .. })
        ));
        assert!(low.drop_last().unwrap().drop_last().is_none());
        assert_eq!(basis.product(), BigUint::from(Q42[0]) * Q42[1] * Q50);
        let expected = [Q42[0], Q42[1], Q50]
            .iter()
            .map(|&q| (q as f64).log2())
            .sum::<f64>();
        assert!((basis.log_q() - expected).abs() < 1e-9);
    }

    proptest! {
        #[test]
        fn lift_centered_inverts_reduction(x in any::<i128>(), y in any::<i64>(), len in 1usize..=3) {
            let moduli = [Q42[0], Q50, Q59];
            let basis = RnsBasis::new(16, &moduli[..len]).unwrap();
            let q = BigInt::from(basis.product());
            // Put x into (-Q/2, Q/2] by reducing a 192-bit value.
            let big = (BigInt::from(x) << 64u32) + y;
            let mut centered = ((&big % &q) + &q) % &q;
            if &centered * 2 > q {
                centered -= &q;
            }
            let residues = residues_of(&basis, &centered);
            prop_assert_eq!(basis.lift_centered(&residues), centered.clone());
            prop_assert_eq!(basis.lift_centered_f64(&residues), centered.to_f64().unwrap());
        }
    }
}
