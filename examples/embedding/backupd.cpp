// backupd: a backup daemon whose settings (a JSON file) are checked by cairn schemas, so that a
// bad setting is an error naming the option, the file and the line, in NixOS's words.
//
//   backupd /etc/backupd.json
#include <cairn/eval.hpp>
#include <cairn/fwd.hpp>
#include <cairn/layer.hpp>

#include <fmt/format.h>

namespace backupd {

using namespace cairn;

inline constexpr option<"backup.paths", types::list_of<types::path>> paths{{
    .description = "Directories to back up.",
}};
inline constexpr option<"backup.keep", types::ints::positive> keep{{
    .default_value = 7,
    .description = "How many snapshots to keep.",
}};
inline constexpr option<"backup.schedule", types::enum_<"hourly", "daily", "weekly">> schedule{{
    .default_value = "daily",
    .description = "How often to take a snapshot.",
}};
inline constexpr option<"backup.targets", types::attrs_of<types::submodule>> targets{{
    .description = "Where snapshots go, by name.",
}};
inline constexpr option<"backup.targets.<name>.url", types::str> url{{
    .description = "The target's URL.",
}};
inline constexpr option<"backup.targets.<name>.compression", types::enum_<"none", "zstd", "xz">> compression{{
    .default_value = "zstd",
    .description = "Compression of the snapshots sent there.",
}};

struct schema {
  static constexpr auto options = declare(paths, keep, schedule, targets, url, compression);
  static constexpr void config(definitions& d) { d.set(paths, mk_default({"/home"})); }
};

}  // namespace backupd

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: backupd SETTINGS.json\n");
    return 2;
  }
  try {
    auto settings = cairn::load_json_layer(argv[1]);
    cairn::evaluator e(cairn::module_info_of<backupd::schema>(), {}, {&settings, 1});
    e.force_all();
    auto c = e.root_config();
    fmt::print("every {} snapshot of {}, keeping {}\n", c[backupd::schedule], fmt::join(c[backupd::paths], ", "),
               c[backupd::keep]);
    for (const auto& name : c.names(backupd::targets))
      fmt::print("  to {}: {} ({})\n", name, c[backupd::url(name)], c[backupd::compression(name)]);
    return 0;
  } catch (const cairn::evaluation_error& err) {
    fmt::print(stderr, "backupd: error: {}\n", err.what());
    return 1;
  }
}
