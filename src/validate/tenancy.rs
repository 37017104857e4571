//! Where tenants' requests can go: tenants' paths must not overlap (isolation keeps each
//! tenant's claim on its own paths, so a shared path would belong to nobody), and a grant that
//! no request can use, or tenant paths routed to a service the tenant does not list, are
//! warned about, since both fail closed without a word.

use std::collections::{BTreeMap, BTreeSet};

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Delivery, Gateway, GatewayRoute, HttpPath, Name, Service, Tenancy, deliveries};
use crate::profile::{RawProfile, Sp};

impl Checker {
    /// Checks tenants against each other, the gateway's routes and the services' callers.
    pub(super) fn tenant_reach(
        &mut self,
        raw: &RawProfile,
        tenancy: &Tenancy,
        gateways: &[Gateway],
        services: &[Service],
    ) {
        self.overlapping_tenant_paths(raw, tenancy);
        // Every class of hosts of every gateway routes on its own: its deliveries, with route
        // indices into one list of all classes' routes.
        let mut routes: Vec<&GatewayRoute> = Vec::new();
        let mut found = Vec::new();
        for gateway in gateways {
            for class in gateway.classes() {
                let offset = routes.len();
                found.extend(
                    deliveries(&tenancy.tenants, &class.routes)
                        .into_iter()
                        .map(|d| Delivery {
                            route: d.route + offset,
                            ..d
                        }),
                );
                routes.extend(class.routes);
            }
        }
        self.unusable_grants(raw, tenancy, services, &routes, &found);
        self.misrouted_tenant_paths(raw, tenancy, &routes, &found);
    }

    fn overlapping_tenant_paths(&mut self, raw: &RawProfile, tenancy: &Tenancy) {
        let folder = |path: &HttpPath| {
            let text = path.as_str();
            if text.ends_with('/') {
                text.to_string()
            } else {
                format!("{text}/")
            }
        };
        let mut owners: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
        for (t, tenant) in tenancy.tenants.iter().enumerate() {
            for (p, path) in tenant.paths.iter().enumerate() {
                owners.entry(folder(path)).or_default().push((t, p));
            }
        }
        for (t, tenant) in tenancy.tenants.iter().enumerate() {
            for (p, path) in tenant.paths.iter().enumerate() {
                let own = folder(path);
                // Each pair is reported once: at the path inside the other, or at the later of
                // two equal ones.
                let clash = own
                    .match_indices('/')
                    .map(|(cut, _)| &own[..=cut])
                    .flat_map(|above| owners.get(above).into_iter().flatten())
                    .find(|&&(other, q)| {
                        other != t && (folder(&tenancy.tenants[other].paths[q]) != own || other < t)
                    });
                let Some(&(other, q)) = clash else {
                    continue;
                };
                let other_tenant = &tenancy.tenants[other];
                let mut diagnostic = Diagnostic::new(
                    Code::OverlappingTenantPaths,
                    path_span(raw, &tenant.id, p),
                    format!(
                        "`{path}` of tenant `{}` overlaps `{}` of tenant `{}`",
                        tenant.id, other_tenant.paths[q], other_tenant.id
                    ),
                )
                .label("shared with another tenant")
                .help(
                    "give every tenant paths of its own (`/v1/tenants/<id>`): a tenant's claim is \
                     kept on its own paths, so a path two tenants share is one neither can use",
                );
                if let Some(span) = path_span_opt(raw, &other_tenant.id, q) {
                    diagnostic = diagnostic.secondary(span, "the other tenant's path");
                }
                self.report(diagnostic);
            }
        }
    }

    /// A service a tenant lists, where neither the gateway nor a caller ever brings the
    /// tenant's paths.
    fn unusable_grants(
        &mut self,
        raw: &RawProfile,
        tenancy: &Tenancy,
        services: &[Service],
        routes: &[&GatewayRoute],
        found: &[Delivery],
    ) {
        // Indexed once: a large mesh has tenants by the hundred and services by the thousand.
        let routed: BTreeSet<(usize, &Name)> = found
            .iter()
            .map(|d| (d.tenant, &routes[d.route].service))
            .collect();
        let mut by_name: BTreeMap<&Name, Vec<&Service>> = BTreeMap::new();
        for service in services {
            by_name.entry(&service.name).or_default().push(service);
        }
        for (t, tenant) in tenancy.tenants.iter().enumerate() {
            for (s, name) in tenant.services.iter().enumerate() {
                let called = || {
                    by_name
                        .get(name)
                        .into_iter()
                        .flatten()
                        .flat_map(|service| &service.callers)
                        .any(|caller| {
                            caller.paths.is_empty()
                                || caller
                                    .paths
                                    .iter()
                                    .any(|c| tenant.paths.iter().any(|p| p.overlaps(c)))
                        })
                };
                if routed.contains(&(t, name)) || called() {
                    continue;
                }
                let Some(span) = raw
                    .tenants
                    .get(tenant.id.as_str())
                    .and_then(|raw| raw.services.value.get(s))
                    .map(Sp::span)
                else {
                    continue;
                };
                self.report(
                    Diagnostic::new(
                        Code::UnusableTenantGrant,
                        span,
                        format!(
                            "tenant `{}` can never reach `{name}`: no gateway route delivers its \
                             paths ({}) there, and no caller of `{name}` may send them",
                            tenant.id,
                            join(&tenant.paths)
                        ),
                    )
                    .label("a grant no request can use")
                    .help(format!(
                        "route one of the tenant's paths to `{name}` in [gateway.routes], or \
                         remove `{name}` from its services"
                    )),
                );
            }
        }
    }

