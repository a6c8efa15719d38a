//! The whole router, driven through `tower::ServiceExt::oneshot` without a socket.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use scoring::api::{ParamsDocument, params_document};
use server::{AppState, app};
use tower::ServiceExt;

const INDEX_HTML: &str = "<!doctype html><title>Blind Mirror test page</title>";

/// A fresh folder with an `index.html` and one asset, unique to this test.
#[expect(clippy::unwrap_used, reason = "a test helper fails the test loudly")]
fn static_dir(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("blind-mirror-server-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), INDEX_HTML).unwrap();
    std::fs::write(dir.join("app.js"), "console.log(1);").unwrap();
    dir
}

#[expect(clippy::unwrap_used, reason = "a test helper fails the test loudly")]
async fn send(dir: &Path, method: &str, uri: &str) -> Response<Body> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    app(AppState::new(dir)).oneshot(request).await.unwrap()
}

#[expect(clippy::unwrap_used, reason = "a test helper fails the test loudly")]
async fn body_bytes(response: Response<Body>) -> Vec<u8> {
    axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap()
        .to_vec()
}

#[expect(clippy::unwrap_used, reason = "a test helper fails the test loudly")]
fn content_type(response: &Response<Body>) -> String {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn params_endpoint_serves_the_scoring_document() {
    let dir = static_dir("params");
    let response = send(&dir, "GET", "/api/v1/params").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(&response), "application/json");
    let doc: ParamsDocument = serde_json::from_slice(&body_bytes(response).await).unwrap();
    assert_eq!(doc, params_document());
}

#[tokio::test]
async fn unknown_api_path_is_a_problem_document() {
    let dir = static_dir("unknown");
    let response = send(&dir, "GET", "/api/v1/nothing-here").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(content_type(&response), "application/problem+json");
    let problem: serde_json::Value = serde_json::from_slice(&body_bytes(response).await).unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["type"], "/problems/not-found");
    assert_eq!(problem["detail"], "no API resource at /api/v1/nothing-here");
}

#[tokio::test]
async fn wrong_method_is_a_problem_document() {
    let dir = static_dir("method");
    let response = send(&dir, "DELETE", "/api/v1/params").await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(content_type(&response), "application/problem+json");
    let problem: serde_json::Value = serde_json::from_slice(&body_bytes(response).await).unwrap();
    assert_eq!(problem["status"], 405);
    assert_eq!(problem["type"], "/problems/method-not-allowed");
    assert_eq!(problem["detail"], "/api/v1/params does not accept DELETE");
}

#[tokio::test]
async fn root_serves_the_web_app() {
    let dir = static_dir("root");
    let response = send(&dir, "GET", "/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("text/html"));
    assert_eq!(body_bytes(response).await, INDEX_HTML.as_bytes());
}

#[tokio::test]
async fn assets_are_served_from_the_static_folder() {
    let dir = static_dir("asset");
    let response = send(&dir, "GET", "/app.js").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_bytes(response).await, b"console.log(1);");
}

#[tokio::test]
async fn client_side_routes_fall_back_to_index_with_200() {
    let dir = static_dir("fallback");
    let response = send(&dir, "GET", "/some/page").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_bytes(response).await, INDEX_HTML.as_bytes());
}
