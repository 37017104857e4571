//! `networking.istio.io`: Gateway, VirtualService, DestinationRule, ServiceEntry, and the one
//! EnvoyFilter shape the simulator recognises (a local rate limit). Field names follow istio/api
//! networking/v1 gateway.proto, virtual_service.proto, destination_rule.proto,
//! service_entry.proto.

use std::sync::Arc;

use super::http_match::HttpMatch;
use super::shared::Shared;
use super::{
    CompileError, Meta, boolean, field, items, labels, object, string, strings, unmodelled,
    unsigned,
};
use crate::simulate::selector::Selector;
use crate::simulate::topology::Labels;
use crate::yaml::{Node, Value};

/// A Gateway.
#[derive(Debug, Clone)]
pub(crate) struct Gateway {
    pub meta: Meta,
    /// `selector`: the gateway workloads (in any namespace) whose labels include it.
    pub selector: Labels,
    pub servers: Vec<Server>,
}

/// One `servers[]` entry.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    pub port: u32,
    /// `port.protocol`, upper case.
    pub protocol: String,
    /// `hosts`, each possibly `namespace/host`.
    pub hosts: Vec<String>,
    pub tls: Option<ServerTls>,
}

/// `servers[].tls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerTls {
    pub https_redirect: bool,
    /// `mode`, `SIMPLE` when absent.
    pub mode: String,
}

pub(super) fn gateway(meta: Meta, spec: &Node) -> Result<Gateway, CompileError> {
    let mut servers = Vec::new();
    for server in items(&meta, spec, "servers")? {
        let port = object(&meta, server, "port")?;
        let (number, protocol) = match port {
            Some(port) => (
                unsigned(&meta, port, "number")?.unwrap_or(0),
                string(&meta, port, "protocol")?
                    .unwrap_or_default()
                    .to_ascii_uppercase(),
            ),
            None => (0, String::new()),
        };
        let tls = match object(&meta, server, "tls")? {
            Some(tls) => Some(ServerTls {
                https_redirect: boolean(&meta, tls, "httpsRedirect")?.unwrap_or(false),
                mode: string(&meta, tls, "mode")?.unwrap_or("SIMPLE").to_string(),
            }),
            None => None,
        };
        servers.push(Server {
            port: number,
            protocol,
            hosts: strings(&meta, server, "hosts")?,
            tls,
        });
    }
    Ok(Gateway {
        selector: labels(&meta, spec, "selector")?,
        servers,
        meta,
    })
}

/// Istio's `StringMatch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StringMatch {
    Exact(String),
    Prefix(String),
    Regex(String),
}

pub(super) fn string_match(meta: &Meta, node: &Node) -> Result<Option<StringMatch>, CompileError> {
    if let Some(v) = string(meta, node, "exact")? {
        return Ok(Some(StringMatch::Exact(v.to_string())));
    }
    if let Some(v) = string(meta, node, "prefix")? {
        return Ok(Some(StringMatch::Prefix(v.to_string())));
    }
    Ok(string(meta, node, "regex")?.map(|v| StringMatch::Regex(v.to_string())))
}

/// `route[]` and `mirror` destinations.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Destination {
    pub host: Arc<str>,
    pub subset: Option<Arc<str>>,
    pub port: Option<u32>,
    pub weight: Option<u32>,
    /// Boxed, and `None` without `headers.request`: most destinations edit no header.
    pub headers: Option<Box<HeaderOps>>,
}

/// `headers.request`: what a route does to the request's headers.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HeaderOps {
    pub set: Vec<(String, String)>,
    pub add: Vec<(String, String)>,
    pub remove: Vec<String>,
}

/// `http[].redirect`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Redirect {
    pub uri: Option<Box<str>>,
    pub authority: Option<Box<str>>,
    pub scheme: Option<Box<str>>,
    pub port: Option<u32>,
    pub status: u32,
}

/// `http[].corsPolicy`, as far as it decides preflight requests.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CorsPolicy {
    pub allow_origins: Vec<StringMatch>,
    /// `unmatchedPreflights: IGNORE` answers unmatched preflights instead of forwarding them.
    pub forward_unmatched: bool,
}

/// `http[].retries`: (attempts, perTryTimeout, retryOn).
pub(crate) type Retries = (u32, Option<Arc<str>>, Option<Arc<str>>);

