"""The LLM gateway end to end: the real binary generating through a fake OpenAI upstream.

Components: the fake upstream (tests/support/fake_openai.py) runs in this process on a loopback
port; recipe-rag serves with `llm.provider = "openai"` pointed at it (environment overrides);
the official `openai` npm client (tests/js/openai_client.mjs, run with node) talks to the
service's /v1/chat/completions.
"""

import json
import os
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

sys.path.insert(0, os.path.join(harness.source_dir(), "tests", "support"))
from fake_openai import FakeOpenAI  # noqa: E402

CLIENT = os.path.join(harness.source_dir(), "tests", "js", "openai_client.mjs")
KEY = "sk-upstream-secret-123"
QUESTION = {"question": "tomato soup", "top_k": 3}


def llm_env(fake_url, **overrides):
    env = {
        "RECIPE_RAG__LLM__PROVIDER": "openai",
        "RECIPE_RAG__LLM__BASE_URL": fake_url,
        "OPENAI_API_KEY": KEY,
        "RECIPE_RAG__LLM__MODEL": "gpt-4o-mini",
        "RECIPE_RAG__LLM__FALLBACK_MODEL": "gpt-4o",
        "RECIPE_RAG__LLM__RETRY_BASE_DELAY_MS": "5",
        "RECIPE_RAG__LLM__RETRY_MAX_DELAY_MS": "20",
        "RECIPE_RAG__LLM__FIRST_BYTE_TIMEOUT_MS": "1500",
        "RECIPE_RAG__LLM__CHUNK_TIMEOUT_MS": "1500",
        "RECIPE_RAG__LLM__CONNECT_TIMEOUT_MS": "1000",
        "RECIPE_RAG__LLM__BREAKER_FAILURES": "4",
        "RECIPE_RAG__LLM__BREAKER_OPEN_MS": "400",
        "RECIPE_RAG__LLM__MODELS": '{ "chef" = "gpt-4o" }',
    }
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def sse_events(body):
    """[(event, data)] of a text/event-stream body."""
    events = []
    for block in body.decode().split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        if data:
            events.append((name, "\n".join(data)))
    return events


class GatewayCase(unittest.TestCase):
    """A fake upstream and a service pointed at it, per test class."""

    env_overrides = {}

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeOpenAI(key=KEY)
        cls.server = harness.Server(env=llm_env(cls.fake.url, **cls.env_overrides)).start()
        cls.server.wait_ready(10)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.fake.stop()

    def setUp(self):
        with self.fake._lock:
            self.fake._steps.clear()
        self.mark = len(self.fake.requests)

    def tearDown(self):
        self.assertTrue(self.server.running(), self.server.log_tail())

    def upstream_requests(self):
        return self.fake.requests[self.mark:]

    def answer(self, body=QUESTION):
        status, headers, raw = self.server.request("POST", "/v1/answer", body)
        return status, json.loads(raw)

    def node(self, case, *extra, key=harness.DEFAULT_TOKEN):
        done = subprocess.run(["node", CLIENT, case, f"http://{harness.HOST}:{self.server.port}/v1",
                               key, *extra], capture_output=True, text=True, timeout=60,
                              check=False)
        self.assertTrue(done.stdout.strip(), "no output; stderr: " + done.stderr[-2000:])
        return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


