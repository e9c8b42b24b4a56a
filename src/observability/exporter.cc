#include "observability/exporter.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <random>
#include <system_error>

#include "observability/logger.h"
#include "observability/metrics.h"

namespace recipe_rag::observability {
namespace fs = std::filesystem;

namespace {

Series& ExporterCounter(Metrics& metrics, const char* name, const char* help,
                        const std::string& kind) {
  return metrics.Counter(name, help, {"kind"}).With({kind});
}

// "<kind>-<seq, 16 digits>-<items>.bin"
std::string SpillName(const std::string& kind, std::uint64_t seq, std::size_t items) {
  char digits[17];
  std::snprintf(digits, sizeof(digits), "%016llu", static_cast<unsigned long long>(seq));
  return kind + "-" + digits + "-" + std::to_string(items) + ".bin";
}

bool ParseSpillName(const std::string& kind, const std::string& name, std::uint64_t* seq,
                    std::size_t* items) {
  const std::string prefix = kind + "-";
  if (name.rfind(prefix, 0) != 0 || name.size() < prefix.size() + 16 + 2 + 4) return false;
  if (name.compare(name.size() - 4, 4, ".bin") != 0) return false;
  const char* p = name.data() + prefix.size();
  const char* end = name.data() + name.size() - 4;
  auto [after_seq, ec1] = std::from_chars(p, p + 16, *seq);
  if (ec1 != std::errc() || after_seq != p + 16 || *after_seq != '-') return false;
  auto [after_items, ec2] = std::from_chars(after_seq + 1, end, *items);
  return ec2 == std::errc() && after_items == end;
}

}  // namespace

Series& ExporterQueueGauge(Metrics& metrics, const std::string& kind) {
  return metrics
      .Gauge("recipe_rag_exporter_queue_items",
             "Telemetry items waiting in the exporter's memory queue.", {"kind"})
      .With({kind});
}

Series& ExporterDropped(Metrics& metrics, const std::string& kind, const char* reason) {
  return metrics
      .Counter("recipe_rag_exporter_dropped_total",
               "Telemetry items dropped: queue_full, spill_full or rejected by the receiver.",
               {"kind", "reason"})
      .With({kind, reason});
}

Delivery::Delivery(const ExportOptions& options, PayloadSender& sender, Metrics& metrics,
                   Logger& logger)
    : options_(options),
      sender_(sender),
      metrics_(metrics),
      logger_(logger),
      exported_(ExporterCounter(metrics, "recipe_rag_exporter_exported_total",
                                "Telemetry items the receiver accepted.", options.kind)),
      retried_(ExporterCounter(metrics, "recipe_rag_exporter_retried_total",
                               "Telemetry items re-sent from the spill.", options.kind)),
      spilled_(ExporterCounter(metrics, "recipe_rag_exporter_spilled_total",
                               "Telemetry items written to the on-disk spill.", options.kind)),
      spill_gauge_(metrics
                       .Gauge("recipe_rag_exporter_spill_bytes",
                              "Bytes of telemetry spilled to disk, waiting to be re-sent.",
                              {"kind"})
                       .With({options.kind})) {
  ExporterQueueGauge(metrics, options.kind);
  for (const char* reason : {"queue_full", "spill_full", "rejected"}) {
    ExporterDropped(metrics, options.kind, reason);
  }
  LoadSpill();
}

void Delivery::LoadSpill() {
  if (options_.spill_dir.empty()) return;
  std::error_code ec;
  fs::create_directories(options_.spill_dir, ec);
  if (ec) {
    logger_.Emit(LogLine(LogLevel::kWarn,
                         "exporter spill directory unusable; failed batches "
                         "will be dropped")
                     .Str("kind", options_.kind));
    return;
  }
  for (const auto& entry : fs::directory_iterator(options_.spill_dir, ec)) {
    const auto name = entry.path().filename().string();
    SpillFile file{};
    if (name.ends_with(".tmp") && name.rfind(options_.kind + "-", 0) == 0) {
      fs::remove(entry.path(), ec);  // a write cut short by a crash
      continue;
    }
    if (!ParseSpillName(options_.kind, name, &file.seq, &file.items)) continue;
    file.bytes = entry.file_size(ec);
    if (ec) continue;
    file.path = entry.path();
    spill_.push_back(std::move(file));
  }
  std::sort(spill_.begin(), spill_.end(),
            [](const SpillFile& a, const SpillFile& b) { return a.seq < b.seq; });
  for (const auto& f : spill_) spill_bytes_ += f.bytes;
  if (!spill_.empty()) {
    next_seq_ = spill_.back().seq + 1;
    logger_.Emit(LogLine(LogLevel::kInfo, "exporter resumes spilled batches")
                     .Str("kind", options_.kind)
                     .Int("batches", static_cast<std::int64_t>(spill_.size()))
                     .Int("bytes", static_cast<std::int64_t>(spill_bytes_)));
  }
  spill_gauge_.Set(static_cast<std::int64_t>(spill_bytes_));
}

std::chrono::steady_clock::time_point Delivery::next_attempt() const {
  if (spill_.empty()) return std::chrono::steady_clock::time_point::max();
  return retry_at_;
}

void Delivery::Deliver(const std::string& payload, std::size_t items, bool may_send) {
  if (!may_send || std::chrono::steady_clock::now() < retry_at_) {
    Spill(payload, items);
    return;
  }
  switch (sender_.Send(payload)) {
    case PayloadSender::Outcome::kDelivered:
      exported_.Add(static_cast<std::int64_t>(items));
      Recovered();
      Pump();
      return;
    case PayloadSender::Outcome::kRetry:
      Failed();
      Spill(payload, items);
      return;
    case PayloadSender::Outcome::kRejected:
      Dropped(items, "rejected");
      return;
  }
}

void Delivery::Pump() {
  while (!spill_.empty() && std::chrono::steady_clock::now() >= retry_at_) {
    const SpillFile file = spill_.front();
    std::string payload;
    {
      std::ifstream in(file.path, std::ios::binary);
      payload.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) payload.clear();
    }
    PayloadSender::Outcome outcome = PayloadSender::Outcome::kRejected;
    if (payload.size() == file.bytes) outcome = sender_.Send(payload);
    if (outcome == PayloadSender::Outcome::kRetry) {
      Failed();
      return;
    }
    if (outcome == PayloadSender::Outcome::kDelivered) {
      exported_.Add(static_cast<std::int64_t>(file.items));
      retried_.Add(static_cast<std::int64_t>(file.items));
      Recovered();
    } else {
      Dropped(file.items, "rejected");
    }
    std::error_code ec;
    fs::remove(file.path, ec);
    spill_bytes_ -= file.bytes;
    spill_.pop_front();
    spill_gauge_.Set(static_cast<std::int64_t>(spill_bytes_));
  }
}

