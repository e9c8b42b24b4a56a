#!/usr/bin/env python3
"""A fake OpenAI upstream for tests and benchmarks (Python 3.11 standard library only).

It speaks OpenAI's HTTP API as the official clients expect it — `POST /v1/chat/completions`
(JSON, or server-sent events with "stream": true, including `stream_options.include_usage`),
`POST /v1/embeddings`, `GET /v1/models`, errors in OpenAI's shape — and can replay the
recorded real streams of tests/data/openai-chat-sse byte for byte. The official `openai` npm
client checks it (tests/js/fake_openai_check.mjs).

What a call gets is scripted: each chat or embeddings call takes the next step of the script
(`FakeOpenAI.script(...)`), or the default reply when the script is empty. A step is a dict:

  {"reply": "text"}                       an answer; streamed word by word when asked to stream
  {"tool_calls": [{"name": n, "arguments": "{...}"}]}
                                          tool calls (finish_reason "tool_calls"); streamed
                                          arguments arrive in pieces, calls interleaved
  {"replay": "<file>.bin"}                the recorded stream, as it is (stream requests)
  {"status": 429, "retry_after_ms": 20}   an error (429, 500, 503, …) in OpenAI's shape, with
                                          `retry-after-ms` / `retry-after` headers when given
and, combined with any of those:
  "delay": seconds                        before the response starts (or, with "hang": true,
                                          never: the connection is held until the fake stops)
  "chunk_delay": seconds                  between stream chunks
  "reset_after": n                        close the connection abruptly after n chunks

Every request is recorded (`requests`: method, path, headers, parsed body); `aborted_streams`
counts streams whose client went away before the end.

    python3 tests/support/fake_openai.py [--port 0] [--key sk-test]   prints {"url": ...}
"""

import argparse
import base64
import json
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
STREAMS = os.path.join(HERE, "..", "data", "openai-chat-sse")
MODEL = "gpt-4o-mini"


def _error_body(status, message):
    kinds = {400: "invalid_request_error", 401: "invalid_request_error",
             404: "invalid_request_error", 429: "rate_limit_exceeded"}
    codes = {401: "invalid_api_key", 429: "rate_limit_exceeded"}
    return {"error": {"message": message, "type": kinds.get(status, "server_error"),
                      "param": None, "code": codes.get(status)}}


