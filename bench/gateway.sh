#!/usr/bin/env bash
# LLM-gateway benchmark: recipe-rag's OpenAI-compatible endpoints against a fast fake upstream
# (bench/gateway/upstream.mjs), with the Portkey gateway (shared/peers/portkey) as the same-run
# baseline. See bench/README.md ("LLM gateway").
#
#   bench/gateway.sh                                  full run (about 5 minutes plus the build)
#   DURATION=3 ROUNDS=1 bench/gateway.sh              quick
#   PHASES="streams" SKIP_BUILD=1 bench/gateway.sh    one part only
#
# Three parts (PHASES, in this order):
#   overhead  POST /v1/chat/completions with client tools (so recipe-rag passes it through),
#             non-streaming, instant upstream: wrk --latency against the upstream directly,
#             through recipe-rag and through Portkey, alternating, ROUNDS times, at each of CONNS.
#             Reports the median over rounds and the added p50/p99 (target minus direct).
#   streams   STREAMS concurrent streaming pass-through requests (the upstream sends
#             STREAM_CHUNKS chunks CHUNK_DELAY_MS apart), every chunk checked by
#             bench/gateway/streams.mjs: lost and misordered chunks, recipe-rag's peak RSS
#             (VmHWM of a fresh server). The same streams go to the upstream directly first,
#             as a control of the client and upstream.
#   answer    POST /v1/answer {"question":"tomato soup","top_k":5} end to end with an upstream
#             that waits ANSWER_LATENCY_MS before answering: p50/p95/p99 at each of ANSWER_CONNS.
#
# Knobs (environment):
#   DURATION=10 WARMUP=2   seconds per measured wrk run / warm-up run before it (0: none)
#   ROUNDS=3  CONNS="1 64"                  overhead: rounds and connection counts
#   STREAMS=2000 STREAM_CHUNKS=20 CHUNK_DELAY_MS=50    streams
#   ANSWER_CONNS="1 8" ANSWER_LATENCY_MS=300 ANSWER_DURATION=20 (s per measured run)  answer
#   PHASES="overhead streams answer"
#   SKIP_BUILD=1     do not run cmake (build/release/recipe-rag must exist)
#   SKIP_PORTKEY=1   no Portkey in the overhead part
#   SKIP_SERVICE=1   (testing the bench itself) no recipe-rag: upstream and Portkey only
#   INDEX=DIR        serve this index (default: build one from the bundled corpus into the temp dir)
#   PORTKEY_DIR=${TMPDIR:-/tmp}/portkey-peer   where Portkey is installed (`run.sh install` runs
#                    there when it is missing; that needs the npm registry)
#   READY_TIMEOUT=30 (s)  STRICT=1 (exit 3 when a goal is missed)  SHARED=<repo>/../shared
#   RECIPE_RAG__*    reach every recipe-rag started here (e.g. RECIPE_RAG__LLM__CLIENT_THREADS=2)
#
# Writes bench/results/gateway-<UTC stamp>.md and .json and prints the markdown on stdout;
# progress goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export GIT_OPTIONAL_LOCKS=0   # the report's `git status` must not write .git/index

BENCH_NAME=gateway
# shellcheck source=bench/lib.sh
source bench/lib.sh
set_knobs DURATION WARMUP ROUNDS CONNS STREAMS STREAM_CHUNKS CHUNK_DELAY_MS ANSWER_CONNS \
  ANSWER_LATENCY_MS ANSWER_DURATION PHASES SKIP_BUILD SKIP_PORTKEY SKIP_SERVICE INDEX PORTKEY_DIR READY_TIMEOUT \
  STRICT SHARED

SHARED="${SHARED:-$ROOT/../shared}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-1 64}"
STREAMS="${STREAMS:-2000}"
STREAM_CHUNKS="${STREAM_CHUNKS:-20}"
CHUNK_DELAY_MS="${CHUNK_DELAY_MS:-50}"
ANSWER_CONNS="${ANSWER_CONNS:-1 8}"
ANSWER_LATENCY_MS="${ANSWER_LATENCY_MS:-300}"
ANSWER_DURATION="${ANSWER_DURATION:-20}"   # at c=1 and 300 ms a request, 20 s are ~60 samples
PHASES="${PHASES:-overhead streams answer}"
SKIP_BUILD="${SKIP_BUILD:-0}"
SKIP_PORTKEY="${SKIP_PORTKEY:-0}"
SKIP_SERVICE="${SKIP_SERVICE:-0}"
PORTKEY_DIR="${PORTKEY_DIR:-${TMPDIR:-/tmp}/portkey-peer}"
READY_TIMEOUT="${READY_TIMEOUT:-30}"
STRICT="${STRICT:-0}"

BIN=build/release/recipe-rag
CONFIG=config/recipe-rag.toml
CORPUS=data/recipes/recipe_data.json
LEXICON=data/lexicon/lexicon.tsv
OUR_TOKEN=bench-token
UP_KEY=sk-bench
PORTKEY_RUN="$SHARED/peers/portkey/run.sh"
RESULTS_DIR=bench/results
PY=/usr/bin/python3
[[ -x "$PY" ]] || PY=python3
NODE="$(command -v node || true)"

for v in DURATION ANSWER_DURATION ROUNDS STREAMS READY_TIMEOUT; do
  if ! is_uint "${!v}" || (( ${!v} == 0 )); then die "$v must be a positive integer, got '${!v}'"; fi
done
for v in WARMUP STREAM_CHUNKS CHUNK_DELAY_MS ANSWER_LATENCY_MS; do
  is_uint "${!v}" || die "$v must be a non-negative integer, got '${!v}'"
