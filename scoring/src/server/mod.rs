//! The brand's side: encode a catalog once, then score requests into responses.
//!
//! For each block of n/8 products (one result ciphertext), with `W` the block's weight
//! polynomial and `(c0, a)` the client's ciphertext, all in NTT form at Q:
//!
//! ```text
//! c0 * W + u * pk0    (u ternary, fresh per block)      -> inverse NTT -> + B + e0 (+ flood) at targets
//! a  * W + u * a'                                        -> inverse NTT -> + e1
//! rescale Q -> q_0 (round(x q_0 / Q), one prime dropped at a time)
//! response: compress(c1') to t bits, c0' at the targets 8j + 7 only
//! ```
//!
//! The re-randomization `(u pk0 + e0, u a' + e1)` is a fresh encryption of zero under the
//! client's public key, added at Q before the rescale so its noise shrinks by `Q / q_0` and the
//! rescale rounds a re-randomized ciphertext (`docs/security.md`). It costs one forward NTT per
//! modulus and two pointwise products, fused with the catalog products.
//! [`ModelPrivacy::Off`] skips it and sends every coefficient: the plain response of a server
//! without model privacy, for the tests and comparisons only.
//!
//! # Security
//! The server sees no secret of the client; its own secrets (u, e0, e1, flooding, the weights)
//! come from a ChaCha20 generator seeded by the operating system per request and are not logged.

use std::sync::Arc;

use ckks::keys::PublicKey;
use ckks::ring::{Coeff, Modulus, Ntt, Poly, RnsBasis};
use ckks::sampling;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::catalog::Catalog;
use crate::compress::Compressor;
use crate::error::{Error, Result};
use crate::presets::PresetParams;
use crate::protocol::{ResponseMode, ScoreRequest, ScoreResponse, message_preset, target_index};

/// Whether responses are protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelPrivacy {
    /// Re-randomize, send only target coefficients (and flood for `private-plus`). The default.
    #[default]
    On,
    /// The plain product, every coefficient: reveals the weights to the client. Tests only.
    Off,
}

/// One result ciphertext's worth of products, encoded.
struct Block {
    /// `W(X) = sum_j sum_i round(Dw w_ji) X^(8j + 7 - i)` at Q, NTT form.
    weights: Poly<Ntt>,
    /// `round(Df Dw b_j) mod q_i`, modulus-major: `bias[i * products + j]`.
    bias: Vec<u64>,
    /// Products in this block.
    products: usize,
}

/// A catalog encoded for one preset: weight polynomials in NTT form, biases as residues.
pub struct EncodedCatalog {
    params: Arc<PresetParams>,
    blocks: Vec<Block>,
    count: usize,
    fingerprint: u32,
    key_compressor: Compressor,
    output_compressor: Compressor,
    /// For each dropped modulus q_l (l = L..1): q_l^-1 mod q_i for i < l.
    rescale_inverses: Vec<Vec<u64>>,
}

impl core::fmt::Debug for EncodedCatalog {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EncodedCatalog")
            .field("preset", &self.params.preset())
            .field("products", &self.count)
            .field("blocks", &self.blocks.len())
            .finish_non_exhaustive()
    }
}

