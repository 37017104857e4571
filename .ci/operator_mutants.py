#!/usr/bin/env python3
"""Broken IstioOperators for the differential test: each valid IstioOperator given is copied once
per mutation of one of its lines, so that `meshc verify` and `../shared/istio/check` are compared
on an unknown field and a wrong type at every place of a real document, not only on the cases
written by hand.

usage: operator_mutants.py --out DIR FILE...

The mutations, of each line `key: value` (or `- key: value`) below `spec:`:
- the key gets a suffix (`keyTypo`): an unknown field, unless the place takes any key;
- the value becomes a list (`[1]`), a boolean (`true`), a quoted number (`"1"`), a number (`7`):
  a wrong type, unless the field takes it.
A line `key:` that opens an object gets the suffix only. The mutants are plain text edits, so a
file's comments and layout stay as they were; the tools decide which mutants are valid.
Each mutant is written to DIR as `<file stem>-<line>-<mutation>.yaml`.
"""
import argparse
import os
import re
import sys

SCALAR = re.compile(r"^(?P<indent>\s*(?:- )?)(?P<key>[A-Za-z_][\w.-]*): (?P<value>\S.*)$")
OPENS = re.compile(r"^(?P<indent>\s*(?:- )?)(?P<key>[A-Za-z_][\w.-]*):\s*$")
VALUES = {"list": "[1]", "bool": "true", "quoted": '"1"', "number": "7"}


def mutants(lines):
    """(line number, mutation name, new line) for each mutation of each line below `spec:`."""
    in_spec = False
    for number, line in enumerate(lines):
        if line.startswith("spec:"):
            in_spec = True
            continue
        if not in_spec or line.lstrip().startswith("#"):
            continue
        scalar = SCALAR.match(line)
        opens = OPENS.match(line)
        match = scalar or opens
        if not match:
            continue
        indent, key = match.group("indent"), match.group("key")
        rest = ": " + scalar.group("value") if scalar else ":"
        yield number, "key", "%s%sTypo%s" % (indent, key, rest)
        if scalar:
            for name, value in VALUES.items():
                if value != scalar.group("value"):
                    yield number, name, "%s%s: %s" % (indent, key, value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    count = 0
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if not any(re.match(r"^kind:\s*IstioOperator\s*$", line) for line in lines):
            sys.exit("%s: not an IstioOperator" % path)
        stem = os.path.splitext(os.path.basename(os.path.dirname(path) + "-" + os.path.basename(path)))[0]
        for number, name, line in mutants(lines):
            mutant = lines[:number] + [line] + lines[number + 1:]
            with open(os.path.join(args.out, "%s-%d-%s.yaml" % (stem, number + 1, name)), "w",
                      encoding="utf-8") as f:
                f.write("\n".join(mutant))
            count += 1
    print("%d IstioOperator mutants written to %s" % (count, args.out))


if __name__ == "__main__":
    main()
