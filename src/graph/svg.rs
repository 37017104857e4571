//! The graph as a standalone SVG, laid out by meshc itself ([`super::layout`]): no Graphviz, no
//! script, no font or file fetched. Hovering a node or an edge shows its full text (`<title>`).
//!
//! Identifiers are indices (`n3`); every text is XML-escaped, in content and in attributes.

use std::fmt::Write;

use super::layout::{self, CHAR_WIDTH, GROUP_TITLE, LINE_HEIGHT, Layout, PAD, Rect, clip};
use super::model::{Graph, INSTALL, NodeKind};

/// `text` escaped for XML content and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The styles: node colours by kind, edge colours by verdict.
const STYLE: &str = "\
.group rect{fill:#f8fafc;stroke:#94a3b8;stroke-dasharray:4 3}\
.group text{fill:#475569;font-style:italic}\
.node rect{stroke-width:1.5}\
.node text{fill:#0f172a}\
.node .title{font-weight:bold}\
.tenant rect{fill:#f3e8ff;stroke:#7c3aed}\
.gateway rect{fill:#dbeafe;stroke:#1d4ed8}\
.caller rect{fill:#f1f5f9;stroke:#475569}\
.service rect{fill:#ecfdf5;stroke:#047857}\
.any rect{fill:#f0fdf4;stroke:#15803d;stroke-dasharray:3 3}\
.external rect{fill:#fff7ed;stroke:#c2410c}\
.edge path{fill:none;stroke-width:1.5}\
.edge text{font-size:10px;paint-order:stroke;stroke:#fff;stroke-width:3px}\
.allowed path{stroke:#15803d}.allowed text{fill:#14532d}\
.partial path{stroke:#d97706;stroke-dasharray:6 3}.partial text{fill:#78350f}\
.denied path{stroke:#dc2626;stroke-dasharray:3 3}.denied text{fill:#7f1d1d}\
.notes{fill:#475569}";

/// The styles of the install's nodes, added only to a graph of several clusters (so that the
/// drawing of one cluster keeps its bytes).
const CLUSTER_STYLE: &str = "\
.istiod rect{fill:#e0e7ff;stroke:#4338ca}\
.workloads rect{fill:#f8fafc;stroke:#4338ca;stroke-dasharray:4 2}\
.install path{stroke:#4338ca;stroke-dasharray:2 3}.install text{fill:#1e1b4b}";

/// The colour of the install's arrowheads, in a graph of several clusters.
const INSTALL_MARKER: (&str, &str) = (INSTALL, "#4338ca");

/// The colour of each verdict's arrowhead.
const MARKERS: &[(&str, &str)] = &[
    ("allowed", "#15803d"),
    ("partial", "#d97706"),
    ("denied", "#dc2626"),
];

/// The mesh's group, whose callers stand with its services.
pub(super) fn mesh_group(graph: &Graph) -> Option<usize> {
    graph
        .nodes
        .iter()
        .find(|n| n.kind == NodeKind::Service)
        .map(|n| n.group)
}

/// The SVG document, laid out.
pub(super) fn write(graph: &Graph) -> String {
    let layout = layout::layout(graph, mesh_group(graph));
    let mut out = String::new();
    svg(&mut out, graph, &layout);
    out
}

/// Writes the `<svg>` element of `graph` into `out`.
pub(super) fn svg(out: &mut String, graph: &Graph, layout: &Layout) {
    let notes = i64::try_from(graph.notes.len()).unwrap_or(0) * LINE_HEIGHT;
    let (width, height) = (layout.width, layout.height + notes);
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" \
         font-size=\"12\">"
    );
    out.push_str("<title>meshc graph</title>\n");
    let clusters = graph
        .nodes
        .iter()
        .any(|n| matches!(n.kind, NodeKind::Istiod | NodeKind::Workloads));
    let extra = if clusters { CLUSTER_STYLE } else { "" };
    let _ = writeln!(out, "<style>{STYLE}{extra}</style>");
    out.push_str("<defs>");
    let install = clusters.then_some(&INSTALL_MARKER);
    for (class, colour) in MARKERS.iter().chain(install) {
        let _ = write!(
            out,
            "<marker id=\"arrow-{class}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
             markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">\
             <path d=\"M0,0L10,5L0,10z\" fill=\"{colour}\"/></marker>"
        );
    }
    out.push_str("</defs>\n");
    for (group, rect) in graph.groups.iter().zip(&layout.groups) {
        let Some(r) = rect else { continue };
        let _ = writeln!(
            out,
            "<g class=\"group\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\"/>\
             <text x=\"{}\" y=\"{}\">{}</text></g>",
            r.x,
            r.y,
            r.w,
            r.h,
            r.x + PAD,
            r.y + GROUP_TITLE - 2,
            escape(&clip(&group.title))
        );
    }
    edges(out, graph, layout);
    for (i, (node, r)) in graph.nodes.iter().zip(&layout.nodes).enumerate() {
        let mut full = vec![node.title.as_str()];
        full.extend(node.details.iter().map(String::as_str));
        let _ = write!(
            out,
            "<g class=\"node {}\" id=\"n{i}\" data-title=\"{}\" tabindex=\"0\">\
             <title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\"/><text>",
            node.kind.class(),
            escape(&node.title),
            escape(&full.join("\n")),
            r.x,
            r.y,
            r.w,
            r.h
        );
        for (line, text) in full.iter().enumerate() {
            let y = r.y + PAD + LINE_HEIGHT * (i64::try_from(line).unwrap_or(0) + 1) - 3;
            let class = if line == 0 { " class=\"title\"" } else { "" };
            let _ = write!(
                out,
                "<tspan x=\"{}\" y=\"{y}\"{class}>{}</tspan>",
                r.x + PAD,
                escape(&clip(text))
            );
        }
        out.push_str("</text></g>\n");
    }
    for (k, note) in graph.notes.iter().enumerate() {
        let y = layout.height + LINE_HEIGHT * i64::try_from(k).unwrap_or(0);
        let _ = writeln!(
            out,
            "<text class=\"notes\" x=\"20\" y=\"{y}\">{}</text>",
            escape(note)
        );
    }
    out.push_str("</svg>\n");
}

