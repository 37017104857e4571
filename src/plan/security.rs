//! mTLS, default deny and explicit allows, JWT at the edge and on workloads, tenant isolation
//! (istio-rules.md §4.6–§4.7), and the ServiceEntries that admit external services.
//!
//! Every ALLOW rule uses positive matches only and every DENY rule negative ones, so that a
//! mismatch can only ever cause an unexpected 403, never an unexpected allow.

mod public_routes;
mod tenants;

use std::collections::BTreeMap;

use serde::Serialize;

use super::egress::ServiceEntry;
use super::ids::{PeerAuthenticationId, PolicyId, RequestAuthenticationId, RuleFor};
use super::{Context, Label, Meta, Resource, ResourceList, istio_words, label, labels, principal};
use crate::model::{self, Gateway, Host, HttpPath, Jwt, Method, MtlsScope, Name, Port, Service};

/// Every security resource.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityPlan {
    /// PeerAuthentication.
    pub peer_authentications: ResourceList<PeerAuthentication>,
    /// RequestAuthentications (edge, then workloads).
    pub request_authentications: ResourceList<RequestAuthentication>,
    /// AuthorizationPolicies.
    pub authorization_policies: ResourceList<AuthorizationPolicy>,
    /// ServiceEntries of external services.
    pub service_entries: ResourceList<ServiceEntry>,
}

/// A PeerAuthentication.
#[derive(Debug, Clone, Serialize)]
pub struct PeerAuthentication {
    /// Id, name, namespace, comment.
    pub meta: Meta<PeerAuthenticationId>,
    /// `selector.matchLabels` (empty: the mesh or the namespace).
    pub selector: Vec<Label>,
    /// `mtls.mode` (`None`: inherited, for a workload policy that only sets ports).
    pub mode: Option<MtlsMode>,
    /// `portLevelMtls`, by container port.
    pub ports: Vec<PortMtls>,
}

/// One `portLevelMtls` entry.
#[derive(Debug, Clone, Serialize)]
pub struct PortMtls {
    /// The container port.
    pub port: Port,
    /// `mode`.
    pub mode: MtlsMode,
}

istio_words! {
    /// `PeerAuthentication.mtls.mode`.
    pub enum MtlsMode {
        /// Only mTLS.
        Strict = "STRICT",
        /// mTLS and plain text.
        Permissive = "PERMISSIVE",
        /// Plain text only.
        Disable = "DISABLE",
    }
}

impl From<model::MtlsMode> for MtlsMode {
    fn from(mode: model::MtlsMode) -> Self {
        match mode {
            model::MtlsMode::Strict => Self::Strict,
            model::MtlsMode::Permissive => Self::Permissive,
            model::MtlsMode::Disable => Self::Disable,
        }
    }
}

/// A RequestAuthentication with one JWT rule.
#[derive(Debug, Clone, Serialize)]
pub struct RequestAuthentication {
    /// Id, name, namespace, comment.
    pub meta: Meta<RequestAuthenticationId>,
    /// `selector.matchLabels` (empty: the namespace).
    pub selector: Vec<Label>,
    /// `jwtRules[0].issuer`.
    pub issuer: String,
    /// `jwtRules[0].jwksUri`.
    pub jwks_uri: String,
    /// `jwtRules[0].audiences`.
    pub audiences: Vec<String>,
    /// `jwtRules[0].outputClaimToHeaders`.
    pub claim_headers: Vec<ClaimHeader>,
    /// `jwtRules[1..]`: the workloads' more issuers.
    pub more_rules: Vec<JwtRule>,
}

/// A JWT rule of another issuer.
#[derive(Debug, Clone, Serialize)]
pub struct JwtRule {
    /// `issuer`.
    pub issuer: String,
    /// `jwksUri`.
    pub jwks_uri: String,
    /// `audiences`.
    pub audiences: Vec<String>,
}

/// One `outputClaimToHeaders` entry.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimHeader {
    /// `header`.
    pub header: String,
    /// `claim`.
    pub claim: String,
}

