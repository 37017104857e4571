//! DestinationRule rules (`ValidateDestinationRule`, `validateTrafficPolicy` and the checks of
//! its parts: outlier detection, connection pool, load balancer and locality settings, client
//! TLS, port-level policies, tunnel, subsets).

use super::Meta;
use super::decode::{Msg, Report};
use super::durations::{MS, check_decodable, check_duration, nanos};
use super::go::q;
use super::hosts::{fqdn_error, is_ip, is_label, port_error, wildcard_domain_error};
use super::locality::locality_error;
use super::scope::{ExportRules, check_export_to, check_labels, check_workload_selector};

const CLIENT_TLS_MODES: &[&str] = &["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"];
const TOPOLOGY_LABELS: [&str; 3] = [
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "topology.istio.io/subzone",
];

/// The rules of a DestinationRule.
pub(super) fn check(r: Report<'_>, meta: &Meta<'_>, spec: &Msg<'_>) {
    if spec.has("host") {
        r.error_if(&spec.at("host"), wildcard_domain_error(spec.str("host")));
    }
    let namespace = meta.namespace;
    if let Some(policy) = spec.msg("trafficPolicy") {
        check_traffic_policy(r, &policy, namespace);
    }
    let mut names: Vec<&str> = Vec::new();
    for subset in spec.msgs("subsets") {
        let name = subset.str("name");
        if names.contains(&name) {
            r.error(
                &subset.at("name"),
                format!("duplicate subset names: {name}"),
            );
        }
        names.push(name);
        r.error_if(&subset.at("name"), subset_name_error(name));
        check_labels(r, &subset, "labels");
        // validateSubset joins the policy's findings with appendErrors: its warnings are lost.
        if let Some(policy) = subset.msg("trafficPolicy") {
            check_traffic_policy(r.errors_only(), &policy, namespace);
        }
    }
    let selector = spec.msg("workloadSelector");
    let rules = if selector.is_some() {
        ExportRules::SelectorDestinationRule
    } else {
        ExportRules::Plain
    };
    check_export_to(r, spec, namespace, rules);
    check_workload_selector(r, selector.as_ref());
}

/// `validateSubsetName`: a DNS-1123 label.
pub(super) fn subset_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("subset name cannot be empty".to_string());
    }
    (!is_label(name)).then(|| format!("subset name is invalid: {name}"))
}

/// `ValidatePercent`.
fn percent_error(value: i64) -> Option<String> {
    (!(0..=100).contains(&value)).then(|| format!("percentage {value} is not in range 0..100"))
}

fn check_traffic_policy(r: Report<'_>, policy: &Msg<'_>, namespace: &str) {
    let fields = [
        "outlierDetection",
        "connectionPool",
        "loadBalancer",
        "tls",
        "tunnel",
        "proxyProtocol",
        "retryBudget",
    ];
    if !fields.iter().any(|f| policy.has(f)) && policy.items("portLevelSettings").is_empty() {
        r.error(policy.path(), "traffic policy must have at least one field");
        return;
    }
    if policy.has("tunnel") && policy.has("proxyProtocol") {
        r.error(
            policy.path(),
            "tunnel and proxyProtocol must not be set together",
        );
        return;
    }
    check_policy_parts(r, policy, namespace);
    for port_policy in policy.msgs("portLevelSettings") {
        if !port_policy.has("port") {
            r.error(
                &port_policy.at("port"),
                "portTrafficPolicy must have valid port",
            );
        }
        let parts = ["outlierDetection", "connectionPool", "loadBalancer", "tls"];
        if !parts.iter().any(|f| port_policy.has(f)) {
            r.error(
                port_policy.path(),
                "port traffic policy must have at least one field",
            );
            continue;
        }
        // validatePortTrafficPolicies uses appendErrors: its warnings are lost.
        check_policy_parts(r.errors_only(), &port_policy, namespace);
    }
    if let Some(tunnel) = policy.msg("tunnel") {
        if !matches!(tunnel.str("protocol"), "" | "CONNECT" | "POST") {
            r.error(
                &tunnel.at("protocol"),
                "tunnel protocol must be \"CONNECT\" or \"POST\"",
            );
        }
        let target = tunnel.str("targetHost");
        if let Some(e) = fqdn_error(target).filter(|_| !is_ip(target)) {
            r.error(
                &tunnel.at("targetHost"),
                format!(
                    "tunnel target host must be valid FQDN or IP address: {e}; {target} is not a \
                     valid IP"
                ),
            );
        }
        if let Some(e) = port_error(tunnel.int("targetPort")) {
            r.error(
                &tunnel.at("targetPort"),
                format!("tunnel target port is invalid: {e}"),
            );
        }
    }
    if let Some(budget) = policy.msg("retryBudget") {
        check_decodable(r, &budget, "budgetInterval");
    }
}

