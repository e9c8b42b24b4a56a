// Metrics: counters, gauges and fixed-bucket histograms with labels, exposed in the Prometheus
// text format (0.0.4) and readable as a snapshot (for the CloudWatch EMF writer and /stats).
//
// The registry is hand-written because Debian 12 packages no Prometheus C++ client library
// (prometheus-cpp is not in bookworm) and dependencies come from Debian packages only.
//
// A family is registered once at start-up with its name, help and label names; a series is
// looked up by label values (the lookup takes a lock, so hot paths keep the Series& or
// HistogramSeries& they got) and is then updated lock-free: Series::Add/Set is one atomic
// operation, HistogramSeries::Observe one atomic add on its bucket plus one on the sum (atomic
// adds on doubles compile to a compare-exchange loop on x86, uncontended in the common case).
// Families and series are never removed, and a family has at most kMaxSeries series, so a
// label fed by user input cannot grow memory without bound (the overflow goes to one series
// whose label values are all "other"). Thread-safe.
//
// Names follow the Prometheus rules: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]* not starting with "__" (and no "le" on a histogram). A family with an
// invalid name or labels still hands out working series but is never exposed; the reason is
// listed by Problems(). Help text and label values may hold any bytes: they are escaped.
//
//   auto& retries = metrics.Counter("recipe_rag_llm_retries_total", "…", {"provider"});
//   retries.With({"openai"}).Add();
//   auto& latency = metrics.Histogram("recipe_rag_llm_call_duration_seconds", "…",
//                                     DefaultLatencyBuckets(), {"provider"});
//   latency.WithHistogram({"openai"}).Observe(0.42);
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace recipe_rag::observability {

enum class MetricType { kCounter, kGauge, kHistogram };

// Upper bounds in seconds for request and upstream latencies: 1 ms … 30 s in 1-2.5-5 steps.
std::vector<double> DefaultLatencyBuckets();

// A counter or gauge value. Counters only ever Add() non-negative amounts; gauges Add() or Set().
// Integral amounts stay exact up to 2^53.
class Series {
 public:
  void Add(double n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A histogram's state read at one moment (buckets and sum are read one after the other, so a
// concurrent Observe() may show in one and not yet in the other).
struct HistogramSnapshot {
  std::vector<double> upper_bounds;   // Finite, strictly ascending; the +Inf bucket is implied.
  std::vector<std::uint64_t> counts;  // Per bucket, not cumulative: upper_bounds.size() + 1.
  std::uint64_t count = 0;            // Sum of counts.
  double sum = 0;
  // Estimate of the q-quantile (q clamped to [0, 1]) by linear interpolation inside the bucket
  // that holds it, as Prometheus' histogram_quantile() does: the first bucket starts at 0 (or
  // at its bound when that is not positive), and a quantile in the +Inf bucket is reported as
  // the largest finite bound. NaN when the histogram is empty or has no finite bound.
  double Quantile(double q) const;
};

// A histogram with fixed buckets; a value v lands in the first bucket whose bound is >= v.
class HistogramSeries {
 public:
  // `upper_bounds` (finite, strictly ascending) must outlive the series.
  explicit HistogramSeries(const std::vector<double>& upper_bounds);

  // Records one value. NaN is ignored. Bucket found by binary search; lock-free.
  void Observe(double v) {
    if (std::isnan(v)) return;
    const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
    buckets_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
  }
  HistogramSnapshot Read() const;

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1, last is +Inf.
  std::atomic<double> sum_{0};
};

struct SeriesSnapshot {
  std::vector<std::string> label_values;  // One per family label, in the family's order.
  double value = 0;                       // Counters and gauges.
  HistogramSnapshot histogram;            // Histograms.
};

struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<std::string> labels;
  std::vector<SeriesSnapshot> series;  // Ordered by label values.
};

class Family {
 public:
  static constexpr std::size_t kMaxSeries = 1000;
  using Type = MetricType;
  // `upper_bounds` is used by histograms only (finite, strictly ascending).
  Family(std::string name, std::string help, Type type, std::vector<std::string> labels,
         std::vector<double> upper_bounds = {});

  const std::string& name() const { return name_; }
  Type type() const { return type_; }
  const std::vector<std::string>& labels() const { return labels_; }
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

  // The series for these label values (missing values read as "", extra ones are ignored).
  // With() is for counters and gauges, WithHistogram() for histograms; the other accessor
  // returns a working series that is never exposed. References stay valid for the family's life.
  Series& With(const std::vector<std::string>& values);
  HistogramSeries& WithHistogram(const std::vector<std::string>& values);

  // Appends the family in the text format: HELP, TYPE, then one line per series (histograms:
  // cumulative _bucket lines up to le="+Inf", _sum and _count).
  void Expose(std::string* out) const;
  FamilySnapshot Snapshot() const;

 private:
  std::vector<std::string> Key(const std::vector<std::string>& values, std::size_t size) const;

  const std::string name_;
  const std::string help_;
  const Type type_;
  const std::vector<std::string> labels_;
  const std::vector<double> upper_bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
  std::map<std::vector<std::string>, std::unique_ptr<HistogramSeries>> histograms_;
};

class Metrics {
 public:
  // Registers a family, or returns the one registered under `name` before (a registration
  // that differs in type, labels or buckets is listed by Problems()).
  Family& Counter(const std::string& name, const std::string& help,
                  std::vector<std::string> labels = {});
  Family& Gauge(const std::string& name, const std::string& help,
                std::vector<std::string> labels = {});
  // `upper_bounds` are sorted and de-duplicated; a trailing +Inf is implied and dropped, NaN
  // and -Inf are dropped and listed by Problems().
  Family& Histogram(const std::string& name, const std::string& help,
                    std::vector<double> upper_bounds, std::vector<std::string> labels = {});

  // Every valid family, in registration order, in the Prometheus text format.
  std::string Expose() const;
  // Every valid family, in registration order, with its current values.
  std::vector<FamilySnapshot> Snapshot() const;
  // Why registrations were rejected or conflicted, one message each, oldest first.
  std::vector<std::string> Problems() const;

  static bool IsValidMetricName(const std::string& name);
  static bool IsValidLabelName(const std::string& name);

 private:
  Family& Register(const std::string& name, const std::string& help, MetricType type,
                   std::vector<std::string> labels, std::vector<double> upper_bounds,
                   const std::string& bounds_problem);
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::unique_ptr<Family>> rejected_;
  std::vector<std::string> problems_;
};

}  // namespace recipe_rag::observability
