//! VirtualService `http` rules, compiled, and which one takes a request (istio/istio
//! pilot/pkg/networking/core/route/route.go `BuildHTTPRoutesForVirtualService`,
//! `TranslateRouteMatch`, `sourceMatchHTTP`): rules in order, the first match wins; the entries
//! of `match` are ORed and the fields of one entry ANDed; `prefix` is a plain string prefix;
//! regexes are RE2 over the whole value; a rule after a catch-all is never reached.

use std::sync::Arc;

use crate::simulate::authz::Tri;
use crate::simulate::context::{Headers, Payload};
use crate::simulate::decode::{
    CorsPolicy, Destination, HeaderOps, HttpMatch, HttpRoute, L4Route, Meta, RareRoute, Retries,
    StringMatch, VirtualService,
};
use crate::simulate::error::CompileError;
use crate::simulate::pattern::Matcher;
use crate::simulate::pod_labels::PodLabels;
use crate::simulate::topology::{Labels, selects};

use super::host::fqdn;

#[path = "route_index.rs"]
mod index;

use index::{RouteIndex, Slot};

/// A header condition of a match entry. Its name or claim path of its exact length: a large
/// mesh holds one in most of its 82,000 route match entries at 10,000 services.
#[derive(Debug, Clone)]
enum HeaderTest {
    /// A request header; `None` is a presence match.
    Header {
        name: Box<str>,
        matcher: Option<Matcher>,
        invert: bool,
    },
    /// `@request.auth.claims.<a>.<b>` (or `[a][b]`): a claim of the token this proxy verified.
    Claim {
        path: Box<[String]>,
        matcher: Option<Matcher>,
        invert: bool,
    },
}

/// One compiled `match` entry.
#[derive(Debug, Clone)]
pub(crate) struct Match {
    uri: Option<Matcher>,
    /// Inline: a profile's rules match a method in about one entry of four, each of which
    /// would otherwise box its rare tests.
    method: Option<Matcher>,
    /// Of its exact length: most entries have one test or none.
    headers: Box<[HeaderTest]>,
    /// `None` when the entry tests none of it: a large mesh has tens of thousands of entries,
    /// nearly all a path, a method or a header (inline, these fields made each entry 375 bytes,
    /// 26 MB of the simulator's mesh at 10,000 services, heaptrack; with the prefix a rewrite
    /// replaces as a `String` and the headers as a `Vec`, 11.8 MB).
    rare: Option<Box<RareTests>>,
    /// Whether the uri is matched by a regex (a `rewrite.uri` after one is not modelled).
    pub(crate) uri_regex: bool,
    /// Envoy's catch-all route: path `/` (or regex `.*`) and nothing else
    /// (route.go `IsCatchAllRoute`).
    pub(crate) catch_all: bool,
}

/// The tests of a match entry that few entries set.
#[derive(Debug, Clone, Default)]
struct RareTests {
    ignore_uri_case: bool,
    scheme: Option<Matcher>,
    authority: Option<Matcher>,
    query: Vec<(String, Option<Matcher>)>,
    port: Option<u32>,
    source_labels: Labels,
    gateways: Vec<String>,
    source_namespace: Option<String>,
}

/// A match entry that sets none of [`RareTests`].
static NO_RARE_TESTS: RareTests = RareTests {
    ignore_uri_case: false,
    scheme: None,
    authority: None,
    query: Vec::new(),
    port: None,
    source_labels: Labels::new(),
    gateways: Vec::new(),
    source_namespace: None,
};

impl RareTests {
    fn is_unset(&self) -> bool {
        !self.ignore_uri_case
            && self.scheme.is_none()
            && self.authority.is_none()
            && self.query.is_empty()
            && self.port.is_none()
            && self.source_labels.is_empty()
            && self.gateways.is_empty()
            && self.source_namespace.is_none()
    }
}

/// A compiled VirtualService.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub meta: Meta,
    /// Resolved to `namespace/name`; empty means `mesh`.
    pub gateways: Vec<String>,
    pub export_to: Vec<String>,
    /// The `tls` then the `tcp` routes, their destinations' hosts with short names expanded.
    pub l4: Vec<L4Route>,
    /// `hosts`, short names expanded in its namespace.
    pub hosts: Vec<String>,
    /// The `http` rules, in order.
    pub rules: Box<[Rule]>,
    /// The match entries filed by path, so that a request tries only those that could match.
    index: RouteIndex,
}