done
read -r -a conns <<<"$CONNS"
read -r -a answer_conns <<<"$ANSWER_CONNS"
for c in "${conns[@]}" "${answer_conns[@]}"; do
  if ! is_uint "$c" || (( c == 0 )); then die "CONNS / ANSWER_CONNS: '$c' is not a positive integer"; fi
done
read -r -a phases <<<"$PHASES"
(( ${#phases[@]} > 0 )) || die "PHASES is empty"
for p in "${phases[@]}"; do
  [[ "$p" =~ ^(overhead|streams|answer)$ ]] || die "PHASES: unknown part '$p' (overhead, streams, answer)"
done
want() { [[ " ${phases[*]} " == *" $1 "* ]]; }
RUN_OURS=1; [[ "$SKIP_SERVICE" == 1 ]] && RUN_OURS=0
RUN_PORTKEY=1; [[ "$SKIP_PORTKEY" == 1 ]] && RUN_PORTKEY=0
want overhead || RUN_PORTKEY=0
if (( ! RUN_OURS )) && want answer; then die "PHASES has answer, which needs recipe-rag (SKIP_SERVICE=1)"; fi

[[ -n "$NODE" ]] || die "node not found"
command -v wrk >/dev/null || die "wrk not installed (scripts/setup --bench)"
command -v curl >/dev/null || die "curl not installed"

# 2,000 streams through a proxy are 4,000+ sockets in one process; the client and the upstream
# (children of this shell) and recipe-rag all inherit this.
if (( $(ulimit -n) < 10000 )); then
  hard="$(ulimit -Hn)"
  if [[ "$hard" == unlimited ]] || (( hard >= 10000 )); then ulimit -n 10000
  else ulimit -n "$hard"; fi
  (( $(ulimit -n) >= 10000 )) || say "warning: open-file limit is $(ulimit -n); $STREAMS streams may fail"
fi

# ---------------------------------------------------------------- clean-up of what we start
WORK="$(mktemp -d "${TMPDIR:-/tmp}/recipe-rag-gateway.XXXXXX")"
PIDS=()            # upstreams, RSS samplers
SVC_PID=""         # the recipe-rag running now
SVC_LOG=""
PORTKEY_PORT=""
PORTKEY_STARTED=0

stop_pid() {  # pid: TERM, up to 5 s, then KILL
  local pid=$1 state
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    state="$(awk '/^State:/{print $2}' "/proc/$pid/status" 2>/dev/null || true)"
    [[ -z "$state" || "$state" == Z ]] && break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}
stop_service() {
  [[ -n "$SVC_PID" ]] || return 0
  local pid=$SVC_PID
  SVC_PID=""
  stop_pid "$pid"
}
stop_portkey() {
  [[ "$PORTKEY_STARTED" == 1 ]] || return 0
  PORTKEY_STARTED=0
  PORT="$PORTKEY_PORT" PEER_DIR="$PORTKEY_DIR" "$PORTKEY_RUN" stop || true
}
# shellcheck disable=SC2317  # reached through the trap
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  if [[ "$rc" != 0 && "$rc" != 3 && -n "$SVC_LOG" && -s "$SVC_LOG" ]]; then
    say "last lines of the recipe-rag log ($SVC_LOG):"; tail -n 20 "$SVC_LOG" >&2 || true
  fi
  stop_service
  stop_portkey
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- build, index, Portkey
if (( RUN_OURS )); then
  if [[ "$SKIP_BUILD" != 1 ]]; then
    say "cmake --preset release && cmake --build --preset release"
    { cmake --preset release && cmake --build --preset release; } >&2
  fi
  [[ -x "$BIN" ]] || die "$BIN not found (build it, or unset SKIP_BUILD)"
  if [[ -z "${INDEX:-}" ]]; then
    INDEX="$WORK/index"
    lex=(); [[ -f "$LEXICON" ]] && lex=(--lexicon "$LEXICON")
    say "building the index: $BIN index build --corpus $CORPUS ${lex[*]} --out $INDEX"
    "$BIN" index build --corpus "$CORPUS" "${lex[@]}" --out "$INDEX" >"$WORK/index-build.log" 2>&1 ||
      { tail -n 20 "$WORK/index-build.log" >&2; die "index build failed"; }
  fi
  [[ -f "$INDEX/manifest.json" ]] || die "$INDEX/manifest.json not found"
fi

if (( RUN_PORTKEY )); then
  [[ -x "$PORTKEY_RUN" ]] || die "$PORTKEY_RUN not found (set SHARED, or SKIP_PORTKEY=1)"
  if [[ ! -f "$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js" ]]; then
    say "installing Portkey into $PORTKEY_DIR (npm ci)"
    PEER_DIR="$PORTKEY_DIR" "$PORTKEY_RUN" install >&2
  fi
fi

# ---------------------------------------------------------------- the wrk script
# POST the body of $BENCH_BODY_FILE to the URL's path with the headers of $BENCH_HEADERS_FILE
# ("Name: value" lines); a 2xx body without $BENCH_EXPECT in it counts as "unexpected". done()
# prints one RESULT line; latencies in microseconds (wrk --latency itself stops at p99 and has
# no p95). wrk runs with --timeout 30s: with its default of 2 s, slow answers would be dropped from
# the latencies as timeouts.
LUA="$WORK/post.lua"
cat >"$LUA" <<'LUA'
local body_path = os.getenv("BENCH_BODY_FILE")
local headers_path = os.getenv("BENCH_HEADERS_FILE") or ""
local expect = os.getenv("BENCH_EXPECT") or ""
local threads = {}
function setup(thread) table.insert(threads, thread) end
local req
non2xx, responses, unexpected = 0, 0, 0
function init(args)
  local f = assert(io.open(body_path, "r"))
  local body = f:read("*a"):gsub("%s+$", "")
  f:close()
  local h = { ["Content-Type"] = "application/json" }
  if headers_path ~= "" then
    for line in io.lines(headers_path) do
      local k, v = line:match("^([^:]+):%s*(.-)%s*$")
      if k then h[k] = v end
    end
  end
  req = wrk.format("POST", nil, h, body)
end
function request() return req end
function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif expect ~= "" and not string.find(body or "", expect, 1, true) then
    unexpected = unexpected + 1
  end
end
function done(summary, latency, requests)
  local bad, got, odd = 0, 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (tonumber(t:get("non2xx")) or 0)
    got = got + (tonumber(t:get("responses")) or 0)
    odd = odd + (tonumber(t:get("unexpected")) or 0)
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT rps=%.2f p50_us=%d p90_us=%d p95_us=%d p99_us=%d p999_us=%d mean_us=%.1f max_us=%d"
    .. " requests=%d responses=%d duration_s=%.3f non2xx=%d unexpected=%d errors=%d"
    .. " connect=%d read=%d write=%d timeout=%d status=%d\n",
    secs > 0 and summary.requests / secs or 0,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency:percentile(99.9), latency.mean, latency.max,
    summary.requests, got, secs, bad, odd, e.connect + e.read + e.write + e.timeout,
    e.connect, e.read, e.write, e.timeout, e.status))
end
LUA

TOOLS='"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{}}}}]'
CHAT_BODY="$WORK/chat.json"
printf '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],%s}\n' "$TOOLS" >"$CHAT_BODY"
STREAM_BODY_JSON="$(printf '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],%s,"stream":true,"stream_options":{"include_usage":true}}' "$TOOLS")"
ANSWER_BODY="$WORK/answer.json"
echo '{"question":"tomato soup","top_k":5}' >"$ANSWER_BODY"

# ---------------------------------------------------------------- machine and run metadata
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
DATE_ISO="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
describe_machine
M_WRK="$( (wrk -v 2>&1 || true) | head -n 1 | awk '{print $1, $2}')"
M_NODE="$("$NODE" --version)"
M_SERVICE=""; (( RUN_OURS )) && M_SERVICE="$("$BIN" --version 2>&1 | head -n 1)"
M_PORTKEY=""
if (( RUN_PORTKEY )); then
  M_PORTKEY="$("$NODE" -p 'require(process.argv[1]).version' \
    "$PORTKEY_DIR/node_modules/@portkey-ai/gateway/package.json" 2>/dev/null || echo unknown)"
fi
COMMAND="${cmd_env[*]:+${cmd_env[*]} }bench/gateway.sh"

# ---------------------------------------------------------------- processes
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

UP_URL=""
start_upstream() {  # name flags... → UP_URL (…/v1), pid in PIDS
  local name=$1 out pid
  shift
  out="$WORK/upstream-$name.out"
  "$NODE" bench/gateway/upstream.mjs --port 0 --key "$UP_KEY" "$@" >"$out" 2>"$WORK/upstream-$name.err" </dev/null &
  pid=$!
  PIDS+=("$pid")
  UP_URL=""
  for _ in $(seq 1 200); do
    UP_URL="$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$out" 2>/dev/null | head -n 1)"
    [[ -n "$UP_URL" ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/upstream-$name.err" >&2; die "upstream $name exited"; }
    sleep 0.05
  done
  [[ -n "$UP_URL" ]] || die "upstream $name printed no URL"
  say "upstream $name: $UP_URL ($*) PID $pid"
}

SVC_PORT="" SVC_READY_MS="" SVC_RSS_START=""
start_service() {  # name upstream_url → SVC_PID, SVC_PORT, SVC_LOG
  local name=$1 up=$2 t0 deadline code
  SVC_LOG="$WORK/recipe-rag-$name.log"
  SVC_PORT=""
  t0="$(now_us)"
  RECIPE_RAG_API_TOKENS="$OUR_TOKEN" RECIPE_RAG__LLM__PROVIDER=openai RECIPE_RAG__LLM__BASE_URL="$up" \
    OPENAI_API_KEY="$UP_KEY" RECIPE_RAG__LOG__ACCESS_LOG=false \
    "$BIN" serve --listen 127.0.0.1:0 --index "$INDEX" --config "$CONFIG" \
    >"$WORK/recipe-rag-$name.out" 2>"$SVC_LOG" </dev/null &
  SVC_PID=$!
  deadline=$(( t0 + READY_TIMEOUT * 1000000 ))
  while :; do
    if [[ -z "$SVC_PORT" ]]; then
      SVC_PORT="$(grep -E '"msg"[[:space:]]*:[[:space:]]*"listening"' "$SVC_LOG" 2>/dev/null | head -n 1 |
        sed -nE 's/.*"address"[[:space:]]*:[[:space:]]*"[^"]*:([0-9]+)".*/\1/p' || true)"
    fi
    if [[ -n "$SVC_PORT" ]]; then
      code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$SVC_PORT/readyz" || true)"
      [[ "$code" == 200 ]] && break
    fi
    kill -0 "$SVC_PID" 2>/dev/null || die "recipe-rag ($name) exited during start-up"
    (( $(now_us) < deadline )) || die "recipe-rag ($name) not ready after ${READY_TIMEOUT}s (port '$SVC_PORT')"
    sleep 0.01
  done
  SVC_READY_MS="$(awk -v a="$t0" -v b="$(now_us)" 'BEGIN{printf "%.1f", (b-a)/1000}')"
  SVC_RSS_START="$(status_mb "$SVC_PID" VmRSS)"
  say "recipe-rag ($name) ready on 127.0.0.1:$SVC_PORT in $SVC_READY_MS ms, RSS $SVC_RSS_START MB, PID $SVC_PID, upstream $up"
}
status_mb() { awk -v k="$2:" '$1==k{printf "%.1f", $2/1024}' "/proc/$1/status"; }

# log lines of the current recipe-rag by level, and its distinct warning/error messages
log_summary() {  # log file → JSON
  "$PY" - "$1" <<'PY'
import json, sys
levels, msgs = {}, {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    lv = str(o.get("level", "?"))
    levels[lv] = levels.get(lv, 0) + 1
    if lv in ("warn", "warning", "error", "fatal"):
        key = f'{lv}: {o.get("msg", "")}' + (f' ({str(o.get("reason") or o.get("error"))[:160]})'
                                             if o.get("reason") or o.get("error") else "")
        msgs[key] = msgs.get(key, 0) + 1
print(json.dumps({"levels": levels,
                  "problems": [{"line": k, "count": v} for k, v in sorted(msgs.items(), key=lambda x: -x[1])[:10]]}))
PY
}

# ---------------------------------------------------------------- request helpers
write_headers() {  # file header-lines...
  local f=$1; shift
  printf '%s\n' "$@" >"$f"
}
check_post() {  # name url headers_file body_file expect
  local name=$1 url=$2 hf=$3 bf=$4 expect=$5 out code
  out="$(curl -s --max-time 30 -w '\n%{http_code}' -X POST "$url" -H @"$hf" \
    -H 'Content-Type: application/json' --data-binary @"$bf" || true)"
  code="${out##*$'\n'}"
  [[ "$code" == 200 ]] || die "$name: POST $url returned '$code': ${out%$'\n'*}"
  [[ "$out" == *"$expect"* ]] || die "$name: POST $url: no '$expect' in ${out%$'\n'*}"
}
RESULT_LINE=""      # the measured run's RESULT line, plus warmup_requests=N (the warm-up's requests)
run_wrk() {  # label url headers_file body_file expect conns [duration]
  local label=$1 url=$2 hf=$3 bf=$4 expect=$5 c=$6 d=${7:-$DURATION} t out
  t=$(( c < 2 ? c : 2 ))
  local warm=0
  if (( WARMUP > 0 )); then
    BENCH_BODY_FILE="$bf" BENCH_HEADERS_FILE="$hf" BENCH_EXPECT="$expect" \
      wrk -t "$t" -c "$c" -d "${WARMUP}s" --timeout 30s -s "$LUA" "$url" >"$WORK/warmup.txt" 2>&1 ||
      { cat "$WORK/warmup.txt" >&2; die "$label: warm-up wrk failed"; }
    warm="$(sed -n 's/^RESULT .* requests=\([0-9]*\) .*/\1/p' "$WORK/warmup.txt")"
  fi
  out="$WORK/wrk-$label.txt"
  BENCH_BODY_FILE="$bf" BENCH_HEADERS_FILE="$hf" BENCH_EXPECT="$expect" \
    wrk -t "$t" -c "$c" -d "${d}s" --timeout 30s --latency -s "$LUA" "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; die "$label: wrk failed"; }
  RESULT_LINE="$(grep -m1 '^RESULT ' "$out" || true)"
  [[ -n "$RESULT_LINE" ]] || { cat "$out" >&2; die "$label: no RESULT line from wrk"; }
  RESULT_LINE+=" warmup_requests=${warm:-0}"
}

ROWS="$WORK/rows.txt"        # phase target conns round RESULT k=v...
STREAM_RES="$WORK/streams.jsonl"
META="$WORK/meta.jsonl"      # {"key":…,"value":…} lines for the report
: >"$ROWS"; : >"$STREAM_RES"; : >"$META"
meta() { "$PY" -c 'import json,sys; print(json.dumps({"key":sys.argv[1],"value":json.loads(sys.argv[2])}))' "$1" "$2" >>"$META"; }
num_or_null() { [[ -n "$1" ]] && echo "$1" || echo null; }

# ---------------------------------------------------------------- (a) overhead
if want overhead; then
  say "== overhead: non-streaming pass-through, instant upstream"
  start_upstream overhead --latency-ms 0
  up_overhead="$UP_URL"
  targets=(direct)
  write_headers "$WORK/h-direct" "Authorization: Bearer $UP_KEY"
  url_direct="$up_overhead/chat/completions"
  if (( RUN_OURS )); then
    start_service overhead "$up_overhead"
    targets+=(recipe-rag)
    write_headers "$WORK/h-recipe-rag" "Authorization: Bearer $OUR_TOKEN"
    url_recipe_rag="http://127.0.0.1:$SVC_PORT/v1/chat/completions"
    meta overhead_service "{\"ready_ms\":$SVC_READY_MS,\"rss_after_start_mb\":$SVC_RSS_START}"
  fi
  if (( RUN_PORTKEY )); then
    PORTKEY_PORT="$(free_port)"
    say "starting Portkey $M_PORTKEY on 127.0.0.1:$PORTKEY_PORT"
    PORTKEY_STARTED=1
    PORT="$PORTKEY_PORT" PEER_DIR="$PORTKEY_DIR" "$PORTKEY_RUN" start >/dev/null
    targets+=(portkey)
    write_headers "$WORK/h-portkey" "Authorization: Bearer $UP_KEY" "x-portkey-provider: openai" \
      "x-portkey-custom-host: $up_overhead"
    url_portkey="http://127.0.0.1:$PORTKEY_PORT/v1/chat/completions"
  fi
  url_of() { case $1 in direct) echo "$url_direct" ;; recipe-rag) echo "$url_recipe_rag" ;; portkey) echo "$url_portkey" ;; esac; }
  EXPECT_CHAT='"content":"w0 w1 '
  for t in "${targets[@]}"; do check_post "$t" "$(url_of "$t")" "$WORK/h-$t" "$CHAT_BODY" "$EXPECT_CHAT"; done
  for c in "${conns[@]}"; do
    for r in $(seq 1 "$ROUNDS"); do
      for t in "${targets[@]}"; do
        run_wrk "overhead-$t-$c-$r" "$(url_of "$t")" "$WORK/h-$t" "$CHAT_BODY" "$EXPECT_CHAT" "$c"
        printf 'overhead %s %s %s %s\n' "$t" "$c" "$r" "$RESULT_LINE" >>"$ROWS"
        say "overhead c=$c round $r $t: ${RESULT_LINE#RESULT }"
        if [[ "$t" == recipe-rag ]]; then kill -0 "$SVC_PID" 2>/dev/null || die "recipe-rag died under load (c=$c)"; fi
      done
    done
  done
  if (( RUN_OURS )); then
    meta overhead_service_after "{\"rss_after_mb\":$(status_mb "$SVC_PID" VmRSS),\"rss_peak_mb\":$(status_mb "$SVC_PID" VmHWM),\"log\":$(log_summary "$SVC_LOG")}"
    stop_service
  fi
  stop_portkey
