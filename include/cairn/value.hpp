// cairn/value.hpp: the dynamic value of an option (what NixOS prints as `config`).
//
// Typed options convert to and from these; the evaluator merges them. Usable in constant
// evaluation, so a whole configuration can be evaluated by the compiler.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/box.hpp"

// std::construct_at and std::destroy_at. libstdc++ declares them in a header of their own: the
// whole of <memory> would add 5 MB to the precompiled header of every module unit.
#if __has_include(<bits/stl_construct.h>)
#include <bits/stl_construct.h>
#else
#include <memory>
#endif

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

  constexpr value() noexcept {}
  constexpr value(null_t) noexcept {}  // NOLINT: implicit by design, values are vocabulary
  template <class B>
    requires std::is_same_v<B, bool>
  constexpr value(B b) noexcept : kind_(kind::boolean) {  // NOLINT
    std::construct_at(&u_.b, b);
  }
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char>)
  constexpr value(I i) noexcept : kind_(kind::integer) {  // NOLINT
    std::construct_at(&u_.i, static_cast<std::int64_t>(i));
  }
  constexpr value(double d) noexcept : kind_(kind::floating) { std::construct_at(&u_.d, d); }  // NOLINT
  // Strings by reference only: g++ 12 cannot move from a by-value string parameter in
  // constant evaluation (libstdc++'s SSO union), and values must work there.
  constexpr value(const std::string& s) : kind_(kind::string) { std::construct_at(&u_.s, s); }  // NOLINT
  constexpr value(std::string&& s) noexcept : kind_(kind::string) { std::construct_at(&u_.s, std::move(s)); }  // NOLINT
  constexpr value(std::string_view s) : kind_(kind::string) { std::construct_at(&u_.s, s); }  // NOLINT
  constexpr value(const char* s) : kind_(kind::string) { std::construct_at(&u_.s, s); }       // NOLINT
  constexpr value(const list& l) : kind_(kind::list) { std::construct_at(&u_.l, l); }         // NOLINT
  constexpr value(list&& l) noexcept : kind_(kind::list) { std::construct_at(&u_.l, std::move(l)); }  // NOLINT
  constexpr value(const attrs& a) : kind_(kind::attrs) { std::construct_at(&u_.a, a); }              // NOLINT
  constexpr value(attrs&& a) noexcept : kind_(kind::attrs) { std::construct_at(&u_.a, std::move(a)); }  // NOLINT
  constexpr value(const package& p) : kind_(kind::package) {  // NOLINT
    std::construct_at(&u_.p, detail::box<package>::make(p));
  }

  constexpr value(const value& other) { assign_from(other); }
  constexpr value(value&& other) noexcept { take_from(other); }
  constexpr value& operator=(const value& other) {
    if (this != &other) *this = value(other);
    return *this;
  }
  constexpr value& operator=(value&& other) noexcept {
    if (this != &other) {
      reset();
      take_from(other);
    }
    return *this;
  }
  constexpr ~value() { reset(); }

  constexpr kind type() const { return kind_; }
  constexpr bool is_null() const { return type() == kind::null; }
  constexpr bool is_bool() const { return type() == kind::boolean; }
  constexpr bool is_int() const { return type() == kind::integer; }
  constexpr bool is_float() const { return type() == kind::floating; }
  constexpr bool is_string() const { return type() == kind::string; }
  constexpr bool is_list() const { return type() == kind::list; }
  constexpr bool is_attrs() const { return type() == kind::attrs; }
  constexpr bool is_package() const { return type() == kind::package; }

  constexpr bool as_bool() const { return expect(kind::boolean).u_.b; }
  constexpr std::int64_t as_int() const { return expect(kind::integer).u_.i; }
  constexpr double as_float() const { return expect(kind::floating).u_.d; }
  constexpr const std::string& as_string() const { return expect(kind::string).u_.s; }
  constexpr const list& as_list() const { return expect(kind::list).u_.l; }
  constexpr list& as_list() { return const_cast<value&>(expect(kind::list)).u_.l; }
  constexpr const attrs& as_attrs() const { return expect(kind::attrs).u_.a; }
  constexpr attrs& as_attrs() { return const_cast<value&>(expect(kind::attrs)).u_.a; }
  constexpr const package& as_package() const { return *expect(kind::package).u_.p; }

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
  // A tagged union rather than std::variant: values are moved and destroyed at every step of an
  // evaluation, and a switch the compiler sees through is cheaper than variant's visitation
  // (bench/README.md), and cheaper to compile in every module unit.
  union storage {
    constexpr storage() noexcept : none() {}
    constexpr ~storage() {}
    null_t none;
    bool b;
    std::int64_t i;
    double d;
    std::string s;
    list l;
    attrs a;
    detail::box<package> p;
  };

  // The value of the kind asked for; another kind is the caller's error, thrown (at compile
  // time: not a constant expression).
  constexpr const value& expect(kind k) const {
    if (kind_ != k) [[unlikely]]
      throw std::logic_error("cairn: a value read as another kind than it holds");
    return *this;
  }

  // Strings, lists, sets and packages have destructors; the other kinds are copied and dropped
  // in place, without a call.
  static constexpr bool has_destructor(kind k) { return k >= kind::string; }

  [[gnu::always_inline]] constexpr void reset() noexcept {
    if (has_destructor(kind_)) destroy_owned();
    kind_ = kind::null;
  }
  constexpr void destroy_owned() noexcept {
    switch (kind_) {
      case kind::string: std::destroy_at(&u_.s); break;
      case kind::list: std::destroy_at(&u_.l); break;
      case kind::attrs: std::destroy_at(&u_.a); break;
      case kind::package: std::destroy_at(&u_.p); break;
      default: break;
    }
  }
  // Into a null value.
  constexpr void assign_from(const value& o) {
    switch (o.kind_) {
      case kind::null: break;
      case kind::boolean: std::construct_at(&u_.b, o.u_.b); break;
      case kind::integer: std::construct_at(&u_.i, o.u_.i); break;
      case kind::floating: std::construct_at(&u_.d, o.u_.d); break;
      case kind::string: std::construct_at(&u_.s, o.u_.s); break;
      case kind::list: std::construct_at(&u_.l, o.u_.l); break;
      case kind::attrs: std::construct_at(&u_.a, o.u_.a); break;
      case kind::package: std::construct_at(&u_.p, o.u_.p); break;
    }
    kind_ = o.kind_;
  }
  // Into a null value; `o` keeps its kind, moved from (as std::variant leaves it).
  [[gnu::always_inline]] constexpr void take_from(value& o) noexcept {
    switch (o.kind_) {
      case kind::null: break;
      case kind::boolean: std::construct_at(&u_.b, o.u_.b); break;
      case kind::integer: std::construct_at(&u_.i, o.u_.i); break;
      case kind::floating: std::construct_at(&u_.d, o.u_.d); break;
      default: take_owned(o);
    }
    kind_ = o.kind_;
  }
  constexpr void take_owned(value& o) noexcept {
    switch (o.kind_) {
      case kind::string: std::construct_at(&u_.s, std::move(o.u_.s)); break;
      case kind::list: std::construct_at(&u_.l, std::move(o.u_.l)); break;
      case kind::attrs: std::construct_at(&u_.a, std::move(o.u_.a)); break;
      case kind::package: std::construct_at(&u_.p, std::move(o.u_.p)); break;
      default: break;
    }
  }

  storage u_;
  kind kind_ = kind::null;
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
  // Names usually arrive sorted (merges walk them in order): appended without a search.
  if (items_.empty() || std::string_view(items_.back().name) < name)
    return items_.emplace_back(std::string(name), std::move(v)).val;
  auto i = lower_bound(name);
  if (i < items_.size() && items_[i].name == name) {
    items_[i].val = std::move(v);
  } else {
    items_.insert(items_.begin() + static_cast<std::ptrdiff_t>(i), attr{std::string(name), std::move(v)});
  }
  return items_[i].val;
}

constexpr value& attrs::set(std::string_view name, const value& v) { return set(name, value(v)); }

constexpr bool operator==(const attrs& a, const attrs& b) { return a.items_ == b.items_; }

}  // namespace cairn
