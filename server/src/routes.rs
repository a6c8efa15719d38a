//! Request handlers of the `/api` router.

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::Method;
use scoring::api::ParamsDocument;

use crate::app::AppState;
use crate::problem::ApiError;

/// `GET /api/v1/params`: the public description of the service.
pub(crate) async fn params(State(state): State<AppState>) -> Json<ParamsDocument> {
    Json(ParamsDocument::clone(&state.params))
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
