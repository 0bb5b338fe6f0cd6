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

// Open addressing from strings to 32-bit indices, each slot only a hash and an index: the key
// of an index is given back by the caller (`key_of(index)`: a declaration's path, a trie node's
// name), so that indexing copies no string and a slot takes 8 bytes (a host of 20,000 options
// indexes tens of thousands of keys, and every page it touches costs).
class string_index {
 public:
  template <class KeyOf>
  constexpr const std::uint32_t* find(std::string_view key, const KeyOf& key_of) const {
    if (slots_.empty()) return nullptr;
    auto mask = slots_.size() - 1;
    auto h = hash(key);
    for (auto i = h & mask;; i = (i + 1) & mask) {
      const auto& s = slots_[i];
      if (s.index == empty) return nullptr;
      if (s.hash == h && key_of(s.index) == key) return &s.index;
    }
  }

  // Inserts key -> index unless present; returns the stored index (`index` when it was not).
  template <class KeyOf>
  constexpr std::uint32_t insert(std::string_view key, std::uint32_t index, const KeyOf& key_of) {
    if (4 * (count_ + 1) > 3 * slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    auto mask = slots_.size() - 1;
    auto h = hash(key);
    for (auto i = h & mask;; i = (i + 1) & mask) {
      auto& s = slots_[i];
      if (s.index == empty) {
        s = {h, index};
        ++count_;
        return index;
      }
      if (s.hash == h && key_of(s.index) == key) return s.index;
    }
  }

  constexpr std::size_t size() const { return count_; }

  // Room for `n` keys without growing (at most three quarters of the slots are used).
  constexpr void reserve(std::size_t n) {
    std::size_t want = 16;
    while (3 * want < 4 * n) want *= 2;
    if (want > slots_.size()) rehash(want);
  }

 private:
  static constexpr std::uint32_t empty = 0xFFFFFFFF;
  struct slot {
    std::uint32_t hash = 0;  // fnv1a of the key, its low half
    std::uint32_t index = empty;
  };

  static constexpr std::uint32_t hash(std::string_view key) { return static_cast<std::uint32_t>(fnv1a(key)); }

  constexpr void rehash(std::size_t size) {
    std::vector<slot> old = std::move(slots_);
    slots_ = std::vector<slot>(size);
    auto mask = slots_.size() - 1;
    for (const auto& s : old) {
      if (s.index == empty) continue;
      auto i = s.hash & mask;
      while (slots_[i].index != empty) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<slot> slots_;
  std::size_t count_ = 0;
};

// Open addressing from object addresses to 32-bit indices, at run time only (an address is no
// number in constant evaluation): the evaluator finds an option's declaration by the option
// object itself, without hashing and comparing its path.
class address_index {
 public:
  const std::uint32_t* find(const void* key) const {
    if (slots_.empty()) return nullptr;
    auto mask = slots_.size() - 1;
    for (auto i = slot_of(key) & mask;; i = (i + 1) & mask) {
      const auto& s = slots_[i];
      if (s.key == key) return &s.value;
      if (s.key == nullptr) return nullptr;
    }
  }

  // Inserts key -> value unless present.
  void insert(const void* key, std::uint32_t value) {
    if (4 * (count_ + 1) > 3 * slots_.size()) rehash(slots_.empty() ? 64 : slots_.size() * 2);
    auto mask = slots_.size() - 1;
    for (auto i = slot_of(key) & mask;; i = (i + 1) & mask) {
      auto& s = slots_[i];
      if (s.key == key) return;
      if (s.key == nullptr) {
        s = {key, value};
        ++count_;
        return;
      }
    }
  }

  void reserve(std::size_t n) {
    std::size_t want = 64;
    while (3 * want < 4 * n) want *= 2;  // at most three quarters used
    if (want > slots_.size()) rehash(want);
  }

 private:
  struct slot {
    const void* key = nullptr;
    std::uint32_t value = 0;
  };

  static std::size_t slot_of(const void* key) {
    auto bits = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(key));
    return static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ULL) >> 20);  // Fibonacci hashing
  }

  void rehash(std::size_t size) {
    std::vector<slot> old = std::move(slots_);
    slots_ = std::vector<slot>(size);
    count_ = 0;
    for (const auto& s : old)
      if (s.key != nullptr) insert(s.key, s.value);
  }

  std::vector<slot> slots_;
  std::size_t count_ = 0;
};

// A list of pointers holding its first one in place: most options have one declaration, and a
// vector would be a heap object each.
template <class T>
class pointer_list {
 public:
  class iterator {
   public:
    constexpr iterator(const pointer_list* list, std::size_t i) : list_(list), i_(i) {}
    constexpr T* operator*() const { return (*list_)[i_]; }
    constexpr iterator& operator++() {
      ++i_;
      return *this;
    }
    constexpr bool operator==(const iterator& other) const { return i_ == other.i_; }

   private:
    const pointer_list* list_;
    std::size_t i_;
  };

  constexpr void push_back(T* p) {
    if (first_ == nullptr) first_ = p;
    else rest_.push_back(p);
  }
  constexpr std::size_t size() const { return first_ == nullptr ? 0 : 1 + rest_.size(); }
  constexpr bool empty() const { return first_ == nullptr; }
  constexpr T* front() const { return first_; }
  constexpr T* operator[](std::size_t i) const { return i == 0 ? first_ : rest_[i - 1]; }
  constexpr iterator begin() const { return {this, 0}; }
  constexpr iterator end() const { return {this, size()}; }

 private:
  T* first_ = nullptr;
  std::vector<T*> rest_;
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
