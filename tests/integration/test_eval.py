"""`recipe-rag eval`: the dev set against the real server over HTTP, and in-process."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DEFAULT_TOKEN, ServerCase, run_cli  # noqa: E402

DEV_SET = "eval/dev.jsonl"
QUERIES = 60
METRICS = ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10", "recall@10", "violations")
KINDS = {"dish", "ingredient", "constraint", "paraphrase", "misspelling", "no_answer"}


def eval_cli(*args, out_dir):
    """Runs `recipe-rag eval --set eval/dev.jsonl ... --out OUT_DIR/dev`; returns (proc, prefix)."""
    prefix = os.path.join(out_dir, "dev")
    proc = run_cli("eval", "--set", DEV_SET, "--config", harness.config_path(), "--index", harness.index_path(),
                   "--out", prefix, *args, timeout=120)
    return proc, prefix


def read_report(tc, prefix):
    with open(prefix + ".json", encoding="utf-8") as f:
        report = json.load(f)
    tc.assertTrue(os.path.getsize(prefix + ".md") > 0, "the Markdown report is empty")
    return report


class EvalTest(ServerCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="recipe-rag-eval-")
        self.addCleanup(self.tmp.cleanup)

    def url(self):
        return f"http://{harness.HOST}:{self.server.port}"

    def assert_report(self, report):
        """The JSON report has the summary keys, every metric, and all 60 queries."""
        summary = report["summary"]
        self.assertEqual(summary["set"], "dev")
        self.assertEqual(summary["top_k"], 10)
        self.assertEqual(summary["queries"], QUERIES)
        overall = summary["overall"]
        self.assertEqual((overall["n"], overall["n_answerable"]), (QUERIES, 54))
        for key in METRICS:
            self.assertIn(key, overall)
            self.assertTrue(harness.is_number(overall[key]), f"overall {key}: {overall[key]!r}")
            self.assertTrue(0.0 <= overall[key] <= 1.0, f"overall {key}: {overall[key]!r}")
        self.assertEqual(set(summary["kinds"]), KINDS)
        self.assertEqual(summary["no_answer"]["queries"], 6)
        queries = report["queries"]
        self.assertEqual(len(queries), QUERIES)
        self.assertEqual(len({q["qid"] for q in queries}), QUERIES)
        known = harness.corpus()
        for q in queries:
            self.assertEqual(set(q["metrics"]), set(METRICS), q["qid"])
            self.assertLessEqual(len(q["results"]), 10, q["qid"])
            for r in q["results"]:
                self.assertIn(r["id"], known, q["qid"])
        return overall

    def test_dev_set_over_http(self):
        since = self.server.mark()
        proc, prefix = eval_cli("--url", self.url(), "--token", DEFAULT_TOKEN, out_dir=self.tmp.name)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        report = read_report(self, prefix)
        self.assert_report(report)
        self.assertEqual(report["source"], f"POST {self.url()}/v1/search")
        self.assertRegex(proc.stdout, r"(?m)^hit@3=\d\.\d{4} mrr=\d\.\d{4} ndcg@10=\d\.\d{4} violations=")
        self.assertRegex(proc.stdout, r"(?m)^ALL\s+60\s+54\s")
        # Every query went to the server.
        searches = lambda: [d for d in self.server.logs()[since:] if d.get("route") == "/v1/search"]
        self.server.wait_for_log(lambda d: len(searches()) >= QUERIES, 10, since=since)
        self.assertEqual(len(searches()), QUERIES)
        self.assertTrue(all(d.get("status") == 200 for d in searches()))

    def test_in_process_agrees_with_the_server(self):
        proc, prefix = eval_cli(out_dir=self.tmp.name)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        report = read_report(self, prefix)
        local = self.assert_report(report)
        self.assertTrue(report["source"].startswith("index "), report["source"])
        self.assertTrue(report["source"].endswith(", in-process"), report["source"])

        proc, prefix = eval_cli("--url", self.url(), "--token", DEFAULT_TOKEN, out_dir=self.tmp.name)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        remote = read_report(self, prefix)["summary"]["overall"]
        for key in METRICS:
            self.assertAlmostEqual(local[key], remote[key], places=9, msg=key)

    def test_gate_exit_codes(self):
        proc, prefix = eval_cli(out_dir=self.tmp.name)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        baseline = prefix + ".json"
        proc, _ = eval_cli("--baseline", baseline, out_dir=os.path.join(self.tmp.name, "again"))
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("gate: passed", proc.stdout)

        with open(baseline, encoding="utf-8") as f:
            summary = json.load(f)["summary"]
        summary["overall"]["hit@3"] += 0.05  # the run now looks like a drop of 0.05
        raised = os.path.join(self.tmp.name, "raised.json")
        with open(raised, "w", encoding="utf-8") as f:
            json.dump(summary, f)
        proc, _ = eval_cli("--baseline", raised, "--max-drop", "0.02", out_dir=self.tmp.name)
        self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
        self.assertRegex(proc.stdout, r"hit@3 .*FAIL")
        self.assertIn("gate: FAILED", proc.stdout)
        proc, _ = eval_cli("--baseline", raised, "--max-drop", "0.06", out_dir=self.tmp.name)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_wrong_token_fails_with_the_servers_message(self):
        proc, prefix = eval_cli("--url", self.url(), "--token", "wrong-token-xyz", out_dir=self.tmp.name)
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertIn("HTTP 401", proc.stderr)
        self.assertIn("d01", proc.stderr)
        self.assertFalse(os.path.exists(prefix + ".json"))

    def test_nobody_listening_fails_clearly(self):
        with harness.socket.socket() as s:  # a port that was free a moment ago
            s.bind((harness.HOST, 0))
            port = s.getsockname()[1]
        proc, _ = eval_cli("--url", f"http://{harness.HOST}:{port}", out_dir=self.tmp.name)
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertIn("connection refused", proc.stderr)

    def test_bad_query_set_names_the_line(self):
        bad = os.path.join(self.tmp.name, "bad.jsonl")
        with open(bad, "w", encoding="utf-8") as f:
            f.write('{"qid": "a", "query": "soup", "kind": "dish", "relevant": {}}\n{oops\n')
        proc = run_cli("eval", "--set", bad, "--index", harness.index_path(), "--out",
                       os.path.join(self.tmp.name, "x"))
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertIn("bad.jsonl:2: not valid JSON", proc.stderr)


if __name__ == "__main__":
    unittest.main()
