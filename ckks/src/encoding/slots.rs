//! The CKKS slot encoder: canonical embedding of `R = Z[X]/(X^n + 1)`, computed with the
//! special FFT.
//!
//! Let zeta = exp(i pi / n), a primitive 2n-th root of unity, and s = n/2 the number of slots.
//! The canonical embedding of Cheon-Kim-Kim-Song (eprint 2016/421) sends a real polynomial m
//! to its values at the n primitive 2n-th roots zeta^t (t odd); they come in conjugate pairs,
//! so the s values
//!
//!   z_j = m(zeta^(5^j)),  j = 0, 1, ..., s - 1
//!
//! determine the rest (m(zeta^(-5^j)) = conj(z_j)), because the powers 5^j mod 2n are exactly
//! the residues 1 mod 4 and their negatives the residues 3 mod 4. Encoding inverts this map and
//! rounds: `encode(z, delta)` is the integer polynomial round(delta * sigma^(-1)(z)).
//!
//! Writing m(X) = sum_(k<s) (m_k + m_(k+s) X^s) X^k and using zeta^(5^j s) = i
//! (5^j = 1 mod 4), the slots are z_j = sum_(k<s) u_k zeta^(5^j k) with u_k = m_k + i m_(k+s):
//! an s-point transform computed by the special FFT of the HEAAN library (Cheon, Han, Kim,
//! Kim, Song, eprint 2018/1043) in O(n log n). Its matrix V satisfies V^H V = s I, so
//! u = V^H z / s, and the coefficients are m_k = Re(u_k), m_(k+s) = Im(u_k).
//!
//! Because sigma is a ring homomorphism (evaluation at fixed points), the negacyclic product of
//! two encodings decodes (at scale delta^2) to the slot-wise product, and the automorphism
//! X -> X^g with g = 5^k mod 2n rotates the slots by k (see [`rotation_galois_element`]).
//!
//! # Precision
//!
//! Rounding changes each coefficient by at most 1/2, and a slot is a sum of n coefficients
//! times roots of unity, so the decoded slots differ from the encoded values by at most
//! n / (2 delta) (worst case; for independent rounding errors the typical size is
//! sqrt(n / 12) / delta), plus the floating-point error of the two FFTs, of relative size
//! about log2(n) * 2^-53 times the largest slot.

use core::fmt;

use num_complex::Complex64;
use zeroize::Zeroize;

use super::fft::SpecialFft;
use super::{CenteredCoefficient, MAX_COEFF_MAGNITUDE, check_degree, check_scale, scale_round};
use crate::{Error, Result};

/// Encodes up to n/2 complex (or real) values into the coefficients of an integer
/// polynomial of degree < n, and decodes them back (canonical embedding, special FFT).
///
/// Tables (the rotation group 5^j mod 2n and the FFT twiddles, about 16 n bytes) are
/// computed once in [`SlotEncoder::new`]; keep the encoder and reuse it.
///
/// # Security
///
/// Encoding and decoding run the same operations whatever the values, apart from the checks
/// that reject invalid input (which stop at the first bad value); the floating-point units of
/// some CPUs take longer on subnormal numbers. The temporary complex buffer of an encoding is
/// zeroized before it is freed; the returned coefficients are the caller's to protect.
#[derive(Clone)]
pub struct SlotEncoder {
    n: usize,
    /// 5^j mod 2n for j < n/2.
    rotation_group: Vec<usize>,
    fft: SpecialFft,
    max_magnitude: u128,
}

impl fmt::Debug for SlotEncoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlotEncoder")
            .field("n", &self.n)
            .field("slots", &self.slots())
            .field("max_magnitude", &self.max_magnitude)
            .finish_non_exhaustive()
    }
}

/// A complex buffer zeroized on drop (it holds the message between the FFT and the rounding).
struct Scratch(Vec<Complex64>);

impl Drop for Scratch {
    fn drop(&mut self) {
        for c in &mut self.0 {
            c.re.zeroize();
            c.im.zeroize();
        }
    }
}

