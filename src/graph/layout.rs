//! Where each box goes, for meshc's own SVG: a layered drawing, left to right. Tenants, the
//! gateway and outside callers stand in the first column; each service one column right of the
//! nearest thing that reaches it; external services in the last. Within a column, nodes keep
//! their group together and sit near the nodes that reach them (the mean height of their
//! sources), so edges cross less. Integer coordinates: the same graph, the same bytes.

use super::model::{Graph, NodeKind, Verdict};

/// The width of a character, for the font size the SVG uses (a generous mean for sans-serif).
pub(super) const CHAR_WIDTH: i64 = 7;
/// The height of a line of text.
pub(super) const LINE_HEIGHT: i64 = 15;
/// The most characters a line of a box shows; the rest is cut with `…` (the full text is in
/// the node's tooltip).
pub(super) const MAX_CHARS: usize = 44;
/// Padding inside a box.
pub(super) const PAD: i64 = 8;
/// Space between columns, for the edges' labels.
const COLUMN_GAP: i64 = 280;
/// Space between boxes of a column.
const ROW_GAP: i64 = 14;
/// Space between a group's box and its nodes, and the height of its title.
pub(super) const GROUP_PAD: i64 = 10;
/// The height of a group's title line.
pub(super) const GROUP_TITLE: i64 = 18;
/// Space between groups in a column.
const GROUP_GAP: i64 = 16;
/// Margin around everything.
const MARGIN: i64 = 20;

/// A rectangle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Rect {
    /// Left.
    pub(super) x: i64,
    /// Top.
    pub(super) y: i64,
    /// Width.
    pub(super) w: i64,
    /// Height.
    pub(super) h: i64,
}

impl Rect {
    /// The middle of its left side.
    pub(super) fn left(&self) -> (i64, i64) {
        (self.x, self.y + self.h / 2)
    }

    /// The middle of its right side.
    pub(super) fn right(&self) -> (i64, i64) {
        (self.x + self.w, self.y + self.h / 2)
    }
}

/// Every box's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Layout {
    /// The whole drawing's width.
    pub(super) width: i64,
    /// Its height.
    pub(super) height: i64,
    /// Each node's box, by node index.
    pub(super) nodes: Vec<Rect>,
    /// Each node's column.
    pub(super) columns: Vec<usize>,
    /// Each group's box (`None` for a group without nodes).
    pub(super) groups: Vec<Option<Rect>>,
}

