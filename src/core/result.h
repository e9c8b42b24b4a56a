// Result<T>: the value of an operation that can fail in an expected way.
//
// Shaped like std::expected<T, Error> (C++23), which GCC 12 in C++20 mode does not offer.
// Expected failures (bad input, missing files, an overloaded pool) travel as values;
// exceptions stay inside the adapters that call throwing libraries.
#pragma once

#include <cassert>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace recipe_rag::core {

// What went wrong, in terms a caller can act on. ToHttpStatus() maps each to one status.
enum class ErrorCode {
  kInvalidArgument,     // 400: the input cannot be read (malformed JSON, invalid UTF-8)
  kFailedPrecondition,  // 422: the input is readable but semantically wrong
  kUnauthenticated,     // 401
  kPermissionDenied,    // 403
  kNotFound,            // 404
  kResourceExhausted,   // 429 for a caller's quota; see kUnavailable for our own capacity
  kDeadlineExceeded,    // 504
  kUnavailable,         // 503: overloaded, draining or not ready; retry later
  kCancelled,           // 499: the caller went away (nobody reads the answer)
  kDataLoss,            // a corrupt or incompatible file (index, corpus)
  kInternal,            // 500: a bug
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // for people; never contains a secret, a path from a request or a trace
  std::string param;    // the request field at fault, when there is one ("top_k", "query")
  std::optional<std::chrono::seconds> retry_after;  // set for kUnavailable / kResourceExhausted

  static Error InvalidArgument(std::string msg, std::string param = {}) {
    return {ErrorCode::kInvalidArgument, std::move(msg), std::move(param), {}};
  }
  static Error FailedPrecondition(std::string msg, std::string param = {}) {
    return {ErrorCode::kFailedPrecondition, std::move(msg), std::move(param), {}};
  }
  static Error NotFound(std::string msg) { return {ErrorCode::kNotFound, std::move(msg), {}, {}}; }
  static Error Unauthenticated(std::string msg) {
    return {ErrorCode::kUnauthenticated, std::move(msg), {}, {}};
  }
  static Error Unavailable(std::string msg, std::chrono::seconds retry_after) {
    return {ErrorCode::kUnavailable, std::move(msg), {}, retry_after};
  }
  static Error ResourceExhausted(std::string msg, std::chrono::seconds retry_after) {
    return {ErrorCode::kResourceExhausted, std::move(msg), {}, retry_after};
  }
  static Error DeadlineExceeded(std::string msg) {
    return {ErrorCode::kDeadlineExceeded, std::move(msg), {}, {}};
  }
  static Error Cancelled(std::string msg) {
    return {ErrorCode::kCancelled, std::move(msg), {}, {}};
  }
  static Error DataLoss(std::string msg) { return {ErrorCode::kDataLoss, std::move(msg), {}, {}}; }
  static Error Internal(std::string msg) { return {ErrorCode::kInternal, std::move(msg), {}, {}}; }
};

// The HTTP status for an error code (one mapping for the whole service).
int ToHttpStatus(ErrorCode code);
// A short machine-readable name for the error's "type" field ("invalid_request", ...).
const char* ErrorTypeName(ErrorCode code);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit on purpose
  static Status Ok() { return {}; }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    assert(!ok());
    return *error_;
  }
  Error&& error() && {
    assert(!ok());
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

}  // namespace recipe_rag::core
