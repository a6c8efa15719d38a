#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh), builds the web app with `trunk build --release`,
# builds the server, and serves both on a loopback port. Stop it with Ctrl-C.
#
#   bash tools/demo.sh                          # http://127.0.0.1:3000/
#   bash tools/demo.sh --bind 127.0.0.1:8000    # any server flag passes through
#   BLIND_MIRROR_BIND=127.0.0.1:0 bash tools/demo.sh   # a free port; the URL is printed

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash tools/setup.sh

step "trunk build --release (web app into dist/)"
trunk build --release --offline --locked

step "cargo build --release -p server"
cargo build --release --locked -p server --bin blind-mirror-server

step "starting the server (Ctrl-C stops it)"
exec "${CARGO_TARGET_DIR:-target}/release/blind-mirror-server" --static-dir dist "$@"
