//! Tenant isolation (istio-rules.md §4.7), sized by what tenants reach (issue 10): a guard on
//! each service some tenant lists or whose ALLOW admits a tenant's path, and one guard in each
//! namespace for the services no tenant lists.
//!
//! A service no tenant lists must refuse every tenant claim and tenant header. Written on each
//! such service, that costs services × 2 rules, most of a large mesh's security policy. When
//! the service's ALLOW admits no path on which any service welcomes a tenant (a tenant's path,
//! a public route open to tenants), its guard can be said once for the namespace instead: a
//! DENY without a selector, for claims and headers on exactly the paths those services' ALLOWs
//! admit. On such a service that refuses what its own guard did: a request with a claim or
//! header is refused on the paths its ALLOW admits, and nowhere else is it admitted. On every
//! other workload of the namespace it refuses nothing that would be let in: its paths are
//! none of the paths a tenant's claim is welcome on, and its ports are HTTP ports of no other
//! protocol in the namespace (on a TCP port its HTTP conditions would be dropped and it would
//! refuse every connection, istio-rules.md §7). A workload of the namespace that the profile
//! does not name is refused everything by the default deny, which folding needs. The guard
//! names its ports even where the namespace has no other protocol: Istio's webhook warns of a
//! DENY rule with HTTP conditions and no ports.

use std::collections::{BTreeMap, BTreeSet};

use super::public_routes;
use super::{Action, AuthorizationPolicy, Condition, Operation, Rule, RuleFor, authz_paths};
use crate::model::{self, HttpPath, Name, Port, Service, Tenancy};
use crate::plan::ids::PolicyId;
use crate::plan::{Context, Meta, labels};

/// Tenant isolation for a whole mesh: each service's guard or its share in its namespace's.
pub(super) struct Isolation<'a> {
    tenancy: &'a Tenancy,
    reach: TenantReach<'a>,
    /// Where some service welcomes a tenant's claim or header: every tenant path and every
    /// public route open to tenants, as path keys ([`WelcomePaths`]).
    welcome: WelcomePaths,
    /// Whether the default deny refuses what no ALLOW admits (folding needs it).
    default_deny: bool,
    /// The container ports of each namespace that carry something else than HTTP.
    opaque_ports: BTreeMap<&'a Name, BTreeSet<Port>>,
    /// Each namespace's share of the services folded into its guard: their HTTP container
    /// ports and the paths their ALLOWs admit.
    folded: BTreeMap<&'a Name, (BTreeSet<Port>, BTreeSet<String>)>,
}

impl<'a> Isolation<'a> {
    pub(super) fn new(profile: &'a model::Profile, tenancy: &'a Tenancy) -> Self {
        let mut welcome = WelcomePaths::default();
        for tenant in &tenancy.tenants {
            for path in &tenant.paths {
                welcome.insert(path.as_str());
            }
        }
        let mut opaque_ports: BTreeMap<&Name, BTreeSet<Port>> = BTreeMap::new();
        for service in &profile.services {
            for open in model::open_to_tenants(profile, &service.name) {
                let (model::PathMatch::Prefix(path) | model::PathMatch::Exact(path)) = open;
                welcome.insert(path.as_str());
            }
            opaque_ports.entry(&service.namespace).or_default().extend(
                service
                    .ports
                    .iter()
                    .filter(|p| !p.protocol.is_http())
                    .map(|p| p.target_port),
            );
        }
        Self {
            tenancy,
            reach: TenantReach::new(profile, tenancy),
            welcome,
            default_deny: profile.security.default_deny,
            opaque_ports,
            folded: BTreeMap::new(),
        }
    }

    /// The guard of `service`, whose ALLOW policy is `allow`: its own, or none when the
    /// namespace's guard covers it (then its share is kept for [`Self::namespace_guards`]).
    pub(super) fn service_guard(
        &mut self,
        context: &Context<'_>,
        service: &'a Service,
        allow: Option<&AuthorizationPolicy>,
    ) -> Option<AuthorizationPolicy> {
        if let Some(paths) = self.foldable(service, allow) {
            // No paths: its ALLOW admits nothing, and the default deny refuses everything.
            if !paths.is_empty() {
                let (ports, admitted) = self.folded.entry(&service.namespace).or_default();
                ports.extend(service.http_target_ports());
                admitted.extend(paths);
            }
            return None;
        }
        Some(service_guard(context, self.tenancy, &self.reach, service))
    }

