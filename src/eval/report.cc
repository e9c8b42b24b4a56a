#include "eval/report.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace recipe_rag::eval {
namespace {

using json = nlohmann::ordered_json;  // keys in the order written: summary first

constexpr int kReportVersion = 1;

std::string Format(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string PadLeft(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string PadRight(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

json Optional(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json Metrics(const MetricValues& values) {
  json out = json::object();
  for (const auto metric : kAllMetrics) {
    out[std::string(MetricName(metric))] = Optional(At(values, metric));
  }
  return out;
}

json Row(const KindRow& row) {
  json out = {{"kind", row.kind},
              {"n", row.n},
              {"n_answerable", row.n_answerable},
              {"n_constrained", row.n_constrained}};
  out.update(Metrics(row.mean));
  return out;
}

std::optional<double> PassRate(const NoAnswerSummary& s) {
  if (s.queries == 0) return std::nullopt;
  return static_cast<double>(s.passed) / static_cast<double>(s.queries);
}

json SummaryJson(const EvalRun& run) {
  json kinds = json::object();
  for (const auto& row : run.summary.kinds) kinds[row.kind] = Row(row);
  const auto& na = run.summary.no_answer;
  return {{"set", run.set_name},
          {"top_k", run.top_k},
          {"no_answer_threshold", Optional(run.no_answer_threshold)},
          {"queries", run.outcomes.size()},
          {"overall", Row(run.summary.overall)},
          {"kinds", std::move(kinds)},
          {"no_answer",
           {{"queries", na.queries},
            {"returned_nothing", na.returned_nothing},
            {"passed", na.passed},
            {"pass_rate", Optional(PassRate(na))}}}};
}

json QueryJson(const QueryOutcome& o) {
  json results = json::array();
  for (const auto& item : o.results.items) {
    json r = {{"id", item.id}};
    if (item.score) r["score"] = *item.score;
    if (item.low_confidence) r["low_confidence"] = *item.low_confidence;
    results.push_back(std::move(r));
  }
  json out = {{"qid", o.query.qid},
              {"kind", o.query.kind},
              {"query", o.query.query},
              {"results", std::move(results)},
              {"top_score", Optional(TopScore(o.results))},
              {"metrics", Metrics(o.metrics)}};
  if (o.no_answer_pass) out["no_answer_pass"] = *o.no_answer_pass;
  return out;
}

// A table cell: 3 decimals, "-" when undefined.
std::string Cell(const std::optional<double>& v) { return v ? Format("%.3f", *v) : "-"; }

// score.py's fmt(): "%6.3f", or "   -  " when undefined.
std::string TextCell(const std::optional<double>& v) {
  return v ? Format("%6.3f", *v) : std::string("   -  ");
}

// Markdown table text: no pipes or line breaks.
std::string MdText(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string ThresholdText(const EvalRun& run) {
  return run.no_answer_threshold ? Format("%g", *run.no_answer_threshold) : "none";
}

std::string Yes(bool b) { return b ? "yes" : "no"; }

std::string FlagText(const RankedList& results) {
  if (results.items.empty() || !results.items.front().low_confidence) return "-";
  return Yes(*results.items.front().low_confidence);
}

bool WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  return !out.fail();
}

}  // namespace

std::string ReportJson(const EvalRun& run, const ReportContext& context) {
  json queries = json::array();
  for (const auto& o : run.outcomes) queries.push_back(QueryJson(o));
  const json report = {{"report_version", kReportVersion}, {"created", context.created},
                       {"set_file", context.set_file},     {"source", context.source},
                       {"summary", SummaryJson(run)},      {"queries", std::move(queries)}};
  return report.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string ReportMarkdown(const EvalRun& run, const ReportContext& context) {
  std::string md = "# Retrieval evaluation: " + run.set_name + "\n\n";
  md += "- query set: `" + context.set_file + "` (" + std::to_string(run.outcomes.size()) +
        " queries)\n";
  md += "- results from: " + context.source + "\n";
  md += "- top_k: " + std::to_string(run.top_k) + "; no-answer threshold: " + ThresholdText(run) +
        "\n";
  md += "- created: " + context.created + "\n\n";

  md += "| kind | n | ans |";
  std::string rule = "| --- | ---: | ---: |";
  for (const auto metric : kAllMetrics) {
    md += " " + std::string(MetricName(metric)) + " |";
    rule += " ---: |";
  }
  md += "\n" + rule + "\n";
  auto add_row = [&md](const KindRow& row, bool bold) {
    md += "| " + (bold ? "**" + row.kind + "**" : row.kind) + " | " + std::to_string(row.n) +
          " | " + std::to_string(row.n_answerable) + " |";
    for (const auto metric : kAllMetrics) md += " " + Cell(At(row.mean, metric)) + " |";
    md += "\n";
  };
  for (const auto& row : run.summary.kinds) add_row(row, false);
  add_row(run.summary.overall, true);
  md +=
      "\nMetrics are averaged over the queries that have them: the ranking metrics over "
      "answerable queries (ans), violations (share of returned recipes breaking the query's "
      "constraint) over constrained queries.\n";

  const auto& na = run.summary.no_answer;
  if (na.queries > 0) {
    md += "\n## No-answer queries\n\nPassed " + std::to_string(na.passed) + "/" +
          std::to_string(na.queries) +
          " (nothing returned: " + std::to_string(na.returned_nothing) + "/" +
          std::to_string(na.queries) +
          "). A query passes when nothing is returned or the top result is flagged low "
          "confidence (or, without a flag, scores under the threshold).\n\n";
    md += "| qid | query | results | top score | low confidence | pass |\n";
    md += "| --- | --- | ---: | ---: | --- | --- |\n";
    for (const auto& o : run.outcomes) {
      if (!o.query.expect_empty_or_low) continue;
      const auto top = TopScore(o.results);
      md += "| " + MdText(o.query.qid) + " | " + MdText(o.query.query) + " | " +
            std::to_string(o.results.items.size()) + " | " + (top ? Format("%.4f", *top) : "-") +
            " | " + FlagText(o.results) + " | " + Yes(o.no_answer_pass.value_or(false)) + " |\n";
    }
  }

  md +=
      "\n## Queries\n\n| qid | kind | query | hit@3 | ndcg@10 | recall@10 | violations | top 3 |\n";
  md += "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n";
  for (const auto& o : run.outcomes) {
    std::string top3;
    for (std::size_t i = 0; i < o.results.items.size() && i < 3; ++i) {
      if (i > 0) top3 += ", ";
      top3 += MdText(o.results.items[i].id);
    }
    md += "| " + MdText(o.query.qid) + " | " + MdText(o.query.kind) + " | " +
          MdText(o.query.query) + " | " + Cell(At(o.metrics, Metric::kHit3)) + " | " +
          Cell(At(o.metrics, Metric::kNdcg10)) + " | " + Cell(At(o.metrics, Metric::kRecall10)) +
          " | " + Cell(At(o.metrics, Metric::kViolations)) + " | " + top3 + " |\n";
  }
  return md;
}

std::string SummaryTable(const EvalRun& run) {
  std::string out = "top_k=" + std::to_string(run.top_k) +
                    "; metrics averaged over queries with labels (ans = answerable); "
                    "violations = share of returned ids breaking the query's constraint, over "
                    "constrained queries\n";
  std::string head = PadRight("kind", 14) + PadLeft("n", 4) + PadLeft("ans", 5);
  for (const auto metric : kAllMetrics) head += PadLeft(std::string(MetricName(metric)), 11);
  out += head + "\n" + std::string(head.size(), '-') + "\n";
  auto add_row = [&out](const KindRow& row) {
    out += PadRight(row.kind, 14) + PadLeft(std::to_string(row.n), 4) +
           PadLeft(std::to_string(row.n_answerable), 5);
    for (const auto metric : kAllMetrics) out += PadLeft(TextCell(At(row.mean, metric)), 11);
    out += "\n";
  };
  for (const auto& row : run.summary.kinds) add_row(row);
  add_row(run.summary.overall);

  const auto& na = run.summary.no_answer;
  if (na.queries > 0) {
    out += "\nexpect_empty_or_low queries: " + std::to_string(na.queries) +
           "; returned nothing: " + std::to_string(na.returned_nothing) + "/" +
           std::to_string(na.queries) + "; passed: " + std::to_string(na.passed) + "/" +
           std::to_string(na.queries) + " (threshold " + ThresholdText(run) + ")\n";
    for (const auto& o : run.outcomes) {
      if (!o.query.expect_empty_or_low) continue;
      const auto top = TopScore(o.results);
      out += "  " + PadRight(o.query.qid, 12) +
             " results=" + PadRight(std::to_string(o.results.items.size()), 3) +
             " top_score=" + PadRight(top ? Format("%.4f", *top) : "n/a", 8) +
             " low_confidence=" + PadRight(FlagText(o.results), 3) +
             " pass=" + PadRight(Yes(o.no_answer_pass.value_or(false)), 3) + "  \"" +
             o.query.query + "\"\n";
    }
  }
  const auto g = [&run](Metric m) {
    const auto& v = At(run.summary.overall.mean, m);
    return v ? Format("%.4f", *v) : std::string("nan");
  };
  out += "hit@3=" + g(Metric::kHit3) + " mrr=" + g(Metric::kMrr10) +
         " ndcg@10=" + g(Metric::kNdcg10) + " violations=" + g(Metric::kViolations) + "\n";
  return out;
}

core::Status WriteReport(const EvalRun& run, const ReportContext& context,
                         const std::filesystem::path& prefix) {
  std::error_code ec;
  if (prefix.has_parent_path()) std::filesystem::create_directories(prefix.parent_path(), ec);
  if (ec) {
    return core::Error::Internal("cannot create directory " + prefix.parent_path().string() + ": " +
                                 ec.message());
  }
  const std::filesystem::path json_path = prefix.string() + ".json";
  const std::filesystem::path md_path = prefix.string() + ".md";
  if (!WriteFile(json_path, ReportJson(run, context))) {
    return core::Error::Internal("cannot write " + json_path.string());
  }
  if (!WriteFile(md_path, ReportMarkdown(run, context))) {
    return core::Error::Internal("cannot write " + md_path.string());
  }
  return core::Status::Ok();
}

}  // namespace recipe_rag::eval
