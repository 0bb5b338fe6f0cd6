#!/usr/bin/env python3
"""The demo host binary end to end in temporary roots: build, switch, generations, diff,
rollback, switch --generation, delete-generations, gc, dry-activate, errors."""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

DEMO, NEXT, AGE = sys.argv[1:4]
PREPARE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "prepare_secrets")
BOB_HASH = "$6$cairnsalt$0nc7Q2c1gGqVY9U3HbmFJc0Crp5ucmEFrWXqWL7cR4Gd9pN1g2tHhBvWnYfQ3p5qZp9uGv3Kk1c0x8m2Jm3sT/"
ENV = dict(os.environ, CAIRN_AGE=AGE)


def run(binary, *args, env=None):
    p = subprocess.run([binary, *args], capture_output=True, text=True, timeout=300, env=env or ENV)
    return p.returncode, p.stdout, p.stderr


def tree_digest(root):
    """Every path under root with its type, mode, owner, and contents or link target."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            h.update(f"{os.path.relpath(path, root)} {st.st_mode:o} {st.st_uid} {st.st_gid}\n".encode())
            if os.path.islink(path):
                h.update(os.readlink(path).encode())
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    h.update(f.read())
    return h.hexdigest()


class Root(unittest.TestCase):
    """A temporary root, and a temporary repository with the secrets its hosts read."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cairn-system-test-")
        # The secrets the hosts read come from a temporary repository, encrypted to the root's key.
        self.repo = tempfile.mkdtemp(prefix="cairn-system-repo-")
        ENV["CAIRN_REPO"] = self.repo
        subprocess.run([PREPARE, self.root, self.repo], check=True, env=ENV)

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.repo, ignore_errors=True)

    def path(self, p):
        return os.path.join(self.root, p.lstrip("/"))

    def resolve(self, p):
        """p inside the root, following symlinks as if the root were / (absolute links re-rooted)."""
        parts, seen = [x for x in p.split("/") if x], 0
        resolved = ""
        while parts:
            resolved += "/" + parts.pop(0)
            real = self.path(resolved)
            if os.path.islink(real):
                seen += 1
                self.assertLess(seen, 40, f"symlink loop at {p}")
                target = os.readlink(real)
                base = "" if target.startswith("/") else os.path.dirname(resolved)
                parts = [x for x in (base + "/" + target).split("/") if x] + parts
                resolved = ""
        return self.path(resolved)

    def read_link(self, p):
        return os.readlink(self.path(p))

    def read(self, p):
        with open(self.resolve(p)) as f:
            return f.read()

    def switch(self, binary, *extra):
        code, out, err = run(binary, "switch", "--root", self.root, *extra)
        self.assertEqual(code, 0, err)
        return err

    def current_generation(self):
        return int(re.search(r"system-(\d+)-link", os.readlink(self.path("/cairn/var/profiles/system"))).group(1))