impl SlotEncoder {
    /// Builds the encoder for ring degree `n`: the rotation group 5^j mod 2n (j < n/2) and the
    /// special FFT tables, whose roots of unity exp(2 pi i k / m) are each computed directly
    /// from `cos`/`sin` (after an exact reduction to the first octant), never by repeated
    /// multiplication. Coefficients may reach [`MAX_COEFF_MAGNITUDE`] (see
    /// [`Self::with_max_magnitude`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDegree`] unless `n` is a power of two in
    /// [`super::MIN_DEGREE`]..=[`super::MAX_DEGREE`] (2^10..=2^16).
    pub fn new(n: usize) -> Result<Self> {
        check_degree(n)?;
        let slots = n / 2;
        let two_n = 2 * n;
        let mut g = 1;
        let rotation_group = (0..slots)
            .map(|_| {
                let out = g;
                g = g * 5 % two_n;
                out
            })
            .collect::<Vec<_>>();
        let fft = SpecialFft::new(slots, &rotation_group);
        Ok(Self {
            n,
            rotation_group,
            fft,
            max_magnitude: MAX_COEFF_MAGNITUDE,
        })
    }

    /// The same encoder, refusing any coefficient of magnitude above `max_magnitude`
    /// (for example floor(Q/2) of the plaintext modulus, so that encodings never wrap).
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

    /// Number of slots, n/2.
    pub fn slots(&self) -> usize {
        self.n / 2
    }

    /// Largest coefficient magnitude an encoding may produce.
    pub fn max_magnitude(&self) -> u128 {
        self.max_magnitude
    }

    /// The rotation group: entry j is 5^j mod 2n, the exponent of the root zeta^(5^j) at which
    /// slot j is evaluated (j < n/2).
    pub fn rotation_group(&self) -> &[usize] {
        &self.rotation_group
    }

    /// Encodes complex slot values: returns the n coefficients of
    /// m = round(delta * sigma^(-1)(z)), where z_j = `values[j]` for j < `values.len()` and
    /// z_j = 0 for the remaining slots (zero padding: fewer values leave the other slots 0).
    ///
    /// Each coefficient is at most about delta * max_j |z_j| in magnitude (|u_k| <= max |z_j|).
    ///
    /// # Errors
    ///
    /// In this order: [`Error::InvalidScale`] unless `scale` is finite and positive;
    /// [`Error::TooManySlots`] if more than n/2 values are given; [`Error::NonFiniteValue`]
    /// (index of the value) if a real or imaginary part is NaN or infinite;
    /// [`Error::ValueOutOfRange`] (index of the coefficient, 0..n) if a scaled coefficient
    /// reaches 2^126 or exceeds [`Self::max_magnitude`].
    pub fn encode(&self, values: &[Complex64], scale: f64) -> Result<Vec<i128>> {
        let u = self.unrounded(values.iter().copied(), values.len(), scale)?;
        self.round(&u.0, scale)
    }

    /// Encodes real slot values (imaginary parts 0): the same as [`Self::encode`] with
    /// `values[j] + 0 i`, zero padding after the last value.
    ///
    /// # Errors
    ///
    /// As [`Self::encode`].
    pub fn encode_real(&self, values: &[f64], scale: f64) -> Result<Vec<i128>> {
        let u = self.unrounded(
            values.iter().map(|&x| Complex64::new(x, 0.0)),
            values.len(),
            scale,
        )?;
        self.round(&u.0, scale)
    }

    /// u = V^H z / s before rounding: m_k = Re(u_k), m_(k+s) = Im(u_k) (unscaled).
    fn unrounded(
        &self,
        values: impl Iterator<Item = Complex64>,
        count: usize,
        scale: f64,
    ) -> Result<Scratch> {
        check_scale(scale)?;
        let slots = self.slots();
        if count > slots {
            return Err(Error::TooManySlots { count, slots });
        }
        let mut u = Scratch(vec![Complex64::new(0.0, 0.0); slots]);
        for (index, (dst, z)) in u.0.iter_mut().zip(values).enumerate() {
            if !(z.re.is_finite() && z.im.is_finite()) {
                return Err(Error::NonFiniteValue { index });
            }
            *dst = z;
        }
        self.fft.inverse(&mut u.0);
        Ok(u)
    }

    /// Coefficients round(scale * Re u_k) at k and round(scale * Im u_k) at k + s.
    fn round(&self, u: &[Complex64], scale: f64) -> Result<Vec<i128>> {
        let slots = self.slots();
        let mut coeffs = vec![0i128; self.n];
        let (low, high) = coeffs.split_at_mut(slots);
        for (k, ((lo, hi), uk)) in low.iter_mut().zip(high.iter_mut()).zip(u).enumerate() {
            *lo = scale_round(uk.re, scale, self.max_magnitude, k)?;
            *hi = scale_round(uk.im, scale, self.max_magnitude, k + slots)?;
        }
        Ok(coeffs)
    }