class AnswerTest(GatewayCase):
    def test_answer_is_generated_from_the_retrieved_recipes(self):
        self.fake.default_reply = "Make Tomato Soup [x]."
        status, out = self.answer()
        self.assertEqual(status, 200, out)
        self.assertEqual(out["answer"], "Make Tomato Soup [x].")
        self.assertEqual(out["prompt"], "grounded-answer@1")
        self.assertFalse(out["degraded"])
        self.assertEqual(len(out["recipes"]), 3)
        self.assertGreater(out["usage"]["total_tokens"], 0)
        sent = self.upstream_requests()[-1]
        self.assertEqual(sent["headers"]["authorization"], "Bearer " + KEY)
        self.assertTrue(sent["body"]["stream"])
        self.assertEqual(sent["body"]["model"], "gpt-4o-mini")
        prompt = sent["body"]["messages"][1]["content"]
        for recipe in out["recipes"]:  # grounding: every retrieved recipe is in the prompt
            self.assertIn("[%s] %s" % (recipe["id"], recipe["title"]), prompt)
        self.assertIn("cite its id", sent["body"]["messages"][0]["content"])
        line = self.server.wait_for_log(lambda d: d.get("msg") == "generation", 5)
        self.assertEqual(line["prompt"], "grounded-answer@1")

    def test_streamed_answer_sends_retrieval_deltas_and_done(self):
        self.fake.script({"reply": "one two three four"})
        status, headers, raw = self.server.request("POST", "/v1/answer", dict(QUESTION, stream=True))
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/event-stream"))
        events = sse_events(raw)
        self.assertEqual(events[0][0], "retrieval")
        self.assertEqual(len(json.loads(events[0][1])["recipes"]), 3)
        deltas = [json.loads(d)["text"] for e, d in events if e == "delta"]
        self.assertEqual("".join(deltas), "one two three four")
        self.assertGreater(len(deltas), 1)
        self.assertEqual(events[-1][0], "done")
        done = json.loads(events[-1][1])
        self.assertFalse(done["degraded"])
        self.assertEqual(done["prompt"], "grounded-answer@1")

    def test_retries_a_429_and_a_500_then_answers(self):
        self.fake.script({"status": 429, "retry_after_ms": 10}, {"status": 500},
                         {"reply": "third time"})
        status, out = self.answer()
        self.assertEqual((status, out["answer"], out["degraded"]), (200, "third time", False))
        self.assertEqual(len(self.upstream_requests()), 3)

    def test_falls_back_to_the_secondary_model(self):
        self.fake.script({"status": 503}, {"status": 503}, {"status": 503}, {"reply": "from gpt-4o"})
        status, out = self.answer()
        self.assertEqual(status, 200)
        self.assertEqual(out["answer"], "from gpt-4o")
        self.assertTrue(out["degraded"])
        self.assertIn("gpt-4o-mini", out["degraded_reason"])
        self.assertEqual([r["body"]["model"] for r in self.upstream_requests()],
                         ["gpt-4o-mini"] * 3 + ["gpt-4o"])

    def test_tools_call_uses_the_llm(self):
        self.fake.script({"reply": "Try the soup."})
        status, headers, raw = self.server.request("POST", "/v1/tools/call", {
            "function": "search_corpus", "arguments": {"query": "tomato soup", "top_k": 2}})
        out = json.loads(raw)
        self.assertEqual(status, 200, out)
        self.assertEqual(out["generated_response"], "Try the soup.")
        self.assertEqual(out["prompt"], "grounded-answer@1")
        self.assertEqual(len(out["recipes"]), 2)

    def test_client_disconnect_cancels_the_upstream_stream(self):
        self.fake.script({"reply": " ".join(["word"] * 200), "chunk_delay": 0.02})
        before = self.fake.aborted_streams
        sock = socket.create_connection((harness.HOST, self.server.port))
        body = json.dumps(dict(QUESTION, stream=True)).encode()
        sock.sendall(b"POST /v1/answer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + harness.DEFAULT_TOKEN.encode() +
                     b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        seen = b""
        while b"event: delta" not in seen:
            seen += sock.recv(65536)
        sock.close()
        deadline = time.time() + 5
        while self.fake.aborted_streams == before and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.fake.aborted_streams, before + 1,
                         "the upstream stream ran on after the client left")

    def test_bad_requests_get_clear_errors(self):
        for body, param in (({}, "question"), ({"question": ""}, "question"),
                            ({"question": "x", "stream": "yes"}, "stream"),
                            ({"question": "x", "top_k": 11}, "top_k"),
                            ({"question": "x", "extra": 1}, "extra")):
            status, headers, raw = self.server.request("POST", "/v1/answer", body)
            self.assertEqual(status, 422, (body, raw))
            self.assertEqual(json.loads(raw)["error"]["param"], param, raw)
        self.assertEqual(self.upstream_requests(), [])


