"""Connection handling: keep-alive, pipelining, HTTP/1.0, header and idle timeouts."""

import os
import select
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import GOOD_CALL, ResponseReader, ServerCase  # noqa: E402


def get(path, request_id=None, version="HTTP/1.1"):
    extra = f"X-Request-Id: {request_id}\r\n" if request_id else ""
    return f"GET {path} {version}\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()


class ConnectionTest(ServerCase):
    def test_keep_alive_three_requests(self):
        conn = self.server.connection()
        try:
            local = None
            for method, path, body in (("GET", "/healthz", None), ("POST", "/v1/tools/call", GOOD_CALL), ("GET", "/version", None)):
                status, headers, payload = self.server.request_on(conn, method, path, body)
                self.assertEqual(status, 200, payload)
                self.assertNotEqual(headers.get("connection", "").lower(), "close", headers)
                self.assertIsNotNone(conn.sock, "server closed the keep-alive connection")
                if local is None:
                    local = conn.sock.getsockname()
                self.assertEqual(conn.sock.getsockname(), local, "request went over a new connection")
        finally:
            conn.close()

    def test_pipelined_requests_in_order(self):
        ids = ("pipe-1", "pipe-2", "pipe-3")
        with self.server.connect() as sock:
            sock.sendall(get("/healthz", ids[0]) + get("/version", ids[1]) + get("/healthz", ids[2]))
            reader = ResponseReader(sock)
            responses = [reader.read_response() for _ in ids]
        for rid, resp in zip(ids, responses):
            self.assertEqual(resp.status, 200, resp)
            self.assertEqual(resp.headers.get("x-request-id"), rid, resp)
        self.assertIn(b'"git_sha"', responses[1].body)

    def test_http10_answered_and_closed(self):
        data, closed = self.server.raw_exchange(b"GET /healthz HTTP/1.0\r\n\r\n", read_timeout=5)
        self.assertRegex(data.split(b"\r\n", 1)[0], rb"^HTTP/1\.[01] 200\b")
        self.assertTrue(closed, "server kept the HTTP/1.0 connection open")
        self.assertEqual(len(harness.parse_responses(data)), 1, data)


class TimeoutTest(ServerCase):
    server_env = {
        "RECIPE_RAG__SERVER__HEADER_TIMEOUT_MS": "500",
        "RECIPE_RAG__SERVER__IDLE_TIMEOUT_MS": "500",
    }

    def test_slow_loris_closed_while_others_served(self):
        outcome = {}

        def slow_client():
            with self.server.connect() as sock:
                start = time.monotonic()
                try:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    while time.monotonic() - start < 4.0:
                        readable, _, _ = select.select([sock], [], [], 0.1)
                        if readable:
                            if not sock.recv(65536):  # a 408 response may come first; EOF ends it
                                break
                        else:
                            sock.sendall(b"a")
                    else:
                        outcome["closed_after"] = None
                        return
                except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                    pass
                outcome["closed_after"] = time.monotonic() - start

        slow = threading.Thread(target=slow_client, daemon=True)
        slow.start()
        latencies = []
        while slow.is_alive() and len(latencies) < 40:
            t0 = time.monotonic()
            status, _, body = self.server.request("GET", "/healthz", token=None)
            latencies.append(time.monotonic() - t0)
            self.assertEqual(status, 200, body)
            time.sleep(0.1)
        slow.join(6)
        self.assertGreaterEqual(len(latencies), 2, "no request overlapped the slow client")
        self.assertLess(max(latencies), 1.0, f"latencies while a slow client was connected: {latencies}")
        closed_after = outcome.get("closed_after")
        self.assertIsNotNone(closed_after, "server never closed the slow-header connection")
        self.assertLessEqual(closed_after, 2.5, f"slow connection closed after {closed_after:.2f}s")

    def test_idle_keep_alive_closed(self):
        with self.server.connect() as sock:
            sock.sendall(get("/healthz"))
            reader = ResponseReader(sock)
            resp = reader.read_response()
            self.assertEqual(resp.status, 200, resp)
            self.assertNotEqual(resp.headers.get("connection", "").lower(), "close", resp)
            idle = reader.wait_closed(timeout=3.0)
        self.assertGreaterEqual(idle, 0.25, f"closed after {idle:.2f}s: keep-alive not honoured")
        self.assertLessEqual(idle, 3.0)


if __name__ == "__main__":
    unittest.main()
