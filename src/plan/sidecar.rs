//! Sidecar resources: the hosts each proxy knows. Derived, a service's Sidecar holds what the
//! profile says it calls: the services that list it as a caller, the external services it
//! calls, the root namespace (istiod, the gateways) and the telemetry collectors. A host left
//! out is unknown to the proxy, which answers 502 under registry-only outbound traffic.

use std::collections::BTreeSet;

use serde::Serialize;

use super::ids::SidecarId;
use super::{Context, Label, Meta, Resource, ResourceList, labels};
use crate::model::{Name, ProviderKind, Service, SidecarScoping};

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
                hosts: hosts(context, scoping, &service.namespace, &[service]),
            })
            .collect()
    } else {
        // A Sidecar without a selector covers its own namespace: one in each, with the hosts
        // of the services there.
        context
            .namespaces()
            .into_iter()
            .map(|namespace| {
                let here: Vec<&Service> = services
                    .iter()
                    .filter(|s| &s.namespace == namespace)
                    .collect();
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
                    hosts: hosts(context, scoping, namespace, &here),
                }
            })
            .collect()
    }
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
    here: &Name,
    callers: &[&Service],
) -> Vec<String> {
    let mut hosts: BTreeSet<String> = scoping.hosts.iter().map(ToString::to_string).collect();
    if scoping.derive {
        let profile = context.profile;
        // A caller rule names a service itself, its namespace, or its service account.
        let calls = |target: &Service| {
            callers.iter().any(|caller| {
                target.callers.iter().any(|rule| {
                    rule.services.contains(&caller.name)
                        || rule.namespaces.contains(&caller.namespace)
                        || rule.service_accounts.iter().any(|(ns, sa)| {
                            *ns == caller.namespace && *sa == caller.service_account
                        })
                })
            })
        };
        for target in profile.services.iter().filter(|t| calls(t)) {
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
