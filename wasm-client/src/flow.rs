//! The steps of one run, each timed, on real keys and bytes: key generation, encryption,
//! reading the answer, decryption with the recommendation, and the attacker's checks.
//!
//! Everything here is plain Rust over the `scoring` crate (no DOM), so the whole flow runs in
//! native tests against the server's own evaluation code. The page calls these functions and
//! renders what they return.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use scoring::api::ProductInfo;
use scoring::inspect::explain::{Ranked, Validation, headline, rank_and_explain, validate};
use scoring::inspect::lattice::{self, LatticeEstimate};
use scoring::inspect::layout::{RequestSizes, WireField, request_fields, response_fields};
use scoring::inspect::stats::{ByteHistogram, ChiSquare};
use scoring::protocol::ScoreResponse;
use scoring::{
    Catalog, ClientSession, Preset, PresetParams, ProductScore, PublicProduct, SkinProfile,
};

use crate::api::{ServerReply, TimingMetric, timing_of};
use crate::clock::timed;
use crate::error::UiError;
use crate::local::LocalReply;

thread_local! {
    /// Checked parameters per preset (NTT tables: built once, shared by every session), with
    /// the milliseconds building them took.
    static PARAMS: RefCell<Vec<(Preset, Arc<PresetParams>, f64)>> = const { RefCell::new(Vec::new()) };
    /// The public demo catalog, parsed once.
    static DEMO: RefCell<Option<Rc<Catalog>>> = const { RefCell::new(None) };
}

/// The checked parameters of `preset` and the milliseconds their one-time setup took.
///
/// # Errors
/// [`UiError::Protocol`] if the library refuses the preset (it never does for the built-in ones).
pub fn preset_params(preset: Preset) -> Result<(Arc<PresetParams>, f64), UiError> {
    if let Some(found) = PARAMS.with_borrow(|cache| {
        cache
            .iter()
            .find(|(p, _, _)| *p == preset)
            .map(|(_, params, ms)| (Arc::clone(params), *ms))
    }) {
        return Ok(found);
    }
    let (params, ms) = timed(|| preset.params());
    let params = params.map_err(|e| UiError::protocol("parameter setup", &e))?;
    PARAMS.with_borrow_mut(|cache| cache.push((preset, Arc::clone(&params), ms)));
    Ok((params, ms))
}

/// The bundled demo catalog (public: its weights ship with the page for the validation table).
///
/// # Errors
/// [`UiError::Protocol`] if the embedded file were invalid (the scoring tests check it is not).
pub fn demo_catalog() -> Result<Rc<Catalog>, UiError> {
    if let Some(found) = DEMO.with_borrow(Clone::clone) {
        return Ok(found);
    }
    let catalog = Rc::new(Catalog::demo().map_err(|e| UiError::protocol("demo catalog", &e))?);
    DEMO.with_borrow_mut(|slot| *slot = Some(Rc::clone(&catalog)));
    Ok(catalog)
}

/// The public facts of the products a service describes, as the explanation needs them.
pub fn public_products(products: &[ProductInfo]) -> Vec<PublicProduct> {
    products
        .iter()
        .map(|p| PublicProduct {
            id: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            targets: p.targets.clone(),
        })
        .collect()
}

/// The demo catalog, if the service's product list is exactly the demo catalog's.
pub fn matching_demo_catalog(products: &[ProductInfo]) -> Option<Rc<Catalog>> {
    let demo = demo_catalog().ok()?;
    let same = demo.len() == products.len()
        && demo
            .products()
            .iter()
            .zip(products)
            .all(|(d, p)| d.id() == p.id);
    same.then_some(demo)
}

/// A key pair of one preset, held by the page only.
///
/// # Security
/// The secret key lives inside the [`ClientSession`], behind this `Rc`: dropping the last `Rc`
/// zeroizes it (`ckks::keys::SecretKey` is `ZeroizeOnDrop`). It is never serialized, sent or
/// printed (`Debug` is redacted by the library).
#[derive(Debug, Clone)]
pub struct Keys {
    /// The preset.
    pub preset: Preset,
    /// The session holding the secret key and the compressed public key.
    pub session: Rc<ClientSession>,
    /// Milliseconds of key generation (secret key, public key, compression).
    pub keygen_ms: f64,
    /// Milliseconds of the preset's one-time parameter setup (NTT tables).
    pub setup_ms: f64,
}

