#include "http/request_id.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <random>

namespace recipe_rag::http {

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NewRequestId() {
  // The prefix tells processes apart; the counter tells requests apart.
  static const std::uint64_t prefix = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }();
  static std::atomic<std::uint64_t> counter{0};
  char buf[40];
  const int n =
      std::snprintf(buf, sizeof buf, "%016llx-%llx", static_cast<unsigned long long>(prefix),
                    static_cast<unsigned long long>(counter.fetch_add(1) + 1));
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace recipe_rag::http
