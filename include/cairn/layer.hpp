// cairn/layer.hpp: configuration read at run time, checked by the same schemas.
//
// A program that embeds cairn declares its options in C++ and reads its users' settings from
// a JSON file; every definition keeps the file and line it came from:
//
//   auto settings = cairn::load_json_layer("/etc/backupd.json");
//   cairn::evaluator e(cairn::module_info_of<backupd::schema>(), {}, {&settings, 1});
//   e.force_all();  // cairn::evaluation_error: The option `backup.keep' ... - In `/etc/backupd.json:4': 0
//
// A layer acts as a module listed after the host: its definitions come just before the
// host's own (NixOS's order), at priority 100 unless the layer says otherwise (a defaults
// layer: priority::default_). Keys that name no option are "does not exist" errors with
// suggestions; submodule instances are split so that every field keeps its own line.
#pragma once

#include <cstdint>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "eval.hpp"
#include "json_input.hpp"

namespace cairn {

struct layer {
  std::string file;
  located_value document;
  std::int32_t priority = priority::plain;
};

// Reads a JSON layer (errors name the file: unreadable, or invalid JSON with its line).
inline layer load_json_layer(const std::string& file, std::int32_t priority = priority::plain) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw evaluation_error("cannot read `" + file + "'");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return layer{file, parse_json(text.str(), file), priority};
  } catch (const json_syntax_error& e) {
    throw evaluation_error(e.what());
  }
}

inline evaluator::evaluator(const module_info& root, const meta& host, std::span<const layer> layers)
    : meta_(host) {
  set_up(root);
  register_modules(layers);
}

inline void evaluator::register_layer(const layer& l) {
  layer_files_.push_back(detail::box<std::string>::make(l.file));
  std::vector<std::string> path;
  register_layer_value(l.document, 0, path, layer_files_.back()->c_str(), l.priority, false);
}

// Walks the document along the options: each value is defined at its option with its own
// line; a submodule option is split into instances and fields; a key that names no option is
// defined where it is, so that evaluation reports it (does not exist, with suggestions).
inline void evaluator::register_layer_value(const located_value& v, std::uint32_t t, std::vector<std::string>& path,
                                            const char* file, std::int32_t priority, bool split_fields) {
  if (failed()) return;
  auto define_at = [&](const located_value& at) {
    def_node leaf = def_node::of(at.to_value());
    if (priority != priority::plain) leaf = def_node::wrap(def_node::kind::override_, priority, std::move(leaf));
    define_concrete(path, std::move(leaf), detail::location{file, at.line, nullptr}, {}, nullptr);
  };
  const auto& here = tries_[t];
  if (split_fields) {  // an instance of a submodule: its fields
    if (!v.is_object || v.members.empty()) return define_at(v);
    for (const auto& [field, member] : v.members) {
      path.push_back(field);
      define_at(member);
      path.pop_back();
    }
    return;
  }
  if (here.declaration >= 0) {
    const auto& type = *declarations_[here.declaration].type;
    if (!v.is_object || !is_submodule_container(type)) return define_at(v);
    bool named = type.kind == type_kind::attrs_of;
    for (const auto& [name, member] : v.members) {
      path.push_back(name);
      if (named) register_layer_value(member, t, path, file, priority, true);
      else define_at(member);
      path.pop_back();
    }
    return;
  }
  if (!v.is_object) {  // a value where a set of options is
    if (t == 0) return fail("`" + std::string(file) + "' must hold a JSON object of option definitions.");
    return fail(detail::messages::not_a_set(std::string(file) + ":" + detail::to_string(std::int64_t(v.line)),
                                            v.to_value(), detail::show_option(path)));
  }
  for (const auto& [name, member] : v.members) {
    path.push_back(name);
    auto child = here.child(name);
    if (child == 0) define_at(member);
    else register_layer_value(member, child, path, file, priority, false);
    path.pop_back();
  }
}

}  // namespace cairn