/// A compiled `http` rule: its match entries and what delivery reads once one takes a request.
/// Every rule of the mesh stays alive while it is simulated, so the decoded rule is not kept
/// beside it (at 10,000 services, 76,000 rules; the decoded rules and the lists of their
/// destinations' hosts and CORS policies beside them were about 15 MB, heaptrack).
#[derive(Debug)]
pub(crate) struct Rule {
    /// Its match entries (empty: the rule matches everything).
    pub matches: Box<[Match]>,
    /// Its route destinations, their hosts with short names expanded; a host its rules name
    /// again is held once (a large mesh's VirtualService sends every rule to its one Service).
    pub route: Box<[Destination]>,
    pub name: Option<Arc<str>>,
    pub timeout: Option<Arc<str>>,
    pub retries: Option<Arc<Retries>>,
    /// `headers.request`; `None` without it.
    pub headers: Option<Box<HeaderOps>>,
    /// Its CORS policy; boxed, as few rules have one.
    pub cors: Option<Box<Cors>>,
    /// `None` when the rule sets none of it.
    rare: Option<Box<RareRoute>>,
}

impl Rule {
    /// A decoded rule with its compiled match entries; `Err` is its CORS policy's fault.
    fn new(
        rule: HttpRoute,
        matches: Box<[Match]>,
        namespace: &str,
        named: &mut Vec<Arc<str>>,
    ) -> Result<Self, String> {
        let cors = rule.cors.as_deref().map(compile_cors).transpose()?;
        let mut route = rule.route;
        for destination in &mut route {
            destination.host = held(named, &destination.host, namespace);
        }
        Ok(Self {
            matches,
            route: route.into_boxed_slice(),
            name: rule.name,
            timeout: rule.timeout,
            retries: rule.retries,
            headers: rule.headers,
            cors: cors.map(Box::new),
            rare: rule.rare,
        })
    }

    /// The rule's rare fields, all unset when it has none.
    pub(crate) fn rare(&self) -> &RareRoute {
        self.rare.as_deref().unwrap_or(RareRoute::unset())
    }
}

/// A rule's CORS origins and whether unmatched preflights go on.
pub(crate) type Cors = (Vec<Matcher>, bool);

/// The request as route matching sees it.
pub(crate) struct View<'a> {
    pub path: &'a str,
    pub method: &'a str,
    pub authority: &'a str,
    pub scheme: &'a str,
    pub headers: &'a Headers<'a>,
    pub jwt: Option<Payload<'a>>,
    /// The listener's port (a gateway server port or the destination Service port).
    pub port: u32,
    /// `namespace/name` of the Gateway, or `mesh`.
    pub gateway: &'a str,
    /// The proxy's labels (`None`: not known) and namespace.
    pub labels: Option<&'a PodLabels>,
    pub namespace: &'a str,
}

/// `host` qualified in `namespace`, shared with the one of `named` of the same text, if any,
/// else with the decoded one when it was already qualified: a VirtualService names a few
/// hosts, so a search of the list is cheaper than a hash set.
fn held(named: &mut Vec<Arc<str>>, host: &Arc<str>, namespace: &str) -> Arc<str> {
    let qualified = fqdn(host, namespace);
    if let Some(same) = named.iter().find(|h| ***h == *qualified) {
        return Arc::clone(same);
    }
    let qualified: Arc<str> = if *qualified == **host {
        Arc::clone(host)
    } else {
        qualified.into()
    };
    named.push(Arc::clone(&qualified));
    qualified
}

/// A rule's CORS policy, its origins compiled.
fn compile_cors(policy: &CorsPolicy) -> Result<Cors, String> {
    let origins = policy
        .allow_origins
        .iter()
        .map(Matcher::new)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((origins, policy.forward_unmatched))
}

