#include "eval/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace recipe_rag::eval {
namespace {

using Ids = std::vector<std::string>;

EvalQuery Query(std::map<std::string, double> relevant) {
  EvalQuery q;
  q.qid = "q1";
  q.query = "something";
  q.kind = "dish";
  q.relevant = std::move(relevant);
  return q;
}

double Value(const MetricValues& m, Metric metric) {
  const auto& v = At(m, metric);
  EXPECT_TRUE(v.has_value()) << MetricName(metric);
  return v.value_or(-1);
}

TEST(MetricsTest, HitAtKLooksAtTheFirstKResults) {
  const auto q = Query({{"a", 1}});
  const RecipesById none;
  auto m = ScoreQuery(q, {"x", "y", "a", "z"}, 10, none);
  EXPECT_EQ(Value(m, Metric::kHit1), 0.0);
  EXPECT_EQ(Value(m, Metric::kHit3), 1.0);
  EXPECT_EQ(Value(m, Metric::kHit5), 1.0);
  m = ScoreQuery(q, {"x", "y", "z", "w", "a"}, 10, none);
  EXPECT_EQ(Value(m, Metric::kHit3), 0.0);
  EXPECT_EQ(Value(m, Metric::kHit5), 1.0);
  m = ScoreQuery(q, {}, 10, none);
  EXPECT_EQ(Value(m, Metric::kHit5), 0.0);
}

TEST(MetricsTest, ReciprocalRankOfTheFirstRelevantResultWithinTen) {
  const auto q = Query({{"a", 1}, {"b", 2}});
  const RecipesById none;
  EXPECT_DOUBLE_EQ(Value(ScoreQuery(q, {"x", "b", "a"}, 10, none), Metric::kMrr10), 0.5);
  EXPECT_DOUBLE_EQ(Value(ScoreQuery(q, {"a"}, 10, none), Metric::kMrr10), 1.0);
  Ids eleventh(10, "x");
  eleventh.push_back("a");
  EXPECT_EQ(Value(ScoreQuery(q, eleventh, 10, none), Metric::kMrr10), 0.0);
}

TEST(MetricsTest, GradedNdcgAgainstTheIdealOrderOfTheLabels) {
  const auto q = Query({{"a", 2}, {"b", 1}, {"c", 1}});
  const RecipesById none;
  // DCG = 1/log2(2) + 0/log2(3) + 2/log2(4) = 2; ideal [2,1,1] = 2 + 1/log2(3) + 1/2.
  const double ideal = 2.0 + 1.0 / std::log2(3.0) + 0.5;
  EXPECT_NEAR(Value(ScoreQuery(q, {"b", "x", "a"}, 10, none), Metric::kNdcg10), 2.0 / ideal, 1e-12);
  EXPECT_NEAR(Value(ScoreQuery(q, {"a", "b", "c"}, 10, none), Metric::kNdcg10), 1.0, 1e-12);
  EXPECT_NEAR(Value(ScoreQuery(q, {"a", "c", "b"}, 10, none), Metric::kNdcg10), 1.0, 1e-12);
  // A grade-2 recipe first is worth more than a grade-1 one.
  EXPECT_GT(Value(ScoreQuery(q, {"a", "x"}, 10, none), Metric::kNdcg10),
            Value(ScoreQuery(q, {"b", "x"}, 10, none), Metric::kNdcg10));
  EXPECT_EQ(Value(ScoreQuery(q, {"x"}, 10, none), Metric::kNdcg10), 0.0);
}

TEST(MetricsTest, NdcgIdealUsesTheTenBestGrades) {
  std::map<std::string, double> rel;
  for (int i = 0; i < 12; ++i) rel["r" + std::to_string(i)] = i < 2 ? 2 : 1;
  const auto q = Query(rel);
  Ids ids;
  for (int i = 0; i < 10; ++i) ids.push_back("r" + std::to_string(i));
  EXPECT_NEAR(Value(ScoreQuery(q, ids, 10, {}), Metric::kNdcg10), 1.0, 1e-12);
}

TEST(MetricsTest, RecallCountsDistinctRelevantIdsOverAllListedIds) {
  const auto q = Query({{"a", 2}, {"b", 1}, {"c", 1}, {"d", 1}});
  EXPECT_DOUBLE_EQ(Value(ScoreQuery(q, {"a", "a", "x", "c"}, 10, {}), Metric::kRecall10), 0.5);
  // Duplicates count as returned for hit and nDCG, once for recall.
  EXPECT_DOUBLE_EQ(Value(ScoreQuery(q, {"a", "a"}, 10, {}), Metric::kRecall10), 0.25);
}

TEST(MetricsTest, OnlyTheFirstTopKResultsCount) {
  const auto q = Query({{"a", 1}});
  const auto m = ScoreQuery(q, {"x", "y", "a"}, 2, {});
  EXPECT_EQ(Value(m, Metric::kHit3), 0.0);
  EXPECT_EQ(Value(m, Metric::kRecall10), 0.0);
}

TEST(MetricsTest, QueriesWithoutLabelsHaveNoRankingMetrics) {
  const auto m = ScoreQuery(Query({}), {"a", "b"}, 10, {});
  for (const auto metric : kAllMetrics)
    EXPECT_FALSE(At(m, metric).has_value()) << MetricName(metric);
}

class ViolationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    recipes_ = {Recipe("veg", {"1 cup rice"}), Recipe("meat", {"1 lb. beef"}),
                Recipe("stock", {"1 pint stock"})};
    by_id_ = IndexRecipes(recipes_);
    query_ = Query({{"veg", 1}});
    Constraint c;
    c.exclude_words = {"beef"};
    c.ambiguous_words = {"stock"};
    c.ambiguous_ok_if_tag = "Vegetarian";
    query_.constraints = c;
  }
  static corpus::Recipe Recipe(std::string id, std::vector<std::string> ingredients) {
    corpus::Recipe r;
    r.id = std::move(id);
    r.title = "Dish";
    r.ingredients = std::move(ingredients);
    return r;
  }
  std::vector<corpus::Recipe> recipes_;
  RecipesById by_id_;
  EvalQuery query_;
};

