// cairn/deploy/deploy.hpp: `HOST switch --target-host [user@]ADDR`: a generation built here,
// copied to another machine over ssh and activated there by its own switch-to-configuration,
// as nixos-rebuild --target-host does, with deploy-rs's magic rollback.
//
//   1. ssh ADDR: the target's serve (its current generation's program, or this binary uploaded
//      to a temporary file on a first deploy);
//   2. the closure's missing paths (copy.hpp), then a GC root for the toplevel;
//   3. activate ACTION: the target's messages come back on stderr as they are printed;
//   4. magic rollback (switch and test): the target waits `confirm_timeout` for a confirmation
//      that arrives over a NEW ssh connection; without it, the target activates its previous
//      generation again by itself. The deploying side reports which happened.
#pragma once

#include <cairn/deploy/copy.hpp>
#include <cairn/deploy/serve.hpp>
#include <cairn/deploy/ssh.hpp>
#include <cairn/store/store.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace cairn::deploy {

struct deploy_options {
  ssh_target target;
  std::string remote_root = "/";   ///< the target's root (a directory for tests and images)
  std::string action = "switch";   ///< switch, boot, test, dry-activate
  bool use_systemd = true;
  std::optional<std::chrono::seconds> confirm_timeout = std::chrono::seconds(30);  ///< nullopt: no magic rollback
  std::filesystem::path program;   ///< this host binary: uploaded when the target has no cairn yet
  std::string root_name = "host";  ///< the target's GC root is deploy-<root_name>
  std::FILE* log = stderr;
};

struct deploy_result {
  int exit_code = 1;            ///< 0 ok; the activation's code; 1 when rolled back or unreachable
  copy_result copied;
  std::uint64_t bytes_sent = 0;  ///< everything written to ssh, protocol and upload included
  bool uploaded_program = false;
  bool confirmed = false;
  bool rolled_back = false;
};

