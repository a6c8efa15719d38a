#!/usr/bin/env bash
# Load test of blind-mirror-server on loopback: requests/s and latency percentiles of
# POST /api/v1/score for the demo catalog (every preset) and for 10,000 products.
#
#   bash server/bench/load.sh            # prints a markdown table on stdout
#
# Uses `oha` (cargo install --locked oha) when present, else Debian's `wrk` with post.lua
# (LOAD_TOOL=wrk forces it).
# Every run is bounded: a fixed number of requests (oha) or a fixed duration (wrk). The server
# runs on 127.0.0.1 with a system-picked port and is stopped (SIGTERM, by its pid) after each
# configuration. The server's own evaluation time per request is read from its log lines
# (`eval_us`, the figure of the Server-Timing header).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

THREADS="${THREADS:-2}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --locked -q -p server --bin blind-mirror-server --example request_file
bin=target/release/blind-mirror-server
for preset in compact exact private-plus; do
  target/release/examples/request_file --preset "$preset" --out "$work/$preset.bin" 2>/dev/null
done

tool="${LOAD_TOOL:-}"   # oha or wrk; chosen by what is installed when unset
if [ -n "$tool" ]; then :
elif command -v oha >/dev/null 2>&1; then tool=oha
elif command -v wrk >/dev/null 2>&1; then tool=wrk
else echo "load.sh: install oha (cargo install --locked oha) or wrk (apt-get install wrk)" >&2; exit 1
fi

start_server() {
  RUST_LOG=info "$bin" --bind 127.0.0.1:0 --static-dir "$work/none" --threads "$THREADS" "$@" \
    >"$work/server.out" 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 1 600); do
    grep -q '^listening on ' "$work/server.out" 2>/dev/null && break
    sleep 0.1
  done
  url="$(sed -n 's/^listening on \(.*\)$/\1/p' "$work/server.out")"
  [ -n "$url" ] || { cat "$work/server.log" >&2; exit 1; }
}

stop_server() {
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
}

# Median of the eval_us fields logged since the server started, in ms.
eval_p50() {
  sed -n 's/.*eval_us=\([0-9]*\).*/\1/p' "$work/server.log" | sort -n |
    awk '{v[NR]=$1} END {if (NR) printf "%.3f", v[int((NR+1)/2)]/1000; else printf "-"}'
}

# wrk's "386.00us", "3.82ms" or "1.20s" in milliseconds.
to_ms() {
  awk '{ v = $1 + 0; if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /ms$/) v = v; else if ($1 ~ /s$/) v *= 1000; printf "%.2f", v }'
}

# run LABEL PRESET CONNECTIONS REQUESTS
run() {
  local label="$1" preset="$2" conns="$3" count="$4" rps p50 p99
  # Warm-up (not counted): one request per connection.
  if [ "$tool" = oha ]; then
    oha -n "$conns" -c "$conns" --no-tui -m POST -T application/octet-stream \
      -D "$work/$preset.bin" "${url}api/v1/score" >/dev/null
    : >"$work/server.log"
    oha -n "$count" -c "$conns" --no-tui -m POST -T application/octet-stream \
      -D "$work/$preset.bin" --output-format json "${url}api/v1/score" >"$work/oha.json"
    read -r rps p50 p99 ok < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s, p = d["summary"], d["latencyPercentiles"]
ok = d["statusCodeDistribution"].get("200", 0)
print("%.0f %.2f %.2f %d" % (s["requestsPerSec"], p["p50"] * 1e3, p["p99"] * 1e3, ok))
' "$work/oha.json")
    [ "$ok" = "$count" ] || { echo "load.sh: only $ok of $count requests answered 200" >&2; exit 1; }
  else
    : >"$work/server.log"
    BODY="$work/$preset.bin" wrk -t 1 -c "$conns" -d 10s --latency -s server/bench/post.lua \
      "${url}api/v1/score" >"$work/wrk.txt"
    count="$(awk '/requests in/ {print $1}' "$work/wrk.txt")"
    rps="$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$work/wrk.txt")"
    p50="$(awk '$1 == "50%" {print $2}' "$work/wrk.txt" | to_ms)"
    p99="$(awk '$1 == "99%" {print $2}' "$work/wrk.txt" | to_ms)"
    if grep -q 'Non-2xx' "$work/wrk.txt"; then echo "load.sh: non-2xx answers" >&2; cat "$work/wrk.txt" >&2; exit 1; fi
  fi
  echo "| $label | $preset | $conns | $count | $rps | $p50 | $p99 | $(eval_p50) |"
}

echo "Load tool: $tool; server threads: $THREADS; $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| catalog | preset | connections | requests | requests/s | p50 ms | p99 ms | server eval p50 ms |"
echo "|---|---|---|---|---|---|---|---|"
start_server
for preset in compact exact private-plus; do
  run "demo (5 products)" "$preset" 1 1000
  run "demo (5 products)" "$preset" 8 3000
done
stop_server
start_server --synthetic 10000 --preset exact
run "synthetic 10,000 products" exact 1 200
run "synthetic 10,000 products" exact 8 400
stop_server
