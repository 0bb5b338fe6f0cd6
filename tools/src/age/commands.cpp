// The commands of cairn-age over the cairn::age library.
#include "commands.hpp"

#include <cairn/age.hpp>
#include <cairn/secrets/manifest.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <termios.h>

namespace cairn::age_cli {
namespace {

namespace fs = std::filesystem;
using age::error;
using age::error_kind;

// A user error: printed as "cairn-age: error: ..." with exit code 1.
[[noreturn]] void fail(const std::string& message) { throw error(error_kind::usage, message); }

void warn(const std::string& message) { std::cerr << "cairn-age: warning: " << message << "\n"; }

template <class F>
int guarded(F&& body) {
  try {
    return body();
  } catch (const error& e) {
    std::cerr << "cairn-age: error: " << e.what() << "\n";
  } catch (const fs::filesystem_error& e) {
    std::cerr << "cairn-age: error: " << e.what() << "\n";
  } catch (const Botan::Exception& e) {
    std::cerr << "cairn-age: error: " << e.what() << "\n";
  }
  return 1;
}

bool is_stdio(const std::string& path) { return path.empty() || path == "-"; }

// --- keys -----------------------------------------------------------------------------------

std::vector<age::identity_ptr> load_identities(const std::vector<std::string>& files) {
  std::vector<age::identity_ptr> out;
  for (const auto& f : files) {
    auto loaded = age::read_identity_file(f);
    for (const auto& w : loaded.warnings) warn(w);
    out.insert(out.end(), loaded.identities.begin(), loaded.identities.end());
  }
  return out;
}

// Reads a passphrase from CAIRN_AGE_PASSPHRASE or, with echo off, from the terminal.
age::secret_bytes read_passphrase(const char* prompt) {
  if (const char* env = std::getenv("CAIRN_AGE_PASSPHRASE")) return age::secret_bytes(env, env + std::strlen(env));
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) fail("cannot read a passphrase: there is no terminal (/dev/tty); set CAIRN_AGE_PASSPHRASE for scripts");
  age::detail::fd_guard guard(fd);
  // Echo goes off before the prompt appears, and typed-ahead input is kept (no TCSAFLUSH):
  // whoever answers the prompt at once must not lose the answer.
  termios old{};
  const bool is_tty = ::tcgetattr(fd, &old) == 0;
  if (is_tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSANOW, &quiet);
  }
  (void)!::write(fd, prompt, std::strlen(prompt));
  age::secret_bytes pass;
  char c;
  ssize_t n;
  while ((n = ::read(fd, &c, 1)) == 1 && c != '\n') {
    if (c != '\r') pass.push_back(static_cast<std::uint8_t>(c));
  }
  if (is_tty) ::tcsetattr(fd, TCSANOW, &old);
  (void)!::write(fd, "\n", 1);
  if (n < 0) fail("cannot read a passphrase from the terminal");
  return pass;
}

std::string_view text(const age::secret_bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// --- input and output -----------------------------------------------------------------------

struct input_file {
  explicit input_file(const std::string& path) {
    if (is_stdio(path)) {
      src.emplace(0, "standard input");
      return;
    }
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("cannot open input file " + path + ": " + std::strerror(errno));
    src.emplace(fd, path);
  }
  ~input_file() { if (fd >= 0) ::close(fd); }
  input_file(const input_file&) = delete;
  input_file& operator=(const input_file&) = delete;
  int fd = -1;
  std::optional<age::fd_source> src;
};

// Writes to standard output as it goes, or to OUTPUT atomically.
void write_output(const std::string& path, mode_t mode, const std::function<void(age::sink&)>& write) {
  if (is_stdio(path)) {
    age::fd_sink out(1, "standard output");
    write(out);
    return;
  }
  age::write_file_atomically(path, {.mode = mode}, write);
}

void copy(age::decryptor& in, age::sink& out) {
  for (auto chunk = in.read_chunk(); !chunk.empty(); chunk = in.read_chunk()) out.write(chunk);
}

mode_t default_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

// --- secrets helpers ------------------------------------------------------------------------

secrets::manifest load_manifest(const std::string& explicit_path, const fs::path& near) {
  if (!explicit_path.empty()) return secrets::manifest::load(explicit_path);
  const auto found = secrets::find_manifest(near);
  if (!found)
    fail("no secrets manifest (a file named recipients, or secrets/recipients) in " + fs::absolute(near).parent_path().string() +
         " or above; give one with --manifest");
  return secrets::manifest::load(*found);
}

std::vector<age::identity_ptr> identities_or_default(const std::vector<std::string>& files) {
  if (!files.empty()) return load_identities(files);
  if (const char* home = std::getenv("HOME")) {
    const fs::path ssh_key = fs::path(home) / ".ssh" / "id_ed25519";
    if (fs::exists(ssh_key)) return load_identities({ssh_key.string()});
  }
  fail("no identity to decrypt with: give one with -i PATH (~/.ssh/id_ed25519 does not exist)");
}

bool is_armored_file(const fs::path& path) {
  input_file in(path.string());
  std::array<std::uint8_t, 64> head{};
  const std::size_t n = in.src->read_full(head);
  std::string_view s(reinterpret_cast<const char*>(head.data()), n);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) s.remove_prefix(1);
  return s.starts_with(age::armor_begin);
}

