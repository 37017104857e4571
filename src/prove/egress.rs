//! The guarantees about calls that leave the mesh: every declared caller of an external
//! service reaches it, and with one Sidecar per service, no other service of the profile does
//! (its proxy does not know the host). Through the egress gateway, whose policy keeps the
//! callers, no other service does either (over HTTP, or TLS and TCP inside Istio mTLS); where
//! the gateway reads HTTP, each caller reaches with every method and path it lists, and not
//! with a method it does not list.

use crate::diagnostic::Diagnostic;
use crate::model::{Caller, ExternalService, Method, Profile};
use crate::simulate::{Mesh, Origin, Request, Trace};
use crate::topology;

use super::expect::describe;
use super::guarantees::broken;
use super::index::Homes;

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
        // Through the egress gateway its policy keeps the callers, Sidecars or not.
        let enforced = scoped || external.via_gateway;
        for service in &profile.services {
            let declared = external.called_by(&service.name);
            if !declared && !enforced {
                continue;
            }
            let entries: Vec<&Caller> = external
                .callers
                .iter()
                .filter(|c| c.services.contains(&service.name))
                .collect();
            let send = |method: &str, path: &str| {
                let request = Request::new(topology::service_origin(service), host.clone())
                    .port(port.get())
                    .method(method)
                    .path(path);
                mesh.evaluate(&request)
            };
            if !declared {
                let trace = send("GET", "/proof");
                if ends_outside(&trace) {
                    failed.push(broken(
                        first.span.clone(),
                        "only the declared callers reach an external service",
                        &format!(
                            "service `{}`, which no caller rule names, reaches `{host}` on port {port}",
                            service.name
                        ),
                    ));
                }
                continue;
            }
            for caller in &entries {
                for (method, path) in requests(caller, external.gateway_reads_requests()) {
                    let trace = send(method, &path);
                    if !ends_outside(&trace) {
                        failed.push(broken(
                            caller.span.clone(),
                            "every caller reaches the external services it declares",
                            &format!(
                                "service `{}` cannot reach `{host}` on port {port} ({method} {path}): {}",
                                service.name,
                                describe(profile, &trace)
                            ),
                        ));
                    }
                }
            }
            // The gateway reads the requests: a method no entry of this service lists stays
            // inside.
            if let Some(method) =
                unlisted_method(&entries).filter(|_| external.gateway_reads_requests())
            {
                let trace = send(method, "/proof");
                if ends_outside(&trace) {
                    failed.push(broken(
                        entries[0].span.clone(),
                        "a caller of an external service uses only its methods and paths",
                        &format!(
                            "service `{}` reaches `{host}` on port {port} with {method}, which it does not list",
                            service.name
                        ),
                    ));
                }
            }
        }
    }
}

/// The requests that stand for a caller entry: each of its methods on each of its paths where
/// the egress gateway reads them, one plain request where nothing does.
fn requests(caller: &Caller, read: bool) -> Vec<(&str, String)> {
    if !read {
        return vec![("GET", "/proof".to_string())];
    }
    let methods: Vec<&str> = if caller.methods.is_empty() {
        vec!["GET"]
    } else {
        caller.methods.iter().map(Method::as_str).collect()
    };
    let paths: Vec<String> = if caller.paths.is_empty() {
        vec!["/proof".to_string()]
    } else {
        caller.paths.iter().map(ToString::to_string).collect()
    };
    methods
        .iter()
        .flat_map(|m| paths.iter().map(move |p| (*m, p.clone())))
        .collect()
}

/// A method that no entry lists, when every entry lists its methods.
fn unlisted_method(entries: &[&Caller]) -> Option<&'static str> {
    if entries.is_empty() || entries.iter().any(|c| c.methods.is_empty()) {
        return None;
    }
    ["DELETE", "PUT", "GET", "POST"].into_iter().find(|m| {
        entries
            .iter()
            .all(|c| c.methods.iter().all(|listed| listed.as_str() != *m))
    })
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
pub(super) fn covered_services(
    profile: &Profile,
    homes: &Homes<'_>,
    caller: &Caller,
) -> Vec<(String, Origin)> {
    homes
        .covered(&caller.namespaces, &caller.service_accounts)
        .into_iter()
        .map(|index| &profile.services[index])
        .filter(|service| !caller.services.contains(&service.name))
        .map(|service| {
            (
                format!("service `{}`", service.name),
                topology::service_origin(service),
            )
        })
        .collect()
}
