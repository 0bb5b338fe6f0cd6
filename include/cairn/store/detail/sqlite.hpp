#pragma once
// A thin RAII layer over SQLite: a connection, prepared statements, transactions.
#include <cairn/store/error.hpp>

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cairn::store::detail {

class sqlite_db {
 public:
  sqlite_db() = default;
  sqlite_db(const std::string& file, bool create) : file_(file) {
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(file.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw store_error(fmt::format("cannot open the store database '{}': {}", file, msg));
    }
    sqlite3_busy_timeout(db_, 60 * 60 * 1000);  // another writer holds it: wait, as Nix does
  }
  sqlite_db(sqlite_db&& o) noexcept : db_(std::exchange(o.db_, nullptr)), file_(std::move(o.file_)) {}
  sqlite_db& operator=(sqlite_db&& o) noexcept {
    std::swap(db_, o.db_);
    std::swap(file_, o.file_);
    return *this;
  }
  ~sqlite_db() {
    if (db_) sqlite3_close_v2(db_);
  }
  sqlite3* get() const { return db_; }
  const std::string& file() const { return file_; }

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw store_error(fmt::format("store database '{}': {} (in: {})", file_, msg, first_line(sql)));
    }
  }
  [[noreturn]] void fail(std::string_view doing) const {
    throw store_error(fmt::format("store database '{}': {}: {}", file_, doing, sqlite3_errmsg(db_)));
  }

 private:
  static std::string first_line(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n')) s.remove_prefix(1);
    return std::string(s.substr(0, s.find('\n')));
  }
  sqlite3* db_ = nullptr;
  std::string file_;
};

class sqlite_stmt {
 public:
  sqlite_stmt() = default;
  sqlite_stmt(sqlite_db& db, const char* sql) : db_(&db) {
    if (sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) != SQLITE_OK)
      db.fail(fmt::format("preparing '{}'", sql));
  }
  sqlite_stmt(sqlite_stmt&& o) noexcept : db_(o.db_), s_(std::exchange(o.s_, nullptr)) {}
  sqlite_stmt& operator=(sqlite_stmt&& o) noexcept {
    std::swap(db_, o.db_);
    std::swap(s_, o.s_);
    return *this;
  }
  ~sqlite_stmt() {
    if (s_) sqlite3_finalize(s_);
  }

  /// Resets the statement and binds the arguments (1-based, in order).
  template <class... A>
  sqlite_stmt& use(const A&... args) {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }
  /// Steps once: true if a row is available.
  bool next() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_->fail("executing a statement");
  }
  void run() {
    while (next()) {
    }
  }
  std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  std::string str(int col) const {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return t ? std::string(t, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

 private:
  void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(s_, i, v)); }
  void bind(int i, int v) { check(sqlite3_bind_int64(s_, i, v)); }
  void bind(int i, std::uint64_t v) { check(sqlite3_bind_int64(s_, i, static_cast<std::int64_t>(v))); }
  void bind(int i, std::string_view v) {
    check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  void bind(int i, const std::string& v) { bind(i, std::string_view(v)); }
  void bind(int i, const char* v) { bind(i, std::string_view(v)); }
  void bind(int i, const std::optional<std::string>& v) {
    if (v)
      bind(i, std::string_view(*v));
    else
      check(sqlite3_bind_null(s_, i));
  }
  void check(int rc) {
    if (rc != SQLITE_OK) db_->fail("binding a parameter");
  }
  sqlite_db* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

/// BEGIN IMMEDIATE ... COMMIT; rolls back unless committed.
class sqlite_transaction {
 public:
  explicit sqlite_transaction(sqlite_db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  void commit() {
    db_.exec("COMMIT");
    done_ = true;
  }
  ~sqlite_transaction() {
    if (!done_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  sqlite_transaction(const sqlite_transaction&) = delete;
  sqlite_transaction& operator=(const sqlite_transaction&) = delete;

 private:
  sqlite_db& db_;
  bool done_ = false;
};

/// BEGIN (deferred: a read snapshot until the first write) ... COMMIT; rolls back unless committed.
class sqlite_transaction_read {
 public:
  explicit sqlite_transaction_read(sqlite_db& db) : db_(db) { db_.exec("BEGIN"); }
  void commit() {
    db_.exec("COMMIT");
    done_ = true;
  }
  ~sqlite_transaction_read() {
    if (!done_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  sqlite_transaction_read(const sqlite_transaction_read&) = delete;
  sqlite_transaction_read& operator=(const sqlite_transaction_read&) = delete;

 private:
  sqlite_db& db_;
  bool done_ = false;
};

}  // namespace cairn::store::detail
