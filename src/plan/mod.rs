//! Stage 3: the checked profile to the Istio resources it implies — the only input templates see.
//!
//! Every decision about Istio lives here: names, order, which fields appear, how a profile
//! choice maps to Istio semantics. The result is plain data shaped like the YAML, so that the
//! templates only lay it out. Lists are in a stable order (profile order for routes, name order
//! for everything else), so the same profile always gives the same plan.
//!
//! Istio's closed vocabularies are enums (declared with `istio_words!`) that serialize to Istio's
//! spelling. Every resource carries the [id](ids) of what it was generated for, from which its
//! name follows; readers of the plan (`explain`) find resources by id in a [`ResourceList`].

mod cel;
pub(crate) mod cluster;
pub(crate) mod destination_rule;
pub(crate) mod egress;
mod egress_gateway;
pub(crate) mod egress_l4;
pub(crate) mod gateway;
pub(crate) mod ids;
pub(crate) mod namespace;
mod operator;
mod ports;
mod resource_list;
pub(crate) mod security;
pub(crate) mod sidecar;
pub(crate) mod telemetry;
pub(crate) mod virtual_service;
mod words;

use serde::Serialize;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use crate::model::{IstioVersion, LabelKey, Labels, Name, Profile, Retries, Service};
use words::istio_words;

pub(crate) use destination_rule::DestinationRule;
pub(crate) use gateway::GatewayPlan;
pub(crate) use ids::ResourceId;
pub(crate) use operator::IstioOperator;
pub use resource_list::{Resource, ResourceList};
pub(crate) use security::SecurityPlan;
pub(crate) use telemetry::Telemetry;
use virtual_service::RetryPolicy;
pub(crate) use virtual_service::VirtualService;

/// Every resource meshc emits for a profile.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// apiVersion per kind, chosen by the target Istio release.
    pub api: Api,
    /// The IstioOperator.
    pub operator: IstioOperator,
    /// Mesh-internal routing, one per service and external service.
    pub virtual_services: ResourceList<VirtualService>,
    /// Traffic policies, one per host.
    pub destination_rules: ResourceList<DestinationRule>,
    /// mTLS, authorization, JWT, egress registry.
    pub security: SecurityPlan,
    /// Ingress and east-west gateways.
    pub gateway: GatewayPlan,
    /// Telemetry resources.
    pub telemetry: ResourceList<Telemetry>,
    /// Sidecars that scope egress hosts.
    pub sidecars: ResourceList<sidecar::Sidecar>,
    /// The workload namespaces (the mesh's first, then the services' own), labelled for
    /// injection; none when the profile does not manage them.
    pub namespaces: Vec<namespace::Namespace>,
}

/// The apiVersion of each kind for the target release (istio-rules.md §3.1).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Api {
    /// VirtualService, DestinationRule, Gateway, ServiceEntry.
    pub networking: ApiVersion,
    /// AuthorizationPolicy, RequestAuthentication.
    pub security: ApiVersion,
    /// PeerAuthentication.
    pub peer_authentication: ApiVersion,
    /// Telemetry.
    pub telemetry: ApiVersion,
    /// EnvoyFilter.
    pub envoy_filter: ApiVersion,
}

istio_words! {
    /// An Istio API group and version.
    pub enum ApiVersion {
        /// Networking, GA.
        NetworkingV1 = "networking.istio.io/v1",
        /// Networking before 1.22.
        NetworkingV1beta1 = "networking.istio.io/v1beta1",
        /// EnvoyFilter's only version.
        NetworkingV1alpha3 = "networking.istio.io/v1alpha3",
        /// Security, GA.
        SecurityV1 = "security.istio.io/v1",
        /// PeerAuthentication before 1.22.
        SecurityV1beta1 = "security.istio.io/v1beta1",
        /// Telemetry, GA.
        TelemetryV1 = "telemetry.istio.io/v1",
        /// Telemetry before 1.22.
        TelemetryV1alpha1 = "telemetry.istio.io/v1alpha1",
    }
}

