
// Its twin: the same text as a template, rendered on the machine, compiles.

#include <cairn/fwd.hpp>
#include <modules/system/environment.hpp>
#include <modules/system/secrets.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<environment::module, secrets::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(secrets::secret::file("db"), "hosts/db/secrets/db.age");
    d.set(secrets::secret_template::content("app.ini"), "password = " + cairn::secret("db") + "\n");
  }
};

int main() { return 0; }