impl EncodedCatalog {
    /// Encodes `catalog` for `params` (once per catalog and preset).
    ///
    /// # Errors
    /// A [`ckks::Error`] from the ring layer (none expected for a valid catalog).
    pub fn new(catalog: &Catalog, params: Arc<PresetParams>) -> Result<Self> {
        let basis = params.ckks().basis();
        let n = params.n();
        let per_block = params.products_per_ciphertext();
        let k = params.df() * params.dw();
        let mut blocks = Vec::with_capacity(catalog.len().div_ceil(per_block));
        for chunk in catalog.products().chunks(per_block) {
            let mut w = vec![0i64; n];
            let mut bias_int = Vec::with_capacity(chunk.len());
            for (j, product) in chunk.iter().enumerate() {
                let model = product.model();
                for (i, &wi) in model.weights().iter().enumerate() {
                    // |Dw w| < 2^43: exact in i64.
                    if let Some(slot) = w.get_mut(target_index(j) - i) {
                        *slot = (params.dw() * wi).round() as i64;
                    }
                }
                // |Df Dw b| <= Q/18 may exceed 2^127 (private-plus): kept as an integral f64.
                bias_int.push((k * model.bias()).round());
            }
            let weights = Poly::from_i64(basis, &w)?.into_ntt();
            let bias = basis
                .moduli()
                .iter()
                .flat_map(|m| bias_int.iter().map(|&b| reduce_integral_f64(m, b)))
                .collect();
            blocks.push(Block {
                weights,
                bias,
                products: chunk.len(),
            });
        }
        let rescale_inverses = rescale_inverses(basis)?;
        Ok(Self {
            key_compressor: Compressor::new(basis, params.compressed_bits())?,
            output_compressor: Compressor::new(params.output_basis(), params.compressed_bits())?,
            params,
            blocks,
            count: catalog.len(),
            fingerprint: catalog.fingerprint(),
            rescale_inverses,
        })
    }

    /// The preset's parameters.
    pub fn params(&self) -> &Arc<PresetParams> {
        &self.params
    }

    /// Number of products.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Always false: a catalog has at least one product.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Fingerprint of the product ids (as in responses).
    pub fn fingerprint(&self) -> u32 {
        self.fingerprint
    }
}

/// Scores a request with model privacy on and randomness from the operating system.
///
/// # Errors
/// [`Error::PresetMismatch`] for a request of another preset; decoding errors of
/// [`ScoreRequest::decode`]; [`ckks::Error::Entropy`] if the system has no randomness.
pub fn score(catalog: &EncodedCatalog, request: &[u8]) -> Result<Vec<u8>> {
    let mut rng = sampling::os_rng()?;
    score_with(catalog, request, ModelPrivacy::On, &mut rng)
}

/// Scores a request with the given protection and randomness.
///
/// # Errors
/// As [`score`].
pub fn score_with<R: CryptoRng + ?Sized>(
    catalog: &EncodedCatalog,
    request: &[u8],
    privacy: ModelPrivacy,
    rng: &mut R,
) -> Result<Vec<u8>> {
    let params = &catalog.params;
    let found = message_preset(request)?;
    if found != params.preset() {
        return Err(Error::PresetMismatch {
            expected: params.preset(),
            found,
        });
    }
    let req = ScoreRequest::decode(params, request)?;
    let basis = params.ckks().basis();
    let a = sampling::uniform_ntt_from_seed(basis, &req.seed_c)?;
    let key = match privacy {
        ModelPrivacy::On => {
            let p0 = catalog.key_compressor.decompress(&req.pk0)?.into_ntt();
            let pk = PublicKey::new(req.seed_pk, p0);
            Some((pk.a()?, pk))
        }
        ModelPrivacy::Off => None,
    };
    let mode = match privacy {
        ModelPrivacy::On => ResponseMode::Private,
        ModelPrivacy::Off => ResponseMode::Open,
    };
    let n = params.n();
    let mut c1_out = Vec::with_capacity(n * catalog.blocks.len());
    let mut c0_out = Vec::with_capacity(match mode {
        ResponseMode::Private => catalog.count,
        ResponseMode::Open => n * catalog.blocks.len(),
    });
    for block in &catalog.blocks {
        let mut c0 = req.c0.mul(&block.weights)?;
        let mut c1 = a.mul(&block.weights)?;
        let targets: Vec<usize> = (0..block.products).map(target_index).collect();
        match &key {
            Some((a_pk, pk)) => {
                let u = ternary_ntt(basis, rng)?;
                c0.mul_add_assign(&u, pk.p0())?;
                c1.mul_add_assign(&u, a_pk)?;
                let mut c1 = c1.into_coeff();
                let e1 = sampling::error(rng, n, params.ckks().sigma())?;
                c1.add_assign(&Poly::from_i64(basis, &e1)?)?;
                let c1 = rescale_to_output(c1)?;
                c1_out.extend(catalog.output_compressor.compress(&c1)?);
                let c0 = c0.into_coeff();
                let e0 = sampling::error(rng, block.products, params.ckks().sigma())?;
                let values = gather_targets(&c0, &targets, block, &e0, params.flood_bound(), rng)?;
                c0_out.extend(rescale_values(
                    basis,
                    &catalog.rescale_inverses,
                    &values,
                    targets.len(),
                ));
            }
            None => {
                let c1 = rescale_to_output(c1.into_coeff())?;
                c1_out.extend_from_slice(c1.as_slice());
                let mut c0 = c0.into_coeff();
                add_bias(&mut c0, &targets, block)?;
                let c0 = rescale_to_output(c0)?;
                c0_out.extend_from_slice(c0.as_slice());
            }
        }
    }
    ScoreResponse {
        mode,
        fingerprint: catalog.fingerprint,
        count: catalog.count,
        c1: c1_out,
        c0: c0_out,
    }
    .encode(params)
}

