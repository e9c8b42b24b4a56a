#include "eval/report.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace recipe_rag::eval {
namespace {

using nlohmann::json;

EvalRun TinyRun() {
  QuerySet set;
  set.name = "tiny";
  EvalQuery d;
  d.qid = "d1";
  d.query = "apple | pie";
  d.kind = "dish";
  d.relevant = {{"pie", 2}};
  EvalQuery n;
  n.qid = "n1";
  n.query = "kimchi";
  n.kind = "no_answer";
  n.expect_empty_or_low = true;
  set.queries = {d, n};
  SearchFn search = [](const std::string& query, int) -> core::Result<RankedList> {
    if (query == "kimchi") return RankedList{{{"x", 0.2, true}}};
    return RankedList{{{"tart", 0.8, false}, {"pie", 0.7, false}}};
  };
  RunOptions options;
  options.no_answer_threshold = 0.5;
  auto run = RunEval(set, search, {}, options);
  EXPECT_TRUE(run.ok());
  return std::move(run).value();
}

ReportContext Context() { return {"eval/tiny.jsonl", "index var/index", "2026-11-27T15:00:00Z"}; }

TEST(ReportJsonTest, SummaryAndEveryQuery) {
  const auto doc = json::parse(ReportJson(TinyRun(), Context()));
  EXPECT_EQ(doc["report_version"], 1);
  EXPECT_EQ(doc["set_file"], "eval/tiny.jsonl");
  EXPECT_EQ(doc["source"], "index var/index");
  const auto& s = doc["summary"];
  EXPECT_EQ(s["set"], "tiny");
  EXPECT_EQ(s["top_k"], 10);
  EXPECT_EQ(s["queries"], 2);
  EXPECT_EQ(s["no_answer_threshold"], 0.5);
  for (const char* key :
       {"hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10", "recall@10", "violations"}) {
    EXPECT_TRUE(s["overall"].contains(key)) << key;
  }
  EXPECT_EQ(s["overall"]["kind"], "ALL");
  EXPECT_EQ(s["overall"]["n_answerable"], 1);
  EXPECT_EQ(s["overall"]["hit@1"], 0.0);
  EXPECT_EQ(s["overall"]["hit@3"], 1.0);
  EXPECT_TRUE(s["overall"]["violations"].is_null());
  EXPECT_EQ(s["kinds"]["dish"]["mrr@10"], 0.5);
  EXPECT_TRUE(s["kinds"]["no_answer"]["hit@1"].is_null());
  EXPECT_EQ(s["no_answer"],
            json({{"queries", 1}, {"returned_nothing", 0}, {"passed", 1}, {"pass_rate", 1.0}}));

  const auto& queries = doc["queries"];
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[0]["qid"], "d1");
  EXPECT_EQ(queries[0]["results"][1],
            json({{"id", "pie"}, {"score", 0.7}, {"low_confidence", false}}));
  EXPECT_EQ(queries[0]["top_score"], 0.8);
  EXPECT_EQ(queries[0]["metrics"]["hit@3"], 1.0);
  EXPECT_FALSE(queries[0].contains("no_answer_pass"));
  EXPECT_EQ(queries[1]["no_answer_pass"], true);
}

TEST(ReportMarkdownTest, TableRowsAndEscapedQueries) {
  const auto md = ReportMarkdown(TinyRun(), Context());
  EXPECT_NE(md.find("# Retrieval evaluation: tiny"), std::string::npos);
  EXPECT_NE(md.find("| kind | n | ans | hit@1 | hit@3 | hit@5 | mrr@10 | ndcg@10 | recall@10 | "
                    "violations |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| dish | 1 | 1 | 0.000 | 1.000 | 1.000 | 0.500 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| **ALL** | 2 | 1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| n1 | kimchi | 1 | 0.2000 | yes | yes |"), std::string::npos) << md;
  EXPECT_NE(md.find("apple \\| pie"), std::string::npos) << md;
}

TEST(SummaryTableTest, LaidOutLikeTheReferenceScorer) {
  const auto text = SummaryTable(TinyRun());
  EXPECT_NE(text.find("kind             n  ans      hit@1      hit@3"), std::string::npos) << text;
  EXPECT_NE(text.find("dish             1    1      0.000      1.000      1.000      0.500"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("no_answer        1    0        -          -  "), std::string::npos) << text;
  EXPECT_NE(text.find("passed: 1/1"), std::string::npos) << text;
  const auto last = text.substr(text.rfind('\n', text.size() - 2) + 1);
  EXPECT_EQ(last, "hit@3=1.0000 mrr=0.5000 ndcg@10=0.6309 violations=nan\n");
}

TEST(WriteReportTest, WritesJsonAndMarkdownCreatingTheDirectory) {
  std::string dir = (std::filesystem::temp_directory_path() / "recipe-rag-report-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const auto prefix = std::filesystem::path(dir) / "sub" / "dev-20261127T150000Z";
  const auto st = WriteReport(TinyRun(), Context(), prefix);
  ASSERT_TRUE(st.ok()) << st.error().message;
  std::ifstream json_file(prefix.string() + ".json");
  std::stringstream json_text;
  json_text << json_file.rdbuf();
  EXPECT_EQ(json::parse(json_text.str())["summary"]["set"], "tiny");
  EXPECT_TRUE(std::filesystem::exists(prefix.string() + ".md"));

  // A prefix whose directory is a file cannot be written.
  const auto blocked = std::filesystem::path(prefix.string() + ".json") / "x";
  const auto failed = WriteReport(TinyRun(), Context(), blocked);
  EXPECT_FALSE(failed.ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace recipe_rag::eval
