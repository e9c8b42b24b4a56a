#include "observability/span.h"

#include <cstddef>
#include <random>

namespace recipe_rag::observability {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// 0-15 for a hex digit of either case, -1 otherwise.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <std::size_t N>
bool AllZero(const std::array<std::uint8_t, N>& bytes) {
  for (std::uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

template <std::size_t N>
std::string ToHex(const std::array<std::uint8_t, N>& bytes) {
  std::string hex(2 * N, '0');
  for (std::size_t i = 0; i < N; ++i) {
    hex[2 * i] = kHexDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kHexDigits[bytes[i] & 0x0F];
  }
  return hex;
}

// Exactly 2*N hex digits (either case), not all zero.
template <std::size_t N>
bool FromHexInto(std::string_view hex, std::array<std::uint8_t, N>& bytes) {
  if (hex.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return !AllZero(bytes);
}

// One generator per thread, seeded once from the operating system; ids need to be unique,
// not secret.
std::mt19937_64& Generator() {
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  return generator;
}

// Fills `bytes` with random bytes, drawing again in the (2^-64) case that they are all zero.
template <std::size_t N>
void FillRandom(std::array<std::uint8_t, N>& bytes) {
  auto& generator = Generator();
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      std::uint64_t word = generator();
      for (std::size_t k = 0; k < 8 && i + k < N; ++k) {
        bytes[i + k] = static_cast<std::uint8_t>(word);
        word >>= 8;
      }
    }
  } while (AllZero(bytes));
}

}  // namespace

bool TraceId::valid() const { return !AllZero(bytes); }

std::string TraceId::Hex() const { return ToHex(bytes); }

TraceId TraceId::Random() {
  TraceId id;
  FillRandom(id.bytes);
  return id;
}

std::optional<TraceId> TraceId::FromHex(std::string_view hex) {
  TraceId id;
  if (!FromHexInto(hex, id.bytes)) return std::nullopt;
  return id;
}

bool SpanId::valid() const { return !AllZero(bytes); }

std::string SpanId::Hex() const { return ToHex(bytes); }

SpanId SpanId::Random() {
  SpanId id;
  FillRandom(id.bytes);
  return id;
}

std::optional<SpanId> SpanId::FromHex(std::string_view hex) {
  SpanId id;
  if (!FromHexInto(hex, id.bytes)) return std::nullopt;
  return id;
}

}  // namespace recipe_rag::observability
