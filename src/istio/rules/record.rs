//! What the rules across resources need of a VirtualService or a DestinationRule, read while
//! the document is whole ([`super::keep`]) so that its `spec` need not be kept: a few strings
//! and the lines the findings point at, rather than the trees of every route (issue 13).
//!
//! The rules that look at one document alone (retries within their timeout, failover with
//! outlier detection) run here too, on the whole document; their findings are kept and
//! reported where the rules across resources report them, so their order does not change.

use std::collections::HashSet;
use std::sync::Arc;

use super::hosts::{fqdn, gateway_ref};
use super::{DestinationAt, GatewayRef, PROTOCOLS, Slot, narrow};
use crate::diagnostic::{Code, Diagnostic, Path};
use crate::istio::cel::parse_duration;
use crate::istio::document::Document;
use crate::yaml::{Node, Value};

/// What is kept of a document whose `spec` has been dropped.
#[derive(Debug, Clone)]
pub(crate) enum Record {
    /// A VirtualService's.
    Routes(Routes),
    /// A DestinationRule's.
    Rule(Rule),
}

/// A VirtualService, read once: hosts resolved, bindings resolved, destinations collected,
/// each with the line of the field a finding about it points at.
#[derive(Debug, Clone, Default)]
pub(crate) struct Routes {
    /// `spec.hosts`, resolved: the index, the line and the host.
    pub hosts: Vec<(usize, u32, Arc<str>)>,
    /// What it binds to.
    pub bindings: Vec<Binding>,
    /// Every route destination.
    pub destinations: Vec<Destination>,
    /// The findings of the retry rule: each HTTP route's retries fit its timeout.
    pub retries: Vec<Diagnostic>,
}

/// A binding: `None` for the mesh, else a Gateway (namespace, name), with the index and line
/// in `spec.gateways` (`None` when the mesh binding is implied).
pub(crate) type Binding = (Option<(usize, u32)>, Option<GatewayRef>);

/// A route destination.
#[derive(Debug, Clone)]
pub(crate) struct Destination {
    /// Host, resolved: one string for a VirtualService's hosts and its destinations in a row
    /// that name the same host, as most name its own (at 10,000 services, 90,000 destinations
    /// of 10,000 VirtualServices, kept until the rules across resources end).
    pub host: Arc<str>,
    /// The line of `host`.
    pub host_line: u32,
    /// Subset, if any, and its line.
    pub subset: Option<(Box<str>, u32)>,
    /// Where the `destination` object is.
    pub at: DestinationAt,
}

impl Destination {
    /// The subset's name, if any.
    pub(crate) fn subset(&self) -> Option<&str> {
        self.subset.as_ref().map(|(name, _)| &**name)
    }
}

/// A DestinationRule, read once.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rule {
    /// `spec.host`, resolved, and its line.
    pub host: Option<(Box<str>, u32)>,
    /// The names of its subsets.
    pub subsets: Vec<Box<str>>,
    /// Whether it has a `workloadSelector`.
    pub selects_workloads: bool,
    /// The findings of the failover rule: locality failover comes with outlier detection.
    pub failover: Vec<Diagnostic>,
}

