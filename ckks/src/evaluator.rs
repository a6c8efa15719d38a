//! Homomorphic operations without evaluation keys, all mod each q_i of the operands' basis:
//!
//! - add / sub / neg: (c0 +- c0', c1 +- c1'); the decrypted values add (errors add);
//! - add_plain: (c0 + m, c1); mul_plain: (c0*m, c1*m) pointwise in NTT form, scale delta*delta_m;
//! - mod_switch_to a basis Q': c_i -> round(c_i * Q'/Q) (exact, [`Poly::switch_modulus`]): the
//!   message becomes m*Q'/Q plus a rounding error r0 + r1*s with |r_i| <= 1/2, and the scale
//!   delta*Q'/Q; Q' may share no prime with Q (the scoring protocol switches to one output prime);
//! - rescale: c_i -> round(c_i / q_L) over q_0..q_(L-1), scale delta / q_L.
//!
//! Scales must agree for additions (relative difference at most [`SCALE_TOLERANCE`]): adding
//! values at different scales would silently mix units.
//!
//! # Security
//! The evaluator sees only ciphertexts and plaintexts; nothing here touches a secret key.

use std::sync::Arc;

use num_traits::ToPrimitive;

use crate::ciphertext::Ciphertext;
use crate::plaintext::Plaintext;
use crate::ring::{Coeff, Ntt, Poly, RnsBasis};
use crate::{Error, Result};

/// Largest relative difference between two scales that still count as equal.
pub const SCALE_TOLERANCE: f64 = 1e-12;

/// Checks that two scales agree within [`SCALE_TOLERANCE`].
fn check_same_scale(left: f64, right: f64) -> Result<()> {
    if (left - right).abs() <= SCALE_TOLERANCE * left.abs().max(right.abs()) {
        Ok(())
    } else {
        Err(Error::ScaleMismatch { left, right })
    }
}

/// Homomorphic operations on ciphertexts (no evaluation keys: products with plaintexts only).
#[derive(Debug, Clone, Default)]
pub struct Evaluator {
    _private: (),
}

impl Evaluator {
    /// An evaluator.
    pub fn new() -> Self {
        Self::default()
    }

    /// a = a + b.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the bases differ; [`Error::ScaleMismatch`].
    pub fn add_assign<R>(&self, a: &mut Ciphertext<R>, b: &Ciphertext<R>) -> Result<()> {
        check_same_scale(a.scale(), b.scale())?;
        if !a.basis().same_as(b.basis()) {
            return Err(Error::ParamsMismatch);
        }
        let (c0, c1) = a.parts_mut();
        c0.add_assign(b.c0())?;
        c1.add_assign(b.c1())
    }

    /// a + b.
    ///
    /// # Errors
    /// As [`Evaluator::add_assign`].
    pub fn add<R>(&self, a: &Ciphertext<R>, b: &Ciphertext<R>) -> Result<Ciphertext<R>> {
        let mut out = a.clone();
        self.add_assign(&mut out, b)?;
        Ok(out)
    }

    /// a = a - b.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the bases differ; [`Error::ScaleMismatch`].
    pub fn sub_assign<R>(&self, a: &mut Ciphertext<R>, b: &Ciphertext<R>) -> Result<()> {
        check_same_scale(a.scale(), b.scale())?;
        if !a.basis().same_as(b.basis()) {
            return Err(Error::ParamsMismatch);
        }
        let (c0, c1) = a.parts_mut();
        c0.sub_assign(b.c0())?;
        c1.sub_assign(b.c1())
    }

    /// a - b.
    ///
    /// # Errors
    /// As [`Evaluator::sub_assign`].
    pub fn sub<R>(&self, a: &Ciphertext<R>, b: &Ciphertext<R>) -> Result<Ciphertext<R>> {
        let mut out = a.clone();
        self.sub_assign(&mut out, b)?;
        Ok(out)
    }

    /// a = -a.
    pub fn neg_assign<R>(&self, a: &mut Ciphertext<R>) {
        let (c0, c1) = a.parts_mut();
        c0.neg_assign();
        c1.neg_assign();
    }

