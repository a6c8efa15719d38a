//! Encryption and decryption (RLWE, eprint 2016/421 section 3), all arithmetic mod each q_i:
//!
//! - secret key, seeded: a from a fresh seed, e from the error distribution,
//!   c0 = -a*s + m + e, c1 = a (only c0 and the seed travel: [`SeededCiphertext`]);
//! - public key pk = (p0, a): u ternary, e0, e1 errors, c0 = u*p0 + e0 + m, c1 = u*a + e1;
//! - decryption: c0 + c1*s = m + e (+ u*e_pk for public-key encryption).
//!
//! [`Decryptor::decrypt_coefficients`] computes only chosen coefficients k of c0 + c1*s from c0's
//! values at those k and c1 in coefficient form. With s ternary, (c1*s)_k is a signed sum of
//! coefficients of c1: no NTT and no multiplication, n masked additions per coefficient and
//! modulus; many coefficients are cheaper through the NTT ([`CoefficientMethod`]).
//!
//! # Security
//! Sampling and every operation touching s, u or e is branch-free; s in NTT form, a*s, c1*s, u,
//! e and decrypted values are held in [`Zeroizing`] buffers and wiped.

use std::sync::Arc;

use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::ciphertext::{Ciphertext, SeededCiphertext};
use crate::keys::{PublicKey, SecretKey};
use crate::params::Params;
use crate::plaintext::{Plaintext, check_scale};
use crate::ring::{Coeff, Modulus, Ntt, Poly, RnsBasis};
use crate::sampling;
use crate::{Error, Result};

/// Number of requested coefficients from which [`CoefficientMethod::Auto`] switches from the
/// direct ternary sums to the NTT (measured crossover, `benches/evaluate.rs`).
pub const NTT_CROSSOVER_COEFFICIENTS: usize = 32;

/// Secret-key encryption producing seeded ciphertexts.
#[derive(Debug)]
pub struct SecretKeyEncryptor<'a> {
    sk: &'a SecretKey,
}

impl<'a> SecretKeyEncryptor<'a> {
    /// An encryptor under `sk`.
    pub fn new(sk: &'a SecretKey) -> Self {
        Self { sk }
    }

    /// Encrypts `pt` over its basis: a fresh seed gives a, e is drawn from `rng`,
    /// c0 = -a*s + m + e.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the plaintext's degree is not the key's;
    /// [`Error::InvalidSigma`] if the key's sigma cannot be sampled.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &self,
        pt: &Plaintext,
        rng: &mut R,
    ) -> Result<SeededCiphertext> {
        let basis = pt.basis();
        let s = self.sk.to_ntt(basis)?;
        let seed = sampling::fresh_seed(rng);
        let mut a_s = sampling::uniform_ntt_from_seed(basis, &seed)?;
        let e = sampling::error(rng, basis.n(), self.sk.params().sigma())?;
        let mut c0 = Poly::from_i64(basis, &e)?.into_ntt();
        c0.add_assign(pt.poly())?;
        a_s.mul_assign(&s)?;
        c0.sub_assign(&a_s)?;
        a_s.zeroize();
        SeededCiphertext::new(c0, seed, pt.scale())
    }
}

/// The randomness of a public-key encryption: u (NTT form), e0 and e1 (coefficient form).
type ZeroRandomness = (
    Zeroizing<Poly<Ntt>>,
    Zeroizing<Poly<Coeff>>,
    Zeroizing<Poly<Coeff>>,
);

/// Public-key encryption under a (seeded) public key; `a` is expanded once per encryptor.
#[derive(Debug)]
pub struct PublicKeyEncryptor<'a> {
    pk: &'a PublicKey,
    a: Poly<Ntt>,
    sigma: f64,
}

impl<'a> PublicKeyEncryptor<'a> {
    /// An encryptor under `pk`, drawing errors with `params`' sigma.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] unless the key's degree is `params`' n;
    /// [`Error::InvalidSigma`] if sigma cannot be sampled.
    pub fn new(params: &Params, pk: &'a PublicKey) -> Result<Self> {
        if pk.basis().n() != params.n() {
            return Err(Error::ParamsMismatch);
        }
        let sigma = params.sigma();
        sampling::binomial_k(sigma)?;
        Ok(Self {
            pk,
            a: pk.a()?,
            sigma,
        })
    }