impl PartialEq for Keys {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.session, &other.session) && self.keygen_ms == other.keygen_ms
    }
}

/// Generates a key pair for `preset` from the browser's CSPRNG.
///
/// # Errors
/// [`UiError::Protocol`] if the system has no randomness or the library refuses the preset.
pub fn generate_keys(preset: Preset) -> Result<Keys, UiError> {
    let (params, setup_ms) = preset_params(preset)?;
    let step = "key generation";
    let (session, keygen_ms) = timed(|| -> scoring::Result<ClientSession> {
        let mut rng = ckks::sampling::os_rng()?;
        ClientSession::new(params, &mut rng)
    });
    Ok(Keys {
        preset,
        session: Rc::new(session.map_err(|e| UiError::protocol(step, &e))?),
        keygen_ms,
        setup_ms,
    })
}

/// An encrypted profile: the exact bytes that leave the device.
#[derive(Debug, Clone, PartialEq)]
pub struct Encrypted {
    /// The preset of the keys that encrypted it.
    pub preset: Preset,
    /// The profile encrypted.
    pub profile: SkinProfile,
    /// The request bytes (the POST body).
    pub bytes: Vec<u8>,
    /// Every field of the request, covering every byte.
    pub fields: Vec<WireField>,
    /// Sizes of its parts.
    pub sizes: RequestSizes,
    /// Milliseconds of encryption (encoding, seeded encryption, packing).
    pub encrypt_ms: f64,
}

/// Encrypts `profile` under `keys`.
///
/// # Errors
/// [`UiError::Protocol`] if encryption fails (never for a valid profile).
pub fn encrypt(keys: &Keys, profile: SkinProfile) -> Result<Encrypted, UiError> {
    let step = "encryption";
    let (bytes, encrypt_ms) = timed(|| -> scoring::Result<Vec<u8>> {
        let mut rng = ckks::sampling::os_rng()?;
        keys.session.encrypt_profile(&profile, &mut rng)
    });
    let bytes = bytes.map_err(|e| UiError::protocol(step, &e))?;
    let fields =
        request_fields(keys.session.params(), &bytes).map_err(|e| UiError::protocol(step, &e))?;
    Ok(Encrypted {
        preset: keys.preset,
        profile,
        sizes: RequestSizes::of(&fields),
        fields,
        bytes,
        encrypt_ms,
    })
}

/// Who evaluated the scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluator {
    /// The scoring server, over HTTP.
    Server,
    /// The same evaluation code in a Web Worker of this page (no server reachable).
    Worker,
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// Who evaluated.
    pub evaluator: Evaluator,
    /// The response bytes.
    pub response: Vec<u8>,
    /// Every field of the response.
    pub fields: Vec<WireField>,
    /// From sending the request to the last byte of the answer, in milliseconds.
    pub round_trip_ms: f64,
    /// The evaluation time the evaluator reported (`Server-Timing: eval`), in milliseconds.
    pub eval_ms: Option<f64>,
    /// The server's whole handling time (`Server-Timing: total`: queue, evaluation, framing).
    pub server_total_ms: Option<f64>,
    /// The browser's network timing of the request (server only), in milliseconds.
    pub network_ms: Option<f64>,
    /// Every `Server-Timing` metric (empty for the worker).
    pub timing: Vec<TimingMetric>,
    /// The worker's one-time catalog encoding, in milliseconds.
    pub encode_ms: Option<f64>,
    /// Products scored (from the response header).
    pub products: usize,
    /// Products per result ciphertext (n / 8).
    pub per_ciphertext: usize,
}

impl Exchange {
    /// The time outside the evaluator: for the server, the browser's network timing minus the
    /// server's total (or the page's round trip minus the evaluation when either is missing);
    /// for the worker, the round trip minus the evaluation and the catalog encoding.
    pub fn transit_ms(&self) -> Option<f64> {
        let (outer, inner) = match (self.network_ms, self.server_total_ms) {
            (Some(network), Some(total)) => (network, Some(total)),
            _ => (
                self.round_trip_ms,
                self.eval_ms
                    .map(|eval| eval + self.encode_ms.unwrap_or(0.0)),
            ),
        };
        inner.map(|inside| (outer - inside).max(0.0))
    }
}

