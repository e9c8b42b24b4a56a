#!/usr/bin/env bash
# What tracing and metrics cost: search_corpus throughput (POST /v1/tools/call, wrk) with
# tracing to a Langfuse receiver and per-request metrics on, against the same server with
# both off, in the same run. See bench/README.md ("Observability overhead").
#
#   bench/observability.sh                      full run (ROUNDS x 2 x DURATION s, plus builds)
#   DURATION=5 ROUNDS=1 bench/observability.sh  quick
#
# Both configurations serve the same index with the search cache off (every request searches)
# and no LLM (the extractive writer answers). "on": tracing.exporter = langfuse, pointed at the
# fake Langfuse (tests/support/fake_langfuse.mjs, which decodes every batch), and
# metrics.enabled = true. "off": tracing.exporter = none, metrics.enabled = false. Rounds
# alternate off, on, off, on… so that drift on a shared machine hits both alike.
#
# Knobs: DURATION=15 WARMUP=3 (s) ROUNDS=5 CONNS=16 SKIP_BUILD=1 INDEX=DIR READY_TIMEOUT=30
#        SHARED=<repo>/../shared (the dev queries: eval/dev.jsonl)
# Writes bench/results/observability-<UTC stamp>.md and .json and prints the markdown.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export GIT_OPTIONAL_LOCKS=0

BENCH_NAME=observability
# shellcheck source=bench/lib.sh
source bench/lib.sh
set_knobs DURATION WARMUP ROUNDS CONNS SKIP_BUILD INDEX READY_TIMEOUT SHARED

