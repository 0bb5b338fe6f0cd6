#pragma once
// Realisation: building a graph of derivations in dependency order, `jobs` at a time.
//
//   auto top = s.add_derivation(builders::directory_tree("system", entries));
//   auto r = realise(s, {top}, {.jobs = 4});     // r.outputs[0] == top.out, now valid
//
// Each output is built under a per-path lock (two realisers never build the same path at once;
// the second finds it valid), into its final store location, then canonicalised (read-only,
// mtime 1), scanned for references to its inputs' closure and itself, and registered. A build
// that fails or is interrupted leaves no valid path: leftovers are removed at once, or by the
// next store that opens if the process was killed.
#include <cairn/store/builders.hpp>
#include <cairn/store/detail/builtins.hpp>
#include <cairn/store/detail/sandbox.hpp>
#include <cairn/store/store.hpp>

#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace cairn::store {

struct realise_options {
  unsigned jobs = 1;  ///< builds at once
  /// Host paths bind-mounted read-only into each sandboxed build (those that exist).
  std::vector<std::string> sandbox_paths = {"/bin", "/usr", "/lib", "/lib64"};
  bool sandbox = true;             ///< isolate builder programs with namespaces where possible
  std::size_t log_tail_lines = 10;  ///< lines of a failed build's log quoted in the error
  std::function<void(std::string_view)> progress;  ///< one line per event ("building '…'")
};

/// One build that ran.
struct build_record {
  store_path drv;
  store_path out;
  std::string isolation;          ///< what isolation was applied ("in-process builtin", namespaces, …)
  std::filesystem::path log;      ///< where its output was kept
};

struct realise_result {
  std::vector<store_path> outputs;  ///< the outputs of the requested derivations, in order
  std::vector<build_record> built;  ///< what had to be built (in completion order)
};