class BrokenStreamTest(GatewayCase):
    """Upstream connections that break (its own server: it opens the breaker)."""

    def test_a_stream_broken_before_any_text_is_retried(self):
        self.fake.script({"reply": "a b c", "reset_after": 0}, {"reply": "second try"})
        status, out = self.answer()
        self.assertEqual((status, out["answer"], out["degraded"]), (200, "second try", False))
        self.assertEqual(len(self.upstream_requests()), 2)

    def test_streamed_answer_broken_mid_text_ends_degraded(self):
        self.fake.script({"reply": "one two three four five", "reset_after": 3})
        status, headers, raw = self.server.request("POST", "/v1/answer", dict(QUESTION, stream=True))
        self.assertEqual(status, 200)
        events = sse_events(raw)
        text = "".join(json.loads(d)["text"] for e, d in events if e == "delta")
        self.assertEqual(text, "one two")
        done = json.loads(events[-1][1])
        self.assertEqual(events[-1][0], "done")
        self.assertTrue(done["degraded"])
        self.assertIn("mid-answer", done["degraded_reason"])

    def test_streams_that_keep_breaking_fall_back_to_extractive(self):
        self.fake.script(*[{"reply": "a b c", "reset_after": 0}] * 6)
        status, out = self.answer()
        self.assertEqual(status, 200)
        self.assertTrue(out["degraded"])
        self.assertEqual(out["model"], "extractive")
        self.assertTrue(out["answer"])


class UpstreamDownTest(GatewayCase):
    """The upstream killed: answers stay 200 and degraded; the breaker opens, half-opens and
    recovers when the upstream returns."""

    def test_upstream_killed_then_back(self):
        port = int(self.fake.url.split(":")[2].split("/")[0])
        self.fake.stop()
        for path, body in (("/v1/answer", QUESTION),
                           ("/v1/tools/call", harness.GOOD_CALL)) * 4:
            status, headers, raw = self.server.request("POST", path, body)
            out = json.loads(raw)
            self.assertEqual(status, 200, raw)
            self.assertTrue(out["degraded"], out)
            self.assertIn("upstream", out["degraded_reason"])
        metrics = self.server.request("GET", "/metrics", token=None)[2].decode()
        self.assertIn('recipe_rag_llm_breaker_state{provider="openai"} 2', metrics)
        self.assertIn('recipe_rag_llm_fallbacks_total{from="gpt-4o-mini",to="gpt-4o"}', metrics)
        self.assertIn('recipe_rag_llm_retries_total{provider="openai",reason="connection"}',
                      metrics)
        # The upstream returns on the same port; after open_for the breaker lets a probe through.
        type(self).fake = FakeOpenAI(key=KEY, port=port, default_reply="back again")
        time.sleep(0.5)
        status, out = self.answer()
        self.assertEqual((status, out["answer"], out["degraded"]), (200, "back again", False))
        metrics = self.server.request("GET", "/metrics", token=None)[2].decode()
        self.assertIn('recipe_rag_llm_breaker_state{provider="openai"} 0', metrics)
        self.assertIn('recipe_rag_llm_breaker_transitions_total{provider="openai",to="half_open"}',
                      metrics)
        logs = self.server.log_text()
        self.assertNotIn(KEY, logs)


