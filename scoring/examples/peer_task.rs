//! The peers' seed task (`bench/peers/task.py`) on this protocol, with their timed steps and
//! their JSON-lines fields, so `make_tables.py` prints our rows beside theirs.
//!
//! ```text
//! cargo run --release -p scoring --example peer_task -- --products 5,1000,10000 [--preset exact] [--reps R] [--threads T]
//! ```
//! Steps (median of R runs after one warm-up; R defaults to 30 for up to 5 products, else 10):
//! keygen = parameters + secret key + compressed public key; enc = encode + encrypt + serialize
//! the request; server = decode the request, expand the seeds, evaluate, re-randomize, encode
//! the response (catalog already encoded; its one-off encoding is `server_encode_ms`);
//! dec = decode the response + decrypt + decode the scores. Exits non-zero if the error is
//! above the preset's bound.

use std::process::ExitCode;
use std::time::Instant;

use scoring::protocol::ScoreRequest;
use scoring::{Catalog, ClientSession, EncodedCatalog, Preset, SkinProfile, score};

/// The server binary's allocator (server/Cargo.toml), so server times match the server's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

struct Args {
    products: Vec<usize>,
    preset: Preset,
    reps: Option<usize>,
    threads: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        products: vec![5],
        preset: Preset::default(),
        reps: None,
        threads: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--products" => {
                args.products = value()?
                    .split(',')
                    .map(|p| {
                        p.trim()
                            .parse()
                            .map_err(|_| format!("bad product count {p}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--preset" => {
                args.preset = value()?
                    .parse()
                    .map_err(|e: scoring::Error| e.to_string())?
            }
            "--reps" => args.reps = Some(value()?.parse().map_err(|_| "bad --reps".to_owned())?),
            "--threads" => {
                args.threads = value()?.parse().map_err(|_| "bad --threads".to_owned())?
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// Median wall time in milliseconds of `f` over `reps` runs after one warm-up, and its last result.
fn median_ms<T>(reps: usize, mut f: impl FnMut() -> Result<T, String>) -> Result<(f64, T), String> {
    let mut out = f()?;
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps.max(1) {
        let start = Instant::now();
        out = f()?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let mid = times.len() / 2;
    let median = if times.len() % 2 == 0 {
        (times.get(mid - 1).copied().unwrap_or(0.0) + times.get(mid).copied().unwrap_or(0.0)) / 2.0
    } else {
        times.get(mid).copied().unwrap_or(0.0)
    };
    Ok((median, out))
}

fn host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn run_one(args: &Args, products: usize) -> Result<bool, String> {
    let e = |err: scoring::Error| err.to_string();
    let reps = args.reps.unwrap_or(if products <= 5 { 30 } else { 10 });
    let catalog = Catalog::synthetic(products).map_err(e)?;
    let profile = SkinProfile::reference();
    let mut rng = ckks::sampling::os_rng().map_err(|x| x.to_string())?;

    let (keygen_ms, session) = median_ms(reps, || {
        let params = args.preset.params().map_err(e)?;
        ClientSession::new(params, &mut rng).map_err(e)
    })?;
    let params = session.params().clone();
    let (encrypt_ms, request) = median_ms(reps, || {
        session.encrypt_profile(&profile, &mut rng).map_err(e)
    })?;
    let encode_start = Instant::now();
    let encoded = EncodedCatalog::new(&catalog, params.clone()).map_err(e)?;
    let server_encode_ms = encode_start.elapsed().as_secs_f64() * 1e3;
    let (server_ms, response) = median_ms(reps, || score(&encoded, &request).map_err(e))?;
    let ids: Vec<String> = catalog.public_view().into_iter().map(|p| p.id).collect();
    let (decrypt_ms, scores) = median_ms(reps, || {
        session
            .decrypt_scores(&response, ids.iter().map(String::as_str))
            .map_err(e)
    })?;

    let want = catalog.cleartext_scores(&profile);
    let max_err = scores
        .iter()
        .zip(&want)
        .map(|(g, w)| (g.score - w).abs())
        .fold(0.0, f64::max);
    let bound = params.error_bound(products);
    let total = ScoreRequest::encoded_len(&params).map_err(e)?;
    let pk_bytes = ckks::sampling::SEED_BYTES
        + session.public_key().1.len() * params.compressed_bits() as usize / 8;
    let moduli: Vec<u32> = params
        .ckks()
        .basis()
        .moduli()
        .iter()
        .map(ckks::ring::Modulus::bits)
        .collect();
    let row = serde_json::json!({
        "lib": "blind-mirror",
        "version": env!("CARGO_PKG_VERSION"),
        "threads": args.threads,
        "reps": reps,
        "host": host(),
        "cpus": std::thread::available_parallelism().map(usize::from).unwrap_or(1),
        "strategy": format!("coeff-{}", params.preset()),
        "N": params.n(),
        "logQP": params.ckks().basis().log_q().ceil() as u32,
        "scale": format!("2^{:.1}", params.df().log2() + params.dw().log2()),
        "moduli": moduli,
        "products": products,
        "keygen_ms": keygen_ms,
        "encrypt_ms": encrypt_ms,
        "upload_ct_B": total - pk_bytes,
        "upload_keys_B": pk_bytes,
        "server_params_B": 0,
        "server_ms": server_ms,
        "server_encode_ms": server_encode_ms,
        "download_B": response.len(),
        "decrypt_ms": decrypt_ms,
        "max_err": max_err,
        "error_bound": bound,
        "n_upload_cts": 1,
        "n_download_cts": products.div_ceil(params.products_per_ciphertext()),
    });
    println!("{row}");
    Ok(max_err <= bound)
}

fn run() -> Result<bool, String> {
    let args = parse_args()?;
    scoring::server::set_threads(args.threads).map_err(|e| e.to_string())?;
    let mut ok = true;
    for &products in &args.products {
        ok &= run_one(&args, products)?;
    }
    Ok(ok)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("peer_task: FAIL: max error above the preset's bound");
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("peer_task: {message}");
            ExitCode::FAILURE
        }
    }
}
