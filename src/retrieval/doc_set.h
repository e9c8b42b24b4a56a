// DocSet: a set of document ids as a bitmap, the form filters take on their way to the
// lexical and vector searches. Plain value type.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace recipe_rag::retrieval {

// Which documents a search may return: one bit per document id.
class DocSet {
 public:
  explicit DocSet(std::size_t size, bool all) : bits_((size + 7) / 8, all ? 0xff : 0), size_(size) {
    // No bits past the end, so that count() is exact.
    if (all && size % 8 != 0) bits_.back() = static_cast<std::uint8_t>((1u << (size % 8)) - 1);
  }
  bool contains(std::size_t doc) const {
    return doc < size_ && (bits_[doc / 8] >> (doc % 8) & 1) != 0;
  }
  void insert(std::size_t doc) {
    if (doc < size_) bits_[doc / 8] |= static_cast<std::uint8_t>(1u << (doc % 8));
  }
  void erase(std::size_t doc) {
    if (doc < size_) bits_[doc / 8] &= static_cast<std::uint8_t>(~(1u << (doc % 8)));
  }
  // Keeps only the documents also in `other` (of the same size).
  void intersect(const DocSet& other) {
    for (std::size_t i = 0; i < bits_.size() && i < other.bits_.size(); ++i) {
      bits_[i] &= other.bits_[i];
    }
  }
  // Adds the documents of `other` (of the same size).
  void unite(const DocSet& other) {
    for (std::size_t i = 0; i < bits_.size() && i < other.bits_.size(); ++i) {
      bits_[i] |= other.bits_[i];
    }
  }
  // Removes the documents of `other` (of the same size).
  void subtract(const DocSet& other) {
    for (std::size_t i = 0; i < bits_.size() && i < other.bits_.size(); ++i) {
      bits_[i] &= static_cast<std::uint8_t>(~other.bits_[i]);
    }
  }
  std::size_t size() const { return size_; }
  // How many documents are in the set.
  std::size_t count() const {
    std::size_t n = 0;
    for (const auto byte : bits_) n += static_cast<std::size_t>(std::popcount(byte));
    return n;
  }

 private:
  std::vector<std::uint8_t> bits_;
  std::size_t size_;
};

}  // namespace recipe_rag::retrieval
