//! Which public routes a tenant's token may use. A public route needs no token, so a request
//! that carries one, a tenant's included, is as welcome there: a tenant's browser sends its
//! token everywhere. Tenant isolation keeps the exemption off tenant data: on a service that
//! some tenant lists, a public route that overlaps a tenant's path stays closed to other
//! tenants' claims, as before. A case variant of a tenant path (`/V1/TENANTS/…`) is another
//! path to Istio, whose route and policy matches are case-sensitive (istio-rules.md §7): it can
//! reach a public catch-all, never the tenants' route, so it reaches no tenant data.

use super::{Name, PathMatch, Profile};

/// The paths of the public routes to `service` on which tenants' claims and headers are not
/// refused: every public route to a service no tenant lists, and on a service some tenant
/// lists, those that overlap no tenant's path.
pub(crate) fn open_to_tenants<'a>(profile: &'a Profile, service: &Name) -> Vec<&'a PathMatch> {
    let Some(tenancy) = &profile.tenancy else {
        return Vec::new();
    };
    let mut open: Vec<&PathMatch> = profile
        .gateways
        .iter()
        .flat_map(|g| &g.routes)
        .filter(|r| r.public && &r.service == service)
        .map(|r| &r.path)
        .collect();
    // Asked for every service of a large mesh, most of which have no public route: the
    // tenants are looked at only for those that do.
    if open.is_empty() {
        return open;
    }
    if tenancy.tenants.iter().any(|t| t.services.contains(service)) {
        let tenant_paths: Vec<PathMatch> = tenancy
            .tenants
            .iter()
            .flat_map(|t| &t.paths)
            .map(|p| PathMatch::Prefix(p.clone()))
            .collect();
        open.retain(|path| !tenant_paths.iter().any(|t| t.overlaps(path)));
    }
    // Several gateways may route one path to the service: each path once, in route order.
    let mut unique: Vec<&PathMatch> = Vec::with_capacity(open.len());
    for path in open {
        if !unique.contains(&path) {
            unique.push(path);
        }
    }
    unique
}
