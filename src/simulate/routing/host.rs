//! Host names as Istio compares them (istio/istio pkg/config/host/name.go) and as Envoy picks a
//! virtual host (route_config.proto `VirtualHost.domains`: an exact name, then the longest
//! `*suffix`, then the longest `prefix*`, then `*`; a wildcard never matches an empty part).

/// The cluster's DNS domain; short names in resources expand to `<name>.<namespace>.svc.<it>`.
pub(crate) const DOMAIN: &str = "cluster.local";

/// Istio's `ResolveShortnameToFQDN` (pkg/config/model.go): a name without a dot is a Service
/// in the resource's namespace; anything else stays as written.
pub(crate) fn fqdn(host: &str, namespace: &str) -> String {
    if host == "*" || host.contains('.') || host.parse::<std::net::IpAddr>().is_ok() {
        host.to_ascii_lowercase()
    } else {
        // Joined rather than formatted: each request to a short name comes here, and the
        // formatting machinery cost more than the look-up the name is for.
        let mut full = [host, ".", namespace, ".svc.", DOMAIN].concat();
        full[..host.len()].make_ascii_lowercase();
        full
    }
}

/// Istio's `Name.Matches`: whether two names (either may be a `*.suffix` wildcard) overlap.
pub(crate) fn overlaps(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(a), Some(b)) => a.ends_with(b) || b.ends_with(a),
        (Some(a), None) => b.ends_with(a),
        (None, Some(b)) => a.ends_with(b),
        (None, None) => a == b,
    }
}

/// Istio's `Name.SubsetOf`: whether every name `a` matches is matched by `b`.
fn subset_of(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(a), Some(b)) => a.ends_with(b),
        (Some(_), None) => false,
        (None, Some(b)) => a.ends_with(b),
        (None, None) => a == b,
    }
}

/// The narrower of two overlapping names (`Names.Intersection`).
pub(crate) fn intersection(a: &str, b: &str) -> Option<String> {
    if !overlaps(a, b) {
        return None;
    }
    Some(if subset_of(a, b) { a } else { b }.to_string())
}

/// Which of `domains` Envoy picks for `host` (already in lower case, port removed): the index.
pub(crate) fn pick<'a>(domains: impl IntoIterator<Item = &'a str>, host: &str) -> Option<usize> {
    // (rank, length): exact beats suffix wildcards beats prefix wildcards beats `*`; longer
    // wildcards win within a rank.
    let mut best: Option<((u8, usize), usize)> = None;
    for (i, domain) in domains.into_iter().enumerate() {
        let score = if domain == host {
            Some((4, domain.len()))
        } else if domain == "*" {
            Some((1, 0))
        } else if let Some(suffix) = domain.strip_prefix('*') {
            (host.len() > suffix.len() && host.ends_with(suffix)).then_some((3, suffix.len()))
        } else if let Some(prefix) = domain.strip_suffix('*') {
            (host.len() > prefix.len() && host.starts_with(prefix)).then_some((2, prefix.len()))
        } else {
            None
        };
        if let Some(score) = score
            && best.is_none_or(|(b, _)| score > b)
        {
            best = Some((score, i));
        }
    }
    best.map(|(_, i)| i)
}

/// The host of a `Host` header without its port (`[v6]:port` included).
pub(crate) fn without_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    // The digits at the end, then a `:` before them: every request's host comes here, and
    // most end in a letter, which one byte tells (a search for the last `:` read every byte).
    let digits = host.bytes().rev().take_while(u8::is_ascii_digit).count();
    match host.len().checked_sub(digits + 1) {
        Some(colon) if digits > 0 && host.as_bytes()[colon] == b':' => &host[..colon],
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_expand_in_the_namespace() {
        assert_eq!(fqdn("reviews", "ns"), "reviews.ns.svc.cluster.local");
        // Only the name is folded to lower case; the namespace is kept as written.
        assert_eq!(fqdn("ReViews", "Ns"), "reviews.Ns.svc.cluster.local");
        assert_eq!(fqdn("Reviews.ns", "x"), "reviews.ns");
        assert_eq!(fqdn("*", "x"), "*");
        assert_eq!(fqdn("10.0.0.1", "x"), "10.0.0.1");
        assert_eq!(fqdn("*.example.com", "x"), "*.example.com");
    }

    #[test]
    fn wildcards_overlap_and_intersect() {
        assert!(overlaps("*.a.com", "b.a.com"));
        assert!(overlaps("b.a.com", "*.a.com"));
        assert!(overlaps("*", "x"));
        assert!(overlaps("*.a.com", "*.b.a.com"));
        assert!(overlaps("*.b.a.com", "*.a.com"));
        assert!(!overlaps("a.com", "b.com"));
        assert!(!overlaps("*.a.com", "a.org"));
        assert!(!overlaps("x.b.com", "*.a.com"));
        assert_eq!(
            intersection("*.a.com", "b.a.com").as_deref(),
            Some("b.a.com")
        );
        assert_eq!(
            intersection("b.a.com", "*.a.com").as_deref(),
            Some("b.a.com")
        );
        assert_eq!(intersection("*", "*.a.com").as_deref(), Some("*.a.com"));
        assert_eq!(
            intersection("*.b.a.com", "*.a.com").as_deref(),
            Some("*.b.a.com")
        );
        assert_eq!(intersection("a", "a").as_deref(), Some("a"));
        assert_eq!(intersection("a", "b"), None);
        assert!(!subset_of("*.a.com", "b.a.com"));
    }

    #[test]
    fn envoy_picks_the_most_specific_domain() {
        let domains = ["*", "*.com", "*.a.com", "api.*", "api.a.com"];
        let pick = |host: &str| pick(domains, host).map(|i| domains[i]);
        assert_eq!(pick("api.a.com"), Some("api.a.com"));
        assert_eq!(pick("x.a.com"), Some("*.a.com"));
        assert_eq!(pick("x.com"), Some("*.com"));
        assert_eq!(pick("api.org"), Some("api.*"));
        assert_eq!(pick("other"), Some("*"));
        // A wildcard never matches an empty part.
        assert_eq!(pick(".a.com"), Some("*.com"));
        assert_eq!(pick("api."), Some("*"));
        assert_eq!(super::pick(["a.com"], "a.com."), None);
        assert_eq!(super::pick(["*.a.com", "api.*"], "api.a.com"), Some(0));
        assert_eq!(super::pick(["*.com", "*.a.com"], "x.a.com"), Some(1));
        assert_eq!(super::pick(["api.*", "api.a.*"], "api.a.b"), Some(1));
        assert_eq!(super::pick(["api.a.*", "api.*"], "api.a.b"), Some(0));
        assert_eq!(super::pick(["*", "*"], "x"), Some(0));
    }

    #[test]
    fn ports_come_off_hosts() {
        assert_eq!(without_port("a.io:443"), "a.io");
        assert_eq!(without_port("a.io"), "a.io");
        assert_eq!(without_port("a.io:"), "a.io:");
        assert_eq!(without_port("a.io:x"), "a.io:x");
        assert_eq!(without_port("a:b:80"), "a:b");
        assert_eq!(without_port("a.io:8x0"), "a.io:8x0");
        assert_eq!(without_port("a.io:x80"), "a.io:x80");
        assert_eq!(without_port(":80"), "");
        assert_eq!(without_port("80"), "80");
        assert_eq!(without_port(""), "");
        assert_eq!(without_port("[::1]:80"), "[::1]");
        assert_eq!(without_port("[::1"), "[::1");
    }
}
