#!/usr/bin/env bash
# Two builds of recipe-rag under the same load, in the same run: a baseline binary (an earlier
# release, say) against the current one. Each serves its own index of the bundled corpus (built
# by its own binary, as index formats change); wrk drives POST /v1/tools/call over the dev
# queries at each connection count, alternating A B A B so that drift in the machine's speed
# hits both. Writes bench/results/versions-<UTC>.md.
#
#   bench/versions.sh BASELINE_BIN [CURRENT_BIN]
#   env: CONNS="1 16" DURATION=10 ROUNDS=2, and any RECIPE_RAG__* override (both servers get it);
#   A_CONFIG / B_CONFIG: each binary's defaults file (default: config/recipe-rag.toml of the
#   checkout the binary was built in, BIN/../../config/, else this checkout's)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
A_BIN="$(realpath "${1:?usage: bench/versions.sh BASELINE_BIN [CURRENT_BIN]}")"
B_BIN="$(realpath "${2:-build/release/recipe-rag}")"
config_of() {
  local c; c="$(dirname "$1")/../../config/recipe-rag.toml"
  [[ -f "$c" ]] && realpath "$c" || realpath config/recipe-rag.toml
}
A_CONFIG="${A_CONFIG:-$(config_of "$A_BIN")}"
B_CONFIG="${B_CONFIG:-$(config_of "$B_BIN")}"
CONNS="${CONNS:-1 16}"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-2}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/recipe-rag-versions.XXXXXX")"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "wrk not installed (scripts/setup --bench)" >&2; exit 1; }

python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in f:
        if line.strip():
            out.write(json.dumps(json.loads(line)["query"]) + "\n")
' eval/dev.jsonl "$WORK/queries.txt"

start() {  # name bin port config
  local name=$1 bin=$2 port=$3 config=$4
  "$bin" index build --corpus data/recipes/recipe_data.json --out "$WORK/index-$name" >&2
  RECIPE_RAG_API_TOKENS=bench-token "$bin" serve --config "$config" \
    --listen "127.0.0.1:$port" --index "$WORK/index-$name" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 200); do
    curl -sf "127.0.0.1:$port/readyz" >/dev/null && return 0
    sleep 0.05
  done
  echo "$name did not become ready; log:" >&2; tail -5 "$WORK/$name.log" >&2; exit 1
}
start baseline "$A_BIN" 18181 "$A_CONFIG"
start current "$B_BIN" 18182 "$B_CONFIG"

run() {  # port conns → RESULT line
  BENCH_QUERIES="$WORK/queries.txt" BENCH_TOKEN=bench-token \
    wrk -t "$(( $2 < 2 ? $2 : 2 ))" -c "$2" -d "${DURATION}s" --latency -s bench/wrk/tools_call.lua \
    "http://127.0.0.1:$1/v1/tools/call" 2>&1 | grep '^RESULT'
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="bench/results/versions-$stamp.md"
{
  echo "# Version comparison, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "- **machine**: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
  echo "- **baseline**: \`$A_BIN\` ($("$A_BIN" --version 2>&1 | head -1))"
  echo "- **current**: \`$B_BIN\` ($("$B_BIN" --version 2>&1 | head -1))"
  echo "- **load**: wrk, ${DURATION} s per run after a 2 s warm-up, POST /v1/tools/call top_k 3 over the 60 dev queries, $ROUNDS rounds alternating baseline/current; overrides: $(env | grep '^RECIPE_RAG__' | tr '\n' ' ' || true)"
  echo
  echo "| conns | round | baseline rps | baseline p99 ms | current rps | current p99 ms | current / baseline rps |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
  for c in $CONNS; do
    for r in $(seq 1 "$ROUNDS"); do
      declare -A rps p99
      for name in baseline current; do
        port=18181; [[ $name == current ]] && port=18182
        DURATION=2 run "$port" "$c" >/dev/null  # warm-up
        line="$(run "$port" "$c")"
        rps[$name]="$(echo "$line" | field rps)"
        p99[$name]="$(echo "$line" | field p99_us)"
      done
      python3 -c "import sys; a,ap,b,bp=map(float,sys.argv[1:]); print(f'| $c | $r | {a:,.0f} | {ap/1000:.2f} | {b:,.0f} | {bp/1000:.2f} | {b/a:.2f} |')" \
        "${rps[baseline]}" "${p99[baseline]}" "${rps[current]}" "${p99[current]}"
    done
  done
} | tee "$out"
echo "versions: wrote $out" >&2