/// A fresh uniform ternary u over `basis`, NTT form.
fn ternary_ntt<R: CryptoRng + ?Sized>(
    basis: &Arc<RnsBasis>,
    rng: &mut R,
) -> Result<Zeroizing<Poly<Ntt>>> {
    let u = sampling::ternary(rng, basis.n());
    let wide: Zeroizing<Vec<i64>> = Zeroizing::new(u.iter().map(|&c| i64::from(c)).collect());
    Ok(Zeroizing::new(Poly::from_i64(basis, &wide)?.into_ntt()))
}

/// Rescales a coefficient-form polynomial from Q down to its first modulus.
fn rescale_to_output(mut p: Poly<Coeff>) -> Result<Poly<Coeff>> {
    while p.basis().len() > 1 {
        p = p.rescale_last()?;
    }
    Ok(p)
}

/// For each modulus to drop, from the last down to q_1: its inverse mod every lower modulus.
fn rescale_inverses(basis: &RnsBasis) -> Result<Vec<Vec<u64>>> {
    let moduli = basis.moduli();
    let mut out = Vec::with_capacity(moduli.len().saturating_sub(1));
    for l in (1..moduli.len()).rev() {
        let ql = moduli
            .get(l)
            .map(Modulus::value)
            .ok_or(ckks::Error::ParamsMismatch)?;
        let inverses = moduli
            .iter()
            .take(l)
            .map(|m| m.inv(ql % m.value()).ok_or(ckks::Error::ParamsMismatch))
            .collect::<core::result::Result<Vec<_>, _>>()?;
        out.push(inverses);
    }
    Ok(out)
}

/// The residues of c0 at the targets plus bias, e0 and flooding: modulus-major,
/// `values[i * count + j]`.
fn gather_targets<R: CryptoRng + ?Sized>(
    c0: &Poly<Coeff>,
    targets: &[usize],
    block: &Block,
    e0: &[i64],
    flood: u128,
    rng: &mut R,
) -> Result<Vec<u64>> {
    let count = targets.len();
    let noise: Vec<i128> = e0
        .iter()
        .map(|&e| Ok(i128::from(e) + uniform_symmetric(flood, rng)?))
        .collect::<Result<_>>()?;
    let mut values = Vec::with_capacity(count * c0.basis().len());
    for ((row, m), bias) in c0
        .rows()
        .zip(c0.basis().moduli())
        .zip(block.bias.chunks(count.max(1)))
    {
        for ((&k, &b), &e) in targets.iter().zip(bias).zip(&noise) {
            let x = row.get(k).copied().ok_or(ckks::Error::IndexOutOfRange {
                index: k,
                n: row.len(),
            })?;
            values.push(m.add(m.add(x, b), m.reduce_i128(e)));
        }
    }
    Ok(values)
}

/// Adds the biases at the targets (open mode).
fn add_bias(c0: &mut Poly<Coeff>, targets: &[usize], block: &Block) -> Result<()> {
    let count = targets.len();
    let moduli: Vec<Modulus> = c0.basis().moduli().to_vec();
    for ((row, m), bias) in c0
        .rows_mut()
        .zip(&moduli)
        .zip(block.bias.chunks(count.max(1)))
    {
        for (&k, &b) in targets.iter().zip(bias) {
            let slot = row
                .get_mut(k)
                .ok_or(ckks::Error::IndexOutOfRange { index: k, n: 0 })?;
            *slot = m.add(*slot, b);
        }
    }
    Ok(())
}