    /// A gateway route that delivers a tenant's paths to a service the tenant does not list:
    /// every such request is refused there.
    fn misrouted_tenant_paths(
        &mut self,
        raw: &RawProfile,
        tenancy: &Tenancy,
        routes: &[&GatewayRoute],
        found: &[Delivery],
    ) {
        // By the route's place in the profile: a route of several classes is one route.
        let mut by_route: BTreeMap<(usize, usize), (usize, Vec<String>)> = BTreeMap::new();
        for delivery in found {
            let tenant = &tenancy.tenants[delivery.tenant];
            let route = &routes[delivery.route];
            if !tenant.services.contains(&route.service) {
                let (_, paths) = by_route
                    .entry((route.span.start, route.span.end))
                    .or_insert((delivery.route, Vec::new()));
                let text = format!("`{}` of `{}`", tenant.paths[delivery.path], tenant.id);
                if !paths.contains(&text) {
                    paths.push(text);
                }
            }
        }
        for (index, paths) in by_route.into_values() {
            let route = routes[index];
            let Some(span) = raw
                .ingress_gateways()
                .flat_map(|(_, g)| &g.value.routes)
                .find(|(name, _)| name.span() == route.span)
                .map(|(_, r)| r.service.span())
            else {
                continue;
            };
            self.report(
                Diagnostic::new(
                    Code::MisroutedTenantPaths,
                    span,
                    format!(
                        "gateway route `{}` sends tenant paths to `{}`, which their tenants do \
                         not list: {}; those requests are refused",
                        route.name,
                        route.service,
                        paths.join(", ")
                    ),
                )
                .label("no tenant on these paths may use this service")
                .help(format!(
                    "add `{}` to those tenants' services, or route their paths to a service \
                     they list",
                    route.service
                )),
            );
        }
    }
}

fn join(paths: &[HttpPath]) -> String {
    paths
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn path_span(raw: &RawProfile, tenant: &Name, path: usize) -> std::ops::Range<usize> {
    path_span_opt(raw, tenant, path).unwrap_or(0..0)
}

fn path_span_opt(raw: &RawProfile, tenant: &Name, path: usize) -> Option<std::ops::Range<usize>> {
    raw.tenants
        .get(tenant.as_str())
        .and_then(|raw| raw.paths.value.get(path))
        .map(Sp::span)
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::source::Source;

    /// The paths `overlapping-tenant-paths` points at, for these tenants on one routed service.
    fn overlaps(tenants: &str) -> Vec<String> {
        let text = format!(
            "[services.api]\nport = 8080\n[gateway]\nhosts = [\"a.example.com\"]\n\
             credential = \"tls\"\n[gateway.routes.t]\nprefix = \"/t\"\nservice = \"api\"\n\
             [security.jwt]\nissuer = \"https://auth.example.com\"\n\
             jwks-uri = \"https://auth.example.com/jwks\"\naudiences = [\"a\"]\n{tenants}"
        );
        let source = Source::new("p.toml", text);
        match crate::pipeline::check(&source) {
            Ok(_) => Vec::new(),
            Err(found) => found
                .iter()
                .filter(|d| d.code == Code::OverlappingTenantPaths)
                .map(|d| source.text()[d.profile_span().unwrap_or_default()].to_string())
                .collect(),
        }
    }

    fn tenant(id: &str, paths: &str) -> String {
        format!("[tenants.{id}]\nservices = [\"api\"]\npaths = [{paths}]\n")
    }

    #[test]
    fn each_overlapping_pair_is_reported_once() {
        // A tenant's own paths may nest.
        assert!(overlaps(&tenant("a", "\"/t/a\", \"/t/a/x\"")).is_empty());
        assert!(overlaps(&(tenant("a", "\"/t/a\"") + &tenant("b", "\"/t/ab\""))).is_empty());
        // The same path twice: at the later tenant only.
        assert_eq!(
            overlaps(&(tenant("a", "\"/t/s\"") + &tenant("b", "\"/t/s/\""))),
            ["\"/t/s/\""]
        );
        // Nested: at the inner path, whichever tenant comes first.
        assert_eq!(
            overlaps(&(tenant("a", "\"/t/a/in\"") + &tenant("b", "\"/t/a\""))),
            ["\"/t/a/in\""]
        );
        assert_eq!(
            overlaps(&(tenant("a", "\"/t/a\"") + &tenant("b", "\"/t/a/in\""))),
            ["\"/t/a/in\""]
        );
    }
}
