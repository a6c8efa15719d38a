//! The coefficient encoder: real values placed directly at chosen coefficients.
//!
//! Given values x_0, ..., x_(k-1), distinct positions p_0, ..., p_(k-1) in 0..n and a scale
//! delta, the encoding is the integer polynomial
//!
//!   m(X) = sum_i round(delta * x_i) X^(p_i)
//!
//! (all other coefficients 0), and decoding reads m_(p_i) / delta. Products of such
//! polynomials are negacyclic convolutions of the coefficients, so placing a vector at
//! X^0..X^7 and a weight row reversed at X^(8j+7-i) puts their dot product at X^(8j+7) (the
//! coefficient packing of Cheetah, Huang et al., USENIX Security 2022), with no rotation.
//!
//! # Rounding error
//!
//! The scaled value y = fl(delta * x) is rounded to the nearest integer, ties away from zero.
//! Every `f64` of magnitude 2^52 or more is an integer, so this step is exact whatever the
//! scale (delta = 2^85 included), and
//!
//!   |round(fl(delta * x)) / delta - x| <= 1/(2 delta) + |x| 2^-53,
//!
//! where the second term (the rounding of the product delta * x to 53 bits) vanishes when
//! delta is a power of two: the encoding is then exactly round(delta * x). Decoding divides
//! the coefficient (converted to `f64`, exact below 2^53) by delta, adding at most two more
//! relative roundings: |decode(encode(x)) - x| <= (1 + 3u)/(2 delta) + 3.01 u |x|, u = 2^-53.

use super::{CenteredCoefficient, MAX_COEFF_MAGNITUDE, check_degree, check_scale, scale_round};
use crate::{Error, Result};

/// Places scaled, rounded real values at chosen coefficients of a degree < n polynomial, and
/// reads them back.
///
/// # Security
///
/// The work done does not depend on the values, apart from the checks that reject invalid
/// input (which stop at the first bad value); positions are treated as public. The returned
/// coefficients are the caller's to protect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoeffEncoder {
    n: usize,
    max_magnitude: u128,
}

impl CoeffEncoder {
    /// Encoder for ring degree `n`; coefficients may reach [`MAX_COEFF_MAGNITUDE`]
    /// (see [`Self::with_max_magnitude`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDegree`] unless `n` is a power of two in 2^10..=2^16.
    pub fn new(n: usize) -> Result<Self> {
        check_degree(n)?;
        Ok(Self {
            n,
            max_magnitude: MAX_COEFF_MAGNITUDE,
        })
    }

    /// The same encoder, refusing any coefficient of magnitude above `max_magnitude` (for
    /// example the largest value the computation may reach without wrapping modulo Q).
    /// Values above [`MAX_COEFF_MAGNITUDE`] are lowered to it.
    #[must_use]
    pub fn with_max_magnitude(mut self, max_magnitude: u128) -> Self {
        self.max_magnitude = max_magnitude.min(MAX_COEFF_MAGNITUDE);
        self
    }

    /// Ring degree n.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Largest coefficient magnitude an encoding may produce.
    pub fn max_magnitude(&self) -> u128 {
        self.max_magnitude
    }

    /// Encodes `values[i]` at coefficient i: m(X) = sum_i round(delta * x_i) X^i.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfRange`] (index n) if more than n values are given; otherwise as
    /// [`Self::encode_at`].
    pub fn encode(&self, values: &[f64], scale: f64) -> Result<Vec<i128>> {
        self.encode_strided(values, 0, 1, scale)
    }