    /// Decodes the n centered coefficients of a polynomial m (for example a decryption lifted
    /// to (-Q/2, Q/2]) into its n/2 slots z_j = m(zeta^(5^j)) / delta.
    ///
    /// # Errors
    ///
    /// In this order: [`Error::InvalidScale`] unless `scale` is finite and positive;
    /// [`Error::LengthMismatch`] unless exactly n coefficients are given;
    /// [`Error::NonFiniteValue`] (index of the coefficient) for a NaN or infinite value.
    pub fn decode<C: CenteredCoefficient>(
        &self,
        coeffs: &[C],
        scale: f64,
    ) -> Result<Vec<Complex64>> {
        check_scale(scale)?;
        if coeffs.len() != self.n {
            return Err(Error::LengthMismatch {
                what: "coefficients",
                expected: self.n,
                found: coeffs.len(),
            });
        }
        let slots = self.slots();
        let (low, high) = coeffs.split_at(slots);
        let mut z = Vec::with_capacity(slots);
        for (k, (lo, hi)) in low.iter().zip(high).enumerate() {
            let (re, im) = (lo.to_f64(), hi.to_f64());
            if !re.is_finite() {
                return Err(Error::NonFiniteValue { index: k });
            }
            if !im.is_finite() {
                return Err(Error::NonFiniteValue { index: k + slots });
            }
            z.push(Complex64::new(re / scale, im / scale));
        }
        self.fft.forward(&mut z);
        Ok(z)
    }

    /// Decodes and keeps the real parts of the n/2 slots (for messages encoded with
    /// [`Self::encode_real`]; the imaginary parts are then only noise).
    ///
    /// # Errors
    ///
    /// As [`Self::decode`].
    pub fn decode_real<C: CenteredCoefficient>(
        &self,
        coeffs: &[C],
        scale: f64,
    ) -> Result<Vec<f64>> {
        Ok(self.decode(coeffs, scale)?.iter().map(|z| z.re).collect())
    }

    /// Galois element 5^k mod 2n rotating the slots by `k` (see [`rotation_galois_element`]).
    pub fn rotation_galois_element(&self, k: i64) -> usize {
        pow5_mod(k, self.n)
    }

    /// Galois element 2n - 1 conjugating every slot (see [`conjugation_galois_element`]).
    pub fn conjugation_galois_element(&self) -> usize {
        2 * self.n - 1
    }
}

/// 5^(k mod n/2) mod 2n (the order of 5 modulo 2n is n/2).
fn pow5_mod(k: i64, n: usize) -> usize {
    let two_n = 2 * n as u64;
    let slots = (n / 2) as i64;
    let mut e = k.rem_euclid(slots) as u64;
    let mut base = 5u64;
    let mut acc = 1u64;
    while e > 0 {
        if e & 1 == 1 {
            acc = acc * base % two_n;
        }
        base = base * base % two_n;
        e >>= 1;
    }
    acc as usize
}

/// Galois element g = 5^k mod 2n of the rotation by `k` slots in ring degree `n`.
///
/// The automorphism sigma_g : m(X) -> m(X^g) of `Z[X]/(X^n + 1)` (on coefficients:
/// X^i -> X^(i g mod 2n), with X^(n + r) = -X^r) moves slot j + k to slot j:
/// decode(sigma_g(m))_j = decode(m)_((j + k) mod n/2), a left rotation by k. Negative `k`
/// rotates right; k is taken modulo n/2.
///
/// # Errors
///
/// [`Error::InvalidDegree`] unless `n` is a power of two in 2^10..=2^16.
pub fn rotation_galois_element(n: usize, k: i64) -> Result<usize> {
    check_degree(n)?;
    Ok(pow5_mod(k, n))
}

