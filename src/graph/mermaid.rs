//! The graph as a Mermaid flowchart, for Markdown (GitHub renders it in files and comments).
//!
//! Identifiers are indices (`n3`, `g1`); every text is a quoted label whose characters other
//! than letters, digits and a few safe punctuation marks are written as Mermaid entity codes
//! (`#34;`), so no value can end a label, start a directive or add a node. Notes are `%%`
//! comments, which Mermaid reads raw: they keep their characters but those that could end the
//! line or open a directive ([`comment`]).

use std::fmt::Write;

use super::condense;
use super::model::{Graph, INSTALL, NodeKind, Verdict, visible};

/// The most edges GitHub's Mermaid draws (its `maxEdges` default).
const MAX_EDGES: usize = 500;

/// The most characters of a diagram GitHub's Mermaid reads (its `maxTextSize` default).
const MAX_TEXT: usize = 50_000;

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

/// `text` as the rest of a `%%` comment line. Mermaid does not decode entity codes in a comment,
/// so the text is written as it reads, but for what would end the comment or make it more than
/// one: Mermaid reads `\r` and `\r\n` as line ends (`cleanupText`) and a comment ends at `\n`
/// (its lexers' `%%[^\n]*`), so every control character is drawn as its Unicode picture, as in
/// every label ([`visible`]), and the JavaScript line terminators U+2028 and U+2029 as spaces;
/// and Mermaid reads `%%{…}%%` as a directive (`init` sets the theme, the security level)
/// wherever it stands, comments included (its `directiveRegex` runs before comments are
/// removed), so `%` is written as the fullwidth `％`, which cannot open one.
fn comment(text: &str) -> String {
    visible(text)
        .chars()
        .map(|c| match c {
            '%' => '％',
            '\u{2028}' | '\u{2029}' => ' ',
            c => c,
        })
        .collect()
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

/// The flowchart, within GitHub's limits: the whole graph if it fits; else without labels;
/// else each group's services as one node with their edges merged, with labels, then without.
/// A `%%` note says what was left out.
pub(super) fn write(graph: &Graph) -> String {
    let whole = flowchart(graph);
    if fits(graph, &whole) {
        return whole;
    }
    let why = format!(
        "the whole graph ({} nodes, {} edges, {} characters) is over GitHub's Mermaid limits \
         ({MAX_EDGES} edges, {MAX_TEXT} characters); meshc graph --format svg, html or dot \
         draws all of it",
        graph.nodes.len(),
        graph.edges.len(),
        whole.len()
    );
    let grouped = condense::by_group(graph);
    let tries = [
        (condense::plain(graph), "labels are left out"),
        (grouped.clone(), "each namespace's services are one node"),
        (
            condense::plain(&grouped),
            "each namespace's services are one node, and labels are left out",
        ),
    ];
    let mut last = String::new();
    for (mut condensed, what) in tries {
        condensed.notes.insert(0, format!("{why}: {what}"));
        last = flowchart(&condensed);
        if fits(&condensed, &last) {
            break;
        }
    }
    last
}

fn fits(graph: &Graph, text: &str) -> bool {
    graph.edges.len() <= MAX_EDGES && text.len() <= MAX_TEXT
}

/// The flowchart of the whole graph.
fn flowchart(graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    for note in &graph.notes {
        let _ = writeln!(out, "  %% {}", comment(note));
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
    use crate::graph::model::{Edge, EdgeKind, Group, Node};

    /// A caller and `services` services in one namespace, each service called by the caller
    /// and calling the next two.
    fn mesh(services: usize) -> Graph {
        let node = |kind, group, title: String| Node {
            kind,
            group,
            details: vec!["port 8080".into(), "subsets stable, canary".into()],
            explain: format!("{title} text"),
            title,
        };
        let mut nodes = vec![node(NodeKind::Caller, 0, "monitoring".into())];
        nodes.extend((0..services).map(|i| node(NodeKind::Service, 1, format!("svc-{i:05}"))));
        let edge = |from, to| Edge {
            from,
            to,
            kind: EdgeKind::Caller,
            labels: vec!["GET /metrics".into()],
            verdict: Verdict::Allowed,
        };
        let mut edges = Vec::new();
        for i in 1..=services {
            edges.push(edge(0, i));
            edges.push(edge(i, i % services + 1));
            edges.push(edge(i, (i + 1) % services + 1));
        }
        Graph {
            groups: vec![
                Group {
                    title: "namespace monitoring".into(),
                },
                Group {
                    title: "namespace shop".into(),
                },
            ],
            nodes,
            edges,
            notes: Vec::new(),
        }
    }

    fn edges(chart: &str) -> usize {
        chart
            .lines()
            .filter(|l| l.contains("-->") || l.contains("-.->"))
            .count()
    }

    #[test]
    fn a_graph_within_github_s_limits_is_drawn_whole() {
        let graph = mesh(20);
        assert_eq!(write(&graph), flowchart(&graph));
    }

    /// 1,000 services (3,000 edges) are over GitHub's 500 edges: each namespace's services
    /// become one node, the edges between two nodes one edge, and a note says so.
    #[test]
    fn a_large_graph_is_condensed_to_github_s_limits() {
        let chart = write(&mesh(1000));
        assert!(chart.len() <= MAX_TEXT, "{} characters", chart.len());
        assert!(edges(&chart) <= MAX_EDGES);
        assert_eq!(edges(&chart), 2, "{chart}");
        assert!(
            chart.contains(
                "\"1000 services<br>svc-00000<br>svc-00001<br>svc-00002<br>and 997 more\""
            ),
            "{chart}"
        );
        assert!(chart.contains("n0 -->|\"1000 grants\"| n1"), "{chart}");
        assert!(chart.contains("n1 -->|\"2000 grants\"| n1"), "{chart}");
        assert!(
            chart.contains(
                "%% the whole graph (1001 nodes, 3000 edges, 173480 characters) is over \
                 GitHub's Mermaid limits (500 edges, 50000 characters)"
            ),
            "{chart}"
        );
        assert!(
            chart.contains("each namespace's services are one node"),
            "{chart}"
        );
        // 160 services with long texts: 480 edges are within the limit, the text is not;
        // without labels and details, it is.
        let mut long = mesh(160);
        for node in &mut long.nodes {
            node.details.push("x".repeat(300));
        }
        assert!(flowchart(&long).len() > MAX_TEXT);
        let fewer = write(&long);
        assert_eq!(edges(&fewer), 480);
        assert!(fewer.contains("labels are left out"), "{fewer}");
        assert!(!fewer.contains("xxx"));
        assert!(fewer.len() <= MAX_TEXT);
    }

    #[test]
    fn only_safe_characters_stay_as_they_are() {
        assert_eq!(escape("svc-a /v1/x:80, a_b=c."), "svc-a /v1/x:80, a_b=c.");
        assert_eq!(
            escape("\"]) --> x; %%{init}<br>#é|"),
            "#34;#93;#41; --#62; x#59; #37;#37;#123;init#125;#60;br#62;#35;#233;#124;"
        );
    }

    /// A note is one comment line, legible as written, whatever it holds: nothing ends the
    /// line, and no `%%{` opens a directive.
    #[test]
    fn a_note_stays_one_legible_comment_line() {
        let note = "2 services (a, b) in ns 'x' <br> #40; \"q\" %%{init: {'theme':'dark'}}%%\r\n\
                    n9[\"evil\"]\u{2028}%%{init}%%\u{85}end";
        let mut graph = mesh(1);
        graph.notes = vec![note.to_string()];
        let chart = flowchart(&graph);
        let line = chart.lines().nth(1).unwrap();
        assert_eq!(
            line,
            "  %% 2 services (a, b) in ns 'x' <br> #40; \"q\" ％％{init: {'theme':'dark'}}％％\
             \u{240d}\u{240a}n9[\"evil\"] ％％{init}％％\u{fffd}end"
        );
        assert_eq!(chart.matches('%').count(), 2, "{chart}");
        assert_eq!(chart.lines().filter(|l| l.contains("evil")).count(), 1);
        assert!(!chart.contains(['\r', '\u{2028}', '\u{2029}', '\u{85}']));
    }
}
