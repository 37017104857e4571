//! A compiled mesh: the documents decoded once, their matchers built once, and for every proxy
//! of the topology the policies that apply to it, so each request only evaluates.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use super::authz::Policy;
use super::decode::{
    self, Action, Decoded, DestinationRule, Gateway, Normalization, OutboundPolicy,
    PeerAuthentication, RequestAuthentication, ServiceEntry, Sidecar, Unmodelled,
};
use super::error::CompileError;
use super::hash::Map;
use super::mtls::{Peer, peer_selection};
use super::pod_labels::PodLabels;
use super::routing::destination::{full_hosts, in_subset};
use super::routing::gateway::{Listener, listener};
use super::routing::host::DOMAIN;
use super::routing::virtual_service::Compiled;
use super::select::{Selection, pairs};
use super::selector::Selector;
use super::topology::{Labels, Topology, Workload, selects};
use crate::istio::Document;

/// Mesh-wide settings, from `meshConfig` and the topology.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub root: String,
    pub trust_domain: String,
    pub normalization: Normalization,
    pub outbound: OutboundPolicy,
    pub auto_mtls: bool,
}

/// What applies to one proxy (a workload's sidecar or a gateway).
#[derive(Debug, Clone, Default)]
pub(crate) struct ProxyIndex {
    /// AuthorizationPolicies by action, sorted by namespace and name.
    pub custom: Vec<usize>,
    pub deny: Vec<usize>,
    pub allow: Vec<usize>,
    /// RequestAuthentication rules (policy, rule), sorted by issuer.
    pub jwt: Vec<(usize, usize)>,
    pub peer: Peer,
    /// Resources the simulator does not model that apply here.
    pub unmodelled: Vec<usize>,
    /// Local rate limits that apply here.
    pub rate_limits: Vec<usize>,
    /// The Sidecar that scopes a workload's egress hosts.
    pub sidecar: Option<usize>,
}

/// A Service of the topology.
#[derive(Debug, Clone, Default)]
pub(crate) struct Service {
    pub namespace: String,
    /// Service ports, sorted.
    pub ports: Vec<u16>,
    /// The workloads that back it (indices).
    pub workloads: Vec<usize>,
    /// The workloads of each subset of each DestinationRule filed under its host
    /// ([`Mesh::rules_by_host`]): ((rule, subset), workloads). Every delivery to a subset chose
    /// them again, label by label, for every request.
    pub subsets: Vec<((usize, usize), Vec<usize>)>,
    /// The VirtualServices bound to sidecars filed under its host, then those under `*`
    /// ([`Mesh::sidecar_routes`]): every request a sidecar sends to the Service looked up its
    /// host and `*` in that table again.
    pub routes: Box<[usize]>,
    /// Its DestinationRules' candidates likewise ([`Mesh::rules_by_host`]), for every request
    /// delivered to it.
    pub rules: Box<[usize]>,
}

impl Service {
    /// The workloads of subset `j` of DestinationRule `i`, when they were chosen in advance.
    pub(crate) fn subset(&self, i: usize, j: usize) -> Option<&[usize]> {
        self.subsets
            .iter()
            .find(|(at, _)| *at == (i, j))
            .map(|(_, workloads)| workloads.as_slice())
    }
}

