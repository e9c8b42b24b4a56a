#include "observability/metrics.h"

#include <charconv>
#include <limits>

namespace recipe_rag::observability {
namespace {

// Label values escaped as the text format requires: backslash, double quote and newline.
void AppendLabelValue(std::string* out, const std::string& value) {
  for (const char c : value) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '"') {
      *out += "\\\"";
    } else if (c == '\n') {
      *out += "\\n";
    } else {
      *out += c;
    }
  }
}

// Help text escaped as the text format requires: backslash and newline.
void AppendHelp(std::string* out, const std::string& help) {
  for (const char c : help) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '\n') {
      *out += "\\n";
    } else {
      *out += c;
    }
  }
}

// Integral values (below 2^53) without a decimal point, others in the shortest form that reads
// back to the same double; NaN and infinities as the text format spells them.
void AppendNumber(std::string* out, double v) {
  if (std::isnan(v)) {
    *out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  std::to_chars_result r{};
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (v == std::trunc(v) && std::fabs(v) < kExactIntegers) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));
  } else {
    r = std::to_chars(buf, buf + sizeof buf, v);
  }
  out->append(buf, r.ptr);
}

void AppendNumber(std::string* out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// `{a="x",b="y"` without the closing brace (empty when there are no labels and no extra label
// is to follow), so histogram lines can append le="…".
std::string LabelPrefix(const std::vector<std::string>& labels,
                        const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    out += i == 0 ? '{' : ',';
    out += labels[i] + "=\"";
    AppendLabelValue(&out, values[i]);
    out += '"';
  }
  return out;
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

bool IsNameChar(char c, bool first, bool colon) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return alpha || (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

// Why the labels cannot be used, or "" when they can.
std::string LabelProblem(const std::vector<std::string>& labels, MetricType type) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!Metrics::IsValidLabelName(labels[i])) {
      return "invalid label name \"" + labels[i] + "\"";
    }
    if (type == MetricType::kHistogram && labels[i] == "le") {
      return "label \"le\" is reserved for histogram buckets";
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (labels[j] == labels[i]) return "duplicate label name \"" + labels[i] + "\"";
    }
  }
  return "";
}

}  // namespace

std::vector<double> DefaultLatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

double HistogramSnapshot::Quantile(double q) const {
  if (count == 0 || upper_bounds.empty() || std::isnan(q)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * static_cast<double>(count);
  std::uint64_t below = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0 || static_cast<double>(below + counts[i]) < rank) {
      below += counts[i];
      continue;
    }
    if (i == upper_bounds.size()) return upper_bounds.back();
    const double end = upper_bounds[i];
    double start = 0;
    if (i > 0) {
      start = upper_bounds[i - 1];
    } else if (end <= 0) {
      return end;
    }
    const double within = (rank - static_cast<double>(below)) / static_cast<double>(counts[i]);
    return start + (end - start) * within;
  }
  return upper_bounds.back();
}

HistogramSeries::HistogramSeries(const std::vector<double>& upper_bounds)
    : bounds_(upper_bounds),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds.size() + 1)) {}

HistogramSnapshot HistogramSeries::Read() const {
  HistogramSnapshot s;
  s.upper_bounds = bounds_;
  s.counts.resize(bounds_.size() + 1);
  for (std::size_t i = 0; i < s.counts.size(); ++i) {
    s.counts[i] = buckets_[i].load(std::memory_order_relaxed);
    s.count += s.counts[i];
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

Family::Family(std::string name, std::string help, Type type, std::vector<std::string> labels,
               std::vector<double> upper_bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      labels_(std::move(labels)),
      upper_bounds_(std::move(upper_bounds)) {}

std::vector<std::string> Family::Key(const std::vector<std::string>& values,
                                     std::size_t size) const {
  if (size >= kMaxSeries) return std::vector<std::string>(labels_.size(), "other");
  std::vector<std::string> key = values;
  key.resize(labels_.size());
  return key;
}

Series& Family::With(const std::vector<std::string>& values) {
  std::lock_guard lock(mu_);
  auto it = series_.find(values);
  if (it != series_.end()) return *it->second;
  auto& slot = series_[Key(values, series_.size())];
  if (!slot) slot = std::make_unique<Series>();
  return *slot;
}

HistogramSeries& Family::WithHistogram(const std::vector<std::string>& values) {
  std::lock_guard lock(mu_);
  auto it = histograms_.find(values);
  if (it != histograms_.end()) return *it->second;
  auto& slot = histograms_[Key(values, histograms_.size())];
  if (!slot) slot = std::make_unique<HistogramSeries>(upper_bounds_);
  return *slot;
}

void Family::Expose(std::string* out) const {
  *out += "# HELP " + name_ + ' ';
  AppendHelp(out, help_);
  *out += "\n# TYPE " + name_ + ' ' + TypeName(type_) + '\n';
  std::lock_guard lock(mu_);
  if (type_ != Type::kHistogram) {
    for (const auto& [values, series] : series_) {
      *out += name_;
      const std::string labels = LabelPrefix(labels_, values);
      if (!labels.empty()) *out += labels + '}';
      *out += ' ';
      AppendNumber(out, series->value());
      *out += '\n';
    }
    return;
  }
  for (const auto& [values, series] : histograms_) {
    const HistogramSnapshot h = series->Read();
    const std::string labels = LabelPrefix(labels_, values);
    const std::string bucket_prefix = name_ + "_bucket" + (labels.empty() ? "{" : labels + ',');
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
      cumulative += h.counts[i];
      *out += bucket_prefix + "le=\"";
      if (i < h.upper_bounds.size()) {
        AppendNumber(out, h.upper_bounds[i]);
      } else {
        *out += "+Inf";
      }
      *out += "\"} ";
      AppendNumber(out, cumulative);
      *out += '\n';
    }
    const std::string suffix = labels.empty() ? " " : labels + "} ";
    *out += name_ + "_sum" + suffix;
    AppendNumber(out, h.sum);
    *out += '\n' + name_ + "_count" + suffix;
    AppendNumber(out, h.count);
    *out += '\n';
  }
}

FamilySnapshot Family::Snapshot() const {
  FamilySnapshot f{name_, help_, type_, labels_, {}};
  std::lock_guard lock(mu_);
  if (type_ != Type::kHistogram) {
    for (const auto& [values, series] : series_) f.series.push_back({values, series->value(), {}});
  } else {
    for (const auto& [values, series] : histograms_)
      f.series.push_back({values, 0, series->Read()});
  }
  return f;
}

bool Metrics::IsValidMetricName(const std::string& name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, /*colon=*/true)) return false;
  }
  return true;
}

