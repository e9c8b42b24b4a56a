#include "cost/budget.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace recipe_rag::cost {
namespace {

using std::chrono::system_clock;

constexpr std::chrono::seconds kRetrySoon{1};

std::int64_t DayIndex(system_clock::time_point t) {
  return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
}

std::int64_t MonthIndex(system_clock::time_point t) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  return static_cast<std::int64_t>(static_cast<int>(ymd.year())) * 12 +
         static_cast<unsigned>(ymd.month()) - 1;
}

// Time left until the end of the UTC day or month containing `t` (at least one second).
std::chrono::seconds UntilPeriodEnd(system_clock::time_point t, bool daily) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  sys_days end = day + days(1);
  if (!daily) {
    const year_month_day ymd{day};
    end = sys_days{(ymd.year() / ymd.month() / 1) + months(1)};
  }
  return std::max(ceil<seconds>(end - t), seconds(1));
}

NanoUsd AddSaturating(NanoUsd a, NanoUsd b) {
  NanoUsd sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::numeric_limits<NanoUsd>::max();
  return sum;
}

// A limit in nano-dollars; a positive limit stays positive (0 means no limit).
NanoUsd LimitNanos(double usd) { return usd > 0 ? std::max<NanoUsd>(ToNanoUsd(usd), 1) : 0; }

std::string CheckLimits(const BudgetLimits& limits, const std::string& path) {
  std::string problems;
  if (!std::isfinite(limits.daily_usd) || limits.daily_usd < 0) {
    problems += "\n  " + path + ".daily_usd: must be a non-negative number (0 = no limit)";
  }
  if (!std::isfinite(limits.monthly_usd) || limits.monthly_usd < 0) {
    problems += "\n  " + path + ".monthly_usd: must be a non-negative number (0 = no limit)";
  }
  return problems;
}

}  // namespace

// ---- Reservation --------------------------------------------------------------------------

Reservation::Reservation(Reservation&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      token_id_(std::move(other.token_id_)),
      amount_(other.amount_) {}

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->Release(*this);
    owner_ = std::exchange(other.owner_, nullptr);
    token_id_ = std::move(other.token_id_);
    amount_ = other.amount_;
  }
  return *this;
}

Reservation::~Reservation() {
  if (owner_ != nullptr) owner_->Release(*this);
}

// ---- Budgets ------------------------------------------------------------------------------

core::Result<std::unique_ptr<Budgets>> Budgets::Create(BudgetConfig config, Ledger& ledger,
                                                       Clock now) {
  std::string problems;
  if (config.environment.empty()) problems += "\n  environment: must not be empty";
  if (!(config.alert_ratio > 0 && config.alert_ratio <= 1)) {
    problems += "\n  alert_ratio: must be greater than 0 and at most 1";
  }
  problems += CheckLimits(config.environment_limits, "environment_limits");
  for (const auto& [token, limits] : config.token_limits) {
    if (token.empty()) problems += "\n  token_limits: token ids must not be empty";
    problems += CheckLimits(limits, "token_limits." + token);
  }
  if (!problems.empty()) return core::Error::InvalidArgument("invalid budgets:" + problems);

  std::unique_ptr<Budgets> budgets(new Budgets(std::move(config), ledger, std::move(now)));
  if (auto st = budgets->Load(budgets->now_()); !st.ok()) return std::move(st).error();
  return budgets;
}

Budgets::Budgets(BudgetConfig config, Ledger& ledger, Clock now)
    : config_(std::move(config)), ledger_(ledger), now_(std::move(now)) {
  environment_.description = "environment " + config_.environment;
  environment_.alert_key = "environment:" + config_.environment;
  environment_.daily_limit = LimitNanos(config_.environment_limits.daily_usd);
  environment_.monthly_limit = LimitNanos(config_.environment_limits.monthly_usd);
  for (const auto& [token, limits] : config_.token_limits) {
    Totals& t = tokens_[token];
    t.description = "token " + token;
    t.alert_key = "token:" + config_.environment + ":" + token;
    t.daily_limit = LimitNanos(limits.daily_usd);
    t.monthly_limit = LimitNanos(limits.monthly_usd);
  }
}

