"""The fake Langfuse (tests/support/fake_langfuse.mjs) that exporter tests send traces and
scores to: it must check credentials and headers as Langfuse does, read OTLP/protobuf as the
OpenTelemetry project's own code writes it, and show exactly what arrived.

Components: the fake runs as a `node` child process on a loopback port; request bodies are
encoded by `node` with @opentelemetry/otlp-transformer's generated protobuf code (tests/js,
installed by scripts/setup), independently of recipe-rag's C++ encoder.
"""

import base64
import gzip
import json
import os
import subprocess
import unittest
import urllib.error
import urllib.request

ROOT = os.environ.get("RECIPE_RAG_SOURCE_DIR",
                      os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
FAKE = os.path.join(ROOT, "tests", "support", "fake_langfuse.mjs")
TRANSFORMER = os.path.join(ROOT, "tests", "js", "node_modules", "@opentelemetry",
                           "otlp-transformer")
PUBLIC, SECRET = "pk-lf-x", "sk-lf-y"
AUTH = "Basic " + base64.b64encode(f"{PUBLIC}:{SECRET}".encode()).decode()
TRACES = "/api/public/otel/v1/traces"
HEADERS = {"Authorization": AUTH, "x-langfuse-ingestion-version": "4",
           "Content-Type": "application/x-protobuf"}

# Reads an ExportTraceServiceRequest as JSON (ids in hex, 64-bit integers as strings) on
# stdin and writes its protobuf encoding to stdout.
ENCODER = r"""
import { createRequire } from "node:module";
const require = createRequire(process.argv[1] + "/tests/js/package.json");
const root = require("@opentelemetry/otlp-transformer/build/src/generated/root.js");
const R = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
let input = "";
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
for (const rs of request.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
  for (const k of ["traceId", "spanId", "parentSpanId"]) if (s[k]) s[k] = Buffer.from(s[k], "hex");
}
const message = R.fromObject(request);
const err = R.verify(message);
if (err) { process.stderr.write(err); process.exit(1); }
process.stdout.write(R.encode(message).finish());
"""

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
ROOT_ID, CHILD_ID = "00f067aa0ba902b7", "b7ad6b7169203331"


def kv(key, **value):
    return {"key": key, "value": value}


def request_with(spans, resource=None):
    return {"resourceSpans": [{
        "resource": {"attributes": resource or [kv("service.name", stringValue="recipe-rag")]},
        "scopeSpans": [{"scope": {"name": "recipe-rag", "version": "1.4.0"}, "spans": spans}],
    }]}


ROOT_SPAN = {
    "traceId": TRACE_ID, "spanId": ROOT_ID, "name": "POST /v1/ask", "kind": 2,
    "startTimeUnixNano": "1700000000123456789", "endTimeUnixNano": "1700000000223456789",
    "attributes": [kv("http.route", stringValue="/v1/ask"), kv("http.status_code", intValue="200"),
                   kv("big", intValue="9007199254740993"), kv("cached", boolValue=False),
                   kv("score", doubleValue=0.75), kv("tags", arrayValue={"values": [
                       {"stringValue": "soup"}, {"intValue": "2"}]})],
    "status": {"code": 1}, "flags": 257,
}
CHILD_SPAN = {
    "traceId": TRACE_ID, "spanId": CHILD_ID, "parentSpanId": ROOT_ID, "name": "llm.chat ✓",
    "kind": 3, "startTimeUnixNano": "1700000000130000000",
    "endTimeUnixNano": "1700000000220000000",
    "status": {"code": 2, "message": "upstream 503"},
}


def encode(request):
    done = subprocess.run(["node", "--input-type=module", "-e", ENCODER, ROOT],
                          input=json.dumps(request).encode(), capture_output=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


class FakeLangfuse:
    """The fake as a child process; `url` once it listens."""

    def __init__(self, *extra):
        self.process = subprocess.Popen(
            ["node", FAKE, "--port", "0", "--public-key", PUBLIC, "--secret-key", SECRET,
             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().split()
        if len(line) != 2 or line[0] != "listening":
            self.stop()
            raise RuntimeError("the fake did not start: " + self.process.stderr.read())
        self.url = f"http://127.0.0.1:{int(line[1])}"

    def stop(self):
        self.process.terminate()
        self.process.communicate(timeout=10)

    def post(self, path, body, headers):
        request = urllib.request.Request(self.url + path, data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read()

    def received(self):
        with urllib.request.urlopen(self.url + "/_received", timeout=30) as response:
            return json.load(response)


class FakeLangfuseTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.isdir(TRANSFORMER),
                        "@opentelemetry/otlp-transformer is missing: run scripts/setup")
        self.fake = FakeLangfuse()
        self.addCleanup(self.fake.stop)

    def test_stores_every_span_of_an_otlp_protobuf_export(self):
        status, headers, body = self.fake.post(
            TRACES, encode(request_with([ROOT_SPAN, CHILD_SPAN])), HEADERS)
        self.assertEqual((status, body), (200, b""))  # an empty ExportTraceServiceResponse
        self.assertEqual(headers["Content-Type"], "application/x-protobuf")
        got = self.fake.received()
        self.assertEqual((got["requests"], got["rejected"], got["scores"]), (1, 0, []))
        resource = {"service.name": "recipe-rag"}
        scope = {"name": "recipe-rag", "version": "1.4.0"}
        self.assertEqual(got["spans"], [
            {"traceId": TRACE_ID, "spanId": ROOT_ID, "parentSpanId": "", "name": "POST /v1/ask",
             "kind": 2, "startTimeUnixNano": "1700000000123456789",
             "endTimeUnixNano": "1700000000223456789", "flags": 257,
             "attributes": {"http.route": "/v1/ask", "http.status_code": 200,
                            "big": "9007199254740993", "cached": False, "score": 0.75,
                            "tags": ["soup", 2]},
             "status": {"code": 1, "message": ""}, "resource": resource, "scope": scope},
            {"traceId": TRACE_ID, "spanId": CHILD_ID, "parentSpanId": ROOT_ID,
             "name": "llm.chat ✓", "kind": 3, "startTimeUnixNano": "1700000000130000000",
             "endTimeUnixNano": "1700000000220000000", "flags": 0, "attributes": {},
             "status": {"code": 2, "message": "upstream 503"}, "resource": resource,
             "scope": scope},
        ])

    def test_accepts_a_gzip_body(self):
        body = gzip.compress(encode(request_with([ROOT_SPAN])))
        status, _, _ = self.fake.post(TRACES, body, {**HEADERS, "Content-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual([s["spanId"] for s in self.fake.received()["spans"]], [ROOT_ID])

    def test_rejects_bad_credentials_headers_and_bodies_and_stores_nothing(self):
        body = encode(request_with([ROOT_SPAN]))
        wrong = "Basic " + base64.b64encode(f"{PUBLIC}:sk-lf-wrong".encode()).decode()
        without = lambda name: {k: v for k, v in HEADERS.items() if k != name}  # noqa: E731
        cases = [
            ("no credentials", body, without("Authorization"), 401),
            ("wrong secret", body, {**HEADERS, "Authorization": wrong}, 401),
            ("bearer", body, {**HEADERS, "Authorization": "Bearer " + SECRET}, 401),
            ("no ingestion version", body, without("x-langfuse-ingestion-version"), 400),
            ("ingestion version 3", body, {**HEADERS, "x-langfuse-ingestion-version": "3"}, 400),
            ("json", body, {**HEADERS, "Content-Type": "application/json"}, 415),
            ("truncated protobuf", body[:-3], HEADERS, 400),
            ("not gzip", body, {**HEADERS, "Content-Encoding": "gzip"}, 400),
        ]
        for name, data, headers, want in cases:
            with self.subTest(case=name):
                status, _, _ = self.fake.post(TRACES, data, headers)
                self.assertEqual(status, want)
        got = self.fake.received()
        self.assertEqual(got["spans"], [])
        self.assertEqual((got["requests"], got["rejected"]), (len(cases), len(cases)))

    def test_injected_failures_answer_their_status_and_store_nothing(self):
        body = encode(request_with([ROOT_SPAN]))
        status, _, reply = self.fake.post("/_fail?status=503&count=2", b"", {})
        self.assertEqual((status, json.loads(reply)), (200, {"status": 503, "count": 2}))
        statuses = [self.fake.post(TRACES, body, HEADERS)[0] for _ in range(3)]
        self.assertEqual(statuses, [503, 503, 200])
        self.fake.post("/_fail?status=429&count=-1", b"", {})
        self.assertEqual([self.fake.post(TRACES, body, HEADERS)[0] for _ in range(3)],
                         [429] * 3)
        self.fake.post("/_fail?count=0", b"", {})
        self.assertEqual(self.fake.post(TRACES, body, HEADERS)[0], 200)
        # Credentials are checked before a failure is injected.
        self.fake.post("/_fail?status=500&count=1", b"", {})
        self.assertEqual(self.fake.post(TRACES, body, {**HEADERS, "Authorization": ""})[0], 401)
        got = self.fake.received()
        self.assertEqual(len(got["spans"]), 2)
        self.assertEqual((got["requests"], got["rejected"]), (8, 6))

    def test_fail_status_flag_fails_every_export(self):
        failing = FakeLangfuse("--fail-status", "503")
        self.addCleanup(failing.stop)
        body = encode(request_with([ROOT_SPAN]))
        self.assertEqual([failing.post(TRACES, body, HEADERS)[0] for _ in range(2)], [503, 503])
        self.assertEqual(failing.received()["spans"], [])

    def test_scores_need_credentials_trace_name_and_value(self):
        json_headers = {"Authorization": AUTH, "Content-Type": "application/json"}
        score = {"traceId": TRACE_ID, "name": "user-feedback", "value": 1, "comment": "tasty"}
        status, _, reply = self.fake.post("/api/public/scores", json.dumps(score).encode(),
                                          json_headers)
        self.assertEqual(status, 200)
        score_id = json.loads(reply)["id"]
        self.assertTrue(score_id)
        own = {"id": "s-1", "traceId": TRACE_ID, "name": "verdict", "value": "good"}
        status, _, reply = self.fake.post("/api/public/scores",
                                          gzip.compress(json.dumps(own).encode()),
                                          {**json_headers, "Content-Encoding": "gzip"})
        self.assertEqual((status, json.loads(reply)), (200, {"id": "s-1"}))
        for name, data, headers, want in [
            ("no credentials", score, {"Content-Type": "application/json"}, 401),
            ("no value", {"traceId": TRACE_ID, "name": "x"}, json_headers, 400),
            ("null value", {"traceId": TRACE_ID, "name": "x", "value": None}, json_headers, 400),
            ("no traceId", {"name": "x", "value": 1}, json_headers, 400),
            ("empty name", {"traceId": TRACE_ID, "name": "", "value": 1}, json_headers, 400),
            ("not an object", [score], json_headers, 400),
        ]:
            with self.subTest(case=name):
                status, _, _ = self.fake.post("/api/public/scores", json.dumps(data).encode(),
                                              headers)
                self.assertEqual(status, want)
        self.assertEqual(self.fake.post("/api/public/scores", b"{not json", json_headers)[0], 400)
        got = self.fake.received()
        self.assertEqual(got["scores"], [{**score, "id": score_id}, own])
        self.assertEqual((got["requests"], got["rejected"]), (9, 7))


if __name__ == "__main__":
    unittest.main()
