//! Names and addresses as the webhook checks them: DNS-1123 labels, FQDNs and wildcard domains,
//! IPs and CIDR blocks, unix socket paths, ports, port names and protocols, and host matching.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::go::{q, split};

/// A DNS-1123 label as Istio checks it: upper case is allowed, at most 63 characters.
pub(super) fn is_label(s: &str) -> bool {
    let bytes = s.as_bytes();
    !s.is_empty()
        && s.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

/// A first label that may carry a wildcard: `*`, or a label optionally after `*` or `*-`.
fn is_wildcard_label(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    let rest = s
        .strip_prefix("*-")
        .or_else(|| s.strip_prefix('*'))
        .unwrap_or(s);
    s.len() <= 63 && is_label(rest)
}

/// Go's `strconv.Atoi`.
pub(super) fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

/// Go's `netip.ParseAddr`: IPv4 in dotted decimal without leading zeros, or IPv6 with an
/// optional zone.
pub(super) fn is_ip(s: &str) -> bool {
    if s.parse::<Ipv4Addr>().is_ok() {
        return true;
    }
    let address = match s.split_once('%') {
        Some((address, zone)) if !zone.is_empty() && !zone.contains('%') => address,
        Some(_) => return false,
        None => s,
    };
    address.contains(':') && address.parse::<Ipv6Addr>().is_ok()
}

/// Go's `netip.ParsePrefix`: `None`, or why not.
pub(super) fn prefix_error(s: &str) -> Option<String> {
    let (address, bits) = s.split_once('/').unwrap_or((s, ""));
    if address.contains('%') {
        return Some("IPv6 zones cannot be present in a prefix".to_string());
    }
    let max_bits = if address.parse::<Ipv4Addr>().is_ok() {
        32
    } else if address.contains(':') && address.parse::<Ipv6Addr>().is_ok() {
        128
    } else {
        return Some(format!("ParseAddr({}): invalid IP address", q(address)));
    };
    let well_formed = !bits.is_empty()
        && bits.bytes().all(|b| b.is_ascii_digit())
        && !(bits.len() > 1 && bits.starts_with('0'));
    if !well_formed || bits.parse::<u32>().map_or(true, |n| n > max_bits) {
        return Some(format!("bad bits after slash: {}", q(bits)));
    }
    None
}

fn dns_preconditions(name: &str) -> Option<String> {
    if name.len() > 255 {
        return Some(format!("domain name {} too long (max 255)", q(name)));
    }
    if name.is_empty() {
        return Some("empty domain name not allowed".to_string());
    }
    None
}

fn dns1123_labels(domain: &str) -> Option<String> {
    // Every destination host comes here: the labels are read in place, not collected, and found
    // by a byte scan (a `str` searcher costs more than a label's few bytes).
    let last = domain
        .bytes()
        .rposition(|b| b == b'.')
        .map_or(domain, |at| &domain[at + 1..]);
    if go_atoi(last).is_some() {
        return Some(format!(
            "domain name {} invalid (top level domain {} cannot be all-numeric)",
            q(domain),
            q(last)
        ));
    }
    let mut parts = split(domain, b'.').peekable();
    while let Some(label) = parts.next() {
        if parts.peek().is_none() && label.is_empty() {
            return None; // a trailing dot, as in "istio.io."
        }
        if !is_label(label) {
            return Some(format!(
                "domain name {} invalid (label {} invalid)",
                q(domain),
                q(label)
            ));
        }
    }
    None
}

/// `agent.ValidateFQDN`.
pub(super) fn fqdn_error(name: &str) -> Option<String> {
    dns_preconditions(name).or_else(|| dns1123_labels(name))
}

/// `agent.ValidateWildcardDomain`: a wildcard only as (part of) the first label.
pub(super) fn wildcard_domain_error(domain: &str) -> Option<String> {
    if let Some(e) = dns_preconditions(domain) {
        return Some(e);
    }
    let (first, rest) = match domain.bytes().position(|b| b == b'.') {
        Some(at) => (&domain[..at], Some(&domain[at + 1..])),
        None => (domain, None),
    };
    if !is_wildcard_label(first) {
        return Some(format!(
            "domain name {} invalid (label {} invalid)",
            q(domain),
            q(first)
        ));
    }
    rest.and_then(dns1123_labels)
}

/// `agent.ValidateWildcardDomainForVirtualServiceBoundToGateway`: with SNI routes, the
/// `outbound_.<port>_._.<host>` form of AUTO_PASSTHROUGH is allowed too.
pub(super) fn gateway_bound_domain_error(sni: bool, domain: &str) -> Option<String> {
    if let Some(e) = dns_preconditions(domain) {
        return Some(e);
    }
    if sni && domain.starts_with("outbound_") {
        let format = "outbound_.<PORT>_._.<HOSTNAME>";
        let parts: Vec<&str> = domain.split('_').collect();
        if parts.len() < 4 {
            return Some(format!(
                "domain name {domain} invalid, should follow '{format}' format"
            ));
        }
        let port = parts[1].trim_matches('.');
        let hostname = parts[3].trim_matches('.');
        if parts[0] != "outbound" {
            return Some(format!(
                "domain name {} invalid (label {} invalid)",
                q(domain),
                q(parts[0])
            ));
        }
        if !port.bytes().any(|b| b.is_ascii_digit()) {
            return Some(format!(
                "domain name {} invalid (label {} invalid). should follow {format} format",
                q(domain),
                q(port)
            ));
        }
        if !hostname.bytes().any(|b| b.is_ascii_alphabetic()) {
            return Some(format!(
                "domain name {} invalid (label {} invalid). should follow {format} format",
                q(domain),
                q(hostname)
            ));
        }
        return None;
    }
    wildcard_domain_error(domain)
}

/// A wildcard anywhere but as a whole `*.` prefix (or the whole host).
pub(super) fn partial_wildcard_error(host: &str) -> Option<String> {
    (host.contains('*') && host.len() != 1 && !host.starts_with("*."))
        .then(|| format!("partial wildcard {} not allowed", q(host)))
}

/// `agent.ValidatePort`.
pub(super) fn port_error(port: i64) -> Option<String> {
    (!(1..=65535).contains(&port))
        .then(|| format!("port number {port} must be in the range 1..65535"))
}

/// `agent.ValidateIPSubnet`: an IP, or a CIDR block.
pub(super) fn ip_subnet_error(s: &str) -> Option<String> {
    if s.matches('/').count() == 1 {
        return prefix_error(s).map(|_| format!("{s} is not a valid CIDR block"));
    }
    (!is_ip(s)).then(|| format!("{s} is not a valid IP"))
}

/// `ValidateUnixAddress`: an absolute path to a file, or an abstract socket (`@name`).
pub(super) fn unix_address_error(address: &str) -> Option<String> {
    if address.is_empty() {
        return Some("unix address must not be empty".to_string());
    }
    if address.starts_with('@') {
        return None;
    }
    (!address.starts_with('/') || address.ends_with('/'))
        .then(|| format!("{address} is not an absolute path to a file"))
}

/// `ValidatePortName`.
pub(super) fn port_name_error(name: &str) -> Option<String> {
    (!is_label(name)).then(|| format!("invalid port name: {name}"))
}

/// An application protocol as Istio parses it (`protocol.Parse`, case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Protocol {
    Tcp,
    Udp,
    Grpc,
    GrpcWeb,
    Http,
    HttpProxy,
    Http2,
    Https,
    Tls,
    Mongo,
    Redis,
    MySql,
}

