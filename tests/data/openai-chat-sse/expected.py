#!/usr/bin/env python3
"""Writes expected.json: what each recorded stream in this folder adds up to, read with
Python's own json module — an implementation independent of the service's C++ one, which
tests/unit/llm/chat_stream_test.cc checks against it.

    python3 tests/data/openai-chat-sse/expected.py   (from the repository root)

Per stream: per choice, the concatenated content and refusal, the tool calls (id, name,
arguments) in index order and the finish reason; the usage of the final chunk; the number of
chunks before "[DONE]".
"""
import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def summarise(path):
    choices, usage, chunks = {}, None, 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunks += 1
            chunk = json.loads(line[len("data: "):])
            if chunk.get("usage"):
                usage = {k: chunk["usage"][k]
                         for k in ("prompt_tokens", "completion_tokens", "total_tokens")}
            for c in chunk["choices"]:
                out = choices.setdefault(c["index"], {"content": "", "refusal": "",
                                                      "tool_calls": {}, "finish_reason": ""})
                delta = c["delta"]
                out["content"] += delta.get("content") or ""
                out["refusal"] += delta.get("refusal") or ""
                for t in delta.get("tool_calls") or []:
                    call = out["tool_calls"].setdefault(t["index"],
                                                        {"id": "", "name": "", "arguments": ""})
                    call["id"] = t.get("id") or call["id"]
                    function = t.get("function") or {}
                    call["name"] += function.get("name") or ""
                    call["arguments"] += function.get("arguments") or ""
                out["finish_reason"] = c.get("finish_reason") or out["finish_reason"]
    return {
        "chunks": chunks,
        "usage": usage,
        "choices": [dict(choices[i], tool_calls=[choices[i]["tool_calls"][k]
                                                 for k in sorted(choices[i]["tool_calls"])])
                    for i in sorted(choices)],
    }


def main():
    expected = {os.path.basename(p): summarise(p)
                for p in sorted(glob.glob(os.path.join(HERE, "*.bin")))}
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
