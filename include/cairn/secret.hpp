// cairn/secret.hpp: secrets in a configuration, as handles that never become strings.
//
//   d.set(secrets::secret::file("db-password"), "hosts/db/secrets/db-password.age");
//   d.set(secrets::secret_template::content("app.ini"),
//         "[db]\npassword = " + cairn::secret("db-password") + "\n");
//
// cairn::secret(name) is a secret_ref: it has no conversion to a string, so it cannot define a
// string option (an etc text, a unit, a script): that does not compile, and the error says why.
// Joined with text it makes a secret_text, which only types::secret_text options take
// (secretTemplates.<name>.content). The configuration and the store hold the text with a
// placeholder for each secret; activation substitutes the decrypted values on the machine.
#pragma once

#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "detail/text.hpp"
#include "type_descriptor.hpp"
#include "types.hpp"
#include "value.hpp"

namespace cairn {

// How a placeholder looks in the configuration and the store: <cairn-secret:NAME>.
inline constexpr std::string_view secret_placeholder_prefix = "<cairn-secret:";
inline constexpr std::string_view secret_placeholder_suffix = ">";

// A secret, by its name in secrets.<name>.
class secret_ref {
 public:
  static constexpr bool cairn_secret = true;  // diagnostics.hpp: a secret given to a string option
  constexpr explicit secret_ref(std::string_view name) : name_(name) {}
  constexpr const std::string& name() const { return name_; }

 private:
  std::string name_;
};

constexpr secret_ref secret(std::string_view name) { return secret_ref(name); }

// Text with secrets in it: literal pieces and placeholders.
class secret_text {
 public:
  static constexpr bool cairn_secret = true;
  constexpr secret_text() = default;
  constexpr explicit secret_text(std::string_view literal) : encoded_(literal) {}
  constexpr secret_text(const secret_ref& s) {  // NOLINT: implicit, so that a ref is a text
    encoded_.append(secret_placeholder_prefix);
    encoded_.append(s.name());
    encoded_.append(secret_placeholder_suffix);
  }
  // The text as the store keeps it, a placeholder for each secret.
  constexpr const std::string& with_placeholders() const { return encoded_; }

  constexpr secret_text& operator+=(const secret_text& more) {
    encoded_.append(more.encoded_);
    return *this;
  }

 private:
  std::string encoded_;
};

namespace detail {
template <class V>
concept secret_piece = std::same_as<std::remove_cvref_t<V>, secret_ref> || std::same_as<std::remove_cvref_t<V>, secret_text>;
template <class V>
concept text_piece = secret_piece<V> || std::is_convertible_v<const V&, std::string_view>;

template <class V>
constexpr secret_text as_secret_text(const V& v) {
  if constexpr (std::is_convertible_v<const V&, std::string_view>) return secret_text(std::string_view(v));
  else return secret_text(v);
}
}  // namespace detail

// "password=" + secret("db") + "\n": a secret_text as soon as one side is a secret.
template <class A, class B>
  requires detail::text_piece<A> && detail::text_piece<B> && (detail::secret_piece<A> || detail::secret_piece<B>)
constexpr secret_text operator+(const A& a, const B& b) {
  secret_text out = detail::as_secret_text(a);
  out += detail::as_secret_text(b);
  return out;
}

namespace types {
// Text that may embed secrets (cairn::secret): placeholders in the store, the values on the
// machine. Plain strings are fine too.
struct secret_text {
  using value_type = std::string;
  using literal_type = std::string_view;
  static constexpr type_descriptor descriptor{.kind = type_kind::string, .name = "secretText",
                                              .description = "text with secrets (rendered at activation)"};
  template <class V>
  static constexpr bool accepts = cairn::detail::text_piece<cairn::detail::bare<V>>;
  template <class V>
  static constexpr value to_value(const V& v) {
    return cairn::detail::as_secret_text(v).with_placeholders();
  }
  static constexpr std::string from_value(const value& v) { return v.as_string(); }
};
}  // namespace types

// The names of the secrets a text's placeholders refer to, in order of appearance.
constexpr std::vector<std::string> secret_names_in(std::string_view text) {
  std::vector<std::string> names;
  for (std::size_t at = text.find(secret_placeholder_prefix); at != std::string_view::npos;
       at = text.find(secret_placeholder_prefix, at + 1)) {
    const auto start = at + secret_placeholder_prefix.size();
    const auto end = text.find(secret_placeholder_suffix, start);
    if (end == std::string_view::npos) break;
    names.emplace_back(text.substr(start, end - start));
  }
  return names;
}

// Where secrets are: /run/secrets/<path>, a link to the directory activation decrypted into.
inline constexpr std::string_view run_secrets_prefix = "/run/secrets/";

// An absolute path without empty, "." or ".." components and without a trailing '/'.
constexpr bool plain_absolute_path(std::string_view p) {
  if (!p.starts_with('/') || p.size() == 1 || p.ends_with('/')) return false;
  for (std::string_view rest = p.substr(1); !rest.empty();) {
    auto slash = rest.find('/');
    auto part = rest.substr(0, slash);
    if (part.empty() || part == "." || part == "..") return false;
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  return true;
}

// A plain path inside /run/secrets (not /run/secrets itself).
constexpr bool in_run_secrets(std::string_view p) {
  return p.starts_with(run_secrets_prefix) && p.size() > run_secrets_prefix.size() && plain_absolute_path(p);
}

// Whether `name` may name a secret: it becomes a file name under /run/secrets, so no '/', no
// "." or "..", no leading '.', and nothing that could end a placeholder.
constexpr bool valid_secret_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == '@' || c == '+';
    if (!ok) return false;
  }
  return true;
}

}  // namespace cairn
