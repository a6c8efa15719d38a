//! Client and server in one process: encrypt a profile, score it on a catalog, decrypt, and print
//! one JSON object per product, best first, with the cleartext score and the error.
//!
//! ```text
//! cargo run --release -p scoring --example round_trip -- \
//!     [--catalog FILE.toml|FILE.json] [--profile 0.78,0.71,0.65,0.48,0.36,0.59,0.27,0.83] [--preset exact]
//! ```
//! Without `--catalog` it uses the demo catalog; without `--profile`, the reference profile.
//!
//! With `--server URL` (for example `http://127.0.0.1:3000`) it talks to a running
//! `blind-mirror-server` instead: it reads `GET /api/v1/params`, encrypts locally, posts the
//! request to `POST /api/v1/score` and decrypts the answer, printing the same lines. The
//! cleartext and error fields are then known only with `--catalog FILE` (the server's catalog,
//! checked by its fingerprint), and are `null` without it. The server's `Server-Timing` and the
//! message sizes go to standard error.

use std::path::PathBuf;
use std::process::ExitCode;

use scoring::client::rank;
use scoring::{Catalog, ClientSession, EncodedCatalog, Preset, SkinProfile, score};

/// One output line, fields in this order.
#[derive(serde::Serialize)]
struct Row<'a> {
    id: &'a str,
    name: &'a str,
    fhe: f64,
    cleartext: f64,
    error: f64,
}

