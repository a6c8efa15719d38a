//! Client and server in one process: encrypt a profile, score it on a catalog, decrypt, and print
//! one JSON object per product, best first, with the cleartext score and the error.
//!
//! ```text
//! cargo run --release -p scoring --example round_trip -- \
//!     [--catalog FILE.toml|FILE.json] [--profile 0.78,0.71,0.65,0.48,0.36,0.59,0.27,0.83] [--preset exact]
//! ```
//! Without `--catalog` it uses the demo catalog; without `--profile`, the reference profile.

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
    catalog: Option<PathBuf>,
    profile: SkinProfile,
    preset: Preset,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        catalog: None,
        profile: SkinProfile::reference(),
        preset: Preset::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
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
                return Err("usage: round_trip [--catalog FILE] [--profile f1,...,f8] [--preset compact|exact|private-plus]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
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
