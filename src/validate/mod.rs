//! Stage 2: the raw profile to the checked [`Profile`], or every reason it cannot be one.
//!
//! Each section has its own file; all of them report through [`Checker`], whose helpers turn a
//! spanned raw value into a newtype or a diagnostic at that value. A helper that fails returns
//! `None`, and its section keeps checking its other keys, so the user sees every error at once.
//! References are checked against the names the raw profile declares, so a section can check
//! its references even when the section it refers to has errors of its own.

mod choices;
mod clashes;
mod clusters;
mod control_plane;
mod edge;
mod egress;
mod egress_gateway;
mod expansion;
mod expect;
mod fields;
mod gateway_deployment;
mod gateway_ports;
mod gateway_routes;
mod gateways;
mod header_sample;
mod hosts;
mod identity;
mod log_format;
mod metric_tags;
mod namespaces;
mod output_size;
mod plaintext_routes;
mod ports;
mod release;
mod revision;
mod route_ops;
mod routing;
mod security;
mod services;
mod sidecar;
mod telemetry;
mod tenancy;
mod traffic_policy;

pub(crate) use header_sample::header_value;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Profile;
use crate::profile::RawProfile;

/// A checked profile and the warnings found on the way.
#[derive(Debug)]
pub struct Checked {
    /// The profile.
    pub profile: Profile,
    /// Warnings (never errors).
    pub warnings: Diagnostics,
}

/// Checks a raw profile; on success the diagnostics hold only warnings.
pub fn validate(raw: &RawProfile) -> Result<Checked, Diagnostics> {
    let mut checker = Checker::default();
    let profile = build(&mut checker, raw);
    if checker.diagnostics.has_errors() {
        return Err(checker.diagnostics);
    }
    match profile {
        Some(profile) => Ok(Checked {
            profile,
            warnings: checker.diagnostics,
        }),
        // A section gave up without saying why: a bug in meshc, reported rather than hidden.
        None => Err(Diagnostic::new(
            Code::Internal,
            0..0,
            "internal error: the profile was refused without a diagnostic",
        )
        .help("please report this profile to the meshc maintainers")
        .into()),
    }
}

fn build(checker: &mut Checker, raw: &RawProfile) -> Option<Profile> {
    let mesh = checker.mesh(raw);
    let control_plane = checker.control_plane(&raw.control_plane);
    let regions = checker.regions(&raw.regions);
    let budgets = checker.retry_budgets(&raw.retry_budgets);
    let security = checker.security(raw);
    let telemetry = checker.telemetry(&raw.telemetry);
    let services = checker.services(raw, &budgets);
    let external_services = checker.external_services(raw, &budgets);
    let gateways = checker.gateways(raw, control_plane.as_ref());
    let tenancy = checker.tenancy(raw);
    if let (Some(Some(tenancy)), Some(gateways)) = (&tenancy, &gateways) {
        for gateway in gateways {
            checker.routes_on_tenant_paths(tenancy, gateway);
        }
    }
    let expects = checker.expects(raw);
    let clusters = checker.clusters(raw);
    let sidecar = checker.sidecar(raw);
    checker.reachability(raw);
    checker.name_clashes(raw);
    checker.gateway_host_overlaps(raw);
    checker.overlapping_selectors(raw);
    if let Some(mesh) = &mesh {
        checker.release_features(raw, mesh.istio_version);
    }
    checker.expansion(raw);
    checker.output_size(raw);
    // Where tenants' requests go is only worth saying of an otherwise valid profile.
    if let (Some(Some(tenancy)), Some(gateways), Some(services)) = (&tenancy, &gateways, &services)
        && !checker.diagnostics.has_errors()
    {
        checker.tenant_reach(raw, tenancy, gateways, services);
    }
    if let (Some(security), Some(gateways), Some(services)) = (&security, &gateways, &services)
        && !checker.diagnostics.has_errors()
    {
        checker.plaintext_gateway_routes(raw, security, gateways, services);
    }
    Some(Profile {
        mesh: mesh?,
        control_plane: control_plane?,
        regions: regions?,
        services: services?,
        external_services: external_services?,
        gateways: gateways?,
        security: security?,
        tenancy: tenancy?,
        telemetry: telemetry?,
        expects: expects?,
        clusters: clusters?,
        placement: None,
        sidecar: sidecar?,
    })
}

/// Collects diagnostics while sections convert raw values.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    diagnostics: Diagnostics,
}

impl Checker {
    /// Records a diagnostic.
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}