/// One `http[]` rule. Every VirtualService rule of the mesh stays decoded while the mesh is
/// simulated, so what few rules set is boxed ([`RareRoute`]), strings are `Box<str>` (no spare
/// capacity, 16 bytes where absent), and what rules repeat (name, hosts, subsets, timeouts,
/// retries) is held once ([`Shared`]): at 10,000 services, 76,000 rules, each 248 bytes with
/// its rare fields and retries inline, 18.9 MB of the heap's peak (heaptrack, benches/README.md).
#[derive(Debug, Clone)]
pub(crate) struct HttpRoute {
    pub name: Option<Arc<str>>,
    pub matches: Vec<HttpMatch>,
    pub route: Vec<Destination>,
    pub timeout: Option<Arc<str>>,
    pub retries: Option<Arc<Retries>>,
    pub cors: Option<Box<CorsPolicy>>,
    /// `None` without `headers.request`.
    pub headers: Option<Box<HeaderOps>>,
    /// `None` when the rule sets none of it.
    pub rare: Option<Box<RareRoute>>,
}

/// What few `http[]` rules set.
#[derive(Debug, Clone, Default)]
pub(crate) struct RareRoute {
    pub redirect: Option<Box<Redirect>>,
    pub direct_response: Option<u32>,
    pub rewrite_uri: Option<Box<str>>,
    pub rewrite_authority: Option<Box<str>>,
    /// `fault.abort`: (HTTP status, `None` for a gRPC or HTTP/2 error; percentage, 0 when
    /// absent: "If not specified, no request will be aborted", istio/api
    /// networking/v1alpha3/virtual_service.proto `HTTPFaultInjection.Abort`).
    pub abort: Option<Box<(Option<u32>, f64)>>,
    /// `fault.delay`: (`fixedDelay`, percentage; 0 when absent, as for an abort).
    pub delay: Option<Box<(String, f64)>>,
    pub mirrors: Vec<String>,
    /// A field that changes the answer and that the simulator does not model.
    pub unmodelled: Option<Box<str>>,
}

/// A rule that sets none of [`RareRoute`].
static NO_RARE_ROUTE: RareRoute = RareRoute {
    redirect: None,
    direct_response: None,
    rewrite_uri: None,
    rewrite_authority: None,
    abort: None,
    delay: None,
    mirrors: Vec::new(),
    unmodelled: None,
};

impl RareRoute {
    /// What a rule without rare fields reads.
    pub(crate) fn unset() -> &'static Self {
        &NO_RARE_ROUTE
    }

    fn is_unset(&self) -> bool {
        self.redirect.is_none()
            && self.direct_response.is_none()
            && self.rewrite_uri.is_none()
            && self.rewrite_authority.is_none()
            && self.abort.is_none()
            && self.delay.is_none()
            && self.mirrors.is_empty()
            && self.unmodelled.is_none()
    }
}

#[cfg(test)]
impl HttpRoute {
    /// The rule's rare fields, all unset when it has none.
    pub(crate) fn rare(&self) -> &RareRoute {
        self.rare.as_deref().unwrap_or(RareRoute::unset())
    }
}

/// A VirtualService.
#[derive(Debug, Clone)]
pub(crate) struct VirtualService {
    pub meta: Meta,
    pub hosts: Vec<String>,
    /// Resolved to `namespace/name`; `mesh` stays `mesh`. Empty means `mesh`.
    pub gateways: Vec<String>,
    pub export_to: Vec<String>,
    pub http: Vec<HttpRoute>,
    /// The `tls` then the `tcp` routes.
    pub l4: Vec<super::L4Route>,
}

/// A gateway name as Istio resolves it: `name` means `<vs namespace>/name`
/// (pilot/pkg/model/virtualservice.go `resolveGatewayName`).
pub(super) fn resolve_gateway(name: &str, namespace: &str) -> String {
    if name == "mesh" || name.contains('/') {
        name.to_string()
    } else {
        format!("{namespace}/{name}")
    }
}

pub(super) fn virtual_service(
    meta: Meta,
    spec: &Node,
    shared: &mut Shared,
) -> Result<VirtualService, CompileError> {
    let namespace = meta.namespace.clone();
    let gateways = strings(&meta, spec, "gateways")?
        .iter()
        .map(|g| resolve_gateway(g, &namespace))
        .collect();
    let rules = items(&meta, spec, "http")?;
    let mut http = Vec::with_capacity(rules.len());
    for rule in rules {
        http.push(http_route(&meta, rule, &namespace, shared)?);
    }
    Ok(VirtualService {
        hosts: strings(&meta, spec, "hosts")?,
        gateways,
        export_to: strings(&meta, spec, "exportTo")?,
        l4: super::l4::l4_routes(&meta, spec, &|g| resolve_gateway(g, &namespace))?,
        http,
        meta,
    })
}

