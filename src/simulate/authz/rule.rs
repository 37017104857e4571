//! One AuthorizationPolicy rule, compiled as Istio compiles it for Envoy's RBAC filter
//! (istio/istio pilot/pkg/security/authz/model/model.go `New`, generator.go): `from` entries
//! are ORed, `to` entries are ORed, and the two and every `when` condition are ANDed; inside a
//! field the values are ORed and `notValues` is `Not(Or(notValues))`.
//!
//! A value Istio cannot translate (a port that is not a number, a bad CIDR, a header key without
//! brackets) makes an ALLOW rule match nothing and is dropped from any other rule, so a DENY
//! widens (model.go `checkError`). A `when` key Istio does not know drops the whole rule.

use std::net::IpAddr;
use std::sync::Arc;

use regex::Regex;

use super::Tri;
use super::index::Lookup;
use crate::simulate::context::Attributes;
use crate::simulate::decode::{Action, Condition, Operation, Rule as Spec, Source};
use crate::simulate::pattern::{Pattern, whole};

/// An address range of `ipBlocks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    address: IpAddr,
    bits: u8,
}

impl Cidr {
    fn parse(text: &str) -> Option<Self> {
        let (address, bits) = match text.split_once('/') {
            Some((a, b)) => (a.parse::<IpAddr>().ok()?, b.parse::<u8>().ok()?),
            None => {
                let a = text.parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if address.is_ipv4() { 32 } else { 128 };
        (bits <= max).then_some(Self { address, bits })
    }

    fn contains(self, ip: IpAddr) -> bool {
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.bits))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// A claim's path (`request.auth.claims[a][b]` → `[a, b]`), one allocation for every value of
/// a condition: a tenant guard tests one claim against every tenant (heaptrack at 10,000
/// services: a path copied into each test was the largest site of the policies).
pub(crate) type ClaimPath = Arc<[String]>;

/// One value of one field, and the attribute it tests.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    Host(Pattern),
    Method(Pattern),
    Path(Pattern),
    /// A path template (`{*}`, `{**}`), as a regex.
    PathTemplate(Regex),
    Port(u16),
    /// `principals`: the peer URI against `spiffe://<value>` in Istio's forms.
    Principal(Pattern),
    /// A regex over the peer URI (`namespaces` and `trustDomains` with wildcards).
    PeerRegex(Regex),
    /// `namespaces`: the peer URI holds `/ns/<namespace>/` (the regex `.*/ns/<namespace>/.*`).
    Namespace(Box<str>),
    /// `serviceAccounts`: generator.go's regex
    /// `spiffe://.+/ns/<namespace>/(.+/|)sa/<name>(/.+)?`, matched by hand.
    ServiceAccount {
        /// `/ns/<namespace>/`.
        namespace: Box<str>,
        /// `sa/<name>`.
        account: Box<str>,
    },
    /// The peer URI starts with this (`trustDomains` without a wildcard, and `*`).
    PeerPrefix(Box<str>),
    RequestPrincipal {
        issuer: Pattern,
        subject: Pattern,
    },
    /// The claim's path is shared by every value of its condition.
    Claim(ClaimPath, Pattern),
    /// The header's name is shared by every value of its condition.
    Header(Arc<str>, Pattern),
    SourceIp(Cidr),
    RemoteIp(Cidr),
    Sni(Pattern),
    /// An attribute the simulator cannot know (`destination.ip`, `experimental.*`).
    Unknowable(&'static str),
}

impl Test {
    /// Whether only an HTTP request has the attribute: Istio's TCP filter cannot test it
    /// (istio/istio pilot/pkg/security/authz/model/generator.go, "must not be used in TCP").
    fn is_http(&self) -> bool {
        matches!(
            self,
            Test::Host(_)
                | Test::Method(_)
                | Test::Path(_)
                | Test::PathTemplate(_)
                | Test::RequestPrincipal { .. }
                | Test::Claim(..)
                | Test::Header(..)
        )
    }

    /// Whether only a verified token has the attribute: without one the test is `No`.
    fn needs_token(&self) -> bool {
        matches!(self, Test::RequestPrincipal { .. } | Test::Claim(..))
    }

    fn eval(&self, a: &Attributes<'_>) -> Tri {
        let yes = match self {
            Test::Host(p) => p.matches_ignoring_case(a.host),
            Test::Method(p) => p.matches(a.method),
            Test::Path(p) => p.matches(a.path),
            Test::PathTemplate(r) => r.is_match(a.path),
            Test::Port(port) => a.port == *port,
            Test::Principal(p) => a.peer.is_some_and(|peer| principal(p, peer)),
            Test::PeerRegex(r) => a.peer.is_some_and(|peer| r.is_match(peer)),
            Test::Namespace(marker) => a.peer.is_some_and(|peer| peer.contains(&**marker)),
            Test::ServiceAccount { namespace, account } => a
                .peer
                .is_some_and(|peer| service_account_matches(peer, namespace, account)),
            Test::PeerPrefix(prefix) => a.peer.is_some_and(|peer| peer.starts_with(&**prefix)),
            Test::RequestPrincipal { issuer, subject } => a.jwt.is_some_and(|jwt| {
                jwt.get(&["iss"])
                    .is_some_and(|c| c.any(|s| issuer.matches(s)))
                    && jwt
                        .get(&["sub"])
                        .is_some_and(|c| c.any(|s| subject.matches(s)))
            }),
            Test::Claim(path, p) => a
                .jwt
                .and_then(|jwt| jwt.get(path))
                .is_some_and(|c| c.any(|s| p.matches(s))),
            Test::Header(name, p) => a.headers.get(name).is_some_and(|v| p.matches(&v)),
            Test::SourceIp(cidr) => match a.source_ip {
                Some(ip) => cidr.contains(ip),
                None => return Tri::Unknown("source.ip"),
            },
            Test::RemoteIp(cidr) => match a.remote_ip {
                Some(ip) => cidr.contains(ip),
                None => return Tri::Unknown("remote.ip"),
            },
            Test::Sni(p) => a.sni.name().is_some_and(|sni| p.matches(&sni)),
            Test::Unknowable(attribute) => return Tri::Unknown(attribute),
        };
        Tri::from(yes)
    }
}

/// `principals` as Envoy matches them against the peer URI (`StringMatcherWithPrefix` with
/// `spiffe://`): `*` is any non-empty URI, `*suffix` a regex `spiffe://.*suffix`.
fn principal(pattern: &Pattern, peer: &str) -> bool {
    let Some(rest) = peer.strip_prefix("spiffe://") else {
        return false;
    };
    match pattern {
        Pattern::NonEmpty | Pattern::Present => !peer.is_empty(),
        Pattern::Exact(e) => rest == &**e,
        Pattern::Prefix(p) => rest.starts_with(&**p),
        Pattern::Suffix(s) => rest.ends_with(&**s),
    }
}

/// One field: `Or(values) ∧ ¬Or(notValues)` (an empty side imposes nothing).
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub values: Box<[Test]>,
    pub not: Box<[Test]>,
    /// `values` as a look-up, when long enough ([`Lookup::of`]); a tenant guard's `notValues`
    /// lists every tenant, a caller policy's `principals` every caller.
    pub(super) values_lookup: Option<Box<Lookup>>,
    pub(super) not_lookup: Option<Box<Lookup>>,
}

impl Field {
    /// On a TCP connection the HTTP values are dropped, and a side left without values imposes
    /// nothing (model.go `checkError`: a DENY rule grows wider; an ALLOW rule with them never
    /// gets here, see [`Rule::tcp_never`]).
    fn eval(&self, a: &Attributes<'_>) -> Tri {
        if a.tcp {
            let seen = |t: &&Test| !t.is_http();
            let mut result = Tri::Yes;
            if self.values.iter().any(|t| seen(&t)) {
                result = result.and(Tri::any(self.values.iter().filter(seen).map(|t| t.eval(a))));
            }
            if self.not.iter().any(|t| seen(&t)) {
                result =
                    result.and(Tri::any(self.not.iter().filter(seen).map(|t| t.eval(a))).not());
            }
            return result;
        }
        // An HTTP request has every attribute, so no value is dropped: the same formula without
        // the filter, in plain loops (this is the simulator's innermost loop). A `No` of the
        // values decides the `And` whatever the other side gives: the tests are pure, so
        // skipping it changes nothing.
        let mut result = Tri::Yes;
        if !self.values.is_empty() {
            result = any(&self.values, self.values_lookup.as_deref(), a);
            if result == Tri::No {
                return Tri::No;
            }
        }
        if !self.not.is_empty() {
            result = result.and(any(&self.not, self.not_lookup.as_deref(), a).not());
        }
        result
    }

