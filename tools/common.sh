# Shared settings for the scripts in tools/ (sourced, not run).
# Puts the project's tools first on PATH and makes every script start from the repository root.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# wasm-opt from npm binaryen (tools/node_modules), trunk and wasm-bindgen from `cargo install`.
export PATH="$ROOT/tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# trunk never downloads a tool: it fails instead if a pinned version is missing from PATH.
export TRUNK_OFFLINE=true
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

TRUNK_VERSION="0.21.14"

# Prints a step header with the seconds elapsed since the calling script started.
step() {
  printf '\n==> [%4d s] %s\n' "$SECONDS" "$*" >&2
}

# Version of the `wasm-bindgen` crate in Cargo.lock; wasm-bindgen-cli must be exactly this.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}
