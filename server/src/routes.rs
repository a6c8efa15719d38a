//! Request handlers of the `/api` router.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, OriginalUri, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::problem::ApiError;
use crate::state::AppState;

/// Path of the params document.
pub const PARAMS_PATH: &str = "/api/v1/params";
/// Path of the scoring endpoint.
pub const SCORE_PATH: &str = "/api/v1/score";
/// Path of the health check.
pub const HEALTH_PATH: &str = "/api/v1/health";
/// Path of the OpenAPI document.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// Media type of score requests and responses.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// `GET /api/v1/params`: the public description of the service (serialized once at start-up).
pub(crate) async fn params(State(state): State<AppState>) -> Response {
    json_bytes(state.inner.document_json.clone())
}

/// `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of this API.
pub(crate) async fn openapi(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(crate::openapi::document(&state))
}

fn json_bytes(body: Bytes) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Body of `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: String,
    /// Presets served.
    pub presets: Vec<String>,
    /// Products in the catalog.
    pub products: usize,
    /// Fingerprint of the catalog (8 hex digits).
    pub catalog_fingerprint: String,
    /// Evaluations admitted and not finished.
    pub in_flight: usize,
    /// Evaluations admitted at once.
    pub max_in_flight: usize,
    /// Threads of the evaluation pool.
    pub threads: usize,
}

/// `GET /api/v1/health`: liveness and what is loaded.
pub(crate) async fn health(State(state): State<AppState>) -> Response {
    let pool = state.pool();
    let body = Health {
        status: "ok".to_owned(),
        presets: state.presets().map(|p| p.name().to_owned()).collect(),
        products: state.inner.products,
        catalog_fingerprint: state.inner.fingerprint.clone(),
        in_flight: pool.in_flight(),
        max_in_flight: pool.max_in_flight(),
        threads: pool.threads(),
    };
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// Query of `POST /api/v1/score`.
#[derive(Debug, Deserialize)]
pub(crate) struct ScoreQuery {
    /// The catalog fingerprint the client holds the product list of; refused with 422 when it
    /// is not this server's.
    catalog: Option<String>,
}

/// `POST /api/v1/score`: request bytes in, response bytes out, with `Server-Timing`.
pub(crate) async fn score(
    State(state): State<AppState>,
    query: Result<Query<ScoreQuery>, QueryRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let arrived = Instant::now();
    state.inner.metrics.count_received();
    if let Some(limiter) = &state.inner.rate_limiter {
        let client = client_ip(&request, state.config().trust_forwarded_for);
        limiter
            .check(client, arrived)
            .map_err(|wait| ApiError::TooManyRequests {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            })?;
    }
    check_content_type(request.headers())?;
    let Query(query) = query.map_err(|rejection| ApiError::InvalidQuery {
        reason: rejection.body_text(),
    })?;
    if let Some(expected) = query.catalog {
        let valid = expected.len() == 8 && expected.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(ApiError::InvalidQuery {
                reason: format!("`catalog` must be 8 hex digits, not `{expected}`"),
            });
        }
        if !expected.eq_ignore_ascii_case(&state.inner.fingerprint) {
            return Err(ApiError::CatalogMismatch {
                expected,
                found: state.inner.fingerprint.clone(),
            });
        }
    }
    let limit = state.body_limit();
    let body = axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|error| {
            if is_length_limit(&error) {
                ApiError::PayloadTooLarge { limit }
            } else {
                ApiError::IncompleteBody {
                    reason: error.to_string(),
                }
            }
        })?;
    let preset = scoring::protocol::message_preset(&body).map_err(ApiError::from_scoring)?;
    let catalog = state
        .served(preset)
        .cloned()
        .ok_or_else(|| ApiError::PresetNotServed {
            preset,
            served: state.served_names(),
        })?;
    let request_bytes = body.len();
    let timed = state
        .pool()
        .run(move || scoring::score(&catalog, &body))
        .await?;
    let response = timed.value.map_err(ApiError::from_scoring)?;
    state.inner.metrics.count_scored();
    tracing::info!(
        preset = preset.name(),
        request_bytes,
        response_bytes = response.len(),
        queue_us = micros(timed.queued),
        eval_us = micros(timed.ran),
        "scored"
    );
    let timing = format!(
        "queue;dur={:.3};desc=\"waiting for an evaluation thread\", eval;dur={:.3};desc=\"encrypted evaluation\", total;dur={:.3}",
        millis(timed.queued),
        millis(timed.ran),
        millis(arrived.elapsed()),
    );
    let mut response = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, OCTET_STREAM),
            (header::CACHE_CONTROL, "no-store"),
        ],
        response,
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&timing) {
        response.headers_mut().insert("server-timing", value);
    }
    Ok(response)
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Refuses a body that is not declared `application/octet-stream` (parameters ignored).
fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let found = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let essence = found
        .as_deref()
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    match essence {
        Some(media) if media.eq_ignore_ascii_case(OCTET_STREAM) => Ok(()),
        _ => Err(ApiError::UnsupportedMediaType {
            found: found.unwrap_or_else(|| "none".to_owned()),
        }),
    }
}

/// Whether a body error is the body limit (from `to_bytes` or the limit layer), at any depth.
fn is_length_limit(error: &axum::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// The client address for the rate limit: the last `X-Forwarded-For` entry when trusted (the
/// one the proxy appended), else the peer address of the connection.
fn client_ip(request: &Request, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = trust_forwarded_for
        .then(|| {
            request
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|s| s.trim().parse::<IpAddr>().ok())
                .next_back()
        })
        .flatten();
    forwarded
        .or_else(|| {
            request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip())
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Any unknown path under `/api` (the full path, not the part after the nesting prefix).
pub(crate) async fn api_not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound {
        path: uri.path().to_owned(),
    }
}

/// A known `/api` path asked with a method it does not serve.
pub(crate) async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(content_type: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = content_type {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn content_type_must_be_octet_stream() {
        assert!(check_content_type(&headers(Some("application/octet-stream"))).is_ok());
        assert!(check_content_type(&headers(Some("Application/Octet-Stream; x=1"))).is_ok());
        assert_eq!(
            check_content_type(&headers(Some("application/json"))),
            Err(ApiError::UnsupportedMediaType {
                found: "application/json".to_owned()
            })
        );
        assert_eq!(
            check_content_type(&headers(None)),
            Err(ApiError::UnsupportedMediaType {
                found: "none".to_owned()
            })
        );
    }

    #[test]
    fn forwarded_for_is_used_only_when_trusted() {
        let mut request = Request::new(axum::body::Body::empty());
        request.headers_mut().insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 198.51.100.4"),
        );
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 4000))));
        assert_eq!(
            client_ip(&request, true),
            "198.51.100.4".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_ip(&request, false),
            "127.0.0.1".parse::<IpAddr>().unwrap()
        );
    }
}
