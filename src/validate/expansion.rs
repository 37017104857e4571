//! The features whose output grows with a product of the profile's lists (tenants times
//! services, gateway routes times routes, services times regions), held to
//! [`MAX_GENERATED`] items so that a short profile cannot ask for an enormous render.

use std::ops::Range;

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::limits::MAX_GENERATED;
use crate::profile::raw::RawService;
use crate::profile::{RawProfile, Sp};

impl Checker {
    /// Reports a profile whose multiplying features would generate too many items.
    pub(super) fn expansion(&mut self, raw: &RawProfile) {
        let services = raw.services.len();
        let regions = raw.regions.len();
        // Tenant isolation: two rules on every service; on each service a tenant lists, its
        // id in the shared rules, its own rules, and its paths in its paths rule and in the
        // shared rule for paths without a claim.
        let tenants: usize = 2 * services
            + raw
                .tenants
                .values()
                .map(|t| t.services.value.len() * (4 + 2 * t.paths.value.len() + t.methods.len()))
                .sum::<usize>();
        // Each gateway route copies the rules of its service.
        let gateway = gateway_rules(raw, regions);
        // Region routing: a subset and a route per region on each service that asks for it.
        let region: usize = raw
            .services
            .values()
            .filter(|s| s.region_routing.as_ref().is_some_and(|r| r.value))
            .count()
            * regions
            * 2;
        let total = tenants + gateway + region;
        if total <= MAX_GENERATED {
            return;
        }
        let first_key = |keys: Option<Range<usize>>| keys.unwrap_or(0..0);
        let (span, what) = if tenants >= gateway && tenants >= region {
            (
                first_key(raw.tenants.keys().next().map(Sp::span)),
                "tenant isolation",
            )
        } else if gateway >= region {
            (
                first_key(raw.ingress_gateways().next().map(|(_, g)| g.span())),
                "the gateway's routes",
            )
        } else {
            (
                first_key(
                    raw.services
                        .iter()
                        .find(|(_, s)| s.region_routing.as_ref().is_some_and(|r| r.value))
                        .map(|(k, _)| k.span()),
                ),
                "region routing",
            )
        };
        self.report(
            Diagnostic::new(
                Code::TooLarge,
                span,
                format!(
                    "this profile would generate {total} rules, routes and paths; meshc \
                     generates at most {MAX_GENERATED}"
                ),
            )
            .label(format!("{what} is the largest share"))
            .help(format!(
                "tenant isolation: {tenants} (rules and paths for every tenant on every service it \
                 reaches); gateway: {gateway} (every gateway route copies its \
                 service's routes); region routing: {region}. Split the mesh into several \
                 profiles, or give tenants fewer paths"
            )),
        );
    }
}

/// The HTTP rules of the gateways' VirtualServices: each route copies the rules of its service
/// (one rule for a route to an unknown service, which validation refuses anyway) into each
/// VirtualService it is in.
pub(super) fn gateway_rules(raw: &RawProfile, regions: usize) -> usize {
    raw.ingress_gateways()
        .flat_map(|(_, gateway)| super::gateways::route_copies(&gateway.value))
        .map(|(route, copies)| {
            let each = raw
                .services
                .get(route.service.as_str())
                .map_or(1, |service| rules(service, regions));
            each.saturating_mul(copies)
        })
        .fold(0, usize::saturating_add)
}

/// The HTTP rules of a service's VirtualService: priority values, the canary override, region
/// pins, its own routes and the final route.
pub(super) fn rules(service: &RawService, regions: usize) -> usize {
    let priority = service
        .priority
        .as_ref()
        .map_or(0, |p| p.value.subsets.value.len());
    let canary = usize::from(service.canary.is_some());
    let region = if service.region_routing.as_ref().is_some_and(|r| r.value) {
        regions
    } else {
        0
    };
    priority + canary + region + service.routes.len() + 1
}