bool Metrics::IsValidLabelName(const std::string& name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, /*colon=*/false)) return false;
  }
  return true;
}

Family& Metrics::Counter(const std::string& name, const std::string& help,
                         std::vector<std::string> labels) {
  return Register(name, help, MetricType::kCounter, std::move(labels), {}, "");
}

Family& Metrics::Gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> labels) {
  return Register(name, help, MetricType::kGauge, std::move(labels), {}, "");
}

Family& Metrics::Histogram(const std::string& name, const std::string& help,
                           std::vector<double> upper_bounds, std::vector<std::string> labels) {
  if (!upper_bounds.empty() && upper_bounds.back() == std::numeric_limits<double>::infinity()) {
    upper_bounds.pop_back();
  }
  const std::size_t given = upper_bounds.size();
  std::erase_if(upper_bounds, [](double b) { return !std::isfinite(b); });
  const std::string problem =
      upper_bounds.size() < given ? "histogram bounds other than a last +Inf must be finite" : "";
  std::sort(upper_bounds.begin(), upper_bounds.end());
  upper_bounds.erase(std::unique(upper_bounds.begin(), upper_bounds.end()), upper_bounds.end());
  return Register(name, help, MetricType::kHistogram, std::move(labels), std::move(upper_bounds),
                  problem);
}

Family& Metrics::Register(const std::string& name, const std::string& help, MetricType type,
                          std::vector<std::string> labels, std::vector<double> upper_bounds,
                          const std::string& bounds_problem) {
  std::lock_guard lock(mu_);
  for (auto* list : {&families_, &rejected_}) {
    for (auto& f : *list) {
      if (f->name() != name) continue;
      if (f->type() != type || f->labels() != labels || f->upper_bounds() != upper_bounds) {
        problems_.push_back("metric \"" + name +
                            "\" registered again with a different type, labels or buckets; "
                            "the first registration is used");
      }
      return *f;
    }
  }
  if (!bounds_problem.empty()) {
    problems_.push_back("metric \"" + name + "\": " + bounds_problem + "; dropped");
  }
  std::string problem;
  if (!IsValidMetricName(name)) {
    problem = "invalid metric name";
  } else {
    problem = LabelProblem(labels, type);
  }
  auto family =
      std::make_unique<Family>(name, help, type, std::move(labels), std::move(upper_bounds));
  auto& list = problem.empty() ? families_ : rejected_;
  if (!problem.empty()) problems_.push_back("metric \"" + name + "\" not exposed: " + problem);
  list.push_back(std::move(family));
  return *list.back();
}

std::string Metrics::Expose() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& f : families_) f->Expose(&out);
  return out;
}

std::vector<FamilySnapshot> Metrics::Snapshot() const {
  std::vector<FamilySnapshot> out;
  std::lock_guard lock(mu_);
  out.reserve(families_.size());
  for (const auto& f : families_) out.push_back(f->Snapshot());
  return out;
}

std::vector<std::string> Metrics::Problems() const {
  std::lock_guard lock(mu_);
  return problems_;
}

}  // namespace recipe_rag::observability
