//! External services whose requests leave through the egress gateway (`egress = "gateway"`),
//! as Istio's recipe routes them (istio/istio.io
//! content/en/docs/tasks/traffic-management/egress/egress-gateway/index.md, "Egress gateway
//! for HTTP traffic", and egress-gateway-tls-origination/index.md): a Gateway on the egress
//! gateway's pods for the host, a VirtualService bound to the mesh and to that Gateway (the
//! sidecars send to the gateway, the gateway to the host), and a DestinationRule subset of the
//! gateway. The sidecars speak Istio mTLS to the gateway (`ISTIO_MUTUAL` on both sides, the
//! host as SNI so that the gateway's server for it takes the connection, istio-rules.md §4.1),
//! so that the gateway's AuthorizationPolicy sees each caller's identity and admits exactly
//! the declared callers, with their methods and paths. TLS to the host is originated at the
//! gateway by the service's own DestinationRule (§4.3), which applies wherever the host is
//! sent to. Validation leaves each such service one exact host. The application's own TLS, and
//! TCP, take the same Gateway, subset and policy with `tls`/`tcp` routes (`egress_l4`).

use super::destination_rule::{DestinationRule, PortTls, SubsetPolicy, TrafficPolicy};
use super::gateway::{GatewayResource, Server, ServerTls, TlsMode};
use super::ids::{DestinationRuleId, GatewayId, PolicyId, RouteId, RuleFor, VirtualServiceId};
use super::security::{Action, AuthorizationPolicy, Operation, Rule, Source, operation};
use super::virtual_service::{HttpRoute, RouteDestination, RouteMatch, VirtualService};
use super::{Context, Meta, Protocol, egress_l4, label, principal};
use crate::model::{ExternalProtocol, ExternalService, Host, HttpPath, Method, Name, Port};

/// The egress gateway's Service port the sidecars send to (istioctl's default Service maps
/// it to the container port 8443).
pub(crate) const EGRESS_GATEWAY_PORT: Port = Port::known(443);

/// The name istioctl gives the egress gateway's Deployment and Service.
const WORKLOAD: &str = "istio-egressgateway";

/// The label istioctl puts on the egress gateway's pods.
const SELECTOR: (&str, &str) = ("istio", "egressgateway");

fn through_gateway<'a>(context: &Context<'a>) -> impl Iterator<Item = &'a ExternalService> {
    context
        .profile
        .external_services
        .iter()
        .filter(|external| external.via_gateway)
}

/// The one host of a service routed through the gateway.
fn host(external: &ExternalService) -> Option<&Host> {
    external.hosts.first()
}

/// The plain-HTTP port the application calls: the service's own for `http`, the origination
/// port for TLS originated at the gateway.
fn http_port(external: &ExternalService) -> Port {
    match (&external.origination, external.protocol) {
        (Some(origination), _) => origination.http_port,
        (None, _) => external.port,
    }
}

/// The egress gateway's Service.
fn gateway_host(context: &Context<'_>) -> Host {
    Host::fqdn(&Name::joined(&[WORKLOAD]), context.root())
}

/// One Gateway per service: a server for its host on the gateway's mTLS port.
pub(super) fn gateways(context: &Context<'_>) -> Vec<GatewayResource> {
    through_gateway(context)
        .filter_map(|external| {
            let host = host(external)?;
            // HTTP for the gateway to read, or TLS whose content it passes on.
            let read = external.gateway_reads_requests();
            Some(GatewayResource {
                meta: Meta::new(
                    GatewayId::Egress {
                        external: external.name.clone(),
                    },
                    context.namespace(),
                    format!("The egress gateway takes {host} from the sidecars, over Istio mTLS."),
                ),
                selector: vec![label(SELECTOR.0, SELECTOR.1)],
                servers: vec![Server {
                    port: EGRESS_GATEWAY_PORT,
                    name: if read { "https" } else { "tls" },
                    protocol: if read { Protocol::Https } else { Protocol::Tls },
                    hosts: vec![host.to_string()],
                    tls: ServerTls {
                        https_redirect: false,
                        mode: Some(TlsMode::IstioMutual),
                        credential: None,
                        min_version: None,
                    },
                }],
            })
        })
        .collect()
}

