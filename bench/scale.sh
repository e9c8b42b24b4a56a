#!/usr/bin/env bash
# Scale benchmark: builds the index of three corpora in one run — the bundled one (2,640 recipes,
# the baseline), shared/data/recipes/recipe_data_large.json (15,578) and a ×10 replica of it
# (155,780, generated here) — recording build time, builder peak RSS, index size and
# in-process search latency and RSS (build/release/bench/search_latency). See bench/README.md.
#
#   bench/scale.sh                      full run
#   CORPORA="bundled large" bench/scale.sh
#
# Knobs (environment):
#   CORPORA="bundled large large-x10"   which corpora, in this order
#   COPIES=10       copies of each record in the replica (the "large-xN" corpus)
#   PASSES=20       timed passes over the query list (after one warm-up pass)
#   TOP_K=10        results per search (the /v1/search default)
#   SKIP_BUILD=1    do not run cmake (the binaries must exist)
#   KEEP=1          keep the work directory (replica corpus, indexes, logs) under var/
#   STRICT=1        exit 3 when a goal is missed (default: report only)
#   SHARED=<repo>/../shared
# RECIPE_RAG__* variables reach the index builder (e.g. RECIPE_RAG__INDEX__HNSW_THRESHOLD).
#
# Writes bench/results/scale-<UTC stamp>.md and .json and prints the markdown on stdout;
# progress goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BENCH_NAME=scale
# shellcheck source=bench/lib.sh
source bench/lib.sh
set_knobs CORPORA COPIES PASSES TOP_K SKIP_BUILD KEEP STRICT SHARED

SHARED="${SHARED:-$ROOT/../shared}"
COPIES="${COPIES:-10}"
CORPORA="${CORPORA:-bundled large large-x$COPIES}"
PASSES="${PASSES:-20}"
TOP_K="${TOP_K:-10}"
SKIP_BUILD="${SKIP_BUILD:-0}"
KEEP="${KEEP:-0}"
STRICT="${STRICT:-0}"

BIN=build/release/recipe-rag
LATENCY=build/release/bench/search_latency
RECALL=build/release/bench/coarse_recall
BUNDLED=data/recipes/recipe_data.json
LARGE="$SHARED/data/recipes/recipe_data_large.json"
DEV_JSONL="$SHARED/eval/dev.jsonl"
MORE_QUERIES=bench/scale/queries.txt
RESULTS_DIR=bench/results
GNU_TIME=/usr/bin/time
PY=/usr/bin/python3
[[ -x "$PY" ]] || PY=python3

