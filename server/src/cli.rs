//! The command line of `blind-mirror-server`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use scoring::{Catalog, Preset};

use crate::rate_limit::RateLimit;
use crate::state::ServerConfig;

/// Blind Mirror server: the encrypted-scoring API and the web app.
///
/// Prints `listening on http://ADDR/` on standard output once the socket is bound (with
/// `--bind 127.0.0.1:0` the system picks a free port and the line tells which). Logs go to
/// standard error; `RUST_LOG` sets their level (default `info`).
#[derive(Debug, Clone, Parser)]
#[command(name = "blind-mirror-server", version, about)]
pub struct Cli {
    /// Socket address to listen on.
    #[arg(long, env = "BLIND_MIRROR_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// Catalog file (`.toml` or `.json`); the demo catalog when absent.
    #[arg(long, env = "BLIND_MIRROR_CATALOG")]
    pub catalog: Option<PathBuf>,
    /// Serve the peers' synthetic benchmark catalog of this many products instead (load tests).
    #[arg(long, conflicts_with = "catalog", value_name = "PRODUCTS")]
    pub synthetic: Option<usize>,
    /// Serve only this preset (compact, exact or private-plus); all three when absent.
    #[arg(long, env = "BLIND_MIRROR_PRESET")]
    pub preset: Option<Preset>,
    /// Threads evaluating requests (default: the number of cores).
    #[arg(long, env = "BLIND_MIRROR_THREADS")]
    pub threads: Option<usize>,
    /// Evaluations admitted at once, queued or running; more are refused with 503.
    #[arg(long, env = "BLIND_MIRROR_MAX_IN_FLIGHT", default_value_t = 256)]
    pub max_in_flight: usize,
    /// Time limit of one request, in seconds (503 after it).
    #[arg(long, env = "BLIND_MIRROR_REQUEST_TIMEOUT", default_value_t = 30.0)]
    pub request_timeout: f64,
    /// Folder with the built web app (`trunk build --release` output).
    #[arg(long, env = "BLIND_MIRROR_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,
    /// Origin allowed to call the API from another site (CORS), e.g. `https://shop.example`;
    /// repeat for several. None by default (same origin only).
    #[arg(
        long = "cors-origin",
        env = "BLIND_MIRROR_CORS_ORIGIN",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Score requests per minute per client address (model-extraction defence); 0 turns the
    /// limit off.
    #[arg(long, env = "BLIND_MIRROR_RATE_LIMIT", default_value_t = 0)]
    pub rate_limit: u32,
    /// Score requests a client may make at once before the per-minute rate applies.
    #[arg(long, env = "BLIND_MIRROR_RATE_BURST", default_value_t = 10)]
    pub rate_burst: u32,
    /// Rate-limit by the last `X-Forwarded-For` address (only behind a proxy that sets it).
    #[arg(long, env = "BLIND_MIRROR_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Seconds to let requests in flight finish after SIGINT/SIGTERM.
    #[arg(long, env = "BLIND_MIRROR_SHUTDOWN_GRACE", default_value_t = 30.0)]
    pub shutdown_grace: f64,
}

/// Why the command line is unusable.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum CliError {
    /// A duration flag is negative, NaN or too large.
    #[error("--{flag} must be a number of seconds between 0.001 and 86400, not {value}")]
    InvalidDuration {
        /// The flag.
        flag: &'static str,
        /// The value given.
        value: f64,
    },
    /// A count flag is zero.
    #[error("--{flag} must be at least 1")]
    Zero {
        /// The flag.
        flag: &'static str,
    },
}

fn seconds(flag: &'static str, value: f64) -> Result<Duration, CliError> {
    if (0.001..=86_400.0).contains(&value) {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(CliError::InvalidDuration { flag, value })
    }
}