    fn new(values: Vec<Test>, not: Vec<Test>) -> Self {
        let lookup = |tests: &[Test]| Lookup::of(tests).map(Box::new);
        Self {
            values_lookup: lookup(&values),
            not_lookup: lookup(&not),
            values: values.into_boxed_slice(),
            not: not.into_boxed_slice(),
        }
    }

    fn is_http(&self) -> bool {
        self.values.iter().chain(&self.not).any(Test::is_http)
    }

    /// Whether an HTTP request without a verified token fails the field: every value tests the
    /// token and no `notValues` side could make up for it (`Or` of `No`s is `No`).
    fn needs_token(&self) -> bool {
        !self.values.is_empty() && self.not.is_empty() && self.values.iter().all(Test::needs_token)
    }
}

/// `Or` of the tests of an HTTP request, by their look-up when they have one: it answers for the
/// tests of its subject, which never answer `Unknown`, so `Or` with the rest, in their order,
/// is the answer of the scan.
fn any(tests: &[Test], lookup: Option<&Lookup>, a: &Attributes<'_>) -> Tri {
    match lookup {
        Some(lookup) if lookup.matches(tests, a) => Tri::Yes,
        Some(lookup) => Tri::any(lookup.rest.iter().map(|&i| tests[i].eval(a))),
        None => Tri::any(tests.iter().map(|t| t.eval(a))),
    }
}

/// `Or` of the entries (`from` or `to`), each the `And` of its fields; no entry imposes
/// nothing.
fn entries(list: &[Vec<Field>], a: &Attributes<'_>) -> Tri {
    if list.is_empty() {
        return Tri::Yes;
    }
    let mut result = Tri::No;
    for fields in list {
        match Tri::all(fields.iter().map(|f| f.eval(a))) {
            Tri::Yes => return Tri::Yes,
            unknown @ Tri::Unknown(_) if result == Tri::No => result = unknown,
            _ => {}
        }
    }
    result
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// Each `from` entry's fields (empty: any source).
    pub from: Vec<Vec<Field>>,
    /// Each `to` entry's fields (empty: any operation).
    pub to: Vec<Vec<Field>>,
    pub when: Vec<Field>,
    /// The rule matches nothing (an ALLOW rule with a value Istio cannot translate, or a rule
    /// with an unknown `when` key).
    pub never: bool,
    /// An ALLOW rule with HTTP fields, which Istio's TCP filter skips (builder.go: "skipped
    /// rule ... on TCP filter chain"): it matches no TCP connection.
    pub tcp_never: bool,
}

impl Rule {
    /// Whether the rule matches.
    pub(crate) fn eval(&self, a: &Attributes<'_>) -> Tri {
        if self.never || (a.tcp && self.tcp_never) {
            return Tri::No;
        }
        // `from ∧ to ∧ when`, each evaluated only while no part has said `No`: `when` first,
        // as its conditions (a claim, a header) are what most rules of a proxy differ in and a
        // request without a token fails them at once. `And` gives `No` if any part is `No`,
        // whatever the order, and otherwise the first `Unknown` in the order `from`, `to`,
        // `when`, which the last line keeps; the tests are pure, so skipping a part after a
        // `No` changes no answer.
        let when = Tri::all(self.when.iter().map(|f| f.eval(a)));
        if when == Tri::No {
            return Tri::No;
        }
        let from = entries(&self.from, a);
        if from == Tri::No {
            return Tri::No;
        }
        from.and(entries(&self.to, a)).and(when)
    }

