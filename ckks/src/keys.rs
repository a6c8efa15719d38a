//! Keys: the secret s, uniform ternary in R = Z\[X\]/(X^n + 1), and the seeded public key
//!
//!   pk = (p0, p1) = (-a*s + e, a)  mod q_i,
//!
//! with `a` expanded from a 32-byte seed ([`crate::sampling::uniform_ntt_from_seed`]) and e from
//! the error distribution, so only the seed and p0 (NTT form) need to travel. A public key lives
//! over any RNS basis of the secret's degree: the scoring protocol puts it at a single output
//! prime, far below the ciphertext modulus, which halves its size.
//!
//! # Security
//! [`SecretKey`] holds only n ternary coefficients and zeroizes them on drop; it has no `Clone`,
//! `PartialEq` or serialization, and its `Debug` prints no coefficient. Its NTT form is handed
//! out in [`Zeroizing`]. The one way out is the explicit [`SecretKey::export_coefficients`].

use std::sync::Arc;

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::params::Params;
use crate::ring::{Coeff, Ntt, Poly, RnsBasis};
use crate::sampling::{self, Seed};
use crate::{Error, Result};

/// The secret key s: n coefficients in {-1, 0, 1}, uniform (CKKS with a ternary secret, as in
/// the HomomorphicEncryption.org security table).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SecretKey {
    #[zeroize(skip)]
    params: Arc<Params>,
    coeffs: Vec<i8>,
}

impl core::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SecretKey")
            .field("n", &self.coeffs.len())
            .field("coefficients", &"<redacted>")
            .finish()
    }
}

impl SecretKey {
    /// A fresh uniform ternary secret for `params`, drawn from `rng` (use
    /// [`sampling::os_rng`] outside tests).
    pub fn generate<R: CryptoRng + ?Sized>(params: &Arc<Params>, rng: &mut R) -> Self {
        let mut coeffs = sampling::ternary(rng, params.n());
        Self {
            params: Arc::clone(params),
            coeffs: core::mem::take(&mut *coeffs),
        }
    }

    /// The parameter set the key belongs to (its degree n and error sigma).
    pub fn params(&self) -> &Arc<Params> {
        &self.params
    }

    /// The ring degree n.
    pub fn n(&self) -> usize {
        self.coeffs.len()
    }

    /// The ternary coefficients, for this crate's branch-free decryption.
    pub(crate) fn coeffs(&self) -> &[i8] {
        &self.coeffs
    }

    /// s over `basis` in coefficient form (wiped on drop).
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] unless `basis` has the key's degree.
    pub fn to_coeff(&self, basis: &Arc<RnsBasis>) -> Result<Zeroizing<Poly<Coeff>>> {
        if basis.n() != self.n() {
            return Err(Error::ParamsMismatch);
        }
        let wide: Zeroizing<Vec<i64>> =
            Zeroizing::new(self.coeffs.iter().map(|&c| i64::from(c)).collect());
        Ok(Zeroizing::new(Poly::from_i64(basis, &wide)?))
    }

    /// s over `basis` in NTT form (wiped on drop), for products with ciphertext parts.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] unless `basis` has the key's degree.
    pub fn to_ntt(&self, basis: &Arc<RnsBasis>) -> Result<Zeroizing<Poly<Ntt>>> {
        let mut coeff = self.to_coeff(basis)?;
        let poly = core::mem::replace(&mut *coeff, Poly::zero(basis));
        Ok(Zeroizing::new(poly.into_ntt()))
    }

    /// Explicit export of the n coefficients (-1, 0 or 1), for a user who asks to save her key.
    ///
    /// # Security
    /// This is the secret key in clear: the caller must protect or wipe it (it is wiped on drop).
    pub fn export_coefficients(&self) -> Zeroizing<Vec<i8>> {
        Zeroizing::new(self.coeffs.clone())
    }

    /// Imports coefficients written by [`SecretKey::export_coefficients`].
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] unless there are n coefficients; [`Error::InvalidSecretKey`]
    /// for a coefficient outside {-1, 0, 1}.
    pub fn from_coefficients(params: &Arc<Params>, coeffs: &[i8]) -> Result<Self> {
        if coeffs.len() != params.n() {
            return Err(Error::LengthMismatch {
                what: "secret-key coefficients",
                expected: params.n(),
                found: coeffs.len(),
            });
        }
        if let Some((index, &value)) = coeffs
            .iter()
            .enumerate()
            .find(|(_, c)| !(-1..=1).contains(*c))
        {
            return Err(Error::InvalidSecretKey {
                index,
                value: i64::from(value),
            });
        }
        Ok(Self {
            params: Arc::clone(params),
            coeffs: coeffs.to_vec(),
        })
    }
}

/// The seeded public key (p0, a): p0 = -a*s + e in NTT form over its basis, a expanded from
/// `seed`. Only the seed and p0 travel.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicKey {
    seed: Seed,
    p0: Poly<Ntt>,
}

