//! The consumer's side: keys, the encrypted profile, the decrypted and ranked scores.
//!
//! A [`ClientSession`] holds the secret key s (uniform ternary) and a public key
//! `pk = (-a' s + e_pk, a')` at the preset's key modulus (`PresetParams::key_basis`: q_0 for
//! `exact`, Q otherwise), compressed once to t bits. For each profile it encrypts
//! `m(X) = sum_i round(Df f_i) X^i` as a seeded ciphertext `c0 = -a s + m + e` and sends it with
//! the public key (the server keeps no state). From a response it decrypts only the target
//! coefficients: `c0'[8j+7] + (c1' s)[8j+7] mod q_0` (s ternary: signed sums, or one NTT product
//! for many products), centered and divided by `Delta'`.
//!
//! # Security
//! s is generated from the caller's CSPRNG ([`ckks::sampling::os_rng`] in production), lives in
//! [`ckks::keys::SecretKey`] (zeroized on drop, no `Clone`, redacted `Debug`) and leaves the
//! session only through [`ClientSession::export_secret_key`]. The decrypted values are held in
//! zeroizing buffers until they become scores.

use std::sync::Arc;

use ckks::encrypt::{CoefficientMethod, Decryptor, SecretKeyEncryptor};
use ckks::keys::{PublicKey, SecretKey};
use ckks::plaintext::Plaintext;
use ckks::ring::{Coeff, Poly};
use ckks::sampling::Seed;
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::compress::Compressor;
use crate::error::{Error, Result};
use crate::presets::PresetParams;
use crate::profile::SkinProfile;
use crate::protocol::{ResponseMode, ScoreRequest, ScoreResponse, target_index};

/// One decrypted score with its product id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductScore {
    /// The product's id.
    pub id: String,
    /// The decrypted score `b + sum_i w_i f_i` (to the preset's error bound).
    pub score: f64,
}

/// A client's keys for one preset.
#[derive(Debug)]
pub struct ClientSession {
    params: Arc<PresetParams>,
    sk: SecretKey,
    pk_seed: Seed,
    pk0: Vec<u64>,
    output_compressor: Compressor,
}

impl ClientSession {
    /// Generates a secret key and the compressed public key (a few milliseconds).
    ///
    /// # Errors
    /// A [`ckks::Error`] if sampling fails (an unsupported sigma, impossible for the presets).
    pub fn new<R: CryptoRng + ?Sized>(params: Arc<PresetParams>, rng: &mut R) -> Result<Self> {
        let sk = SecretKey::generate(params.ckks(), rng);
        let basis = params.key_basis();
        let pk = PublicKey::generate(&sk, basis, rng)?;
        let compressor = Compressor::new(basis, params.compressed_bits())?;
        let pk0 = compressor.compress(&pk.p0().to_coeff())?;
        let output_compressor = Compressor::new(params.output_basis(), params.compressed_bits())?;
        Ok(Self {
            pk_seed: *pk.seed(),
            params,
            sk,
            pk0,
            output_compressor,
        })
    }

    /// The session's parameters.
    pub fn params(&self) -> &Arc<PresetParams> {
        &self.params
    }

    /// The compressed public key: the seed of `a'` and `pk0` (t bits per coefficient).
    pub fn public_key(&self) -> (&Seed, &[u64]) {
        (&self.pk_seed, &self.pk0)
    }

    /// Explicit export of the secret key's n ternary coefficients (for a user who saves it).
    ///
    /// # Security
    /// The secret in clear, wiped when the returned buffer drops.
    pub fn export_secret_key(&self) -> Zeroizing<Vec<i8>> {
        self.sk.export_coefficients()
    }

    /// The plaintext coefficients `round(Df f_i)` at positions 0..8 (the rest zero).
    fn encode(&self, profile: &SkinProfile) -> Zeroizing<Vec<i128>> {
        let mut m = Zeroizing::new(vec![0i128; self.params.n()]);
        for (slot, &f) in m.iter_mut().zip(profile.values()) {
            // Df is a power of two and f in [0, 1]: Df * f is exact, and below 2^127.
            *slot = (self.params.df() * f).round() as i128;
        }
        m
    }

    /// Encrypts a profile into request bytes (seeded ciphertext and compressed public key).
    ///
    /// # Errors
    /// A [`ckks::Error`] from encryption or encoding (none expected for a valid profile).
    pub fn encrypt_profile<R: CryptoRng + ?Sized>(
        &self,
        profile: &SkinProfile,
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        let basis = self.params.ckks().basis();
        let scale = self.params.df();
        let pt = Zeroizing::new(Plaintext::from_i128(basis, &self.encode(profile), scale)?);
        let ct = SecretKeyEncryptor::new(&self.sk).encrypt(&pt, rng)?;
        let request = ScoreRequest {
            seed_c: *ct.seed(),
            seed_pk: self.pk_seed,
            c0: ct.c0().to_coeff(),
            pk0: self.pk0.clone(),
        };
        request.encode(&self.params)
    }