namespace detail {

inline std::string log_tail(const std::filesystem::path& log, std::size_t lines) {
  std::string text;
  try {
    text = read_file(log);
  } catch (const store_error&) {
    return {};
  }
  std::vector<std::string_view> all;
  for (std::size_t a = 0; a < text.size();) {
    const auto b = std::min(text.find('\n', a), text.size());
    all.push_back(std::string_view(text).substr(a, b - a));
    a = b + 1;
  }
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    out += fmt::format("> {}\n", all[i]);
  return out;
}

/// Builds one derivation whose inputs are valid. Returns nullopt if the output was already valid.
inline std::optional<build_record> build_derivation(store& s, const store_path& drv_path, const realise_options& opts) {
  const derivation& d = s.read_derivation(drv_path);
  const store_path out = *d.out;
  s.add_temp_root(out);
  if (s.is_valid(out)) return std::nullopt;
  auto lock = s.lock_path(out);
  if (s.is_valid(out)) return std::nullopt;  // another realiser built it while we waited

  if (d.system != "builtin" && d.system != builders::host_system())
    throw build_error(fmt::format("a '{}' derivation cannot be built on '{}': '{}'", d.system, builders::host_system(),
                                  s.logical(drv_path)));
  // Inputs, and the closure in which references are looked for.
  store_path_set inputs = d.input_srcs;
  for (const auto& [p, outs] : d.input_drvs) inputs.insert(*s.read_derivation(p).out);
  for (const auto& i : inputs)
    if (!s.is_valid(i)) throw build_error(fmt::format("input '{}' of '{}' is not valid", s.logical(i), s.logical(drv_path)));
  const auto closure_list = s.requisites({inputs.begin(), inputs.end()});
  store_path_set candidates(closure_list.begin(), closure_list.end());
  candidates.insert(out);

  const auto phys_out = s.physical(out);
  const auto scratch = s.build_dir(out);
  remove_tree(phys_out);
  remove_tree(scratch);
  build_record rec{drv_path, out, {}, s.log_path(drv_path)};
  if (opts.progress) opts.progress(fmt::format("building '{}'", s.logical(drv_path)));
  try {
    make_dirs(scratch);
    fd log(::open(rec.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!log) throw_sys("cannot create the build log", rec.log.native());
    if (d.is_builtin()) {
      rec.isolation = "in-process builtin builder";
      run_builtin(s, d, phys_out, inputs);
      write_all(log.get(), fmt::format("{}: built by {}\n", s.logical(out), d.builder), rec.log.native());
    } else {
      sandbox_spec spec;
      spec.builder = d.builder;
      spec.args = d.args;
      spec.build_top = scratch / "top";
      spec.chroot_dir = scratch / "root";
      spec.store_dir = s.dir().path();
      for (const auto& p : closure_list) spec.inputs.emplace_back(s.logical(p), s.physical(p));
      spec.sandbox_paths = opts.sandbox_paths;
      spec.private_network = !d.is_fixed_output();  // as Nix: fixed-output builds may fetch
      spec.use_namespaces = opts.sandbox;
      spec.logical_is_physical = s.config().root.empty() || s.config().root == "/";
      spec.log_fd = log.get();
      make_dirs(spec.build_top);
      spec.env = {{"PATH", "/path-not-set"}, {"HOME", "/homeless-shelter"}, {"NIX_STORE", s.dir().path()},
                  {"NIX_BUILD_CORES", "1"}, {"NIX_LOG_FD", "2"}, {"TERM", "xterm-256color"}};
      for (const auto& [k, v] : d.env) spec.env[k] = v;
      if (::geteuid() == 0 && ::chown(spec.build_top.c_str(), detail::sandbox_uid, detail::sandbox_gid) != 0)
        throw_sys("cannot hand the build directory to the builder", spec.build_top.native());
      const auto result = run_in_sandbox(spec);
      rec.isolation = result.isolation;
      const int ws = result.exit_status;
      if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        const auto how = WIFEXITED(ws) ? fmt::format("failed with exit code {}", WEXITSTATUS(ws))
                                       : fmt::format("was killed by signal {}", WTERMSIG(ws));
        const auto tail = log_tail(rec.log, opts.log_tail_lines);
        throw build_error(fmt::format("builder for '{}' {}{}", s.logical(drv_path), how,
                                      tail.empty() ? fmt::format("; log: {}", rec.log.native())
                                                   : fmt::format(";\nlast {} log lines:\n{}log: {}", opts.log_tail_lines,
                                                                 tail, rec.log.native())));
      }
      if (result.chrooted) {
        const auto built = spec.chroot_dir / std::filesystem::path(s.logical(out)).relative_path();
        struct stat st {};
        if (::lstat(built.c_str(), &st) == 0) {
          if (::rename(built.c_str(), phys_out.c_str()) != 0) {
            if (errno != EXDEV) throw_sys("cannot move the output into the store", phys_out.native());
            copy_tree(built, phys_out);
          }
        }
      }
    }
    struct stat st {};
    if (::lstat(phys_out.c_str(), &st) != 0)
      throw build_error(fmt::format("builder for '{}' failed to produce output path '{}'", s.logical(drv_path), s.logical(out)));
    canonicalise_path(phys_out);
    reference_scanner scanner(candidates);
    hash_sink nar_sha;
    std::optional<hash_sink> fixed_sha;
    if (d.fixed && d.fixed->method == file_ingestion::recursive) fixed_sha.emplace(d.fixed->expected.algo);
    struct tee {
      reference_scanner& s;
      hash_sink& h;
      std::optional<hash_sink>& f;
      void operator()(std::string_view b) {
        s(b);
        h(b);
        if (f) (*f)(b);
      }
    } t{scanner, nar_sha, fixed_sha};
    const auto nar_size = dump_path(phys_out, t);
    path_info info{.path = out, .nar_hash = nar_sha.finish(), .nar_size = nar_size, .references = scanner.found(),
                   .deriver = drv_path};
    if (d.fixed) {
      hash got;
      if (d.fixed->method == file_ingestion::flat) {
        if (!S_ISREG(st.st_mode))
          throw build_error(fmt::format("output of fixed-output derivation '{}' is not a regular file", s.logical(drv_path)));
        got = hash_file(phys_out, d.fixed->expected.algo);
      } else {
        got = fixed_sha->finish();
      }
      if (got != d.fixed->expected)
        throw hash_mismatch(fmt::format("hash mismatch in fixed-output derivation '{}':\n  specified: {}\n     got:    {}",
                                        s.logical(drv_path), d.fixed->expected.to_sri(), got.to_sri()));
      if (!info.references.empty())
        throw build_error(fmt::format("fixed-output derivation '{}' may not refer to other store paths, but it refers to '{}'",
                                      s.logical(drv_path), s.logical(*info.references.begin())));
      info.ca = fmt::format("fixed:{}{}:{}", d.fixed->method == file_ingestion::recursive ? "r:" : "",
                            to_string(got.algo), got.to_nix32());
    }
    s.register_paths({info});
  } catch (...) {
    try {
      remove_tree(phys_out);
      remove_tree(scratch);
    } catch (...) {
    }
    throw;
  }
  remove_tree(scratch);
  return rec;
}

}  // namespace detail

