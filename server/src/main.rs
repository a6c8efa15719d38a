//! `blind-mirror-server`: serves the scoring API and the built web app.
//!
//! Prints `listening on http://ADDR/` on standard output once the socket is bound (with
//! `--bind 127.0.0.1:0` the system picks a free port and the line tells which).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use server::{AppState, app};
use tracing_subscriber::EnvFilter;

/// Blind Mirror server: the encrypted-scoring API and the web app.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Socket address to listen on.
    #[arg(long, env = "BLIND_MIRROR_BIND", default_value = "127.0.0.1:3000")]
    bind: SocketAddr,
    /// Folder with the built web app (`trunk build --release` output).
    #[arg(long, env = "BLIND_MIRROR_STATIC_DIR", default_value = "dist")]
    static_dir: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> std::io::Result<()> {
    if !args.static_dir.join("index.html").is_file() {
        tracing::warn!(
            static_dir = %args.static_dir.display(),
            "no index.html in the static folder; build the web app with `trunk build --release`"
        );
    }
    let listener = tokio::net::TcpListener::bind(args.bind).await?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}/");
    tracing::info!(%addr, static_dir = %args.static_dir.display(), "serving");
    axum::serve(listener, app(AppState::new(args.static_dir)))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
