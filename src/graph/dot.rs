//! The graph in Graphviz's DOT language (`dot -Tsvg`, `dot -Tpng`).
//!
//! Identifiers are indices (`n3`, `cluster_g1`); every text is a double-quoted string in which
//! `"` and `\` are escaped, so no value can end a string, and `\N`-style substitutions never
//! happen (a value's backslash is doubled).

use std::fmt::Write;

use super::model::{Edge, Graph, INSTALL, NodeKind, Verdict};

/// `text` as the inside of a double-quoted DOT string.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Lines as one quoted string, centred line by line.
fn quoted<S: AsRef<str>>(lines: &[S]) -> String {
    let escaped: Vec<String> = lines.iter().map(|l| escape(l.as_ref())).collect();
    format!("\"{}\"", escaped.join("\\n"))
}

fn node_style(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Tenant => {
            r##"shape=box, style="rounded,filled", fillcolor="#f3e8ff", color="#7c3aed""##
        }
        NodeKind::Gateway => {
            r##"shape=hexagon, style=filled, fillcolor="#dbeafe", color="#1d4ed8""##
        }
        NodeKind::Caller => r##"shape=box, style=filled, fillcolor="#f1f5f9", color="#475569""##,
        NodeKind::Service => {
            r##"shape=box, style="rounded,filled", fillcolor="#ecfdf5", color="#047857""##
        }
        NodeKind::AnyService => {
            r##"shape=parallelogram, style="filled,dashed", fillcolor="#f0fdf4", color="#15803d""##
        }
        NodeKind::External => {
            r##"shape=cylinder, style=filled, fillcolor="#fff7ed", color="#c2410c""##
        }
        NodeKind::Istiod => {
            r##"shape=component, style=filled, fillcolor="#e0e7ff", color="#4338ca""##
        }
        NodeKind::Workloads => {
            r##"shape=box3d, style="filled,dashed", fillcolor="#f8fafc", color="#4338ca""##
        }
    }
}

fn edge_style(edge: &Edge) -> &'static str {
    if edge.class() == INSTALL {
        return r##"color="#4338ca", fontcolor="#1e1b4b", style=dotted"##;
    }
    match &edge.verdict {
        Verdict::Allowed => r##"color="#15803d", fontcolor="#14532d""##,
        Verdict::Partial(_) => r##"color="#d97706", fontcolor="#78350f", style=dashed"##,
        Verdict::Denied(_) => r##"color="#dc2626", fontcolor="#7f1d1d", style=dashed"##,
    }
}

/// The digraph.
pub(super) fn write(graph: &Graph) -> String {
    let mut out = String::from("digraph mesh {\n");
    out.push_str(
        "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, nodesep=0.3, ranksep=1.2];\n  \
         node [fontname=\"Helvetica\", fontsize=10];\n  \
         edge [fontname=\"Helvetica\", fontsize=8];\n",
    );
    if !graph.notes.is_empty() {
        let _ = writeln!(out, "  label={};\n  labelloc=b;", quoted(&graph.notes));
    }
    for (g, group) in graph.groups.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_g{g} {{");
        let _ = writeln!(
            out,
            "    label={}; style=\"rounded,dashed\"; color=\"#94a3b8\";",
            quoted(&[&group.title])
        );
        for (i, node) in graph.nodes.iter().enumerate().filter(|(_, n)| n.group == g) {
            let mut lines = vec![node.title.as_str()];
            lines.extend(node.details.iter().map(String::as_str));
            let _ = writeln!(
                out,
                "    n{i} [label={}, tooltip={}, {}];",
                quoted(&lines),
                quoted(&[&node.explain]),
                node_style(node.kind)
            );
        }
        out.push_str("  }\n");
    }
    for edge in &graph.edges {
        let _ = writeln!(
            out,
            "  n{} -> n{} [label={}, {}];",
            edge.from,
            edge.to,
            quoted(&edge.lines()),
            edge_style(edge)
        );
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(escape(r#"a"b\N\"];"#), r#"a\"b\\N\\\"];"#);
        assert_eq!(escape("x\ny"), "x\\ny");
        assert_eq!(quoted(&["a", "b\"c"]), r#""a\nb\"c""#);
    }
}
