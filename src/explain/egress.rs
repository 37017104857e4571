//! What leaves the mesh: the external services in the registry (those without routes of their
//! own; the others have a section of their own) and the hosts each service's Sidecar knows.

use std::fmt::Write;

use crate::model::Name;
use crate::plan::Plan;
use crate::plan::egress_l4::L4Routes;
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

/// The `tls` and `tcp` routes of a VirtualService, numbered on after its `first` HTTP routes.
pub(super) fn l4_routes(out: &mut String, l4: &L4Routes, first: usize) {
    let routes = l4
        .tls
        .iter()
        .map(|r| ("TLS", r))
        .chain(l4.tcp.iter().map(|r| ("TCP", r)));
    for (index, (kind, route)) in routes.enumerate() {
        let name = if route.sni_hosts.is_empty() {
            String::new()
        } else {
            format!(", server name {}", route.sni_hosts.join(", "))
        };
        let at = if route.gateways == ["mesh"] {
            "the sidecars".to_string()
        } else {
            route.gateways.join(", ")
        };
        let _ = writeln!(
            out,
            "    {}. {kind}: port {}{name}, at {at} → {}",
            first + index + 1,
            route.port,
            super::destinations(std::slice::from_ref(&route.destination))
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

    #[test]
    fn tls_and_tcp_routes_through_the_egress_gateway_are_explained() {
        let source = Source::new(
            "egress-through-gateway-tls-tcp.toml",
            include_str!("../../tests/fixtures/valid/egress-through-gateway-tls-tcp/profile.toml"),
        );
        let plan = crate::plan::build(&crate::pipeline::check(&source).unwrap().profile);
        let text = super::super::explain(&plan, None).unwrap();
        for line in [
            "    1. TLS: port 443, server name api.github.com, at the sidecars → github\n\
             \x20   2. TCP: port 443, at egress-gateway-github → api.github.com\n",
            "    1. TCP: port 5432, at the sidecars → orders-db\n\
             \x20   2. TCP: port 443, at egress-gateway-orders-db → orders.db.example.com\n",
            "    - cluster.local/ns/default/sa/reporter: any request, when connection.sni in orders.db.example.com\n",
        ] {
            assert!(text.contains(line), "{line}\nnot in\n{text}");
        }
    }
}
