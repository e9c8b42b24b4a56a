"""Bad input answers a JSON error and the server keeps serving; auth, request ids, access log."""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import GOOD_CALL, ServerCase, assert_error, assert_serving, tool_call  # noqa: E402

CALL = "/v1/tools/call"
TOP_K_RANGE = (re.compile(r"(?<!\d)1(?!\d)"), re.compile(r"(?<!\d)10(?!\d)"))
WRONG_TOKENS = ("wrong-token-xyz", "test-token-1x", "test-token-")
MiB = 1024 * 1024


def padded_call(size):
    """A syntactically valid tool call of exactly `size` bytes (the query carries the padding)."""
    head, tail = b'{"function":"search_corpus","arguments":{"query":"', b'"}}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


class BadBodyTest(ServerCase):
    def post(self, body, **kw):
        return self.server.request("POST", CALL, body, **kw)

    def test_malformed_json(self):
        for body in (b'{"function": "search_corpus", "arguments": {', b"{bad json}", b"", b'{"function":"x"} trailing'):
            with self.subTest(body=body):
                assert_error(self, self.post(body), 400, type="invalid_request")
        assert_serving(self, self.server)

    def test_invalid_utf8(self):
        assert_error(self, self.post(b'{"function":"search_corpus","arguments":{"query":"\xff\xfe"}}'), 400)
        assert_serving(self, self.server)

    def test_deep_nesting(self):
        depth = 100_000
        deep_array = b"[" * depth + b"]" * depth
        deep_inside = b'{"function":"search_corpus","arguments":' + b"[" * depth + b"]" * depth + b"}"
        for name, body in (("array", deep_array), ("inside object", deep_inside)):
            with self.subTest(name):
                assert_error(self, self.post(body), 400)
        assert_serving(self, self.server)

    def test_body_not_an_object(self):
        for body in (b"[1,2]", b'"search_corpus"', b"5", b"null", b"true"):
            with self.subTest(body=body):
                assert_error(self, self.post(body), 422)
        assert_serving(self, self.server)

    def test_wrong_types(self):
        cases = (
            ({"function": 5, "arguments": {"query": "soup"}}, "function"),
            ({"arguments": {"query": "soup"}}, "function"),
            ({"function": "search_corpus", "arguments": 5}, "arguments"),
            (tool_call({"query": 5}), "query"),
        )
        for body, param in cases:
            with self.subTest(body=body):
                assert_error(self, self.post(body), 422, param=param)
        assert_serving(self, self.server)

    def test_top_k_out_of_range_or_not_integer(self):
        for top_k in (0, 11, -1, "3", 3.5, None, True):
            with self.subTest(top_k=top_k):
                resp = self.post(tool_call({"query": "soup", "top_k": top_k}))
                assert_error(self, resp, 422, param="top_k", message_contains=TOP_K_RANGE)
        assert_serving(self, self.server)

    def test_query_missing_or_blank(self):
        for arguments in ({}, {"query": ""}, {"query": "   "}, {"query": " \t\n "}, {"top_k": 3}):
            with self.subTest(arguments=arguments):
                assert_error(self, self.post(tool_call(arguments)), 422, param="query")
        assert_serving(self, self.server)

    def test_query_length_limit(self):
        assert_error(self, self.post(tool_call({"query": "a" * 2001})), 422, param="query")
        harness.assert_tool_result(self, self.post(tool_call({"query": "a" * 2000})))
        # The limit counts characters, not bytes: 2000 two-byte characters are accepted.
        harness.assert_tool_result(self, self.post(tool_call({"query": "\u00e9" * 2000})))

    def test_unknown_function(self):
        assert_error(self, self.post(tool_call({"query": "soup"}, function="delete_everything")), 422, param="function")
        assert_serving(self, self.server)

    def test_arguments_string_not_json(self):
        assert_error(self, self.post(tool_call('{"query": "soup"')), 400, param="arguments")
        assert_serving(self, self.server)

    def test_content_type(self):
        resp = self.post(GOOD_CALL, headers={"Content-Type": "text/plain"})
        assert_error(self, resp, 415, message_contains=("application/json",))
        harness.assert_tool_result(self, self.post(GOOD_CALL, headers={"Content-Type": "application/json; charset=utf-8"}))
        harness.assert_tool_result(self, self.post(GOOD_CALL, headers={"Content-Type": None}))

    def test_body_too_large(self):
        # Exactly 1 MiB is within the limit (it fails validation instead: the query is too long).
        assert_error(self, self.post(padded_call(MiB)), 422, param="query")
        body = padded_call(MiB + 1)
        head = (
            f"POST {CALL} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {harness.DEFAULT_TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        resp = self.server.raw_streaming(head, body)
        assert_error(self, (resp.status, resp.headers, resp.body), 413)
        assert_serving(self, self.server)


class RoutingTest(ServerCase):
    def test_wrong_method(self):
        cases = (("GET", CALL, "POST"), ("DELETE", "/v1/search", "POST"), ("POST", "/healthz", "GET"))
        for method, path, allowed in cases:
            with self.subTest(method=method, path=path):
                body = GOOD_CALL if method == "POST" else None
                resp = self.server.request(method, path, body)
                assert_error(self, resp, 405)
                self.assertIn(allowed, resp[1].get("allow", ""), f"Allow header: {resp[1]}")
        assert_serving(self, self.server)

    def test_unknown_path(self):
        assert_error(self, self.server.request("GET", "/nope"), 404)
        assert_serving(self, self.server)

    def test_public_endpoints(self):
        for path in ("/healthz", "/readyz", "/version"):
            with self.subTest(path=path):
                status, _, body = self.server.request("GET", path, token=None)
                self.assertEqual(status, 200, body)
        status, headers, doc = self.server.json("GET", "/version", token=None)
        harness.assert_json_content_type(self, headers)
        for key in ("version", "git_sha", "index"):
            self.assertIn(key, doc)

    def test_no_paths_or_traces_in_bodies(self):
        probes = (
            ("GET", "/version", None),
            ("GET", "/readyz", None),
            ("GET", "/healthz", None),
            ("GET", "/nope", None),
            ("GET", "/../../../etc/passwd", None),
            ("POST", CALL, b"{bad json"),
            ("POST", CALL, b"[" * 100_000),
            ("POST", CALL, tool_call({"query": "soup", "top_k": "x"})),
            ("POST", CALL, tool_call('{"query"')),
            ("POST", CALL, GOOD_CALL),
            ("POST", "/v1/search", {"query": "soup", "filters": {"bogus": 1}}),
            ("POST", "/v1/search", {"query": "chocolate cake", "top_k": 5}),
            ("DELETE", "/v1/search", None),
        )
        for method, path, body in probes:
            self.server.request(method, path, body)
        self.server.request("POST", CALL, GOOD_CALL, token="wrong-token-xyz")
        self.assertGreaterEqual(len(self.server.history), len(probes))
        for method, path, status, payload in self.server.history:
            harness.assert_no_leaks(self, f"{method} {path} -> {status}", payload)


class AuthAndLoggingTest(ServerCase):
    def test_rejected_credentials(self):
        cases = [("missing", {})] + [("Bearer " + t, {"Authorization": "Bearer " + t}) for t in WRONG_TOKENS]
        cases.append(("Basic", {"Authorization": "Basic xyz"}))
        for path in (CALL, "/v1/search"):
            for label, headers in cases:
                with self.subTest(path=path, credentials=label):
                    body = GOOD_CALL if path == CALL else {"query": "soup"}
                    resp = self.server.request("POST", path, body, headers=headers, token=None)
                    assert_error(self, resp, 401)
                    self.assertTrue(resp[1].get("www-authenticate", "").startswith("Bearer"), resp[1])
        assert_serving(self, self.server)

    def test_second_token_accepted(self):
        harness.assert_tool_result(self, self.server.request("POST", CALL, GOOD_CALL, token="test-token-2"))

    def test_tokens_never_logged(self):
        ids = []
        for i, token in enumerate(harness.TOKENS + WRONG_TOKENS):
            rid = f"token-log-{i}"
            ids.append(rid)
            self.server.request("POST", CALL, GOOD_CALL, token=token, headers={"X-Request-Id": rid})
        for rid in ids:
            self.server.access_log(rid)  # the lines for these requests have been written
        text = self.server.log_text()
        for token in harness.TOKENS + WRONG_TOKENS:
            self.assertNotIn(token, text)

    def test_request_id(self):
        status, headers, _ = self.server.request("GET", "/healthz", headers={"X-Request-Id": "abc-123"}, token=None)
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-request-id"), "abc-123")
        generated = set()
        for _ in range(2):
            status, headers, _ = self.server.request("GET", "/healthz", token=None)
            self.assertEqual(status, 200)
            self.assertTrue(headers.get("x-request-id", "").strip(), headers)
            generated.add(headers["x-request-id"])
        self.assertEqual(len(generated), 2, "generated request ids repeat")

    def test_access_log(self):
        probes = (
            ("POST", CALL, GOOD_CALL, "access-log-1"),
            ("GET", "/nope", None, "access-log-2"),
            ("POST", CALL, b"{bad", "access-log-3"),
            ("GET", "/healthz", None, None),
        )
        for method, path, body, rid in probes:
            headers = {"X-Request-Id": rid} if rid else {}
            status, resp_headers, _ = self.server.request(method, path, body, headers=headers)
            rid = resp_headers.get("x-request-id")
            self.assertTrue(rid, resp_headers)
            lines = self.server.access_log(rid)
            self.assertEqual(len(lines), 1, f"access log lines for {rid}: {lines}")
            line = lines[0]
            self.assertEqual(line.get("method"), method, line)
            self.assertTrue("route" in line or "path" in line, line)
            if "path" in line:
                self.assertEqual(line["path"], path, line)
            self.assertEqual(line.get("status"), status, line)
            for field in ("latency_us", "bytes"):
                self.assertTrue(harness.is_number(line.get(field)) and line[field] >= 0, f"{field}: {line}")

        def keys(obj):
            if isinstance(obj, dict):
                for k, v in obj.items():
                    yield k
                    yield from keys(v)
            elif isinstance(obj, list):
                for v in obj:
                    yield from keys(v)

        for line in self.server.logs():
            self.assertNotIn("authorization", {k.lower() for k in keys(line)}, line)
        self.assertNotIn(harness.DEFAULT_TOKEN, self.server.log_text())


if __name__ == "__main__":
    unittest.main()
