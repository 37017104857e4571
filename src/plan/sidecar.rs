//! Sidecar resources: the hosts each proxy knows. Derived, a service's Sidecar holds what the
//! profile says it calls: the services that list it as a caller, the external services it
//! calls, the root namespace (istiod, the gateways) and the telemetry collectors. A host left
//! out is unknown to the proxy, which answers 502 under registry-only outbound traffic.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::ids::SidecarId;
use super::{Context, Label, Meta, Resource, ResourceList, labels};
use crate::model::{Listed, Name, ProviderKind, Service, SidecarScoping};

/// A Sidecar that scopes egress hosts.
#[derive(Debug, Clone, Serialize)]
pub struct Sidecar {
    /// Id, name, namespace, comment.
    pub meta: Meta<SidecarId>,
    /// `workloadSelector.labels`; empty for the namespace's Sidecar.
    pub selector: Vec<Label>,
    /// `egress[0].hosts`, sorted.
    pub hosts: Vec<String>,
}

impl Resource for Sidecar {
    type Id = SidecarId;

    fn id(&self) -> &SidecarId {
        &self.meta.id
    }
}

pub(super) fn build(context: &Context<'_>) -> ResourceList<Sidecar> {
    let Some(scoping) = &context.profile.sidecar else {
        return ResourceList::default();
    };
    let services = &context.profile.services;
    let listed = Listed::of(services);
    if scoping.per_workload {
        services
            .iter()
            .map(|service| Sidecar {
                meta: Meta::new(
                    SidecarId::Workload {
                        service: service.name.clone(),
                    },
                    &service.namespace,
                    format!(
                        "The hosts {} may call; others are unknown to it.",
                        service.name
                    ),
                ),
                selector: labels(&service.labels),
                hosts: hosts(context, scoping, &listed, &service.namespace, &[service]),
            })
            .collect()
    } else {
        // A Sidecar without a selector covers its own namespace: one in each, with the hosts
        // of the services there.
        let mut by_namespace: BTreeMap<&Name, Vec<&Service>> = BTreeMap::new();
        for service in services {
            by_namespace
                .entry(&service.namespace)
                .or_default()
                .push(service);
        }
        context
            .namespaces()
            .into_iter()
            .map(|namespace| {
                let here = by_namespace.get(namespace).map_or(&[][..], Vec::as_slice);
                let id = if context.is_mesh_namespace(namespace) {
                    SidecarId::Namespace
                } else {
                    SidecarId::NamespaceIn {
                        namespace: namespace.clone(),
                    }
                };
                Sidecar {
                    meta: Meta::new(
                        id,
                        namespace,
                        "The hosts the namespace's services may call; others are unknown to them.",
                    ),
                    selector: Vec::new(),
                    hosts: hosts(context, scoping, &listed, namespace, here),
                }
            })
            .collect()
    }
}

/// The positions of the services that list one of `callers`, in order, each once. Looked up
/// in `listed`: testing every rule of every service for each Sidecar was quadratic with one
/// Sidecar per workload (2,048 services: 416 M instructions in `hosts`, callgrind).
fn targets(listed: &Listed<'_>, callers: &[&Service]) -> Vec<usize> {
    let mut targets: Vec<usize> = callers
        .iter()
        .flat_map(|caller| {
            let account = (caller.namespace.as_str(), caller.service_account.as_str());
            [
                listed.services.get(caller.name.as_str()),
                listed.namespaces.get(caller.namespace.as_str()),
                listed.accounts.get(&account),
            ]
        })
        .flatten()
        .flatten()
        .copied()
        .collect();
    targets.sort_unstable();
    targets.dedup();
    targets
}

/// A host as a Sidecar in `here` names it: `./host` in its own namespace, `<ns>/host` in another.
fn scoped(here: &Name, namespace: &Name, host: impl std::fmt::Display) -> String {
    if here == namespace {
        format!("./{host}")
    } else {
        format!("{namespace}/{host}")
    }
}

/// The egress hosts of the workloads of `callers`, for a Sidecar in the namespace `here`.
fn hosts(
    context: &Context<'_>,
    scoping: &SidecarScoping,
    listed: &Listed<'_>,
    here: &Name,
    callers: &[&Service],
) -> Vec<String> {
    let mut hosts: BTreeSet<String> = scoping.hosts.iter().map(ToString::to_string).collect();
    if scoping.derive {
        let profile = context.profile;
        for target in targets(listed, callers) {
            let target = &profile.services[target];
            hosts.insert(scoped(
                here,
                &target.namespace,
                super::virtual_service::host_of(context, &target.name),
            ));
        }
        let names: Vec<&Name> = callers.iter().map(|c| &c.name).collect();
        for external in &profile.external_services {
            if names.iter().any(|name| external.called_by(name)) {
                // ServiceEntries live in the mesh's namespace.
                let mesh = context.namespace();
                hosts.extend(external.hosts.iter().map(|host| scoped(here, mesh, host)));
            }
        }
        hosts.insert(format!("{}/*", context.root()));
        for provider in &profile.telemetry.providers {
            match &provider.kind {
                ProviderKind::Opentelemetry { service, .. }
                | ProviderKind::Zipkin { service, .. }
                | ProviderKind::OtelAccessLog { service, .. } => {
                    hosts.insert(format!("*/{service}"));
                }
                ProviderKind::FileAccessLog { .. } => {}
            }
        }
    }
    hosts.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    /// The services a Sidecar's callers are listed by, found in the index, are those whose
    /// rules name one of them, by service, namespace or service account, each once.
    #[test]
    fn the_services_listing_a_caller_are_found_by_what_their_rules_name() {
        let text = r#"
[services.a]
port = 8080
namespace = "one"
service-account = "shared"
[[services.a.callers]]
services = ["b", "c"]
[[services.a.callers]]
namespaces = ["two"]

[services.b]
port = 8080
namespace = "two"
[[services.b.callers]]
service-accounts = ["one/shared"]

[services.c]
port = 8080
namespace = "one"
service-account = "shared"
[[services.c.callers]]
services = ["c"]
namespaces = ["one"]

[services.d]
port = 8080
namespace = "two"
"#;
        let profile = crate::pipeline::check(&Source::new("p.toml", text.to_string()))
            .unwrap()
            .profile;
        let services = &profile.services;
        let listed = Listed::of(services);
        let names = |targets: Vec<usize>| -> Vec<&str> {
            targets
                .into_iter()
                .map(|t| services[t].name.as_str())
                .collect()
        };
        let by_name = |name: &str| services.iter().find(|s| s.name.as_str() == name).unwrap();
        let of = |callers: &[&str]| {
            let callers: Vec<&Service> = callers.iter().map(|c| by_name(c)).collect();
            names(targets(&listed, &callers))
        };
        assert_eq!(of(&["a"]), ["b", "c"]);
        assert_eq!(of(&["b"]), ["a"]);
        assert_eq!(of(&["c"]), ["a", "b", "c"]);
        assert_eq!(of(&["d"]), ["a"]);
        assert_eq!(of(&["a", "b", "d"]), ["a", "b", "c"]);
        assert!(of(&[]).is_empty());
    }
}
