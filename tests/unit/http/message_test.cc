#include "http/message.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace recipe_rag::http {
namespace {

using Json = nlohmann::json;

Json ParseBody(const Response& response) {
  return Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
}

TEST(ResponseErrorTest, BodyIsJsonWithTypeMessageAndParam) {
  const auto r = Response::Error(422, "invalid_request", "top_k must be between 1 and 10", "top_k");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.content_type, "application/json");
  const auto body = ParseBody(r);
  ASSERT_FALSE(body.is_discarded()) << r.body;
  const Json expected = {{"error",
                          {{"type", "invalid_request"},
                           {"message", "top_k must be between 1 and 10"},
                           {"param", "top_k"}}}};
  EXPECT_EQ(body, expected);
}

TEST(ResponseErrorTest, ParamIsOmittedWhenEmpty) {
  const auto body = ParseBody(Response::Error(404, "not_found", "no such endpoint"));
  ASSERT_FALSE(body.is_discarded());
  ASSERT_TRUE(body.contains("error"));
  EXPECT_FALSE(body["error"].contains("param"));
  EXPECT_EQ(body["error"].size(), 2u);
  EXPECT_EQ(body["error"]["type"], "not_found");
  EXPECT_EQ(body["error"]["message"], "no such endpoint");
}

TEST(ResponseErrorTest, QuotesBackslashesAndControlCharactersAreEscaped) {
  const std::string message = "bad \"value\" \\ here\nand\r\ttab \x01 end";
  const std::string param = "arguments.\"x\"";
  const auto r = Response::Error(400, "invalid_request", message, param);
  const auto body = ParseBody(r);
  ASSERT_FALSE(body.is_discarded()) << r.body;
  EXPECT_EQ(body["error"]["message"], message);
  EXPECT_EQ(body["error"]["param"], param);
  EXPECT_EQ(r.body.find('\n'), std::string::npos);
  EXPECT_EQ(r.body.find('\r'), std::string::npos);
}

TEST(ResponseErrorTest, NonAsciiTextSurvivesAndInvalidUtf8StaysValidJson) {
  const auto ok = ParseBody(Response::Error(400, "invalid_request", "crème brûlée"));
  ASSERT_FALSE(ok.is_discarded());
  EXPECT_EQ(ok["error"]["message"], "crème brûlée");

  const auto r = Response::Error(400, "invalid_request", "bad \xff\xfe bytes");
  const auto bad = ParseBody(r);
  ASSERT_FALSE(bad.is_discarded()) << r.body;
  const auto text = bad["error"]["message"].get<std::string>();
  EXPECT_EQ(text.rfind("bad ", 0), 0u);
  EXPECT_NE(text.find(" bytes"), std::string::npos);
}

TEST(ResponseJsonTest, KeepsStatusAndBody) {
  const auto r = Response::Json(201, R"({"ok":true})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"ok":true})");
  EXPECT_EQ(r.content_type, "application/json");
}

TEST(RequestFindHeaderTest, MatchesNamesCaseInsensitively) {
  Request request;
  request.headers = {{"Content-Type", "application/json"}, {"X-Request-Id", "abc"}};
  ASSERT_TRUE(request.FindHeader("content-type").has_value());
  EXPECT_EQ(*request.FindHeader("content-type"), "application/json");
  EXPECT_EQ(*request.FindHeader("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(*request.FindHeader("x-request-id"), "abc");
}

TEST(RequestFindHeaderTest, AbsentHeaderIsNullopt) {
  Request request;
  request.headers = {{"Content-Type", "application/json"}};
  EXPECT_FALSE(request.FindHeader("Authorization").has_value());
  EXPECT_FALSE(request.FindHeader("Content-Typ").has_value());
  EXPECT_FALSE(Request{}.FindHeader("Content-Type").has_value());
}

TEST(RequestFindHeaderTest, ReturnsTheFirstOfRepeatedHeaders) {
  Request request;
  request.headers = {{"accept", "first"}, {"Accept", "second"}};
  EXPECT_EQ(*request.FindHeader("ACCEPT"), "first");
}

TEST(RequestFindHeaderTest, EmptyValueIsPresent) {
  Request request;
  request.headers = {{"X-Empty", ""}};
  const auto value = request.FindHeader("x-empty");
  ASSERT_TRUE(value.has_value());
  EXPECT_TRUE(value->empty());
}

}  // namespace
}  // namespace recipe_rag::http