    /// Encodes `values[i]` at coefficient `positions[i]`:
    /// m(X) = sum_i round(delta * x_i) X^(p_i), the other n - k coefficients 0.
    ///
    /// # Errors
    ///
    /// In this order: [`Error::InvalidScale`] unless `scale` is finite and positive;
    /// [`Error::LengthMismatch`] if `positions` and `values` differ in length;
    /// [`Error::IndexOutOfRange`] for a position >= n; [`Error::DuplicatePosition`] if a
    /// position repeats; [`Error::NonFiniteValue`] (index in `values`) for NaN or infinity;
    /// [`Error::ValueOutOfRange`] (index in `values`) if |round(delta * x)| reaches 2^126 or
    /// exceeds [`Self::max_magnitude`].
    pub fn encode_at(&self, values: &[f64], positions: &[usize], scale: f64) -> Result<Vec<i128>> {
        check_scale(scale)?;
        if positions.len() != values.len() {
            return Err(Error::LengthMismatch {
                what: "positions",
                expected: values.len(),
                found: positions.len(),
            });
        }
        let mut used = vec![false; self.n];
        for &position in positions {
            let slot = used.get_mut(position).ok_or(Error::IndexOutOfRange {
                index: position,
                n: self.n,
            })?;
            if *slot {
                return Err(Error::DuplicatePosition { position });
            }
            *slot = true;
        }
        let mut coeffs = vec![0i128; self.n];
        for (index, (&x, &position)) in values.iter().zip(positions).enumerate() {
            let c = scale_round(x, scale, self.max_magnitude, index)?;
            // Every position was checked against n above.
            if let Some(dst) = coeffs.get_mut(position) {
                *dst = c;
            }
        }
        Ok(coeffs)
    }

    /// Encodes `values[i]` at coefficient `start + i * stride`.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfRange`] if a position is >= n (or overflows `usize`, reported as
    /// `usize::MAX`); [`Error::DuplicatePosition`] for `stride == 0` with two or more values;
    /// otherwise as [`Self::encode_at`].
    pub fn encode_strided(
        &self,
        values: &[f64],
        start: usize,
        stride: usize,
        scale: f64,
    ) -> Result<Vec<i128>> {
        check_scale(scale)?;
        let positions = self.strided_positions(start, stride, values.len())?;
        self.encode_at(values, &positions, scale)
    }

    /// start + i * stride for i < count, each checked to be below n.
    fn strided_positions(&self, start: usize, stride: usize, count: usize) -> Result<Vec<usize>> {
        (0..count)
            .map(|i| {
                let position = i
                    .checked_mul(stride)
                    .and_then(|offset| offset.checked_add(start))
                    .unwrap_or(usize::MAX);
                if position < self.n {
                    Ok(position)
                } else {
                    Err(Error::IndexOutOfRange {
                        index: position,
                        n: self.n,
                    })
                }
            })
            .collect()
    }

    /// Decodes all n centered coefficients: m_k / delta for k in 0..n.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidScale`]; [`Error::LengthMismatch`] unless exactly n coefficients are
    /// given; [`Error::NonFiniteValue`] (coefficient index) for NaN or infinity.
    pub fn decode<C: CenteredCoefficient>(&self, coeffs: &[C], scale: f64) -> Result<Vec<f64>> {
        self.check_len(coeffs)?;
        decode_values(coeffs, scale)
    }

    /// Decodes the centered coefficients at `positions`: m_(p_i) / delta, in the order given
    /// (a position may appear more than once).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidScale`]; [`Error::LengthMismatch`] unless exactly n coefficients are
    /// given; [`Error::IndexOutOfRange`] for a position >= n; [`Error::NonFiniteValue`]
    /// (coefficient index) for NaN or infinity.
    pub fn decode_at<C: CenteredCoefficient>(
        &self,
        coeffs: &[C],
        positions: &[usize],
        scale: f64,
    ) -> Result<Vec<f64>> {
        check_scale(scale)?;
        self.check_len(coeffs)?;
        positions
            .iter()
            .map(|&position| {
                let c = coeffs.get(position).ok_or(Error::IndexOutOfRange {
                    index: position,
                    n: self.n,
                })?;
                decode_one(c.to_f64(), scale, position)
            })
            .collect()
    }

    /// Decodes the `count` centered coefficients at `start + i * stride`.
    ///
    /// # Errors
    ///
    /// As [`Self::decode_at`] (an overflowing position is reported as `usize::MAX`).
    pub fn decode_strided<C: CenteredCoefficient>(
        &self,
        coeffs: &[C],
        start: usize,
        stride: usize,
        count: usize,
        scale: f64,
    ) -> Result<Vec<f64>> {
        check_scale(scale)?;
        self.check_len(coeffs)?;
        let positions = self.strided_positions(start, stride, count)?;
        self.decode_at(coeffs, &positions, scale)
    }

