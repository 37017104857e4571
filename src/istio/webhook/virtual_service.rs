//! VirtualService rules (`ValidateVirtualService`, `validateHTTPRoute` and its parts,
//! `validateTLSRoute`, `validateTCPRoute`); the unreachable-rule analysis is in `unreachable`.

use std::cell::RefCell;
use std::collections::HashMap;

use super::Meta;
use super::at::At;
use super::decode::{Msg, Report};
use super::destination_rule::subset_name_error;
use super::durations::{check_duration, nanos};
use super::go::{list, q, split};
use super::headers::{
    cors_header_error, header_value_error, is_authority, is_jwt_claim_route, operation_name_error,
    request_set_name_error, route_header_name_error,
};
use super::hosts::{
    fqdn_error, gateway_bound_domain_error, go_atoi, host_matches, host_subset_of, ip_subnet_error,
    is_ip, is_label, port_error, wildcard_domain_error,
};
use super::regex::{check_string_match, regex_error};
use super::scope::{ExportRules, check_export_to, check_labels};
use super::unreachable::check_reachability;
use crate::istio::vocab::RETRY_ON;

const GRPC_STATUS: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

const CORS_METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*",
];

/// Whether Go's `http.StatusText` knows `code` (so it counts as a `retryOn` status).
fn is_known_status(code: i64) -> bool {
    matches!(
        code,
        100..=103
            | 200..=208
            | 226
            | 300..=305
            | 307
            | 308
            | 400..=418
            | 421..=426
            | 428
            | 429
            | 431
            | 451
            | 500..=508
            | 510
            | 511
    )
}

/// The rules of a VirtualService.
pub(super) fn check(r: Report<'_>, meta: &Meta<'_>, spec: &Msg<'_>) {
    let hosts = spec.strs("hosts");
    let gateways = spec.strs("gateways");
    let gateway_names: Vec<&str> = gateways.iter().map(|(_, g)| *g).collect();
    let http = spec.msgs("http");
    let tls = spec.msgs("tls");
    let tcp = spec.msgs("tcp");
    let has_tls = !spec.items("tls").is_empty();
    let has_tcp = !spec.items("tcp").is_empty();
    let delegate = hosts.is_empty();
    if delegate {
        for (key, set, what) in [
            ("gateways", !gateways.is_empty(), "gateways"),
            ("tls", has_tls, "tls route"),
            ("tcp", has_tcp, "tcp route"),
        ] {
            if set {
                r.error(
                    &spec.at(key),
                    format!("delegate virtual service must have no {what} specified"),
                );
            }
        }
    }
    // Routes translated from the Kubernetes Gateway API keep their own names.
    let semantics = meta.annotation("internal.istio.io/route-semantics") == Some("gateway");
    if !gateways.is_empty() {
        check_gateway_names(r, &spec.at("gateways"), &gateways, semantics);
    }
    let to_gateway = !gateways.is_empty() && !gateway_names.contains(&"mesh");
    if !to_gateway {
        check_claim_routes(r, &http, &gateway_names);
    }
    let sni = tls.iter().any(|route| {
        route
            .msgs("match")
            .iter()
            .any(|m| !m.str_list("sniHosts").is_empty())
    });
    let mut all_valid = true;
    for (j, host) in &hosts {
        let error = if to_gateway {
            gateway_bound_domain_error(sni, host)
        } else {
            wildcard_domain_error(host)
        };
        if let Some(error) = error {
            if !is_ip(host) {
                r.error(&spec.at("hosts").index(*j), error);
                all_valid = false;
            }
        } else if !to_gateway && *host == "*" {
            r.error(
                &spec.at("hosts").index(*j),
                "wildcard host * is not allowed for virtual services bound to the mesh gateway",
            );
            all_valid = false;
        }
    }
    if all_valid {
        for (a, (_, first)) in hosts.iter().enumerate() {
            for (j, later) in &hosts[a + 1..] {
                if host_matches(first, later) {
                    r.error(
                        &spec.at("hosts").index(*j),
                        format!("duplicate hosts in virtual service: {first} & {later}"),
                    );
                }
            }
        }
    }
    if spec.items("http").is_empty() && !has_tcp && !has_tls {
        r.error(
            spec.path(),
            "http, tcp or tls must be provided in virtual service",
        );
    }
    for route in &http {
        check_http_route(r, route, delegate, semantics);
    }
    let host_names: Vec<&str> = hosts.iter().map(|(_, h)| *h).collect();
    // Go's isGateway() is true unless `gateways` lists "mesh", so also without gateways.
    let tls_to_gateway = !gateway_names.contains(&"mesh");
    for route in &tls {
        check_tls_route(r, route, &host_names, tls_to_gateway, semantics);
    }
    for route in &tcp {
        check_tcp_route(r, route, semantics);
    }
    check_export_to(r, spec, meta.namespace, ExportRules::Plain);
    check_reachability(r, spec, "http", true);
    check_reachability(r, spec, "tcp", false);
    check_reachability(r, spec, "tls", false);
}

