//! Keys the generator of valid profiles lacked after issue 15, each drawn only where it is
//! valid: gateway routes with exact paths, methods, header and header-regex matches, header
//! operations and public paths; CORS methods, exposed headers and max age; several named
//! gateways; callers named by a token's request principal or claims, from `[security.jwt]` or
//! a second issuer of `[security.issuers]`; services with several ports and in namespaces of
//! their own; egress through the egress gateway, with callers held to methods and paths; and an
//! access-log provider with its own fields; metric tags from a response header, an attribute or
//! a duration, on chosen metrics; clusters: primaries, a remote, networks; the second gateway
//! on a deployment of its own; gateway routes to a named port of a service with several; and
//! the profile split into a base and an overlay that `extends` it and `remove`s what only the
//! base had ([`Keys::source`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use proptest::prelude::*;
use proptest::sample::select;

use meshc::Source;
use meshc::testing::cel::{BinaryOp, Expr};

use super::{METHODS, header_name, header_value, literal, ms, path, toml_str};
use crate::cel;

/// What a gateway route adds to its prefix and service.
#[derive(Debug, Clone)]
pub(super) struct GatewayRoute {
    /// `exact` rather than `prefix`.
    exact: bool,
    /// `public = true` (then no methods or headers: a public route matches on its path alone).
    public: bool,
    methods: Vec<&'static str>,
    headers: Vec<(String, String)>,
    /// Header name and RE2 of `header-regexes`.
    header_regexes: Vec<(String, String)>,
    operations: Option<Operations>,
    /// `port = "<name>"`, where the route's service has `ports`: its second port when that
    /// one carries HTTP, else its first, `http`.
    named_port: bool,
}

/// `request-headers` (`false`) or `response-headers`: one header each to `set` and `add`
/// (name and value), and one to `remove`.
type Operations = (bool, (String, String), (String, String), String);

/// A caller named by its token: a request principal of `[security.jwt]`'s issuer, or of the
/// second issuer, and claims.
#[derive(Debug, Clone)]
pub(super) struct TokenCaller {
    service: usize,
    subject: String,
    /// From the second issuer (only without tenants, which trust `jwt`'s alone).
    second_issuer: bool,
    claims: Vec<(String, String)>,
    methods: Vec<&'static str>,
    paths: Vec<String>,
}

/// A service's second port.
#[derive(Debug, Clone)]
pub(super) struct Port {
    /// `tcp`, `http`, `grpc` or `tls`.
    protocol: &'static str,
    /// Added to the first port (modulo the port range), so never equal to it.
    offset: u16,
}

/// The second gateway's deployment of its own.
#[derive(Debug, Clone)]
pub(super) struct Deployment {
    /// `replicas` or `autoscale`, or neither.
    scaling: Option<Scaling>,
    /// `resources.requests.cpu` in millicores.
    cpu: Option<u16>,
    /// `service-type`.
    service_type: Option<&'static str>,
    /// `ports`: HTTP and HTTPS target ports above 8080 and 8443 (never equal), with the
    /// status port.
    ports: Option<(u8, u8)>,
    /// The first gateway (`edge`) on a deployment of its own too, scaled the same way: two
    /// own deployments under Istio's one autoscaling switch.
    edge: bool,
}

/// How the second gateway's own deployment scales.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scaling {
    /// Its `replicas`, and the default ingress gateway's: Istio has one autoscaling switch for
    /// every ingress gateway, which a fixed count on the default one turns off.
    Replicas { own: u8, default: u8 },
    /// `autoscale`: `min`, `max` as `min + extra`, `cpu-percent`.
    Autoscale { min: u8, extra: u8, cpu: u8 },
}

const SERVICE_TYPES: &[&str] = &["LoadBalancer", "NodePort", "ClusterIP"];

/// What the overlay `remove`s: an entry that only the base has, and a key of `[mesh]` that
/// only the base sets.
#[derive(Debug, Clone, Copy)]
pub(super) struct Removal {
    entry: bool,
    key: bool,
}

/// The mark of everything the base has and the overlay removes: it must not reach the YAML.
pub(super) const REMOVED: &str = "decoy-zq9";

