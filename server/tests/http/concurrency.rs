//! Many clients at once, and a graceful shutdown that loses no accepted request.

use std::time::Duration;

use scoring::{Catalog, Preset};
use server::ServerConfig;

use crate::common::{Client, TestServer, block_pool, config, http, profile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_clients_all_get_their_own_correct_scores() {
    const CLIENTS: usize = 64;
    let catalog = Catalog::demo().unwrap();
    let server = TestServer::start(&catalog, config("concurrent")).await;
    // Each client has its own keys (a preset in turn) and profile, and its own connection.
    let clients: Vec<(Client, scoring::SkinProfile, Vec<u8>)> = (0..CLIENTS)
        .map(|k| {
            let client = Client::new(Preset::ALL[k % Preset::ALL.len()]);
            let profile = profile(k);
            let request = client.request(&profile);
            (client, profile, request)
        })
        .collect();
    let base = server.base.clone();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|(client, profile, request)| {
            let base = base.clone();
            tokio::spawn(async move {
                let response = http()
                    .post(format!("{base}/api/v1/score"))
                    .header("content-type", "application/octet-stream")
                    .body(request)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
                (client, profile, response.bytes().await.unwrap())
            })
        })
        .collect();
    let mut worst = 0f64;
    for task in tasks {
        let (client, profile, body) = task.await.unwrap();
        // Decrypting with its own key proves the answer was computed on its own request.
        worst = worst.max(client.check(&body, &catalog, &profile));
    }
    println!("{CLIENTS} clients: max error {worst:.3e}");
    assert_eq!(server.state.metrics().scored(), CLIENTS as u64);
    assert_eq!(server.state.pool().in_flight(), 0);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_under_load_finishes_every_accepted_request() {
    const CLIENTS: usize = 24;
    let catalog = Catalog::synthetic(1500).unwrap();
    let mut server = TestServer::start(
        &catalog,
        ServerConfig {
            presets: vec![Preset::Exact],
            threads: 1,
            ..config("shutdown")
        },
    )
    .await;
    // Hold the only evaluation thread so every request is accepted and waiting when the
    // signal comes.
    let (release, blockers) = block_pool(&server.state).await;
    let mut tasks = Vec::new();
    for k in 0..CLIENTS {
        let client = Client::new(Preset::Exact);
        let profile = profile(k);
        let request = client.request(&profile);
        let base = server.base.clone();
        tasks.push(tokio::spawn(async move {
            let response = http()
                .post(format!("{base}/api/v1/score"))
                .header("content-type", "application/octet-stream")
                .body(request)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            (client, profile, response.bytes().await.unwrap())
        }));
    }
    // A request is counted as received before its body is read and takes a pool slot only
    // after, so wait for the slots, with a deadline instead of a hang.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while server.state.pool().in_flight() < 1 + CLIENTS {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {CLIENTS} requests reached the pool",
            server.state.pool().in_flight() - 1
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(server.state.metrics().received(), CLIENTS as u64);
    assert_eq!(server.state.pool().in_flight(), 1 + CLIENTS);
    server.signal_shutdown();
    // The listener closes while the accepted requests are still waiting.
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut refused = false;
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(&addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        refused,
        "the server still accepts connections after the signal"
    );
    assert_eq!(server.state.metrics().scored(), 0);
    drop(release);
    for b in blockers {
        b.await.unwrap();
    }
    for task in tasks {
        let (client, profile, body) = task.await.unwrap();
        client.check(&body, &catalog, &profile);
    }
    assert_eq!(server.state.metrics().scored(), CLIENTS as u64);
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_waiting_after_the_grace_period() {
    let catalog = Catalog::demo().unwrap();
    let state = server::AppState::new(
        &catalog,
        ServerConfig {
            threads: 1,
            ..config("grace")
        },
    )
    .unwrap();
    let mut server = TestServer::start_with_grace(
        server::app(state.clone()),
        state,
        Duration::from_millis(300),
    )
    .await;
    let (release, blockers) = block_pool(&server.state).await;
    let client = Client::new(Preset::Exact);
    let request = client.request(&profile(0));
    let base = server.base.clone();
    let stuck = tokio::spawn(async move {
        http()
            .post(format!("{base}/api/v1/score"))
            .header("content-type", "application/octet-stream")
            .body(request)
            .send()
            .await
    });
    while server.state.metrics().received() < 1 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let signalled = std::time::Instant::now();
    server.signal_shutdown();
    tokio::time::timeout(Duration::from_secs(10), server.join())
        .await
        .expect("the server waited for the stuck request past its grace period")
        .unwrap();
    let waited = signalled.elapsed();
    // It waited for the grace period, not for the stuck request (which the binary's exit then
    // drops; here the test's runtime lives on, so it is released below).
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    assert!(!stuck.is_finished());
    drop(release);
    for b in blockers {
        b.await.unwrap();
    }
    let _ = stuck.await.unwrap();
}
