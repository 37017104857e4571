//! `meshc graph PROFILE [--format mermaid|dot|svg|html]`: who reaches what, drawn from the
//! simulator's answers on the rendered mesh. The profile is validated and its render checked,
//! but not proven ([`crate::pipeline::compile_unproved`]): a grant the mesh refuses is drawn
//! refused.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Exit, Output, load_unproved, write_stdout};
use crate::graph::{self, Format, Graph};
use crate::pipeline::Simulated;

/// Arguments of `meshc graph`.
#[derive(Debug, Args)]
pub(super) struct GraphArgs {
    /// The profile (TOML).
    profile: PathBuf,
    /// The drawing's format.
    #[arg(long, value_enum, default_value_t = FormatArg::Mermaid)]
    format: FormatArg,
    /// Draw every service, even those with the same edges as others (collapsed by default).
    #[arg(long)]
    expand: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// A Mermaid flowchart, for Markdown and pull requests.
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// A standalone SVG, laid out by meshc.
    Svg,
    /// One self-contained HTML page: the SVG, and each node's explanation on hover or click.
    Html,
}

impl GraphArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        let (_, simulated) = match load_unproved(&self.profile, output) {
            Ok(loaded) => loaded,
            Err(exit) => return exit,
        };
        let mut drawn = draw(&simulated);
        if !self.expand {
            drawn = graph::collapse(drawn);
        }
        let format = match self.format {
            FormatArg::Mermaid => Format::Mermaid,
            FormatArg::Dot => Format::Dot,
            FormatArg::Svg => Format::Svg,
            FormatArg::Html => Format::Html,
        };
        write_stdout(&graph::write(&drawn, format), output)
    }
}

/// The graph of a compiled profile: every grant judged by the simulator on its render.
pub(super) fn draw(simulated: &Simulated) -> Graph {
    graph::build(
        &simulated.profile,
        &simulated.compiled.plan,
        &simulated.mesh,
    )
}
