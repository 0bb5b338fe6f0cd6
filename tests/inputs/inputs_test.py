#!/usr/bin/env python3
"""cairn-inputs end to end: pins in cairn.lock (flake.lock's shape), updates, fetch and its
verification, the errors, and a CMake build that uses an input.

usage: inputs_test.py CAIRN_INPUTS SOURCE_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

TOOL = os.path.abspath(sys.argv[1])
SOURCE = os.path.abspath(sys.argv[2])
del sys.argv[1:3]

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def run(args, cwd=None, env=None, check=True):
    p = subprocess.run(args, cwd=cwd, env={**os.environ, **GIT_ENV, **(env or {})},
                       capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def nix_hash_path(path):
    nix = shutil.which("nix")
    if not nix:
        return None
    return run([nix, "--extra-experimental-features", "nix-command", "hash", "path", path]).stdout.strip()


class Inputs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cairn-inputs-")
        self.env = {"CAIRN_CACHE": os.path.join(self.tmp, "cache")}
        self.repo = os.path.join(self.tmp, "lib")
        os.makedirs(os.path.join(self.repo, "modules"))
        os.makedirs(os.path.join(self.repo, "src"))
        run(["git", "init", "--quiet", "-b", "main", self.repo])
        self.write("modules/greeting.hpp", '#pragma once\n#define GREETING "hello"\nconst char* greet();\n')
        self.write("src/greet.cpp", '#include <lib/modules/greeting.hpp>\nconst char* greet() { return GREETING; }\n')
        self.write("tool.sh", "#!/bin/sh\necho hi\n", mode=0o755)
        os.symlink("modules/greeting.hpp", os.path.join(self.repo, "link.hpp"))
        self.commit("first")
        self.lock = os.path.join(self.tmp, "cairn.lock")
        self.decls = os.path.join(self.tmp, "inputs.json")
        self.declare({"lib": {"type": "git", "url": self.repo, "ref": "main"}})

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, rel, text, mode=0o644):
        path = os.path.join(self.repo, rel)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)

    def commit(self, message):
        run(["git", "-C", self.repo, "add", "-A"])
        run(["git", "-C", self.repo, "commit", "--quiet", "-m", message])
        return run(["git", "-C", self.repo, "rev-parse", "HEAD"]).stdout.strip()

    def declare(self, inputs):
        with open(self.decls, "w") as f:
            json.dump({"inputs": inputs}, f)

    def tool(self, *args, check=True):
        return run([TOOL, *args, "--lock", self.lock, "--declarations", self.decls], env=self.env, check=check)

    def read_lock(self):
        with open(self.lock) as f:
            return json.load(f)

    def exported_hash(self, rev):
        out = os.path.join(self.tmp, "export-" + rev)
        os.makedirs(out)
        subprocess.run(f"git -C '{self.repo}' archive {rev} | tar -x -C '{out}'", shell=True, check=True)
        return nix_hash_path(out)

    def test_update_pins_in_flake_lock_shape(self):
        p = self.tool("update")
        self.assertIn("• Added input 'lib':", p.stderr)
        lock = self.read_lock()
        self.assertEqual(lock["version"], 7)
        self.assertEqual(lock["root"], "root")
        self.assertEqual(lock["nodes"]["root"]["inputs"], {"lib": "lib"})
        node = lock["nodes"]["lib"]
        head = run(["git", "-C", self.repo, "rev-parse", "HEAD"]).stdout.strip()
        self.assertEqual(node["locked"]["type"], "git")
        self.assertEqual(node["locked"]["url"], self.repo)
        self.assertEqual(node["locked"]["ref"], "main")
        self.assertEqual(node["locked"]["rev"], head)
        self.assertIsInstance(node["locked"]["lastModified"], int)
        self.assertTrue(node["locked"]["narHash"].startswith("sha256-"))
        self.assertEqual(node["original"], {"type": "git", "url": self.repo, "ref": "main"})
        expected = self.exported_hash(head)
        if expected is None:
            self.skipTest("nix is not installed")
        self.assertEqual(node["locked"]["narHash"], expected)

    def test_update_after_a_commit_moves_the_pin(self):
        self.tool("update")
        old = self.read_lock()["nodes"]["lib"]["locked"]["rev"]
        p = self.tool("update")
        self.assertIn("all inputs are up to date", p.stderr)
        self.write("modules/greeting.hpp", '#pragma once\n#define GREETING "bonjour"\nconst char* greet();\n')
        new = self.commit("second")
        p = self.tool("update", "lib")
        self.assertIn(f"• Updated input 'lib':\n    'git+{self.repo}?ref=main&rev={old}' (", p.stderr)
        self.assertIn(f"  → 'git+{self.repo}?ref=main&rev={new}' (", p.stderr)
        lock = self.read_lock()["nodes"]["lib"]["locked"]
        self.assertEqual(lock["rev"], new)
        expected = self.exported_hash(new)
        if expected is not None:
            self.assertEqual(lock["narHash"], expected)

    def test_fetch_materialises_and_verifies(self):
        self.tool("update")
        old = self.read_lock()["nodes"]["lib"]["locked"]
        # A newer commit upstream does not move what the build sees.
        self.write("modules/greeting.hpp", "changed\n")
        self.commit("second")
        out = os.path.join(self.tmp, "out")
        self.tool("fetch", "--out", out)
        with open(os.path.join(out, "lib/modules/greeting.hpp")) as f:
            self.assertIn('"hello"', f.read())
        self.assertFalse(os.path.exists(os.path.join(out, "lib/.git")))
        self.assertTrue(os.access(os.path.join(out, "lib/tool.sh"), os.X_OK))
        self.assertTrue(os.path.islink(os.path.join(out, "lib/link.hpp")))
        expected = nix_hash_path(os.path.join(out, "lib"))
        if expected is not None:
            self.assertEqual(old["narHash"], expected)

    def test_fetch_from_an_empty_cache(self):
        self.tool("update")
        shutil.rmtree(self.env["CAIRN_CACHE"])
        self.tool("fetch", "--out", os.path.join(self.tmp, "out"))

    def test_tampered_nar_hash(self):
        self.tool("update")
        lock = self.read_lock()
        real = lock["nodes"]["lib"]["locked"]["narHash"]
        rev = lock["nodes"]["lib"]["locked"]["rev"]
        fake = "sha256-" + "A" * 43 + "="
        lock["nodes"]["lib"]["locked"]["narHash"] = fake
        with open(self.lock, "w") as f:
            json.dump(lock, f)
        p = self.tool("fetch", "--out", os.path.join(self.tmp, "out"), check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(f"input 'lib': NAR hash mismatch: cairn.lock has {fake}, the tree at rev {rev} has {real}", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out/lib")))

    def test_missing_rev(self):
        self.tool("update")
        lock = self.read_lock()
        lock["nodes"]["lib"]["locked"]["rev"] = "0123456789abcdef0123456789abcdef01234567"
        with open(self.lock, "w") as f:
            json.dump(lock, f)
        p = self.tool("fetch", "--out", os.path.join(self.tmp, "out"), check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("pins rev 0123456789abcdef0123456789abcdef01234567, which is not in the repository", p.stderr)

    def test_unpinned_input(self):
        self.tool("update")
        self.declare({"lib": {"type": "git", "url": self.repo, "ref": "main"},
                      "extra": {"type": "git", "url": self.repo}})
        p = self.tool("fetch", "--out", os.path.join(self.tmp, "out"), check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("input 'extra' is not pinned in cairn.lock; run tools/cairn update extra", p.stderr)

    def test_stale_lock(self):
        self.tool("update")
        other = os.path.join(self.tmp, "other")
        shutil.copytree(self.repo, other, symlinks=True)
        self.declare({"lib": {"type": "git", "url": other, "ref": "main"}})
        p = self.tool("fetch", "--out", os.path.join(self.tmp, "out"), check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("the lock is stale, run tools/cairn update lib", p.stderr)
        # update re-pins a changed declaration.
        self.tool("update")
        self.assertEqual(self.read_lock()["nodes"]["lib"]["original"]["url"], other)

    def test_corrupt_lock(self):
        with open(self.lock, "w") as f:
            f.write('{"nodes": {')
        p = self.tool("fetch", "--out", os.path.join(self.tmp, "out"), check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(f"{self.lock}: not valid JSON", p.stderr)

    def test_removed_declaration(self):
        self.tool("update")
        self.declare({})
        p = self.tool("update")
        self.assertIn("• Removed input 'lib'", p.stderr)
        self.assertEqual(self.read_lock()["nodes"], {"root": {"inputs": {}}})
        self.tool("fetch", "--out", os.path.join(self.tmp, "out"))

    def test_path_input(self):
        self.declare({"local": {"type": "path", "path": self.repo}})
        self.tool("update")
        node = self.read_lock()["nodes"]["local"]
        self.assertEqual(node["locked"]["type"], "path")
        self.assertEqual(node["locked"]["path"], self.repo)
        expected = nix_hash_path(self.repo)
        if expected is not None:
            self.assertEqual(node["locked"]["narHash"], expected)
        out = os.path.join(self.tmp, "out")
        self.tool("fetch", "--out", out)
        self.assertTrue(os.path.exists(os.path.join(out, "local/modules/greeting.hpp")))
        # A changed directory no longer matches its pin until it is updated.
        self.write("modules/greeting.hpp", "changed\n")
        p = self.tool("fetch", "--out", out, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("input 'local': NAR hash mismatch: cairn.lock has", p.stderr)
        p = self.tool("update")
        self.assertIn("• Updated input 'local':", p.stderr)
        self.tool("fetch", "--out", out)

    def test_cmake_build_uses_the_pinned_input(self):
        project = os.path.join(self.tmp, "project")
        os.makedirs(project)
        with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
            f.write(f"""cmake_minimum_required(VERSION 3.25)
