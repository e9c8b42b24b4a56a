// HttpSearch: ranked results from a running recipe-rag server, for the evaluation runner.
//
// Each Search() is one POST {url}/v1/search with "Authorization: Bearer TOKEN" and the body
// {"query": …, "top_k": …}, on its own connection, within the timeout (http/client.h). The
// answer's "results" array is read (the "recipes" array when there is no "results", as servers
// answering in the full-record shape do): each item's "id" (a string, required), "score" (a
// number, optional) and "low_confidence" (a bool, optional). Immutable; safe from many threads.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"
#include "eval/ranked_list.h"
#include "http/client.h"

namespace recipe_rag::eval {

struct HttpSearchOptions {
  std::string url;                            // the server's base URL, "http://HOST:PORT"
  std::string token;                          // bearer token; "" sends no Authorization header
  std::chrono::milliseconds timeout{10'000};  // per connect, send and read
};

class HttpSearch {
 public:
  // InvalidArgument for a URL http::ParseHttpUrl() refuses.
  static core::Result<HttpSearch> Create(const HttpSearchOptions& options);

  // The server's ranking for `query`. Errors: as http::Fetch() for transport failures; for an
  // answer other than 200, the code for that status (401 Unauthenticated, 503 Unavailable, …)
  // with "HTTP <status>: <the error body's message>"; InvalidArgument when a 200 answer is
  // not the expected JSON (ParseSearchAnswer).
  core::Result<RankedList> Search(const std::string& query, int top_k) const;

  // "POST http://HOST:PORT/v1/search", for reports.
  std::string Describe() const;

 private:
  HttpSearch(http::Url url, std::string token, std::chrono::milliseconds timeout)
      : url_(std::move(url)), token_(std::move(token)), timeout_(timeout) {}

  http::Url url_;
  std::string token_;
  std::chrono::milliseconds timeout_;
};

// Reads a 200 answer's body as described above. InvalidArgument naming what is wrong
// ("results[3].id must be a string").
core::Result<RankedList> ParseSearchAnswer(std::string_view body);

// The message of an error answer: {"error":{"message":…}} when the body has one, else the
// body's first 200 bytes (or "(empty body)").
std::string ErrorAnswerMessage(std::string_view body);

}  // namespace recipe_rag::eval
