//! Negacyclic number-theoretic transform over Z_q[X]/(X^n + 1).
//!
//! `forward` maps the coefficients of a(X) to its values at the 2n-th roots of unity that are
//! odd powers of psi, `a_hat[i] = a(psi^(2*brv(i) + 1))` (bit-reversed order, brv on log2(n)
//! bits), so a negacyclic product becomes a pointwise product. `inverse` undoes it and divides
//! by n. Inputs and outputs are in [0, q).
//!
//! psi is fixed by [`roots`] for a given (n, q), and every kernel produces the same output in the
//! same order: the evaluation form is part of the wire protocol. Kernels:
//! - [`NttBackend::Scalar`]: the portable Harvey NTT of [`scalar`] (always compiled, wasm32).
//! - [`NttBackend::Simd`]: `tfhe-ntt` 0.7 `prime64::Plan` on x86/x86_64 hosts, which picks
//!   AVX-512 IFMA (q < 2^50), AVX-512 or AVX2 at run time (its own scalar code otherwise). Its
//!   inverse does not divide by n; [`NttPlan::inverse`] adds the normalization.
//!
//! [`NttPlan::new`] chooses the kernel measured fastest on the target (docs/benchmarks.md, "NTT").
//!
//! # Security
//! Both kernels run in time independent of the coefficient values.

mod roots;
pub(crate) mod scalar;

use crate::ring::modulus::Modulus;
use crate::{Error, Result};
use scalar::ScalarNtt;

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
        Ok(Self {
            n,
            modulus: q,
            kernel,
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
}
