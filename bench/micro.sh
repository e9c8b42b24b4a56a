#!/usr/bin/env bash
# Runs the search micro-benchmark (bench/micro/retrieval_bench.cc) on the release build and
# records its JSON report (Google Benchmark's context: date, host, CPUs, load) in
# bench/results/retrieval-<UTC time>.json. The index is var/index (built when missing).
#
#   bench/micro.sh            SHARED=/path/to/shared bench/micro.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SHARED="${SHARED:-$ROOT/../shared}"
scripts/setup
cmake --preset release >/dev/null
cmake --build --preset release --target retrieval_bench recipe-rag
[[ -f var/index/manifest.json ]] ||
  build/release/recipe-rag index build --corpus data/recipes/recipe_data.json --out var/index
out="bench/results/retrieval-$(date -u +%Y%m%dT%H%M%SZ).json"
build/release/bench/retrieval_bench --index var/index --queries "$SHARED/eval/dev.jsonl" \
  --benchmark_min_time=2 --benchmark_format=console --benchmark_out="$out" --benchmark_out_format=json
echo "micro: wrote $out (git $(git rev-parse --short HEAD 2>/dev/null || echo none))" >&2
