// Metrics: counters and gauges with labels, exposed in the Prometheus text format (0.0.4).
//
// A family is registered once at start-up with its name, help and label names; a series is
// looked up by label values and then updated lock-free (the lookup takes a lock, so hot paths
// keep the Counter& they got). Families and series are never removed, and a family has at
// most kMaxSeries series, so a label fed by user input cannot grow memory without bound (the
// overflow goes to one series whose label values are all "other"). Thread-safe.
//
//   auto& retries = metrics.Counter("recipe_rag_llm_retries_total", "…", {"provider"});
//   retries.With({"openai"}).Add();
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace recipe_rag::observability {

class Series {
 public:
  void Add(std::int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void Set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

class Family {
 public:
  static constexpr std::size_t kMaxSeries = 1000;
  enum class Type { kCounter, kGauge };
  Family(std::string name, std::string help, Type type, std::vector<std::string> labels)
      : name_(std::move(name)), help_(std::move(help)), type_(type), labels_(std::move(labels)) {}

  const std::string& name() const { return name_; }
  // The series for these label values (as many as the family has labels).
  Series& With(const std::vector<std::string>& values);
  void Expose(std::string* out) const;

 private:
  const std::string name_;
  const std::string help_;
  const Type type_;
  const std::vector<std::string> labels_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
};

class Metrics {
 public:
  // Registers a family, or returns the one registered under `name` before.
  Family& Counter(const std::string& name, const std::string& help,
                  std::vector<std::string> labels = {});
  Family& Gauge(const std::string& name, const std::string& help,
                std::vector<std::string> labels = {});
  // Every family, in registration order, in the Prometheus text format.
  std::string Expose() const;

 private:
  Family& Register(const std::string& name, const std::string& help, Family::Type type,
                   std::vector<std::string> labels);
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
};

}  // namespace recipe_rag::observability