/// Rendered Istio resources and the workloads they govern, ready to answer requests.
#[derive(Debug)]
pub struct Mesh {
    pub(crate) settings: Settings,
    pub(crate) topology: Topology,
    pub(crate) gateways: Vec<Gateway>,
    pub(crate) virtual_services: Vec<Compiled>,
    pub(crate) destination_rules: Vec<DestinationRule>,
    pub(crate) service_entries: Vec<ServiceEntry>,
    pub(crate) policies: Vec<Policy>,
    pub(crate) request_authentications: Vec<RequestAuthentication>,
    pub(crate) peer_authentications: Vec<PeerAuthentication>,
    pub(crate) unmodelled: Vec<Unmodelled>,
    pub(crate) rate_limits: Vec<Unmodelled>,
    /// The note each rate limit adds to a hop at a proxy it applies to, written once: every
    /// request through a rate-limited proxy formatted it again.
    pub(crate) rate_limit_notes: Vec<String>,
    pub(crate) sidecars: Vec<Sidecar>,
    /// Workloads first, then gateways.
    pub(crate) proxies: Runs<ProxyIndex>,
    /// For each proxy, the first whose filters are the same ([`super::reuse::alike`]).
    pub(crate) alike: Vec<usize>,
    /// Their identity URIs, in the same order.
    pub(crate) identities: Runs<String>,
    /// `namespace/name` of each Gateway, as VirtualServices bind them.
    pub(crate) gateway_names: Vec<String>,
    /// By host. Only looked up, never walked, so a hash map: several look-ups per request, and
    /// an ordered map's compared each host's long common prefix (`svc-00…`) about ten times.
    pub(crate) services: Map<String, Service>,
    /// Per gateway: (Service port, container port, listener).
    pub(crate) listeners: Vec<Vec<(u16, u16, Option<Listener>)>>,
    /// VirtualServices bound to sidecars (`mesh`), by host; wildcard hosts under `*`.
    pub(crate) sidecar_routes: Map<String, Vec<usize>>,
    /// DestinationRules by host (short names expanded); wildcard hosts under `*`.
    pub(crate) rules_by_host: Map<String, Vec<usize>>,
    /// The host of each DestinationRule, short names expanded.
    pub(crate) rule_hosts: Vec<String>,
    /// The topology's workloads by name (the first of a name): the proofs send tens of
    /// requests per service, and searching the list for each sender made a large mesh's proofs
    /// grow with the square of its services.
    pub(crate) workloads_by_name: WorkloadNames,
}

/// The topology's workloads by name (the first of a name), held as their positions in its
/// list: a table keyed by a copy of each name was 2.7 MB of the mesh at 10,000 services
/// (heaptrack).
#[derive(Debug, Default)]
pub(crate) struct WorkloadNames {
    hasher: foldhash::fast::RandomState,
    positions: HashTable<usize>,
}

impl WorkloadNames {
    fn of(workloads: &[Workload]) -> Self {
        let mut names = Self::default();
        let hash = |at: &usize| names.hasher.hash_one(&workloads[*at].name);
        for (i, workload) in workloads.iter().enumerate() {
            let same = |at: &usize| workloads[*at].name == workload.name;
            if let Entry::Vacant(vacant) = names.positions.entry(hash(&i), same, hash) {
                vacant.insert(i);
            }
        }
        names
    }

    /// The position in `workloads` (the list it was made of) of the first named `name`.
    pub(crate) fn get(&self, workloads: &[Workload], name: &str) -> Option<usize> {
        let same = |at: &usize| workloads[*at].name == name;
        self.positions
            .find(self.hasher.hash_one(name), same)
            .copied()
    }
}

impl Mesh {
    /// Decodes the documents Istio would read (other kinds are ignored), checks the topology,
    /// and indexes what applies to each proxy.
    pub fn from_documents(
        documents: &[Document],
        topology: &Topology,
    ) -> Result<Mesh, Vec<CompileError>> {
        Self::from_resources(decode::decode(documents)?, topology.clone())
    }

    /// [`Mesh::from_documents`] on documents already decoded one by one, as they were read; the
    /// mesh keeps `topology` rather than a copy, which is a tenth of a large mesh's memory.
    pub fn from_decoded(decoded: Decoded, topology: Topology) -> Result<Mesh, Vec<CompileError>> {
        Self::from_resources(decoded.finish()?, topology)
    }