namespace detail {

// The target's serve: its current generation's program (links in the root are logical paths,
// resolved inside it), else the answer "cairn-serve-missing".
inline std::string serve_command(const std::string& root) {
  const auto r = shell_quote(root);
  return fmt::format("R={}; t=$(readlink \"$R/run/current-system\" 2>/dev/null) && p=\"${{R%/}}$t/bin/switch-to-configuration\" && "
                     "[ -x \"$p\" ] && exec \"$p\" serve --root \"$R\"; echo cairn-serve-missing",
                     r);
}

inline std::string uploaded_serve_command(const std::string& program, const std::string& root) {
  return fmt::format("p={}; \"$p\" serve --root {}; rc=$?; rm -f \"$p\"; exit $rc", shell_quote(program), shell_quote(root));
}

// Waits for the greeting; false if the target has no serve to run.
inline bool greeted(channel& io) {
  auto line = io.read_line();
  if (line == "cairn-serve-missing") return false;
  if (line != serve_greeting)
    throw protocol_error(fmt::format("{} greeted with '{}', expected '{}' (a cairn of another version?)", io.peer(), line, serve_greeting));
  return true;
}

// Uploads `program` to a temporary file on the target; its path there.
inline std::string upload_program(const ssh_target& t, const std::filesystem::path& program, std::uint64_t& bytes) {
  ssh_session up(t, "f=$(mktemp \"${TMPDIR:-/tmp}/cairn-serve.XXXXXX\") && cat > \"$f\" && chmod 700 \"$f\" && echo \"$f\"");
  std::ifstream in(program, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {} to upload it", program.string()));
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) up.io().write(std::string_view(buf, static_cast<std::size_t>(in.gcount())));
  up.io().flush();
  bytes += up.io().bytes_sent();
  up.close_input();  // the remote `cat` ends at EOF, then prints the file's name
  const std::string path = up.io().read_line();
  if (up.finish() != 0 || path.empty()) throw std::runtime_error(fmt::format("uploading {} to {} failed", program.string(), t.destination));
  return path;
}

// A fresh connection's confirmation of `token`: "" when confirmed, else why not.
inline std::string confirm_over_new_connection(const deploy_options& o, const std::string& token, const std::string& command) {
  try {
    ssh_session c(o.target, command);
    if (!greeted(c.io())) return "the target's current generation has no serve";
    c.io().write_line("confirm " + token);
    c.io().flush();
    expect_reply(c.io(), "confirmed");
    c.io().write_line("quit");
    c.finish();
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

inline std::optional<std::string> current_generation_over_ssh(const deploy_options& o, const std::string& command) {
  try {
    ssh_session c(o.target, command);
    if (!greeted(c.io())) return std::nullopt;
    c.io().write_line("generation");
    c.io().flush();
    auto line = expect_reply(c.io(), "generation ");
    c.io().write_line("quit");
    c.finish();
    return line.substr(11);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace detail

/// Deploys the built `toplevel` (valid in `s`) to the target.
inline deploy_result deploy(store::store& s, const store::store_path& toplevel, const deploy_options& o) {
  deploy_result r;
  const std::string top = s.logical(toplevel);
  std::string command = detail::serve_command(o.remote_root);
  auto session = std::make_unique<ssh_session>(o.target, command);
  if (!detail::greeted(session->io())) {
    r.bytes_sent += session->io().bytes_sent();
    session->finish();
    fmt::print(o.log, "{} has no cairn generation in {}: uploading {}\n", o.target.destination, o.remote_root, o.program.filename().string());
    const auto remote = detail::upload_program(o.target, o.program, r.bytes_sent);
    r.uploaded_program = true;
    command = detail::uploaded_serve_command(remote, o.remote_root);
    session = std::make_unique<ssh_session>(o.target, command);
    if (!detail::greeted(session->io())) throw protocol_error("the uploaded program did not start serving");
    // Later connections (the confirmation) find the new generation's own program.
  }
  channel& io = session->io();
  auto progress = [&](const std::string& line) { fmt::print(o.log, "{}\n", line); };
  r.copied = copy_closure(s, io, {toplevel}, progress);
  io.write_line(fmt::format("root {} {}", o.root_name, top));
  io.flush();
  detail::expect_reply(io, "ok");

  std::string request = fmt::format("activate {} {}", o.action, top);
  if (!o.use_systemd) request += " no-systemd";
  const bool watched = o.confirm_timeout && (o.action == "switch" || o.action == "test");
  if (watched) request += fmt::format(" confirm {}", o.confirm_timeout->count());
  io.write_line(request);
  io.flush();
  auto reply = detail::words(detail::expect_reply(io, "activated "));
  if (reply.size() < 2) throw protocol_error(fmt::format("{} answered activate with too little", io.peer()));
  r.exit_code = static_cast<int>(detail::parse_count(reply[1], "exit code"));
  io.write_line("quit");
  r.bytes_sent += io.bytes_sent();
  session->finish();
  session.reset();
  if (r.exit_code != 0 || reply.size() < 3) return r;

  // Magic rollback: can we still reach it?
  const std::string token = reply[2];
  const auto started = std::chrono::steady_clock::now();
  const std::string confirm_command = detail::serve_command(o.remote_root);
  const std::string why = detail::confirm_over_new_connection(o, token, confirm_command);
  if (why.empty()) {
    r.confirmed = true;
    fmt::print(o.log, "confirmed over a new connection: {} keeps the new generation\n", o.target.destination);
    return r;
  }
  fmt::print(o.log, "error: cannot confirm the activation over a new connection to {}: {}\n", o.target.destination, why);
  fmt::print(o.log, "waiting for the target to roll itself back (confirmation timeout {} s)...\n", o.confirm_timeout->count());
  std::this_thread::sleep_until(started + *o.confirm_timeout + std::chrono::seconds(2));
  r.exit_code = 1;
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (auto g = detail::current_generation_over_ssh(o, confirm_command)) {
      r.rolled_back = true;
      fmt::print(o.log, "rolled back: {} is on generation {} again\n", o.target.destination, *g);
      return r;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  fmt::print(o.log, "{} is still unreachable; it rolls itself back on its own (its log: {}/cairn/var/deploy/rollback.log)\n",
             o.target.destination, o.remote_root == "/" ? "" : o.remote_root);
  return r;
}

}  // namespace cairn::deploy
