// The secrets module: what a configuration may say about secrets, checked at evaluation (a host
// that evaluates at compile time gets these as compile errors), and how text with secrets is kept.
#include <gtest/gtest.h>

#include <cairn/eval.hpp>
#include <modules/system/secrets.hpp>

#include "support.hpp"

namespace secrets_module {

using namespace cairn::modules;
using cairn::definitions;

struct good {
  using imports = cairn::imports<secrets::module>;
  static constexpr void config(definitions& d) {
    d.set(secrets::secret::file("db-password"), "hosts/db/secrets/db-password.age");
    d.set(secrets::secret::file("tls.key"), "/srv/keys/tls.key.age");
    d.set(secrets::secret::path("tls.key"), "/run/secrets/nginx/tls.key");
    d.set(secrets::secret::file("wifi"), "hosts/db/secrets/wifi.age");
    d.set(secrets::secret::path("wifi"), "/var/lib/iwd/home.psk");
    d.set(secrets::secret::outside_run_secrets("wifi"), true);
    d.set(secrets::secret_template::content("app.ini"),
          "[db]\npassword = " + cairn::secret("db-password") + "\nkey = " + cairn::secret("tls.key") + "\n");
  }
};

struct slash_in_name {
  using imports = cairn::imports<secrets::module>;
  static constexpr void config(definitions& d) { d.set(secrets::secret::file("../shadow"), "x.age"); }
};

struct outside_without_opt_in {
  using imports = cairn::imports<secrets::module>;
  static constexpr void config(definitions& d) {
    d.set(secrets::secret::file("wifi"), "wifi.age");
    d.set(secrets::secret::path("wifi"), "/var/lib/iwd/home.psk");
  }
};

struct dot_dot_in_path {
  using imports = cairn::imports<secrets::module>;
  static constexpr void config(definitions& d) {
    d.set(secrets::secret::file("a"), "a.age");
    d.set(secrets::secret::path("a"), "/run/secrets/../shadow");
  }
};

struct undeclared_in_template {
  using imports = cairn::imports<secrets::module>;
  static constexpr void config(definitions& d) {
    d.set(secrets::secret_template::content("app.ini"), "password = " + cairn::secret("db") + "\n");
    d.set(secrets::secret_template::mode("app.ini"), "rw");
  }
};

}  // namespace secrets_module

namespace sm = secrets_module;
using cairn::testing::evaluation;

TEST(SecretsModule, DefaultsPathsAndPlaceholders) {
  evaluation<sm::good> t;
  EXPECT_TRUE(cairn::failed_assertions(t.e).empty());
  auto& s = t.e.read("secrets").as_attrs();
  EXPECT_EQ(s.find("db-password")->as_attrs().find("path")->as_string(), "/run/secrets/db-password");
  EXPECT_EQ(s.find("db-password")->as_attrs().find("mode")->as_string(), "0400");
  EXPECT_EQ(s.find("db-password")->as_attrs().find("owner")->as_string(), "root");
  EXPECT_EQ(t.e.read("secretTemplates").as_attrs().find("app.ini")->as_attrs().find("path")->as_string(),
            "/run/secrets/rendered/app.ini");
  // The configuration (and so the store) holds placeholders, never values.
  EXPECT_EQ(t.e.read("secretTemplates").as_attrs().find("app.ini")->as_attrs().find("content")->as_string(),
            "[db]\npassword = <cairn-secret:db-password>\nkey = <cairn-secret:tls.key>\n");
  EXPECT_EQ(t.e.read("secretIdentityPaths").as_list().size(), 2u);
}

TEST(SecretsModule, ANameWithASlashOrDotsIsRefused) {
  evaluation<sm::slash_in_name> t;
  auto failed = cairn::failed_assertions(t.e);
  ASSERT_EQ(failed.size(), 2u);  // and so its default path is not a plain path in /run/secrets
  EXPECT_EQ(failed[0], "secrets.\"../shadow\": a secret's name becomes a file name: use letters, digits and - _ . @ +, "
                       "not '/', and do not start it with '.'");
}

TEST(SecretsModule, APathOutsideRunSecretsNeedsTheOptIn) {
  evaluation<sm::outside_without_opt_in> t;
  EXPECT_EQ(cairn::failed_assertions(t.e),
            (std::vector<std::string>{"secrets.\"wifi\".path = \"/var/lib/iwd/home.psk\" is outside /run/secrets (or not a "
                                      "plain path in it); set secrets.\"wifi\".outsideRunSecrets = true to link it there"}));
  evaluation<sm::dot_dot_in_path> u;
  ASSERT_EQ(cairn::failed_assertions(u.e).size(), 1u);
  EXPECT_NE(cairn::failed_assertions(u.e)[0].find("\"/run/secrets/../shadow\" is outside /run/secrets"), std::string::npos);
}

TEST(SecretsModule, ATemplateMayUseDeclaredSecretsOnly) {
  evaluation<sm::undeclared_in_template> t;
  EXPECT_EQ(cairn::failed_assertions(t.e),
            (std::vector<std::string>{"secretTemplates.\"app.ini\".mode = \"rw\" is not an octal mode like \"0400\"",
                                      "secretTemplates.\"app.ini\".content uses the secret \"db\", which secrets.<name> "
                                      "does not declare"}));
}

TEST(SecretsModule, SecretNames) {
  EXPECT_TRUE(cairn::valid_secret_name("db-password"));
  EXPECT_TRUE(cairn::valid_secret_name("tls.key"));
  for (auto bad : {"", ".", "..", ".hidden", "a/b", "a>b", "a b"}) EXPECT_FALSE(cairn::valid_secret_name(bad)) << bad;
  EXPECT_EQ(cairn::secret_names_in("a=<cairn-secret:x> b=<cairn-secret:y.z>"), (std::vector<std::string>{"x", "y.z"}));
}
