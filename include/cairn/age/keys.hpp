#pragma once
// Identities and recipients from strings and files, in the formats of age and age-keygen:
//
//   identity files: one AGE-SECRET-KEY-1… per line, '#' comments and empty lines ignored
//                   (age-keygen's file), or an unencrypted OpenSSH ssh-ed25519 private key;
//   recipients:     age1… or "ssh-ed25519 AAAA… [comment]", one per line in a file.
//
//   auto ids = age::read_identity_file("/etc/ssh/ssh_host_ed25519_key");
//   for (auto& w : ids.warnings) log(w);                   // e.g. group/other-readable
//   age::decrypt(in, out, ids.identities);

#include <cairn/age/scrypt.hpp>
#include <cairn/age/ssh.hpp>
#include <cairn/age/x25519.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>

namespace cairn::age {

// Parses one recipient: "age1…" or "ssh-ed25519 AAAA… [comment]". Throws error_kind::key.
inline recipient_ptr parse_recipient(std::string_view s) {
  if (s.starts_with("age1")) return std::make_shared<x25519_recipient>(x25519_recipient::parse(s));
  if (s.starts_with("ssh-ed25519 ")) return std::make_shared<ssh_ed25519_recipient>(ssh_ed25519_recipient::parse(s));
  if (s.starts_with("ssh-rsa ")) throw error(error_kind::key, "ssh-rsa recipients are not supported: use an ssh-ed25519 key or an age1… recipient");
  if (s.starts_with("age1pq1")) throw error(error_kind::key, "post-quantum (age1pq1…) recipients are not supported");
  throw error(error_kind::key, "unknown recipient type (expected age1… or ssh-ed25519 …)");
}

// Parses one identity string: "AGE-SECRET-KEY-1…".
inline identity_ptr parse_identity(std::string_view s) {
  if (s.starts_with("AGE-SECRET-KEY-PQ-1")) throw error(error_kind::key, "post-quantum (AGE-SECRET-KEY-PQ-1…) identities are not supported");
  return std::make_shared<x25519_identity>(x25519_identity::parse(s));
}

namespace detail {
inline std::string_view trim_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}
// Calls f(line, number) for every line that is neither empty nor a '#' comment.
template <class F>
inline void for_each_key_line(std::string_view text, F&& f) {
  std::size_t number = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto line = trim_line(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++number;
    if (line.empty() || line.front() == '#') continue;
    f(line, number);
  }
}
inline std::string_view skip_space(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
  return s;
}
inline std::string read_whole_file(const std::filesystem::path& path, const char* what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw error(error_kind::io, std::string("cannot open ") + what + " " + path.string() + ": " + std::strerror(errno));
  std::string text;
  try {
    fd_source in(fd, path.string());
    std::array<std::uint8_t, 4096> buf;
    while (const std::size_t n = in.read_some(buf)) {
      if (text.size() + n > 16 * 1024 * 1024) throw error(error_kind::key, path.string() + " is too large for a key file");
      text.append(reinterpret_cast<const char*>(buf.data()), n);
      Botan::secure_scrub_memory(buf.data(), n);
    }
  } catch (...) {
    ::close(fd);
    Botan::secure_scrub_memory(text.data(), text.size());
    throw;
  }
  ::close(fd);
  return text;
}
}  // namespace detail