    /// The paths `service`'s ALLOW admits, when the namespace's guard can stand for its own:
    /// no tenant lists it, the default deny refuses what its ALLOW does not admit, every rule of
    /// its ALLOW names paths and none of them is a path a tenant is welcome on, and its HTTP
    /// ports are no other protocol's in the namespace. (No service lives in the root
    /// namespace, where a policy without a selector would hold for the whole mesh: validation
    /// refuses it.)
    fn foldable(
        &self,
        service: &Service,
        allow: Option<&AuthorizationPolicy>,
    ) -> Option<Vec<String>> {
        if !self.default_deny || self.reach.listed.contains_key(&service.name) {
            return None;
        }
        let http = service.http_target_ports();
        let opaque = self.opaque_ports.get(&service.namespace);
        if http.is_empty() || http.iter().any(|p| opaque.is_some_and(|o| o.contains(p))) {
            return None;
        }
        let mut paths = Vec::new();
        for rule in allow.map_or(&[][..], |allow| allow.rules.as_slice()) {
            if rule.to.is_empty() {
                return None;
            }
            for operation in &rule.to {
                if operation.paths.is_empty() {
                    return None;
                }
                for path in &operation.paths {
                    if self.welcome.meets(path) {
                        return None;
                    }
                    paths.push(path.clone());
                }
            }
        }
        Some(paths)
    }

    /// One DENY in each namespace with folded services, for a tenant claim or a tenant
    /// header on their HTTP ports and the paths their ALLOWs admit.
    pub(super) fn namespace_guards(&self) -> Vec<AuthorizationPolicy> {
        let claim_key = format!("request.auth.claims[{}]", self.tenancy.claim);
        let header_key = format!("request.headers[{}]", self.tenancy.header);
        self.folded
            .iter()
            .map(|(&namespace, (ports, paths))| {
                // Named even where every port of the namespace is HTTP: Istio's webhook warns
                // of a DENY with HTTP conditions and no ports.
                let to = vec![Operation {
                    ports: ports.iter().map(ToString::to_string).collect(),
                    paths: outermost(paths),
                    ..Operation::default()
                }];
                let rule = |id: RuleFor, key: &str| Rule {
                    id,
                    from: Vec::new(),
                    to: to.clone(),
                    when: vec![Condition {
                        key: key.to_string(),
                        values: vec!["*".to_string()],
                        not_values: Vec::new(),
                    }],
                };
                AuthorizationPolicy {
                    meta: Meta::new(
                        PolicyId::TenantGuardIn {
                            namespace: namespace.clone(),
                        },
                        namespace,
                        "Tenant isolation on the services no tenant lists, on their callers' paths.",
                    ),
                    selector: Vec::new(),
                    action: Some(Action::Deny),
                    rules: vec![
                        rule(RuleFor::ForeignClaim, &claim_key),
                        rule(RuleFor::HeaderWithoutClaim, &header_key),
                    ],
                }
            })
            .collect()
    }
}

/// AuthorizationPolicy paths without those another of them covers: `/a/b` and `/a/b/*` go
/// when `/a/*` is there (a path that matches them matches it).
fn outermost(paths: &BTreeSet<String>) -> Vec<String> {
    paths
        .iter()
        .filter(|path| {
            !path.match_indices('/').any(|(at, _)| {
                let folder = format!("{}*", &path[..=at]);
                folder != **path && paths.contains(&folder)
            })
        })
        .cloned()
        .collect()
}

/// The paths some service welcomes a tenant's claim or header on, as keys: a prefix without
/// its trailing `/` (`/` is the empty key). An exact path is kept as a prefix, so that
/// [`WelcomePaths::meets`] errs towards "meets", which only keeps a service's own guard.
#[derive(Default)]
struct WelcomePaths(BTreeSet<String>);

impl WelcomePaths {
    fn insert(&mut self, path: &str) {
        self.0.insert(path.trim_end_matches('/').to_string());
    }

    /// Whether some request path matches both `pattern` (an ALLOW path: `p/*`, or `p`, read
    /// as the prefix `p`) and a welcome path: one is the other or a folder above it.
    fn meets(&self, pattern: &str) -> bool {
        if pattern.starts_with('*') {
            return true;
        }
        let key = pattern
            .strip_suffix("/*")
            .unwrap_or(pattern)
            .trim_end_matches('/');
        // A welcome path at or above the pattern: the pattern's folders, `/` first.
        let above = std::iter::once("")
            .chain(key.match_indices('/').skip(1).map(|(at, _)| &key[..at]))
            .chain(std::iter::once(key))
            .any(|folder| self.0.contains(folder));
        // One below it: keys that start with `key/` (`0` follows `/`).
        let below = self
            .0
            .range(format!("{key}/")..format!("{key}0"))
            .next()
            .is_some();
        above || below
    }
}

