#pragma once
// The local store: files under `<root><store_dir>`, a SQLite database and roots under
// `<root><state_dir>`. Logical paths (what store paths print as, what builders and links see)
// never include `root`; it only says where the bytes live, like Nix's chroot stores.
//
//   cairn::store::store s{{.root = "/tmp/r"}};                   // /cairn/store, /cairn/var
//   auto hosts = s.add_text("etc-hosts", "127.0.0.1 localhost\n");
//   s.logical(hosts);   // "/cairn/store/<hash>-etc-hosts"
//   s.physical(hosts);  // "/tmp/r/cairn/store/<hash>-etc-hosts"
#include <cairn/store/database.hpp>
#include <cairn/store/derivation.hpp>
#include <cairn/store/detail/fs.hpp>
#include <cairn/store/detail/lock.hpp>
#include <cairn/store/detail/walk.hpp>
#include <cairn/store/nar.hpp>
#include <cairn/store/path_info.hpp>
#include <cairn/store/references.hpp>
#include <cairn/store/restore.hpp>
#include <cairn/store/store_path.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace cairn::store {

struct store_config {
  std::filesystem::path root = "/";        ///< where the files live; "/" for a real system
  std::string store_dir = "/cairn/store";  ///< logical store directory (part of every path's hash)
  std::string state_dir = "/cairn/var";    ///< logical state directory: db/, gcroots/, profiles/, log/
};

class store {
 public:
  /// Opens (creating if needed) the store, and removes what killed writers left behind.
  explicit store(store_config cfg = {})
      : cfg_(std::move(cfg)), dir_(cfg_.store_dir), db_(open_db()) {
    clean_leftovers();
  }
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  const store_config& config() const { return cfg_; }
  const store_dir& dir() const { return dir_; }

  // ---- paths -------------------------------------------------------------------------

  /// "/cairn/store/<hash>-<name>": what the path is called on the target system.
  std::string logical(const store_path& p) const { return dir_.print(p); }
  /// Where its bytes are on this machine: `<root>/cairn/store/<hash>-<name>`.
  std::filesystem::path physical(const store_path& p) const { return to_physical(dir_.print(p)); }
  /// Maps any logical absolute path (in the store or the state dir) under the root.
  std::filesystem::path to_physical(std::string_view logical_path) const {
    if (cfg_.root == "/" || cfg_.root.empty()) return std::filesystem::path(logical_path);
    return cfg_.root / std::filesystem::path(logical_path).relative_path();
  }
  /// Parses a logical store path ("/cairn/store/<hash>-<name>"), validating it.
  store_path parse(std::string_view logical_path) const { return dir_.parse(logical_path); }
  /// The physical state directory (`<root>/cairn/var`).
  std::filesystem::path state_path() const { return to_physical(cfg_.state_dir); }

  // ---- adding --------------------------------------------------------------------------

  /// Adds a file or tree as `nix-store --add` does (NAR SHA-256, "source" path, no references).
  /// `name` defaults to the file name of `src`.
  store_path add_path(const std::filesystem::path& src, std::string_view name = {}) {
    const std::string n = name.empty() ? src.filename().string() : std::string(name);
    check_store_name(n, fmt::format("the name '{}' of '{}'", n, src.native()));
    const auto first = hash_path(src);
    const auto p = dir_.make_source_path(n, first.nar_hash);
    return add_with(p, first.nar_hash, fmt::format("fixed:r:sha256:{}", first.nar_hash.to_nix32()), {}, [&](const std::filesystem::path& dst) {
      restore_visitor_from(src, dst);
    });
  }

