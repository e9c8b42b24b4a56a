// recipe-rag: the command line. Parses flags (CLI11) and hands over to app/commands.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "core/version.h"

namespace {

void AddConfigFlags(CLI::App* cmd, recipe_rag::app::ConfigFlags& flags) {
  cmd->add_option("--config", flags.config_file, "Defaults file (default: config/recipe-rag.toml)");
  cmd->add_option("--env", flags.env, "Environment overlay config/<env>.toml (or RECIPE_RAG_ENV)");
}

}  // namespace

int Main(int argc, char** argv) {
  using namespace recipe_rag::app;
  CLI::App app{"recipe-rag: recipe search and grounded answers over HTTP"};
  app.set_version_flag("--version", std::string("recipe-rag ") + recipe_rag::core::kVersion + " (" +
                                        recipe_rag::core::kGitSha + ")");
  app.require_subcommand(1);

  ServeFlags serve;
  auto* serve_cmd = app.add_subcommand("serve", "Serve the HTTP API");
  AddConfigFlags(serve_cmd, serve.config);
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on (port 0: any free port)");
  serve_cmd->add_option("--index", serve.index, "Index directory");

  SearchFlags search;
  auto* search_cmd = app.add_subcommand("search", "Search the index from the command line");
  AddConfigFlags(search_cmd, search.config);
  search_cmd->add_option("query", search.query, "What to search for")->required();
  search_cmd->add_option("--top-k,-k", search.top_k, "Number of results (1-50)")
      ->check(CLI::Range(1, 50));
  search_cmd->add_flag("--json", search.json, "Print JSON");
  search_cmd->add_flag("--explain", search.explain,
                       "Show how each result was found (component ranks and scores)");
  search_cmd->add_option("--index", search.index, "Index directory");

  auto* index_cmd = app.add_subcommand("index", "Build or inspect an index");
  index_cmd->require_subcommand(1);
  IndexBuildFlags build;
  auto* build_cmd = index_cmd->add_subcommand("build", "Build an index directory from a corpus");
  AddConfigFlags(build_cmd, build.config);
  build_cmd->add_option("--corpus", build.corpus, "Corpus JSON file")->required();
  build_cmd->add_option("--out", build.out, "Index directory to write (replaced atomically)")
      ->required();
  build_cmd->add_option("--lexicon", build.lexicon, "Modern-to-period vocabulary (TSV)");
  build_cmd->add_flag("--require-instructions", build.require_instructions,
                      "Reject records whose instructions are empty");
  std::string info_dir;
  bool info_verify = false;
  auto* info_cmd = index_cmd->add_subcommand("info", "Print an index's manifest");
  info_cmd->add_option("dir", info_dir, "Index directory")->required();
  info_cmd->add_flag("--verify", info_verify, "Also verify every file's checksum");

  EvalFlags eval;
  auto* eval_cmd =
      app.add_subcommand("eval", "Score retrieval against a query set (docs/evaluation.md)");
  AddConfigFlags(eval_cmd, eval.config);
  eval_cmd->add_option("--set", eval.set, "Query set (JSONL), e.g. eval/dev.jsonl")->required();
  auto* url_opt = eval_cmd->add_option("--url", eval.url, "Server to query (default: in-process)");
  eval_cmd->add_option("--token", eval.token, "Bearer token for --url")->needs(url_opt);
  eval_cmd->add_option("--index", eval.index,
                       "Index directory (with --url: recipes for violations)");
  eval_cmd->add_option("--top-k", eval.top_k, "Results per query (1-10)")->check(CLI::Range(1, 10));
  eval_cmd->add_option("--out", eval.out, "Report prefix: writes PREFIX.json, PREFIX.md");
  auto* baseline_opt =
      eval_cmd->add_option("--baseline", eval.baseline, "Earlier report; exit 3 on a regression");
  eval_cmd->add_option("--max-drop", eval.max_drop, "Allowed drop of hit@3 and nDCG@10 (0.02)")
      ->check(CLI::Range(0.0, 1.0))
      ->needs(baseline_opt);

  auto* token_cmd = app.add_subcommand("token", "API tokens");
  token_cmd->require_subcommand(1);
  auto* token_new = token_cmd->add_subcommand("new", "Print a new random token and its SHA-256");

  ConfigFlags config_flags;
  auto* config_cmd = app.add_subcommand("config", "Configuration");
  config_cmd->require_subcommand(1);
  auto* check_cmd =
      config_cmd->add_subcommand("check", "Validate and print the effective configuration");
  AddConfigFlags(check_cmd, config_flags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  if (serve_cmd->parsed()) return Serve(serve);
  if (search_cmd->parsed()) return Search(search);
  if (build_cmd->parsed()) return IndexBuild(build);
  if (info_cmd->parsed()) return IndexInfo(info_dir, info_verify);
  if (eval_cmd->parsed()) return Eval(eval);
  if (token_new->parsed()) return TokenNew();
  if (check_cmd->parsed()) return ConfigCheck(config_flags);
  return 2;
}

int main(int argc, char** argv) {
  // Subcommands report expected failures as exit codes; this is the last resort for a bug
  // or an exhausted machine (std::bad_alloc), so it never ends in std::terminate.
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "recipe-rag: unexpected error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "recipe-rag: unexpected error\n";
  }
  return 1;
}
