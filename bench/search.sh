#!/usr/bin/env bash
# Load benchmark: recipe-rag vs. the Python peer (shared/peers/python-rag) on
# POST /v1/tools/call search_corpus, in the same run, interleaved. See bench/README.md.
#
#   bench/search.sh                         full run (what `make bench` calls)
#   DURATION=5 CONNS="1 16" bench/search.sh shorter
#
# Knobs (environment):
#   DURATION=10        seconds per measured wrk run (after a WARMUP-second warm-up run)
#   CONNS="1 16 64"    connection counts; wrk threads = min(conns, 2)
#   SKIP_PEER=1        benchmark recipe-rag only
#   SKIP_BUILD=1       do not run cmake (build/release/recipe-rag must exist)
#   STRICT=1           exit 3 when a goal is missed (default: report only)
#   WARMUP=2  PEER_PORT=8101  READY_TIMEOUT=30 (s)  SHARED=<repo>/../shared
#   ONLY_PEER=1        (testing the bench itself) peer only: no build, no recipe-rag
#
# Writes bench/results/search-<UTC stamp>.md and .json and prints the markdown on stdout;
# progress goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# the knobs that were set explicitly, for the "command" line of the report
BENCH_NAME=bench
# shellcheck source=bench/lib.sh
source bench/lib.sh
set_knobs DURATION CONNS SKIP_PEER SKIP_BUILD ONLY_PEER STRICT WARMUP PEER_PORT READY_TIMEOUT SHARED

SHARED="${SHARED:-$ROOT/../shared}"
DURATION="${DURATION:-10}"
CONNS="${CONNS:-1 16 64}"
WARMUP="${WARMUP:-2}"
SKIP_PEER="${SKIP_PEER:-0}"
SKIP_BUILD="${SKIP_BUILD:-0}"
ONLY_PEER="${ONLY_PEER:-0}"
STRICT="${STRICT:-0}"
PEER_PORT="${PEER_PORT:-8101}"
READY_TIMEOUT="${READY_TIMEOUT:-30}"

BIN=build/release/recipe-rag
INDEX_DIR=var/index
CONFIG=config/recipe-rag.toml
CORPUS=data/recipes/recipe_data.json
OUR_TOKEN=bench-token
PEER_TOKEN=peer-token
PEER_RUN="$SHARED/peers/python-rag/run.sh"
DEV_JSONL="$SHARED/eval/dev.jsonl"
LUA=bench/wrk/tools_call.lua
RESULTS_DIR=bench/results
PY=/usr/bin/python3
[[ -x "$PY" ]] || PY=python3