fn product_count(fields: &[WireField], response: &[u8]) -> usize {
    fields
        .iter()
        .find(|f| f.name == "count")
        .and_then(|f| response.get(f.offset..f.end()))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, |b| u32::from_le_bytes(b) as usize)
}

/// Reads the server's answer.
///
/// # Errors
/// [`UiError::Protocol`] if the bytes are not a response for the keys' preset.
pub fn server_exchange(keys: &Keys, reply: ServerReply) -> Result<Exchange, UiError> {
    let fields = response_fields(keys.session.params(), &reply.body)
        .map_err(|e| UiError::protocol("reading the response", &e))?;
    Ok(Exchange {
        evaluator: Evaluator::Server,
        products: product_count(&fields, &reply.body),
        eval_ms: timing_of(&reply.timing, "eval"),
        server_total_ms: timing_of(&reply.timing, "total"),
        network_ms: reply.network_ms,
        response: reply.body,
        fields,
        round_trip_ms: reply.round_trip_ms,
        timing: reply.timing,
        encode_ms: None,
        per_ciphertext: keys.session.params().products_per_ciphertext(),
    })
}

/// Reads the worker's answer.
///
/// # Errors
/// As [`server_exchange`].
pub fn worker_exchange(keys: &Keys, reply: LocalReply) -> Result<Exchange, UiError> {
    let fields = response_fields(keys.session.params(), &reply.body)
        .map_err(|e| UiError::protocol("reading the response", &e))?;
    Ok(Exchange {
        evaluator: Evaluator::Worker,
        products: reply.products,
        eval_ms: Some(reply.eval_ms),
        server_total_ms: None,
        network_ms: None,
        response: reply.body,
        fields,
        round_trip_ms: reply.round_trip_ms,
        timing: Vec::new(),
        encode_ms: reply.encode_ms,
        per_ciphertext: keys.session.params().products_per_ciphertext(),
    })
}

/// The decrypted scores and what the page makes of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The profile the scores are for.
    pub profile: SkinProfile,
    /// Scores in catalog order.
    pub scores: Vec<ProductScore>,
    /// Best first, each with its explanation.
    pub ranking: Vec<Ranked>,
    /// The best product and why.
    pub headline: Option<String>,
    /// FHE versus cleartext, when the catalog is the public demo catalog.
    pub validation: Option<Validation>,
    /// Milliseconds of decryption (decoding the response and decrypting every score).
    pub decrypt_ms: f64,
}

/// Decrypts an answer, ranks and explains the products, and validates against the demo catalog
/// when the service's catalog is that one.
///
/// # Errors
/// [`UiError::Protocol`] if the response does not decrypt for these keys and products.
pub fn decrypt(
    keys: &Keys,
    encrypted: &Encrypted,
    exchange: &Exchange,
    products: &[ProductInfo],
) -> Result<Outcome, UiError> {
    let step = "decryption";
    let (scores, decrypt_ms) = timed(|| {
        keys.session
            .decrypt_scores(&exchange.response, products.iter().map(|p| p.id.as_str()))
    });
    let scores = scores.map_err(|e| UiError::protocol(step, &e))?;
    let profile = encrypted.profile;
    let ranking = rank_and_explain(&scores, &public_products(products), &profile)
        .map_err(|e| UiError::protocol("ranking", &e))?;
    let validation = match matching_demo_catalog(products) {
        Some(demo) => {
            let bound = keys.session.params().error_bound(demo.len());
            Some(
                validate(&scores, &demo, &profile, bound)
                    .map_err(|e| UiError::protocol("validation", &e))?,
            )
        }
        None => None,
    };
    Ok(Outcome {
        profile,
        headline: headline(&ranking),
        scores,
        ranking,
        validation,
        decrypt_ms,
    })
}