/// An AuthorizationPolicy; with no selector, action or rules it is `spec: {}` (allow nothing).
#[derive(Debug, Clone, Serialize)]
pub struct AuthorizationPolicy {
    /// Id, name, namespace, comment.
    pub meta: Meta<PolicyId>,
    /// `selector.matchLabels`.
    pub selector: Vec<Label>,
    /// `action` (`None` only for the allow-nothing policy).
    pub action: Option<Action>,
    /// `rules`.
    pub rules: Vec<Rule>,
}

istio_words! {
    /// What an AuthorizationPolicy does with the requests its rules match. meshc writes no
    /// `CUSTOM` or `AUDIT` policy.
    pub enum Action {
        /// Admit them (and, once a workload has an ALLOW policy, only them).
        Allow = "ALLOW",
        /// Refuse them, whatever an ALLOW policy says.
        Deny = "DENY",
    }
}

/// One rule: `from` entries ORed, `to` entries ORed, `when` conditions ANDed.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// What the rule stands for (not written out).
    #[serde(skip)]
    pub id: RuleFor,
    /// `from[].source`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub from: Vec<Source>,
    /// `to[].operation`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub to: Vec<Operation>,
    /// `when`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub when: Vec<Condition>,
}

/// `source`: fields ANDed.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Source {
    /// `principals`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub principals: Vec<String>,
    /// `requestPrincipals`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub request_principals: Vec<String>,
    /// `notRequestPrincipals`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub not_request_principals: Vec<String>,
    /// `namespaces`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub namespaces: Vec<String>,
}

/// `operation`: fields ANDed.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Operation {
    /// `hosts`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub hosts: Vec<String>,
    /// `ports`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub ports: Vec<String>,
    /// `methods`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub methods: Vec<String>,
    /// `notMethods`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub not_methods: Vec<String>,
    /// `paths`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub paths: Vec<String>,
    /// `notPaths`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub not_paths: Vec<String>,
}

/// A `when` condition.
#[derive(Debug, Clone, Serialize)]
pub struct Condition {
    /// `key`.
    pub key: String,
    /// `values`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub values: Vec<String>,
    /// `notValues`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub not_values: Vec<String>,
}

impl Resource for PeerAuthentication {
    type Id = PeerAuthenticationId;

    fn id(&self) -> &PeerAuthenticationId {
        &self.meta.id
    }
}

impl Resource for RequestAuthentication {
    type Id = RequestAuthenticationId;

    fn id(&self) -> &RequestAuthenticationId {
        &self.meta.id
    }
}

impl Resource for AuthorizationPolicy {
    type Id = PolicyId;

    fn id(&self) -> &PolicyId {
        &self.meta.id
    }
}

pub(super) fn build(context: &Context<'_>) -> SecurityPlan {
    let profile = context.profile;
    SecurityPlan {
        peer_authentications: peer_authentications(context)
            .into_iter()
            .chain(
                profile
                    .services
                    .iter()
                    .filter_map(workload_peer_authentication),
            )
            .collect(),
        request_authentications: profile
            .security
            .jwt
            .as_ref()
            .map(|jwt| request_authentications(context, jwt))
            .unwrap_or_default()
            .into(),
        authorization_policies: authorization_policies(context)
            .into_iter()
            .chain(super::egress_gateway::policies(context))
            .collect(),
        service_entries: profile
            .external_services
            .iter()
            .map(|external| super::egress::service_entry(context, external))
            .collect(),
    }
}

