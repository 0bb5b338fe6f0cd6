// cairn/deploy/ssh.hpp: a command on the target over OpenSSH, its stdin and stdout as pipes
// (stderr shared with this process, so the target's messages reach the user as they come).
//
//   deploy::ssh_target t{.destination = "root@web1", .options = {"-p", "2222"}};
//   deploy::ssh_session s(t, "echo hello");    // ssh -o BatchMode=yes -p 2222 root@web1 -- 'echo hello'
//   s.io().read_line();                         // "hello"
//   s.finish();                                 // ssh's exit code
#pragma once

#include <cairn/deploy/channel.hpp>
#include <cairn/strings.hpp>

#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cairn::deploy {

struct ssh_target {
  std::string destination;           ///< [user@]host, as ssh takes it
  std::vector<std::string> options;  ///< extra ssh arguments ("-p", "2222", "-i", key, "-o", ...)
};

/// `'text'` for a POSIX shell: the remote command is one string that the target's shell splits.
inline std::string shell_quote(std::string_view s) { return cairn::escape_shell_arg(s); }

/// CAIRN_SSHOPTS, split on whitespace, as nixos-rebuild reads NIX_SSHOPTS.
inline std::vector<std::string> ssh_options_from_environment() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("CAIRN_SSHOPTS")) {
    std::istringstream in(env);
    for (std::string word; in >> word;) out.push_back(word);
  }
  return out;
}

/// A running `ssh DESTINATION -- COMMAND`; the destructor kills it if it was not finished.
class ssh_session {
 public:
  ssh_session(const ssh_target& t, const std::string& remote_command) {
    // ssh closing its end makes our writes fail with EPIPE, not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> argv{"ssh", "-o", "BatchMode=yes", "-o", "ServerAliveInterval=15"};
    argv.insert(argv.end(), t.options.begin(), t.options.end());
    argv.insert(argv.end(), {"-T", "--", t.destination, remote_command});
    int to[2], from[2];
    if (::pipe2(to, O_CLOEXEC) != 0 || ::pipe2(from, O_CLOEXEC) != 0) store::detail::throw_sys("create pipes for", "ssh");
    pid_ = ::fork();
    if (pid_ < 0) store::detail::throw_sys("fork for", "ssh");
    if (pid_ == 0) {
      ::dup2(to[0], 0);
      ::dup2(from[1], 1);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp("ssh", args.data());
      std::fprintf(stderr, "error: cannot run ssh: %s\n", std::strerror(errno));
      ::_exit(127);
    }
    ::close(to[0]);
    ::close(from[1]);
    to_ = to[1];
    from_ = from[0];
    io_.emplace(from_, to_, fmt::format("the target {}", t.destination));
  }
  ssh_session(const ssh_session&) = delete;
  ssh_session& operator=(const ssh_session&) = delete;
  ~ssh_session() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      finish();
    }
  }

  channel& io() { return *io_; }

  /// Ends the remote command's stdin (EOF), keeping its stdout to read.
  void close_input() {
    if (to_ < 0) return;
    io_->flush();
    ::close(to_);
    to_ = -1;
  }

  /// Closes our side and waits for ssh: its exit code (255: ssh itself failed).
  int finish() {
    if (to_ >= 0) {
      try {
        io_->flush();
      } catch (const std::exception&) {
      }
      ::close(to_);
      to_ = -1;
    }
    if (from_ >= 0) {
      ::close(from_);
      from_ = -1;
    }
    int status = 0;
    if (pid_ > 0) {
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
      pid_ = -1;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return exit_code_;
  }

 private:
  std::optional<channel> io_;
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  int exit_code_ = -1;
};

}  // namespace cairn::deploy