impl Protocol {
    /// The protocol `name` stands for, if Istio knows it.
    pub(super) fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "tcp" => Self::Tcp,
            "udp" => Self::Udp,
            "grpc" => Self::Grpc,
            "grpc-web" => Self::GrpcWeb,
            "http" => Self::Http,
            "http_proxy" => Self::HttpProxy,
            "http2" => Self::Http2,
            "https" => Self::Https,
            "tls" => Self::Tls,
            "mongo" => Self::Mongo,
            "redis" => Self::Redis,
            "mysql" => Self::MySql,
            _ => return None,
        })
    }

    /// Plain-text HTTP of any kind.
    pub(super) fn is_http(self) -> bool {
        matches!(
            self,
            Self::Http | Self::Http2 | Self::HttpProxy | Self::Grpc | Self::GrpcWeb
        )
    }

    /// HTTPS or TLS.
    pub(super) fn is_tls(self) -> bool {
        matches!(self, Self::Https | Self::Tls)
    }

    /// Carried over TCP without HTTP routing.
    pub(super) fn is_tcp(self) -> bool {
        matches!(
            self,
            Self::Tcp | Self::Https | Self::Tls | Self::Mongo | Self::Redis | Self::MySql
        )
    }
}

/// `ValidateProtocol`: empty means protocol sniffing.
pub(super) fn protocol_error(name: &str) -> Option<String> {
    (!name.is_empty() && Protocol::parse(name).is_none())
        .then(|| format!("unsupported protocol: {name}"))
}

/// `host.Name.Matches`: whether two hosts, wildcards included, can name the same service.
pub(super) fn host_matches(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(a_rest), Some(b_rest)) => {
            if a.len() < b.len() {
                b_rest.ends_with(a_rest)
            } else {
                a_rest.ends_with(b_rest)
            }
        }
        (Some(a_rest), None) => b.ends_with(a_rest),
        (None, Some(b_rest)) => a.ends_with(b_rest),
        (None, None) => a == b,
    }
}