fi

# ---------------------------------------------------------------- (b) concurrent streams
if want streams; then
  say "== streams: $STREAMS concurrent streaming pass-through requests, $STREAM_CHUNKS chunks ${CHUNK_DELAY_MS} ms apart"
  start_upstream streams --chunks "$STREAM_CHUNKS" --chunk-delay-ms "$CHUNK_DELAY_MS"
  up_streams="$UP_URL"
  run_streams() {  # label base_url token [header...]
    local label=$1 base=$2 token=$3 out
    shift 3
    local hdr=()
    for h in "$@"; do hdr+=(--header "$h"); done
    out="$("$NODE" bench/gateway/streams.mjs --url "$base" --path /v1/chat/completions --token "$token" \
      --body "$STREAM_BODY_JSON" --streams "$STREAMS" --chunks "$STREAM_CHUNKS" "${hdr[@]}")" ||
      die "$label: streams.mjs failed"
    say "streams $label: $out"
    "$PY" -c 'import json,sys; d=json.loads(sys.argv[2]); d["target"]=sys.argv[1]; print(json.dumps(d))' \
      "$label" "$out" >>"$STREAM_RES"
  }
  run_streams direct "${up_streams%/v1}" "$UP_KEY"
  if (( RUN_OURS )); then
    start_service streams "$up_streams"
    rss_start="$SVC_RSS_START" hwm_start="$(status_mb "$SVC_PID" VmHWM)" ready="$SVC_READY_MS"
    # VmRSS every 100 ms while the streams run (VmHWM, the kernel's peak, is read after); the
    # sampler rewrites the highest value seen so far into $sampler_out at every reading
    sampler_out="$WORK/rss-samples.txt"
    "$PY" - "$SVC_PID" "$sampler_out" <<'PY' &