struct Args {
    server: Option<String>,
    catalog: Option<PathBuf>,
    profile: SkinProfile,
    preset: Preset,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        server: None,
        catalog: None,
        profile: SkinProfile::reference(),
        preset: Preset::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => args.server = Some(value()?.trim_end_matches('/').to_owned()),
            "--catalog" => args.catalog = Some(PathBuf::from(value()?)),
            "--profile" => {
                args.profile = value()?
                    .parse()
                    .map_err(|e: scoring::Error| e.to_string())?
            }
            "--preset" => {
                args.preset = value()?
                    .parse()
                    .map_err(|e: scoring::Error| e.to_string())?
            }
            "--help" | "-h" => {
                return Err("usage: round_trip [--server URL] [--catalog FILE] [--profile f1,...,f8] [--preset compact|exact|private-plus]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    if let Some(url) = &args.server {
        return remote::run(url, &args);
    }
    let catalog = match &args.catalog {
        Some(path) => Catalog::from_path(path),
        None => Catalog::demo(),
    }
    .map_err(|e| e.to_string())?;
    let params = args.preset.params().map_err(|e| e.to_string())?;
    let mut rng = ckks::sampling::os_rng().map_err(|e| e.to_string())?;
    let session = ClientSession::new(params.clone(), &mut rng).map_err(|e| e.to_string())?;
    let encoded = EncodedCatalog::new(&catalog, params).map_err(|e| e.to_string())?;
    let request = session
        .encrypt_profile(&args.profile, &mut rng)
        .map_err(|e| e.to_string())?;
    let response = score(&encoded, &request).map_err(|e| e.to_string())?;
    let public = catalog.public_view();
    let mut scores = session
        .decrypt_scores(&response, public.iter().map(|p| p.id.as_str()))
        .map_err(|e| e.to_string())?;
    let cleartext: std::collections::HashMap<&str, f64> = public
        .iter()
        .map(|p| p.id.as_str())
        .zip(catalog.cleartext_scores(&args.profile))
        .collect();
    let names: std::collections::HashMap<&str, &str> = public
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    rank(&mut scores);
    for s in &scores {
        let clear = cleartext.get(s.id.as_str()).copied().unwrap_or(f64::NAN);
        let row = Row {
            id: &s.id,
            name: names.get(s.id.as_str()).copied().unwrap_or_default(),
            fhe: s.score,
            cleartext: clear,
            error: (s.score - clear).abs(),
        };
        println!(
            "{}",
            serde_json::to_string(&row).map_err(|e| e.to_string())?
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("round_trip: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The `--server URL` mode: the same client, the server over HTTP.
mod remote {
    use super::{Args, Catalog, ClientSession, rank};
    use scoring::api::{ParamsDocument, format_fingerprint};

    /// One output line; `cleartext` and `error` are `null` without `--catalog`.
    #[derive(serde::Serialize)]
    struct Row<'a> {
        id: &'a str,
        name: &'a str,
        fhe: f64,
        cleartext: Option<f64>,
        error: Option<f64>,
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into()
    }

    /// The body of a non-2xx answer (a problem document) as an error message.
    fn failure(what: &str, mut response: ureq::http::Response<ureq::Body>) -> String {
        let status = response.status();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        format!("{what} answered HTTP {status}: {body}")
    }

    pub(super) fn run(url: &str, args: &Args) -> Result<(), String> {
        let agent = agent();
        let params_url = format!("{url}/api/v1/params");
        let mut response = agent
            .get(&params_url)
            .call()
            .map_err(|e| format!("{params_url}: {e}"))?;
        if !response.status().is_success() {
            return Err(failure(&params_url, response));
        }
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        let doc: ParamsDocument =
            serde_json::from_str(&text).map_err(|e| format!("{params_url}: {e}"))?;
        if doc.preset(args.preset.name()).is_none() {
            return Err(format!("the server does not serve preset {}", args.preset));
        }
        let catalog = match &args.catalog {
            Some(path) => {
                let catalog = Catalog::from_path(path).map_err(|e| e.to_string())?;
                let fingerprint = format_fingerprint(catalog.fingerprint());
                if fingerprint != doc.catalog_fingerprint {
                    return Err(format!(
                        "{} has fingerprint {fingerprint}, the server's catalog {}",
                        path.display(),
                        doc.catalog_fingerprint
                    ));
                }
                Some(catalog)
            }
            None => None,
        };
        let params = args.preset.params().map_err(|e| e.to_string())?;
        let mut rng = ckks::sampling::os_rng().map_err(|e| e.to_string())?;
        let session = ClientSession::new(params, &mut rng).map_err(|e| e.to_string())?;
        let request = session
            .encrypt_profile(&args.profile, &mut rng)
            .map_err(|e| e.to_string())?;
        let score_url = format!("{url}/api/v1/score?catalog={}", doc.catalog_fingerprint);
        let mut response = agent
            .post(&score_url)
            .header("Content-Type", "application/octet-stream")
            .send(&request[..])
            .map_err(|e| format!("{score_url}: {e}"))?;
        if !response.status().is_success() {
            return Err(failure(&score_url, response));
        }
        let timing = response
            .headers()
            .get("server-timing")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none")
            .to_owned();
        let bytes = response
            .body_mut()
            .read_to_vec()
            .map_err(|e| e.to_string())?;
        eprintln!(
            "round_trip: {} bytes up, {} bytes down, Server-Timing: {timing}",
            request.len(),
            bytes.len()
        );
        let mut scores = session
            .decrypt_scores(&bytes, doc.products.iter().map(|p| p.id.as_str()))
            .map_err(|e| e.to_string())?;
        let cleartext: std::collections::HashMap<&str, f64> = match &catalog {
            Some(c) => doc
                .products
                .iter()
                .map(|p| p.id.as_str())
                .zip(c.cleartext_scores(&args.profile))
                .collect(),
            None => std::collections::HashMap::new(),
        };
        rank(&mut scores);
        for s in &scores {
            let clear = cleartext.get(s.id.as_str()).copied();
            let row = Row {
                id: &s.id,
                name: doc
                    .products
                    .iter()
                    .find(|p| p.id == s.id)
                    .map_or("", |p| p.name.as_str()),
                fhe: s.score,
                cleartext: clear,
                error: clear.map(|c| (s.score - c).abs()),
            };
            println!(
                "{}",
                serde_json::to_string(&row).map_err(|e| e.to_string())?
            );
        }
        Ok(())
    }
}