if ! is_uint "$COPIES" || (( COPIES == 0 )); then die "COPIES must be a positive integer, got '$COPIES'"; fi
if ! is_uint "$PASSES" || (( PASSES == 0 )); then die "PASSES must be a positive integer, got '$PASSES'"; fi
if ! is_uint "$TOP_K" || (( TOP_K == 0 || TOP_K > 50 )); then die "TOP_K must be 1..50, got '$TOP_K'"; fi
read -r -a corpora <<<"$CORPORA"
(( ${#corpora[@]} > 0 )) || die "CORPORA is empty"
for c in "${corpora[@]}"; do
  [[ "$c" == bundled || "$c" == large || "$c" == "large-x$COPIES" ]] ||
    die "CORPORA: unknown corpus '$c' (bundled, large, large-x$COPIES)"
done
[[ -f "$DEV_JSONL" ]] || die "$DEV_JSONL not found (set SHARED)"
[[ " ${corpora[*]} " != *" large"* || -f "$LARGE" ]] || die "$LARGE not found (set SHARED)"

# ---------------------------------------------------------------- work directory
mkdir -p var
WORK="$(mktemp -d "$ROOT/var/scale.XXXXXX")"
# shellcheck disable=SC2317  # reached through the trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ "$KEEP" == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- set-up and build
say "scripts/setup --bench"
scripts/setup --bench >&2
[[ -x "$GNU_TIME" ]] || die "$GNU_TIME not found (scripts/setup --bench installs it)"
if [[ "$SKIP_BUILD" != 1 ]]; then
  say "cmake --preset release && cmake --build --preset release --target recipe-rag search_latency coarse_recall"
  { cmake --preset release >/dev/null &&
    cmake --build --preset release --target recipe-rag search_latency coarse_recall; } >&2
fi
[[ -x "$BIN" && -x "$LATENCY" && -x "$RECALL" ]] ||
  die "$BIN, $LATENCY or $RECALL missing (build them, or unset SKIP_BUILD)"

# ---------------------------------------------------------------- machine and run metadata
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
DATE_ISO="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
describe_machine
COMMAND="${cmd_env[*]:+${cmd_env[*]} }bench/scale.sh"

# ---------------------------------------------------------------- one corpus
RUNS="$WORK/runs.jsonl"   # one JSON object per corpus, merged into the report
: >"$RUNS"
REPLICA_S=""

run_corpus() {  # name corpus_file
  local name=$1 corpus=$2 dir="$WORK/index-$1" t0 t1 load_before
  say "$name: building the index of $corpus"
  load_before="$(cut -d' ' -f1 /proc/loadavg)"
  t0="$(now_us)"
  "$GNU_TIME" -v -o "$WORK/time-$name.txt" "$BIN" index build --corpus "$corpus" --out "$dir" \
    >"$WORK/build-$name.out" 2>"$WORK/build-$name.log" ||
    { tail -n 20 "$WORK/build-$name.log" >&2; die "$name: index build failed"; }
  t1="$(now_us)"
  [[ -f "$dir/manifest.json" ]] || die "$name: no manifest.json after the build"
  say "$name: $(grep -m1 'built index' "$WORK/build-$name.log" || echo built)"
  say "$name: timing $PASSES passes of searches"
  "$LATENCY" --index "$dir" --queries "$DEV_JSONL" --queries "$MORE_QUERIES" \
    --passes "$PASSES" --top-k "$TOP_K" >"$WORK/latency-$name.json" ||
    die "$name: search_latency failed"
  # The exact scan's int8 first pass (flat indexes of 8,192 vectors or more) against brute force.
  if grep -q 'flat inner product' "$dir/manifest.json"; then
    "$RECALL" --index "$dir" --queries 200 --k 100 >"$WORK/recall-$name.json" ||
      die "$name: coarse_recall failed"
  fi
  "$PY" - "$name" "$corpus" "$dir" "$t0" "$t1" "$load_before" "$WORK" >>"$RUNS" <<'PY'
import json, os, re, subprocess, sys

name, corpus, index_dir, t0_us, t1_us, load_before, work = sys.argv[1:8]
t0, t1 = int(t0_us) / 1e6, int(t1_us) / 1e6

def gnu_time(path):
    fields = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().rpartition(": ")
            fields[key] = value
    return {"user_s": float(fields["User time (seconds)"]),
            "sys_s": float(fields["System time (seconds)"]),
            "cpu_percent": int(fields["Percent of CPU this job got"].rstrip("%")),
            "peak_rss_mib": round(int(fields["Maximum resident set size (kbytes)"]) / 1024, 1)}

build = {"wall_s": round(t1 - t0, 2), **gnu_time(os.path.join(work, f"time-{name}.txt"))}
with open(os.path.join(work, f"build-{name}.log")) as f:
    m = re.search(r"in (\d+) ms", f.read())
build["builder_reported_s"] = int(m.group(1)) / 1000 if m else None

# Where the build time goes, from the files' modification times (see BuildIndex in
# src/retrieval/index.cc): recipes.json ends the corpus stage; then the lexical index (on its
# own threads) and the embedder and vectors run side by side, each timed from that point; the
# manifest follows the later of the two.
def mtime(file):
    return os.stat(os.path.join(index_dir, file)).st_mtime_ns / 1e9

corpus_end = mtime("recipes.json")
both_end = max(mtime("lexical.glass"), mtime("vectors.faiss"))
phases = [
    {"stage": "load corpus, write recipes.json", "seconds": round(corpus_end - t0, 2)},
    {"stage": "xapian BM25 index, in shards (alongside the next two)",
     "seconds": round(mtime("lexical.glass") - corpus_end, 2)},
    {"stage": "train LSA embedder", "seconds": round(mtime("model.lsa") - corpus_end, 2)},
    {"stage": "embed recipes, build FAISS index",
     "seconds": round(mtime("vectors.faiss") - mtime("model.lsa"), 2)},
    {"stage": "checksum files, write manifest",
     "seconds": round(mtime("manifest.json") - both_end, 2)},
    {"stage": "install directory, free memory, exit",
     "seconds": round(t1 - mtime("manifest.json"), 2)},
]
build["phases"] = phases
build["loadavg_1m_before"] = float(load_before)

with open(os.path.join(index_dir, "manifest.json")) as f:
    manifest = json.load(f)
files = {f: os.path.getsize(os.path.join(index_dir, f)) for f in sorted(os.listdir(index_dir))}
du_kib = int(subprocess.run(["du", "-sk", index_dir], capture_output=True, text=True,
                            check=True).stdout.split()[0])
with open(os.path.join(work, f"latency-{name}.json")) as f:
    search = json.load(f)
search.pop("index", None)
recall_file = os.path.join(work, f"recall-{name}.json")
if os.path.exists(recall_file):
    with open(recall_file) as f:
        recall = json.load(f)
    recall.pop("index", None)
    search["vector_recall"] = recall
print(json.dumps({
    "name": name,
    "corpus": ("generated: " + os.path.basename(corpus)) if corpus.startswith(work)
              else os.path.relpath(corpus),
    "corpus_bytes": os.path.getsize(corpus),
    "records": manifest["corpus"]["records"],
    "vector_engine": manifest["vector_engine"],
    "build": build,
    "index": {"disk_kib": du_kib, "bytes": sum(files.values()), "files": files},
    "search": search,
}))
PY
  local p99
  p99="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["latency_us"]["p99"])' "$WORK/latency-$name.json")"
  say "$name: build $(( (t1 - t0) / 1000 )) ms, search p99 ${p99} µs"
  [[ "$KEEP" == 1 ]] || rm -rf "$dir"
}

for c in "${corpora[@]}"; do
  case "$c" in
    bundled) run_corpus bundled "$BUNDLED" ;;
    large) run_corpus large "$LARGE" ;;
    *)
      replica="$WORK/recipe_data_large_x$COPIES.json"
      say "$c: writing a ×$COPIES replica of $LARGE"
      t0="$(now_us)"
      "$PY" bench/scale/replicate.py "$LARGE" "$replica" --copies "$COPIES" >/dev/null
      REPLICA_S="$(awk -v a="$t0" -v b="$(now_us)" 'BEGIN{printf "%.1f", (b-a)/1e6}')"
      run_corpus "$c" "$replica"
      rm -f "$replica"
      ;;
  esac
done

# ---------------------------------------------------------------- report
mkdir -p "$RESULTS_DIR"
MD="$RESULTS_DIR/scale-$STAMP.md"
JSON="$RESULTS_DIR/scale-$STAMP.json"
M_LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"
export DATE_ISO M_NPROC M_CPU M_MEM M_KERNEL M_DEBIAN M_LOAD M_LOAD_END GIT_COMMIT COMMAND \
  PASSES TOP_K COPIES REPLICA_S STRICT
set +e
"$PY" bench/scale/report.py "$RUNS" "$MD" "$JSON"
rc=$?
set -e
finish_report "$rc"