    /// The basis of the key and of every ciphertext it produces.
    pub fn basis(&self) -> &Arc<RnsBasis> {
        self.pk.basis()
    }

    /// u in NTT form and the two errors e0, e1 in coefficient form.
    fn sample<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> Result<ZeroRandomness> {
        let basis = self.basis();
        let n = basis.n();
        let u_small = sampling::ternary(rng, n);
        let u_wide: Zeroizing<Vec<i64>> =
            Zeroizing::new(u_small.iter().map(|&c| i64::from(c)).collect());
        let u = Zeroizing::new(Poly::from_i64(basis, &u_wide)?.into_ntt());
        let e0 = Zeroizing::new(Poly::from_i64(
            basis,
            &sampling::error(rng, n, self.sigma)?,
        )?);
        let e1 = Zeroizing::new(Poly::from_i64(
            basis,
            &sampling::error(rng, n, self.sigma)?,
        )?);
        Ok((u, e0, e1))
    }

    /// An encryption of zero in NTT form: (u*p0 + e0, u*a + e1).
    ///
    /// # Errors
    /// [`Error::InvalidScale`] unless `scale` is finite and positive.
    pub fn encrypt_zero<R: CryptoRng + ?Sized>(
        &self,
        scale: f64,
        rng: &mut R,
    ) -> Result<Ciphertext> {
        check_scale(scale)?;
        let (u, mut e0, mut e1) = self.sample(rng)?;
        let mut c0 = core::mem::replace(&mut *e0, Poly::zero(self.basis())).into_ntt();
        let mut c1 = core::mem::replace(&mut *e1, Poly::zero(self.basis())).into_ntt();
        c0.mul_add_assign(&u, self.pk.p0())?;
        c1.mul_add_assign(&u, &self.a)?;
        Ciphertext::new(c0, c1, scale)
    }

    /// An encryption of zero in coefficient form, for adding to a coefficient-form ciphertext
    /// (one forward NTT and two inverse NTTs per modulus, the errors added after).
    ///
    /// # Errors
    /// [`Error::InvalidScale`] unless `scale` is finite and positive.
    pub fn encrypt_zero_coeff<R: CryptoRng + ?Sized>(
        &self,
        scale: f64,
        rng: &mut R,
    ) -> Result<Ciphertext<Coeff>> {
        check_scale(scale)?;
        let (u, e0, e1) = self.sample(rng)?;
        let mut c0 = self.pk.p0().mul(&u)?.into_coeff();
        let mut c1 = self.a.mul(&u)?.into_coeff();
        c0.add_assign(&e0)?;
        c1.add_assign(&e1)?;
        Ciphertext::new(c0, c1, scale)
    }

    /// Encrypts `pt`: (u*p0 + e0 + m, u*a + e1).
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] unless the plaintext lives over the key's basis.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &self,
        pt: &Plaintext,
        rng: &mut R,
    ) -> Result<Ciphertext> {
        if !pt.basis().same_as(self.basis()) {
            return Err(Error::ParamsMismatch);
        }
        let (c0, c1, scale) = self.encrypt_zero(pt.scale(), rng)?.into_parts();
        let mut c0 = c0;
        c0.add_assign(pt.poly())?;
        Ciphertext::new(c0, c1, scale)
    }
}

/// How [`Decryptor::decrypt_coefficient_residues`] computes (c1*s)_k.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CoefficientMethod {
    /// Direct below [`NTT_CROSSOVER_COEFFICIENTS`] requested coefficients, NTT from there.
    #[default]
    Auto,
    /// Signed sums of c1's coefficients selected by the ternary s: n masked additions per
    /// coefficient and modulus, no NTT.
    Direct,
    /// The full product c1*s through the NTT (three transforms per modulus), then selection.
    Ntt,
}

/// Decryption under a secret key.
#[derive(Debug)]
pub struct Decryptor<'a> {
    sk: &'a SecretKey,
}

impl<'a> Decryptor<'a> {
    /// A decryptor under `sk`.
    pub fn new(sk: &'a SecretKey) -> Self {
        Self { sk }
    }