/// The captured bytes through an attacker's tools.
#[derive(Debug, Clone, PartialEq)]
pub struct Attack {
    /// Byte histogram of the request.
    pub request_histogram: ByteHistogram,
    /// Its chi-square test against uniform bytes.
    pub request_test: Option<ChiSquare>,
    /// Byte histogram of the response.
    pub response_histogram: ByteHistogram,
    /// Its chi-square test against uniform bytes.
    pub response_test: Option<ChiSquare>,
    /// What a freshly generated, wrong key decrypts the response to, in product order.
    pub wrong_key_scores: Vec<f64>,
    /// Milliseconds of the wrong key's generation and decryption.
    pub wrong_key_ms: f64,
    /// A wrong key's values are uniform in +-this: q_0 / (2 Delta'), the whole output range.
    pub wrong_key_range: f64,
    /// The primal lattice attack's cost for the preset.
    pub lattice: Option<LatticeEstimate>,
    /// Milliseconds of all checks together.
    pub total_ms: f64,
}

/// Runs the attacker's checks on the captured request and response.
///
/// # Errors
/// [`UiError::Protocol`] if the response does not decode or the wrong key cannot be generated.
pub fn attack(keys: &Keys, request: &[u8], response: &[u8]) -> Result<Attack, UiError> {
    let step = "the wrong-key decryption";
    let params = keys.session.params();
    let (result, total_ms) = timed(|| -> Result<Attack, UiError> {
        let request_histogram = ByteHistogram::of(request);
        let response_histogram = ByteHistogram::of(response);
        let (wrong, wrong_key_ms) = timed(|| -> scoring::Result<Vec<f64>> {
            let mut rng = ckks::sampling::os_rng()?;
            let stranger = ClientSession::new(Arc::clone(params), &mut rng)?;
            let decoded = ScoreResponse::decode(params, response)?;
            Ok(stranger.decrypt_values(&decoded)?.to_vec())
        });
        Ok(Attack {
            request_test: request_histogram.chi_square(),
            request_histogram,
            response_test: response_histogram.chi_square(),
            response_histogram,
            wrong_key_scores: wrong.map_err(|e| UiError::protocol(step, &e))?,
            wrong_key_ms,
            wrong_key_range: params.output_modulus() as f64 / (2.0 * params.output_scale()),
            lattice: lattice::for_preset(params),
            total_ms: 0.0,
        })
    });
    result.map(|a| Attack { total_ms, ..a })
}

/// Median, minimum and maximum of repeated timings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The median (mean of the two middle values for an even count).
    pub median: f64,
    /// The fastest.
    pub min: f64,
    /// The slowest.
    pub max: f64,
    /// Number of timings.
    pub runs: usize,
}

impl Spread {
    /// The spread of `samples` (`None` if empty or not all finite).
    pub fn of(samples: &[f64]) -> Option<Self> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        let median = if !sorted.len().is_multiple_of(2) {
            sorted.get(mid).copied()?
        } else {
            (sorted.get(mid - 1).copied()? + sorted.get(mid).copied()?) / 2.0
        };
        Some(Self {
            median,
            min: sorted.first().copied()?,
            max: sorted.last().copied()?,
            runs: sorted.len(),
        })
    }
}

/// Repeated timings of the three client steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Benchmark {
    /// Key generation.
    pub keygen: Spread,
    /// Encryption.
    pub encrypt: Spread,
    /// Decryption of the current response.
    pub decrypt: Spread,
    /// The sum of the three medians.
    pub total_median: f64,
}

impl Benchmark {
    /// The benchmark of per-run timings (keygen, encrypt, decrypt), `None` if any list is empty.
    pub fn of(keygen: &[f64], encrypt: &[f64], decrypt: &[f64]) -> Option<Self> {
        let keygen = Spread::of(keygen)?;
        let encrypt = Spread::of(encrypt)?;
        let decrypt = Spread::of(decrypt)?;
        Some(Self {
            total_median: keygen.median + encrypt.median + decrypt.median,
            keygen,
            encrypt,
            decrypt,
        })
    }
}

/// Decryptions timed together in one benchmark sample: browsers round `performance.now()` to
/// 0.1 ms (5 us when the page is cross-origin isolated), coarser than one decryption.
pub const DECRYPTIONS_PER_SAMPLE: u32 = 10;

