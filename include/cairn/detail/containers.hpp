// cairn/detail/containers.hpp: a string-keyed index and a stable sort, both usable in constant
// evaluation (std::unordered_map and std::stable_sort are not).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace cairn::detail {

constexpr std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// Open addressing from strings to 32-bit indices.
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

  // Inserts key -> value unless present; returns the stored value.
  constexpr std::uint32_t insert(std::string_view key, std::uint32_t value) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    auto mask = slots_.size() - 1;
    auto h = fnv1a(key);
    for (auto i = h & mask;; i = (i + 1) & mask) {
      auto& s = slots_[i];
      if (!s.used) {
        s.used = true;
        s.hash = h;
        s.key = std::string(key);
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
    std::string key;
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
      if (std::is_constant_evaluated()) slots_[i].key = s.key;  // g++ 12: no string moves there
      else slots_[i].key = std::move(s.key);
      slots_[i].value = s.value;
    }
  }

  std::vector<slot> slots_;
  std::size_t count_ = 0;
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
