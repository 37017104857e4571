//! Host names as Istio resolves them: a short name is a Kubernetes service of the resource's
//! namespace (`name` → `name.ns.svc.cluster.local`), everything else is taken as written;
//! wildcards (`*.example.com`) cover the names below them.

use std::borrow::Cow;

/// The Kubernetes cluster domain Istio assumes for short names.
pub(crate) const CLUSTER_DOMAIN: &str = "cluster.local";

/// Istio's `ResolveShortnameToFQDN`: a name without a dot belongs to `namespace`. Names
/// compare case-insensitively, so the result is lower case.
pub(crate) fn fqdn<'a>(host: &'a str, namespace: &str) -> Cow<'a, str> {
    let qualified = host == "*" || host.contains(['.', ':']) || namespace.is_empty();
    match (qualified, host.bytes().any(|b| b.is_ascii_uppercase())) {
        (true, false) => Cow::Borrowed(host),
        (true, true) => Cow::Owned(host.to_ascii_lowercase()),
        (false, _) => Cow::Owned(format!(
            "{}.{namespace}.svc.{CLUSTER_DOMAIN}",
            host.to_ascii_lowercase()
        )),
    }
}

/// The namespace of a Kubernetes service FQDN (`name.ns.svc.cluster.local`).
pub(crate) fn service_namespace(host: &str) -> Option<&str> {
    let rest = host.strip_suffix(CLUSTER_DOMAIN)?.strip_suffix(".svc.")?;
    let (name, namespace) = rest.split_once('.')?;
    (!name.is_empty() && !namespace.is_empty() && !namespace.contains('.')).then_some(namespace)
}

/// Whether the host pattern `pattern` covers `host` (both may be wildcards).
pub(crate) fn covers(pattern: &str, host: &str) -> bool {
    if pattern == "*" || pattern == host {
        return true;
    }
    match pattern.strip_prefix('*') {
        // `*.example.com` covers `a.example.com`, `a.b.example.com` and `*.a.example.com`.
        Some(suffix) => host.len() > suffix.len() && host.ends_with(suffix),
        None => false,
    }
}

/// The wildcard patterns that would cover `host` but `*`, without their `*`: `.b.c` and `.c`
/// for `a.b.c`. Slices of `host`, so that looking them up allocates nothing.
pub(crate) fn wildcard_suffixes(host: &str) -> impl Iterator<Item = &str> {
    host.match_indices('.').map(|(at, _)| &host[at..])
}

/// A Gateway as a VirtualService names it: `ns/name`, the legacy `name.ns`, or `name` in the
/// VirtualService's own namespace. `None` for `mesh`.
pub(crate) fn gateway_ref(reference: &str, namespace: &str) -> Option<(String, String)> {
    if reference == "mesh" {
        return None;
    }
    let (ns, name) = match reference.split_once('/') {
        Some((ns, name)) => (ns, name),
        None => match reference.split_once('.') {
            Some((name, ns)) => (ns, name),
            None => (namespace, reference),
        },
    };
    Some((ns.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_resolve_in_the_namespace() {
        assert_eq!(fqdn("Reviews", "shop"), "reviews.shop.svc.cluster.local");
        assert_eq!(fqdn("reviews.shop", "other"), "reviews.shop");
        assert_eq!(fqdn("*", "shop"), "*");
        assert_eq!(service_namespace("a.shop.svc.cluster.local"), Some("shop"));
        assert_eq!(service_namespace("api.example.com"), None);
    }

    #[test]
    fn wildcards_cover_names_below_them() {
        assert!(covers("*.example.com", "api.example.com"));
        assert!(covers("*.example.com", "*.api.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(covers("*", "anything"));
        assert!(!covers("api.example.com", "web.example.com"));
        let found: Vec<&str> = wildcard_suffixes("a.b.c").collect();
        assert_eq!(found, [".b.c", ".c"]);
    }

    #[test]
    fn gateway_references_resolve() {
        assert_eq!(
            gateway_ref("istio-system/gw", "app"),
            Some(("istio-system".into(), "gw".into()))
        );
        assert_eq!(
            gateway_ref("gw.istio-system", "app"),
            Some(("istio-system".into(), "gw".into()))
        );
        assert_eq!(gateway_ref("gw", "app"), Some(("app".into(), "gw".into())));
        assert_eq!(gateway_ref("mesh", "app"), None);
    }
}