    fn from_resources(
        resources: decode::Resources,
        topology: Topology,
    ) -> Result<Mesh, Vec<CompileError>> {
        let mut errors = topology_errors(&topology);
        let config = resources
            .mesh_config
            .as_ref()
            .map(|(_, c)| c.clone())
            .unwrap_or_default();
        let settings = Settings {
            root: config
                .root_namespace
                .clone()
                .unwrap_or_else(|| "istio-system".to_string()),
            trust_domain: config
                .trust_domain
                .clone()
                .or_else(|| topology.trust_domain.clone())
                .unwrap_or_else(|| DOMAIN.to_string()),
            normalization: config.normalization,
            outbound: config.outbound,
            auto_mtls: resources.mesh_config.is_none() || config.auto_mtls,
        };
        let mut trust = vec![settings.trust_domain.clone()];
        trust.extend(config.trust_domain_aliases.iter().cloned());
        // Of its final length: grown by pushing, the list of a large mesh's compiled
        // VirtualServices held room for 6,000 more (3.4 MB at 10,000 services, heaptrack).
        let mut virtual_services = Vec::with_capacity(resources.virtual_services.len());
        for vs in resources.virtual_services {
            match Compiled::new(vs) {
                Ok(vs) => virtual_services.push(vs),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // Each decoded policy is dropped once compiled and its selector filed, so the decoded
        // list and the compiled one are never whole together. The selectors (sorted slices) are
        // kept until every proxy is indexed.
        let count = resources.authorization_policies.len();
        let mut policies = Vec::with_capacity(count);
        let mut selectors: Vec<Option<Selector>> = Vec::with_capacity(count);
        let mut selections = Selections::default();
        for (i, p) in resources.authorization_policies.into_iter().enumerate() {
            policies.push(Policy::compile(&p, &trust));
            if !p.targeted {
                let selector = p.selector.iter().flat_map(Selector::iter);
                selections
                    .policies
                    .add(i, Some(&p.meta.namespace), selector);
            }
            selectors.push(p.selector);
        }
        let mut mesh = Mesh {
            services: services(&topology),
            settings,
            topology: Topology::default(),
            gateways: resources.gateways,
            virtual_services,
            destination_rules: resources.destination_rules,
            service_entries: resources.service_entries,
            policies,
            request_authentications: resources.request_authentications,
            peer_authentications: resources.peer_authentications,
            unmodelled: resources.unmodelled,
            rate_limit_notes: resources
                .rate_limits
                .iter()
                .map(|limit| {
                    let meta = &limit.meta;
                    format!(
                        "EnvoyFilter {}/{} {}",
                        meta.namespace, meta.name, limit.what
                    )
                })
                .collect(),
            rate_limits: resources.rate_limits,
            sidecars: resources.sidecars,
            proxies: Runs::default(),
            alike: Vec::new(),
            identities: Runs::default(),
            gateway_names: Vec::new(),
            listeners: Vec::new(),
            sidecar_routes: Map::default(),
            rules_by_host: Map::default(),
            rule_hosts: Vec::new(),
            workloads_by_name: WorkloadNames::default(),
        };
        mesh.workloads_by_name = WorkloadNames::of(&topology.workloads);
        for (v, vs) in mesh.virtual_services.iter().enumerate() {
            if vs.binds("mesh") {
                for host in &vs.hosts {
                    let key = if host.contains('*') { "*" } else { host };
                    mesh.sidecar_routes
                        .entry(key.to_string())
                        .or_default()
                        .push(v);
                }
            }
        }
        mesh.rule_hosts = full_hosts(&mesh.destination_rules);
        for (i, host) in mesh.rule_hosts.iter().enumerate() {
            let key = if host.contains('*') { "*" } else { host };
            mesh.rules_by_host
                .entry(key.to_string())
                .or_default()
                .push(i);
        }
        for (host, service) in &mut mesh.services {
            service.subsets = subset_workloads(
                &mesh.destination_rules,
                mesh.rules_by_host.get(host).map_or(&[], Vec::as_slice),
                &service.workloads,
                &topology,
            );
            service.routes = filed(&mesh.sidecar_routes, host);
            service.rules = filed(&mesh.rules_by_host, host);
        }
        for (i, ra) in mesh.request_authentications.iter().enumerate() {
            if !ra.targeted {
                selections
                    .jwt
                    .add(i, Some(&ra.meta.namespace), pairs(ra.selector.as_ref()));
            }
        }
        for (list, selection) in [
            (&mesh.unmodelled, &mut selections.unmodelled),
            (&mesh.rate_limits, &mut selections.rate_limits),
        ] {
            for (i, u) in list.iter().enumerate() {
                match &u.scope {
                    None => selection.add(i, None, []),
                    Some((ns, selector)) => selection.add(i, Some(ns), pairs(Some(selector))),
                }
            }
        }
        for (i, sidecar) in mesh.sidecars.iter().enumerate() {
            let selector = pairs(sidecar.selector.as_ref());
            selections
                .sidecars
                .add(i, Some(&sidecar.meta.namespace), selector);
        }
        selections.peers = peer_selection(&mesh.peer_authentications, &mesh.settings.root);
        mesh.proxies = mesh.index_all(&topology, selections, selectors);
        mesh.alike = super::reuse::alike(&mesh.proxies);
        mesh.gateway_names = mesh
            .gateways
            .iter()
            .map(|g| format!("{}/{}", g.meta.namespace, g.meta.name))
            .collect();
        let accounts = topology
            .workloads
            .iter()
            .map(|w| (&w.namespace, &w.service_account))
            .chain(
                topology
                    .gateways
                    .iter()
                    .map(|g| (&g.namespace, &g.service_account)),
            );
        mesh.identities = Runs::with_capacity(topology.workloads.len() + topology.gateways.len());
        for (ns, sa) in accounts {
            mesh.identities.push(mesh.identity(ns, sa), String::eq);
        }
        mesh.identities.shrink_to_fit();
        mesh.listeners = topology
            .gateways
            .iter()
            .map(|g| {
                g.ports
                    .iter()
                    .map(|p| {
                        (
                            p.port,
                            p.target(),
                            listener(g, p.port, &mesh.gateways, &mesh.virtual_services),
                        )
                    })
                    .collect()
            })
            .collect();
        mesh.topology = topology;
        Ok(mesh)
    }

    /// The trust domain of workload identities.
    pub fn trust_domain(&self) -> &str {
        &self.settings.trust_domain
    }

    /// The root namespace (policies there apply mesh-wide).
    pub fn root_namespace(&self) -> &str {
        &self.settings.root
    }

    /// The path normalization every proxy applies.
    pub fn normalization(&self) -> Normalization {
        self.settings.normalization
    }

    /// The topology the mesh was compiled with.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// What applies to each proxy of `topology`. The indexes are taken rather than borrowed, so
    /// they are gone before the rest of the mesh is built.
    fn index_all(
        &self,
        topology: &Topology,
        selections: Selections,
        selectors: Vec<Option<Selector>>,
    ) -> Runs<ProxyIndex> {
        let proxies: Vec<(&str, &PodLabels, bool)> = topology
            .workloads
            .iter()
            .map(|w| (w.namespace.as_str(), &w.labels, true))
            .chain(
                topology
                    .gateways
                    .iter()
                    .map(|g| (g.namespace.as_str(), &g.labels, false)),
            )
            .collect();
        let mut indexed = Runs::with_capacity(proxies.len());
        for (ns, labels, sidecar) in proxies {
            let mut index = self.index(ns, labels, sidecar, &selections, &selectors);
            // Sidecar resources scope sidecars only, never gateways.
            index.sidecar = sidecar
                .then(|| self.sidecar_for(ns, labels, &selections.sidecars))
                .flatten();
            // At their exact lengths: each list grew by pushing to room for four.
            for list in [
                &mut index.custom,
                &mut index.deny,
                &mut index.allow,
                &mut index.unmodelled,
                &mut index.rate_limits,
            ] {
                list.shrink_to_fit();
            }
            index.jwt.shrink_to_fit();
            indexed.push(index, same_index);
        }
        drop((selections, selectors));
        indexed.shrink_to_fit();
        indexed
    }

    /// Whether a policy of namespace `policy_ns` with `selector` applies to a proxy in `ns`
    /// with `labels` (pilot/pkg/model/policyattachment.go: the proxy's namespace and the root
    /// namespace; no selector, or one its labels include).
    fn applies(
        &self,
        policy_ns: &str,
        selector: Option<&Labels>,
        ns: &str,
        labels: &PodLabels,
    ) -> bool {
        self.in_scope(policy_ns, ns) && selector.is_none_or(|s| selects(s, labels))
    }

    /// Whether a resource of namespace `policy_ns` may apply to a proxy in `ns`: the proxy's
    /// namespace and the root namespace.
    fn in_scope(&self, policy_ns: &str, ns: &str) -> bool {
        policy_ns == ns || policy_ns == self.settings.root
    }

    fn index(
        &self,
        ns: &str,
        labels: &PodLabels,
        sidecar: bool,
        selections: &Selections,
        selectors: &[Option<Selector>],
    ) -> ProxyIndex {
        let root = &self.settings.root;
        let mut index = ProxyIndex::default();
        let mut order: Vec<usize> = selections
            .policies
            .candidates(ns, root, labels)
            .into_iter()
            .filter(|&i| {
                self.in_scope(&self.policies[i].namespace, ns)
                    && selectors[i].as_ref().is_none_or(|s| s.selects(labels))
            })
            .collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&self.policies[a], &self.policies[b]);
            (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name))
        });
        for i in order {
            match self.policies[i].action {
                Action::Custom => index.custom.push(i),
                Action::Deny => index.deny.push(i),
                Action::Allow => index.allow.push(i),
                Action::Audit => {}
            }
        }
        let mut jwt: Vec<(usize, usize)> = Vec::new();
        let found: Vec<usize> = selections
            .jwt
            .candidates(ns, root, labels)
            .into_iter()
            .filter(|&i| {
                let ra = &self.request_authentications[i];
                self.applies(&ra.meta.namespace, ra.selector.as_ref(), ns, labels)
            })
            .collect();
        // The proxy's own namespace first, then the root's (authentication.go
        // `getConfigsForWorkload`); the sort by issuer below is stable.
        for local in [true, false] {
            for &i in &found {
                let ra = &self.request_authentications[i];
                if (ra.meta.namespace == ns) == local {
                    jwt.extend((0..ra.rules.len()).map(|r| (i, r)));
                }
            }
        }
        jwt.sort_by(|a, b| {
            let issuer =
                |(i, r): &(usize, usize)| &self.request_authentications[*i].rules[*r].issuer;
            issuer(a).cmp(issuer(b))
        });
        index.jwt = jwt;
        if sidecar {
            let candidates = selections.peers.candidates(ns, root, labels);
            index.peer = Peer::compose(&self.peer_authentications, &candidates, root, ns, labels);
        }
        let scoped = |list: &[Unmodelled], selection: &Selection| -> Vec<usize> {
            selection
                .candidates(ns, root, labels)
                .into_iter()
                .filter(|&i| match &list[i].scope {
                    None => true,
                    Some((scope_ns, selector)) => {
                        self.applies(scope_ns, Some(selector), ns, labels)
                    }
                })
                .collect()
        };
        index.unmodelled = scoped(&self.unmodelled, &selections.unmodelled);
        index.rate_limits = scoped(&self.rate_limits, &selections.rate_limits);
        index
    }
}

