#pragma once
// Streaming xz (liblzma) and zstd compression for binary cache NARs.
#include <cairn/store/detail/io.hpp>
#include <cairn/store/error.hpp>

#include <fmt/format.h>
#include <lzma.h>
#include <zstd.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::store {

enum class compression { none, xz, zstd };

/// Nix's names: "none", "xz", "zstd"; also the NAR file extension (".nar.xz", ".nar.zst").
constexpr std::string_view to_string(compression c) {
  switch (c) {
    case compression::none: return "none";
    case compression::xz: return "xz";
    case compression::zstd: return "zstd";
  }
  return "none";
}
constexpr std::string_view file_extension(compression c) {
  switch (c) {
    case compression::none: return ".nar";
    case compression::xz: return ".nar.xz";
    case compression::zstd: return ".nar.zst";
  }
  return ".nar";
}
inline std::optional<compression> parse_compression(std::string_view s) {
  if (s == "none") return compression::none;
  if (s == "xz") return compression::xz;
  if (s == "zstd" || s == "zst") return compression::zstd;
  return std::nullopt;
}

/// A sink that compresses into another sink; call finish() at the end.
class compressing_sink {
 public:
  compressing_sink(compression c, sink_ref out) : c_(c), out_(out), buf_(1 << 16) {
    if (c_ == compression::xz) {
      xz_ = LZMA_STREAM_INIT;
      if (lzma_easy_encoder(&xz_, 6, LZMA_CHECK_CRC64) != LZMA_OK) throw store_error("cannot start xz compression");
    } else if (c_ == compression::zstd) {
      zs_ = ZSTD_createCCtx();
      if (!zs_) throw store_error("cannot start zstd compression");
    }
  }
  ~compressing_sink() {
    if (c_ == compression::xz) lzma_end(&xz_);
    if (zs_) ZSTD_freeCCtx(zs_);
  }
  compressing_sink(const compressing_sink&) = delete;
  compressing_sink& operator=(const compressing_sink&) = delete;

  void operator()(std::string_view d) { step(d, false); }
  void finish() { step({}, true); }

 private:
  void step(std::string_view d, bool end) {
    if (c_ == compression::none) {
      if (!d.empty()) out_(d);
      return;
    }
    if (c_ == compression::xz) {
      xz_.next_in = reinterpret_cast<const std::uint8_t*>(d.data());
      xz_.avail_in = d.size();
      for (;;) {
        xz_.next_out = reinterpret_cast<std::uint8_t*>(buf_.data());
        xz_.avail_out = buf_.size();
        const auto rc = lzma_code(&xz_, end ? LZMA_FINISH : LZMA_RUN);
        if (rc != LZMA_OK && rc != LZMA_STREAM_END) throw store_error(fmt::format("xz compression failed ({})", static_cast<int>(rc)));
        const auto n = buf_.size() - xz_.avail_out;
        if (n) out_({buf_.data(), n});
        if (end ? rc == LZMA_STREAM_END : (xz_.avail_in == 0 && xz_.avail_out != 0)) return;
      }
    }
    ZSTD_inBuffer in{d.data(), d.size(), 0};
    for (;;) {
      ZSTD_outBuffer o{buf_.data(), buf_.size(), 0};
      const auto rc = ZSTD_compressStream2(zs_, &o, &in, end ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(rc)) throw store_error(fmt::format("zstd compression failed: {}", ZSTD_getErrorName(rc)));
      if (o.pos) out_({buf_.data(), o.pos});
      if (end ? rc == 0 : in.pos == in.size) return;
    }
  }

  compression c_;
  sink_ref out_;
  std::vector<char> buf_;
  lzma_stream xz_{};
  ZSTD_CCtx* zs_ = nullptr;
};

/// A source that decompresses what another source gives; errors name `where`.
class decompressing_source {
 public:
  decompressing_source(compression c, source_ref in, std::string where)
      : c_(c), in_(in), where_(std::move(where)), inbuf_(1 << 16) {
    if (c_ == compression::xz) {
      xz_ = LZMA_STREAM_INIT;
      if (lzma_stream_decoder(&xz_, UINT64_MAX, 0) != LZMA_OK) throw store_error("cannot start xz decompression");
    } else if (c_ == compression::zstd) {
      zs_ = ZSTD_createDCtx();
      if (!zs_) throw store_error("cannot start zstd decompression");
    }
  }
  ~decompressing_source() {
    if (c_ == compression::xz) lzma_end(&xz_);
    if (zs_) ZSTD_freeDCtx(zs_);
  }
  decompressing_source(const decompressing_source&) = delete;
  decompressing_source& operator=(const decompressing_source&) = delete;

  std::size_t operator()(char* out, std::size_t len) {
    if (c_ == compression::none) return in_(out, len);
    if (done_) return 0;
    for (;;) {
      if (in_pos_ == in_len_ && !eof_) {
        in_len_ = in_(inbuf_.data(), inbuf_.size());
        in_pos_ = 0;
        eof_ = in_len_ == 0;
      }
      std::size_t produced = 0;
      if (c_ == compression::xz) {
        xz_.next_in = reinterpret_cast<const std::uint8_t*>(inbuf_.data() + in_pos_);
        xz_.avail_in = in_len_ - in_pos_;
        xz_.next_out = reinterpret_cast<std::uint8_t*>(out);
        xz_.avail_out = len;
        const auto rc = lzma_code(&xz_, eof_ ? LZMA_FINISH : LZMA_RUN);
        in_pos_ = in_len_ - xz_.avail_in;
        produced = len - xz_.avail_out;
        if (rc == LZMA_STREAM_END) done_ = true;
        else if (rc != LZMA_OK && !(rc == LZMA_BUF_ERROR && produced > 0))
          throw store_error(fmt::format("'{}' is not valid xz data (liblzma error {})", where_, static_cast<int>(rc)));
      } else {
        // Called again with no input after a complete frame, zstd would ask for another one.
        if (eof_ && in_pos_ == in_len_ && last_frame_ended_) return 0;
        ZSTD_inBuffer in{inbuf_.data() + in_pos_, in_len_ - in_pos_, 0};
        ZSTD_outBuffer o{out, len, 0};
        const auto rc = ZSTD_decompressStream(zs_, &o, &in);
        if (ZSTD_isError(rc))
          throw store_error(fmt::format("'{}' is not valid zstd data: {}", where_, ZSTD_getErrorName(rc)));
        in_pos_ += in.pos;
        produced = o.pos;
        last_frame_ended_ = rc == 0;
      }
      if (produced > 0) return produced;
      if (done_) return 0;
      if (eof_ && in_pos_ == in_len_) {
        if (c_ == compression::zstd && last_frame_ended_) return 0;
        throw store_error(fmt::format("'{}' ends in the middle of compressed data", where_));
      }
    }
  }

 private:
  compression c_;
  source_ref in_;
  std::string where_;
  std::vector<char> inbuf_;
  std::size_t in_pos_ = 0, in_len_ = 0;
  bool eof_ = false, done_ = false, last_frame_ended_ = false;
  lzma_stream xz_{};
  ZSTD_DCtx* zs_ = nullptr;
};

}  // namespace cairn::store