// Re-encrypts `file` (decrypted with `ids`) to `recipients`, atomically, keeping its armor and mode.
void reencrypt(const fs::path& file, std::span<const age::identity_ptr> ids, std::span<const age::recipient_ptr> recipients) {
  const bool armored = is_armored_file(file);
  struct stat st {};
  const mode_t mode = ::stat(file.c_str(), &st) == 0 ? (st.st_mode & 07777) : default_mode();
  input_file in(file.string());
  age::decryptor plain(*in.src, ids);
  age::write_file_atomically(file, {.mode = mode}, [&](age::sink& out) { age::encrypt(plain, out, recipients, {.armor = armored}); });
}

// A private directory on tmpfs for plaintext, wiped and removed when destroyed.
class private_dir {
 public:
  explicit private_dir(bool allow_disk) {
    std::vector<fs::path> bases;
    if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg) bases.emplace_back(xdg);
    bases.emplace_back("/dev/shm");
    fs::path base;
    for (const auto& b : bases)
      if (is_memory_backed(b)) { base = b; break; }
    if (base.empty()) {
      if (!allow_disk)
        fail("no memory-backed directory for the plaintext ($XDG_RUNTIME_DIR and /dev/shm are not tmpfs); "
             "--allow-disk accepts a disk-backed temporary directory");
      const char* tmp = std::getenv("TMPDIR");
      base = tmp && *tmp ? tmp : "/tmp";
      warn("the plaintext goes to " + base.string() + ", which is not memory-backed");
    }
    std::string tmpl = (base / "cairn-age-edit-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) fail("cannot create a private directory in " + base.string() + ": " + std::strerror(errno));
    path_ = tmpl;  // mkdtemp makes it 0700
  }
  ~private_dir() { remove(); }
  private_dir(const private_dir&) = delete;
  private_dir& operator=(const private_dir&) = delete;

  const fs::path& path() const { return path_; }

  void remove() noexcept {
    if (path_.empty()) return;
    std::error_code ec;
    // Overwrite what the editor left (the file, swap and backup files) before unlinking.
    for (const auto& e : fs::recursive_directory_iterator(path_, ec)) {
      if (!e.is_regular_file(ec)) continue;
      const int fd = ::open(e.path().c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) continue;
      const std::vector<char> zeros(64 * 1024, 0);
      for (auto size = static_cast<std::uintmax_t>(e.file_size(ec)); size > 0 && !ec;) {
        const auto n = ::write(fd, zeros.data(), std::min<std::uintmax_t>(size, zeros.size()));
        if (n <= 0) break;
        size -= static_cast<std::uintmax_t>(n);
      }
      ::close(fd);
    }
    fs::remove_all(path_, ec);
    path_.clear();
  }

 private:
  static bool is_memory_backed(const fs::path& p) {
    struct statfs s {};
    if (::statfs(p.c_str(), &s) != 0) return false;
    constexpr long tmpfs_magic = 0x01021994, ramfs_magic = static_cast<long>(0x858458f6);
    return static_cast<long>(s.f_type) == tmpfs_magic || static_cast<long>(s.f_type) == ramfs_magic;
  }

  fs::path path_;
};

volatile std::sig_atomic_t g_terminating = 0;
extern "C" void note_termination(int sig) { g_terminating = sig; }

