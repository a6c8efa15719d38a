//! Blind Mirror HTTP server: the encrypted-scoring API under `/api/v1`, the web app at `/`.
//!
//! [`AppState::new`] encodes the catalog once per preset; [`app()`] builds the whole router from it,
//! so tests drive it in-process or on a loopback socket; [`serve`] runs it until a shutdown
//! signal, finishing the requests in flight. The `blind-mirror-server` binary ([`cli`]) only
//! parses flags, loads the catalog and calls these.

#![forbid(unused_must_use)]

pub mod app;
pub mod cli;
pub mod openapi;
pub mod pool;
pub mod problem;
pub mod rate_limit;
pub mod routes;
pub mod state;
pub mod static_files;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

pub use app::app;
pub use problem::{ApiError, Problem};
pub use rate_limit::RateLimit;
pub use state::{AppState, ServerConfig, StartupError};

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting connections,
/// lets every request in flight finish, and returns. If requests are still running `grace`
/// after the signal, it returns anyway; their connections end with the runtime (the binary
/// exits right after).
///
/// # Errors
/// An I/O error of the listener.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (signalled, on_signal) = tokio::sync::oneshot::channel::<()>();
    let graceful = async move {
        shutdown.await;
        tracing::info!("shutting down: finishing the requests in flight");
        let _ = signalled.send(());
    };
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(graceful);
    let deadline = async move {
        if on_signal.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result,
        () = deadline => {
            tracing::warn!(
                grace_ms = grace.as_millis(),
                "requests still running after the grace period; stopping"
            );
            Ok(())
        }
    }
}