    /// Whether an HTTP request without a verified token fails the rule: a `when` condition or
    /// every `from` entry has a field it fails, and `And` with a `No` is `No`.
    pub(crate) fn needs_token(&self) -> bool {
        self.when.iter().any(Field::needs_token)
            || (!self.from.is_empty()
                && self
                    .from
                    .iter()
                    .all(|fields| fields.iter().any(Field::needs_token)))
    }

    /// Whether a value of the rule tests the connection's SNI.
    pub(crate) fn reads_sni(&self) -> bool {
        self.from
            .iter()
            .chain(&self.to)
            .flatten()
            .chain(&self.when)
            .flat_map(|f| f.values.iter().chain(&f.not))
            .any(|t| matches!(t, Test::Sni(_)))
    }

    /// Compiles a rule of a policy in `namespace` with `action`; `trust` holds the trust domain
    /// and its aliases (a principal naming an alias matches the trust domain's identity).
    pub(crate) fn compile(spec: &Spec, namespace: &str, action: Action, trust: &[String]) -> Self {
        let mut builder = Builder {
            action,
            never: false,
        };
        let when = spec
            .when
            .iter()
            .map(|c| builder.condition(c, namespace, trust))
            .collect::<Vec<_>>();
        let from: Vec<Vec<Field>> = spec
            .from
            .iter()
            .map(|s| builder.source(s, namespace, trust))
            .collect();
        let to: Vec<Vec<Field>> = spec.to.iter().map(|o| builder.operation(o)).collect();
        let when = present(when);
        let http = from
            .iter()
            .chain(&to)
            .flatten()
            .chain(&when)
            .any(Field::is_http);
        Rule {
            from,
            to,
            never: builder.never,
            tcp_never: action == Action::Allow && http,
            when,
        }
    }
}

struct Builder {
    action: Action,
    never: bool,
}

type Make<'a> = &'a dyn Fn(&str) -> Option<Test>;

impl Builder {
    /// A field from values; an untranslatable value voids an ALLOW rule and is dropped
    /// elsewhere.
    fn field(&mut self, values: &[String], not: &[String], make: Make<'_>) -> Option<Field> {
        if values.is_empty() && not.is_empty() {
            return None;
        }
        // Of the list's length: collected from `filter_map`, which tells no length, one test
        // took room for four (17 MB of a 10,000-service mesh's policies, heaptrack).
        let mut compile = |list: &[String]| {
            let mut tests = Vec::with_capacity(list.len());
            tests.extend(list.iter().filter_map(|v| {
                let test = make(v);
                if test.is_none() && self.action == Action::Allow {
                    self.never = true;
                }
                test
            }));
            tests
        };
        let values = compile(values);
        Some(Field::new(values, compile(not)))
    }

