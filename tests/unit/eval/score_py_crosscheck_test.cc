// Cross-check with the reference scorer: the same predictions for the 60 dev queries, scored by
// score.py once (tests/unit/eval/testdata/README.md) and by this module now, must give the same
// numbers — per query, per kind and overall, violations included (checked against the bundled
// corpus), and the same no-answer verdicts at threshold 0.3.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "corpus/loader.h"
#include "eval/report.h"
#include "eval/runner.h"

namespace recipe_rag::eval {
namespace {

using nlohmann::json;

constexpr double kThreshold = 0.3;
constexpr double kTolerance = 1e-12;  // Python ≥ 3.12 sums floats with compensation

std::string Testdata(const std::string& name) {
  return std::string(RECIPE_RAG_SOURCE_DIR) + "/tests/unit/eval/testdata/" + name;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<json> ReadJsonl(const std::string& path) {
  std::vector<json> out;
  std::istringstream lines(ReadText(path));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

class ScorePyCrossCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto set = LoadQuerySet(std::string(RECIPE_RAG_SOURCE_DIR) + "/eval/dev.jsonl");
    ASSERT_TRUE(set.ok()) << set.error().message;
    set_ = std::move(*set);
    corpus::LoadOptions load;
    load.require_instructions = false;
    auto corpus = corpus::LoadCorpusFile(
        std::string(RECIPE_RAG_SOURCE_DIR) + "/data/recipes/recipe_data.json", load);
    ASSERT_TRUE(corpus.ok()) << corpus.error().message;
    recipes_ = std::move(corpus->recipes);

    std::map<std::string, std::string> query_of;
    for (const auto& q : set_.queries) query_of[q.qid] = q.query;
    for (const auto& p : ReadJsonl(Testdata("predictions.jsonl"))) {
      RankedList list;
      for (const auto& id : p["ids"]) list.items.push_back({id.get<std::string>(), {}, {}});
      // score.py's predictions carry one top_score; it belongs to the first result.
      if (p.contains("top_score") && !list.items.empty()) {
        list.items[0].score = p["top_score"].get<double>();
      }
      answers_[query_of.at(p["qid"].get<std::string>())] = std::move(list);
    }
    ASSERT_EQ(answers_.size(), 60u);

    RunOptions options;
    options.top_k = 10;
    options.no_answer_threshold = kThreshold;
    SearchFn search = [this](const std::string& query, int) -> core::Result<RankedList> {
      return answers_.at(query);
    };
    const auto by_id = IndexRecipes(recipes_);
    auto run = RunEval(set_, search, by_id, options);
    ASSERT_TRUE(run.ok()) << run.error().message;
    run_ = std::move(*run);
  }

  QuerySet set_;
  std::vector<corpus::Recipe> recipes_;
  std::map<std::string, RankedList> answers_;
  EvalRun run_;
};

TEST_F(ScorePyCrossCheckTest, SameMetricsForEveryQuery) {
  const auto expected = ReadJsonl(Testdata("score_py_per_query.jsonl"));
  ASSERT_EQ(expected.size(), run_.outcomes.size());
  int violations_seen = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& want = expected[i];
    const auto& got = run_.outcomes[i];
    ASSERT_EQ(want["qid"], got.query.qid);
    for (const auto metric : kAllMetrics) {
      const std::string name(MetricName(metric));
      const auto& value = At(got.metrics, metric);
      ASSERT_EQ(want.contains(name), value.has_value()) << got.query.qid << " " << name;
      if (value) {
        EXPECT_NEAR(*value, want[name].get<double>(), kTolerance) << got.query.qid << " " << name;
      }
    }
    if (want.contains("violations") && want["violations"].get<double>() > 0) ++violations_seen;
  }
  EXPECT_GE(violations_seen, 3) << "the fixture should exercise the constraint check";
}

TEST_F(ScorePyCrossCheckTest, SameOverallRow) {
  const auto expected = json::parse(ReadText(Testdata("score_py_summary.json")));
  const auto& want = expected["overall"];
  const auto& got = run_.summary.overall;
  EXPECT_EQ(want["n"], got.n);
  EXPECT_EQ(want["n_answerable"], got.n_answerable);
  EXPECT_EQ(want["n_constrained"], got.n_constrained);
  for (const auto metric : kAllMetrics) {
    const std::string name(MetricName(metric));
    ASSERT_TRUE(At(got.mean, metric).has_value()) << name;
    EXPECT_NEAR(*At(got.mean, metric), want[name].get<double>(), kTolerance) << name;
  }
}

TEST_F(ScorePyCrossCheckTest, SameTableOfKinds) {
  // score.py prints the header, a rule and one row per kind then ALL; ours is laid out alike.
  std::istringstream want(ReadText(Testdata("score_py_table.txt")));
  std::istringstream got(SummaryTable(run_));
  std::string want_line;
  std::string got_line;
  const std::size_t rows = 3 + run_.summary.kinds.size() + 1;
  for (std::size_t i = 0; i < rows; ++i) {
    ASSERT_TRUE(std::getline(want, want_line));
    ASSERT_TRUE(std::getline(got, got_line));
    EXPECT_EQ(got_line, want_line) << "line " << i + 1;
  }
}

TEST_F(ScorePyCrossCheckTest, SameNoAnswerVerdicts) {
  const auto expected = json::parse(ReadText(Testdata("score_py_summary.json")));
  std::map<std::string, bool> want;
  for (const auto& e : expected["empty"])
    want[e["qid"].get<std::string>()] = e["passed"].get<bool>();
  ASSERT_EQ(want.size(), 6u);
  int passed = 0;
  for (const auto& o : run_.outcomes) {
    if (!o.query.expect_empty_or_low) continue;
    ASSERT_TRUE(o.no_answer_pass.has_value()) << o.query.qid;
    EXPECT_EQ(*o.no_answer_pass, want.at(o.query.qid)) << o.query.qid;
    passed += want.at(o.query.qid) ? 1 : 0;
  }
  EXPECT_EQ(run_.summary.no_answer.passed, passed);
  EXPECT_EQ(run_.summary.no_answer.queries, 6);
}

}  // namespace
}  // namespace recipe_rag::eval