/// Galois element g = 2n - 1 (X -> X^(-1)) of complex conjugation in ring degree `n`:
/// decode(sigma_g(m))_j = conj(decode(m)_j), because zeta^(-5^j) is the conjugate root.
///
/// # Errors
///
/// [`Error::InvalidDegree`] unless `n` is a power of two in 2^10..=2^16.
pub fn conjugation_galois_element(n: usize) -> Result<usize> {
    check_degree(n)?;
    Ok(2 * n - 1)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::fft::root_of_unity;
    use super::*;

    const U: f64 = f64::EPSILON / 2.0; // unit roundoff 2^-53

    /// Floating-point part of an encode/decode round trip, relative to the largest slot:
    /// each special FFT has a 2-norm error of at most log2(s) * eta * ||x||_2 with
    /// eta < 8u (Higham, "Accuracy and Stability of Numerical Algorithms", 24.1, twiddles
    /// within 2u), and ||x||_2 <= sqrt(s) * max |x_j|, giving 8 u log2(n) sqrt(n) per FFT;
    /// converting coefficients above 2^53 to f64 adds at most u per coefficient, n u in a slot.
    fn float_bound(n: usize, max_slot: f64) -> f64 {
        let nf = n as f64;
        (16.0 * nf.log2() * nf.sqrt() + nf) * U * max_slot.max(1.0)
    }

    fn pseudo_random_slots(count: usize, seed: u64, amplitude: f64) -> Vec<Complex64> {
        let mut x = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0) * amplitude
        };
        (0..count).map(|_| Complex64::new(next(), next())).collect()
    }

    fn max_abs(z: &[Complex64]) -> f64 {
        z.iter().map(|v| v.norm()).fold(0.0, f64::max)
    }

    fn max_diff(a: &[Complex64], b: &[Complex64]) -> f64 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).norm())
            .fold(0.0, f64::max)
    }

    /// zeta^t for t in 0..2n, zeta = exp(i pi / n).
    fn zeta_table(n: usize) -> Vec<Complex64> {
        (0..2 * n).map(|t| root_of_unity(t, 2 * n)).collect()
    }

    /// The textbook inverse embedding (eprint 2016/421, section 3.1): with w_t the value at
    /// zeta^t for every odd t (z_j at t = 5^j, conj(z_j) at t = -5^j), the polynomial is
    /// m_k = (1/n) sum_(t odd) w_t zeta^(-t k), because the Vandermonde matrix of the n
    /// primitive roots satisfies W^H W = n I. Returns the complex m_k (their imaginary parts
    /// vanish exactly when the input is conjugate-symmetric). O(n^2).
    fn naive_inverse_embedding(z: &[Complex64], n: usize) -> Vec<Complex64> {
        let two_n = 2 * n;
        let zeta = zeta_table(n);
        let mut w = vec![None; two_n];
        let mut g = 1;
        for j in 0..n / 2 {
            let zj = z.get(j).copied().unwrap_or_default();
            w[g] = Some(zj);
            w[two_n - g] = Some(zj.conj());
            g = g * 5 % two_n;
        }
        assert!((1..two_n).step_by(2).all(|t| w[t].is_some()));
        (0..n)
            .map(|k| {
                let mut acc = Complex64::new(0.0, 0.0);
                for t in (1..two_n).step_by(2) {
                    let wt = w[t].unwrap_or_default();
                    acc += wt * zeta[(two_n - t * k % two_n) % two_n];
                }
                acc / n as f64
            })
            .collect()
    }

    /// Direct evaluation m(zeta^e) / delta for every exponent in `exponents`. O(n^2).
    fn naive_evaluate(coeffs: &[i128], exponents: &[usize], scale: f64) -> Vec<Complex64> {
        let n = coeffs.len();
        let zeta = zeta_table(n);
        exponents
            .iter()
            .map(|&e| {
                let mut acc = Complex64::new(0.0, 0.0);
                for (k, &c) in coeffs.iter().enumerate() {
                    acc += zeta[e * k % (2 * n)] * c as f64;
                }
                acc / scale
            })
            .collect()
    }

    /// X -> X^g on integer coefficients of Z[X]/(X^n + 1).
    fn apply_automorphism(coeffs: &[i128], g: usize) -> Vec<i128> {
        let n = coeffs.len();
        let mut out = vec![0i128; n];
        for (i, &c) in coeffs.iter().enumerate() {
            let e = i * g % (2 * n);
            if e < n {
                out[e] += c;
            } else {
                out[e - n] -= c;
            }
        }
        out
    }

    /// Schoolbook negacyclic product in Z[X]/(X^n + 1), exact in i128.
    fn negacyclic_product(a: &[i128], b: &[i128]) -> Vec<i128> {
        let n = a.len();
        let mut c = vec![0i128; n];
        for (i, &ai) in a.iter().enumerate() {
            for (j, &bj) in b.iter().enumerate() {
                if i + j < n {
                    c[i + j] += ai * bj;
                } else {
                    c[i + j - n] -= ai * bj;
                }
            }
        }
        c
    }

    #[test]
    fn encode_matches_textbook_inverse_embedding_and_coefficients_are_real() {
        for log_n in 10..=12 {
            let n = 1 << log_n;
            let encoder = SlotEncoder::new(n).unwrap();
            let z = pseudo_random_slots(n / 2, log_n, 1.0);
            let naive = naive_inverse_embedding(&z, n);
            // Conjugate symmetry <=> real coefficients: the textbook sum has imaginary parts
            // at the rounding level only. Each m_k sums n terms of size <= max|z| / n with
            // relative error <= 3u (root, product) plus (n - 1) u of recursive summation:
            // |error| <= (n + 3) u max|z|.
            let naive_bound = (n as f64 + 3.0) * U;
            let worst_imag = naive.iter().map(|m| m.im.abs()).fold(0.0, f64::max);
            assert!(worst_imag <= naive_bound, "n = {n}: imag {worst_imag:e}");

            // Unrounded coefficients: the special FFT against the textbook formula.
            let u = encoder.unrounded(z.iter().copied(), z.len(), 1.0).unwrap();
            let fast: Vec<f64> =
                u.0.iter()
                    .map(|c| c.re)
                    .chain(u.0.iter().map(|c| c.im))
                    .collect();
            let bound = naive_bound + float_bound(n, 1.0);
            let worst = fast
                .iter()
                .zip(&naive)
                .map(|(f, m)| (f - m.re).abs())
                .fold(0.0, f64::max);
            assert!(worst <= bound, "n = {n}: {worst:e} > {bound:e}");

            // Rounded: each integer is within 1/2 of delta times the textbook value.
            let delta = 2f64.powi(40);
            let coeffs = encoder.encode(&z, delta).unwrap();
            for (c, m) in coeffs.iter().zip(&naive) {
                assert!((*c as f64 - delta * m.re).abs() <= 0.5 + delta * bound);
            }
        }
    }

    #[test]
    fn decode_matches_direct_evaluation_at_the_roots() {
        for log_n in 10..=12 {
            let n = 1usize << log_n;
            let encoder = SlotEncoder::new(n).unwrap();
            // Arbitrary integer polynomial, coefficients up to 2^30 in magnitude.
            let coeffs: Vec<i128> = pseudo_random_slots(n / 2, 100 + log_n, 2f64.powi(30))
                .iter()
                .flat_map(|c| [c.re.round() as i128, c.im.round() as i128])
                .collect();
            let scale = 2f64.powi(20);
            let fast = encoder.decode(&coeffs, scale).unwrap();
            let naive = naive_evaluate(&coeffs, encoder.rotation_group(), scale);
            // The naive sum of n terms errs by at most (n + 3) u sum|m_k| / delta (see the
            // encode test); the FFT by float_bound relative to sum|m_k| / delta >= max slot.
            let l1 = coeffs.iter().map(|c| c.abs() as f64).sum::<f64>() / scale;
            let bound = (n as f64 + 3.0) * U * l1 + float_bound(n, l1);
            let worst = max_diff(&fast, &naive);
            assert!(worst <= bound, "n = {n}: {worst:e} > {bound:e}");
            // Conjugate roots give the conjugate values (real coefficients).
            let conj_exponents: Vec<usize> = encoder
                .rotation_group()
                .iter()
                .map(|&g| 2 * n - g)
                .collect();
            let at_conj = naive_evaluate(&coeffs, &conj_exponents, scale);
            let conj: Vec<Complex64> = naive.iter().map(|v| v.conj()).collect();
            assert!(max_diff(&at_conj, &conj) <= 2.0 * (n as f64 + 3.0) * U * l1);
        }
    }

    /// Round trip bound: rounding moves each of the n coefficients by <= 1/2, which moves a
    /// slot (a sum of n coefficients times roots of unity, divided by delta) by <= n/(2 delta);
    /// plus the floating-point error of the two FFTs.
    fn round_trip_bound(n: usize, delta: f64, max_slot: f64) -> f64 {
        n as f64 / (2.0 * delta) + float_bound(n, max_slot)
    }

    #[test]
    fn round_trip_error_is_within_bound_for_every_degree() {
        for log_n in 10..=16 {
            let n = 1 << log_n;
            let encoder = SlotEncoder::new(n).unwrap();
            for (delta, amplitude) in [(2f64.powi(40), 1.0), (2f64.powi(85), 1000.0)] {
                let z = pseudo_random_slots(n / 2, log_n, amplitude);
                let coeffs = encoder.encode(&z, delta).unwrap();
                assert_eq!(coeffs.len(), n);
                let back = encoder.decode(&coeffs, delta).unwrap();
                let worst = max_diff(&back, &z);
                let bound = round_trip_bound(n, delta, max_abs(&z));
                assert!(worst <= bound, "n = {n}: {worst:e} > {bound:e}");
            }
        }
    }

    #[test]
    fn sparse_input_is_zero_padded() {
        let n = 2048;
        let encoder = SlotEncoder::new(n).unwrap();
        let z = pseudo_random_slots(5, 7, 3.0);
        let delta = 2f64.powi(30);
        let back = encoder
            .decode(&encoder.encode(&z, delta).unwrap(), delta)
            .unwrap();
        assert_eq!(back.len(), n / 2);
        let bound = round_trip_bound(n, delta, 3.0 * 2f64.sqrt());
        assert!(max_diff(&back[..5], &z) <= bound);
        assert!(back[5..].iter().all(|v| v.norm() <= bound));
        // No values at all: the zero polynomial.
        assert_eq!(encoder.encode(&[], delta).unwrap(), vec![0i128; n]);
    }

    #[test]
    fn real_encoding_has_small_imaginary_parts() {
        let n = 4096;
        let encoder = SlotEncoder::new(n).unwrap();
        let x: Vec<f64> = pseudo_random_slots(n / 2, 3, 50.0)
            .iter()
            .map(|c| c.re)
            .collect();
        let delta = 2f64.powi(36);
        let coeffs = encoder.encode_real(&x, delta).unwrap();
        let z = encoder.decode(&coeffs, delta).unwrap();
        let bound = round_trip_bound(n, delta, 50.0);
        let real = encoder.decode_real(&coeffs, delta).unwrap();
        for ((zj, xj), rj) in z.iter().zip(&x).zip(&real) {
            assert!((zj.re - xj).abs() <= bound && zj.im.abs() <= bound);
            assert_eq!(zj.re, *rj);
        }
    }

    /// The encoding is a ring homomorphism: the negacyclic product of encodings at scale
    /// delta decodes, at scale delta^2, to the slot-wise product.
    ///
    /// Bound: sigma(a) = delta z_a + e_a with |e_a| <= n/2 (rounding), likewise for b, and
    /// sigma(a b) = sigma(a) sigma(b) exactly (integer product), so
    /// sigma(ab)/delta^2 - z_a z_b = (z_a e_b + z_b e_a)/delta + e_a e_b / delta^2, at most
    /// (|z_a| + |z_b|) n / (2 delta) + n^2 / (4 delta^2), plus float error.
    #[test]
    fn product_of_encodings_decodes_to_slotwise_product() {
        let n = 1024;
        let encoder = SlotEncoder::new(n).unwrap();
        let delta = 2f64.powi(20);
        let za = pseudo_random_slots(n / 2, 11, 1.0);
        let zb = pseudo_random_slots(n / 2, 12, 1.0);
        let a = encoder.encode(&za, delta).unwrap();
        let b = encoder.encode(&zb, delta).unwrap();
        let product = encoder
            .decode(&negacyclic_product(&a, &b), delta * delta)
            .unwrap();
        let nf = n as f64;
        let mut worst_ratio: f64 = 0.0;
        for ((p, x), y) in product.iter().zip(&za).zip(&zb) {
            let bound = (x.norm() + y.norm()) * nf / (2.0 * delta)
                + nf * nf / (4.0 * delta * delta)
                + float_bound(n, 2.0);
            worst_ratio = worst_ratio.max((p - x * y).norm() / bound);
        }
        assert!(worst_ratio <= 1.0, "error / bound = {worst_ratio}");
        // And the sum decodes to the slot-wise sum (bound: n/2 per coefficient sum... each
        // coefficient of a + b carries two rounding errors, so 2 n / (2 delta)).
        let sum: Vec<i128> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
        let decoded = encoder.decode(&sum, delta).unwrap();
        let expected: Vec<Complex64> = za.iter().zip(&zb).map(|(x, y)| x + y).collect();
        assert!(max_diff(&decoded, &expected) <= 2.0 * round_trip_bound(n, delta, 2.0));
    }

    #[test]
    fn automorphism_by_galois_element_rotates_slots() {
        for n in [1024usize, 2048] {
            let encoder = SlotEncoder::new(n).unwrap();
            let s = n / 2;
            let delta = 2f64.powi(30);
            let z = pseudo_random_slots(s, n as u64, 1.0);
            let m = encoder.encode(&z, delta).unwrap();
            let decoded = encoder.decode(&m, delta).unwrap();
            for k in [
                1i64,
                2,
                3,
                7,
                100,
                -1,
                -5,
                s as i64 - 1,
                s as i64,
                3 * s as i64 + 2,
            ] {
                let g = rotation_galois_element(n, k).unwrap();
                assert_eq!(g, encoder.rotation_galois_element(k));
                let rotated = encoder.decode(&apply_automorphism(&m, g), delta).unwrap();
                let shift = k.rem_euclid(s as i64) as usize;
                let expected_decoded: Vec<Complex64> =
                    (0..s).map(|j| decoded[(j + shift) % s]).collect();
                let expected_z: Vec<Complex64> = (0..s).map(|j| z[(j + shift) % s]).collect();
                // sigma_g only permutes coefficients (with signs), exactly: the two decodings
                // differ by FFT rounding only.
                assert!(max_diff(&rotated, &expected_decoded) <= 2.0 * float_bound(n, 1.5));
                assert!(max_diff(&rotated, &expected_z) <= round_trip_bound(n, delta, 1.5));
            }
            let g = conjugation_galois_element(n).unwrap();
            assert_eq!(g, encoder.conjugation_galois_element());
            let conj = encoder.decode(&apply_automorphism(&m, g), delta).unwrap();
            let expected: Vec<Complex64> = z.iter().map(|v| v.conj()).collect();
            assert!(max_diff(&conj, &expected) <= round_trip_bound(n, delta, 1.5));
        }
    }

    #[test]
    fn galois_elements_have_expected_values() {
        let n = 4096;
        assert_eq!(rotation_galois_element(n, 0), Ok(1));
        assert_eq!(rotation_galois_element(n, 1), Ok(5));
        assert_eq!(rotation_galois_element(n, 2), Ok(25));
        assert_eq!(rotation_galois_element(n, n as i64 / 2), Ok(1));
        let right = rotation_galois_element(n, -1).unwrap();
        assert_eq!(right * 5 % (2 * n), 1);
        assert_eq!(conjugation_galois_element(n), Ok(2 * n - 1));
        let encoder = SlotEncoder::new(n).unwrap();
        for (j, &g) in encoder.rotation_group().iter().enumerate() {
            assert_eq!(rotation_galois_element(n, j as i64), Ok(g));
        }
        // The rotation group is the n/2 residues 1 mod 4, each once.
        let mut sorted = encoder.rotation_group().to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..n / 2).map(|i| 4 * i + 1).collect::<Vec<_>>());
        for bad in [0, 1000, 512, 1 << 17] {
            assert!(matches!(
                rotation_galois_element(bad, 1),
                Err(Error::InvalidDegree { .. })
            ));
            assert!(matches!(
                conjugation_galois_element(bad),
                Err(Error::InvalidDegree { .. })
            ));
        }
    }

    #[test]
    fn new_rejects_unsupported_degree() {
        for n in [0, 8, 512, 1000, 3072, 1 << 17] {
            assert_eq!(
                SlotEncoder::new(n).unwrap_err(),
                Error::InvalidDegree {
                    n,
                    min: 1024,
                    max: 65536
                }
            );
        }
    }

    #[test]
    fn encode_reports_each_error() {
        let encoder = SlotEncoder::new(1024).unwrap();
        let ok = [Complex64::new(1.0, -1.0)];
        for scale in [0.0, -2.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                encoder.encode(&ok, scale),
                Err(Error::InvalidScale { .. })
            ));
            assert!(matches!(
                encoder.decode(&[0i64; 1024], scale),
                Err(Error::InvalidScale { .. })
            ));
        }
        let too_many = vec![Complex64::new(0.0, 0.0); 513];
        assert_eq!(
            encoder.encode(&too_many, 1.0),
            Err(Error::TooManySlots {
                count: 513,
                slots: 512
            })
        );
        assert_eq!(
            encoder.encode_real(&[0.0; 513], 1.0),
            Err(Error::TooManySlots {
                count: 513,
                slots: 512
            })
        );
        let mut bad = vec![Complex64::new(0.5, 0.5); 10];
        bad[3].im = f64::NAN;
        assert_eq!(
            encoder.encode(&bad, 1.0),
            Err(Error::NonFiniteValue { index: 3 })
        );
        assert_eq!(
            encoder.encode_real(&[1.0, f64::NEG_INFINITY], 1.0),
            Err(Error::NonFiniteValue { index: 1 })
        );
        // A single slot z_0 gives |u_k| = |z_0| / 512: at scale 2^100, z_0 = 1 - i fits,
        // z_0 = 2^40 gives coefficients of 2^131.
        assert!(encoder.encode(&ok, 2f64.powi(100)).is_ok());
        assert!(matches!(
            encoder.encode(&[Complex64::new(2f64.powi(40), 0.0)], 2f64.powi(100)),
            Err(Error::ValueOutOfRange { index: 0, .. })
        ));
        // The caller's limit: a constant slot c gives m_0 = c delta and zeros elsewhere.
        let limited = SlotEncoder::new(1024).unwrap().with_max_magnitude(1000);
        assert_eq!(limited.max_magnitude(), 1000);
        let constant = vec![Complex64::new(1.0, 0.0); 512];
        assert_eq!(limited.encode(&constant, 1000.0).unwrap()[0], 1000);
        assert!(matches!(
            limited.encode(&constant, 1001.0),
            Err(Error::ValueOutOfRange { index: 0, limit, .. }) if limit == 1000.0
        ));
        assert_eq!(
            SlotEncoder::new(1024)
                .unwrap()
                .with_max_magnitude(u128::MAX)
                .max_magnitude(),
            MAX_COEFF_MAGNITUDE
        );
    }

    #[test]
    fn decode_reports_each_error() {
        let encoder = SlotEncoder::new(1024).unwrap();
        assert_eq!(
            encoder.decode(&[0i128; 1023], 1.0),
            Err(Error::LengthMismatch {
                what: "coefficients",
                expected: 1024,
                found: 1023
            })
        );
        let mut coeffs = vec![0.0f64; 1024];
        coeffs[600] = f64::INFINITY;
        assert_eq!(
            encoder.decode(&coeffs, 1.0),
            Err(Error::NonFiniteValue { index: 600 })
        );
        coeffs[7] = f64::NAN;
        assert_eq!(
            encoder.decode_real(&coeffs, 1.0),
            Err(Error::NonFiniteValue { index: 7 })
        );
    }

    #[test]
    fn debug_shows_shape_only() {
        let encoder = SlotEncoder::new(1024).unwrap();
        let text = format!("{encoder:?}");
        assert!(text.contains("n: 1024") && text.contains("slots: 512"));
        assert!(text.len() < 200);
        assert_eq!(encoder.n(), 1024);
        assert_eq!(encoder.slots(), 512);
    }

    fn slots_strategy(max: usize) -> impl Strategy<Value = Vec<Complex64>> {
        prop::collection::vec(
            (-1e3f64..1e3, -1e3f64..1e3).prop_map(|(re, im)| Complex64::new(re, im)),
            0..=max,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn random_slots_round_trip_within_bound(
            z in slots_strategy(512),
            log_delta in 20i32..=90,
        ) {
            let n = 1024;
            let encoder = SlotEncoder::new(n).unwrap();
            let delta = 2f64.powi(log_delta);
            let coeffs = encoder.encode(&z, delta).unwrap();
            let back = encoder.decode(&coeffs, delta).unwrap();
            let bound = round_trip_bound(n, delta, max_abs(&z));
            for (j, b) in back.iter().enumerate() {
                let expected = z.get(j).copied().unwrap_or_default();
                prop_assert!((b - expected).norm() <= bound, "slot {}: {} vs {}", j, b, expected);
            }
        }

        #[test]
        fn random_real_slots_round_trip_within_bound(
            x in prop::collection::vec(-1e6f64..1e6, 0..=1024),
            log_delta in 10i32..=60,
        ) {
            let n = 2048;
            let encoder = SlotEncoder::new(n).unwrap();
            let delta = 2f64.powi(log_delta);
            let back = encoder
                .decode_real(&encoder.encode_real(&x, delta).unwrap(), delta)
                .unwrap();
            let max = x.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let bound = round_trip_bound(n, delta, max);
            for (j, b) in back.iter().enumerate() {
                prop_assert!((b - x.get(j).copied().unwrap_or(0.0)).abs() <= bound);
            }
        }
    }
}