    fn source(&mut self, s: &Source, namespace: &str, trust: &[String]) -> Vec<Field> {
        let principal = |v: &str| Some(Test::Principal(Pattern::string(v)));
        let principals_with_aliases: Vec<String> = s
            .principals
            .values()
            .iter()
            .flat_map(|v| aliases(v, trust))
            .collect();
        let not_principals: Vec<String> = s
            .principals
            .not()
            .iter()
            .flat_map(|v| aliases(v, trust))
            .collect();
        present([
            self.field(&principals_with_aliases, &not_principals, &principal),
            self.field(
                s.request_principals.values(),
                s.request_principals.not(),
                &|v| Some(request_principal(v)),
            ),
            self.field(s.namespaces.values(), s.namespaces.not(), &peer_namespace),
            self.field(s.ip_blocks.values(), s.ip_blocks.not(), &|v| {
                Cidr::parse(v).map(Test::SourceIp)
            }),
            self.field(
                s.remote_ip_blocks.values(),
                s.remote_ip_blocks.not(),
                &|v| Cidr::parse(v).map(Test::RemoteIp),
            ),
            self.field(
                s.service_accounts.values(),
                s.service_accounts.not(),
                &|v| Some(service_account(namespace, v)),
            ),
            self.field(
                s.trust_domains.values(),
                s.trust_domains.not(),
                &trust_domain,
            ),
        ])
    }

    fn operation(&mut self, o: &Operation) -> Vec<Field> {
        present([
            self.field(o.hosts.values(), o.hosts.not(), &|v| {
                Some(Test::Host(Pattern::header(v)))
            }),
            self.field(o.ports.values(), o.ports.not(), &port),
            self.field(o.methods.values(), o.methods.not(), &|v| {
                Some(Test::Method(Pattern::header(v)))
            }),
            self.field(o.paths.values(), o.paths.not(), &path),
        ])
    }

