// Handler: the seam between the HTTP server and the service's endpoints.
//
// Implemented by api::Service (and by fakes in tests). The server calls Handle() on an I/O
// thread; the handler must not block there: CPU-heavy work goes to a core::WorkPool and
// responds from it.
#pragma once

#include <functional>

#include "http/message.h"

namespace recipe_rag::http {

// Completes a request. Call exactly once, from any thread; later calls are ignored.
using Respond = std::function<void(Response)>;

class Handler {
 public:
  virtual ~Handler() = default;
  // `request` stays valid until `respond` has been called.
  virtual void Handle(const Request& request, Respond respond) = 0;
};

}  // namespace recipe_rag::http