/// The mesh's mTLS mode: one PeerAuthentication in the root namespace, or one in each workload
/// namespace.
fn peer_authentications(context: &Context<'_>) -> Vec<PeerAuthentication> {
    let security = &context.profile.security;
    let mode = MtlsMode::from(security.mtls);
    let policy = |id, namespace, scope: &str| PeerAuthentication {
        meta: Meta::new(id, namespace, format!("mTLS mode {mode} for {scope}.")),
        selector: Vec::new(),
        mode: Some(mode),
        ports: Vec::new(),
    };
    match security.mtls_scope {
        MtlsScope::Mesh => vec![policy(
            PeerAuthenticationId::Mesh,
            context.root(),
            "the whole mesh",
        )],
        MtlsScope::Namespace => context
            .namespaces()
            .into_iter()
            .map(|namespace| {
                let id = if context.is_mesh_namespace(namespace) {
                    PeerAuthenticationId::Namespace
                } else {
                    PeerAuthenticationId::NamespaceIn {
                        namespace: namespace.clone(),
                    }
                };
                policy(id, namespace, "this namespace")
            })
            .collect(),
    }
}

/// A service's own mTLS modes: a PeerAuthentication with its selector in the workload
/// namespace (one with a selector in the root namespace is ignored, istio-rules.md §1), whose
/// mode and ports override the mesh's and the namespace's; `None` when it sets neither.
fn workload_peer_authentication(service: &Service) -> Option<PeerAuthentication> {
    if service.mtls.is_none() && service.port_mtls.is_empty() {
        return None;
    }
    let mode = service.mtls.map(MtlsMode::from);
    let ports: Vec<PortMtls> = service
        .port_mtls
        .iter()
        .map(|&(port, mode)| PortMtls {
            port,
            mode: mode.into(),
        })
        .collect();
    let mut says = Vec::new();
    if let Some(mode) = mode {
        says.push(mode.to_string());
    }
    says.extend(
        ports
            .iter()
            .map(|p| format!("{} on port {}", p.mode, p.port)),
    );
    Some(PeerAuthentication {
        meta: Meta::new(
            PeerAuthenticationId::Workload {
                service: service.name.clone(),
            },
            &service.namespace,
            format!("mTLS for {}: {}.", service.name, says.join(", ")),
        ),
        selector: labels(&service.labels),
        mode,
        ports,
    })
}

fn jwt_fields(jwt: &Jwt) -> (String, String, Vec<String>) {
    (
        jwt.issuer.to_string(),
        jwt.jwks_uri.to_string(),
        jwt.audiences.clone(),
    )
}

fn request_authentications(context: &Context<'_>, jwt: &Jwt) -> Vec<RequestAuthentication> {
    let (issuer, jwks_uri, audiences) = jwt_fields(jwt);
    let mut authentications = Vec::new();
    if !context.profile.gateways.is_empty() {
        // At the edge the token's tenant claim overwrites any tenant header the client sent.
        let claim_headers = context
            .profile
            .tenancy
            .iter()
            .map(|tenancy| ClaimHeader {
                header: tenancy.header.to_string(),
                claim: tenancy.claim.clone(),
            })
            .collect::<Vec<_>>();
        for (gateway, label_value) in workloads(context) {
            let id = match gateway.deployment {
                Some(_) => RequestAuthenticationId::EdgeOwn {
                    gateway: gateway.name.clone(),
                },
                None => RequestAuthenticationId::Edge,
            };
            authentications.push(RequestAuthentication {
                meta: Meta::new(
                    id,
                    context.root(),
                    "Validates tokens at the ingress gateway and forwards them to workloads.",
                ),
                selector: vec![label("istio", &label_value)],
                issuer: issuer.clone(),
                jwks_uri: jwks_uri.clone(),
                audiences: audiences.clone(),
                claim_headers: Vec::clone(&claim_headers),
                more_rules: Vec::new(),
            });
        }
    }
    let workloads = RequestAuthentication {
        meta: Meta::new(
            RequestAuthenticationId::Workloads,
            context.namespace(),
            "Validates forwarded tokens on every workload, so policies can use their claims.",
        ),
        selector: Vec::new(),
        issuer,
        jwks_uri,
        audiences,
        claim_headers: Vec::new(),
        more_rules: context
            .profile
            .security
            .issuers
            .iter()
            .map(|(_, jwt)| {
                let (issuer, jwks_uri, audiences) = jwt_fields(jwt);
                JwtRule {
                    issuer,
                    jwks_uri,
                    audiences,
                }
            })
            .collect(),
    };
    // One per workload namespace: a RequestAuthentication without a selector covers its own
    // namespace only.
    for namespace in context.namespaces() {
        let id = if context.is_mesh_namespace(namespace) {
            RequestAuthenticationId::Workloads
        } else {
            RequestAuthenticationId::WorkloadsIn {
                namespace: namespace.clone(),
            }
        };
        authentications.push(RequestAuthentication {
            meta: Meta::new(id, namespace, workloads.meta.comment.clone()),
            ..workloads.clone()
        });
    }
    authentications
}