    fn check_len<C>(&self, coeffs: &[C]) -> Result<()> {
        if coeffs.len() == self.n {
            Ok(())
        } else {
            Err(Error::LengthMismatch {
                what: "coefficients",
                expected: self.n,
                found: coeffs.len(),
            })
        }
    }
}

/// Decodes coefficient values already picked out of a polynomial (for example the few
/// coefficients a selective decryption computes): v_i / delta for each value.
///
/// # Errors
///
/// [`Error::InvalidScale`] unless `scale` is finite and positive; [`Error::NonFiniteValue`]
/// (index in `values`) for NaN or infinity.
pub fn decode_values<C: CenteredCoefficient>(values: &[C], scale: f64) -> Result<Vec<f64>> {
    check_scale(scale)?;
    values
        .iter()
        .enumerate()
        .map(|(index, v)| decode_one(v.to_f64(), scale, index))
        .collect()
}

fn decode_one(value: f64, scale: f64, index: usize) -> Result<f64> {
    if value.is_finite() {
        Ok(value / scale)
    } else {
        Err(Error::NonFiniteValue { index })
    }
}

#[cfg(test)]
mod tests {
    use num_bigint::BigInt;
    use proptest::prelude::*;

    use super::*;

    const U: f64 = f64::EPSILON / 2.0; // 2^-53