/// A list of which each run of equal items is held once, each place pointing at its item: the
/// workloads of a service's subsets come one after the other and often share their policies
/// and their identity, so at 10,000 services (30,000 workloads) one index per proxy and its
/// lists were 10.8 MB of the heap's peak, and one identity per proxy 2.8 MB (heaptrack).
#[derive(Debug)]
pub(crate) struct Runs<T> {
    /// Per place, the place of its item in `distinct`.
    of: Vec<usize>,
    distinct: Vec<T>,
}

impl<T> Default for Runs<T> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl<T> Runs<T> {
    fn with_capacity(places: usize) -> Self {
        Self {
            of: Vec::with_capacity(places),
            distinct: Vec::new(),
        }
    }

    /// Adds the next place's item, held once if `same` says it equals the one before it.
    fn push(&mut self, item: T, same: impl Fn(&T, &T) -> bool) {
        if !self.distinct.last().is_some_and(|last| same(last, &item)) {
            self.distinct.push(item);
        }
        self.of.push(self.distinct.len().saturating_sub(1));
    }

    /// The number of places.
    pub(crate) fn len(&self) -> usize {
        self.of.len()
    }

    /// The item of each place, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.of.iter().map(|&i| &self.distinct[i])
    }

    /// The distinct items at their number: grown by pushing, the distinct indexes of 10,000
    /// services' proxies held room for 16,384 (4.19 MB with the identities', heaptrack).
    fn shrink_to_fit(&mut self) {
        self.distinct.shrink_to_fit();
    }
}