/// The parts a policy shares with its port-level policies.
fn check_policy_parts(r: Report<'_>, policy: &Msg<'_>, namespace: &str) {
    let outlier = policy.msg("outlierDetection");
    if let Some(outlier) = &outlier {
        check_outlier_detection(r, outlier);
    }
    if let Some(pool) = policy.msg("connectionPool") {
        check_connection_pool(r, &pool);
    }
    if let Some(lb) = policy.msg("loadBalancer") {
        check_load_balancer(r, &lb, outlier.is_some());
    }
    if let Some(tls) = policy.msg("tls") {
        check_client_tls(r, &tls, namespace);
    }
}

fn check_outlier_detection(r: Report<'_>, outlier: &Msg<'_>) {
    check_duration(r, outlier, "baseEjectionTime");
    if outlier.int("consecutiveErrors") != 0 {
        r.warning(
            &outlier.at("consecutiveErrors"),
            "outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or \
             consecutive5xxErrors instead",
        );
    }
    if !outlier.bool("splitExternalLocalOriginErrors")
        && outlier.int("consecutiveLocalOriginFailures") > 0
    {
        r.error(
            &outlier.at("consecutiveLocalOriginFailures"),
            "outlier detection consecutive local origin failures is specified, but split external \
             local origin errors is set to false",
        );
    }
    check_duration(r, outlier, "interval");
    for key in ["maxEjectionPercent", "minHealthPercent"] {
        r.error_if(&outlier.at(key), percent_error(outlier.int(key)));
    }
}

fn check_connection_pool(r: Report<'_>, pool: &Msg<'_>) {
    let (http, tcp) = (pool.msg("http"), pool.msg("tcp"));
    if http.is_none() && tcp.is_none() {
        r.error(pool.path(), "connection pool must have at least one field");
        return;
    }
    if let Some(http) = http {
        for (key, what) in [
            ("http1MaxPendingRequests", "http1 max pending requests"),
            ("http2MaxRequests", "http2 max requests"),
            ("maxRequestsPerConnection", "max requests per connection"),
            ("maxRetries", "max retries"),
            ("maxConcurrentStreams", "max concurrent streams"),
        ] {
            if http.int(key) < 0 {
                r.error(&http.at(key), format!("{what} must be non-negative"));
            }
        }
        check_duration(r, &http, "idleTimeout");
        let upgrade =
            http.enumeration("h2UpgradePolicy", &["DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"]);
        if upgrade == "UPGRADE" && http.bool("useClientProtocol") {
            r.error(
                &http.at("useClientProtocol"),
                "use client protocol must not be true when H2UpgradePolicy is UPGRADE",
            );
        }
        if let Some(keepalive) = http.msg("http2KeepAlive") {
            for key in ["interval", "timeout"] {
                if !keepalive.has(key) {
                    r.error(
                        &keepalive.at(key),
                        format!("http2 keepalive {key} is required"),
                    );
                }
                check_duration(r, &keepalive, key);
            }
        }
    }
    if let Some(tcp) = tcp {
        if tcp.int("maxConnections") < 0 {
            r.error(
                &tcp.at("maxConnections"),
                "max connections must be non-negative",
            );
        }
        check_duration(r, &tcp, "connectTimeout");
        check_duration(r, &tcp, "maxConnectionDuration");
        check_decodable(r, &tcp, "idleTimeout");
        // An idle timeout under 1ms (`0s`) turns the timeout off; the webhook skips it.
        if nanos(&tcp, "idleTimeout").is_some_and(|n| n.unsigned_abs() >= MS.unsigned_abs()) {
            check_duration(r, &tcp, "idleTimeout");
        }
        if let Some(keepalive) = tcp.msg("tcpKeepalive") {
            check_duration(r, &keepalive, "time");
            check_duration(r, &keepalive, "interval");
        }
    }
}