/// JWT-claim route keys need a gateway.
fn check_claim_routes(r: Report<'_>, http: &[Msg<'_>], gateways: &[&str]) {
    for route in http {
        for m in route.msgs("match") {
            for field in ["headers", "withoutHeaders"] {
                for (key, _) in m.entries(field) {
                    if is_jwt_claim_route(key) {
                        r.error(
                            &m.at(field).key(key),
                            format!(
                                "JWT claim based routing (key: {key}) is only supported for \
                                 gateway, found no gateways: {}",
                                list(gateways)
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// `validateGatewayNames`: `namespace/name`, or a bare name; as in Go, the first bare name ends
/// the check.
fn check_gateway_names(r: Report<'_>, at: &At<'_>, names: &[(usize, &str)], semantics: bool) {
    for (k, name) in names {
        let at = at.index(*k);
        let Some((namespace, gateway)) = name.split_once('/') else {
            if name.contains('.') {
                let parts: Vec<&str> = name.split('.').collect();
                r.warning(
                    &at,
                    format!(
                        "using legacy gatewayName format {}; prefer the <namespace>/<name> \
                         format: {}",
                        q(name),
                        q(&format!("{}/{}", parts[1], parts[0]))
                    ),
                );
            }
            r.error_if(&at, fqdn_error(name));
            return;
        };
        if namespace.is_empty() || gateway.is_empty() {
            r.error(&at, "config namespace and gateway name cannot be empty");
        }
        if !is_label(namespace) {
            r.error(
                &at,
                format!("invalid value for namespace: {}", q(namespace)),
            );
        }
        if !is_label(gateway) && !semantics {
            r.error(
                &at,
                format!("invalid value for gateway name: {}", q(gateway)),
            );
        }
    }
}

/// The kind of an HTTP route, for the delegation rules.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RouteKind {
    /// A rule of a delegate VirtualService (one without hosts).
    Delegate,
    /// A rule that delegates to another VirtualService.
    Root,
    /// Any other rule.
    Independent,
}

fn check_http_route(r: Report<'_>, route: &Msg<'_>, delegate: bool, semantics: bool) {
    let kind = if delegate {
        RouteKind::Delegate
    } else if route.has("delegate") {
        RouteKind::Root
    } else {
        RouteKind::Independent
    };
    let has_routes = !route.items("route").is_empty();
    let redirect = route.msg("redirect");
    let direct = route.msg("directResponse");
    let fault = route.msg("fault");
    let rewrite = route.msg("rewrite");
    check_conflicts(r, route, kind, has_routes);
    let matches = route.msgs("match");
    for m in &matches {
        check_match(r, m);
    }
    if let Some(headers) = route.msg("headers") {
        check_header_operations(r, &headers);
    }
    if let Some(cors) = route.msg("corsPolicy") {
        check_cors(r, &cors);
    }
    // validateHTTPFaultInjection joins the abort's findings with appendErrors: its warning is lost.
    if let Some(fault) = &fault {
        check_fault(r.errors_only(), fault);
    }
    for key in ["mirrorPercent", "mirror_percent"] {
        if route.has(key) {
            let percent = route.int(key);
            if percent > 100 {
                r.error(
                    &route.at(key),
                    format!("mirror_percent must have a max value of 100 (it has {percent})"),
                );
            }
            r.warning(
                &route.at(key),
                "using deprecated setting \"mirrorPercent\", use \"mirrorPercentage\" instead",
            );
        }
    }
    if let Some(percentage) = route.msg("mirrorPercentage") {
        check_mirror_percentage(r, &percentage, "mirror_percentage");
    }
    if let Some(mirror) = route.msg("mirror") {
        check_destination(r, &mirror);
    }
    for mirror in route.msgs("mirrors") {
        let Some(destination) = mirror.msg("destination") else {
            r.error(
                &mirror.at("destination"),
                "destination is required for mirrors",
            );
            continue;
        };
        check_destination(r, &destination);
        if let Some(percentage) = mirror.msg("percentage") {
            check_mirror_percentage(r, &percentage, "mirror percentage");
        }
    }
    if let Some(redirect) = &redirect {
        check_redirect(r, redirect, route);
    }
    if let Some(direct) = &direct {
        check_direct_response(r, direct);
    }
    if let Some(retries) = route.msg("retries") {
        check_retries(r, &retries);
    }
    check_rewrite(r, route, rewrite.as_ref());
    check_route_destinations(r, route, "route", semantics, true);
    check_duration(r, route, "timeout");
}

/// `validateHTTPRouteConflict`: route, redirect and direct response exclude each other, and the
/// delegation rules.
fn check_conflicts(r: Report<'_>, route: &Msg<'_>, kind: RouteKind, has_routes: bool) {
    let name = route.str("name");
    if kind == RouteKind::Root {
        if route.has("redirect") {
            r.error(
                &route.at("redirect"),
                format!("root HTTP route {name} must not specify redirect"),
            );
        }
        if has_routes {
            r.error(
                &route.at("route"),
                format!("root HTTP route {name} must not specify route"),
            );
        }
        return;
    }
    if kind == RouteKind::Delegate && route.has("delegate") {
        r.error(
            &route.at("delegate"),
            "delegate HTTP route cannot contain delegate",
        );
    }
    let set = |key: &str| {
        if key == "route" {
            has_routes
        } else {
            route.msg(key).is_some()
        }
    };
    if set("redirect") {
        for (key, message) in [
            ("route", "HTTP route cannot contain both route and redirect"),
            ("fault", "HTTP route cannot contain both fault and redirect"),
            (
                "rewrite",
                "HTTP route rule cannot contain both rewrite and redirect",
            ),
            (
                "directResponse",
                "HTTP route rule cannot contain both direct_response and redirect",
            ),
        ] {
            if set(key) {
                r.error(&route.at(key), message);
            }
        }
    } else if set("directResponse") {
        for (key, message) in [
            (
                "route",
                "HTTP route cannot contain both route and direct_response",
            ),
            (
                "fault",
                "HTTP route cannot contain both fault and direct_response",
            ),
            (
                "rewrite",
                "HTTP route rule cannot contain both rewrite and direct_response",
            ),
        ] {
            if set(key) {
                r.error(&route.at(key), message);
            }
        }
    } else if !has_routes {
        r.error(
            route.path(),
            "HTTP route, redirect or direct_response is required",
        );
    }
    if route.has("mirror") && !route.items("mirrors").is_empty() {
        r.error(
            &route.at("mirrors"),
            "HTTP route cannot contain both mirror and mirrors",
        );
    }
}

/// `validateHTTPRouteMatchRequest`.
fn check_match(r: Report<'_>, m: &Msg<'_>) {
    for (name, header) in m.msg_entries("headers") {
        r.error_if(header.path(), route_header_name_error(name));
        check_string_match(r, Some(&header), "headers", false);
    }
    for (name, header) in m.msg_entries("withoutHeaders") {
        r.error_if(header.path(), route_header_name_error(name));
        // A regex of "*" means "present" here, not a regex.
        if !(header.has("regex") && header.str("regex") == "*") {
            check_string_match(r, Some(&header), "withoutHeaders", false);
        }
    }
    check_string_match(r, m.msg("uri").as_ref(), "uri", true);
    for key in ["scheme", "method", "authority"] {
        check_string_match(r, m.msg(key).as_ref(), key, false);
    }
    for (_, query) in m.msg_entries("queryParams") {
        check_string_match(r, Some(&query), "queryParams", false);
    }
    let port = m.int("port");
    if port != 0 {
        r.error_if(&m.at("port"), port_error(port));
    }
    check_labels(r, m, "sourceLabels");
    check_gateway_names(
        r.errors_only(),
        &m.at("gateways"),
        &m.strs("gateways"),
        false,
    );
    let namespace = m.str("sourceNamespace");
    if !namespace.is_empty() && !is_label(namespace) {
        r.error(
            &m.at("sourceNamespace"),
            format!("sourceNamespace match {namespace} is invalid"),
        );
    }
}

/// Request and response header operations of a route or a route destination.
fn check_header_operations(r: Report<'_>, headers: &Msg<'_>) {
    for side in ["request", "response"] {
        let Some(operations) = headers.msg(side) else {
            continue;
        };
        for operation in ["add", "set"] {
            for (name, value) in operations.str_entries(operation) {
                let at = operations.at(operation).key(name);
                let name_error = if side == "request" {
                    request_set_name_error(name)
                } else {
                    operation_name_error(name)
                };
                r.error_if(&at, name_error);
                r.error_if(&at, header_value_error(value));
            }
        }
        for (i, name) in operations.strs("remove") {
            r.error_if(
                &operations.at("remove").index(i),
                operation_name_error(name),
            );
        }
    }
}

/// `regex_error` of a CORS origin regex, remembered for the thread: a gateway's CORS policy is
/// repeated in every route of its VirtualService, so one regex comes back once per route, and
/// compiling it is the costliest step of the rules.
fn cors_regex_error(pattern: &str) -> Option<String> {
    thread_local! {
        static JUDGED: RefCell<HashMap<String, Option<String>>> = RefCell::new(HashMap::new());
    }
    JUDGED.with(|judged| {
        let mut judged = judged.borrow_mut();
        if let Some(error) = judged.get(pattern) {
            return error.clone();
        }
        let error = regex_error(pattern, "corsPolicy.allowOrigins");
        if judged.len() >= 256 {
            judged.clear();
        }
        judged.insert(pattern.to_string(), error.clone());
        error
    })
}

/// `validateCORSPolicy`.
fn check_cors(r: Report<'_>, cors: &Msg<'_>) {
    for origin in cors.msgs("allowOrigins") {
        let value = ["exact", "prefix", "regex"]
            .iter()
            .find(|k| origin.has(k))
            .map_or("", |k| origin.str(k));
        if value.is_empty() {
            r.error(
                origin.path(),
                "'' is not a valid match type for CORS allow origins",
            );
        } else if origin.has("regex") {
            r.error_if(&origin.at("regex"), cors_regex_error(origin.str("regex")));
        }
    }
    for (k, method) in cors.strs("allowMethods") {
        if !CORS_METHODS.contains(&method) {
            r.error(
                &cors.at("allowMethods").index(k),
                format!("{} is not a supported HTTP method", q(method)),
            );
        }
    }
    for key in ["allowHeaders", "exposeHeaders"] {
        for (k, name) in cors.strs(key) {
            r.error_if(&cors.at(key).index(k), cors_header_error(name));
        }
    }
    check_duration(r, cors, "maxAge");
    if nanos(cors, "maxAge").is_some_and(|n| n.rem_euclid(1_000_000_000) > 0) {
        r.error(
            &cors.at("maxAge"),
            "max_age duration is accurate only to seconds precision",
        );
    }
}

/// `validatePercentage`: 0, or within [0.0001, 100].
fn fraction_error(percentage: Option<&Msg<'_>>) -> Option<String> {
    let value = percentage?.float("value");
    (!(0.0..=100.0).contains(&value) || (value > 0.0 && value < 0.0001)).then(|| {
        format!(
            "percentage {} is neither 0.0, nor in range [0.0001, 100.0]",
            super::go::float(value)
        )
    })
}

fn http_status_error(status: i64) -> Option<String> {
    (!(200..=600).contains(&status))
        .then(|| format!("HTTP status {status} is not in range 200-599"))
}

/// `validateHTTPFaultInjection`.
fn check_fault(r: Report<'_>, fault: &Msg<'_>) {
    let (abort, delay) = (fault.msg("abort"), fault.msg("delay"));
    if abort.is_none() && delay.is_none() {
        r.error(
            fault.path(),
            "HTTP fault injection must have an abort and/or a delay",
        );
    }
    if let Some(abort) = abort {
        r.error_if(
            &abort.at("percentage"),
            fraction_error(abort.msg("percentage").as_ref()),
        );
        if abort.has("grpcStatus") {
            let status = abort.str("grpcStatus");
            if !GRPC_STATUS.contains(&status) {
                r.error(
                    &abort.at("grpcStatus"),
                    format!(
                        "gRPC status {} is not supported. See \
                         https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list \
                         of supported codes, for example 'NOT_FOUND'",
                        q(status)
                    ),
                );
            }
        } else if abort.has("http2Error") {
            r.error(
                &abort.at("http2Error"),
                "HTTP/2 abort fault injection not supported yet",
            );
        } else if abort.has("httpStatus") {
            r.error_if(
                &abort.at("httpStatus"),
                http_status_error(abort.int("httpStatus")),
            );
        } else {
            r.warning(abort.path(), "abort configured, but error type not set");
        }
    }
    if let Some(delay) = delay {
        r.error_if(
            &delay.at("percentage"),
            fraction_error(delay.msg("percentage").as_ref()),
        );
        if delay.has("fixedDelay") {
            check_duration(r, &delay, "fixedDelay");
        } else if delay.has("exponentialDelay") {
            check_duration(r, &delay, "exponentialDelay");
            r.error(
                &delay.at("exponentialDelay"),
                "exponentialDelay not supported yet",
            );
        }
    }
}

fn check_mirror_percentage(r: Report<'_>, percentage: &Msg<'_>, what: &str) {
    let value = percentage.float("value");
    if value > 100.0 {
        r.error(
            percentage.path(),
            format!("{what} must have a max value of 100 (it has {value:.6})"),
        );
    }
    if value < 0.0 {
        r.error(
            percentage.path(),
            format!("{what} must have a min value of 0 (it has {value:.6})"),
        );
    }
}

/// `validateDestination`.
fn check_destination(r: Report<'_>, destination: &Msg<'_>) {
    let host = destination.str("host");
    let host_error = if host == "*" {
        Some("invalid destination host *".to_string())
    } else {
        wildcard_domain_error(host)
    };
    r.error_if(&destination.at("host"), host_error);
    let subset = destination.str("subset");
    if !subset.is_empty() {
        r.error_if(&destination.at("subset"), subset_name_error(subset));
    }
    if let Some(port) = destination.msg("port") {
        r.error_if(&port.at("number"), port_error(port.int("number")));
    }
}

/// `validateHTTPRedirect`: Go reports the first problem only.
fn check_redirect(r: Report<'_>, redirect: &Msg<'_>, route: &Msg<'_>) {
    let uri = redirect.str("uri");
    let prefix_rewrite = redirect.str("prefixRewrite");
    let code = redirect.int("redirectCode");
    let scheme = redirect.str("scheme");
    let all_prefix = route
        .msgs("match")
        .iter()
        .all(|m| m.msg("uri").is_none_or(|uri| uri.has("prefix")));
    let problem = if !uri.is_empty() && !prefix_rewrite.is_empty() {
        Some("redirect may only specify one of uri or prefix_rewrite".to_string())
    } else if !prefix_rewrite.is_empty() && !all_prefix {
        Some(
            "redirect prefix_rewrite requires all URI matches to use prefix match type".to_string(),
        )
    } else if uri.is_empty()
        && prefix_rewrite.is_empty()
        && redirect.str("authority").is_empty()
        && !redirect.has("port")
        && !redirect.has("derivePort")
        && scheme.is_empty()
    {
        Some("redirect must specify URI, authority, scheme, or port".to_string())
    } else if code != 0 && !(300..=399).contains(&code) {
        Some(format!("{code} is not a valid redirect code, must be 3xx"))
    } else if !matches!(scheme, "" | "http" | "https") {
        Some("invalid redirect scheme, must be \"http\" or \"https\"".to_string())
    } else if redirect.int("port") > 0 {
        port_error(redirect.int("port"))
    } else {
        None
    };
    r.error_if(redirect.path(), problem);
}

/// Base64 text's decoded size, as a lenient decoder counts it.
fn base64_size(text: &str) -> usize {
    let symbols = text
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .count();
    symbols * 3 / 4
}

/// `validateHTTPDirectResponse`.
fn check_direct_response(r: Report<'_>, direct: &Msg<'_>) {
    let body = direct.sub("body");
    let size = if body.has("string") {
        body.str("string").len()
    } else if body.has("bytes") {
        base64_size(body.str("bytes"))
    } else {
        0
    };
    if size > 1024 * 1024 {
        r.error(
            body.path(),
            "large direct_responses may impact control plane performance, must be less than 1MB",
        );
    } else if size > 100 * 1024 {
        r.warning(
            body.path(),
            "large direct_responses may impact control plane performance",
        );
    }
    r.error_if(
        &direct.at("status"),
        http_status_error(direct.int("status")),
    );
}

/// `agent.ValidateHTTPRetry`.
fn check_retries(r: Report<'_>, retries: &Msg<'_>) {
    let attempts = retries.int("attempts");
    let retry_on = retries.str("retryOn");
    if attempts < 0 {
        r.error(&retries.at("attempts"), "attempts cannot be negative");
    }
    let configured = retries.has("perTryTimeout")
        || !retry_on.is_empty()
        || retries.has("retryRemoteLocalities");
    if attempts == 0 && configured {
        r.error(
            &retries.at("attempts"),
            "http retry policy configured when attempts are set to 0 (disabled)",
        );
    }
    check_duration(r, retries, "perTryTimeout");
    if !retry_on.is_empty() {
        for policy in split(retry_on, b',') {
            let status = go_atoi(policy).is_some_and(is_known_status);
            if !status && !RETRY_ON.contains(&policy) {
                r.error(
                    &retries.at("retryOn"),
                    format!("{} is not a valid retryOn policy", q(policy)),
                );
            }
        }
    }
    check_duration(r, retries, "backoff");
}

/// `validateHTTPRewrite` (first problem only) and `validateAuthorityRewrite`.
fn check_rewrite(r: Report<'_>, route: &Msg<'_>, rewrite: Option<&Msg<'_>>) {
    if let Some(rewrite) = rewrite {
        let uri = rewrite.str("uri");
        let regex_rewrite = rewrite.msg("uriRegexRewrite");
        match &regex_rewrite {
            Some(_) if !uri.is_empty() => r.error(
                rewrite.path(),
                "rewrite may only contain one of URI or UriRegexRewrite",
            ),
            None if uri.is_empty() && rewrite.str("authority").is_empty() => r.error(
                rewrite.path(),
                "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only \
                 one of URI or UriRegexRewrite may be specified",
            ),
            Some(regex) => {
                let (pattern, replacement) = (regex.str("match"), regex.str("rewrite"));
                if pattern.is_empty() || replacement.is_empty() {
                    r.error(
                        regex.path(),
                        "UriRegexRewrite has errors: UriRegexRewrite requires both Rewrite and \
                         Match fields to be specified",
                    );
                } else if let Some(e) = regex_error(pattern, "HTTPRewrite.UriRegexRewrite.Match") {
                    r.error(
                        &regex.at("match"),
                        format!("UriRegexRewrite has errors: {e}"),
                    );
                }
            }
            None => {}
        }
    }
    let mut current = rewrite.map_or("", |rewrite| rewrite.str("authority"));
    let request = route.sub("headers").sub("request");
    for operation in ["set", "add"] {
        for (name, value) in request.str_entries(operation) {
            if !is_authority(name) {
                continue;
            }
            if !current.is_empty() {
                r.error(
                    &request.at(operation).key(name),
                    format!(
                        "authority header cannot be set multiple times: have {}, attempting to \
                         set {}",
                        q(current),
                        q(value)
                    ),
                );
                return;
            }
            current = value;
        }
    }
}

/// `validateHTTPRouteDestinations` (with header operations) and `validateRouteDestinations`:
/// each has a destination, no weight is negative, and several do not weigh 0 in all.
fn check_route_destinations(
    r: Report<'_>,
    route: &Msg<'_>,
    key: &str,
    semantics: bool,
    http: bool,
) {
    let mut total: i64 = 0;
    for destination in route.msgs(key) {
        let target = destination.msg("destination");
        if target.is_none() {
            r.error(&destination.at("destination"), "destination is required");
        }
        if http {
            if let Some(headers) = destination.msg("headers") {
                check_header_operations(r, &headers);
            }
        }
        if let (false, Some(target)) = (semantics, &target) {
            check_destination(r, target);
        }
        let weight = destination.int("weight");
        if weight < 0 {
            r.error(&destination.at("weight"), format!("weight {weight} < 0"));
        }
        total = total.saturating_add(weight);
    }
    if route.items(key).len() > 1 && total == 0 {
        r.error(&route.at(key), "total destination weight = 0");
    }
}

/// `validateTLSRoute`, `validateTLSMatch`, `validateSniHost`.
fn check_tls_route(
    r: Report<'_>,
    route: &Msg<'_>,
    hosts: &[&str],
    to_gateway: bool,
    semantics: bool,
) {
    if route.items("match").is_empty() {
        r.error(
            &route.at("match"),
            "TLS route must have at least one match condition",
        );
    }
    for m in route.msgs("match") {
        if m.items("sniHosts").is_empty() {
            r.error(
                &m.at("sniHosts"),
                "TLS match must have at least one SNI host",
            );
        }
        for (j, sni) in m.strs("sniHosts") {
            check_sni_host(r, &m.at("sniHosts").index(j), sni, hosts, to_gateway);
        }
        check_l4_match(r, &m);
        check_gateway_names(r, &m.at("gateways"), &m.strs("gateways"), false);
    }
    if route.items("route").is_empty() {
        r.error(&route.at("route"), "TLS route is required");
    }
    check_route_destinations(r, route, "route", semantics, false);
}

fn check_sni_host(r: Report<'_>, at: &At<'_>, sni: &str, hosts: &[&str], to_gateway: bool) {
    let error = if to_gateway {
        gateway_bound_domain_error(true, sni)
    } else {
        wildcard_domain_error(sni)
    };
    if let Some(error) = error {
        if is_ip(sni) {
            r.warning(
                at,
                format!(
                    "using an IP address ({}) goes against SNI spec and most clients do not \
                     support this",
                    q(sni)
                ),
            );
        } else {
            r.error(at, error);
        }
        return;
    }
    if !hosts.iter().any(|host| host_subset_of(sni, host)) {
        r.error(
            at,
            format!(
                "SNI host {} is not a compatible subset of any of the virtual service hosts: [{}]",
                q(sni),
                hosts.join(", ")
            ),
        );
    }
}

/// The parts TLS and TCP matches share: destination subnets, port and source labels.
fn check_l4_match(r: Report<'_>, m: &Msg<'_>) {
    for (j, subnet) in m.strs("destinationSubnets") {
        r.error_if(
            &m.at("destinationSubnets").index(j),
            ip_subnet_error(subnet),
        );
    }
    let port = m.int("port");
    if port != 0 {
        r.error_if(&m.at("port"), port_error(port));
    }
    check_labels(r, m, "sourceLabels");
}

/// `validateTCPRoute`; the gateway-name warnings of its matches are lost, as in Go.
fn check_tcp_route(r: Report<'_>, route: &Msg<'_>, semantics: bool) {
    for m in route.msgs("match") {
        check_l4_match(r, &m);
        check_gateway_names(
            r.errors_only(),
            &m.at("gateways"),
            &m.strs("gateways"),
            false,
        );
    }
    if route.items("route").is_empty() {
        r.error(&route.at("route"), "TCP route is required");
    }
    check_route_destinations(r, route, "route", semantics, false);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_statuses_are_the_ones_go_knows() {
        assert!(is_known_status(503));
        assert!(is_known_status(429));
        assert!(!is_known_status(499));
        assert!(!is_known_status(600));
    }

    #[test]
    fn base64_sizes() {
        assert_eq!(base64_size("aGVsbG8="), 5);
        assert_eq!(base64_size(""), 0);
    }
}
