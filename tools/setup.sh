#!/usr/bin/env bash
# Installs what this machine lacks to build and test Blind Mirror, and skips what is present:
# the wasm32 target, Debian chromium, the npm packages of tools/ (binaryen) and web/
# (playwright-core), trunk, wasm-bindgen-cli (the version in Cargo.lock), and the crates.
# Uses only the crate registry, npm and Debian packages. A second run takes seconds.

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

need_cmd() {
  command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is required ($2)" >&2; exit 1; }
}

need_cmd cargo "install Rust with rustup"
need_cmd rustup "install Rust with rustup"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

apt_updated=false
apt_install() {
  if [ "$apt_updated" = false ]; then
    as_root apt-get update -qq
    apt_updated=true
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  step "installing node and npm (Debian)"
  apt_install nodejs npm
fi

if [ ! -x "$CHROMIUM_PATH" ]; then
  step "installing chromium (Debian)"
  apt_install chromium
fi

# `npm ci` from the committed lockfile, skipped while the lockfile is unchanged since the last one.
npm_ci() {
  local dir="$1" stamp="$1/node_modules/.setup-lock-sha256" sum
  sum="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    return
  fi
  step "npm ci in $dir/"
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  echo "$sum" >"$stamp"
}
npm_ci tools
npm_ci web

if ! trunk --version 2>/dev/null | grep -qx "trunk $TRUNK_VERSION"; then
  step "installing trunk $TRUNK_VERSION (about 6 minutes on 2 cores)"
  # trunk 0.22 needs a newer rustc; its own fat-LTO release profile doubles the build time.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --locked trunk --version "$TRUNK_VERSION" --no-default-features --features rustls
fi

wb_version="$(locked_wasm_bindgen_version)"
if [ -z "$wb_version" ]; then
  echo "setup: no wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wb_version"; then
  step "installing wasm-bindgen-cli $wb_version (about 2 minutes)"
  # Its bundled lockfile may pin a crate version the registry no longer serves: retry unlocked.
  cargo install --locked wasm-bindgen-cli --version "$wb_version" ||
    cargo install wasm-bindgen-cli --version "$wb_version"
fi

# trunk builds with `cargo --offline`, so every crate must be in the local registry cache.
cargo fetch --locked --quiet

echo "setup: ready (trunk $TRUNK_VERSION, wasm-bindgen $wb_version, $(wasm-opt --version), $("$CHROMIUM_PATH" --version 2>/dev/null || echo chromium))" >&2
