#!/usr/bin/env python3
"""The host binary's command line (DESIGN.md's contract): outputs, JSON shapes, exit codes."""
import html.parser
import json
import shutil
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
        unit = config["systemd"]["units"]["sshd.service"]["text"]
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
        self.assertRegex(out, r'hosts/demo/demo.hpp:\d+: "Europe/Oslo"\n      priority 50, used, in module hosts::demo')
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
        self.assertIn(("hosts/demo/demo.hpp", True), files)
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


def option_anchor(name):
    """The NixOS manual's anchor of an option: opt-NAME, with *<>[]:" and spaces as _."""
    return "opt-" + name.translate(str.maketrans({c: "_" for c in '*<>[]:" '}))


class OptionsPage(html.parser.HTMLParser):
    """Parses `options --html`: checks nesting as it goes, collects ids, links, and each option."""
    VOID = {"meta", "input", "br", "link", "img", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.doctype, self.open, self.errors = None, [], []
        self.ids, self.hrefs, self.tags = [], [], []
        self.options = {}  # anchor: {"name", "description", "text", "hidden"}
        self.scripts, self.styles, self.search = [], [], None
        self.current, self.field = None, None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag not in self.VOID:
            self.open.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if "href" in a:
            self.hrefs.append(a["href"])
        if tag == "article" and "option" in a.get("class", "").split():
            self.current = self.options.setdefault(a["id"], {"name": "", "description": None, "text": ""})
        elif tag == "input" and a.get("id") == "search":
            self.search = a
        if self.current is not None and tag == "h2":
            self.field = "name"
        elif self.current is not None and tag == "p" and a.get("class") == "description":
            self.field = "description"
            self.current["description"] = ""
        elif tag == "script":
            self.field = "script"
            self.scripts.append("")
        elif tag == "style":
            self.field = "style"
            self.styles.append("")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()
        if tag in ("h2", "p", "script", "style"):
            self.field = None
        if tag == "article":
            self.current = None

    def handle_data(self, data):
        if self.field == "script":
            self.scripts[-1] += data
        elif self.field == "style":
            self.styles[-1] += data
        elif self.current is not None:
            self.current["text"] += data
            if self.field in ("name", "description"):
                self.current[self.field] += data


class OptionsHtml(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        code, cls.html, err = run(DEMO, "options", "--html")
        assert code == 0, err
        cls.manual = json.loads(run(DEMO, "options", "--json")[1])
        cls.page = OptionsPage()
        cls.page.feed(cls.html)
        cls.page.close()

    def test_the_page_is_well_formed(self):
        page = self.page
        self.assertEqual(page.doctype, "DOCTYPE html")
        self.assertEqual(page.errors, [])
        self.assertEqual(page.open, [])  # every element closed
        self.assertEqual(len(page.ids), len(set(page.ids)), "ids are unique")
        self.assertIn('<meta charset="utf-8">', self.html)
        self.assertIn("<title>Configuration options of demo</title>", self.html)

    def test_every_option_appears_with_its_anchor(self):
        self.assertEqual(len(self.page.options), len(self.manual))
        for name, o in self.manual.items():
            anchor = option_anchor(name)
            self.assertIn(anchor, self.page.options, name)
            shown = self.page.options[anchor]
            self.assertEqual(shown["name"], name)
            self.assertEqual(shown["description"], o["description"] or None, name)
            self.assertIn(o["type"], shown["text"], name)
            for where in o["declarations"]:
                self.assertIn(where, shown["text"], name)
            if "default" in o:
                self.assertIn(o["default"]["text"], shown["text"], name)
            if "example" in o:
                self.assertIn(o["example"]["text"], shown["text"], name)
            self.assertIn("#" + anchor, self.page.hrefs)
        self.assertIn("opt-services.openssh.ports", self.page.options)
        self.assertIn("opt-users.users._name_.openssh.authorizedKeys.keys", self.page.options)
        self.assertNotIn(option_anchor("assertions"), self.page.options)  # internal

    def test_text_is_escaped(self):
        # A name with <name> and a description with < or &: escaped in the file, whole once parsed.
        self.assertIn('<h2><a href="#opt-users.users._name_.uid">users.users.&lt;name&gt;.uid</a></h2>', self.html)
        special = {n: o["description"] for n, o in self.manual.items() if "<" in o["description"] or "&" in o["description"]}
        self.assertTrue(special, "the demo has a description with < or &")
        for name, description in special.items():
            self.assertEqual(self.page.options[option_anchor(name)]["description"], description)
            self.assertNotIn(description, self.html)
            escaped = description.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            self.assertIn(escaped.replace("'", "&#39;"), self.html)

    def test_self_contained(self):
        for tag, a in self.page.tags:
            self.assertNotIn("src", a, f"<{tag}> loads {a.get('src')}")
            if tag == "link":
                self.fail(f"<link> loads {a}")
            for value in a.values():
                self.assertNotRegex(value or "", r"^(https?:)?//", f"<{tag}> refers to the network")
        self.assertEqual(len(self.page.scripts), 1)
        self.assertEqual(len(self.page.styles), 1)
        self.assertNotRegex(self.page.scripts[0], r"https?://|fetch\(|XMLHttpRequest|import\(")

    def test_without_javascript_the_list_and_count_show_and_the_search_box_does_not(self):
        self.assertIsNotNone(self.page.search)
        self.assertIn("hidden", self.page.search)  # useless without the script, which shows it
        self.assertIn(f'<p id="count" aria-live="polite">{len(self.manual)} options</p>', self.html)

    @unittest.skipUnless(shutil.which("node"), "no node to run the page's script")
    def test_the_search_box_filters_by_name_and_description(self):
        # The page's own script, run by node against a stand-in for its DOM.
        options = [{"id": anchor, "name": o["name"], "description": o["description"]} for anchor, o in self.page.options.items()]
        queries = ["", "openssh.PORTS", "Specifies on which ports", "authorizedkeys keys", "no-such-option-anywhere"]
        stand_in = """
const [script, options, queries] = JSON.parse(require("fs").readFileSync(0, "utf8"));
const elements = options.map((o) => ({ id: o.id, hidden: false, scrollIntoView() {},
  querySelector: (s) => s === "h2" ? { textContent: o.name } : o.description === null ? null : { textContent: o.description } }));
const search = { value: "", hidden: true, listeners: {}, addEventListener(type, f) { this.listeners[type] = f; } };
const count = { textContent: "" };
globalThis.document = { querySelectorAll: () => elements, querySelector: () => null,
  getElementById: (id) => id === "search" ? search : id === "count" ? count : elements.find((e) => e.id === id) ?? null };
globalThis.window = { addEventListener() {} };
(0, eval)(script);
const results = [{ count: count.textContent, shown: elements.filter((e) => !e.hidden).length }];
for (const q of queries) {
  search.value = q;
  search.listeners.input();
  results.push({ count: count.textContent, shown: elements.filter((e) => !e.hidden).map((e) => e.id) });
}
console.log(JSON.stringify({ searchHidden: search.hidden, results }));
"""
        p = subprocess.run(["node", "-e", stand_in], input=json.dumps([self.page.scripts[0], options, queries]),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        total = len(options)
        self.assertFalse(r["searchHidden"])
        on_load, everything, ports, by_description, two_words, nothing = r["results"]
        self.assertEqual(on_load, {"count": f"{total} options", "shown": total})
        self.assertEqual(everything["count"], f"{total} options")
        self.assertEqual(len(everything["shown"]), total)
        self.assertEqual(ports["shown"], ["opt-services.openssh.ports"])  # ignoring case
        self.assertEqual(ports["count"], f"1 of {total} options match")
        self.assertIn("opt-services.openssh.ports", by_description["shown"])  # the description's words
        self.assertIn("opt-users.users._name_.openssh.authorizedKeys.keys", two_words["shown"])  # every word, anywhere
        self.assertTrue(all("authorizedkeys" in a.lower() for a in two_words["shown"]))
        self.assertEqual(nothing, {"count": f"0 of {total} options match", "shown": []})

    def test_html_excludes_json_and_markdown(self):
        for other in ("--json", "--markdown"):
            code, out, err = run(DEMO, "options", "--html", other)
            self.assertEqual(code, 2, other)
            self.assertEqual(out, "")
            self.assertRegex(err, rf"(--html excludes {other}|{other} excludes --html)")


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
