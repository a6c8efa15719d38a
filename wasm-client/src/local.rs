//! The static demo's scoring server: the same `scoring::score` the server runs, on the bundled
//! demo catalog, in a Web Worker (so the page never freezes while it evaluates).
//!
//! The worker is the `scoring-worker` binary of this crate (trunk builds it from
//! `<link data-trunk rel="rust" data-type="worker" data-bin="scoring-worker">` into
//! `scoring-worker.js` and `scoring-worker_bg.wasm`); the page talks to it through a yew-agent
//! oneshot bridge, spawned the first time it is needed, so a page served with its API never loads
//! it. Messages are bincode: the request bytes in, the response bytes and timings out.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use scoring::{Catalog, EncodedCatalog, Preset};
use serde::{Deserialize, Serialize};
use yew_agent::oneshot::{Oneshot, OneshotBridge, OneshotRegistrar, OneshotSpawner};
use yew_agent::{Registrable, Spawnable};

use crate::clock::{now_ms, timed};
use crate::error::UiError;

/// Address of the worker's script, relative to the page.
pub const WORKER_URL: &str = "scoring-worker.js";
/// How long the page waits for the worker (loading it included) before giving up.
pub const WORKER_TIMEOUT_SECONDS: u32 = 60;

/// What the page sends the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalScoreInput {
    /// The request bytes, exactly as they would be posted to `/api/v1/score`.
    pub request: Vec<u8>,
}

/// What the worker answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LocalScoreOutput {
    /// The response bytes and what they cost.
    Scored {
        /// The response bytes.
        response: Vec<u8>,
        /// Milliseconds spent in `scoring::score` (what the server reports as `eval`).
        eval_ms: f64,
        /// Milliseconds spent encoding the catalog for the preset, on the first request only.
        encode_ms: Option<f64>,
        /// Number of products in the catalog.
        products: usize,
    },
    /// The request was refused (the message of the scoring error).
    Failed {
        /// Why.
        reason: String,
    },
}

thread_local! {
    /// The demo catalog encoded once per preset, kept for the life of the worker.
    static ENCODED: RefCell<Vec<(Preset, Rc<EncodedCatalog>)>> = const { RefCell::new(Vec::new()) };
}

/// The demo catalog encoded for `preset`, and the milliseconds encoding took if it was not
/// cached yet.
fn encoded_catalog(preset: Preset) -> scoring::Result<(Rc<EncodedCatalog>, Option<f64>)> {
    if let Some(found) = ENCODED.with_borrow(|cache| {
        cache
            .iter()
            .find(|(p, _)| *p == preset)
            .map(|(_, c)| Rc::clone(c))
    }) {
        return Ok((found, None));
    }
    let (encoded, ms) = timed(|| -> scoring::Result<EncodedCatalog> {
        EncodedCatalog::new(&Catalog::demo()?, preset.params()?)
    });
    let encoded = Rc::new(encoded?);
    ENCODED.with_borrow_mut(|cache| cache.push((preset, Rc::clone(&encoded))));
    Ok((encoded, Some(ms)))
}

/// Scores request bytes on the demo catalog, as the server would (model privacy on).
pub fn score_locally(request: &[u8]) -> LocalScoreOutput {
    let result = scoring::protocol::message_preset(request)
        .and_then(encoded_catalog)
        .and_then(|(catalog, encode_ms)| {
            let (response, eval_ms) = timed(|| scoring::score(&catalog, request));
            Ok(LocalScoreOutput::Scored {
                response: response?,
                eval_ms,
                encode_ms,
                products: catalog.len(),
            })
        });
    result.unwrap_or_else(|error| LocalScoreOutput::Failed {
        reason: error.to_string(),
    })
}

/// The worker's task: one request in, one answer out.
pub struct LocalScore {
    inner: Pin<Box<dyn Future<Output = LocalScoreOutput>>>,
}

impl Oneshot for LocalScore {
    type Input = LocalScoreInput;

    fn create(input: LocalScoreInput) -> Self {
        Self {
            inner: Box::pin(async move { score_locally(&input.request) }),
        }
    }
}

impl Future for LocalScore {
    type Output = LocalScoreOutput;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl Registrable for LocalScore {
    type Registrar = OneshotRegistrar<Self>;

    fn registrar() -> Self::Registrar {
        OneshotRegistrar::new()
    }
}

impl Spawnable for LocalScore {
    type Spawner = OneshotSpawner<Self>;