impl Routes {
    /// The routes of a VirtualService `document`.
    pub(crate) fn of(document: &Document) -> Self {
        let namespace = document.namespace().unwrap_or_default();
        let spec = document.spec();
        let list = |key: &str| {
            spec.and_then(|s| s.get(key))
                .map(Node::items)
                .unwrap_or_default()
        };
        let mut hosts: Vec<_> = list("hosts")
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_str().map(|s| (i, h.line, fqdn(s, namespace).into())))
            .collect();
        let gateways = list("gateways");
        let mut bindings: Vec<_> = if gateways.is_empty() {
            vec![(None, None)]
        } else {
            gateways
                .iter()
                .enumerate()
                .filter_map(|(i, g)| {
                    g.as_str()
                        .map(|s| (Some((i, g.line)), gateway_ref(s, namespace)))
                })
                .collect()
        };
        let mut destinations: Vec<Destination> = Vec::new();
        let mut push = |node: Option<&Node>, at: DestinationAt| {
            let Some(node) = node else { return };
            let Some(host) = node.get("host").filter(|h| h.as_str().is_some()) else {
                return;
            };
            let resolved = fqdn(host.as_str().unwrap_or_default(), namespace);
            let last = destinations.last().map(|d| &d.host);
            let same = last
                .into_iter()
                .chain(hosts.first().map(|(_, _, h)| h))
                .find(|h| ***h == *resolved);
            destinations.push(Destination {
                host: same.map_or_else(|| resolved.into(), Arc::clone),
                host_line: host.line,
                subset: node
                    .get("subset")
                    .and_then(|s| s.as_str().map(|name| (name.into(), s.line))),
                at,
            });
        };
        for (index, protocol) in (0..).zip(PROTOCOLS) {
            for (rule_index, rule) in list(protocol).iter().enumerate() {
                let at = |slot| DestinationAt {
                    protocol: index,
                    rule: narrow(rule_index),
                    slot,
                };
                let items = |key: &str| rule.get(key).map(Node::items).unwrap_or_default();
                for (j, route) in items("route").iter().enumerate() {
                    push(route.get("destination"), at(Slot::Route(narrow(j))));
                }
                push(rule.get("mirror"), at(Slot::Mirror));
                for (j, mirror) in items("mirrors").iter().enumerate() {
                    push(mirror.get("destination"), at(Slot::Mirrors(narrow(j))));
                }
            }
        }
        // Kept until the rules across resources end, for thousands of VirtualServices, and a
        // vector collected or pushed one by one starts with room for four.
        hosts.shrink_to_fit();
        bindings.shrink_to_fit();
        destinations.shrink_to_fit();
        Self {
            hosts,
            bindings,
            destinations,
            retries: retries(document, list("http")),
        }
    }

    /// Whether the mesh (sidecars) uses this VirtualService.
    pub(crate) fn binds_mesh(&self) -> bool {
        self.bindings.iter().any(|(_, b)| b.is_none())
    }
}

/// A route's per-try timeout fits its timeout (error), and so do all its tries (warning).
fn retries(document: &Document, http: &[Node]) -> Vec<Diagnostic> {
    let duration = |node: &Node, key: &str| {
        node.get(key)
            .and_then(Node::as_str)
            .and_then(|d| parse_duration(d).ok())
    };
    let mut found = Vec::new();
    for (i, route) in http.iter().enumerate() {
        let (Some(timeout), Some(retries)) = (duration(route, "timeout"), route.get("retries"))
        else {
            continue;
        };
        let Some(per_try) = duration(retries, "perTryTimeout") else {
            continue;
        };
        let attempts = match retries.get("attempts").map(|a| &a.value) {
            Some(Value::Int(n)) => *n,
            _ => continue,
        };
        // Built only for a finding: most routes' retries fit their timeout.
        let path = || {
            Path::of(&["spec", "http"])
                .index(i)
                .key("retries")
                .key("perTryTimeout")
        };
        let shown = |nanos: i64| {
            if nanos % 1_000_000_000 == 0 {
                format!("{}s", nanos / 1_000_000_000)
            } else {
                format!("{}ms", nanos / 1_000_000)
            }
        };
        if timeout > 0 && per_try > timeout {
            found.push(document.diagnostic(
                Code::PerTryExceedsTimeout,
                Some(path()),
                format!(
                    "perTryTimeout {} exceeds the route timeout {}, so no retry can run",
                    shown(per_try),
                    shown(timeout)
                ),
            ));
        } else if timeout > 0
            && attempts > 0
            && i128::from(per_try) * i128::from(attempts + 1) > i128::from(timeout)
        {
            found.push(document.diagnostic(
                Code::RetriesCutByTimeout,
                Some(path()),
                format!(
                    "{} tries of {} need more than the route timeout {}; the last retries never run",
                    attempts + 1,
                    shown(per_try),
                    shown(timeout)
                ),
            ));
        }
    }
    found
}

