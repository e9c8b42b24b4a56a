#!/usr/bin/env python3
"""Regenerates the fixtures of tests/unit/eval/ (see README.md beside this file).

Usage (from the repository root):
  python3 tests/unit/eval/testdata/make_fixtures.py /path/to/shared/eval/score.py

Writes, into this folder:
  fold_expected.json     score.py's fold() of single code points, for text_match_test.cc
  predictions.jsonl      made-up rankings for every query of eval/dev.jsonl (fixed seed)
  score_py_summary.json  score.py --json of those predictions (threshold 0.3)
  score_py_per_query.jsonl  score.py --dump of those predictions
  score_py_table.txt     what score.py printed (the table of kinds)
"""

import importlib.util
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
SET = os.path.join(ROOT, "eval", "dev.jsonl")
CORPUS = os.path.join(ROOT, "data", "recipes", "recipe_data.json")
THRESHOLD = "0.3"

# Ranges text_match.h claims to fold exactly, plus characters without a decomposition.
FOLD_RANGES = [(0x20, 0x7F), (0xA0, 0x180), (0x300, 0x370), (0x2000, 0x2070), (0x2150, 0x2160),
               (0xFB00, 0xFB07)]
FOLD_EXTRA = [0x3B1, 0x44F, 0x4E2D, 0x20AC, 0x1F600]


def load_score(path):
    spec = importlib.util.spec_from_file_location("score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fold_fixture(score):
    cps = [cp for lo, hi in FOLD_RANGES for cp in range(lo, hi)] + FOLD_EXTRA
    return {f"{cp:04X}": score.fold(chr(cp)) for cp in cps}


def tricky(score, corpus, c, rng):
    """Recipes whose verdict depends on allow_phrases, ambiguous_ok_if_tag or title_words:
    the check flips when that part of the constraint is left out."""
    variants = [dict(c, allow_phrases=[]), dict(c, ambiguous_ok_if_tag=None), dict(c, title_words=[])]
    out = []
    for variant in variants:
        flips = [r["id"] for r in corpus if score.violates(r, c) != score.violates(r, variant)]
        out += rng.sample(flips, min(3, len(flips)))
    return out


def predictions(score, queries, corpus):
    rng = random.Random(20261127)
    corpus_ids = [r["id"] for r in corpus]
    out = []
    for n, q in enumerate(queries):
        relevant = list(q["relevant"])
        mode = n % 6
        if q.get("constraints"):
            # Constrained queries always return recipes that test every part of the check.
            ids = tricky(score, corpus, q["constraints"], rng) + rng.sample(relevant, min(2, len(relevant)))
            rng.shuffle(ids)
            out.append({"qid": q["qid"], "ids": ids[:10], "top_score": round(rng.random(), 4)})
            continue
        if mode == 0:
            ids = []  # nothing returned
        elif mode == 1:
            ids = rng.sample(relevant, min(len(relevant), 10)) if relevant else []
        elif mode == 2:
            ids = rng.sample(corpus_ids, 12)  # more than top_k: cut to 10
        else:
            pool = relevant + rng.sample(corpus_ids, 20)
            ids = [rng.choice(pool) for _ in range(rng.randint(1, 10))]  # duplicates likely
            if mode == 5:
                ids.insert(rng.randint(0, len(ids)), "unknown-0000")  # not in the corpus
        p = {"qid": q["qid"], "ids": ids}
        if ids and n % 4 != 3:
            p["top_score"] = round(rng.random(), 4)
        out.append(p)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    score_py = sys.argv[1]
    score = load_score(score_py)
    with open(os.path.join(HERE, "fold_expected.json"), "w", encoding="utf-8") as f:
        json.dump(fold_fixture(score), f, indent=0, ensure_ascii=True, sort_keys=True)
        f.write("\n")
    with open(SET, encoding="utf-8") as f:
        queries = [json.loads(line) for line in f if line.strip()]
    with open(CORPUS, encoding="utf-8") as f:
        corpus = json.load(f)
    preds_path = os.path.join(HERE, "predictions.jsonl")
    with open(preds_path, "w", encoding="utf-8") as f:
        for p in predictions(score, queries, corpus):
            f.write(json.dumps(p) + "\n")
    with open(os.path.join(HERE, "score_py_table.txt"), "w", encoding="utf-8") as table:
        subprocess.run([sys.executable, score_py, "--set", SET, "--corpus", CORPUS, "--predictions",
                        preds_path, "--threshold", THRESHOLD, "--json",
                        os.path.join(HERE, "score_py_summary.json"), "--dump",
                        os.path.join(HERE, "score_py_per_query.jsonl")], stdout=table, check=True)


if __name__ == "__main__":
    main()