/// A rule's match entries, of their exact length (most rules have one entry of a few hundred
/// bytes); `Err` names the entry at fault.
fn compile_matches(listed: &[HttpMatch]) -> Result<Box<[Match]>, String> {
    let mut matches = Vec::with_capacity(listed.len());
    for (j, m) in listed.iter().enumerate() {
        matches.push(compile_match(m).map_err(|e| format!("match[{j}]: {e}"))?);
    }
    Ok(matches.into_boxed_slice())
}

fn compile_match(m: &HttpMatch) -> Result<Match, String> {
    let matcher = |s: &Option<StringMatch>| s.as_ref().map(Matcher::new).transpose();
    let rare = m.rare();
    // Of its exact length: a list grown by pushing holds room for four tests, and most entries
    // have one (17 MB of the simulator's mesh at 10,000 services, heaptrack).
    let mut headers = Vec::with_capacity(m.headers.len() + rare.without_headers.len());
    for (invert, list) in [(false, &m.headers), (true, &rare.without_headers)] {
        for (name, matched) in list {
            // `regex: "*"` is a presence match (route.go `canBeConvertedToPresentMatch`).
            let matched = matched
                .as_ref()
                .filter(|s| **s != StringMatch::Regex("*".to_string()));
            let matcher = matched.map(Matcher::new).transpose()?;
            headers.push(match claim_path(name) {
                Some(path) => HeaderTest::Claim {
                    path: path.into_boxed_slice(),
                    matcher,
                    invert,
                },
                None => HeaderTest::Header {
                    name: name.as_str().into(),
                    matcher,
                    invert,
                },
            });
        }
    }
    let mut query = Vec::with_capacity(rare.query_params.len());
    for (name, matched) in &rare.query_params {
        let matched = matched
            .as_ref()
            .filter(|s| **s != StringMatch::Regex("*".to_string()));
        query.push((name.clone(), matched.map(Matcher::new).transpose()?));
    }
    let path_all = match &m.uri {
        None => true,
        Some(StringMatch::Prefix(p)) => p == "/",
        Some(StringMatch::Regex(r)) => r == ".*",
        Some(StringMatch::Exact(_)) => false,
    };
    // Compiled in the order of the fields, so that the first bad one is the one reported.
    let uri = matcher(&m.uri)?;
    let scheme = matcher(&rare.scheme)?;
    let method = matcher(&m.method)?;
    let tests = RareTests {
        ignore_uri_case: rare.ignore_uri_case,
        scheme,
        authority: matcher(&rare.authority)?,
        query,
        port: rare.port,
        source_labels: rare.source_labels.clone(),
        gateways: rare.gateways.clone(),
        source_namespace: rare.source_namespace.clone(),
    };
    Ok(Match {
        uri,
        method,
        catch_all: path_all
            && headers.is_empty()
            && tests.query.is_empty()
            && tests.scheme.is_none()
            && m.method.is_none()
            && tests.authority.is_none(),
        headers: headers.into_boxed_slice(),
        rare: (!tests.is_unset()).then(|| Box::new(tests)),
        uri_regex: matches!(m.uri, Some(StringMatch::Regex(_))),
    })
}

/// `@request.auth.claims.a.b` or `@request.auth.claims[a][b]` (pkg/jwt `ToRoutingClaim`).
fn claim_path(name: &str) -> Option<Vec<String>> {
    let rest = name.strip_prefix("@request.auth.claims")?;
    if let Some(dotted) = rest.strip_prefix('.') {
        return (!dotted.is_empty()).then(|| dotted.split('.').map(str::to_string).collect());
    }
    let inner = rest.strip_prefix('[')?.strip_suffix(']')?;
    Some(inner.split("][").map(str::to_string).collect())
}