// Runs $EDITOR on `file`; returns a description of the failure, or "" on success. While the
// editor runs, terminal interrupts go to it alone; SIGTERM/SIGHUP to us stop it, and the caller
// cleans up before we die of the signal.
std::string run_editor(const fs::path& file) {
  const char* env = std::getenv("EDITOR");
  const std::string editor = env && *env ? env : "vi";
  struct sigaction ignore {}, note {}, old_int {}, old_quit {}, old_term {}, old_hup {};
  ignore.sa_handler = SIG_IGN;
  note.sa_handler = note_termination;  // no SA_RESTART: waitpid returns EINTR
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  ::sigaction(SIGTERM, &note, &old_term);
  ::sigaction(SIGHUP, &note, &old_hup);
  auto restore = [&] {
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGQUIT, &old_quit, nullptr);
    ::sigaction(SIGTERM, &old_term, nullptr);
    ::sigaction(SIGHUP, &old_hup, nullptr);
  };
  const pid_t pid = ::fork();
  if (pid < 0) {
    restore();
    return std::string("cannot start the editor: ") + std::strerror(errno);
  }
  if (pid == 0) {
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGQUIT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGHUP, SIG_DFL);
    const std::string command = "exec " + editor + " \"$1\"";  // $EDITOR may carry arguments
    ::execl("/bin/sh", "sh", "-c", command.c_str(), "sh", file.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, 0) == pid) break;
    if (errno != EINTR) break;
    if (g_terminating) ::kill(pid, SIGTERM);
  }
  restore();
  if (g_terminating) return "interrupted by signal " + std::to_string(g_terminating);
  if (WIFSIGNALED(status)) return "the editor (" + editor + ") was killed by signal " + std::to_string(WTERMSIG(status));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return "the editor (" + editor + ") exited with status " + std::to_string(WEXITSTATUS(status));
  return {};
}

std::array<std::uint8_t, 32> hash_file(const fs::path& path) {
  input_file in(path.string());
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  age::secret_bytes buf(age::chunk_size);
  while (const std::size_t n = in.src->read_some(buf)) h->update(buf.data(), n);
  std::array<std::uint8_t, 32> out;
  h->final(out.data());
  return out;
}

}  // namespace

// --- the commands ---------------------------------------------------------------------------

int run_encrypt(const encrypt_args& a) {
  return guarded([&] {
    std::vector<age::recipient_ptr> recipients;
    for (const auto& r : a.recipients) recipients.push_back(age::parse_recipient(r));
    for (const auto& f : a.recipient_files) {
      auto more = age::read_recipients_file(f);
      recipients.insert(recipients.end(), more.begin(), more.end());
    }
    for (const auto& r : age::recipients_of(load_identities(a.identity_files))) recipients.push_back(age::parse_recipient(r));
    if (a.passphrase) {
      const auto pass = read_passphrase("Enter passphrase: ");
      if (pass.empty()) fail("the passphrase is empty");
      if (!std::getenv("CAIRN_AGE_PASSPHRASE") && read_passphrase("Confirm passphrase: ") != pass) fail("the passphrases do not match");
      recipients.push_back(std::make_shared<age::scrypt_recipient>(text(pass)));
    }
    if (is_stdio(a.output) && !a.armor && ::isatty(1))
      fail("refusing to write binary ciphertext to a terminal; use -a/--armor or -o OUTPUT");
    input_file in(a.input);
    write_output(a.output, default_mode(), [&](age::sink& out) { age::encrypt(*in.src, out, recipients, {.armor = a.armor}); });
    return 0;
  });
}

int run_decrypt(const decrypt_args& a) {
  return guarded([&] {
    std::vector<age::identity_ptr> ids = load_identities(a.identity_files);
    bool asked = false;
    if (ids.empty())
      ids.push_back(std::make_shared<age::scrypt_identity>([&] {
        asked = true;
        return read_passphrase("Enter passphrase: ");
      }));
    input_file in(a.input);
    try {
      age::decryptor plain(*in.src, ids);
      write_output(a.output, 0600, [&](age::sink& out) { copy(plain, out); });
    } catch (const error& e) {
      if (e.kind() == error_kind::no_match && a.identity_files.empty() && !asked)
        fail("the file is not passphrase-encrypted: give an identity with -i PATH");
      throw;
    }
    return 0;
  });
}