/// Envoy's (and Istio's) `isPrime`, where 1 counts as prime. Deterministic Miller-Rabin, so that
/// a huge table size costs no time.
fn is_prime(x: u64) -> bool {
    if x == 0 {
        return false;
    }
    if x < 4 {
        return true;
    }
    if x % 2 == 0 {
        return false;
    }
    let mul =
        |a: u64, b: u64| u64::try_from(u128::from(a) * u128::from(b) % u128::from(x)).unwrap_or(0);
    let pow = |mut base: u64, mut exponent: u64| {
        let mut result = 1u64;
        base %= x;
        while exponent > 0 {
            if exponent & 1 == 1 {
                result = mul(result, base);
            }
            base = mul(base, base);
            exponent >>= 1;
        }
        result
    };
    let (mut d, mut s) = (x - 1, 0);
    while d % 2 == 0 {
        d /= 2;
        s += 1;
    }
    'witness: for a in [2u64, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37] {
        if a % x == 0 {
            continue;
        }
        let mut y = pow(a, d);
        if y == 1 || y == x - 1 {
            continue;
        }
        for _ in 1..s {
            y = mul(y, y);
            if y == x - 1 {
                continue 'witness;
            }
        }
        return false;
    }
    true
}

fn check_load_balancer(r: Report<'_>, lb: &Msg<'_>, has_outlier: bool) {
    if let Some(hash) = lb.msg("consistentHash") {
        if let Some(cookie) = hash.msg("httpCookie") {
            check_decodable(r, &cookie, "ttl");
            if cookie.str("name").is_empty() {
                r.error(&cookie.at("name"), "name required for HttpCookie");
            }
            let mut seen: Vec<&str> = Vec::new();
            for attribute in cookie.msgs("attributes") {
                let name = attribute.str("name");
                if name.is_empty() {
                    r.error(
                        &attribute.at("name"),
                        "cookie attribute name cannot be empty",
                    );
                } else if seen.contains(&name) {
                    r.error(
                        &attribute.at("name"),
                        format!("duplicate cookie attribute name: {name}"),
                    );
                }
                seen.push(name);
            }
        }
        if hash.int("minimumRingSize") != 0 {
            r.warning(
                &hash.at("minimumRingSize"),
                "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash \
                 configuration instead",
            );
            if hash.has("ringHash") || hash.has("maglev") {
                r.error(
                    &hash.at("minimumRingSize"),
                    "only one of MinimumRingSize or Maglev/Ringhash can be specified",
                );
            }
        }
        if let Some(maglev) = hash.msg("maglev") {
            let size = maglev.int("tableSize");
            let at = maglev.at("tableSize");
            if size == 0 {
                r.error(&at, "tableSize must be set for maglev");
            }
            if size >= 5_000_011 {
                r.error(&at, "tableSize must be less than 5000011 for maglev");
            }
            if !u64::try_from(size).is_ok_and(is_prime) {
                r.error(&at, "tableSize must be a prime number for maglev");
            }
        }
    }
    let locality = lb.msg("localityLbSetting");
    let zone_aware = lb.msg("zoneAwareLbSetting");
    if locality.is_some() && zone_aware.is_some() {
        r.error(
            lb.path(),
            "only one of localityLbSetting and zoneAwareLbSetting can be set",
        );
    }
    if let Some(locality) = locality {
        check_locality_lb(r, &locality, has_outlier);
    }
    if let Some(zone_aware) = zone_aware {
        check_zone_aware_lb(r, &zone_aware, has_outlier);
    }
    if let Some(warmup) = lb.msg("warmup") {
        if !warmup.has("duration") {
            r.error(&warmup.at("duration"), "duration is required");
        }
        check_duration(r, &warmup, "duration");
        if warmup.int("minimumPercent") > 100 {
            r.error(
                &warmup.at("minimumPercent"),
                "minimumPercent value should be less than or equal to 100",
            );
        }
        if warmup.has("aggression") && warmup.float("aggression") <= 0.0 {
            r.error(
                &warmup.at("aggression"),
                "aggression should be greater than 0",
            );
        }
    }
}

