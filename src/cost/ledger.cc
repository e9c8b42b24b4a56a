#include "cost/ledger.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace recipe_rag::cost {
namespace {

using storage::StepResult;

// Append-only: each entry moves the schema one version up (storage::Migrate).
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> migrations = {
      R"sql(
CREATE TABLE spend (
  environment TEXT NOT NULL,
  day TEXT NOT NULL,                   -- YYYY-MM-DD, UTC
  token_id TEXT NOT NULL,
  model TEXT NOT NULL,
  requests INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,       -- cached ones included
  cached_input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_nano_usd INTEGER NOT NULL,      -- USD x 1e9
  PRIMARY KEY (environment, day, token_id, model)
) WITHOUT ROWID;
CREATE INDEX spend_by_day ON spend (day);
CREATE TABLE budget_alerts (
  scope_key TEXT NOT NULL,
  period_key TEXT NOT NULL,
  threshold REAL NOT NULL,
  alerted_at TEXT NOT NULL,            -- UTC, for people
  PRIMARY KEY (scope_key, period_key, threshold)
) WITHOUT ROWID;
)sql",
  };
  return migrations;
}

constexpr char kRecordSql[] = R"sql(
INSERT INTO spend (environment, day, token_id, model, requests, input_tokens,
                   cached_input_tokens, output_tokens, cost_nano_usd)
VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8)
ON CONFLICT (environment, day, token_id, model) DO UPDATE SET
  requests = requests + 1,
  input_tokens = input_tokens + excluded.input_tokens,
  cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
  output_tokens = output_tokens + excluded.output_tokens,
  cost_nano_usd = cost_nano_usd + excluded.cost_nano_usd)sql";

constexpr char kSpentSql[] = R"sql(
SELECT COALESCE(SUM(cost_nano_usd), 0) FROM spend
WHERE environment = ?1 AND day BETWEEN ?2 AND ?3 AND (?4 IS NULL OR token_id = ?4))sql";

constexpr char kSeriesSql[] = R"sql(
SELECT day, environment, model, SUM(requests), SUM(input_tokens), SUM(cached_input_tokens),
       SUM(output_tokens), SUM(cost_nano_usd)
FROM spend WHERE day BETWEEN ?1 AND ?2
GROUP BY day, environment, model ORDER BY day, environment, model)sql";

constexpr char kMarkSql[] = R"sql(
INSERT INTO budget_alerts (scope_key, period_key, threshold, alerted_at)
VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
ON CONFLICT DO NOTHING)sql";

std::chrono::year_month_day CivilDay(std::chrono::system_clock::time_point t) {
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(t)};
}

bool LooksLikeDay(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
  }
  return true;
}

std::int64_t NonNegative(std::int64_t n) { return n < 0 ? 0 : n; }

}  // namespace

NanoUsd ToNanoUsd(double usd) {
  if (!(usd > 0)) return 0;
  constexpr double kMax = 9e18;  // below INT64_MAX, so the rounding cannot overflow
  const double nanos = usd * 1e9;
  if (nanos >= kMax) return static_cast<NanoUsd>(kMax);
  return std::llround(nanos);
}

double ToUsd(NanoUsd amount) { return static_cast<double>(amount) / 1e9; }

std::string UtcDay(std::chrono::system_clock::time_point t) {
  const auto ymd = CivilDay(t);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string UtcMonth(std::chrono::system_clock::time_point t) {
  const auto ymd = CivilDay(t);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()));
  return buf;
}

core::Result<std::unique_ptr<Ledger>> Ledger::Open(const std::filesystem::path& path) {
  auto db = storage::Database::Open(path);
  if (!db.ok()) return std::move(db).error();
  if (auto st = storage::Migrate(*db, Migrations()); !st.ok()) return std::move(st).error();
  auto record = db->Prepare(kRecordSql);
  if (!record.ok()) return std::move(record).error();
  auto spent = db->Prepare(kSpentSql);
  if (!spent.ok()) return std::move(spent).error();
  auto series = db->Prepare(kSeriesSql);
  if (!series.ok()) return std::move(series).error();
  auto mark = db->Prepare(kMarkSql);
  if (!mark.ok()) return std::move(mark).error();
  return std::unique_ptr<Ledger>(new Ledger(std::move(db).value(), std::move(record).value(),
                                            std::move(spent).value(), std::move(series).value(),
                                            std::move(mark).value()));
}