fn authorization_policies(context: &Context<'_>) -> Vec<AuthorizationPolicy> {
    let profile = context.profile;
    let mut policies = Vec::new();
    if let Some(jwt) = &profile.security.jwt
        && jwt.require_token
        && !profile.gateways.is_empty()
    {
        for (first, label_value) in workloads(context) {
            let id = match first.deployment {
                Some(_) => PolicyId::EdgeRequireJwtOwn {
                    gateway: first.name.clone(),
                },
                None => PolicyId::EdgeRequireJwt,
            };
            policies.push(AuthorizationPolicy {
                meta: Meta::new(
                    id,
                    context.root(),
                    "Denies requests without a valid token at the ingress gateway.",
                ),
                selector: vec![label("istio", &label_value)],
                action: Some(Action::Deny),
                rules: profile
                    .gateways
                    .iter()
                    .filter(|g| g.workload_label() == label_value)
                    .flat_map(edge_rules)
                    .collect(),
            });
        }
    }
    if profile.security.default_deny {
        // A policy without a selector covers its own namespace only: one in each.
        for namespace in context.namespaces() {
            let id = if context.is_mesh_namespace(namespace) {
                PolicyId::AllowNothing
            } else {
                PolicyId::AllowNothingIn {
                    namespace: namespace.clone(),
                }
            };
            policies.push(AuthorizationPolicy {
                meta: Meta::new(
                    id,
                    namespace,
                    "Default deny: a request no ALLOW policy matches is refused.",
                ),
                selector: Vec::new(),
                action: None,
                rules: Vec::new(),
            });
        }
    }
    let routed = gateway_paths(context);
    let mut isolation = profile
        .tenancy
        .as_ref()
        .map(|tenancy| tenants::Isolation::new(profile, tenancy));
    // The namespaces' guards go with the default denies, before the services' policies.
    let namespace_wide = policies.len();
    for service in &profile.services {
        let allow = allow_policy(context, service, routed.get(&service.name));
        let guard = isolation
            .as_mut()
            .and_then(|isolation| isolation.service_guard(context, service, allow.as_ref()));
        policies.extend(allow);
        policies.extend(guard);
    }
    if let Some(isolation) = &isolation {
        policies.splice(namespace_wide..namespace_wide, isolation.namespace_guards());
    }
    policies
}

/// The edge's token requirement on one gateway: for each class of its hosts (the hosts that
/// get the same routes), a request without a token on their HTTPS port is denied unless its
/// path is one of their public routes', and then a rule for their routes tried before an
/// overlapping public route.
fn edge_rules(gateway: &Gateway) -> Vec<Rule> {
    let mut rules = Vec::new();
    for class in gateway.classes() {
        let hosts: Vec<Host> = class.hosts.iter().map(|h| (*h).clone()).collect();
        let missing = Rule {
            id: RuleFor::MissingToken,
            from: vec![Source {
                not_request_principals: vec!["*".to_string()],
                ..Source::default()
            }],
            to: vec![Operation {
                hosts: edge_hosts(&hosts),
                ports: vec![gateway.https_port.1.to_string()],
                // Browsers send CORS preflights without credentials.
                not_methods: if gateway.cors.is_some() {
                    vec!["OPTIONS".to_string()]
                } else {
                    Vec::new()
                },
                not_paths: public_routes::public_paths(&class.routes),
                ..Operation::default()
            }],
            when: Vec::new(),
        };
        let guard = public_routes::guard_earlier_routes(&class.routes, &missing);
        rules.push(missing);
        rules.extend(guard);
    }
    rules
}

