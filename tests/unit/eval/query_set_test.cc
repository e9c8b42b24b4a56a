#include "eval/query_set.h"

#include <gtest/gtest.h>

#include <string>

namespace recipe_rag::eval {
namespace {

using core::ErrorCode;

constexpr const char* kGood =
    R"({"qid": "d01", "query": "vegetarian pasta", "kind": "dish", "rule": "title~[macaroni]", "relevant": {"a-1": 2, "a-2": 1}, "constraints": {"name": "vegetarian", "field": "ingredients", "exclude_words": ["beef"], "allow_phrases": ["nut meat"], "ambiguous_words": ["stock"], "ambiguous_ok_if_tag": "Vegetarian", "title_words": ["beef"]}})"
    "\n\n"
    R"({"qid": "n01", "query": "kimchi", "kind": "no_answer", "relevant": {}, "expect_empty_or_low": true, "extra": 5})"
    "\n";

std::string Message(const core::Result<QuerySet>& r) { return r.ok() ? "" : r.error().message; }

TEST(QuerySetTest, ParsesQueriesInFileOrder) {
  auto set = ParseQuerySet(kGood, "dev");
  ASSERT_TRUE(set.ok()) << Message(set);
  EXPECT_EQ(set->name, "dev");
  ASSERT_EQ(set->queries.size(), 2u);
  const auto& d = set->queries[0];
  EXPECT_EQ(d.qid, "d01");
  EXPECT_EQ(d.query, "vegetarian pasta");
  EXPECT_EQ(d.kind, "dish");
  EXPECT_EQ(d.line, 1);
  EXPECT_EQ(d.relevant, (std::map<std::string, double>{{"a-1", 2}, {"a-2", 1}}));
  ASSERT_TRUE(d.constraints.has_value());
  EXPECT_EQ(d.constraints->exclude_words, std::vector<std::string>{"beef"});
  EXPECT_EQ(d.constraints->allow_phrases, std::vector<std::string>{"nut meat"});
  EXPECT_EQ(d.constraints->ambiguous_ok_if_tag, "Vegetarian");
  EXPECT_EQ(d.constraints->title_words, std::vector<std::string>{"beef"});
  EXPECT_FALSE(d.expect_empty_or_low);
  const auto& n = set->queries[1];
  EXPECT_EQ(n.line, 3);  // the blank line is skipped but counted
  EXPECT_TRUE(n.relevant.empty());
  EXPECT_TRUE(n.expect_empty_or_low);
  EXPECT_FALSE(n.constraints.has_value());
}

TEST(QuerySetTest, ErrorsNameTheLine) {
  const std::string text = std::string(kGood) + "{not json\n" +
                           R"({"qid": "x", "query": "  ", "kind": "dish", "relevant": {}})" + "\n";
  auto set = ParseQuerySet(text, "dev.jsonl");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(Message(set).find("dev.jsonl:4: not valid JSON"), std::string::npos) << Message(set);
  EXPECT_NE(Message(set).find("dev.jsonl:5: query: must not be blank"), std::string::npos)
      << Message(set);
}

TEST(QuerySetTest, EveryProblemIsReported) {
  const std::string text =
      R"({"query": "a", "kind": "dish", "relevant": {}})"
      "\n"
      R"(["not", "an", "object"])"
      "\n"
      R"({"qid": "q", "query": "a", "kind": "dish", "relevant": {"r": -1, "s": "2"}})"
      "\n"
      R"({"qid": "q", "query": "a", "kind": "dish", "relevant": []})"
      "\n"
      R"({"qid": "z", "query": "a", "kind": "dish", "relevant": {}, "expect_empty_or_low": "yes"})"
      "\n";
  auto set = ParseQuerySet(text, "s");
  ASSERT_FALSE(set.ok());
  const auto m = Message(set);
  EXPECT_NE(m.find("s:1: qid: required, a string"), std::string::npos) << m;
  EXPECT_NE(m.find("s:2: must be a JSON object"), std::string::npos) << m;
  EXPECT_NE(m.find("s:3: relevant.r: the grade must be a number"), std::string::npos) << m;
  EXPECT_NE(m.find("s:3: relevant.s: the grade must be a number"), std::string::npos) << m;
  EXPECT_NE(m.find("s:4: relevant: required"), std::string::npos) << m;
  EXPECT_NE(m.find("s:4: qid \"q\" appears on an earlier line too"), std::string::npos) << m;
  EXPECT_NE(m.find("s:5: expect_empty_or_low: must be true or false"), std::string::npos) << m;
}

TEST(QuerySetTest, ConstraintProblems) {
  const std::string text =
      R"({"qid": "c", "query": "a", "kind": "constraint", "relevant": {}, "constraints": {"field": "colour", "exclude_words": ["beef", 3, "—"], "allow_phrases": "nut meat"}})"
      "\n";
  auto set = ParseQuerySet(text, "s");
  ASSERT_FALSE(set.ok());
  const auto m = Message(set);
  EXPECT_NE(m.find("s:1: constraints.field: must be one of"), std::string::npos) << m;
  EXPECT_NE(m.find("s:1: constraints.exclude_words[1]: must be a string"), std::string::npos) << m;
  // A phrase without words would never match (and would hang the reference scorer).
  EXPECT_NE(m.find("s:1: constraints.exclude_words[2]: \"—\" has no words"), std::string::npos)
      << m;
  EXPECT_NE(m.find("s:1: constraints.allow_phrases: must be an array"), std::string::npos) << m;
}

TEST(QuerySetTest, AnEmptyConstraintObjectIsNoConstraint) {
  auto set = ParseQuerySet(
      R"({"qid": "c", "query": "a", "kind": "dish", "relevant": {"x": 1}, "constraints": {}})",
      "s");
  ASSERT_TRUE(set.ok()) << Message(set);
  EXPECT_FALSE(set->queries[0].constraints.has_value());
}

TEST(QuerySetTest, AnEmptyFileIsAnError) {
  auto set = ParseQuerySet("\n  \n", "empty");
  ASSERT_FALSE(set.ok());
  EXPECT_NE(Message(set).find("no queries"), std::string::npos);
}

TEST(QuerySetTest, TheBundledDevSetLoads) {
  auto set = LoadQuerySet(RECIPE_RAG_SOURCE_DIR "/eval/dev.jsonl");
  ASSERT_TRUE(set.ok()) << Message(set);
  EXPECT_EQ(set->name, "dev");
  EXPECT_EQ(set->queries.size(), 60u);
  int no_answer = 0;
  int constrained = 0;
  for (const auto& q : set->queries) {
    no_answer += q.expect_empty_or_low ? 1 : 0;
    constrained += q.constraints ? 1 : 0;
  }
  EXPECT_EQ(no_answer, 6);
  EXPECT_EQ(constrained, 13);
}

TEST(QuerySetTest, AMissingFileIsNotFound) {
  auto set = LoadQuerySet("/nonexistent/dir/none.jsonl");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, ErrorCode::kNotFound);
  EXPECT_NE(Message(set).find("none.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace recipe_rag::eval