import os, sys, time
pid, out = sys.argv[1], sys.argv[2]
peak = 0
while True:
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    except (OSError, StopIteration, ValueError):
        break
    if rss > peak:
        peak = rss
        with open(out + ".tmp", "w") as f:
            f.write(f"{peak}\n")
        os.replace(out + ".tmp", out)
    time.sleep(0.1)
PY
    sampler=$!
    PIDS+=("$sampler")
    run_streams recipe-rag "http://127.0.0.1:$SVC_PORT" "$OUR_TOKEN"
    kill -0 "$SVC_PID" 2>/dev/null || die "recipe-rag died during the streams"
    hwm_after="$(status_mb "$SVC_PID" VmHWM)" rss_after="$(status_mb "$SVC_PID" VmRSS)"
    kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
    sampled_max="$(awk '{printf "%.1f", $1/1024}' "$sampler_out" 2>/dev/null || true)"
    meta streams_service "{\"ready_ms\":$ready,\"rss_after_start_mb\":$rss_start,\"hwm_after_start_mb\":$hwm_start,\"rss_peak_mb\":$hwm_after,\"rss_sampled_max_mb\":$(num_or_null "$sampled_max"),\"rss_after_mb\":$rss_after,\"log\":$(log_summary "$SVC_LOG")}"
    say "recipe-rag during the streams: peak RSS (VmHWM) $hwm_after MB, sampled max $sampled_max MB, after $rss_after MB"
    stop_service
  fi
