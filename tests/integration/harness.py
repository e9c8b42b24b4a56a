"""Shared harness for the recipe-rag integration tests (Python 3.11 standard library only).

Environment (set by ctest):
  RECIPE_RAG_BIN         path to the built recipe-rag binary
  RECIPE_RAG_INDEX       index directory built from the bundled corpus
  RECIPE_RAG_SOURCE_DIR  repository root (defaults to two levels above this file)

`Server` starts the real binary on 127.0.0.1:0, follows its JSON log lines on stderr and offers
request helpers. `ServerCase` shares one server across the tests of a class. The assertion
helpers (`assert_error`, `assert_tool_result`, `assert_serving`, ...) keep the test files short.
"""

import functools
import http.client
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

HOST = "127.0.0.1"
TOKENS = ("test-token-1", "test-token-2")
DEFAULT_TOKEN = TOKENS[0]
_DEFAULT = object()  # "use the default token" marker for request helpers

START_TIMEOUT = 10.0  # seconds to wait for the "listening" log line
HTTP_TIMEOUT = 10.0  # seconds per HTTP request
STOP_TIMEOUT = 30.0  # seconds to wait for exit after a signal

# A known-good tool call, used to prove the server still serves after bad input.
GOOD_CALL = {"function": "search_corpus", "arguments": {"query": "tomato soup", "top_k": 2}}

# Strings that would betray a stack trace or an internal exception in a response body.
TRACE_MARKERS = ("std::", "boost::", "terminate called", "Traceback", ".cc:", ".cpp:")


# --------------------------------------------------------------------------- environment


def _required_env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} must be set (ctest sets it)")
    return value


def bin_path():
    return _required_env("RECIPE_RAG_BIN")


def index_path():
    return _required_env("RECIPE_RAG_INDEX")


def source_dir():
    value = os.environ.get("RECIPE_RAG_SOURCE_DIR")
    if value:
        return value
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def config_path():
    return os.path.join(source_dir(), "config", "recipe-rag.toml")