impl Api {
    /// The versions for a release: `v1` everywhere from 1.22, the older mix for 1.17–1.21.
    pub fn for_release(version: IstioVersion) -> Self {
        let v1 = version
            >= IstioVersion {
                major: 1,
                minor: 22,
            };
        Self {
            networking: if v1 {
                ApiVersion::NetworkingV1
            } else {
                ApiVersion::NetworkingV1beta1
            },
            security: ApiVersion::SecurityV1,
            peer_authentication: if v1 {
                ApiVersion::SecurityV1
            } else {
                ApiVersion::SecurityV1beta1
            },
            telemetry: if v1 {
                ApiVersion::TelemetryV1
            } else {
                ApiVersion::TelemetryV1alpha1
            },
            envoy_filter: ApiVersion::NetworkingV1alpha3,
        }
    }
}

istio_words! {
    /// The protocol of a Gateway server or ServiceEntry port.
    pub enum Protocol {
        /// Plain HTTP.
        Http = "HTTP",
        /// HTTP over TLS.
        Https = "HTTPS",
        /// TLS, routed by SNI.
        Tls = "TLS",
        /// Plain TCP.
        Tcp = "TCP",
    }
}

/// What a resource was generated for, its name and namespace, and the one-line comment above it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Meta<Id> {
    /// What the resource was generated for (not written out).
    #[serde(skip)]
    pub id: Id,
    /// `metadata.name`, which follows from the id.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// What the resource is for, in words; written as a YAML comment.
    pub comment: String,
}

impl<Id: ResourceId> Meta<Id> {
    fn new(id: Id, namespace: &Name, comment: impl Into<String>) -> Self {
        Self {
            name: id.name(),
            id,
            namespace: namespace.to_string(),
            comment: comment.into(),
        }
    }
}

/// A label or selector entry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Label {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

fn labels(labels: &Labels) -> Vec<Label> {
    labels
        .iter()
        .map(|(key, value)| Label {
            key: key.to_string(),
            value: value.to_string(),
        })
        .collect()
}

fn label(key: &'static str, value: &str) -> Label {
    Label {
        key: LabelKey::known(key).to_string(),
        value: value.to_string(),
    }
}

/// Derives every resource of a checked profile.
pub fn build(profile: &Profile) -> Plan {
    build_with(profile, profile.services.len() >= PARALLEL_FROM)
}

/// [`build`], the VirtualServices on a second thread if `parallel`.
fn build_with(profile: &Profile, parallel: bool) -> Plan {
    let context = Context::new(profile);
    // Planning runs before anything else can: on one thread, it left the second core idle
    // for 4 % of a 1,000-service render's instructions (benches/README.md). The
    // VirtualServices are about half of them.
    std::thread::scope(|scope| {
        let planning = parallel.then(|| scope.spawn(|| virtual_service::build(&context)));
        // Fields are built in the order written: the VirtualServices last, so that this
        // thread plans everything else while the other plans them.
        Plan {
            api: Api::for_release(profile.mesh.istio_version),
            operator: operator::build(&context),
            destination_rules: destination_rule::build(&context),
            security: security::build(&context),
            gateway: gateway::build(&context),
            telemetry: telemetry::build(&context),
            sidecars: sidecar::build(&context),
            namespaces: namespace::build(&context),
            virtual_services: match planning {
                // A panic is a bug: it goes on as it would on one thread.
                Some(planning) => planning
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => virtual_service::build(&context),
            },
        }
    })
}

/// The number of services from which the VirtualServices are planned on a second thread
/// (below it, starting the thread costs about what it saves).
const PARALLEL_FROM: usize = 50;

/// The profile plus the facts several builders derive from it.
struct Context<'a> {
    profile: &'a Profile,
    /// Services by name, so that references resolve in O(log n) on large meshes.
    services: BTreeMap<&'a Name, &'a Service>,
    /// The plan's retry policy of each budget, by the address of the profile's one copy of
    /// it: tens of thousands of routes name a few budgets, and a policy of their own each
    /// (its conditions joined, the budget's name copied) was about 7 MB of the plan at
    /// 10,000 services, alive through the render. Locked: two threads plan routes.
    retry_policies: Mutex<HashMap<usize, Arc<RetryPolicy>>>,
}

impl<'a> Context<'a> {
    fn new(profile: &'a Profile) -> Self {
        Self {
            profile,
            services: profile.services.iter().map(|s| (&s.name, s)).collect(),
            retry_policies: Mutex::default(),
        }
    }

    /// The policy of `retries`, made once for each budget the profile shares.
    fn retry_policy(&self, retries: &Arc<Retries>) -> Arc<RetryPolicy> {
        let mut policies = self
            .retry_policies
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let policy = policies
            .entry(Arc::as_ptr(retries).addr())
            .or_insert_with(|| Arc::new(RetryPolicy::from_budget(retries)));
        Arc::clone(policy)
    }

