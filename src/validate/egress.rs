//! `[external-services]`: the hosts outside the mesh that workloads call, what they speak, and
//! who calls them.
//!
//! Istio resolves an exact host by DNS, and passes a wildcard host's traffic to the address the
//! application resolved itself (`resolution: NONE`; `DNS` refuses wildcards, istio-rules.md
//! §1.5). A plain TCP port carries no name, so a TCP entry has one exact host: anything else
//! would admit every destination on that port.

use super::Checker;
use super::routing::{Budgets, RoutePolicy};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{ExternalProtocol, ExternalService, Host, TlsOrigination};
use crate::profile::Sp;
use crate::profile::raw::{self, Named, RawExternalService, RawProfile, SidecarScope};

impl Checker {
    /// `[external-services]`.
    pub(super) fn external_services(
        &mut self,
        profile: &RawProfile,
        budgets: &Budgets,
    ) -> Option<Vec<ExternalService>> {
        let raw: &Named<RawExternalService> = &profile.external_services;
        self.unique(
            raw.values()
                .flat_map(host_entries)
                .map(|host| (&host.value, host.span())),
            "external host",
        );
        self.each(raw, |c, (name, external)| {
            c.external_service(name, external, profile, budgets)
        })
    }

    fn external_service(
        &mut self,
        name: &Sp<String>,
        raw: &RawExternalService,
        profile: &RawProfile,
        budgets: &Budgets,
    ) -> Option<ExternalService> {
        let checked_name = self.name(name);
        let hosts = self.external_hosts(name, raw);
        let protocol = raw
            .protocol
            .as_ref()
            .map_or(ExternalProtocol::Https, |p| match p.value {
                raw::ExternalProtocol::Https => ExternalProtocol::Https,
                raw::ExternalProtocol::Tls => ExternalProtocol::Tls,
                raw::ExternalProtocol::Http => ExternalProtocol::Http,
                raw::ExternalProtocol::Tcp => ExternalProtocol::Tcp,
            });
        let port = match (protocol, &raw.port) {
            (ExternalProtocol::Tcp, None) => {
                self.report(
                    Diagnostic::new(
                        Code::MissingKey,
                        name.span(),
                        "a TCP external service needs its `port`",
                    )
                    .help("add `port = <number>`, such as 5432 for PostgreSQL or 6379 for Redis"),
                );
                None
            }
            (ExternalProtocol::Http, port) => self.port_or(port.as_ref(), 80),
            (_, port) => self.port_or(port.as_ref(), 443),
        };
        if let (Some(hosts), Some(p)) = (&hosts, &raw.protocol) {
            self.one_exact_host_for(hosts, raw, p.span(), protocol);
        }
        let single = |c: &mut Self, key: &str, span: std::ops::Range<usize>| {
            if let Some(hosts) = &hosts
                && (hosts.len() != 1 || hosts.iter().any(Host::is_wildcard))
            {
                c.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        span,
                        format!("`{key}` needs one exact host"),
                    )
                    .label(if hosts.len() == 1 {
                        "a wildcard host".to_string()
                    } else {
                        format!("{} hosts", hosts.len())
                    })
                    .help("Istio applies it to one DNS name; declare one external service per host, without wildcards"),
                );
            }
        };
        let connection_pool = match &raw.connection_pool {
            Some(pool) => {
                single(self, "connection-pool", pool.span());
                self.connection_pool(pool).map(Some)
            }
            None => Some(None),
        };
        let circuit_breaker = match &raw.circuit_breaker {
            Some(breaker) => {
                single(self, "circuit-breaker", breaker.span());
                self.circuit_breaker(breaker).map(Some)
            }
            None => Some(None),
        };
        let originate = raw.tls_origination.as_ref().filter(|t| t.value);
        if let Some(flag) = originate {
            single(self, "tls-origination", flag.span());
            if let Some(p) = raw
                .protocol
                .as_ref()
                .filter(|_| protocol != ExternalProtocol::Https)
            {
                self.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        flag.span(),
                        "TLS origination wraps plain HTTP in TLS for an `https` service",
                    )
                    .secondary(p.span(), "protocol set here")
                    .help("remove `protocol` (the default is `https`), or `tls-origination`"),
                );
            }
        }
        let origination = self.origination(raw, originate.is_some(), port, budgets);
        let via_gateway = self.egress_path(raw, hosts.as_deref(), profile);
        // Plain HTTP that the egress gateway reads: the only calls whose methods and paths a
        // proxy on the way out sees.
        let read = via_gateway
            && (protocol == ExternalProtocol::Http
                || (protocol == ExternalProtocol::Https && originate.is_some()));
        let callers = self.each(&raw.callers, |c, caller| {
            let mut checked = c.caller(caller, profile)?;
            // An external service has one port: there is no port name to pick.
            c.caller_ports(&caller.value, &[], &mut checked)?;
            Some(checked)
        });
        let per_workload = profile
            .sidecar
            .as_ref()
            .is_some_and(|s| s.value.scope.value == SidecarScope::Workload);
        if let Some(first) = raw
            .callers
            .first()
            .filter(|_| !per_workload && !via_gateway)
        {
            // Without a Sidecar per service every proxy knows the host: declared callers would
            // be a promise nothing keeps (the egress gateway's policy keeps it, when the
            // requests go through it).
            self.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    first.span(),
                    "callers of an external service need one Sidecar per service",
                )
                .label("nothing would keep other workloads from calling it")
                .help("add `[sidecar]` with `scope = \"workload\"`, or remove the callers (then every service may call it)"),
            );
        }
        if let Some(callers) = &callers {
            for (caller, raw_caller) in callers.iter().zip(&raw.callers) {
                // The sidecars of the callers pass the requests straight out: nothing in the
                // mesh sees a method or a path to check.
                // Only the profile's services get a Sidecar from it: a namespace or service
                // account outside would be a caller nothing holds to the list.
                if !caller.namespaces.is_empty() || !caller.service_accounts.is_empty() {
                    self.report(
                        Diagnostic::new(
                            Code::ConflictingKeys,
                            raw_caller.span(),
                            "callers of an external service are services of this profile",
                        )
                        .label("other workloads get no Sidecar from this profile")
                        .help("list the callers under `services`; workloads outside the profile are scoped by their own Sidecars"),
                    );
                }
                if !read && (!caller.methods.is_empty() || !caller.paths.is_empty()) {
                    self.report(unreadable_calls(raw_caller.span(), via_gateway));
                }
            }
        }
        Some(ExternalService {
            name: checked_name?,
            hosts: hosts?,
            port: port?,
            protocol,
            origination: origination?,
            connection_pool: connection_pool?,
            circuit_breaker: circuit_breaker?,
            callers: callers?,
            via_gateway,
        })
    }

    /// `host` or `hosts`: exactly one of them, each a qualified name, wildcards no wider than
    /// one domain.
    fn external_hosts(&mut self, name: &Sp<String>, raw: &RawExternalService) -> Option<Vec<Host>> {
        let written: Vec<&Sp<String>> = match (&raw.host, &raw.hosts) {
            (Some(host), None) => vec![host],
            (None, Some(hosts)) => {
                if !self.non_empty(hosts, "`hosts`") {
                    return None;
                }
                hosts.value.iter().collect()
            }
            (Some(host), Some(hosts)) => {
                self.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        hosts.span(),
                        "`host` and `hosts` both name the service's hosts",
                    )
                    .secondary(host.span(), "host set here")
                    .help("keep one: `hosts = [...]` holds every name"),
                );
                return None;
            }
            (None, None) => {
                self.report(
                    Diagnostic::new(
                        Code::MissingKey,
                        name.span(),
                        format!("external service `{}` names no host", name.as_str()),
                    )
                    .help("add `host = \"api.example.com\"`, or `hosts = [...]`"),
                );
                return None;
            }
        };
        self.each(written, |c, raw_host| {
            let host = c.host(raw_host)?;
            let text = host.as_str();
            let body = text.strip_prefix("*.").unwrap_or(text);
            // `*` admits every destination, and `*.com` every site of a top-level domain:
            // either would make registry-only egress an open door.
            let too_wide = text == "*" || (host.is_wildcard() && !body.contains('.'));
            if too_wide || !host.is_qualified() {
                c.report(
                    Diagnostic::new(
                        Code::InvalidHost,
                        raw_host.span(),
                        if text == "*" {
                            "`*` would admit every host".to_string()
                        } else if too_wide {
                            format!("`{text}` would admit every host of a whole top-level domain")
                        } else {
                            format!("`{text}` is not a fully qualified name")
                        },
                    )
                    .help("name the hosts the workloads call; a wildcard covers the names below one domain, such as `*.s3.amazonaws.com`"),
                );
                return None;
            }
            Some(host)
        })
    }

    /// A TCP service needs one exact host, since a TCP port carries no name to tell hosts apart.
    fn one_exact_host_for(
        &mut self,
        hosts: &[Host],
        raw: &RawExternalService,
        protocol_span: std::ops::Range<usize>,
        protocol: ExternalProtocol,
    ) {
        if protocol != ExternalProtocol::Tcp {
            return;
        }
        let span = raw
            .hosts
            .as_ref()
            .map(Sp::span)
            .or_else(|| raw.host.as_ref().map(Sp::span))
            .unwrap_or(protocol_span.clone());
        if hosts.len() != 1 || hosts.iter().any(Host::is_wildcard) {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    span,
                    "a TCP external service needs one exact host",
                )
                .secondary(protocol_span, "TCP here")
                .help("a TCP connection carries no host name, so Istio cannot tell hosts apart on one port (and a wildcard would admit any destination on it); declare one external service per host"),
            );
        }
    }

    /// TLS origination and the keys that need it.
    fn origination(
        &mut self,
        raw: &RawExternalService,
        originate: bool,
        port: Option<crate::model::Port>,
        budgets: &Budgets,
    ) -> Option<Option<TlsOrigination>> {
        if !originate {
            for (key, span) in [
                ("retry-budget", raw.retry_budget.as_ref().map(Sp::span)),
                ("timeout", raw.timeout.as_ref().map(Sp::span)),
                ("http-port", raw.http_port.as_ref().map(Sp::span)),
                (
                    "ca-certificates",
                    raw.ca_certificates.as_ref().map(Sp::span),
                ),
            ] {
                if let Some(span) = span {
                    self.report(
                        Diagnostic::new(
                            Code::MissingDependency,
                            span,
                            format!("`{key}` needs `tls-origination = true`"),
                        )
                        .help("without TLS origination the application's TLS passes through the proxy, which cannot see or retry the requests"),
                    );
                }
            }
            return Some(None);
        }
        let http_port = self.port_or(raw.http_port.as_ref(), 80);
        // The defaults differ, so when the two are equal at least one of them is written.
        if let (Some(http), Some(tls), Some(written)) = (
            http_port,
            port,
            raw.http_port.as_ref().or(raw.port.as_ref()),
        ) && http == tls
        {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    written.span(),
                    format!("the plain-HTTP port {http} is also the TLS port"),
                )
                .help("the ServiceEntry needs one port for each; set `http-port` (default 80) and `port` (default 443) apart"),
            );
        }
        let ca = match &raw.ca_certificates {
            Some(path) => self.file_path(path).map(Some),
            None => Some(None),
        };
        let policy = self.route_policy(
            raw.retry_budget.as_ref(),
            raw.timeout.as_ref(),
            budgets,
            &RoutePolicy::default(),
        );
        let policy = policy?;
        Some(Some(TlsOrigination {
            http_port: http_port?,
            ca_certificates: ca?,
            retries: policy.retries,
            timeout: policy.timeout,
        }))
    }
}

/// Methods and paths on a caller of an external service whose requests no proxy reads.
fn unreadable_calls(span: std::ops::Range<usize>, via_gateway: bool) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::ConflictingKeys,
        span,
        "methods and paths of calls to an external service cannot be enforced",
    );
    if via_gateway {
        // Istio's TCP authorization filter drops an ALLOW rule with HTTP fields: such a caller
        // would be refused, not limited.
        diagnostic
            .label("the egress gateway passes TLS and TCP through without reading the requests")
            .help("remove `methods` and `paths`: through the gateway the callers decide which workloads may reach the host; or let the gateway read plain HTTP (`tls-origination = true`, or `protocol = \"http\"`)")
    } else {
        diagnostic
            .label("no proxy on the way out reads the requests")
            .help("remove `methods` and `paths`: the callers decide which workloads may reach the service; or send its HTTP through the egress gateway (`egress = \"gateway\"`), whose policy reads them")
    }
}

/// The host names an external service writes, in order.
fn host_entries(raw: &RawExternalService) -> Vec<&Sp<String>> {
    raw.host
        .iter()
        .chain(raw.hosts.iter().flat_map(|hosts| hosts.value.iter()))
        .collect()
}
