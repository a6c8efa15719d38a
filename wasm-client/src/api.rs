//! Calls to the scoring server, relative to the page's origin.

use gloo_net::http::Request;
use scoring::api::ParamsDocument;

use crate::error::UiError;

/// Path of the service description.
pub const PARAMS_URL: &str = "/api/v1/params";

/// Fetches and decodes the service description.
///
/// # Errors
/// [`UiError::Network`] if no answer came, [`UiError::HttpStatus`] for a non-2xx answer,
/// [`UiError::BadDocument`] if the body is not a [`ParamsDocument`].
pub async fn fetch_params() -> Result<ParamsDocument, UiError> {
    let response = Request::get(PARAMS_URL)
        .send()
        .await
        .map_err(|error| UiError::Network {
            url: PARAMS_URL.to_owned(),
            reason: error.to_string(),
        })?;
    if !response.ok() {
        return Err(UiError::HttpStatus {
            url: PARAMS_URL.to_owned(),
            status: response.status(),
        });
    }
    let text = response.text().await.map_err(|error| UiError::Network {
        url: PARAMS_URL.to_owned(),
        reason: error.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|error| UiError::BadDocument {
        url: PARAMS_URL.to_owned(),
        reason: error.to_string(),
    })
}
