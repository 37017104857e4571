//! `meshc graph`: a picture of who reaches what. Nodes are what the profile declares (the
//! gateway, services with their subsets and weights, external services, tenants, outside
//! callers), grouped by namespace; edges are what it grants (gateway routes, callers, tenants'
//! reach, egress), each kept with the verdict of meshc's simulator on the requests it stands
//! for, and labelled with methods, path prefixes, the split and the region pin the simulator
//! saw. Services with the same edges are collapsed into one node, which names them.
//!
//! [`build`] makes the [`Graph`]; [`write`] draws it in one [`Format`]; [`changes`] draws the
//! edges that differ between two graphs (`meshc diff --format markdown`). Each writer escapes
//! every text for its format and names nodes by index, so no value can change the drawing's
//! shape.

mod build;
mod changes;
mod clusters;
mod collapse;
mod condense;
mod dot;
mod html;
mod layout;
mod mermaid;
mod model;
mod probe;
mod svg;

pub use build::build;
pub(crate) use changes::changes;
pub use collapse::collapse;
pub(crate) use model::Graph;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A Mermaid flowchart, for Markdown.
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// A standalone SVG, laid out by meshc.
    Svg,
    /// One self-contained HTML page around the SVG, with each node's explanation.
    Html,
}

/// `graph` drawn in `format`.
pub fn write(graph: &Graph, format: Format) -> String {
    match format {
        Format::Mermaid => mermaid::write(graph),
        Format::Dot => dot::write(graph),
        Format::Svg => svg::write(graph),
        Format::Html => html::write(graph),
    }
}
