//! Router assembly: API routes, the static web app, and the layers around them.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use scoring::api::ParamsDocument;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::routes;

/// What every request handler may read; cheap to clone (shared behind `Arc`).
#[derive(Debug, Clone)]
pub struct AppState {
    /// The public service description served at `GET /api/v1/params`.
    pub params: Arc<ParamsDocument>,
    /// Folder holding the built web app (`trunk build --release` writes it to `dist/`).
    pub static_dir: PathBuf,
}

impl AppState {
    /// State serving [`scoring::api::params_document`] and the web app found in `static_dir`.
    pub fn new(static_dir: impl Into<PathBuf>) -> Self {
        Self {
            params: Arc::new(scoring::api::params_document()),
            static_dir: static_dir.into(),
        }
    }
}

/// The complete HTTP application.
///
/// - `GET /api/v1/params`: [`ParamsDocument`] as JSON.
/// - any other path under `/api`: a `404` or `405` problem document (RFC 9457).
/// - everything else: a file of the web app, or its `index.html` for client-side routes.
pub fn app(state: AppState) -> Router {
    let index = state.static_dir.join("index.html");
    let web_app = ServeDir::new(&state.static_dir).fallback(ServeFile::new(index));
    let api = Router::new()
        .route("/v1/params", get(routes::params))
        .method_not_allowed_fallback(routes::method_not_allowed)
        .fallback(routes::api_not_found)
        .with_state(state);
    Router::new()
        .nest("/api", api)
        .fallback_service(web_app)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}