class System(Root):
    def test_build_is_reproducible_and_lays_out_the_toplevel(self):
        code, out1, err = run(DEMO, "build", "--root", self.root)
        self.assertEqual(code, 0, err)
        code, out2, _ = run(DEMO, "build", "--root", self.root)
        toplevel = out1.strip()
        self.assertEqual(toplevel, out2.strip())
        self.assertRegex(toplevel, r"^/cairn/store/[0-9a-z]{32}-cairn-system-demo-0\.1$")
        top = self.path(toplevel)
        for f in ["cairn-toplevel.json", "etc.json", "users-groups.json", "activation-scripts.json",
                  "bin/switch-to-configuration", "etc/ssh/sshd_config", "etc/systemd/system/sshd.service",
                  "sw/bin/hello"]:
            self.assertTrue(os.path.lexists(os.path.join(top, f)), f)
        self.assertTrue(os.access(os.path.join(top, "bin/switch-to-configuration"), os.X_OK))
        self.assertIn("Port 2222\n", self.read(toplevel + "/etc/ssh/sshd_config"))
        # journald's settings restart Debian's own unit: a drop-in for it, not a unit file of cairn's.
        self.assertIn("X-Restart-Triggers=",
                      self.read(toplevel + "/etc/systemd/system/systemd-journald.service.d/overrides.conf"))
        self.assertFalse(os.path.lexists(os.path.join(top, "etc/systemd/system/systemd-journald.service")))
        # The package is a separate store path that the toplevel refers to.
        self.assertRegex(os.readlink(os.path.join(top, "sw/bin/hello")),
                         r"^/cairn/store/[0-9a-z]{32}-hello-1\.0/bin/hello$")
        # Nothing was activated by a build.
        self.assertFalse(os.path.lexists(self.path("/etc")))

    def test_switch_activates_alices_home_after_the_system(self):
        switched = self.switch(DEMO)
        self.assertLess(switched.index("creating user 'alice'"), switched.index("activating the home of alice..."))
        self.assertIn("start the following user units: backup-notes.service", switched)
        # Links as the machine sees them, into her home's generation, owned by her.
        link = self.read_link("/home/alice/.config/git/config")
        self.assertRegex(link, r"^/cairn/store/[0-9a-z]{32}-cairn-home-alice-0\.1/home-files/\.config/git/config$")
        self.assertEqual(os.lstat(self.path("/home/alice/.config/git/config")).st_uid, 1000)
        self.assertEqual(os.readlink(self.path("/cairn/var/profiles/per-user/alice/home")), "home-1-link")
        # The rendered files are read by their programs.
        code, out, err = run("git", "config", "--file", self.resolve("/home/alice/.config/git/config"), "--get", "user.email")
        self.assertEqual((code, out), (0, "alice@example.org\n"), err)
        code, out, err = run("ssh", "-G", "-F", self.resolve("/home/alice/.ssh/config"), "build-server")
        self.assertEqual(code, 0, err)
        self.assertIn("hostname 10.0.0.2\n", out)
        self.assertIn("port 2222\n", out)
        self.assertIn("alias ll='ls -l'\n", self.read("/home/alice/.bashrc"))
        self.assertIn('export EDITOR="vi"', self.read("/home/alice/.cairn-profile/etc/profile.d/cairn-session-vars.sh"))
        self.assertTrue(os.path.exists(self.resolve("/home/alice/.cairn-profile/bin/hello")))

    def test_switch_then_next_generation_then_rollback(self):
        err = self.switch(DEMO)
        self.assertIn("first generation on", err)
        self.assertIn("would start the following units: demo-dump.timer, heartbeat.service, nftables.service, nginx.service, "
                      "postgresql-setup.service, postgresql.service, sshd.service", err)
        self.assertEqual(self.current_generation(), 1)
        # /etc through /etc/static
        static = os.readlink(self.path("/etc/static"))
        self.assertRegex(static, r"^/cairn/store/[0-9a-z]{32}-cairn-system-demo-0\.1/etc$")
        self.assertEqual(os.readlink(self.path("/etc/hosts")), "/etc/static/hosts")
        self.assertIn("127.0.1.1 demo\n10.0.0.2 build-server\n", self.read(static + "/hosts"))
        self.assertIn("Port 2222\n", self.read(static + "/ssh/sshd_config"))
        self.assertEqual(os.readlink(self.path("/etc/systemd/system/multi-user.target.wants/sshd.service")),
                         "/etc/static/systemd/system/multi-user.target.wants/sshd.service")
        self.assertEqual(self.read("/etc/motd"), "Welcome to demo, managed by cairn.\n")
        self.assertEqual(self.read("/var/lib/demo/last-activation"), self.read_link("/run/current-system") + "\n")
        # accounts
        passwd = self.read("/etc/passwd")
        self.assertIn("alice:x:1000:100:Alice:/home/alice:/bin/bash\n", passwd)
        self.assertIn("sshd:x:998:998:SSH privilege separation user:", passwd)
        self.assertIn("nginx:x:999:999::", passwd)  # system users count down from 999, by name
        self.assertIn("postgres:x:71:71:PostgreSQL server user:/var/lib/postgresql/15:/bin/bash\n", passwd)  # NixOS's id
        self.assertRegex(self.read("/etc/group"), r"(?m)^wheel:x:\d+:alice$")
        self.assertEqual(os.stat(self.path("/etc/shadow")).st_mode & 0o777, 0o640)
        self.assertTrue(os.path.isdir(self.path("/home/alice")))
        gen1 = os.readlink(self.path("/run/current-system"))

        # Generation 2: what changed is printed before activating, and planned as NixOS plans it.
        err = self.switch(NEXT)
        self.assertIn(f"<<< {gen1} (generation 1)", err)
        self.assertIn("[A+] uptime-days 1.0", err)
        self.assertIn("[C*] hello 1.0 -> 1.1", err)
        self.assertIn("  ~ /etc/ssh/sshd_config", err)
        self.assertIn("  + greeter.service", err)
        self.assertIn("would reload the following units: heartbeat.service", err)
        self.assertIn("would restart the following units: nginx.service, sshd.service", err)
        # postgresql-setup runs again for the new database (stopped and started, as NixOS does
        # with a changed unit); the server itself is not touched.
        self.assertIn("would stop the following units: postgresql-setup.service", err)
        self.assertIn("would start the following units: greeter.service, postgresql-setup.service", err)
        self.assertEqual(self.current_generation(), 2)
        self.assertIn("Port 2223\n", self.read("/etc/ssh/sshd_config"))
        self.assertIn("bob:x:1001:", self.read("/etc/passwd"))
        gen2 = os.readlink(self.path("/run/current-system"))
        # The C program the store compiled runs.
        uptime = self.resolve(gen2 + "/sw/bin/uptime-days")
        self.assertRegex(subprocess.run([uptime], capture_output=True, text=True).stdout, r"^up [0-9.]+ days\n$")

        code, out, _ = run(DEMO, "list-generations", "--root", self.root)
        self.assertEqual(code, 0)
        self.assertRegex(out, r"(?m)^ +1 +\S+ \S+ +" + re.escape(gen1) + r" *$")
        self.assertRegex(out, r"(?m)^ +2 +\S+ \S+ +" + re.escape(gen2) + r" +\(current\)$")

        code, out, _ = run(DEMO, "diff", "--root", self.root)
        self.assertEqual(code, 0)
        self.assertIn("[C*] hello 1.0 -> 1.1", out)
        self.assertIn(f"{gen1} -> {gen2}", out)

        # Rollback: generation 1 again, by generation 1's own program.
        code, _, err = run(DEMO, "rollback", "--root", self.root)
        self.assertEqual(code, 0, err)
        self.assertIn("would stop the following units: greeter.service", err)
        self.assertEqual(self.current_generation(), 1)
        self.assertEqual(os.readlink(self.path("/run/current-system")), gen1)
        self.assertIn("Port 2222\n", self.read("/etc/ssh/sshd_config"))
        self.assertFalse(os.path.lexists(self.path("/etc/demo-next")))

        # And forward to an existing generation.
        code, _, err = run(DEMO, "switch", "--generation", "2", "--root", self.root)
        self.assertEqual(code, 0, err)
        self.assertEqual(self.current_generation(), 2)

        # Deleting generation 1 lets gc collect what only it used.
        code, _, err = run(DEMO, "delete-generations", "1", "--root", self.root)
        self.assertEqual(code, 0, err)
        shutil.rmtree(self.path("/cairn/var/gcroots"), ignore_errors=True)  # the builds' roots
        code, out, err = run(DEMO, "gc", "--root", self.root)
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"^[1-9]\d* store paths deleted, ")
        self.assertFalse(os.path.lexists(self.path(gen1)))
        self.assertTrue(os.path.isdir(self.path(gen2)))
        self.assertTrue(os.path.lexists(self.path(os.readlink(os.path.join(self.path(gen2), "sw/bin/uptime-days")))))

    def test_same_configuration_makes_no_new_generation(self):
        self.switch(DEMO)
        self.switch(DEMO)
        self.assertEqual(self.current_generation(), 1)

    def test_dry_activate_changes_nothing(self):
        self.switch(DEMO)
        before = tree_digest(os.path.join(self.root, "etc")) + tree_digest(os.path.join(self.root, "run"))
        code, _, err = run(NEXT, "dry-activate", "--root", self.root)
        self.assertEqual(code, 0, err)
        self.assertIn("would restart the following units: nginx.service, sshd.service", err)
        after = tree_digest(os.path.join(self.root, "etc")) + tree_digest(os.path.join(self.root, "run"))
        self.assertEqual(before, after)
        self.assertEqual(self.current_generation(), 1)

    def test_boot_makes_the_default_without_activating(self):
        self.switch(DEMO)
        code, _, err = run(NEXT, "boot", "--root", self.root)
        self.assertEqual(code, 0, err)
        self.assertEqual(self.current_generation(), 2)
        self.assertIn("Port 2222\n", self.read("/etc/ssh/sshd_config"))  # still generation 1's

    def test_test_activates_without_a_generation(self):
        self.switch(DEMO)
        code, _, err = run(NEXT, "test", "--root", self.root)
        self.assertEqual(code, 0, err)
        self.assertEqual(self.current_generation(), 1)
        self.assertIn("Port 2223\n", self.read("/etc/ssh/sshd_config"))

    def test_errors(self):
        code, _, err = run(DEMO, "rollback", "--root", self.root)
        self.assertEqual(code, 1)
        self.assertIn("error:", err)
        code, _, _ = run(DEMO, "switch", "--root")
        self.assertEqual(code, 2)
        code, _, _ = run(DEMO, "switch", "--generation", "seven", "--root", self.root)
        self.assertEqual(code, 2)


