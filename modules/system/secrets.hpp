// modules/system/secrets.hpp: secrets kept encrypted (age) in the repository and decrypted on
// the machine at activation, as sops-nix and agenix do.
//
//   d.set(secrets::secret::file("db-password"), "hosts/db/secrets/db-password.age");
//   d.set(secrets::secret::owner("db-password"), "postgres");
//   d.set(secrets::secret::restart_units("db-password"), {"postgresql.service"});
//   d.set(secrets::secret_template::content("app.ini"), "password = " + cairn::secret("db-password") + "\n");
//
// The encrypted file goes into the generation (the store holds ciphertext only). Activation
// decrypts every secret with the host's identities (secretIdentityPaths) into a fresh
// /run/secrets.d/<N>, owners and modes set before any content, renders the templates, then
// points /run/secrets at it; a secret that does not decrypt stops the activation before
// anything changes. A secret's value cannot reach the store: cairn::secret() has no
// conversion to a string, so only secretTemplates.<name>.content takes it.
#pragma once

#include <cairn/fwd.hpp>
#include <cairn/secret.hpp>

#include "assertions.hpp"

namespace cairn::modules::secrets {

inline constexpr option<"secrets", types::attrs_of<types::submodule>> secrets{{
    .description = "Secrets to decrypt at activation, by name: each becomes /run/secrets/<name>.",
}};

namespace secret {
inline constexpr option<"secrets.<name>.file", types::str> file{{
    .description = "The age-encrypted file: a path relative to the repository root (the directory "
                   "with hosts/), or absolute. It is copied into the generation as it is.",
    .example = "\"hosts/demo/secrets/api-token.age\"",
}};
inline constexpr option<"secrets.<name>.owner", types::str> owner{{
    .default_value = "root",
    .description = "User that owns the decrypted file.",
}};
inline constexpr option<"secrets.<name>.group", types::str> group{{
    .default_value = "root",
    .description = "Group of the decrypted file.",
}};
inline constexpr option<"secrets.<name>.mode", types::str> mode{{
    .default_value = "0400",
    .description = "Permissions of the decrypted file, in octal.",
}};
inline constexpr option<"secrets.<name>.path", types::path> path{{
    .description = "Where the decrypted secret is. Under /run/secrets it is a file there; elsewhere "
                   "(only with outsideRunSecrets) a symlink to /run/secrets/<name>.",
    .default_text = "\"/run/secrets/<name>\"",
}};
inline constexpr option<"secrets.<name>.outsideRunSecrets", types::bool_> outside_run_secrets{{
    .default_value = false,
    .description = "Allow `path` outside /run/secrets (it becomes a symlink to the secret). Off, "
                   "such a path is an error: a secret in a place that outlives a reboot or that "
                   "other software manages is rarely what was meant.",
}};
inline constexpr option<"secrets.<name>.restartUnits", types::list_of<types::str>> restart_units{{
    .description = "Units to restart when the secret's decrypted value changes.",
    .example = "{\"sshd.service\"}",
}};
}  // namespace secret

inline constexpr option<"secretTemplates", types::attrs_of<types::submodule>> templates{{
    .description = "Files rendered at activation from text with secrets in it "
                   "(cairn::secret(\"name\") in the content): the store holds placeholders only.",
}};

namespace secret_template {
inline constexpr option<"secretTemplates.<name>.content", types::secret_text> content{{
    .description = "The file's text: strings joined with cairn::secret(\"name\") handles, e.g. "
                   "\"password=\" + cairn::secret(\"db\") + \"\\n\".",
}};
inline constexpr option<"secretTemplates.<name>.owner", types::str> owner{{
    .default_value = "root",
    .description = "User that owns the rendered file.",
}};
inline constexpr option<"secretTemplates.<name>.group", types::str> group{{
    .default_value = "root",
    .description = "Group of the rendered file.",
}};
inline constexpr option<"secretTemplates.<name>.mode", types::str> mode{{
    .default_value = "0400",
    .description = "Permissions of the rendered file, in octal.",
}};
inline constexpr option<"secretTemplates.<name>.path", types::path> path{{
    .description = "Where the rendered file is (under /run/secrets).",
    .default_text = "\"/run/secrets/rendered/<name>\"",
}};
inline constexpr option<"secretTemplates.<name>.restartUnits", types::list_of<types::str>> restart_units{{
    .description = "Units to restart when the rendered text changes.",
}};
}  // namespace secret_template

inline constexpr option<"secretIdentityPaths", types::list_of<types::path>> identity_paths{{
    .default_value = {{"/etc/ssh/ssh_host_ed25519_key", "/cairn/var/keys/host.age"}},
    .description = "The host's identities that decrypt the secrets: age key files (age-keygen's "
                   "format) and OpenSSH ed25519 private keys. Paths that do not exist are skipped.",
}};

namespace detail {
constexpr value check(bool ok, const std::string& message) {
  attrs a;
  a.set("assertion", ok);
  a.set("message", value(message));
  return value(std::move(a));
}
}  // namespace detail

struct module {
  using imports = cairn::imports<assertions::module>;
  static constexpr auto options =
      declare(secrets, secret::file, secret::owner, secret::group, secret::mode, secret::path,
              secret::outside_run_secrets, secret::restart_units, templates, secret_template::content,
              secret_template::owner, secret_template::group, secret_template::mode, secret_template::path,
              secret_template::restart_units, identity_paths);