int run_keygen(const keygen_args& a) {
  return guarded([&] {
    if (a.to_public) {
      std::vector<age::identity_ptr> ids;
      if (is_stdio(a.input)) {
        std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
        ids = age::parse_identities(text, "standard input");
        Botan::secure_scrub_memory(text.data(), text.size());
      } else {
        ids = load_identities({a.input});
      }
      std::string out;
      for (const auto& r : age::recipients_of(ids)) out += r + "\n";
      write_output(a.output, default_mode(), [&](age::sink& s) { s.write(age::detail::as_bytes(out)); });
      return 0;
    }
    if (!a.input.empty()) fail("keygen takes no input file (did you mean keygen -y FILE?)");
    const auto id = age::x25519_identity::generate();
    const std::string pub = id.recipient().to_string();
    if (is_stdio(a.output)) {
      std::string text = age::key_file_text(id);
      age::fd_sink(1, "standard output").write(age::detail::as_bytes(text));
      Botan::secure_scrub_memory(text.data(), text.size());
      if (!::isatty(1)) std::cerr << "Public key: " << pub << "\n";
    } else {
      age::write_key_file(a.output, id);
      std::cerr << "Public key: " << pub << "\n";
    }
    return 0;
  });
}

int run_recipients(const recipients_args& a) {
  return guarded([&] {
    const auto m = load_manifest(a.manifest, a.file);
    const auto* rule = m.rule_for(a.file);
    if (!rule) fail("no rule in " + m.file().string() + " covers " + a.file);
    for (const auto& r : rule->recipients) std::cout << r << "\n";
    return 0;
  });
}

int run_rekey(const rekey_args& a) {
  return guarded([&] {
    const auto m = load_manifest(a.manifest, a.files.empty() ? fs::current_path() : fs::path(a.files.front()));
    std::vector<fs::path> files(a.files.begin(), a.files.end());
    if (files.empty()) files = m.secrets();
    if (files.empty()) fail("no secrets: no file below " + m.base_dir().string() + " matches a rule of " + m.file().string());
    const auto ids = load_identities(a.identity_files);
    int failed = 0;
    for (const auto& f : files) {
      try {
        const auto recipients = m.recipients_for(f);
        reencrypt(f, ids, recipients);
        std::cerr << "rekeyed " << f.string() << " for " << recipients.size() << " recipient(s)\n";
      } catch (const error& e) {
        ++failed;
        std::cerr << "cairn-age: error: " << f.string() << ": " << e.what() << "\n";
      }
    }
    if (failed) fail(std::to_string(failed) + " of " + std::to_string(files.size()) + " secrets were not rekeyed (they are unchanged)");
    return 0;
  });
}

int run_edit(const edit_args& a) {
  return guarded([&] {
    const fs::path file = a.file;
    const auto m = load_manifest(a.manifest, file);
    const auto recipients = m.recipients_for(file);
    const bool exists = fs::exists(file);
    const bool armored = exists && is_armored_file(file);

    int died_of = 0;
    {
      private_dir dir(a.allow_disk);
      std::string name = file.filename().string();
      if (name.ends_with(".age")) name.resize(name.size() - 4);
      const fs::path plain = dir.path() / name;
      if (exists) {
        age::decrypt_file(file, plain, identities_or_default(a.identity_files), {.mode = 0600});
      } else {
        const int fd = ::open(plain.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) fail("cannot create " + plain.string() + ": " + std::strerror(errno));
        ::close(fd);
      }
      const auto before = hash_file(plain);
      const std::string editor_failure = run_editor(plain);
      if (!editor_failure.empty()) {
        died_of = g_terminating;
        if (!died_of) fail(editor_failure + "; " + file.string() + " is unchanged");
      } else if (hash_file(plain) == before) {
        std::cerr << file.string() << (exists ? " is unchanged" : " was not created (empty)") << "\n";
      } else {
        age::encrypt_file(plain, file, recipients, {.armor = armored});
        std::cerr << "encrypted " << file.string() << " for " << recipients.size() << " recipient(s)\n";
      }
    }  // the plaintext is wiped and removed here, in every case
    if (died_of) {
      ::signal(died_of, SIG_DFL);
      ::raise(died_of);
    }
    return 0;
  });
}

}  // namespace cairn::age_cli
