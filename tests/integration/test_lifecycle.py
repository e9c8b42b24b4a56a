"""Process lifecycle: graceful drain, bad indexes, and the command-line interface."""

import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import GOOD_CALL, Server, assert_error, run_cli  # noqa: E402

RECORDS = 2640
DRAIN_MSG = re.compile(r"drain|shutdown", re.IGNORECASE)


class DrainTest(unittest.TestCase):
    def test_sigterm_graceful_drain(self):
        with Server() as server:
            server.wait_ready(10)
            listening = [d for d in server.logs() if d.get("msg") == "listening"]
            self.assertEqual(len(listening), 1, listening)
            idle = server.connection()  # an idle keep-alive connection must not hold up the exit
            try:
                status, _, _ = server.request_on(idle, "GET", "/healthz", token=None)
                self.assertEqual(status, 200)
                since = server.mark()
                sent = time.monotonic()
                server.send_signal(signal.SIGTERM)
                server.wait_for_log(lambda d: DRAIN_MSG.search(str(d.get("msg", ""))), 25, since=since)
                # Draining: not ready (503), or the listener is already closed.
                try:
                    status, _, body = server.request("GET", "/readyz", token=None)
                    self.assertEqual(status, 503, f"/readyz while draining: {status} {body[:300]!r}")
                except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
                    pass
                code = server.wait(max(0.1, 25 - (time.monotonic() - sent)))
                self.assertEqual(code, 0, f"exit code {code}; log tail:\n{server.log_tail()}")
            finally:
                idle.close()


class BadIndexTest(unittest.TestCase):
    def assert_not_ready(self, index, reason_word, env=None):
        """The server starts, /readyz says 503 with `reason_word`, the API says 503, /healthz says 200."""
        with Server(index=index, env=env) as server:
            deadline = time.monotonic() + 10
            while True:  # the index may be checked after the listener opens
                status, headers, body = server.request("GET", "/readyz", token=None)
                self.assertEqual(status, 503, f"/readyz with a bad index: {status} {body[:300]!r}")
                harness.assert_json_content_type(self, headers)
                reason = str(harness.parse_json(self, body).get("reason", ""))
                if reason_word in reason.lower():
                    break
                self.assertLess(time.monotonic(), deadline, f"/readyz reason never mentions {reason_word!r}: {reason!r}")
                time.sleep(0.05)
            status, headers, body = server.request("POST", "/v1/tools/call", GOOD_CALL)
            assert_error(self, (status, headers, body), 503)
            self.assertRegex(headers.get("retry-after", ""), r"^\d+$", headers)
            status, _, body = server.request("GET", "/healthz", token=None)
            self.assertEqual(status, 200, body)
            for method, path, status, payload in server.history:
                harness.assert_no_leaks(self, f"{method} {path} -> {status}", payload, extra_paths=[index])

    def test_corrupt_index(self):
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "index")
            shutil.copytree(harness.index_path(), copy)
            with open(os.path.join(copy, "manifest.json"), encoding="utf-8") as f:
                files = json.load(f)["files"]
            self.assertIsInstance(files, dict)
            self.assertTrue(files, "manifest lists no files")
            relative = next(iter(files))
            target = os.path.join(copy, relative)
            size = os.path.getsize(target)
            self.assertEqual(size, files[relative]["bytes"], relative)
            self.assertRegex(files[relative]["sha256"], r"^[0-9a-f]{64}$")
            self.assertGreater(size, 0, relative)
            with open(target, "r+b") as f:
                f.seek(size // 2)
                byte = f.read(1)
                f.seek(size // 2)
                f.write(bytes([byte[0] ^ 0xFF]))
            self.assert_not_ready(copy, "checksum")

    def test_index_of_another_embedder_dimension(self):
        # The index was built with 256 dimensions; query vectors of 128 would not compare.
        self.assert_not_ready(harness.index_path(), "embedder", env={"RECIPE_RAG__INDEX__EMBEDDING_DIM": "128"})

    def test_missing_index(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.assert_not_ready(os.path.join(tmp, "no-such-index"), "index")


class CliTest(unittest.TestCase):
    def output(self, proc):
        return proc.stdout + proc.stderr

    def test_index_info(self):
        proc = run_cli("index", "info", harness.index_path())
        self.assertEqual(proc.returncode, 0, self.output(proc))
        self.assertRegex(proc.stdout, rf"\b{RECORDS}\b")

    def test_version(self):
        proc = run_cli("--version")
        self.assertEqual(proc.returncode, 0, self.output(proc))
        self.assertRegex(self.output(proc), r"\d+\.\d+\.\d+")

    def test_unknown_subcommand(self):
        proc = run_cli("bogus-subcommand")
        self.assertEqual(proc.returncode, 2, self.output(proc))
        self.assertTrue(proc.stderr.strip(), "no message on stderr")

    def test_search_json(self):
        proc = run_cli("search", "tomato soup", "--index", harness.index_path(), "--top-k", "3", "--json")
        self.assertEqual(proc.returncode, 0, self.output(proc))
        doc = harness.parse_json(self, proc.stdout, "search --json output")
        recipes = doc if isinstance(doc, list) else doc.get("recipes")
        self.assertIsInstance(recipes, list, doc)
        self.assertEqual(len(recipes), 3, recipes)
        known = harness.corpus()
        for r in recipes:
            self.assertIn(r.get("id"), known, r)
        self.assertTrue(any("tomato" in known[r["id"]]["title"].lower() for r in recipes), recipes)

    def test_token_new(self):
        tokens = []
        for _ in range(2):
            proc = run_cli("token", "new")
            self.assertEqual(proc.returncode, 0, self.output(proc))
            hashes = set(h.lower() for h in re.findall(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])", proc.stdout))
            self.assertTrue(hashes, f"no sha256 hex in: {proc.stdout!r}")
            words = set()
            for piece in proc.stdout.split():
                words.add(piece)
                for sep in (":", "="):
                    words.add(piece.split(sep, 1)[-1].strip("\"',;{}[]"))
                words.update(re.split(r"[\"':,;={}\[\]]+", piece))
            token = [w for w in words if hashlib.sha256(w.encode()).hexdigest() in hashes]
            self.assertEqual(len(token), 1, f"no token whose sha256 is printed in: {proc.stdout!r}")
            tokens.append(token[0])
        self.assertNotEqual(tokens[0], tokens[1], "token new printed the same token twice")

    def test_config_check_hides_tokens(self):
        proc = run_cli("config", "check", "--config", harness.config_path(), env={"RECIPE_RAG_API_TOKENS": "supersecret123"})
        out = self.output(proc)
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn("server", out)
        self.assertNotIn("supersecret123", out)

    def test_config_unknown_key(self):
        with open(harness.config_path(), encoding="utf-8") as f:
            text = f.read()
        if re.search(r"^\[server\]\s*$", text, re.MULTILINE):
            text = re.sub(r"^\[server\]\s*$", "[server]\nbogus = 1", text, count=1, flags=re.MULTILINE)
        else:
            text += "\n[server]\nbogus = 1\n"
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "recipe-rag.toml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            proc = run_cli("config", "check", "--config", path)
        self.assertEqual(proc.returncode, 1, self.output(proc))
        self.assertIn("server.bogus", self.output(proc))


if __name__ == "__main__":
    unittest.main()
