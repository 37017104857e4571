//! Coarser pictures of a large mesh, for a format with a size limit (Mermaid on GitHub): the
//! same graph without its labels ([`plain`]), and every group's services as one node with their
//! edges merged ([`by_group`]).

use std::collections::BTreeMap;

use super::collapse::titles;
use super::model::{Edge, EdgeKind, Graph, Node, NodeKind, Verdict};

/// How many service names a group's node lists before `and N more`.
const LISTED: usize = 3;

/// How many characters of a note a condensed picture keeps.
const NOTE_CHARS: usize = 240;

/// `graph` with titles only: no node details, no edge labels (verdicts still style the edges).
pub(super) fn plain(graph: &Graph) -> Graph {
    Graph {
        groups: graph.groups.clone(),
        nodes: graph
            .nodes
            .iter()
            .map(|node| Node {
                details: Vec::new(),
                ..node.clone()
            })
            .collect(),
        edges: graph
            .edges
            .iter()
            .map(|edge| Edge {
                labels: Vec::new(),
                ..edge.clone()
            })
            .collect(),
        notes: short_notes(&graph.notes),
    }
}

/// `graph` with the services of each group drawn as one node (`N services`, the first names
/// listed), and the edges between two nodes of one kind merged into one (`N grants`, allowed if
/// all were, refused if all were, partly refused otherwise).
pub(super) fn by_group(graph: &Graph) -> Graph {
    let mut nodes: Vec<Node> = Vec::new();
    let mut index = vec![0; graph.nodes.len()];
    // The node standing for each group's services, by group.
    let mut services: BTreeMap<usize, (usize, Vec<&Node>)> = BTreeMap::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        if node.kind == NodeKind::Service {
            let (at, members) = services.entry(node.group).or_insert_with(|| {
                nodes.push(node.clone());
                (nodes.len() - 1, Vec::new())
            });
            members.push(node);
            index[i] = *at;
        } else {
            nodes.push(node.clone());
            index[i] = nodes.len() - 1;
        }
    }
    for (at, members) in services.values() {
        if members.len() > 1 {
            nodes[*at] = group_node(members);
        }
    }
    let mut merged: BTreeMap<(usize, usize, EdgeKind), Vec<&Edge>> = BTreeMap::new();
    for edge in &graph.edges {
        merged
            .entry((index[edge.from], index[edge.to], edge.kind))
            .or_default()
            .push(edge);
    }
    let edges = merged
        .into_iter()
        .map(|((from, to, kind), parts)| merge_edges(from, to, kind, &parts))
        .collect();
    let mut notes = short_notes(&graph.notes);
    notes.extend(
        services
            .values()
            .filter(|(_, members)| members.len() > 1)
            .map(|(at, members)| {
                format!(
                    "{} services drawn as one node in {}",
                    members.len(),
                    graph.groups[nodes[*at].group].title
                )
            }),
    );
    Graph {
        groups: graph.groups.clone(),
        nodes,
        edges,
        notes,
    }
}

/// One node for a group's services: how many, the first names (the collapsed count where a
/// node already stood for several), and every member's text.
fn group_node(members: &[&Node]) -> Node {
    let count: usize = members.iter().map(|m| services_in(m)).sum();
    let details = titles(members, LISTED);
    let explain = members
        .iter()
        .map(|m| m.explain.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    Node {
        kind: NodeKind::Service,
        group: members[0].group,
        title: format!("{count} services"),
        details,
        explain,
    }
}

/// How many services a node stands for: one, or the count in a collapsed node's title (a
/// service's own name, a DNS label, has no space).
fn services_in(node: &Node) -> usize {
    node.title
        .strip_suffix(" services")
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

fn merge_edges(from: usize, to: usize, kind: EdgeKind, parts: &[&Edge]) -> Edge {
    if let [only] = parts {
        return Edge {
            from,
            to,
            ..(*only).clone()
        };
    }
    let mut reasons: Vec<String> = Vec::new();
    let (mut allowed, mut denied) = (0, 0);
    for part in parts {
        match &part.verdict {
            Verdict::Allowed => allowed += 1,
            Verdict::Denied(reason) => {
                denied += 1;
                reasons.push(reason.clone());
            }
            Verdict::Partial(why) => reasons.extend(why.iter().cloned()),
        }
    }
    reasons.sort();
    reasons.dedup();
    let verdict = if allowed == parts.len() {
        Verdict::Allowed
    } else if denied == parts.len() {
        Verdict::Denied(reasons.swap_remove(0))
    } else {
        Verdict::Partial(reasons)
    };
    Edge {
        from,
        to,
        kind,
        labels: vec![format!("{} grants", parts.len())],
        verdict,
    }
}

fn short_notes(notes: &[String]) -> Vec<String> {
    notes
        .iter()
        .map(|note| {
            if note.chars().count() <= NOTE_CHARS {
                note.clone()
            } else {
                let mut short: String = note.chars().take(NOTE_CHARS).collect();
                short.push('…');
                short
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::model::Group;

    fn node(kind: NodeKind, group: usize, title: &str) -> Node {
        Node {
            kind,
            group,
            title: title.into(),
            details: vec!["port 80".into()],
            explain: format!("{title} text"),
        }
    }

    fn edge(from: usize, to: usize, verdict: Verdict) -> Edge {
        Edge {
            from,
            to,
            kind: EdgeKind::Caller,
            labels: vec!["GET /".into()],
            verdict,
        }
    }

    #[test]
    fn a_group_s_services_become_one_node_and_their_edges_one_edge() {
        let graph = Graph {
            groups: vec![
                Group {
                    title: "outside".into(),
                },
                Group { title: "ns".into() },
            ],
            nodes: vec![
                node(NodeKind::Caller, 0, "monitoring"),
                node(NodeKind::Service, 1, "a"),
                node(NodeKind::Service, 1, "b"),
                node(NodeKind::Service, 1, "c"),
                node(NodeKind::Service, 1, "d"),
            ],
            edges: vec![
                edge(0, 1, Verdict::Allowed),
                edge(0, 2, Verdict::Allowed),
                edge(1, 2, Verdict::Allowed),
                edge(2, 3, Verdict::Denied("no".into())),
            ],
            notes: vec!["x".repeat(300)],
        };
        let condensed = by_group(&graph);
        let titles: Vec<&str> = condensed.nodes.iter().map(|n| n.title.as_str()).collect();
        assert_eq!(titles, ["monitoring", "4 services"]);
        assert_eq!(condensed.nodes[1].details, ["a", "b", "c", "and 1 more"]);
        assert!(condensed.nodes[1].explain.contains("d text"));
        assert_eq!(condensed.edges.len(), 2);
        assert_eq!(condensed.edges[0].labels, ["2 grants"]);
        assert_eq!(condensed.edges[0].verdict, Verdict::Allowed);
        assert_eq!((condensed.edges[1].from, condensed.edges[1].to), (1, 1));
        assert_eq!(
            condensed.edges[1].verdict,
            Verdict::Partial(vec!["no".into()])
        );
        assert_eq!(condensed.notes[0].chars().count(), NOTE_CHARS + 1);
        assert_eq!(condensed.notes[1], "4 services drawn as one node in ns");
        let plain = plain(&graph);
        assert!(plain.nodes.iter().all(|n| n.details.is_empty()));
        assert!(plain.edges.iter().all(|e| e.labels.is_empty()));
    }
}