TEST_F(ViolationsTest, ShareOfKnownReturnedRecipesThatBreakTheConstraint) {
  EXPECT_DOUBLE_EQ(
      Value(ScoreQuery(query_, {"veg", "meat", "stock", "veg"}, 10, by_id_), Metric::kViolations),
      0.5);
  // Ids the recipes do not know are left out of the share.
  EXPECT_DOUBLE_EQ(
      Value(ScoreQuery(query_, {"unknown", "meat", "veg"}, 10, by_id_), Metric::kViolations), 0.5);
  EXPECT_EQ(Value(ScoreQuery(query_, {"veg"}, 10, by_id_), Metric::kViolations), 0.0);
}

TEST_F(ViolationsTest, UndefinedWhenNothingKnownWasReturned) {
  EXPECT_FALSE(At(ScoreQuery(query_, {}, 10, by_id_), Metric::kViolations).has_value());
  EXPECT_FALSE(At(ScoreQuery(query_, {"unknown"}, 10, by_id_), Metric::kViolations).has_value());
  auto unconstrained = query_;
  unconstrained.constraints.reset();
  EXPECT_FALSE(At(ScoreQuery(unconstrained, {"meat"}, 10, by_id_), Metric::kViolations));
}

TEST_F(ViolationsTest, CountedOnNoAnswerQueriesToo) {
  auto q = query_;
  q.relevant.clear();
  q.expect_empty_or_low = true;
  const auto m = ScoreQuery(q, {"meat"}, 10, by_id_);
  EXPECT_EQ(Value(m, Metric::kViolations), 1.0);
  EXPECT_FALSE(At(m, Metric::kHit1).has_value());
}

RankedList List(std::vector<RankedItem> items) { return RankedList{std::move(items)}; }

TEST(NoAnswerTest, EmptyResultsPass) { EXPECT_TRUE(PassesNoAnswer(List({}), std::nullopt)); }

TEST(NoAnswerTest, TheTopResultsFlagDecidesWhenPresent) {
  EXPECT_TRUE(PassesNoAnswer(List({{"a", 0.9, true}}), 0.5));
  EXPECT_FALSE(PassesNoAnswer(List({{"a", 0.1, false}}), 0.5));  // the flag wins over the score
  EXPECT_FALSE(PassesNoAnswer(List({{"a", 0.9, false}, {"b", 0.1, true}}), std::nullopt));
}

TEST(NoAnswerTest, WithoutAFlagTheTopScoreIsComparedWithTheThreshold) {
  EXPECT_TRUE(PassesNoAnswer(List({{"a", 0.29, std::nullopt}}), 0.3));
  EXPECT_FALSE(PassesNoAnswer(List({{"a", 0.3, std::nullopt}}), 0.3));
  EXPECT_FALSE(PassesNoAnswer(List({{"a", 0.01, std::nullopt}}), std::nullopt));
  EXPECT_FALSE(PassesNoAnswer(List({{"a", std::nullopt, std::nullopt}}), 0.3));
  // score.py's top_score: the first score given, even when not on the first item.
  EXPECT_TRUE(
      PassesNoAnswer(List({{"a", std::nullopt, std::nullopt}, {"b", 0.1, std::nullopt}}), 0.3));
}

}  // namespace
}  // namespace recipe_rag::eval
