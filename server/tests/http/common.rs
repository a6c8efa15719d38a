//! A real server on an ephemeral loopback port, a real HTTP client, and the client side of the
//! protocol (`scoring::ClientSession`) to build requests and check responses.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use scoring::{Catalog, ClientSession, Preset, PresetParams, SkinProfile};
use server::{AppState, ServerConfig, app, serve};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const INDEX_HTML: &str = "<!doctype html><title>Blind Mirror test page</title>";
/// A content-hashed wasm asset as trunk names them.
pub const WASM_NAME: &str = "wasm-client-0123456789abcdef_bg.wasm";

/// A server running in this process on 127.0.0.1 with a port the system picked.
pub struct TestServer {
    pub base: String,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    /// Serves `app` for `catalog` and `config`.
    pub async fn start(catalog: &Catalog, config: ServerConfig) -> Self {
        let state = AppState::new(catalog, config).unwrap();
        Self::start_router(app(state.clone()), state).await
    }

    /// Serves the demo catalog with the default configuration (static folder of `test`).
    pub async fn demo(test: &str) -> Self {
        Self::start(&Catalog::demo().unwrap(), config(test)).await
    }

    /// Serves any router (for tests of the layers).
    pub async fn start_router(router: axum::Router, state: AppState) -> Self {
        Self::start_with_grace(router, state, Duration::from_secs(60)).await
    }

    /// Serves `router` with a shutdown grace period of `grace`.
    pub async fn start_with_grace(router: axum::Router, state: AppState, grace: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(
            listener,
            router,
            async move {
                let _ = stopped.await;
            },
            grace,
        ));
        Self {
            base,
            state,
            stop: Some(stop),
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends the shutdown signal without waiting.
    pub fn signal_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Signals shutdown and waits until the server has returned.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        self.signal_shutdown();
        self.task.await.unwrap()
    }

    /// Waits for the server task after [`TestServer::signal_shutdown`].
    pub async fn join(self) -> std::io::Result<()> {
        self.task.await.unwrap()
    }
}

/// A fresh static folder with `index.html`, a hashed wasm file and a plain script.
pub fn static_dir(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("blind-mirror-server-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), INDEX_HTML).unwrap();
    std::fs::write(dir.join(WASM_NAME), wasm_bytes()).unwrap();
    std::fs::write(
        dir.join("app.js"),
        "console.log('blind mirror');\n".repeat(20),
    )
    .unwrap();
    dir
}

/// A wasm module header followed by compressible filler (the server does not parse it).
pub fn wasm_bytes() -> Vec<u8> {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend(std::iter::repeat_n(0u8, 4000));
    bytes
}

/// Test configuration: 2 evaluation threads, the static folder of `test`.
pub fn config(test: &str) -> ServerConfig {
    ServerConfig {
        static_dir: static_dir(test),
        threads: 2,
        ..ServerConfig::default()
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// A profile that differs per `k`, every value in [0, 1].
pub fn profile(k: usize) -> SkinProfile {
    SkinProfile::new(core::array::from_fn(|i| {
        ((k * 37 + i * 13) % 101) as f64 / 100.0
    }))
    .unwrap()
}

/// A client: keys for one preset, and the catalog's product ids (from the params document).
pub struct Client {
    pub session: ClientSession,
    pub params: Arc<PresetParams>,
}

impl Client {
    pub fn new(preset: Preset) -> Self {
        let params = preset.params().unwrap();
        let mut rng = ckks::sampling::os_rng().unwrap();
        Self {
            session: ClientSession::new(params.clone(), &mut rng).unwrap(),
            params,
        }
    }

    pub fn request(&self, profile: &SkinProfile) -> Vec<u8> {
        let mut rng = ckks::sampling::os_rng().unwrap();
        self.session.encrypt_profile(profile, &mut rng).unwrap()
    }

    /// Decrypts `response` and returns the largest |fhe - cleartext| over the products after
    /// asserting each is within the preset's error bound for this catalog size.
    pub fn check(&self, response: &[u8], catalog: &Catalog, profile: &SkinProfile) -> f64 {
        let public = catalog.public_view();
        let scores = self
            .session
            .decrypt_scores(response, public.iter().map(|p| p.id.as_str()))
            .unwrap();
        let clear = catalog.cleartext_scores(profile);
        assert_eq!(scores.len(), clear.len());
        let bound = self.params.error_bound(catalog.len());
        let mut worst = 0f64;
        for (s, c) in scores.iter().zip(&clear) {
            let error = (s.score - c).abs();
            assert!(
                error <= bound,
                "{}: fhe {} vs cleartext {c}: error {error:e} above the bound {bound:e}",
                s.id,
                s.score
            );
            worst = worst.max(error);
        }
        worst
    }
}

/// Posts request bytes to the score endpoint.
pub async fn post_score(
    http: &reqwest::Client,
    server: &TestServer,
    body: Vec<u8>,
) -> reqwest::Response {
    http.post(server.url("/api/v1/score"))
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Asserts a problem document with `status` and `slug`, and returns it.
pub async fn expect_problem(
    response: reqwest::Response,
    status: u16,
    slug: &str,
) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "{response:?}");
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let problem: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(problem["status"], status);
    assert_eq!(problem["type"], format!("/problems/{slug}"), "{problem}");
    assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(problem["detail"].as_str().is_some_and(|t| !t.is_empty()));
    problem
}

/// Occupies every thread of the server's evaluation pool until the returned sender is used or
/// dropped, so requests queue behind it deterministically.
pub async fn block_pool(state: &AppState) -> (std::sync::mpsc::Sender<()>, Vec<JoinHandle<()>>) {
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let gate = Arc::new(std::sync::Mutex::new(gate));
    let threads = state.pool().threads();
    let before = state.pool().in_flight();
    let mut jobs = Vec::new();
    let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for _ in 0..threads {
        let pool = state.pool().clone();
        let gate = Arc::clone(&gate);
        let started = Arc::clone(&started);
        jobs.push(tokio::spawn(async move {
            let _ = pool
                .run(move || {
                    started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    // Each blocker waits for the one release message or the sender's drop.
                    let _ = gate.lock().map(|g| g.recv());
                })
                .await;
        }));
    }
    // Wait until every blocker runs on a pool thread (not merely queued).
    while started.load(std::sync::atomic::Ordering::SeqCst) < threads {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(state.pool().in_flight(), before + threads);
    (release, jobs)
}
