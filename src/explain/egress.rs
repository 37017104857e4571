//! What leaves the mesh: the external services in the registry (those without routes of their
//! own; the others have a section of their own) and the hosts each service's Sidecar knows.

use std::fmt::Write;

use crate::model::Name;
use crate::plan::Plan;
use crate::plan::ids::{PolicyId, ServiceEntryId, SidecarId, VirtualServiceId};

/// The egress hosts of `service`, when a Sidecar scopes them.
pub(super) fn sidecar(out: &mut String, plan: &Plan, service: &Name) {
    let sidecar = plan
        .sidecars
        .get(&SidecarId::Workload {
            service: service.clone(),
        })
        .or_else(|| {
            // The Sidecar of the service's namespace, where its VirtualService lives.
            let namespace = plan
                .virtual_services
                .get(&VirtualServiceId::Service {
                    service: service.clone(),
                })?
                .meta
                .namespace
                .as_str();
            plan.sidecars.iter().find(|s| {
                matches!(
                    s.meta.id,
                    SidecarId::Namespace | SidecarId::NamespaceIn { .. }
                ) && s.meta.namespace == namespace
            })
        });
    if let Some(sidecar) = sidecar {
        let _ = writeln!(
            out,
            "  egress (Sidecar {}): only {}; other hosts are unknown to its proxy",
            sidecar.meta.name,
            sidecar.hosts.join(", ")
        );
    }
}

/// A section for each external service that has no VirtualService.
/// Who the egress gateway lets out to an external service routed through it.
pub(super) fn gateway_callers(out: &mut String, plan: &Plan, external: &Name) {
    let id = PolicyId::EgressGateway {
        external: external.clone(),
    };
    let Some(policy) = plan.security.authorization_policies.get(&id) else {
        return;
    };
    out.push_str("  leaves through the egress gateway, which admits (any rule):\n");
    for rule in &policy.rules {
        let _ = writeln!(out, "    - {}", super::rule_text(rule));
    }
}

pub(super) fn external_services(out: &mut String, plan: &Plan) {
    for entry in &plan.security.service_entries {
        let ServiceEntryId::External { external } = &entry.meta.id;
        let routed = plan
            .virtual_services
            .get(&VirtualServiceId::External {
                external: external.clone(),
            })
            .is_some();
        if routed {
            continue;
        }
        let ports: Vec<String> = entry
            .ports
            .iter()
            .map(|port| format!("{} {}", port.protocol, port.number))
            .collect();
        let _ = writeln!(
            out,
            "\nexternal service {external} ({})\n  registry: {}, resolution {}",
            entry.hosts.join(", "),
            ports.join(", "),
            entry.resolution
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::source::Source;

    #[test]
    fn sidecar_hosts_and_unrouted_external_services_are_explained() {
        let source = Source::new(
            "legacy-egress.toml",
            include_str!("../../tests/fixtures/valid/legacy-egress/profile.toml"),
        );
        let plan = crate::plan::build(&crate::pipeline::check(&source).unwrap().profile);
        let text = super::super::explain(&plan, None).unwrap();
        assert!(
            text.contains(
                "  egress (Sidecar a1-policy-service): only \
                 ./llm-processor.nephoran-system.svc.cluster.local, \
                 ./postgresql.nephoran-system.svc.cluster.local, \
                 ./redis.nephoran-system.svc.cluster.local, istio-system/*; \
                 other hosts are unknown to its proxy\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "\nexternal service github-api (api.github.com, raw.githubusercontent.com)\n  \
                 registry: HTTPS 443, resolution DNS\n"
            ),
            "{text}"
        );
        assert!(text.contains("resolution NONE"), "{text}");
        assert_eq!(
            text.matches("external service openai-api").count(),
            1,
            "a routed external service has its own section only: {text}"
        );
    }
}
