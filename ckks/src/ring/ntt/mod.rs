//! Negacyclic number-theoretic transform over `Z_q[X]/(X^n + 1)`.
//!
//! `forward` maps the coefficients of a(X) to its values at the 2n-th roots of unity that are
//! odd powers of psi, `a_hat[i] = a(psi^(2*brv(i) + 1))` (bit-reversed order, brv on log2(n)
//! bits), so a negacyclic product becomes a pointwise product. `inverse` undoes it and divides
//! by n. Inputs and outputs are in [0, q).
//!
//! psi is fixed by the `roots` module for a given (n, q), and every kernel produces the same output in the
//! same order: the evaluation form is part of the wire protocol. Kernels:
//! - [`NttBackend::Scalar`]: the portable Harvey NTT of the `scalar` module (always compiled, wasm32).
//! - [`NttBackend::Simd`]: `tfhe-ntt` 0.7 `prime64::Plan` on x86/x86_64 hosts, which picks
//!   AVX-512 IFMA (q < 2^50), AVX-512 or AVX2 at run time (its own scalar code otherwise). Its
//!   inverse does not divide by n; [`NttPlan::inverse`] adds the normalization.
//!
//! [`NttPlan::new`] chooses the kernel measured fastest on the target (docs/benchmarks.md, "NTT").
//! [`ClassInverse`] recovers only the coefficients of one residue class of indices mod d from
//! the evaluations, at a fraction of the cost of a full inverse.
//!
//! # Security
//! Both kernels run in time independent of the coefficient values.

mod class;
mod roots;
pub(crate) mod scalar;

use crate::ring::modulus::Modulus;
use crate::{Error, Result};
use scalar::ScalarNtt;

pub use class::ClassInverse;

/// Smallest supported transform size.
pub const MIN_NTT_SIZE: usize = 2;
/// Largest supported transform size.
pub const MAX_NTT_SIZE: usize = 1 << 16;

/// Which kernel an [`NttPlan`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NttBackend {
    /// The portable Harvey NTT (Shoup twiddles, lazy reduction).
    Scalar,
    /// `tfhe-ntt` 0.7 with run-time SIMD detection (x86/x86_64 only).
    Simd,
}

#[derive(Clone)]
enum Kernel {
    Scalar(ScalarNtt),
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    Simd(tfhe_ntt::prime64::Plan),
}

/// Tables for the negacyclic NTT of size n modulo one prime q = 1 mod 2n.
#[derive(Clone)]
pub struct NttPlan {
    n: usize,
    modulus: Modulus,
    kernel: Kernel,
    /// IFMA Montgomery products for [`Multiplicand`]s (SIMD kernel, q < 2^50, on CPUs with
    /// IFMA).
    #[cfg(target_arch = "x86_64")]
    montgomery: Option<crate::ring::simd::Montgomery52>,
}

/// A fixed multiplicand of pointwise products, prepared once by [`NttPlan::prepare`] in the
/// form the plan's fastest product takes (Montgomery form `y 2^52 mod q` on IFMA, else plain).
#[derive(Clone)]
pub struct Multiplicand {
    values: Vec<u64>,
    q: u64,
    montgomery: bool,
}

