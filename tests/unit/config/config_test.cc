#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace recipe_rag::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRepoDefaults[] = RECIPE_RAG_SOURCE_DIR "/config/recipe-rag.toml";

// A fake process environment: what `lookup` answers and `env_names` lists.
using FakeEnv = std::map<std::string, std::string>;

EnvLookup LookupIn(FakeEnv env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    const auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

LoadRequest Request(std::optional<std::filesystem::path> defaults_file, const FakeEnv& env = {},
                    std::string env_name = {}) {
  LoadRequest r;
  r.defaults_file = std::move(defaults_file);
  r.env = std::move(env_name);
  r.lookup = LookupIn(env);
  for (const auto& [name, value] : env) r.env_names.push_back(name);
  return r;
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "config_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path Write(const std::string& name, const std::string& text) {
    auto path = dir_ / name;
    std::ofstream out(path, std::ios::binary);
    out << text;
    return path;
  }

  // Loads with only environment variables on top of the built-in defaults.
  static core::Result<Config> LoadWithEnv(const FakeEnv& env) {
    return Load(Request(std::nullopt, env));
  }

  std::filesystem::path dir_;
};

std::string ErrorOf(const core::Result<Config>& r) { return r.ok() ? "" : r.error().message; }

TEST_F(ConfigTest, BuiltInDefaultsLoadWithoutAFile) {
  auto r = Load(Request(std::nullopt));
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  const Config& c = *r;
  EXPECT_EQ(c.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.server.io_threads, 0);
  EXPECT_EQ(c.server.body_limit_bytes, 1u << 20);
  EXPECT_EQ(c.server.header_limit_bytes, 16u << 10);
  EXPECT_EQ(c.server.max_connections, 10'000);
  EXPECT_EQ(c.search.queue_capacity, 256);
  EXPECT_EQ(c.index.path, "var/index");
  EXPECT_TRUE(c.auth.tokens.empty());
  EXPECT_EQ(c.log.level, "info");
  EXPECT_TRUE(c.log.access_log);
  EXPECT_EQ(c.env, "");
  EXPECT_EQ(c.sha256.size(), 64u);
  EXPECT_EQ(c.sha256.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST_F(ConfigTest, DefaultsFileSetsEverySection) {
  const auto file = Write("recipe-rag.toml", R"(
[server]
listen = "0.0.0.0:9090"
io_threads = 3
body_limit_bytes = 2048
header_limit_bytes = 4096
header_timeout_ms = 11
idle_timeout_ms = 12
request_timeout_ms = 13
drain_timeout_ms = 0
max_connections = 7

[search]
workers = 2
queue_capacity = 9
retry_after_s = 5
max_query_chars = 100

[index]
path = "/srv/index"

[auth]
tokens = ["env:API_TOKEN", "file:/run/secrets/tokens"]

[log]
level = "debug"
access_log = false
)");
  auto r = Load(Request(file));
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  const Config& c = *r;
  EXPECT_EQ(c.server.listen, "0.0.0.0:9090");
  EXPECT_EQ(c.server.io_threads, 3);
  EXPECT_EQ(c.server.body_limit_bytes, 2048u);
  EXPECT_EQ(c.server.header_limit_bytes, 4096u);
  EXPECT_EQ(c.server.header_timeout_ms, 11);
  EXPECT_EQ(c.server.idle_timeout_ms, 12);
  EXPECT_EQ(c.server.request_timeout_ms, 13);
  EXPECT_EQ(c.server.drain_timeout_ms, 0);
  EXPECT_EQ(c.server.max_connections, 7);
  EXPECT_EQ(c.search.workers, 2);
  EXPECT_EQ(c.search.queue_capacity, 9);
  EXPECT_EQ(c.search.retry_after_s, 5);
  EXPECT_EQ(c.search.max_query_chars, 100);
  EXPECT_EQ(c.index.path, "/srv/index");
  EXPECT_THAT(c.auth.tokens, ElementsAre("env:API_TOKEN", "file:/run/secrets/tokens"));
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_FALSE(c.log.access_log);
}

TEST_F(ConfigTest, KeysMissingFromTheFileKeepBuiltInDefaults) {
  const auto file = Write("recipe-rag.toml", "[server]\nio_threads = 2\n");
  auto r = Load(Request(file));
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->server.io_threads, 2);
  EXPECT_EQ(r->server.listen, "127.0.0.1:8080");
  EXPECT_EQ(r->log.level, "info");
}

TEST_F(ConfigTest, MissingDefaultsFileIsAnError) {
  auto r = Load(Request(dir_ / "absent.toml"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("absent.toml"));
}

TEST_F(ConfigTest, DefaultsPathThatIsADirectoryIsAnError) {
  std::filesystem::create_directory(dir_ / "conf.d");
  auto r = Load(Request(dir_ / "conf.d"));
  EXPECT_FALSE(r.ok()) << "a directory given as the config file was silently ignored";
}

TEST_F(ConfigTest, TomlSyntaxErrorNamesFileAndLine) {
  const auto file = Write("recipe-rag.toml", "[server]\nio_threads = 2\nlisten = \n");
  auto r = Load(Request(file));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("recipe-rag.toml:3:"));
}

TEST_F(ConfigTest, OverlayNextToTheDefaultsFileIsApplied) {
  const auto file = Write("recipe-rag.toml", "[server]\nio_threads = 2\n[log]\nlevel = \"warn\"\n");
  Write("staging.toml", "[server]\nio_threads = 6\n");
  auto r = Load(Request(file, {}, "staging"));
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->server.io_threads, 6);
  EXPECT_EQ(r->log.level, "warn");  // not in the overlay: the defaults file's value stays
  EXPECT_EQ(r->env, "staging");
}

TEST_F(ConfigTest, RecipeRagEnvVariableSelectsTheOverlay) {
  const auto file = Write("recipe-rag.toml", "");
  Write("staging.toml", "[server]\nio_threads = 6\n");
  auto r = Load(Request(file, {{"RECIPE_RAG_ENV", "staging"}}));
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->server.io_threads, 6);
  EXPECT_EQ(r->env, "staging");
}