    fn condition(&mut self, c: &Condition, namespace: &str, trust: &[String]) -> Option<Field> {
        let key = c.key.as_str();
        let (values, not) = (&c.values, &c.not_values);
        match key {
            "destination.port" => self.field(values, not, &port),
            "destination.ip" => {
                self.field(values, not, &|_| Some(Test::Unknowable("destination.ip")))
            }
            "connection.sni" => self.field(values, not, &|v| Some(Test::Sni(Pattern::string(v)))),
            "source.ip" => self.field(values, not, &|v| Cidr::parse(v).map(Test::SourceIp)),
            "remote.ip" => self.field(values, not, &|v| Cidr::parse(v).map(Test::RemoteIp)),
            "source.namespace" => self.field(values, not, &peer_namespace),
            "source.serviceAccount" => {
                self.field(values, not, &|v| Some(service_account(namespace, v)))
            }
            "source.trustDomain" => self.field(values, not, &trust_domain),
            "source.principal" => {
                let values: Vec<String> = values.iter().flat_map(|v| aliases(v, trust)).collect();
                let not: Vec<String> = not.iter().flat_map(|v| aliases(v, trust)).collect();
                self.field(&values, &not, &|v| {
                    Some(Test::Principal(Pattern::string(v)))
                })
            }
            "request.auth.principal" => self.field(values, not, &|v| Some(request_principal(v))),
            "request.auth.audiences" => {
                let audiences = ClaimPath::from(["aud".to_string()]);
                self.field(values, not, &|v| {
                    Some(Test::Claim(audiences.clone(), Pattern::string(v)))
                })
            }
            "request.auth.presenter" => {
                let presenter = ClaimPath::from(["azp".to_string()]);
                self.field(values, not, &|v| {
                    Some(Test::Claim(presenter.clone(), Pattern::string(v)))
                })
            }
            _ if key.starts_with("request.headers") => {
                // util.go `extractNameInBrackets`: one name, whatever is inside the brackets.
                let name = key["request.headers".len()..]
                    .strip_prefix('[')
                    .and_then(|k| k.strip_suffix(']'))
                    .map(|name| Arc::<str>::from(name.to_ascii_lowercase()));
                match name {
                    Some(name) => self.field(values, not, &|v| {
                        Some(Test::Header(name.clone(), Pattern::header(v)))
                    }),
                    None => self.field(values, not, &|_| None),
                }
            }
            _ if key.starts_with("request.auth.claims") => {
                match brackets(&key["request.auth.claims".len()..]).map(ClaimPath::from) {
                    Some(path) => self.field(values, not, &|v| {
                        Some(Test::Claim(path.clone(), Pattern::string(v)))
                    }),
                    None => self.field(values, not, &|_| None),
                }
            }
            _ if key.starts_with("experimental.envoy.filters.") => self.field(values, not, &|_| {
                Some(Test::Unknowable("experimental.envoy.filters"))
            }),
            _ => {
                // model.go: an unknown attribute fails `New`, and the builder skips the rule.
                self.never = true;
                None
            }
        }
    }
}

/// `[a][b]` → `[a, b]`, `[a.b]` → `[a.b]` (model/util.go `extractNameInNestedBrackets`).
fn brackets(text: &str) -> Option<Vec<String>> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    let parts: Vec<String> = inner.split("][").map(str::to_string).collect();
    if parts.iter().any(|p| p.contains('[') || p.contains(']')) {
        return Some(vec![inner.to_string()]);
    }
    Some(parts)
}

fn port(value: &str) -> Option<Test> {
    value.parse::<u16>().ok().map(Test::Port)
}

/// `paths`: exact, `prefix*`, `*suffix`, `*`, or a template with `{*}` and `{**}`.
fn path(value: &str) -> Option<Test> {
    if !(value.contains("{*}") || value.contains("{**}")) {
        return Some(Test::Path(Pattern::string(value)));
    }
    let mut regex = String::new();
    let mut rest = value;
    while let Some(start) = rest.find('{') {
        regex.push_str(&regex::escape(&rest[..start]));
        let tail = &rest[start..];
        if let Some(after) = tail.strip_prefix("{**}") {
            regex.push_str(".*");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{*}") {
            regex.push_str("[^/]+");
            rest = after;
        } else {
            regex.push_str(&regex::escape("{"));
            rest = &tail[1..];
        }
    }
    regex.push_str(&regex::escape(rest));
    whole(&regex).ok().map(Test::PathTemplate)
}

fn request_principal(value: &str) -> Test {
    // generator.go `requestPrincipalGenerator`: split at the last `/`; `*` on either side.
    let any = Pattern::NonEmpty;
    let (issuer, subject) = match value.rfind('/') {
        _ if value == "*" => (any.clone(), any),
        Some(i) => {
            let (iss, sub) = (&value[..i], &value[i + 1..]);
            if value.starts_with('*') {
                let issuer = if iss == "*" {
                    any
                } else {
                    Pattern::Suffix(iss[1..].into())
                };
                (issuer, Pattern::Exact(sub.into()))
            } else if value.ends_with('*') {
                let subject = if sub == "*" {
                    any
                } else {
                    Pattern::Prefix(sub[..sub.len() - 1].into())
                };
                (Pattern::Exact(iss.into()), subject)
            } else {
                (Pattern::Exact(iss.into()), Pattern::Exact(sub.into()))
            }
        }
        None if value.starts_with('*') => (any, Pattern::Suffix(value[1..].into())),
        None if value.ends_with('*') => (Pattern::Prefix(value[..value.len() - 1].into()), any),
        None => (
            Pattern::Exact(value.into()),
            Pattern::Exact(String::new().into()),
        ),
    };
    Test::RequestPrincipal { issuer, subject }
}

