//! The picture as data: groups (namespaces, the tenants, the outside), nodes, and edges with the
//! simulator's verdict. Every text here is what a person reads; each writer escapes it for its
//! format, and identifiers in the output are indices (`n3`, `g1`), never profile values.

use std::fmt::Write;

/// A mesh drawn: what reaches what, as the simulator decided it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    /// Groups in drawing order.
    pub groups: Vec<Group>,
    /// Nodes, grouped: every node of a group comes before the nodes of the next group.
    pub nodes: Vec<Node>,
    /// Edges, in a stable order.
    pub edges: Vec<Edge>,
    /// What the picture leaves out or merges, in words.
    pub notes: Vec<String>,
}

/// A box around nodes: a namespace, the tenants, or what lies outside the mesh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// What it is: `namespace nephoran-system`, `tenants`, `outside the mesh`.
    pub title: String,
}

/// What a node stands for; it decides its shape and colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    /// A tenant, calling through the gateway with its token.
    Tenant,
    /// The ingress gateway.
    Gateway,
    /// A caller outside the mesh's services: a namespace or a service account.
    Caller,
    /// A service of the mesh (or several, collapsed).
    Service,
    /// Every service of the mesh at once, as the source of egress.
    AnyService,
    /// An external service.
    External,
    /// The istiod of a primary cluster, which holds the mesh configuration.
    Istiod,
    /// The proxies of a remote cluster, configured by its primary's istiod.
    Workloads,
}

impl NodeKind {
    /// Its name as a CSS class or a legend word.
    pub fn class(self) -> &'static str {
        match self {
            NodeKind::Tenant => "tenant",
            NodeKind::Gateway => "gateway",
            NodeKind::Caller => "caller",
            NodeKind::Service => "service",
            NodeKind::AnyService => "any",
            NodeKind::External => "external",
            NodeKind::Istiod => "istiod",
            NodeKind::Workloads => "workloads",
        }
    }
}

/// One box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// What it stands for.
    pub kind: NodeKind,
    /// Index into [`Graph::groups`].
    pub group: usize,
    /// Its first line: the name.
    pub title: String,
    /// Further lines: subsets and weights, hosts, ports.
    pub details: Vec<String>,
    /// The longer text a viewer shows on demand (`meshc explain` for a service).
    pub explain: String,
}

/// What an edge stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// A gateway route.
    Route,
    /// A tenant's reach.
    Tenant,
    /// A declared caller.
    Caller,
    /// Egress to an external service.
    Egress,
    /// A primary's istiod configuring a remote cluster's proxies (the install's, not a grant).
    Configures,
    /// Traffic between the east-west gateways of two networks (the install's, not a grant).
    CrossNetwork,
}

/// The style of the edges of a cluster's install ([`Edge::class`]).
pub(super) const INSTALL: &str = "install";

/// What the simulator made of the edge's requests.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Every request the edge stands for arrives.
    Allowed,
    /// Some arrive; the reasons the others do not.
    Partial(Vec<String>),
    /// None arrives; why the first did not.
    Denied(String),
}

impl Verdict {
    /// Its name as a CSS class or legend word.
    pub fn class(&self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Partial(_) => "partial",
            Verdict::Denied(_) => "denied",
        }
    }

    /// The line a label adds for it, if any.
    pub fn line(&self) -> Option<String> {
        match self {
            Verdict::Allowed => None,
            Verdict::Partial(reasons) => Some(format!("partly refused: {}", summary(reasons))),
            Verdict::Denied(reason) => Some(format!("refused: {reason}")),
        }
    }
}

/// The first reasons, and how many more.
fn summary(reasons: &[String]) -> String {
    const SHOWN: usize = 2;
    let mut text = reasons
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("; ");
    if reasons.len() > SHOWN {
        let _ = write!(text, "; and {} more", reasons.len() - SHOWN);
    }
    text
}

/// One arrow.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edge {
    /// Index of the source node.
    pub from: usize,
    /// Index of the target node.
    pub to: usize,
    /// What it stands for.
    pub kind: EdgeKind,
    /// Its label, line by line: methods, paths, splits, region pins.
    pub labels: Vec<String>,
    /// The simulator's verdict.
    pub verdict: Verdict,
}

impl Edge {
    /// Its style's name: its verdict's, or `install` for an edge of a cluster's install (which
    /// the simulator does not judge).
    pub fn class(&self) -> &'static str {
        match self.kind {
            EdgeKind::Configures | EdgeKind::CrossNetwork => INSTALL,
            _ => self.verdict.class(),
        }
    }

    /// Every line of its label, the verdict's last.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = self.labels.clone();
        lines.extend(self.verdict.line());
        lines
    }
}

/// `text` with every control character shown as its Unicode control picture (U+2400…), so
/// that no value can break a line of any format.
pub(super) fn visible(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(
            visible("a\nb\r\t\u{7f}\u{85}c"),
            "a\u{240a}b\u{240d}\u{2409}\u{2421}\u{fffd}c"
        );
        assert_eq!(visible("plain é"), "plain é");
    }

    #[test]
    fn verdicts_say_why() {
        assert_eq!(Verdict::Allowed.line(), None);
        assert_eq!(
            Verdict::Denied("denied (403) by X".into())
                .line()
                .as_deref(),
            Some("refused: denied (403) by X")
        );
        let reasons: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| (*s).into()).collect();
        assert_eq!(
            Verdict::Partial(reasons).line().as_deref(),
            Some("partly refused: a; b; and 2 more")
        );
        assert_eq!(
            Verdict::Partial(vec!["a".into()]).line().as_deref(),
            Some("partly refused: a")
        );
    }
}