TEST_F(ConfigTest, ExplicitEnvBeatsRecipeRagEnvVariable) {
  const auto file = Write("recipe-rag.toml", "");
  Write("staging.toml", "[server]\nio_threads = 6\n");
  Write("prod.toml", "[server]\nio_threads = 8\n");
  auto r = Load(Request(file, {{"RECIPE_RAG_ENV", "staging"}}, "prod"));
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->server.io_threads, 8);
  EXPECT_EQ(r->env, "prod");
}

TEST_F(ConfigTest, MissingOverlayIsAnErrorNamingTheEnvironment) {
  const auto file = Write("recipe-rag.toml", "");
  auto r = Load(Request(file, {}, "qa"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("'qa'"));
  EXPECT_THAT(r.error().message, HasSubstr("qa.toml"));
}

TEST_F(ConfigTest, RejectsEnvironmentNamesThatCouldEscapeTheConfigDirectory) {
  const auto file = Write("recipe-rag.toml", "");
  Write("Prod.toml", "");
  for (const std::string bad : {"../recipe-rag", "a/b", "Prod", "dev.toml", "with space"}) {
    auto r = Load(Request(file, {}, bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error().message, HasSubstr("environment name")) << bad;
  }
}

TEST_F(ConfigTest, EnvVariableOverridesAnInteger) {
  auto r = LoadWithEnv({{"RECIPE_RAG__SERVER__IO_THREADS", "4"}});
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->server.io_threads, 4);
}

TEST_F(ConfigTest, EnvVariableValueThatIsNotTomlIsTakenAsAString) {
  auto r = LoadWithEnv({{"RECIPE_RAG__SERVER__LISTEN", "127.0.0.1:9000"},
                        {"RECIPE_RAG__INDEX__PATH", "/data/idx dir/v2"},
                        {"RECIPE_RAG__LOG__LEVEL", "debug"}});
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->server.listen, "127.0.0.1:9000");
  EXPECT_EQ(r->index.path, "/data/idx dir/v2");
  EXPECT_EQ(r->log.level, "debug");
}

TEST_F(ConfigTest, EnvVariableStringWithQuotesAndBackslashesIsKeptVerbatim) {
  auto r = LoadWithEnv({{"RECIPE_RAG__INDEX__PATH", R"(C:\idx "v2")"}});
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->index.path, R"(C:\idx "v2")");
}

TEST_F(ConfigTest, EnvVariableAcceptsTomlBooleansArraysAndQuotedStrings) {
  auto r = LoadWithEnv({{"RECIPE_RAG__LOG__ACCESS_LOG", "false"},
                        {"RECIPE_RAG__AUTH__TOKENS", R"(["env:A", "env:B"])"},
                        {"RECIPE_RAG__SERVER__LISTEN", R"("[::1]:7000")"}});
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_FALSE(r->log.access_log);
  EXPECT_THAT(r->auth.tokens, ElementsAre("env:A", "env:B"));
  EXPECT_EQ(r->server.listen, "[::1]:7000");
}

