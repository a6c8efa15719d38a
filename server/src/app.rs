//! Router assembly: API routes, the static web app, and the layers around them.
//!
//! Layers, outermost first: tracing (one span per request: method, path, status, latency;
//! never a header or a body), CORS (only with `--cors-origin`), panic catching (a 500 problem,
//! the process lives on), gzip compression (not of the incompressible ciphertext), the
//! problem-document safety net, the request timeout (503), the body limit (413).

use std::any::Any;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::pool::panic_message;
use crate::problem::{ApiError, ErrorContext, problem_for_bare_errors};
use crate::routes::{self, HEALTH_PATH, OCTET_STREAM, OPENAPI_PATH, PARAMS_PATH, SCORE_PATH};
use crate::state::AppState;
use crate::static_files;

/// The `Server-Timing` header name (not among `http`'s constants).
const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// The complete HTTP application.
///
/// - `GET /api/v1/params`, `POST /api/v1/score`, `GET /api/v1/health`,
///   `GET /api/v1/openapi.json` (see [`crate::openapi`]);
/// - any other path under `/api`: a 404 problem; a known path with another method: a 405 problem;
/// - everything else: a file of the web app, or its `index.html` for client-side routes.
pub fn app(state: AppState) -> Router {
    let routes = api_routes()
        .into_iter()
        .fold(Router::new(), |router, (_, path, handler)| {
            router.route(path, handler)
        })
        .method_not_allowed_fallback(routes::method_not_allowed)
        .route("/api", any(routes::api_not_found))
        .route("/api/{*rest}", any(routes::api_not_found))
        .with_state(state.clone())
        .fallback_service(static_files::router(&state.config().static_dir));
    with_layers(routes, &state)
}

/// The API's operations, from which [`app`] builds its routes: (method, path, handler). The
/// OpenAPI test checks the document against this table.
pub fn api_routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, PARAMS_PATH, get(routes::params)),
        (Method::POST, SCORE_PATH, post(routes::score)),
        (Method::GET, HEALTH_PATH, get(routes::health)),
        (Method::GET, OPENAPI_PATH, get(routes::openapi)),
    ]
}

/// Wraps `router` in the server's layers (see the module doc), sized from `state`.
pub fn with_layers(router: Router, state: &AppState) -> Router {
    let config = state.config();
    let context = ErrorContext {
        body_limit: state.body_limit(),
        request_timeout: config.request_timeout,
    };
    let compress_when = DefaultPredicate::new().and(NotForContentType::const_new(OCTET_STREAM));
    let router = router
        .layer(RequestBodyLimitLayer::new(state.body_limit()))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(
            context,
            problem_for_bare_errors,
        ))
        .layer(CompressionLayer::new().compress_when(compress_when))
        .layer(CatchPanicLayer::custom(panic_response));
    let origins = &state.inner.cors_origins;
    let router = if origins.is_empty() {
        router
    } else {
        router.layer(cors(origins.clone()))
    };
    router.layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
            .on_response(DefaultOnResponse::new().level(Level::INFO)),
    )
}

/// CORS for a front end hosted on other origins: GET and POST with a `Content-Type`, and
/// `Server-Timing` readable by the page.
fn cors(origins: Vec<HeaderValue>) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        .expose_headers([SERVER_TIMING, header::RETRY_AFTER])
        .max_age(Duration::from_secs(3600))
}

/// A panic in a handler: logged, answered with a 500 problem.
fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::Internal {
        cause: format!("handler panicked: {}", panic_message(payload.as_ref())),
    }
    .into_response()
}
