#!/usr/bin/env python3
"""Side-by-side timing of two or more builds of `scoring/examples/peer_task`.

The builds run alternately, round after round, on every configuration, so that a slow phase
of the machine hits them alike; for each configuration and build it prints the median, the
fastest and the quartiles of the run medians, and it writes every row (the peers' JSON-lines
schema plus `build` and `round`) to `--out`.

    cargo build --release -p scoring --example peer_task
    cp target/release/examples/peer_task /tmp/peer_task_new   # and an older build likewise
    python3 tools/bench_ab.py old=/tmp/peer_task_old new=/tmp/peer_task_new --rounds 8
"""

import argparse
import json
import statistics
import subprocess
import sys

# (preset, products, threads) of the default run: the seed task, 1,000 and 10,000 products.
CONFIGS = [
    ("exact", "5,1000,10000", 1),
    ("compact", "5,1000,10000", 1),
    ("private-plus", "5,1000,10000", 1),
    ("exact", "10000", 2),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("builds", nargs="+", help="NAME=PATH of a peer_task binary")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--reps", type=int, default=200, help="requests per run")
    parser.add_argument("--preset", help="only this preset (one thread)")
    parser.add_argument("--products", default="5,1000,10000", help="with --preset")
    parser.add_argument("--out", default="bench_ab.jsonl")
    args = parser.parse_args()
    builds = []
    for item in args.builds:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            parser.error(f"expected NAME=PATH, got {item!r}")
        builds.append((name, path))
    args.builds = builds
    args.configs = [(args.preset, args.products, 1)] if args.preset else CONFIGS
    return args


def run(path, preset, products, threads, reps):
    command = [path, "--products", products, "--preset", preset, "--reps", str(reps)]
    command += ["--threads", str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def main():
    args = parse_args()
    rows = []
    for round_index in range(args.rounds):
        for preset, products, threads in args.configs:
            for name, path in args.builds:
                for row in run(path, preset, products, threads, args.reps):
                    row.update(build=name, round=round_index)
                    rows.append(row)
    with open(args.out, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, sort_keys=True) + "\n")
    groups = {}
    for row in rows:
        key = (row["strategy"], row["threads"], row["products"], row["build"])
        groups.setdefault(key, []).append(row)
    print("strategy threads products build: server ms median / fastest (q1-q3) | max error")
    for (strategy, threads, products, build), group in sorted(groups.items()):
        times = sorted(row["server_ms"] for row in group)
        q1, q3 = times[len(times) // 4], times[3 * len(times) // 4]
        worst = max(row["max_err"] for row in group)
        print(
            f"{strategy} {threads} {products} {build}: "
            f"{statistics.median(times):.3f} / {times[0]:.3f} ({q1:.3f}-{q3:.3f}) | {worst:.2e}"
        )


if __name__ == "__main__":
    main()