/// `agent.ValidateLocalityLbSetting`; as in Go, several errors end it.
fn check_locality_lb(r: Report<'_>, lb: &Msg<'_>, has_outlier: bool) {
    let distribute = lb.msgs("distribute");
    let failover = lb.msgs("failover");
    let priority = lb.str_list("failoverPriority");
    if !distribute.is_empty() && !failover.is_empty() {
        r.error(
            lb.path(),
            "can not simultaneously specify 'distribute' and 'failover'",
        );
        return;
    }
    if !failover.is_empty() {
        if let Some(label) = priority.iter().find(|l| TOPOLOGY_LABELS.contains(l)) {
            r.error(
                &lb.at("failoverPriority"),
                format!(
                    "can not simultaneously set 'failover' and topology label '{label}' in \
                     'failover_priority'"
                ),
            );
            return;
        }
    }
    for entry in &distribute {
        let weights = entry.int_entries("to");
        let mut total = 0;
        for (locality, weight) in &weights {
            if !(1..=100).contains(weight) {
                r.error(
                    &entry.at("to").key(locality),
                    "locality weight must be in range [1, 100]",
                );
                return;
            }
            total += weight; // each weight is 1..=100 here
        }
        if total != 100 {
            r.error(
                &entry.at("to"),
                format!("total locality weight {total} != 100"),
            );
            return;
        }
        let localities: Vec<&str> = weights.iter().map(|(l, _)| *l).collect();
        r.error_if(&entry.at("to"), locality_error(&localities));
    }
    let sources: Vec<&str> = distribute.iter().map(|d| d.str("from")).collect();
    r.error_if(&lb.at("distribute"), locality_error(&sources));
    if (!failover.is_empty() || !priority.is_empty()) && !has_outlier {
        r.warning(
            lb.path(),
            "outlier detection policy must be provided for failover",
        );
    }
    for entry in &failover {
        let (from, to) = (entry.str("from"), entry.str("to"));
        if from == to {
            r.error(
                entry.path(),
                "locality lb failover settings must specify different regions",
            );
        }
        if from.contains('/') || to.contains('/') {
            r.error(entry.path(), "locality lb failover only specify region");
        }
        if from.contains('*') || to.contains('*') {
            r.error(
                entry.path(),
                "locality lb failover region should not contain '*' wildcard",
            );
        }
    }
}