def child_env(overrides=None):
    """os.environ + the two test tokens + overrides (a value of None removes the variable)."""
    env = dict(os.environ)
    env["RECIPE_RAG_API_TOKENS"] = ",".join(TOKENS)
    for key, value in (overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def run_cli(*args, env=None, timeout=30):
    """Runs `recipe-rag ARGS...`; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run(
        [bin_path(), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        env=child_env(env),
        cwd=source_dir(),
        timeout=timeout,
    )


# --------------------------------------------------------------------------- corpus


@functools.lru_cache(maxsize=1)
def corpus():
    """The bundled corpus as {id: record}."""
    path = os.path.join(source_dir(), "data", "recipes", "recipe_data.json")
    with open(path, encoding="utf-8") as f:
        records = json.load(f)
    return {r["id"]: r for r in records}


def norm_text(s):
    """Case-folded, typographic quotes made plain, whitespace collapsed."""
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", s).strip().casefold()


def contains_phrase(haystack, phrase):
    """True when `phrase` occurs in `haystack` as whole words (after norm_text on both)."""
    pattern = r"(?<!\w)" + re.escape(norm_text(phrase)) + r"(?!\w)"
    return re.search(pattern, norm_text(haystack)) is not None


def has_word(lines, words):
    """True when any line contains one of `words` (a regex alternation) as a whole word."""
    rx = re.compile(r"\b(?:" + words + r")\b", re.IGNORECASE)
    return any(rx.search(line) for line in lines)


def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


# --------------------------------------------------------------------------- request bodies


def encode_body(body):
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


def tool_call(arguments, function="search_corpus"):
    return {"function": function, "arguments": arguments}


# --------------------------------------------------------------------------- raw HTTP parsing


class RawResponse:
    def __init__(self, version, status, reason, headers, body):
        self.version = version  # "HTTP/1.1"
        self.status = status  # int
        self.reason = reason
        self.headers = headers  # dict, lower-case names
        self.body = body  # bytes

    def __repr__(self):
        return f"RawResponse({self.version} {self.status}, {self.headers}, {self.body[:200]!r})"


def _parse_head(head):
    lines = head.decode("iso-8859-1").split("\r\n")
    m = re.match(r"^(HTTP/\d\.\d) (\d{3})(?: (.*))?$", lines[0])
    if not m:
        raise AssertionError(f"bad HTTP status line: {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        value = value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return m.group(1), int(m.group(2)), m.group(3) or "", headers


def try_parse_response(buf, at_eof=False):
    """Parses one response from the front of `buf`: (RawResponse, bytes consumed) or None if incomplete."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    version, status, reason, headers = _parse_head(buf[:end])
    pos = end + 4
    if 100 <= status < 200 or status in (204, 304):
        return RawResponse(version, status, reason, headers, b""), pos
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            size = int(buf[pos:eol].split(b";")[0].strip() or b"0", 16)
            pos = eol + 2
            if size == 0:
                trailer_end = buf.find(b"\r\n", pos)
                if trailer_end < 0:
                    return None
                # Skip trailer fields up to the empty line.
                while trailer_end != pos:
                    pos = trailer_end + 2
                    trailer_end = buf.find(b"\r\n", pos)
                    if trailer_end < 0:
                        return None
                return RawResponse(version, status, reason, headers, body), trailer_end + 2
            if len(buf) < pos + size + 2:
                return None
            body += buf[pos : pos + size]
            pos += size + 2
    if "content-length" in headers:
        n = int(headers["content-length"])
        if len(buf) < pos + n:
            return None
        return RawResponse(version, status, reason, headers, buf[pos : pos + n]), pos + n
    if not at_eof:
        return None  # body delimited by connection close
    return RawResponse(version, status, reason, headers, buf[pos:]), len(buf)


def parse_responses(data, at_eof=True):
    """All complete responses in `data`, in order."""
    out = []
    while data:
        parsed = try_parse_response(data, at_eof=at_eof)
        if parsed is None:
            break
        resp, used = parsed
        out.append(resp)
        data = data[used:]
    return out


class ResponseReader:
    """Reads HTTP responses from a raw socket, one at a time, with deadlines."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.closed = False  # the peer closed (EOF) or reset the connection

    def _fill(self, deadline):
        """Receives more data. False on timeout; sets .closed on EOF/reset."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        readable, _, _ = select.select([self.sock], [], [], remaining)
        if not readable:
            return False
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, ConnectionAbortedError):
            chunk = b""
        if not chunk:
            self.closed = True
        self.buf += chunk
        return True

    def read_response(self, timeout=HTTP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            parsed = try_parse_response(self.buf, at_eof=self.closed)
            if parsed is not None:
                resp, used = parsed
                self.buf = self.buf[used:]
                return resp
            if self.closed:
                raise AssertionError(f"connection closed before a complete response; got {self.buf[:300]!r}")
            if not self._fill(deadline):
                raise AssertionError(f"no complete response within {timeout}s; got {self.buf[:300]!r}")

    def wait_closed(self, timeout):
        """Seconds until the peer closes the connection (data received meanwhile is kept in .buf)."""
        start = time.monotonic()
        deadline = start + timeout
        while not self.closed:
            if not self._fill(deadline):
                raise AssertionError(f"connection still open after {timeout}s")
        return time.monotonic() - start


def recv_until_close(sock, timeout):
    """Reads until EOF/reset or timeout. Returns (data, closed_by_peer)."""
    reader = ResponseReader(sock)
    deadline = time.monotonic() + timeout
    while not reader.closed and reader._fill(deadline):
        pass
    return reader.buf, reader.closed


# --------------------------------------------------------------------------- server


class Server:
    """The real recipe-rag binary, serving on an ephemeral port. Use as a context manager."""

    def __init__(self, extra_args=(), env=None, index=None, config=None):
        self.argv = [
            bin_path(),
            "serve",
            "--listen",
            f"{HOST}:0",
            "--index",
            index if index is not None else index_path(),
            "--config",
            config if config is not None else config_path(),
            *extra_args,
        ]
        self.env = child_env(env)
        self.proc = None
        self.port = None
        self.history = []  # (method, path, status, body) of every request made through .request()
        self._lines = []  # (raw line, parsed dict) from stderr
        self._stdout = []
        self._cond = threading.Condition()
        self._threads = []

    # -- lifecycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and not issubclass(exc_type, KeyboardInterrupt):
            sys.stderr.write(f"\n--- recipe-rag log tail ({self.argv}) ---\n{self.log_tail()}\n")
        self.close()
        return False

    def start(self):
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
            cwd=source_dir(),
        )
        for stream, sink in ((self.proc.stderr, None), (self.proc.stdout, self._stdout)):
            t = threading.Thread(target=self._pump, args=(stream, sink), daemon=True)
            t.start()
            self._threads.append(t)
        try:
            line = self.wait_for_log(lambda d: d.get("msg") == "listening", START_TIMEOUT)
            address = str(line.get("address", ""))
            host, _, port = address.rpartition(":")
            if host != HOST or not port.isdigit():
                raise AssertionError(f"listening line has a bad address: {line}")
            self.port = int(port)
        except BaseException:
            self.close()
            raise
        return self

    def _pump(self, stream, sink):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if sink is not None:
                with self._cond:
                    sink.append(line)
                continue
            try:
                parsed = json.loads(line)
                if not isinstance(parsed, dict):
                    parsed = {"raw": line}
            except ValueError:
                parsed = {"raw": line}
            with self._cond:
                self._lines.append((line, parsed))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig=signal.SIGTERM):
        if self.running():
            self.proc.send_signal(sig)

    def wait(self, timeout=STOP_TIMEOUT):
        """Waits for exit; returns the exit code. Kills the process and fails if it does not exit in time."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"recipe-rag did not exit within {timeout}s; log tail:\n{self.log_tail()}")

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        self.send_signal(sig)
        return self.wait(timeout)

    def close(self):
        """Always leaves the process dead and the reader threads finished."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for t in self._threads:
            t.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()

    # -- logs

    def logs(self):
        """Parsed stderr lines so far; non-JSON lines are {"raw": line}."""
        with self._cond:
            return [parsed for _, parsed in self._lines]

    def log_text(self):
        """Everything the process wrote so far (stderr and stdout) as one string."""
        with self._cond:
            return "\n".join([raw for raw, _ in self._lines] + self._stdout)

    def log_tail(self, n=40):
        with self._cond:
            return "\n".join(raw for raw, _ in self._lines[-n:])

    def mark(self):
        """The number of stderr lines so far, for wait_for_log(since=...)."""
        with self._cond:
            return len(self._lines)

    def wait_for_log(self, predicate, timeout, since=0):
        """First parsed log line (from line index `since` on) satisfying `predicate`, waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        seen = since
        with self._cond:
            while True:
                while seen < len(self._lines):
                    parsed = self._lines[seen][1]
                    seen += 1
                    if predicate(parsed):
                        return parsed
                remaining = deadline - time.monotonic()
                stream_done = self.proc.poll() is not None and not any(t.is_alive() for t in self._threads)
                if remaining <= 0 or stream_done:
                    raise AssertionError(
                        f"no matching log line within {timeout}s (exit code {self.proc.poll()}); "
                        f"log tail:\n{self.log_tail()}"
                    )
                self._cond.wait(min(remaining, 0.1))

    def access_log(self, request_id, timeout=5):
        """The access-log line(s) for `request_id`; waits until at least one is there."""
        is_access = lambda d: d.get("request_id") == request_id and "latency_us" in d
        self.wait_for_log(is_access, timeout)
        return [d for d in self.logs() if is_access(d)]

    # -- HTTP

    def connection(self, timeout=HTTP_TIMEOUT):
        return http.client.HTTPConnection(HOST, self.port, timeout=timeout)

    def request_on(self, conn, method, path, body=None, headers=None, token=_DEFAULT):
        """One request on an existing http.client connection.

        Content-Type defaults to application/json when there is a body; a header mapped to None is
        not sent. `token` adds "Authorization: Bearer <token>" unless None or headers set Authorization.
        """
        hdrs = {}
        if body is not None:
            hdrs["Content-Type"] = "application/json"
        if token is _DEFAULT:
            token = DEFAULT_TOKEN
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        for name, value in (headers or {}).items():
            for existing in [k for k in hdrs if k.lower() == name.lower()]:
                del hdrs[existing]
            if value is not None:
                hdrs[name] = value
        data = encode_body(body)
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        payload = resp.read()
        out_headers = {}
        for name, value in resp.getheaders():
            name = name.lower()
            out_headers[name] = f"{out_headers[name]}, {value}" if name in out_headers else value
        self.history.append((method, path, resp.status, payload))
        return resp.status, out_headers, payload

    def request(self, method, path, body=None, headers=None, token=_DEFAULT):
        """(status, headers with lower-case names, body bytes) on a fresh connection."""
        conn = self.connection()
        try:
            return self.request_on(conn, method, path, body=body, headers=headers, token=token)
        finally:
            conn.close()

    def json(self, method, path, obj=None, headers=None, token=_DEFAULT):
        """Like request(), with a JSON body; returns (status, headers, parsed JSON)."""
        status, hdrs, payload = self.request(method, path, body=obj, headers=headers, token=token)
        try:
            doc = json.loads(payload)
        except ValueError:
            raise AssertionError(f"{method} {path} -> {status}: body is not JSON: {payload[:500]!r}")
        return status, hdrs, doc

    def connect(self, timeout=HTTP_TIMEOUT):
        sock = socket.create_connection((HOST, self.port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def raw_exchange(self, data, read_timeout=5):
        """Sends raw bytes on a new socket, reads until close or timeout: (bytes, closed_by_server)."""
        with self.connect() as sock:
            sock.sendall(data)
            return recv_until_close(sock, read_timeout)

    def raw(self, data, read_timeout=5):
        return self.raw_exchange(data, read_timeout)[0]

    def raw_streaming(self, head, body, chunk=65536, read_timeout=HTTP_TIMEOUT):
        """Sends `head` then `body` in chunks while another thread reads the first response.

        For requests the server may reject before reading the whole body (413): the response is
        captured even if the server closes early and the remaining sends fail.
        """
        sock = self.connect()
        reader = ResponseReader(sock)
        result = {}

        def read():
            try:
                result["response"] = reader.read_response(read_timeout)
            except BaseException as e:  # reported below
                result["error"] = e

        t = threading.Thread(target=read, daemon=True)
        t.start()
        try:
            sock.sendall(head)
            for i in range(0, len(body), chunk):
                if "response" in result:
                    break
                sock.sendall(body[i : i + chunk])
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass  # the server stopped reading; its response is what matters
        t.join(read_timeout + 1)
        sock.close()
        if "response" not in result:
            raise AssertionError(f"no response to the streamed request: {result.get('error')!r}")
        return result["response"]

    def wait_ready(self, timeout=10):
        """Polls GET /readyz until 200. Fails with the last answer on timeout or if the process exits."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            if not self.running():
                raise AssertionError(f"recipe-rag exited ({self.proc.poll()}); log tail:\n{self.log_tail()}")
            try:
                status, _, body = self.request("GET", "/readyz", token=None)
                if status == 200:
                    return
                last = (status, body[:300])
            except (OSError, http.client.HTTPException) as e:
                last = repr(e)
            if time.monotonic() >= deadline:
                raise AssertionError(f"/readyz not 200 within {timeout}s; last answer: {last}")
            time.sleep(0.05)