fn http_route(
    meta: &Meta,
    rule: &Node,
    namespace: &str,
    shared: &mut Shared,
) -> Result<HttpRoute, CompileError> {
    let listed = items(meta, rule, "match")?;
    let mut matches = Vec::with_capacity(listed.len());
    for m in listed {
        matches.push(super::http_match::http_match(meta, m, namespace)?);
    }
    let listed = items(meta, rule, "route")?;
    let mut route = Vec::with_capacity(listed.len());
    for destination in listed {
        let target = object(meta, destination, "destination")?;
        let (host, subset, port) = match target {
            Some(d) => (
                shared.get(string(meta, d, "host")?.unwrap_or_default()),
                string(meta, d, "subset")?.map(|s| shared.get(s)),
                object(meta, d, "port")?
                    .map(|p| unsigned(meta, p, "number"))
                    .transpose()?
                    .flatten(),
            ),
            None => (shared.get(""), None, None),
        };
        route.push(Destination {
            host,
            subset,
            port,
            weight: unsigned(meta, destination, "weight")?,
            headers: header_ops(meta, destination)?,
        });
    }
    let redirect = match object(meta, rule, "redirect")? {
        Some(r) => Some(Box::new(Redirect {
            uri: string(meta, r, "uri")?.map(Box::from),
            authority: string(meta, r, "authority")?.map(Box::from),
            scheme: string(meta, r, "scheme")?.map(Box::from),
            port: unsigned(meta, r, "port")?,
            status: unsigned(meta, r, "redirectCode")?.unwrap_or(301),
        })),
        None => None,
    };
    let direct_response = match object(meta, rule, "directResponse")? {
        Some(d) => Some(unsigned(meta, d, "status")?.unwrap_or(200)),
        None => None,
    };
    let (rewrite_uri, rewrite_authority, regex_rewrite) = match object(meta, rule, "rewrite")? {
        Some(r) => (
            string(meta, r, "uri")?.map(Box::from),
            string(meta, r, "authority")?.map(Box::from),
            field(r, "uriRegexRewrite").is_some(),
        ),
        None => (None, None, false),
    };
    let retries = match object(meta, rule, "retries")? {
        Some(r) => {
            let retries = (
                unsigned(meta, r, "attempts")?.unwrap_or(0),
                string(meta, r, "perTryTimeout")?.map(|s| shared.get(s)),
                string(meta, r, "retryOn")?.map(|s| shared.get(s)),
            );
            Some(shared.retries(retries))
        }
        None => None,
    };
    let (abort, delay) = match object(meta, rule, "fault")? {
        Some(fault) => {
            let abort = match object(meta, fault, "abort")? {
                Some(a) => Some(Box::new((
                    unsigned(meta, a, "httpStatus")?,
                    percentage(meta, a)?,
                ))),
                None => None,
            };
            let delay = match object(meta, fault, "delay")? {
                Some(d) => Some(Box::new((
                    string(meta, d, "fixedDelay")?
                        .unwrap_or("an unmodelled delay")
                        .to_string(),
                    percentage(meta, d)?,
                ))),
                None => None,
            };
            (abort, delay)
        }
        None => (None, None),
    };
    let mut mirrors = Vec::new();
    if let Some(mirror) = object(meta, rule, "mirror")? {
        mirrors.push(
            string(meta, mirror, "host")?
                .unwrap_or_default()
                .to_string(),
        );
    }
    for mirror in items(meta, rule, "mirrors")? {
        if let Some(d) = object(meta, mirror, "destination")? {
            mirrors.push(string(meta, d, "host")?.unwrap_or_default().to_string());
        }
    }
    let cors = match object(meta, rule, "corsPolicy")? {
        Some(c) => {
            let mut allow_origins = Vec::new();
            for origin in items(meta, c, "allowOrigins")? {
                allow_origins.extend(string_match(meta, origin)?);
            }
            allow_origins.extend(
                strings(meta, c, "allowOrigin")?
                    .into_iter()
                    .map(StringMatch::Exact),
            );
            Some(Box::new(CorsPolicy {
                allow_origins,
                forward_unmatched: string(meta, c, "unmatchedPreflights")? != Some("IGNORE"),
            }))
        }
        None => None,
    };
    let unmodelled = if regex_rewrite {
        Some("rewrite.uriRegexRewrite".into())
    } else {
        unmodelled(rule, &["delegate"]).map(Box::from)
    };
    let rare = RareRoute {
        redirect,
        direct_response,
        rewrite_uri,
        rewrite_authority,
        abort,
        delay,
        mirrors,
        unmodelled,
    };
    Ok(HttpRoute {
        name: string(meta, rule, "name")?.map(|s| shared.get(s)),
        matches,
        route,
        timeout: string(meta, rule, "timeout")?.map(|s| shared.get(s)),
        retries,
        cors,
        headers: header_ops(meta, rule)?,
        rare: (!rare.is_unset()).then(|| Box::new(rare)),
    })
}