/// `agent.ValidateZoneAwareLbSetting`.
fn check_zone_aware_lb(r: Report<'_>, lb: &Msg<'_>, has_outlier: bool) {
    let priority = lb.str_list("failoverPriority");
    for label in priority.iter().filter(|l| TOPOLOGY_LABELS.contains(l)) {
        r.error(
            &lb.at("failoverPriority"),
            format!(
                "'failover_priority' for zone aware lb must not use topology label '{label}'; \
                 region- and zone-level routing are handled automatically"
            ),
        );
    }
    let failover = lb.msgs("failover");
    if (!failover.is_empty() || !priority.is_empty()) && !has_outlier {
        r.warning(
            lb.path(),
            "outlier detection policy must be provided for failover",
        );
    }
    for entry in &failover {
        let (from, to) = (entry.str("from"), entry.str("to"));
        if from == to {
            r.error(
                entry.path(),
                "zone aware lb failover settings must specify different regions",
            );
        }
        if from.contains('/') || to.contains('/') {
            r.error(
                entry.path(),
                "zone aware lb failover only specifies region; zone and subzone failover are \
                 handled automatically",
            );
        }
        if from.contains('*') || to.contains('*') {
            r.error(
                entry.path(),
                "zone aware lb failover region should not contain '*' wildcard",
            );
        }
    }
}

/// `agent.ValidateTLS`: client TLS settings.
fn check_client_tls(r: Report<'_>, tls: &Msg<'_>, namespace: &str) {
    let mode = match tls.enumeration("mode", CLIENT_TLS_MODES) {
        "" => "DISABLE",
        mode => mode,
    };
    let credential = tls.str("credentialName");
    if let Some(reference) = credential.strip_prefix("configmap://") {
        let (config_namespace, name) = reference.split_once('/').unwrap_or((reference, ""));
        let name = name.split('/').next().unwrap_or("");
        if !reference.contains('/') || config_namespace.is_empty() || name.is_empty() {
            r.error(
                &tls.at("credentialName"),
                format!(
                    "invalid configmap:// credentialName: invalid resource name {}. Expected \
                     namespace and name",
                    q(credential)
                ),
            );
        } else if config_namespace != namespace || namespace.is_empty() {
            r.error(
                &tls.at("credentialName"),
                format!(
                    "invalid configmap:// credentialName: namespace must match the configuration \
                     namespace {}",
                    q(namespace)
                ),
            );
        }
    }
    let ca = !tls.str("caCertificates").is_empty();
    if tls.bool("insecureSkipVerify") {
        let sans = !tls.items("subjectAltNames").is_empty();
        if mode == "SIMPLE" && (ca || !credential.is_empty() || sans) {
            r.error(
                &tls.at("insecureSkipVerify"),
                "cannot specify CaCertificates or CredentialName or SubjectAltNames when \
                 InsecureSkipVerify is set true",
            );
        }
        if mode == "MUTUAL" && (ca || sans) {
            r.error(
                &tls.at("insecureSkipVerify"),
                "cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set \
                 true",
            );
        }
    }
    if matches!(mode, "SIMPLE" | "MUTUAL") && !credential.is_empty() {
        let files = ["clientCertificate", "caCertificates", "privateKey", "caCrl"]
            .iter()
            .any(|k| !tls.str(k).is_empty());
        if files {
            r.error(
                &tls.at("credentialName"),
                "cannot specify client certificates or CA certificate or CA CRL If credentialName \
                 is set",
            );
        }
        return;
    }
    if mode == "MUTUAL" {
        if tls.str("clientCertificate").is_empty() {
            r.error(
                &tls.at("clientCertificate"),
                "client certificate required for mutual tls",
            );
        }
        if tls.str("privateKey").is_empty() {
            r.error(&tls.at("privateKey"), "private key required for mutual tls");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primes_as_envoy_counts_them() {
        let found: Vec<bool> = [0, 1, 2, 3, 4, 9, 65537, 5_000_011]
            .into_iter()
            .map(is_prime)
            .collect();
        assert_eq!(found, [false, true, true, true, false, false, true, true]);
        assert!(is_prime(18_446_744_073_709_551_557));
        assert!(!is_prime(18_446_744_073_709_551_555));
        assert!(!is_prime(3_215_031_751));
    }

    #[test]
    fn subset_names_are_labels() {
        assert!(subset_name_error("read-replica-1").is_none());
        assert!(subset_name_error("v1.0").is_some());
        assert!(subset_name_error("").is_some());
    }
}
