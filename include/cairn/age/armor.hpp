#pragma once
// ASCII armor for age files: strict PEM with the label "AGE ENCRYPTED FILE", padded base64
// at exactly 64 columns. The reader enforces every rule of age's own reader (no headers,
// no empty or short inner lines, canonical padding, nothing but whitespace around).
//
//   age::armor_writer armored(out);   armored.write(bytes);   armored.finish();
//   age::armor_reader plain(in);      plain.read_some(buf);   // throws error_kind::armor

#include <cairn/age/detail/base64.hpp>
#include <cairn/age/detail/buffered_source.hpp>
#include <cairn/age/error.hpp>
#include <cairn/age/io.hpp>

#include <array>
#include <memory>
#include <string>

namespace cairn::age {

inline constexpr std::string_view armor_begin = "-----BEGIN AGE ENCRYPTED FILE-----";
inline constexpr std::string_view armor_end = "-----END AGE ENCRYPTED FILE-----";

namespace detail {
inline constexpr std::size_t armor_columns = 64;
inline constexpr std::size_t armor_bytes_per_line = 48;
inline constexpr std::size_t armor_max_whitespace = 1024;

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
inline bool is_blank(std::string_view s) {
  for (const char c : s)
    if (!is_space(c)) return false;
  return true;
}
[[noreturn]] inline void armor_error(const std::string& what) { throw error(error_kind::armor, "invalid armor: " + what); }
}  // namespace detail

// Decodes armored input as a source of the binary age file.
class armor_reader final : public source {
 public:
  explicit armor_reader(source& in) : owned_(std::make_unique<detail::buffered_source>(in)), in_(*owned_) {}
  // Shares a buffer that may already hold peeked bytes.
  explicit armor_reader(detail::buffered_source& in) : in_(in) {}

  std::size_t read_some(std::span<std::uint8_t> out) override {
    if (pos_ == decoded_.size()) {
      if (done_ || out.empty()) return 0;
      decode_next_line();
      if (pos_ == decoded_.size()) return 0;
    }
    const std::size_t n = std::min(out.size(), decoded_.size() - pos_);
    std::memcpy(out.data(), decoded_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  // One line without its LF or CRLF; an armor error at the end of the input.
  std::string_view line() {
    bool too_long = false;
    auto l = in_.read_line(4096, &too_long);
    if (!l) detail::armor_error(too_long ? "line too long" : "unexpected end of file");
    if (!l->empty() && l->back() == '\n') l->remove_suffix(1);
    if (!l->empty() && l->back() == '\r') l->remove_suffix(1);
    return *l;
  }

  void drain_trailing() {
    std::array<std::uint8_t, detail::armor_max_whitespace> rest;
    const std::size_t n = in_.read_full(rest);
    if (!detail::is_blank(std::string_view(reinterpret_cast<const char*>(rest.data()), n)))
      detail::armor_error("trailing data after the END line");
    if (n == rest.size()) detail::armor_error("too much trailing whitespace");
    done_ = true;
  }

  void decode_next_line() {
    std::size_t whitespace = 0;
    while (!started_) {
      const auto l = line();
      if (detail::is_blank(l)) {
        whitespace += l.size() + 1;
        if (whitespace > detail::armor_max_whitespace) detail::armor_error("too much leading whitespace");
        continue;
      }
      if (l != armor_begin) detail::armor_error("the first line is not \"" + std::string(armor_begin) + "\"");
      started_ = true;
    }
    decoded_.clear();
    pos_ = 0;
    const auto l = line();
    if (l == armor_end) return drain_trailing();
    if (l.empty()) detail::armor_error("empty line in armored data");
    if (l.size() > detail::armor_columns) detail::armor_error("line longer than 64 columns");
    if (!detail::base64_decode_to(decoded_, l, true)) detail::armor_error("invalid base64 data");
    if (decoded_.size() < detail::armor_bytes_per_line) {
      if (line() != armor_end) detail::armor_error("a short line must be the last, followed by the END line");
      drain_trailing();
    }
  }

  std::unique_ptr<detail::buffered_source> owned_;
  detail::buffered_source& in_;
  std::vector<std::uint8_t> decoded_;
  std::size_t pos_ = 0;
  bool started_ = false, done_ = false;
};

// Encodes everything written into armor on `out`; finish() writes the last line and END.
class armor_writer final : public sink {
 public:
  explicit armor_writer(sink& out) : out_(out) { line_.reserve(4096); write_text(std::string(armor_begin) + "\n"); }

  void write(std::span<const std::uint8_t> data) override {
    while (!data.empty()) {
      const std::size_t n = std::min(data.size(), pending_.size() - pending_len_);
      std::memcpy(pending_.data() + pending_len_, data.data(), n);
      pending_len_ += n;
      data = data.subspan(n);
      if (pending_len_ == pending_.size()) flush_full_lines();
    }
  }

  void finish() {
    const std::size_t full = pending_len_ / detail::armor_bytes_per_line * detail::armor_bytes_per_line;
    line_.clear();
    encode_lines(std::span(pending_).first(full));
    if (pending_len_ > full) {
      detail::base64_encode_to(line_, std::span(pending_).subspan(full, pending_len_ - full), true);
      line_ += '\n';
    }
    line_ += armor_end;
    line_ += '\n';
    write_text(line_);
    pending_len_ = 0;
  }

 private:
  void encode_lines(std::span<const std::uint8_t> data) {
    for (std::size_t i = 0; i < data.size(); i += detail::armor_bytes_per_line) {
      detail::base64_encode_to(line_, data.subspan(i, detail::armor_bytes_per_line), true);
      line_ += '\n';
    }
  }
  void flush_full_lines() {
    line_.clear();
    encode_lines(pending_);
    write_text(line_);
    pending_len_ = 0;
  }
  void write_text(std::string_view s) { out_.write({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}); }

  sink& out_;
  std::array<std::uint8_t, detail::armor_bytes_per_line * 64> pending_{};
  std::size_t pending_len_ = 0;
  std::string line_;
};

}  // namespace cairn::age
