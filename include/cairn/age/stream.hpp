#pragma once
// The age payload: STREAM over ChaCha20-Poly1305 in 64 KiB chunks. The nonce of a chunk is
// an 11-byte big-endian counter and a last-chunk flag; the final chunk is never empty unless
// the whole plaintext is.
//
// Chunks are independent, so large files are sealed and opened a batch at a time on every
// core (age's own command uses one); memory stays bounded by one batch (at most 16 chunks,
// about 1 MiB) whatever the file size. Small files never start a thread.

#include <cairn/age/detail/crypto.hpp>
#include <cairn/age/error.hpp>
#include <cairn/age/io.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace cairn::age {

inline constexpr std::size_t chunk_size = 64 * 1024;
inline constexpr std::size_t payload_nonce_size = 16;

namespace detail {

inline constexpr std::size_t sealed_chunk_size = chunk_size + tag_size;

class chunk_nonce {
 public:
  std::span<const std::uint8_t> bytes() const { return nonce_; }
  void set_last(bool last) { nonce_[11] = last ? 1 : 0; }
  bool is_first() const {
    for (int i = 0; i < 11; ++i)
      if (nonce_[i]) return false;
    return true;
  }
  void increment() {
    for (int i = 10; i >= 0; --i)
      if (++nonce_[i] != 0) return;
    throw error(error_kind::payload, "payload too large: chunk counter overflow");
  }

 private:
  std::array<std::uint8_t, 12> nonce_{};
};

inline secret_bytes payload_key(std::span<const std::uint8_t> file_key, std::span<const std::uint8_t> nonce) {
  return hkdf_sha256(file_key, nonce, "payload");
}

// One ChaCha20-Poly1305 object per thread, all keyed alike, and the
// threads that use them. The threads start with the first batch of two chunks or more and
// live as long as the stream. Chunks are claimed one at a time, so a busy core (or a thread
// the scheduler has not woken yet) never holds a batch back: the caller's thread does
// whatever the others have not claimed.
class chunk_workers {
 public:
  struct worker {
    std::unique_ptr<Botan::AEAD_Mode> aead;
    // Decryption only: the same cipher in the other direction, to undo a failed open (Botan
    // decrypts in place before it checks the tag) so the chunk can be tried as the final one.
    std::unique_ptr<Botan::AEAD_Mode> undo;  // made on first use: most files never need it
    secret_bytes key;
  };

  chunk_workers(Botan::Cipher_Dir dir, std::span<const std::uint8_t> key) : dir_(dir), key_(key.begin(), key.end()) {
    workers_.push_back(make());
  }
  chunk_workers(const chunk_workers&) = delete;
  chunk_workers& operator=(const chunk_workers&) = delete;
  ~chunk_workers() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  worker& first() { return workers_.front(); }

  static std::size_t threads() {
    static const std::size_t n = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
    return n;
  }
  // How many chunks a batch holds: 1 on a single core (no threads at all).
  static std::size_t batch_size() { return threads() == 1 ? 1 : 16; }

  // Calls f(worker, i) for every i < n, spread over the threads; returns when all are done.
  template <class F>
  void for_each(std::size_t n, F&& f) {
    if (n <= 1 || threads() == 1) {
      for (std::size_t i = 0; i < n; ++i) f(workers_[0], i);
      return;
    }
    start_threads();
    std::function<void(worker&, std::size_t)> fn = std::ref(f);
    auto j = std::make_shared<job>(fn, n);
    {
      std::lock_guard lock(mutex_);
      job_ = j;
      ++generation_;
    }
    wake_.notify_all();
    run(*j, 0);
    {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [&] { return j->done.load() == n; });
    }
    if (j->error) std::rethrow_exception(j->error);
  }

 private:
  struct job {
    job(std::function<void(worker&, std::size_t)>& f, std::size_t n) : f(f), n(n) {}
    std::function<void(worker&, std::size_t)>& f;
    const std::size_t n;
    std::atomic<std::size_t> next{0}, done{0};
    std::exception_ptr error;
  };