    /// c0 + c1*s = m + e in coefficient form over the ciphertext's basis (lift it with
    /// [`Poly::lift_centered_f64`] and decode with the ciphertext's scale).
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if the ciphertext's degree is not the key's.
    pub fn decrypt(&self, ct: &Ciphertext) -> Result<Zeroizing<Poly<Coeff>>> {
        let s = self.sk.to_ntt(ct.basis())?;
        let mut m = Zeroizing::new(ct.c1().mul(&s)?);
        m.add_assign(ct.c0())?;
        let poly = core::mem::replace(&mut *m, Poly::zero(ct.basis()));
        Ok(Zeroizing::new(poly.into_coeff()))
    }

    /// Coefficients k (in `indices`) of c0 + c1*s, each CRT-lifted to its centered value in
    /// (-Q/2, Q/2] as f64 (exact below 2^53), in the order of `indices`.
    ///
    /// `c0_values` holds c0's residues at those coefficients, modulus-major:
    /// `c0_values[i * indices.len() + j]` is coefficient `indices[j]` mod q_i; `c1` is in
    /// coefficient form over the same basis. Uses [`CoefficientMethod::Auto`].
    ///
    /// # Errors
    /// As [`Decryptor::decrypt_coefficient_residues`].
    pub fn decrypt_coefficients(
        &self,
        c0_values: &[u64],
        c1: &Poly<Coeff>,
        indices: &[usize],
    ) -> Result<Zeroizing<Vec<f64>>> {
        let residues =
            self.decrypt_coefficient_residues(c0_values, c1, indices, CoefficientMethod::Auto)?;
        let basis = c1.basis();
        let count = indices.len();
        let mut out = Zeroizing::new(Vec::with_capacity(count));
        match basis.moduli() {
            [m] => out.extend(residues.iter().map(|&r| m.center(r) as f64)),
            _ => {
                let mut column = Zeroizing::new(vec![0u64; basis.len()]);
                for j in 0..count {
                    for (dst, row) in column.iter_mut().zip(residues.chunks_exact(count)) {
                        *dst = row.get(j).copied().unwrap_or(0);
                    }
                    out.push(basis.lift_centered_f64(&column));
                }
            }
        }
        Ok(out)
    }

    /// As [`Decryptor::decrypt_coefficients`], returning the residues of c0 + c1*s at `indices`
    /// (same modulus-major layout as `c0_values`) and computing them by `method`.
    ///
    /// # Errors
    /// [`Error::ParamsMismatch`] if c1's degree is not the key's; [`Error::IndexOutOfRange`]
    /// for an index >= n; [`Error::LengthMismatch`] unless `c0_values` holds
    /// (number of moduli) * `indices.len()` values; [`Error::ResidueOutOfRange`] for a c0 value
    /// not below its modulus.
    pub fn decrypt_coefficient_residues(
        &self,
        c0_values: &[u64],
        c1: &Poly<Coeff>,
        indices: &[usize],
        method: CoefficientMethod,
    ) -> Result<Zeroizing<Vec<u64>>> {
        let basis = c1.basis();
        let n = basis.n();
        if n != self.sk.n() {
            return Err(Error::ParamsMismatch);
        }
        if let Some(&index) = indices.iter().find(|&&k| k >= n) {
            return Err(Error::IndexOutOfRange { index, n });
        }
        let count = indices.len();
        let expected = basis.len() * count;
        if c0_values.len() != expected {
            return Err(Error::LengthMismatch {
                what: "c0 values",
                expected,
                found: c0_values.len(),
            });
        }
        for (row, (values, m)) in c0_values
            .chunks(count.max(1))
            .zip(basis.moduli())
            .enumerate()
        {
            if let Some(&value) = values.iter().find(|&&v| v >= m.value()) {
                return Err(Error::ResidueOutOfRange {
                    row,
                    value,
                    modulus: m.value(),
                });
            }
        }
        let use_ntt = match method {
            CoefficientMethod::Auto => count >= NTT_CROSSOVER_COEFFICIENTS,
            CoefficientMethod::Direct => false,
            CoefficientMethod::Ntt => true,
        };
        let mut out = Zeroizing::new(Vec::with_capacity(expected));
        if use_ntt {
            let s = self.sk.to_ntt(basis)?;
            let mut product = Zeroizing::new(c1.to_ntt());
            product.mul_assign(&s)?;
            let product =
                Zeroizing::new(core::mem::replace(&mut *product, Poly::zero(basis)).into_coeff());
            for ((m, row), c0_row) in basis
                .moduli()
                .iter()
                .zip(product.rows())
                .zip(c0_values.chunks(count.max(1)))
            {
                out.extend(
                    indices
                        .iter()
                        .zip(c0_row)
                        .map(|(&k, &c0)| m.add(c0, row.get(k).copied().unwrap_or(0))),
                );
            }
        } else {
            let masks = TernaryMasks::new(self.sk.coeffs());
            let mut window = vec![0u64; 2 * n];
            for ((m, row), c0_row) in basis
                .moduli()
                .iter()
                .zip(c1.rows())
                .zip(c0_values.chunks(count.max(1)))
            {
                negacyclic_window(m, row, &mut window);
                out.extend(
                    indices
                        .iter()
                        .zip(c0_row)
                        .map(|(&k, &c0)| m.add(c0, masks.product_coefficient(m, &window, k))),
                );
            }
        }
        Ok(out)
    }
}