/// `host.Name.SubsetOf`: whether every host `a` names is also named by `b`.
pub(super) fn host_subset_of(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(a_rest), Some(b_rest)) => a.len() >= b.len() && a_rest.ends_with(b_rest),
        (Some(_), None) => false,
        (None, Some(b_rest)) => a.ends_with(b_rest),
        (None, None) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_domains_as_istio_tests_them() {
        let long = "x".repeat(256);
        let label = "x".repeat(63);
        for (domain, valid) in [
            ("", false),
            (long.as_str(), false),
            (label.as_str(), true),
            ("*", true),
            ("*.bar.com", true),
            ("*foo", true),
            ("*foo.bar.com", true),
            ("*-foo.bar.com", true),
            ("foo.*.com", false),
            ("foo*.bar.com", false),
            ("1.1.1.1", false),
        ] {
            assert_eq!(wildcard_domain_error(domain).is_none(), valid, "{domain}");
            assert_eq!(
                gateway_bound_domain_error(false, domain).is_none(),
                valid,
                "{domain}"
            );
        }
    }

    #[test]
    fn sni_domains_of_auto_passthrough() {
        for (domain, valid) in [
            ("outbound_.80_._.e2e.foobar.mesh", true),
            ("outbound.com", true),
            ("neverbound_.80_._.e2e.foobar.mesh", false),
            ("outbound_.thisIsNotAPort_._.e2e.foobar.mesh", false),
            ("outbound_.80_._", false),
        ] {
            assert_eq!(
                gateway_bound_domain_error(true, domain).is_none(),
                valid,
                "{domain}"
            );
        }
    }

    #[test]
    fn fqdns() {
        let long = "x".repeat(256);
        for (name, valid) in [
            (long.as_str(), false),
            ("", false),
            ("istio.io", true),
            ("istio.io.", true),
            ("istio-pilot.istio-system.svc.cluster.local", true),
            ("istio-pilot.istio-system.svc.cluster.local.", true),
            ("a..b", false),
            ("Upper.Case", true),
        ] {
            assert_eq!(fqdn_error(name).is_none(), valid, "{name}");
        }
    }

    /// The label a message names is the first invalid one, found by the byte scan as by Go's
    /// `strings.Split`; an all-numeric last label is named before it.
    #[test]
    fn the_invalid_label_is_named() {
        for (domain, label) in [
            ("a..b", ""),
            (".a", ""),
            ("a.-b.c", "-b"),
            ("a.b-.c", "b-"),
            ("a.b_c.d", "b_c"),
            ("é.b", "é"),
        ] {
            assert_eq!(
                fqdn_error(domain),
                Some(format!(
                    "domain name {} invalid (label {} invalid)",
                    q(domain),
                    q(label)
                )),
                "{domain}"
            );
        }
        assert_eq!(
            fqdn_error("a..12"),
            Some(
                r#"domain name "a..12" invalid (top level domain "12" cannot be all-numeric)"#
                    .to_string()
            )
        );
        assert_eq!(
            wildcard_domain_error("*.a..b"),
            Some(r#"domain name "a..b" invalid (label "" invalid)"#.to_string())
        );
        assert_eq!(
            wildcard_domain_error("a*.b"),
            Some(r#"domain name "a*.b" invalid (label "a*" invalid)"#.to_string())
        );
        assert_eq!(wildcard_domain_error("*.b."), None);
        assert_eq!(wildcard_domain_error("a."), None);
    }

    #[test]
    fn ip_subnets() {
        for (subnet, valid) in [
            ("1.1.1.1", true),
            ("1.1.A.1", false),
            ("2001:1::1", true),
            ("2001:1:G::1", false),
            ("1.1.1.1/24", true),
            ("1.1.1.1/48", false),
            ("2001:1::1/64", true),
            ("2001:1::1/132", false),
            ("01.1.1.1", false),
            ("10.0.0.0/08", false),
            ("fe80::1%eth0", true),
            ("fe80::1%", false),
        ] {
            assert_eq!(ip_subnet_error(subnet).is_none(), valid, "{subnet}");
        }
    }

    #[test]
    fn ports_names_and_protocols() {
        assert!(port_error(0).is_some());
        assert!(port_error(65536).is_some());
        assert!(port_error(1).is_none() && port_error(65535).is_none());
        assert!(port_name_error("http-web").is_none());
        assert!(port_name_error("http.web").is_some());
        assert!(protocol_error("").is_none());
        assert!(protocol_error("grpc-WEB").is_none());
        assert!(protocol_error("HTTP3").is_some());
        assert!(unix_address_error("/var/run/x.sock").is_none());
        assert!(unix_address_error("@abstract").is_none());
        assert!(unix_address_error("relative").is_some());
        assert!(unix_address_error("/dir/").is_some());
        assert_eq!(go_atoi("+12"), Some(12));
        assert_eq!(go_atoi("1_0"), None);
    }

    #[test]
    fn host_matching() {
        assert!(host_matches("*.foo.com", "a.foo.com"));
        assert!(host_matches("a.foo.com", "*.foo.com"));
        assert!(host_matches("*.com", "*.foo.com"));
        assert!(!host_matches("a.foo.com", "b.foo.com"));
        assert!(host_subset_of("a.foo.com", "*.foo.com"));
        assert!(host_subset_of("*.a.foo.com", "*.foo.com"));
        assert!(!host_subset_of("*.foo.com", "a.foo.com"));
        assert!(!host_subset_of("*.com", "*.foo.com"));
    }
}
