// Every public header, and the demo's modules, in a second translation unit of one program.
#include <cairn/age.hpp>
#include <cairn/cairn.hpp>
#include <cstdio>
#include <cairn/layer.hpp>
#include <cairn/secrets/manifest.hpp>
#include <cairn/store.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host_a {
  using imports = cairn::imports<networking::module, time::module, services::openssh::module>;
  static constexpr void config(cairn::definitions& d) { d.set(services::openssh::enable, true); }
};

std::string evaluate_a() {
  cairn::evaluator e(cairn::module_info_of<host_a>(), cairn::meta{.hostname = "a"});
  return cairn::to_json(e.read("networking.hostName")) + cairn::store::hash_string("a").to_nix32().substr(0, 4);
}

std::string evaluate_b();

// Both units registered the same modules: module identity must be one object across them.
int main() {
  bool same_module = &cairn::module_info_of<networking::module>() != nullptr;
  auto a = evaluate_a(), b = evaluate_b();
  std::printf("%s %s\n", a.c_str(), b.c_str());
  return same_module && a.substr(0, 3) == "\"a\"" && b.substr(0, 3) == "\"b\"" ? 0 : 1;
}