  /// Adds a file (flat) or tree (recursive) as `nix-store --add-fixed [--recursive] ALGO`.
  store_path add_fixed(const std::filesystem::path& src, file_ingestion method, hash_algo algo = hash_algo::sha256,
                       std::string_view name = {}) {
    if (method == file_ingestion::recursive && algo == hash_algo::sha256) return add_path(src, name);
    const std::string n = name.empty() ? src.filename().string() : std::string(name);
    check_store_name(n, fmt::format("the name '{}' of '{}'", n, src.native()));
    hash content;
    if (method == file_ingestion::flat) {
      struct stat st {};
      if (::lstat(src.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        throw store_error(fmt::format("'{}' is not a regular file: flat hashing needs one", src.native()));
      content = hash_file(src, algo);
    } else {
      hash_sink h(algo);
      dump_path(src, h);
      content = h.finish();
    }
    const auto p = dir_.make_fixed_output_path(n, method, content);
    const auto nar = hash_path(src);
    const auto ca = fmt::format("fixed:{}{}:{}", method == file_ingestion::recursive ? "r:" : "", to_string(algo),
                                content.to_nix32());
    return add_with(p, nar.nar_hash, ca, {}, [&](const std::filesystem::path& dst) { restore_visitor_from(src, dst); });
  }

  /// Adds a text file (`builtins.toFile`, `writeText`): a "text" path whose references, all
  /// valid store paths, are part of its hash.
  store_path add_text(std::string_view name, std::string_view text, const store_path_set& refs = {}) {
    check_store_name(name);
    for (const auto& r : refs)
      if (!is_valid(r))
        throw store_error(fmt::format("cannot add text '{}': its reference '{}' is not valid", name, logical(r)));
    const auto p = dir_.make_text_path(name, hash_string(text), refs);
    const auto nar = nar_of_text(text);
    return add_with(p, hash_string(nar), fmt::format("text:sha256:{}", hash_string(text).to_nix32()), refs,
                    [&](const std::filesystem::path& dst) {
                      detail::fd f(::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
                      if (!f) detail::throw_sys("cannot create", dst.native());
                      detail::write_all(f.get(), text, dst.native());
                    });
  }

  /// Adds a path from its NAR, checking the NAR against `info` (hash and size) before anything is
  /// registered; references must be valid. Used by binary cache import.
  store_path add_nar(const path_info& info, source_ref nar) {
    for (const auto& r : info.references)
      if (r != info.path && !is_valid(r))
        throw store_error(fmt::format("cannot add '{}': its reference '{}' is not valid", logical(info.path), logical(r)));
    if (info.nar_hash.algo != hash_algo::sha256)
      throw store_error(fmt::format("NAR hash of '{}' must be sha256", logical(info.path)));
    return add_with(info.path, info.nar_hash, info.ca, info.references, [&](const std::filesystem::path& dst) {
      hash_sink h;
      nar_parse_options o;
      o.tee = sink_ref(h);
      const auto size = restore_path(dst, nar, o);
      const auto got = h.finish();
      if (size != info.nar_size)
        throw hash_mismatch(fmt::format("NAR of '{}' is {} bytes long, expected {}", logical(info.path), size, info.nar_size));
      if (got != info.nar_hash)
        throw hash_mismatch(fmt::format("NAR of '{}' has hash '{}', expected '{}'", logical(info.path),
                                        got.to_string(), info.nar_hash.to_string()));
    }, info.deriver, info.sigs);
  }

  // ---- queries -------------------------------------------------------------------------

  bool is_valid(const store_path& p) {
    std::lock_guard g(mutex_);
    return db_->is_valid(p);
  }
  std::optional<path_info> query_path_info(const store_path& p) {
    std::lock_guard g(mutex_);
    return db_->query(p);
  }
  /// The info of a valid path; throws if it is not valid.
  path_info path_info_of(const store_path& p) {
    auto i = query_path_info(p);
    if (!i) throw store_error(fmt::format("path '{}' is not valid", logical(p)));
    return std::move(*i);
  }
  store_path_set references(const store_path& p) { return path_info_of(p).references; }
  /// Valid paths that refer to p (excluding p itself).
  std::vector<store_path> referrers(const store_path& p) {
    (void)path_info_of(p);
    std::lock_guard g(mutex_);
    auto r = db_->referrers(p);
    std::erase(r, p);
    return r;
  }
  /// Every valid path, sorted.
  std::vector<store_path> valid_paths() {
    std::lock_guard g(mutex_);
    return db_->all_valid();
  }

  /// The closure of `roots` under references, dependencies before their referrers
  /// (`nix-store -q --requisites`).
  std::vector<store_path> requisites(const std::vector<store_path>& roots) {
    std::lock_guard g(mutex_);
    // Iterative post-order DFS over row ids: a path is emitted after all its references.
    std::vector<std::int64_t> order;
    std::unordered_set<std::int64_t> seen;
    struct frame {
      std::int64_t id;
      std::vector<std::int64_t> refs;
      std::size_t next = 0;
    };
    for (const auto& root : roots) {
      const auto id = db_->id_of(root);
      if (!id) throw store_error(fmt::format("path '{}' is not valid", logical(root)));
      if (!seen.insert(*id).second) continue;
      std::vector<frame> stack;
      stack.push_back({*id, db_->reference_ids(*id)});
      while (!stack.empty()) {
        auto& f = stack.back();
        if (f.next < f.refs.size()) {
          const auto r = f.refs[f.next++];
          if (seen.insert(r).second) stack.push_back({r, db_->reference_ids(r)});
        } else {
          order.push_back(f.id);
          stack.pop_back();
        }
      }
    }
    std::vector<store_path> out;
    out.reserve(order.size());
    for (const auto id : order) out.push_back(db_->path_of(id));
    return out;
  }

  // ---- derivations ---------------------------------------------------------------------

  /// Computes the output path of `d` (Nix's rules), writes its .drv into the store, and returns
  /// both paths. Input derivations must have been added before.
  drv_output add_derivation(derivation d) {
    for (const auto& [p, outs] : d.input_drvs) (void)read_derivation(p);
    const auto drv_path = compute_derivation_paths(d, dir_, [&](const store_path& p) { return drv_hash(p); });
    store_path_set refs = d.input_srcs;
    for (const auto& [p, outs] : d.input_drvs) refs.insert(p);
    for (const auto& r : d.input_srcs)
      if (!is_valid(r)) throw store_error(fmt::format("derivation '{}': input '{}' is not valid", d.name, logical(r)));
    const auto written = add_text(drv_path.name(), unparse_derivation(d, dir_), refs);
    if (written != drv_path) throw store_error(fmt::format("internal error: .drv path mismatch for '{}'", d.name));
    const drv_output result{drv_path, *d.out};
    std::lock_guard g(drv_mutex_);
    drvs_.insert_or_assign(drv_path, std::move(d));
    return result;
  }

  /// The derivation stored at a .drv path (parsed once, then cached).
  const derivation& read_derivation(const store_path& drv_path) {
    {
      std::lock_guard g(drv_mutex_);
      if (auto it = drvs_.find(drv_path); it != drvs_.end()) return it->second;
    }
    if (!is_valid(drv_path)) throw store_error(fmt::format("derivation '{}' is not valid", logical(drv_path)));
    auto d = parse_derivation(detail::read_file(physical(drv_path)), dir_, drv_path.name());
    std::lock_guard g(drv_mutex_);
    return drvs_.try_emplace(drv_path, std::move(d)).first->second;
  }

  /// Nix's hashDerivationModulo of a stored derivation (memoised).
  hash drv_hash(const store_path& drv_path) {
    {
      std::lock_guard g(drv_mutex_);
      if (auto it = drv_hashes_.find(drv_path); it != drv_hashes_.end()) return it->second;
    }
    const auto& d = read_derivation(drv_path);
    auto h = hash_derivation_modulo(d, dir_, [&](const store_path& p) { return drv_hash(p); });
    std::lock_guard g(drv_mutex_);
    drv_hashes_.insert_or_assign(drv_path, h);
    return h;
  }

  // ---- roots ---------------------------------------------------------------------------

  /// Makes `<state>/gcroots/<name>` a root for p (replacing any root of that name atomically).
  std::filesystem::path add_root(std::string_view name, const store_path& p) {
    if (name.empty() || name.find("..") != std::string_view::npos || name.front() == '/')
      throw store_error(fmt::format("invalid GC root name '{}'", name));
    const auto link = state_path() / "gcroots" / std::string(name);
    detail::make_dirs(link.parent_path());
    replace_symlink(logical(p), link);
    return link;
  }

  /// Points `link` (any location) at p and registers it as an indirect root, like
  /// `nix-store --add-root LINK`: the root lasts while the link exists and points into the store.
  void add_indirect_root(const std::filesystem::path& link, const store_path& p) {
    const auto abs = std::filesystem::absolute(link);
    replace_symlink(logical(p), abs);
    const auto auto_dir = state_path() / "gcroots" / "auto";
    detail::make_dirs(auto_dir);
    replace_symlink(abs.native(), auto_dir / hash_string(abs.native(), hash_algo::sha1).to_nix32());
  }

  // ---- low-level steps (for builders, GC and caches) -------------------------------------

  /// Protects p from garbage collection while this store object lives (Nix's temporary roots).
  void add_temp_root(const store_path& p) {
    std::lock_guard g(temp_mutex_);
    if (!temp_roots_file_) {
      const auto dir = state_path() / "temproots";
      detail::make_dirs(dir);
      static std::atomic<unsigned> counter{0};
      temp_roots_path_ = dir / fmt::format("{}-{}", ::getpid(), counter++);
      temp_roots_file_ = std::make_unique<detail::file_lock>(temp_roots_path_, true, true, true);
    }
    // Shared GC lock: a collector is not between reading roots and deleting while we add one.
    detail::file_lock gc(state_path() / "gc.lock", false);
    detail::write_all(temp_roots_file_->get(), p.base_name() + "\n", temp_roots_path_.native());
  }

  /// Exclusive lock on a store path (blocks while another process adds or builds it). The lock
  /// file lives in `<state>/locks/`; a lock file left by a killed process marks a leftover.
  detail::file_lock lock_path(const store_path& p) {
    return detail::file_lock(state_path() / "locks" / (p.base_name() + ".lock"), true, true, true);
  }

  /// Registers paths whose files are complete and canonical, in one transaction.
  void register_paths(const std::vector<path_info>& infos) {
    std::lock_guard g(mutex_);
    db_->register_paths(infos);
  }

  /// Runs f with the database (serialised across threads).
  template <class F>
  decltype(auto) with_db(F&& f) {
    std::lock_guard g(mutex_);
    return f(*db_);
  }

  /// Where build logs are kept: `<state>/log/<drv base name>.log`.
  std::filesystem::path log_path(const store_path& drv) const {
    return state_path() / "log" / (drv.base_name() + ".log");
  }

  /// A build's scratch directory, removed with the path's leftovers if the builder dies.
  std::filesystem::path build_dir(const store_path& out) const { return state_path() / "builds" / out.base_name(); }

  /// Removes what killed adders and builders left: for each lock file nobody holds, the path's
  /// files (if it never became valid) and its build directory.
  void clean_leftovers() {
    const auto locks = state_path() / "locks";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(locks, ec)) {
      const auto file = e.path().filename().string();
      if (!file.ends_with(".lock")) continue;
      detail::file_lock l(e.path(), true, false, true);
      if (!l.held()) continue;  // someone is working on it
      try {
        const store_path p(file.substr(0, file.size() - 5));
        if (!is_valid(p)) detail::remove_tree(physical(p));
        detail::remove_tree(build_dir(p));
      } catch (const bad_store_path&) {
      }
    }
  }

 private:
  std::unique_ptr<database> open_db() {
    const auto state = state_path();
    for (const auto* sub : {"db", "gcroots", "profiles", "locks", "log", "temproots", "builds"})
      detail::make_dirs(state / sub);
    detail::make_dirs(to_physical(cfg_.store_dir));
    return std::make_unique<database>((state / "db" / "db.sqlite").native(), dir_.path());
  }

  static void restore_visitor_from(const std::filesystem::path& src, const std::filesystem::path& dst) {
    detail::restore_visitor v(dst);
    detail::walk_path(src, v);
  }

  /// Atomically makes `link` a symlink to `target` (temporary link, then rename).
  static void replace_symlink(const std::string& target, const std::filesystem::path& link) {
    const auto tmp = link.parent_path() / fmt::format(".{}.tmp-{}", link.filename().string(), ::getpid());
    ::unlink(tmp.c_str());
    if (::symlink(target.c_str(), tmp.c_str()) != 0) detail::throw_sys("cannot create symlink", tmp.native());
    if (::rename(tmp.c_str(), link.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      detail::throw_sys("cannot create", link.native(), err);
    }
  }

  /// The common path of every add: temp root, lock, write, canonicalise, check, register; on
  /// any error the partial path is removed and nothing is registered.
  template <class Write>
  store_path add_with(const store_path& p, const hash& expected_nar, std::string ca, const store_path_set& refs,
                      Write&& write, std::optional<store_path> deriver = std::nullopt,
                      std::vector<std::string> sigs = {}) {
    add_temp_root(p);
    if (is_valid(p)) return p;
    auto lock = lock_path(p);
    if (is_valid(p)) return p;
    const auto dst = physical(p);
    detail::remove_tree(dst);
    try {
      write(dst);
      detail::canonicalise_path(dst);
      const auto got = hash_path(dst);
      if (got.nar_hash != expected_nar)
        throw hash_mismatch(fmt::format("contents of '{}' changed while they were being added (expected NAR hash '{}', got '{}')",
                                        logical(p), expected_nar.to_string(), got.nar_hash.to_string()));
      path_info info{.path = p, .nar_hash = got.nar_hash, .nar_size = got.nar_size, .references = refs,
                     .deriver = std::move(deriver), .ca = std::move(ca), .sigs = std::move(sigs)};
      register_paths({info});
    } catch (...) {
      try {
        detail::remove_tree(dst);
      } catch (...) {
      }
      throw;
    }
    return p;
  }

  store_config cfg_;
  store_dir dir_;
  std::unique_ptr<database> db_;
  std::recursive_mutex mutex_;
  std::mutex drv_mutex_;
  std::map<store_path, derivation> drvs_;
  std::map<store_path, hash> drv_hashes_;
  std::mutex temp_mutex_;
  std::filesystem::path temp_roots_path_;
  std::unique_ptr<detail::file_lock> temp_roots_file_;
};

}  // namespace cairn::store
