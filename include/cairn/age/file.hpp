#pragma once
// Whole files, written so that no reader ever sees a partial result: the content goes to a
// temporary file beside the destination, created with its final mode (and owner and group)
// before the first byte, and renamed over the destination only after the last chunk
// authenticated. On any failure the temporary file is removed and the destination is untouched.
//
//   age::decrypt_file("db.age", "/run/secrets.d/7/db", ids.identities, {.mode = 0400, .owner = uid});
//   age::encrypt_file("db.txt", "db.age", recipients);
//   auto failed = age::decrypt_files(jobs, ids.identities);   // many secrets, on all cores

#include <cairn/age/decrypt.hpp>
#include <cairn/age/encrypt.hpp>

#include <atomic>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <utility>

namespace cairn::age {

struct output_file {
  mode_t mode = 0600;
  std::optional<uid_t> owner;  // fchown'ed before any content is written
  std::optional<gid_t> group;
  bool overwrite = true;       // false: fail if the destination exists
  bool sync = true;            // fsync before the rename; off where durability is moot (/run/secrets.d)
};

namespace detail {
[[noreturn]] inline void io_error(const std::string& what) { throw error(error_kind::io, what + ": " + std::strerror(errno)); }

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() { if (fd_ >= 0) ::close(fd_); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

inline fd_guard open_input(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) io_error("cannot open " + path.string());
  return fd_guard(fd);
}
}  // namespace detail

// Calls write(sink&) with a sink on a temporary file, then renames it to `path`.
inline void write_file_atomically(const std::filesystem::path& path, const output_file& options,
                                  const std::function<void(sink&)>& write) {
  if (!options.overwrite && std::filesystem::exists(std::filesystem::symlink_status(path)))
    throw error(error_kind::io, "refusing to overwrite existing file " + path.string());
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string tmpl = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  // mkostemp creates the file 0600, so nobody else can open it while its mode is tightened.
  const int raw = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (raw < 0) detail::io_error("cannot create a temporary file in " + dir.string());
  detail::fd_guard fd(raw);
  const std::filesystem::path tmp = tmpl;
  try {
    if (options.owner || options.group) {
      if (::fchown(fd.get(), options.owner ? *options.owner : uid_t(-1), options.group ? *options.group : gid_t(-1)) != 0)
        detail::io_error("cannot set the owner of " + path.string());
    }
    if (::fchmod(fd.get(), options.mode) != 0) detail::io_error("cannot set the mode of " + path.string());
    fd_sink out(fd.get(), path.string());
    write(out);
    if (options.sync && ::fsync(fd.get()) != 0) detail::io_error("cannot write " + path.string());
    if (::close(fd.release()) != 0) detail::io_error("cannot write " + path.string());
    if (options.overwrite) {
      if (::rename(tmp.c_str(), path.c_str()) != 0) detail::io_error("cannot rename into " + path.string());
    } else {
      // link() fails if the destination appeared meanwhile: no overwrite, even in a race.
      if (::link(tmp.c_str(), path.c_str()) != 0) detail::io_error("cannot create " + path.string());
      ::unlink(tmp.c_str());
    }
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

// Decrypts file `in` into file `out` (atomically, with the given mode and owner).
inline void decrypt_file(const std::filesystem::path& in, const std::filesystem::path& out, std::span<const identity_ptr> identities,
                         const output_file& options = {}, decrypt_options decrypt = {}) {
  auto fd = detail::open_input(in);
  fd_source src(fd.get(), in.string());
  // Header errors (wrong key, tampering) surface before the output file is even created.
  decryptor plain(src, identities, decrypt);
  write_file_atomically(out, options, [&](sink& dst) {
    for (auto chunk = plain.read_chunk(); !chunk.empty(); chunk = plain.read_chunk()) dst.write(chunk);
  });
}

// Encrypts file `in` into file `out` (atomically; ciphertext is mode 0644 unless told otherwise).
inline void encrypt_file(const std::filesystem::path& in, const std::filesystem::path& out, std::span<const recipient_ptr> recipients,
                         encrypt_options encrypt_opts = {}, output_file options = {.mode = 0644}) {
  auto fd = detail::open_input(in);
  fd_source src(fd.get(), in.string());
  write_file_atomically(out, options, [&](sink& dst) { encrypt(src, dst, recipients, encrypt_opts); });
}

struct decrypt_job {
  std::filesystem::path in, out;
  output_file options;
};

struct decrypt_failure {
  std::size_t job;  // index into the jobs
  error_kind kind;
  std::string message;
};

// Decrypts every job (as decrypt_file) on all cores: what an activation does with its
// secrets. Returns the failures, empty when all succeeded; a failed job writes nothing.
// The identities are shared by the threads (X25519, ssh-ed25519 and scrypt ones may be).
inline std::vector<decrypt_failure> decrypt_files(std::span<const decrypt_job> jobs, std::span<const identity_ptr> identities) {
  std::vector<std::optional<decrypt_failure>> results(jobs.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      try {
        decrypt_file(jobs[i].in, jobs[i].out, identities, jobs[i].options);
      } catch (const error& e) {
        results[i] = decrypt_failure{i, e.kind(), e.what()};
      } catch (const std::exception& e) {
        results[i] = decrypt_failure{i, error_kind::io, e.what()};
      }
    }
  };
  const std::size_t threads = std::min<std::size_t>(detail::chunk_workers::threads(), jobs.size());
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  std::vector<decrypt_failure> failures;
  for (auto& r : results)
    if (r) failures.push_back(std::move(*r));
  return failures;
}

// Decrypts an age file held in memory; the plaintext is wiped when freed.
inline secret_bytes decrypt_to_memory(std::span<const std::uint8_t> ciphertext, std::span<const identity_ptr> identities,
                                      decrypt_options options = {}) {
  memory_source in(ciphertext);
  basic_memory_sink<secret_bytes> out;
  decrypt(in, out, identities, options);
  return std::move(out.contents());
}

inline std::string encrypt_to_string(std::span<const std::uint8_t> plaintext, std::span<const recipient_ptr> recipients,
                                     encrypt_options options = {}) {
  memory_source in(plaintext);
  string_sink out;
  encrypt(in, out, recipients, options);
  return std::move(out.contents());
}

}  // namespace cairn::age
