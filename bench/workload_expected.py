#!/usr/bin/env python3
"""bench/workload_expected.py M K: the `config` NixOS's lib.evalModules gives for the workload
W(M,K), as `nix-instantiate --eval --strict --json` prints it (keys sorted, compact).

An oracle written apart from cairn: it follows the NixOS module system's rules (reference
module-system.md §1.2, §2) on the workload's definitions, not cairn's code.

- Modules: the host imports m0..m{M-1}. genericClosure walks breadth first: host, m0, ...,
  m{M-1}; the list is reversed before merging, so definitions of one option arrive from
  m{M-1} down to m0 (then the host, which defines nothing). Inside one module, its mkMerge
  keeps the order neighbour 0, 1, 2, then its own bools.
- Priorities: a declared default has priority 1500 (mkOptionDefault), plain definitions 100;
  only the definitions at the best priority are merged. mkIf definitions whose condition is
  false vanish before that (they do not even count for priorities).
- Merging: int, bool and str (mergeEqualOption): all equal or a conflict; listOf: the
  concatenation in definition order; attrsOf: per name, the name's definitions merged by the
  element type.
- mkIf reads the final config: m<i>.o<j-1> is module i's own bool, true exactly when module i
  (which alone defines it) is even.

The spec (issue 2): option j of m<i> is of kind j mod 5: 0 int (default j), 1 bool (default
false), 2 str (default "v<j>"), 3 listOf str (default []), 4 attrsOf int (default {}). Module i
defines, for t in (i+1)%M, (i+7)%M, (i+13)%M (n = 0, 1, 2): every list option of m<t> gets
["from<i>"], every attrs option {k<i> = i}; when n = 0, every int option j of m<t> gets i+j and
every str option j gets mkIf m<i>.o<5*(j/5)+1> "on<i>". Module i sets its own bools to true
when i is even.
"""

import json
import sys

OFFSETS = (1, 7, 13)
PRIO_DEFAULT = 1500
PRIO_PLAIN = 100


def kind(j):
    return ("int", "bool", "str", "list", "attrs")[j % 5]


class Conflict(Exception):
    pass


def definitions_of(m_count, k_count):
    """Every definition, per option (t, j), in NixOS's definition order.

    A definition is (value, condition) where condition is None or the option (i, j') whose
    final value it depends on."""
    defs = {}
    # Reverse breadth-first order: m{M-1} first, the host (no definitions) last.
    for i in reversed(range(m_count)):
        for n, off in enumerate(OFFSETS):
            t = (i + off) % m_count
            for j in range(k_count):
                k = kind(j)
                if k == "list":
                    defs.setdefault((t, j), []).append((["from%d" % i], None))
                elif k == "attrs":
                    defs.setdefault((t, j), []).append(({"k%d" % i: i}, None))
                elif n == 0 and k == "int":
                    defs.setdefault((t, j), []).append((i + j, None))
                elif n == 0 and k == "str":
                    defs.setdefault((t, j), []).append(("on%d" % i, (i, 5 * (j // 5) + 1)))
        if i % 2 == 0:
            for j in range(k_count):
                if kind(j) == "bool":
                    defs.setdefault((i, j), []).append((True, None))
    return defs


def default_of(j):
    return {"int": j, "bool": False, "str": "v%d" % j, "list": [], "attrs": {}}[kind(j)]


def merge(k, values, where):
    if k in ("int", "bool", "str"):
        first = values[0]
        for v in values[1:]:
            if v != first:
                raise Conflict("The option `%s' has conflicting definition values" % where)
        return first
    if k == "list":
        return [item for v in values for item in v]
    out = {}
    for name in sorted({name for v in values for name in v}):
        out[name] = merge("int", [v[name] for v in values if name in v], where + "." + name)
    return out


def evaluate(m_count, k_count):
    defs = definitions_of(m_count, k_count)
    memo = {}
    evaluating = set()

    def value(t, j):
        if (t, j) in memo:
            return memo[(t, j)]
        if (t, j) in evaluating:
            raise Conflict("infinite recursion encountered at m%d.o%d" % (t, j))
        evaluating.add((t, j))
        kept = []  # (priority, value) after discharging mkIf
        for v, cond in defs.get((t, j), []):
            if cond is not None and value(*cond) is not True:
                continue
            kept.append((PRIO_PLAIN, v))
        kept.append((PRIO_DEFAULT, default_of(j)))
        best = min(p for p, _ in kept)
        # Definitions first, the default (declared in the option) last: only one priority wins.
        result = merge(kind(j), [v for p, v in kept if p == best], "m%d.o%d" % (t, j))
        evaluating.discard((t, j))
        memo[(t, j)] = result
        return result

    return {"m%d" % t: {"o%d" % j: value(t, j) for j in range(k_count)} for t in range(m_count)}


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: workload_expected.py M K\n")
        return 2
    m_count, k_count = int(argv[1]), int(argv[2])
    if m_count < 1 or k_count < 1:
        sys.stderr.write("workload_expected.py: M and K are positive integers\n")
        return 2
    try:
        config = evaluate(m_count, k_count)
    except Conflict as e:
        sys.stderr.write("error: %s\n" % e)
        return 1
    sys.stdout.write(json.dumps(config, sort_keys=True, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
