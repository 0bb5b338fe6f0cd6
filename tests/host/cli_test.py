#!/usr/bin/env python3
"""The host binary's command line (DESIGN.md's contract): outputs, JSON shapes, exit codes."""
import json
import subprocess
import sys
import unittest

DEMO, BROKEN, ASSERTING = sys.argv[1:4]


def run(binary, *args):
    p = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


class Eval(unittest.TestCase):
    def test_json_is_the_whole_config_with_sorted_keys(self):
        code, out, _ = run(DEMO, "eval", "--json")
        self.assertEqual(code, 0)
        config = json.loads(out)
        self.assertEqual(list(config), sorted(config))
        self.assertEqual(config["services"]["openssh"]["ports"], [2222])
        self.assertEqual(config["time"]["timeZone"], "Europe/Oslo")
        self.assertEqual(config["networking"]["hostName"], "demo")
        alice = config["users"]["users"]["alice"]
        # The host's definition comes first: a submodule reverses its definitions, as NixOS.
        self.assertEqual(alice["extraGroups"], ["wheel", "users"])
        self.assertEqual(alice["home"], "/home/alice")
        self.assertEqual(alice["group"], "users")
        self.assertIn("Port 2222\n", config["environment"]["etc"]["ssh/sshd_config"]["text"])
        unit = config["environment"]["etc"]["systemd/system/sshd.service"]["text"]
        self.assertIn("ExecStart=/usr/sbin/sshd -D -f /etc/ssh/sshd_config\n", unit)
        self.assertIn("X-StopIfChanged=false\n", unit)

    def test_nix_syntax_by_default(self):
        code, out, _ = run(DEMO, "eval")
        self.assertEqual(code, 0)
        self.assertIn('timeZone = "Europe/Oslo";', out)
        self.assertTrue(out.startswith("{\n"))


class Option(unittest.TestCase):
    def test_explains_who_set_it_and_why(self):
        code, out, _ = run(DEMO, "option", "time.timeZone")
        self.assertEqual(code, 0)
        self.assertIn('Value:\n  "Europe/Oslo"', out)
        self.assertIn("Type:\n  null or string", out)
        self.assertIn("Declared by:\n  modules/system/time.hpp:", out)
        self.assertRegex(out, r'hosts/demo/host.cpp:\d+: "Europe/Oslo"\n      priority 50, used, in module demo')
        self.assertRegex(out, r"modules/system/time.hpp:\d+: null\n      the option's default \(priority 1500\), "
                              r"not used: priority 50 wins")

    def test_json(self):
        code, out, _ = run(DEMO, "option", "users.users.alice.extraGroups", "--json")
        self.assertEqual(code, 0)
        x = json.loads(out)
        self.assertEqual(x["value"], ["wheel", "users"])
        self.assertEqual(x["type"], "list of string")
        self.assertEqual(x["loc"], ["users", "users", "alice", "extraGroups"])
        files = [(d["file"], d["used"]) for d in x["definitions"]]
        self.assertIn(("hosts/demo/host.cpp", True), files)
        self.assertIn(("users/alice/account.hpp", True), files)

    def test_a_pattern_shows_the_declaration(self):
        code, out, _ = run(DEMO, "option", "users.users.<name>.shell")
        self.assertEqual(code, 0)
        self.assertIn("Type:\n  absolute path", out)
        self.assertNotIn("Value:", out)

    def test_a_misspelt_option_is_a_user_error_with_a_suggestion(self):
        code, _, err = run(DEMO, "option", "services.openssh.prots")
        self.assertEqual(code, 1)
        self.assertIn("error: The option `services.openssh.prots' does not exist. "
                      "Did you mean `services.openssh.ports'?", err)


class Options(unittest.TestCase):
    def test_json_manual(self):
        code, out, _ = run(DEMO, "options", "--json")
        self.assertEqual(code, 0)
        manual = json.loads(out)
        ports = manual["services.openssh.ports"]
        self.assertEqual(ports["type"], "list of 16 bit unsigned integer; between 0 and 65535 (both inclusive)")
        self.assertEqual(ports["default"], {"_type": "literalExpression", "text": "[\n  22\n]"})
        self.assertEqual(ports["loc"], ["services", "openssh", "ports"])
        self.assertRegex(ports["declarations"][0], r"^modules/system/services/openssh.hpp:\d+$")
        self.assertIn("users.users.<name>.openssh.authorizedKeys.keys", manual)
        self.assertNotIn("assertions", manual)  # internal

    def test_markdown_manual(self):
        code, out, _ = run(DEMO, "options", "--markdown")
        self.assertEqual(code, 0)
        self.assertIn("## services.openssh.enable\n\nWhether to enable the OpenSSH secure shell daemon.\n\n"
                      "*Type:* boolean\n\n*Default:* `false`\n\n*Example:* `true`\n", out)

    def test_json_and_markdown_exclude_each_other(self):
        code, _, _ = run(DEMO, "options", "--json", "--markdown")
        self.assertEqual(code, 2)


class Check(unittest.TestCase):
    def test_demo_is_ok(self):
        code, out, _ = run(DEMO, "check")
        self.assertEqual(code, 0)
        self.assertIn("demo: configuration ok", out)

    def test_a_conflict_is_a_user_error_naming_both_places(self):
        code, out, err = run(BROKEN, "check")
        self.assertEqual(code, 1)
        self.assertEqual(out, "")
        self.assertRegex(err, r"^error: The option `time.timeZone' has conflicting definition values:\n"
                              r"       - In `tests/host/broken_host.cpp:\d+': \"Europe/Oslo\"\n"
                              r"       - In `tests/host/broken_host.cpp:\d+': \"Europe/Paris\"\n"
                              r"       Use `mk_force\(value\)` or `mk_default\(value\)` to change the priority")

    def test_failed_assertions_all_listed_and_warnings_printed(self):
        code, _, err = run(ASSERTING, "check")
        self.assertEqual(code, 1)
        self.assertIn("evaluation warning: this host is only a test\n", err)
        self.assertIn("error: Failed assertions:\n"
                      "       - Exactly one of users.users.bob.isSystemUser and users.users.bob.isNormalUser "
                      "must be set.\n"
                      "       - users.users.daemon.group is unset.", err)


class CommandLine(unittest.TestCase):
    def test_no_action_is_a_usage_error(self):
        self.assertEqual(run(DEMO)[0], 2)

    def test_unknown_flag_is_a_usage_error(self):
        self.assertEqual(run(DEMO, "eval", "--yaml")[0], 2)

    def test_help(self):
        code, out, _ = run(DEMO, "--help")
        self.assertEqual(code, 0)
        self.assertIn("option", out)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
