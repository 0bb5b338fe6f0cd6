// cairn-age: age's command line (encrypt, decrypt, keygen) plus the repository's secrets
// workflow (edit, rekey, recipients). `tools/cairn secrets ARGS` runs this.
#include "commands.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

constexpr const char* usage = R"(Usage:
    cairn-age [-e] (-r RECIPIENT | -R PATH | -i PATH)... [-a] [-o OUTPUT] [INPUT]
    cairn-age [-e] -p [-a] [-o OUTPUT] [INPUT]
    cairn-age -d [-i PATH]... [-o OUTPUT] [INPUT]
    cairn-age keygen [-o OUTPUT]
    cairn-age keygen -y [-o OUTPUT] [INPUT]
    cairn-age edit [-i PATH]... [--manifest PATH] [--allow-disk] FILE
    cairn-age rekey -i PATH... [--manifest PATH] [FILE...]
    cairn-age recipients [--manifest PATH] FILE

Options (as age's):
    -e, --encrypt               Encrypt the input to the output. Default if omitted.
    -d, --decrypt               Decrypt the input to the output.
    -o, --output OUTPUT         Write the result to OUTPUT (atomically: all or nothing).
    -a, --armor                 Encrypt to a PEM encoded format.
    -p, --passphrase            Encrypt with a passphrase.
    -r, --recipient RECIPIENT   Encrypt to RECIPIENT (age1... or "ssh-ed25519 AAAA..."). Repeatable.
    -R, --recipients-file PATH  Encrypt to the recipients listed at PATH. Repeatable.
    -i, --identity PATH         Use the identity file at PATH: age-keygen keys or an unencrypted
                                OpenSSH ssh-ed25519 private key. Repeatable.

INPUT defaults to standard input, OUTPUT to standard output. Armored input is detected.
Passphrases are read from the terminal (twice when encrypting), or from the environment
variable CAIRN_AGE_PASSPHRASE for scripts. Decrypting without -i asks for a passphrase.

Repository secrets (the manifest is secrets/recipients, found above FILE; see
include/cairn/secrets/manifest.hpp for its format):
    edit FILE         Decrypt FILE into a private tmpfs directory, run $EDITOR on it, encrypt
                      it again to the recipients the manifest declares for it. The plaintext
                      is removed whatever the editor does. --allow-disk permits a directory
                      that is not tmpfs. Without -i, ~/.ssh/id_ed25519 is tried.
    rekey             Re-encrypt every secret the manifest covers (or the FILEs given) to the
                      recipients it declares, as agenix -r / sops updatekeys.
    recipients FILE   Print the recipients the manifest declares for FILE.

Exit status: 0 success, 1 error (message on standard error), 2 bad command line.
)";

int bad_command_line(const std::string& message) {
  std::cerr << "cairn-age: error: " << message << "\ncairn-age: run cairn-age --help for usage\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cairn::age_cli;
  CLI::App app{"cairn-age", "cairn-age"};
  app.set_help_flag();  // our own usage text
  bool help = false, encrypt = false, decrypt = false;
  encrypt_args enc;
  decrypt_args dec;
  std::string output, input;
  std::vector<std::string> identities;
  app.add_flag("-h,--help", help);
  app.add_flag("-e,--encrypt", encrypt);
  app.add_flag("-d,--decrypt", decrypt);
  app.add_flag("-a,--armor", enc.armor);
  app.add_flag("-p,--passphrase", enc.passphrase);
  app.add_option("-r,--recipient", enc.recipients)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("-R,--recipients-file", enc.recipient_files)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("-i,--identity", identities)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("-o,--output", output);
  app.add_option("input", input);

  keygen_args kg;
  auto* keygen = app.add_subcommand("keygen", "generate an X25519 identity");
  keygen->add_flag("-y", kg.to_public);
  keygen->add_option("-o,--output", kg.output);
  keygen->add_option("input", kg.input);

  edit_args ed;
  auto* edit = app.add_subcommand("edit", "edit a secret in $EDITOR");
  edit->add_option("-i,--identity", ed.identity_files)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  edit->add_option("--manifest", ed.manifest);
  edit->add_flag("--allow-disk", ed.allow_disk);
  edit->add_option("file", ed.file)->required();

  rekey_args rk;
  auto* rekey = app.add_subcommand("rekey", "re-encrypt secrets to their declared recipients");
  rekey->add_option("-i,--identity", rk.identity_files)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  rekey->add_option("--manifest", rk.manifest);
  rekey->add_option("files", rk.files);

  recipients_args rc;
  auto* recips = app.add_subcommand("recipients", "print the recipients declared for a secret");
  recips->add_option("--manifest", rc.manifest);
  recips->add_option("file", rc.file)->required();

  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return bad_command_line(e.what());
  }
  if (help) {
    std::cout << usage;
    return 0;
  }
  if (argc == 1) {
    std::cerr << usage;
    return 2;
  }

  if (keygen->parsed()) return run_keygen(kg);
  if (edit->parsed()) return run_edit(ed);
  if (rekey->parsed()) {
    if (rk.identity_files.empty()) return bad_command_line("rekey needs the identity that decrypts the secrets: -i PATH");
    return run_rekey(rk);
  }
  if (recips->parsed()) return run_recipients(rc);

  if (encrypt && decrypt) return bad_command_line("-e/--encrypt can't be used with -d/--decrypt");
  if (decrypt) {
    if (enc.armor) return bad_command_line("-a/--armor can't be used with -d/--decrypt (armor is detected)");
    if (enc.passphrase) return bad_command_line("-p/--passphrase can't be used with -d/--decrypt (it is asked for when needed)");
    if (!enc.recipients.empty() || !enc.recipient_files.empty())
      return bad_command_line("-r/-R can't be used with -d/--decrypt; did you mean -i?");
    dec.identity_files = identities;
    dec.output = output;
    dec.input = input;
    return run_decrypt(dec);
  }
  enc.identity_files = identities;
  enc.output = output;
  enc.input = input;
  if (enc.passphrase && (!enc.recipients.empty() || !enc.recipient_files.empty() || !enc.identity_files.empty()))
    return bad_command_line("-p/--passphrase can't be combined with -r, -R or -i");
  if (!enc.passphrase && enc.recipients.empty() && enc.recipient_files.empty() && enc.identity_files.empty())
    return bad_command_line("missing recipients: use -r, -R, -i or -p");
  return run_encrypt(enc);
}