/// Fills `window` (length 2n) with (-c_0, ..., -c_(n-1), c_0, ..., c_(n-1)) mod q, so that
/// the negacyclic product is (c*s)_k = sum_t s_(n-1-t) * window[k + 1 + t].
fn negacyclic_window(m: &Modulus, c: &[u64], window: &mut [u64]) {
    let (low, high) = window.split_at_mut(c.len());
    for ((lo, hi), &v) in low.iter_mut().zip(high.iter_mut()).zip(c) {
        *lo = m.neg(v);
        *hi = v;
    }
}

/// The secret s reversed as two masks per coefficient: `plus[t]` is all ones where
/// s_(n-1-t) = 1, `minus[t]` where s_(n-1-t) = -1.
struct TernaryMasks {
    plus: Zeroizing<Vec<u64>>,
    minus: Zeroizing<Vec<u64>>,
}

impl TernaryMasks {
    fn new(s: &[i8]) -> Self {
        // c in {-1, 0, 1}: (c + 1) >> 1 is 1 only for c = 1, (1 - c) >> 1 only for c = -1.
        let plus = s
            .iter()
            .rev()
            .map(|&c| 0u64.wrapping_sub(((i64::from(c) + 1) as u64) >> 1))
            .collect();
        let minus = s
            .iter()
            .rev()
            .map(|&c| 0u64.wrapping_sub(((1 - i64::from(c)) as u64) >> 1))
            .collect();
        Self {
            plus: Zeroizing::new(plus),
            minus: Zeroizing::new(minus),
        }
    }