/// Where a metric tag's value comes from, beside a request header.
#[derive(Debug, Clone)]
pub(super) enum TagSource {
    /// `response-header`, with its `default`.
    ResponseHeader(String, Option<String>),
    /// `attribute = "request-method"`, `"request-protocol"` or `"status-class"`.
    Attribute(&'static str),
    /// `slower-than`, in milliseconds.
    SlowerThan(u32),
}

const ATTRIBUTES: &[&str] = &["request-method", "request-protocol", "status-class"];

const METRICS: &[&str] = &[
    "request-count",
    "request-duration",
    "request-size",
    "response-size",
];

/// The keys of this module, for one profile.
#[derive(Debug, Clone)]
pub(super) struct Keys {
    /// Per gateway route, by index modulo.
    routes: Vec<GatewayRoute>,
    /// CORS `allow-methods`, `expose-headers` and `max-age`.
    cors: (Vec<&'static str>, Vec<String>, Option<u32>),
    /// `[gateways.<name>]`: the profile's gateway as `edge`, and a second, `partners`.
    named_gateways: bool,
    /// `[gateways.partners.deployment]`.
    deployment: Option<Deployment>,
    token_callers: Vec<TokenCaller>,
    /// Per service, by index modulo: a second port.
    ports: Vec<Option<Port>>,
    /// Per service, by index modulo: a namespace of its own, `<mesh namespace>-<n>`.
    namespaces: Vec<Option<u8>>,
    /// External services sent through the egress gateway (those with TLS origination and one
    /// host), with their callers' methods and paths.
    egress_gateway: Option<(Vec<&'static str>, Vec<String>)>,
    /// An access-log provider with its own fields: format text (`true`) or JSON, and
    /// `omit-empty-values`.
    log_fields: Option<(bool, bool, Vec<&'static str>)>,
    /// Metric tags, each with the metrics it goes to (none: the default two).
    metric_tags: Vec<(TagSource, Vec<&'static str>)>,
    /// `[clusters]`: how many (1 to 3), each on a network of its own, and the last a remote
    /// of the first (with two or more).
    clusters: Option<(usize, bool, bool)>,
    /// Where to split the profile into a base and an overlay: before the table header this
    /// far (per thousand) into the profile's headers, and what the overlay removes.
    layers: Option<(u16, Option<Removal>)>,
}

const PROTOCOLS: &[&str] = &["tcp", "http", "grpc", "tls"];

const LOG_FIELDS: &[&str] = &[
    "%RESPONSE_CODE%",
    "%DURATION%",
    "%UPSTREAM_HOST%",
    "%REQ(X-REQUEST-ID)%",
    "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
    "%RESP(CONTENT-TYPE):64%",
    "%ROUTE_NAME%",
];

/// RE2 that the regex crate reads alike.
const HEADER_REGEXES: &[&str] = &[
    "[a-z]+",
    "v[0-9]+(\\.[0-9]+)?",
    "(?i)beta|canary",
    "a: b",
    "#x",
];

fn gateway_route() -> impl Strategy<Value = GatewayRoute> {
    (
        any::<bool>(),
        prop::bool::weighted(0.3),
        // Not OPTIONS: with CORS, the edge lets a preflight through without a token, and the
        // proof that a tokenless request stops at the gateway fails on a route held to
        // OPTIONS alone (a gap of the proofs, reported).
        prop::collection::vec(select(&METHODS[..METHODS.len() - 1]), 0..=2),
        prop::collection::vec((header_name("gw"), header_value()), 0..=2),
        prop::collection::vec((header_name("gwre"), select(HEADER_REGEXES)), 0..=1),
        prop::option::of((
            any::<bool>(),
            (header_name("gwset"), header_value()),
            (header_name("gwadd"), header_value()),
            header_name("gwdel"),
        )),
        any::<bool>(),
    )
        .prop_map(
            |(exact, public, methods, headers, regexes, operations, named_port)| GatewayRoute {
                exact,
                public,
                methods: if public { Vec::new() } else { methods },
                headers: if public { Vec::new() } else { headers },
                header_regexes: if public {
                    Vec::new()
                } else {
                    regexes
                        .into_iter()
                        .map(|(name, re)| (name, re.to_string()))
                        .collect()
                },
                operations,
                named_port,
            },
        )
}

fn deployment() -> impl Strategy<Value = Deployment> {
    (
        prop::option::of(prop_oneof![
            (1u8..=5, 1u8..=5).prop_map(|(own, default)| Scaling::Replicas { own, default }),
            (1u8..=5, 0u8..=5, 1u8..=100).prop_map(|(min, extra, cpu)| Scaling::Autoscale {
                min,
                extra,
                cpu
            }),
        ]),
        prop::option::of(1u16..=4000),
        prop::option::of(select(SERVICE_TYPES)),
        prop::option::of((0u8..100, 0u8..100)),
        any::<bool>(),
    )
        .prop_map(|(scaling, cpu, service_type, ports, edge)| Deployment {
            scaling,
            cpu,
            service_type,
            ports,
            edge,
        })
}

fn token_caller() -> impl Strategy<Value = TokenCaller> {
    (
        0usize..8,
        "[a-zA-Z0-9@._-]{1,12}",
        any::<bool>(),
        prop::collection::vec(("c_[a-z0-9_]{1,8}", "[a-zA-Z0-9._-]{1,10}"), 0..=2),
        prop::collection::vec(select(METHODS), 0..=2),
        prop::collection::vec(path(), 0..=2),
    )
        .prop_map(
            |(service, subject, second_issuer, claims, methods, paths)| TokenCaller {
                service,
                subject,
                second_issuer,
                claims,
                methods,
                paths,
            },
        )
}

fn tag_source() -> impl Strategy<Value = TagSource> {
    prop_oneof![
        (header_name("rtag"), prop::option::of(literal()))
            .prop_map(|(header, default)| TagSource::ResponseHeader(header, default)),
        select(ATTRIBUTES).prop_map(TagSource::Attribute),
        super::duration_ms().prop_map(TagSource::SlowerThan),
    ]
}

pub(super) fn keys() -> impl Strategy<Value = Keys> {
    (
        prop::collection::vec(gateway_route(), 1..=4),
        (
            prop::collection::vec(select(METHODS), 0..=3),
            prop::collection::vec(header_name("expose"), 0..=2),
            prop::option::of(0u32..=86_400),
        ),
        (any::<bool>(), prop::option::of(deployment())),
        prop::collection::vec(token_caller(), 0..=2),
        prop::collection::vec(
            prop::option::of(
                (select(PROTOCOLS), 1u16..=1000)
                    .prop_map(|(protocol, offset)| Port { protocol, offset }),
            ),
            1..=3,
        ),
        prop::collection::vec(prop::option::of(0u8..2), 1..=3),
        prop::option::of((
            prop::collection::vec(select(METHODS), 0..=2),
            prop::collection::vec(path(), 0..=2),
        )),
        prop::option::of((
            any::<bool>(),
            any::<bool>(),
            prop::sample::subsequence(LOG_FIELDS, 1..=LOG_FIELDS.len()),
        )),
        prop::collection::vec(
            (
                tag_source(),
                prop::sample::subsequence(METRICS, 0..=METRICS.len()),
            ),
            0..=3,
        ),
        prop::option::of((1usize..=3, any::<bool>(), any::<bool>())),
        prop::option::of((
            0u16..1000,
            prop::option::of(
                (any::<bool>(), any::<bool>()).prop_map(|(entry, key)| Removal {
                    entry: entry || !key,
                    key,
                }),
            ),
        )),
    )
        .prop_map(
            |(
                routes,
                cors,
                (named_gateways, deployment),
                token_callers,
                ports,
                namespaces,
                egress_gateway,
                log_fields,
                metric_tags,
                clusters,
                layers,
            )| Keys {
                routes,
                cors,
                named_gateways,
                deployment,
                token_callers,
                ports,
                namespaces,
                egress_gateway,
                log_fields,
                metric_tags,
                clusters,
                layers,
            },
        )
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| toml_str(i.as_ref())).collect();
    format!("[{}]", quoted.join(", "))
}

impl Keys {
    /// The table that holds the profile's gateway: `gateway`, or `gateways.edge`.
    pub(super) fn gateway_table(&self) -> &'static str {
        if self.named_gateways {
            "gateways.edge"
        } else {
            "gateway"
        }
    }

    /// The service's port key: `port = N`, or `ports` with a second one.
    pub(super) fn port(&self, service: usize, port: u16) -> String {
        match &self.ports[service % self.ports.len()] {
            None => format!("port = {port}"),
            Some(Port { protocol, offset }) => {
                let second = u16::try_from((u32::from(port) + u32::from(*offset) - 1) % 65_535 + 1)
                    .unwrap_or(1);
                format!(
                    "ports = [{{ name = \"http\", port = {port} }}, {{ name = \"{protocol}-more\", port = {second} }}]"
                )
            }
        }
    }

    /// The service's own namespace, if it has one. Not with the egress gateway: its
    /// DestinationRule is rendered in the mesh namespace, where a sidecar of another namespace
    /// does not look (a render bug the proofs find, reported; not for this generator to hide).
    pub(super) fn namespace(&self, service: usize, mesh: &str) -> Option<String> {
        if self.egress_gateway.is_some() {
            return None;
        }
        self.namespaces[service % self.namespaces.len()].map(|n| format!("{mesh}-{n}"))
    }

    /// The path key of gateway route `k`: `prefix` or `exact`.
    pub(super) fn route_path_key(&self, k: usize) -> &'static str {
        if self.routes[k % self.routes.len()].exact {
            "exact"
        } else {
            "prefix"
        }
    }

    /// The rest of gateway route `k`'s table; the texts that must come back, in `keep`.
    pub(super) fn route(&self, k: usize, keep: &mut dyn FnMut(&str)) -> String {
        let route = &self.routes[k % self.routes.len()];
        let mut out = String::new();
        if route.public {
            out.push_str("public = true\n");
        }
        if !route.methods.is_empty() {
            let _ = writeln!(out, "methods = {}", list(&unique(&route.methods)));
        }
        let table = |pairs: &[(String, String)]| {
            let by_name: BTreeMap<&String, &String> = pairs.iter().map(|(k, v)| (k, v)).collect();
            let items: Vec<String> = by_name
                .iter()
                .map(|(k, v)| format!("{} = {}", toml_str(k), toml_str(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        };
        if !route.headers.is_empty() {
            let _ = writeln!(out, "headers = {}", table(&route.headers));
            // Only what the table keeps: of two pairs with one name, the last.
            let written: BTreeMap<&String, &String> =
                route.headers.iter().map(|(k, v)| (k, v)).collect();
            for (name, value) in written {
                keep(name);
                keep(value);
            }
        }
        if !route.header_regexes.is_empty() {
            let _ = writeln!(out, "header-regexes = {}", table(&route.header_regexes));
            for (name, value) in &route.header_regexes {
                keep(name);
                keep(value);
            }
        }
        if let Some((response, (set, set_value), (add, add_value), remove)) = &route.operations {
            let side = if *response { "response" } else { "request" };
            let _ = writeln!(
                out,
                "{side}-headers = {{ set = {{ {} = {} }}, add = {{ {} = {} }}, remove = [{}] }}",
                toml_str(set),
                toml_str(set_value),
                toml_str(add),
                toml_str(add_value),
                toml_str(remove)
            );
            for text in [set, set_value, add, add_value, remove] {
                keep(text);
            }
        }
        out
    }

    /// Gateway route `k`'s `port` line when it names a port of `service` (by index): the
    /// service's second port when that one carries HTTP (a gateway forwards HTTP), else its
    /// first, which `ports` names `http`.
    pub(super) fn route_port(&self, k: usize, service: usize) -> String {
        if !self.routes[k % self.routes.len()].named_port {
            return String::new();
        }
        match &self.ports[service % self.ports.len()] {
            None => String::new(),
            Some(Port {
                protocol: protocol @ ("http" | "grpc"),
                ..
            }) => format!("port = \"{protocol}-more\"\n"),
            Some(_) => "port = \"http\"\n".to_string(),
        }
    }

    /// After gateway route `k` with header regexes, a route on the same path to the same
    /// service (and port line) without conditions: the proofs send a route's exact headers but
    /// no value for a regex, so a route reached only through a regex would fail them (a gap in
    /// the proofs, reported, not this generator's to hide any further).
    pub(super) fn route_twin(
        &self,
        k: usize,
        table: &str,
        path: &str,
        service: &str,
        port: &str,
    ) -> String {
        if self.routes[k % self.routes.len()].header_regexes.is_empty() {
            return String::new();
        }
        format!(
            "\n[{table}.routes.route-{k}-all]\n{} = {}\nservice = \"{service}\"\n{port}",
            self.route_path_key(k),
            toml_str(path)
        )
    }

    /// The rest of the CORS table.
    pub(super) fn cors(&self, keep: &mut dyn FnMut(&str)) -> String {
        let (methods, expose, max_age) = &self.cors;
        let mut out = String::new();
        if !methods.is_empty() {
            let _ = writeln!(out, "allow-methods = {}", list(&unique(methods)));
        }
        if !expose.is_empty() {
            let _ = writeln!(out, "expose-headers = {}", list(&unique(expose)));
            for header in expose {
                keep(header);
            }
        }
        if let Some(seconds) = max_age {
            let _ = writeln!(out, "max-age = \"{seconds}s\"");
        }
        out
    }

    /// Whether external services with TLS origination and one host leave through the egress
    /// gateway.
    pub(super) fn egress_gateway(&self) -> bool {
        self.egress_gateway.is_some()
    }

    /// The lines of an external service sent through the egress gateway, with its callers.
    pub(super) fn egress(&self, name: &str, services: &[String], out: &mut String) {
        let Some((methods, paths)) = &self.egress_gateway else {
            return;
        };
        let _ = writeln!(out, "egress = \"gateway\"");
        if methods.is_empty() && paths.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n[[external-services.{name}.callers]]\nservices = {}",
            list(&services[..1])
        );
        if !methods.is_empty() {
            let _ = writeln!(out, "methods = {}", list(&unique(methods)));
        }
        if !paths.is_empty() {
            let _ = writeln!(out, "paths = {}", list(&unique(paths)));
        }
    }

    /// The access-log provider's name, when the access log has one with its own fields.
    pub(super) fn log_provider(&self) -> Option<&'static str> {
        self.log_fields.as_ref().map(|_| "fields-log")
    }

    /// The table of [`Keys::log_provider`].
    pub(super) fn log_provider_table(&self) -> String {
        let Some((text, omit, fields)) = &self.log_fields else {
            return String::new();
        };
        let items: Vec<String> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| format!("field_{i} = {}", toml_str(f)))
            .collect();
        format!(
            "\n[telemetry.providers.fields-log]\nkind = \"file-access-log\"\nfields = {{ {} }}\nformat = \"{}\"\nomit-empty-values = {omit}\n",
            items.join(", "),
            if *text { "text" } else { "json" }
        )
    }

    /// The second gateway, with `[gateways.<name>]`, after the first (`edge`) if the profile
    /// has it.
    pub(super) fn second_gateway(
        &self,
        services: &[String],
        edge: bool,
        keep: &mut dyn FnMut(&str),
    ) -> String {
        if !self.named_gateways {
            return String::new();
        }
        keep("partners-gateway.example.net");
        let mut out = format!(
            "\n[gateways.partners]\nhosts = [\"partners-gateway.example.net\"]\ncredential = \"partners-tls\"\n\n[gateways.partners.routes.partners-0]\nprefix = \"/partners\"\nservice = {}\n",
            toml_str(&services[0])
        );
        if let Some(deployment) = &self.deployment {
            keep("partners-ingressgateway");
            let edge = edge && deployment.edge;
            if edge {
                keep("edge-ingressgateway");
            }
            deployment.write(edge, &mut out);
        }
        out
    }

    /// The second issuer (without tenants, which trust `[security.jwt]`'s alone) and the
    /// callers named by their token; `[security.jwt]` must have been written.
    pub(super) fn token_callers(
        &self,
        services: &[String],
        tenants: bool,
        keep: &mut dyn FnMut(&str),
    ) -> String {
        let mut out = String::new();
        if !tenants {
            out.push_str(
                "\n[security.issuers.partner]\nissuer = \"https://partner.example.org\"\njwks-uri = \"https://partner.example.org/jwks\"\naudiences = [\"partner\"]\n",
            );
            keep("https://partner.example.org");
        }
        for caller in &self.token_callers {
            let service = &services[caller.service % services.len()];
            let issuer = if caller.second_issuer && !tenants {
                "https://partner.example.org"
            } else {
                "https://auth.example.com"
            };
            let principal = format!("{issuer}/{}", caller.subject);
            let _ = writeln!(
                out,
                "\n[[services.{service}.callers]]\nrequest-principals = [{}]",
                toml_str(&principal)
            );
            keep(&principal);
            let claims: BTreeMap<&String, &String> =
                caller.claims.iter().map(|(k, v)| (k, v)).collect();
            if !claims.is_empty() {
                let items: Vec<String> = claims
                    .iter()
                    .map(|(k, v)| format!("{} = [{}]", toml_str(k), toml_str(v)))
                    .collect();
                let _ = writeln!(out, "claims = {{ {} }}", items.join(", "));
                // The claim's name is written inside `request.auth.claims[<name>]`.
                for value in claims.values() {
                    keep(value);
                }
            }
            if !caller.methods.is_empty() {
                let _ = writeln!(out, "methods = {}", list(&unique(&caller.methods)));
            }
            if !caller.paths.is_empty() {
                let _ = writeln!(out, "paths = {}", list(&caller.paths));
            }
        }
        out
    }
}

impl Keys {
    /// The metric tags' tables, and the CEL tree each must be written as, by tag name.
    pub(super) fn metric_tags(&self) -> (String, Vec<(String, Expr)>) {
        let mut out = String::new();
        let mut trees = Vec::new();
        for (k, (source, metrics)) in self.metric_tags.iter().enumerate() {
            let name = format!("more_{k}");
            let _ = writeln!(out, "\n[telemetry.metrics.tags.{name}]");
            let tree = match source {
                TagSource::ResponseHeader(header, default) => {
                    let _ = writeln!(out, "response-header = {}", toml_str(header));
                    if let Some(default) = default {
                        let _ = writeln!(out, "default = {}", toml_str(default));
                    }
                    let headers = cel::select(cel::ident("response"), "headers");
                    cel::cond(
                        Expr::And(vec![
                            cel::has(cel::ident("response"), "headers"),
                            cel::binary(BinaryOp::In, cel::s(header), headers.clone()),
                        ]),
                        Expr::Index(Box::new(headers), Box::new(cel::s(header))),
                        cel::s(default.as_deref().unwrap_or("unknown")),
                    )
                }
                TagSource::Attribute(attribute) => {
                    let _ = writeln!(out, "attribute = \"{attribute}\"");
                    let request = |field| cel::select(cel::ident("request"), field);
                    match *attribute {
                        "request-method" => request("method"),
                        "request-protocol" => request("protocol"),
                        _ => status_class(),
                    }
                }
                TagSource::SlowerThan(limit) => {
                    let _ = writeln!(out, "slower-than = \"{}\"", ms(*limit));
                    let seconds = format!("{}s", f64::from(*limit) / 1000.0);
                    cel::cond(
                        cel::binary(
                            BinaryOp::Gt,
                            cel::select(cel::ident("request"), "duration"),
                            cel::call("duration", vec![cel::s(&seconds)]),
                        ),
                        cel::s("slow"),
                        cel::s("fast"),
                    )
                }
            };
            if !metrics.is_empty() {
                let _ = writeln!(out, "metrics = {}", list(metrics));
            }
            trees.push((name, tree));
        }
        (out, trees)
    }
}

impl Keys {
    /// The `[clusters]` tables, every region in one of them (in turn).
    pub(super) fn clusters(&self, regions: &[String], keep: &mut dyn FnMut(&str)) -> String {
        let Some((count, networks, remote)) = self.clusters else {
            return String::new();
        };
        let remote = remote && count >= 2;
        let mut out = String::new();
        for c in 0..count {
            let name = format!("cluster-{c}");
            let _ = writeln!(out, "\n[clusters.{name}]");
            keep(&name);
            if remote && c == count - 1 {
                out.push_str("role = \"remote\"\nprimary = \"cluster-0\"\n");
            } else if remote && c == 0 {
                out.push_str("discovery-address = \"192.0.2.10\"\n");
            }
            if networks {
                let network = format!("network-{c}");
                let _ = writeln!(out, "network = \"{network}\"");
                keep(&network);
            }
            let own: Vec<&String> = regions.iter().skip(c).step_by(count).collect();
            if !own.is_empty() {
                let _ = writeln!(out, "regions = {}", list(&own));
            }
        }
        out
    }
}

impl Deployment {
    /// `[gateways.partners.deployment]` (and `edge`'s, with `edge`), and the default ingress
    /// gateway's `replicas` when this one has `replicas`.
    fn write(&self, edge: bool, out: &mut String) {
        if edge {
            out.push_str("\n[gateways.edge.deployment]\n");
            match self.scaling {
                None => {}
                Some(Scaling::Replicas { default, .. }) => {
                    let _ = writeln!(out, "replicas = {default}");
                }
                Some(Scaling::Autoscale { min, .. }) => {
                    let _ = writeln!(
                        out,
                        "autoscale = {{ min = {min}, max = {min}, cpu-percent = 80 }}"
                    );
                }
            }
        }
        out.push_str("\n[gateways.partners.deployment]\n");
        match self.scaling {
            None => {}
            Some(Scaling::Replicas { own, .. }) => {
                let _ = writeln!(out, "replicas = {own}");
            }
            Some(Scaling::Autoscale { min, extra, cpu }) => {
                let _ = writeln!(
                    out,
                    "autoscale = {{ min = {min}, max = {}, cpu-percent = {cpu} }}",
                    min + extra
                );
            }
        }
        if let Some(cpu) = self.cpu {
            let _ = writeln!(out, "resources = {{ requests = {{ cpu = \"{cpu}m\" }} }}");
        }
        if let Some(service_type) = self.service_type {
            let _ = writeln!(out, "service-type = \"{service_type}\"");
        }
        if let Some((http, https)) = self.ports {
            let _ = writeln!(
                out,
                "ports = [{{ name = \"status-port\", port = 15021, target-port = 15021 }}, {{ name = \"http2\", port = 80, target-port = {} }}, {{ name = \"https\", port = 443, target-port = {} }}]",
                8080 + u16::from(http),
                8443 + u16::from(https)
            );
        }
        if let Some(Scaling::Replicas { default, .. }) = self.scaling {
            let _ = write!(
                out,
                "\n[control-plane.ingress-gateway]\nreplicas = {default}\n"
            );
        }
    }
}

/// The base's path, beside the overlay.
const BASE: &str = "base/generated.toml";

impl Keys {
    /// The profile as meshc reads it: one file, or with [`Keys::layers`] a base holding the
    /// tables before the split and an overlay that extends it holding the rest, read as
    /// `meshc` reads a chain from disk. Tables of named entries merge by name, so the two
    /// halves make the same profile, unless a list of tables (`[[...]]`) has items on both
    /// sides: the overlay's would replace the base's, so then the split moves to the first
    /// header that splits none.
    pub(super) fn source(&self, profile: &str) -> Source {
        let whole = || Source::new("generated.toml", profile);
        let Some((at, removal)) = self.layers else {
            return whole();
        };
        let headers: Vec<usize> = profile.match_indices("\n[").map(|(i, _)| i + 1).collect();
        let lists = |text: &str| -> BTreeSet<String> {
            text.lines()
                .filter(|l| l.starts_with("[["))
                .map(str::to_string)
                .collect()
        };
        let first = headers.len() * usize::from(at) / 1000;
        let Some(split) = headers[first.min(headers.len())..]
            .iter()
            .copied()
            .find(|&i| lists(&profile[..i]).is_disjoint(&lists(&profile[i..])))
        else {
            return whole();
        };
        let mut base = profile[..split].to_string();
        let mut removed = Vec::new();
        if let Some(Removal { entry, key }) = removal {
            // The profile opens with `[mesh]`, where the generator never writes `trust-domain`.
            if key {
                base = base.replacen(
                    "[mesh]\n",
                    &format!("[mesh]\ntrust-domain = \"{REMOVED}.example\"\n"),
                    1,
                );
                removed.push("\"mesh.trust-domain\"".to_string());
            }
            if entry {
                let _ = write!(base, "\n[services.removed-{REMOVED}]\nport = 8080\n");
                removed.push(format!("\"services.removed-{REMOVED}\""));
            }
        }
        let remove = if removed.is_empty() {
            String::new()
        } else {
            format!("remove = [{}]\n", removed.join(", "))
        };
        let overlay = format!("extends = \"{BASE}\"\n{remove}{}", &profile[split..]);
        let (source, diagnostics) = meshc::testing::profile::read(
            Source::new("generated.toml", overlay),
            Path::new("generated.toml"),
            &mut |path, _| {
                assert_eq!(path, Path::new(BASE));
                Ok(base.clone().into_bytes())
            },
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        source
    }
}

/// The tree of the status class: `5xx` … `1xx`, or `none` without a response.
fn status_class() -> Expr {
    let code = || cel::select(cel::ident("response"), "code");
    let classes = [(500, "5xx"), (400, "4xx"), (300, "3xx"), (200, "2xx")];
    let by_code = classes
        .iter()
        .rev()
        .fold(cel::s("1xx"), |otherwise, (at_least, class)| {
            cel::cond(
                cel::binary(BinaryOp::Ge, code(), cel::int(*at_least)),
                cel::s(class),
                otherwise,
            )
        });
    cel::cond(
        cel::has(cel::ident("response"), "code"),
        by_code,
        cel::s("none"),
    )
}

/// Each item once, in order.
fn unique<T: Ord + Clone>(items: &[T]) -> Vec<T> {
    let set: BTreeSet<&T> = items.iter().collect();
    set.into_iter().cloned().collect()
}
