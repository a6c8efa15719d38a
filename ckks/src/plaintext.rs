//! Plaintexts: an encoded message m in R_Q, held in NTT form, with the scale delta its values
//! were multiplied by (m = round(delta * x) coefficient- or slot-wise, depending on the encoder).
//!
//! The encoders of [`crate::encoding`] produce n integer coefficients; [`Plaintext::from_i128`]
//! reduces them mod each q_i and moves them to NTT form, where products with ciphertexts are
//! pointwise.
//!
//! # Security
//! A client's plaintext is her data: [`Plaintext`] implements [`Zeroize`], so it can be held in
//! [`zeroize::Zeroizing`].

use std::sync::Arc;

use zeroize::Zeroize;

use crate::ring::{Coeff, Ntt, Poly, RnsBasis};
use crate::{Error, Result};

/// Checks that a scale is finite and positive.
pub(crate) fn check_scale(scale: f64) -> Result<()> {
    if scale.is_finite() && scale > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidScale { scale })
    }
}

/// An encoded message m (NTT form) and its scale delta.
#[derive(Debug, Clone, PartialEq)]
pub struct Plaintext {
    poly: Poly<Ntt>,
    scale: f64,
}

impl Zeroize for Plaintext {
    fn zeroize(&mut self) {
        self.poly.zeroize();
    }
}

impl Plaintext {
    /// A plaintext from a polynomial already in NTT form.
    ///
    /// # Errors
    /// [`Error::InvalidScale`] unless `scale` is finite and positive.
    pub fn new(poly: Poly<Ntt>, scale: f64) -> Result<Self> {
        check_scale(scale)?;
        Ok(Self { poly, scale })
    }

    /// A plaintext from a polynomial in coefficient form (one forward NTT per modulus).
    ///
    /// # Errors
    /// As [`Plaintext::new`].
    pub fn from_coeff(poly: Poly<Coeff>, scale: f64) -> Result<Self> {
        check_scale(scale)?;
        Ok(Self {
            poly: poly.into_ntt(),
            scale,
        })
    }

    /// A plaintext over `basis` from the n signed integer coefficients an encoder produced
    /// (for example [`crate::encoding::CoeffEncoder::encode_at`]).
    ///
    /// # Errors
    /// [`Error::InvalidScale`]; [`Error::LengthMismatch`] unless there are n coefficients.
    pub fn from_i128(basis: &Arc<RnsBasis>, coeffs: &[i128], scale: f64) -> Result<Self> {
        check_scale(scale)?;
        Self::from_coeff(Poly::from_i128(basis, coeffs)?, scale)
    }

    /// The message m in NTT form.
    pub fn poly(&self) -> &Poly<Ntt> {
        &self.poly
    }

    /// The scale delta.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The basis of m.
    pub fn basis(&self) -> &Arc<RnsBasis> {
        self.poly.basis()
    }

    /// The message polynomial, consuming the plaintext.
    pub fn into_poly(self) -> Poly<Ntt> {
        self.poly
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basis() -> Arc<RnsBasis> {
        RnsBasis::new(4096, &[4_398_046_486_529, 4_398_046_240_769]).unwrap()
    }

    #[test]
    fn from_i128_round_trips_through_the_ntt() {
        let b = basis();
        let mut coeffs = vec![0i128; 4096];
        coeffs[0] = -5;
        coeffs[7] = 1 << 80;
        let pt = Plaintext::from_i128(&b, &coeffs, 2f64.powi(40)).unwrap();
        assert_eq!(pt.scale(), 2f64.powi(40));
        let back = pt.poly().to_coeff().lift_centered();
        assert_eq!(back[0], (-5).into());
        assert_eq!(back[7], (1i128 << 80).into());
        assert_eq!(back[1], 0.into());
    }

    #[test]
    fn rejects_bad_scale_and_length() {
        let b = basis();
        for scale in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                Plaintext::from_i128(&b, &[0; 4096], scale),
                Err(Error::InvalidScale { .. })
            ));
        }
        assert!(matches!(
            Plaintext::from_i128(&b, &[0; 5], 1.0),
            Err(Error::LengthMismatch { found: 5, .. })
        ));
    }

    #[test]
    fn zeroize_clears_the_message() {
        let b = basis();
        let mut pt = Plaintext::from_i128(&b, &[3; 4096], 1.0).unwrap();
        pt.zeroize();
        assert!(pt.poly().as_slice().iter().all(|&v| v == 0));
    }
}
