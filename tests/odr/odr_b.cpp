// Every public header, and the demo's modules, in a second translation unit of one program.
#include <cairn/age.hpp>
#include <cairn/cairn.hpp>
#include <cairn/layer.hpp>
#include <cairn/secrets/manifest.hpp>
#include <cairn/store.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host_b {
  using imports = cairn::imports<networking::module, time::module, services::openssh::module>;
  static constexpr void config(cairn::definitions& d) { d.set(services::openssh::enable, true); }
};

std::string evaluate_b() {
  cairn::evaluator e(cairn::module_info_of<host_b>(), cairn::meta{.hostname = "b"});
  return cairn::to_json(e.read("networking.hostName")) + cairn::store::hash_string("b").to_nix32().substr(0, 4);
}