if ! is_uint "$DURATION" || (( DURATION == 0 )); then die "DURATION must be a positive integer (seconds), got '$DURATION'"; fi
if ! is_uint "$WARMUP"; then die "WARMUP must be an integer (seconds), got '$WARMUP'"; fi
if ! is_uint "$READY_TIMEOUT" || (( READY_TIMEOUT == 0 )); then die "READY_TIMEOUT must be a positive integer"; fi
read -r -a conns <<<"$CONNS"
(( ${#conns[@]} > 0 )) || die "CONNS is empty"
for c in "${conns[@]}"; do
  if ! is_uint "$c" || (( c == 0 )); then die "CONNS: '$c' is not a positive integer"; fi
done
if [[ "$SKIP_PEER" == 1 && "$ONLY_PEER" == 1 ]]; then die "SKIP_PEER=1 and ONLY_PEER=1 leave nothing to run"; fi
RUN_OURS=1; [[ "$ONLY_PEER" == 1 ]] && RUN_OURS=0
RUN_PEER=1; [[ "$SKIP_PEER" == 1 ]] && RUN_PEER=0

# ---------------------------------------------------------------- clean-up of what we start
WORK="$(mktemp -d "${TMPDIR:-/tmp}/recipe-rag-bench.XXXXXX")"
OUR_PID=""
OUR_LOG="$WORK/recipe-rag.log"
PEER_STARTED=0

stop_ours() {
  [[ -n "$OUR_PID" ]] || return 0
  local pid="$OUR_PID" state
  OUR_PID=""
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do   # 5 s, then SIGKILL
      state="$(awk '/^State:/{print $2}' "/proc/$pid/status" 2>/dev/null || true)"
      [[ -z "$state" || "$state" == Z ]] && break
      sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  wait "$pid" 2>/dev/null || true
}

stop_peer() {
  [[ "$PEER_STARTED" == 1 ]] || return 0
  PEER_STARTED=0
  PORT="$PEER_PORT" "$PEER_RUN" stop || true
}

# shellcheck disable=SC2317  # reached through the trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_ours
  stop_peer
  if [[ "$rc" != 0 && "$rc" != 3 && -s "$OUR_LOG" ]]; then
    say "last lines of the recipe-rag log:"; tail -n 20 "$OUR_LOG" >&2 || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- set-up and build
[[ -f "$DEV_JSONL" ]] || die "$DEV_JSONL not found (set SHARED)"
(( RUN_PEER )) && { [[ -x "$PEER_RUN" ]] || die "$PEER_RUN not found (set SHARED)"; }

say "scripts/setup --bench"
scripts/setup --bench >&2

if (( RUN_OURS )); then
  if [[ "$SKIP_BUILD" != 1 ]]; then
    say "cmake --preset release && cmake --build --preset release"
    { cmake --preset release && cmake --build --preset release; } >&2
  fi
  [[ -x "$BIN" ]] || die "$BIN not found (build it, or unset SKIP_BUILD)"
  if [[ ! -f "$INDEX_DIR/manifest.json" ]]; then
    say "building the index: $BIN index build --corpus $CORPUS --out $INDEX_DIR"
    "$BIN" index build --corpus "$CORPUS" --out "$INDEX_DIR" >&2
  fi
  [[ -f "$INDEX_DIR/manifest.json" ]] || die "$INDEX_DIR/manifest.json missing after index build"
fi

command -v wrk >/dev/null || die "wrk not installed"

QUERIES="$WORK/queries.txt"   # one JSON string literal per line, read by the Lua script
"$PY" - "$DEV_JSONL" "$QUERIES" <<'PY'
import json, sys
n = 0
with open(sys.argv[1], encoding="utf-8") as src, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in src:
        if line.strip():
            out.write(json.dumps(json.loads(line)["query"]) + "\n")
            n += 1
if n == 0:
    sys.exit("bench: no queries in " + sys.argv[1])
PY
NQUERIES="$(wc -l <"$QUERIES")"

# ---------------------------------------------------------------- machine and run metadata
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
DATE_ISO="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
describe_machine
M_WRK="$( (wrk -v 2>&1 || true) | head -n 1 | awk '{print $1, $2}')"
COMMAND="${cmd_env[*]:+${cmd_env[*]} }bench/search.sh"

# ---------------------------------------------------------------- start the servers
rss_mb() { awk '/^VmRSS:/{printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/^VmHWM:/{printf "%.1f", $2/1024}' "/proc/$1/status"; }
tree_rss_mb() {  # a process and its direct children (uvicorn supervisor + workers)
  ps -o rss= -p "$1" --ppid "$1" 2>/dev/null | awk '{s+=$1} END{printf "%.1f", s/1024}'
}

OUR_PORT="" READY_MS="" RSS_START="" RSS_AFTER="" HWM_AFTER=""
if (( RUN_OURS )); then
  say "starting recipe-rag"
  t0="$(now_us)"
  RECIPE_RAG_API_TOKENS="$OUR_TOKEN" "$BIN" serve --listen 127.0.0.1:0 --index "$INDEX_DIR" \
    --config "$CONFIG" >"$WORK/recipe-rag.out" 2>"$OUR_LOG" </dev/null &
  OUR_PID=$!
  deadline=$(( t0 + READY_TIMEOUT * 1000000 ))
  while :; do
    if [[ -z "$OUR_PORT" ]]; then
      OUR_PORT="$(grep -E '"msg"[[:space:]]*:[[:space:]]*"listening"' "$OUR_LOG" 2>/dev/null | head -n 1 |
        sed -nE 's/.*"address"[[:space:]]*:[[:space:]]*"[^"]*:([0-9]+)".*/\1/p' || true)"
    fi
    if [[ -n "$OUR_PORT" ]]; then
      code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
        -H "Authorization: Bearer $OUR_TOKEN" "http://127.0.0.1:$OUR_PORT/readyz" || true)"
      if [[ "$code" == 200 ]]; then
        t1="$(now_us)"
        break
      fi
    fi
    kill -0 "$OUR_PID" 2>/dev/null || die "recipe-rag exited during start-up"
    (( $(now_us) < deadline )) || die "recipe-rag not ready after ${READY_TIMEOUT}s (port '${OUR_PORT}')"
    sleep 0.01
  done
  READY_MS="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", (b-a)/1000}')"
  RSS_START="$(rss_mb "$OUR_PID")"
  say "recipe-rag ready on 127.0.0.1:$OUR_PORT in $READY_MS ms, RSS $RSS_START MB (PID $OUR_PID)"
