// Errors of activation: what failed, where, and the exit code a host binary returns for it.
#pragma once

#include <stdexcept>
#include <string>

namespace cairn::activation {

// Exit codes (the host binary's contract: 0 ok, 1 user error, 2 bad command line), plus those of
// switch-to-configuration-ng that a caller may want to tell apart.
inline constexpr int exit_ok = 0;
inline constexpr int exit_user_error = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_script_failed = 3;   // ng uses 2, which our contract gives to usage errors
inline constexpr int exit_units_failed = 4;    // as ng: some units failed to start

// Every error activation raises: the message names the file or entry and the rule.
//   try { activate(...); } catch (const activation::error& e) { fmt::print(stderr, "error: {}\n", e.what()); return e.exit_code(); }
class error : public std::runtime_error {
 public:
  explicit error(const std::string& what, int code = exit_user_error) : std::runtime_error(what), code_(code) {}
  [[nodiscard]] int exit_code() const noexcept { return code_; }

 private:
  int code_;
};

}  // namespace cairn::activation