class ServerCase(unittest.TestCase):
    """One ready server shared by all tests of the class; each test checks it is still alive."""

    server_env = None
    server_args = ()
    server = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server(extra_args=cls.server_args, env=cls.server_env).start()
        try:
            cls.server.wait_ready(10)
        except BaseException:
            sys.stderr.write(f"\n--- recipe-rag log tail ---\n{cls.server.log_tail()}\n")
            cls.server.close()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            cls.server.close()
        super().tearDownClass()

    def tearDown(self):
        if not self.server.running():
            self.fail(f"recipe-rag exited with code {self.server.proc.poll()}; log tail:\n{self.server.log_tail()}")


# --------------------------------------------------------------------------- assertions


def parse_json(tc, body, what="response"):
    try:
        return json.loads(body)
    except ValueError:
        tc.fail(f"{what} is not JSON: {body[:500]!r}")


def assert_json_content_type(tc, headers):
    ctype = headers.get("content-type", "")
    tc.assertTrue(
        ctype.lower().split(";")[0].strip() == "application/json",
        f"Content-Type is {ctype!r}, expected application/json",
    )


def assert_error(tc, resp, status, type=None, param=None, message_contains=()):
    """Checks a (status, headers, body) error answer: {"error":{"type","message","param"?}}.

    `message_contains` items are case-insensitive substrings or compiled regexes.
    Returns the "error" object.
    """
    st, headers, body = resp
    tc.assertEqual(st, status, f"expected HTTP {status}, got {st}: {body[:500]!r}")
    assert_json_content_type(tc, headers)
    doc = parse_json(tc, body, "error body")
    tc.assertIsInstance(doc, dict, f"error body is not an object: {doc!r}")
    tc.assertEqual(set(doc), {"trace_id", "error"}, f"error body keys: {doc!r}")
    tc.assertRegex(doc["trace_id"], r"^[0-9a-f]{32}$")
    err = doc["error"]
    tc.assertIsInstance(err, dict, f"error is not an object: {doc!r}")
    tc.assertLessEqual(set(err), {"type", "message", "param"}, f"unexpected error fields: {err!r}")
    tc.assertIsInstance(err.get("type"), str, f"error.type: {err!r}")
    tc.assertTrue(err["type"], f"error.type is empty: {err!r}")
    tc.assertIsInstance(err.get("message"), str, f"error.message: {err!r}")
    tc.assertTrue(err["message"].strip(), f"error.message is empty: {err!r}")
    if "param" in err:
        tc.assertIsInstance(err["param"], str, f"error.param: {err!r}")
    if type is not None:
        tc.assertEqual(err["type"], type, f"error: {err!r}")
    if param is not None:
        tc.assertEqual(err.get("param"), param, f"error: {err!r}")
    for expected in message_contains:
        if isinstance(expected, re.Pattern):
            tc.assertRegex(err["message"], expected)
        else:
            tc.assertIn(expected.lower(), err["message"].lower(), f"error: {err!r}")
    return err