project(tiny LANGUAGES CXX)
set(CAIRN_INPUTS_TOOL "{TOOL}")
include("{SOURCE}/tools/cmake/cairn-inputs.cmake")
cairn_input(lib GIT "{self.repo}" BRANCH main)
add_executable(tiny main.cpp "${{CAIRN_INPUTS_DIR}}/lib/src/greet.cpp")
cairn_use_inputs(tiny INPUTS lib)
""")
        with open(os.path.join(project, "main.cpp"), "w") as f:
            f.write('#include <lib/modules/greeting.hpp>\n#include <cstdio>\n'
                    'int main() { std::puts(greet()); }\n')
        build = os.path.join(self.tmp, "build")
        lock = os.path.join(project, "cairn.lock")
        run(["cmake", "-S", project, "-B", build, "-G", "Ninja"], env=self.env)
        # Unpinned: the build refuses.
        p = run(["cmake", "--build", build], env=self.env, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("input 'lib' is not pinned in cairn.lock", p.stdout + p.stderr)
        decls = os.path.join(build, "cairn/inputs.json")
        run([TOOL, "update", "--lock", lock, "--declarations", decls], env=self.env)
        run(["cmake", "--build", build], env=self.env)
        self.assertEqual(run([os.path.join(build, "tiny")]).stdout, "hello\n")
        # A new pin in cairn.lock refetches and rebuilds.
        self.write("modules/greeting.hpp", '#pragma once\n#define GREETING "bonjour"\nconst char* greet();\n')
        self.commit("second")
        run([TOOL, "update", "--lock", lock, "--declarations", decls], env=self.env)
        run(["cmake", "--build", build], env=self.env)
        self.assertEqual(run([os.path.join(build, "tiny")]).stdout, "bonjour\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