void Delivery::Spill(const std::string& payload, std::size_t items) {
  if (options_.spill_dir.empty() || spill_bytes_ + payload.size() > options_.spill_max_bytes) {
    Dropped(items, "spill_full");
    return;
  }
  const auto seq = next_seq_++;
  const auto path = options_.spill_dir / SpillName(options_.kind, seq, items);
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(payload.data(), static_cast<std::streamsize>(payload.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      Dropped(items, "spill_full");
      return;
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    Dropped(items, "spill_full");
    return;
  }
  spill_.push_back({seq, items, payload.size(), path});
  spill_bytes_ += payload.size();
  spilled_.Add(static_cast<std::int64_t>(items));
  spill_gauge_.Set(static_cast<std::int64_t>(spill_bytes_));
}

void Delivery::Failed() {
  if (!failing_) {
    failing_ = true;
    logger_.Emit(LogLine(LogLevel::kWarn, "telemetry receiver unreachable; spilling to disk")
                     .Str("kind", options_.kind));
  }
  backoff_ = backoff_.count() == 0 ? options_.backoff_initial
                                   : std::min(backoff_ * 2, options_.backoff_max);
  // Up to a quarter of jitter, so replicas that lost the receiver together do not return in step.
  thread_local std::minstd_rand jitter(std::random_device{}());
  const auto spread = std::max<std::int64_t>(1, backoff_.count() / 4);
  retry_at_ = std::chrono::steady_clock::now() + backoff_ +
              std::chrono::milliseconds(static_cast<std::int64_t>(jitter() % spread));
}

void Delivery::Recovered() {
  backoff_ = std::chrono::milliseconds(0);
  retry_at_ = {};
  if (failing_) {
    failing_ = false;
    logger_.Emit(LogLine(LogLevel::kInfo, "telemetry receiver reachable again")
                     .Str("kind", options_.kind)
                     .Int("spilled_batches", static_cast<std::int64_t>(spill_.size())));
  }
}

void Delivery::Dropped(std::size_t items, const char* reason) {
  ExporterDropped(metrics_, options_.kind, reason).Add(static_cast<std::int64_t>(items));
  logger_.Emit(LogLine(LogLevel::kWarn, "telemetry dropped")
                   .Str("kind", options_.kind)
                   .Str("reason", reason)
                   .Int("items", static_cast<std::int64_t>(items)));
}

}  // namespace recipe_rag::observability