impl Rule {
    /// The host, subsets and failover findings of a DestinationRule `document`.
    pub(crate) fn of(document: &Document) -> Self {
        let namespace = document.namespace().unwrap_or_default();
        let spec = document.spec();
        Self {
            host: spec.and_then(|s| s.get("host")).and_then(|h| {
                h.as_str()
                    .map(|host| (fqdn(host, namespace).into(), h.line))
            }),
            subsets: spec
                .and_then(|s| s.get("subsets"))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|subset| subset.get("name").and_then(Node::as_str))
                .map(Box::from)
                .collect(),
            selects_workloads: spec.and_then(|s| s.get("workloadSelector")).is_some(),
            failover: spec
                .map(|spec| failover(document, spec))
                .unwrap_or_default(),
        }
    }
}

/// What failover depends on in a traffic policy, after merging.
#[derive(Clone)]
struct Effective {
    /// Path of the `failover` (or `failoverPriority`) list that applies.
    failover: Option<Path>,
    /// Whether outlier detection applies.
    outlier: bool,
}

impl Effective {
    /// `policy` merged over `base` field by field, as Istio merges subset and port policies.
    fn of(policy: &Node, path: &Path, base: Option<&Effective>) -> Self {
        let locality = policy.at(&["loadBalancer", "localityLbSetting"]);
        let enabled = locality
            .and_then(|l| l.get("enabled"))
            .is_none_or(|e| e.value != Value::Bool(false));
        let own = locality.filter(|_| enabled).and_then(|l| {
            ["failover", "failoverPriority"]
                .into_iter()
                .find(|k| l.get(k).is_some_and(|f| !f.items().is_empty()))
                .map(|k| path.key("loadBalancer").key("localityLbSetting").key(k))
        });
        let inherits_balancer = policy.get("loadBalancer").is_none();
        Self {
            failover: own.or_else(|| {
                base.filter(|_| inherits_balancer)
                    .and_then(|b| b.failover.clone())
            }),
            outlier: policy.get("outlierDetection").is_some() || base.is_some_and(|b| b.outlier),
        }
    }
}

/// Locality failover without outlier detection never fails over: endpoints are never ejected.
/// Checked for the rule's traffic policy, each subset's and each port-level one, as merged.
fn failover(document: &Document, spec: &Node) -> Vec<Diagnostic> {
    let mut policies: Vec<Effective> = Vec::new();
    let add =
        |policy: &Node, path: Path, base: Option<&Effective>, policies: &mut Vec<Effective>| {
            let effective = Effective::of(policy, &path, base);
            for (i, port) in policy
                .get("portLevelSettings")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                policies.push(Effective::of(
                    port,
                    &path.key("portLevelSettings").index(i),
                    Some(&effective),
                ));
            }
            policies.push(effective.clone());
            effective
        };
    let top = spec
        .get("trafficPolicy")
        .map(|p| add(p, Path::of(&["spec", "trafficPolicy"]), None, &mut policies));
    for (i, subset) in spec
        .get("subsets")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(policy) = subset.get("trafficPolicy") {
            let path = Path::of(&["spec", "subsets"]).index(i).key("trafficPolicy");
            add(policy, path, top.as_ref(), &mut policies);
        }
    }
    let mut reported = HashSet::new();
    let mut found = Vec::new();
    for policy in policies {
        if let (Some(path), false) = (policy.failover, policy.outlier)
            && reported.insert(path.clone())
        {
            found.push(document.diagnostic(
                Code::FailoverWithoutOutlierDetection,
                Some(path),
                "locality failover without outlierDetection: unhealthy endpoints are never \
                 ejected, so traffic never fails over; add outlierDetection",
            ));
        }
    }
    found
}
