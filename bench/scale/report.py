#!/usr/bin/env python3
"""Writes the scale benchmark's report (Markdown and JSON) from bench/scale.sh's measurements.

    bench/scale/report.py RUNS.jsonl OUT.md OUT.json

RUNS.jsonl holds one object per corpus (written by bench/scale.sh); the run's metadata comes
from the environment (DATE_ISO, M_*, GIT_COMMIT, COMMAND, PASSES, TOP_K, COPIES, REPLICA_S,
STRICT). Prints the Markdown on stdout. Exit 3 when STRICT=1 and a goal is missed.
"""
import json
import os
import sys

BUILD_GOAL_S = 30  # the 15.6k-recipe index builds in at most this many seconds
P99_GOAL_US = 2000  # in-process search p99


def main() -> int:
    runs_file, md_file, json_file = sys.argv[1:4]
    env = os.environ
    with open(runs_file) as f:
        runs = [json.loads(line) for line in f if line.strip()]

    goals = []
    for r in runs:
        if r["name"] == "large":
            v = r["build"]["wall_s"]
            goals.append(goal(f"build, {r['records']:,} recipes", f"<= {BUILD_GOAL_S} s",
                              f"{v:.1f} s", v <= BUILD_GOAL_S))
        if r["name"] != "bundled":
            v = r["search"]["latency_us"]["p99"]
            goals.append(goal(f"search p99 in-process, {r['records']:,} recipes",
                              f"<= {P99_GOAL_US / 1000:g} ms", f"{v / 1000:.2f} ms",
                              v <= P99_GOAL_US))

    doc = {
        "date": env["DATE_ISO"],
        "machine": {"nproc": int(env["M_NPROC"]), "cpu": env["M_CPU"], "memory": env["M_MEM"],
                    "kernel": env["M_KERNEL"], "debian": env["M_DEBIAN"],
                    "loadavg_at_start": env["M_LOAD"], "loadavg_at_end": env["M_LOAD_END"]},
        "git_commit": env["GIT_COMMIT"],
        "command": env["COMMAND"],
        "passes": int(env["PASSES"]),
        "top_k": int(env["TOP_K"]),
        "replica_copies": int(env["COPIES"]),
        "replica_generation_s": float(env["REPLICA_S"]) if env.get("REPLICA_S") else None,
        "corpora": runs,
        "goals": goals,
    }
    with open(json_file, "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")

    text = markdown(doc)
    with open(md_file, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    failed = any(g["status"] == "FAIL" for g in goals)
    return 3 if failed and env.get("STRICT") == "1" else 0


def goal(name, target, value, ok):
    return {"goal": name, "target": target, "value": value, "status": "PASS" if ok else "FAIL"}


def mib(n_bytes):
    return f"{n_bytes / 1048576:.1f}"


def markdown(doc):
    m, runs = doc["machine"], doc["corpora"]
    n_queries = runs[0]["search"]["queries"] if runs else 0
    L = [f"# Scale benchmark, {doc['date']}", ""]
    L.append("Numbers are only comparable within this run (same machine, same hour); the machine "
             "is shared, so the load average is part of the result.")
    L.append("")
    L.append(f"- **date**: {doc['date']}")
    L.append(f"- **machine**: {m['nproc']} CPUs, {m['cpu']}, {m['memory']} RAM, kernel "
             f"{m['kernel']}, Debian {m['debian']}; load average {m['loadavg_at_start']} at start, "
             f"{m['loadavg_at_end']} at end")
    L.append(f"- **git commit**: {doc['git_commit']}")
    L.append(f"- **command**: `{doc['command']}`")
    L.append(f"- **search**: `build/release/bench/search_latency`, one thread, answer cache off, "
             f"top_k {doc['top_k']}, {n_queries} queries (shared/eval/dev.jsonl + "
             f"bench/scale/queries.txt): one warm-up pass, then {doc['passes']} timed passes")
    if doc["replica_generation_s"] is not None:
        L.append(f"- **replica**: each record {doc['replica_copies']}× with ids suffixed `-r<copy>` "
                 f"(bench/scale/replicate.py, {doc['replica_generation_s']:g} s to write); same "
                 f"vocabulary, {doc['replica_copies']}× the postings and vectors")
    L.append("")
    L.append("## Build")
    L.append("")
    L.append("| corpus | recipes | vectors | build wall s | CPU s (user+sys) | CPU % | "
             "builder peak RSS MiB | index MiB (du) | load avg before |")
    L.append("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        b = r["build"]
        L.append(f"| {r['name']} | {r['records']:,} | {engine(r)} | {b['wall_s']:.1f} | "
                 f"{b['user_s'] + b['sys_s']:.1f} | {b['cpu_percent']} | {b['peak_rss_mib']:.0f} | "
                 f"{r['index']['disk_kib'] / 1024:.1f} | {b['loadavg_1m_before']:g} |")
    L.append("")
    L.append("Where the build time goes (wall seconds from the files' modification times; the "
             "lexical index is built alongside the embedder and the vectors):")
    L.append("")
    stages = [p["stage"] for p in runs[0]["build"]["phases"]] if runs else []
    L.append("| stage | " + " | ".join(r["name"] for r in runs) + " |")
    L.append("|---|" + "---:|" * len(runs))
    for i, stage in enumerate(stages):
        L.append(f"| {stage} | " +
                 " | ".join(f"{r['build']['phases'][i]['seconds']:.1f}" for r in runs) + " |")
    L.append("")
    L.append("Index files (MiB):")
    L.append("")
    files = sorted({f for r in runs for f in r["index"]["files"]})
    L.append("| file | " + " | ".join(r["name"] for r in runs) + " |")
    L.append("|---|" + "---:|" * len(runs))
    for f in files:
        L.append(f"| {f} | " + " | ".join(
            mib(r["index"]["files"][f]) if f in r["index"]["files"] else "–" for r in runs) + " |")
    L.append("| total | " + " | ".join(mib(r["index"]["bytes"]) for r in runs) + " |")
    L.append("")
    L.append("## Search (in-process)")
    L.append("")
    L.append("| corpus | searches | p50 µs | p90 µs | p99 µs | max µs | mean µs | load ms | "
             "RSS after load MiB | RSS after searches MiB | peak RSS MiB |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        s = r["search"]
        lat, mem = s["latency_us"], s["memory"]
        L.append(f"| {r['name']} | {s['searches']} | {lat['p50']:.0f} | {lat['p90']:.0f} | "
                 f"{lat['p99']:.0f} | {lat['max']:.0f} | {lat['mean']:.0f} | {s['load_ms']:.0f} | "
                 f"{mem['after_load']['vm_rss_mib']:.0f} | "
                 f"{mem['after_searches']['vm_rss_mib']:.0f} | "
                 f"{mem['after_searches']['vm_hwm_mib']:.0f} |")
    L.append("")
    for r in runs:
        rec = r["search"].get("vector_recall")
        if rec:
            L.append(f"- {r['name']}: exact vector search (int8 first pass: "
                     f"{'yes' if rec['coarse_pass'] else 'no'}) against brute force, "
                     f"{rec['queries']} queries: recall@{rec['k']} mean {rec['recall_mean']:.4f}, "
                     f"worst {rec['recall_worst']:.4f}.")
    for r in runs:
        s = r["search"]
        slow = ", ".join(f"{q['query']} ({q['p50_us'] / 1000:.1f} ms)" for q in s["slowest_queries"])
        L.append(f"- {r['name']}: slowest queries by median: {slow}.")
        if s["empty_answers"]:
            L.append("  No hits for: " + ", ".join(s["empty_answers"]) + ".")
    L.append("")
    if doc["goals"]:
        L.append("## Goals")
        L.append("")
        L.append("| goal | target | measured | status |")
        L.append("|---|---|---:|---|")
        for g in doc["goals"]:
            L.append(f"| {g['goal']} | {g['target']} | {g['value']} | {g['status']} |")
        L.append("")
    L.append("MiB = VmRSS / 1024 (/proc/self/status) for the search process; the builder's peak "
             "is GNU time's maximum resident set size. Index size is `du -sk` of the directory.")
    return "\n".join(L) + "\n"


def engine(run):
    e = run["vector_engine"]
    return "HNSW" if "hnsw" in e else ("flat" if "flat" in e else e)


if __name__ == "__main__":
    sys.exit(main())
