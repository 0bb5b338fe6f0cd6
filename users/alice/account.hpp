// users/alice/account.hpp: Alice's account, on every host that imports it.
#pragma once

#include <cairn/fwd.hpp>

#include <modules/system/services/openssh.hpp>
#include <modules/system/users.hpp>

namespace people::alice {

namespace users = cairn::modules::users;

struct account {
  using imports = cairn::imports<users::module, cairn::modules::services::openssh::module>;

  static constexpr void config(cairn::definitions& d) {
    d.set(users::user::is_normal_user("alice"), true);
    d.set(users::user::description("alice"), "Alice");
    d.set(users::user::uid("alice"), 1000);
    d.set(users::user::extra_groups("alice"), {"users"});
    d.set(users::user::openssh::authorized_keys("alice"),
          {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKg1S6Pvxm1tZqBJAvEPN5vE7uZT8SdLpLe0mFz1Qk5f alice@laptop"});
  }
};

}  // namespace people::alice
