// cairn/deploy/serve.hpp: the target's side of a deploy, `HOST serve --root R` (also run as a
// generation's `bin/switch-to-configuration serve`), spoken over ssh's stdin and stdout.
//
// The protocol: the target greets with "cairn-serve 1"; then, one request per line:
//
//   valid N, then N store paths     -> N', then the N' of them that are valid here
//   import N, then N times: "narinfo SIZE", SIZE bytes of narinfo text, NarSize bytes of NAR
//                                    -> "imported N" (each NAR checked against its NarHash and
//                                       NarSize before it is registered), or "error MESSAGE"
//   root NAME PATH                  -> "ok": PATH kept from garbage collection as deploy-NAME
//   activate ACTION TOPLEVEL [no-systemd] [confirm SECONDS]
//                                    -> "activated CODE [TOKEN]": TOPLEVEL's own
//                                       switch-to-configuration ran ACTION; with confirm, a
//                                       watcher rolls the target back unless "confirm TOKEN"
//                                       arrives, on a new connection, within SECONDS
//   confirm TOKEN                   -> "confirmed", or "error MESSAGE" (too late: rolled back)
//   generation                      -> "generation N" (the current one; "generation none")
//
// Errors are "error MESSAGE" lines; the activation's own messages go to stderr, which ssh
// carries back to the deploying side as they come.
#pragma once

#include <cairn/activation/cli.hpp>
#include <cairn/activation/generations.hpp>
#include <cairn/deploy/channel.hpp>
#include <cairn/store/narinfo.hpp>
#include <cairn/store/store.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cairn::deploy {

inline constexpr std::string_view serve_greeting = "cairn-serve 1";

namespace detail {

namespace fs = std::filesystem;

// Pending confirmations and the watchers' log live in the target's state.
inline fs::path deploy_state(const fs::path& root) { return root / "cairn/var/deploy"; }

inline std::string random_token() {
  unsigned char bytes[16];
  std::ifstream in("/dev/urandom", std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(bytes), sizeof bytes)) throw std::runtime_error("cannot read /dev/urandom");
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

inline bool is_token(std::string_view t) {
  return t.size() == 32 && t.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// The watcher of one activation, detached from the ssh session (its own session, stdio on the
// log): unless the pending file is gone by the deadline, it claims it and re-activates the
// previous generation with that generation's own program.
inline void spawn_watcher(const fs::path& root, const std::string& token, int previous, std::chrono::seconds timeout,
                          bool use_systemd) {
  const fs::path dir = deploy_state(root);
  const fs::path pending = dir / ("pending-" + token);
  const fs::path claimed = dir / ("rolled-back-" + token);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) store::detail::throw_sys("fork the rollback watcher on", root.string());
  if (child > 0) {
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    return;
  }
  ::setsid();
  if (::fork() != 0) ::_exit(0);  // the grandchild is nobody's child: init reaps it
  const int log = ::open((dir / "rollback.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::dup2(null, 0);
  ::dup2(log, 1);
  ::dup2(log, 2);
  for (int fd = 3; fd < 1024; ++fd) ::close(fd);  // the protocol's pipes: ssh must see them close
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!fs::exists(pending)) ::_exit(0);  // confirmed
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::error_code ec;
  fs::rename(pending, claimed, ec);  // atomic: a late confirm finds nothing to remove
  if (ec) ::_exit(0);
  fmt::print(stderr, "deploy {}: no confirmation within {} s; rolling back to generation {}\n", token, timeout.count(), previous);
  activation::cli_options o{.root = root, .use_systemd = use_systemd};
  int code = 1;
  try {
    auto g = activation::find_generation(root, previous);
    if (!g) throw activation::error(fmt::format("profile version {} does not exist", previous));
    code = activation::run_generation(o, *g, stderr);
  } catch (const std::exception& e) {
    fmt::print(stderr, "deploy {}: rollback failed: {}\n", token, e.what());
  }
  fmt::print(stderr, "deploy {}: rollback to generation {} exited {}\n", token, previous, code);
  std::fflush(nullptr);
  ::_exit(code);
}

class server {
 public:
  server(const fs::path& root, channel& io) : root_(root), io_(io), store_({.root = root.string()}) {}

  void run() {
    io_.write_line(serve_greeting);
    io_.flush();
    for (;;) {
      std::string line;
      try {
        line = io_.read_line();
      } catch (const protocol_error&) {
        return;  // the deploying side is done
      }
      auto w = words(line);
      if (w.empty()) continue;
      try {
        if (w[0] == "valid" && w.size() == 2) valid(parse_count(w[1], "valid"));
        else if (w[0] == "import" && w.size() == 2) import(parse_count(w[1], "import"));
        else if (w[0] == "root" && w.size() == 3) add_root(w[1], w[2]);
        else if (w[0] == "activate" && w.size() >= 3) activate(w);
        else if (w[0] == "confirm" && w.size() == 2) confirm(w[1]);
        else if (w[0] == "generation" && w.size() == 1) generation();
        else if (w[0] == "quit") return;
        else throw protocol_error(fmt::format("unknown request '{}'", line));
      } catch (const protocol_error& e) {
        reply_error(e.what());
        return;  // the stream's framing is lost
      } catch (const std::exception& e) {
        reply_error(e.what());
        if (w[0] == "import") return;  // the rest of the import is still on the wire
      }
      io_.flush();
    }
  }

 private:
  void reply_error(const std::string& what) {
    std::string one = what;
    for (auto& c : one)
      if (c == '\n') c = ' ';
    try {
      io_.write_line("error " + one);
      io_.flush();
    } catch (const std::exception&) {
    }
  }

  void valid(std::uint64_t n) {
    std::vector<std::string> out;
    for (std::uint64_t i = 0; i < n; ++i) {
      auto path = io_.read_line();
      if (store_.is_valid(store_.parse(path))) out.push_back(std::move(path));
    }
    io_.write_line(std::to_string(out.size()));
    for (const auto& p : out) io_.write_line(p);
  }

  void import(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
      auto header = words(io_.read_line());
      if (header.size() != 2 || header[0] != "narinfo") throw protocol_error("expected 'narinfo SIZE'");
      const auto text = io_.read_exactly(parse_count(header[1], "narinfo size"));
      const auto info = store::parse_narinfo(text, store_.dir(), fmt::format("{} (path {} of {})", io_.peer(), i + 1, n)).to_path_info();
      bounded_source nar{io_, info.nar_size};
      if (store_.is_valid(info.path)) {
        char buf[1 << 16];
        while (nar(buf, sizeof buf) > 0) {}
        continue;
      }
      store_.add_nar(info, nar);  // a temporary root until the deploy's root names it
      if (nar.left != 0) throw protocol_error(fmt::format("the NAR of {} ended {} bytes early", store_.logical(info.path), nar.left));
    }
    io_.write_line(fmt::format("imported {}", n));
  }

  void add_root(const std::string& name, const std::string& path) {
    if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != std::string::npos || name.empty())
      throw std::runtime_error(fmt::format("'{}' is not a root name", name));
    store_.add_root("deploy-" + name, store_.parse(path));
    io_.write_line("ok");
  }

