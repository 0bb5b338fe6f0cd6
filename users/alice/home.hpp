// users/alice/home.hpp: Alice's home (home-manager's home.nix): her files, programs and
// packages. Standalone: `tools/cairn home switch alice --home DIR`; on a host that lists it in
// `homes`, the system switch activates it after the system.
#pragma once

#include <cairn/fwd.hpp>

#include <modules/home/home.hpp>
#include <modules/home/programs/bash.hpp>
#include <modules/home/programs/git.hpp>
#include <modules/home/programs/ssh.hpp>
#include <modules/home/session.hpp>
#include <modules/home/systemd.hpp>
#include <modules/home/xdg.hpp>
#include <modules/packages/demo.hpp>

namespace people::alice {

struct home {
  static constexpr cairn::meta meta{.state_version = "0.1", .username = "alice", .home_directory = "/home/alice"};

  using imports = cairn::imports<cairn::modules::home::module, cairn::modules::home::xdg::module,
                                 cairn::modules::home::session::module, cairn::modules::home::programs::git::module,
                                 cairn::modules::home::programs::bash::module, cairn::modules::home::programs::ssh::module,
                                 cairn::modules::home::systemd::module>;

  static constexpr void config(cairn::definitions& d) {
    namespace home = cairn::modules::home;
    namespace git = home::programs::git;
    namespace bash = home::programs::bash;
    namespace ssh = home::programs::ssh;
    namespace user_systemd = home::systemd;

    d.set(home::packages, {cairn::packages::hello()});
    d.set(home::session_variables("EDITOR"), "vi");
    d.set(home::file_entry::text(".hushlogin"), "");
    d.set(home::file_entry::text("bin/backup-notes"), "#!/bin/sh\n# Copies ~/notes to ~/notes.bak.\nset -eu\ncp -a \"$HOME/notes\" \"$HOME/notes.bak\"\n");
    d.set(home::file_entry::executable("bin/backup-notes"), true);

    d.set(git::enable, true);
    d.set(git::user_name, "Alice");
    d.set(git::user_email, "alice@example.org");
    d.set(git::aliases("st"), "status --short");
    d.set(git::extra_config("init", "defaultBranch"), "main");
    d.set(git::ignores, {"*.swp", ".direnv/"});

    d.set(bash::enable, true);
    d.set(bash::shell_aliases("ll"), "ls -l");
    d.set(bash::init_extra, "PS1='\\u@\\h:\\w\\$ '\n");

    d.set(ssh::enable, true);
    d.set(ssh::match_block::hostname("build-server"), "10.0.0.2");
    d.set(ssh::match_block::user("build-server"), "alice");
    d.set(ssh::match_block::port("build-server"), 2222);

    d.set(user_systemd::service::unit("backup-notes", "Description"), "Copy ~/notes aside");
    d.set(user_systemd::service::service("backup-notes", "Type"), "oneshot");
    d.set(user_systemd::service::service("backup-notes", "ExecStart"), "%h/bin/backup-notes");
    d.set(user_systemd::service::install("backup-notes", "WantedBy"), {"default.target"});
  }
};

}  // namespace people::alice