fi

# ---------------------------------------------------------------- (c) /v1/answer end to end
if want answer; then
  say "== answer: POST /v1/answer end to end, upstream latency ${ANSWER_LATENCY_MS} ms"
  start_upstream answer --latency-ms "$ANSWER_LATENCY_MS"
  start_service answer "$UP_URL"
  meta answer_service "{\"ready_ms\":$SVC_READY_MS,\"rss_after_start_mb\":$SVC_RSS_START}"
  write_headers "$WORK/h-answer" "Authorization: Bearer $OUR_TOKEN"
  url_answer="http://127.0.0.1:$SVC_PORT/v1/answer"
  # "degraded":false: the answer came from the upstream, not from the extractive fallback
  EXPECT_ANSWER='"degraded":false'
  check_post answer "$url_answer" "$WORK/h-answer" "$ANSWER_BODY" "$EXPECT_ANSWER"
  for c in "${answer_conns[@]}"; do
    run_wrk "answer-$c" "$url_answer" "$WORK/h-answer" "$ANSWER_BODY" "$EXPECT_ANSWER" "$c" "$ANSWER_DURATION"
    printf 'answer recipe-rag %s 1 %s\n' "$c" "$RESULT_LINE" >>"$ROWS"
    say "answer c=$c: ${RESULT_LINE#RESULT }"
    kill -0 "$SVC_PID" 2>/dev/null || die "recipe-rag died under load (answer, c=$c)"
  done
  meta answer_service_after "{\"rss_after_mb\":$(status_mb "$SVC_PID" VmRSS),\"rss_peak_mb\":$(status_mb "$SVC_PID" VmHWM),\"log\":$(log_summary "$SVC_LOG")}"
  stop_service