/// Each ingress-gateway deployment the profile's gateways run on, with its `istio` label: the
/// default one first when some gateway runs there, then each gateway with its own, in the
/// order of the gateways.
pub(super) fn workloads<'a>(context: &Context<'a>) -> Vec<(&'a Gateway, String)> {
    let gateways = &context.profile.gateways;
    let shared = gateways.iter().find(|g| g.deployment.is_none());
    shared
        .into_iter()
        .chain(gateways.iter().filter(|g| g.deployment.is_some()))
        .map(|g| (g, g.workload_label()))
        .collect()
}

/// The `hosts` of the edge's token requirement: each host with and without a port, since the
/// gateway routes `h:443` like `h` while an AuthorizationPolicy host matches the Host header
/// exactly (istio-rules.md §7). A wildcard host cannot be written with a port (`*.h:*` is a
/// suffix match on the literal `.h:*`), so with one the requirement covers every host.
fn edge_hosts(hosts: &[Host]) -> Vec<String> {
    if hosts.iter().any(Host::is_wildcard) {
        return Vec::new();
    }
    hosts
        .iter()
        .flat_map(|host| [host.to_string(), format!("{host}:*")])
        .collect()
}

/// The paths the gateway routes to each service.
fn gateway_paths<'a>(context: &Context<'a>) -> BTreeMap<&'a Name, GatewayPaths<'a>> {
    let require_token = context
        .profile
        .security
        .jwt
        .as_ref()
        .is_some_and(|jwt| jwt.require_token);
    let mut paths: BTreeMap<&Name, GatewayPaths<'a>> = BTreeMap::new();
    for gateway in &context.profile.gateways {
        // A gateway on a deployment of its own speaks with that deployment's identity.
        let principal =
            super::principal(context.profile, context.root(), &gateway.service_account());
        for route in &gateway.routes {
            let entry = paths.entry(&route.service).or_default();
            if !entry.principals.contains(&principal) {
                entry.principals.push(principal.clone());
            }
        }
    }
    for route in context.profile.gateways.iter().flat_map(|g| &g.routes) {
        let entry = paths.entry(&route.service).or_default();
        // Without a token requirement a public route is like any other.
        if route.public && require_token {
            entry.public.push(&route.path);
        } else {
            entry.token.push(&route.path);
        }
    }
    paths
}

/// The request principal pattern of every token the issuer signs.
fn token_principal(context: &Context<'_>) -> Option<String> {
    let jwt = context.profile.security.jwt.as_ref()?;
    Some(format!("{}/*", jwt.issuer))
}

use public_routes::GatewayPaths;

