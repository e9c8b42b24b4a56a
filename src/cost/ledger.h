// Ledger: what was spent, per UTC day, environment, token and model, in a SQLite file (WAL).
//
// Each Record() adds one call to its (day, environment, token, model) row: one upsert, so the
// file grows with days x tokens x models, not with requests. The ledger is what budgets are
// rebuilt from after a restart and what dashboards read; it also remembers which budget alerts
// have fired, so an alert fires once per period even across restarts.
//
// Money is stored in whole nano-dollars (USD x 1e9), so sums are exact and a total read back
// equals the sum of what was recorded, each rounded to the nearest nano-dollar.
//
// Thread-safe: one connection guarded by a mutex. One process writes a given file; several
// processes sharing one (or replicas sharing a budget) need a shared backend instead.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "cost/prices.h"
#include "storage/sqlite.h"

namespace recipe_rag::cost {

// USD in whole nano-dollars.
using NanoUsd = std::int64_t;
// The nearest whole nano-dollar; NaN and negative amounts read as 0, huge ones saturate.
NanoUsd ToNanoUsd(double usd);
double ToUsd(NanoUsd amount);

// Calendar keys, in UTC: "2026-11-28" and "2026-11".
std::string UtcDay(std::chrono::system_clock::time_point t);
std::string UtcMonth(std::chrono::system_clock::time_point t);

enum class Period { kDay, kMonth };

struct SpendScope {
  std::string environment;
  std::optional<std::string> token_id;  // nullopt: every token of the environment
};

// One call's spend.
struct SpendEntry {
  std::chrono::system_clock::time_point at;  // its UTC day is the row the call is added to
  std::string environment;
  std::string token_id;
  std::string model;
  Usage usage;
  double cost_usd = 0;
};

// Spend of one model in one environment on one day, all tokens together.
struct SpendRow {
  std::string day;  // YYYY-MM-DD, UTC
  std::string environment;
  std::string model;
  std::int64_t requests = 0;
  std::int64_t input_tokens = 0;
  std::int64_t cached_input_tokens = 0;
  std::int64_t output_tokens = 0;
  double cost_usd = 0;
};

class Ledger {
 public:
  // Opens or creates the file (its directory must exist) and brings its schema up to date.
  // Errors as storage::Database::Open and storage::Migrate (never naming the path).
  static core::Result<std::unique_ptr<Ledger>> Open(const std::filesystem::path& path);

  // Adds one call to its row (negative counts and costs read as 0). A blocking local write.
  // Unavailable when the file cannot be written (busy beyond the timeout, disk full).
  core::Status Record(const SpendEntry& entry);

  // USD spent by `scope` in the UTC day or month containing `at`.
  core::Result<double> Spent(const SpendScope& scope, Period period,
                             std::chrono::system_clock::time_point at) const;

  // Rows for days from `from_day` to `to_day` (YYYY-MM-DD, both included), ordered by day,
  // environment and model. InvalidArgument for a malformed day.
  core::Result<std::vector<SpendRow>> Series(std::string_view from_day,
                                             std::string_view to_day) const;

  // Records that the alert for `threshold` fired for `scope_key` in `period_key`. True only
  // the first time for that triple, in this process or any earlier one.
  core::Result<bool> MarkAlerted(std::string_view scope_key, std::string_view period_key,
                                 double threshold);

 private:
  Ledger(storage::Database db, storage::Statement record, storage::Statement spent,
         storage::Statement series, storage::Statement mark);

  mutable std::mutex mu_;
  storage::Database db_;  // declared before the statements, so destroyed after them
  storage::Statement record_;
  mutable storage::Statement spent_;
  mutable storage::Statement series_;
  storage::Statement mark_;
};

}  // namespace recipe_rag::cost
