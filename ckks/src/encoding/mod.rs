//! Encoders: real or complex messages <-> integer polynomials of `R = Z[X]/(X^n + 1)`.
//!
//! A CKKS plaintext is an integer polynomial m(X) = m_0 + m_1 X + ... + m_(n-1) X^(n-1) whose
//! coefficients are a message multiplied by a scale `delta` and rounded (Cheon-Kim-Kim-Song,
//! eprint 2016/421). Two ways to place the message are offered:
//!
//! - [`CoeffEncoder`] (module [`coeff`]): value x_k goes to a chosen coefficient position p_k,
//!   m_(p_k) = round(delta * x_k). Additions and products with a plaintext act on coefficients
//!   directly (negacyclic convolution), which the fast scoring path uses.
//! - [`SlotEncoder`] (module [`slots`]): up to n/2 complex values z_j are the evaluations of
//!   m(X) / delta at the primitive 2n-th roots of unity zeta^(5^j), zeta = exp(i pi / n)
//!   (the canonical embedding), computed with the "special FFT" of Cheon, Han, Kim, Kim and
//!   Song (eprint 2018/1043, and the HEAAN library). Products of polynomials become
//!   slot-wise products, and the automorphisms X -> X^(5^k) rotate the slots.
//!
//! Both encoders return the coefficients as `i128`, centered (negative values stay negative);
//! the ring layer reduces them modulo each q_i (`Poly::from_i128`). Decoding takes centered
//! coefficient values (CRT-lifted to (-Q/2, Q/2], as `f64`, `i64` or `i128`) and divides by the
//! scale. This module knows nothing of keys, moduli or ciphertexts.
//!
//! # Rounding
//!
//! A scaled value y = fl(delta * x) is rounded to the nearest integer, ties away from zero
//! (`f64::round`). For |y| >= 2^52 every `f64` is already an integer, so the rounding is exact
//! for any scale, including delta = 2^85; when delta is a power of two, fl(delta * x) is
//! exact too, and the result is exactly round(delta * x). Scaled values of magnitude 2^126 or
//! more (or above a caller-given limit) are refused: the coefficients always fit an `i128`
//! with room for a sum of a few of them.

pub mod coeff;
mod fft;
pub mod slots;

pub use coeff::{CoeffEncoder, decode_values};
pub use slots::{SlotEncoder, conjugation_galois_element, rotation_galois_element};

use crate::{Error, Result};

/// Smallest ring degree the encoders accept (n = 2^10).
pub const MIN_DEGREE: usize = 1 << 10;

/// Largest ring degree the encoders accept (n = 2^16).
pub const MAX_DEGREE: usize = 1 << 16;

/// Largest magnitude of an encoded coefficient: 2^126 - 1. A scaled value of magnitude 2^126
/// or more is refused with [`Error::ValueOutOfRange`].
pub const MAX_COEFF_MAGNITUDE: u128 = (1u128 << 126) - 1;

/// 2^126 as an `f64` (exact): scaled values at or above it in magnitude are refused.
const TWO_POW_126: f64 = 85_070_591_730_234_615_865_843_651_857_942_052_864.0;

/// 2^63 as an `f64` (exact).
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

mod sealed {
    /// Restricts [`super::CenteredCoefficient`] to the types of this crate's choosing.
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for i64 {}
    impl Sealed for i128 {}
}

/// A centered coefficient value a decoder accepts: `f64` (for example from a CRT lift to
/// (-Q/2, Q/2]), `i64` or `i128` (for example straight from an encoder).
///
/// Sealed: it cannot be implemented outside this crate.
pub trait CenteredCoefficient: Copy + sealed::Sealed {
    /// The value as the nearest `f64` (round to nearest, ties to even; exact below 2^53).
    fn to_f64(self) -> f64;
}

impl CenteredCoefficient for f64 {
    fn to_f64(self) -> f64 {
        self
    }
}

impl CenteredCoefficient for i64 {
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl CenteredCoefficient for i128 {
    fn to_f64(self) -> f64 {
        // Same result either way (both round the exact integer to nearest); the `i64`
        // conversion is one instruction on common targets, the `i128` one a library call.
        match i64::try_from(self) {
            Ok(small) => small as f64,
            Err(_) => self as f64,
        }
    }
}

/// Checks that `n` is a power of two in `MIN_DEGREE..=MAX_DEGREE`.
pub(crate) fn check_degree(n: usize) -> Result<()> {
    if n.is_power_of_two() && (MIN_DEGREE..=MAX_DEGREE).contains(&n) {
        Ok(())
    } else {
        Err(Error::InvalidDegree {
            n,
            min: MIN_DEGREE,
            max: MAX_DEGREE,
        })
    }
}

/// Checks that a scale is finite and strictly positive.
pub(crate) fn check_scale(scale: f64) -> Result<()> {
    if scale.is_finite() && scale > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidScale { scale })
    }
}

