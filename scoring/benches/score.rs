//! Criterion benchmarks of the scoring protocol with production parameters: the server's
//! evaluation per request (decode, seed expansion, products, re-randomization, rescale,
//! compression, encode) for 5, 1,000 and 10,000 products, and the client's steps.
//!
//! `cargo bench -p scoring --bench score -- --warm-up-time 1 --measurement-time 3`

#![expect(clippy::unwrap_used, reason = "benchmark setup")]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use scoring::{Catalog, ClientSession, EncodedCatalog, Preset, SkinProfile, score};

/// The server binary's allocator (server/Cargo.toml), so server times match the server's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn server(c: &mut Criterion) {
    let mut group = c.benchmark_group("server");
    for preset in Preset::ALL {
        let params = preset.params().unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let session = ClientSession::new(params.clone(), &mut rng).unwrap();
        let request = session
            .encrypt_profile(&SkinProfile::reference(), &mut rng)
            .unwrap();
        for products in [5, 1000, 10_000] {
            if preset != Preset::Exact && products == 1000 {
                continue;
            }
            let catalog = Catalog::synthetic(products).unwrap();
            let encoded = EncodedCatalog::new(&catalog, params.clone()).unwrap();
            group.bench_with_input(
                BenchmarkId::new(preset.name(), products),
                &request,
                |b, req| {
                    b.iter(|| score(&encoded, req).unwrap());
                },
            );
        }
    }
    group.finish();
}

fn client(c: &mut Criterion) {
    let mut group = c.benchmark_group("client");
    for preset in Preset::ALL {
        let params = preset.params().unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        group.bench_function(BenchmarkId::new("keygen", preset.name()), |b| {
            b.iter(|| ClientSession::new(params.clone(), &mut rng).unwrap());
        });
        let session = ClientSession::new(params.clone(), &mut rng).unwrap();
        let profile = SkinProfile::reference();
        group.bench_function(BenchmarkId::new("encrypt", preset.name()), |b| {
            b.iter(|| session.encrypt_profile(&profile, &mut rng).unwrap());
        });
        let catalog = Catalog::demo().unwrap();
        let encoded = EncodedCatalog::new(&catalog, params.clone()).unwrap();
        let request = session.encrypt_profile(&profile, &mut rng).unwrap();
        let response = score(&encoded, &request).unwrap();
        let ids: Vec<String> = catalog.public_view().into_iter().map(|p| p.id).collect();
        group.bench_function(BenchmarkId::new("decrypt", preset.name()), |b| {
            b.iter(|| {
                session
                    .decrypt_scores(&response, ids.iter().map(String::as_str))
                    .unwrap()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, server, client);
criterion_main!(benches);