fi

M_LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- report
mkdir -p "$RESULTS_DIR"
MD="$RESULTS_DIR/gateway-$STAMP.md"
JSON="$RESULTS_DIR/gateway-$STAMP.json"
export DATE_ISO M_NPROC M_CPU M_MEM M_KERNEL M_DEBIAN M_OS M_LOAD M_LOAD_END M_WRK M_NODE M_SERVICE \
  M_PORTKEY GIT_COMMIT COMMAND DURATION WARMUP ROUNDS STREAMS STREAM_CHUNKS CHUNK_DELAY_MS \
  ANSWER_LATENCY_MS ANSWER_DURATION STRICT PHASES
set +e
"$PY" - "$ROWS" "$STREAM_RES" "$META" "$MD" "$JSON" <<'PY'
import json, os, statistics, sys

rows_file, streams_file, meta_file, md_file, json_file = sys.argv[1:6]
E = os.environ
INT_KEYS = {"requests", "warmup_requests", "responses", "non2xx", "unexpected", "errors", "connect", "read", "write",
            "timeout", "status", "p50_us", "p90_us", "p95_us", "p99_us", "p999_us", "max_us"}

runs = []
for line in open(rows_file):
    parts = line.split()
    if len(parts) < 5:
        continue
    r = {"phase": parts[0], "target": parts[1], "conns": int(parts[2]), "round": int(parts[3])}
    for kv in parts[5:]:
        k, _, v = kv.partition("=")
        r[k] = int(float(v)) if k in INT_KEYS else float(v)
    runs.append(r)
streams = [json.loads(l) for l in open(streams_file) if l.strip()]
meta = {}
for l in open(meta_file):
    if l.strip():
        d = json.loads(l)
        meta[d["key"]] = d["value"]

med = lambda xs: statistics.median(xs) if xs else None
r2 = lambda v, n=3: None if v is None else round(v, n)

# (a) medians over rounds, and added latency = target - direct in the same round (median)
overhead = []
ov = [r for r in runs if r["phase"] == "overhead"]
conns = sorted({r["conns"] for r in ov})
targets = [t for t in ("direct", "recipe-rag", "portkey") if any(r["target"] == t for r in ov)]
for c in conns:
    direct = {r["round"]: r for r in ov if r["conns"] == c and r["target"] == "direct"}
    for t in targets:
        rs = [r for r in ov if r["conns"] == c and r["target"] == t]
        row = {"target": t, "conns": c, "rounds": len(rs),
               "rps": r2(med([r["rps"] for r in rs]), 0),
               "p50_ms": r2(med([r["p50_us"] / 1000 for r in rs])),
               "p99_ms": r2(med([r["p99_us"] / 1000 for r in rs])),
               "non2xx": sum(r["non2xx"] for r in rs), "unexpected": sum(r["unexpected"] for r in rs),
               "socket_errors": sum(r["errors"] for r in rs)}
        if t != "direct":
            pairs = [(r, direct[r["round"]]) for r in rs if r["round"] in direct]
            row["added_p50_ms"] = r2(med([(a["p50_us"] - d["p50_us"]) / 1000 for a, d in pairs]))
            row["added_p99_ms"] = r2(med([(a["p99_us"] - d["p99_us"]) / 1000 for a, d in pairs]))
            row["rps_vs_direct"] = r2(med([a["rps"] / d["rps"] for a, d in pairs if d["rps"] > 0]), 2)
        overhead.append(row)

answer = []
for r in runs:
    if r["phase"] == "answer":
        answer.append({"conns": r["conns"], "rps": round(r["rps"], 1),
                       "p50_ms": r2(r["p50_us"] / 1000, 1), "p95_ms": r2(r["p95_us"] / 1000, 1),
                       "p99_ms": r2(r["p99_us"] / 1000, 1), "max_ms": r2(r["max_us"] / 1000, 1),
                       "added_p50_ms": r2(r["p50_us"] / 1000 - float(E["ANSWER_LATENCY_MS"]), 1),
                       "requests": r["requests"], "non2xx": r["non2xx"],
                       "unexpected": r["unexpected"], "socket_errors": r["errors"]})

def goal(name, target, value, ok, unit=""):
    return {"goal": name, "target": target, "value": value, "unit": unit,
            "status": "n/a" if value is None else ("PASS" if ok(value) else "FAIL")}

ours_streams = next((s for s in streams if s["target"] == "recipe-rag"), None)
sv = meta.get("streams_service", {})
goals = []
if ours_streams or "streams" in E["PHASES"].split():
    goals += [
        goal(f"{E['STREAMS']} concurrent streams: lost chunks", "0",
             ours_streams and ours_streams["lost_chunks"], lambda v: v == 0),
        goal(f"{E['STREAMS']} concurrent streams: misordered chunks", "0",
             ours_streams and ours_streams["misordered"], lambda v: v == 0),
        goal(f"{E['STREAMS']} concurrent streams: failed streams", "0",
             ours_streams and ours_streams["errors"], lambda v: v == 0),
        goal("recipe-rag peak RSS during the streams (VmHWM)", "<= 256 MB",
             sv.get("rss_peak_mb"), lambda v: v <= 256, " MB"),
    ]