fi

PEER_PID="" PEER_RSS_AFTER=""
if (( RUN_PEER )); then
  if PORT="$PEER_PORT" "$PEER_RUN" status >/dev/null 2>&1; then
    die "a python-rag peer is already running on port $PEER_PORT; stop it or set PEER_PORT"
  fi
  say "starting the python-rag peer on 127.0.0.1:$PEER_PORT"
  PEER_STARTED=1   # before start: an interrupted start still gets stopped
  PEER_PID="$(PORT="$PEER_PORT" WORKERS=2 API_TOKEN="$PEER_TOKEN" "$PEER_RUN" start)"
fi

# one request each, so a wrong token or a broken endpoint fails here and not as a fast table of 401s
check_target() {  # name port token
  local body code
  body="$(curl -s --max-time 10 -w '\n%{http_code}' -X POST "http://127.0.0.1:$2/v1/tools/call" \
    -H "Authorization: Bearer $3" -H 'Content-Type: application/json' \
    -d '{"function":"search_corpus","arguments":{"query":"chocolate cake","top_k":3}}' || true)"
  code="${body##*$'\n'}"
  [[ "$code" == 200 ]] || die "$1: POST /v1/tools/call returned '$code': ${body%$'\n'*}"
  [[ "$body" == *'"recipes"'* ]] || die "$1: POST /v1/tools/call: no \"recipes\" in ${body%$'\n'*}"
}
(( RUN_OURS )) && check_target recipe-rag "$OUR_PORT" "$OUR_TOKEN"
(( RUN_PEER )) && check_target python-peer "$PEER_PORT" "$PEER_TOKEN"

# ---------------------------------------------------------------- load
RUNS="$WORK/runs.txt"
: >"$RUNS"
run_target() {  # name port token conns
  local name=$1 port=$2 token=$3 c=$4 t out line
  t=$(( c < 2 ? c : 2 ))
  local url="http://127.0.0.1:$port"
  if (( WARMUP > 0 )); then
    BENCH_QUERIES="$QUERIES" BENCH_TOKEN="$token" \
      wrk -t "$t" -c "$c" -d "${WARMUP}s" -s "$LUA" "$url" >"$WORK/warmup-$name-$c.txt" 2>&1 ||
      { cat "$WORK/warmup-$name-$c.txt" >&2; die "$name: warm-up wrk failed"; }
  fi
  out="$WORK/wrk-$name-$c.txt"
  BENCH_QUERIES="$QUERIES" BENCH_TOKEN="$token" \
    wrk -t "$t" -c "$c" -d "${DURATION}s" --latency -s "$LUA" "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; die "$name: wrk failed"; }
  line="$(grep -m1 '^RESULT ' "$out" || true)"
  [[ -n "$line" ]] || { cat "$out" >&2; die "$name: no RESULT line from wrk"; }
  printf '%s %s %s\n' "$name" "$c" "$line" >>"$RUNS"
  say "$name c=$c: ${line#RESULT }"
}

for c in "${conns[@]}"; do
  if (( RUN_OURS )); then
    run_target recipe-rag "$OUR_PORT" "$OUR_TOKEN" "$c"
    kill -0 "$OUR_PID" 2>/dev/null || die "recipe-rag died under load (c=$c)"
  fi
  if (( RUN_PEER )); then
    run_target python-peer "$PEER_PORT" "$PEER_TOKEN" "$c"
  fi
