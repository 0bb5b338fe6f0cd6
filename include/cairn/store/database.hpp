#pragma once
// The store database (SQLite): valid paths with NAR hash, size, references, deriver,
// registration time. WAL journal: a process killed mid-write leaves the last committed state.
#include <cairn/store/detail/sqlite.hpp>
#include <cairn/store/path_info.hpp>
#include <cairn/store/store_path.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <optional>
#include <chrono>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace cairn::store {

/// The schema version this code reads and writes (PRAGMA user_version).
inline constexpr int database_schema_version = 1;

/// The whole reference graph at once, by dense index (for GC and big closures).
struct reference_graph {
  std::vector<std::string> paths;              ///< base names
  std::vector<std::vector<std::size_t>> refs;  ///< refs[i]: indices that paths[i] refers to
  std::vector<std::string> derivers;           ///< derivers[i]: base name of paths[i]'s deriver, or empty
  std::unordered_map<std::string, std::size_t> index;
};

class database {
  // Switching to WAL needs a moment alone with the file, and SQLite answers "database is
  // locked" at once (no busy handler) when another process is opening it too: the mode is
  // persistent, so retry until one opener has set it, then everyone sees it set.
  void use_write_ahead_log() {
    for (int attempt = 0;; ++attempt) {
      sqlite3_stmt* mode = nullptr;
      int rc = sqlite3_prepare_v2(db_.get(), "PRAGMA journal_mode=WAL", -1, &mode, nullptr);
      bool wal = false;
      if (rc == SQLITE_OK) {
        rc = sqlite3_step(mode);
        wal = rc == SQLITE_ROW && std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(mode, 0))) == "wal";
      }
      sqlite3_finalize(mode);
      if (wal) return;
      if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED && rc != SQLITE_ROW) || attempt == 3000) db_.fail("setting WAL mode");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 public:
  /// Opens (creating if needed) the database file for the given store directory. Rejects a
  /// database of a newer schema, or one made for another store directory.
  database(const std::string& file, const std::string& store_dir_path) : db_(file, true) {
    use_write_ahead_log();
    db_.exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    // Big closures and GC touch every page: keep them in memory (64 MiB cache, mmap reads).
    db_.exec("PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;");
    // Temporary tables and statement journals in memory: a statement journal that spills to a
    // file in /var/tmp costs two write() calls per page a statement changes.
    db_.exec("PRAGMA temp_store=MEMORY;");
    int version = 0;
    {
      detail::sqlite_stmt v(db_, "PRAGMA user_version");
      if (v.use().next()) version = static_cast<int>(v.i64(0));
    }
    if (version > database_schema_version)
      throw store_error(fmt::format(
          "store database '{}' has schema version {}, newer than version {} that this cairn understands; "
          "use a newer cairn (nothing was changed)",
          file, version, database_schema_version));
    if (version == 0) create_schema(store_dir_path);
    detail::sqlite_stmt dir(db_, "SELECT value FROM meta WHERE key = 'store_dir'");
    if (!dir.use().next()) throw store_error(fmt::format("store database '{}' has no store directory recorded", file));
    if (dir.str(0) != store_dir_path)
      throw store_error(fmt::format("store database '{}' belongs to store directory '{}', not '{}'", file,
                                    dir.str(0), store_dir_path));
    db_.exec("CREATE TEMP TABLE IF NOT EXISTS dead (id INTEGER PRIMARY KEY)");
    prepare();
  }

  bool is_valid(const store_path& p) { return id_of(p).has_value(); }

  std::optional<path_info> query(const store_path& p) {
    auto& q = q_info_.use(p.base_name());
    if (!q.next()) return std::nullopt;
    path_info info{.path = p};
    const auto id = q.i64(0);
    info.nar_hash = hash::parse(q.str(1));
    info.nar_size = static_cast<std::uint64_t>(q.i64(2));
    if (!q.is_null(3)) info.deriver = store_path(q.str(3));
    info.registration_time = q.i64(4);
    info.ca = q.str(5);
    for (auto sigs = q.str(6); !sigs.empty();) {
      const auto sp = sigs.find(' ');
      info.sigs.push_back(sigs.substr(0, sp));
      sigs = sp == std::string::npos ? std::string() : sigs.substr(sp + 1);
    }
    auto& r = q_refs_.use(id);
    while (r.next()) info.references.insert(store_path(r.str(0)));
    return info;
  }

  /// Registers paths (and their references) in one transaction. Every reference must be valid
  /// already or among `infos`. Re-registering a valid path updates its metadata.
  void register_paths(const std::vector<path_info>& infos) {
    detail::sqlite_transaction t(db_);
    for (const auto& i : infos) {
      std::string sigs;
      for (const auto& s : i.sigs) sigs += (sigs.empty() ? "" : " ") + s;
      const auto time = i.registration_time ? i.registration_time : static_cast<std::int64_t>(std::time(nullptr));
      q_upsert_
          .use(i.path.base_name(), i.nar_hash.to_string(hash_format::base16), i.nar_size,
               i.deriver ? std::optional<std::string>(i.deriver->base_name()) : std::nullopt, time,
               i.ca.empty() ? std::nullopt : std::optional<std::string>(i.ca),
               sigs.empty() ? std::nullopt : std::optional<std::string>(sigs))
          .run();
    }
    for (const auto& i : infos) {
      const auto id = *id_of(i.path);
      q_clear_refs_.use(id).run();
      for (const auto& r : i.references) {
        const auto rid = id_of(r);
        if (!rid)
          throw store_error(fmt::format("cannot register '{}': its reference '{}' is not valid", i.path, r));
        q_add_ref_.use(id, *rid).run();
      }
    }
    t.commit();
  }

  std::vector<store_path> references(const store_path& p) { return list(q_references_, p); }

  /// Row ids, for walks over many paths without string lookups (requisites of a large closure).
  std::optional<std::int64_t> id_of(const store_path& p) {
    auto& q = q_id_.use(p.base_name());
    if (!q.next()) return std::nullopt;
    return q.i64(0);
  }
  std::vector<std::int64_t> reference_ids(std::int64_t id) {
    std::vector<std::int64_t> out;
    auto& q = q_ref_ids_.use(id);
    while (q.next()) out.push_back(q.i64(0));
    return out;
  }
  store_path path_of(std::int64_t id) {
    auto& q = q_path_.use(id);
    if (!q.next()) throw store_error(fmt::format("store database '{}': no path with id {}", db_.file(), id));
    return store_path(q.str(0));
  }
  std::vector<store_path> referrers(const store_path& p) { return list(q_referrers_, p); }

  std::vector<store_path> all_valid() {
    std::vector<store_path> out;
    auto& q = q_all_.use();
    while (q.next()) out.emplace_back(q.str(0));
    return out;
  }

  /// Removes paths from the database in one transaction; they must have no referrers outside the
  /// set (else nothing is removed). Set-based: the ids go into a temporary table and three
  /// statements check and delete them all, so each page is touched (and saved in SQLite's
  /// statement journal) once per call, not once per path.
  ///
  /// The commit is synced before this returns (synchronous=FULL for this one transaction):
  /// callers delete the paths' files next, and with NORMAL a WAL commit is durable only at the
  /// next checkpoint, so a power loss could bring the rows back after their files were gone.
  /// One fsync per call; the other writes keep NORMAL (a lost registration loses nothing).
  void invalidate(const std::vector<store_path>& paths) {
    struct full_sync {
      detail::sqlite_db& db;
      explicit full_sync(detail::sqlite_db& d) : db(d) { db.exec("PRAGMA synchronous=FULL"); }
      ~full_sync() { sqlite3_exec(db.get(), "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr); }
    } sync(db_);
    detail::sqlite_transaction t(db_);
    q_dead_clear_.use().run();
    for (const auto& p : paths) q_dead_add_.use(p.base_name()).run();
    if (auto& k = q_dead_referrer_.use(); k.next()) {
      const auto dead = k.i64(0), referrer = k.i64(1);
      throw store_error(
          fmt::format("cannot invalidate '{}': it still has referrers ('{}')", path_of(dead), path_of(referrer)));
    }
    q_dead_refs_.use().run();
    q_dead_paths_.use().run();
    q_dead_clear_.use().run();
    t.commit();
  }

  void set_signatures(const store_path& p, const std::vector<std::string>& sigs) {
    std::string s;
    for (const auto& x : sigs) s += (s.empty() ? "" : " ") + x;
    q_sigs_.use(s.empty() ? std::nullopt : std::optional<std::string>(s), p.base_name()).run();
  }

  reference_graph load_graph() {
    reference_graph g;
    // Ids come in ascending order (a rowid scan in one read transaction); index by id directly
    // when they are dense enough, else by binary search.
    detail::sqlite_transaction_read read(db_);
    std::vector<std::int64_t> ids;
    {
      detail::sqlite_stmt n(db_, "SELECT count(*) FROM valid_paths");
      if (n.use().next()) {
        const auto count = static_cast<std::size_t>(n.i64(0));
        ids.reserve(count);
        g.paths.reserve(count);
        g.derivers.reserve(count);
        g.index.reserve(count);
      }
    }
    detail::sqlite_stmt ps(db_, "SELECT id, path, deriver FROM valid_paths ORDER BY id");
    ps.use();
    while (ps.next()) {
      ids.push_back(ps.i64(0));
      g.paths.push_back(ps.str(1));
      g.index.emplace(g.paths.back(), g.paths.size() - 1);
      g.derivers.push_back(ps.str(2));
    }
    std::vector<std::size_t> dense;
    if (!ids.empty() && ids.front() >= 0 && static_cast<std::uint64_t>(ids.back()) < 4 * ids.size() + 1024) {
      dense.assign(static_cast<std::size_t>(ids.back()) + 1, 0);
      for (std::size_t i = 0; i < ids.size(); ++i) dense[static_cast<std::size_t>(ids[i])] = i;
    }
    auto at = [&](std::int64_t id) -> std::size_t {
      if (!dense.empty()) return dense[static_cast<std::size_t>(id)];
      return static_cast<std::size_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
    };
    g.refs.resize(g.paths.size());
    detail::sqlite_stmt rs(db_, "SELECT referrer, reference FROM refs");
    rs.use();
    while (rs.next()) g.refs[at(rs.i64(0))].push_back(at(rs.i64(1)));
    read.commit();
    return g;
  }

  detail::sqlite_db& raw() { return db_; }

 private:
  void create_schema(const std::string& store_dir_path) {
    detail::sqlite_transaction t(db_);
    db_.exec(R"(
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS valid_paths (
        id                INTEGER PRIMARY KEY,
        path              TEXT UNIQUE NOT NULL,
        nar_hash          TEXT NOT NULL,
        nar_size          INTEGER NOT NULL,
        deriver           TEXT,
        registration_time INTEGER NOT NULL,
        ca                TEXT,
        sigs              TEXT);
      CREATE TABLE IF NOT EXISTS refs (
        referrer  INTEGER NOT NULL REFERENCES valid_paths(id) ON DELETE CASCADE,
        reference INTEGER NOT NULL REFERENCES valid_paths(id) ON DELETE RESTRICT,
        PRIMARY KEY (referrer, reference)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS refs_by_reference ON refs(reference);)");
    detail::sqlite_stmt ins(db_, "INSERT OR IGNORE INTO meta (key, value) VALUES ('store_dir', ?)");
    ins.use(store_dir_path).run();
    db_.exec(fmt::format("PRAGMA user_version = {}", database_schema_version).c_str());
    t.commit();
  }

  void prepare() {
    q_id_ = {db_, "SELECT id FROM valid_paths WHERE path = ?"};
    q_info_ = {db_,
               "SELECT id, nar_hash, nar_size, deriver, registration_time, ca, sigs FROM valid_paths WHERE path = ?"};
    q_refs_ = {db_, "SELECT v.path FROM refs r JOIN valid_paths v ON v.id = r.reference WHERE r.referrer = ?"};
    q_upsert_ = {db_,
                 "INSERT INTO valid_paths (path, nar_hash, nar_size, deriver, registration_time, ca, sigs) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET nar_hash = excluded.nar_hash, "
                 "nar_size = excluded.nar_size, deriver = excluded.deriver, ca = excluded.ca, sigs = excluded.sigs"};
    q_clear_refs_ = {db_, "DELETE FROM refs WHERE referrer = ?"};
    q_add_ref_ = {db_, "INSERT OR IGNORE INTO refs (referrer, reference) VALUES (?, ?)"};
    q_references_ = {db_,
                     "SELECT v.path FROM valid_paths p JOIN refs r ON r.referrer = p.id JOIN valid_paths v ON "
                     "v.id = r.reference WHERE p.path = ? ORDER BY v.path"};
    q_referrers_ = {db_,
                    "SELECT v.path FROM valid_paths p JOIN refs r ON r.reference = p.id JOIN valid_paths v ON "
                    "v.id = r.referrer WHERE p.path = ? ORDER BY v.path"};
    q_all_ = {db_, "SELECT path FROM valid_paths ORDER BY path"};
    q_dead_clear_ = {db_, "DELETE FROM temp.dead"};
    q_dead_add_ = {db_, "INSERT OR IGNORE INTO temp.dead (id) SELECT id FROM valid_paths WHERE path = ?"};
    q_dead_referrer_ = {db_,
                        "SELECT x.id, r.referrer FROM temp.dead x CROSS JOIN refs r ON r.reference = x.id "
                        "WHERE r.referrer NOT IN (SELECT id FROM temp.dead) LIMIT 1"};
    q_dead_refs_ = {db_, "DELETE FROM refs WHERE referrer IN (SELECT id FROM temp.dead)"};
    q_dead_paths_ = {db_, "DELETE FROM valid_paths WHERE id IN (SELECT id FROM temp.dead)"};
    q_sigs_ = {db_, "UPDATE valid_paths SET sigs = ? WHERE path = ?"};
    q_ref_ids_ = {db_, "SELECT reference FROM refs WHERE referrer = ?"};
    q_path_ = {db_, "SELECT path FROM valid_paths WHERE id = ?"};
  }

  std::vector<store_path> list(detail::sqlite_stmt& q, const store_path& p) {
    std::vector<store_path> out;
    q.use(p.base_name());
    while (q.next()) out.emplace_back(q.str(0));
    return out;
  }

  detail::sqlite_db db_;
  detail::sqlite_stmt q_id_, q_info_, q_refs_, q_upsert_, q_clear_refs_, q_add_ref_, q_references_, q_referrers_,
      q_all_, q_dead_clear_, q_dead_add_, q_dead_referrer_, q_dead_refs_, q_dead_paths_, q_sigs_, q_ref_ids_, q_path_;
};

}  // namespace cairn::store
