#!/usr/bin/env bash
# Ablation on a query set: runs `recipe-rag eval` in-process once per configuration, adding one
# retrieval stage at a time, and prints a Markdown table (also written to
# var/eval/ablation-<UTC>.md). Configurations are RECIPE_RAG__SEARCH__* overrides of the
# defaults; the index is built from the bundled corpus when missing.
#
#   eval/ablation.sh [SET]        (default eval/dev.jsonl)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SET="${1:-eval/dev.jsonl}"
BIN=build/release/recipe-rag
INDEX="${INDEX:-var/index}"
[[ -x "$BIN" ]] || { echo "build first: make build" >&2; exit 1; }
[[ -f "$INDEX/manifest.json" ]] ||
  "$BIN" index build --corpus data/recipes/recipe_data.json --out "$INDEX"
mkdir -p var/eval
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="var/eval/ablation-$stamp.md"

OFF="RECIPE_RAG__SEARCH__LEXICON=false RECIPE_RAG__SEARCH__SPELLING=false RECIPE_RAG__SEARCH__QUERY_INTENTS=false"
configs=(
  "BM25 alone|RECIPE_RAG__SEARCH__COMPONENTS=lexical $OFF"
  "vectors alone|RECIPE_RAG__SEARCH__COMPONENTS=vector $OFF"
  "hybrid (RRF)|$OFF"
  "+ lexicon|RECIPE_RAG__SEARCH__SPELLING=false RECIPE_RAG__SEARCH__QUERY_INTENTS=false"
  "+ spelling|RECIPE_RAG__SEARCH__QUERY_INTENTS=false"
  "+ filters from the query (the service's default)|"
  "default, BM25 component only|RECIPE_RAG__SEARCH__COMPONENTS=lexical"
  "default, vector component only|RECIPE_RAG__SEARCH__COMPONENTS=vector"
  "default, weighted fusion|RECIPE_RAG__SEARCH__FUSION=weighted"
)
{
  echo "Query set \`$SET\`, index $(sed -n 's/.*"index_version": "\(.*\)".*/\1/p' "$INDEX/manifest.json"), git $(git rev-parse --short HEAD 2>/dev/null || echo none), $stamp."
  echo
  echo "| configuration | hit@1 | hit@3 | MRR@10 | nDCG@10 | recall@10 | violations | no-answer passed |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for entry in "${configs[@]}"; do
    label="${entry%%|*}"
    overrides="${entry#*|}"
    report="var/eval/ablation-$stamp-$(echo "$label" | tr -c 'a-zA-Z0-9' '-')"
    # shellcheck disable=SC2086
    env $overrides "$BIN" eval --set "$SET" --index "$INDEX" --out "$report" >/dev/null 2>&1
    python3 - "$report.json" "$label" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
s = doc["summary"]
o = s["overall"]
na = [q for q in doc["queries"] if q.get("kind") == "no_answer"]
passed = sum(1 for q in na if q.get("no_answer_pass"))
print(f"| {sys.argv[2]} | {o['hit@1']:.3f} | {o['hit@3']:.3f} | {o['mrr@10']:.3f} | {o['ndcg@10']:.3f} "
      f"| {o['recall@10']:.3f} | {o['violations']:.3f} | {passed}/{len(na)} |")
PY
  done
} | tee "$out"
echo "ablation: wrote $out" >&2
