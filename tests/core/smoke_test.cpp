// The evaluator end to end on a small configuration, at run time and at compile time.
#include "support.hpp"

namespace smoke {
using namespace cairn;

inline constexpr auto enable = enable_option<"services.smoke.enable">("the smoke service");
inline constexpr option<"services.smoke.port", types::port> port{{.default_value = 22, .description = "Port."}};
inline constexpr option<"services.smoke.banner", types::str> banner{{.description = "Rendered."}};

struct module {
  static constexpr auto options = declare(enable, port, banner);
  static constexpr void config(definitions& d) {
    d.when(enable).set(banner, [](const cairn::config& c) { return "port " + cairn::to_string(c[port]); });
  }
};

struct host {
  using imports = cairn::imports<module>;
  static constexpr void config(definitions& d) {
    d.set(enable, true);
    d.set(port, 2222);
  }
};

constexpr bool evaluates_at_compile_time() {
  evaluator e(module_info_of<host>(), meta{});
  return e.read("services.smoke.banner").as_string() == "port 2222";
}
static_assert(evaluates_at_compile_time());
}  // namespace smoke

TEST(Smoke, DeferredDefinitionReadsTheFinalConfig) {
  cairn::testing::evaluation<smoke::host> t;
  EXPECT_EQ(t["services.smoke.banner"].as_string(), "port 2222");
  EXPECT_EQ(t.json("services.smoke"), R"({"banner":"port 2222","enable":true,"port":2222})");
}