TEST_F(ConfigTest, EnvVariableNamesAreCaseInsensitiveAfterThePrefix) {
  auto r = LoadWithEnv({{"RECIPE_RAG__Server__Io_Threads", "5"}});
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->server.io_threads, 5);
}

TEST_F(ConfigTest, OnlyVariablesListedInEnvNamesAreApplied) {
  LoadRequest req = Request(std::nullopt);
  req.lookup = LookupIn({{"RECIPE_RAG__SERVER__IO_THREADS", "4"}});
  auto r = Load(req);
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->server.io_threads, 0);
}

TEST_F(ConfigTest, VariablesWithoutTheDoubleUnderscorePrefixAreNotOverrides) {
  auto r = LoadWithEnv({{"RECIPE_RAG_API_TOKENS", "aaaaaaaaaa,bbbbbbbbbb"},
                        {"RECIPE_RAG_SERVER__IO_THREADS", "4"},
                        {"HOME", "/root"}});
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->server.io_threads, 0);
}

TEST_F(ConfigTest, EnvVariableBeatsOverlayWhichBeatsDefaults) {
  const auto file = Write("recipe-rag.toml",
                          "[server]\nio_threads = 1\nmax_connections = 11\nlisten = \"a:1\"\n");
  Write("prod.toml", "[server]\nio_threads = 2\nmax_connections = 22\n");
  const FakeEnv env = {{"RECIPE_RAG__SERVER__IO_THREADS", "3"}};
  auto r = Load(Request(file, env, "prod"));
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->server.io_threads, 3);        // variable
  EXPECT_EQ(r->server.max_connections, 22);  // overlay
  EXPECT_EQ(r->server.listen, "a:1");        // defaults file
}

TEST_F(ConfigTest, UnknownSectionIsNamed) {
  const auto file = Write("recipe-rag.toml", "[bogus]\nx = 1\n");
  auto r = Load(Request(file));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("recipe-rag.toml: bogus: unknown section"));
}

TEST_F(ConfigTest, TopLevelKeyIsRejected) {
  const auto file = Write("recipe-rag.toml", "listen = \"127.0.0.1:1\"\n");
  auto r = Load(Request(file));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("listen"));
}

TEST_F(ConfigTest, UnknownKeyIsNamedByKeyPath) {
  const auto file = Write("recipe-rag.toml", "[server]\nbogus = 1\n");
  auto r = Load(Request(file));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("server.bogus: unknown key"));
}

TEST_F(ConfigTest, WrongTypeIsNamedByKeyPath) {
  const auto file = Write("recipe-rag.toml",
                          "[server]\nio_threads = \"four\"\nlisten = 8080\n"
                          "[log]\naccess_log = \"yes\"\n[auth]\ntokens = [1, 2]\n"
                          "[search]\nworkers = 1.5\n");
  auto r = Load(Request(file));
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  EXPECT_THAT(m, HasSubstr("server.io_threads: must be an integer"));
  EXPECT_THAT(m, HasSubstr("server.listen: must be a string"));
  EXPECT_THAT(m, HasSubstr("log.access_log: must be true or false"));
  EXPECT_THAT(m, HasSubstr("auth.tokens: must be an array of strings"));
  EXPECT_THAT(m, HasSubstr("search.workers: must be an integer"));
}

TEST_F(ConfigTest, OutOfRangeIntegersAreNamedWithTheirBounds) {
  const auto file = Write("recipe-rag.toml",
                          "[server]\nio_threads = 257\nbody_limit_bytes = 1023\n"
                          "[search]\nqueue_capacity = 0\n");
  auto r = Load(Request(file));
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  EXPECT_THAT(m, HasSubstr("server.io_threads: must be between 0 and 256"));
  EXPECT_THAT(m, HasSubstr("server.body_limit_bytes: must be between 1024 and"));
  EXPECT_THAT(m, HasSubstr("search.queue_capacity: must be between 1 and"));
}

TEST_F(ConfigTest, InvalidStringValuesAreRejected) {
  const auto file = Write("recipe-rag.toml", "[log]\nlevel = \"verbose\"\n[index]\npath = \"\"\n");
  auto r = Load(Request(file));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("log.level: must be one of"));
  EXPECT_THAT(r.error().message, HasSubstr("index.path: must not be empty"));
}

TEST_F(ConfigTest, EnvVariableProblemsNameTheVariableAndKeyPath) {
  auto r = LoadWithEnv({{"RECIPE_RAG__SERVER__BOGUS", "1"},
                        {"RECIPE_RAG__SERVER__IO_THREADS", "many"},
                        {"RECIPE_RAG__NOSECTION", "1"}});
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  EXPECT_THAT(m, HasSubstr("environment RECIPE_RAG__SERVER__BOGUS: server.bogus: unknown key"));
  EXPECT_THAT(m,
              HasSubstr("RECIPE_RAG__SERVER__IO_THREADS: server.io_threads: must be an integer"));
  EXPECT_THAT(m, HasSubstr("RECIPE_RAG__NOSECTION"));
}

