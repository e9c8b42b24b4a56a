"""The fake OpenAI upstream (tests/support/fake_openai.py) against the official `openai` npm
client (tests/js, installed by scripts/setup): what the fake serves must read, through
OpenAI's own client, as OpenAI's API — completions, streams, parallel tool calls, the
recorded real streams, errors and retries. The LLM gateway's tests rely on the fake for that.

Components: the fake runs in this process on a loopback port; each case runs
`node tests/js/openai_client.mjs` against it as a child process.
"""

import json
import os
import subprocess
import sys
import unittest

ROOT = os.environ.get("RECIPE_RAG_SOURCE_DIR",
                      os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))

from fake_openai import FakeOpenAI  # noqa: E402

CLIENT = os.path.join(ROOT, "tests", "js", "openai_client.mjs")
STREAMS = os.path.join(ROOT, "tests", "data", "openai-chat-sse")
KEY = "sk-fake-test"


class FakeOpenAITest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.isdir(os.path.join(ROOT, "tests", "js", "node_modules", "openai")),
                        "the openai npm client is missing: run scripts/setup")
        self.fake = FakeOpenAI(key=KEY)
        self.addCleanup(self.fake.stop)

    def client(self, case, key=KEY):
        done = subprocess.run(["node", CLIENT, case, self.fake.url, key], capture_output=True,
                              text=True, timeout=60, check=False)
        self.assertTrue(done.stdout.strip(), "no output; stderr: " + done.stderr[-2000:])
        result = json.loads(done.stdout.strip().splitlines()[-1])
        self.assertEqual(done.returncode, 0, "case %s: %s" % (case, result))
        return result

    def test_completion(self):
        r = self.client("complete")
        self.assertTrue(r["ok"])
        self.assertEqual(r["choices"][0]["content"], self.fake.default_reply)
        self.assertEqual(r["choices"][0]["finish_reason"], "stop")
        self.assertEqual(r["usage"]["total_tokens"],
                         r["usage"]["prompt_tokens"] + r["usage"]["completion_tokens"])
        request = self.fake.requests[-1]
        self.assertEqual(request["path"], "/v1/chat/completions")
        self.assertEqual(request["headers"]["authorization"], "Bearer " + KEY)
        self.assertEqual(request["body"]["messages"][1]["content"], "How do I boil an egg?")

    def test_completion_with_tool_calls(self):
        self.fake.script({"tool_calls": [{"name": "search_corpus",
                                          "arguments": '{"query": "boiled eggs"}'}]})
        r = self.client("complete")
        choice = r["choices"][0]
        self.assertEqual(choice["finish_reason"], "tool_calls")
        self.assertIsNone(choice["content"])
        self.assertEqual([(t["name"], t["arguments"]) for t in choice["tool_calls"]],
                         [("search_corpus", '{"query": "boiled eggs"}')])

    def test_stream(self):
        text = "Boil the eggs for ten minutes [farmer-0001]."
        self.fake.script({"reply": text, "chunk_delay": 0.005})
        r = self.client("stream")
        self.assertEqual(r["choices"][0]["content"], text)
        self.assertEqual(r["choices"][0]["finish_reason"], "stop")
        self.assertEqual(r["chunks"], len(text.split(" ")) + 3)  # role, words, finish, usage
        self.assertIsNotNone(r["usage"])
        self.assertEqual(self.fake.requests[-1]["body"]["stream_options"], {"include_usage": True})

    def test_stream_with_parallel_tool_calls(self):
        calls = [{"name": "search_corpus", "arguments": '{"query": "pea soup"}'},
                 {"name": "search_corpus", "arguments": '{"query": "brown bread", "top_k": 2}'}]
        self.fake.script({"tool_calls": calls})
        r = self.client("stream")
        choice = r["choices"][0]
        self.assertEqual(choice["finish_reason"], "tool_calls")
        self.assertEqual([{"name": t["name"], "arguments": t["arguments"]}
                          for t in choice["tool_calls"]], calls)
        self.assertEqual([t["id"] for t in choice["tool_calls"]], ["call_fake0", "call_fake1"])

    def test_recorded_streams_replay_as_recorded(self):
        with open(os.path.join(STREAMS, "expected.json"), encoding="utf-8") as f:
            expected = json.load(f)
        for name, want in sorted(expected.items()):
            with self.subTest(stream=name):
                self.fake.script({"replay": name})
                r = self.client("stream")
                self.assertEqual(r["chunks"], want["chunks"])
                self.assertEqual({k: r["usage"][k] for k in want["usage"]}, want["usage"])
                self.assertEqual(len(r["choices"]), len(want["choices"]))
                for got, w in zip(r["choices"], want["choices"]):
                    self.assertEqual(got["content"] or "", w["content"])
                    self.assertEqual(got["finish_reason"], w["finish_reason"])
                    self.assertEqual([{k: t[k] for k in ("id", "name", "arguments")}
                                      for t in got["tool_calls"]], w["tool_calls"])

    def test_the_client_retries_a_429_after_the_servers_hint(self):
        self.fake.script({"status": 429, "retry_after_ms": 20}, {"reply": "after a wait"})
        r = self.client("retry")
        self.assertEqual(r["choices"][0]["content"], "after a wait")
        self.assertEqual(len(self.fake.requests), 2)

    def test_errors_reach_the_client_in_openais_shape(self):
        self.fake.script({"status": 500})
        r = self.client("error")
        self.assertEqual((r["status"], r["type"]), (500, "server_error"))
        self.fake.script({"status": 429, "retry_after": 1})
        r = self.client("error")
        self.assertEqual((r["status"], r["code"]), (429, "rate_limit_exceeded"))
        r = self.client("error", key="sk-wrong")
        self.assertEqual((r["status"], r["code"]), (401, "invalid_api_key"))

    def test_a_stream_cut_mid_way_is_an_error_for_the_client(self):
        self.fake.script({"reply": "one two three four five six", "reset_after": 3})
        r = self.client("stream_error")
        self.assertFalse(r["ok"])
        self.assertIsNone(r["status"])  # the connection broke: no HTTP error status

    def test_models_and_embeddings(self):
        self.assertEqual(self.client("models")["ids"], ["gpt-4o-mini"])
        r = self.client("embeddings")
        self.assertEqual((r["count"], r["dims"]), (2, [8, 8]))
        self.assertEqual(self.fake.requests[-1]["body"]["input"], ["tomato soup", "apple pie"])


if __name__ == "__main__":
    unittest.main()
