// cairn::activation: toplevels, generations and activation (switch, boot, test, dry-activate).
//   #include <cairn/activation.hpp>
//   cairn::activation::write_toplevel(dir, spec);                      // build side
//   cairn::activation::activate(root, toplevel, action::switch_, {});  // activate side
#pragma once

#include <cairn/activation/boot.hpp>
#include <cairn/activation/cli.hpp>
#include <cairn/activation/diff.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/etc.hpp>
#include <cairn/activation/execute.hpp>
#include <cairn/activation/generations.hpp>
#include <cairn/activation/install.hpp>
#include <cairn/activation/lock.hpp>
#include <cairn/activation/plan.hpp>
#include <cairn/activation/scripts.hpp>
#include <cairn/activation/toplevel.hpp>
#include <cairn/activation/units.hpp>
#include <cairn/activation/users.hpp>
