//! Ciphertexts: pairs (c0, c1) over R_Q with c0 + c1*s = m + e (mod Q) for a small e, and the
//! scale delta of the message.
//!
//! - [`Ciphertext<Ntt>`] (the default) holds both parts in NTT form, where products with
//!   plaintexts are pointwise; [`Ciphertext<Coeff>`] holds them in coefficient form, as after a
//!   modulus switch or for a response whose decryption needs only some coefficients.
//! - [`SeededCiphertext`] is a fresh secret-key encryption whose c1 = a is expanded from a
//!   32-byte seed ([`crate::sampling::uniform_ntt_from_seed`]): only c0 and the seed travel,
//!   half the size. It is not computable until [`SeededCiphertext::expand`]ed.

use std::sync::Arc;

use crate::plaintext::check_scale;
use crate::ring::{Coeff, Ntt, Poly, RnsBasis};
use crate::sampling::{self, Seed};
use crate::{Error, Result};

/// A ciphertext (c0, c1) in representation `R` ([`Ntt`] unless said otherwise), with scale
/// delta: decrypting gives c0 + c1*s = m + e with m ~ delta * message.
pub struct Ciphertext<R = Ntt> {
    c0: Poly<R>,
    c1: Poly<R>,
    scale: f64,
}

impl<R> Clone for Ciphertext<R> {
    fn clone(&self) -> Self {
        Self {
            c0: self.c0.clone(),
            c1: self.c1.clone(),
            scale: self.scale,
        }
    }
}

impl<R> PartialEq for Ciphertext<R> {
    fn eq(&self, other: &Self) -> bool {
        self.c0 == other.c0 && self.c1 == other.c1 && self.scale == other.scale
    }
}

impl<R> core::fmt::Debug for Ciphertext<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ciphertext")
            .field("c0", &self.c0)
            .field("c1", &self.c1)
            .field("scale", &self.scale)
            .finish()
    }
}

impl<R> Ciphertext<R> {
    /// A ciphertext from its parts (as decoded from the wire or computed).
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] unless c0 and c1 share a basis; [`Error::InvalidScale`] unless
    /// `scale` is finite and positive.
    pub fn new(c0: Poly<R>, c1: Poly<R>, scale: f64) -> Result<Self> {
        if !c0.basis().same_as(c1.basis()) {
            return Err(Error::ParamsMismatch);
        }
        check_scale(scale)?;
        Ok(Self { c0, c1, scale })
    }

    /// c0.
    pub fn c0(&self) -> &Poly<R> {
        &self.c0
    }

    /// c1.
    pub fn c1(&self) -> &Poly<R> {
        &self.c1
    }

    /// The scale delta.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The basis of both parts.
    pub fn basis(&self) -> &Arc<RnsBasis> {
        self.c0.basis()
    }

    /// The level: number of moduli - 1.
    pub fn level(&self) -> usize {
        self.basis().len().saturating_sub(1)
    }

    /// (c0, c1, scale), consuming the ciphertext.
    pub fn into_parts(self) -> (Poly<R>, Poly<R>, f64) {
        (self.c0, self.c1, self.scale)
    }

    /// Both parts, mutably (same basis kept by the caller's operations).
    pub(crate) fn parts_mut(&mut self) -> (&mut Poly<R>, &mut Poly<R>) {
        (&mut self.c0, &mut self.c1)
    }

    /// Replaces the scale (the evaluator tracks it through products and switches).
    pub(crate) fn set_scale(&mut self, scale: f64) {
        self.scale = scale;
    }
}

impl Ciphertext<Ntt> {
    /// Both parts in coefficient form (two inverse NTTs per modulus), consuming `self`.
    pub fn into_coeff(self) -> Ciphertext<Coeff> {
        Ciphertext {
            c0: self.c0.into_coeff(),
            c1: self.c1.into_coeff(),
            scale: self.scale,
        }
    }

    /// A coefficient-form copy.
    pub fn to_coeff(&self) -> Ciphertext<Coeff> {
        self.clone().into_coeff()
    }
}

impl Ciphertext<Coeff> {
    /// Both parts in NTT form (two forward NTTs per modulus), consuming `self`.
    pub fn into_ntt(self) -> Ciphertext<Ntt> {
        Ciphertext {
            c0: self.c0.into_ntt(),
            c1: self.c1.into_ntt(),
            scale: self.scale,
        }
    }

