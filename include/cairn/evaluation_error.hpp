// cairn/evaluation_error.hpp: the error an evaluation throws at run time, with NixOS's
// "… while evaluating the option `X'" frames.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace cairn {

class evaluation_error : public std::runtime_error {
 public:
  explicit evaluation_error(const std::string& message) : std::runtime_error(message), message_(message) {}
  const char* what() const noexcept override { return full_.empty() ? message_.c_str() : full_.c_str(); }
  const std::string& message() const { return message_; }
  // "… while evaluating the option `X'" frames, innermost first.
  void add_frame(const std::string& frame) {
    frames_.push_back(frame);
    full_ = message_;
    for (const auto& f : frames_) full_ += "\n       … " + f;
  }

 private:
  std::string message_;
  std::vector<std::string> frames_;
  std::string full_;
};

}  // namespace cairn