impl core::fmt::Debug for Multiplicand {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Multiplicand")
            .field("n", &self.values.len())
            .field("q", &self.q)
            .field("montgomery", &self.montgomery)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for NttPlan {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NttPlan")
            .field("n", &self.n)
            .field("q", &self.modulus.value())
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl NttPlan {
    /// A plan on the fastest kernel for this target.
    ///
    /// # Errors
    /// [`Error::InvalidDegree`] unless n is a power of two in 2..=65536;
    /// [`Error::InvalidModulus`] unless q is a prime with q = 1 mod 2n.
    pub fn new(n: usize, q: Modulus) -> Result<Self> {
        Self::with_backend(n, q, Self::preferred_backend(n))
    }

    /// A plan on the portable scalar kernel, whatever the target (tests compare it with
    /// [`NttPlan::new`]).
    ///
    /// # Errors
    /// As [`NttPlan::new`].
    pub fn new_scalar(n: usize, q: Modulus) -> Result<Self> {
        Self::with_backend(n, q, NttBackend::Scalar)
    }

    /// The kernel [`NttPlan::new`] picks for size n on this target.
    pub fn preferred_backend(n: usize) -> NttBackend {
        // tfhe-ntt needs n >= 16; on x86 it wins at every measured size (docs/benchmarks.md).
        if cfg!(any(target_arch = "x86", target_arch = "x86_64")) && n >= 16 {
            NttBackend::Simd
        } else {
            NttBackend::Scalar
        }
    }

    /// A plan on a chosen kernel; [`NttBackend::Simd`] falls back to the scalar kernel where
    /// it is not available (not x86, or n < 16).
    ///
    /// # Errors
    /// As [`NttPlan::new`].
    pub fn with_backend(n: usize, q: Modulus, backend: NttBackend) -> Result<Self> {
        if !n.is_power_of_two() || !(MIN_NTT_SIZE..=MAX_NTT_SIZE).contains(&n) {
            return Err(Error::InvalidDegree {
                n,
                min: MIN_NTT_SIZE,
                max: MAX_NTT_SIZE,
            });
        }
        let two_n = 2 * n as u64;
        let invalid = Error::InvalidModulus {
            modulus: q.value(),
            two_n,
        };
        if !crate::ring::modulus::is_prime(q.value()) {
            return Err(invalid);
        }
        let psi = roots::primitive_root(&q, two_n).ok_or(invalid.clone())?;
        let kernel = match backend {
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            NttBackend::Simd if n >= 16 => {
                Kernel::Simd(tfhe_ntt::prime64::Plan::try_new(n, q.value()).ok_or(invalid.clone())?)
            }
            _ => Kernel::Scalar(ScalarNtt::new(q, n, psi).ok_or(invalid)?),
        };
        #[cfg(target_arch = "x86_64")]
        let montgomery = match kernel {
            Kernel::Simd(_) if n.is_multiple_of(8) => {
                crate::ring::simd::Montgomery52::new(q.value())
            }
            _ => None,
        };
        Ok(Self {
            n,
            modulus: q,
            kernel,
            #[cfg(target_arch = "x86_64")]
            montgomery,
        })
    }

    /// The transform size n.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The modulus q.
    pub fn modulus(&self) -> &Modulus {
        &self.modulus
    }

    /// The kernel this plan runs.
    pub fn backend(&self) -> NttBackend {
        match self.kernel {
            Kernel::Scalar(_) => NttBackend::Scalar,
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Kernel::Simd(_) => NttBackend::Simd,
        }
    }

    /// Forward negacyclic NTT in place: coefficients in [0, q) to evaluations in [0, q), in the
    /// bit-reversed order of the module doc.
    ///
    /// # Panics
    /// If `a.len() != n` (a caller bug: every `Poly` row has length n).
    pub fn forward(&self, a: &mut [u64]) {
        assert_eq!(a.len(), self.n, "NTT input length");
        match &self.kernel {
            Kernel::Scalar(plan) => plan.forward(a),
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Kernel::Simd(plan) => plan.fwd(a),
        }
    }

    /// Inverse negacyclic NTT in place, dividing by n: evaluations in [0, q) to coefficients in
    /// [0, q).
    ///
    /// # Panics
    /// If `a.len() != n` (a caller bug: every `Poly` row has length n).
    pub fn inverse(&self, a: &mut [u64]) {
        assert_eq!(a.len(), self.n, "NTT input length");
        match &self.kernel {
            Kernel::Scalar(plan) => plan.inverse(a),
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Kernel::Simd(plan) => {
                plan.inv(a);
                plan.normalize(a);
            }
        }
    }
    /// Pointwise product `a[i] = a[i] * b[i] mod q` (the negacyclic product in NTT form), on the
    /// plan's kernel (SIMD Barrett on x86). Inputs and outputs in [0, q).
    ///
    /// # Panics
    /// If `a.len()` or `b.len()` is not n (a caller bug: every `Poly` row has length n).
    pub fn mul_assign(&self, a: &mut [u64], b: &[u64]) {
        assert!(a.len() == self.n && b.len() == self.n, "pointwise length");
        match &self.kernel {
            Kernel::Scalar(_) => self.modulus.mul_slices(a, b),
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Kernel::Simd(plan) => {
                let lhs = a.to_vec();
                a.fill(0);
                plan.mul_accumulate(a, &lhs, b);
            }
        }
    }

    /// Pointwise `out[i] = a[i] * b[i] mod q`, on the plan's kernel, without allocating.
    /// Inputs and outputs in [0, q).
    ///
    /// # Panics
    /// If a length differs from n (a caller bug: every `Poly` row has length n).
    pub fn mul_into(&self, out: &mut [u64], a: &[u64], b: &[u64]) {
        assert!(
            out.len() == self.n && a.len() == self.n && b.len() == self.n,
            "pointwise length"
        );
        match &self.kernel {
            Kernel::Scalar(_) => {
                out.copy_from_slice(a);
                self.modulus.mul_slices(out, b);
            }
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Kernel::Simd(plan) => {
                out.fill(0);
                plan.mul_accumulate(out, a, b);
            }
        }
    }

    /// Pointwise `acc[i] = acc[i] + a[i] * b[i] mod q`, on the plan's kernel. Inputs and outputs
    /// in [0, q).
    ///
    /// # Panics
    /// If a slice length is not n (a caller bug: every `Poly` row has length n).
    pub fn mul_add_assign(&self, acc: &mut [u64], a: &[u64], b: &[u64]) {
        assert!(
            acc.len() == self.n && a.len() == self.n && b.len() == self.n,
            "pointwise length"
        );
        match &self.kernel {
            Kernel::Scalar(_) => self.modulus.mul_add_slices(acc, a, b),
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Kernel::Simd(plan) => plan.mul_accumulate(acc, a, b),
        }
    }
}

impl NttPlan {
    /// Whether [`Multiplicand`]s of this plan are in Montgomery form (IFMA products).
    fn uses_montgomery(&self) -> bool {
        #[cfg(target_arch = "x86_64")]
        return self.montgomery.is_some();
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    /// Prepares the fixed multiplicand `y` (n values in [0, q), in NTT form) for
    /// [`NttPlan::mul_prepared_into`] and [`NttPlan::mul_add_prepared_into`].
    ///
    /// # Panics
    /// If `y.len() != n` (a caller bug: every `Poly` row has length n).
    pub fn prepare(&self, y: &[u64]) -> Multiplicand {
        assert_eq!(y.len(), self.n, "pointwise length");
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
        let mut values = y.to_vec();
        #[cfg(target_arch = "x86_64")]
        if let Some(mont) = &self.montgomery {
            let done = mont.montgomery_form(y, &mut values);
            debug_assert_eq!(done, self.n);
        }
        Multiplicand {
            values,
            q: self.modulus.value(),
            montgomery: self.uses_montgomery(),
        }
    }

    fn check_prepared(&self, y: &Multiplicand) {
        assert!(
            y.q == self.modulus.value()
                && y.montgomery == self.uses_montgomery()
                && y.values.len() == self.n,
            "multiplicand prepared by another plan"
        );
    }

    /// Pointwise `out[i] = x[i] * y[i] mod q` with `y` prepared by this plan. Inputs and outputs
    /// in [0, q).
    ///
    /// # Panics
    /// If a length is not n or `y` comes from a plan of another modulus or kernel (caller bugs).
    pub fn mul_prepared_into(&self, out: &mut [u64], x: &[u64], y: &Multiplicand) {
        self.check_prepared(y);
        assert!(out.len() == self.n && x.len() == self.n, "pointwise length");
        #[cfg(target_arch = "x86_64")]
        if let Some(mont) = &self.montgomery {
            let done = mont.mul(out, x, &y.values);
            debug_assert_eq!(done, self.n);
            return;
        }
        self.mul_into(out, x, &y.values);
    }

    /// Pointwise `out[i] = x[i] * y[i] + z[i] * w[i] mod q` with `y` and `w` prepared by this
    /// plan, in one pass where the kernel allows. Inputs and outputs in [0, q).
    ///
    /// # Panics
    /// As [`NttPlan::mul_prepared_into`].
    pub fn mul_add_prepared_into(
        &self,
        out: &mut [u64],
        (x, y): (&[u64], &Multiplicand),
        (z, w): (&[u64], &Multiplicand),
    ) {
        self.check_prepared(y);
        self.check_prepared(w);
        assert!(
            out.len() == self.n && x.len() == self.n && z.len() == self.n,
            "pointwise length"
        );
        #[cfg(target_arch = "x86_64")]
        if let Some(mont) = &self.montgomery {
            let done = mont.mul_add(out, (x, &y.values), (z, &w.values));
            debug_assert_eq!(done, self.n);
            return;
        }
        self.mul_into(out, x, &y.values);
        self.mul_add_assign(out, z, &w.values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// NTT-friendly primes = 1 mod 2^16 (usable up to n = 32768) of 42, 50, 59 and 61 bits.
    const PRIMES: [u64; 4] = [
        4_398_044_938_241,
        1_125_899_904_679_937,
        576_460_752_301_785_089,
        2_305_843_009_211_662_337,
    ];

    /// Schoolbook product in Z_q[X]/(X^n + 1): X^n = -1 folds the upper half back negated.
    fn negacyclic_schoolbook(m: &Modulus, a: &[u64], b: &[u64]) -> Vec<u64> {
        let n = a.len();
        let mut out = vec![0u64; n];
        for (i, &x) in a.iter().enumerate() {
            for (j, &y) in b.iter().enumerate() {
                let p = m.mul(x, y);
                let k = i + j;
                if k < n {
                    out[k] = m.add(out[k], p);
                } else {
                    out[k - n] = m.sub(out[k - n], p);
                }
            }
        }
        out
    }

    /// Reproducible residues in [0, q) (SplitMix64), shared with the tests of `class`.
    pub(super) fn random_poly(q: u64, n: usize, seed: u64) -> Vec<u64> {
        // SplitMix64: reproducible test data without a dependency.
        let mut s = seed;
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

    fn plans(n: usize, q: u64) -> [NttPlan; 2] {
        let m = Modulus::new(q).unwrap();
        [
            NttPlan::new(n, m).unwrap(),
            NttPlan::new_scalar(n, m).unwrap(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn ntt_roundtrip_is_identity(log_n in 1u32..=12, which in 0usize..4, seed in any::<u64>()) {
            let n = 1usize << log_n;
            let q = PRIMES[which];
            for plan in plans(n, q) {
                let a = random_poly(q, n, seed);
                let mut b = a.clone();
                plan.forward(&mut b);
                prop_assert!(b.iter().all(|&x| x < q));
                plan.inverse(&mut b);
                prop_assert_eq!(&b, &a, "backend {:?}", plan.backend());
            }
        }

        #[test]
        fn ntt_product_is_negacyclic_schoolbook(log_n in 1u32..=7, which in 0usize..4, seed in any::<u64>()) {
            let n = 1usize << log_n;
            let q = PRIMES[which];
            let m = Modulus::new(q).unwrap();
            let a = random_poly(q, n, seed);
            let b = random_poly(q, n, seed ^ 0x5555);
            let expected = negacyclic_schoolbook(&m, &a, &b);
            for plan in plans(n, q) {
                let (mut fa, mut fb) = (a.clone(), b.clone());
                plan.forward(&mut fa);
                plan.forward(&mut fb);
                m.mul_slices(&mut fa, &fb);
                plan.inverse(&mut fa);
                prop_assert_eq!(&fa, &expected, "backend {:?}", plan.backend());
            }
        }

        #[test]
        fn fast_and_scalar_kernels_agree_bit_for_bit(log_n in 4u32..=15, which in 0usize..4, seed in any::<u64>()) {
            let n = 1usize << log_n;
            let q = PRIMES[which];
            let [fast, scalar] = plans(n, q);
            let a = random_poly(q, n, seed);
            let (mut x, mut y) = (a.clone(), a);
            fast.forward(&mut x);
            scalar.forward(&mut y);
            prop_assert_eq!(&x, &y);
            fast.inverse(&mut x);
            scalar.inverse(&mut y);
            prop_assert_eq!(&x, &y);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn prepared_products_match_modular_arithmetic(log_n in 1u32..=13, which in 0usize..4, seed in any::<u64>()) {
            let n = 1usize << log_n;
            let q = PRIMES[which];
            let m = Modulus::new(q).unwrap();
            let [x, y, z, w] = [0u64, 1, 2, 3].map(|k| {
                let mut v = random_poly(q, n, seed ^ k);
                // The extremes of the range in every operand.
                v[0] = q - 1;
                v[n - 1] = 0;
                v
            });
            for plan in plans(n, q) {
                let (py, pw) = (plan.prepare(&y), plan.prepare(&w));
                let mut out = vec![u64::MAX; n];
                plan.mul_prepared_into(&mut out, &x, &py);
                for i in 0..n {
                    prop_assert_eq!(out[i], m.mul(x[i], y[i]), "backend {:?}, i {}", plan.backend(), i);
                }
                let mut out = vec![u64::MAX; n];
                plan.mul_add_prepared_into(&mut out, (&x, &py), (&z, &pw));
                for i in 0..n {
                    let want = m.add(m.mul(x[i], y[i]), m.mul(z[i], w[i]));
                    prop_assert_eq!(out[i], want, "backend {:?}, i {}", plan.backend(), i);
                }
            }
        }

        #[test]
        fn pointwise_kernels_match_modular_arithmetic(log_n in 1u32..=13, which in 0usize..4, seed in any::<u64>()) {
            let n = 1usize << log_n;
            let q = PRIMES[which];
            let a = random_poly(q, n, seed);
            let mut b = random_poly(q, n, seed ^ 1);
            let acc = random_poly(q, n, seed ^ 2);
            // Extremes: every lane at q - 1 once.
            if seed % 4 == 0 {
                b.fill(q - 1);
            }
            for plan in plans(n, q) {
                let mut x = a.clone();
                plan.mul_assign(&mut x, &b);
                let mut y = acc.clone();
                plan.mul_add_assign(&mut y, &a, &b);
                let mut z = acc.clone();
                plan.mul_into(&mut z, &a, &b);
                for i in 0..n {
                    let p = u128::from(a[i]) * u128::from(b[i]);
                    prop_assert_eq!(u128::from(x[i]), p % u128::from(q));
                    prop_assert_eq!(u128::from(z[i]), p % u128::from(q));
                    prop_assert_eq!(u128::from(y[i]), (p + u128::from(acc[i])) % u128::from(q));
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "multiplicand prepared by another plan")]
    fn a_multiplicand_of_another_modulus_is_refused() {
        let [a, _] = plans(16, PRIMES[0]);
        let [b, _] = plans(16, PRIMES[1]);
        let y = a.prepare(&random_poly(PRIMES[0], 16, 1));
        let mut out = vec![0; 16];
        b.mul_prepared_into(&mut out, &random_poly(PRIMES[1], 16, 2), &y);
    }

    #[test]
    fn product_matches_schoolbook_at_production_size() {
        // One full-size check per prime size (n = 2048; the schoolbook is O(n^2)).
        let n = 2048;
        for q in PRIMES {
            let m = Modulus::new(q).unwrap();
            let a = random_poly(q, n, q);
            let b = random_poly(q, n, q + 1);
            let expected = negacyclic_schoolbook(&m, &a, &b);
            for plan in plans(n, q) {
                let (mut fa, mut fb) = (a.clone(), b.clone());
                plan.forward(&mut fa);
                plan.forward(&mut fb);
                m.mul_slices(&mut fa, &fb);
                plan.inverse(&mut fa);
                assert_eq!(fa, expected, "q = {q}, backend {:?}", plan.backend());
            }
        }
    }

    #[test]
    fn forward_evaluates_at_odd_powers_of_psi_in_bit_reversed_order() {
        // a(X) = X: a_hat[i] must be psi^(2 brv(i) + 1) with a primitive 2n-th root psi.
        let (n, q) = (64usize, PRIMES[0]);
        let m = Modulus::new(q).unwrap();
        for plan in plans(n, q) {
            let mut x = vec![0u64; n];
            x[1] = 1;
            plan.forward(&mut x);
            let psi = x[0];
            assert_eq!(m.pow(psi, n as u64), q - 1);
            for (i, &v) in x.iter().enumerate() {
                let brv = i.reverse_bits() >> (usize::BITS - n.trailing_zeros());
                assert_eq!(v, m.pow(psi, 2 * brv as u64 + 1));
            }
        }
    }

    #[test]
    fn preferred_backend_is_used_by_new() {
        let m = Modulus::new(PRIMES[0]).unwrap();
        for n in [2usize, 8, 16, 4096] {
            assert_eq!(
                NttPlan::new(n, m).unwrap().backend(),
                NttPlan::preferred_backend(n)
            );
            assert_eq!(
                NttPlan::new_scalar(n, m).unwrap().backend(),
                NttBackend::Scalar
            );
        }
        let plan = NttPlan::new(4096, m).unwrap();
        assert_eq!((plan.n(), plan.modulus().value()), (4096, PRIMES[0]));
        let shown = format!("{plan:?}");
        assert!(shown.contains("4096") && !shown.contains("twid"));
    }

    #[test]
    fn new_rejects_bad_sizes_and_moduli() {
        let m = Modulus::new(PRIMES[0]).unwrap();
        for n in [0usize, 1, 3, 24, 1 << 17] {
            assert_eq!(
                NttPlan::new(n, m).unwrap_err(),
                Error::InvalidDegree {
                    n,
                    min: 2,
                    max: 1 << 16
                }
            );
        }
        // 12289 = 3 * 2^12 + 1 is prime and 1 mod 2^12 but not 1 mod 2^13; then a composite.
        let small = Modulus::new(12289).unwrap();
        assert!(NttPlan::new(2048, small).is_ok());
        assert_eq!(
            NttPlan::new(4096, small).unwrap_err(),
            Error::InvalidModulus {
                modulus: 12289,
                two_n: 1 << 13
            }
        );
        let composite = Modulus::new(PRIMES[0] * 3).unwrap();
        assert_eq!(
            NttPlan::new(16, composite).unwrap_err(),
            Error::InvalidModulus {
                modulus: PRIMES[0] * 3,
                two_n: 32
            }
        );
    }
}
