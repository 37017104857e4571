//! The graph as a Mermaid flowchart, for Markdown (GitHub renders it in files and comments).
//!
//! Identifiers are indices (`n3`, `g1`); every text is a quoted label whose characters other
//! than letters, digits and a few safe punctuation marks are written as Mermaid entity codes
//! (`#34;`), so no value can end a label, start a directive or add a node.

use std::fmt::Write;

use super::model::{Graph, INSTALL, NodeKind, Verdict};

/// The colours of nodes by kind (`classDef`) and of edges by verdict (`linkStyle`).
const NODE_STYLES: &[(NodeKind, &str)] = &[
    (
        NodeKind::Tenant,
        "fill:#f3e8ff,stroke:#7c3aed,color:#1e1b4b",
    ),
    (
        NodeKind::Gateway,
        "fill:#dbeafe,stroke:#1d4ed8,color:#172554",
    ),
    (
        NodeKind::Caller,
        "fill:#f1f5f9,stroke:#475569,color:#0f172a",
    ),
    (
        NodeKind::Service,
        "fill:#ecfdf5,stroke:#047857,color:#022c22",
    ),
    (
        NodeKind::AnyService,
        "fill:#f0fdf4,stroke:#15803d,stroke-dasharray:3 3,color:#052e16",
    ),
    (
        NodeKind::External,
        "fill:#fff7ed,stroke:#c2410c,color:#431407",
    ),
    (
        NodeKind::Istiod,
        "fill:#e0e7ff,stroke:#4338ca,color:#1e1b4b",
    ),
    (
        NodeKind::Workloads,
        "fill:#f8fafc,stroke:#4338ca,stroke-dasharray:4 2,color:#1e1b4b",
    ),
];

/// The stroke of the edges of each verdict, and of the install's (by [`super::model::Edge::class`]).
const EDGE_STYLES: &[(&str, &str)] = &[
    ("allowed", "stroke:#15803d"),
    ("partial", "stroke:#d97706,stroke-dasharray:6 3"),
    ("denied", "stroke:#dc2626,stroke-dasharray:3 3"),
    (INSTALL, "stroke:#4338ca,stroke-dasharray:2 2"),
];

/// `text` as the inside of a quoted Mermaid label.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || " .,:/_-=".contains(c) {
            out.push(c);
        } else {
            let _ = write!(out, "#{};", u32::from(c));
        }
    }
    out
}

/// Lines as one quoted label, broken with `<br>`.
pub(super) fn label<S: AsRef<str>>(lines: &[S]) -> String {
    let escaped: Vec<String> = lines.iter().map(|l| escape(l.as_ref())).collect();
    format!("\"{}\"", escaped.join("<br>"))
}

fn shape(kind: NodeKind, label: &str) -> String {
    match kind {
        NodeKind::Tenant => format!("([{label}])"),
        NodeKind::Gateway => format!("{{{{{label}}}}}"),
        NodeKind::Caller => format!("[[{label}]]"),
        NodeKind::Service => format!("[{label}]"),
        NodeKind::AnyService => format!("[/{label}/]"),
        NodeKind::External => format!("[({label})]"),
        NodeKind::Istiod => format!("[/{label}\\]"),
        NodeKind::Workloads => format!("({label})"),
    }
}

/// The flowchart.
pub(super) fn write(graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    for note in &graph.notes {
        let _ = writeln!(out, "  %% {}", escape(note));
    }
    for (g, group) in graph.groups.iter().enumerate() {
        let _ = writeln!(out, "  subgraph g{g}[{}]", label(&[&group.title]));
        for (i, node) in graph.nodes.iter().enumerate().filter(|(_, n)| n.group == g) {
            let mut lines = vec![node.title.as_str()];
            lines.extend(node.details.iter().map(String::as_str));
            let _ = writeln!(out, "    n{i}{}", shape(node.kind, &label(&lines)));
        }
        out.push_str("  end\n");
    }
    for edge in &graph.edges {
        let arrow = match edge.verdict {
            Verdict::Allowed => "-->",
            Verdict::Partial(_) | Verdict::Denied(_) => "-.->",
        };
        let _ = writeln!(
            out,
            "  n{} {arrow}|{}| n{}",
            edge.from,
            label(&edge.lines()),
            edge.to
        );
    }
    for (kind, style) in NODE_STYLES {
        let members: Vec<String> = (0..graph.nodes.len())
            .filter(|&i| graph.nodes[i].kind == *kind)
            .map(|i| format!("n{i}"))
            .collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  classDef {} {style}", kind.class());
            let _ = writeln!(out, "  class {} {}", members.join(","), kind.class());
        }
    }
    for (class, stroke) in EDGE_STYLES {
        let list: Vec<String> = (0..graph.edges.len())
            .filter(|&i| graph.edges[i].class() == *class)
            .map(|i| i.to_string())
            .collect();
        if !list.is_empty() {
            let _ = writeln!(out, "  linkStyle {} {stroke}", list.join(","));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_characters_stay_as_they_are() {
        assert_eq!(escape("svc-a /v1/x:80, a_b=c."), "svc-a /v1/x:80, a_b=c.");
        assert_eq!(
            escape("\"]) --> x; %%{init}<br>#é|"),
            "#34;#93;#41; --#62; x#59; #37;#37;#123;init#125;#60;br#62;#35;#233;#124;"
        );
    }
}
