//! The edges that differ between two graphs, as a Mermaid flowchart for a pull-request comment
//! (`meshc diff --format markdown`): green for an edge that appears, red and dashed for one that
//! disappears, amber for one whose label or verdict changes, with what it was.
//!
//! Nodes are matched by kind and name, edges by their ends, their kind and their rank among
//! edges with the same ends and kind (two gateway routes to one service are two edges).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::mermaid::label;
use super::model::{Edge, EdgeKind, Graph, NodeKind};

/// An edge's identity across two graphs.
type EdgeKey = ((NodeKind, String), (NodeKind, String), EdgeKind, usize);

fn edges(graph: &Graph) -> BTreeMap<EdgeKey, &Edge> {
    let mut rank: BTreeMap<(usize, usize, EdgeKind), usize> = BTreeMap::new();
    let node = |i: usize| (graph.nodes[i].kind, graph.nodes[i].title.clone());
    graph
        .edges
        .iter()
        .map(|edge| {
            let n = rank.entry((edge.from, edge.to, edge.kind)).or_default();
            *n += 1;
            ((node(edge.from), node(edge.to), edge.kind, *n), edge)
        })
        .collect()
}

/// How an edge changed.
enum Change<'a> {
    Added(&'a Edge),
    Removed(&'a Edge),
    Changed(&'a Edge, &'a Edge),
}

/// The flowchart of the edges that differ from `old` to `new`; `None` when none does.
pub(crate) fn changes(old: &Graph, new: &Graph) -> Option<String> {
    let (before, after) = (edges(old), edges(new));
    let mut changed: Vec<(&EdgeKey, Change<'_>)> = Vec::new();
    for (key, edge) in &before {
        match after.get(key) {
            None => changed.push((key, Change::Removed(edge))),
            Some(now) if now.lines() != edge.lines() => {
                changed.push((key, Change::Changed(edge, now)));
            }
            Some(_) => {}
        }
    }
    for (key, edge) in &after {
        if !before.contains_key(key) {
            changed.push((key, Change::Added(edge)));
        }
    }
    if changed.is_empty() {
        return None;
    }
    changed.sort_by(|a, b| a.0.cmp(b.0));
    let mut nodes: Vec<&(NodeKind, String)> = Vec::new();
    for (key, _) in &changed {
        for end in [&key.0, &key.1] {
            if !nodes.contains(&end) {
                nodes.push(end);
            }
        }
    }
    let index = |end: &(NodeKind, String)| nodes.iter().position(|n| *n == end).unwrap_or(0);
    let mut out = String::from("flowchart LR\n");
    for (i, (_, title)) in nodes.iter().enumerate() {
        let _ = writeln!(out, "  n{i}[{}]", label(&[title]));
    }
    let mut styles: [(Vec<String>, &str); 3] = [
        (Vec::new(), "stroke:#15803d,stroke-width:2px"),
        (
            Vec::new(),
            "stroke:#dc2626,stroke-width:2px,stroke-dasharray:4 3",
        ),
        (Vec::new(), "stroke:#d97706,stroke-width:2px"),
    ];
    for (k, (key, change)) in changed.iter().enumerate() {
        let (lines, arrow, style) = match change {
            Change::Added(edge) => {
                let mut lines = vec!["added".to_string()];
                lines.extend(edge.lines());
                (lines, "-->", 0)
            }
            Change::Removed(edge) => {
                let mut lines = vec!["removed".to_string()];
                lines.extend(edge.lines());
                (lines, "-.->", 1)
            }
            Change::Changed(was, now) => {
                let (was, now) = (was.lines(), now.lines());
                let mut lines = vec!["changed".to_string()];
                lines.extend(now.iter().cloned());
                lines.extend(
                    was.iter()
                        .filter(|l| !now.contains(l))
                        .map(|l| format!("was: {l}")),
                );
                (lines, "-->", 2)
            }
        };
        let _ = writeln!(
            out,
            "  n{} {arrow}|{}| n{}",
            index(&key.0),
            label(&lines),
            index(&key.1)
        );
        styles[style].0.push(k.to_string());
    }
    for (list, stroke) in &styles {
        if !list.is_empty() {
            let _ = writeln!(out, "  linkStyle {} {stroke}", list.join(","));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::model::{Group, Node, Verdict};

    fn node(kind: NodeKind, title: &str) -> Node {
        Node {
            kind,
            group: 0,
            title: title.into(),
            details: Vec::new(),
            explain: String::new(),
        }
    }

    fn graph(edges: Vec<Edge>) -> Graph {
        Graph {
            groups: vec![Group { title: "g".into() }],
            nodes: vec![
                node(NodeKind::Gateway, "gw"),
                node(NodeKind::Service, "a"),
                node(NodeKind::Service, "b"),
            ],
            edges,
            notes: Vec::new(),
        }
    }

    fn edge(to: usize, label: &str, verdict: Verdict) -> Edge {
        Edge {
            from: 0,
            to,
            kind: EdgeKind::Route,
            labels: vec![label.into()],
            verdict,
        }
    }

    #[test]
    fn edges_that_appear_disappear_or_change_are_coloured() {
        let old = graph(vec![
            edge(1, "split v1 80%, v2 20%", Verdict::Allowed),
            edge(2, "/b", Verdict::Allowed),
        ]);
        let new = graph(vec![
            edge(1, "split v1 90%, v2 10%", Verdict::Allowed),
            edge(1, "/admin", Verdict::Denied("denied (403)".into())),
        ]);
        assert_eq!(changes(&old, &old), None);
        let chart = changes(&old, &new).unwrap();
        assert_eq!(
            chart,
            "flowchart LR\n  n0[\"gw\"]\n  n1[\"a\"]\n  n2[\"b\"]\n  \
             n0 -->|\"changed<br>split v1 90#37;, v2 10#37;<br>was: split v1 80#37;, v2 20#37;\"| n1\n  \
             n0 -->|\"added<br>/admin<br>refused: denied #40;403#41;\"| n1\n  \
             n0 -.->|\"removed<br>/b\"| n2\n  \
             linkStyle 1 stroke:#15803d,stroke-width:2px\n  \
             linkStyle 2 stroke:#dc2626,stroke-width:2px,stroke-dasharray:4 3\n  \
             linkStyle 0 stroke:#d97706,stroke-width:2px\n"
        );
    }
}
