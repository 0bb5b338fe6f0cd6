#pragma once
// cairn::age — the age v1 file format (https://age-encryption.org/v1) on Botan 2:
// X25519 (age1…), scrypt passphrase and ssh-ed25519 recipients and identities, ASCII armor,
// streaming encryption and decryption in 64 KiB chunks, interoperable with the `age` command.
//
//   auto ids = cairn::age::read_identity_file("/etc/ssh/ssh_host_ed25519_key");
//   cairn::age::decrypt_file("secrets/db.age", "/run/secrets.d/1/db", ids.identities,
//                            {.mode = 0400, .owner = 0});
//
// Errors are cairn::age::error with a kind (no_match, header, header_mac, payload, ...).
// One header per concept:
//   age/error.hpp    errors and their kinds          age/io.hpp       sources and sinks
//   age/header.hpp   header parse/serialise/MAC      age/armor.hpp    ASCII armor
//   age/stream.hpp   the chunked payload             age/identity.hpp identity/recipient interfaces
//   age/x25519.hpp   age1… / AGE-SECRET-KEY-1…       age/scrypt.hpp   passphrases
//   age/ssh.hpp      ssh-ed25519 keys                age/keys.hpp     key strings and files, keygen
//   age/encrypt.hpp  encryptor                       age/decrypt.hpp  decryptor
//   age/file.hpp     atomic file-to-file helpers

#include <cairn/age/armor.hpp>
#include <cairn/age/decrypt.hpp>
#include <cairn/age/encrypt.hpp>
#include <cairn/age/error.hpp>
#include <cairn/age/file.hpp>
#include <cairn/age/header.hpp>
#include <cairn/age/identity.hpp>
#include <cairn/age/io.hpp>
#include <cairn/age/keys.hpp>
#include <cairn/age/scrypt.hpp>
#include <cairn/age/ssh.hpp>
#include <cairn/age/stream.hpp>
#include <cairn/age/x25519.hpp>
