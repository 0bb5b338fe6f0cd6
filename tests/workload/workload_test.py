#!/usr/bin/env python3
"""Builds benchmark workloads W(M,K) with bench/gen_workload and checks that the host's
`eval --json` equals bench/workload_expected.py (what NixOS's lib.evalModules gives), after
normalising both (keys sorted, compact). Also checks that `check` accepts the configuration.

  workload_test.py --source CHECKOUT --work DIR [--cxx COMPILER] M:K [M:K ...]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time


def normalise(text):
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))


def run(cmd, **kw):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-6000:])
        raise SystemExit("FAILED (exit %d): %s" % (result.returncode, " ".join(cmd)))
    return result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--cxx")
    parser.add_argument("sizes", nargs="+")
    args = parser.parse_args()

    gen = os.path.join(args.source, "bench", "gen_workload")
    oracle = os.path.join(args.source, "bench", "workload_expected.py")
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    failures = 0
    for size in args.sizes:
        m, k = (int(x) for x in size.split(":"))
        out = os.path.join(args.work, "w%d_%d" % (m, k))
        shutil.rmtree(out, ignore_errors=True)
        start = time.monotonic()
        run([sys.executable, gen, str(m), str(k), out])
        configure = ["cmake", "-S", out, "-B", os.path.join(out, "build"), *generator,
                     "-DCMAKE_BUILD_TYPE=None"]  # no optimisation: this checks values, not speed
        if args.cxx:
            configure.append("-DCMAKE_CXX_COMPILER=" + args.cxx)
        run(configure)
        run(["cmake", "--build", os.path.join(out, "build"), "-j", str(os.cpu_count() or 2)])
        binary = os.path.join(out, "build", "workload")
        got = run([binary, "eval", "--json"])
        expected = run([sys.executable, oracle, str(m), str(k)])
        check = run([binary, "check"])
        if normalise(got) != normalise(expected):
            failures += 1
            got_n, exp_n = json.loads(got), json.loads(expected)
            diffs = [key for key in sorted(set(got_n) | set(exp_n)) if got_n.get(key) != exp_n.get(key)]
            print("W(%d,%d): eval --json differs from NixOS's result in %s" % (m, k, ", ".join(diffs[:10])))
            for key in diffs[:3]:
                print("  %s: got %s\n  %s: expected %s" % (key, json.dumps(got_n.get(key)), key,
                                                           json.dumps(exp_n.get(key))))
        else:
            print("W(%d,%d): eval --json equals NixOS's result (%d bytes); %s; %.0f s"
                  % (m, k, len(got), check.strip(), time.monotonic() - start))
            shutil.rmtree(out, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