/// One timed round of the three client steps: fresh keys, an encryption of `profile`, and
/// [`DECRYPTIONS_PER_SAMPLE`] decryptions of `response` with the page's own keys (the fresh ones
/// cannot decrypt it), averaged. Returns [keygen, encrypt, decrypt] in ms.
///
/// # Errors
/// As [`generate_keys`], [`encrypt`] and [`ClientSession::decrypt_scores`].
pub fn benchmark_round(
    keys: &Keys,
    profile: SkinProfile,
    response: &[u8],
    products: &[ProductInfo],
) -> Result<[f64; 3], UiError> {
    let fresh = generate_keys(keys.preset)?;
    let keygen_ms = fresh.keygen_ms;
    let encrypted = encrypt(&fresh, profile)?;
    // The fresh secret key is wiped here; the response was made for the page's own keys.
    drop(fresh);
    let (scores, decrypt_ms) = timed(|| {
        (0..DECRYPTIONS_PER_SAMPLE)
            .map(|_| {
                keys.session
                    .decrypt_scores(response, products.iter().map(|p| p.id.as_str()))
                    .map(|s| s.len())
            })
            .sum::<scoring::Result<usize>>()
    });
    scores.map_err(|e| UiError::protocol("decryption", &e))?;
    Ok([
        keygen_ms,
        encrypted.encrypt_ms,
        decrypt_ms / f64::from(DECRYPTIONS_PER_SAMPLE),
    ])
}

/// Most warm-up rounds.
pub const WARM_UP_MAX_ROUNDS: u32 = 8;
/// Fewest warm-up rounds.
pub const WARM_UP_MIN_ROUNDS: u32 = 3;

/// Decides when the warm-up is over: after [`WARM_UP_MIN_ROUNDS`] rounds once a round's key
/// generation is within 25% of the fastest so far (the engine's optimized code is in use), and
/// after [`WARM_UP_MAX_ROUNDS`] rounds in any case.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WarmUp {
    /// Rounds run.
    pub rounds: u32,
    /// The fastest round's key generation, in ms.
    pub fastest_ms: f64,
    /// All rounds together, in ms.
    pub total_ms: f64,
}

impl WarmUp {
    /// Records a round (its key generation and its total time); true when the warm-up is over.
    pub fn record(&mut self, keygen_ms: f64, round_ms: f64) -> bool {
        self.fastest_ms = if self.rounds == 0 {
            keygen_ms
        } else {
            self.fastest_ms.min(keygen_ms)
        };
        self.rounds += 1;
        self.total_ms += round_ms;
        self.rounds >= WARM_UP_MAX_ROUNDS
            || (self.rounds >= WARM_UP_MIN_ROUNDS && keygen_ms <= 1.25 * self.fastest_ms)
    }
}

thread_local! {
    /// Whether the warm-up ran in this page.
    static WARMED: RefCell<bool> = const { RefCell::new(false) };
}

/// Whether the warm-up is still to run in this page.
pub fn needs_warm_up() -> bool {
    !WARMED.with_borrow(|w| *w)
}

/// Marks the warm-up done.
pub fn warm_up_done() {
    WARMED.with_borrow_mut(|w| *w = true);
}

