#!/usr/bin/env python3
"""Writes benches/hot-functions.txt, the order the release binary's linker lays its functions in.

Usage: benches/order.py MESHC > benches/hot-functions.txt

MESHC is a release build (LTO) of the commit the list is for. The script renders prod and a
synthetic mesh of 1,000 services and 100 tenants into a scratch folder under callgrind
(`--demangle=no`, so the names are the linker's) and prints every function of the binary that
ran, the most instructions first. build.rs hands the list to the linker
(`--symbol-ordering-file`), which puts those functions together at the start of `.text`: the
kernel maps the binary's code 64 kB around each page a run touches, so code a run needs,
spread among code it does not (`--help`, diagnostics, other commands), kept about 8 MB of the
9.6 MB of `.text` resident at 1,000 services (benches/README.md, "What was optimised").
A symbol the binary no longer has is skipped by the linker; one missing from the list is laid
out after the listed ones, as before. So a stale list costs memory, never correctness: write it
again when the code, the dependencies or the toolchain change much.
"""

import collections
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CALLGRIND_NAME = re.compile(r"^(c?ob|c?fn)=\((\d+)\)(?: (.*))?$")
COST_LINE = re.compile(r"^[+\-*]?\d")


def self_costs(path, binary):
    """Each function of `binary` named in a callgrind output, with its own instructions."""
    costs = collections.Counter()
    names = {"ob": {}, "fn": {}}
    object_name = function = None
    after_calls = False
    with open(path) as out:
        for line in out:
            line = line.rstrip("\n")
            named = CALLGRIND_NAME.match(line)
            if named:
                kind, number, name = named.groups()
                table = names[kind.lstrip("c")]
                if name:
                    table[number] = name
                if kind == "ob":
                    object_name = table[number]
                elif kind == "fn":
                    # valgrind marks a recursive call's frames with 'N.
                    function = re.sub(r"'\d+$", "", table[number])
                    if os.path.realpath(object_name) == binary:
                        costs[function] += 0
                continue
            if line.startswith("calls="):
                after_calls = True
                continue
            if COST_LINE.match(line) and function and os.path.realpath(object_name) == binary:
                if not after_calls:
                    costs[function] += int(line.split()[1])
                after_calls = False
    return costs


def run(meshc, work, name, profile):
    out = os.path.join(work, name + ".callgrind")
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--demangle=no", "--callgrind-out-file=" + out,
         meshc, "render", profile, "--out", os.path.join(work, name)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def defined_functions(binary):
    """The functions the binary itself defines: a name of a shared library's (libgcc's
    `__popcountdi2`) cannot be ordered, and lld would warn about it."""
    symbols = subprocess.run(["nm", "--defined-only", binary], check=True,
                             capture_output=True, text=True).stdout
    return {line.split()[2] for line in symbols.splitlines()
            if len(line.split()) == 3 and line.split()[1] in "tTwW"}


def main():
    meshc = os.path.realpath(sys.argv[1])
    with tempfile.TemporaryDirectory() as work:
        synthetic = os.path.join(work, "synthetic-1000.toml")
        with open(synthetic, "w") as profile:
            subprocess.run([meshc, "synth", "--services", "1000", "--tenants", "100",
                            "--reach", "3..5"], check=True, stdout=profile)
        large = self_costs(run(meshc, work, "synthetic", synthetic), meshc)
        small = self_costs(run(meshc, work, "prod", os.path.join(ROOT, "profiles/prod.toml")),
                           meshc)
    defined = defined_functions(meshc)
    # The large render's functions first and together, as its peak is the one a budget
    # holds; then those only prod's render ran.
    ranked = sorted(large.items(), key=lambda item: (-item[1], item[0]))
    ranked += sorted(((f, c) for f, c in small.items() if f not in large),
                     key=lambda item: (-item[1], item[0]))
    print("# The release binary's functions that rendering 1,000 synthetic services and then")
    print("# prod ran, the most instructions first: written by benches/order.py, read by build.rs.")
    for function, _ in ranked:
        if function in defined:
            print(function)


if __name__ == "__main__":
    main()
