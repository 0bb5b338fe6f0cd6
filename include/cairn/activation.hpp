// cairn::activation: toplevels, generations and activation (switch, boot, test, dry-activate).
//
// Build side: write_toplevel(dir, spec) materialises a toplevel_spec (layout in toplevel.hpp);
// the store then adds dir as /cairn/store/<hash>-cairn-system-<host>.
//
// Activate side, what a host binary does for each action (cli.hpp does exactly this):
//   switch|boot|test|dry-activate   activate(root, toplevel, action, {})       lock, recover, plan, execute
//   switch --generation N           activate(root, <gen N's toplevel>, action::switch_, {.generation = N})
//   rollback                        run_generation(opts, rollback_target(root)) -> that generation's own
//                                   bin/switch-to-configuration switch --generation N
//   list-generations                format_generations(list_generations(root))
//   delete-generations SPEC...      delete_generations(root, specs)             (under activation_lock)
//   diff A B                        format_diff(diff_toplevels(root, read_toplevel(..A), read_toplevel(..B)))
//   install                         install(root)                               required before activating "/"
// Or, to separate the two halves: plan_activation(&next, read_current_state(root), act) then
// format_plan(plan) (dry-activate) or execute(plan) (the others), holding an activation_lock.
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