/// One warm-up round: each client step once, untimed by the page, so that the timed steps
/// measure the protocol rather than the browser compiling WebAssembly (engines compile a
/// function on its first call with a fast baseline compiler and optimize it once it is hot,
/// in the background). Returns (key generation ms, round ms).
///
/// # Errors
/// As [`generate_keys`] and [`encrypt`]; a decoding error for the synthetic answer.
pub fn warm_up_round(preset: Preset, products: usize) -> Result<(f64, f64), UiError> {
    let step = "warm-up";
    let (result, round_ms) = timed(|| -> Result<f64, UiError> {
        let keys = generate_keys(preset)?;
        let _ = encrypt(&keys, SkinProfile::reference())?;
        // An all-zero answer of the right shape: decoding and decryption run in full.
        let params = keys.session.params();
        let count = products.clamp(1, scoring::catalog::MAX_PRODUCTS);
        let blocks = ScoreResponse::blocks(params, count);
        let zero = ScoreResponse {
            mode: scoring::ResponseMode::Private,
            fingerprint: 0,
            count,
            c1: vec![0; params.n() * blocks],
            c0: vec![0; count],
        }
        .encode(params)
        .map_err(|e| UiError::protocol(step, &e))?;
        let decoded =
            ScoreResponse::decode(params, &zero).map_err(|e| UiError::protocol(step, &e))?;
        keys.session
            .decrypt_values(&decoded)
            .map_err(|e| UiError::protocol(step, &e))?;
        Ok(keys.keygen_ms)
    });
    Ok((result?, round_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scoring::api::params_document;

    fn run(preset: Preset, profile: SkinProfile) -> (Keys, Encrypted, Exchange, Outcome) {
        let doc = params_document().unwrap();
        let keys = generate_keys(preset).unwrap();
        let encrypted = encrypt(&keys, profile).unwrap();
        let local = match crate::local::score_locally(&encrypted.bytes) {
            crate::local::LocalScoreOutput::Scored {
                response,
                eval_ms,
                encode_ms,
                products,
            } => LocalReply {
                body: response,
                round_trip_ms: eval_ms,
                eval_ms,
                encode_ms,
                products,
            },
            crate::local::LocalScoreOutput::Failed { reason } => panic!("{reason}"),
        };
        let exchange = worker_exchange(&keys, local).unwrap();
        let outcome = decrypt(&keys, &encrypted, &exchange, &doc.products).unwrap();
        (keys, encrypted, exchange, outcome)
    }

    #[test]
    fn the_whole_flow_matches_the_cleartext_model_for_every_preset() {
        for preset in Preset::ALL {
            let (keys, encrypted, exchange, outcome) = run(preset, SkinProfile::reference());
            assert_eq!(encrypted.bytes.len(), encrypted.sizes.total);
            assert_eq!(
                encrypted.fields.last().unwrap().end(),
                encrypted.bytes.len()
            );
            assert_eq!(exchange.products, 5);
            let validation = outcome.validation.as_ref().unwrap();
            assert!(validation.within_bound(), "{preset}: {validation:?}");
            assert_eq!(validation.bound, keys.session.params().error_bound(5));
            assert_eq!(outcome.ranking[0].product.id, "sensitive-soothing-lotion");
            assert_eq!(
                outcome.headline.as_deref(),
                Some(
                    "high sensitivity (0.65) and moderate redness (0.48): Sensitive Soothing Lotion"
                )
            );
        }
    }

    #[test]
    fn the_ranking_follows_the_profile() {
        let dry = SkinProfile::new([0.0, 0.0, 0.1, 0.0, 1.0, 0.0, 0.0, 0.0]).unwrap();
        let (_, _, _, outcome) = run(Preset::Compact, dry);
        let demo = demo_catalog().unwrap();
        let clear = demo.cleartext_scores(&dry);
        let best = demo
            .products()
            .iter()
            .zip(&clear)
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0
            .id();
        assert_eq!(outcome.ranking[0].product.id, best);
        assert_eq!(best, "quotidien-hydrating-serum");
    }

    #[test]
    fn a_wrong_key_decrypts_to_garbage_and_the_bytes_look_uniform() {
        let (keys, encrypted, exchange, outcome) = run(Preset::Exact, SkinProfile::reference());
        let attack = attack(&keys, &encrypted.bytes, &exchange.response).unwrap();
        assert_eq!(attack.wrong_key_scores.len(), 5);
        // Decrypting with the wrong key gives a value uniform over the whole range of the output
        // modulus, +-q_0 / (2 Delta'), which is about the range of valid scores: it looks like
        // a score and says nothing. Landing within 1e-6 of the true score has probability
        // about 1e-7 per product; the true decryption is within 1e-10.
        let range = attack.wrong_key_range;
        assert!(range > 9.0 && range < 20.0, "{range}");
        for (w, s) in attack.wrong_key_scores.iter().zip(&outcome.scores) {
            assert!(w.abs() <= range, "{w} outside +-{range}");
            assert!((w - s.score).abs() > 1e-6, "{w} vs {}", s.score);
        }
        assert!(attack.request_test.unwrap().p_value > 1e-6);
        assert_eq!(
            attack.request_histogram.total(),
            encrypted.bytes.len() as u64
        );
        assert!(attack.lattice.unwrap().bits >= 128.0);
    }

    #[test]
    fn products_that_are_not_the_demo_catalog_have_no_validation() {
        let mut doc = params_document().unwrap();
        assert!(matching_demo_catalog(&doc.products).is_some());
        doc.products.swap(0, 1);
        assert!(matching_demo_catalog(&doc.products).is_none());
        doc.products.pop();
        assert!(matching_demo_catalog(&doc.products).is_none());
    }

    #[test]
    fn decryption_refuses_another_catalogs_products() {
        let (keys, encrypted, exchange, _) = run(Preset::Compact, SkinProfile::reference());
        let mut products = params_document().unwrap().products;
        products.pop();
        assert!(matches!(
            decrypt(&keys, &encrypted, &exchange, &products),
            Err(UiError::Protocol {
                step: "decryption",
                ..
            })
        ));
    }

    #[test]
    fn a_benchmark_round_times_all_three_steps() {
        let (keys, encrypted, exchange, _) = run(Preset::Exact, SkinProfile::reference());
        let products = params_document().unwrap().products;
        let times =
            benchmark_round(&keys, encrypted.profile, &exchange.response, &products).unwrap();
        assert!(
            times.iter().all(|t| t.is_finite() && *t >= 0.0),
            "{times:?}"
        );
        assert!(benchmark_round(&keys, encrypted.profile, &[0u8; 3], &products).is_err());
    }

    #[test]
    fn warm_up_rounds_run_and_stop_when_key_generation_settles() {
        let (keygen, round) = warm_up_round(Preset::Compact, 5).unwrap();
        assert!(keygen > 0.0 && round >= keygen);
        let mut w = WarmUp::default();
        assert!(!w.record(30.0, 40.0));
        assert!(!w.record(5.0, 8.0));
        // Third round, 2.0 is the fastest: settled.
        assert!(w.record(2.0, 3.0));
        assert_eq!((w.rounds, w.fastest_ms, w.total_ms), (3, 2.0, 51.0));
        let mut slow = WarmUp::default();
        for _ in 0..WARM_UP_MAX_ROUNDS - 1 {
            // Ever slower rounds never settle.
            assert!(!slow.record(10.0 * f64::from(slow.rounds + 1), 1.0));
        }
        assert!(slow.record(1.0, 1.0), "stops at the maximum");
        assert!(needs_warm_up());
        warm_up_done();
        assert!(!needs_warm_up());
    }

    #[test]
    fn transit_is_the_round_trip_outside_the_evaluator() {
        let (_, _, exchange, _) = run(Preset::Compact, SkinProfile::reference());
        let worker = Exchange {
            round_trip_ms: 5.0,
            eval_ms: Some(1.5),
            encode_ms: None,
            ..exchange.clone()
        };
        assert_eq!(worker.transit_ms(), Some(3.5));
        let first = Exchange {
            encode_ms: Some(1.0),
            ..worker.clone()
        };
        assert_eq!(first.transit_ms(), Some(2.5));
        // The server: the browser's network timing minus the server's total.
        let server = Exchange {
            server_total_ms: Some(2.0),
            network_ms: Some(4.5),
            ..worker.clone()
        };
        assert_eq!(server.transit_ms(), Some(2.5));
        let no_network_timing = Exchange {
            network_ms: None,
            ..server.clone()
        };
        assert_eq!(no_network_timing.transit_ms(), Some(3.5));
        let silent = Exchange {
            eval_ms: None,
            server_total_ms: None,
            network_ms: None,
            ..worker
        };
        assert_eq!(silent.transit_ms(), None);
    }

    #[test]
    fn spreads_take_the_median() {
        let s = Spread::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.runs), (2.0, 1.0, 3.0, 3));
        assert_eq!(Spread::of(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[1.0, f64::NAN]), None);
        let b = Benchmark::of(&[1.0], &[2.0, 4.0], &[0.5]).unwrap();
        assert_eq!(b.total_median, 4.5);
    }
}