impl Compiled {
    pub(crate) fn new(spec: VirtualService) -> Result<Self, CompileError> {
        let VirtualService {
            meta,
            hosts,
            gateways,
            export_to,
            http,
            mut l4,
        } = spec;
        let namespace = &meta.namespace;
        for route in &mut l4 {
            for destination in &mut route.destinations {
                destination.host = fqdn(&destination.host, namespace);
            }
        }
        let hosts = hosts.iter().map(|h| fqdn(h, namespace)).collect();
        // Every rule's match entries before any CORS policy, so that a bad entry is reported
        // before a bad policy of an earlier rule.
        let mut matches = Vec::with_capacity(http.len());
        for (i, rule) in http.iter().enumerate() {
            matches.push(
                compile_matches(&rule.matches).map_err(|e| meta.fail(format!("http[{i}].{e}")))?,
            );
        }
        let mut named: Vec<Arc<str>> = Vec::new();
        let mut rules = Vec::with_capacity(http.len());
        for (i, (rule, matches)) in http.into_iter().zip(matches).enumerate() {
            rules.push(
                Rule::new(rule, matches, namespace, &mut named)
                    .map_err(|e| meta.fail(format!("http[{i}].corsPolicy: {e}")))?,
            );
        }
        Ok(Self {
            index: RouteIndex::new(&rules),
            meta,
            gateways,
            export_to,
            l4,
            hosts,
            rules: rules.into_boxed_slice(),
        })
    }

    /// Whether the VirtualService is visible to proxies in `namespace` (`exportTo`).
    pub(crate) fn visible_to(&self, namespace: &str) -> bool {
        exported(&self.export_to, &self.meta.namespace, namespace)
    }

    /// Whether it binds to `gateway` (`namespace/name` or `mesh`).
    pub(crate) fn binds(&self, gateway: &str) -> bool {
        if self.gateways.is_empty() {
            return gateway == "mesh";
        }
        self.gateways.iter().any(|g| g == gateway)
    }

    /// The first rule and match entry that take the request, with the entry's catch-all flag;
    /// only entries up to and including the first catch-all exist.
    pub(crate) fn first(
        &self,
        view: &View<'_>,
    ) -> Result<Option<(usize, Option<usize>)>, &'static str> {
        if self.rules.is_empty() && !self.l4.is_empty() {
            return Err("the `tcp` or `tls` routes of a VirtualService");
        }
        let path = crate::simulate::path::without_query(view.path);
        let candidates = self.index.candidates(&self.rules, path, view.headers);
        self.first_of(candidates.iter().copied(), view)
    }

    /// The first of `slots` (in rule and entry order) that takes the request.
    fn first_of(
        &self,
        slots: impl IntoIterator<Item = Slot>,
        view: &View<'_>,
    ) -> Result<Option<(usize, Option<usize>)>, &'static str> {
        // The path without its query, found once for every entry tried.
        let path = crate::simulate::path::without_query(view.path);
        for (i, j) in slots {
            let Some(j) = j else {
                return Ok(Some((i, None)));
            };
            match self.rules[i].matches[j].eval(view, path) {
                Tri::Yes => return Ok(Some((i, Some(j)))),
                Tri::Unknown(what) => return Err(what),
                Tri::No => {}
            }
        }
        Ok(None)
    }

    /// Whether pilot builds no route of this VirtualService for the proxy and port of `view`:
    /// no `http` rule without match entries, and no entry whose port, gateways, source labels
    /// and namespace hold. A sidecar then routes the host by its default route, as if the
    /// VirtualService were not there (route.go: `buildSidecarVirtualHostsForVirtualService`
    /// returns no virtual host when `BuildHTTPRoutesForVirtualService` builds no route, and
    /// `BuildSidecarVirtualHostWrapper` gives each Service left without one its default).
    pub(crate) fn routes_nothing_at(&self, view: &View<'_>) -> Result<bool, &'static str> {
        let mut unknown = None;
        for rule in &self.rules {
            if rule.matches.is_empty() {
                return Ok(false);
            }
            for entry in &rule.matches {
                match entry.holds(view) {
                    Tri::Yes => return Ok(false),
                    Tri::No => {}
                    Tri::Unknown(what) => unknown = unknown.or(Some(what)),
                }
            }
        }
        unknown.map_or(Ok(true), Err)
    }

    /// Whether the entry chosen by [`Compiled::first`] is a catch-all.
    pub(crate) fn is_catch_all(&self, rule: usize, entry: Option<usize>) -> bool {
        entry.is_none_or(|j| self.rules[rule].matches[j].catch_all)
    }
}

/// `exportTo`: empty or `*` is everywhere, `.` the resource's own namespace.
pub(crate) fn exported(export_to: &[String], own: &str, namespace: &str) -> bool {
    export_to.is_empty()
        || export_to
            .iter()
            .any(|e| e == "*" || e == namespace || (e == "." && own == namespace))
}

