//! ServiceEntry rules (`ValidateServiceEntry`, with istiod's `PILOT_ENABLE_IP_AUTOALLOCATE` at its
//! default, on).

use super::Meta;
use super::decode::{Msg, Report};
use super::go::q;
use super::hosts::{
    Protocol, fqdn_error, ip_subnet_error, is_ip, partial_wildcard_error, port_error,
    port_name_error, protocol_error, unix_address_error, wildcard_domain_error,
};
use super::scope::{ExportRules, alpha_selector_findings, check_export_to, check_labels};

/// The resolution modes.
pub(super) const RESOLUTIONS: &[&str] =
    &["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"];

/// The rules of a ServiceEntry.
pub(super) fn check(r: Report<'_>, meta: &Meta<'_>, spec: &Msg<'_>) {
    let selector = spec.msg("workloadSelector");
    let (selector_errors, no_labels) = alpha_selector_findings(selector.as_ref());
    if !selector_errors.is_empty() {
        // Go returns these errors alone.
        for (path, e) in selector_errors {
            r.error(&path, e);
        }
        return;
    }
    if no_labels {
        r.warning(
            &spec.at("workloadSelector"),
            "service entry: workload selector specified without labels, will be applied to all \
             services in namespace",
        );
    }
    let endpoints = spec.msgs("endpoints");
    let has_endpoints = !spec.items("endpoints").is_empty();
    if selector.is_some() && has_endpoints {
        r.error(
            spec.path(),
            "only one of WorkloadSelector or Endpoints is allowed in Service Entry",
        );
    }
    let resolution = match spec.enumeration("resolution", RESOLUTIONS) {
        "" => "NONE",
        resolution => resolution,
    };
    let hosts = spec.strs("hosts");
    if hosts.is_empty() {
        r.error(
            &spec.at("hosts"),
            "service entry must have at least one host",
        );
    }
    for (j, host) in &hosts {
        let at = spec.at("hosts").index(*j);
        if *host == "*" {
            r.error(&at, "invalid host *");
            continue;
        }
        r.error_if(&at, wildcard_domain_error(host));
        if resolution != "DYNAMIC_DNS" {
            if let Some(w) = partial_wildcard_error(host) {
                r.warning(&at, w);
            }
        }
    }
    let addresses = spec.strs("addresses");
    for (k, address) in &addresses {
        r.error_if(&spec.at("addresses").index(*k), ip_subnet_error(address));
    }
    if addresses.iter().any(|(_, a)| a.contains('/')) && !matches!(resolution, "NONE" | "STATIC") {
        r.error(
            spec.path(),
            "CIDR addresses are allowed only for NONE/STATIC resolution types",
        );
    }
    let opted_out = meta
        .label("networking.istio.io/enable-autoallocate-ip")
        .is_some_and(|v| v.eq_ignore_ascii_case("false"));
    let auto_allocated = resolution != "NONE" && !opted_out && addresses.is_empty();
    let ports = spec.msgs("ports");
    let mut port_names: Vec<&str> = Vec::new();
    let mut port_numbers: Vec<i64> = Vec::new();
    for port in &ports {
        let (name, number, protocol) = (port.str("name"), port.int("number"), port.str("protocol"));
        if port_names.contains(&name) {
            r.error(
                &port.at("name"),
                format!("service entry port name {} already defined", q(name)),
            );
        }
        port_names.push(name);
        if port_numbers.contains(&number) {
            r.error(
                &spec.at("ports"),
                format!("service entry port {number} already defined"),
            );
        }
        port_numbers.push(number);
        let target = port.int("targetPort");
        if target != 0 {
            r.error_if(&port.at("targetPort"), port_error(target));
        }
        if addresses.is_empty() && !auto_allocated && matches!(protocol, "" | "TCP") {
            r.warning(
                port.path(),
                "addresses are required for ports serving TCP (or unset) protocol when IP \
                 Autoallocation is not enabled",
            );
        }
        r.error_if(&port.at("name"), port_name_error(name));
        r.error_if(&port.at("protocol"), protocol_error(protocol));
        r.error_if(&port.at("number"), port_error(number));
    }
    match resolution {
        "NONE" => {
            if has_endpoints {
                r.error(
                    spec.path(),
                    "no endpoints should be provided for resolution type none",
                );
            }
            if selector.is_some() {
                r.warning(
                    &spec.at("workloadSelector"),
                    "workloadSelector should not be set when resolution mode is NONE",
                );
            }
        }
        "STATIC" => {
            for endpoint in &endpoints {
                check_static_endpoint(r, endpoint, &port_names);
            }
        }
        "DNS" | "DNS_ROUND_ROBIN" => {
            if !has_endpoints {
                let bad = hosts
                    .iter()
                    .find_map(|(j, host)| fqdn_error(host).map(|e| (*j, e)));
                if let Some((j, e)) = bad {
                    r.error(
                        &spec.at("hosts").index(j),
                        format!(
                            "hosts must be FQDN or contain only prefix wildcards if no endpoints \
                             are provided for resolution mode {resolution}, {e}"
                        ),
                    );
                }
            }
            if resolution == "DNS_ROUND_ROBIN" && spec.items("endpoints").len() > 1 {
                r.error(
                    spec.path(),
                    format!("there must only be 0 or 1 endpoint for resolution mode {resolution}"),
                );
            }
            for endpoint in &endpoints {
                let address = endpoint.str("address");
                if !is_ip(address) && fqdn_error(address).is_some() {
                    r.error(
                        &endpoint.at("address"),
                        format!(
                            "endpoint address {} is not a valid FQDN or an IP address",
                            q(address)
                        ),
                    );
                }
                check_labels(r, endpoint, "labels");
                check_endpoint_ports(r, endpoint, &port_names);
            }
            let tcp_port = ports
                .iter()
                .any(|port| Protocol::parse(port.str("protocol")).is_some_and(Protocol::is_tcp));
            if !addresses.is_empty() && tcp_port && hosts.len() > 1 {
                r.warning(
                    spec.path(),
                    "service entry can not have more than one host specified simultaneously \
                     with address and tcp port",
                );
            }
        }
        "DYNAMIC_DNS" => check_dynamic_dns(r, meta, spec, &hosts, &addresses, &ports),
        _ => {}
    }
    if resolution != "NONE" && hosts.len() > 1 {
        let opaque = ports.iter().find(|port| {
            Protocol::parse(port.str("protocol")).is_none_or(|p| !p.is_http() && !p.is_tls())
        });
        if let Some(port) = opaque {
            r.error(
                &port.at("protocol"),
                "multiple hosts provided with non-HTTP, non-TLS ports",
            );
        }
    }
    check_export_to(r, spec, meta.namespace, ExportRules::ServiceEntry);
}

