#!/usr/bin/env python3
"""Writes an N-fold replica of a recipe corpus, for bench/scale.sh.

    bench/scale/replicate.py IN.json OUT.json [--copies 10]

The output holds the whole corpus COPIES times over, copy after copy (all records of copy 0,
then all of copy 1, ...). Every record keeps its content; its id gets a suffix "-r<copy>"
("allrecipes-140717" -> "allrecipes-140717-r3") so ids stay unique. The replica therefore has
COPIES times the recipes, posting-list entries and vectors, while the vocabulary (distinct
terms) and each term's relative document frequency stay those of the original: it measures
how build time, index size and search latency grow with the number of recipes alone, not with
a richer vocabulary. Each vector appears COPIES times, so an HNSW graph sees exact duplicates.

Standard library only. Prints the record count on stdout.
"""
import argparse
import json
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="corpus JSON: an array of recipe objects with an 'id'")
    parser.add_argument("output", help="where to write the replica")
    parser.add_argument("--copies", type=int, default=10, help="copies of each record (default 10)")
    args = parser.parse_args()
    if args.copies < 1:
        parser.error("--copies must be at least 1")

    with open(args.input, encoding="utf-8") as f:
        records = json.load(f)
    if not isinstance(records, list) or not all(
        isinstance(r, dict) and isinstance(r.get("id"), str) for r in records
    ):
        sys.exit(f"replicate: {args.input} is not an array of records with string ids")

    count = 0
    with open(args.output, "w", encoding="utf-8") as out:
        out.write("[\n")
        for copy in range(args.copies):
            for record in records:
                replica = dict(record, id=f"{record['id']}-r{copy}")
                out.write(",\n" if count else "")
                out.write(json.dumps(replica, ensure_ascii=False))
                count += 1
        out.write("\n]\n")
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