# the issue's overhead and latency goals, from the medians above
row = lambda t, c: next((o for o in overhead if o["target"] == t and o["conns"] == c), None)
ours1 = row("recipe-rag", 1)
if ours1:
    goals.append(goal("added p99 at c=1, instant upstream (median over rounds)", "<= 0.5 ms",
                      ours1.get("added_p99_ms"), lambda v: v <= 0.5, " ms"))
for c in conns:
    ours, peer = row("recipe-rag", c), row("portkey", c)
    if ours and peer:
        goals.append(goal(f"added p99 at c={c} below Portkey's (ours, ms; Portkey {peer['added_p99_ms']})",
                          f"< {peer['added_p99_ms']} ms", ours["added_p99_ms"],
                          lambda v, lim=peer["added_p99_ms"]: v < lim, " ms"))
for a in answer:
    goals.append(goal(f"/v1/answer p95 at c={a['conns']}, 300 ms upstream", "< 2000 ms",
                      a["p95_ms"], lambda v: v < 2000, " ms"))

# each part's recipe-rag process: memory at start and end, and the requests it answered
# (measured runs + warm-ups + the one check request; for streams, the streams)
procs = []
for part in ("overhead", "streams", "answer"):
    start = meta.get(f"{part}_service")
    if not start:
        continue
    end = meta.get(f"{part}_service_after", start)
    if part == "streams":
        served = ours_streams["streams"] if ours_streams else None
    else:
        rs = [r for r in runs if r["phase"] == part and r["target"] == "recipe-rag"]
        served = sum(r["requests"] + r.get("warmup_requests", 0) for r in rs) + 1
    growth = end.get("rss_after_mb", 0) - start["rss_after_start_mb"]
    procs.append({"part": part, "ready_ms": start.get("ready_ms"),
                  "rss_after_start_mb": start["rss_after_start_mb"],
                  "rss_at_end_mb": end.get("rss_after_mb"), "rss_peak_mb": end.get("rss_peak_mb"),
                  "requests": served,
                  "rss_growth_kb_per_request": round(growth * 1024 / served, 2) if served else None})

suspect = [f"{r['phase']} {r['target']} c={r['conns']} round {r['round']}" for r in runs
           if r["non2xx"] or r["unexpected"] or r["errors"]]

