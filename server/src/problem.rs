//! API errors, rendered as RFC 9457 `application/problem+json` documents.
//!
//! Every error response of the server is one of these documents: handler errors ([`ApiError`]),
//! extractor rejections, and the bare status responses of the layers (body limit, timeout,
//! static files), which [`problem_for_bare_errors`] rewrites. A client reads `type` (a stable
//! relative URI, one per variant), `title`, `status` and `detail`; 5xx details say only
//! "internal error" while the real cause goes to the log.

use std::time::Duration;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// Media type of an RFC 9457 problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every way an API request can fail.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum ApiError {
    /// No resource at this path.
    #[error("no resource at {path}")]
    NotFound {
        /// Request path, as received.
        path: String,
    },
    /// The resource exists but does not serve this method.
    #[error("{path} does not accept {method}")]
    MethodNotAllowed {
        /// Request method.
        method: String,
        /// Request path, as received.
        path: String,
    },
    /// The body is not `application/octet-stream`.
    #[error("the request body must be application/octet-stream, not {found}")]
    UnsupportedMediaType {
        /// The `Content-Type` received (`none` when absent).
        found: String,
    },
    /// The body is larger than any valid request.
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// Largest body accepted, in bytes: the largest enabled preset's request.
        limit: usize,
    },
    /// The body is not a well-formed score request (truncated, bad magic, trailing bytes, a
    /// coefficient out of range, a message of another kind).
    #[error("malformed score request: {error}")]
    MalformedRequest {
        /// What the decoder found.
        error: scoring::Error,
    },
    /// The request body could not be read to its end (the client closed the connection).
    #[error("the request body could not be read: {reason}")]
    IncompleteBody {
        /// What the connection reported.
        reason: String,
    },
    /// The request is well formed but speaks another version or names no preset.
    #[error("unsupported score request: {error}")]
    UnsupportedRequest {
        /// What the decoder found.
        error: scoring::Error,
    },
    /// The request's preset exists but this server does not serve it.
    #[error("preset {preset} is not served here (served: {served})")]
    PresetNotServed {
        /// Preset of the request.
        preset: scoring::Preset,
        /// Presets this server accepts, comma-separated.
        served: String,
    },
    /// The client's product list is not this server's catalog.
    #[error("the request expects catalog {expected}, this server holds catalog {found}")]
    CatalogMismatch {
        /// Fingerprint the client named (`?catalog=`).
        expected: String,
        /// Fingerprint of the server's catalog.
        found: String,
    },
    /// A query parameter could not be read.
    #[error("invalid query: {reason}")]
    InvalidQuery {
        /// Why the query was refused.
        reason: String,
    },
    /// The client sent more score requests than the rate limit allows.
    #[error("too many score requests from this client: retry in {retry_after_secs} s")]
    TooManyRequests {
        /// Seconds until the next request is allowed.
        retry_after_secs: u64,
    },
    /// Every evaluation slot is taken.
    #[error("the server is busy ({max_in_flight} evaluations in flight): retry shortly")]
    Overloaded {
        /// Evaluations admitted at once.
        max_in_flight: usize,
    },
    /// The request did not finish within the server's time limit.
    #[error("the request did not complete within {limit_ms} ms")]
    Timeout {
        /// The limit, in milliseconds.
        limit_ms: u64,
    },
    /// A failure of the server itself (a panic, a failed evaluation); the cause is logged.
    #[error("internal error: {cause}")]
    Internal {
        /// What failed, for the log only.
        cause: String,
    },
    /// An error status from a layer with no more specific variant.
    #[error("HTTP status {status}")]
    Status {
        /// The status code.
        status: u16,
    },
}

/// Body of an RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// A relative URI naming the kind of problem, `/problems/<slug>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened to this request.
    pub detail: String,
}