    /// An NTT-form copy.
    pub fn to_ntt(&self) -> Ciphertext<Ntt> {
        self.clone().into_ntt()
    }
}

/// A secret-key encryption whose c1 = a is expanded from `seed`: (c0 in NTT form, seed, scale).
#[derive(Debug, Clone, PartialEq)]
pub struct SeededCiphertext {
    c0: Poly<Ntt>,
    seed: Seed,
    scale: f64,
}

impl SeededCiphertext {
    /// A seeded ciphertext from its parts (as decoded from the wire).
    ///
    /// # Errors
    /// [`Error::InvalidScale`] unless `scale` is finite and positive.
    pub fn new(c0: Poly<Ntt>, seed: Seed, scale: f64) -> Result<Self> {
        check_scale(scale)?;
        Ok(Self { c0, seed, scale })
    }

    /// c0 = -a*s + m + e in NTT form.
    pub fn c0(&self) -> &Poly<Ntt> {
        &self.c0
    }

    /// The seed of c1 = a.
    pub fn seed(&self) -> &Seed {
        &self.seed
    }

    /// The scale delta.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The basis of c0 (and of the expanded c1).
    pub fn basis(&self) -> &Arc<RnsBasis> {
        self.c0.basis()
    }

    /// The level: number of moduli - 1.
    pub fn level(&self) -> usize {
        self.basis().len().saturating_sub(1)
    }

    /// The full ciphertext (c0, a), expanding a from the seed over c0's basis.
    ///
    /// # Errors
    /// None in practice (see [`sampling::uniform_ntt_from_seed`]).
    pub fn expand(&self) -> Result<Ciphertext> {
        self.clone().into_expanded()
    }

    /// As [`SeededCiphertext::expand`], consuming `self` (no copy of c0).
    ///
    /// # Errors
    /// None in practice.
    pub fn into_expanded(self) -> Result<Ciphertext> {
        let c1 = sampling::uniform_ntt_from_seed(self.c0.basis(), &self.seed)?;
        Ok(Ciphertext {
            c0: self.c0,
            c1,
            scale: self.scale,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basis(moduli: &[u64]) -> Arc<RnsBasis> {
        RnsBasis::new(4096, moduli).unwrap()
    }

    #[test]
    fn new_rejects_parts_over_different_bases_and_bad_scales() {
        let b = basis(&[4_398_046_486_529, 4_398_046_240_769]);
        let low = b.prefix(1).unwrap();
        let err = Ciphertext::new(Poly::<Ntt>::zero(&b), Poly::zero(&low), 1.0).unwrap_err();
        assert_eq!(err, Error::ParamsMismatch);
        let err = Ciphertext::new(Poly::<Ntt>::zero(&b), Poly::zero(&b), 0.0).unwrap_err();
        assert_eq!(err, Error::InvalidScale { scale: 0.0 });
        let err = SeededCiphertext::new(Poly::zero(&b), [0; 32], -2.0).unwrap_err();
        assert_eq!(err, Error::InvalidScale { scale: -2.0 });
    }

    #[test]
    fn expand_puts_the_seed_polynomial_in_c1() {
        let b = basis(&[4_398_046_486_529, 4_398_046_240_769]);
        let seeded = SeededCiphertext::new(Poly::zero(&b), [5; 32], 8.0).unwrap();
        let ct = seeded.expand().unwrap();
        assert_eq!(
            *ct.c1(),
            sampling::uniform_ntt_from_seed(&b, &[5; 32]).unwrap()
        );
        assert_eq!(ct.c0(), seeded.c0());
        assert_eq!(ct.scale(), 8.0);
        assert_eq!(ct.level(), 1);
    }

    #[test]
    fn coeff_and_ntt_forms_round_trip() {
        let b = basis(&[4_398_046_486_529]);
        let c1 = sampling::uniform_ntt_from_seed(&b, &[6; 32]).unwrap();
        let ct = Ciphertext::new(c1.clone(), c1, 2.0).unwrap();
        assert_eq!(ct.to_coeff().to_ntt(), ct);
        assert_eq!(ct.to_coeff().level(), 0);
    }
}
