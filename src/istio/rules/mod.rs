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
pub(crate) mod record;
pub(crate) mod routing;
pub(crate) mod telemetry;

use std::borrow::Cow;
use std::collections::HashMap;

pub use self::inventory::{Inventory, Labels, Workload};
use self::record::{Record, Routes, Rule};
use super::World;
use super::document::Document;
use crate::diagnostic::{Code, Diagnostic, Path, Severity};

/// Runs every cross-resource rule over `documents`, in `world`. From
/// [`PARALLEL_FROM_DOCUMENTS`], the rules run on two threads, each taking the next rule; the
/// findings come back in the rules' order, as on one thread.
pub(crate) fn check_bundle(
    documents: &[Document],
    inventory: &Inventory,
    world: World,
) -> Vec<Diagnostic> {
    let bundle = Bundle::new(documents);
    let workers = if documents.len() >= PARALLEL_FROM_DOCUMENTS {
        2
    } else {
        1
    };
    crate::pool::run(&RULES, workers, |rule| {
        let mut out = Found {
            diagnostics: Vec::new(),
            world,
        };
        rule(&bundle, inventory, &mut out);
        out.diagnostics
    })
    .concat()
}

/// A rule across resources: what it finds added to `out`.
type RuleCheck = fn(&Bundle<'_>, &Inventory, &mut Found);

/// The rules of [`check_bundle`], in the order of their findings. The first is also the
/// largest, so that the second thread takes the others meanwhile: callgrind at 1,000 services
/// and 100 tenants, routing 24.5 M instructions, the four others 15.5 M together. The rules
/// across resources ran on one thread while the other core waited: 8.6 ms of a 235 ms render
/// at 1,000 services, 151 ms of 2.9 s at 10,000 (benches/README.md).
const RULES: [RuleCheck; 5] = [
    routing::check,
    policy::check,
    |bundle, _, out| telemetry::check(bundle, out),
    |bundle, _, out| identity::check(bundle, out),
    |bundle, _, out| install::check(bundle, out),
];

/// From how many documents [`check_bundle`] runs its rules on two threads: below it, as for
/// prod's 62, the rules take less than starting a thread.
const PARALLEL_FROM_DOCUMENTS: usize = 512;

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

    /// [`Found::add`] at a field of a document's [`Record`], whose line it knows.
    pub(crate) fn add_at(
        &mut self,
        document: &Document,
        at: (Path, u32),
        code: Code,
        message: String,
    ) {
        self.diagnostics
            .push(document.diagnostic_at(code, at, message));
    }

    /// Findings made when the document was read ([`record`]), reported in their turn.
    pub(crate) fn extend(&mut self, found: &[Diagnostic]) {
        self.diagnostics.extend_from_slice(found);
    }

    /// A reference to something the files do not hold: an error of `code` in a closed world;
    /// in an open one a note, since a file not given may define it.
    pub(crate) fn missing(&mut self, document: &Document, code: Code, path: Path, message: String) {
        let diagnostic = document.diagnostic(code, Some(path), message);
        self.push_missing(diagnostic);
    }

    /// [`Found::missing`] at a field of a document's [`Record`], whose line it knows.
    pub(crate) fn missing_at(
        &mut self,
        document: &Document,
        at: (Path, u32),
        code: Code,
        message: String,
    ) {
        let diagnostic = document.diagnostic_at(code, at, message);
        self.push_missing(diagnostic);
    }

    fn push_missing(&mut self, diagnostic: Diagnostic) {
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
    pub documents: &'a [Document<'a>],
    /// VirtualServices, read once.
    pub virtual_services: Vec<VirtualService<'a>>,
    /// DestinationRules, read once.
    pub destination_rules: Vec<DestinationRule<'a>>,
    /// Gateways by namespace and name.
    pub gateways: HashMap<(&'a str, &'a str), &'a Document<'a>>,
    /// ServiceEntries.
    pub service_entries: Vec<&'a Document<'a>>,
    /// Telemetries.
    pub telemetries: Vec<&'a Document<'a>>,
    /// IstioOperators.
    pub operators: Vec<&'a Document<'a>>,
}

impl<'a> Bundle<'a> {
    fn new(documents: &'a [Document<'a>]) -> Self {
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
                    bundle
                        .destination_rules
                        .push(DestinationRule::new(document));
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

/// A VirtualService and its routes: read from the document if it is whole, else kept from
/// when it was ([`record`]).
pub(crate) struct VirtualService<'a> {
    /// The document.
    pub document: &'a Document<'a>,
    /// Its namespace.
    pub namespace: &'a str,
    /// Its hosts, bindings and destinations.
    pub routes: Cow<'a, Routes>,
}

/// A DestinationRule and what the rules read of it, as for a [`VirtualService`].
pub(crate) struct DestinationRule<'a> {
    /// The document.
    pub document: &'a Document<'a>,
    /// Its host, subsets and failover findings.
    pub rule: Cow<'a, Rule>,
}

/// A Gateway by namespace and name.
pub(crate) type GatewayRef = (String, String);

/// Where a destination is in its VirtualService, kept as indices so that collecting
/// destinations allocates no path; 16 bytes rather than 40 with a `&str` and `usize`s, for the
/// 90,000 destinations kept at 10,000 services.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DestinationAt {
    /// Index in [`PROTOCOLS`].
    protocol: u8,
    /// Index of the rule.
    rule: u32,
    /// The route destination, `mirror`, or a `mirrors` entry.
    slot: Slot,
}

/// The lists of a VirtualService's rules that hold destinations.
const PROTOCOLS: [&str; 3] = ["http", "tcp", "tls"];

#[derive(Debug, Clone, Copy)]
enum Slot {
    Route(u32),
    Mirror,
    Mirrors(u32),
}

impl DestinationAt {
    /// The path of the `destination` object.
    pub(crate) fn path(self) -> Path {
        let rule =
            Path::of(&["spec", PROTOCOLS[usize::from(self.protocol)]]).index(wide(self.rule));
        match self.slot {
            Slot::Route(j) => rule.key("route").index(wide(j)).key("destination"),
            Slot::Mirror => rule.key("mirror"),
            Slot::Mirrors(j) => rule.key("mirrors").index(wide(j)).key("destination"),
        }
    }
}

/// A list index as kept in a [`DestinationAt`]: no list read from YAML has 2^32 entries, as
/// no document has 2^32 lines (a line is a `u32`) and a flow list of that many entries would
/// be gigabytes on one line.
fn narrow(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// A kept list index as a [`Path`] takes it.
fn wide(index: u32) -> usize {
    usize::try_from(index).unwrap_or(usize::MAX)
}

impl<'a> VirtualService<'a> {
    fn new(document: &'a Document<'a>) -> Self {
        let routes = match document.record.as_deref() {
            Some(Record::Routes(routes)) => Cow::Borrowed(routes),
            _ => Cow::Owned(Routes::of(document)),
        };
        Self {
            document,
            namespace: document.namespace().unwrap_or_default(),
            routes,
        }
    }
}

impl<'a> DestinationRule<'a> {
    fn new(document: &'a Document<'a>) -> Self {
        let rule = match document.record.as_deref() {
            Some(Record::Rule(rule)) => Cow::Borrowed(rule),
            _ => Cow::Owned(Rule::of(document)),
        };
        Self { document, rule }
    }
}