/// Rescales `count` values given modulus-major over `basis` down to q_0 (exact rounding of
/// each drop, as [`Poly::rescale_last`]).
fn rescale_values(
    basis: &RnsBasis,
    inverses: &[Vec<u64>],
    values: &[u64],
    count: usize,
) -> Vec<u64> {
    let moduli = basis.moduli();
    let mut rows: Vec<Vec<u64>> = values.chunks(count.max(1)).map(<[u64]>::to_vec).collect();
    for (drop, inv_row) in (1..moduli.len()).rev().zip(inverses) {
        let Some(last_row) = rows.pop() else { break };
        let Some(last) = moduli.get(drop) else { break };
        let centered: Vec<i64> = last_row.iter().map(|&r| last.center(r)).collect();
        for ((row, m), &inv) in rows.iter_mut().zip(moduli).zip(inv_row) {
            let inv_shoup = m.shoup(inv);
            for (x, &c) in row.iter_mut().zip(&centered) {
                *x = m.mul_shoup(m.sub(*x, m.reduce_i64(c)), inv, inv_shoup);
            }
        }
    }
    rows.into_iter().next().unwrap_or_default()
}

/// The residue mod q of an integral f64 of any magnitude: `x = +-mantissa * 2^exponent`.
fn reduce_integral_f64(m: &Modulus, x: f64) -> u64 {
    let bits = x.abs().to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    if exponent == 0 {
        return 0; // zero or subnormal: |x| < 1, and x is integral
    }
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    let shift = exponent - 1075; // x = mantissa * 2^shift
    let magnitude = if shift >= 0 {
        m.mul(m.reduce(mantissa), m.pow(2, shift as u64))
    } else {
        m.reduce(mantissa >> (-shift).min(63))
    };
    if x < 0.0 { m.neg(magnitude) } else { magnitude }
}

/// A uniform integer in [-bound, bound] (0 when bound is 0), by rejection on 128-bit draws.
fn uniform_symmetric<R: CryptoRng + ?Sized>(bound: u128, rng: &mut R) -> Result<i128> {
    if bound == 0 {
        return Ok(0);
    }
    let span =
        bound
            .checked_mul(2)
            .and_then(|s| s.checked_add(1))
            .ok_or(ckks::Error::TooLarge {
                what: "flooding bound",
                found: usize::MAX,
                max: usize::MAX,
            })?;
    let bits = u128::BITS - span.leading_zeros();
    let mask = if bits >= u128::BITS {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    loop {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        let v = u128::from_le_bytes(bytes) & mask;
        if v < span {
            // v - bound is in [-bound, bound], |.| < 2^126.
            return Ok(v as i128 - bound as i128);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_f64_reduces_exactly() {
        let m = Modulus::new(1_125_899_906_826_241).unwrap();
        for x in [
            0.0,
            1.0,
            -1.0,
            12345.0,
            -9_007_199_254_740_992.0,
            2f64.powi(52) + 1.0,
        ] {
            assert_eq!(reduce_integral_f64(&m, x), m.reduce_i128(x as i128), "{x}");
        }
        // Beyond 2^127: 3 * 2^130 mod q against modular arithmetic.
        let x = 3.0 * 2f64.powi(130);
        assert_eq!(reduce_integral_f64(&m, x), m.mul(3, m.pow(2, 130)));
        assert_eq!(reduce_integral_f64(&m, -x), m.neg(m.mul(3, m.pow(2, 130))));
    }

    #[test]
    fn uniform_symmetric_stays_in_range_and_covers_it() {
        use rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        assert_eq!(uniform_symmetric(0, &mut rng).unwrap(), 0);
        let mut seen = [false; 7];
        for _ in 0..500 {
            let v = uniform_symmetric(3, &mut rng).unwrap();
            assert!((-3..=3).contains(&v));
            seen[(v + 3) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        let big = 1u128 << 101;
        for _ in 0..100 {
            assert!(uniform_symmetric(big, &mut rng).unwrap().unsigned_abs() <= big);
        }
    }
}