class ChatCompletionsTest(GatewayCase):
    def test_official_client_with_the_service_tool_loop(self):
        self.fake.script({"tool_calls": [{"name": "search_corpus",
                                          "arguments": '{"query": "tomato soup", "top_k": 2}'}]},
                         {"reply": "Tomato soup it is."})
        code, r = self.node("complete", "notools")
        self.assertEqual(code, 0, r)
        self.assertEqual(r["choices"][0]["content"], "Tomato soup it is.")
        self.assertEqual(r["choices"][0]["finish_reason"], "stop")
        sent = self.upstream_requests()
        self.assertEqual(len(sent), 2)
        self.assertEqual(sent[0]["body"]["tools"][0]["function"]["name"], "search_corpus")
        tool_message = sent[1]["body"]["messages"][-1]
        self.assertEqual(tool_message["role"], "tool")
        self.assertEqual(tool_message["tool_call_id"], "call_fake0")
        self.assertEqual(len(json.loads(tool_message["content"])["recipes"]), 2)
        self.assertEqual(r["usage"]["total_tokens"],
                         r["usage"]["prompt_tokens"] + r["usage"]["completion_tokens"])

    def test_official_client_streams_through_the_tool_loop(self):
        self.fake.script({"tool_calls": [{"name": "search_corpus",
                                          "arguments": '{"query": "apple pie"}'}]},
                         {"reply": "Bake the apple pie slowly."})
        code, r = self.node("stream", "notools")
        self.assertEqual(code, 0, r)
        self.assertEqual(r["choices"][0]["content"], "Bake the apple pie slowly.")
        self.assertGreater(r["chunks"], 3)
        self.assertGreater(r["usage"]["total_tokens"], 0)

    def test_tool_rounds_are_bounded(self):
        call = {"tool_calls": [{"name": "search_corpus", "arguments": '{"query": "pie"}'}]}
        self.fake.script(call, call, call, {"reply": "done"})
        code, r = self.node("complete", "notools")
        self.assertEqual((code, r["choices"][0]["content"]), (0, "done"))
        sent = self.upstream_requests()
        self.assertEqual(len(sent), 4)
        self.assertEqual(sent[-1]["body"]["tool_choice"], "none")

    def test_client_tools_pass_through(self):
        self.fake.script({"tool_calls": [{"name": "search_corpus",
                                          "arguments": '{"query": "boiled eggs"}'}]})
        code, r = self.node("complete")
        self.assertEqual(code, 0, r)
        self.assertEqual(r["choices"][0]["finish_reason"], "tool_calls")
        self.assertEqual(r["choices"][0]["tool_calls"][0]["arguments"], '{"query": "boiled eggs"}')
        self.assertEqual(self.upstream_requests()[-1]["body"]["tools"][0]["function"]["description"],
                         "Search the recipes")

    def test_recorded_streams_pass_through_unchanged(self):
        streams = os.path.join(harness.source_dir(), "tests", "data", "openai-chat-sse")
        with open(os.path.join(streams, "expected.json"), encoding="utf-8") as f:
            expected = json.load(f)
        for name, want in sorted(expected.items()):
            with self.subTest(stream=name):
                self.fake.script({"replay": name})
                code, r = self.node("stream")
                self.assertEqual(code, 0, r)
                self.assertEqual(r["chunks"], want["chunks"])
                self.assertEqual({k: r["usage"][k] for k in want["usage"]}, want["usage"])
                for got, w in zip(r["choices"], want["choices"]):
                    self.assertEqual(got["content"] or "", w["content"])
                    self.assertEqual(got["finish_reason"], w["finish_reason"])
                    self.assertEqual([{k: t[k] for k in ("id", "name", "arguments")}
                                      for t in got["tool_calls"]], w["tool_calls"])

    def test_unauthenticated_is_401_in_openai_shape(self):
        code, r = self.node("error", key="wrong-token")
        self.assertEqual(code, 0, r)
        self.assertEqual(r["status"], 401)
        self.assertEqual(self.upstream_requests(), [])

    def test_upstream_429_surfaces_after_retries(self):
        self.fake.script(*[{"status": 429, "retry_after_ms": 5}] * 3)
        code, r = self.node("error", "notools")
        self.assertEqual(code, 0, r)
        self.assertEqual((r["status"], r["code"]), (429, "rate_limit_exceeded"))
        self.assertEqual(len(self.upstream_requests()), 3)

    def test_upstream_500_surfaces_after_retries(self):
        self.fake.script(*[{"status": 500}] * 3)
        code, r = self.node("error")
        self.assertEqual(code, 0, r)
        self.assertGreaterEqual(r["status"], 500)
        self.assertEqual(len(self.upstream_requests()), 3)

    def test_unknown_model_is_404(self):
        status, headers, raw = self.server.request("POST", "/v1/chat/completions", {
            "model": "gpt-nope", "messages": [{"role": "user", "content": "hi"}]})
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(raw)["error"]["code"], "model_not_found")

    def test_pass_through_relays_rate_limit_headers(self):
        self.fake.script(*[{"status": 429, "retry_after_ms": 5}] * 3)
        status, headers, raw = self.server.request("POST", "/v1/chat/completions", {
            "model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]})
        self.assertEqual(status, 429, raw)
        self.assertEqual(headers.get("retry-after-ms"), "5")
        self.assertTrue(headers.get("x-upstream-request-id", "").startswith("req_fake_"))
        self.assertNotEqual(headers.get("x-request-id"), headers.get("x-upstream-request-id"))

    def test_model_names_map_to_upstream_models(self):
        self.fake.script({"reply": "mapped"})
        status, headers, raw = self.server.request("POST", "/v1/chat/completions", {
            "model": "chef", "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]})
        self.assertEqual(status, 200, raw)
        self.assertEqual(self.upstream_requests()[-1]["body"]["model"], "gpt-4o")

    def test_bad_bodies(self):
        for body in ({}, {"model": "gpt-4o-mini"}, {"model": "gpt-4o-mini", "messages": []},
                     {"model": "gpt-4o-mini", "messages": [{"content": "no role"}]},
                     {"model": 3, "messages": [{"role": "user", "content": "x"}]},
                     {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}],
                      "stream": "yes"}):
            status, headers, raw = self.server.request("POST", "/v1/chat/completions", body)
            self.assertEqual(status, 400, (body, raw))
            error = json.loads(raw)["error"]
            self.assertEqual(set(error), {"message", "type", "param", "code"})
        self.assertEqual(self.upstream_requests(), [])


class OpenAiEmbeddingsTest(unittest.TestCase):
    """An index whose vectors come from the embeddings API: built through it, and searched with
    query vectors from it (the fake's vectors are deterministic, not meaningful)."""

    def test_index_built_and_searched_with_openai_embeddings(self):
        import tempfile
        fake = FakeOpenAI(key=KEY)
        self.addCleanup(fake.stop)
        out = tempfile.mkdtemp(prefix="rr-openai-index-")
        env = {"RECIPE_RAG__INDEX__EMBEDDER": "openai", "RECIPE_RAG__INDEX__EMBEDDING_DIM": "16",
               "RECIPE_RAG__LLM__BASE_URL": fake.url, "OPENAI_API_KEY": KEY}
        root = harness.source_dir()
        done = harness.run_cli("index", "build", "--corpus",
                               os.path.join(root, "data", "recipes", "recipe_data.json"),
                               "--lexicon", os.path.join(root, "data", "lexicon", "lexicon.tsv"),
                               "--out", out, env=env, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        calls = [r for r in fake.requests if r["path"] == "/v1/embeddings"]
        self.assertEqual(len(calls), 11)  # 2,640 recipes in batches of 256
        self.assertEqual(calls[0]["body"]["encoding_format"], "base64")
        self.assertEqual(calls[0]["body"]["dimensions"], 16)
        with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        self.assertEqual((manifest["embedder"]["name"], manifest["embedder"]["dim"]),
                         ("openai", 16))
        self.assertNotIn("model.lsa", manifest["files"])
        with harness.Server(env=env, index=out) as server:
            server.wait_ready(10)
            before = len(fake.requests)
            status, headers, raw = server.request("POST", "/v1/search",
                                                  {"query": "tomato soup", "top_k": 3})
            self.assertEqual(status, 200, raw)
            self.assertEqual(len(json.loads(raw)["recipes"]), 3)
            self.assertEqual(len(fake.requests), before + 1)  # the query's vector
            # The embeddings upstream gone: BM25 alone still answers, and that stopgap answer
            # is not cached: with the upstream back, the same query is embedded again.
            port = int(fake.url.split(":")[2].split("/")[0])
            fake.stop()
            status, headers, raw = server.request("POST", "/v1/search",
                                                  {"query": "apple pie", "top_k": 3})
            self.assertEqual(status, 200, raw)
            self.assertIn("Apple", raw.decode())
            self.assertNotIn(KEY, server.log_text())
            back = FakeOpenAI(key=KEY, port=port)
            self.addCleanup(back.stop)
            status, headers, raw = server.request("POST", "/v1/search",
                                                  {"query": "apple pie", "top_k": 3})
            self.assertEqual(status, 200, raw)
            self.assertEqual([r["path"] for r in back.requests], ["/v1/embeddings"])


class NoLlmChatTest(harness.ServerCase):
    """Without an LLM the chat API still answers, from the extractive writer."""

    def test_official_client_gets_an_extractive_answer(self):
        for case in ("complete", "stream"):
            done = subprocess.run(["node", CLIENT, case,
                                   f"http://{harness.HOST}:{self.server.port}/v1",
                                   harness.DEFAULT_TOKEN, "notools"],
                                  capture_output=True, text=True, timeout=60, check=False)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            self.assertEqual(done.returncode, 0, r)
            self.assertIn("egg", r["choices"][0]["content"].lower())

    def test_answer_without_llm_is_not_degraded(self):
        status, headers, raw = self.server.request("POST", "/v1/answer", QUESTION)
        out = json.loads(raw)
        self.assertEqual(status, 200, out)
        self.assertFalse(out["degraded"])
        self.assertEqual(out["prompt"], "extractive")


if __name__ == "__main__":
    unittest.main()