TEST_F(ConfigTest, ReportsEveryProblemFromEveryLayerAtOnce) {
  const auto file = Write("recipe-rag.toml", "[server]\nbogus = 1\nio_threads = -1\n[nope]\n");
  Write("prod.toml", "[log]\nlevel = 3\n");
  auto r = Load(Request(file, {{"RECIPE_RAG__SEARCH__WORKERS", "1000"}}, "prod"));
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  EXPECT_THAT(m, HasSubstr("server.bogus"));
  EXPECT_THAT(m, HasSubstr("server.io_threads"));
  EXPECT_THAT(m, HasSubstr("nope: unknown section"));
  EXPECT_THAT(m, HasSubstr("prod.toml: log.level"));
  EXPECT_THAT(m, HasSubstr("search.workers"));
  // One line per problem after the heading.
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 5);
}

TEST_F(ConfigTest, EnvVariableForOneKeyCannotSetAnother) {
  // A value that smuggles a second TOML line must not change a key it does not name.
  auto r = LoadWithEnv({{"RECIPE_RAG__SERVER__IO_THREADS", "4\n[log]\nlevel = \"debug\""}});
  if (r.ok()) {
    EXPECT_EQ(r->log.level, "info");
  }
}

class ListenTest : public ::testing::TestWithParam<std::pair<const char*, bool>> {};