/// A line as drawn: cut to [`MAX_CHARS`].
pub(super) fn clip(line: &str) -> String {
    if line.chars().count() <= MAX_CHARS {
        line.to_string()
    } else {
        let mut cut: String = line.chars().take(MAX_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

fn text_width(line: &str) -> i64 {
    i64::try_from(clip(line).chars().count()).unwrap_or(0) * CHAR_WIDTH
}

/// Each node's column: 0 for what enters the mesh, services by their distance from it,
/// external services last.
fn columns(graph: &Graph, mesh_group: Option<usize>) -> Vec<usize> {
    let n = graph.nodes.len();
    let mut column: Vec<Option<usize>> = graph
        .nodes
        .iter()
        .map(|node| match node.kind {
            NodeKind::Tenant | NodeKind::Gateway | NodeKind::Istiod | NodeKind::Workloads => {
                Some(0)
            }
            NodeKind::Caller if Some(node.group) != mesh_group => Some(0),
            _ => None,
        })
        .collect();
    // Breadth first from the first column, over edges that let something through.
    let mut frontier: Vec<usize> = (0..n).filter(|&i| column[i].is_some()).collect();
    let mut depth = 0;
    while !frontier.is_empty() {
        depth += 1;
        let mut in_frontier = vec![false; n];
        for &i in &frontier {
            in_frontier[i] = true;
        }
        let mut next = Vec::new();
        for edge in &graph.edges {
            let target = &graph.nodes[edge.to];
            if in_frontier[edge.from]
                && column[edge.to].is_none()
                && target.kind == NodeKind::Service
                && !matches!(edge.verdict, Verdict::Denied(_))
            {
                column[edge.to] = Some(depth);
                next.push(edge.to);
            }
        }
        next.sort_unstable();
        next.dedup();
        frontier = next;
    }
    let deepest = column.iter().flatten().copied().max().unwrap_or(0).max(1);
    graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| match node.kind {
            NodeKind::External => deepest + 1,
            NodeKind::AnyService => deepest,
            _ => column[i].unwrap_or(1),
        })
        .collect()
}

/// The size of a node's box.
fn size(graph: &Graph, i: usize) -> (i64, i64) {
    let node = &graph.nodes[i];
    let widest = std::iter::once(&node.title)
        .chain(&node.details)
        .map(|l| text_width(l))
        .max()
        .unwrap_or(0);
    let lines = i64::try_from(1 + node.details.len()).unwrap_or(1);
    (widest.max(80) + 2 * PAD, lines * LINE_HEIGHT + 2 * PAD)
}

/// Lays `graph` out.
pub(super) fn layout(graph: &Graph, mesh_group: Option<usize>) -> Layout {
    let n = graph.nodes.len();
    let columns = columns(graph, mesh_group);
    let count = columns.iter().copied().max().map_or(0, |c| c + 1);
    let sizes: Vec<(i64, i64)> = (0..n).map(|i| size(graph, i)).collect();
    let mut boxes = vec![Rect::default(); n];
    let mut sources = vec![Vec::new(); n];
    for edge in &graph.edges {
        sources[edge.to].push(edge.from);
    }
    let mut x = MARGIN + GROUP_PAD;
    let mut height = 0;
    for column in 0..count {
        let mut members: Vec<usize> = (0..n).filter(|&i| columns[i] == column).collect();
        // The mean height of each member's sources in earlier columns, placed already.
        let centre = |i: usize| -> Option<i64> {
            let ys: Vec<i64> = sources[i]
                .iter()
                .filter(|&&from| columns[from] < column)
                .map(|&from| boxes[from].y + boxes[from].h / 2)
                .collect();
            let count = i64::try_from(ys.len()).ok()?;
            (count > 0).then(|| ys.iter().sum::<i64>() / count)
        };
        let mut keyed: Vec<(usize, bool, Option<i64>, usize)> = members
            .iter()
            .map(|&i| {
                let centre = centre(i);
                (graph.nodes[i].group, centre.is_none(), centre, i)
            })
            .collect();
        keyed.sort_unstable();
        members = keyed.into_iter().map(|(_, _, _, i)| i).collect();
        if members.is_empty() {
            // No tenant, gateway or outside caller: the drawing starts with the services.
            continue;
        }
        let width = members.iter().map(|&i| sizes[i].0).max().unwrap_or(0);
        let mut y = MARGIN + GROUP_PAD + GROUP_TITLE;
        let mut previous_group = None;
        for &i in &members {
            let group = graph.nodes[i].group;
            if previous_group.is_some_and(|g| g != group) {
                y += 2 * GROUP_PAD + GROUP_TITLE + GROUP_GAP;
            }
            previous_group = Some(group);
            boxes[i] = Rect {
                x,
                y,
                w: sizes[i].0,
                h: sizes[i].1,
            };
            y += sizes[i].1 + if column == 0 { 3 * ROW_GAP } else { ROW_GAP };
        }
        height = height.max(y);
        x += width + COLUMN_GAP;
    }
    let groups = (0..graph.groups.len())
        .map(|g| {
            let mut members = (0..n).filter(|&i| graph.nodes[i].group == g).peekable();
            members.peek()?;
            let (mut left, mut top, mut right, mut bottom) =
                (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
            for i in members {
                let b = boxes[i];
                left = left.min(b.x);
                top = top.min(b.y);
                right = right.max(b.x + b.w);
                bottom = bottom.max(b.y + b.h);
            }
            Some(Rect {
                x: left - GROUP_PAD,
                y: top - GROUP_PAD - GROUP_TITLE,
                w: right - left + 2 * GROUP_PAD,
                h: bottom - top + 2 * GROUP_PAD + GROUP_TITLE,
            })
        })
        .collect();
    Layout {
        width: x - COLUMN_GAP + GROUP_PAD + MARGIN + 120,
        height: height + MARGIN,
        nodes: boxes,
        columns,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::model::{Edge, EdgeKind, Group, Node};

    fn node(kind: NodeKind, group: usize, title: &str) -> Node {
        Node {
            kind,
            group,
            title: title.into(),
            details: Vec::new(),
            explain: String::new(),
        }
    }

    fn edge(from: usize, to: usize, verdict: Verdict) -> Edge {
        Edge {
            from,
            to,
            kind: EdgeKind::Caller,
            labels: Vec::new(),
            verdict,
        }
    }

    #[test]
    fn services_stand_one_column_right_of_what_reaches_them() {
        let graph = Graph {
            groups: vec![
                Group { title: "a".into() },
                Group { title: "b".into() },
                Group { title: "c".into() },
            ],
            nodes: vec![
                node(NodeKind::Gateway, 0, "gw"),
                node(NodeKind::Service, 1, "front"),
                node(NodeKind::Service, 1, "back"),
                node(NodeKind::Service, 1, "alone"),
                node(NodeKind::Service, 1, "refused"),
                node(NodeKind::External, 2, "api"),
            ],
            edges: vec![
                edge(0, 1, Verdict::Allowed),
                edge(1, 2, Verdict::Partial(Vec::new())),
                edge(0, 4, Verdict::Denied(String::new())),
            ],
            notes: Vec::new(),
        };
        let layout = layout(&graph, Some(1));
        assert_eq!(layout.columns, [0, 1, 2, 1, 1, 3]);
        let b = &layout.nodes;
        assert!(b[0].x < b[1].x && b[1].x < b[2].x && b[2].x < b[5].x);
        // Within a column, what is reached comes before what is not.
        assert!(b[1].y < b[3].y);
        let mesh = layout.groups[1].unwrap();
        for r in &b[1..5] {
            assert!(mesh.x < r.x && r.x + r.w < mesh.x + mesh.w, "{r:?}");
            assert!(mesh.y < r.y && r.y + r.h < mesh.y + mesh.h, "{r:?}");
        }
        assert!(layout.width > b[5].x + b[5].w && layout.height > b[3].y + b[3].h);
    }

    #[test]
    fn long_lines_are_cut() {
        assert_eq!(clip("short"), "short");
        let long = "x".repeat(60);
        assert_eq!(clip(&long).chars().count(), MAX_CHARS);
        assert!(clip(&long).ends_with('…'));
    }
}
