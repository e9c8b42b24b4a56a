#include "observability/metrics.h"

namespace recipe_rag::observability {
namespace {

// Label values escaped as the text format requires: backslash, double quote and newline.
void AppendEscaped(std::string* out, const std::string& value) {
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

}  // namespace

Series& Family::With(const std::vector<std::string>& values) {
  std::lock_guard lock(mu_);
  auto it = series_.find(values);
  if (it != series_.end()) return *it->second;
  std::vector<std::string> key = values;
  key.resize(labels_.size());
  if (series_.size() >= kMaxSeries) key.assign(labels_.size(), "other");
  auto& slot = series_[key];
  if (!slot) slot = std::make_unique<Series>();
  return *slot;
}

void Family::Expose(std::string* out) const {
  *out += "# HELP " + name_ + " " + help_ + "\n";
  *out += "# TYPE " + name_ + (type_ == Type::kCounter ? " counter\n" : " gauge\n");
  std::lock_guard lock(mu_);
  for (const auto& [values, series] : series_) {
    *out += name_;
    if (!labels_.empty()) {
      *out += '{';
      for (std::size_t i = 0; i < labels_.size(); ++i) {
        if (i > 0) *out += ',';
        *out += labels_[i] + "=\"";
        AppendEscaped(out, values[i]);
        *out += '"';
      }
      *out += '}';
    }
    *out += ' ' + std::to_string(series->value()) + '\n';
  }
}

Family& Metrics::Counter(const std::string& name, const std::string& help,
                         std::vector<std::string> labels) {
  return Register(name, help, Family::Type::kCounter, std::move(labels));
}

Family& Metrics::Gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> labels) {
  return Register(name, help, Family::Type::kGauge, std::move(labels));
}

Family& Metrics::Register(const std::string& name, const std::string& help, Family::Type type,
                          std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  for (auto& f : families_) {
    if (f->name() == name) return *f;
  }
  families_.push_back(std::make_unique<Family>(name, help, type, std::move(labels)));
  return *families_.back();
}

std::string Metrics::Expose() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& f : families_) f->Expose(&out);
  return out;
}

}  // namespace recipe_rag::observability