/// The VirtualService of a service routed through the gateway: the sidecars' requests to the
/// gateway, the gateway's to the host; `None` for any other service.
pub(super) fn virtual_service(
    context: &Context<'_>,
    external: &ExternalService,
) -> Option<VirtualService> {
    if !external.via_gateway {
        return None;
    }
    let host = host(external)?;
    let port = http_port(external);
    let gateway = GatewayId::Egress {
        external: external.name.clone(),
    };
    let gateway_name = super::ids::ResourceId::name(&gateway);
    let at = |gateways: Vec<String>, port: Port| RouteMatch {
        uri: None,
        method: None,
        headers: Vec::new(),
        port: Some(port),
        header_regexes: Vec::new(),
        gateways,
    };
    let (retries, timeout) = external
        .origination
        .as_ref()
        .map_or((None, None), |o| (o.retries.as_ref(), o.timeout));
    if !external.gateway_reads_requests() {
        return Some(VirtualService {
            meta: Meta::new(
                VirtualServiceId::External {
                    external: external.name.clone(),
                },
                context.namespace(),
                egress_l4::comment(external, host),
            ),
            hosts: vec![host.to_string()],
            gateways: vec!["mesh".to_string(), gateway_name.clone()],
            http: Vec::new(),
            l4: Some(egress_l4::routes(
                external,
                host,
                (&gateway_host(context), &gateway_name, EGRESS_GATEWAY_PORT),
            )),
        });
    }
    let originated = external.protocol == ExternalProtocol::Https;
    Some(VirtualService {
        meta: Meta::new(
            VirtualServiceId::External {
                external: external.name.clone(),
            },
            context.namespace(),
            format!(
                "Plain HTTP to {host} on port {port} goes through the egress gateway{}.",
                if originated {
                    format!(", which originates TLS to port {}", external.port)
                } else {
                    String::new()
                }
            ),
        ),
        hosts: vec![host.to_string()],
        gateways: vec!["mesh".to_string(), gateway_name.clone()],
        http: vec![
            HttpRoute {
                id: RouteId::ToEgressGateway,
                name: format!("{}-to-egress-gateway", external.name),
                matches: vec![at(vec!["mesh".to_string()], port)],
                destinations: vec![RouteDestination {
                    host: gateway_host(context),
                    subset: Some(external.name.clone()),
                    port: Some(EGRESS_GATEWAY_PORT),
                    weight: None,
                }],
                timeout: None,
                retries: None,
                cors: None,
                header_ops: None,
                fault: None,
            },
            HttpRoute {
                id: RouteId::External,
                name: external.name.to_string(),
                matches: vec![at(vec![gateway_name], EGRESS_GATEWAY_PORT)],
                destinations: vec![RouteDestination {
                    host: host.clone(),
                    subset: None,
                    port: Some(port),
                    weight: None,
                }],
                timeout,
                retries: retries.map(|retries| context.retry_policy(retries)),
                cors: None,
                header_ops: None,
                fault: None,
            },
        ],
        l4: None,
    })
}

