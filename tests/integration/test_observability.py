"""Observability, cost and budgets end to end: traces to a Langfuse that goes away and comes
back, W3C trace context in and out, /metrics through promtool, CloudWatch EMF lines through an
independent rule checker, PII redaction in traces, and budgets under concurrent load.

Components, all on loopback:
- recipe-rag, the real binary (harness.Server), with environment overrides per test class;
- the fake Langfuse, tests/support/fake_langfuse.mjs, a `node` child process that decodes OTLP
  with the OpenTelemetry project's own generated protobuf code (not our encoder);
- the fake OpenAI upstream, tests/support/fake_openai.py, in this process;
- `promtool check metrics` from Debian's prometheus package;
- tests/support/emf_rules.py, an EMF validator written from AWS's specification;
- a webhook receiver (http.server) in this process, for budget alerts.
"""

import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SUPPORT = os.path.join(harness.source_dir(), "tests", "support")
sys.path.insert(0, SUPPORT)
from fake_openai import FakeOpenAI  # noqa: E402
import emf_rules  # noqa: E402

FAKE_LANGFUSE = os.path.join(SUPPORT, "fake_langfuse.mjs")
PUBLIC, SECRET = "pk-lf-test-public", "sk-lf-test-secret"
KEY = "sk-upstream-secret-456"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeLangfuse:
    """The node fake on a fixed port, so that it can be stopped and started again there."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.proc = None
        self.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        self.proc = subprocess.Popen(
            ["node", FAKE_LANGFUSE, "--port", str(self.port), "--public-key", PUBLIC,
             "--secret-key", SECRET], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        assert line.startswith("listening"), line

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def received(self):
        conn = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        conn.close()
        import urllib.request
        with urllib.request.urlopen(self.url + "/_received", timeout=10) as r:
            return json.loads(r.read())


class Reply:
    def __init__(self, triple):
        self.status, self.headers, self.body = triple


def req(server, method, path, body=None, headers=None, token=harness._DEFAULT):
    return Reply(server.request(method, path, body, headers=headers, token=token))


def metric_values(text, name):
    """{labels-string: value} of one metric family's samples."""
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, _, value = line.rpartition(" ")
            out[key[len(name):]] = float(value)
    return out


def metric_sum(text, name):
    return sum(metric_values(text, name).values())