    fn service(&self, name: &Name) -> Option<&'a Service> {
        self.services.get(name).copied()
    }

    fn namespace(&self) -> &Name {
        &self.profile.mesh.namespace
    }

    /// Every workload namespace: the mesh's, then the other namespaces of services, sorted.
    /// Namespace-wide resources (default deny, the workloads' token rules, a namespace's
    /// Sidecar) are written once in each.
    fn namespaces(&self) -> Vec<&'a Name> {
        let mesh = &self.profile.mesh.namespace;
        let others: BTreeSet<&Name> = self
            .profile
            .services
            .iter()
            .map(|s| &s.namespace)
            .filter(|ns| *ns != mesh)
            .collect();
        std::iter::once(mesh).chain(others).collect()
    }

    /// Whether `namespace` is the mesh's workload namespace, whose namespace-wide resources
    /// keep the plain ids (`AllowNothing`); those of the others name it (`AllowNothingIn`).
    fn is_mesh_namespace(&self, namespace: &Name) -> bool {
        namespace == &self.profile.mesh.namespace
    }

    /// The namespace of the service `name` (the mesh's for a name that is not a service).
    fn namespace_of(&self, name: &Name) -> &'a Name {
        self.service(name)
            .map_or(&self.profile.mesh.namespace, |s| &s.namespace)
    }

    /// The principal the service `name` calls with: its service account in its namespace (the
    /// mesh's namespace and an account of that name for a name that is not a service).
    fn service_principal(&self, name: &Name) -> String {
        let account = self.service(name).map_or(name, |s| &s.service_account);
        principal(self.profile, self.namespace_of(name), account.as_str())
    }

    fn root(&self) -> &Name {
        &self.profile.mesh.root_namespace
    }
}

/// The SPIFFE-style principal of a service account, as AuthorizationPolicy matches it.
fn principal(profile: &Profile, namespace: &Name, service_account: &str) -> String {
    format!(
        "{}/ns/{namespace}/sa/{service_account}",
        profile.mesh.trust_domain
    )
}

/// Serializes an empty list as none, which the templates read as they read an empty list (false
/// in an `if`, nothing to loop over; printed, it is an error, and every template tests such a
/// list before it prints it). The render's value trees hold tens of thousands of empty lists (a
/// route match's headers, regexes and gateways; an authorization source's and operation's
/// fields), each otherwise an allocation to build and free, and a boxed iterator for each loop
/// over it (benches/README.md, "an empty list of the plan serialized as none").
fn empty_as_none<T: Serialize, S: serde::Serializer>(
    items: &[T],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if items.is_empty() {
        serializer.serialize_none()
    } else {
        items.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    /// A synthetic profile large enough to be planned on two threads.
    fn large_profile() -> Profile {
        let source = Source::new(
            "synthetic.toml",
            crate::synth::profile(crate::synth::Shape::tenanted(PARALLEL_FROM)),
        );
        crate::pipeline::check(&source).unwrap().profile
    }

    #[test]
    fn a_large_profile_planned_on_two_threads_gives_the_plan_of_one() {
        let profile = large_profile();
        let json = |plan: Plan| serde_json::to_value(plan).unwrap();
        let one = json(build_with(&profile, false));
        assert_eq!(json(build(&profile)), one);
        assert_eq!(
            one["virtual_services"].as_array().map(Vec::len),
            Some(PARALLEL_FROM + 1),
            "a VirtualService for every service and the external one"
        );
    }

    #[test]
    fn the_routes_of_one_budget_share_its_retry_policy() {
        let profile = large_profile();
        let plan = build(&profile);
        let policies: Vec<&Arc<RetryPolicy>> = plan
            .virtual_services
            .iter()
            .flat_map(|service| &service.http)
            .chain(
                plan.gateway
                    .virtual_services
                    .iter()
                    .flat_map(|service| &service.http),
            )
            .filter_map(|route| route.retries.as_ref())
            .collect();
        let mut budgets = BTreeMap::new();
        for policy in &policies {
            let shared = budgets.entry(&policy.budget).or_insert(*policy);
            assert!(Arc::ptr_eq(shared, policy), "{} copied", policy.budget);
        }
        assert!(
            policies.len() > budgets.len(),
            "{} routes with retries, {} budgets",
            policies.len(),
            budgets.len()
        );
    }
}
