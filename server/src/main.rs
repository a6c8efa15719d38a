//! `blind-mirror-server`: serves the scoring API and the built web app (see [`server::cli::Cli`]).

use std::process::ExitCode;

use clap::Parser;
use server::cli::Cli;
use server::{AppState, app, serve};
use tracing_subscriber::EnvFilter;

/// jemalloc: it keeps the memory of one request for the next instead of returning it to the
/// kernel (server/Cargo.toml).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server stopped");
            eprintln!("blind-mirror-server: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let config = cli.config()?;
    let grace = cli.shutdown_grace()?;
    let catalog = cli.load_catalog()?;
    if !config.static_dir.join("index.html").is_file() {
        tracing::warn!(
            static_dir = %config.static_dir.display(),
            "no index.html in the static folder; build the web app with `trunk build --release`"
        );
    }
    let state = AppState::new(&catalog, config)?;
    let listener = tokio::net::TcpListener::bind(cli.bind).await?;
    let addr = listener.local_addr()?;
    tracing::info!(
        %addr,
        products = catalog.len(),
        presets = %state.presets().map(|p| p.name()).collect::<Vec<_>>().join(","),
        threads = state.pool().threads(),
        body_limit = state.body_limit(),
        "serving"
    );
    println!("listening on http://{addr}/");
    serve(listener, app(state), shutdown_signal(), grace).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
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
}
