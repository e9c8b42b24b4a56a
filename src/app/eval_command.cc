// `recipe-rag eval`: runs a query set against the index in-process or against a running
// server, prints the table, writes PREFIX.json and PREFIX.md, and optionally gates on a
// baseline. Exit codes: 0 done (gate passed or not asked), 1 bad input or I/O error, 3 the
// gate failed. docs/evaluation.md is the user's guide.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>

#include "app/commands.h"
#include "eval/gate.h"
#include "eval/http_search.h"
#include "eval/report.h"
#include "eval/runner.h"
#include "retrieval/index.h"

namespace recipe_rag::app {
namespace {

constexpr int kGateFailed = 3;
constexpr std::chrono::seconds kHttpTimeout{10};

int Fail(std::string_view message) {
  std::cerr << "recipe-rag eval: " << message << "\n";
  return 1;
}

// UTC now as ISO 8601 ("2026-11-27T15:40:00Z") and compact ("20261127T154000Z").
std::pair<std::string, std::string> UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char iso[32];
  char compact[32];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::strftime(compact, sizeof compact, "%Y%m%dT%H%M%SZ", &tm);
  return {iso, compact};
}

// On a terminal: "eval: 12/60" rewritten in place on stderr; nothing in pipes.
std::function<void(std::size_t, std::size_t)> Progress() {
  if (isatty(STDERR_FILENO) == 0) return {};
  return [](std::size_t done, std::size_t total) {
    std::fprintf(stderr, "\reval: %zu/%zu", done, total);
    if (done == total) std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  };
}

// The retriever flags low confidence itself (search.min_score is in its options).
eval::SearchFn InProcessSearch(const retrieval::LoadedIndex& index) {
  return [&index](const std::string& text, int top_k) -> core::Result<eval::RankedList> {
    retrieval::Query query;
    query.text = text;
    query.top_k = static_cast<std::size_t>(top_k);
    auto hits = index.retriever->Search(query);
    if (!hits.ok()) return std::move(hits).error();
    eval::RankedList out;
    out.items.reserve(hits->size());
    for (const auto& hit : *hits) {
      out.items.push_back({index.recipes[hit.recipe].id, hit.score, hit.low_confidence});
    }
    return out;
  };
}

}  // namespace

int Eval(const EvalFlags& flags) {
  auto config = LoadConfig(flags.config);
  if (!config.ok()) return Fail(config.error().message);
  auto set = eval::LoadQuerySet(flags.set);
  if (!set.ok()) return Fail(set.error().message);
  std::optional<eval::Baseline> baseline;
  if (!flags.baseline.empty()) {
    auto loaded = eval::LoadBaseline(flags.baseline);
    if (!loaded.ok()) return Fail(loaded.error().message);
    baseline = *loaded;
  }

  // In-process mode searches this index; --url mode reads its recipes for the constraint check.
  const std::string dir = flags.index.empty() ? config->index.path : flags.index;
  auto index = retrieval::LoadIndex(dir, IndexLoadOptions(*config, false));
  if (!index.ok()) {
    return Fail("index " + dir + ": " + index.error().message +
                (flags.url.empty() ? ""
                                   : " (with --url the index supplies the recipes that the "
                                     "constraint check reads; pass --index DIR)"));
  }
  const auto recipes = eval::IndexRecipes((*index)->recipes);
  const double min_score = config->search.min_score;

  eval::SearchFn search;
  std::string source;
  if (flags.url.empty()) {
    search = InProcessSearch(**index);
    source = "index " + dir + " (version " + (*index)->manifest.index_version + "), in-process";
  } else {
    auto client = eval::HttpSearch::Create({flags.url, flags.token, kHttpTimeout});
    if (!client.ok()) return Fail(client.error().message);
    source = client->Describe();
    search = [remote = std::move(*client)](const std::string& query, int top_k) {
      return remote.Search(query, top_k);
    };
  }

  eval::RunOptions options;
  options.top_k = flags.top_k;
  options.no_answer_threshold = min_score;
  options.progress = Progress();
  auto run = eval::RunEval(*set, search, recipes, options);
  if (!run.ok()) return Fail(run.error().message);

  std::size_t unknown = 0;
  for (const auto& o : run->outcomes) {
    for (const auto& item : o.results.items) unknown += recipes.count(item.id) == 0 ? 1 : 0;
  }
  if (unknown > 0) {
    std::cerr << "recipe-rag eval: warning: " << unknown
              << " returned ids are not in the index's recipes; the violation rate leaves them "
                 "out\n";
  }

  const auto [created, stamp] = UtcNow();
  const std::filesystem::path prefix =
      flags.out.empty() ? std::filesystem::path("var/eval") / (set->name + "-" + stamp)
                        : std::filesystem::path(flags.out);
  const eval::ReportContext context{flags.set, source, created};
  std::cout << eval::SummaryTable(*run);
  if (auto st = eval::WriteReport(*run, context, prefix); !st.ok()) {
    return Fail(st.error().message);
  }
  std::cerr << "recipe-rag eval: wrote " << prefix.string() << ".json and " << prefix.string()
            << ".md\n";

  if (!baseline) return 0;
  const auto gate = eval::CheckGate(run->summary, *baseline, flags.max_drop);
  std::cout << "\ngate against " << flags.baseline << ":\n";
  for (const auto& line : gate.lines) std::cout << "  " << line << "\n";
  std::cout << (gate.passed ? "gate: passed\n" : "gate: FAILED\n");
  return gate.passed ? 0 : kGateFailed;
}

}  // namespace recipe_rag::app
