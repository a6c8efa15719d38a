//! The brand's side: encode a catalog once, then score requests into responses.
//!
//! For each block of n/8 products (one result ciphertext), with `W` the block's weight
//! polynomial, `(c0, a)` the client's ciphertext at Q and `pk = (pk0, a')` the client's public
//! key at the key modulus `Q_k` (`PresetParams::key_basis`), `F = Q / Q_k`:
//!
//! ```text
//! c1' = compress(rescale(a W + F (u a' + e1)))                    all n coefficients
//! c0' = rescale(c0 W + B + F (u pk0 + e0) (+ flood))               at the targets 8j + 7 only
//! ```
//!
//! `(u pk0 + e0, u a' + e1)`, u ternary and fresh per block, is a fresh encryption of zero
//! under the client's key: it makes `c1'` RLWE-random (`docs/security.md`). With the key at
//! `q_0` (`exact`) it is added at the output modulus, after the switch (the rescale adds
//! `F x` as `x` exactly): one forward NTT of u per block at one prime, and a key half the size
//! of one at Q. With the key at Q (`compact`, `private-plus`) it is added before the rescale,
//! where its noise shrinks by `Q / q_0` and the rescale rounds a re-randomized ciphertext (the
//! flooding argument of `private-plus` needs that). Everything is accumulated in NTT form
//! onto the catalog products, so the only inverse NTTs are those of `c1` (one per prime) and,
//! for `c0`, the class inverse NTT that yields only the coefficients 8j + 7 (about a quarter
//! of a full inverse). Catalogs of a few products skip even that: their targets are direct
//! sums in coefficient form ([`TargetMethod`]).
//! [`ModelPrivacy::Off`] skips the re-randomization and sends every coefficient: the plain
//! response of a server without model privacy, for the tests and comparisons only.
//!
//! # Security
//! The server sees no secret of the client; its own secrets (u, e0, e1, flooding) come from a
//! ChaCha20 generator seeded by the operating system per request, which seeds one AES-256-CTR
//! generator per block ([`ckks::sampling::AesCtrRng`]; ChaCha12 on wasm32, which lacks AES
//! instructions), and are not logged.

mod encode;
mod eval;
mod kernels;
mod prepare;
mod targets;

use std::sync::Arc;

use ckks::ring::ClassInverse;
use ckks::sampling::{self, Seed};
use rand_core::{CryptoRng, SeedableRng};

use encode::Block;
use kernels::{FusedRescaleCompress, rescale_inverses};
use prepare::Prepared;

use crate::catalog::Catalog;
use crate::compress::Compressor;
use crate::error::{Error, Result};
use crate::presets::PresetParams;
use crate::profile::FEATURE_COUNT;
use crate::protocol::{ResponseBuffer, ResponseMode, ScoreRequest, message_preset};

/// The generator of a block's secrets.
#[cfg(not(target_arch = "wasm32"))]
type BlockRng = ckks::sampling::AesCtrRng;
#[cfg(target_arch = "wasm32")]
type BlockRng = rand_chacha::ChaCha12Rng;

/// Catalogs of at most this many products get their `c0'` targets by direct sums in
/// coefficient form; larger ones by the class inverse NTT (`docs/benchmarks.md`, "Scoring").
pub const DIRECT_TARGETS_MAX_PRODUCTS: usize = 16;

/// Whether responses are protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelPrivacy {
    /// Re-randomize, send only target coefficients (and flood for `private-plus`). The default.
    #[default]
    On,
    /// The plain product, every coefficient: reveals the weights to the client. Tests only.
    Off,
}

/// How the server computes the target coefficients of `c0'`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetMethod {
    /// Direct sums in coefficient form: about `P (8P + n)` multiply-adds per prime for P
    /// products; the cheapest for a few products.
    Direct,
    /// Products in NTT form and the inverse NTT of the target class only.
    ClassInverse,
}

/// A catalog encoded for one preset: weight polynomials in NTT form, biases as residues.
pub struct EncodedCatalog {
    params: Arc<PresetParams>,
    blocks: Vec<Block>,
    count: usize,
    fingerprint: u32,
    target_method: TargetMethod,
    key_compressor: Compressor,
    output_compressor: Compressor,
    /// For each dropped modulus q_l (l = L..1): q_l^-1 mod q_i for i < l.
    rescale_inverses: Vec<Vec<u64>>,
    /// `F = Q / Q_k mod q_r` for the key rows r < k.
    key_factors: Vec<u64>,
    /// The inverse NTT of the coefficients 8j + 7, per row of Q.
    class_inverse: Vec<ClassInverse>,
    /// The rescale and compression of `c1'` in one product, for two primes with q_1 < q_0.
    fused_c1: Option<FusedRescaleCompress>,
    /// The noise and rescale of the targets on IFMA, for two primes with q_1 < q_0.
    #[cfg(target_arch = "x86_64")]
    target_rescale: Option<kernels::TargetRescale>,
}

impl core::fmt::Debug for EncodedCatalog {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EncodedCatalog")
            .field("preset", &self.params.preset())
            .field("products", &self.count)
            .field("blocks", &self.blocks.len())
            .field("target_method", &self.target_method)
            .finish_non_exhaustive()
    }
}

impl EncodedCatalog {
    /// Encodes `catalog` for `params` (once per catalog and preset).
    ///
    /// # Errors
    /// A [`ckks::Error`] from the ring layer (none expected for a valid catalog).
    pub fn new(catalog: &Catalog, params: Arc<PresetParams>) -> Result<Self> {
        let method = if catalog.len() <= DIRECT_TARGETS_MAX_PRODUCTS {
            TargetMethod::Direct
        } else {
            TargetMethod::ClassInverse
        };
        Self::with_method(catalog, params, method)
    }

