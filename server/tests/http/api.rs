//! The API's successful paths: params, health, encrypted round trips, the catalog check, CORS.

use scoring::api::{ParamsDocument, params_document};
use scoring::{Catalog, Preset, ScoreRequest};
use server::ServerConfig;

use crate::common::{Client, TestServer, config, expect_problem, http, post_score, profile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn params_document_describes_the_catalog_and_presets() {
    let server = TestServer::demo("params").await;
    let response = http()
        .get(server.url("/api/v1/params"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let doc: ParamsDocument = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(doc, params_document().unwrap());
    assert_eq!(doc.products.len(), 5);
    assert_eq!(doc.products[0].id, "sensitive-soothing-lotion");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_what_is_loaded() {
    let server = TestServer::demo("health").await;
    let response = http()
        .get(server.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let health: server::routes::Health = response.json_bytes().await;
    assert_eq!(health.status, "ok");
    assert_eq!(health.presets, ["compact", "exact", "private-plus"]);
    assert_eq!(health.products, 5);
    assert_eq!(health.threads, 2);
    assert_eq!(health.in_flight, 0);
    assert_eq!(
        health.catalog_fingerprint,
        params_document().unwrap().catalog_fingerprint
    );
    server.shutdown().await.unwrap();
}

/// reqwest without its `json` feature: decode the body with serde_json.
trait JsonBytes {
    async fn json_bytes<T: serde::de::DeserializeOwned>(self) -> T;
}

impl JsonBytes for reqwest::Response {
    async fn json_bytes<T: serde::de::DeserializeOwned>(self) -> T {
        serde_json::from_slice(&self.bytes().await.unwrap()).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_preset_round_trips_within_its_bound() {
    let catalog = Catalog::demo().unwrap();
    let server = TestServer::start(&catalog, config("round-trip")).await;
    let http = http();
    for (k, preset) in Preset::ALL.into_iter().enumerate() {
        let client = Client::new(preset);
        let profile = profile(k);
        let request = client.request(&profile);
        let response = post_score(&http, &server, request).await;
        assert_eq!(response.status(), 200, "{preset}");
        assert_eq!(
            response.headers()["content-type"],
            "application/octet-stream"
        );
        assert_eq!(response.headers()["cache-control"], "no-store");
        let timing = response.headers()["server-timing"]
            .to_str()
            .unwrap()
            .to_owned();
        let eval_ms = server_timing(&timing, "eval");
        let total_ms = server_timing(&timing, "total");
        assert!(eval_ms > 0.0 && eval_ms <= total_ms, "{timing}");
        let body = response.bytes().await.unwrap();
        let worst = client.check(&body, &catalog, &profile);
        println!("{preset}: max error {worst:.3e}, eval {eval_ms:.3} ms");
    }
    // The reference profile reproduces the demo's ranking.
    let client = Client::new(Preset::Exact);
    let reference = scoring::SkinProfile::reference();
    let body = post_score(&http, &server, client.request(&reference))
        .await
        .bytes()
        .await
        .unwrap();
    client.check(&body, &catalog, &reference);
    assert_eq!(server.state.metrics().scored(), 4);
    server.shutdown().await.unwrap();
}

/// The `dur` of metric `name` in a `Server-Timing` value.
fn server_timing(value: &str, name: &str) -> f64 {
    value
        .split(',')
        .map(str::trim)
        .find(|m| m.split(';').next() == Some(name))
        .and_then(|m| m.split(';').find_map(|p| p.trim().strip_prefix("dur=")))
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no {name} duration in {value}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_catalog_round_trips_over_several_ciphertexts() {
    // 1,100 products: three result ciphertexts at n = 4096 (512 products each).
    let catalog = Catalog::synthetic(1100).unwrap();
    let server = TestServer::start(
        &catalog,
        ServerConfig {
            presets: vec![Preset::Exact],
            ..config("large")
        },
    )
    .await;
    let client = Client::new(Preset::Exact);
    let profile = profile(7);
    let response = post_score(&http(), &server, client.request(&profile)).await;
    assert_eq!(response.status(), 200);
    client.check(&response.bytes().await.unwrap(), &catalog, &profile);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_query_is_checked_before_evaluation() {
    let catalog = Catalog::demo().unwrap();
    let server = TestServer::start(&catalog, config("catalog-query")).await;
    let fingerprint = server.state.document().catalog_fingerprint.clone();
    let client = Client::new(Preset::Compact);
    let profile = profile(3);
    let http = http();
    let ok = http
        .post(server.url(&format!(
            "/api/v1/score?catalog={}",
            fingerprint.to_uppercase()
        )))
        .header("content-type", "application/octet-stream")
        .body(client.request(&profile))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    client.check(&ok.bytes().await.unwrap(), &catalog, &profile);
    let other = http
        .post(server.url("/api/v1/score?catalog=00000000"))
        .header("content-type", "application/octet-stream")
        .body(client.request(&profile))
        .send()
        .await
        .unwrap();
    let problem = expect_problem(other, 422, "catalog-mismatch").await;
    assert!(problem["detail"].as_str().unwrap().contains(&fingerprint));
    assert_eq!(server.state.metrics().scored(), 1);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_preset_server_sizes_its_limit_from_that_preset() {
    let catalog = Catalog::demo().unwrap();
    let server = TestServer::start(
        &catalog,
        ServerConfig {
            presets: vec![Preset::Compact],
            ..config("one-preset")
        },
    )
    .await;
    let compact = Preset::Compact.params().unwrap();
    assert_eq!(
        server.state.body_limit(),
        ScoreRequest::encoded_len(&compact).unwrap()
    );
    let doc = server.state.document();
    assert_eq!(doc.default_preset, "compact");
    assert_eq!(doc.presets.len(), 1);
    // A compact request works; an exact one is larger than the limit (413), and a request of
    // a preset not served that fits the limit is a 422.
    let client = Client::new(Preset::Compact);
    let http = http();
    let response = post_score(&http, &server, client.request(&profile(1))).await;
    assert_eq!(response.status(), 200);
    // The server answers 413 from the declared length and closes the connection, so the body
    // sent is the first limit + 1 bytes of an exact request: a client still writing 18 KB
    // more may see the connection reset before it reads the answer.
    let exact = Client::new(Preset::Exact).request(&profile(1));
    assert!(exact.len() > server.state.body_limit());
    let over = exact[..server.state.body_limit() + 1].to_vec();
    expect_problem(
        post_score(&http, &server, over).await,
        413,
        "payload-too-large",
    )
    .await;
    let mut relabelled = client.request(&profile(1));
    relabelled[5] = Preset::Exact.id();
    let problem = expect_problem(
        post_score(&http, &server, relabelled).await,
        422,
        "preset-not-served",
    )
    .await;
    assert_eq!(
        problem["detail"],
        "preset exact is not served here (served: compact)"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_only_the_configured_origins() {
    let catalog = Catalog::demo().unwrap();
    let server = TestServer::start(
        &catalog,
        ServerConfig {
            cors_origins: vec!["https://shop.example".to_owned()],
            ..config("cors")
        },
    )
    .await;
    let http = http();
    let preflight = http
        .request(reqwest::Method::OPTIONS, server.url("/api/v1/score"))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    let methods = preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(methods.contains("POST"), "{methods}");

    let client = Client::new(Preset::Exact);
    let response = http
        .post(server.url("/api/v1/score"))
        .header("origin", "https://shop.example")
        .header("content-type", "application/octet-stream")
        .body(client.request(&profile(2)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("server-timing"), "{exposed}");

    let foreign = http
        .get(server.url("/api/v1/params"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        !foreign
            .headers()
            .contains_key("access-control-allow-origin")
    );
    server.shutdown().await.unwrap();

    // Without --cors-origin a preflight is just a method the API does not serve.
    let plain = TestServer::demo("no-cors").await;
    let preflight = http
        .request(reqwest::Method::OPTIONS, plain.url("/api/v1/score"))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        !preflight
            .headers()
            .contains_key("access-control-allow-origin")
    );
    expect_problem(preflight, 405, "method-not-allowed").await;
    plain.shutdown().await.unwrap();
}

#[test]
fn an_invalid_cors_origin_is_a_startup_error() {
    let error = server::AppState::new(
        &Catalog::demo().unwrap(),
        ServerConfig {
            cors_origins: vec!["shop.example".to_owned()],
            ..ServerConfig::default()
        },
    )
    .unwrap_err();
    assert!(matches!(
        error,
        server::StartupError::InvalidCorsOrigin { ref origin } if origin == "shop.example"
    ));
}