/// round(scale * x) as an `i128`, ties away from zero.
///
/// `index` is reported in errors. `max_magnitude` is the caller's bound (at most
/// [`MAX_COEFF_MAGNITUDE`]). The scale must already have passed [`check_scale`].
///
/// # Errors
///
/// [`Error::NonFiniteValue`] if x is NaN or infinite; [`Error::ValueOutOfRange`] if
/// |round(scale * x)| >= 2^126 (including an overflow to infinity) or > `max_magnitude`.
pub(crate) fn scale_round(x: f64, scale: f64, max_magnitude: u128, index: usize) -> Result<i128> {
    if !x.is_finite() {
        return Err(Error::NonFiniteValue { index });
    }
    let scaled = x * scale;
    let rounded = scaled.round();
    // False for an infinite product too.
    let fits = rounded.abs() < TWO_POW_126;
    if !fits {
        return Err(Error::ValueOutOfRange {
            index,
            scaled,
            limit: max_magnitude.min(MAX_COEFF_MAGNITUDE) as f64,
        });
    }
    // Exact: `rounded` is an integer of magnitude below 2^126. The `i64` conversion is one
    // instruction on common targets, the `i128` one a library call.
    let value = if rounded.abs() < TWO_POW_63 {
        i128::from(rounded as i64)
    } else {
        rounded as i128
    };
    if value.unsigned_abs() > max_magnitude {
        return Err(Error::ValueOutOfRange {
            index,
            scaled,
            limit: max_magnitude as f64,
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_pow_126_constant_is_exact() {
        assert_eq!(TWO_POW_126, 2f64.powi(126));
        assert_eq!(TWO_POW_126 as u128, MAX_COEFF_MAGNITUDE + 1);
        assert_eq!(TWO_POW_63, 2f64.powi(63));
    }

    #[test]
    fn check_degree_accepts_supported_powers_of_two_only() {
        for log_n in 10..=16 {
            assert_eq!(check_degree(1 << log_n), Ok(()));
        }
        for n in [0, 1, 512, 1000, 1025, 3 << 10, 1 << 17] {
            assert_eq!(
                check_degree(n),
                Err(Error::InvalidDegree {
                    n,
                    min: MIN_DEGREE,
                    max: MAX_DEGREE
                })
            );
        }
    }

    #[test]
    fn check_scale_rejects_non_positive_and_non_finite() {
        for scale in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(matches!(
                check_scale(scale),
                Err(Error::InvalidScale { .. })
            ));
        }
        assert_eq!(check_scale(f64::MIN_POSITIVE), Ok(()));
        assert_eq!(check_scale(2f64.powi(85)), Ok(()));
    }

    #[test]
    fn scale_round_rounds_ties_away_from_zero() {
        assert_eq!(scale_round(0.5, 1.0, MAX_COEFF_MAGNITUDE, 0), Ok(1));
        assert_eq!(scale_round(-0.5, 1.0, MAX_COEFF_MAGNITUDE, 0), Ok(-1));
        assert_eq!(scale_round(1.25, 2.0, MAX_COEFF_MAGNITUDE, 0), Ok(3));
        assert_eq!(scale_round(-1.24, 2.0, MAX_COEFF_MAGNITUDE, 0), Ok(-2));
        assert_eq!(scale_round(-0.1, 1.0, MAX_COEFF_MAGNITUDE, 0), Ok(0));
    }

    #[test]
    fn scale_round_is_exact_on_both_sides_of_two_pow_63() {
        let below = 2f64.powi(63) - 1024.0; // largest f64 below 2^63
        for (x, expected) in [
            (below, (1i128 << 63) - 1024),
            (-below, -(1i128 << 63) + 1024),
            (2f64.powi(63), 1i128 << 63),
            (-(2f64.powi(63)), -(1i128 << 63)),
            (2f64.powi(64) + 4096.0, (1i128 << 64) + 4096),
        ] {
            assert_eq!(scale_round(x, 1.0, MAX_COEFF_MAGNITUDE, 0), Ok(expected));
        }
    }

    #[test]
    fn scale_round_refuses_two_pow_126_and_accepts_just_below() {
        let below = 2f64.powi(126) - 2f64.powi(126 - 53);
        assert_eq!(
            scale_round(below, 1.0, MAX_COEFF_MAGNITUDE, 3),
            Ok(below as i128)
        );
        assert_eq!(
            scale_round(-below, 1.0, MAX_COEFF_MAGNITUDE, 3),
            Ok(-(below as i128))
        );
        for x in [2f64.powi(126), -2f64.powi(126), f64::MAX] {
            assert!(matches!(
                scale_round(x, 1.0, MAX_COEFF_MAGNITUDE, 3),
                Err(Error::ValueOutOfRange { index: 3, .. })
            ));
        }
        // A finite value whose product overflows to infinity.
        assert!(matches!(
            scale_round(1e300, 1e300, MAX_COEFF_MAGNITUDE, 4),
            Err(Error::ValueOutOfRange { index: 4, .. })
        ));
    }

    #[test]
    fn scale_round_applies_the_caller_limit() {
        assert_eq!(scale_round(1000.0, 1.0, 1000, 0), Ok(1000));
        assert_eq!(scale_round(-1000.4, 1.0, 1000, 0), Ok(-1000));
        assert_eq!(
            scale_round(1000.5, 1.0, 1000, 7),
            Err(Error::ValueOutOfRange {
                index: 7,
                scaled: 1000.5,
                limit: 1000.0
            })
        );
    }

    #[test]
    fn scale_round_rejects_nan_and_infinity() {
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(
                scale_round(x, 1.0, MAX_COEFF_MAGNITUDE, 9),
                Err(Error::NonFiniteValue { index: 9 })
            );
        }
    }

    #[test]
    fn centered_coefficient_conversions() {
        assert_eq!(2.5f64.to_f64(), 2.5);
        assert_eq!((-7i64).to_f64(), -7.0);
        assert_eq!((-(1i128 << 100)).to_f64(), -(2f64.powi(100)));
        // Rounding to 53 bits on both sides of the i64 range: 2^63 - 1 and 2^63 + 1 both
        // round to 2^63; 2^64 + 2^11 + 1 rounds up to 2^64 + 2^12.
        assert_eq!(i128::from(i64::MAX).to_f64(), 2f64.powi(63));
        assert_eq!(((1i128 << 63) + 1).to_f64(), 2f64.powi(63));
        assert_eq!(
            ((1i128 << 64) + (1 << 11) + 1).to_f64(),
            2f64.powi(64) + 4096.0
        );
        assert_eq!(i128::MIN.to_f64(), -(2f64.powi(127)));
    }
}