/// What tenant isolation needs to know of each service: which tenants list it, and which
/// tenant paths the gateway delivers to it.
struct TenantReach<'a> {
    /// The indices of the tenants that list each service.
    listed: BTreeMap<&'a Name, Vec<usize>>,
    /// The (tenant, path) indices the gateway delivers to each service.
    delivered: BTreeMap<&'a Name, Vec<(usize, usize)>>,
}

impl<'a> TenantReach<'a> {
    fn new(profile: &'a model::Profile, tenancy: &'a Tenancy) -> Self {
        let mut listed: BTreeMap<&Name, Vec<usize>> = BTreeMap::new();
        for (index, tenant) in tenancy.tenants.iter().enumerate() {
            for service in &tenant.services {
                listed.entry(service).or_default().push(index);
            }
        }
        let mut delivered: BTreeMap<&Name, Vec<(usize, usize)>> = BTreeMap::new();
        for gateway in &profile.gateways {
            for class in gateway.classes() {
                for delivery in model::deliveries(&tenancy.tenants, &class.routes) {
                    delivered
                        .entry(&class.routes[delivery.route].service)
                        .or_default()
                        .push((delivery.tenant, delivery.path));
                }
            }
        }
        for pairs in delivered.values_mut() {
            pairs.sort_unstable();
            pairs.dedup();
        }
        Self { listed, delivered }
    }
}