    /// x = mantissa * 2^exponent exactly (mantissa signed, |mantissa| < 2^53).
    fn decompose(x: f64) -> (i128, i32) {
        let bits = x.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let fraction = (bits & ((1 << 52) - 1)) as i128;
        let (mantissa, exponent) = if biased == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1 << 52), biased - 1075)
        };
        (
            if x.is_sign_negative() {
                -mantissa
            } else {
                mantissa
            },
            exponent,
        )
    }

    /// The exact product delta * x as (numerator, e): value = numerator * 2^e.
    fn exact_product(x: f64, delta: f64) -> (BigInt, i32) {
        let (mx, ex) = decompose(x);
        let (md, ed) = decompose(delta);
        (BigInt::from(mx) * BigInt::from(md), ex + ed)
    }

    /// round(p * 2^e), ties away from zero, in exact integer arithmetic.
    fn round_exact(p: &BigInt, e: i32) -> BigInt {
        if e >= 0 {
            return p << e as usize;
        }
        let shift = (-e) as usize;
        let magnitude = p.magnitude().clone();
        let mut q = &magnitude >> shift;
        let remainder = &magnitude - (&q << shift);
        if remainder << 1usize >= (num_bigint::BigUint::from(1u8) << shift) {
            q += 1u8;
        }
        let q = BigInt::from(q);
        if p.sign() == num_bigint::Sign::Minus {
            -q
        } else {
            q
        }
    }

    fn encoder() -> CoeffEncoder {
        CoeffEncoder::new(1024).unwrap()
    }

    #[test]
    fn encode_at_places_values_and_zeros_elsewhere() {
        let enc = encoder();
        let coeffs = enc
            .encode_at(&[1.5, -2.25, 0.1], &[7, 0, 1023], 4.0)
            .unwrap();
        assert_eq!(coeffs.len(), 1024);
        assert_eq!(coeffs[7], 6);
        assert_eq!(coeffs[0], -9);
        assert_eq!(coeffs[1023], 0); // round(0.4) = 0
        assert_eq!(coeffs.iter().filter(|&&c| c != 0).count(), 2);
        let back = enc.decode_at(&coeffs, &[7, 0, 7], 4.0).unwrap();
        assert_eq!(back, vec![1.5, -2.25, 1.5]);
    }

    #[test]
    fn encode_and_strided_positions() {
        let enc = encoder();
        let values = [0.25, -0.5, 0.75];
        let prefix = enc.encode(&values, 8.0).unwrap();
        assert_eq!(&prefix[..4], &[2, -4, 6, 0]);
        let strided = enc.encode_strided(&values, 7, 8, 8.0).unwrap();
        assert_eq!((strided[7], strided[15], strided[23]), (2, -4, 6));
        assert_eq!(strided.iter().filter(|&&c| c != 0).count(), 3);
        assert_eq!(
            enc.decode_strided(&strided, 7, 8, 3, 8.0).unwrap(),
            values.to_vec()
        );
        assert_eq!(enc.decode(&prefix, 8.0).unwrap()[..3], values);
    }

    #[test]
    fn rounding_at_scale_two_pow_85_is_exact() {
        let enc = encoder();
        let delta = 2f64.powi(85);
        let values = [
            0.1,
            -0.1,
            1.0 / 3.0,
            12_345.678_9,
            -2f64.powi(-80) * 1.5, // delta * x = -48: exact
            2f64.powi(-86),        // 0.5 -> 1
            -2f64.powi(-86),       // -0.5 -> -1
            2f64.powi(-87),        // 0.25 -> 0
        ];
        let coeffs = enc.encode(&values, delta).unwrap();
        for (x, c) in values.iter().zip(&coeffs) {
            let (p, e) = exact_product(*x, delta);
            assert_eq!(BigInt::from(*c), round_exact(&p, e), "x = {x:e}");
        }
        assert_eq!(&coeffs[4..8], &[-48, 1, -1, 0]);
    }

    #[test]
    fn reports_each_error() {
        assert_eq!(
            CoeffEncoder::new(100),
            Err(Error::InvalidDegree {
                n: 100,
                min: 1024,
                max: 65536
            })
        );
        let enc = encoder();
        for scale in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                enc.encode(&[1.0], scale),
                Err(Error::InvalidScale { .. })
            ));
            assert!(matches!(
                enc.decode(&[0i64; 1024], scale),
                Err(Error::InvalidScale { .. })
            ));
            assert!(matches!(
                decode_values(&[1.0], scale),
                Err(Error::InvalidScale { .. })
            ));
        }
        assert_eq!(
            enc.encode_at(&[1.0, 2.0], &[0], 1.0),
            Err(Error::LengthMismatch {
                what: "positions",
                expected: 2,
                found: 1
            })
        );
        assert_eq!(
            enc.encode_at(&[1.0], &[1024], 1.0),
            Err(Error::IndexOutOfRange {
                index: 1024,
                n: 1024
            })
        );
        assert_eq!(
            enc.encode(&[0.0; 1025], 1.0),
            Err(Error::IndexOutOfRange {
                index: 1024,
                n: 1024
            })
        );
        assert_eq!(
            enc.encode_strided(&[0.0, 0.0], 1, usize::MAX, 1.0),
            Err(Error::IndexOutOfRange {
                index: usize::MAX,
                n: 1024
            })
        );
        assert_eq!(
            enc.encode_at(&[1.0, 2.0], &[5, 5], 1.0),
            Err(Error::DuplicatePosition { position: 5 })
        );
        assert_eq!(
            enc.encode_strided(&[1.0, 2.0], 3, 0, 1.0),
            Err(Error::DuplicatePosition { position: 3 })
        );
        assert_eq!(
            enc.encode_at(&[1.0, f64::NAN], &[0, 1], 1.0),
            Err(Error::NonFiniteValue { index: 1 })
        );
        assert!(matches!(
            enc.encode(&[1.0, 2f64.powi(42)], 2f64.powi(85)),
            Err(Error::ValueOutOfRange { index: 1, .. })
        ));
        let limited = enc.with_max_magnitude(1 << 20);
        assert_eq!(limited.max_magnitude(), 1 << 20);
        assert_eq!(
            limited.encode(&[-1.0], 2f64.powi(20)).unwrap()[0],
            -(1 << 20)
        );
        assert_eq!(
            limited.encode(&[0.0, -1.0], 2f64.powi(20) + 1.0),
            Err(Error::ValueOutOfRange {
                index: 1,
                scaled: -(2f64.powi(20) + 1.0),
                limit: 2f64.powi(20)
            })
        );
        assert_eq!(
            enc.with_max_magnitude(u128::MAX).max_magnitude(),
            MAX_COEFF_MAGNITUDE
        );

        assert_eq!(
            enc.decode(&[0i128; 3], 1.0),
            Err(Error::LengthMismatch {
                what: "coefficients",
                expected: 1024,
                found: 3
            })
        );
        assert_eq!(
            enc.decode_at(&[0i64; 1024], &[2000], 1.0),
            Err(Error::IndexOutOfRange {
                index: 2000,
                n: 1024
            })
        );
        assert_eq!(
            enc.decode_strided(&[0i64; 1024], 0, 512, 3, 1.0),
            Err(Error::IndexOutOfRange {
                index: 1024,
                n: 1024
            })
        );
        let mut coeffs = vec![0.0; 1024];
        coeffs[9] = f64::NAN;
        assert_eq!(
            enc.decode_at(&coeffs, &[1, 9], 1.0),
            Err(Error::NonFiniteValue { index: 9 })
        );
        assert_eq!(
            decode_values(&[1.0, f64::NEG_INFINITY], 1.0),
            Err(Error::NonFiniteValue { index: 1 })
        );
    }

    /// x = a * 2^k: values spread over many binades.
    fn wide_value() -> impl Strategy<Value = f64> {
        (-1.0f64..1.0, -60i32..=40).prop_map(|(a, k)| a * 2f64.powi(k))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// With delta a power of two, the encoding is exactly round(delta * x).
        #[test]
        fn power_of_two_scale_rounds_exactly(
            values in prop::collection::vec(wide_value(), 1..16),
            log_delta in 0i32..=85,
        ) {
            let delta = 2f64.powi(log_delta);
            let coeffs = encoder().encode(&values, delta).unwrap();
            for (x, c) in values.iter().zip(&coeffs) {
                let (p, e) = exact_product(*x, delta);
                prop_assert_eq!(BigInt::from(*c), round_exact(&p, e));
            }
        }

        /// Any scale: |m - delta x| <= 1/2 + u |delta x|, checked in exact integer
        /// arithmetic (everything multiplied by 2^L so it is an integer).
        #[test]
        fn any_scale_rounding_error_within_bound(
            x in wide_value(),
            log_delta in 0.0f64..=85.5,
        ) {
            let delta = 2f64.powf(log_delta);
            let m = encoder().encode(&[x], delta).unwrap()[0];
            let (p, e) = exact_product(x, delta);
            let l = (-e).max(0) as usize;
            let a = BigInt::from(m) << l;
            let b = p << (e + l as i32) as usize;
            let diff = (&a - &b).magnitude().clone();
            // diff / 2^L <= 1/2 + 2^-53 |b| / 2^L  <=>  diff * 2^54 <= 2^(L+53) + 2 |b|
            let lhs = diff << 54usize;
            let rhs = (num_bigint::BigUint::from(1u8) << (l + 53)) + (b.magnitude() << 1usize);
            prop_assert!(lhs <= rhs);
        }

        /// decode(encode(x)) within (1 + 4u)/(2 delta) + 4u |x| (module docs derive
        /// (1 + 3u)/(2 delta) + 3.01 u |x|).
        #[test]
        fn round_trip_within_bound(
            values in prop::collection::vec(wide_value(), 1..64),
            start in 0usize..64,
            stride in 1usize..15,
            log_delta in 0.0f64..=85.5,
        ) {
            let enc = CoeffEncoder::new(1024).unwrap();
            let delta = 2f64.powf(log_delta);
            let coeffs = enc.encode_strided(&values, start, stride, delta).unwrap();
            let back = enc.decode_strided(&coeffs, start, stride, values.len(), delta).unwrap();
            let picked: Vec<i128> = (0..values.len()).map(|i| coeffs[start + i * stride]).collect();
            prop_assert_eq!(&decode_values(&picked, delta).unwrap(), &back);
            for (x, y) in values.iter().zip(&back) {
                let bound = (1.0 + 4.0 * U) / (2.0 * delta) + 4.0 * U * x.abs();
                prop_assert!((x - y).abs() <= bound, "{} -> {} (delta {})", x, y, delta);
            }
            let nonzero = coeffs.iter().filter(|&&c| c != 0).count();
            prop_assert!(nonzero <= values.len());
        }
    }
}
