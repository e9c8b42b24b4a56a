#include "llm/chat_stream.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "http/sse_parser.h"

namespace recipe_rag::llm {
namespace {

namespace fs = std::filesystem;

const fs::path kStreams = fs::path(RECIPE_RAG_SOURCE_DIR) / "tests/data/openai-chat-sse";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Feeds a recorded body through the SSE parser in pieces of `piece` bytes.
ChatStream Replay(const std::string& body, std::size_t piece) {
  ChatStream stream;
  http::SseParser parser([&](http::SseEvent&& e) { EXPECT_TRUE(stream.Add(e.data).ok()); });
  for (std::size_t i = 0; i < body.size(); i += piece) {
    EXPECT_TRUE(parser.Feed(std::string_view(body).substr(i, piece)).ok());
  }
  return stream;
}

// Every recorded OpenAI stream adds up to what Python's json module makes of it
// (tests/data/openai-chat-sse/expected.py), whatever pieces its bytes arrive in: content,
// refusals, single and parallel tool calls with split arguments, several choices, the
// finish reason and the final usage-only chunk.
TEST(ChatStreamTest, RecordedStreamsAddUpToWhatAnIndependentReaderFinds) {
  const auto expected = nlohmann::json::parse(ReadFile(kStreams / "expected.json"));
  ASSERT_EQ(expected.size(), 12u);
  for (const auto& [file, want] : expected.items()) {
    const auto body = ReadFile(kStreams / file);
    ASSERT_FALSE(body.empty()) << file;
    for (const std::size_t piece : {body.size(), std::size_t{1}, std::size_t{7}, std::size_t{64}}) {
      SCOPED_TRACE(file + " in pieces of " + std::to_string(piece));
      const auto stream = Replay(body, piece);
      EXPECT_TRUE(stream.done());
      EXPECT_EQ(stream.chunks(), want["chunks"].get<std::size_t>());
      const auto& got = stream.completion();
      EXPECT_EQ(got.model, "gpt-4o-2024-08-06");
      EXPECT_TRUE(got.id.starts_with("chatcmpl-"));
      ASSERT_TRUE(got.usage.has_value());
      EXPECT_EQ(got.usage->prompt_tokens, want["usage"]["prompt_tokens"].get<long>());
      EXPECT_EQ(got.usage->completion_tokens, want["usage"]["completion_tokens"].get<long>());
      EXPECT_EQ(got.usage->total_tokens, want["usage"]["total_tokens"].get<long>());
      ASSERT_EQ(got.choices.size(), want["choices"].size());
      for (std::size_t i = 0; i < got.choices.size(); ++i) {
        const auto& c = got.choices[i];
        const auto& w = want["choices"][i];
        EXPECT_EQ(c.index, static_cast<int>(i));
        EXPECT_EQ(c.role, "assistant");
        EXPECT_EQ(c.content, w["content"].get<std::string>());
        EXPECT_EQ(c.refusal, w["refusal"].get<std::string>());
        EXPECT_EQ(c.finish_reason, w["finish_reason"].get<std::string>());
        ASSERT_EQ(c.tool_calls.size(), w["tool_calls"].size());
        for (std::size_t t = 0; t < c.tool_calls.size(); ++t) {
          EXPECT_EQ(c.tool_calls[t].id, w["tool_calls"][t]["id"].get<std::string>());
          EXPECT_EQ(c.tool_calls[t].name, w["tool_calls"][t]["name"].get<std::string>());
          EXPECT_EQ(c.tool_calls[t].arguments, w["tool_calls"][t]["arguments"].get<std::string>());
        }
      }
    }
  }
}

TEST(ChatStreamTest, BrokenChunksAreErrors) {
  for (const std::string_view data :
       {"not json", "[1, 2]", "{\"id\": \"x\"}", "{\"choices\": [7]}", "{\"choices\": [{}]}",
        "{\"choices\": [{\"index\": -1}]}", "{\"choices\": [{\"index\": 100000}]}",
        R"({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 1e9}]}}]})"}) {
    ChatStream stream;
    const auto status = stream.Add(data);
    ASSERT_FALSE(status.ok()) << data;
    EXPECT_EQ(status.error().code, core::ErrorCode::kInvalidArgument) << data;
  }
}

TEST(ChatStreamTest, AnErrorChunkIsTheUpstreamFailing) {
  ChatStream stream;
  ASSERT_TRUE(stream.Add(R"({"choices": [{"index": 0, "delta": {"content": "Hal"}}]})").ok());
  const auto status =
      stream.Add(R"({"error": {"message": "The server had an error", "type": "server_error"}})");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(status.error().message.find("The server had an error"), std::string::npos);
  EXPECT_EQ(stream.completion().choices.at(0).content, "Hal");
}

TEST(ChatStreamTest, NothingAfterDoneAndTextIsBounded) {
  ChatStream stream;
  ASSERT_TRUE(stream.Add("[DONE]").ok());
  EXPECT_FALSE(stream.Add(R"({"choices": []})").ok());

  ChatStream small(8);
  ASSERT_TRUE(small.Add(R"({"choices": [{"index": 0, "delta": {"content": "12345678"}}]})").ok());
  EXPECT_FALSE(small.Add(R"({"choices": [{"index": 0, "delta": {"content": "9"}}]})").ok());
}

// Damaged streams — recorded bodies with bytes flipped, dropped or duplicated — never crash
// the parser or the accumulator: every event is either added or refused with an error.
TEST(ChatStreamTest, DamagedStreamsAreRefusedNotFatal) {
  const auto body =
      ReadFile(kStreams / "f82268f2fefd5cfbc7eeb59c297688be2f6ca0849a6e4f17851b517310841d9b.bin");
  ASSERT_FALSE(body.empty());
  std::mt19937 rng(11);
  for (int round = 0; round < 300; ++round) {
    std::string damaged = body;
    for (int edit = 0; edit < 1 + round % 8; ++edit) {
      const auto at = rng() % damaged.size();
      switch (rng() % 3) {
        case 0:
          damaged[at] = static_cast<char>(rng() % 256);
          break;
        case 1:
          damaged.erase(at, 1 + rng() % 16);
          break;
        default:
          damaged.insert(at, damaged.substr(at, 1 + rng() % 32));
      }
      if (damaged.empty()) damaged = "x";
    }
    ChatStream stream(1 << 16);
    std::size_t events = 0, refused = 0;
    http::SseParser parser(
        [&](http::SseEvent&& e) {
          ++events;
          if (!stream.Add(e.data).ok()) ++refused;
        },
        1 << 16);
    for (std::size_t i = 0; i < damaged.size(); i += 1 + rng() % 97) {
      if (!parser.Feed(std::string_view(damaged).substr(i, 1 + rng() % 97)).ok()) break;
    }
    EXPECT_LE(refused, events);
    EXPECT_LE(stream.completion().choices.size(), 128u);
  }
}

}  // namespace
}  // namespace recipe_rag::llm