    /// -a.
    pub fn neg<R>(&self, a: &Ciphertext<R>) -> Ciphertext<R> {
        let mut out = a.clone();
        self.neg_assign(&mut out);
        out
    }

    /// ct = ct + pt (c0 + m).
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the bases differ; [`Error::ScaleMismatch`].
    pub fn add_plain_assign(&self, ct: &mut Ciphertext, pt: &Plaintext) -> Result<()> {
        check_same_scale(ct.scale(), pt.scale())?;
        ct.parts_mut().0.add_assign(pt.poly())
    }

    /// ct + pt.
    ///
    /// # Errors
    /// As [`Evaluator::add_plain_assign`].
    pub fn add_plain(&self, ct: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext> {
        let mut out = ct.clone();
        self.add_plain_assign(&mut out, pt)?;
        Ok(out)
    }

    /// ct = ct * pt: (c0*m, c1*m), pointwise in NTT form; the scale becomes the product.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the bases differ.
    pub fn mul_plain_assign(&self, ct: &mut Ciphertext, pt: &Plaintext) -> Result<()> {
        if !ct.basis().same_as(pt.basis()) {
            return Err(Error::ParamsMismatch);
        }
        let scale = ct.scale() * pt.scale();
        let (c0, c1) = ct.parts_mut();
        c0.mul_assign(pt.poly())?;
        c1.mul_assign(pt.poly())?;
        ct.set_scale(scale);
        Ok(())
    }

    /// ct * pt.
    ///
    /// # Errors
    /// As [`Evaluator::mul_plain_assign`].
    pub fn mul_plain(&self, ct: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext> {
        if !ct.basis().same_as(pt.basis()) {
            return Err(Error::ParamsMismatch);
        }
        Ciphertext::new(
            ct.c0().mul(pt.poly())?,
            ct.c1().mul(pt.poly())?,
            ct.scale() * pt.scale(),
        )
    }

    /// Switches `ct` to the basis `target` (product Q'), leaving it in coefficient form:
    /// c_i -> round(c_i * Q'/Q), scale delta * Q'/Q. Two inverse NTTs per source modulus.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the ring degrees differ.
    pub fn mod_switch_to_coeff(
        &self,
        ct: &Ciphertext,
        target: &Arc<RnsBasis>,
    ) -> Result<Ciphertext<Coeff>> {
        let ratio = product_f64(target) / product_f64(ct.basis());
        let c0 = ct.c0().to_coeff().switch_modulus(target)?;
        let c1 = ct.c1().to_coeff().switch_modulus(target)?;
        Ciphertext::new(c0, c1, ct.scale() * ratio)
    }

    /// As [`Evaluator::mod_switch_to_coeff`], back in NTT form over `target`.
    ///
    /// # Errors
    /// As [`Evaluator::mod_switch_to_coeff`].
    pub fn mod_switch_to(&self, ct: &Ciphertext, target: &Arc<RnsBasis>) -> Result<Ciphertext> {
        Ok(self.mod_switch_to_coeff(ct, target)?.into_ntt())
    }

    /// Drops the last modulus q_L: c_i -> round(c_i / q_L), scale delta / q_L.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] for a ciphertext at level 0.
    pub fn rescale(&self, ct: &Ciphertext) -> Result<Ciphertext> {
        let last = ct
            .basis()
            .moduli()
            .last()
            .map(|m| m.value() as f64)
            .ok_or(Error::ParamsMismatch)?;
        let c0 = rescale_poly(ct.c0())?;
        let c1 = rescale_poly(ct.c1())?;
        Ciphertext::new(c0, c1, ct.scale() / last)
    }

    /// ct = rescale(ct).
    ///
    /// # Errors
    /// As [`Evaluator::rescale`].
    pub fn rescale_assign(&self, ct: &mut Ciphertext) -> Result<()> {
        *ct = self.rescale(ct)?;
        Ok(())
    }
}

/// round(p / q_L) in NTT form over the lower basis.
fn rescale_poly(p: &Poly<Ntt>) -> Result<Poly<Ntt>> {
    Ok(p.to_coeff().rescale_last()?.into_ntt())
}

/// Q as the nearest f64.
fn product_f64(basis: &RnsBasis) -> f64 {
    basis.product().to_f64().unwrap_or(f64::INFINITY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling;

    fn basis() -> Arc<RnsBasis> {
        RnsBasis::new(4096, &[4_398_046_486_529, 4_398_046_240_769]).unwrap()
    }

    fn ct(b: &Arc<RnsBasis>, seed: u8, scale: f64) -> Ciphertext {
        let c0 = sampling::uniform_ntt_from_seed(b, &[seed; 32]).unwrap();
        let c1 = sampling::uniform_ntt_from_seed(b, &[seed + 100; 32]).unwrap();
        Ciphertext::new(c0, c1, scale).unwrap()
    }

    #[test]
    fn add_then_sub_is_identity_and_neg_cancels() {
        let b = basis();
        let ev = Evaluator::new();
        let (x, y) = (ct(&b, 1, 4.0), ct(&b, 2, 4.0));
        assert_eq!(ev.sub(&ev.add(&x, &y).unwrap(), &y).unwrap(), x);
        let zero = ev.add(&x, &ev.neg(&x)).unwrap();
        assert!(zero.c0().as_slice().iter().all(|&v| v == 0));
        assert!(zero.c1().as_slice().iter().all(|&v| v == 0));
    }

    #[test]
    fn mismatched_scales_and_bases_are_refused() {
        let b = basis();
        let ev = Evaluator::new();
        let x = ct(&b, 1, 4.0);
        assert_eq!(
            ev.add(&x, &ct(&b, 2, 5.0)).unwrap_err(),
            Error::ScaleMismatch {
                left: 4.0,
                right: 5.0
            }
        );
        let low = b.prefix(1).unwrap();
        assert_eq!(
            ev.sub(&x, &ct(&low, 3, 4.0)).unwrap_err(),
            Error::ParamsMismatch
        );
        let pt = Plaintext::new(Poly::zero(&low), 1.0).unwrap();
        assert_eq!(ev.mul_plain(&x, &pt).unwrap_err(), Error::ParamsMismatch);
        let pt = Plaintext::new(Poly::zero(&b), 2.0).unwrap();
        assert!(matches!(
            ev.add_plain(&x, &pt),
            Err(Error::ScaleMismatch { .. })
        ));
    }

    #[test]
    fn mul_plain_multiplies_scales_and_assign_matches() {
        let b = basis();
        let ev = Evaluator::new();
        let x = ct(&b, 4, 8.0);
        let pt =
            Plaintext::new(sampling::uniform_ntt_from_seed(&b, &[9; 32]).unwrap(), 2.0).unwrap();
        let y = ev.mul_plain(&x, &pt).unwrap();
        assert_eq!(y.scale(), 16.0);
        let mut z = x.clone();
        ev.mul_plain_assign(&mut z, &pt).unwrap();
        assert_eq!(y, z);
    }

    #[test]
    fn rescale_and_switch_track_the_scale() {
        let b = basis();
        let ev = Evaluator::new();
        let x = ct(&b, 5, 2f64.powi(80));
        let r = ev.rescale(&x).unwrap();
        assert_eq!(r.level(), 0);
        assert_eq!(r.scale(), 2f64.powi(80) / 4_398_046_240_769.0);
        assert!(matches!(ev.rescale(&r), Err(Error::LengthMismatch { .. })));
        let out = RnsBasis::new(4096, &[140_737_488_273_409]).unwrap();
        let s = ev.mod_switch_to(&x, &out).unwrap();
        let want =
            2f64.powi(80) * 140_737_488_273_409.0 / (4_398_046_486_529.0 * 4_398_046_240_769.0);
        assert!((s.scale() / want - 1.0).abs() < 1e-15);
        let other = RnsBasis::new(2048, &[140_737_488_273_409]).unwrap();
        assert_eq!(
            ev.mod_switch_to(&x, &other).unwrap_err(),
            Error::ParamsMismatch
        );
    }
}