    /// As [`EncodedCatalog::new`] with a chosen [`TargetMethod`] (both give the same
    /// distribution of responses; benchmarks and tests compare them).
    ///
    /// # Errors
    /// As [`EncodedCatalog::new`].
    pub fn with_method(
        catalog: &Catalog,
        params: Arc<PresetParams>,
        target_method: TargetMethod,
    ) -> Result<Self> {
        let basis = params.ckks().basis();
        let blocks = catalog
            .products()
            .chunks(params.products_per_ciphertext())
            .map(|chunk| Block::new(&params, chunk))
            .collect::<Result<Vec<_>>>()?;
        let key_rows = params.key_basis().len();
        let key_factors: Vec<u64> = basis
            .moduli()
            .iter()
            .take(key_rows)
            .map(|m| {
                basis
                    .moduli()
                    .iter()
                    .skip(key_rows)
                    .fold(1, |acc, q| m.mul(acc, m.reduce(q.value())))
            })
            .collect();
        let class_inverse = (0..basis.len())
            .map(|r| {
                let plan = basis.plan(r).ok_or(ckks::Error::ParamsMismatch)?;
                ClassInverse::new(plan, FEATURE_COUNT, FEATURE_COUNT - 1)
            })
            .collect::<core::result::Result<Vec<_>, _>>()?;
        // With the key at q_0 the error e1 is added after the rescale, inside the fused pass.
        let max_post = if key_rows == 1 {
            sampling::error_bound(params.ckks().sigma())?
        } else {
            0
        };
        let fused_c1 = match basis.moduli() {
            [q0, q1] => FusedRescaleCompress::new(q0, q1, params.compressed_bits(), max_post),
            _ => None,
        };
        #[cfg(target_arch = "x86_64")]
        let target_rescale = kernels::TargetRescale::new(basis.moduli(), &key_factors);
        Ok(Self {
            fused_c1,
            #[cfg(target_arch = "x86_64")]
            target_rescale,
            key_compressor: Compressor::new(params.key_basis(), params.compressed_bits())?,
            output_compressor: Compressor::new(params.output_basis(), params.compressed_bits())?,
            rescale_inverses: rescale_inverses(basis)?,
            params,
            blocks,
            count: catalog.len(),
            fingerprint: catalog.fingerprint(),
            target_method,
            key_factors,
            class_inverse,
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

    /// How the targets of `c0'` are computed for this catalog.
    pub fn target_method(&self) -> TargetMethod {
        self.target_method
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
    let private = privacy == ModelPrivacy::On;
    let prepared = Prepared::new(catalog, req, private)?;
    let seeds: Vec<Seed> = catalog
        .blocks
        .iter()
        .map(|_| sampling::fresh_seed(rng))
        .collect();
    let mode = if private {
        ResponseMode::Private
    } else {
        ResponseMode::Open
    };
    let mut response = ResponseBuffer::new(params, (mode, catalog.fingerprint, catalog.count))?;
    let c0 = map_blocks(
        &catalog.blocks,
        &seeds,
        response.c1_blocks_mut(),
        |run: Vec<BlockJob<'_>>| {
            if !private {
                return run
                    .into_iter()
                    .map(|((block, _), c1_out)| eval::open_block(catalog, &prepared, block, c1_out))
                    .collect();
            }
            // One set of scratch buffers for the whole run, wiped once at its end.
            eval::with_scratch(|scratch| {
                run.into_iter()
                    .map(|((block, seed), c1_out)| {
                        let mut rng = BlockRng::from_seed(*seed);
                        eval::private_block(catalog, &prepared, block, &mut rng, c1_out, scratch)
                    })
                    .collect()
            })
        },
    )?;
    response.finish(&c0.concat())
}

/// One block to evaluate: the block, the seed of its secrets and its slice of the response.
type BlockJob<'a> = ((&'a Block, &'a Seed), &'a mut [u8]);

/// Evaluates every block into its slice of the response, `f` taking a run of consecutive
/// blocks at a time: one run on the caller's thread, or, when the `parallel` feature is on (not
/// on wasm32), the pool has more than one thread and there is more than one block, one run per
/// pool thread in parallel. Returns the `c0'` values in block order.
fn map_blocks<'a, F>(
    blocks: &'a [Block],
    seeds: &'a [Seed],
    c1_out: core::slice::ChunksExactMut<'a, u8>,
    f: F,
) -> Result<Vec<Vec<u64>>>
where
    F: Fn(Vec<BlockJob<'a>>) -> Result<Vec<Vec<u64>>> + Sync + Send,
{
    let jobs: Vec<BlockJob<'a>> = blocks.iter().zip(seeds).zip(c1_out).collect();
    // One thread in the pool: evaluate on the caller's thread, without handing the work over
    // (and waking a worker) per request.
    #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
    if jobs.len() > 1 && rayon::current_num_threads() > 1 {
        use rayon::prelude::*;
        let per_run = jobs.len().div_ceil(rayon::current_num_threads());
        let mut runs: Vec<Vec<BlockJob<'a>>> = Vec::new();
        let mut rest = jobs.into_iter();
        loop {
            let run: Vec<BlockJob<'a>> = rest.by_ref().take(per_run).collect();
            if run.is_empty() {
                break;
            }
            runs.push(run);
        }
        let done = runs.into_par_iter().map(&f).collect::<Result<Vec<_>>>()?;
        return Ok(done.into_iter().flatten().collect());
    }
    f(jobs)
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
