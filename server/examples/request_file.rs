//! Writes one encrypted score request to a file, for load tests of a running server
//! (`oha -D FILE`, `wrk` with a Lua script reading it).
//!
//! ```text
//! cargo run --release -p server --example request_file -- [--preset exact] [--profile f1,...,f8] --out FILE
//! ```
//! The key is generated and dropped: the request is valid, its answer undecryptable by anyone.

use std::path::PathBuf;
use std::process::ExitCode;

use scoring::{ClientSession, Preset, SkinProfile};

fn run() -> Result<(), String> {
    let mut preset = Preset::default();
    let mut profile = SkinProfile::reference();
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--preset" => {
                preset = value()?
                    .parse()
                    .map_err(|e: scoring::Error| e.to_string())?
            }
            "--profile" => {
                profile = value()?
                    .parse()
                    .map_err(|e: scoring::Error| e.to_string())?
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: request_file [--preset P] [--profile f1,...,f8] --out FILE"
                ));
            }
        }
    }
    let out = out.ok_or("--out FILE is required")?;
    let params = preset.params().map_err(|e| e.to_string())?;
    let mut rng = ckks::sampling::os_rng().map_err(|e| e.to_string())?;
    let session = ClientSession::new(params, &mut rng).map_err(|e| e.to_string())?;
    let request = session
        .encrypt_profile(&profile, &mut rng)
        .map_err(|e| e.to_string())?;
    std::fs::write(&out, &request).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!(
        "{}: {preset} request, {} bytes",
        out.display(),
        request.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("request_file: {message}");
            ExitCode::FAILURE
        }
    }
}
