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
//! modulus and two pointwise multiply-adds (SIMD on x86) accumulated onto the catalog products.
//! [`ModelPrivacy::Off`] skips it and sends every coefficient: the plain response of a server
//! without model privacy, for the tests and comparisons only.
//!
//! # Security
//! The server sees no secret of the client; its own secrets (u, e0, e1, flooding, the weights)
//! come from a ChaCha20 generator seeded by the operating system per request, which seeds one
//! ChaCha12 generator per block (rand's `StdRng` algorithm), and are not logged.

mod eval;
mod kernels;

use std::sync::Arc;

use ckks::keys::PublicKey;
use ckks::ring::{Coeff, Ntt, Poly};
use ckks::sampling::{self, Seed};
use rand_chacha::ChaCha12Rng;
use rand_core::{CryptoRng, SeedableRng};

use eval::{BlockOutput, Key, Request};
use kernels::{reduce_integral_f64, rescale_inverses};

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

    /// The residues of `c0` at the targets plus the biases and `noise` (e0 and flooding),
    /// modulus-major: `values[i * count + j]`.
    fn gather(
        &self,
        c0: &Poly<Coeff>,
        targets: &[usize],
        block: &Block,
        noise: Option<&[i128]>,
    ) -> Result<Vec<u64>> {
        let count = targets.len();
        let mut values = Vec::with_capacity(count * c0.basis().len());
        for ((row, m), bias) in c0
            .rows()
            .zip(c0.basis().moduli())
            .zip(block.bias.chunks(count.max(1)))
        {
            for (j, (&k, &b)) in targets.iter().zip(bias).enumerate() {
                let x = row.get(k).copied().ok_or(ckks::Error::IndexOutOfRange {
                    index: k,
                    n: row.len(),
                })?;
                let e = noise
                    .and_then(|v| v.get(j))
                    .map_or(0, |&e| m.reduce_i128(e));
                values.push(m.add(m.add(x, b), e));
            }
        }
        Ok(values)
    }
}

/// Writes modulus-major target values back into `c0` (the open response keeps every coefficient).
fn scatter(c0: &mut Poly<Coeff>, targets: &[usize], values: &[u64]) {
    for (row, row_values) in c0.rows_mut().zip(values.chunks(targets.len().max(1))) {
        for (&k, &v) in targets.iter().zip(row_values) {
            if let Some(slot) = row.get_mut(k) {
                *slot = v;
            }
        }
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
            Some(Key {
                a: pk.a()?,
                p0: pk.p0().clone(),
            })
        }
        ModelPrivacy::Off => None,
    };
    let mode = match privacy {
        ModelPrivacy::On => ResponseMode::Private,
        ModelPrivacy::Off => ResponseMode::Open,
    };
    let ctx = Request {
        catalog,
        c0: &req.c0,
        a: &a,
        key: key.as_ref(),
    };
    let seeds: Vec<Seed> = catalog
        .blocks
        .iter()
        .map(|_| sampling::fresh_seed(rng))
        .collect();
    let results = map_blocks(&catalog.blocks, &seeds, |block, seed| {
        ctx.evaluate(block, &mut ChaCha12Rng::from_seed(*seed))
    })?;
    let n = params.n();
    let mut c1_out = Vec::with_capacity(n * catalog.blocks.len());
    let mut c0_out = Vec::with_capacity(match mode {
        ResponseMode::Private => catalog.count,
        ResponseMode::Open => n * catalog.blocks.len(),
    });
    for (c1, c0) in results {
        c1_out.extend(c1);
        c0_out.extend(c0);
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

/// Evaluates every block, in parallel when the `parallel` feature is on (not on wasm32) and
/// there is more than one block; results in block order.
fn map_blocks<F>(blocks: &[Block], seeds: &[Seed], f: F) -> Result<Vec<BlockOutput>>
where
    F: Fn(&Block, &Seed) -> Result<BlockOutput> + Sync + Send,
{
    #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
    if blocks.len() > 1 {
        use rayon::prelude::*;
        return blocks
            .par_iter()
            .zip(seeds.par_iter())
            .map(|(b, s)| f(b, s))
            .collect();
    }
    blocks.iter().zip(seeds).map(|(b, s)| f(b, s)).collect()
}

/// Sets the number of threads that evaluate large catalogs (rayon's global pool). Call once,
/// before the first request; without the `parallel` feature (and on wasm32) it does nothing.
///
/// # Errors
/// [`Error::ThreadPool`] if the pool was already set up.
pub fn set_threads(threads: usize) -> Result<()> {
    #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|_| Error::ThreadPool { threads })?;
    #[cfg(not(all(feature = "parallel", not(target_arch = "wasm32"))))]
    let _ = threads;
    Ok(())
}