def assert_scores(tc, recipes):
    """Scores are numbers in [0, 1] and non-increasing."""
    scores = [r.get("score") for r in recipes]
    for s in scores:
        tc.assertTrue(is_number(s), f"score {s!r} is not a number")
        tc.assertTrue(0.0 <= s <= 1.0, f"score {s!r} not in [0, 1]")
    tc.assertEqual(scores, sorted(scores, reverse=True), f"scores not non-increasing: {scores}")


def assert_tool_result(tc, resp, n=None):
    """Checks a 200 /v1/tools/call answer; returns the parsed body.

    The keys "trace_id", "recipes" and "generated_response", plus the generator's "prompt", "model" and
    "degraded" (and "degraded_reason" when degraded), nothing else; each recipe has id/title/score, the id is a
    corpus id and the title that record's title; ids unique; scores in [0,1], non-increasing.
    `n`: the exact number of recipes expected (None: any, up to 10).
    """
    st, headers, body = resp
    tc.assertEqual(st, 200, f"expected 200, got {st}: {body[:500]!r}")
    assert_json_content_type(tc, headers)
    doc = parse_json(tc, body)
    tc.assertIsInstance(doc, dict)
    keys = {"trace_id", "recipes", "generated_response", "prompt", "model", "degraded"}
    if doc.get("degraded"):
        keys.add("degraded_reason")
    tc.assertEqual(set(doc), keys, f"keys: {sorted(doc)}")
    tc.assertIsInstance(doc["degraded"], bool)
    recipes = doc["recipes"]
    tc.assertIsInstance(recipes, list)
    if n is None:
        tc.assertLessEqual(len(recipes), 10)
    else:
        tc.assertEqual(len(recipes), n, f"recipes: {recipes!r}")
    known = corpus()
    for r in recipes:
        tc.assertIsInstance(r, dict)
        tc.assertIsInstance(r.get("id"), str, f"recipe: {r!r}")
        tc.assertIsInstance(r.get("title"), str, f"recipe: {r!r}")
        tc.assertIn(r["id"], known, f"id {r['id']!r} is not a corpus id")
        tc.assertEqual(r["title"], known[r["id"]]["title"], f"title of {r['id']}")
    tc.assertEqual(len({r["id"] for r in recipes}), len(recipes), "duplicate ids in results")
    assert_scores(tc, recipes)
    tc.assertIsInstance(doc["generated_response"], str)
    tc.assertTrue(doc["generated_response"].strip(), "generated_response is empty")
    return doc


def assert_serving(tc, server):
    """The server still answers a known-good tool call."""
    assert_tool_result(tc, server.request("POST", "/v1/tools/call", GOOD_CALL))


def assert_no_leaks(tc, label, body, extra_paths=()):
    """No index/source path (nor `extra_paths`), no '/work/' and no stack-trace text in a response body."""
    text = body.decode("utf-8", errors="replace")
    paths = {"/work/"}
    for p in (index_path(), source_dir(), *extra_paths):
        paths.update({p, os.path.abspath(p), os.path.realpath(p)})
    for needle in sorted(paths) + list(TRACE_MARKERS):
        if needle and needle != "/":
            tc.assertNotIn(needle, text, f"{label}: response body reveals {needle!r}: {text[:500]!r}")