    fn spawner() -> Self::Spawner {
        OneshotSpawner::new()
    }
}

/// Registers the task in the worker (the `scoring-worker` binary's `main`).
pub fn register_worker() {
    LocalScore::registrar().register();
}

/// What the page gets back from the worker.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalReply {
    /// The response bytes.
    pub body: Vec<u8>,
    /// From posting the message to receiving the answer, in milliseconds.
    pub round_trip_ms: f64,
    /// Milliseconds of `scoring::score` inside the worker.
    pub eval_ms: f64,
    /// Milliseconds the worker spent encoding the catalog (first request of a preset).
    pub encode_ms: Option<f64>,
    /// Products in the catalog.
    pub products: usize,
}

thread_local! {
    /// The page's bridge to the worker, spawned on first use.
    static BRIDGE: RefCell<Option<OneshotBridge<LocalScore>>> = const { RefCell::new(None) };
}

/// A bridge of its own to the page's worker (spawning the worker the first time).
fn bridge() -> OneshotBridge<LocalScore> {
    BRIDGE.with_borrow_mut(|held| match held {
        Some(bridge) => bridge.fork(),
        None => {
            let bridge = LocalScore::spawner().as_module(false).spawn(WORKER_URL);
            let fork = bridge.fork();
            *held = Some(bridge);
            fork
        }
    })
}

/// Scores `request` in the worker.
///
/// # Errors
/// [`UiError::Worker`] if the scoring code refused the request; [`UiError::WorkerTimeout`] if
/// no answer came in [`WORKER_TIMEOUT_SECONDS`].
pub async fn score_in_worker(request: Vec<u8>) -> Result<LocalReply, UiError> {
    use futures::future::{Either, select};
    // The bridge cannot report a missing Worker constructor: check before spawning.
    if !js_sys::Reflect::has(&js_sys::global(), &"Worker".into()).unwrap_or(false) {
        return Err(UiError::Worker {
            reason: "this browser offers no Web Workers".to_owned(),
        });
    }
    let mut bridge = bridge();
    let start = now_ms();
    let run = Box::pin(bridge.run(LocalScoreInput { request }));
    let timeout = gloo_timers::future::TimeoutFuture::new(WORKER_TIMEOUT_SECONDS * 1000);
    let output = match select(run, timeout).await {
        Either::Left((output, _)) => output,
        Either::Right(_) => {
            return Err(UiError::WorkerTimeout {
                seconds: WORKER_TIMEOUT_SECONDS,
            });
        }
    };
    let round_trip_ms = now_ms() - start;
    match output {
        LocalScoreOutput::Scored {
            response,
            eval_ms,
            encode_ms,
            products,
        } => Ok(LocalReply {
            body: response,
            round_trip_ms,
            eval_ms,
            encode_ms,
            products,
        }),
        LocalScoreOutput::Failed { reason } => Err(UiError::Worker { reason }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use scoring::{ClientSession, SkinProfile};

    #[test]
    fn local_scoring_answers_like_the_server_and_caches_the_catalog() {
        let params = Preset::Compact.params().unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let session = ClientSession::new(params, &mut rng).unwrap();
        let profile = SkinProfile::reference();
        let request = session.encrypt_profile(&profile, &mut rng).unwrap();
        let catalog = Catalog::demo().unwrap();
        let ids: Vec<&str> = catalog.products().iter().map(|p| p.id()).collect();
        let expected = catalog.cleartext_scores(&profile);
        for round in 0..2 {
            let LocalScoreOutput::Scored {
                response,
                eval_ms,
                encode_ms,
                products,
            } = score_locally(&request)
            else {
                panic!("refused");
            };
            assert_eq!(products, 5);
            assert!(eval_ms >= 0.0);
            assert_eq!(encode_ms.is_some(), round == 0, "encoded once");
            let scores = session
                .decrypt_scores(&response, ids.iter().copied())
                .unwrap();
            let bound = Preset::Compact.params().unwrap().error_bound(5);
            for (s, c) in scores.iter().zip(&expected) {
                assert!((s.score - c).abs() <= bound, "{} vs {c}", s.score);
            }
        }
    }

    #[test]
    fn bad_requests_come_back_as_messages() {
        let LocalScoreOutput::Failed { reason } = score_locally(b"BMHE") else {
            panic!("accepted");
        };
        assert!(reason.contains("truncated"), "{reason}");
    }
}
