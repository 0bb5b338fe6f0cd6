// cairn/deploy/copy.hpp: nix-copy-closure over a serve connection: the closure's paths the target
// lacks, dependencies first, each as its narinfo and NAR (checked by hash on arrival).
#pragma once

#include <cairn/deploy/channel.hpp>
#include <cairn/store/nar.hpp>
#include <cairn/store/narinfo.hpp>
#include <cairn/store/store.hpp>
#include <cairn/system/closure_diff.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace cairn::deploy {

struct copy_result {
  std::size_t closure_paths = 0;  ///< paths in the closure
  std::size_t copied_paths = 0;   ///< of them, sent (the target lacked them)
  std::uint64_t nar_bytes = 0;    ///< NAR bytes of the paths sent
};

namespace detail {

// The reply's first word must be `expected`; "error MESSAGE" becomes an exception.
inline std::string expect_reply(channel& io, std::string_view expected) {
  auto line = io.read_line();
  if (line.starts_with("error ")) throw std::runtime_error(fmt::format("{}: {}", io.peer(), line.substr(6)));
  if (!line.starts_with(expected)) throw protocol_error(fmt::format("{} answered '{}', expected '{}'", io.peer(), line, expected));
  return line;
}

// Reads what the target said when a write failed: its error, if it gave one, rather than our
// broken pipe.
template <class F>
void or_target_error(channel& io, F&& write) {
  try {
    write();
  } catch (const store::hash_mismatch&) {
    throw;  // the local store's own fault, found while sending
  } catch (const std::exception&) {
    // Most likely the target stopped reading (EPIPE): it says why on its way out.
    std::string said;
    try {
      said = io.read_line();
    } catch (const std::exception&) {
    }
    if (said.starts_with("error ")) throw std::runtime_error(fmt::format("{}: {}", io.peer(), said.substr(6)));
    throw;
  }
}

}  // namespace detail

/// Which of `paths` the target already has.
inline std::set<std::string> query_valid(channel& io, const std::vector<std::string>& paths) {
  io.write_line(fmt::format("valid {}", paths.size()));
  for (const auto& p : paths) io.write_line(p);
  io.flush();
  auto n = detail::parse_count(detail::expect_reply(io, ""), "valid paths");
  std::set<std::string> out;
  for (std::uint64_t i = 0; i < n; ++i) out.insert(io.read_line());
  return out;
}

/// Copies the closure of `roots` to the target; `progress` hears one line before the copy.
template <class Progress>
copy_result copy_closure(store::store& s, channel& io, const std::vector<store::store_path>& roots, Progress&& progress) {
  const auto closure = s.requisites(roots);
  std::vector<std::string> logical;
  for (const auto& p : closure) logical.push_back(s.logical(p));
  const auto present = query_valid(io, logical);
  std::vector<store::path_info> missing;
  copy_result r{.closure_paths = closure.size()};
  for (const auto& p : closure)
    if (!present.contains(s.logical(p))) {
      missing.push_back(s.path_info_of(p));
      r.nar_bytes += missing.back().nar_size;
    }
  r.copied_paths = missing.size();
  progress(fmt::format("copying {} of {} paths ({} of NAR) to {}", missing.size(), closure.size(),
                       system::format_bytes(static_cast<std::int64_t>(r.nar_bytes)), io.peer()));
  if (missing.empty()) return r;
  detail::or_target_error(io, [&] {
    io.write_line(fmt::format("import {}", missing.size()));
    for (const auto& info : missing) {
      store::narinfo n{.path = info.path, .url = "nar", .compression = "none", .nar_hash = info.nar_hash, .nar_size = info.nar_size,
                       .references = info.references, .deriver = info.deriver, .sigs = info.sigs, .ca = info.ca};
      const auto text = store::to_string(n, s.dir());
      io.write_line(fmt::format("narinfo {}", text.size()));
      io.write(text);
      auto sink = [&](std::string_view d) { io.write(d); };
      const auto size = store::dump_path(s.physical(info.path), sink);
      if (size != info.nar_size)
        throw store::hash_mismatch(fmt::format("{} changed in the local store: its NAR is {} bytes, the store says {}",
                                               s.logical(info.path), size, info.nar_size));
    }
    io.flush();
  });
  detail::expect_reply(io, "imported");
  return r;
}

}  // namespace cairn::deploy
