//! Large meshes stay readable: services of one group whose edges are the same (same peers, same
//! labels, same verdicts) are drawn as one node that names them, and a note says so.

use std::collections::{BTreeMap, HashSet};

use super::model::{Edge, EdgeKind, Graph, Node, NodeKind, Verdict};

/// How many names a collapsed node lists before `and N more`.
const LISTED: usize = 6;

/// One end of an edge as a service sees it: the peer, and the edge without its ends.
type Side<'a> = (usize, EdgeKind, &'a [String], &'a Verdict);

fn side(edge: &Edge, peer: usize) -> Side<'_> {
    (peer, edge.kind, &edge.labels[..], &edge.verdict)
}

/// `graph` with every set of two or more services of the same group with the same edges merged
/// into one node.
pub fn collapse(graph: Graph) -> Graph {
    let mut signatures: BTreeMap<(usize, Vec<Side<'_>>, Vec<Side<'_>>), Vec<usize>> =
        BTreeMap::new();
    let mut incoming: Vec<Vec<Side<'_>>> = vec![Vec::new(); graph.nodes.len()];
    let mut outgoing: Vec<Vec<Side<'_>>> = vec![Vec::new(); graph.nodes.len()];
    for edge in &graph.edges {
        incoming[edge.to].push(side(edge, edge.from));
        outgoing[edge.from].push(side(edge, edge.to));
    }
    for (i, (mut into, mut out)) in incoming.into_iter().zip(outgoing).enumerate() {
        let node = &graph.nodes[i];
        if node.kind != NodeKind::Service {
            continue;
        }
        into.sort();
        out.sort();
        signatures
            .entry((node.group, into, out))
            .or_default()
            .push(i);
    }
    let mut merged_into: Vec<usize> = (0..graph.nodes.len()).collect();
    let mut sets: Vec<Vec<usize>> = signatures.into_values().filter(|s| s.len() > 1).collect();
    if sets.is_empty() {
        return graph;
    }
    sets.sort();
    for set in &sets {
        for &member in &set[1..] {
            merged_into[member] = set[0];
        }
    }
    let Graph {
        groups,
        nodes,
        edges,
        mut notes,
    } = graph;
    // The first member of each set stands for the set; the others go.
    let by_first: BTreeMap<usize, &Vec<usize>> = sets.iter().map(|s| (s[0], s)).collect();
    let mut kept = Vec::new();
    let mut new_index = vec![0; nodes.len()];
    for (i, node) in nodes.iter().enumerate() {
        if merged_into[i] == i {
            new_index[i] = kept.len();
            let node = match by_first.get(&i) {
                Some(set) => {
                    let members: Vec<&Node> = set.iter().map(|&m| &nodes[m]).collect();
                    notes.push(format!(
                        "{} services with the same edges are drawn as one: {}",
                        members.len(),
                        members
                            .iter()
                            .map(|m| m.title.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    merged(&members)
                }
                None => node.clone(),
            };
            kept.push(node);
        }
    }
    for i in 0..nodes.len() {
        new_index[i] = new_index[merged_into[i]];
    }
    // Merged services' edges become the same edge: kept once, in first-seen order (a set, since
    // looking each up in the list was quadratic in the edges).
    let mut seen = HashSet::new();
    let mut out_edges: Vec<Edge> = Vec::new();
    for mut edge in edges {
        edge.from = new_index[edge.from];
        edge.to = new_index[edge.to];
        if seen.insert(edge.clone()) {
            out_edges.push(edge);
        }
    }
    Graph {
        groups,
        nodes: kept,
        edges: out_edges,
        notes,
    }
}

/// The titles of the first `listed` members, and how many more there are.
pub(super) fn titles(members: &[&Node], listed: usize) -> Vec<String> {
    let mut titles: Vec<String> = members
        .iter()
        .take(listed)
        .map(|m| m.title.clone())
        .collect();
    if members.len() > listed {
        titles.push(format!("and {} more", members.len() - listed));
    }
    titles
}

/// One node for several services: how many, their names, and each one's text.
fn merged(members: &[&Node]) -> Node {
    let details = titles(members, LISTED);
    let mut explain = format!(
        "{} services with the same edges, drawn as one:\n\n",
        members.len()
    );
    for member in members {
        explain.push_str(&member.explain);
        explain.push('\n');
    }
    Node {
        kind: NodeKind::Service,
        group: members[0].group,
        title: format!("{} services", members.len()),
        details,
        explain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::model::Group;

    fn node(title: &str) -> Node {
        Node {
            kind: NodeKind::Service,
            group: 0,
            title: title.into(),
            details: vec!["port 80".into()],
            explain: format!("{title} text"),
        }
    }

    fn edge(from: usize, to: usize, label: &str) -> Edge {
        Edge {
            from,
            to,
            kind: EdgeKind::Caller,
            labels: vec![label.into()],
            verdict: Verdict::Allowed,
        }
    }

    #[test]
    fn services_with_the_same_edges_become_one_node() {
        let mut caller = node("caller");
        caller.kind = NodeKind::Caller;
        let graph = Graph {
            groups: vec![Group { title: "g".into() }],
            nodes: vec![caller, node("a"), node("b"), node("c"), node("d")],
            edges: vec![
                edge(0, 1, "GET"),
                edge(0, 2, "GET"),
                edge(0, 3, "POST"),
                edge(0, 4, "GET"),
            ],
            notes: Vec::new(),
        };
        let collapsed = collapse(graph);
        let titles: Vec<&str> = collapsed.nodes.iter().map(|n| n.title.as_str()).collect();
        assert_eq!(titles, ["caller", "3 services", "c"]);
        assert_eq!(collapsed.nodes[1].details, ["a", "b", "d"]);
        assert!(collapsed.nodes[1].explain.contains("b text"));
        assert_eq!(collapsed.edges, [edge(0, 1, "GET"), edge(0, 2, "POST")]);
        assert_eq!(
            collapsed.notes,
            ["3 services with the same edges are drawn as one: a, b, d"]
        );
    }

    #[test]
    fn a_graph_without_twins_stays_as_it_is() {
        let graph = Graph {
            groups: vec![Group { title: "g".into() }],
            nodes: vec![node("a"), node("b")],
            edges: vec![edge(0, 1, "GET")],
            notes: Vec::new(),
        };
        assert_eq!(collapse(graph.clone()), graph);
    }
}