impl Match {
    /// The prefix a `rewrite.uri` replaces: the uri's exact or prefix string, else `/`.
    pub(crate) fn rewrites(&self) -> &str {
        match &self.uri {
            Some(Matcher::Exact(p) | Matcher::Prefix(p)) => p,
            _ => "/",
        }
    }

    /// The entry's rare tests, all unset when it has none.
    fn rare(&self) -> &RareTests {
        self.rare.as_deref().unwrap_or(&NO_RARE_TESTS)
    }

    /// Whether the entry's tests that pilot decides when it builds the proxy's routes hold:
    /// the port, and the gateways or else the source labels and namespace (route.go
    /// `TranslateRoute`, `sourceMatchHTTP`); an entry that fails them is no route at all.
    fn holds(&self, v: &View<'_>) -> Tri {
        // Nearly every entry has no rare test, and so none that pilot decides.
        let Some(rare) = self.rare.as_deref() else {
            return Tri::Yes;
        };
        if rare.port.is_some_and(|p| p != v.port) {
            return Tri::No;
        }
        if rare.gateways.is_empty() {
            if !rare.source_labels.is_empty() {
                match v.labels {
                    Some(labels) if selects(&rare.source_labels, labels) => {}
                    Some(_) => return Tri::No,
                    None => return Tri::Unknown("the caller's labels (sourceLabels)"),
                }
            }
            if rare
                .source_namespace
                .as_ref()
                .is_some_and(|ns| ns != v.namespace)
            {
                return Tri::No;
            }
        } else if !rare.gateways.iter().any(|g| g == v.gateway) {
            return Tri::No;
        }
        Tri::Yes
    }

    /// Whether the entry takes the request `v`, whose path without its query is `path`. The
    /// tests are pure and ANDed, so the first that fails ends it: the headers first, the one
    /// test of most entries a sidecar tries (a mesh's VirtualServices route by header), where
    /// every test was computed before they were combined.
    fn eval(&self, v: &View<'_>, path: &str) -> Tri {
        match self.holds(v) {
            Tri::Yes => {}
            other => return other,
        }
        if !self.headers.iter().all(|h| h.eval(v)) {
            return Tri::No;
        }
        let rare = self.rare();
        let uri = || {
            self.uri.as_ref().is_none_or(|m| {
                if rare.ignore_uri_case {
                    m.matches_ignoring_case(path)
                } else {
                    m.matches(path)
                }
            })
        };
        let field = |m: &Option<Matcher>, value: &str| m.as_ref().is_none_or(|m| m.matches(value));
        let query = || {
            rare.query.iter().all(|(name, m)| {
                query_values(v.path, name).any(|value| m.as_ref().is_none_or(|m| m.matches(value)))
            })
        };
        Tri::from(
            uri()
                && field(&rare.scheme, v.scheme)
                && field(&self.method, v.method)
                && field(&rare.authority, v.authority)
                && query(),
        )
    }
}

impl HeaderTest {
    fn eval(&self, v: &View<'_>) -> bool {
        match self {
            HeaderTest::Header {
                name,
                matcher,
                invert,
            } => {
                let value = v.headers.get(name);
                let found = match (matcher, value) {
                    (None, value) => value.is_some(),
                    (Some(m), Some(value)) => m.matches(&value),
                    // `withoutHeaders` treats a missing header as empty (route.go).
                    (Some(m), None) => *invert && m.matches(""),
                };
                found != *invert
            }
            HeaderTest::Claim {
                path,
                matcher,
                invert,
            } => {
                let claim = v.jwt.and_then(|jwt| jwt.get(path));
                let found =
                    claim.is_some_and(|c| c.any(|s| matcher.as_ref().is_none_or(|m| m.matches(s))));
                found != *invert
            }
        }
    }
}

/// The values of a query parameter, as sent (Envoy does not decode them for matching).
fn query_values<'a>(path: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> {
    path.split_once('?')
        .map_or("", |(_, q)| q)
        .split('&')
        .filter_map(move |pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then_some(v)
        })
}

#[cfg(test)]
#[path = "virtual_service_tests.rs"]
mod tests;