// Parses the contents of an identity file. `origin` names it in errors, which give the line
// number but never the line (it may be a key).
inline std::vector<identity_ptr> parse_identities(std::string_view text, std::string_view origin = "identity file") {
  const std::string where(origin);
  const auto start = detail::skip_space(text);
  if (start.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"))
    return {std::make_shared<ssh_ed25519_identity>(ssh_ed25519_identity::parse_private_key(text))};
  if (start.starts_with("-----BEGIN"))
    throw error(error_kind::key, where + ": unsupported private key format (only OpenSSH ssh-ed25519 keys and age identities)");
  if (start.starts_with(version_line))
    throw error(error_kind::key, where + ": passphrase-encrypted identity files are not supported");
  std::vector<identity_ptr> out;
  detail::for_each_key_line(text, [&](std::string_view line, std::size_t number) {
    try {
      out.push_back(parse_identity(line));
    } catch (const error& e) {
      throw error(error_kind::key, where + ":" + std::to_string(number) + ": " + e.what());
    }
  });
  if (out.empty()) throw error(error_kind::key, where + ": no identities found");
  return out;
}

// Parses the contents of a recipients file (age -R): one recipient per line.
inline std::vector<recipient_ptr> parse_recipients(std::string_view text, std::string_view origin = "recipients file") {
  std::vector<recipient_ptr> out;
  detail::for_each_key_line(text, [&](std::string_view line, std::size_t number) {
    try {
      out.push_back(parse_recipient(line));
    } catch (const error& e) {
      throw error(error_kind::key, std::string(origin) + ":" + std::to_string(number) + ": " + e.what());
    }
  });
  if (out.empty()) throw error(error_kind::key, std::string(origin) + ": no recipients found");
  return out;
}

struct identity_file {
  std::vector<identity_ptr> identities;
  std::vector<std::string> warnings;  // e.g. a key readable by group or others
};

// Reads an identity file: age keys or an OpenSSH private key. Warns (as ssh does, but without
// refusing) when the file is accessible to its group or to others.
inline identity_file read_identity_file(const std::filesystem::path& path) {
  identity_file out;
  std::string text = detail::read_whole_file(path, "identity file");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    out.warnings.push_back("identity file " + path.string() + " is accessible by group or others (mode " + mode +
                           "); it should be readable by its owner only: chmod 600 " + path.string());
  }
  try {
    out.identities = parse_identities(text, path.string());
  } catch (...) {
    Botan::secure_scrub_memory(text.data(), text.size());
    throw;
  }
  Botan::secure_scrub_memory(text.data(), text.size());
  return out;
}

inline std::vector<recipient_ptr> read_recipients_file(const std::filesystem::path& path) {
  return parse_recipients(detail::read_whole_file(path, "recipients file"), path.string());
}

// The recipients an identity file's keys decrypt for (age-keygen -y).
inline std::vector<std::string> recipients_of(std::span<const identity_ptr> identities) {
  std::vector<std::string> out;
  for (const identity_ptr& id : identities) {
    if (auto x = std::dynamic_pointer_cast<const x25519_identity>(id)) out.push_back(x->recipient().to_string());
    else if (auto s = std::dynamic_pointer_cast<const ssh_ed25519_identity>(id)) out.push_back(s->recipient().to_string());
  }
  return out;
}

// age-keygen's key file: "# created: <RFC 3339>", "# public key: age1…", the secret key.
inline std::string key_file_text(const x25519_identity& id, std::chrono::system_clock::time_point created = std::chrono::system_clock::now()) {
  const std::time_t t = std::chrono::system_clock::to_time_t(created);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string("# created: ") + stamp + "\n# public key: " + id.recipient().to_string() + "\n" + id.to_string() + "\n";
}

// Writes a new key file with mode 0600; refuses to overwrite an existing file (as age-keygen -o).
inline void write_key_file(const std::filesystem::path& path, const x25519_identity& id) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) throw error(error_kind::io, "refusing to overwrite existing file " + path.string());
    throw error(error_kind::io, "cannot create " + path.string() + ": " + std::strerror(errno));
  }
  std::string text = key_file_text(id);
  try {
    fd_sink(fd, path.string()).write(detail::as_bytes(text));
  } catch (...) {
    ::close(fd);
    ::unlink(path.c_str());
    throw;
  }
  Botan::secure_scrub_memory(text.data(), text.size());
  if (::close(fd) != 0) throw error(error_kind::io, "writing " + path.string() + ": " + std::strerror(errno));
}

}  // namespace cairn::age
