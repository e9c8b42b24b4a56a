// Hashing, constant-time comparison and random tokens, backed by OpenSSL (only crypto.cc
// includes its headers). Safe from many threads.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace recipe_rag::core {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Lower-case hex HMAC-SHA256 of `data` keyed with `key` (any length, empty included).
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// Lower-case hex SHA-256 of a file's bytes, streamed. NotFound when it cannot be opened.
Result<std::string> Sha256File(const std::filesystem::path& path);

// True when a and b are equal; the time taken depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Standard (padded) base64 of `data`.
std::string Base64Encode(std::string_view data);

// Decodes standard (padded) base64; nullopt when `text` is not that.
std::optional<std::string> Base64Decode(std::string_view text);

// `bytes` bytes from the OS's CSPRNG, encoded as URL-safe base64 without padding.
std::string RandomToken(std::size_t bytes);

}  // namespace recipe_rag::core