impl Cli {
    /// The server configuration these flags ask for.
    ///
    /// # Errors
    /// [`CliError`] for a zero count or an out-of-range duration.
    pub fn config(&self) -> Result<ServerConfig, CliError> {
        let defaults = ServerConfig::default();
        if self.threads == Some(0) {
            return Err(CliError::Zero { flag: "threads" });
        }
        if self.max_in_flight == 0 {
            return Err(CliError::Zero {
                flag: "max-in-flight",
            });
        }
        if self.rate_limit > 0 && self.rate_burst == 0 {
            return Err(CliError::Zero { flag: "rate-burst" });
        }
        Ok(ServerConfig {
            static_dir: self.static_dir.clone(),
            presets: self.preset.into_iter().collect(),
            threads: self.threads.unwrap_or(defaults.threads),
            max_in_flight: self.max_in_flight,
            request_timeout: seconds("request-timeout", self.request_timeout)?,
            rate_limit: (self.rate_limit > 0).then_some(RateLimit {
                per_minute: self.rate_limit,
                burst: self.rate_burst,
            }),
            trust_forwarded_for: self.trust_forwarded_for,
            cors_origins: self.cors_origins.clone(),
        })
    }

    /// The grace period after a shutdown signal.
    ///
    /// # Errors
    /// [`CliError::InvalidDuration`] for an out-of-range value.
    pub fn shutdown_grace(&self) -> Result<Duration, CliError> {
        seconds("shutdown-grace", self.shutdown_grace)
    }

    /// The catalog to serve: the file given, the synthetic catalog asked for, or the demo
    /// catalog.
    ///
    /// # Errors
    /// The catalog's validation error (file, product, field; or a synthetic size of 0 or above
    /// the limit).
    pub fn load_catalog(&self) -> scoring::Result<Catalog> {
        match (&self.catalog, self.synthetic) {
            (Some(path), _) => Catalog::from_path(path),
            (None, Some(products)) => Catalog::synthetic(products),
            (None, None) => Catalog::demo(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("blind-mirror-server").chain(args.iter().copied()))
            .unwrap()
    }

    #[test]
    fn defaults_serve_every_preset_without_rate_limit() {
        let cli = parse(&[]);
        let config = cli.config().unwrap();
        assert!(config.presets.is_empty());
        assert_eq!(config.rate_limit, None);
        assert_eq!(config.request_timeout, Duration::from_secs(30));
        assert!(config.threads >= 1);
        assert_eq!(cli.load_catalog().unwrap().len(), 5);
    }

    #[test]
    fn flags_reach_the_config() {
        let cli = parse(&[
            "--preset",
            "compact",
            "--threads",
            "3",
            "--rate-limit",
            "30",
            "--rate-burst",
            "4",
            "--cors-origin",
            "https://a.example,https://b.example",
            "--request-timeout",
            "2.5",
        ]);
        let config = cli.config().unwrap();
        assert_eq!(config.presets, vec![Preset::Compact]);
        assert_eq!(config.threads, 3);
        assert_eq!(
            config.rate_limit,
            Some(RateLimit {
                per_minute: 30,
                burst: 4
            })
        );
        assert_eq!(
            config.cors_origins,
            vec!["https://a.example", "https://b.example"]
        );
        assert_eq!(config.request_timeout, Duration::from_millis(2500));
        assert_eq!(
            parse(&["--synthetic", "1000"])
                .load_catalog()
                .unwrap()
                .len(),
            1000
        );
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(
            Cli::try_parse_from(["blind-mirror-server", "--preset", "fast"]).is_err(),
            "unknown preset"
        );
        assert!(
            Cli::try_parse_from([
                "blind-mirror-server",
                "--synthetic",
                "5",
                "--catalog",
                "a.toml"
            ])
            .is_err(),
            "two catalogs"
        );
        assert!(parse(&["--synthetic", "0"]).load_catalog().is_err());
        assert_eq!(
            parse(&["--threads", "0"]).config().unwrap_err(),
            CliError::Zero { flag: "threads" }
        );
        assert_eq!(
            parse(&["--request-timeout=-1"]).config().unwrap_err(),
            CliError::InvalidDuration {
                flag: "request-timeout",
                value: -1.0
            }
        );
    }
}