fn percentage(meta: &Meta, node: &Node) -> Result<f64, CompileError> {
    let Some(p) = object(meta, node, "percentage")? else {
        return Ok(0.0);
    };
    Ok(match field(p, "value").map(|v| &v.value) {
        Some(Value::Int(i)) => i32::try_from(*i).map_or(f64::MAX, f64::from),
        Some(Value::Float(f)) => *f,
        Some(_) => return Err(meta.error(p, "`percentage.value` is not a number")),
        None => 0.0,
    })
}

fn header_ops(meta: &Meta, node: &Node) -> Result<Option<Box<HeaderOps>>, CompileError> {
    let Some(headers) = object(meta, node, "headers")? else {
        return Ok(None);
    };
    let Some(request) = object(meta, headers, "request")? else {
        return Ok(None);
    };
    let pairs = |key: &str| -> Result<Vec<(String, String)>, CompileError> {
        Ok(labels(meta, request, key)?
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect())
    };
    Ok(Some(Box::new(HeaderOps {
        set: pairs("set")?,
        add: pairs("add")?,
        remove: strings(meta, request, "remove")?
            .into_iter()
            .map(|h| h.to_ascii_lowercase())
            .collect(),
    })))
}

/// The client side of TLS that a DestinationRule asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrafficTls {
    Disable,
    IstioMutual,
    /// `SIMPLE` or `MUTUAL`: TLS with the client's own certificates, not modelled in the mesh.
    Other,
}

/// A DestinationRule's `tls` setting at some level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TlsMode {
    Unset,
    Set(TrafficTls),
}

/// A DestinationRule.
#[derive(Debug, Clone)]
pub(crate) struct DestinationRule {
    pub meta: Meta,
    pub host: String,
    pub export_to: Vec<String>,
    pub workload_selector: Option<Labels>,
    /// (name, labels, subset-level tls).
    pub subsets: Vec<(String, Selector, TlsMode)>,
    pub tls: TlsMode,
    /// `portLevelSettings[].tls` by port.
    pub port_tls: Vec<(u32, TlsMode)>,
    /// A subset's `portLevelSettings[].tls`: (subset index, port, mode).
    pub subset_port_tls: Vec<(usize, u32, TlsMode)>,
    /// Every `tls.sni`: (subset index, port of a `portLevelSettings` entry, the name); `None`s
    /// for the rule's own levels.
    pub sni: Vec<(Option<usize>, Option<u32>, String)>,
}

/// The `tls.sni` of a traffic policy (or of one of its port settings).
fn tls_sni(meta: &Meta, policy: Option<&Node>) -> Result<Option<String>, CompileError> {
    let Some(tls) = policy
        .map(|p| object(meta, p, "tls"))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    Ok(string(meta, tls, "sni")?.map(str::to_string))
}

/// The port settings of a traffic policy: (port, tls mode, sni) each.
fn port_settings(
    meta: &Meta,
    policy: Option<&Node>,
) -> Result<Vec<(u32, TlsMode, Option<String>)>, CompileError> {
    let mut settings = Vec::new();
    if let Some(policy) = policy {
        for setting in items(meta, policy, "portLevelSettings")? {
            let port = object(meta, setting, "port")?
                .map(|p| unsigned(meta, p, "number"))
                .transpose()?
                .flatten()
                .unwrap_or(0);
            settings.push((
                port,
                traffic_tls(meta, Some(setting))?,
                tls_sni(meta, Some(setting))?,
            ));
        }
    }
    Ok(settings)
}

