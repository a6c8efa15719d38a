//! API errors, rendered as RFC 9457 `application/problem+json` documents.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Media type of an RFC 9457 problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every way an API request can fail.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// No API resource at this path.
    #[error("no API resource at {path}")]
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
}

/// Body of an RFC 9457 problem document.
#[derive(Debug, Serialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: String,
}

impl ApiError {
    /// HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    /// Last segment of the problem `type` URI, one per variant.
    fn slug(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not-found",
            Self::MethodNotAllowed { .. } => "method-not-allowed",
        }
    }

    /// Short human-readable summary, one per variant.
    fn title(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "Not found",
            Self::MethodNotAllowed { .. } => "Method not allowed",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
            "internal error".to_owned()
        } else {
            self.to_string()
        };
        let body = Problem {
            kind: format!("/problems/{}", self.slug()),
            title: self.title(),
            status: status.as_u16(),
            detail,
        };
        // `Json` sets `application/json`; the header part, applied after it, replaces it.
        (status, [(header::CONTENT_TYPE, PROBLEM_JSON)], Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variant_has_its_status_and_message() {
        let not_found = ApiError::NotFound {
            path: "/api/x".to_owned(),
        };
        assert_eq!(not_found.status(), StatusCode::NOT_FOUND);
        assert_eq!(not_found.to_string(), "no API resource at /api/x");
        let method = ApiError::MethodNotAllowed {
            method: "DELETE".to_owned(),
            path: "/api/v1/params".to_owned(),
        };
        assert_eq!(method.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(method.to_string(), "/api/v1/params does not accept DELETE");
    }

    #[test]
    fn response_is_problem_json() {
        let response = ApiError::NotFound {
            path: "/api/x".to_owned(),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            PROBLEM_JSON
        );
    }
}
