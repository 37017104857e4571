//! Rules across resources, with host names resolved to FQDN first: routing ([`routing`]),
//! policies and their selectors ([`policy`]), telemetry ([`telemetry`]), objects defined twice
//! ([`identity`]) and the install file ([`install`]). Every rule indexes the bundle once, so a
//! bundle of n objects is checked in O(n log n): no rule compares every object with every other.
//!
//! A finding that something does not exist depends on the world ([`World`]): in a closed
//! world it is an error, in an open one a note ([`Found::missing`]), since the files not given
//! may define it. A finding about what the files do hold (two objects in conflict, a Gateway
//! that does not accept a host) is an error in either.

pub(crate) mod hosts;
pub(crate) mod identity;
pub(crate) mod install;
pub(crate) mod inventory;
pub(crate) mod keep;
pub(crate) mod policy;
pub(crate) mod routing;
pub(crate) mod telemetry;

use std::borrow::Cow;
use std::collections::HashMap;

use self::hosts::{fqdn, gateway_ref};
pub use self::inventory::{Inventory, Workload};
use super::World;
use super::document::Document;
use crate::diagnostic::{Code, Diagnostic, Path, Severity};
use crate::yaml::Node;

/// Runs every cross-resource rule over `documents`, in `world`.
pub(crate) fn check_bundle(
    documents: &[Document],
    inventory: &Inventory,
    world: World,
) -> Vec<Diagnostic> {
    let bundle = Bundle::new(documents);
    let mut out = Found {
        diagnostics: Vec::new(),
        world,
    };
    routing::check(&bundle, inventory, &mut out);
    policy::check(&bundle, inventory, &mut out);
    telemetry::check(&bundle, &mut out);
    identity::check(&bundle, &mut out);
    install::check(&bundle, &mut out);
    out.diagnostics
}

/// What the rules found, and the world they judge in.
pub(crate) struct Found {
    diagnostics: Vec<Diagnostic>,
    /// Whether the files are the whole configuration.
    pub world: World,
}

impl Found {
    /// A diagnostic of `code`, with the code's severity, about `document` at `path`.
    pub(crate) fn add(&mut self, document: &Document, code: Code, path: Path, message: String) {
        self.diagnostics
            .push(document.diagnostic(code, Some(path), message));
    }

    /// A reference to something the files do not hold: an error of `code` in a closed world;
    /// in an open one a note, since a file not given may define it.
    pub(crate) fn missing(&mut self, document: &Document, code: Code, path: Path, message: String) {
        let diagnostic = document.diagnostic(code, Some(path), message);
        self.diagnostics.push(match self.world {
            World::Closed => diagnostic,
            World::Open => diagnostic.with_severity(Severity::Note).help(
                "not among the files given, which may be only part of the configuration; if \
                 they are all of it, `meshc verify --closed-world` makes this an error",
            ),
        });
    }
}

/// The objects of a bundle that rules look at, by kind.
pub(crate) struct Bundle<'a> {
    /// Every document.
    pub documents: &'a [Document],
    /// VirtualServices, read once.
    pub virtual_services: Vec<VirtualService<'a>>,
    /// DestinationRules.
    pub destination_rules: Vec<&'a Document>,
    /// Gateways by namespace and name.
    pub gateways: HashMap<(&'a str, &'a str), &'a Document>,
    /// ServiceEntries.
    pub service_entries: Vec<&'a Document>,
    /// Telemetries.
    pub telemetries: Vec<&'a Document>,
    /// IstioOperators.
    pub operators: Vec<&'a Document>,
}

impl<'a> Bundle<'a> {
    fn new(documents: &'a [Document]) -> Self {
        let mut bundle = Self {
            documents,
            virtual_services: Vec::new(),
            destination_rules: Vec::new(),
            gateways: HashMap::new(),
            service_entries: Vec::new(),
            telemetries: Vec::new(),
            operators: Vec::new(),
        };
        for document in documents {
            let Some(kind) = document.kind() else {
                continue;
            };
            let Some((group, _)) = document.api() else {
                continue;
            };
            match (group, kind) {
                ("networking.istio.io", "VirtualService") => {
                    bundle.virtual_services.push(VirtualService::new(document));
                }
                ("networking.istio.io", "DestinationRule") => {
                    bundle.destination_rules.push(document);
                }
                ("networking.istio.io", "Gateway") => {
                    if let (Some(ns), Some(name)) = (document.namespace(), document.name()) {
                        bundle.gateways.entry((ns, name)).or_insert(document);
                    }
                }
                ("networking.istio.io", "ServiceEntry") => bundle.service_entries.push(document),
                ("telemetry.istio.io", "Telemetry") => bundle.telemetries.push(document),
                ("install.istio.io", "IstioOperator") => bundle.operators.push(document),
                _ => {}
            }
        }
        bundle
    }
}