fn traffic_tls(meta: &Meta, policy: Option<&Node>) -> Result<TlsMode, CompileError> {
    let Some(policy) = policy else {
        return Ok(TlsMode::Unset);
    };
    let Some(tls) = object(meta, policy, "tls")? else {
        return Ok(TlsMode::Unset);
    };
    Ok(match string(meta, tls, "mode")? {
        None | Some("DISABLE") => TlsMode::Set(TrafficTls::Disable),
        Some("ISTIO_MUTUAL") => TlsMode::Set(TrafficTls::IstioMutual),
        Some(_) => TlsMode::Set(TrafficTls::Other),
    })
}

pub(super) fn destination_rule(meta: Meta, spec: &Node) -> Result<DestinationRule, CompileError> {
    let policy = object(&meta, spec, "trafficPolicy")?;
    let mut port_tls = Vec::new();
    let mut sni = Vec::new();
    sni.extend(tls_sni(&meta, policy)?.map(|name| (None, None, name)));
    for (port, tls, name) in port_settings(&meta, policy)? {
        port_tls.push((port, tls));
        sni.extend(name.map(|name| (None, Some(port), name)));
    }
    let listed = items(&meta, spec, "subsets")?;
    let mut subsets = Vec::with_capacity(listed.len());
    let mut subset_port_tls = Vec::new();
    for (j, subset) in listed.iter().enumerate() {
        let policy = object(&meta, subset, "trafficPolicy")?;
        subsets.push((
            string(&meta, subset, "name")?
                .unwrap_or_default()
                .to_string(),
            Selector::from(labels(&meta, subset, "labels")?),
            traffic_tls(&meta, policy)?,
        ));
        sni.extend(tls_sni(&meta, policy)?.map(|name| (Some(j), None, name)));
        for (port, tls, name) in port_settings(&meta, policy)? {
            subset_port_tls.push((j, port, tls));
            sni.extend(name.map(|name| (Some(j), Some(port), name)));
        }
    }
    let workload_selector = match object(&meta, spec, "workloadSelector")? {
        Some(selector) => Some(labels(&meta, selector, "matchLabels")?),
        None => None,
    };
    Ok(DestinationRule {
        host: string(&meta, spec, "host")?.unwrap_or_default().to_string(),
        export_to: strings(&meta, spec, "exportTo")?,
        workload_selector,
        subsets,
        tls: traffic_tls(&meta, policy)?,
        port_tls,
        subset_port_tls,
        sni,
        meta,
    })
}

/// A ServiceEntry.
#[derive(Debug, Clone)]
pub(crate) struct ServiceEntry {
    pub meta: Meta,
    pub hosts: Vec<String>,
    pub ports: Vec<u32>,
    /// Each port's `protocol`, upper case (empty when absent).
    pub protocols: Vec<String>,
    /// `location: MESH_INTERNAL`.
    pub internal: bool,
    pub export_to: Vec<String>,
}

pub(super) fn service_entry(meta: Meta, spec: &Node) -> Result<ServiceEntry, CompileError> {
    let mut ports = Vec::new();
    let mut protocols = Vec::new();
    for port in items(&meta, spec, "ports")? {
        ports.push(unsigned(&meta, port, "number")?.unwrap_or(0));
        protocols.push(
            string(&meta, port, "protocol")?
                .unwrap_or_default()
                .to_ascii_uppercase(),
        );
    }
    Ok(ServiceEntry {
        hosts: strings(&meta, spec, "hosts")?,
        ports,
        protocols,
        internal: string(&meta, spec, "location")? == Some("MESH_INTERNAL"),
        export_to: strings(&meta, spec, "exportTo")?,
        meta,
    })
}

