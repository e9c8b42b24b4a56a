#include "http/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace recipe_rag::http {
namespace {

// A router whose endpoints record which one ran, so a test can tell them apart.
class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Add("GET", "/v1/health");
    Add("POST", "/v1/search");
    Add("GET", "/v1/search");
    Add("POST", "/v1/tools/call");
  }

  void Add(const std::string& method, const std::string& path) {
    router_.Add(method, path, [this, method, path](const Request&, const Respond&) {
      called_.push_back(method + " " + path);
    });
  }

  // Runs the matched endpoint and returns what it recorded.
  std::string Run(const Router::Match& match) {
    called_.clear();
    (*match.endpoint)(Request{}, [](const Response&) {});
    return called_.empty() ? "" : called_.back();
  }

  Router router_;
  std::vector<std::string> called_;
};

TEST_F(RouterTest, ExactMethodAndPathFindsThatEndpoint) {
  const auto match = router_.Find("POST", "/v1/search");
  ASSERT_NE(match.endpoint, nullptr);
  EXPECT_EQ(match.route, "/v1/search");
  EXPECT_TRUE(match.allow.empty());
  EXPECT_EQ(Run(match), "POST /v1/search");
}

TEST_F(RouterTest, SamePathWithAnotherMethodFindsTheOtherEndpoint) {
  const auto match = router_.Find("GET", "/v1/search");
  ASSERT_NE(match.endpoint, nullptr);
  EXPECT_EQ(Run(match), "GET /v1/search");
}

TEST_F(RouterTest, PathsMatchExactlyNotByPrefixOrTrailingSlash) {
  EXPECT_EQ(router_.Find("GET", "/v1/health/").endpoint, nullptr);
  EXPECT_EQ(router_.Find("GET", "/v1/healthz").endpoint, nullptr);
  EXPECT_EQ(router_.Find("GET", "/v1").endpoint, nullptr);
  EXPECT_EQ(router_.Find("GET", "/V1/HEALTH").endpoint, nullptr);
}

TEST_F(RouterTest, MethodsMatchExactly) {
  EXPECT_EQ(router_.Find("get", "/v1/health").endpoint, nullptr);
  EXPECT_EQ(router_.Find("HEAD", "/v1/health").endpoint, nullptr);
}

TEST_F(RouterTest, WrongMethodOnKnownPathListsEveryMethodOfThatPath) {
  const auto match = router_.Find("DELETE", "/v1/search");
  EXPECT_EQ(match.endpoint, nullptr);
  EXPECT_EQ(match.allow, "POST, GET");
}

TEST_F(RouterTest, WrongMethodAnswers405WithAllowHeader) {
  const auto response = Router::NotMatched(router_.Find("PUT", "/v1/search"));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.route, "method_not_allowed");
  std::vector<std::string> allow;
  for (const auto& h : response.headers) {
    if (h.name == "Allow") {
      allow.push_back(h.value);
    }
  }
  ASSERT_EQ(allow.size(), 1u);
  EXPECT_EQ(allow[0], "POST, GET");
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["error"]["type"], "method_not_allowed");
}

TEST_F(RouterTest, SingleMethodPathAllowsJustThatMethod) {
  const auto response = Router::NotMatched(router_.Find("GET", "/v1/tools/call"));
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].value, "POST");
}

TEST_F(RouterTest, UnknownPathAnswers404WithoutAllow) {
  const auto match = router_.Find("GET", "/v1/nothing");
  EXPECT_EQ(match.endpoint, nullptr);
  EXPECT_TRUE(match.allow.empty());
  const auto response = Router::NotMatched(match);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.route, "not_found");
  EXPECT_TRUE(response.headers.empty());
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["error"]["type"], "not_found");
}

TEST(RouterEmptyTest, EmptyRouterFindsNothing) {
  const Router router;
  const auto match = router.Find("GET", "/");
  EXPECT_EQ(match.endpoint, nullptr);
  EXPECT_EQ(Router::NotMatched(match).status, 404);
}

}  // namespace
}  // namespace recipe_rag::http