/// The point of the cubic Bézier through `points` at `t`.
#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn at(t: f64, points: [(i64, i64); 4]) -> (i64, i64) {
    let rest = 1.0 - t;
    let weights = [
        rest * rest * rest,
        3.0 * rest * rest * t,
        3.0 * rest * t * t,
        t * t * t,
    ];
    let mix = |coordinate: fn(&(i64, i64)) -> i64| -> i64 {
        points
            .iter()
            .zip(weights)
            .map(|(p, w)| coordinate(p) as f64 * w)
            .sum::<f64>()
            .round() as i64
    };
    (mix(|p| p.0), mix(|p| p.1))
}

/// Where along an edge its label may go, best first.
const PLACES: &[f64] = &[0.5, 0.35, 0.65, 0.22, 0.78, 0.12, 0.88];

/// The side of a cell of [`Obstacles`].
const CELL: i64 = 64;

/// Boxes already drawn (nodes, labels), in a grid so that a large graph stays fast.
#[derive(Default)]
struct Obstacles {
    cells: std::collections::HashMap<(i64, i64), Vec<Rect>>,
}

impl Obstacles {
    fn cells(r: &Rect) -> impl Iterator<Item = (i64, i64)> {
        let (x0, x1) = (r.x.div_euclid(CELL), (r.x + r.w).div_euclid(CELL));
        let (y0, y1) = (r.y.div_euclid(CELL), (r.y + r.h).div_euclid(CELL));
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
    }

    fn add(&mut self, r: Rect) {
        for cell in Self::cells(&r) {
            self.cells.entry(cell).or_default().push(r);
        }
    }

    fn hits(&self, r: &Rect) -> bool {
        Self::cells(r).any(|cell| {
            self.cells.get(&cell).is_some_and(|list| {
                list.iter().any(|o| {
                    r.x < o.x + o.w && o.x < r.x + r.w && r.y < o.y + o.h && o.y < r.y + r.h
                })
            })
        })
    }
}

/// The height of a line of an edge's label.
const EDGE_LINE: i64 = 12;

fn edges(out: &mut String, graph: &Graph, layout: &Layout) {
    let mut obstacles = Obstacles::default();
    for r in &layout.nodes {
        obstacles.add(*r);
    }
    // Edges between the same two nodes with the same verdict are drawn as one arrow, their
    // labels stacked.
    let mut bundles: Vec<(usize, usize, &str, Vec<String>)> = Vec::new();
    for edge in &graph.edges {
        let lines = edge.lines();
        match bundles
            .iter_mut()
            .find(|(f, t, v, _)| *f == edge.from && *t == edge.to && *v == edge.class())
        {
            Some((_, _, _, all)) => all.extend(lines),
            None => bundles.push((edge.from, edge.to, edge.class(), lines)),
        }
    }
    for (source, target, class, full) in bundles {
        let (from, to): (Rect, Rect) = (layout.nodes[source], layout.nodes[target]);
        let forward = layout.columns[target] > layout.columns[source];
        let start = from.right();
        let (end, c1, c2) = if forward {
            let end = to.left();
            let bend = (end.0 - start.0) / 2;
            (end, (start.0 + bend, start.1), (end.0 - bend, end.1))
        } else {
            // Within a column or back: a loop out to the right and back in.
            let end = to.right();
            let reach = 60 + (start.1 - end.1).abs() / 8;
            (end, (start.0 + reach, start.1), (end.0 + reach, end.1))
        };
        let lines: Vec<String> = full.iter().map(|l| clip(l)).collect();
        let count = i64::try_from(lines.len()).unwrap_or(1);
        let width = lines
            .iter()
            .map(|l| i64::try_from(l.chars().count()).unwrap_or(0) * (CHAR_WIDTH - 1))
            .max()
            .unwrap_or(0);
        let label = |t: f64| {
            let (x, y) = at(t, [start, c1, c2, end]);
            Rect {
                x: x - width / 2,
                y: y - count * EDGE_LINE / 2,
                w: width,
                h: count * EDGE_LINE,
            }
        };
        let place = PLACES
            .iter()
            .flat_map(|&t| {
                let r = label(t);
                [0, -r.h, r.h].map(|dy| Rect { y: r.y + dy, ..r })
            })
            .find(|r| !obstacles.hits(r))
            .unwrap_or_else(|| label(PLACES[0]));
        obstacles.add(place);
        let _ = write!(
            out,
            "<g class=\"edge {class}\" data-from=\"n{}\" data-to=\"n{}\"><title>{}</title>\
             <path d=\"M{},{} C{},{} {},{} {},{}\" marker-end=\"url(#arrow-{class})\"/><text>",
            source,
            target,
            escape(&full.join("\n")),
            start.0,
            start.1,
            c1.0,
            c1.1,
            c2.0,
            c2.1,
            end.0,
            end.1
        );
        for (k, line) in lines.iter().enumerate() {
            let _ = write!(
                out,
                "<tspan x=\"{}\" y=\"{}\">{}</tspan>",
                place.x,
                place.y + EDGE_LINE * (i64::try_from(k).unwrap_or(0) + 1) - 2,
                escape(line)
            );
        }
        out.push_str("</text></g>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape(r#"<script>"a" & 'b'</script>"#),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