done

if (( RUN_OURS )); then
  RSS_AFTER="$(rss_mb "$OUR_PID")"
  HWM_AFTER="$(hwm_mb "$OUR_PID")"
fi
if (( RUN_PEER )) && [[ -n "$PEER_PID" ]]; then
  PEER_RSS_AFTER="$(tree_rss_mb "$PEER_PID")"
fi
stop_ours
stop_peer

# ---------------------------------------------------------------- report
mkdir -p "$RESULTS_DIR"
MD="$RESULTS_DIR/search-$STAMP.md"
JSON="$RESULTS_DIR/search-$STAMP.json"
export DATE_ISO M_NPROC M_CPU M_MEM M_KERNEL M_DEBIAN M_OS M_LOAD M_WRK GIT_COMMIT COMMAND \
  DURATION WARMUP CONNS NQUERIES READY_MS RSS_START RSS_AFTER HWM_AFTER PEER_RSS_AFTER STRICT
set +e
"$PY" - "$RUNS" "$MD" "$JSON" <<'PY'
import json, os, sys

runs_file, md_file, json_file = sys.argv[1:4]
E = os.environ
INT_KEYS = {"requests", "responses", "non2xx", "errors", "connect", "read", "write", "timeout",
            "status", "p50_us", "p90_us", "p99_us", "p999_us", "max_us"}

runs = []
with open(runs_file) as f:
    for line in f:
        parts = line.split()
        if len(parts) < 3:
            continue
        r = {"target": parts[0], "conns": int(parts[1])}
        for kv in parts[3:]:
            k, _, v = kv.partition("=")
            r[k] = int(float(v)) if k in INT_KEYS else float(v)
        r["threads"] = min(r["conns"], 2)
        runs.append(r)

def num(name):
    v = E.get(name, "")
    return float(v) if v else None

def find(target, conns):
    return next((r for r in runs if r["target"] == target and r["conns"] == conns), None)

conns = []
for r in runs:
    if r["conns"] not in conns:
        conns.append(r["conns"])

ratios = []
for c in conns:
    ours, peer = find("recipe-rag", c), find("python-peer", c)
    if ours and peer:
        ratios.append({"conns": c,
                       "rps_ratio": round(ours["rps"] / peer["rps"], 2) if peer["rps"] > 0 else None,
                       "p99_ratio_peer_over_ours": round(peer["p99_us"] / ours["p99_us"], 2)
                       if ours["p99_us"] > 0 else None})

ours_meta = {"ready_ms": num("READY_MS"), "rss_after_start_mb": num("RSS_START"),
             "rss_after_load_mb": num("RSS_AFTER"), "rss_peak_mb": num("HWM_AFTER")}
peer_rss = num("PEER_RSS_AFTER")

def goal(name, target, value, ok):
    return {"goal": name, "target": target, "value": value,
            "status": "n/a" if value is None else ("PASS" if ok(value) else "FAIL")}

r16 = next((x["rps_ratio"] for x in ratios if x["conns"] == 16), None)
o1 = find("recipe-rag", 1)
goals = [
    goal("throughput at 16 connections vs. python peer", ">= 10x", r16, lambda v: v >= 10),
    goal("p99 latency at 1 connection", "<= 1 ms",
         round(o1["p99_us"] / 1000, 3) if o1 else None, lambda v: v <= 1.0),
    goal("RSS after start", "<= 64 MB", ours_meta["rss_after_start_mb"], lambda v: v <= 64),
    goal("ready after start (built index)", "<= 1000 ms", ours_meta["ready_ms"], lambda v: v <= 1000),
]

suspect = [r for r in runs if r["non2xx"] or r["errors"] or r["status"]]

