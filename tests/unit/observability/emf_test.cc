#include "observability/emf.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/run_command.h"

namespace recipe_rag::observability {
namespace {

using nlohmann::json;

constexpr std::int64_t kTimestamp = 1'700'000'000'123;

// `prefix` followed by `i` ("m7").
std::string Numbered(std::string prefix, int i) {
  prefix += std::to_string(i);
  return prefix;
}

using test_support::CommandResult;
using test_support::RunShell;

// Runs tests/support/emf_rules.py on `lines`, one per line of a temporary file.
CommandResult Validate(const std::vector<std::string>& lines, const std::string& name) {
  const std::string path =
      ::testing::TempDir() + "/" + name + "." + std::to_string(::getpid()) + ".jsonl";
  {
    std::ofstream out(path, std::ios::binary);
    for (const auto& line : lines) out << line << '\n';
  }
  CommandResult result = RunShell(std::string("python3 '") + RECIPE_RAG_SOURCE_DIR +
                                  "/tests/support/emf_rules.py' '" + path + "'");
  std::remove(path.c_str());
  return result;
}

json Parse(const std::string& line) {
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  return json::parse(line);
}

const json& Directive(const json& event) { return event["_aws"]["CloudWatchMetrics"][0]; }

TEST(EmfEventTest, WritesTheSpecifiedStructure) {
  const std::string line = EmfEvent("RecipeRag", kTimestamp)
                               .Dimension("route", "/v1/ask")
                               .Metric("latency", 0.42, "Seconds")
                               .Metric("tokens", 1200, "Count")
                               .Property("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")
                               .Json();
  EXPECT_EQ(line,
            R"({"_aws":{"Timestamp":1700000000123,"CloudWatchMetrics":[{"Namespace":"RecipeRag",)"
            R"("Dimensions":[["route"]],"Metrics":[{"Name":"latency","Unit":"Seconds"},)"
            R"({"Name":"tokens","Unit":"Count"}]}]},"route":"/v1/ask","latency":0.42,)"
            R"("tokens":1200.0,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})");
}

TEST(EmfEventTest, WithoutDimensionsDeclaresAnEmptyDimensionSet) {
  const json event = Parse(EmfEvent("RecipeRag", kTimestamp).Metric("up", 1, "Count").Json());
  EXPECT_EQ(Directive(event)["Dimensions"], json::parse("[[]]"));
  EXPECT_EQ(event["up"], 1);
}

TEST(EmfEventTest, WithoutMetricsStillWritesOneEvent) {
  const std::vector<std::string> lines = EmfEvent("RecipeRag", kTimestamp).Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(Directive(Parse(lines[0]))["Metrics"], json::array());
}

TEST(EmfEventTest, KeepsThirtyDimensionsAndTurnsTheRestIntoProperties) {
  EmfEvent event("RecipeRag", kTimestamp);
  for (int i = 0; i < 32; ++i) event.Dimension(Numbered("d", i), Numbered("v", i));
  event.Metric("m", 1, "Count");
  const json parsed = Parse(event.Json());
  const json& set = Directive(parsed)["Dimensions"][0];
  ASSERT_EQ(set.size(), EmfEvent::kMaxDimensions);
  EXPECT_EQ(set[0], "d0");
  EXPECT_EQ(set[29], "d29");
  EXPECT_EQ(parsed["d31"], "v31");  // Still searchable, not a dimension.
}

TEST(EmfEventTest, SplitsMoreThanOneHundredMetricsIntoSeveralEvents) {
  EmfEvent event("RecipeRag", kTimestamp);
  event.Dimension("service", "api").Property("trace_id", "t1");
  for (int i = 0; i < 150; ++i) event.Metric(Numbered("m", i), i, "Milliseconds");
  const std::vector<std::string> lines = event.Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(event.Json(), lines[0]);
  std::vector<std::string> names;
  for (const auto& line : lines) {
    const json parsed = Parse(line);
    EXPECT_EQ(parsed["service"], "api");
    EXPECT_EQ(parsed["trace_id"], "t1");
    EXPECT_EQ(Directive(parsed)["Dimensions"], json::parse(R"([["service"]])"));
    EXPECT_LE(Directive(parsed)["Metrics"].size(), EmfEvent::kMaxMetricsPerEvent);
    for (const auto& m : Directive(parsed)["Metrics"]) {
      const std::string name = m["Name"];
      names.push_back(name);
      EXPECT_EQ(parsed[name], std::stoi(name.substr(1)));
    }
  }
  ASSERT_EQ(names.size(), 150u);  // Every metric exactly once.
  for (int i = 0; i < 150; ++i) EXPECT_EQ(names[static_cast<std::size_t>(i)], Numbered("m", i));
  EXPECT_EQ(Validate(lines, "emf_split").exit_code, 0);
}

TEST(EmfEventTest, RepeatedMetricBecomesAnArraySplitAtOneHundredValues) {
  EmfEvent event("RecipeRag", kTimestamp);
  for (int i = 0; i < 250; ++i) event.Metric("latency", i / 1000.0, "Seconds");
  event.Metric("latency", 1, "Count");  // The first unit stays.
  event.Metric("errors", 2, "Count");
  const std::vector<std::string> lines = event.Lines();
  ASSERT_EQ(lines.size(), 3u);
  const json first = Parse(lines[0]);
  const json second = Parse(lines[1]);
  const json third = Parse(lines[2]);
  EXPECT_EQ(first["latency"].size(), 100u);
  EXPECT_EQ(first["errors"], 2);
  EXPECT_EQ(second["latency"].size(), 100u);
  EXPECT_FALSE(second.contains("errors"));  // Each value is written once.
  EXPECT_EQ(third["latency"].size(), 51u);
  EXPECT_EQ(third["latency"][50], 1);
  EXPECT_EQ(Directive(third)["Metrics"], json::parse(R"([{"Name":"latency","Unit":"Seconds"}])"));
  EXPECT_EQ(Validate(lines, "emf_values").exit_code, 0);
}

TEST(EmfEventTest, DropsNonFiniteValues) {
  const json event = Parse(EmfEvent("RecipeRag", kTimestamp)
                               .Metric("nan", std::nan(""), "Count")
                               .Metric("inf", HUGE_VAL, "Count")
                               .Metric("ok", 1, "Count")
                               .Metric("ok", -HUGE_VAL, "Count")
                               .Json());
  EXPECT_FALSE(event.contains("nan"));
  EXPECT_FALSE(event.contains("inf"));
  EXPECT_EQ(event["ok"], 1);
  EXPECT_EQ(Directive(event)["Metrics"].size(), 1u);
}

TEST(EmfEventTest, UnicodeStaysInPropertiesAndIsReplacedInDimensionValues) {
  const json event = Parse(EmfEvent("RecipeRag", kTimestamp)
                               .Dimension("dish", "crème brûlée 🍮")
                               .Dimension("blank", "   ")
                               .Property("query", "crème brûlée 🍮 \u2028 ok")
                               .Property("bad_utf8", std::string("a\xff"
                                                                 "b"))
                               .Metric("m", 1, "Count")
                               .Json());
  EXPECT_EQ(event["dish"], "cr?me br?l?e ?");
  EXPECT_EQ(event["query"], "crème brûlée 🍮 \u2028 ok");
  EXPECT_EQ(event["bad_utf8"],
            "a\xEF\xBF\xBD"
            "b");  // U+FFFD.
  EXPECT_EQ(event["blank"], "   ");
  EXPECT_EQ(Directive(event)["Dimensions"], json::parse(R"([["dish"]])"));
}

TEST(EmfEventTest, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string tricky = "say \"hi\"\\ \n\t\x01 </script>";
  const std::string line = EmfEvent("RecipeRag", kTimestamp)
                               .Property("note", tricky)
                               .Dimension("model", "a\"b\\c\nd")
                               .Metric("m", 1, "Count")
                               .Json();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const json event = Parse(line);
  EXPECT_EQ(event["note"], tricky);
  EXPECT_EQ(event["model"], "a\"b\\c?d");
}

TEST(EmfEventTest, LongDimensionValuesAreCut) {
  const json event = Parse(EmfEvent("RecipeRag", kTimestamp)
                               .Dimension("q", std::string(5000, 'x'))
                               .Metric("m", 1, "Count")
                               .Json());
  EXPECT_EQ(event["q"].get<std::string>().size(), EmfEvent::kMaxDimensionValueLength);
}

TEST(EmfEventTest, ANameBelongsToTheKindThatUsedItFirst) {
  const json event = Parse(EmfEvent("RecipeRag", kTimestamp)
                               .Dimension("route", "/a")
                               .Metric("route", 5, "Count")
                               .Property("route", "x")
                               .Dimension("route", "/b")
                               .Property("_aws", "nope")
                               .Metric("_aws", 1, "Count")
                               .Metric("count", 1, "Count")
                               .Dimension("count", "x")
                               .Json());
  EXPECT_EQ(event["route"], "/b");
  EXPECT_EQ(event["count"], 1);
  EXPECT_TRUE(event["_aws"].is_object());
  EXPECT_EQ(Directive(event)["Metrics"], json::parse(R"([{"Name":"count","Unit":"Count"}])"));
}

TEST(EmfEventTest, UnknownUnitsAreLeftOut) {
  const json event = Parse(EmfEvent("RecipeRag", kTimestamp)
                               .Metric("a", 1, "seconds")
                               .Metric("b", 1, "")
                               .Metric("c", 1, "Bytes/Second")
                               .Json());
  EXPECT_EQ(Directive(event)["Metrics"],
            json::parse(R"([{"Name":"a"},{"Name":"b"},{"Name":"c","Unit":"Bytes/Second"}])"));
}

TEST(EmfEventTest, InvalidMetricNamesAreNotDeclared) {
  const json event = Parse(EmfEvent("RecipeRag", kTimestamp)
                               .Metric("", 1, "Count")
                               .Metric(std::string(256, 'm'), 1, "Count")
                               .Metric(std::string(255, 'k'), 1, "Count")
                               .Json());
  ASSERT_EQ(Directive(event)["Metrics"].size(), 1u);
  EXPECT_EQ(Directive(event)["Metrics"][0]["Name"], std::string(255, 'k'));
}

TEST(EmfEventTest, InvalidNamespaceWritesAPlainLogLine) {
  EXPECT_FALSE(EmfEvent::IsValidNamespace(""));
  EXPECT_FALSE(EmfEvent::IsValidNamespace("   "));
  EXPECT_FALSE(EmfEvent::IsValidNamespace(":x"));
  EXPECT_FALSE(EmfEvent::IsValidNamespace("AWS/Lambda"));
  EXPECT_FALSE(EmfEvent::IsValidNamespace("a,b"));
  EXPECT_FALSE(EmfEvent::IsValidNamespace(std::string(256, 'n')));
  EXPECT_TRUE(EmfEvent::IsValidNamespace("Recipe Rag/prod-1.0#a:b_c"));
  const json event = Parse(EmfEvent("AWS/Mine", kTimestamp).Metric("m", 1, "Count").Json());
  EXPECT_FALSE(event.contains("_aws"));
  EXPECT_EQ(event["m"], 1);
}

TEST(EmfEventTest, UnitListMatchesCloudWatch) {
  for (const char* unit : {"Seconds",
                           "Microseconds",
                           "Milliseconds",
                           "Bytes",
                           "Kilobytes",
                           "Megabytes",
                           "Gigabytes",
                           "Terabytes",
                           "Bits",
                           "Kilobits",
                           "Megabits",
                           "Gigabits",
                           "Terabits",
                           "Percent",
                           "Count",
                           "Bytes/Second",
                           "Kilobytes/Second",
                           "Megabytes/Second",
                           "Gigabytes/Second",
                           "Terabytes/Second",
                           "Bits/Second",
                           "Kilobits/Second",
                           "Megabits/Second",
                           "Gigabits/Second",
                           "Terabits/Second",
                           "Count/Second",
                           "None"}) {
    EXPECT_TRUE(EmfEvent::IsValidUnit(unit)) << unit;
  }
  EXPECT_FALSE(EmfEvent::IsValidUnit("Minutes"));
  EXPECT_FALSE(EmfEvent::IsValidUnit("count"));
}

// Every kind of event the writer produces passes the independent validator.
TEST(EmfEventTest, EveryLinePassesTheSpecificationValidator) {
  std::vector<std::string> lines;
  auto add = [&lines](const EmfEvent& e) {
    for (auto& line : e.Lines()) lines.push_back(std::move(line));
  };
  add(EmfEvent("RecipeRag", kTimestamp)
          .Dimension("route", "/v1/ask")
          .Dimension("model", "gpt-4o-mini")
          .Metric("latency", 0.42, "Seconds")
          .Metric("cost", 0.000125, "None")
          .Metric("prompt_bytes", 2048, "Bytes")
          .Property("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"));
  EmfEvent wide("RecipeRag", kTimestamp);
  for (int i = 0; i < 35; ++i) wide.Dimension(Numbered("d", i), "v");
  add(wide.Metric("m", 1, "Count"));
  EmfEvent many("RecipeRag", kTimestamp);
  for (int i = 0; i < 150; ++i) many.Metric(Numbered("m", i), i, "Count");
  add(many);
  add(EmfEvent("RecipeRag", kTimestamp)
          .Metric("nan", std::nan(""), "Count")
          .Metric("ok", 1, "Count/Second"));
  add(EmfEvent("RecipeRag", kTimestamp)
          .Dimension("dish", "crème brûlée 🍮")
          .Dimension("empty", "")
          .Dimension("ctl", "a\x01\x7f")
          .Dimension(":colon", "x")
          .Dimension(std::string(300, 'n'), "x")
          .Property("query", "crème brûlée 🍮 \u2028")
          .Metric("m", 1, "Count"));
  add(EmfEvent("RecipeRag", kTimestamp)
          .Property("note", "say \"hi\"\\\n\t")
          .Dimension("q", std::string(2000, 'x'))
          .Metric("m", 1, "Count"));
  add(EmfEvent("RecipeRag", kTimestamp));
  EmfEvent values("RecipeRag", kTimestamp);
  for (int i = 0; i < 120; ++i) values.Metric("latency", i, "Milliseconds");
  add(values);
  ASSERT_GE(lines.size(), 10u);

  const CommandResult result = Validate(lines, "emf_all");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "");
}

// The validator is only worth running if it can fail: each hand-written line breaks one rule.
TEST(EmfRulesTest, ValidatorRejectsLinesThatBreakTheSpecification) {
  const std::string ok_aws =
      R"("_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N",)"
      R"("Dimensions":[["d"]],"Metrics":[{"Name":"m","Unit":"Count"}]}]})";
  ASSERT_EQ(Validate({"{" + ok_aws + R"(,"d":"x","m":1})"}, "emf_ok").exit_code, 0);

  std::string dims;
  std::string dim_members;
  for (int i = 0; i < 31; ++i) {
    dims += i ? "," : "";
    dims += Numbered("\"d", i) + '"';
    dim_members += Numbered(",\"d", i) + R"(":"v")";
  }
  std::string metric_defs;
  std::string metric_members;
  for (int i = 0; i < 101; ++i) {
    metric_defs += i ? "," : "";
    metric_defs += Numbered(R"({"Name":"m)", i) + R"("})";
    metric_members += Numbered(R"(,"m)", i) + R"(":1)";
  }
  std::string hundred_one = "[";
  for (int i = 0; i < 101; ++i) hundred_one += (i ? ",1" : "1");
  hundred_one += "]";
  const auto with = [](const std::string& directive, const std::string& members) {
    return R"({"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[)" + directive + "]}" +
           members + "}";
  };
  const struct {
    std::string line;
    std::string complaint;
  } cases[] = {
      {"not json", "not valid JSON"},
      {"[1]", "JSON object"},
      {R"({"m":1})", "_aws"},
      {"{" + ok_aws + R"(,"d":"x","m":NaN})", "not valid JSON"},
      {R"({"_aws":{"Timestamp":"1700000000000","CloudWatchMetrics":[]}})", "Timestamp"},
      {R"({"_aws":{"Timestamp":1700000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[]}]}})",
       "Timestamp"},
      {R"({"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[]}})", "non-empty"},
      {with(R"({"Namespace":":N","Dimensions":[[]],"Metrics":[]})", ""), "Namespace"},
      {with(R"({"Namespace":"","Dimensions":[[]],"Metrics":[]})", ""), "Namespace"},
      {with(R"({"Namespace":"N","Metrics":[]})", ""), "Dimensions missing"},
      {with(R"({"Namespace":"N","Dimensions":["d"],"Metrics":[]})", R"(,"d":"x")"),
       "array of dimension names"},
      {with(R"({"Namespace":"N","Dimensions":[[)" + dims + R"(]],"Metrics":[]})", dim_members),
       "more than 30"},
      {with(R"({"Namespace":"N","Dimensions":[["d"]],"Metrics":[]})", ""), "no top-level member"},
      {with(R"({"Namespace":"N","Dimensions":[["d"]],"Metrics":[]})", R"(,"d":5)"), "string value"},
      {with(R"({"Namespace":"N","Dimensions":[["d"]],"Metrics":[]})", R"(,"d":"caf\u00e9")"),
       "ASCII"},
      {with(R"({"Namespace":"N","Dimensions":[[]],"Metrics":[)" + metric_defs + "]}",
            metric_members),
       "more than 100"},
      {with(R"({"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"m"}]})", ""),
       "no top-level member"},
      {with(R"({"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"m"}]})", R"(,"m":"1")"),
       "finite number"},
      {with(R"({"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"m"}]})",
            ",\"m\":" + hundred_one),
       "1-100 values"},
      {with(R"({"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"m","Unit":"Minutes"}]})",
            R"(,"m":1)"),
       "not a CloudWatch unit"},
      {with(R"({"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"m","StorageResolution":5}]})",
            R"(,"m":1)"),
       "StorageResolution"},
      {with(R"({"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"m"},{"Name":"m"}]})",
            R"(,"m":1)"),
       "defined twice"},
      {with(R"({"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":""}]})", R"(,"":1)"), "Name"},
      {"{" + ok_aws + R"(,"d":"x","m":1,"m":2})", "appears twice"},
  };
  // One run for all cases; the validator prefixes each problem with "<file>:<line>: ".
  std::vector<std::string> lines;
  for (const auto& c : cases) lines.push_back(c.line);
  const CommandResult result = Validate(lines, "emf_bad");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  std::map<std::size_t, std::string> problems;  // By line number.
  std::istringstream output(result.output);
  for (std::string problem; std::getline(output, problem);) {
    const std::size_t end = problem.find(": ");
    const std::size_t start = problem.rfind(':', end - 1);
    ASSERT_TRUE(end != std::string::npos && start != std::string::npos) << problem;
    problems[std::stoul(problem.substr(start + 1, end - start - 1))] += problem + "\n";
  }
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    EXPECT_NE(problems[i + 1].find(cases[i].complaint), std::string::npos)
        << "expected a complaint about '" << cases[i].complaint << "' for " << cases[i].line
        << "\ngot: " << problems[i + 1];
  }
  EXPECT_NE(Validate({}, "emf_empty").exit_code, 0);  // A file without events is suspicious.
}

}  // namespace
}  // namespace recipe_rag::observability