/// The egress gateway's DestinationRule: per service a subset whose connections are Istio mTLS
/// with the host as SNI; `None` when no service goes through the gateway.
pub(super) fn destination_rule(context: &Context<'_>) -> Option<DestinationRule> {
    let subsets: Vec<SubsetPolicy> = through_gateway(context)
        .filter_map(|external| {
            Some(SubsetPolicy {
                name: external.name.clone(),
                labels: vec![label(SELECTOR.0, SELECTOR.1)],
                traffic_policy: Some(Box::new(TrafficPolicy {
                    port_tls: vec![PortTls {
                        port: EGRESS_GATEWAY_PORT,
                        sni: host(external)?.clone(),
                        ca_certificates: None,
                        istio_mutual: true,
                    }],
                    ..TrafficPolicy::default()
                })),
            })
        })
        .collect();
    if subsets.is_empty() {
        return None;
    }
    Some(DestinationRule {
        // In the gateway's own namespace, exported everywhere: a sidecar looks a host's rule up
        // in its own namespace, then the host's, then the root namespace (istio/istio
        // pilot/pkg/model/push_context.go `destinationRule`), so a rule in the mesh namespace
        // would be invisible to a service of another namespace, whose requests would reach the
        // gateway without the subset's Istio mTLS and SNI.
        meta: Meta::new(
            DestinationRuleId::EgressGateway,
            context.root(),
            "Istio mTLS from the sidecars to the egress gateway, one subset per external service.",
        ),
        host: gateway_host(context),
        traffic_policy: None,
        subsets,
    })
}

/// A caller entry of the gateway's policy: what it stands for, its principals, its methods and
/// paths.
type Entry<'a> = (RuleFor, Vec<String>, &'a [Method], &'a [HttpPath]);

/// Per service, the egress gateway's ALLOW policy: its callers (every service of the mesh when
/// it lists none), to its host only: with their methods and paths for HTTP the gateway reads,
/// by the server name of their mTLS connection for TLS and TCP.
pub(super) fn policies(context: &Context<'_>) -> Vec<AuthorizationPolicy> {
    let every_service = || {
        context
            .profile
            .services
            .iter()
            .map(|s| principal(context.profile, &s.namespace, s.service_account.as_str()))
            .collect::<Vec<_>>()
    };
    through_gateway(context)
        .filter_map(|external| {
            let host = host(external)?;
            // The Host header may carry the port; a policy host matches it exactly.
            let hosts = vec![host.to_string(), format!("{host}:*")];
            let to = |methods, paths| {
                let mut to = operation(methods, paths);
                match to.first_mut() {
                    Some(first) => first.hosts.clone_from(&hosts),
                    None => to.push(Operation {
                        hosts: hosts.clone(),
                        ..Operation::default()
                    }),
                }
                to
            };
            // Each caller entry (or every service, when it lists none): its principals, and
            // what the gateway may check besides: methods and paths where it reads HTTP, the
            // server name where TLS or TCP passes through it.
            let principals = |services: &[Name]| -> Vec<String> {
                services
                    .iter()
                    .map(|name| context.service_principal(name))
                    .collect()
            };
            let entries: Vec<Entry<'_>> = if external.callers.is_empty() {
                vec![(RuleFor::EveryService, every_service(), &[], &[])]
            } else {
                external
                    .callers
                    .iter()
                    .enumerate()
                    .map(|(index, caller)| {
                        (
                            RuleFor::Caller { index },
                            principals(&caller.services),
                            &caller.methods[..],
                            &caller.paths[..],
                        )
                    })
                    .collect()
            };
            let read = external.gateway_reads_requests();
            let rules = entries
                .into_iter()
                .map(|(id, principals, methods, paths)| {
                    if !read {
                        return egress_l4::rule(id, principals, host);
                    }
                    Rule {
                        id,
                        from: vec![Source {
                            principals,
                            ..Source::default()
                        }],
                        to: to(methods, paths),
                        when: Vec::new(),
                    }
                })
                .collect();
            Some(AuthorizationPolicy {
                meta: Meta::new(
                    PolicyId::EgressGateway {
                        external: external.name.clone(),
                    },
                    context.root(),
                    format!("Who may leave through the egress gateway for {host}."),
                ),
                selector: vec![label(SELECTOR.0, SELECTOR.1)],
                action: Some(Action::Allow),
                rules,
            })
        })
        .collect()
}