core::Status Budgets::Load(system_clock::time_point now) {
  const std::lock_guard lock(mu_);
  day_ = DayIndex(now);
  month_ = MonthIndex(now);
  day_key_ = UtcDay(now);
  month_key_ = UtcMonth(now);
  auto load = [&](Totals& totals, std::optional<std::string> token) -> core::Status {
    const SpendScope scope{config_.environment, std::move(token)};
    auto day = ledger_.Spent(scope, Period::kDay, now);
    if (!day.ok()) return std::move(day).error();
    auto month = ledger_.Spent(scope, Period::kMonth, now);
    if (!month.ok()) return std::move(month).error();
    totals.day_spent = ToNanoUsd(*day);
    totals.month_spent = ToNanoUsd(*month);
    return core::Status::Ok();
  };
  if (auto st = load(environment_, std::nullopt); !st.ok()) return st;
  for (auto& [token, totals] : tokens_) {
    if (auto st = load(totals, token); !st.ok()) return st;
  }
  return core::Status::Ok();
}

void Budgets::RollOver(system_clock::time_point now) {
  if (const auto day = DayIndex(now); day > day_) {
    day_ = day;
    day_key_ = UtcDay(now);
    environment_.day_spent = 0;
    for (auto& [token, totals] : tokens_) totals.day_spent = 0;
    std::erase_if(alerted_, [](const auto& fired) { return fired.second; });
  }
  if (const auto month = MonthIndex(now); month > month_) {
    month_ = month;
    month_key_ = UtcMonth(now);
    environment_.month_spent = 0;
    for (auto& [token, totals] : tokens_) totals.month_spent = 0;
    std::erase_if(alerted_, [](const auto& fired) { return !fired.second; });
  }
}

Budgets::Totals* Budgets::TokenTotals(std::string_view token_id) {
  const auto it = tokens_.find(token_id);
  return it == tokens_.end() ? nullptr : &it->second;
}

core::Result<Reservation> Budgets::Reserve(std::string_view token_id, double worst_case_usd) {
  if (!std::isfinite(worst_case_usd) || worst_case_usd < 0) {
    return core::Error::InvalidArgument("worst-case cost must be a non-negative number");
  }
  const NanoUsd amount = ToNanoUsd(worst_case_usd);
  const auto now = now_();

  const std::lock_guard lock(mu_);
  RollOver(now);
  Totals* token = TokenTotals(token_id);
  std::string refused;  // the first budget without room
  std::chrono::seconds retry_after{0};
  auto check = [&](const Totals& t, bool daily) {
    const NanoUsd limit = daily ? t.daily_limit : t.monthly_limit;
    const NanoUsd spent = daily ? t.day_spent : t.month_spent;
    if (limit == 0) return;
    // Saturated sums exceed every limit, so an absurd amount is refused, not wrapped round.
    if (AddSaturating(AddSaturating(spent, t.reserved), amount) <= limit) return;
    if (refused.empty()) {
      refused = std::string(daily ? "daily" : "monthly") + " budget for " + t.description;
    }
    const bool spent_alone = AddSaturating(spent, amount) > limit;
    retry_after = std::max(retry_after, spent_alone ? UntilPeriodEnd(now, daily) : kRetrySoon);
  };
  if (token != nullptr) {
    check(*token, true);
    check(*token, false);
  }
  check(environment_, true);
  check(environment_, false);
  if (!refused.empty()) {
    return core::Error::ResourceExhausted(refused + " would be exceeded", retry_after);
  }
  environment_.reserved = AddSaturating(environment_.reserved, amount);
  if (token != nullptr) token->reserved = AddSaturating(token->reserved, amount);
  return Reservation(this, std::string(token_id), amount);
}

