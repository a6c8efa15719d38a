#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh), then runs every check of the project:
# formatting, clippy (host, and the browser app for wasm32), the workspace tests, the API
# documentation, the release build of the web app with trunk, and the browser tests against it.

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash tools/setup.sh

step "cargo fmt --all --check"
cargo fmt --all --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo clippy -p wasm-client --target wasm32-unknown-unknown -- -D warnings"
cargo clippy -p wasm-client --target wasm32-unknown-unknown --locked -- -D warnings

step "cargo test --workspace"
cargo test --workspace --locked

step "cargo doc --workspace --no-deps (rustdoc warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "trunk build --release (wasm32 web app into dist/)"
trunk build --release --offline --locked
for wasm in dist/*_bg.wasm; do  # the page and its Web Worker
  echo "web app: $wasm: $(wc -c <"$wasm") bytes, $(gzip -9c "$wasm" | wc -c) gzipped" >&2
done

step "browser tests (chromium, playwright-core)"
# The debug server binary. `--workspace --tests` keeps the feature set of `cargo test --workspace`,
# so this reuses its artifacts and only links (`cargo build -p server` would rebuild dependencies).
cargo build --workspace --locked --bins --tests
server_bin="${CARGO_TARGET_DIR:-target}/debug/blind-mirror-server"
echo "screenshots go to artifacts/" >&2
BLIND_MIRROR_SERVER_BIN="$server_bin" node --test web/tests/*.test.mjs