fn check_dynamic_dns(
    r: Report<'_>,
    meta: &Meta<'_>,
    spec: &Msg<'_>,
    hosts: &[(usize, &str)],
    addresses: &[(usize, &str)],
    ports: &[Msg<'_>],
) {
    let mode = "DYNAMIC_DNS";
    for (j, host) in hosts {
        if !host.starts_with('*') {
            r.error(
                &spec.at("hosts").index(*j),
                format!("host must be wildcarded for resolution mode {mode}"),
            );
        }
    }
    if !addresses.is_empty() {
        r.error(
            &spec.at("addresses"),
            format!(
                "addresses cannot be set for resolution type {mode}. HTTP route domains will \
                 only be generated from the hosts field values"
            ),
        );
    }
    if !spec.items("endpoints").is_empty() {
        r.error(
            &spec.at("endpoints"),
            format!(
                "endpoints cannot be set for resolution type {mode}. Destination IP address \
                 determined from hosts field values"
            ),
        );
    }
    for port in ports {
        let supported = Protocol::parse(port.str("protocol")).is_some_and(|p| {
            matches!(
                p,
                Protocol::Http | Protocol::Tls | Protocol::Grpc | Protocol::Http2
            )
        });
        if !supported {
            r.error(
                &port.at("protocol"),
                format!(
                    "only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type \
                     {mode}"
                ),
            );
        }
    }
    let waypoint = meta.label("istio.io/use-waypoint").unwrap_or("");
    if spec.str("location") == "MESH_INTERNAL"
        && !waypoint.is_empty()
        && !waypoint.eq_ignore_ascii_case("none")
    {
        r.error(
            &spec.at("location"),
            format!(
                "location MESH_INTERNAL with resolution type {mode} is not supported when using \
                 waypoints"
            ),
        );
    }
}

/// The ports of an endpoint: each named by the entry, a valid name and number.
fn check_endpoint_ports(r: Report<'_>, endpoint: &Msg<'_>, port_names: &[&str]) {
    for (name, number) in endpoint.int_entries("ports") {
        let at = endpoint.at("ports").key(name);
        if !port_names.contains(&name) {
            r.error(
                &at,
                format!("endpoint port {number} is not defined by the service entry"),
            );
        }
        r.error_if(&at, port_name_error(name));
        r.error_if(&at, port_error(number));
    }
}

/// `validateWorkloadEntry` for a STATIC endpoint: an IP or a `unix://` path.
fn check_static_endpoint(r: Report<'_>, endpoint: &Msg<'_>, port_names: &[&str]) {
    let address = endpoint.str("address");
    if address.is_empty() {
        let network = endpoint.str("network");
        if network.is_empty() {
            r.error(&endpoint.at("address"), "address is required");
            return;
        }
        r.warning(
            &endpoint.at("address"),
            format!("address is unset with network {}", q(network)),
        );
    }
    let has_ports = endpoint.map("ports").is_some_and(|p| !p.is_empty());
    let unix = address.strip_prefix("unix://");
    if let Some(socket) = unix {
        r.error_if(&endpoint.at("address"), unix_address_error(socket));
        if has_ports {
            r.error(
                &endpoint.at("ports"),
                format!("unix endpoint {address} must not include ports"),
            );
        }
    } else if !address.is_empty() && !is_ip(address) {
        r.error(
            &endpoint.at("address"),
            format!("endpoint address {} is not a valid IP address", q(address)),
        );
    }
    check_endpoint_ports(r, endpoint, port_names);
    check_labels(r, endpoint, "labels");
    let mut distinct = port_names.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if unix.is_some() && distinct.len() != 1 {
        r.error(
            &endpoint.at("address"),
            "exactly 1 service port required for unix endpoints",
        );
    }
}
