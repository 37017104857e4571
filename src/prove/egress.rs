//! The guarantees about calls that leave the mesh: every declared caller of an external
//! service reaches it, and with one Sidecar per service, no other service of the profile does
//! (its proxy does not know the host).

use crate::diagnostic::Diagnostic;
use crate::model::{Caller, ExternalService, Profile};
use crate::simulate::{Mesh, Origin, Request, Trace};
use crate::topology;

use super::expect::describe;
use super::guarantees::broken;

pub(super) fn check(mesh: &Mesh, profile: &Profile, failed: &mut Vec<Diagnostic>) {
    let scoped = profile.sidecar.as_ref().is_some_and(|s| s.per_workload);
    for external in &profile.external_services {
        let Some(first) = external.callers.first() else {
            continue;
        };
        let Some(host) = sample_host(external) else {
            continue;
        };
        let port = external
            .origination
            .as_ref()
            .map_or(external.port, |o| o.http_port);
        for service in &profile.services {
            let declared = external.called_by(&service.name);
            if !declared && !scoped {
                continue;
            }
            let request =
                Request::new(topology::service_origin(service), host.clone()).port(port.get());
            let trace = mesh.evaluate(&request);
            let reached = ends_outside(&trace);
            if declared && !reached {
                let span = external
                    .callers
                    .iter()
                    .find(|c| c.services.contains(&service.name))
                    .map_or_else(|| first.span.clone(), |c| c.span.clone());
                failed.push(broken(
                    span,
                    "every caller reaches the external services it declares",
                    &format!(
                        "service `{}` cannot reach `{host}` on port {port}: {}",
                        service.name,
                        describe(profile, &trace)
                    ),
                ));
            } else if !declared && reached {
                failed.push(broken(
                    first.span.clone(),
                    "only the declared callers reach an external service",
                    &format!(
                        "service `{}`, which no caller rule names, reaches `{host}` on port {port}",
                        service.name
                    ),
                ));
            }
        }
    }
}

/// A name the external service's first host covers: a wildcard's domain with a label before it.
fn sample_host(external: &ExternalService) -> Option<String> {
    let first = external.hosts.first()?;
    Some(match first.as_str().strip_prefix("*.") {
        Some(domain) => format!("proof.{domain}"),
        None => first.to_string(),
    })
}

/// Whether every way the request ends leaves the mesh for the external host.
fn ends_outside(trace: &Trace<'_>) -> bool {
    let endings = trace.endings();
    !endings.is_empty() && endings.iter().all(|(_, o)| o.is_allowed())
}

/// The profile's services that a caller rule covers by their namespace or service account
/// (those it names under `services` are sent already), as proof sources.
pub(super) fn covered_services(profile: &Profile, caller: &Caller) -> Vec<(String, Origin)> {
    profile
        .services
        .iter()
        .filter(|service| !caller.services.contains(&service.name))
        .filter(|service| {
            caller.namespaces.contains(&service.namespace)
                || caller
                    .service_accounts
                    .iter()
                    .any(|(ns, sa)| *ns == service.namespace && *sa == service.service_account)
        })
        .map(|service| {
            (
                format!("service `{}`", service.name),
                topology::service_origin(service),
            )
        })
        .collect()
}
