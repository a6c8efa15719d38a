//! The built web app: MIME types, compression, cache headers, client-side routes.

use std::io::Read;

use scoring::Preset;

use crate::common::{
    Client, INDEX_HTML, TestServer, WASM_NAME, expect_problem, http, post_score, profile,
    wasm_bytes,
};

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_and_client_routes_are_html_revalidated_every_time() {
    let server = TestServer::demo("index").await;
    let http = http();
    for path in ["/", "/index.html", "/settings", "/some/page"] {
        let response = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
        assert_eq!(response.text().await.unwrap(), INDEX_HTML, "{path}");
    }
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_wasm_is_application_wasm_immutable_and_compressed() {
    let server = TestServer::demo("wasm").await;
    let http = http();
    let path = format!("/{WASM_NAME}");
    let plain = http.get(server.url(&path)).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.headers()["content-type"], "application/wasm");
    assert_eq!(
        plain.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(!plain.headers().contains_key("content-encoding"));
    assert_eq!(plain.bytes().await.unwrap(), wasm_bytes());

    let gzipped = http
        .get(server.url(&path))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert_eq!(gzipped.headers()["content-type"], "application/wasm");
    let body = gzipped.bytes().await.unwrap();
    assert!(body.len() < wasm_bytes().len() / 4, "{} bytes", body.len());
    assert_eq!(gunzip(&body), wasm_bytes());
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unhashed_assets_are_revalidated_and_json_is_compressed() {
    let server = TestServer::demo("assets").await;
    let http = http();
    let script = http.get(server.url("/app.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(script.headers()["cache-control"], "no-cache");

    let params = http
        .get(server.url("/api/v1/params"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(params.headers()["content-encoding"], "gzip");
    let doc: scoring::api::ParamsDocument =
        serde_json::from_slice(&gunzip(&params.bytes().await.unwrap())).unwrap();
    assert_eq!(doc.products.len(), 5);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ciphertext_responses_are_never_compressed() {
    let server = TestServer::demo("no-gzip").await;
    let client = Client::new(Preset::Exact);
    let response = http()
        .post(server.url("/api/v1/score"))
        .header("content-type", "application/octet-stream")
        .header("accept-encoding", "gzip")
        .body(client.request(&profile(5)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(!response.headers().contains_key("content-encoding"));
    let catalog = scoring::Catalog::demo().unwrap();
    client.check(&response.bytes().await.unwrap(), &catalog, &profile(5));
    // An error of the same endpoint is still a problem document.
    let bad = post_score(&http(), &server, vec![1, 2, 3]).await;
    expect_problem(bad, 400, "malformed-request").await;
    server.shutdown().await.unwrap();
}