  void start_threads() {
    if (!threads_.empty()) return;
    while (workers_.size() < threads()) workers_.push_back(make());
    for (std::size_t t = 1; t < workers_.size(); ++t) threads_.emplace_back([this, t] { loop(t); });
  }

  void loop(std::size_t t) {
    std::uint64_t seen = 0;
    for (;;) {
      std::shared_ptr<job> j;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        j = job_;
      }
      run(*j, t);
    }
  }

  // Claims and runs chunks of `j` until none is left. A chunk is only claimed while the
  // caller still waits for it, so `j.f` is alive whenever it runs.
  void run(job& j, std::size_t t) {
    for (;;) {
      const std::size_t i = j.next.fetch_add(1);
      if (i >= j.n) return;
      try {
        j.f(workers_[t], i);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!j.error) j.error = std::current_exception();
      }
      if (j.done.fetch_add(1) + 1 == j.n) {
        std::lock_guard lock(mutex_);
        done_.notify_all();
      }
    }
  }

  worker make() const {
    worker w{new_chacha20poly1305(dir_), nullptr, key_};
    w.aead->set_key(key_.data(), key_.size());
    return w;
  }

  Botan::Cipher_Dir dir_;
  secret_bytes key_;
  std::vector<worker> workers_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::shared_ptr<job> job_;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
};

// The nonce of chunk `base + i`.
inline chunk_nonce nonce_at(chunk_nonce base, std::size_t i, bool last) {
  for (std::size_t k = 0; k < i; ++k) base.increment();
  base.set_last(last);
  return base;
}

}  // namespace detail

// Encrypts everything written to it onto `out` (which already holds header and nonce).
class stream_writer final : public sink {
 public:
  stream_writer(sink& out, std::span<const std::uint8_t> key)
      : out_(out), workers_(Botan::ENCRYPTION, key), slots_(detail::chunk_workers::batch_size()), lens_(slots_.size()) {
    slots_[0].resize(detail::sealed_chunk_size);
  }

  void write(std::span<const std::uint8_t> data) override {
    while (!data.empty()) {
      // A full batch is sealed only once more data arrives: only then is none of it the last chunk.
      if (filled_ == slots_.size() && lens_.back() == chunk_size) seal(false);
      if (filled_ == 0 || lens_[filled_ - 1] == chunk_size) {
        slots_[filled_].resize(detail::sealed_chunk_size);
        lens_[filled_] = 0;
        ++filled_;
      }
      const std::size_t at = filled_ - 1;
      const std::size_t n = std::min(data.size(), chunk_size - lens_[at]);
      std::memcpy(slots_[at].data() + lens_[at], data.data(), n);
      lens_[at] += n;
      data = data.subspan(n);
    }
  }

  // Reads `in` to its end straight into the chunk buffers (no intermediate copy).
  void write_from(source& in) {
    for (;;) {
      if (filled_ > 0 && lens_[filled_ - 1] < chunk_size) {  // top up the last chunk
        auto& slot = slots_[filled_ - 1];
        lens_[filled_ - 1] += in.read_full(std::span(slot).subspan(lens_[filled_ - 1], chunk_size - lens_[filled_ - 1]));
        if (lens_[filled_ - 1] < chunk_size) return;  // read_full stops short only at the end
        continue;
      }
      // A fresh chunk; with the batch full, read it aside first: the batch is sealed as
      // non-final only once this shows that more data follows.
      secret_bytes& target = filled_ < slots_.size() ? slots_[filled_] : spare_;
      target.resize(detail::sealed_chunk_size);
      const std::size_t n = in.read_full(std::span(target).first(chunk_size));
      if (n == 0) return;
      if (filled_ == slots_.size()) {
        seal(false);
        slots_[0].swap(spare_);
      }
      lens_[filled_++] = n;
      if (n < chunk_size) return;
    }
  }

  void finish() {
    if (finished_) return;
    if (filled_ == 0) {  // empty plaintext: one empty final chunk
      lens_[0] = 0;
      filled_ = 1;
    }
    seal(true);
    finished_ = true;
  }

