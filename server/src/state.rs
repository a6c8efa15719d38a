//! The server's configuration and the state every handler reads, built once at start-up.
//!
//! Start-up encodes the catalog once per enabled preset (weight polynomials in NTT form), so a
//! request only costs its own evaluation; it serializes the public params document once, and
//! sizes the body limit from the largest enabled preset's request.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderValue;
use scoring::api::{ParamsDocument, format_fingerprint};
use scoring::{Catalog, EncodedCatalog, Preset, ScoreRequest};

use crate::pool::EvalPool;
use crate::rate_limit::{RateLimit, RateLimiter};

/// What an operator chooses (the command line's flags).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Folder with the built web app (`trunk build --release` writes `dist/`).
    pub static_dir: PathBuf,
    /// Presets accepted, in display order (empty means all).
    pub presets: Vec<Preset>,
    /// Threads of the evaluation pool.
    pub threads: usize,
    /// Evaluations admitted at once (queued or running); more are refused with 503.
    pub max_in_flight: usize,
    /// Time limit of a request, from its arrival to its response.
    pub request_timeout: Duration,
    /// Per-client limit on score requests; `None` turns it off.
    pub rate_limit: Option<RateLimit>,
    /// Take the client address for the rate limit from the last `X-Forwarded-For` entry (set
    /// only behind a reverse proxy that appends it).
    pub trust_forwarded_for: bool,
    /// Origins allowed to call the API from a page on another origin (CORS); empty: none.
    pub cors_origins: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            static_dir: PathBuf::from("dist"),
            presets: Vec::new(),
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            max_in_flight: 256,
            request_timeout: Duration::from_secs(30),
            rate_limit: None,
            trust_forwarded_for: false,
            cors_origins: Vec::new(),
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// The catalog or a preset is invalid.
    #[error(transparent)]
    Scoring(#[from] scoring::Error),
    /// The evaluation threads could not be started.
    #[error("cannot start {threads} evaluation threads: {reason}")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// The system's explanation.
        reason: String,
    },
    /// A CORS origin is not a valid header value.
    #[error("invalid CORS origin `{origin}`: expected scheme://host[:port]")]
    InvalidCorsOrigin {
        /// The origin given.
        origin: String,
    },
    /// The params document could not be serialized.
    #[error("cannot serialize the params document: {reason}")]
    Document {
        /// The serializer's explanation.
        reason: String,
    },
}

/// The catalog encoded for one preset.
#[derive(Debug)]
pub struct ServedPreset {
    /// The preset.
    pub preset: Preset,
    /// The catalog, encoded for it.
    pub catalog: Arc<EncodedCatalog>,
}

/// Counters of score requests (for logs, health and tests).
#[derive(Debug, Default)]
pub struct Metrics {
    received: AtomicU64,
    scored: AtomicU64,
}

impl Metrics {
    /// Score requests that reached the handler.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Score requests answered with scores.
    pub fn scored(&self) -> u64 {
        self.scored.load(Ordering::Relaxed)
    }

    pub(crate) fn count_received(&self) {
        self.received.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_scored(&self) {
        self.scored.fetch_add(1, Ordering::Relaxed);
    }
}

/// What every request handler may read; cheap to clone (shared behind `Arc`).
#[derive(Debug, Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) document: ParamsDocument,
    pub(crate) document_json: Bytes,
    pub(crate) presets: Vec<ServedPreset>,
    pub(crate) fingerprint: String,
    pub(crate) products: usize,
    pub(crate) body_limit: usize,
    pub(crate) pool: EvalPool,
    pub(crate) rate_limiter: Option<RateLimiter>,
    pub(crate) cors_origins: Vec<HeaderValue>,
    pub(crate) metrics: Metrics,
    pub(crate) config: ServerConfig,
}

impl AppState {
    /// Encodes `catalog` for every enabled preset and sets up the pool and limits.
    ///
    /// # Errors
    /// [`StartupError`] naming what is wrong.
    pub fn new(catalog: &Catalog, config: ServerConfig) -> Result<Self, StartupError> {
        let enabled: Vec<Preset> = if config.presets.is_empty() {
            Preset::ALL.to_vec()
        } else {
            let mut unique = Vec::new();
            for p in &config.presets {
                if !unique.contains(p) {
                    unique.push(*p);
                }
            }
            unique
        };
        let params = enabled
            .iter()
            .map(|p| p.params())
            .collect::<Result<Vec<_>, _>>()?;
        let default_preset = if enabled.contains(&Preset::default()) {
            Preset::default()
        } else {
            enabled.first().copied().unwrap_or_default()
        };
        let document = ParamsDocument::new(catalog, &params, default_preset)?;
        let document_json = serde_json::to_vec(&document).map_err(|e| StartupError::Document {
            reason: e.to_string(),
        })?;
        let mut body_limit = 0;
        let mut presets = Vec::with_capacity(params.len());
        for p in params {
            body_limit = body_limit.max(ScoreRequest::encoded_len(&p)?);
            presets.push(ServedPreset {
                preset: p.preset(),
                catalog: Arc::new(EncodedCatalog::new(catalog, p)?),
            });
        }
        let pool = EvalPool::new(config.threads, config.max_in_flight).map_err(|e| {
            StartupError::ThreadPool {
                threads: config.threads,
                reason: e.to_string(),
            }
        })?;
        let cors_origins = config
            .cors_origins
            .iter()
            .map(|origin| {
                let trimmed = origin.trim_end_matches('/');
                if trimmed.contains("://") {
                    HeaderValue::from_str(trimmed).ok()
                } else {
                    None
                }
                .ok_or_else(|| StartupError::InvalidCorsOrigin {
                    origin: origin.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            inner: Arc::new(Inner {
                fingerprint: format_fingerprint(catalog.fingerprint()),
                products: catalog.len(),
                document,
                document_json: Bytes::from(document_json),
                presets,
                body_limit,
                pool,
                rate_limiter: config.rate_limit.map(RateLimiter::new),
                cors_origins,
                metrics: Metrics::default(),
                config,
            }),
        })
    }

    /// The public params document served at `GET /api/v1/params`.
    pub fn document(&self) -> &ParamsDocument {
        &self.inner.document
    }

    /// Largest request body accepted: the largest enabled preset's request, in bytes.
    pub fn body_limit(&self) -> usize {
        self.inner.body_limit
    }

    /// The presets served, in display order.
    pub fn presets(&self) -> impl Iterator<Item = Preset> + '_ {
        self.inner.presets.iter().map(|p| p.preset)
    }

    /// The evaluation pool.
    pub fn pool(&self) -> &EvalPool {
        &self.inner.pool
    }

    /// Score request counters.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The configuration the state was built from.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The encoded catalog of `preset`, if served.
    pub(crate) fn served(&self, preset: Preset) -> Option<&Arc<EncodedCatalog>> {
        self.inner
            .presets
            .iter()
            .find(|p| p.preset == preset)
            .map(|p| &p.catalog)
    }

    /// Names of the presets served, comma-separated.
    pub(crate) fn served_names(&self) -> String {
        self.presets()
            .map(Preset::name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