/// A VirtualService, read once: hosts resolved, bindings resolved, destinations collected.
pub(crate) struct VirtualService<'a> {
    /// The document.
    pub document: &'a Document,
    /// Its namespace.
    pub namespace: &'a str,
    /// `spec.hosts`, resolved, with their index.
    pub hosts: Vec<(usize, String)>,
    /// What it binds to: `None` for the mesh, else a Gateway (namespace, name), with the
    /// index in `spec.gateways` (`None` when the mesh binding is implied).
    pub bindings: Vec<(Option<usize>, Option<GatewayRef>)>,
    /// Every route destination.
    pub destinations: Vec<Destination<'a>>,
    /// HTTP routes with a timeout and retries, for the retry rule.
    pub http: Vec<(usize, &'a Node)>,
}

/// A Gateway by namespace and name.
pub(crate) type GatewayRef = (String, String);

/// A route destination.
pub(crate) struct Destination<'a> {
    /// Host, resolved.
    pub host: Cow<'a, str>,
    /// Subset, if any.
    pub subset: Option<&'a str>,
    /// Where the `destination` object is.
    pub at: DestinationAt,
}

/// Where a destination is in its VirtualService, kept as indices so that collecting
/// destinations allocates no path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DestinationAt {
    /// `http`, `tcp` or `tls`.
    protocol: &'static str,
    /// Index of the rule.
    rule: usize,
    /// The route destination, `mirror`, or a `mirrors` entry.
    slot: Slot,
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Route(usize),
    Mirror,
    Mirrors(usize),
}

impl DestinationAt {
    /// The path of the `destination` object.
    pub(crate) fn path(self) -> Path {
        let rule = Path::of(&["spec", self.protocol]).index(self.rule);
        match self.slot {
            Slot::Route(j) => rule.key("route").index(j).key("destination"),
            Slot::Mirror => rule.key("mirror"),
            Slot::Mirrors(j) => rule.key("mirrors").index(j).key("destination"),
        }
    }
}

impl<'a> VirtualService<'a> {
    fn new(document: &'a Document) -> Self {
        let namespace = document.namespace().unwrap_or_default();
        let spec = document.spec();
        let list = |key: &str| {
            spec.and_then(|s| s.get(key))
                .map(Node::items)
                .unwrap_or_default()
        };
        let hosts = list("hosts")
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_str().map(|h| (i, fqdn(h, namespace).into_owned())))
            .collect();
        let gateways = list("gateways");
        let bindings = if gateways.is_empty() {
            vec![(None, None)]
        } else {
            gateways
                .iter()
                .enumerate()
                .filter_map(|(i, g)| g.as_str().map(|g| (Some(i), gateway_ref(g, namespace))))
                .collect()
        };
        let mut destinations = Vec::new();
        let mut push = |node: Option<&'a Node>, at: DestinationAt| {
            let Some(node) = node else { return };
            let Some(host) = node.get("host").and_then(Node::as_str) else {
                return;
            };
            destinations.push(Destination {
                host: fqdn(host, namespace),
                subset: node.get("subset").and_then(Node::as_str),
                at,
            });
        };
        for protocol in ["http", "tcp", "tls"] {
            for (rule_index, rule) in list(protocol).iter().enumerate() {
                let at = |slot| DestinationAt {
                    protocol,
                    rule: rule_index,
                    slot,
                };
                let items = |key: &str| rule.get(key).map(Node::items).unwrap_or_default();
                for (j, route) in items("route").iter().enumerate() {
                    push(route.get("destination"), at(Slot::Route(j)));
                }
                push(rule.get("mirror"), at(Slot::Mirror));
                for (j, mirror) in items("mirrors").iter().enumerate() {
                    push(mirror.get("destination"), at(Slot::Mirrors(j)));
                }
            }
        }
        Self {
            document,
            namespace,
            hosts,
            bindings,
            destinations,
            http: list("http").iter().enumerate().collect(),
        }
    }

    /// Whether the mesh (sidecars) uses this VirtualService.
    pub(crate) fn binds_mesh(&self) -> bool {
        self.bindings.iter().any(|(_, b)| b.is_none())
    }
}