  static constexpr void config(definitions& d) {
    d.each(secrets, [](instance_definitions& s) { s.set(secret::path, mk_default(std::string(run_secrets_prefix) + std::string(s.name()))); });
    d.each(templates, [](instance_definitions& t) {
      t.set(secret_template::path, mk_default(std::string(run_secrets_prefix) + "rendered/" + std::string(t.name())));
    });
    d.set(assertions::assertions, [](const cairn::config& c) {
      list checks;
      const auto names = c.names(secrets);
      for (const auto& name : names) {
        const std::string where = "secrets.\"" + name + "\"";
        checks.push_back(detail::check(valid_secret_name(name),
                                       where + ": a secret's name becomes a file name: use letters, digits and "
                                               "- _ . @ +, not '/', and do not start it with '.'"));
        checks.push_back(detail::check(cairn::detail::octal_mode(c[secret::mode(name)]),
                                       where + ".mode = \"" + c[secret::mode(name)] + "\" is not an octal mode like \"0400\""));
        const std::string p = c[secret::path(name)];
        checks.push_back(detail::check(
            in_run_secrets(p) || (c[secret::outside_run_secrets(name)] && !p.starts_with("/run/secrets")),
            where + ".path = \"" + p + "\" is outside /run/secrets (or not a plain path in it); set " + where +
                ".outsideRunSecrets = true to link it there"));
        checks.push_back(detail::check(!c[secret::file(name)].empty(), where + ".file is empty"));
      }
      for (const auto& name : c.names(templates)) {
        const std::string where = "secretTemplates.\"" + name + "\"";
        checks.push_back(detail::check(valid_secret_name(name), where + ": a template's name becomes a file name: use letters, "
                                                                        "digits and - _ . @ +, not '/'"));
        checks.push_back(detail::check(cairn::detail::octal_mode(c[secret_template::mode(name)]),
                                       where + ".mode = \"" + c[secret_template::mode(name)] + "\" is not an octal mode like \"0400\""));
        const std::string p = c[secret_template::path(name)];
        checks.push_back(detail::check(in_run_secrets(p), where + ".path = \"" + p + "\" is not under /run/secrets"));
        for (const auto& used : secret_names_in(c[secret_template::content(name)])) {
          bool declared = false;
          for (const auto& n : names) declared = declared || n == used;
          checks.push_back(detail::check(declared, where + ".content uses the secret \"" + used +
                                                       "\", which secrets.<name> does not declare"));
        }
      }
      return value(std::move(checks));
    });
  }
};

}  // namespace cairn::modules::secrets

CAIRN_LIBRARY_MODULE(cairn::modules::secrets::module)
