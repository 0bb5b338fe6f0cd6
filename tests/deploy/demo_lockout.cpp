// The demo host with root's authorized keys replaced by someone else's: activating it locks the
// deploying side out of a target whose sshd reads /etc/ssh/authorized_keys.d, so the deploy's
// confirmation over a new connection fails and the target rolls itself back (magic rollback).
#include <cairn/host.hpp>

#include <hosts/demo/demo.hpp>

namespace tests {

struct demo_lockout {
  static constexpr cairn::meta meta = hosts::demo::meta;
  using imports = cairn::imports<hosts::demo>;

  static constexpr void config(cairn::definitions& d) {
    using namespace cairn::modules::users;
    // root, as the machine has it (cairn's users module predefines no accounts).
    d.set(user::is_system_user("root"), true);
    d.set(user::uid("root"), 0);
    d.set(user::group("root"), "root");
    d.set(user::home("root"), "/root");
    d.set(group::gid("root"), 0);
    d.set(cairn::modules::users::user::openssh::authorized_keys("root"),
          {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl someone-else@elsewhere"});
  }
};

}  // namespace tests

CAIRN_HOST(tests::demo_lockout)
