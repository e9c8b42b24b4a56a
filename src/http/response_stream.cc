#include "http/response_stream.h"

#include <utility>

namespace recipe_rag::http {

bool ResponseStream::Write(std::string piece) {
  std::function<void()> wake;
  bool overflow = false;
  {
    std::lock_guard lock(mu_);
    if (cancelled_ || closed_) return false;
    overflow = pending_.size() + piece.size() > options_.max_pending_bytes;
    if (!overflow) {
      pending_ += piece;
      wake = std::exchange(wake_, nullptr);
    }
  }
  if (overflow) {
    Cancel();  // the reader fell too far behind: treat it as gone
    return false;
  }
  if (wake) wake();
  return true;
}

void ResponseStream::Close() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    wake = std::exchange(wake_, nullptr);
  }
  if (wake) wake();
}

void ResponseStream::OnCancel(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (!cancelled_) {
      on_cancel_ = std::move(fn);
      return;
    }
  }
  if (fn) fn();
}

bool ResponseStream::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

ResponseStream::Next ResponseStream::Take(std::string* out, std::function<void()> wake) {
  std::lock_guard lock(mu_);
  if (cancelled_) return Next::kEnd;
  if (!pending_.empty()) {
    out->swap(pending_);
    pending_.clear();
    return Next::kPieces;
  }
  if (closed_) return Next::kEnd;
  wake_ = std::move(wake);
  return Next::kWait;
}

void ResponseStream::Cancel() {
  std::function<void()> on_cancel;
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    pending_.clear();
    pending_.shrink_to_fit();
    if (!closed_) on_cancel = std::exchange(on_cancel_, nullptr);
    on_cancel_ = nullptr;
    wake = std::exchange(wake_, nullptr);
  }
  if (wake) wake();
  if (on_cancel) on_cancel();
}

}  // namespace recipe_rag::http