TEST_P(ListenTest, ValidatesHostAndPort) {
  const auto& [listen, valid] = GetParam();
  // Quoted, so the variable is read as a TOML string whatever it contains.
  auto r = Load(
      Request(std::nullopt, {{"RECIPE_RAG__SERVER__LISTEN", std::string("\"") + listen + "\""}}));
  EXPECT_EQ(r.ok(), valid) << listen << ": " << ErrorOf(r);
  if (r.ok()) {
    EXPECT_EQ(r->server.listen, listen);
  } else {
    EXPECT_THAT(r.error().message, HasSubstr("server.listen: must be HOST:PORT"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, ListenTest,
    ::testing::Values(std::pair{"127.0.0.1:8080", true}, std::pair{"0.0.0.0:0", true},
                      std::pair{"localhost:65535", true}, std::pair{"[::1]:443", true},
                      std::pair{"8080", false}, std::pair{":8080", false},
                      std::pair{"127.0.0.1:", false}, std::pair{"127.0.0.1:65536", false},
                      std::pair{"127.0.0.1:123456", false}, std::pair{"127.0.0.1:http", false},
                      std::pair{"127.0.0.1:-1", false}, std::pair{"127.0.0.1: 80", false},
                      std::pair{"", false}));

TEST_F(ConfigTest, DumpRedactedNeverPrintsPlainTokens) {
  auto r = LoadWithEnv({});
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  const auto lookup =
      LookupIn({{"RECIPE_RAG_API_TOKENS", "first-secret-token, second-secret-token"}});
  const std::string dump = DumpRedacted(*r, lookup);
  EXPECT_THAT(dump, Not(HasSubstr("first-secret-token")));
  EXPECT_THAT(dump, Not(HasSubstr("second-secret-token")));
  const auto json = nlohmann::json::parse(dump, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << dump;
  EXPECT_EQ(json["auth"]["RECIPE_RAG_API_TOKENS"], "*** (2 tokens)");
}

TEST_F(ConfigTest, DumpRedactedShowsTheEffectiveValues) {
  const auto file = Write("recipe-rag.toml",
                          "[server]\nlisten = \"0.0.0.0:7\"\n[auth]\ntokens = [\"env:TOK\"]\n");
  auto r = Load(Request(file));
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  const auto json = nlohmann::json::parse(DumpRedacted(*r, LookupIn({})), nullptr, false);
  ASSERT_FALSE(json.is_discarded());
  EXPECT_EQ(json["server"]["listen"], "0.0.0.0:7");
  EXPECT_EQ(json["auth"]["tokens"], nlohmann::json::array({"env:TOK"}));
  EXPECT_FALSE(json["auth"].contains("RECIPE_RAG_API_TOKENS"));
  EXPECT_TRUE(json["env"].is_null());
  EXPECT_EQ(json["sha256"], r->sha256);
}

TEST_F(ConfigTest, ChecksumIsStableAndChangesWithAnyValue) {
  auto base = LoadWithEnv({});
  auto again = LoadWithEnv({});
  ASSERT_TRUE(base.ok() && again.ok());
  EXPECT_EQ(base->sha256, again->sha256);
  const FakeEnv one_change_each = {
      {"RECIPE_RAG__SERVER__LISTEN", "127.0.0.1:8081"},
      {"RECIPE_RAG__SERVER__IO_THREADS", "1"},
      {"RECIPE_RAG__SERVER__BODY_LIMIT_BYTES", "4096"},
      {"RECIPE_RAG__SERVER__HEADER_LIMIT_BYTES", "4096"},
      {"RECIPE_RAG__SERVER__HEADER_TIMEOUT_MS", "1"},
      {"RECIPE_RAG__SERVER__IDLE_TIMEOUT_MS", "1"},
      {"RECIPE_RAG__SERVER__REQUEST_TIMEOUT_MS", "1"},
      {"RECIPE_RAG__SERVER__DRAIN_TIMEOUT_MS", "1"},
      {"RECIPE_RAG__SERVER__MAX_CONNECTIONS", "1"},
      {"RECIPE_RAG__SEARCH__WORKERS", "1"},
      {"RECIPE_RAG__SEARCH__QUEUE_CAPACITY", "1"},
      {"RECIPE_RAG__SEARCH__RETRY_AFTER_S", "2"},
      {"RECIPE_RAG__SEARCH__MAX_QUERY_CHARS", "10"},
      {"RECIPE_RAG__INDEX__PATH", "other"},
      {"RECIPE_RAG__AUTH__TOKENS", R"(["env:X"])"},
      {"RECIPE_RAG__LOG__LEVEL", "error"},
      {"RECIPE_RAG__LOG__ACCESS_LOG", "false"},
  };
  for (const auto& [name, value] : one_change_each) {
    auto changed = LoadWithEnv({{name, value}});
    ASSERT_TRUE(changed.ok()) << name << ": " << ErrorOf(changed);
    EXPECT_NE(changed->sha256, base->sha256) << name;
  }
}

TEST_F(ConfigTest, RepoDefaultsFileLoadsAndMatchesBuiltInDefaults) {
  auto from_file = Load(Request(std::filesystem::path(kRepoDefaults)));
  ASSERT_TRUE(from_file.ok()) << ErrorOf(from_file);
  auto built_in = LoadWithEnv({});
  ASSERT_TRUE(built_in.ok());
  // The shipped file documents the defaults; drifting from the structs would be a surprise.
  EXPECT_EQ(from_file->sha256, built_in->sha256);
}

TEST_F(ConfigTest, RepoDevOverlayLoads) {
  auto r = Load(Request(std::filesystem::path(kRepoDefaults), {}, "dev"));
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->env, "dev");
  EXPECT_THAT(r->auth.tokens, ElementsAre("file:var/dev-token"));
}

TEST_F(ConfigTest, LlmSectionReadsModelsAndRefusesAPlainKey) {
  const auto file = Write("recipe-rag.toml", R"(
[llm]
provider = "openai"
model = "gpt-4o-mini"
fallback_model = "gpt-4o"
models = { "fast" = "gpt-4o-mini", "chef" = "gpt-4o" }
max_attempts = 4
)");
  auto r = Load(Request(file));
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->llm.provider, "openai");
  EXPECT_EQ(r->llm.fallback_model, "gpt-4o");
  EXPECT_EQ(r->llm.max_attempts, 4);
  EXPECT_THAT(r->llm.models,
              ElementsAre(std::pair<std::string, std::string>{"chef", "gpt-4o"},
                          std::pair<std::string, std::string>{"fast", "gpt-4o-mini"}));

  auto bad = LoadWithEnv({{"RECIPE_RAG__LLM__API_KEY", "sk-live-secret"},
                          {"RECIPE_RAG__LLM__PROVIDER", "anthropic"},
                          {"RECIPE_RAG__LLM__MODELS", "{ fast = 3 }"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(ErrorOf(bad), HasSubstr("llm.api_key: must be a reference"));
  EXPECT_THAT(ErrorOf(bad), HasSubstr("llm.provider: must be none or openai"));
  EXPECT_THAT(ErrorOf(bad), HasSubstr("llm.models"));
  EXPECT_THAT(ErrorOf(bad), Not(HasSubstr("sk-live-secret")));
}

TEST_F(ConfigTest, RepositoryDefaultsUseTheExtractiveWriter) {
  auto r = Load(Request(std::filesystem::path(kRepoDefaults)));
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->llm.provider, "none");
  EXPECT_EQ(r->llm.api_key, "env:OPENAI_API_KEY");
}

}  // namespace
}  // namespace recipe_rag::config