doc = {
    "date": E["DATE_ISO"],
    "machine": {"nproc": int(E["M_NPROC"]), "cpu": E["M_CPU"], "memory": E["M_MEM"],
                "kernel": E["M_KERNEL"], "debian": E["M_DEBIAN"], "os": E["M_OS"],
                "loadavg_at_start": E["M_LOAD"], "wrk": E["M_WRK"]},
    "git_commit": E["GIT_COMMIT"],
    "command": E["COMMAND"],
    "duration_s": int(E["DURATION"]), "warmup_s": int(E["WARMUP"]),
    "queries": int(E["NQUERIES"]), "top_k": 3,
    "runs": runs,
    "ratios": ratios,
    "recipe_rag": ours_meta,
    "python_peer": {"rss_after_load_mb": peer_rss},
    "goals": goals,
}
with open(json_file, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")

def ms(us):
    return f"{us / 1000:.3f}"

def fmt(v, unit=""):
    return "n/a" if v is None else f"{v:g}{unit}"

L = []
L.append(f"# Search load benchmark, {E['DATE_ISO']}")
L.append("")
L.append("Numbers are only comparable within this run (same machine, same minute).")
L.append("")
m = doc["machine"]
L.append(f"- **date**: {doc['date']}")
L.append(f"- **machine**: {m['nproc']} CPUs, {m['cpu']}, {m['memory']} RAM, kernel {m['kernel']}, "
         f"Debian {m['debian']} ({m['os']}); load average at start {m['loadavg_at_start']}")
L.append(f"- **git commit**: {doc['git_commit']}")
L.append(f"- **command**: `{doc['command']}`")
L.append(f"- **load**: `wrk -t min(C,2) -c C -d {doc['duration_s']}s --latency -s bench/wrk/tools_call.lua` "
         f"after a {doc['warmup_s']} s warm-up at the same C; POST /v1/tools/call search_corpus, top_k 3, "
         f"cycling through {doc['queries']} dev queries; targets interleaved per C; {m['wrk']}; "
         f"wrk runs on the same machine")
L.append("")
L.append("| target | conns | rps | p50 ms | p90 ms | p99 ms | non-2xx | socket errors |")
L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
for r in runs:
    L.append(f"| {r['target']} | {r['conns']} | {r['rps']:.0f} | {ms(r['p50_us'])} | {ms(r['p90_us'])} | "
             f"{ms(r['p99_us'])} | {r['non2xx']} | {r['errors']} |")
L.append("")
if suspect:
    L.append("**Warning**: rows with non-2xx responses or socket errors measure failures, not searches: "
             + ", ".join(f"{r['target']} c={r['conns']}" for r in suspect) + ".")
    L.append("")
if ratios:
    L.append("Ratios (recipe-rag / python-peer):")
    L.append("")
    L.append("| conns | rps ours/peer | p99 peer/ours |")
    L.append("|---:|---:|---:|")
    for x in ratios:
        L.append(f"| {x['conns']} | {fmt(x['rps_ratio'], '×')} | {fmt(x['p99_ratio_peer_over_ours'], '×')} |")
    L.append("")
if any(v is not None for v in ours_meta.values()):
    L.append("recipe-rag process:")
    L.append("")
    L.append(f"- ready time (process start → GET /readyz 200, polled every 10 ms): {fmt(ours_meta['ready_ms'], ' ms')}")
    L.append(f"- RSS after start: {fmt(ours_meta['rss_after_start_mb'], ' MB')}")
    L.append(f"- RSS after load: {fmt(ours_meta['rss_after_load_mb'], ' MB')} "
             f"(peak {fmt(ours_meta['rss_peak_mb'], ' MB')})")
    L.append("")
if peer_rss is not None:
    L.append(f"python-peer RSS after load (supervisor + 2 workers): {peer_rss:g} MB")
    L.append("")
L.append("Goals:")
L.append("")
L.append("| goal | target | measured | status |")
L.append("|---|---|---:|---|")
units = ["×", " ms", " MB", " ms"]
for g, u in zip(goals, units):
    L.append(f"| {g['goal']} | {g['target']} | {fmt(g['value'], u)} | {g['status']} |")
L.append("")
L.append("MB = MiB (VmRSS / 1024). Latencies from wrk (closed loop: no coordinated-omission correction).")

text = "\n".join(L) + "\n"
with open(md_file, "w") as f:
    f.write(text)
sys.stdout.write(text)
failed = any(g["status"] == "FAIL" for g in goals)
sys.exit(3 if failed and E.get("STRICT") == "1" else 0)
PY
rc=$?
set -e
finish_report "$rc"
