#pragma once
// The commands of cairn-age, one function each; main.cpp parses the command line into these.
// Each returns the exit code: 0 success, 1 user error (message printed), 2 bad command line.

#include <string>
#include <vector>

namespace cairn::age_cli {

struct encrypt_args {
  std::vector<std::string> recipients;       // -r
  std::vector<std::string> recipient_files;  // -R
  std::vector<std::string> identity_files;   // -i: encrypt to these identities' recipients
  bool passphrase = false;                   // -p
  bool armor = false;                        // -a
  std::string output, input;                 // -o, positional ("" or "-": standard streams)
};

struct decrypt_args {
  std::vector<std::string> identity_files;
  std::string output, input;
};

struct keygen_args {
  bool to_public = false;  // -y: print the recipients of an identity file
  std::string output, input;
};

struct edit_args {
  std::string file, manifest;
  std::vector<std::string> identity_files;
  bool allow_disk = false;
};

struct rekey_args {
  std::vector<std::string> files, identity_files;
  std::string manifest;
};

struct recipients_args {
  std::string file, manifest;
};

int run_encrypt(const encrypt_args&);
int run_decrypt(const decrypt_args&);
int run_keygen(const keygen_args&);
int run_edit(const edit_args&);
int run_rekey(const rekey_args&);
int run_recipients(const recipients_args&);

}  // namespace cairn::age_cli