impl ApiError {
    /// HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MalformedRequest { .. }
            | Self::IncompleteBody { .. }
            | Self::InvalidQuery { .. } => StatusCode::BAD_REQUEST,
            Self::UnsupportedRequest { .. }
            | Self::PresetNotServed { .. }
            | Self::CatalogMismatch { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Overloaded { .. } | Self::Timeout { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Status { status } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    /// Last segment of the problem `type` URI, one per variant.
    pub fn slug(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not-found",
            Self::MethodNotAllowed { .. } => "method-not-allowed",
            Self::UnsupportedMediaType { .. } => "unsupported-media-type",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::MalformedRequest { .. } => "malformed-request",
            Self::IncompleteBody { .. } => "incomplete-body",
            Self::UnsupportedRequest { .. } => "unsupported-request",
            Self::PresetNotServed { .. } => "preset-not-served",
            Self::CatalogMismatch { .. } => "catalog-mismatch",
            Self::InvalidQuery { .. } => "invalid-query",
            Self::TooManyRequests { .. } => "too-many-requests",
            Self::Overloaded { .. } => "overloaded",
            Self::Timeout { .. } => "timeout",
            Self::Internal { .. } => "internal",
            Self::Status { .. } => "http-status",
        }
    }

    /// Short human-readable summary, one per variant.
    pub fn title(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "Not found",
            Self::MethodNotAllowed { .. } => "Method not allowed",
            Self::UnsupportedMediaType { .. } => "Unsupported media type",
            Self::PayloadTooLarge { .. } => "Request body too large",
            Self::MalformedRequest { .. } => "Malformed score request",
            Self::IncompleteBody { .. } => "Incomplete request body",
            Self::UnsupportedRequest { .. } => "Unsupported score request",
            Self::PresetNotServed { .. } => "Preset not served",
            Self::CatalogMismatch { .. } => "Catalog mismatch",
            Self::InvalidQuery { .. } => "Invalid query",
            Self::TooManyRequests { .. } => "Too many requests",
            Self::Overloaded { .. } => "Server busy",
            Self::Timeout { .. } => "Request timeout",
            Self::Internal { .. } => "Internal server error",
            Self::Status { .. } => "HTTP error",
        }
    }

    /// The error for a scoring failure: 400 for bytes that do not decode, 422 for a version or
    /// preset this server does not speak, 500 for anything else (a failure of the server).
    pub fn from_scoring(error: scoring::Error) -> Self {
        use ckks::Error as C;
        use scoring::Error as S;
        match error {
            S::UnknownPresetId { .. }
            | S::PresetMismatch { .. }
            | S::Ckks(C::UnsupportedVersion { .. } | C::ParamsIdMismatch { .. }) => {
                Self::UnsupportedRequest { error }
            }
            S::Ckks(
                C::Truncated { .. }
                | C::TrailingBytes { .. }
                | C::BadMagic { .. }
                | C::WrongKind { .. }
                | C::UnknownKind { .. }
                | C::ResidueOutOfRange { .. }
                | C::NonZeroPadding { .. }
                | C::TooLarge { .. },
            ) => Self::MalformedRequest { error },
            other => Self::Internal {
                cause: other.to_string(),
            },
        }
    }