def tracing_env(langfuse_url, spill_dir, **extra):
    env = {
        "LANGFUSE_PUBLIC_KEY": PUBLIC,
        "LANGFUSE_SECRET_KEY": SECRET,
        "LANGFUSE_BASE_URL": langfuse_url,
        "RECIPE_RAG__TRACING__FLUSH_INTERVAL_MS": "100",
        "RECIPE_RAG__TRACING__BATCH_SIZE": "64",
        "RECIPE_RAG__TRACING__SPILL_DIR": spill_dir,
        "RECIPE_RAG__TRACING__EXPORT_TIMEOUT_MS": "2000",
        "RECIPE_RAG__BUDGETS__LEDGER": "",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def llm_env(fake_url):
    return {
        "RECIPE_RAG__LLM__PROVIDER": "openai",
        "RECIPE_RAG__LLM__BASE_URL": fake_url,
        "OPENAI_API_KEY": KEY,
        "RECIPE_RAG__LLM__MODEL": "gpt-4o-mini",
        "RECIPE_RAG__LLM__RETRY_BASE_DELAY_MS": "5",
    }


class TracingCase(unittest.TestCase):
    extra_env = {}

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rr-obs-")
        cls.langfuse = FakeLangfuse()
        cls.fake = FakeOpenAI(key=KEY)
        env = tracing_env(cls.langfuse.url, os.path.join(cls.tmp, "spill"), **cls.extra_env)
        env.update(llm_env(cls.fake.url))
        cls.server = harness.Server(env=env).start()
        cls.server.wait_ready(10)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.fake.stop()
        cls.langfuse.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def spans_of(self, trace_id, at_least, timeout=20):
        deadline = time.time() + timeout
        spans = []
        while time.time() < deadline:
            spans = [s for s in self.langfuse.received()["spans"] if s["traceId"] == trace_id]
            if len(spans) >= at_least:
                return spans
            time.sleep(0.1)
        self.fail("trace %s: %d spans arrived, wanted %d: %s" % (
            trace_id, len(spans), at_least, sorted({(s["traceId"], s["name"]) for s in
                                                    self.langfuse.received()["spans"]})))


class TraceContentTest(TracingCase):
    def test_answer_trace_continues_caller_and_reaches_langfuse(self):
        caller_trace, caller_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
        r = req(self.server, 
            "POST", "/v1/answer",
            {"question": "tomato soup for jane.doe@example.com, call +1 202-555-0147", "top_k": 3},
            headers={"traceparent": "00-%s-%s-01" % (caller_trace, caller_span),
                     "X-User-Id": "user-42", "X-Session-Id": "session-7"})
        self.assertEqual(r.status, 200, r.body)
        body = json.loads(r.body)
        self.assertEqual(r.headers.get("x-trace-id"), caller_trace)
        self.assertEqual(body["trace_id"], caller_trace)
        spans = self.spans_of(caller_trace, 7)
        by_name = {}
        for s in spans:
            by_name.setdefault(s["name"], []).append(s)
        root = by_name["POST /v1/answer"][0]
        self.assertEqual(root["parentSpanId"], caller_span)
        self.assertEqual(root["kind"], 2)  # server
        self.assertEqual(root["attributes"]["langfuse.trace.name"], "/v1/answer")
        self.assertEqual(root["attributes"]["langfuse.user.id"], "user-42")
        self.assertEqual(root["attributes"]["langfuse.session.id"], "session-7")
        self.assertEqual(root["attributes"]["langfuse.environment"], "dev")
        self.assertEqual(root["attributes"]["http.response.status_code"], 200)
        self.assertEqual(root["resource"]["service.name"], "recipe-rag")
        retrieval = by_name["retrieval"][0]
        self.assertEqual(retrieval["parentSpanId"], root["spanId"])
        self.assertEqual(retrieval["attributes"]["langfuse.observation.type"], "retriever")
        for component in ("retrieval.bm25", "embedding", "retrieval.vector"):
            self.assertEqual(by_name[component][0]["parentSpanId"], retrieval["spanId"], component)
        generation = by_name["llm.generation gpt-4o-mini"][0]
        attrs = generation["attributes"]
        self.assertEqual(generation["parentSpanId"], root["spanId"])
        self.assertEqual(attrs["langfuse.observation.type"], "generation")
        self.assertEqual(attrs["gen_ai.request.model"], "gpt-4o-mini")
        self.assertEqual(attrs["langfuse.observation.prompt.name"], "grounded-answer")
        self.assertIn("langfuse.observation.prompt.version", attrs)
        usage = json.loads(attrs["langfuse.observation.usage_details"])
        self.assertEqual(attrs["gen_ai.usage.input_tokens"], usage["input"] + usage["input_cached_tokens"])
        self.assertGreater(attrs["gen_ai.usage.output_tokens"], 0)
        cost = json.loads(attrs["langfuse.observation.cost_details"])
        self.assertAlmostEqual(
            cost["total"], (usage["input"] * 0.15 + usage["output"] * 0.60) / 1e6, places=12)
        # Redacted before it left the process: the e-mail and the phone number are gone.
        for span in spans:
            text = json.dumps(span)
            self.assertNotIn("jane.doe@example.com", text)
            self.assertNotIn("555-0147", text)
        self.assertIn("[EMAIL]", attrs["langfuse.observation.input"])
        self.assertIn("[PHONE]", retrieval["attributes"]["langfuse.observation.input"])
        # Each attempt is a child of the generation, and the upstream got its traceparent.
        attempt = by_name["llm.attempt"][0]
        self.assertEqual(attempt["parentSpanId"], generation["spanId"])
        self.assertEqual(attempt["kind"], 3)  # client
        sent = [q["headers"].get("traceparent") for q in self.fake.requests]
        self.assertIn("00-%s-%s-01" % (caller_trace, attempt["spanId"]), sent)
        # The answer's online checks went to the scores API, on its trace.
        deadline = time.time() + 10
        scores = []
        while time.time() < deadline:
            scores = [x for x in self.langfuse.received()["scores"] if x["traceId"] == caller_trace]
            if len(scores) >= 2:
                break
            time.sleep(0.1)
        by_score = {x["name"]: x for x in scores}
        self.assertEqual(by_score["degraded"]["value"], 0)
        self.assertEqual(by_score["degraded"]["dataType"], "BOOLEAN")
        self.assertEqual(by_score["answer_chars"]["value"], len(body["answer"].encode()))
        self.assertEqual(len({x["id"] for x in scores}), len(scores))

    def test_every_response_names_its_trace(self):
        for method, path, body, token in (("GET", "/healthz", None, None),
                                          ("POST", "/v1/search", {"query": "pie"}, harness._DEFAULT),
                                          ("POST", "/v1/search", {"query": ""}, harness._DEFAULT),
                                          ("POST", "/v1/search", {"query": "pie"}, None),
                                          ("GET", "/nope", None, None)):
            r = req(self.server, method, path, body, token=token)
            trace = r.headers.get("x-trace-id")
            self.assertRegex(trace or "", r"^[0-9a-f]{32}$", path)
            self.assertEqual(json.loads(r.body).get("trace_id"), trace, (path, r.status))

    def test_malformed_traceparent_starts_a_new_trace(self):
        for bad in ("00-" + "0" * 32 + "-00f067aa0ba902b7-01",
                    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "garbage"):
            r = req(self.server, "GET", "/healthz", headers={"traceparent": bad})
            self.assertEqual(r.status, 200)
            self.assertNotIn(r.headers.get("x-trace-id"),
                             ("0" * 32, "4bf92f3577b34da6a3ce929d0e0e4736"))


class OutageTest(TracingCase):
    """0 spans lost across a Langfuse outage: every trace arrives whole after it returns."""

    def test_no_span_lost_while_langfuse_is_down(self):
        expected = {}  # trace id -> span names

        def search(i):
            r = req(self.server, "POST", "/v1/search",
                                    {"query": "outage soup number %d with leeks" % i, "top_k": 3})
            self.assertEqual(r.status, 200, r.body)
            return r.headers["x-trace-id"]

        names = {"POST /v1/search", "retrieval", "retrieval.bm25", "embedding",
                 "retrieval.vector"}
        for i in range(10):
            expected[search(i)] = names
        self.langfuse.stop()
        for i in range(10, 60):
            expected[search(i)] = names
        # The exporter has tried and spilled while the receiver was away.
        deadline = time.time() + 15
        while time.time() < deadline:
            text = req(self.server, "GET", "/metrics").body.decode()
            if metric_sum(text, "recipe_rag_exporter_spilled_total") > 0:
                break
            time.sleep(0.2)
        self.assertGreater(metric_sum(text, "recipe_rag_exporter_spilled_total"), 0)
        for i in range(60, 80):
            expected[search(i)] = names
        self.langfuse.start()  # same port, nothing remembered
        for i in range(80, 90):
            expected[search(i)] = names
        want = sum(len(v) for v in expected.values())
        deadline = time.time() + 60
        got = {}
        while time.time() < deadline:
            got = {}
            for s in self.langfuse.received()["spans"]:
                got.setdefault(s["traceId"], []).append(s["name"])
            if sum(len(got.get(t, [])) for t in expected) >= want:
                break
            time.sleep(0.25)
        for trace, span_names in expected.items():
            self.assertEqual(sorted(got.get(trace, [])), sorted(span_names), trace)
        text = req(self.server, "GET", "/metrics").body.decode()
        self.assertEqual(metric_sum(text, "recipe_rag_exporter_dropped_total"), 0)
        self.assertGreater(metric_sum(text, "recipe_rag_exporter_retried_total"), 0)


class ShutdownFlushTest(TracingCase):
    """Spans still queued at SIGTERM are sent within the drain time."""

    extra_env = {"RECIPE_RAG__TRACING__FLUSH_INTERVAL_MS": "600000",
                 "RECIPE_RAG__TRACING__BATCH_SIZE": "100000"}

    def test_sigterm_sends_queued_spans(self):
        traces = []
        for i in range(5):
            r = req(self.server, "POST", "/v1/search", {"query": "flush pie %d" % i})
            self.assertEqual(r.status, 200)
            traces.append(r.headers["x-trace-id"])
        time.sleep(0.3)
        self.assertEqual(self.langfuse.received()["spans"], [])  # nothing sent yet: all queued
        self.server.stop()
        got = {s["traceId"] for s in self.langfuse.received()["spans"]}
        self.assertTrue(set(traces) <= got, (traces, got))


class MetricsTest(TracingCase):
    extra_env = {"RECIPE_RAG__METRICS__EMF": "true"}

    def mixed_traffic(self):
        s = self.server
        self.assertEqual(req(s, "POST", "/v1/search", {"query": "apple pie"}).status, 200)
        self.assertEqual(req(s, "POST", "/v1/search", {"query": ""}).status, 422)
        self.assertEqual(req(s, "POST", "/v1/search", {"query": "x"}, token=None).status, 401)
        self.assertEqual(req(s, "POST", "/v1/tools/call",
                                   harness.tool_call({"query": "bread"})).status, 200)
        self.assertEqual(req(s, "POST", "/v1/answer", {"question": "onion soup"}).status, 200)
        r = req(s, "POST", "/v1/chat/completions",
                      {"model": "recipe-rag", "messages": [{"role": "user", "content": "hi"}]})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(req(s, "GET", "/nope").status, 404)
        self.assertEqual(req(s, "DELETE", "/v1/search").status in (404, 405), True)

    def test_promtool_accepts_metrics_after_mixed_traffic(self):
        self.mixed_traffic()
        text = req(self.server, "GET", "/metrics").body.decode()
        with tempfile.NamedTemporaryFile("w", suffix=".prom", delete=False) as f:
            f.write(text)
        try:
            with open(f.name) as fin:
                p = subprocess.run(["promtool", "check", "metrics"], stdin=fin,
                                   capture_output=True, text=True, timeout=60)
        finally:
            os.unlink(f.name)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual((p.stdout + p.stderr).strip(), "")
        for family in ("recipe_rag_http_requests_total", "recipe_rag_http_request_duration_seconds_bucket",
                       "recipe_rag_retrieval_duration_seconds_bucket",
                       "recipe_rag_llm_request_duration_seconds_bucket",
                       "recipe_rag_llm_time_to_first_token_seconds_bucket",
                       "recipe_rag_llm_tokens_total", "recipe_rag_llm_cost_usd_total",
                       "recipe_rag_llm_breaker_state", "recipe_rag_exporter_queue_items",
                       "recipe_rag_exporter_exported_total", "recipe_rag_index_documents",
                       "recipe_rag_index_info", "recipe_rag_build_info",
                       "process_start_time_seconds"):
            self.assertIn("\n" + family, "\n" + text, family)
        codes = metric_values(text, "recipe_rag_http_requests_total")
        self.assertTrue(any('code="422"' in k and 'route="/v1/search"' in k for k in codes), codes)
        self.assertTrue(any('code="401"' in k for k in codes), codes)
        self.assertGreater(metric_sum(text, "recipe_rag_llm_cost_usd_total"), 0)

    def test_stats_series_for_the_dashboards(self):
        self.mixed_traffic()
        time.sleep(0.3)  # the last access is counted after its response went out
        r = req(self.server, "GET", "/v1/stats?window=1h")
        self.assertEqual(r.status, 200, r.body)
        stats = json.loads(r.body)
        self.assertEqual(stats["window"], "1h")
        self.assertEqual(stats["step_seconds"], 60)
        self.assertEqual(len(stats["series"]), 60)
        totals = stats["totals"]
        self.assertGreaterEqual(totals["requests"], 7)
        self.assertGreaterEqual(totals["client_errors"], 3)
        self.assertGreater(totals["p95_ms"], 0)
        self.assertGreaterEqual(totals["p99_ms"], totals["p50_ms"])
        self.assertGreaterEqual(totals["llm_calls"], 2)
        self.assertGreater(totals["spend_usd"], 0)
        self.assertAlmostEqual(totals["cost_per_query_usd"],
                               totals["spend_usd"] / totals["llm_calls"])
        self.assertEqual(sum(row["requests"] for row in stats["series"]), totals["requests"])
        for window in ("15m", "6h", "24h", "7d", "30d"):
            r = req(self.server, "GET", "/v1/stats?window=" + window)
            self.assertEqual(r.status, 200, (window, r.body))
        r = req(self.server, "GET", "/v1/stats?window=2y")
        self.assertEqual(r.status, 400, r.body)
        self.assertEqual(json.loads(r.body)["error"]["param"], "window")
        self.assertEqual(req(self.server, "GET", "/v1/stats", token=None).status, 401)

    def test_emf_lines_follow_the_rules(self):
        self.mixed_traffic()
        deadline = time.time() + 5
        lines = []
        while time.time() < deadline:
            lines = [l for l in self.server.log_text().splitlines() if '"_aws"' in l]
            if any('"Model"' in l for l in lines) and len(lines) >= 8:
                break
            time.sleep(0.1)
        self.assertGreaterEqual(len(lines), 8)
        for line in lines:
            self.assertEqual(emf_rules.validate(line), [], line)
        routes = {json.loads(l).get("Route") for l in lines}
        self.assertIn("/v1/answer", routes)
        models = {json.loads(l).get("Model") for l in lines}
        self.assertIn("gpt-4o-mini", models)
        for l in lines:
            event = json.loads(l)
            self.assertEqual(event["_aws"]["CloudWatchMetrics"][0]["Namespace"], "RecipeRag")
            self.assertEqual(event["Environment"], "dev")


class Webhook:
    def __init__(self):
        self.bodies = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("content-length") or 0)
                outer.bodies.append(json.loads(self.rfile.read(n)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hooks/budget" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


LIMIT = 0.004  # USD a day: a few worst cases, far fewer than 64


class BudgetTest(unittest.TestCase):
    """64 concurrent answers against a budget that holds a handful: spend never passes it."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rr-budget-")
        cls.fake = FakeOpenAI(key=KEY)
        cls.webhook = Webhook()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()
        cls.webhook.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def start(self, **extra):
        env = llm_env(self.fake.url)
        env.update({"RECIPE_RAG__TRACING__EXPORTER": "none",
                    "RECIPE_RAG__BUDGETS__LEDGER": os.path.join(self.tmp, "spend.db"),
                    "RECIPE_RAG__BUDGETS__DAILY_USD": str(LIMIT),
                    "RECIPE_RAG__BUDGETS__ALERT_WEBHOOK": "env:BUDGET_HOOK",
                    "BUDGET_HOOK": self.webhook.url})
        env.update({k: str(v) for k, v in extra.items()})
        server = harness.Server(env=env).start()
        server.wait_ready(10)
        return server

    def spent(self, server):
        text = req(server, "GET", "/metrics").body.decode()
        values = metric_values(text, "recipe_rag_budget_spent_usd")
        return next(v for k, v in values.items()
                    if 'scope="environment dev"' in k and 'period="daily"' in k)

    def test_concurrent_answers_never_overshoot_and_spend_survives_restart(self):
        server = self.start()
        try:
            def ask(i):
                r = req(server, "POST", "/v1/answer",
                                   {"question": "soup with carrots %d" % i, "top_k": 3})
                self.assertEqual(r.status, 200, r.body)
                return json.loads(r.body)

            with ThreadPoolExecutor(64) as pool:
                answers = list(pool.map(ask, range(64)))
            refused = [a for a in answers if a.get("degraded_reason") == "budget"]
            served = [a for a in answers if not a.get("degraded")]
            self.assertGreater(len(refused), 0)
            self.assertGreater(len(served), 0)
            for a in refused:
                self.assertEqual(a["model"], "extractive")
                self.assertTrue(a["answer"])
            time.sleep(0.5)  # settlements are written in the background
            spent = self.spent(server)
            self.assertGreater(spent, 0)
            self.assertLessEqual(spent, LIMIT)  # overshoot 0
            self.assertNotIn(KEY, server.log_text())
        finally:
            server.close()
        # Spend survives a restart: the ledger is read back.
        server = self.start()
        try:
            self.assertAlmostEqual(self.spent(server), spent, places=9)
        finally:
            server.close()

    def test_reject_policy_answers_429_and_alert_fires_once(self):
        # A budget of many worst cases, so that spend passes 80% before calls are refused.
        server = self.start(RECIPE_RAG__BUDGETS__ON_EXHAUSTED="reject",
                            RECIPE_RAG__BUDGETS__DAILY_USD="0.02",
                            RECIPE_RAG__BUDGETS__LEDGER=os.path.join(self.tmp, "reject.db"))
        try:
            statuses = []
            for i in range(1000):
                r = req(server, "POST", "/v1/answer", {"question": "bread %d" % i})
                statuses.append(r.status)
                if r.status == 429:
                    self.assertIn("Retry-After", {k.title(): v for k, v in r.headers.items()})
                    self.assertIn("budget", json.loads(r.body)["error"]["message"])
                    break
            self.assertIn(429, statuses)
            deadline = time.time() + 5
            while time.time() < deadline and not self.webhook.bodies:
                time.sleep(0.05)
            daily = [b for b in self.webhook.bodies
                     if b["period"] == "daily" and b["limit_usd"] == 0.02]
            self.assertEqual(len(daily), 1, self.webhook.bodies)
            self.assertIn("budget", daily[0]["text"])
            self.assertGreaterEqual(daily[0]["ratio"], 0.8)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