    /// Decrypts response bytes into one score per product, with the ids of `product_ids` (the
    /// catalog's public product list, in order).
    ///
    /// # Errors
    /// Decoding errors of [`ScoreResponse::decode`]; [`Error::CatalogMismatch`] when the
    /// response's product count or id fingerprint differs from `product_ids`.
    pub fn decrypt_scores<'a>(
        &self,
        response: &[u8],
        product_ids: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Result<Vec<ProductScore>> {
        let resp = ScoreResponse::decode(&self.params, response)?;
        let expected = crate::catalog::fingerprint_ids(product_ids.clone());
        let ids: Vec<&str> = product_ids.into_iter().collect();
        if resp.fingerprint != expected || resp.count != ids.len() {
            return Err(Error::CatalogMismatch {
                expected,
                found: resp.fingerprint,
                expected_count: ids.len(),
                found_count: resp.count,
            });
        }
        let scores = self.decrypt_values(&resp)?;
        Ok(ids
            .into_iter()
            .zip(scores.iter())
            .map(|(id, &score)| ProductScore {
                id: id.to_owned(),
                score,
            })
            .collect())
    }

    /// The scores of a decoded response in product order, without catalog checks.
    ///
    /// # Errors
    /// A [`ckks::Error`] if the response's shape does not fit the preset.
    pub fn decrypt_values(&self, resp: &ScoreResponse) -> Result<Zeroizing<Vec<f64>>> {
        let n = self.params.n();
        let per_block = self.params.products_per_ciphertext();
        let q0 = self.params.output_basis();
        let m = q0
            .moduli()
            .first()
            .copied()
            .ok_or(ckks::Error::ParamsMismatch)?;
        let decryptor = Decryptor::new(&self.sk);
        let mut out = Zeroizing::new(Vec::with_capacity(resp.count));
        for (block, c1_values) in resp.c1.chunks(n).enumerate() {
            let start = block * per_block;
            let in_block = resp.count.saturating_sub(start).min(per_block);
            let c1 = match resp.mode {
                ResponseMode::Private => self.output_compressor.decompress(c1_values)?,
                ResponseMode::Open => Poly::<Coeff>::from_rows(q0, c1_values.to_vec())?,
            };
            let indices: Vec<usize> = (0..in_block).map(target_index).collect();
            let c0_values: Vec<u64> = match resp.mode {
                ResponseMode::Private => resp
                    .c0
                    .get(start..start + in_block)
                    .unwrap_or_default()
                    .to_vec(),
                ResponseMode::Open => indices
                    .iter()
                    .map(|&k| resp.c0.get(block * n + k).copied().unwrap_or(0))
                    .collect(),
            };
            let residues = decryptor.decrypt_coefficient_residues(
                &c0_values,
                &c1,
                &indices,
                CoefficientMethod::Auto,
            )?;
            out.extend(
                residues
                    .iter()
                    .map(|&r| m.center(r) as f64 / self.params.output_scale()),
            );
        }
        Ok(out)
    }

    /// Decrypts every coefficient of every block of an open response (no model privacy),
    /// centered mod q_0: what a client learns from a server that sends the whole `c0'`.
    ///
    /// # Errors
    /// [`Error::InvalidResponseMode`] (found 0) for a private response, which has only targets.
    pub fn decrypt_all_coefficients(&self, resp: &ScoreResponse) -> Result<Zeroizing<Vec<f64>>> {
        if resp.mode != ResponseMode::Open {
            return Err(Error::InvalidResponseMode { found: 0 });
        }
        let n = self.params.n();
        let q0 = self.params.output_basis();
        let m = q0
            .moduli()
            .first()
            .copied()
            .ok_or(ckks::Error::ParamsMismatch)?;
        let decryptor = Decryptor::new(&self.sk);
        let all: Vec<usize> = (0..n).collect();
        let mut out = Zeroizing::new(Vec::with_capacity(resp.c0.len()));
        for (c1_values, c0_values) in resp.c1.chunks(n).zip(resp.c0.chunks(n)) {
            let c1 = Poly::<Coeff>::from_rows(q0, c1_values.to_vec())?;
            let residues = decryptor.decrypt_coefficient_residues(
                c0_values,
                &c1,
                &all,
                CoefficientMethod::Ntt,
            )?;
            out.extend(residues.iter().map(|&r| m.center(r) as f64));
        }
        Ok(out)
    }
}

/// Ranks scores from best to worst (stable: equal scores keep catalog order).
pub fn rank(scores: &mut [ProductScore]) {
    scores.sort_by(|a, b| b.score.total_cmp(&a.score));
}