 private:
  // Seals the filled slots (the last one with the final flag if `last`) and writes them out.
  void seal(bool last) {
    const std::size_t n = filled_;
    const auto base = nonce_;
    auto one = [&](detail::chunk_workers::worker& w, std::size_t i) {
      const auto nonce = detail::nonce_at(base, i, last && i + 1 == n);
      w.aead->start(nonce.bytes().data(), nonce.bytes().size());
      slots_[i].resize(lens_[i]);  // shrinking keeps the capacity: no copy, no zeroing
      w.aead->finish(slots_[i]);   // in place, tag appended
    };
    if (n == 1) one(workers_.first(), 0);
    else workers_.for_each(n, one);
    for (std::size_t i = 0; i < n; ++i) {
      out_.write(slots_[i]);
      nonce_.increment();
    }
    filled_ = 0;
  }

  sink& out_;
  detail::chunk_workers workers_;
  detail::chunk_nonce nonce_;
  std::vector<secret_bytes> slots_;
  secret_bytes spare_;
  std::vector<std::size_t> lens_;
  std::size_t filled_ = 0;
  bool finished_ = false;
};

// Decrypts the payload from `in` (positioned after the 16-byte nonce). Plaintext of each
// chunk is released only after its tag verified, in order; an error_kind::payload names the
// problem: truncated (no final chunk), a chunk that fails to authenticate, or trailing data.
// What is released before an error is exactly what age releases (the test vectors check it).
class stream_reader final : public source {
 public:
  stream_reader(source& in, std::span<const std::uint8_t> key)
      : in_(in), workers_(Botan::DECRYPTION, key), slots_(detail::chunk_workers::batch_size() + 1) {}

  // The next authenticated plaintext (a chunk or what is left of it), empty at the end;
  // valid until the next call. Saves a copy over read_some.
  std::span<const std::uint8_t> read_chunk() {
    if (!fill()) return {};
    const auto rest = std::span<const std::uint8_t>(slots_[current_]).subspan(pos_);
    ++current_;
    pos_ = 0;
    return rest;
  }

  std::size_t read_some(std::span<std::uint8_t> out) override {
    if (out.empty() || !fill()) return 0;
    const auto& slot = slots_[current_];
    const std::size_t n = std::min(out.size(), slot.size() - pos_);
    std::memcpy(out.data(), slot.data() + pos_, n);
    pos_ += n;
    if (pos_ == slot.size()) {
      ++current_;
      pos_ = 0;
    }
    return n;
  }

 private:
  using worker = detail::chunk_workers::worker;

  // Whether a chunk is ready to release; throws the pending error when none is left.
  bool fill() {
    while (current_ == ready_) {
      if (pending_error_) throw error(error_kind::payload, *pending_error_);
      if (last_seen_) return false;
      next_batch();
    }
    return true;
  }
  static constexpr const char* tampered = "a payload chunk failed to authenticate: the file was tampered with or corrupted";
  static constexpr const char* truncated = "the file is truncated: the encrypted payload ends before its final chunk";

  // Reads one sealed chunk into `slot`; returns its length (0 at the end of the input).
  std::size_t read_sealed(secret_bytes& slot) {
    slot.resize(detail::sealed_chunk_size);
    const std::size_t n = in_.read_full(slot);
    slot.resize(n);
    return n;
  }

  // Reads a batch of chunks. Every chunk followed by more data cannot be the final one: those
  // open in parallel with the non-final flag. A full chunk read last, with the input not yet
  // at its end, is kept for the next batch; a short one, or a full one at the end of the
  // input, goes through age's rules for the final chunk.
  void next_batch() {
    current_ = ready_ = pos_ = 0;
    std::size_t count = 0;
    if (lookahead_) {
      slots_[0].swap(*lookahead_);
      lookahead_.reset();
      count = 1;
    } else {
      if (read_sealed(slots_[0]) == 0) fail(truncated);
      count = 1;
    }
    bool at_end = slots_[0].size() < detail::sealed_chunk_size;
    while (!at_end && count < slots_.size()) {
      if (read_sealed(slots_[count]) == 0) {
        at_end = true;
        break;
      }
      at_end = slots_[count].size() < detail::sealed_chunk_size;
      ++count;
    }
    const std::size_t middle = count - 1;  // followed by more data
    if (!open_middle(middle)) return;
    if (!at_end) {  // the chunk read last may or may not be the final one: decide next time
      lookahead_.emplace();
      lookahead_->swap(slots_[middle]);
      return;
    }
    open_last(middle);
  }

