//! Log lines never carry payload bytes, keys or weights, even at TRACE level for every crate.
//!
//! A separate test binary: it installs a global subscriber that captures everything logged by
//! the server, axum, tower-http and hyper while real requests are served.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed step fails the test"
)]

#[path = "http/common.rs"]
#[allow(dead_code, reason = "shared helpers; this binary uses some of them")]
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{Client, TestServer, http, post_score, profile};
use scoring::Preset;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Length of the longest run of characters satisfying `f`.
fn longest_run(text: &str, f: impl Fn(char) -> bool) -> usize {
    let mut best = 0;
    let mut current = 0;
    for c in text.chars() {
        current = if f(c) { current + 1 } else { 0 };
        best = best.max(current);
    }
    best
}

/// Longest list of integers separated by ", " (how `{:?}` prints a byte or coefficient vector).
fn longest_integer_list(text: &str) -> usize {
    let mut best = 0;
    for line in text.lines() {
        let mut current = 0;
        for token in line.split(", ") {
            let token = token.trim_matches(|c| c == '[' || c == ']');
            current = if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
                current + 1
            } else {
                0
            };
            best = best.max(current);
        }
    }
    best
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_never_contain_payloads_keys_or_weights() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let server = TestServer::demo("logs").await;
    let catalog = scoring::Catalog::demo().unwrap();
    let http = http();
    let mut payloads = Vec::new();
    for (k, preset) in Preset::ALL.into_iter().enumerate() {
        let client = Client::new(preset);
        let request = client.request(&profile(k));
        let response = post_score(&http, &server, request.clone()).await;
        assert_eq!(response.status(), 200);
        let body = response.bytes().await.unwrap().to_vec();
        client.check(&body, &catalog, &profile(k));
        payloads.push(request);
        payloads.push(body);
    }
    // Failures log too: a malformed body and a body of the wrong type.
    let mut malformed = payloads[0].clone();
    malformed.truncate(5000);
    assert_eq!(post_score(&http, &server, malformed).await.status(), 400);
    let wrong_type = http
        .post(server.url("/api/v1/score"))
        .header("content-type", "text/plain")
        .body(payloads[0].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);
    server.shutdown().await.unwrap();

    let bytes = capture.0.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    // The capture works: the handler's summary line is there, with sizes only.
    assert!(text.contains("scored"), "no handler log captured");
    assert!(text.contains("request_bytes=72778"), "no sizes logged");
    assert!(text.contains("TRACE"), "TRACE level not captured");

    // No hex dump, no `{:?}` of a byte or coefficient vector, no base64.
    assert!(
        longest_run(&text, |c| c.is_ascii_hexdigit()) < 32,
        "hex run in the log"
    );
    assert!(longest_integer_list(&text) < 16, "integer list in the log");
    assert!(
        longest_run(&text, |c| c.is_ascii_alphanumeric() || c == '+' || c == '/') < 64,
        "base64-like run in the log"
    );
    // No raw payload bytes: no 16-byte chunk of any request or response is in the log.
    let logged: std::collections::HashSet<&[u8]> = bytes.windows(16).collect();
    for payload in &payloads {
        assert!(
            !payload.chunks_exact(16).any(|chunk| logged.contains(chunk)),
            "payload bytes in the log"
        );
    }
    // No weight or bias of the catalog (the lotion's bias 0.526 and its 0.9 sensitivity weight
    // appear in no log field).
    assert!(!text.contains("0.526"));
    assert!(!text.contains("weights"));
}