impl<T> std::ops::Index<usize> for Runs<T> {
    type Output = T;

    fn index(&self, place: usize) -> &T {
        &self.distinct[self.of[place]]
    }
}

/// Whether two proxies' indexes are equal: the same filters ([`super::reuse::same_filters`],
/// which names every field, so that a field added to [`ProxyIndex`] must be sorted there) and the
/// same Sidecar, which the filters leave out.
fn same_index(x: &ProxyIndex, y: &ProxyIndex) -> bool {
    super::reuse::same_filters(x, y) && x.sidecar == y.sidecar
}

/// Indexes of what may select a proxy, by kind.
#[derive(Default)]
struct Selections {
    policies: Selection,
    jwt: Selection,
    unmodelled: Selection,
    rate_limits: Selection,
    sidecars: Selection,
    peers: Selection,
}

/// What `table` files under `host`, then under `*` (where it files wildcard hosts).
pub(crate) fn filed(table: &Map<String, Vec<usize>>, host: &str) -> Box<[usize]> {
    [host, "*"]
        .into_iter()
        .filter_map(|h| table.get(h))
        .flatten()
        .copied()
        .collect()
}

/// The Services the workloads back.
fn services(topology: &Topology) -> Map<String, Service> {
    let mut services: Map<String, Service> = Map::default();
    for (i, workload) in topology.workloads.iter().enumerate() {
        for port in workload.ports.iter() {
            let service = services
                .entry(port.service.to_ascii_lowercase())
                .or_insert_with(|| Service {
                    namespace: workload.namespace.clone(),
                    ..Service::default()
                });
            if !service.ports.contains(&port.port) {
                service.ports.push(port.port);
                service.ports.sort_unstable();
            }
            if !service.workloads.contains(&i) {
                service.workloads.push(i);
            }
        }
    }
    services
}

