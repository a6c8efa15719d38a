//! The `blind-mirror-server` binary itself: start-up errors, the listening line, SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_blind-mirror-server");

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("blind-mirror-bin-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

/// Waits for the process to exit (at most `limit`), then returns its status and stderr.
fn wait(mut child: Child, limit: Duration) -> (std::process::ExitStatus, String) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return (status, stderr);
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("the server did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn start(args: &[&str]) -> Child {
    Command::new(BIN)
        .args(["--bind", "127.0.0.1:0", "--static-dir", "/nonexistent"])
        .args(args)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn an_invalid_catalog_stops_the_start_with_a_clear_error() {
    let bad = temp_file(
        "bad.toml",
        r#"[[products]]
id = "lotion"
name = "Lotion"
description = "A lotion."
targets = ["redness"]
[products.weights]
oiliness = 0.1
pores = 0.1
sensitivity = 0.1
redness = 0.1
dehydration = 0.1
pigmentation = 0.1
wrinkles = 0.1
loss_of_firmness = 0.1
"#,
    );
    let child = start(&["--catalog", bad.to_str().unwrap()]);
    let (status, stderr) = wait(child, Duration::from_secs(60));
    assert!(!status.success());
    assert!(
        stderr.contains("missing field `bias`") && stderr.contains("bad.toml"),
        "{stderr}"
    );

    let missing = start(&["--catalog", "/nonexistent/catalog.toml"]);
    let (status, stderr) = wait(missing, Duration::from_secs(60));
    assert!(!status.success());
    assert!(stderr.contains("cannot read the file"), "{stderr}");

    let weight = temp_file(
        "heavy.json",
        r#"{"products":[{"id":"x","name":"X","description":"d","targets":[],"bias":0.0,
            "weights":{"oiliness":5.0,"pores":0,"sensitivity":0,"redness":0,"dehydration":0,
            "pigmentation":0,"wrinkles":0,"loss_of_firmness":0}}]}"#,
    );
    let heavy = start(&["--catalog", weight.to_str().unwrap()]);
    let (status, stderr) = wait(heavy, Duration::from_secs(60));
    assert!(!status.success());
    assert!(
        stderr.contains("weights.oiliness") && stderr.contains("outside"),
        "{stderr}"
    );
}

#[test]
fn bad_flags_are_refused() {
    let child = start(&["--preset", "fast"]);
    let (status, stderr) = wait(child, Duration::from_secs(60));
    assert!(!status.success());
    assert!(stderr.contains("fast"), "{stderr}");
    let child = start(&["--threads", "0"]);
    let (status, stderr) = wait(child, Duration::from_secs(60));
    assert!(!status.success());
    assert!(stderr.contains("--threads must be at least 1"), "{stderr}");
}

#[test]
fn it_serves_and_stops_cleanly_on_sigterm() {
    let catalog = temp_file(
        "one.toml",
        r#"[[products]]
id = "only"
name = "Only product"
description = "The one product."
targets = ["pores"]
bias = 0.25
[products.weights]
oiliness = 0.1
pores = 0.9
sensitivity = 0.0
redness = 0.0
dehydration = 0.0
pigmentation = 0.0
wrinkles = 0.0
loss_of_firmness = 0.0
"#,
    );
    let mut child = start(&[
        "--catalog",
        catalog.to_str().unwrap(),
        "--preset",
        "compact",
    ]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let base = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line}"))
        .trim_end_matches('/')
        .to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let health: serde_json::Value = runtime.block_on(async {
        let response = reqwest::get(format!("{base}/api/v1/health")).await.unwrap();
        assert_eq!(response.status(), 200);
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
    });
    assert_eq!(health["products"], 1);
    assert_eq!(health["presets"], serde_json::json!(["compact"]));

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let (status, stderr) = wait(child, Duration::from_secs(30));
    assert!(status.success(), "exit {status:?}: {stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");
}
