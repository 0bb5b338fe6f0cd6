"""Deploys over a real OpenSSH server: Debian's sshd (unpacked by tools/unpacked), one per target,
each on 127.0.0.1 in a mount namespace of its own (its /run and /etc/passwd are the test's), with
keys made here. Each target is a directory root; its sshd authorizes root by the keys the root's
current generation puts in /etc/ssh/authorized_keys.d/root, or by a bootstrap key when it has none,
as a freshly installed machine would.

  deploy_test.py DEMO DEMO-MOTD DEMO-LOCKOUT CAIRN-AGE UNPACKED_ROOT SOURCE_DIR
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

DEMO, MOTD, LOCKOUT, AGE, UNPACKED, SOURCE = sys.argv[1:7]
del sys.argv[1:7]

KEYS_COMMAND = r'''#!/usr/bin/python3
# sshd's AuthorizedKeysCommand: root's keys from the target root's current generation (its links
# are logical paths, resolved inside the root), else the bootstrap key.
import os, sys
ROOT = {root!r}

def resolve(path, depth=0):
    parts = [p for p in path.split("/") if p]
    cur = ""
    for i, p in enumerate(parts):
        nxt = cur + "/" + p
        if depth < 40 and os.path.islink(ROOT + nxt):
            target = os.readlink(ROOT + nxt)
            base = target if target.startswith("/") else (cur or "") + "/" + target
            return resolve(base + "/" + "/".join(parts[i + 1:]), depth + 1)
        cur = nxt
    return ROOT + cur

keys = resolve("/etc/ssh/authorized_keys.d/" + sys.argv[1])
with open(keys if os.path.isfile(keys) else "/run/bootstrap") as f:
    sys.stdout.write(f.read())
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args, env=None, check=False, timeout=300):
    p = subprocess.run(list(args), capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


class Target:
    """A directory root behind its own sshd."""

    def __init__(self, base, name, client_pub):
        self.dir = os.path.join(base, name)
        self.root = os.path.join(self.dir, "root")
        self.run_dir = os.path.join(self.dir, "run")
        os.makedirs(os.path.join(self.run_dir, "sshd"))
        os.makedirs(self.root)
        os.chmod(self.dir, 0o755)
        os.chmod(self.run_dir, 0o755)
        self.port = free_port()
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(self.run_dir, "hostkey"), check=True)
        shutil.copy(client_pub, os.path.join(self.run_dir, "bootstrap"))
        keys = os.path.join(self.run_dir, "keys")
        with open(keys, "w") as f:
            f.write(KEYS_COMMAND.format(root=self.root))
        os.chmod(keys, 0o755)
        with open(os.path.join(self.run_dir, "sshd_config"), "w") as f:
            f.write(f"""Port {self.port}
ListenAddress 127.0.0.1
HostKey /run/hostkey
PidFile /run/sshd.pid
AuthorizedKeysFile none
AuthorizedKeysCommand /run/keys %u
AuthorizedKeysCommandUser root
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
""")
        # sshd wants a privilege-separation user; it exists in the namespace's /etc/passwd only.
        with open("/etc/passwd") as f:
            passwd = f.read()
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write(passwd + "sshd:x:997:65534:sshd privilege separation:/run/sshd:/usr/sbin/nologin\n")
        libs = f"{UNPACKED}/lib/x86_64-linux-gnu:{UNPACKED}/usr/lib/x86_64-linux-gnu"
        script = (f"mount --bind {self.run_dir} /run && mount --bind {self.dir}/passwd /etc/passwd && "
                  f"LD_LIBRARY_PATH={libs} exec {UNPACKED}/usr/sbin/sshd -D -e -f /run/sshd_config")
        self.log = open(os.path.join(self.dir, "sshd.log"), "w")
        self.sshd = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.sshd.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"sshd on port {self.port} did not start:\n" + open(os.path.join(self.dir, "sshd.log")).read())

    def stop(self):
        self.sshd.terminate()
        self.sshd.wait()
        self.log.close()

    def current_generation(self):
        link = os.readlink(os.path.join(self.root, "cairn/var/profiles/system"))
        return int(re.match(r"system-(\d+)-link", link).group(1))

    def current_system(self):
        return os.readlink(os.path.join(self.root, "run/current-system"))

    def etc(self, name):
        """The contents of /etc/NAME as the target's generation has it (links resolved in the root)."""
        path = os.readlink(os.path.join(self.root, "etc", name))
        assert path.startswith("/etc/static/"), path
        static = os.readlink(os.path.join(self.root, "etc/static"))
        with open(os.path.join(self.root, static.lstrip("/"), path[len("/etc/static/"):])) as f:
            return f.read()


class DeployTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cairn-deploy-")
        cls.key = os.path.join(cls.tmp, "deployer")
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "deployer@cairn-test", "-f", cls.key, check=True)
        cls.targets = [Target(cls.tmp, f"web{i}", cls.key + ".pub") for i in (1, 2, 3)]
        # The demo's secret, encrypted to each target's host key (hosts/demo/prepare makes them).
        cls.repo = os.path.join(cls.tmp, "repo")
        cls.env = dict(os.environ, CAIRN_REPO=cls.repo, CAIRN_AGE=AGE)
        for t in cls.targets:
            run(os.path.join(SOURCE, "hosts/demo/prepare"), t.root, env=cls.env, check=True)
        cls.ssh_options = [f"IdentityFile={cls.key}", "IdentitiesOnly=yes", "StrictHostKeyChecking=no",
                           "UserKnownHostsFile=/dev/null", "LogLevel=ERROR"]
        # tools/cairn-deploy finds host binaries as BUILD/hosts/HOST/HOST.
        cls.build = os.path.join(cls.tmp, "build")
        os.makedirs(os.path.join(cls.build, "hosts/demo"))
        os.symlink(DEMO, os.path.join(cls.build, "hosts/demo/demo"))
        cls.local = os.path.join(cls.build, "deploy/demo")
        cls.fleet = cls.deploy_fleet()

    @classmethod
    def tearDownClass(cls):
        for t in cls.targets:
            t.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def deploy_fleet(cls):
        nodes = {f"web{i + 1}": {"host": "demo", "target": "root@127.0.0.1", "root": t.root,
                                 "sshOptions": [f"Port={t.port}"] + cls.ssh_options}
                 for i, t in enumerate(cls.targets)}
        nodes["down"] = {"host": "demo", "target": "root@127.0.0.1", "root": os.path.join(cls.tmp, "down"),
                         "sshOptions": [f"Port={free_port()}"] + cls.ssh_options}
        inventory = os.path.join(cls.tmp, "deploy.json")
        with open(inventory, "w") as f:
            json.dump({"nodes": nodes}, f)
        t0 = time.monotonic()
        p = run("python3", os.path.join(SOURCE, "tools/cairn-deploy"), inventory, cls.build, env=cls.env)
        cls.fleet_seconds = time.monotonic() - t0
        print(f"\nfleet: demo to 3 targets (and one unreachable) in parallel: {cls.fleet_seconds:.2f} s", file=sys.stderr)
        print(p.stdout, file=sys.stderr)
        return p

    def deploy(self, binary, target, *extra):
        args = [binary, "switch", "--root", self.local, "--target-host", "root@127.0.0.1", "--target-root", target.root,
                "--ssh-option", f"Port={target.port}"]
        for o in self.ssh_options:
            args += ["--ssh-option", o]
        return run(*args, *extra, env=self.env)

    @staticmethod
    def read(path):
        with open(path) as f:
            return f.read()

    @staticmethod
    def copied(stderr):
        m = re.search(r"deploy: (\d+) of (\d+) paths copied \(([^)]*) of NAR\), (\d+) bytes sent", stderr)
        assert m, stderr
        return int(m.group(1)), int(m.group(2)), int(m.group(4))

    # ---- the fleet -------------------------------------------------------------------------------

    def test_fleet_deploys_every_reachable_node(self):
        out = self.fleet.stdout
        self.assertEqual(self.fleet.returncode, 1, out)  # the unreachable node fails the run...
        for name in ("web1", "web2", "web3"):
            self.assertRegex(out, rf"✓ {name} +demo → root@127\.0\.0\.1  deployed in [0-9.]+ s: \d+ of \d+ paths copied")
        self.assertRegex(out, r"✗ down +demo → root@127\.0\.0\.1  failed \(exit 1\)")
        # ...and does not stop the others.
        self.assertRegex(out, r"4 nodes: 3 deployed, 1 failed in [0-9.]+ s \(down; logs in ")
        log = self.read(os.path.join(self.build, "deploy/logs/down.log"))
        self.assertIn("Connection refused", log)

    def test_fleet_targets_run_the_generation(self):
        toplevel = run(DEMO, "build", "--root", self.local, env=self.env, check=True).stdout.strip()
        token = run(AGE, "-d", "-i", os.path.join(self.targets[0].root, "cairn/var/keys/host.age"),
                    os.path.join(self.repo, "hosts/demo/secrets/api-token.age"), check=True).stdout
        for t in self.targets:
            self.assertEqual(t.current_system(), toplevel)
            self.assertIn("Port 2222", t.etc("ssh/sshd_config"))
            # The secret was decrypted on the target, with the target's own key.
            with open(os.path.join(t.root, "run/secrets/api-token")) as f:
                self.assertEqual(f.read(), token)
            # The whole closure arrived, registered in the target's store.
            self.assertTrue(os.path.exists(os.path.join(t.root, toplevel.lstrip("/"), "bin/switch-to-configuration")))
        first = self.read(os.path.join(self.build, "deploy/logs/web1.log"))
        self.assertIn("has no cairn generation", first)  # a first deploy brings its own program
        self.assertIn("nothing to roll back to", first)

    # ---- a second deploy after a one-line change ------------------------------------------------

    def test_second_deploy_sends_only_the_changed_paths(self):
        t = self.targets[0]
        first_log = self.read(os.path.join(self.build, "deploy/logs/web1.log"))
        first_copied, closure, first_bytes = self.copied(first_log)
        before = t.current_generation()
        p = self.deploy(MOTD, t)
        self.assertEqual(p.returncode, 0, p.stderr)
        copied, closure2, sent = self.copied(p.stderr)
        print(f"\nsecond deploy after a one-line change: {copied} of {closure2} paths, {sent} bytes sent "
              f"(first deploy: {first_copied} paths, {first_bytes} bytes)", file=sys.stderr)
        # The /etc tree, the host program (the configuration is compiled into it) and the toplevel.
        self.assertLessEqual(copied, 4)
        self.assertLess(sent, 100_000)  # the program is shared: not sent again
        self.assertNotIn("has no cairn generation", p.stderr)  # served by the target's own program
        self.assertIn("confirmed over a new connection", p.stderr)
        self.assertEqual(t.etc("motd"), "Welcome to demo, deployed by cairn.\n")
        self.assertEqual(t.current_generation(), before + 1)
        # Nothing waits for a confirmation any more.
        pending = [f for f in os.listdir(os.path.join(t.root, "cairn/var/deploy")) if f.startswith("pending-")]
        self.assertEqual(pending, [])
        # The same deploy again: nothing to copy.
        again = self.deploy(MOTD, t)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(self.copied(again.stderr)[0], 0)

    # ---- magic rollback ----------------------------------------------------------------------

    def test_magic_rollback_when_the_new_generation_locks_the_deployer_out(self):
        t = self.targets[1]
        before, system = t.current_generation(), t.current_system()
        t0 = time.monotonic()
        p = self.deploy(LOCKOUT, t, "--confirm-timeout", "4")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("cannot confirm the activation over a new connection", p.stderr)
        self.assertIn(f"rolled back: root@127.0.0.1 is on generation {before} again", p.stderr)
        self.assertGreaterEqual(time.monotonic() - t0, 4)
        self.assertEqual(t.current_generation(), before)
        self.assertEqual(t.current_system(), system)
        self.assertFalse(os.path.lexists(os.path.join(t.root, "etc/ssh/authorized_keys.d/root")))
        log = self.read(os.path.join(t.root, "cairn/var/deploy/rollback.log"))
        self.assertRegex(log, rf"no confirmation within 4 s; rolling back to generation {before}")
        self.assertRegex(log, rf"rollback to generation {before} exited 0")
        # The deployer can reach it again, and a good generation deploys.
        p = self.deploy(DEMO, t)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("confirmed over a new connection", p.stderr)

    def test_without_magic_rollback_the_lockout_stays(self):
        t = self.targets[2]
        before = t.current_generation()
        p = self.deploy(LOCKOUT, t, "--no-magic-rollback")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(t.current_generation(), before + 1)
        self.assertIn("someone-else@elsewhere", t.etc("ssh/authorized_keys.d/root"))
        # Locked out now: the next deploy cannot connect, and says so.
        p = self.deploy(DEMO, t)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("error: the target root@127.0.0.1 closed the connection", p.stderr)
        # Back in by hand, as an admin on the console would.
        run(os.path.join(t.root, t.current_system().lstrip("/"), "bin/switch-to-configuration"), "rollback", "--root", t.root, check=True)
        self.assertEqual(t.current_generation(), before)

    # ---- errors --------------------------------------------------------------------------------

    def test_a_corrupt_path_is_refused_on_arrival(self):
        t = self.targets[2]
        local = os.path.join(self.tmp, "corrupt-local")
        top = run(LOCKOUT, "build", "--root", local, env=self.env, check=True).stdout.strip()
        # Flip one byte of a file only the new generation has: same size, another hash.
        hits = run("grep", "-rl", "someone-else@elsewhere", os.path.join(local, "cairn/store"), check=True).stdout.split()
        hit = next(h for h in hits if h.endswith("/etc/ssh/authorized_keys.d/root"))
        os.chmod(hit, 0o644)
        with open(hit, "rb") as f:
            data = f.read().replace(b"someone-else", b"someone-ELSE")
        with open(hit, "wb") as f:
            f.write(data)
        before = t.current_generation()
        args = [LOCKOUT, "switch", "--root", local, "--target-host", "root@127.0.0.1", "--target-root", t.root,
                "--ssh-option", f"Port={t.port}"] + [a for o in self.ssh_options for a in ("--ssh-option", o)]
        p = run(*args, env=self.env)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertRegex(p.stderr, r"error: the target root@127\.0\.0\.1: NAR of '/cairn/store/[^']+' has hash 'sha256:[^']+', expected")
        self.assertEqual(t.current_generation(), before)
        self.assertFalse(os.path.exists(os.path.join(t.root, top.lstrip("/"))))

    def test_an_unreachable_target_is_a_clear_error(self):
        p = self.deploy(DEMO, type("T", (), {"root": os.path.join(self.tmp, "nowhere"), "port": free_port()})())
        self.assertEqual(p.returncode, 1)
        self.assertIn("Connection refused", p.stderr)
        self.assertIn("error: the target root@127.0.0.1 closed the connection", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
