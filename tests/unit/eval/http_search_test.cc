#include "eval/http_search.h"

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "support/serving_thread.h"

namespace recipe_rag::eval {
namespace {

using core::ErrorCode;
using nlohmann::json;

TEST(ParseSearchAnswerTest, ReadsIdsScoresAndFlags) {
  auto list = ParseSearchAnswer(
      R"({"results": [{"id": "a", "score": 0.9, "low_confidence": false, "title": "A"},
                      {"id": "b", "score": 0.2, "low_confidence": true},
                      {"id": "c"}]})");
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->items.size(), 3u);
  EXPECT_EQ(list->items[0].id, "a");
  EXPECT_EQ(list->items[0].score, 0.9);
  EXPECT_EQ(list->items[0].low_confidence, false);
  EXPECT_EQ(list->items[1].low_confidence, true);
  EXPECT_FALSE(list->items[2].score.has_value());
  EXPECT_FALSE(list->items[2].low_confidence.has_value());
}

TEST(ParseSearchAnswerTest, FallsBackToRecipesWhenThereAreNoResults) {
  auto list = ParseSearchAnswer(R"({"recipes": [{"id": "r", "score": 0.5, "ingredients": []}]})");
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].id, "r");
  auto empty = ParseSearchAnswer(R"({"results": [], "recipes": [{"id": "r"}]})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->items.empty());
}

TEST(ParseSearchAnswerTest, SaysWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"<html>", "not JSON"},
      {"[]", "not a JSON object"},
      {R"({"hits": []})", "no \"results\" array"},
      {R"({"results": {}})", "\"results\" is not an array"},
      {R"({"results": [{"id": "a"}, {"title": "B"}]})", "results[1].id must be a string"},
      {R"({"results": [{"id": "a", "score": "high"}]})", "results[0].score must be a number"},
      {R"({"results": [{"id": "a", "low_confidence": 1}]})", "results[0].low_confidence must"},
  };
  for (const auto& [body, expected] : cases) {
    auto list = ParseSearchAnswer(body);
    ASSERT_FALSE(list.ok()) << body;
    EXPECT_EQ(list.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(list.error().message.find(expected), std::string::npos) << list.error().message;
  }
}

TEST(ErrorAnswerMessageTest, TheErrorBodysMessageOrTheBodyItself) {
  EXPECT_EQ(ErrorAnswerMessage(R"({"error":{"type":"unauthorized","message":"missing token"}})"),
            "missing token");
  EXPECT_EQ(ErrorAnswerMessage("Bad Gateway\n"), "Bad Gateway");
  EXPECT_EQ(ErrorAnswerMessage(""), "(empty body)");
  EXPECT_EQ(ErrorAnswerMessage(std::string(300, 'x')).size(), 200u);
  // Cut inside a two-byte character: the partial character is dropped.
  EXPECT_EQ(ErrorAnswerMessage(std::string(199, 'x') + "é"), std::string(199, 'x'));
}

// A fake /v1/search: checks the bearer token and answers two results.
class FakeSearchServer : public http::Handler {
 public:
  void Handle(const http::Request& request, http::Respond respond) override {
    {
      std::lock_guard lock(mu_);
      last_ = request;
    }
    if (request.FindHeader("Authorization").value_or("") != "Bearer T") {
      respond(http::Response::Error(401, "unauthorized", "missing or unknown token"));
      return;
    }
    respond(http::Response::Json(
        200,
        R"({"results":[{"id":"a","score":0.8,"low_confidence":false},{"id":"b","score":0.3}]})"));
  }
  http::Request last() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  std::mutex mu_;
  http::Request last_;
};

TEST(HttpSearchTest, PostsTheQueryWithTheTokenAndReadsTheRanking) {
  FakeSearchServer handler;
  testing::ServingThread server(handler);
  ASSERT_FALSE(server.address().empty());
  auto search = HttpSearch::Create({server.url(), "T", std::chrono::seconds(5)});
  ASSERT_TRUE(search.ok()) << search.error().message;
  EXPECT_EQ(search->Describe(), "POST " + server.url() + "/v1/search");

  auto list = search->Search("crème brûlée", 7);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(list->items[0].id, "a");
  EXPECT_EQ(list->items[1].score, 0.3);

  const auto seen = handler.last();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/v1/search");
  EXPECT_EQ(seen.FindHeader("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(json::parse(seen.body), json({{"query", "crème brûlée"}, {"top_k", 7}}));
}

TEST(HttpSearchTest, AnErrorAnswerCarriesTheStatusAndTheServersMessage) {
  FakeSearchServer handler;
  testing::ServingThread server(handler);
  ASSERT_FALSE(server.address().empty());
  auto search = HttpSearch::Create({server.url(), "wrong", std::chrono::seconds(5)});
  ASSERT_TRUE(search.ok());
  auto list = search->Search("soup", 10);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(list.error().message,
            "HTTP 401 from POST " + server.url() + "/v1/search: missing or unknown token");
}

TEST(HttpSearchTest, ABadUrlIsRefusedUpFront) {
  auto search = HttpSearch::Create({"https://example.com", "T", std::chrono::seconds(5)});
  ASSERT_FALSE(search.ok());
  EXPECT_EQ(search.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace recipe_rag::eval
