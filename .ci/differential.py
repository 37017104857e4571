#!/usr/bin/env python3
"""Differential test: `meshc verify --crds CRDS` and the referee `check` must agree, document by
document, on accept or reject.

usage: differential.py --meshc BIN --check CHECK --crds CRDS --families yaml,schema PATH...

A document is rejected by a tool when it reports an error of a compared family there:
- meshc: the family of each JSON diagnostic's code (FAMILIES below: `yaml`, `schema`, `rules`,
  `webhook`), read from the diagnostics meshc prints on stderr with `--message-format json`;
- check: `webhook` for messages starting with "webhook: ", `schema` for the others (YAML
  errors, metadata, CRD schema and CEL), so `yaml` and `schema` are one family on its side.
Cross-resource rules (`rules`) are meshc's own: check has none, so they are never compared. A
code meshc reports that FAMILIES does not know fails the run, so that a new code is classified
rather than silently left out.

Known differences, not compared (the second: OPERATOR_DIFFERENCES):
- check requires `metadata.namespace` ("required by this checker"); meshc follows kubectl, which
  puts an object without one in the current namespace (`meshc verify --namespace`, default
  `default`), so that finding of check is dropped (KNOWN_DIFFERENCES below).
- check requires `metadata` and `metadata.name` of an IstioOperator too; istioctl, whose input
  it is, needs neither (Istio's own profiles have no metadata), and neither does meshc.

IstioOperator documents are compared like the others: check validates them against istioctl's
Go types and protobuf messages (iop-fields.json), meshc against its own field sets of the same
API (src/istio/operator/api/, code `istio-operator`, family `schema`).
Exit 0 when the tools agree on every document, 1 otherwise (each disagreement is printed).
"""
import argparse
import json
import os
import re
import subprocess
import sys

# The check behind each code meshc reports on YAML (`meshc explain-code` lists them all).
FAMILIES = {
    "yaml-syntax": "yaml",
    "not-an-object": "yaml",
    "unknown-kind": "schema",
    "version-not-served": "schema",
    "metadata": "schema",
    "schema": "schema",
    "cel-rule": "schema",
    "cel-unsupported": "schema",
    "istio-operator": "schema",
    "webhook": "webhook",
    "unknown-destination-host": "rules",
    "unknown-subset": "rules",
    "duplicate-destination-rule": "rules",
    "conflicting-virtual-service-host": "rules",
    "unknown-gateway": "rules",
    "gateway-host-mismatch": "rules",
    "ingress-bypasses-subsets": "rules",
    "multiple-default-telemetry": "rules",
    "unknown-telemetry-provider": "rules",
    "provider-kind-mismatch": "rules",
    "failover-without-outlier-detection": "rules",
    "selector-matches-no-workload": "rules",
    "per-try-exceeds-timeout": "rules",
    "retries-cut-by-timeout": "rules",
    "duplicate-object": "rules",
    "operator-not-alone": "rules",
}

# Findings of check that meshc, by design, does not report (see the docstring).
KNOWN_DIFFERENCES = [
    re.compile(r"^metadata\.namespace: metadata\.namespace is required by this checker"),
]
# An IstioOperator is istioctl's input, and istioctl needs neither metadata nor a name (Istio's
# own profiles have none); check requires them as for any object, meshc does not.
OPERATOR_DIFFERENCES = [
    re.compile(r"^metadata: metadata is required"),
    re.compile(r"^metadata\.name: metadata\.name is required"),
]

LINE = re.compile(r"^(?P<path>.*?):(?P<doc>\d+|-): (?P<obj>.*?): (?P<at>.*?): "
                  r"(?P<level>error|warning|skipped): (?P<msg>.*)$")


def check_rejects(check, paths, families):
    run = subprocess.run([check, *paths], capture_output=True, text=True)
    if run.returncode not in (0, 1, 2):
        sys.exit("check failed (%d): %s" % (run.returncode, run.stderr))
    rejected, operators, summary = {}, set(), run.stdout.strip().splitlines()[-1:]
    for line in run.stdout.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        key = (m["path"], m["doc"])
        if m["obj"].startswith("IstioOperator/"):
            operators.add(key)
        family = "webhook" if m["msg"].startswith("webhook: ") else "schema"
        finding = m["at"] + ": " + m["msg"]
        if any(known.match(finding) for known in KNOWN_DIFFERENCES):
            continue
        if m["obj"].startswith("IstioOperator/") and any(
                known.match(finding) for known in OPERATOR_DIFFERENCES):
            continue
        if m["level"] == "error" and family in families:
            rejected.setdefault(key, []).append(finding)
    return rejected, operators, summary


def count_operators(paths):
    """How many documents of the YAML files under paths are IstioOperators (a plain-text count:
    documents split at `---`, an IstioOperator being one with a top-level `kind: IstioOperator`)."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                files += [os.path.join(root, n) for n in names if n.endswith((".yaml", ".yml"))]
        else:
            files.append(path)
    count = 0
    for name in files:
        with open(name, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for document in re.split(r"(?m)^---", text):
            if re.search(r"(?m)^kind:\s*IstioOperator\s*$", document):
                count += 1
    return count


def meshc_rejects(meshc, crds, paths, families):
    run = subprocess.run([meshc, "--message-format", "json", "verify", "--crds", crds, *paths],
                         capture_output=True, text=True)
    if run.returncode not in (0, 1):
        sys.exit("meshc verify failed (%d): %s" % (run.returncode, run.stderr))
    rejected, summary = {}, None
    for line in run.stderr.splitlines():
        record = json.loads(line)
        if record["type"] == "summary":
            summary = record
            continue
        if record["type"] != "diagnostic":
            sys.exit("meshc verify: %s" % line)
        if record["code"] not in FAMILIES:
            sys.exit("differential.py: classify meshc's code %s in FAMILIES" % record["code"])
        family = FAMILIES[record["code"]]
        family = "schema" if family == "yaml" else family
        if record["severity"] == "error" and family in families:
            at = record["locations"][0]
            doc = "-" if at["document"] is None else str(at["document"])
            rejected.setdefault((at["file"], doc), []).append(
                "%s[%s] %s: %s" % (at["path"] or ".", record["code"], at["line"], record["message"]))
    if summary is None:
        sys.exit("meshc verify: no summary object at the end of its output")
    return rejected


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--meshc", required=True)
    parser.add_argument("--check", required=True)
    parser.add_argument("--crds", required=True)
    parser.add_argument("--families", required=True, help="comma-separated: schema, webhook")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    families = {"schema" if f == "yaml" else f for f in args.families.split(",")}
    theirs, operators, summary = check_rejects(args.check, args.paths, families)
    ours = meshc_rejects(args.meshc, args.crds, args.paths, families)
    disagreements = 0
    for key in sorted(set(theirs) | set(ours)):
        if (key in theirs) == (key in ours):
            continue
        disagreements += 1
        who = "only check rejects" if key in theirs else "only meshc rejects"
        print("DISAGREE %s:%s: %s" % (key[0], key[1], who))
        for reason in theirs.get(key, []) + ours.get(key, []):
            print("    " + reason)
    both = len([k for k in theirs if k in ours])
    print("differential: %s | rejected by both: %d, disagreements: %d | IstioOperator documents "
          "compared: %d, with findings: %d, rejected by both: %d"
          % (" ".join(summary), both, disagreements, count_operators(args.paths), len(operators),
             len([k for k in operators if k in theirs and k in ours])))
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
