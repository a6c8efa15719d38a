#!/bin/sh
# NTT timings on wasm32 under node (see docs/benchmarks.md, "NTT"). Run from this folder.
set -e
cargo build --release --target wasm32-unknown-unknown --target-dir ../../../target/wasm-ntt
node bench.mjs ../../../target/wasm-ntt/wasm32-unknown-unknown/release/wasm_ntt_bench.wasm