void Budgets::Release(Reservation& reservation) noexcept {
  const std::lock_guard lock(mu_);
  environment_.reserved -= reservation.amount_;
  if (Totals* token = TokenTotals(reservation.token_id_)) token->reserved -= reservation.amount_;
  reservation.owner_ = nullptr;
}

Settlement Budgets::Settle(Reservation&& reservation, std::string_view model, const Usage& usage,
                           double cost_usd) {
  assert(reservation.owner_ == this && "settling a reservation twice or from other Budgets");
  const NanoUsd actual = std::isfinite(cost_usd) ? ToNanoUsd(cost_usd) : 0;
  const auto now = now_();
  struct Candidate {
    std::string alert_key;
    BudgetAlert alert;
  };
  std::vector<Candidate> candidates;
  {
    const std::lock_guard lock(mu_);
    RollOver(now);
    Totals* token = TokenTotals(reservation.token_id_);
    if (reservation.owner_ == this) {
      environment_.reserved -= reservation.amount_;
      if (token != nullptr) token->reserved -= reservation.amount_;
      reservation.owner_ = nullptr;
    }
    auto add = [&](Totals& t) {
      t.day_spent = AddSaturating(t.day_spent, actual);
      t.month_spent = AddSaturating(t.month_spent, actual);
      for (const bool daily : {true, false}) {
        const NanoUsd limit = daily ? t.daily_limit : t.monthly_limit;
        const NanoUsd spent = daily ? t.day_spent : t.month_spent;
        if (limit == 0) continue;
        const double ratio = static_cast<double>(spent) / static_cast<double>(limit);
        if (ratio < config_.alert_ratio) continue;
        if (!alerted_.emplace(t.alert_key, daily).second) continue;
        candidates.push_back({t.alert_key,
                              {t.description, daily ? "daily" : "monthly",
                               daily ? day_key_ : month_key_, ToUsd(limit), ToUsd(spent), ratio}});
      }
    };
    add(environment_);
    if (token != nullptr) add(*token);
  }

  Settlement settlement;
  settlement.recorded = ledger_.Record(
      {now, config_.environment, reservation.token_id_, std::string(model), usage, cost_usd});
  for (auto& c : candidates) {
    // When the ledger cannot tell, the alert fires: a repeat is better than a silent budget.
    const auto first = ledger_.MarkAlerted(c.alert_key, c.alert.period_key, config_.alert_ratio);
    if (!first.ok() || *first) settlement.alerts.push_back(std::move(c.alert));
  }
  return settlement;
}

std::vector<BudgetStatus> Budgets::Snapshot() const {
  const auto now = now_();
  const std::lock_guard lock(mu_);
  const bool same_day = DayIndex(now) <= day_;
  const bool same_month = MonthIndex(now) <= month_;
  const std::string day_key = same_day ? day_key_ : UtcDay(now);
  const std::string month_key = same_month ? month_key_ : UtcMonth(now);
  std::vector<BudgetStatus> out;
  auto add = [&](const Totals& t, bool daily, bool always) {
    const NanoUsd limit = daily ? t.daily_limit : t.monthly_limit;
    if (limit == 0 && !always) return;
    NanoUsd spent = 0;
    if (daily && same_day) spent = t.day_spent;
    if (!daily && same_month) spent = t.month_spent;
    out.push_back({t.description, daily ? "daily" : "monthly", daily ? day_key : month_key,
                   ToUsd(limit), ToUsd(spent), ToUsd(t.reserved),
                   limit == 0 ? 0 : static_cast<double>(spent) / static_cast<double>(limit)});
  };
  add(environment_, true, true);
  add(environment_, false, true);
  for (const auto& [token, totals] : tokens_) {
    add(totals, true, false);
    add(totals, false, false);
  }
  return out;
}

}  // namespace recipe_rag::cost