fn allow_policy(
    context: &Context<'_>,
    service: &Service,
    routed: Option<&GatewayPaths<'_>>,
) -> Option<AuthorizationPolicy> {
    let mut rules: Vec<Rule> = service
        .callers
        .iter()
        .enumerate()
        .map(|(index, caller)| {
            let mut from = Vec::new();
            let mut principals: Vec<String> = caller
                .services
                .iter()
                .map(|name| context.service_principal(name))
                .collect();
            principals.extend(
                caller
                    .service_accounts
                    .iter()
                    .map(|(ns, sa)| principal(context.profile, ns, sa.as_str())),
            );
            if !principals.is_empty() {
                from.push(Source {
                    principals,
                    ..Source::default()
                });
            }
            if !caller.namespaces.is_empty() {
                from.push(Source {
                    namespaces: caller.namespaces.iter().map(ToString::to_string).collect(),
                    ..Source::default()
                });
            }
            if !caller.request_principals.is_empty() {
                from.push(Source {
                    request_principals: caller
                        .request_principals
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                    ..Source::default()
                });
            } else if from.is_empty() && !caller.claims.is_empty() {
                // Only claims: any valid token that holds them, said as a source, so that no
                // rule without `from` admits anyone.
                from.push(Source {
                    request_principals: token_principal(context).into_iter().collect(),
                    ..Source::default()
                });
            }
            Rule {
                id: RuleFor::Caller { index },
                from,
                to: with_ports(operation(&caller.methods, &caller.paths), &caller.ports),
                // Claims narrow the whole rule: whoever the caller is, its token holds them.
                when: caller
                    .claims
                    .iter()
                    .map(|(name, values)| Condition {
                        key: format!("request.auth.claims[{name}]"),
                        values: values.iter().map(ToString::to_string).collect(),
                        not_values: Vec::new(),
                    })
                    .collect(),
            }
        })
        .collect();
    if let Some(routed) = routed {
        let require_token = context
            .profile
            .security
            .jwt
            .as_ref()
            .is_some_and(|jwt| jwt.require_token);
        if !routed.token.is_empty() {
            rules.push(Rule {
                id: RuleFor::GatewayRoutes,
                from: vec![Source {
                    principals: routed.principals.clone(),
                    request_principals: if require_token {
                        token_principal(context).into_iter().collect()
                    } else {
                        Vec::new()
                    },
                    ..Source::default()
                }],
                to: public_routes::operation(&routed.token),
                when: Vec::new(),
            });
        }
        if !routed.public.is_empty() {
            rules.push(Rule {
                id: RuleFor::PublicRoutes,
                from: vec![Source {
                    principals: routed.principals.clone(),
                    ..Source::default()
                }],
                to: public_routes::operation(&routed.public),
                when: Vec::new(),
            });
        }
    }
    if rules.is_empty() {
        return None;
    }
    Some(AuthorizationPolicy {
        meta: Meta::new(
            PolicyId::Callers {
                service: service.name.clone(),
            },
            &service.namespace,
            match (service.callers.is_empty(), routed.is_some()) {
                (false, true) => format!(
                    "Who may call {}: its callers and the routes of the gateway.",
                    service.name
                ),
                (false, false) => format!("Who may call {}: its callers.", service.name),
                _ => format!("Who may call {}: the routes of the gateway.", service.name),
            },
        ),
        selector: labels(&service.labels),
        action: Some(Action::Allow),
        rules,
    })
}

/// A `to` list for methods and path prefixes; empty when neither restricts anything.
pub(super) fn operation(methods: &[Method], paths: &[HttpPath]) -> Vec<Operation> {
    let operation = Operation {
        methods: methods.iter().map(ToString::to_string).collect(),
        paths: authz_paths(paths),
        ..Operation::default()
    };
    if operation.methods.is_empty() && operation.paths.is_empty() {
        Vec::new()
    } else {
        vec![operation]
    }
}

/// `operation` limited to the container ports a caller rule names (none: every port).
fn with_ports(mut to: Vec<Operation>, ports: &[Port]) -> Vec<Operation> {
    if ports.is_empty() {
        return to;
    }
    let ports: Vec<String> = ports.iter().map(ToString::to_string).collect();
    if to.is_empty() {
        to.push(Operation::default());
    }
    for operation in &mut to {
        operation.ports.clone_from(&ports);
    }
    to
}

/// Path prefixes as AuthorizationPolicy paths: `/a` becomes `/a` and `/a/*`, `/a/` becomes
/// `/a/*`, and `/` (everything) adds no condition.
fn authz_paths(prefixes: &[HttpPath]) -> Vec<String> {
    if prefixes.iter().any(|p| p.as_str() == "/") {
        return Vec::new();
    }
    let mut paths = Vec::new();
    for prefix in prefixes {
        if prefix.ends_with_slash() {
            paths.push(format!("{prefix}*"));
        } else {
            paths.push(prefix.to_string());
            paths.push(format!("{prefix}/*"));
        }
    }
    paths.sort();
    paths.dedup();
    paths
}