/// Builds what is missing of the given derivations (by .drv path) and their inputs. Throws the
/// first build error after the builds already running have finished; nothing half-built stays.
inline realise_result realise(store& s, const std::vector<store_path>& drvs, const realise_options& opts = {}) {
  // The graph: every derivation reachable through input_drvs.
  std::map<store_path, std::set<store_path>> deps, dependents;
  std::vector<store_path> stack(drvs.begin(), drvs.end());
  while (!stack.empty()) {
    auto p = stack.back();
    stack.pop_back();
    if (deps.contains(p)) continue;
    const auto& d = s.read_derivation(p);
    auto& mine = deps[p];
    for (const auto& [in, outs] : d.input_drvs) {
      mine.insert(in);
      dependents[in].insert(p);
      stack.push_back(in);
    }
  }
  std::mutex m;
  std::condition_variable cv;
  std::deque<store_path> ready;
  std::map<store_path, std::size_t> waiting;
  for (const auto& [p, ds] : deps) {
    waiting[p] = ds.size();
    if (ds.empty()) ready.push_back(p);
  }
  std::size_t remaining = deps.size(), running = 0;
  std::exception_ptr failure;
  realise_result result;

  auto worker = [&] {
    std::unique_lock l(m);
    for (;;) {
      cv.wait(l, [&] { return failure || remaining == 0 || !ready.empty(); });
      if (failure || remaining == 0) return;
      auto p = ready.front();
      ready.pop_front();
      ++running;
      l.unlock();
      std::optional<build_record> rec;
      std::exception_ptr err;
      try {
        rec = detail::build_derivation(s, p, opts);
      } catch (...) {
        err = std::current_exception();
      }
      l.lock();
      --running;
      if (err) {
        if (!failure) failure = err;
      } else {
        if (rec) result.built.push_back(std::move(*rec));
        --remaining;
        for (const auto& dep : dependents[p])
          if (--waiting[dep] == 0) ready.push_back(dep);
      }
      cv.notify_all();
    }
  };
  const unsigned n = std::max(1u, std::min<unsigned>(opts.jobs, static_cast<unsigned>(deps.size())));
  {
    std::vector<std::jthread> pool;
    for (unsigned i = 1; i < n; ++i) pool.emplace_back(worker);
    worker();
  }
  if (failure) std::rethrow_exception(failure);
  for (const auto& d : drvs) result.outputs.push_back(*s.read_derivation(d).out);
  return result;
}

/// The same for derivations just added (their .drv paths are used).
inline realise_result realise(store& s, const std::vector<drv_output>& drvs, const realise_options& opts = {}) {
  std::vector<store_path> paths;
  for (const auto& d : drvs) paths.push_back(d.drv);
  return realise(s, paths, opts);
}

}  // namespace cairn::store
