#!/usr/bin/env python3
"""meshc graph in a real headless browser (Debian's chromium, nothing downloaded).

For each profile given:
- the Mermaid output is parsed and rendered by the `mermaid` npm package, loaded from a local
  file, and must draw as many nodes as the chart declares;
- the HTML output loads, shows every service, and clicking each node shows its text in the
  panel (a service's text is its `meshc explain` section, which opens with `service <name>`).
For each `--diff OLD NEW`, the chart `meshc diff --format markdown` ends with renders too.

The checks run inside the page and write their verdict into the DOM; chromium's --dump-dom
prints it. Exit 1 on any failure.
"""

import argparse
import html
import json
import pathlib
import re
import subprocess
import sys
import tempfile

MERMAID_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><script src="{mermaid}"></script></head>
<body><pre id="chart">{chart}</pre><div id="result">PENDING</div>
<script>
mermaid.initialize({{startOnLoad: false, securityLevel: 'strict', maxEdges: 100000, maxTextSize: 10000000}});
var text = document.getElementById('chart').textContent;
mermaid.parse(text)
  .then(function () {{ return mermaid.render('drawn', text); }})
  .then(function (r) {{
    var box = document.createElement('div');
    box.innerHTML = r.svg;
    document.body.appendChild(box);
    var nodes = box.querySelectorAll('g.node').length;
    var edges = box.querySelectorAll('path.flowchart-link').length;
    document.getElementById('result').textContent = 'OK nodes=' + nodes + ' edges=' + edges;
  }})
  .catch(function (e) {{ document.getElementById('result').textContent = 'ERROR ' + e; }});
</script></body></html>
"""

PROBE = """<script>
(function () {
  var out = {services: [], panels: {}};
  document.querySelectorAll('#graph g.node.service').forEach(function (n) {
    out.services.push(n.getAttribute('data-title'));
  });
  document.querySelectorAll('#graph g.node').forEach(function (n) {
    n.dispatchEvent(new MouseEvent('click', {bubbles: true}));
    out.panels[n.getAttribute('data-title')] = document.getElementById('panel-text').textContent;
  });
  var r = document.createElement('div');
  r.id = 'probe-result';
  r.textContent = JSON.stringify(out);
  document.body.appendChild(r);
})();
</script>
"""


def dump(chromium, page, marker):
    # Headless chromium now and then dumps the page before its scripts ran (seen on CI: one
    # page in one of two runs, never the same page, and twelve runs of those pages by hand
    # all ran). A page whose scripts never run still fails: after three tries, the last dump.
    for _ in range(3):
        done = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--allow-file-access-from-files", "--virtual-time-budget=30000", "--dump-dom",
             page.as_uri()],
            capture_output=True, text=True, timeout=180, check=False)
        if re.search(rf'<div id="{marker}">(?!PENDING<)', done.stdout):
            break
    return done.stdout


def meshc(binary, profile, fmt):
    return subprocess.run([binary, "graph", profile, "--format", fmt], capture_output=True,
                          text=True, check=True).stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--meshc", required=True)
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--mermaid", required=True, help="mermaid.min.js")
    parser.add_argument("--diff", nargs=2, action="append", default=[], metavar=("OLD", "NEW"))
    parser.add_argument("profiles", nargs="+")
    args = parser.parse_args()
    mermaid = pathlib.Path(args.mermaid).resolve()
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for profile in args.profiles:
            name = pathlib.Path(profile).stem if profile.endswith(".toml") else profile
            name = pathlib.Path(profile).parent.name if name == "profile" else name
            chart = meshc(args.meshc, profile, "mermaid")
            declared = len(re.findall(r"^    n\d+", chart, re.M))
            links = len(re.findall(r"^  n\d+ -", chart, re.M))
            page = tmp / f"{name}-mermaid.html"
            page.write_text(MERMAID_PAGE.format(mermaid=mermaid.as_uri(), chart=html.escape(chart)))
            result = re.search(r'<div id="result">([^<]*)</div>', dump(args.chromium, page, "result"))
            verdict = result.group(1) if result else "no result"
            expected = f"OK nodes={declared} edges={links}"
            ok = verdict == expected
            failed |= not ok
            print(f"{profile}: mermaid {verdict}{'' if ok else f' (expected {expected})'}")

            document = meshc(args.meshc, profile, "html")
            page = tmp / f"{name}.html"
            page.write_text(document.replace("</body>", PROBE + "</body>"))
            result = re.search(r'<div id="probe-result">([^<]*)</div>',
                               dump(args.chromium, page, "probe-result"))
            if not result:
                print(f"{profile}: html FAILED: the page did not run", file=sys.stderr)
                failed = True
                continue
            probe = json.loads(html.unescape(result.group(1)))
            services = probe["services"]
            missing = [s for s in services
                       if not probe["panels"].get(s, "").startswith(f"service {s} ")
                       and not s.endswith(" services")]
            declared_services = len(re.findall(r'<g class="node service"', document))
            ok = services and len(services) == declared_services and not missing
            failed |= not ok
            print(f"{profile}: html shows {len(services)} services of {declared_services}; "
                  f"clicking each shows its explanation: {'yes' if not missing else missing}")
        for k, (old, new) in enumerate(args.diff):
            markdown = subprocess.run([args.meshc, "diff", old, new, "--format", "markdown"],
                                      capture_output=True, text=True, check=False).stdout
            found = re.search(r"```mermaid\n(.*?)```", markdown, re.S)
            if not found:
                print(f"{old} -> {new}: diff FAILED: no chart", file=sys.stderr)
                failed = True
                continue
            chart = found.group(1)
            page = tmp / f"diff-{k}.html"
            page.write_text(MERMAID_PAGE.format(mermaid=mermaid.as_uri(), chart=html.escape(chart)))
            result = re.search(r'<div id="result">([^<]*)</div>', dump(args.chromium, page, "result"))
            verdict = result.group(1) if result else "no result"
            ok = verdict.startswith("OK ")
            failed |= not ok
            print(f"{old} -> {new}: diff chart {verdict}")
    if failed:
        print("FAIL: meshc graph in the browser", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