    /// (c*s)_k mod q from the [`negacyclic_window`] of c: masked sums, no branch on s.
    fn product_coefficient(&self, m: &Modulus, window: &[u64], k: usize) -> u64 {
        let n = self.plus.len();
        let slice = window.get(k + 1..k + 1 + n).unwrap_or(&[]);
        // Up to 2^(64 - bits) values below 2^bits add without overflow.
        let chunk = 1usize << (u64::BITS - m.bits()).min(30);
        let mut plus_total = 0u64;
        let mut minus_total = 0u64;
        for ((w, p), q) in slice
            .chunks(chunk)
            .zip(self.plus.chunks(chunk))
            .zip(self.minus.chunks(chunk))
        {
            let mut plus_sum = 0u64;
            let mut minus_sum = 0u64;
            for ((&v, &pm), &mm) in w.iter().zip(p).zip(q) {
                plus_sum = plus_sum.wrapping_add(v & pm);
                minus_sum = minus_sum.wrapping_add(v & mm);
            }
            plus_total = m.add(plus_total, m.reduce(plus_sum));
            minus_total = m.add(minus_total, m.reduce(minus_sum));
        }
        m.sub(plus_total, minus_total)
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

    /// A plaintext of small random integers |m_k| < 1000 (scale 1) and its coefficients.
    fn small_plaintext(basis: &Arc<RnsBasis>, seed: u8) -> (Plaintext, Vec<i128>) {
        let mut rng = ChaCha20Rng::from_seed([seed; 32]);
        let coeffs: Vec<i128> = (0..basis.n())
            .map(|_| i128::from(rand_core::RngCore::next_u32(&mut rng) % 2000) - 1000)
            .collect();
        (Plaintext::from_i128(basis, &coeffs, 1.0).unwrap(), coeffs)
    }

    fn max_error(decrypted: &Poly<Coeff>, expected: &[i128]) -> f64 {
        decrypted
            .lift_centered_f64()
            .iter()
            .zip(expected)
            .map(|(&d, &m)| (d - m as f64).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn secret_key_encryption_decrypts_to_message_plus_bounded_error() {
        // c0 + a*s = m + e with |e_k| <= 21 (binomial k = 21): the error is exactly e.
        let p = params();
        let mut rng = ChaCha20Rng::from_seed([1; 32]);
        let sk = SecretKey::generate(&p, &mut rng);
        let (pt, m) = small_plaintext(p.basis(), 2);
        let ct = SecretKeyEncryptor::new(&sk).encrypt(&pt, &mut rng).unwrap();
        let dec = Decryptor::new(&sk).decrypt(&ct.expand().unwrap()).unwrap();
        let err = max_error(&dec, &m);
        assert!(err <= 21.0, "{err}");
        assert!(err > 0.0);
    }

    #[test]
    fn public_key_encryption_decrypts_within_its_bound() {
        // c0 + c1*s = m + u*e_pk + e0 + e1*s. |u*e_pk|_inf <= n * 21 worst case but each
        // coefficient is a sum of n terms of variance (2/3) * 10.5: sd sqrt(4096 * 7) = 169;
        // e1*s likewise, sd 169; total sd ~ 240, and 8 sd = 1920 bounds every coefficient
        // of 4096 with overwhelming probability.
        let p = params();
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        let sk = SecretKey::generate(&p, &mut rng);
        let pk = PublicKey::generate(&sk, p.basis(), &mut rng).unwrap();
        let (pt, m) = small_plaintext(p.basis(), 4);
        let enc = PublicKeyEncryptor::new(&p, &pk).unwrap();
        let ct = enc.encrypt(&pt, &mut rng).unwrap();
        let err = max_error(&Decryptor::new(&sk).decrypt(&ct).unwrap(), &m);
        assert!(err <= 1920.0, "{err}");
        let zero = enc.encrypt_zero_coeff(1.0, &mut rng).unwrap().into_ntt();
        let err = max_error(&Decryptor::new(&sk).decrypt(&zero).unwrap(), &[0; 4096]);
        assert!(err <= 1920.0 && err > 0.0, "{err}");
    }

    #[test]
    fn wrong_key_does_not_decrypt() {
        let p = params();
        let mut rng = ChaCha20Rng::from_seed([5; 32]);
        let sk = SecretKey::generate(&p, &mut rng);
        let other = SecretKey::generate(&p, &mut rng);
        let (pt, m) = small_plaintext(p.basis(), 6);
        let ct = SecretKeyEncryptor::new(&sk).encrypt(&pt, &mut rng).unwrap();
        let err = max_error(
            &Decryptor::new(&other)
                .decrypt(&ct.expand().unwrap())
                .unwrap(),
            &m,
        );
        assert!(err > 1e6, "{err}");
    }

    #[test]
    fn coefficient_methods_agree_with_full_decryption() {
        let p = params();
        let mut rng = ChaCha20Rng::from_seed([7; 32]);
        let sk = SecretKey::generate(&p, &mut rng);
        let (pt, _) = small_plaintext(p.basis(), 8);
        let ct = SecretKeyEncryptor::new(&sk)
            .encrypt(&pt, &mut rng)
            .unwrap()
            .expand()
            .unwrap();
        let full = Decryptor::new(&sk).decrypt(&ct).unwrap();
        let coeff = ct.to_coeff();
        let indices = [0usize, 1, 7, 2047, 4095, 15];
        let c0_values: Vec<u64> = coeff
            .c0()
            .rows()
            .flat_map(|row| indices.iter().map(|&k| row[k]))
            .collect();
        let dec = Decryptor::new(&sk);
        let expected: Vec<u64> = full
            .rows()
            .flat_map(|row| indices.iter().map(|&k| row[k]))
            .collect();
        for method in [
            CoefficientMethod::Direct,
            CoefficientMethod::Ntt,
            CoefficientMethod::Auto,
        ] {
            let got = dec
                .decrypt_coefficient_residues(&c0_values, coeff.c1(), &indices, method)
                .unwrap();
            assert_eq!(*got, expected, "{method:?}");
        }
        let lifted = dec
            .decrypt_coefficients(&c0_values, coeff.c1(), &indices)
            .unwrap();
        let all = full.lift_centered_f64();
        let want: Vec<f64> = indices.iter().map(|&k| all[k]).collect();
        assert_eq!(*lifted, want);
    }

    #[test]
    fn decrypt_coefficients_rejects_bad_input() {
        let p = params();
        let mut rng = ChaCha20Rng::from_seed([9; 32]);
        let sk = SecretKey::generate(&p, &mut rng);
        let dec = Decryptor::new(&sk);
        let c1 = Poly::<Coeff>::zero(p.basis());
        assert_eq!(
            dec.decrypt_coefficients(&[0, 0], &c1, &[4096]).unwrap_err(),
            Error::IndexOutOfRange {
                index: 4096,
                n: 4096
            }
        );
        assert_eq!(
            dec.decrypt_coefficients(&[0], &c1, &[3]).unwrap_err(),
            Error::LengthMismatch {
                what: "c0 values",
                expected: 2,
                found: 1
            }
        );
        let q1 = p.basis().moduli()[1].value();
        assert_eq!(
            dec.decrypt_coefficients(&[0, q1], &c1, &[3]).unwrap_err(),
            Error::ResidueOutOfRange {
                row: 1,
                value: q1,
                modulus: q1
            }
        );
        let small = RnsBasis::new(2048, &[4_398_046_486_529]).unwrap();
        assert_eq!(
            dec.decrypt_coefficients(&[0], &Poly::zero(&small), &[3])
                .unwrap_err(),
            Error::ParamsMismatch
        );
    }

    #[test]
    fn public_key_encryptor_checks_degree_and_basis() {
        let p = params();
        let mut rng = ChaCha20Rng::from_seed([10; 32]);
        let sk = SecretKey::generate(&p, &mut rng);
        let out = RnsBasis::new(4096, &[140_737_488_273_409]).unwrap();
        let pk = PublicKey::generate(&sk, &out, &mut rng).unwrap();
        let enc = PublicKeyEncryptor::new(&p, &pk).unwrap();
        let (pt, _) = small_plaintext(p.basis(), 11);
        assert_eq!(
            enc.encrypt(&pt, &mut rng).unwrap_err(),
            Error::ParamsMismatch
        );
        assert!(matches!(
            enc.encrypt_zero(f64::NAN, &mut rng),
            Err(Error::InvalidScale { .. })
        ));
        let p2 = Params::new(ParamsSpec::with_prime_bits(11, &[40], &[]).unwrap()).unwrap();
        assert_eq!(
            PublicKeyEncryptor::new(&p2, &pk).unwrap_err(),
            Error::ParamsMismatch
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Direct ternary sums and the NTT give the same coefficients of c0 + c1*s for any c1,
        /// any c0 values and any indices (repeats allowed), over one to three moduli.
        #[test]
        fn direct_and_ntt_partial_decryption_agree(
            seed in proptest::prelude::any::<[u8; 32]>(),
            limbs in 1usize..=3,
            indices in proptest::collection::vec(0usize..1024, 1..40),
        ) {
            let spec = ParamsSpec::with_prime_bits(10, &[40, 40, 40][..limbs], &[]).unwrap();
            let p = Params::new_insecure_for_tests(spec).unwrap();
            let mut rng = ChaCha20Rng::from_seed(seed);
            let sk = SecretKey::generate(&p, &mut rng);
            let c1 = sampling::uniform_ntt(&mut rng, p.basis()).unwrap().into_coeff();
            let c0: Vec<u64> = p
                .basis()
                .moduli()
                .iter()
                .flat_map(|m| {
                    let q = m.value();
                    indices
                        .iter()
                        .map(|&k| (k as u64 * 0x9e37_79b9 + q / 3) % q)
                        .collect::<Vec<_>>()
                })
                .collect();
            let dec = Decryptor::new(&sk);
            let direct = dec
                .decrypt_coefficient_residues(&c0, &c1, &indices, CoefficientMethod::Direct)
                .unwrap();
            let ntt = dec
                .decrypt_coefficient_residues(&c0, &c1, &indices, CoefficientMethod::Ntt)
                .unwrap();
            proptest::prop_assert_eq!(&*direct, &*ntt);
        }
    }
}
