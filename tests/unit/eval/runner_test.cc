#include "eval/runner.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace recipe_rag::eval {
namespace {

using core::ErrorCode;

EvalQuery Q(std::string qid, std::string query, std::string kind,
            std::map<std::string, double> relevant) {
  EvalQuery q;
  q.qid = std::move(qid);
  q.query = std::move(query);
  q.kind = std::move(kind);
  q.relevant = std::move(relevant);
  return q;
}

RankedList Ids(const std::vector<std::string>& ids, double top_score = 0.9) {
  RankedList out;
  for (const auto& id : ids) out.items.push_back({id, top_score, std::nullopt});
  return out;
}

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_.name = "tiny";
    set_.queries = {Q("d1", "apple pie", "dish", {{"pie", 2}}),
                    Q("d2", "tomato soup", "dish", {{"soup", 1}}),
                    Q("i1", "rice", "ingredient", {{"rice", 1}, {"risotto", 1}}),
                    Q("n1", "kimchi", "no_answer", {})};
    set_.queries[3].expect_empty_or_low = true;
    answers_ = {{"apple pie", Ids({"pie", "tart"})},
                {"tomato soup", Ids({"x", "y", "z", "soup"})},
                {"rice", Ids({"rice", "x"})},
                {"kimchi", Ids({"x"}, 0.1)}};
  }

  SearchFn Search() {
    return [this](const std::string& query, int top_k) -> core::Result<RankedList> {
      asked_.push_back(query + "/" + std::to_string(top_k));
      return answers_.at(query);
    };
  }

  QuerySet set_;
  std::map<std::string, RankedList> answers_;
  std::vector<std::string> asked_;
  RecipesById recipes_;
};

TEST_F(RunnerTest, AsksEveryQueryInOrderWithTopK) {
  RunOptions options;
  options.top_k = 3;
  auto run = RunEval(set_, Search(), recipes_, options);
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(asked_,
            (std::vector<std::string>{"apple pie/3", "tomato soup/3", "rice/3", "kimchi/3"}));
  EXPECT_EQ(run->set_name, "tiny");
  ASSERT_EQ(run->outcomes.size(), 4u);
  // Results beyond top_k are cut off before scoring.
  EXPECT_EQ(run->outcomes[1].results.items.size(), 3u);
  EXPECT_EQ(At(run->outcomes[1].metrics, Metric::kHit5), 0.0);
}

TEST_F(RunnerTest, AveragesPerKindAndOverAllAnswerableQueries) {
  auto run = RunEval(set_, Search(), recipes_, {});
  ASSERT_TRUE(run.ok()) << run.error().message;
  const auto& s = run->summary;
  ASSERT_EQ(s.kinds.size(), 3u);
  EXPECT_EQ(s.kinds[0].kind, "dish");
  EXPECT_EQ(s.kinds[1].kind, "ingredient");
  EXPECT_EQ(s.kinds[2].kind, "no_answer");
  EXPECT_EQ(s.kinds[0].n, 2);
  EXPECT_DOUBLE_EQ(*At(s.kinds[0].mean, Metric::kHit1), 0.5);
  EXPECT_DOUBLE_EQ(*At(s.kinds[0].mean, Metric::kMrr10), (1.0 + 0.25) / 2);
  EXPECT_DOUBLE_EQ(*At(s.kinds[1].mean, Metric::kRecall10), 0.5);
  EXPECT_FALSE(At(s.kinds[2].mean, Metric::kHit1).has_value());
  EXPECT_EQ(s.kinds[2].n_answerable, 0);

  EXPECT_EQ(s.overall.kind, "ALL");
  EXPECT_EQ(s.overall.n, 4);
  EXPECT_EQ(s.overall.n_answerable, 3);
  EXPECT_EQ(s.overall.n_constrained, 0);
  EXPECT_DOUBLE_EQ(*At(s.overall.mean, Metric::kHit1), 2.0 / 3);
  EXPECT_DOUBLE_EQ(*At(s.overall.mean, Metric::kHit5), 1.0);
  EXPECT_FALSE(At(s.overall.mean, Metric::kViolations).has_value());
}

TEST_F(RunnerTest, NoAnswerQueriesAreJudgedApart) {
  RunOptions options;
  auto run = RunEval(set_, Search(), recipes_, options);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->summary.no_answer.queries, 1);
  EXPECT_EQ(run->summary.no_answer.returned_nothing, 0);
  EXPECT_EQ(run->summary.no_answer.passed, 0);  // a result, no flag, no threshold
  EXPECT_EQ(run->outcomes[3].no_answer_pass, false);
  EXPECT_FALSE(run->outcomes[0].no_answer_pass.has_value());

  options.no_answer_threshold = 0.5;
  run = RunEval(set_, Search(), recipes_, options);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->summary.no_answer.passed, 1);  // top score 0.1 < 0.5

  answers_["kimchi"] = RankedList{};
  run = RunEval(set_, Search(), recipes_, {});
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->summary.no_answer.returned_nothing, 1);
  EXPECT_EQ(run->summary.no_answer.passed, 1);
}

TEST_F(RunnerTest, ASearchErrorStopsTheRunAndNamesTheQuery) {
  int calls = 0;
  SearchFn failing = [&calls](const std::string& query, int) -> core::Result<RankedList> {
    ++calls;
    if (query == "tomato soup") {
      return core::Error{ErrorCode::kUnavailable, "connection refused by 127.0.0.1:1", {}, {}};
    }
    return RankedList{};
  };
  auto run = RunEval(set_, failing, recipes_, {});
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(run.error().message, "d2: connection refused by 127.0.0.1:1");
  EXPECT_EQ(calls, 2);
}

TEST_F(RunnerTest, TopKMustBeOneToTen) {
  for (int top_k : {0, 11}) {
    RunOptions options;
    options.top_k = top_k;
    auto run = RunEval(set_, Search(), recipes_, options);
    ASSERT_FALSE(run.ok());
    EXPECT_EQ(run.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(asked_.empty());
}

TEST_F(RunnerTest, ReportsProgress) {
  std::vector<std::pair<std::size_t, std::size_t>> seen;
  RunOptions options;
  options.progress = [&seen](std::size_t done, std::size_t total) {
    seen.emplace_back(done, total);
  };
  ASSERT_TRUE(RunEval(set_, Search(), recipes_, options).ok());
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen.back(), (std::pair<std::size_t, std::size_t>{4, 4}));
}

}  // namespace
}  // namespace recipe_rag::eval