  // Opens slots [0, n) as non-final chunks; false (with the error pending) if one fails.
  bool open_middle(std::size_t n) {
    if (n == 0) return true;
    std::vector<char> ok(n, 0);
    const auto base = nonce_;
    auto one = [&](worker& w, std::size_t i) { ok[i] = open(w, slots_[i], detail::nonce_at(base, i, false)); };
    if (n == 1) one(workers_.first(), 0);
    else workers_.for_each(n, one);
    for (std::size_t i = 0; i < n; ++i) {
      if (!ok[i]) {
        // A full final chunk with data after it: age releases it, then reports the trailing data.
        ready_ = i;
        if (open(workers_.first(), slots_[i], detail::nonce_at(nonce_, 0, true))) {
          ready_ = i + 1;
          last_seen_ = true;
          pending_error_ = "trailing data after the end of the encrypted payload";
        } else {
          pending_error_ = tampered;
        }
        return false;
      }
      nonce_.increment();
    }
    ready_ = n;
    return true;
  }

  // The chunk at `at` is the last of the input.
  void open_last(std::size_t at) {
    auto& slot = slots_[at];
    const std::size_t n = slot.size();
    if (n == detail::sealed_chunk_size) {
      // Full: the final chunk, or a middle chunk of a truncated file (age releases it first).
      if (open(workers_.first(), slot, detail::nonce_at(nonce_, 0, false))) {
        nonce_.increment();
        ready_ = at + 1;
        pending_error_ = truncated;
      } else if (open(workers_.first(), slot, detail::nonce_at(nonce_, 0, true))) {
        ready_ = at + 1;
        last_seen_ = true;
      } else {
        pending_error_ = tampered;
      }
      return;
    }
    if (n == detail::tag_size && !detail::nonce_at(nonce_, 0, false).is_first())
      pending_error_ = "the last chunk is empty, which a conformant encoder never writes (truncated or tampered file)";
    else if (n < detail::tag_size)  // Botan asserts on inputs shorter than the tag: never pass one
      pending_error_ = "the file is truncated or tampered: a payload chunk is shorter than its tag";
    else if (!open(workers_.first(), slot, detail::nonce_at(nonce_, 0, true)))
      pending_error_ = "the last payload chunk failed to authenticate: the file is truncated, or was tampered with or corrupted";
    else {
      ready_ = at + 1;
      last_seen_ = true;
    }
  }

  // Opens `slot` in place. A full chunk that fails is restored to its ciphertext (Botan 2
  // decrypts before it checks the tag; running the keystream again undoes that), so it can be
  // tried with the other flag. A short chunk is only ever tried once.
  static bool open(worker& w, secret_bytes& slot, const detail::chunk_nonce& nonce) {
    w.aead->start(nonce.bytes().data(), nonce.bytes().size());
    try {
      w.aead->finish(slot);
      return true;
    } catch (const Botan::Invalid_Authentication_Tag&) {
      if (slot.size() == detail::sealed_chunk_size) {
        if (!w.undo) {
          w.undo = detail::new_chacha20poly1305(Botan::ENCRYPTION);
          w.undo->set_key(w.key.data(), w.key.size());
        }
        w.undo->start(nonce.bytes().data(), nonce.bytes().size());
        w.undo->process(slot.data(), chunk_size);  // a multiple of ChaCha's 64-byte block
      }
      return false;
    }
  }

  [[noreturn]] static void fail(const std::string& what) { throw error(error_kind::payload, what); }

  source& in_;
  detail::chunk_workers workers_;
  detail::chunk_nonce nonce_;
  std::vector<secret_bytes> slots_;
  std::optional<secret_bytes> lookahead_;
  std::size_t current_ = 0, ready_ = 0, pos_ = 0;
  bool last_seen_ = false;
  std::optional<std::string> pending_error_;
};

}  // namespace cairn::age