/// The workloads among `workloads` of each subset of the DestinationRules `rules` (indices).
fn subset_workloads(
    destination_rules: &[DestinationRule],
    rules: &[usize],
    workloads: &[usize],
    topology: &Topology,
) -> Vec<((usize, usize), Vec<usize>)> {
    let mut subsets: Vec<_> = rules
        .iter()
        .flat_map(|&i| {
            destination_rules[i]
                .subsets
                .iter()
                .enumerate()
                .map(move |(j, (_, labels, _))| {
                    let mut chosen: Vec<usize> = workloads
                        .iter()
                        .copied()
                        .filter(|&w| in_subset(labels, &topology.workloads[w]))
                        .collect();
                    chosen.shrink_to_fit();
                    ((i, j), chosen)
                })
        })
        .collect();
    // At their exact lengths: collected from filters, each list held room for four workloads
    // or subsets where most have one or three (4.3 MB at 10,000 services, heaptrack).
    subsets.shrink_to_fit();
    subsets
}

/// Contradictions in the topology.
fn topology_errors(topology: &Topology) -> Vec<CompileError> {
    let mut errors = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    let all = topology
        .workloads
        .iter()
        .map(|w| (&w.name, &w.namespace, &w.service_account))
        .chain(
            topology
                .gateways
                .iter()
                .map(|g| (&g.name, &g.namespace, &g.service_account)),
        );
    for (name, namespace, account) in all {
        if name.is_empty() || namespace.is_empty() || account.is_empty() {
            errors.push(CompileError::topology(format!(
                "workload `{name}` needs a name, a namespace and a service account"
            )));
        }
        if !names.insert(name.as_str()) {
            errors.push(CompileError::topology(format!(
                "two workloads are named `{name}`"
            )));
        }
    }
    for workload in &topology.workloads {
        for port in workload.ports.iter() {
            let host = port.service.to_ascii_lowercase();
            let namespace = host.split('.').nth(1);
            if host.ends_with(&format!(".svc.{DOMAIN}")) && namespace != Some(&workload.namespace) {
                errors.push(CompileError::topology(format!(
                    "workload `{}` in namespace `{}` backs `{host}` of another namespace",
                    workload.name, workload.namespace
                )));
            }
        }
    }
    errors
}

#[cfg(test)]
#[path = "mesh_tests.rs"]
mod tests;
