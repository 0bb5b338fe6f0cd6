// first-error: option<cairn::fixed_string<[0-9]+>\{"environment.etc.<name>.text"\}>::cannot_hold_a_secret_because_the_store_is_world_readable_so_render_it_with_secretTemplates
// max-lines: 20
// A secret's value cannot go into an etc file (the store is world-readable): it does not compile,
// and the first error line says why and what to use instead.
#include <cairn/fwd.hpp>
#include <modules/system/environment.hpp>
#include <modules/system/secrets.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<environment::module, secrets::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(secrets::secret::file("db"), "hosts/db/secrets/db.age");
    d.set(environment::etc_entry::text("app.ini"), "password = " + cairn::secret("db") + "\n");
  }
};

int main() { return 0; }
