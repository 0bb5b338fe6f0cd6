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
    sizes = [tuple(int(x) for x in size.split(":")) for size in args.sizes]
    start = time.monotonic()

    # Every workload in one build tree, so that cairn's host runtime is compiled once.
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    for m, k in sizes:
        run([sys.executable, gen, str(m), str(k), os.path.join(args.work, "w%d_%d" % (m, k))])
    with open(os.path.join(args.work, "CMakeLists.txt"), "w") as f:
        f.write("cmake_minimum_required(VERSION 3.25)\nproject(workload_test LANGUAGES CXX)\n")
        f.write('add_subdirectory("%s" cairn EXCLUDE_FROM_ALL)\n' % args.source)
        for m, k in sizes:
            f.write("add_subdirectory(w%d_%d)\n" % (m, k))
    build = os.path.join(args.work, "build")
    configure = ["cmake", "-S", args.work, "-B", build, *generator,
                 "-DCMAKE_BUILD_TYPE=None"]  # no optimisation: this checks values, not speed
    if args.cxx:
        configure.append("-DCMAKE_CXX_COMPILER=" + args.cxx)
    run(configure)
    run(["cmake", "--build", build, "-j", str(os.cpu_count() or 2)])
    print("built %s in %.0f s" % (", ".join("W(%d,%d)" % s for s in sizes), time.monotonic() - start))

    failures = 0
    for m, k in sizes:
        binary = os.path.join(build, "w%d_%d" % (m, k), "workload")
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
            print("W(%d,%d): eval --json equals NixOS's result (%d bytes); %s" % (m, k, len(got), check.strip()))
    if failures == 0:
        shutil.rmtree(args.work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