doc = {
    "date": E["DATE_ISO"],
    "machine": {"nproc": int(E["M_NPROC"]), "cpu": E["M_CPU"], "memory": E["M_MEM"],
                "kernel": E["M_KERNEL"], "debian": E["M_DEBIAN"], "os": E["M_OS"],
                "loadavg_at_start": E["M_LOAD"], "loadavg_at_end": E["M_LOAD_END"],
                "wrk": E["M_WRK"], "node": E["M_NODE"]},
    "git_commit": E["GIT_COMMIT"], "recipe_rag": E["M_SERVICE"] or None,
    "portkey": E["M_PORTKEY"] or None, "command": E["COMMAND"],
    "settings": {"duration_s": int(E["DURATION"]), "warmup_s": int(E["WARMUP"]),
                 "rounds": int(E["ROUNDS"]), "streams": int(E["STREAMS"]),
                 "stream_chunks": int(E["STREAM_CHUNKS"]), "chunk_delay_ms": int(E["CHUNK_DELAY_MS"]),
                 "answer_upstream_latency_ms": int(E["ANSWER_LATENCY_MS"]),
                 "answer_duration_s": int(E["ANSWER_DURATION"]), "phases": E["PHASES"].split()},
    "overhead": overhead, "streams": streams, "answer": answer,
    "service": meta, "service_processes": procs, "goals": goals, "runs": runs,
}
with open(json_file, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")

def fmt(v, spec="g", unit=""):
    return "n/a" if v is None else f"{format(v, spec)}{unit}"

m = doc["machine"]
L = [f"# LLM gateway benchmark, {doc['date']}", "",
     "Numbers are only comparable within this run (same machine, same minutes).", "",
     f"- **date**: {doc['date']}",
     f"- **machine**: {m['nproc']} CPUs, {m['cpu']}, {m['memory']} RAM, kernel {m['kernel']}, "
     f"Debian {m['debian']} ({m['os']}); load average {m['loadavg_at_start']} at start, "
     f"{m['loadavg_at_end']} at end",
     f"- **git commit**: {doc['git_commit']}; **recipe-rag**: {doc['recipe_rag'] or 'not run'}; "
     f"**Portkey**: {doc['portkey'] or 'not run'}; node {m['node']}; {m['wrk']}",
     f"- **command**: `{doc['command']}`",
     "- **upstream**: `bench/gateway/upstream.mjs` (node:http) on the same machine; wrk, the stream "
     "client, the upstream and the gateways share the same CPUs", ""]

if overhead:
    s = doc["settings"]
    L += ["## Overhead: POST /v1/chat/completions pass-through (client tools, non-streaming, instant upstream)", "",
          f"`wrk -t min(C,2) -c C -d {s['duration_s']}s --timeout 30s --latency` after a {s['warmup_s']} s warm-up; "
          f"targets alternate direct → recipe-rag → Portkey, {s['rounds']} round(s) per C; "
          "medians over the rounds. *added* = target minus direct in the same round (median over rounds).", "",
          "| conns | target | rps | p50 ms | p99 ms | added p50 ms | added p99 ms | rps / direct | non-2xx | unexpected | socket errors |",
          "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for o in overhead:
        L.append(f"| {o['conns']} | {o['target']} | {fmt(o['rps'], ',.0f')} | {fmt(o['p50_ms'], '.3f')} | "
                 f"{fmt(o['p99_ms'], '.3f')} | {fmt(o.get('added_p50_ms'), '.3f') if o['target'] != 'direct' else '—'} | "
                 f"{fmt(o.get('added_p99_ms'), '.3f') if o['target'] != 'direct' else '—'} | "
                 f"{fmt(o.get('rps_vs_direct'), '.2f') if o['target'] != 'direct' else '—'} | "
                 f"{o['non2xx']} | {o['unexpected']} | {o['socket_errors']} |")
    L += ["", "Every round:", "", "| conns | round | target | rps | p50 ms | p90 ms | p99 ms |", "|---:|---:|---|---:|---:|---:|---:|"]
    for r in runs:
        if r["phase"] == "overhead":
            L.append(f"| {r['conns']} | {r['round']} | {r['target']} | {r['rps']:,.0f} | {r['p50_us']/1000:.3f} | "
                     f"{r['p90_us']/1000:.3f} | {r['p99_us']/1000:.3f} |")
    L.append("")

if streams:
    s = doc["settings"]
    L += [f"## {s['streams']} concurrent streams (pass-through, stream: true, client tools)", "",
          f"The upstream sends {s['stream_chunks']} content chunks {s['chunk_delay_ms']} ms apart (plus role, finish and "
          "usage chunks); `bench/gateway/streams.mjs` opens every stream at once on its own connection and checks "
          "each chunk's number and the final `[DONE]`. *direct* is the same client against the upstream, as a control.", "",
          "| target | streams | ok | lost chunks | misordered | failed | wall ms | first chunk p50 / p99 ms | stream p50 / p99 ms |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for x in streams:
        L.append(f"| {x['target']} | {x['streams']} | {x['ok']} | {x['lost_chunks']} | {x['misordered']} | {x['errors']} | "
                 f"{x['wall_ms']:,.0f} | {fmt(x.get('first_chunk_ms_p50'), '.0f')} / {fmt(x.get('first_chunk_ms_p99'), '.0f')} | "
                 f"{fmt(x.get('stream_ms_p50'), '.0f')} / {fmt(x.get('stream_ms_p99'), '.0f')} |")
        for e in x.get("error_samples") or []:
            L.append(f"|  | ↳ {e['count']} × `{e['reason'][:150]}` | | | | | | | |")
    L.append("")
    if sv:
        L += [f"recipe-rag (a fresh process for this part): RSS {sv['rss_after_start_mb']} MB after start; "
              f"**peak RSS (VmHWM) {sv['rss_peak_mb']} MB** (VmRSS sampled every 100 ms: max "
              f"{fmt(sv.get('rss_sampled_max_mb'), 'g', ' MB')}); {sv['rss_after_mb']} MB after the streams.", ""]

if answer:
    L += [f"## POST /v1/answer end to end (upstream answers after {E['ANSWER_LATENCY_MS']} ms)", "",
          f'`wrk -t min(C,2) -c C -d {E["ANSWER_DURATION"]}s --timeout 30s --latency` after a {E["WARMUP"]} s warm-up, '
          '`{"question":"tomato soup","top_k":5}`, non-streaming; recipe-rag searches (the answer cache serves the '
          "repeated question after the first request), then streams the completion from the upstream. "
          "Every 2xx answer is checked for `\"degraded\":false` (else it counts as unexpected). "
          f"*added p50* = p50 minus the upstream's {E['ANSWER_LATENCY_MS']} ms.", "",
          "| conns | rps | p50 ms | p95 ms | p99 ms | max ms | added p50 ms | requests | non-2xx | unexpected | socket errors |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for a in answer:
        L.append(f"| {a['conns']} | {a['rps']:.1f} | {a['p50_ms']:.1f} | {a['p95_ms']:.1f} | {a['p99_ms']:.1f} | "
                 f"{a['max_ms']:.1f} | {a['added_p50_ms']:.1f} | {a['requests']} | {a['non2xx']} | {a['unexpected']} | {a['socket_errors']} |")
    L.append("")

if procs:
    L += ["## recipe-rag processes", "",
          "A fresh process per part. *requests*: what it answered in the part (measured runs, warm-ups "
          "and the check request; for streams, the streams). *growth*: (RSS at end − RSS after start) / requests.", "",
          "| part | ready ms | RSS after start MB | RSS at end MB | peak (VmHWM) MB | requests | growth KB / request |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    for p in procs:
        L.append(f"| {p['part']} | {fmt(p['ready_ms'])} | {fmt(p['rss_after_start_mb'])} | {fmt(p['rss_at_end_mb'])} | "
                 f"{fmt(p['rss_peak_mb'])} | {fmt(p['requests'], ',')} | {fmt(p['rss_growth_kb_per_request'], '.2f')} |")
    L.append("")
if suspect:
    L += ["**Warning**: runs with non-2xx, unexpected answers or socket errors measure failures: "
          + ", ".join(suspect) + ".", ""]
problems = [(k, p) for k, v in meta.items() if isinstance(v, dict) and isinstance(v.get("log"), dict)
            for p in v["log"].get("problems", [])]
if problems:
    L += ["recipe-rag logged warnings or errors:", ""]
    L += [f"- {k.replace('_after', '').replace('_service', '')}: {p['count']} × `{p['line']}`" for k, p in problems]
    L.append("")
if goals:
    L += ["## Goals", "", "| goal | target | measured | status |", "|---|---|---:|---|"]
    for g in goals:
        L.append(f"| {g['goal']} | {g['target']} | {fmt(g['value'], 'g', g['unit'])} | {g['status']} |")
    L.append("")
L.append("MB = MiB (/proc/PID/status). wrk is closed-loop: latencies are not corrected for coordinated omission.")

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
