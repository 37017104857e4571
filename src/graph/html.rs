//! The graph as one self-contained HTML page: meshc's SVG inline, its styles and a few lines of
//! script inline, nothing fetched (a Content-Security-Policy forbids it). Hovering, focusing or
//! clicking a node shows its text (`meshc explain` for a service) beside the picture; a click
//! also marks the node's edges.
//!
//! Each node's text is XML-escaped into a hidden `<pre>`, which the script reads with
//! `textContent`: no value is ever parsed as markup or script. The script itself holds no `<`,
//! so the page's only tags are the ones meshc writes (tests/graph.rs checks every one).

use std::fmt::Write;

use super::layout;
use super::model::{Graph, INSTALL};
use super::svg::{self, escape, mesh_group};

const STYLE: &str = "\
body{margin:0;font-family:Helvetica,Arial,sans-serif;color:#0f172a}\
header{padding:8px 16px;border-bottom:1px solid #e2e8f0}\
h1{font-size:16px;margin:0}\
.legend span{margin-right:14px;font-size:12px}\
main{display:flex;height:calc(100vh - 56px)}\
#graph{flex:1;overflow:auto}\
#panel{width:38%;max-width:640px;border-left:1px solid #e2e8f0;padding:8px 16px;overflow:auto}\
#panel h2{font-size:14px}\
#panel pre{white-space:pre-wrap;font-size:12px}\
.node{cursor:pointer}\
.node.selected rect{stroke-width:3}\
.edge.lit path{stroke-width:3.5}\
.edge.dim{opacity:.25}";

const SCRIPT: &str = r"(function () {
  var title = document.getElementById('panel-title');
  var text = document.getElementById('panel-text');
  var edges = document.querySelectorAll('#graph g.edge');
  var selected = null;
  function show(node) {
    var source = document.getElementById('explain-' + node.id);
    title.textContent = node.getAttribute('data-title');
    text.textContent = source ? source.textContent : '';
  }
  function select(node) {
    if (selected) { selected.classList.remove('selected'); }
    selected = node;
    node.classList.add('selected');
    edges.forEach(function (e) {
      var lit = e.getAttribute('data-from') === node.id || e.getAttribute('data-to') === node.id;
      e.classList.toggle('lit', lit);
      e.classList.toggle('dim', !lit);
    });
    show(node);
  }
  document.querySelectorAll('#graph g.node').forEach(function (node) {
    node.addEventListener('mouseenter', function () { show(node); });
    node.addEventListener('focus', function () { show(node); });
    node.addEventListener('click', function () { select(node); });
  });
})();
";

/// The page.
pub(super) fn write(graph: &Graph) -> String {
    let layout = layout::layout(graph, mesh_group(graph));
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>meshc graph</title>\n",
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    out.push_str(
        "<header><h1>Who reaches what</h1><p class=\"legend\">\
         <span style=\"color:#15803d\">&#9472; allowed</span>\
         <span style=\"color:#d97706\">&#8943; partly refused</span>\
         <span style=\"color:#dc2626\">&#8943; refused</span>",
    );
    if graph.edges.iter().any(|e| e.class() == INSTALL) {
        out.push_str("<span style=\"color:#4338ca\">&#8943; the clusters' install</span>");
    }
    out.push_str(
        "<span>as meshc's simulator answers the requests each grant stands for; \
         hover or click a node</span></p></header>\n<main>\n<div id=\"graph\">\n",
    );
    svg::svg(&mut out, graph, &layout);
    out.push_str(
        "</div>\n<aside id=\"panel\"><h2 id=\"panel-title\">Hover over or click a node</h2>\
         <pre id=\"panel-text\"></pre></aside>\n</main>\n<div hidden>\n",
    );
    for (i, node) in graph.nodes.iter().enumerate() {
        let _ = writeln!(
            out,
            "<pre id=\"explain-n{i}\">{}</pre>",
            escape(&node.explain)
        );
    }
    let _ = write!(
        out,
        "</div>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}