class FakeOpenAI:
    """Starts on 127.0.0.1 on a free port (or `port`) in a background thread."""

    def __init__(self, key="sk-test", port=0, default_reply="Boil the eggs [farmer-0001]."):
        self.key = key
        self.default_reply = default_reply
        self.requests = []
        self.aborted_streams = 0
        self._connections = set()  # open client connections, closed by stop()
        self._steps = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._counter = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def setup(self):
                super().setup()
                with fake._lock:
                    fake._connections.add(self.connection)

            def finish(self):
                with fake._lock:
                    fake._connections.discard(self.connection)
                super().finish()

            def do_GET(self):
                fake._handle(self, None)

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                fake._handle(self, self.rfile.read(length))

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # resets are on purpose
                pass

        self._server = Server(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/v1" % self._server.server_address[1]

    def script(self, *steps):
        with self._lock:
            self._steps.extend(steps)

    def stop(self):
        """Stops listening and drops every open connection, kept-alive ones too: a stopped
        fake is a dead upstream."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for c in connections:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------------ requests

    def _next_step(self):
        with self._lock:
            self._counter += 1
            return self._steps.pop(0) if self._steps else {"reply": self.default_reply}

    def _handle(self, h, raw):
        path = h.path.split("?", 1)[0]
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            self.requests.append({"method": h.command, "path": path,
                                  "headers": {k.lower(): v for k, v in h.headers.items()},
                                  "body": body})
        if h.headers.get("authorization") != "Bearer " + self.key:
            return self._json(h, 401, _error_body(401, "Incorrect API key provided."))
        if h.command == "GET" and path == "/v1/models":
            return self._json(h, 200, {"object": "list", "data": [
                {"id": MODEL, "object": "model", "created": 1700000000, "owned_by": "fake"}]})
        if h.command != "POST" or path not in ("/v1/chat/completions", "/v1/embeddings"):
            return self._json(h, 404, _error_body(404, "Unknown request URL: %s" % path))
        if not isinstance(body, dict):
            return self._json(h, 400, _error_body(400, "We could not parse the JSON body."))
        step = self._next_step()
        if step.get("hang"):
            self._stopping.wait()
            return self._reset(h)
        if step.get("delay"):
            time.sleep(step["delay"])
        if "status" in step:
            headers = {}
            if "retry_after_ms" in step:
                headers["retry-after-ms"] = str(step["retry_after_ms"])
            if "retry_after" in step:
                headers["retry-after"] = str(step["retry_after"])
            return self._json(h, step["status"], _error_body(step["status"], "Scripted failure."),
                              headers)
        if path == "/v1/embeddings":
            return self._embeddings(h, body)
        if body.get("stream"):
            return self._stream(h, body, step)
        return self._json(h, 200, self._completion(body, step))

    # ------------------------------------------------------------------ responses

    def _json(self, h, status, obj, headers=None):
        data = json.dumps(obj).encode()
        h.send_response(status)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(len(data)))
        h.send_header("x-request-id", "req_fake_%d" % self._counter)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    @staticmethod
    def _reset(h):
        # SO_LINGER 0: close sends a TCP reset, as a dropped upstream does.
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True
        h.connection.close()

    def _usage(self, body, text):
        prompt = sum(len(str(m.get("content") or "").split()) for m in body.get("messages") or [])
        completion = max(1, len(text.split()))
        return {"prompt_tokens": prompt, "completion_tokens": completion,
                "total_tokens": prompt + completion}

    def _head(self, body):
        return {"id": "chatcmpl-fake%d" % self._counter, "created": int(time.time()),
                "model": body.get("model") or MODEL, "system_fingerprint": "fp_fake"}

    def _completion(self, body, step):
        calls = step.get("tool_calls")
        message = {"role": "assistant", "content": None if calls else step.get("reply", ""),
                   "refusal": None}
        if calls:
            message["tool_calls"] = [
                {"id": "call_fake%d" % i, "type": "function",
                 "function": {"name": c["name"], "arguments": c["arguments"]}}
                for i, c in enumerate(calls)]
        text = step.get("reply", "") or "".join(c["arguments"] for c in calls or [])
        return dict(self._head(body), object="chat.completion", choices=[
            {"index": 0, "message": message, "logprobs": None,
             "finish_reason": "tool_calls" if calls else "stop"}],
            usage=self._usage(body, text))

    def _chunks(self, body, step):
        head = dict(self._head(body), object="chat.completion.chunk")

        def chunk(delta, finish=None):
            return dict(head, choices=[{"index": 0, "delta": delta, "logprobs": None,
                                        "finish_reason": finish}])

        calls = step.get("tool_calls")
        if calls:
            yield chunk({"role": "assistant", "content": None, "refusal": None})
            for i, c in enumerate(calls):
                yield chunk({"tool_calls": [{"index": i, "id": "call_fake%d" % i,
                                             "type": "function",
                                             "function": {"name": c["name"], "arguments": ""}}]})
            # Arguments in pieces of 4 characters, the calls' pieces interleaved.
            pieces = [[c["arguments"][k:k + 4] for k in range(0, len(c["arguments"]), 4)]
                      for c in calls]
            for k in range(max((len(p) for p in pieces), default=0)):
                for i, p in enumerate(pieces):
                    if k < len(p):
                        yield chunk({"tool_calls": [{"index": i,
                                                     "function": {"arguments": p[k]}}]})
            yield chunk({}, "tool_calls")
            text = "".join(c["arguments"] for c in calls)
        else:
            text = step.get("reply", "")
            yield chunk({"role": "assistant", "content": "", "refusal": None})
            words = text.split(" ")
            for i, w in enumerate(words):
                yield chunk({"content": w if i == 0 else " " + w})
            yield chunk({}, "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            yield dict(head, choices=[], usage=self._usage(body, text))

    def _stream(self, h, body, step):
        h.send_response(200)
        h.send_header("content-type", "text/event-stream; charset=utf-8")
        h.send_header("cache-control", "no-cache")
        h.send_header("x-request-id", "req_fake_%d" % self._counter)
        h.send_header("connection", "close")
        h.end_headers()
        h.close_connection = True
        if "replay" in step:
            with open(os.path.join(STREAMS, os.path.basename(step["replay"])), "rb") as f:
                events = [e + b"\n\n" for e in f.read().split(b"\n\n") if e.strip()]
        else:
            events = [b"data: " + json.dumps(c).encode() + b"\n\n"
                      for c in self._chunks(body, step)] + [b"data: [DONE]\n\n"]
        for n, event in enumerate(events):
            if "reset_after" in step and n >= step["reset_after"]:
                return self._reset(h)
            if n and step.get("chunk_delay"):
                time.sleep(step["chunk_delay"])
            try:
                h.wfile.write(event)
                h.wfile.flush()
            except OSError:
                with self._lock:
                    self.aborted_streams += 1
                return None  # the client went away
        return None

    def _embeddings(self, h, body):
        inputs = body.get("input")
        inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
        dim = int(body.get("dimensions") or 8)
        data = []
        for i, text in enumerate(inputs):
            # A deterministic unit vector per text.
            seed = sum(ord(ch) * (k + 1) for k, ch in enumerate(str(text))) or 1
            raw = [((seed * (j + 7)) % 97) - 48 for j in range(dim)]
            norm = sum(x * x for x in raw) ** 0.5 or 1.0
            vector = [x / norm for x in raw]
            if body.get("encoding_format") == "base64":  # little-endian float32, as OpenAI sends
                vector = base64.b64encode(struct.pack("<%df" % dim, *vector)).decode()
            data.append({"object": "embedding", "index": i, "embedding": vector})
        tokens = sum(len(str(t).split()) for t in inputs)
        return self._json(h, 200, {"object": "list", "data": data,
                                   "model": body.get("model") or "text-embedding-3-small",
                                   "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--key", default="sk-test")
    args = parser.parse_args()
    fake = FakeOpenAI(key=args.key, port=args.port)
    print(json.dumps({"url": fake.url}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    sys.exit(main())
