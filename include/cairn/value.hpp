// cairn/value.hpp: the dynamic value of an option (what NixOS prints as `config`).
//
// Typed options convert to and from these; the evaluator merges them. Usable in constant
// evaluation, so a whole configuration can be evaluated by the compiler.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "detail/box.hpp"

namespace cairn {

// The null of `null_or` options.
struct null_t {
  friend constexpr bool operator==(null_t, null_t) = default;
};
inline constexpr null_t null{};

// A file of a package made of files.
struct package_file {
  std::string path;  // relative to the package: "bin/hello"
  std::string contents;
  bool executable = false;
  friend constexpr bool operator==(const package_file&, const package_file&) = default;
};

// A package: how the store makes it. Either files written as given, or the output of a build
// script run in the store's sandbox (/bin/sh -e -c BUILD in an empty directory, with $out set,
// PATH=/usr/bin:/bin and the host's /usr visible read-only). `out_path` is filled once the
// store has realised it.
struct package {
  std::string name;
  std::string version;
  std::vector<package_file> files;
  std::string build;
  std::string out_path;

  constexpr std::string full_name() const {
    if (version.empty()) return name;
    return name + "-" + version;
  }
  friend constexpr bool operator==(const package&, const package&) = default;
};

class value;
struct attr;
using list = std::vector<value>;

// An attribute set: names kept sorted (byte order, as Nix), so lookups are binary searches and
// printing is deterministic.
class attrs {
 public:
  constexpr attrs() = default;

  constexpr std::size_t size() const { return items_.size(); }
  constexpr bool empty() const { return items_.empty(); }
  constexpr void reserve(std::size_t names) { items_.reserve(names); }
  constexpr auto begin() const { return items_.begin(); }
  constexpr auto end() const { return items_.end(); }

  constexpr const value* find(std::string_view name) const;
  constexpr value* find(std::string_view name);
  // Inserts or replaces.
  constexpr value& set(std::string_view name, value&& v);
  constexpr value& set(std::string_view name, const value& v);

  friend constexpr bool operator==(const attrs&, const attrs&);

 private:
  constexpr std::size_t lower_bound(std::string_view name) const;
  std::vector<attr> items_;
};

class value {
 public:
  enum class kind : std::uint8_t { null, boolean, integer, floating, string, list, attrs, package };

  constexpr value() = default;
  constexpr value(null_t) {}  // NOLINT: implicit by design, values are vocabulary
  template <class B>
    requires std::is_same_v<B, bool>
  constexpr value(B b) : data_(b) {}  // NOLINT
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char>)
  constexpr value(I i) : data_(static_cast<std::int64_t>(i)) {}  // NOLINT
  constexpr value(double d) : data_(d) {}                         // NOLINT
  // Strings by reference only: g++ 12 cannot move from a by-value string parameter in
  // constant evaluation (libstdc++'s SSO union), and values must work there.
  constexpr value(const std::string& s) : data_(s) {}             // NOLINT
  constexpr value(std::string&& s) : data_(std::move(s)) {}       // NOLINT
  constexpr value(std::string_view s) : data_(std::string(s)) {}  // NOLINT
  constexpr value(const char* s) : data_(std::string(s)) {}       // NOLINT
  constexpr value(const list& l) : data_(l) {}                    // NOLINT
  constexpr value(list&& l) : data_(std::move(l)) {}              // NOLINT
  constexpr value(const attrs& a) : data_(a) {}                   // NOLINT
  constexpr value(attrs&& a) : data_(std::move(a)) {}             // NOLINT
  constexpr value(const package& p) : data_(detail::box<package>::make(p)) {}  // NOLINT

  constexpr kind type() const { return static_cast<kind>(data_.index()); }
  constexpr bool is_null() const { return type() == kind::null; }
  constexpr bool is_bool() const { return type() == kind::boolean; }
  constexpr bool is_int() const { return type() == kind::integer; }
  constexpr bool is_float() const { return type() == kind::floating; }
  constexpr bool is_string() const { return type() == kind::string; }
  constexpr bool is_list() const { return type() == kind::list; }
  constexpr bool is_attrs() const { return type() == kind::attrs; }
  constexpr bool is_package() const { return type() == kind::package; }

  constexpr bool as_bool() const { return std::get<bool>(data_); }
  constexpr std::int64_t as_int() const { return std::get<std::int64_t>(data_); }
  constexpr double as_float() const { return std::get<double>(data_); }
  constexpr const std::string& as_string() const { return std::get<std::string>(data_); }
  constexpr const list& as_list() const { return std::get<list>(data_); }
  constexpr list& as_list() { return std::get<list>(data_); }
  constexpr const attrs& as_attrs() const { return std::get<attrs>(data_); }
  constexpr attrs& as_attrs() { return std::get<attrs>(data_); }
  constexpr const package& as_package() const { return *std::get<detail::box<package>>(data_); }

  friend constexpr bool operator==(const value& a, const value& b) {
    if (a.type() != b.type()) return false;
    switch (a.type()) {
      case kind::null: return true;
      case kind::boolean: return a.as_bool() == b.as_bool();
      case kind::integer: return a.as_int() == b.as_int();
      case kind::floating: return a.as_float() == b.as_float();
      case kind::string: return a.as_string() == b.as_string();
      case kind::list: return a.as_list() == b.as_list();
      case kind::attrs: return a.as_attrs() == b.as_attrs();
      case kind::package: return a.as_package() == b.as_package();
    }
    return false;
  }

 private:
  std::variant<null_t, bool, std::int64_t, double, std::string, list, attrs, detail::box<package>> data_;
};

struct attr {
  std::string name;
  value val;
  friend constexpr bool operator==(const attr&, const attr&) = default;
};

constexpr std::size_t attrs::lower_bound(std::string_view name) const {
  std::size_t lo = 0, hi = items_.size();
  while (lo < hi) {
    std::size_t mid = (lo + hi) / 2;
    if (std::string_view(items_[mid].name) < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

constexpr const value* attrs::find(std::string_view name) const {
  auto i = lower_bound(name);
  return i < items_.size() && items_[i].name == name ? &items_[i].val : nullptr;
}

constexpr value* attrs::find(std::string_view name) {
  auto i = lower_bound(name);
  return i < items_.size() && items_[i].name == name ? &items_[i].val : nullptr;
}

constexpr value& attrs::set(std::string_view name, value&& v) {
  auto i = lower_bound(name);
  if (i < items_.size() && items_[i].name == name) {
    items_[i].val = std::move(v);
  } else if (i == items_.size()) {
    items_.push_back(attr{std::string(name), std::move(v)});  // names usually arrive sorted
  } else {
    items_.insert(items_.begin() + static_cast<std::ptrdiff_t>(i), attr{std::string(name), std::move(v)});
  }
  return items_[i].val;
}

constexpr value& attrs::set(std::string_view name, const value& v) { return set(name, value(v)); }

constexpr bool operator==(const attrs& a, const attrs& b) { return a.items_ == b.items_; }

}  // namespace cairn
