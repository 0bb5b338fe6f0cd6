#pragma once
// Errors of the store. Every message says what went wrong and where (a path, a byte offset,
// a key), so a CLI can print e.what() as it is.
#include <stdexcept>
#include <string>

namespace cairn::store {

/// Any failure of a store operation that a user can act on (bad input, corrupt data, a failed build).
class store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A NAR stream that does not follow the grammar (truncated, unsorted, bad padding, ...).
class nar_error : public store_error {
 public:
  using store_error::store_error;
};

/// An invalid store path or store path name.
class bad_store_path : public store_error {
 public:
  using store_error::store_error;
};

/// Content whose hash is not the one expected (fixed-output mismatch, corrupt cache NAR, modified path).
class hash_mismatch : public store_error {
 public:
  using store_error::store_error;
};

/// A builder that failed; the message holds the last lines of its log.
class build_error : public store_error {
 public:
  using store_error::store_error;
};

}  // namespace cairn::store