/// §4.7, sized by what tenants reach: on a service, rules for each tenant that lists it (its
/// paths, methods and header) and three rules for everyone else (a claim of a tenant that does
/// not list the service, a tenant header not backed by such a claim, and a tenant path reached
/// without its tenant's claim).
///
/// No tenant ALLOW is needed: the gateway delivers a request only on a route's prefix, which
/// the route's ALLOW admits, so these DENY rules alone decide which tokens get through. Tenant
/// paths do not overlap (validation), so a listed tenant's claim is kept off the others' paths
/// by its own paths rule, and a request on a tenant's path without that tenant's claim is
/// refused by one of the three shared rules.
fn service_guard(
    context: &Context<'_>,
    tenancy: &Tenancy,
    reach: &TenantReach<'_>,
    service: &Service,
) -> AuthorizationPolicy {
    let claim_key = format!("request.auth.claims[{}]", tenancy.claim);
    let header_key = format!("request.headers[{}]", tenancy.header);
    let condition = |key: &str, values: Vec<String>, not_values: Vec<String>| Condition {
        key: key.to_string(),
        values,
        not_values,
    };
    let any = || vec!["*".to_string()];
    let listed: &[usize] = reach.listed.get(&service.name).map_or(&[], Vec::as_slice);
    let delivered: &[(usize, usize)] = reach
        .delivered
        .get(&service.name)
        .map_or(&[], Vec::as_slice);
    let listed_ids: Vec<String> = listed
        .iter()
        .map(|&t| tenancy.tenants[t].id.to_string())
        .collect();
    // Left out when no tenant lists the service: then every claim is foreign.
    let claim_not_listed =
        || (!listed_ids.is_empty()).then(|| condition(&claim_key, Vec::new(), listed_ids.clone()));
    // HTTP ports only: on a TCP port the DENY rules' HTTP fields would be dropped, and the
    // rules would refuse every connection.
    let ports: Vec<String> = service
        .http_target_ports()
        .iter()
        .map(ToString::to_string)
        .collect();
    // A tenant's token is as welcome as none on the public routes open to tenants.
    let public = public_routes::open_to_tenants(context.profile, &service.name);
    let on_ports = |paths: Vec<String>, not_paths: Vec<String>, not_methods: Vec<String>| {
        vec![Operation {
            ports: ports.clone(),
            paths,
            not_paths,
            not_methods,
            ..Operation::default()
        }]
    };
    // The tenant paths another ALLOW lets in here: those the gateway delivers, and those of a
    // listed tenant within a caller's paths.
    let exposed = |t: usize| -> Vec<HttpPath> {
        let tenant = &tenancy.tenants[t];
        tenant
            .paths
            .iter()
            .enumerate()
            .filter(|&(p, path)| {
                delivered.contains(&(t, p))
                    || service
                        .callers
                        .iter()
                        .any(|c| c.paths.is_empty() || c.paths.iter().any(|own| own.overlaps(path)))
            })
            .map(|(_, path)| path.clone())
            .collect()
    };
    let mut without_claim: Vec<HttpPath> = delivered
        .iter()
        .filter(|(t, _)| !listed.contains(t))
        .map(|&(t, p)| tenancy.tenants[t].paths[p].clone())
        .collect();
    let mut own = Vec::new();
    for &t in listed {
        let tenant = &tenancy.tenants[t];
        let id = tenant.id.to_string();
        let is_tenant = || condition(&claim_key, vec![id.clone()], Vec::new());
        let exposed = exposed(t);
        without_claim.extend(exposed.iter().cloned());
        // Another ALLOW (a gateway route, a caller) may admit any method; this keeps the
        // tenant's.
        if !tenant.methods.is_empty() {
            own.push(Rule {
                id: RuleFor::TenantMethods {
                    tenant: tenant.id.clone(),
                },
                from: Vec::new(),
                to: on_ports(
                    Vec::new(),
                    public.clone(),
                    tenant.methods.iter().map(ToString::to_string).collect(),
                ),
                when: vec![is_tenant()],
            });
        }
        // The tenant's paths that can arrive here (all of them if none can: the grant is
        // unusable, and validation says so). A tenant that may reach every path (`/`) has no
        // paths to be kept out of.
        let mut own_paths = authz_paths(if exposed.is_empty() {
            &tenant.paths
        } else {
            &exposed
        });
        if !own_paths.is_empty() {
            own_paths.extend(public.iter().cloned());
        }
        if !own_paths.is_empty() {
            own.push(Rule {
                id: RuleFor::TenantPaths {
                    tenant: tenant.id.clone(),
                },
                from: Vec::new(),
                to: on_ports(Vec::new(), own_paths, Vec::new()),
                when: vec![is_tenant()],
            });
        }
        own.push(Rule {
            id: RuleFor::TenantHeaderMismatch {
                tenant: tenant.id.clone(),
            },
            from: Vec::new(),
            to: on_ports(Vec::new(), Vec::new(), Vec::new()),
            when: vec![is_tenant(), condition(&header_key, any(), vec![id.clone()])],
        });
    }
    let mut rules = vec![
        Rule {
            id: RuleFor::ForeignClaim,
            from: Vec::new(),
            to: on_ports(Vec::new(), public.clone(), Vec::new()),
            when: vec![condition(&claim_key, any(), listed_ids.clone())],
        },
        Rule {
            id: RuleFor::HeaderWithoutClaim,
            from: Vec::new(),
            to: on_ports(Vec::new(), public.clone(), Vec::new()),
            when: std::iter::once(condition(&header_key, any(), Vec::new()))
                .chain(claim_not_listed())
                .collect(),
        },
    ];
    if !without_claim.is_empty() {
        rules.push(Rule {
            id: RuleFor::TenantPathsWithoutClaim,
            from: Vec::new(),
            // A tenant path `/` makes every path a tenant path: then no `paths` at all.
            to: on_ports(authz_paths(&without_claim), Vec::new(), Vec::new()),
            when: claim_not_listed().into_iter().collect(),
        });
    }
    rules.extend(own);
    AuthorizationPolicy {
        meta: Meta::new(
            PolicyId::TenantGuard {
                service: service.name.clone(),
            },
            &service.namespace,
            // Short: a large mesh has one of these per service (issue 10's size yardstick).
            if listed.is_empty() {
                format!("Tenant isolation on {}: no tenant lists it.", service.name)
            } else {
                format!(
                    "Tenant isolation on {}: the tenants that list it, each on its own grant.",
                    service.name
                )
            },
        ),
        selector: labels(&service.labels),
        action: Some(Action::Deny),
        rules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn welcome(paths: &[&str]) -> WelcomePaths {
        let mut welcome = WelcomePaths::default();
        for path in paths {
            welcome.insert(path);
        }
        welcome
    }

    #[test]
    fn an_allow_path_meets_a_welcome_path_at_above_or_below_it() {
        let welcome = welcome(&["/v1/tenants/acme", "/shop/"]);
        for met in [
            "/v1/*",
            "/v1",
            "/v1/tenants/*",
            "/v1/tenants/acme",
            "/v1/tenants/acme/*",
            "/v1/tenants/acme/orders",
            "/shop",
            "/shop/*",
            "/shop/cart/*",
            "*/acme",
        ] {
            assert!(welcome.meets(met), "{met}");
        }
        for apart in [
            "/v2/*",
            "/v1/tenants/acm/*",
            "/v1/tenants/acmex",
            "/v1/tenant/*",
            "/shopping/*",
            "/health",
        ] {
            assert!(!welcome.meets(apart), "{apart}");
        }
    }

    #[test]
    fn a_tenant_path_of_slash_meets_every_allow_path() {
        let welcome = welcome(&["/"]);
        assert!(welcome.meets("/health"));
        assert!(welcome.meets("/a/b/*"));
    }

    #[test]
    fn paths_within_another_folder_are_left_out() {
        let paths: BTreeSet<String> = ["/a/*", "/a/b", "/a/b/*", "/ab", "/ab/*", "/c", "/c/d"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(outermost(&paths), ["/a/*", "/ab", "/ab/*", "/c", "/c/d"]);
    }
}