/// `Some(())` when an EnvoyFilter only adds Envoy's local rate limit (the recipe of
/// istio-rules.md §4.4): it answers 429 under load and never decides who may call what.
pub(super) fn rate_limit_filter(meta: &Meta, spec: &Node) -> Result<Option<()>, CompileError> {
    const FILTER: &str = "envoy.filters.http.local_ratelimit";
    let patches = items(meta, spec, "configPatches")?;
    let only_rate_limits = !patches.is_empty()
        && patches.iter().all(|patch| {
            let value = patch.at(&["patch", "value"]);
            match patch.get("applyTo").and_then(Node::as_str) {
                Some("HTTP_FILTER") => {
                    value.and_then(|v| v.get("name")).and_then(Node::as_str) == Some(FILTER)
                }
                Some("HTTP_ROUTE") => value.is_some_and(|v| {
                    let per_filter = v.get("typed_per_filter_config").map(Node::entries);
                    v.entries().len() == 1
                        && per_filter.is_some_and(|e| e.len() == 1 && e[0].0 == FILTER)
                }),
                _ => false,
            }
        });
    Ok(only_rate_limits.then_some(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::decode::l4::L4Destination;
    use crate::simulate::decode::{L4Match, L4Route};
    use crate::simulate::testing::resources;

    #[test]
    fn gateway_servers() {
        let r = resources(
            "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: gw}\n\
             spec:\n  selector: {istio: ingressgateway}\n  servers:\n  \
             - port: {number: 80, name: http, protocol: http}\n    hosts: [a.io]\n    tls: {httpsRedirect: true}\n  \
             - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [ns/b.io]\n    tls: {mode: MUTUAL}\n",
        );
        let g = &r.gateways[0];
        assert_eq!(g.selector["istio"], "ingressgateway");
        assert_eq!(g.servers[0].port, 80);
        assert_eq!(g.servers[0].protocol, "HTTP");
        assert_eq!(
            g.servers[0].tls,
            Some(ServerTls {
                https_redirect: true,
                mode: "SIMPLE".into()
            })
        );
        assert_eq!(g.servers[1].hosts, ["ns/b.io"]);
        assert_eq!(g.servers[1].tls.as_ref().unwrap().mode, "MUTUAL");
        assert!(!g.servers[1].tls.as_ref().unwrap().https_redirect);
    }

    #[test]
    fn virtual_service_rules() {
        let r = resources(
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v, namespace: ns}
spec:
  hosts: [a]
  gateways: [g, other/h, mesh]
  exportTo: ["."]
  http:
  - name: one
    match:
    - uri: {prefix: /p}
      scheme: {exact: https}
      method: {exact: GET}
      authority: {regex: "a.*"}
      headers: {X-A: {exact: b}, x-present: {}}
      withoutHeaders: {x-c: {prefix: d}}
      queryParams: {q: {exact: r}}
      ignoreUriCase: true
      port: 8080
      sourceLabels: {app: s}
      gateways: [g]
      sourceNamespace: sn
    route:
    - destination: {host: b, subset: s1, port: {number: 9}}
      weight: 70
      headers: {request: {set: {X-S: v}}}
    - destination: {host: b}
      weight: 30
    rewrite: {uri: /q, authority: c}
    timeout: 5s
    retries: {attempts: 2, perTryTimeout: 1s, retryOn: 5xx}
    fault: {abort: {httpStatus: 503, percentage: {value: 10}}, delay: {fixedDelay: 1s}}
    mirror: {host: m}
    mirrors: [{destination: {host: mm}}]
    corsPolicy: {allowOrigins: [{exact: "https://o"}], allowOrigin: ["https://p"], unmatchedPreflights: IGNORE}
    headers: {request: {add: {X-Add: "1"}, remove: [X-Gone]}}
  - redirect: {uri: /r, authority: x, scheme: https, port: 8443, redirectCode: 308}
  - directResponse: {status: 418}
  - rewrite: {uriRegexRewrite: {match: a, rewrite: b}}
    route: [{destination: {host: b}}]
  - fault: {abort: {httpStatus: 500}}
    route: [{destination: {host: b}}]
"#,
        );
        let vs = &r.virtual_services[0];
        assert_eq!(vs.gateways, ["ns/g", "other/h", "mesh"]);
        assert_eq!(vs.export_to, ["."]);
        let one = &vs.http[0];
        assert_eq!(one.name.as_deref(), Some("one"));
        let m = &one.matches[0];
        let rare = m.rare();
        assert_eq!(m.uri, Some(StringMatch::Prefix("/p".into())));
        assert_eq!(rare.scheme, Some(StringMatch::Exact("https".into())));
        assert_eq!(m.method, Some(StringMatch::Exact("GET".into())));
        assert_eq!(rare.authority, Some(StringMatch::Regex("a.*".into())));
        assert_eq!(
            m.headers,
            [
                ("x-a".into(), Some(StringMatch::Exact("b".into()))),
                ("x-present".into(), None)
            ]
        );
        assert_eq!(
            rare.without_headers,
            [("x-c".into(), Some(StringMatch::Prefix("d".into())))]
        );
        assert_eq!(
            rare.query_params,
            [("q".into(), Some(StringMatch::Exact("r".into())))]
        );
        assert!(rare.ignore_uri_case);
        assert_eq!(rare.port, Some(8080));
        assert_eq!(rare.source_labels["app"], "s");
        assert_eq!(rare.gateways, ["ns/g"]);
        assert_eq!(rare.source_namespace.as_deref(), Some("sn"));
        assert_eq!(&*one.route[0].host, "b");
        assert_eq!(one.route[0].subset.as_deref(), Some("s1"));
        assert_eq!(one.route[0].port, Some(9));
        assert_eq!(one.route[0].weight, Some(70));
        assert_eq!(
            one.route[0].headers.as_ref().unwrap().set,
            [("x-s".into(), "v".into())]
        );
        assert_eq!(one.route[1].weight, Some(30));
        assert_eq!(one.rare().rewrite_uri.as_deref(), Some("/q"));
        assert_eq!(one.rare().rewrite_authority.as_deref(), Some("c"));
        assert_eq!(one.timeout.as_deref(), Some("5s"));
        assert_eq!(
            one.retries.as_deref(),
            Some(&(2, Some("1s".into()), Some("5xx".into())))
        );
        assert_eq!(one.rare().abort.as_deref(), Some(&(Some(503), 10.0)));
        assert_eq!(one.rare().delay.as_deref(), Some(&("1s".to_string(), 0.0)));
        assert_eq!(one.rare().mirrors, ["m", "mm"]);
        let cors = one.cors.as_ref().unwrap();
        assert_eq!(
            cors.allow_origins,
            [
                StringMatch::Exact("https://o".into()),
                StringMatch::Exact("https://p".into())
            ]
        );
        assert!(!cors.forward_unmatched);
        let headers = one.headers.as_ref().unwrap();
        assert_eq!(headers.add, [("x-add".into(), "1".into())]);
        assert_eq!(headers.remove, ["x-gone"]);
        assert!(one.rare().unmodelled.is_none());
        assert_eq!(
            vs.http[1].rare().redirect.as_deref(),
            Some(&Redirect {
                uri: Some("/r".into()),
                authority: Some("x".into()),
                scheme: Some("https".into()),
                port: Some(8443),
                status: 308
            })
        );
        assert_eq!(vs.http[2].rare().direct_response, Some(418));
        assert_eq!(
            vs.http[3].rare().unmodelled.as_deref(),
            Some("rewrite.uriRegexRewrite")
        );
        // No percentage: no request is aborted.
        assert_eq!(vs.http[4].rare().abort.as_deref(), Some(&(Some(500), 0.0)));
        assert_eq!(vs.http[4].rare().delay, None);
        assert!(vs.l4.is_empty());
    }

    /// A rule that sets none of the rare fields keeps no box for them; one that sets any one of
    /// them keeps it.
    #[test]
    fn rare_route_fields_are_boxed_only_where_set() {
        let rules = [
            "{redirect: {uri: /r}}",
            "{directResponse: {status: 204}}",
            "{rewrite: {uri: /q}, route: [{destination: {host: a}}]}",
            "{rewrite: {authority: c}, route: [{destination: {host: a}}]}",
            "{fault: {abort: {httpStatus: 503}}, route: [{destination: {host: a}}]}",
            "{fault: {delay: {fixedDelay: 1s}}, route: [{destination: {host: a}}]}",
            "{mirror: {host: m}, route: [{destination: {host: a}}]}",
            "{delegate: {name: d}}",
        ];
        let r = resources(&format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: v, namespace: ns}}\n\
             spec:\n  hosts: [a]\n  http: [{{route: [{{destination: {{host: a}}}}], timeout: 5s, retries: {{attempts: 2}}}}, {}]\n",
            rules.join(", ")
        ));
        let http = &r.virtual_services[0].http;
        assert!(http[0].rare.is_none());
        for (i, rule) in rules.iter().enumerate() {
            assert!(http[i + 1].rare.is_some(), "{rule}");
        }
    }

    #[test]
    fn tls_and_tcp_routes_are_read_and_delegates_are_not_modelled() {
        let r = resources(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v, namespace: ns}\n\
             spec:\n  hosts: [a]\n  tcp: [{match: [{port: 5432, gateways: [g], sourceLabels: {app: x}}], route: [{destination: {host: a, port: {number: 5432}}, weight: 100}]}]\n\
             \x20 tls: [{match: [{port: 443, sniHosts: [a]}], route: [{destination: {host: e, subset: s}}]}]\n\
             \x20 http: [{delegate: {name: d}}]\n",
        );
        let vs = &r.virtual_services[0];
        assert_eq!(
            vs.l4,
            [
                L4Route {
                    tls: true,
                    matches: vec![L4Match {
                        port: Some(443),
                        sni_hosts: vec!["a".into()],
                        gateways: Vec::new(),
                        unmodelled: None,
                    }],
                    destinations: vec![L4Destination {
                        host: "e".into(),
                        subset: Some("s".into()),
                        port: None,
                        weight: None,
                    }],
                },
                L4Route {
                    tls: false,
                    matches: vec![L4Match {
                        port: Some(5432),
                        sni_hosts: Vec::new(),
                        gateways: vec!["ns/g".into()],
                        unmodelled: Some("sourceLabels".into()),
                    }],
                    destinations: vec![L4Destination {
                        host: "a".into(),
                        subset: None,
                        port: Some(5432),
                        weight: Some(100),
                    }],
                },
            ]
        );
        assert_eq!(vs.http[0].rare().unmodelled.as_deref(), Some("delegate"));
        assert!(vs.gateways.is_empty());
    }

    #[test]
    fn destination_rule_subsets_and_tls() {
        let r = resources(
            r"apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: d, namespace: ns}
spec:
  host: a
  exportTo: ['*']
  workloadSelector: {matchLabels: {app: c}}
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
    portLevelSettings:
    - port: {number: 8080}
      tls: {mode: DISABLE}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy: {tls: {mode: SIMPLE}}
  - name: v2
",
        );
        let dr = &r.destination_rules[0];
        assert_eq!(dr.host, "a");
        assert_eq!(dr.export_to, ["*"]);
        assert_eq!(dr.workload_selector.as_ref().unwrap()["app"], "c");
        assert_eq!(dr.tls, TlsMode::Set(TrafficTls::IstioMutual));
        assert_eq!(dr.port_tls, [(8080, TlsMode::Set(TrafficTls::Disable))]);
        assert_eq!(dr.subsets[0].0, "v1");
        assert_eq!(
            dr.subsets[0].1.iter().collect::<Vec<_>>(),
            [("version", "v1")]
        );
        assert_eq!(dr.subsets[0].2, TlsMode::Set(TrafficTls::Other));
        assert_eq!(dr.subsets[1].2, TlsMode::Unset);
        assert_eq!(dr.subsets[1].1.iter().count(), 0);
    }

    #[test]
    fn service_entries() {
        let r = resources(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: s}\n\
             spec: {hosts: [api.example.com], ports: [{number: 443, name: https, protocol: HTTPS}], location: MESH_INTERNAL}\n",
        );
        let se = &r.service_entries[0];
        assert_eq!(se.hosts, ["api.example.com"]);
        assert_eq!(se.ports, [443]);
        assert!(se.internal);
    }

    #[test]
    fn only_local_rate_limit_filters_are_recognised() {
        let limit = r"apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: rl, namespace: istio-system}
spec:
  workloadSelector: {labels: {istio: ingressgateway}}
  configPatches:
  - applyTo: HTTP_FILTER
    patch: {operation: INSERT_BEFORE, value: {name: envoy.filters.http.local_ratelimit}}
  - applyTo: HTTP_ROUTE
    patch: {operation: MERGE, value: {typed_per_filter_config: {envoy.filters.http.local_ratelimit: {}}}}
";
        let r = resources(limit);
        assert_eq!(r.rate_limits.len(), 1);
        assert!(r.unmodelled.is_empty());
        let other = limit.replace(
            "name: envoy.filters.http.local_ratelimit}",
            "name: envoy.filters.http.lua}",
        );
        let r = resources(&other);
        assert!(r.rate_limits.is_empty());
        assert_eq!(r.unmodelled.len(), 1);
        assert_eq!(
            r.unmodelled[0].scope.clone().unwrap().1["istio"],
            "ingressgateway"
        );
        let route_extra = limit.replace(
            "value: {typed_per_filter_config",
            "value: {request_headers_to_add: [], typed_per_filter_config",
        );
        assert!(resources(&route_extra).rate_limits.is_empty());
        let empty = "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: e}\nspec: {}\n";
        assert!(resources(empty).rate_limits.is_empty());
    }
}