class Secrets(Root):
    """Secrets decrypted at activation: owners and modes, templates, password files, changes that
    restart units, keys that do not fit, and no plaintext anywhere in the store."""

    def token(self):
        p = subprocess.run([AGE, "-d", "-i", self.path("/cairn/var/keys/host.age"),
                            os.path.join(self.repo, "hosts/demo/secrets/api-token.age")],
                           capture_output=True, text=True, check=True)
        return p.stdout

    def uid_of(self, user):
        for line in self.read("/etc/passwd").splitlines():
            f = line.split(":")
            if f[0] == user:
                return int(f[2])
        self.fail(f"{user} is not in /etc/passwd")

    def test_switch_installs_the_secrets_readable_by_their_owner_only(self):
        err = self.switch(DEMO)
        self.assertIn("installing 1 secret(s) and 1 template(s) into /run/secrets.d/1", err)
        self.assertEqual(self.read_link("/run/secrets"), "secrets.d/1")
        token = self.token()
        self.assertRegex(token, r"^[0-9a-f]{48}\n$")
        st = os.lstat(self.resolve("/run/secrets/api-token"))
        self.assertEqual((st.st_mode & 0o7777, st.st_uid, st.st_gid), (0o400, self.uid_of("alice"), 0))
        self.assertEqual(self.read("/run/secrets/api-token"), token)
        st = os.lstat(self.resolve("/run/secrets/rendered/api.env"))
        self.assertEqual((st.st_mode & 0o7777, st.st_uid), (0o400, self.uid_of("alice")))
        self.assertEqual(self.read("/run/secrets/rendered/api.env"), "API_TOKEN=" + token + "\n")
        # The generation holds the ciphertext and the template with its placeholder, nothing more.
        current = self.read_link("/run/current-system")
        with open(self.resolve(current + "/secrets.json")) as f:
            self.assertIn("API_TOKEN=<cairn-secret:api-token>", f.read())
        with open(self.resolve(current + "/secrets/api-token.age"), "rb") as f:
            self.assertTrue(f.read().startswith(b"age-encryption.org/v1\n"))

        # No plaintext anywhere in the store (files, the database), not even the token's hex half.
        needle = token.strip().encode()
        for d in ("/cairn/store", "/cairn/var"):
            for dirpath, _, files in os.walk(self.path(d)):
                for name in files:
                    p = os.path.join(dirpath, name)
                    if os.path.islink(p) or name == "host.age":
                        continue
                    with open(p, "rb") as f:
                        data = f.read()
                    self.assertNotIn(needle, data, p)
                    self.assertNotIn(needle[:24], data, p)

        # A second switch: a fresh directory, the old one gone, nothing changed, nothing restarted.
        err = self.switch(DEMO)
        self.assertIn("into /run/secrets.d/2\n", err)
        self.assertEqual(os.listdir(self.path("/run/secrets.d")), ["2"])

    def test_password_file_secret_is_read_before_the_accounts_are_written(self):
        self.switch(DEMO)
        err = self.switch(NEXT)
        self.assertIn("installing 2 secret(s)", err)
        self.assertLess(err.index("installing 2 secret(s)"), err.index("creating user 'bob'"))
        shadow = {l.split(":")[0]: l.split(":")[1] for l in self.read("/etc/shadow").splitlines()}
        self.assertEqual(shadow["bob"], BOB_HASH)
        # Rolling back removes bob's secret with the generation that declared it.
        code, _, err = run(DEMO, "rollback", "--root", self.root)
        self.assertEqual(code, 0, err)
        self.assertFalse(os.path.exists(self.resolve("/run/secrets/bob-password")))
        self.assertTrue(os.path.exists(self.resolve("/run/secrets/api-token")))

    def test_a_changed_secret_restarts_its_units(self):
        self.switch(DEMO)
        recipient = subprocess.run([AGE, "keygen", "-y", self.path("/cairn/var/keys/host.age")],
                                   capture_output=True, text=True, check=True).stdout.strip()
        secret = os.path.join(self.repo, "hosts/demo/secrets/api-token.age")
        subprocess.run([AGE, "-e", "-r", recipient, "-o", secret], input="a new token\n", text=True, check=True)
        code, out, err = run(DEMO, "dry-activate", "--root", self.root)
        self.assertEqual(code, 0, err)
        self.assertIn("would install 1 secret(s) and 1 template(s) into /run/secrets.d/2 (changed: api-token, api.env)", err)
        self.assertIn("would restart the following units: heartbeat.service", err)
        self.assertEqual(self.read_link("/run/secrets"), "secrets.d/1")  # dry-activate changed nothing
        err = self.switch(DEMO)
        self.assertIn("(changed: api-token, api.env)", err)
        self.assertIn("would restart the following units: heartbeat.service", err)
        self.assertEqual(self.read("/run/secrets/api-token"), "a new token\n")

    def test_a_secret_that_does_not_decrypt_stops_the_switch_before_anything_changes(self):
        self.switch(DEMO)
        before = {p: self.read_link(p) for p in ("/run/secrets", "/run/current-system", "/cairn/var/profiles/system")}
        token = self.read("/run/secrets/api-token")
        key = self.path("/cairn/var/keys/host.age")
        os.rename(key, key + ".saved")
        subprocess.run([AGE, "keygen", "-o", key], capture_output=True, check=True)
        code, _, err = run(NEXT, "switch", "--root", self.root)
        self.assertEqual(code, 1, err)
        self.assertIn("cannot be decrypted with this host's identities", err)
        self.assertIn("secret 'api-token'", err)
        self.assertIn("no identity matched", err)
        self.assertEqual({p: self.read_link(p) for p in before}, before)
        self.assertEqual(self.read("/run/secrets/api-token"), token)
        self.assertEqual(os.listdir(self.path("/run/secrets.d")), ["1"])
        self.assertFalse(os.path.lexists(self.path("/etc/demo-next")))

        # A tampered file: the same, naming the secret.
        os.replace(key + ".saved", key)
        secret = os.path.join(self.repo, "hosts/demo/secrets/api-token.age")
        with open(secret, "rb") as f:
            data = bytearray(f.read())
        data[-5] ^= 1
        with open(secret, "wb") as f:
            f.write(data)
        code, _, err = run(NEXT, "switch", "--root", self.root)
        self.assertEqual(code, 1, err)
        self.assertIn("secret 'api-token'", err)
        self.assertEqual(self.read_link("/run/secrets"), "secrets.d/1")

        # No identity at all.
        os.remove(key)
        code, _, err = run(DEMO, "switch", "--root", self.root)
        self.assertEqual(code, 1, err)
        self.assertIn("no host identity to decrypt the secrets with", err)
        self.assertIn("/cairn/var/keys/host.age", err)

    def test_the_hosts_ssh_key_decrypts_what_age_encrypted_to_it(self):
        # As with sops-nix and agenix: the machine's existing ssh host key is its identity.
        key = self.path("/etc/ssh/ssh_host_ed25519_key")
        os.makedirs(os.path.dirname(key))
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "demo", "-f", key], check=True)
        os.remove(self.path("/cairn/var/keys/host.age"))
        secret = os.path.join(self.repo, "hosts/demo/secrets/api-token.age")
        subprocess.run(["age", "-e", "-R", key + ".pub", "-o", secret], input="sealed for ssh\n", text=True, check=True)
        self.switch(DEMO)
        self.assertEqual(self.read("/run/secrets/api-token"), "sealed for ssh\n")

    def test_an_identity_readable_by_others_is_a_warning(self):
        os.chmod(self.path("/cairn/var/keys/host.age"), 0o644)
        err = self.switch(DEMO)
        self.assertIn("is accessible by group or others (mode 0644)", err)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
