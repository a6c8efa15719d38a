//! Every error the API can give, with its status and RFC 9457 problem body.

use std::time::Duration;

use axum::routing::get;
use scoring::{Catalog, Preset, ScoreRequest};
use server::{AppState, RateLimit, ServerConfig};

use crate::common::{
    Client, TestServer, block_pool, config, expect_problem, http, post_score, profile,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_content_type_is_415() {
    let server = TestServer::demo("415").await;
    let http = http();
    let body = Client::new(Preset::Exact).request(&profile(0));
    let json = http
        .post(server.url("/api/v1/score"))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let problem = expect_problem(json, 415, "unsupported-media-type").await;
    assert_eq!(
        problem["detail"],
        "the request body must be application/octet-stream, not application/json"
    );
    let none = http
        .post(server.url("/api/v1/score"))
        .body(body)
        .send()
        .await
        .unwrap();
    expect_problem(none, 415, "unsupported-media-type").await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_413_with_or_without_a_length() {
    let server = TestServer::demo("413").await;
    let limit = server.state.body_limit();
    // The largest served preset is private-plus.
    let largest = ScoreRequest::encoded_len(&Preset::PrivatePlus.params().unwrap()).unwrap();
    assert_eq!(limit, largest);
    let http = http();
    let declared = post_score(&http, &server, vec![0u8; limit + 1]).await;
    let problem = expect_problem(declared, 413, "payload-too-large").await;
    assert_eq!(
        problem["detail"],
        format!("the request body is larger than the limit of {limit} bytes")
    );
    // A chunked body (no Content-Length) that grows past the limit.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..4).map(|_| Ok(vec![0u8; limit / 3 + 1])).collect();
    let chunked = http
        .post(server.url("/api/v1/score"))
        .header("content-type", "application/octet-stream")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    expect_problem(chunked, 413, "payload-too-large").await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bytes_are_400() {
    let server = TestServer::demo("400").await;
    let http = http();
    let valid = Client::new(Preset::Exact).request(&profile(0));
    let mut bad_magic = valid.clone();
    bad_magic[0] = b'X';
    let mut trailing = valid.clone();
    trailing.push(0);
    let mut out_of_range = valid.clone();
    // The first residue of c0 (50 bits of q_0 after the header and both seeds): all ones.
    for b in &mut out_of_range[74..80] {
        *b = 0xFF;
    }
    out_of_range[80] |= 0x03;
    let mut wrong_kind = valid.clone();
    wrong_kind[9] = wrong_kind[9].wrapping_add(1);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "truncated"),
        ("header only", valid[..10].to_vec(), "truncated"),
        ("truncated", valid[..valid.len() - 1].to_vec(), "truncated"),
        ("bad magic", bad_magic, "magic"),
        ("trailing byte", trailing, "trailing"),
        (
            "residue out of range",
            out_of_range,
            "not below its modulus",
        ),
        ("wrong kind", wrong_kind, "kind"),
    ];
    for (name, body, needle) in cases {
        let problem = expect_problem(
            post_score(&http, &server, body).await,
            400,
            "malformed-request",
        )
        .await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(needle), "{name}: {detail}");
    }
    let query = http
        .post(server.url("/api/v1/score?catalog=xyz"))
        .header("content-type", "application/octet-stream")
        .body(valid)
        .send()
        .await
        .unwrap();
    expect_problem(query, 400, "invalid-query").await;
    assert_eq!(server.state.metrics().scored(), 0);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_versions_and_unknown_presets_are_422() {
    let server = TestServer::demo("422").await;
    let http = http();
    let valid = Client::new(Preset::Exact).request(&profile(0));
    let mut version = valid.clone();
    version[4] = version[4].wrapping_add(1);
    let problem = expect_problem(
        post_score(&http, &server, version).await,
        422,
        "unsupported-request",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("version"),
        "{problem}"
    );
    let mut unknown = valid.clone();
    unknown[5] = 9;
    let problem = expect_problem(
        post_score(&http, &server, unknown).await,
        422,
        "unsupported-request",
    )
    .await;
    assert_eq!(
        problem["detail"],
        "unsupported score request: unknown preset id 9"
    );
    // A request relabelled as another (served) preset no longer has that preset's length.
    let mut relabelled = valid;
    relabelled[5] = Preset::Compact.id();
    expect_problem(
        post_score(&http, &server, relabelled).await,
        400,
        "malformed-request",
    )
    .await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_methods_are_404_and_405() {
    let server = TestServer::demo("404").await;
    let http = http();
    for path in [
        "/api",
        "/api/v1",
        "/api/v1/nothing-here",
        "/api/v2/params",
        "/api/v1/params/x",
    ] {
        let response = http.get(server.url(path)).send().await.unwrap();
        let problem = expect_problem(response, 404, "not-found").await;
        assert_eq!(problem["detail"], format!("no resource at {path}"));
    }
    let post_unknown = http
        .post(server.url("/api/v1/nothing"))
        .send()
        .await
        .unwrap();
    expect_problem(post_unknown, 404, "not-found").await;
    let missing_asset = http
        .get(server.url("/missing-0123456789abcdef.js"))
        .send()
        .await
        .unwrap();
    expect_problem(missing_asset, 404, "not-found").await;

    let delete = http
        .delete(server.url("/api/v1/params"))
        .send()
        .await
        .unwrap();
    let problem = expect_problem(delete, 405, "method-not-allowed").await;
    assert_eq!(problem["detail"], "/api/v1/params does not accept DELETE");
    let get_score = http.get(server.url("/api/v1/score")).send().await.unwrap();
    assert_eq!(get_score.headers()["allow"], "POST");
    expect_problem(get_score, 405, "method-not-allowed").await;
    let post_static = http.post(server.url("/index.html")).send().await.unwrap();
    // The static files' own 405 became a problem document and kept its `Allow`.
    let allow = post_static.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET"), "{allow}");
    expect_problem(post_static, 405, "method-not-allowed").await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_answers_429_with_retry_after() {
    let catalog = Catalog::demo().unwrap();
    let server = TestServer::start(
        &catalog,
        ServerConfig {
            rate_limit: Some(RateLimit {
                per_minute: 1,
                burst: 2,
            }),
            ..config("429")
        },
    )
    .await;
    let http = http();
    let client = Client::new(Preset::Exact);
    for k in 0..2 {
        let response = post_score(&http, &server, client.request(&profile(k))).await;
        assert_eq!(response.status(), 200);
        client.check(&response.bytes().await.unwrap(), &catalog, &profile(k));
    }
    let refused = post_score(&http, &server, client.request(&profile(2))).await;
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // One request per minute: the next token is up to 60 s away.
    assert!((1..=60).contains(&retry), "{retry}");
    expect_problem(refused, 429, "too-many-requests").await;
    // Other endpoints are not limited.
    assert_eq!(
        http.get(server.url("/api/v1/params"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pool_sheds_load_with_503() {
    let catalog = Catalog::demo().unwrap();
    let server = TestServer::start(
        &catalog,
        ServerConfig {
            threads: 1,
            max_in_flight: 1,
            ..config("503")
        },
    )
    .await;
    let (release, blockers) = block_pool(&server.state).await;
    let http = http();
    let client = Client::new(Preset::Exact);
    let refused = post_score(&http, &server, client.request(&profile(0))).await;
    assert!(refused.headers().contains_key("retry-after"));
    let problem = expect_problem(refused, 503, "overloaded").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("1 evaluations in flight")
    );
    drop(release);
    for b in blockers {
        b.await.unwrap();
    }
    let response = post_score(&http, &server, client.request(&profile(0))).await;
    assert_eq!(response.status(), 200);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_time_limit_is_503() {
    let catalog = Catalog::demo().unwrap();
    let server = TestServer::start(
        &catalog,
        ServerConfig {
            threads: 1,
            request_timeout: Duration::from_millis(300),
            ..config("timeout")
        },
    )
    .await;
    let (release, blockers) = block_pool(&server.state).await;
    let http = http();
    let client = Client::new(Preset::Exact);
    let started = std::time::Instant::now();
    let response = post_score(&http, &server, client.request(&profile(0))).await;
    let waited = started.elapsed();
    let problem = expect_problem(response, 503, "timeout").await;
    assert_eq!(
        problem["detail"],
        "the request did not complete within 300 ms"
    );
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    drop(release);
    for b in blockers {
        b.await.unwrap();
    }
    // The abandoned evaluation still ran to its end and freed its slot.
    while server.state.pool().in_flight() > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_a_500_and_the_server_lives_on() {
    let state = AppState::new(&Catalog::demo().unwrap(), config("panic")).unwrap();
    let router = axum::Router::new()
        .route(
            "/api/v1/boom",
            get(|| async {
                if std::hint::black_box(true) {
                    panic!("handler failure for the test");
                }
                "unreachable"
            }),
        )
        .route("/api/v1/fine", get(|| async { "fine" }));
    let server = TestServer::start_router(server::app::with_layers(router, &state), state).await;
    let http = http();
    for _ in 0..2 {
        let response = http.get(server.url("/api/v1/boom")).send().await.unwrap();
        let problem = expect_problem(response, 500, "internal").await;
        // The cause stays in the log.
        assert_eq!(problem["detail"], "internal error");
    }
    let fine = http.get(server.url("/api/v1/fine")).send().await.unwrap();
    assert_eq!(fine.status(), 200);
    assert_eq!(fine.text().await.unwrap(), "fine");
    server.shutdown().await.unwrap();
}