impl PublicKey {
    /// A fresh public key for `sk` over `basis` (any moduli of the key's degree), with a fresh
    /// seed and error from `rng`.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] unless `basis` has the key's degree; [`Error::InvalidSigma`]
    /// if the key's parameters carry a sigma the sampler cannot produce.
    pub fn generate<R: CryptoRng + ?Sized>(
        sk: &SecretKey,
        basis: &Arc<RnsBasis>,
        rng: &mut R,
    ) -> Result<Self> {
        let s = sk.to_ntt(basis)?;
        let seed = sampling::fresh_seed(rng);
        let a = sampling::uniform_ntt_from_seed(basis, &seed)?;
        let e = sampling::error(rng, basis.n(), sk.params().sigma())?;
        let mut p0 = Poly::from_i64(basis, &e)?.into_ntt();
        let mut a_s = a;
        a_s.mul_assign(&s)?;
        p0.sub_assign(&a_s)?;
        a_s.zeroize();
        Ok(Self { seed, p0 })
    }

    /// A public key from its parts (as decoded from the wire).
    pub fn new(seed: Seed, p0: Poly<Ntt>) -> Self {
        Self { seed, p0 }
    }

    /// The seed of `a`.
    pub fn seed(&self) -> &Seed {
        &self.seed
    }

    /// p0 = -a*s + e in NTT form.
    pub fn p0(&self) -> &Poly<Ntt> {
        &self.p0
    }

    /// The basis the key lives over.
    pub fn basis(&self) -> &Arc<RnsBasis> {
        self.p0.basis()
    }

    /// a, expanded from the seed (NTT form).
    ///
    /// # Errors
    /// None in practice (see [`sampling::uniform_ntt_from_seed`]).
    pub fn a(&self) -> Result<Poly<Ntt>> {
        sampling::uniform_ntt_from_seed(self.basis(), &self.seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamsSpec;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn params() -> Arc<Params> {
        Params::new(ParamsSpec::with_prime_bits(12, &[42, 42], &[]).unwrap()).unwrap()
    }

    #[test]
    fn secret_key_is_ternary_and_debug_hides_it() {
        let p = params();
        let sk = SecretKey::generate(&p, &mut ChaCha20Rng::from_seed([1; 32]));
        assert_eq!(sk.n(), 4096);
        assert!(sk.coeffs().iter().all(|c| (-1..=1).contains(c)));
        let shown = format!("{sk:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.contains("-1"));
    }

    #[test]
    fn secret_key_zeroize_clears_coefficients() {
        let p = params();
        let mut sk = SecretKey::generate(&p, &mut ChaCha20Rng::from_seed([2; 32]));
        assert!(sk.coeffs().iter().any(|&c| c != 0));
        sk.zeroize();
        assert!(sk.coeffs().iter().all(|&c| c == 0));
    }

    #[test]
    fn export_then_import_gives_the_same_key() {
        let p = params();
        let sk = SecretKey::generate(&p, &mut ChaCha20Rng::from_seed([3; 32]));
        let exported = sk.export_coefficients();
        let back = SecretKey::from_coefficients(&p, &exported).unwrap();
        assert_eq!(back.coeffs(), sk.coeffs());
        let basis = p.basis();
        assert_eq!(*back.to_ntt(basis).unwrap(), *sk.to_ntt(basis).unwrap());
    }

    #[test]
    fn import_rejects_wrong_length_and_non_ternary_values() {
        let p = params();
        assert_eq!(
            SecretKey::from_coefficients(&p, &[0; 10]).unwrap_err(),
            Error::LengthMismatch {
                what: "secret-key coefficients",
                expected: 4096,
                found: 10
            }
        );
        let mut coeffs = vec![1i8; 4096];
        coeffs[77] = 2;
        assert_eq!(
            SecretKey::from_coefficients(&p, &coeffs).unwrap_err(),
            Error::InvalidSecretKey {
                index: 77,
                value: 2
            }
        );
    }

    #[test]
    fn to_ntt_rejects_a_basis_of_another_degree() {
        let p = params();
        let sk = SecretKey::generate(&p, &mut ChaCha20Rng::from_seed([4; 32]));
        let other = RnsBasis::new(2048, &[4_398_046_486_529]).unwrap();
        assert_eq!(sk.to_ntt(&other).unwrap_err(), Error::ParamsMismatch);
        assert_eq!(
            PublicKey::generate(&sk, &other, &mut ChaCha20Rng::from_seed([5; 32])).unwrap_err(),
            Error::ParamsMismatch
        );
    }

    #[test]
    fn public_key_satisfies_p0_plus_a_s_is_small() {
        // p0 + a*s = e, |e_i| <= 21 (binomial k = 21 for sigma 3.2), at a one-prime basis that
        // is not part of the ciphertext chain.
        let p = params();
        let mut rng = ChaCha20Rng::from_seed([6; 32]);
        let sk = SecretKey::generate(&p, &mut rng);
        let out = RnsBasis::new(4096, &[140_737_488_273_409]).unwrap();
        let pk = PublicKey::generate(&sk, &out, &mut rng).unwrap();
        let mut t = pk.a().unwrap();
        t.mul_assign(&sk.to_ntt(&out).unwrap()).unwrap();
        t.add_assign(pk.p0()).unwrap();
        let e = t.into_coeff().lift_centered_f64();
        assert!(e.iter().all(|v| v.abs() <= 21.0));
        assert!(e.iter().any(|&v| v != 0.0));
        let rebuilt = PublicKey::new(*pk.seed(), pk.p0().clone());
        assert_eq!(rebuilt, pk);
    }
}
