//! Ring arithmetic for `R_Q = Z_Q[X]/(X^n + 1)` in RNS form: word-sized modular arithmetic
//! ([`modulus`]), the negacyclic NTT ([`ntt`]), RNS bases with CRT lifting ([`rns`]) and
//! polynomials typed by their representation ([`poly`]). Nothing here knows about CKKS.

pub mod modulus;
pub mod ntt;
pub mod poly;
pub mod rns;
#[cfg(target_arch = "x86_64")]
pub mod simd;

pub use modulus::{Modulus, is_prime};
pub use ntt::{ClassInverse, Multiplicand, NttBackend, NttPlan};
pub use poly::{Coeff, Ntt, Poly};
pub use rns::RnsBasis;

/// Runs `f` compiled for AVX-512 (with IFMA and VPOPCNTDQ) when the processor has it, so that
/// the plain loops inside vectorize; elsewhere, and on other targets, runs it as is (the
/// x86-64 `simd` module has the token).
#[inline(always)]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    return simd::vectorized(f);
    #[cfg(not(target_arch = "x86_64"))]
    f()
}
