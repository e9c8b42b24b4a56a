#include "eval/gate.h"

#include <gtest/gtest.h>

#include <string>

namespace recipe_rag::eval {
namespace {

using core::ErrorCode;

Summary Current(std::optional<double> hit3, std::optional<double> ndcg,
                std::optional<double> violations) {
  Summary s;
  s.overall.kind = "ALL";
  At(s.overall.mean, Metric::kHit3) = hit3;
  At(s.overall.mean, Metric::kNdcg10) = ndcg;
  At(s.overall.mean, Metric::kViolations) = violations;
  return s;
}

Baseline Base(double hit3, double ndcg, double violations) { return {hit3, ndcg, violations}; }

TEST(ParseBaselineTest, AcceptsAWholeReportOrItsSummary) {
  const std::string summary =
      R"({"overall": {"kind": "ALL", "hit@3": 0.75, "ndcg@10": 0.5, "violations": 0.1}})";
  for (const std::string& text :
       {summary, R"({"report_version": 1, "summary": )" + summary + "}"}) {
    auto b = ParseBaseline(text);
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_EQ(b->hit3, 0.75);
    EXPECT_EQ(b->ndcg10, 0.5);
    EXPECT_EQ(b->violations, 0.1);
  }
}

TEST(ParseBaselineTest, NullValuesAreAbsent) {
  auto b = ParseBaseline(R"({"overall": {"hit@3": 0.75, "ndcg@10": 0.5, "violations": null}})");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->violations.has_value());
}

TEST(ParseBaselineTest, RejectsWhatIsNotABaseline) {
  for (const char* bad : {"not json", "[1]", R"({"summary": {}})", R"({"overall": 3})",
                          R"({"overall": {"hit@3": "0.7"}})", R"({"overall": {"hit@1": 0.7}})"}) {
    auto b = ParseBaseline(bad);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(GateTest, PassesWithinTheAllowedDrop) {
  const auto r = CheckGate(Current(0.74, 0.49, 0.1), Base(0.75, 0.5, 0.1), 0.02);
  EXPECT_TRUE(r.passed);
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_NE(r.lines[0].find("hit@3 0.7400 (baseline 0.7500"), std::string::npos) << r.lines[0];
  EXPECT_NE(r.lines[0].find("ok"), std::string::npos);
  // Exactly max_drop below is still allowed.
  EXPECT_TRUE(CheckGate(Current(0.73, 0.48, 0.1), Base(0.75, 0.5, 0.1), 0.02).passed);
  EXPECT_TRUE(CheckGate(Current(0.9, 0.9, 0.0), Base(0.75, 0.5, 0.1), 0.02).passed);
}

TEST(GateTest, FailsWhenHit3OrNdcgDropsTooFar) {
  auto r = CheckGate(Current(0.72, 0.5, 0.1), Base(0.75, 0.5, 0.1), 0.02);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.lines[0].find("FAIL"), std::string::npos) << r.lines[0];
  EXPECT_EQ(r.lines[1].find("FAIL"), std::string::npos) << r.lines[1];
  EXPECT_FALSE(CheckGate(Current(0.75, 0.47, 0.1), Base(0.75, 0.5, 0.1), 0.02).passed);
  EXPECT_FALSE(CheckGate(Current(0.74, 0.5, 0.1), Base(0.75, 0.5, 0.1), 0.0).passed);
}

TEST(GateTest, FailsWhenViolationsRiseAtAll) {
  auto r = CheckGate(Current(0.75, 0.5, 0.11), Base(0.75, 0.5, 0.1), 0.02);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.lines[2].find("violations 0.1100 (baseline 0.1000"), std::string::npos) << r.lines[2];
  EXPECT_NE(r.lines[2].find("FAIL"), std::string::npos);
}

TEST(GateTest, UndefinedValues) {
  // A missing current ranking metric fails; a missing violation rate (nothing constrained
  // came back) passes; a check without a baseline value is skipped.
  EXPECT_FALSE(CheckGate(Current(std::nullopt, 0.5, 0.1), Base(0.75, 0.5, 0.1), 0.02).passed);
  EXPECT_TRUE(CheckGate(Current(0.75, 0.5, std::nullopt), Base(0.75, 0.5, 0.1), 0.02).passed);
  const auto r = CheckGate(Current(0.75, 0.5, 0.9), Baseline{0.75, 0.5, std::nullopt}, 0.02);
  EXPECT_TRUE(r.passed);
  EXPECT_NE(r.lines[2].find("skipped"), std::string::npos) << r.lines[2];
}

}  // namespace
}  // namespace recipe_rag::eval