/// A glob with `*` as `.*`, the rest quoted.
fn glob(value: &str) -> String {
    value
        .split('*')
        .map(regex::escape)
        .collect::<Vec<_>>()
        .join(".*")
}

fn peer_regex(regex: &str) -> Option<Test> {
    whole(regex).ok().map(Test::PeerRegex)
}

/// generator.go `srcNamespaceGenerator`: the regex `.*/ns/<glob>/.*` over the peer URI.
fn peer_namespace(value: &str) -> Option<Test> {
    if value.contains('*') {
        peer_regex(&format!(".*/ns/{}/.*", glob(value)))
    } else {
        Some(Test::Namespace(format!("/ns/{value}/").into()))
    }
}

/// generator.go `serviceAccountRegex`: `name` (in the policy's namespace) or `namespace/name`.
fn service_account(namespace: &str, value: &str) -> Test {
    let (ns, sa) = value.split_once('/').unwrap_or((namespace, value));
    Test::ServiceAccount {
        namespace: format!("/ns/{ns}/").into(),
        account: format!("sa/{sa}").into(),
    }
}

/// Whether `uri` matches `spiffe://.+<namespace>(.+/|)<account>(/.+)?` in full, where
/// `namespace` is `/ns/<ns>/` and `account` is `sa/<name>`.
fn service_account_matches(uri: &str, namespace: &str, account: &str) -> bool {
    let Some(rest) = uri.strip_prefix("spiffe://") else {
        return false;
    };
    // `(/.+)?` after the account: the end, or a slash and at least one more character.
    let ends_well = |after: &str| after.is_empty() || (after.starts_with('/') && after.len() > 1);
    rest.match_indices(namespace)
        .filter(|(i, _)| *i > 0)
        .any(|(i, _)| {
            let tail = &rest[i + namespace.len()..];
            if let Some(after) = tail.strip_prefix(account)
                && ends_well(after)
            {
                return true;
            }
            // `.+/` then the account: a slash at index 1 or later.
            tail.match_indices(&format!("/{account}"))
                .filter(|(j, _)| *j > 0)
                .any(|(j, _)| ends_well(&tail[j + 1 + account.len()..]))
        })
}

fn trust_domain(value: &str) -> Option<Test> {
    if value == "*" {
        Some(Test::PeerPrefix("spiffe://".into()))
    } else if !value.contains('*') {
        Some(Test::PeerPrefix(format!("spiffe://{value}/").into()))
    } else {
        let (head, tail) = value.split_once('*').unwrap_or((value, ""));
        peer_regex(&format!(
            "spiffe://{}[^/]*{}/.*",
            regex::escape(head),
            regex::escape(tail)
        ))
    }
}

/// The fields that are there, in a list of their exact length: collected through `flatten`,
/// which tells no length, one field took room for four (10 MB of a 10,000-service mesh's
/// policies, heaptrack).
fn present(fields: impl IntoIterator<Item = Option<Field>>) -> Vec<Field> {
    let fields: Vec<Option<Field>> = fields.into_iter().collect();
    let mut present = Vec::with_capacity(fields.iter().flatten().count());
    present.extend(fields.into_iter().flatten());
    present
}

/// A principal and its spellings under the trust domain's aliases: Istio rewrites a principal
/// naming the trust domain or an alias to every one of them (trustdomain/bundle.go
/// `ReplaceTrustDomainAliases`).
fn aliases(value: &str, trust: &[String]) -> Vec<String> {
    let Some((domain, rest)) = value.split_once('/') else {
        return vec![value.to_string()];
    };
    if trust.len() < 2 || !trust.iter().any(|t| t == domain) {
        return vec![value.to_string()];
    }
    trust.iter().map(|t| format!("{t}/{rest}")).collect()
}

#[cfg(test)]
#[path = "rule_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "rule_lookup_tests.rs"]
mod lookup_tests;