SHARED="${SHARED:-$ROOT/../shared}"
DURATION="${DURATION:-15}"
WARMUP="${WARMUP:-3}"
ROUNDS="${ROUNDS:-5}"
CONNS="${CONNS:-16}"
READY_TIMEOUT="${READY_TIMEOUT:-30}"
BIN="$ROOT/build/release/recipe-rag"
DEV_JSONL="$SHARED/eval/dev.jsonl"
TOKEN="bench-token-$(date +%s)"
for v in DURATION WARMUP ROUNDS CONNS READY_TIMEOUT; do is_uint "${!v}" || die "$v must be an integer"; done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/recipe-rag-obs.XXXXXX")"
SERVER_PID="" LANGFUSE_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n "$SERVER_PID" ]] && { kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
  [[ -n "$LANGFUSE_PID" ]] && { kill "$LANGFUSE_PID" 2>/dev/null || true; wait "$LANGFUSE_PID" 2>/dev/null || true; }
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[[ -f "$DEV_JSONL" ]] || die "$DEV_JSONL not found (set SHARED)"
say "scripts/setup --bench"
scripts/setup --bench >&2
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  { cmake --preset release && cmake --build --preset release; } >&2
fi
[[ -x "$BIN" ]] || die "$BIN not found"
INDEX_DIR="${INDEX:-$WORK/index}"
if [[ ! -f "$INDEX_DIR/manifest.json" ]]; then
  say "building the index"
  "$BIN" index build --corpus data/recipes/recipe_data.json --out "$INDEX_DIR" >&2
fi
command -v wrk >/dev/null || die "wrk not installed"

QUERIES="$WORK/queries.txt"
python3 -c '
import json, sys
with open(sys.argv[1]) as src, open(sys.argv[2], "w") as out:
    for line in src:
        if line.strip():
            out.write(json.dumps(json.loads(line)["query"]) + "\n")
' "$DEV_JSONL" "$QUERIES"

say "starting the fake Langfuse"
node tests/support/fake_langfuse.mjs --port 0 --public-key pk-lf-bench --secret-key sk-lf-bench --count-only \
  >"$WORK/langfuse.out" 2>"$WORK/langfuse.err" &
LANGFUSE_PID=$!
for _ in $(seq 1 100); do grep -q '^listening' "$WORK/langfuse.out" 2>/dev/null && break; sleep 0.05; done
LANGFUSE_PORT="$(awk '/^listening/{print $2; exit}' "$WORK/langfuse.out")"
[[ -n "$LANGFUSE_PORT" ]] || die "the fake Langfuse did not start"

# start_server MODE: serves the index with tracing and metrics on or off; sets PORT.
start_server() {
  local mode="$1" log="$WORK/server-$1.log"
  local -a env=(RECIPE_RAG_API_TOKENS="$TOKEN" RECIPE_RAG__SEARCH__CACHE_ENTRIES=0
                RECIPE_RAG__LOG__ACCESS_LOG=false RECIPE_RAG__BUDGETS__LEDGER=)
  if [[ "$mode" == on ]]; then
    env+=(RECIPE_RAG__TRACING__EXPORTER=langfuse LANGFUSE_PUBLIC_KEY=pk-lf-bench
          LANGFUSE_SECRET_KEY=sk-lf-bench LANGFUSE_BASE_URL="http://127.0.0.1:$LANGFUSE_PORT"
          RECIPE_RAG__TRACING__SPILL_DIR="$WORK/spill" RECIPE_RAG__METRICS__ENABLED=true)
  else
    env+=(RECIPE_RAG__TRACING__EXPORTER=none RECIPE_RAG__METRICS__ENABLED=false)
  fi
  env "${env[@]}" "$BIN" serve --listen 127.0.0.1:0 --index "$INDEX_DIR" >"$log.out" 2>"$log" </dev/null &
  SERVER_PID=$!
  PORT=""
  local deadline=$(( $(date +%s) + READY_TIMEOUT ))
  while (( $(date +%s) < deadline )); do
    PORT="$(sed -nE 's/.*"msg":"listening".*"address":"[^"]*:([0-9]+)".*/\1/p' "$log" | head -n 1)"
    if [[ -n "$PORT" ]] && [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" == 200 ]]; then
      return 0
    fi
    sleep 0.1
  done
  die "recipe-rag ($mode) not ready; see $log"
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# run_wrk SECONDS: prints the RESULT line of bench/wrk/tools_call.lua.
run_wrk() {
  BENCH_QUERIES="$QUERIES" BENCH_TOKEN="$TOKEN" wrk -t 2 -c "$CONNS" -d "${1}s" --latency \
    -s bench/wrk/tools_call.lua "http://127.0.0.1:$PORT/v1/tools/call" | grep '^RESULT'
}

COMMAND_LINE="${cmd_env[*]:+${cmd_env[*]} }bench/observability.sh"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
DATE_ISO="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
describe_machine
RESULTS="$WORK/results.txt"
: >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  for mode in off on; do
    say "round $round: $mode"
    start_server "$mode"
    (( WARMUP > 0 )) && run_wrk "$WARMUP" >/dev/null
    line="$(run_wrk "$DURATION")"
    metrics=""
    if [[ "$mode" == on ]]; then
      metrics="$(curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^recipe_rag_exporter_(exported|dropped|spilled)_total' | tr '\n' ' ')"
    fi
    echo "$round $mode $line | $metrics" >>"$RESULTS"
    stop_server
  done
done
RECEIVED="$(curl -s "http://127.0.0.1:$LANGFUSE_PORT/_received" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["bytes"], d["requests"], d["rejected"])')"

mkdir -p bench/results
MD="bench/results/observability-$STAMP.md"
JSON="bench/results/observability-$STAMP.json"
set +e
python3 - "$RESULTS" "$MD" "$JSON" "$RECEIVED" <<PY
import json, re, statistics, sys
results, md, js, received = sys.argv[1:5]
rows = []
for line in open(results):
    head, _, metrics = line.partition(" | ")
    round_, mode, rest = head.split(" ", 2)
    kv = dict(re.findall(r"(\w+)=([0-9.]+)", rest))
    exported = sum(float(v) for v in re.findall(r'recipe_rag_exporter_exported_total\{[^}]*\} ([0-9.e+]+)', metrics))
    dropped = sum(float(v) for v in re.findall(r'recipe_rag_exporter_dropped_total\{[^}]*\} ([0-9.e+]+)', metrics))
    rows.append({"round": int(round_), "mode": mode, "rps": float(kv["rps"]),
                 "p50_us": float(kv["p50_us"]), "p99_us": float(kv["p99_us"]),
                 "non2xx": int(float(kv["non2xx"])), "errors": int(float(kv["errors"])),
                 "spans_exported": exported if mode == "on" else None,
                 "spans_dropped": dropped if mode == "on" else None})
off = [r["rps"] for r in rows if r["mode"] == "off"]
on = [r["rps"] for r in rows if r["mode"] == "on"]
ratios = [b / a for a, b in zip(off, on)]
med_off, med_on = statistics.median(off), statistics.median(on)
body_bytes, posts, rejected = (int(x) for x in received.split())
doc = {"date": "$DATE_ISO", "commit": "$GIT_COMMIT", "command": "$COMMAND_LINE",
       "machine": {"nproc": "$M_NPROC", "cpu": "$M_CPU", "mem": "$M_MEM", "kernel": "$M_KERNEL",
                   "os": "$M_OS", "load_at_start": "$M_LOAD"},
       "duration_s": $DURATION, "conns": $CONNS, "rows": rows,
       "median_rps_off": med_off, "median_rps_on": med_on,
       "median_ratio_on_off": statistics.median(ratios),
       "receiver": {"bytes": body_bytes, "posts": posts, "rejected": rejected}}
json.dump(doc, open(js, "w"), indent=2)
L = [f"# Observability overhead ({doc['date']})", "",
     f"- **machine**: {doc['machine']['nproc']} cores, {doc['machine']['cpu']}, {doc['machine']['mem']}, "
     f"{doc['machine']['os']}, kernel {doc['machine']['kernel']}, load at start {doc['machine']['load_at_start']}",
     f"- **commit**: {doc['commit']}",
     f"- **load**: wrk -t2 -c{doc['conns']} -d{doc['duration_s']}s --latency -s bench/wrk/tools_call.lua "
     "(POST /v1/tools/call, the dev queries in turn), search cache off, no LLM",
     "- **on**: tracing to the fake Langfuse (checks each post's auth and headers, counts its bytes; "
     "--count-only, so that the receiver takes little of the 2 cores) + per-request metrics; "
     "**off**: tracing.exporter = none, metrics.enabled = false", "",
     "| round | mode | rps | p50 ms | p99 ms | non-2xx | errors | spans exported | spans dropped |",
     "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
for r in rows:
    L.append(f"| {r['round']} | {r['mode']} | {r['rps']:.0f} | {r['p50_us']/1000:.2f} | {r['p99_us']/1000:.2f} | "
             f"{r['non2xx']} | {r['errors']} | {'' if r['spans_exported'] is None else int(r['spans_exported'])} | "
             f"{'' if r['spans_dropped'] is None else int(r['spans_dropped'])} |")
L += ["", f"- median rps: off {med_off:.0f}, on {med_on:.0f}; on/off per round "
      + ", ".join(f"{x:.3f}" for x in ratios) + f"; median {doc['median_ratio_on_off']:.3f} "
      f"(goal: within 5%, i.e. >= 0.95)",
      f"- the receiver took {posts} posts, {body_bytes / 1e6:.1f} MB of OTLP/protobuf ({rejected} rejected)"]
open(md, "w").write("\n".join(L) + "\n")
print("\n".join(L))
PY
rc=$?
set -e
finish_report "$rc"
