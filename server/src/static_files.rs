//! The built web app at `/`: files of the static folder with their MIME types (`.wasm` is
//! `application/wasm`, which `WebAssembly.instantiateStreaming` requires), and cache headers:
//!
//! - a file whose name carries a content hash (trunk names them `wasm-client-<hash>_bg.wasm`,
//!   `styles-<hash>.css`, the hash in up to 16 hex digits): `public, max-age=31536000,
//!   immutable`, since a new build gets a new name;
//! - everything else, `index.html` first: `no-cache` (revalidate, so a new build is picked up).
//!
//! A path without a file extension that names no file is a client-side route: it gets
//! `index.html` with 200. A missing path WITH an extension is a 404 problem, never `index.html`
//! (a missing script must not be answered with HTML, let alone cached as immutable).

use std::convert::Infallible;
use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower::{ServiceExt, service_fn};
use tower_http::services::{ServeDir, ServeFile};

use crate::problem::ApiError;

/// `Cache-Control` of content-hashed assets.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of everything else (revalidate every time).
pub const NO_CACHE: &str = "no-cache";

/// Shortest hex run that counts as a content hash in a file name. Trunk writes a 64-bit hash in
/// hex without leading zeros: 16 digits, sometimes 15 or fewer (`styles-688322e96fb2c63.css`).
const HASH_HEX_DIGITS: usize = 12;

/// The router serving `dir`, with the client-side-route fallback to `dir/index.html` and the
/// cache headers.
pub fn router(dir: &Path) -> Router {
    let index = ServeFile::new(dir.join("index.html"));
    let fallback = service_fn(move |request: Request| {
        let index = index.clone();
        async move {
            if looks_like_file(request.uri().path()) {
                return Ok::<_, Infallible>(
                    ApiError::NotFound {
                        path: request.uri().path().to_owned(),
                    }
                    .into_response(),
                );
            }
            match index.oneshot(request).await {
                Ok(response) => Ok(response.into_response()),
                Err(never) => match never {},
            }
        }
    });
    Router::new()
        .fallback_service(
            ServeDir::new(dir)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(fallback),
        )
        .layer(middleware::from_fn(cache_headers))
}

/// Middleware: sets `Cache-Control` on successful static responses (see the module doc).
pub async fn cache_headers(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let is_html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
        let value = if hashed && !is_html {
            IMMUTABLE
        } else {
            NO_CACHE
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// The last segment of `path` has an extension (`app.js`, not `settings`).
fn looks_like_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.rfind('.').is_some_and(|dot| dot > 0))
}

/// The file name of `path` contains a content hash: a run of at least 12 hex digits, one of
/// them a decimal digit (so no long word made of the letters a-f counts), between separators
/// (`-`, `_`, `.`).
pub fn is_hashed_asset(path: &str) -> bool {
    let Some(name) = path.rsplit('/').next() else {
        return false;
    };
    name.split(['-', '_', '.']).any(|part| {
        part.len() >= HASH_HEX_DIGITS
            && part.bytes().all(|b| b.is_ascii_hexdigit())
            && part.bytes().any(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_asset_names_are_hashed_and_index_is_not() {
        assert!(is_hashed_asset("/wasm-client-3a4f9c1e2b7d8a60_bg.wasm"));
        assert!(is_hashed_asset("/wasm-client-3a4f9c1e2b7d8a60.js"));
        assert!(is_hashed_asset("/styles-0123456789abcdef.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/app.js"));
        // Trunk drops leading zeros of its hash: 15 digits is a hash too.
        assert!(is_hashed_asset("/styles-688322e96fb2c63.css"));
        // Too short, no decimal digit, or not hex: not a hash.
        assert!(!is_hashed_asset("/a-01234567890.js"));
        assert!(!is_hashed_asset("/a-abcdefabcdefabcd.js"));
        assert!(!is_hashed_asset("/a-verylongnamewithouthex.js"));
        assert!(!is_hashed_asset("/scoring-worker_bg.wasm"));
    }

    #[test]
    fn client_routes_have_no_extension() {
        assert!(looks_like_file("/app.js"));
        assert!(looks_like_file("/a/b/c.wasm"));
        assert!(!looks_like_file("/"));
        assert!(!looks_like_file("/settings"));
        assert!(!looks_like_file("/some/page"));
        assert!(!looks_like_file("/.well-known"));
    }
}
