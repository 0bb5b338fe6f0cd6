// cairn/detail/containers.hpp: a string-keyed index and a stable sort, both usable in constant
// evaluation (std::unordered_map and std::stable_sort are not).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "box.hpp"

namespace cairn::detail {

constexpr std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// Open addressing from strings to 32-bit indices. Keys are views: the strings they view must
// outlive the index (the evaluator's keys are option paths and its declarations' segments,
// which never move), so that indexing copies no string.
class string_index {
 public:
  constexpr const std::uint32_t* find(std::string_view key) const {
    if (slots_.empty()) return nullptr;
    auto mask = slots_.size() - 1;
    auto h = fnv1a(key);
    for (auto i = h & mask;; i = (i + 1) & mask) {
      const auto& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.hash == h && s.key == key) return &s.value;
    }
  }

  // Inserts key -> value unless present; returns the stored value (`value` when it was not).
  constexpr std::uint32_t insert(std::string_view key, std::uint32_t value) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    auto mask = slots_.size() - 1;
    auto h = fnv1a(key);
    for (auto i = h & mask;; i = (i + 1) & mask) {
      auto& s = slots_[i];
      if (!s.used) {
        s.used = true;
        s.hash = h;
        s.key = key;
        s.value = value;
        ++count_;
        return value;
      }
      if (s.hash == h && s.key == key) return s.value;
    }
  }

  constexpr std::size_t size() const { return count_; }

  // Room for `n` keys without growing (each growth rehashes and copies every key).
  constexpr void reserve(std::size_t n) {
    std::size_t want = 64;
    while (want < 2 * n) want *= 2;
    if (want > slots_.size()) rehash(want);
  }

 private:
  struct slot {
    std::string_view key;
    std::uint64_t hash = 0;  // fnv1a(key)
    std::uint32_t value = 0;
    bool used = false;
  };

  constexpr void grow() { rehash(slots_.empty() ? 64 : slots_.size() * 2); }

  constexpr void rehash(std::size_t size) {
    std::vector<slot> old = std::move(slots_);
    slots_ = std::vector<slot>(size);
    auto mask = slots_.size() - 1;
    for (auto& s : old) {
      if (!s.used) continue;
      auto i = s.hash & mask;
      while (slots_[i].used) i = (i + 1) & mask;
      slots_[i].used = true;
      slots_[i].hash = s.hash;
      slots_[i].key = s.key;
      slots_[i].value = s.value;
    }
  }

  std::vector<slot> slots_;
  std::size_t count_ = 0;
};

// Scratch vectors lent to one computation at a time and kept for the next, so that a step done
// for every option (its definitions after priorities, an attribute set's names) does not
// allocate each time. Computations nest (a deferred value reads other options): one vector
// per depth, each boxed so that lending another never moves those lent.
template <class T>
class vector_pool {
 public:
  class lease {
   public:
    constexpr explicit lease(vector_pool& pool) : pool_(&pool), items_(pool.take()) {}
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    constexpr ~lease() { --pool_->lent_; }
    constexpr std::vector<T>& operator*() const { return *items_; }
    constexpr std::vector<T>* operator->() const { return items_; }

   private:
    vector_pool* pool_;
    std::vector<T>* items_;
  };

 private:
  constexpr std::vector<T>* take() {
    if (lent_ == vectors_.size()) vectors_.push_back(box<std::vector<T>>::make());
    auto* items = vectors_[lent_++].get();
    items->clear();
    return items;
  }

  std::vector<box<std::vector<T>>> vectors_;
  std::size_t lent_ = 0;
};

// Stable merge sort by `less`.
template <class T, class Less>
constexpr void stable_sort(std::vector<T>& items, Less less) {
  if (items.size() < 2) return;
  if (items.size() <= 16) {
    for (std::size_t i = 1; i < items.size(); ++i)
      for (std::size_t j = i; j > 0 && less(items[j], items[j - 1]); --j) std::swap(items[j], items[j - 1]);
    return;
  }
  std::vector<T> buffer;
  buffer.reserve(items.size());
  for (std::size_t width = 1; width < items.size(); width *= 2) {
    buffer.clear();
    for (std::size_t lo = 0; lo < items.size(); lo += 2 * width) {
      std::size_t mid = std::min(lo + width, items.size());
      std::size_t hi = std::min(lo + 2 * width, items.size());
      std::size_t a = lo, b = mid;
      while (a < mid && b < hi) buffer.push_back(less(items[b], items[a]) ? std::move(items[b++]) : std::move(items[a++]));
      while (a < mid) buffer.push_back(std::move(items[a++]));
      while (b < hi) buffer.push_back(std::move(items[b++]));
    }
    std::swap(items, buffer);
  }
}

}  // namespace cairn::detail