  void activate(const std::vector<std::string>& w) {
    const std::string& act = w[1];
    if (!activation::parse_action(act)) throw std::runtime_error(fmt::format("'{}' is not an activation", act));
    const auto top = store_.parse(w[2]);
    if (!store_.is_valid(top)) throw std::runtime_error(fmt::format("{} is not in the target's store", w[2]));
    bool use_systemd = true;
    std::optional<std::chrono::seconds> confirm;
    for (std::size_t i = 3; i < w.size(); ++i) {
      if (w[i] == "no-systemd") use_systemd = false;
      else if (w[i] == "confirm" && i + 1 < w.size()) confirm = std::chrono::seconds(parse_count(w[++i], "confirm"));
      else throw std::runtime_error(fmt::format("unknown activation flag '{}'", w[i]));
    }
    const auto previous = activation::current_generation(root_);
    const auto program = store_.physical(top) / "bin" / "switch-to-configuration";
    std::vector<std::string> argv{program.string(), act, "--root", root_.string()};
    if (!use_systemd) argv.push_back("--no-systemd");
    argv.push_back(w[2]);
    std::fflush(nullptr);
    const int code = activation::detail::run(argv);
    std::string token;
    const bool activated = act == "switch" || act == "test";
    if (code == 0 && confirm && activated) {
      if (!previous) {
        fmt::print(stderr, "note: the first generation on this target: nothing to roll back to, no confirmation needed\n");
      } else {
        token = random_token();
        fs::create_directories(deploy_state(root_));
        std::ofstream(deploy_state(root_) / ("pending-" + token)) << *previous << "\n";
        spawn_watcher(root_, token, *previous, *confirm, use_systemd);
      }
    }
    io_.write_line(token.empty() ? fmt::format("activated {}", code) : fmt::format("activated {} {}", code, token));
  }

  void confirm(const std::string& token) {
    if (!is_token(token)) throw std::runtime_error(fmt::format("'{}' is not a confirmation token", token));
    const fs::path dir = deploy_state(root_);
    std::error_code ec;
    if (fs::remove(dir / ("pending-" + token), ec)) {
      io_.write_line("confirmed");
      return;
    }
    if (fs::exists(dir / ("rolled-back-" + token)))
      throw std::runtime_error("too late: the confirmation timed out and the target rolled back");
    throw std::runtime_error(fmt::format("no deployment on {} waits for confirmation {}", root_.string(), token));
  }

  void generation() {
    auto g = activation::current_generation(root_);
    io_.write_line(g ? fmt::format("generation {}", *g) : std::string("generation none"));
  }

  fs::path root_;
  channel& io_;
  store::store store_;
};

}  // namespace detail

/// Serves one deploying connection on stdin/stdout for the root; returns the exit code. The
/// protocol keeps stdin and stdout; everything else this process (and what it runs) prints on
/// stdout goes to stderr.
inline int serve(const std::filesystem::path& root) {
  const int in = ::fcntl(0, F_DUPFD_CLOEXEC, 3);
  const int out = ::fcntl(1, F_DUPFD_CLOEXEC, 3);
  const int null = ::open("/dev/null", O_RDONLY);
  if (in < 0 || out < 0 || null < 0) store::detail::throw_sys("set up the protocol's streams for", "serve");
  ::dup2(null, 0);
  ::close(null);
  std::fflush(stdout);
  ::dup2(2, 1);
  channel io(in, out, "the deploying side");
  detail::server(root, io).run();
  return 0;
}

}  // namespace cairn::deploy