    /// The error a bare status response from a layer stands for.
    fn from_status(status: StatusCode, method: &Method, path: &str, limits: &ErrorContext) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::NotFound {
                path: path.to_owned(),
            },
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed {
                method: method.to_string(),
                path: path.to_owned(),
            },
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge {
                limit: limits.body_limit,
            },
            StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => Self::Timeout {
                limit_ms: duration_ms(limits.request_timeout),
            },
            other => Self::Status {
                status: other.as_u16(),
            },
        }
    }

    /// The problem document of this error (5xx details withheld).
    pub fn problem(&self) -> Problem {
        let status = self.status();
        Problem {
            kind: format!("/problems/{}", self.slug()),
            title: self.title().to_owned(),
            status: status.as_u16(),
            detail: match self {
                // The cause of a failure of the server stays in the log.
                Self::Internal { .. } => "internal error".to_owned(),
                Self::Status { .. } if status.is_server_error() => "internal error".to_owned(),
                _ => self.to_string(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if matches!(self, Self::Internal { .. }) || status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "request failed");
        }
        let retry_after = match &self {
            Self::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            Self::Overloaded { .. } | Self::Timeout { .. } => Some(1),
            _ => None,
        };
        // `Json` sets `application/json`; the header part, applied after it, replaces it.
        let mut response = (
            status,
            [(header::CONTENT_TYPE, PROBLEM_JSON)],
            Json(self.problem()),
        )
            .into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Milliseconds in a duration, saturating.
pub(crate) fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// The limits a bare status response refers to.
#[derive(Debug, Clone, Copy)]
pub struct ErrorContext {
    /// The request body limit, in bytes.
    pub body_limit: usize,
    /// The request timeout.
    pub request_timeout: Duration,
}

/// Middleware: turns every error response that is not yet a problem document (the body limit's
/// 413, the timeout's 503, a static file's 404 or 405) into one, keeping its headers (`Allow`,
/// CORS, `Retry-After`).
pub async fn problem_for_bare_errors(
    State(context): State<ErrorContext>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (mut parts, _body) = response.into_parts();
    let mut problem = ApiError::from_status(status, &method, &path, &context).into_response();
    for name in [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
    ] {
        parts.headers.remove(name);
    }
    // Every value of the layer's headers (`Allow`, repeated `Vary`, ...) unless the problem
    // response sets that header itself.
    let own: Vec<header::HeaderName> = problem.headers().keys().cloned().collect();
    let headers = problem.headers_mut();
    for (name, value) in &parts.headers {
        if !own.contains(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    problem
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_json(response: Response) -> Problem {
        let bytes = block_on(axum::body::to_bytes(response.into_body(), 1 << 16)).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn each_variant_has_its_status_and_message() {
        let not_found = ApiError::NotFound {
            path: "/api/x".to_owned(),
        };
        assert_eq!(not_found.status(), StatusCode::NOT_FOUND);
        assert_eq!(not_found.to_string(), "no resource at /api/x");
        let method = ApiError::MethodNotAllowed {
            method: "DELETE".to_owned(),
            path: "/api/v1/params".to_owned(),
        };
        assert_eq!(method.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(method.to_string(), "/api/v1/params does not accept DELETE");
        assert_eq!(
            ApiError::PayloadTooLarge { limit: 10 }.to_string(),
            "the request body is larger than the limit of 10 bytes"
        );
        assert_eq!(
            ApiError::TooManyRequests {
                retry_after_secs: 3
            }
            .status(),
            StatusCode::TOO_MANY_REQUESTS
        );
    }

    #[test]
    fn scoring_errors_map_to_400_422_or_500() {
        let truncated = scoring::Error::Ckks(ckks::Error::Truncated {
            what: "request c0",
            needed: 10,
            left: 2,
        });
        assert_eq!(
            ApiError::from_scoring(truncated).status(),
            StatusCode::BAD_REQUEST
        );
        let version = scoring::Error::Ckks(ckks::Error::UnsupportedVersion {
            expected: 1,
            found: 9,
        });
        assert_eq!(
            ApiError::from_scoring(version).status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let preset = scoring::Error::UnknownPresetId { found: 7 };
        assert_eq!(
            ApiError::from_scoring(preset).status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let entropy = scoring::Error::Ckks(ckks::Error::Entropy);
        assert_eq!(
            ApiError::from_scoring(entropy).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn response_is_problem_json_and_hides_internal_causes() {
        let response = ApiError::NotFound {
            path: "/api/x".to_owned(),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            PROBLEM_JSON
        );
        let problem = body_json(response);
        assert_eq!(problem.kind, "/problems/not-found");
        assert_eq!(problem.status, 404);

        let internal = ApiError::Internal {
            cause: "secret cause".to_owned(),
        }
        .into_response();
        let problem = body_json(internal);
        assert_eq!(problem.status, 500);
        assert_eq!(problem.detail, "internal error");
    }

    #[test]
    fn busy_answers_carry_retry_after() {
        let response = ApiError::TooManyRequests {
            retry_after_secs: 7,
        }
        .into_response();
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "7");
        let response = ApiError::Overloaded { max_in_flight: 4 }.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key(header::RETRY_AFTER));
    }
}