Ledger::Ledger(storage::Database db, storage::Statement record, storage::Statement spent,
               storage::Statement series, storage::Statement mark)
    : db_(std::move(db)),
      record_(std::move(record)),
      spent_(std::move(spent)),
      series_(std::move(series)),
      mark_(std::move(mark)) {}

core::Status Ledger::Record(const SpendEntry& entry) {
  const std::string day = UtcDay(entry.at);
  const std::int64_t input = NonNegative(entry.usage.input_tokens);
  const std::lock_guard lock(mu_);
  record_.Bind(1, entry.environment)
      .Bind(2, day)
      .Bind(3, entry.token_id)
      .Bind(4, entry.model)
      .Bind(5, input)
      .Bind(6, std::min(NonNegative(entry.usage.cached_input_tokens), input))
      .Bind(7, NonNegative(entry.usage.output_tokens))
      .Bind(8, ToNanoUsd(entry.cost_usd));
  return record_.Run();
}

core::Result<double> Ledger::Spent(const SpendScope& scope, Period period,
                                   std::chrono::system_clock::time_point at) const {
  std::string from;
  std::string to;
  if (period == Period::kDay) {
    from = to = UtcDay(at);
  } else {
    const std::string month = UtcMonth(at);
    from = month + "-01";
    to = month + "-31";  // days compare as text, so every day of the month is in range
  }
  const std::lock_guard lock(mu_);
  spent_.Bind(1, scope.environment).Bind(2, from).Bind(3, to);
  if (scope.token_id) {
    spent_.Bind(4, *scope.token_id);
  } else {
    spent_.Bind(4, nullptr);
  }
  auto step = spent_.Step();
  const NanoUsd total = step.ok() && *step == StepResult::kRow ? spent_.ColumnInt(0) : 0;
  spent_.Reset();
  if (!step.ok()) return std::move(step).error();
  return ToUsd(total);
}

core::Result<std::vector<SpendRow>> Ledger::Series(std::string_view from_day,
                                                   std::string_view to_day) const {
  if (!LooksLikeDay(from_day) || !LooksLikeDay(to_day)) {
    return core::Error::InvalidArgument("days must be written YYYY-MM-DD");
  }
  std::vector<SpendRow> rows;
  const std::lock_guard lock(mu_);
  series_.Bind(1, from_day).Bind(2, to_day);
  while (true) {
    auto step = series_.Step();
    if (!step.ok()) {
      series_.Reset();
      return std::move(step).error();
    }
    if (*step == StepResult::kDone) break;
    SpendRow row;
    row.day = series_.ColumnText(0);
    row.environment = series_.ColumnText(1);
    row.model = series_.ColumnText(2);
    row.requests = series_.ColumnInt(3);
    row.input_tokens = series_.ColumnInt(4);
    row.cached_input_tokens = series_.ColumnInt(5);
    row.output_tokens = series_.ColumnInt(6);
    row.cost_usd = ToUsd(series_.ColumnInt(7));
    rows.push_back(std::move(row));
  }
  series_.Reset();
  return rows;
}

core::Result<bool> Ledger::MarkAlerted(std::string_view scope_key, std::string_view period_key,
                                       double threshold) {
  const std::lock_guard lock(mu_);
  mark_.Bind(1, scope_key).Bind(2, period_key).Bind(3, threshold);
  if (auto st = mark_.Run(); !st.ok()) return std::move(st).error();
  return db_.Changes() == 1;
}

}  // namespace recipe_rag::cost
