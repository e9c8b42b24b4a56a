// Budgets: daily and monthly spending limits for an environment and for each API token,
// enforced with reservations so that concurrent calls never overshoot.
//
// Before a model call the caller reserves its worst-case cost; the reservation succeeds only
// when every limit that applies (the environment's and the token's, daily and monthly) has room
// for what was spent, what is reserved by calls in flight and this worst case. After the call
// the caller settles with the real cost, which is recorded in the Ledger. Overshoot is
// therefore zero as long as real costs do not exceed their reservations; a call that costs more
// than reserved is still counted in full.
//
// Totals for the current UTC day and month are read from the ledger once, at Create(), and kept
// in memory (rolling over at UTC midnight and at the start of a month, by the injected clock),
// so Reserve() is a mutex and some arithmetic, no I/O. This assumes one process per ledger and
// environment. Amounts are kept in whole nano-dollars, so the checks are exact.
//
// Thread-safe. Reservations must not outlive the Budgets that issued them.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "cost/ledger.h"
#include "cost/prices.h"

namespace recipe_rag::cost {

struct BudgetLimits {
  double daily_usd = 0;    // USD per UTC day; 0 = no limit
  double monthly_usd = 0;  // USD per UTC calendar month; 0 = no limit
};

struct BudgetConfig {
  std::string environment;                           // e.g. "prod"; required
  BudgetLimits environment_limits;                   // all tokens together
  std::map<std::string, BudgetLimits> token_limits;  // token id -> its own limits
  double alert_ratio = 0.8;  // an alert fires once per period when spent/limit reaches it
};

// A budget whose spend reached alert_ratio of its limit for the first time in its period.
struct BudgetAlert {
  std::string scope;       // "environment prod" or "token tok_1a2b3c4d"
  std::string period;      // "daily" or "monthly"
  std::string period_key;  // "2026-11-28" or "2026-11" (UTC)
  double limit_usd = 0;
  double spent_usd = 0;
  double ratio = 0;  // spent / limit
};

// One budget now, for a gauge and /v1/stats.
struct BudgetStatus {
  std::string scope;       // as in BudgetAlert
  std::string period;      // "daily" or "monthly"
  std::string period_key;  // the current UTC day or month
  double limit_usd = 0;    // 0 = no limit
  double spent_usd = 0;
  double reserved_usd = 0;  // held by calls in flight
  double ratio = 0;         // spent / limit; 0 without a limit
};

class Budgets;

// Room held for one call. Move-only. Destroying it without Settle() releases the room (the call
// failed before it cost anything).
class Reservation {
 public:
  Reservation(Reservation&& other) noexcept;
  Reservation& operator=(Reservation&& other) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  ~Reservation();

  const std::string& token_id() const { return token_id_; }
  double amount_usd() const { return ToUsd(amount_); }

 private:
  friend class Budgets;
  Reservation(Budgets* owner, std::string token_id, NanoUsd amount)
      : owner_(owner), token_id_(std::move(token_id)), amount_(amount) {}

  Budgets* owner_ = nullptr;  // null once settled, released or moved from
  std::string token_id_;
  NanoUsd amount_ = 0;
};

// What Settle() did.
struct Settlement {
  std::vector<BudgetAlert> alerts;  // budgets that reached alert_ratio for the first time
  // The ledger write. On failure the cost still counts in memory (limits stay enforced) but is
  // lost at the next restart; callers log and count it.
  core::Status recorded;
};

class Budgets {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Validates `config` and loads the current day's and month's spend from `ledger`, which
  // must outlive the Budgets. InvalidArgument naming the field (an empty environment, a
  // negative or non-finite limit, alert_ratio outside (0, 1]); ledger errors as Ledger::Spent.
  static core::Result<std::unique_ptr<Budgets>> Create(BudgetConfig config, Ledger& ledger,
                                                       Clock now = std::chrono::system_clock::now);

  Budgets(const Budgets&) = delete;
  Budgets& operator=(const Budgets&) = delete;

  // Holds `worst_case_usd` against every limit that applies to `token_id` (tokens without
  // limits of their own are held only against the environment's). ResourceExhausted when any
  // limit lacks room, naming that budget ("daily budget for environment prod") but no amounts;
  // retry_after is the time to the end of its period when spend alone leaves no room, else 1 s
  // (calls in flight may release room). InvalidArgument for a negative or non-finite amount.
  core::Result<Reservation> Reserve(std::string_view token_id, double worst_case_usd);

  // Counts the real cost of the reserved call (less or more than reserved) in the current day
  // and month, releases the reservation and records the call in the ledger. The ledger write is
  // a small local SQLite upsert (no fsync per call in WAL with synchronous=NORMAL) but can
  // wait up to the busy timeout; call it off the I/O threads. A negative or non-finite cost
  // counts as 0.
  Settlement Settle(Reservation&& reservation, std::string_view model, const Usage& usage,
                    double cost_usd);

  // Every budget of the environment (daily and monthly, limited or not) and every limited
  // budget of a token, in that order (tokens by id).
  std::vector<BudgetStatus> Snapshot() const;

 private:
  friend class Reservation;

  // One scope's limits and totals for the current day and month.
  struct Totals {
    std::string description;  // "environment prod"
    std::string alert_key;    // key in the ledger's budget_alerts
    NanoUsd daily_limit = 0;
    NanoUsd monthly_limit = 0;
    NanoUsd day_spent = 0;
    NanoUsd month_spent = 0;
    NanoUsd reserved = 0;
  };

  Budgets(BudgetConfig config, Ledger& ledger, Clock now);
  core::Status Load(std::chrono::system_clock::time_point now);
  void RollOver(std::chrono::system_clock::time_point now);  // needs mu_
  Totals* TokenTotals(std::string_view token_id);            // needs mu_; null when unlimited
  void Release(Reservation& reservation) noexcept;

  const BudgetConfig config_;
  Ledger& ledger_;
  const Clock now_;

  mutable std::mutex mu_;
  std::int64_t day_ = 0;    // the current UTC day, in days since 1970-01-01
  std::int64_t month_ = 0;  // the current UTC month, as year * 12 + month - 1
  std::string day_key_;
  std::string month_key_;
  Totals environment_;
  std::map<std::string, Totals, std::less<>> tokens_;  // tokens with limits
  std::set<std::pair<std::string, bool>> alerted_;     // (alert key, daily) fired this period
};

}  // namespace recipe_rag::cost
