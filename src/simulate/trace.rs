//! The answer: each hop's decision and why. A [`Trace`] borrows names from the [`Mesh`]
//! (super::Mesh) it came from, so building one copies little; it serializes to JSON and prints
//! as text ([`super::display`]).

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use serde::{Serialize, Serializer};

use super::decode::{Action, Normalization, PeerMode};

/// Which part of a resource decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The whole resource.
    Whole,
    /// `rules[i]` of an AuthorizationPolicy.
    Rule(usize),
    /// `jwtRules[i]` of a RequestAuthentication.
    JwtRule(usize),
    /// `http[i]` of a VirtualService.
    Http(usize),
    /// `tls[i]` of a VirtualService.
    Tls(usize),
    /// `tcp[i]` of a VirtualService.
    Tcp(usize),
    /// `servers[i]` of a Gateway.
    Server(usize),
    /// `subsets[i]` of a DestinationRule.
    Subset(usize),
    /// `portLevelMtls[port]` of a PeerAuthentication.
    Port(u16),
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Whole => Ok(()),
            Part::Rule(i) => write!(f, "rules[{i}]"),
            Part::JwtRule(i) => write!(f, "jwtRules[{i}]"),
            Part::Http(i) => write!(f, "http[{i}]"),
            Part::Tls(i) => write!(f, "tls[{i}]"),
            Part::Tcp(i) => write!(f, "tcp[{i}]"),
            Part::Server(i) => write!(f, "servers[{i}]"),
            Part::Subset(i) => write!(f, "subsets[{i}]"),
            Part::Port(p) => write!(f, "portLevelMtls[{p}]"),
        }
    }
}

/// The resource (and rule) that decided: `AuthorizationPolicy ns/name rules[3]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decider<'m> {
    /// `AuthorizationPolicy`, `VirtualService`, …
    pub kind: &'static str,
    /// Its namespace.
    pub namespace: &'m str,
    /// Its name.
    pub name: &'m str,
    /// The part.
    pub part: Part,
}

impl fmt::Display for Decider<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)?;
        if self.part != Part::Whole {
            write!(f, " {}", self.part)?;
        }
        Ok(())
    }
}

impl Serialize for Decider<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// How a request ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// The workload's application receives it.
    Allowed,
    /// 403 from an AuthorizationPolicy.
    Denied,
    /// Refused by JWT authentication: 401, or 403 for an audience not allowed.
    Unauthenticated {
        /// The status.
        status: u16,
    },
    /// 404: no route for the host or path.
    NotFound,
    /// A redirect (an HTTPS redirect or a route's).
    Redirected {
        /// The status.
        status: u16,
        /// Where to.
        location: String,
    },
    /// The proxy answers itself (a direct response, a CORS preflight, an injected abort).
    Responded {
        /// The status.
        status: u16,
    },
    /// The connection is refused (no listener, TLS mismatch, plaintext under STRICT mTLS).
    Refused,
    /// A route's injected fault aborts every request (`fault.abort` at 100 %) with this status.
    Aborted {
        /// The status.
        status: u16,
    },
    /// 502 or 503: nowhere to send it (a subset with no workload, an unknown host).
    Unavailable {
        /// The status.
        status: u16,
    },
    /// 400: the proxy rejects the request line.
    BadRequest,
    /// It leaves the mesh for an external host.
    External {
        /// The host.
        host: String,
    },
    /// The answer depends on something the simulator does not model.
    NotModelled {
        /// What.
        reason: String,
    },
}

impl Outcome {
    /// Whether the request reaches an application (a workload, or an external host).
    pub fn is_allowed(&self) -> bool {
        matches!(self, Outcome::Allowed | Outcome::External { .. })
    }

    /// The HTTP status the client sees, if there is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Outcome::Allowed | Outcome::External { .. } => Some(200),
            Outcome::Denied => Some(403),
            Outcome::NotFound => Some(404),
            Outcome::BadRequest => Some(400),
            Outcome::Unauthenticated { status }
            | Outcome::Redirected { status, .. }
            | Outcome::Responded { status }
            | Outcome::Aborted { status }
            | Outcome::Unavailable { status } => Some(*status),
            Outcome::Refused | Outcome::NotModelled { .. } => None,
        }
    }

    pub(crate) fn not_modelled(reason: impl Into<String>) -> Self {
        Outcome::NotModelled {
            reason: reason.into(),
        }
    }
}

/// The proxy of a hop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "proxy", rename_all = "kebab-case")]
pub enum Proxy<'m> {
    /// An ingress gateway, on a Service port and the container port behind it.
    Gateway {
        /// The gateway workload.
        name: &'m str,
        /// Its namespace.
        namespace: &'m str,
        /// The Service port.
        port: u16,
        /// The container port.
        target_port: u16,
    },
    /// The caller's sidecar, sending.
    Outbound {
        /// The caller (workload name or `namespace/service-account`).
        caller: Cow<'m, str>,
        /// The destination port.
        port: u16,
    },
    /// The request names an origin the topology does not hold.
    Unknown {
        /// The origin as given.
        origin: String,
    },
    /// The destination's sidecar, receiving.
    Inbound {
        /// The workload.
        workload: &'m str,
        /// Its namespace.
        namespace: &'m str,
        /// The container port.
        port: u16,
    },
}

/// What JWT authentication did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JwtResult {
    /// The token verified; the request has a principal.
    Verified,
    /// There was no token for any rule to check.
    NoToken,
    /// A CORS preflight: JWT authentication is skipped.
    Bypassed,
    /// The token was refused.
    Rejected,
}

/// One thing a proxy did, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step<'m> {
    /// The Gateway server that took the connection.
    Server {
        /// The server.
        by: Decider<'m>,
        /// Its protocol.
        protocol: &'m str,
    },
    /// The path after normalization, when normalization changed it (the query is not part
    /// of what policies match).
    Path {
        /// The setting.
        normalization: Normalization,
        /// The path policies and routes see, query included.
        path: String,
    },
    /// Peer authentication of the connection.
    Mtls {
        /// The effective mode.
        mode: PeerMode,
        /// The PeerAuthentication that set it (`None`: Istio's default, PERMISSIVE).
        by: Option<Decider<'m>>,
        /// The peer's identity, when the connection is mTLS.
        peer: Option<Cow<'m, str>>,
    },
    /// JWT authentication.
    Jwt {
        /// The result.
        result: JwtResult,
        /// The rule that verified or refused the token.
        by: Option<Decider<'m>>,
        /// Why it refused (or skipped) the token.
        reason: Option<&'static str>,
        /// `<iss>/<sub>` of a verified token.
        principal: Option<String>,
        /// Headers the client sent that `outputClaimToHeaders` removed.
        removed: Vec<&'m str>,
        /// Headers written from claims.
        set: Vec<(&'m str, String)>,
        /// Whether the token goes on to the next hop.
        forwarded: bool,
    },
    /// One authorization stage (CUSTOM, DENY or ALLOW).
    Authz {
        /// The stage.
        action: Action,
        /// How many policies of this action apply here.
        policies: usize,
        /// The rule that matched, if one did.
        matched: Option<Decider<'m>>,
    },
    /// A VirtualService rule routed the request.
    Route {
        /// The rule.
        by: Decider<'m>,
        /// Its `name`.
        name: Option<&'m str>,
        /// `timeout`.
        timeout: Option<&'m str>,
        /// `retries`: attempts, per-try timeout, conditions.
        retries: Option<(u32, Option<&'m str>, Option<&'m str>)>,
    },
    /// No VirtualService: the default route to the host.
    DefaultRoute {
        /// The host.
        host: &'m str,
    },
    /// Something worth knowing that did not decide.
    Note {
        /// What: most notes are fixed sentences, which are lent rather than copied.
        text: Cow<'m, str>,
    },
}

/// A hop's steps. A sidecar that decides a request as it decided an earlier delivery of the same
/// request ([`super::reuse`]) shares that hop's steps: a copy of each step, and its drop with the
/// trace, cost more than the rest of the hop (`Hop::clone` was 24 M instructions for 42,200
/// copies at 1,000 services).
#[derive(Debug, Clone)]
pub struct Steps<'m>(Held<'m>);

#[derive(Debug, Clone)]
enum Held<'m> {
    Own(Vec<Step<'m>>),
    Shared(Rc<Vec<Step<'m>>>),
}

impl<'m> Steps<'m> {
    fn with_capacity(steps: usize) -> Self {
        Steps(Held::Own(Vec::with_capacity(steps)))
    }

    #[inline]
    pub(crate) fn push(&mut self, step: Step<'m>) {
        self.own().push(step);
    }

    #[inline]
    pub(crate) fn extend(&mut self, steps: impl IntoIterator<Item = Step<'m>>) {
        self.own().extend(steps);
    }

    /// The list to add to; a shared one is copied first, so that the hop sharing it keeps its
    /// steps. Inlined, as `push` and `deref`: every step of every hop goes through them, and a
    /// call across code-generation units cost more than the match it makes.
    #[inline]
    fn own(&mut self) -> &mut Vec<Step<'m>> {
        match &mut self.0 {
            Held::Own(steps) => steps,
            Held::Shared(steps) => Rc::make_mut(steps),
        }
    }

    /// The same steps, shared from now on by this hop and the one given them.
    fn share(&mut self) -> Self {
        if let Held::Own(steps) = &mut self.0 {
            self.0 = Held::Shared(Rc::new(std::mem::take(steps)));
        }
        self.clone()
    }
}

impl<'m> Deref for Steps<'m> {
    type Target = [Step<'m>];

    #[inline]
    fn deref(&self) -> &[Step<'m>] {
        match &self.0 {
            Held::Own(steps) => steps,
            Held::Shared(steps) => steps,
        }
    }
}

impl<'m> From<Vec<Step<'m>>> for Steps<'m> {
    fn from(steps: Vec<Step<'m>>) -> Self {
        Steps(Held::Own(steps))
    }
}

impl PartialEq for Steps<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Serialize for Steps<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'s, 'm> IntoIterator for &'s Steps<'m> {
    type Item = &'s Step<'m>;
    type IntoIter = std::slice::Iter<'s, Step<'m>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// One hop: a proxy, what it did, and how it ended the request (if it did).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop<'m> {
    /// The proxy.
    #[serde(flatten)]
    pub proxy: Proxy<'m>,
    /// What it did.
    pub steps: Steps<'m>,
    /// How it ended the request; `None` when it passed the request on.
    pub outcome: Option<Outcome>,
    /// The resource that decided the outcome.
    pub decided_by: Option<Decider<'m>>,
}

impl<'m> Hop<'m> {
    pub(crate) fn new(proxy: Proxy<'m>) -> Self {
        Self::with_room(proxy, 0)
    }

    /// The steps of a sidecar's inbound hop that runs every filter: mTLS, the normalized
    /// path, CUSTOM, JWT, DENY and ALLOW.
    pub(crate) const INBOUND_STEPS: usize = 6;
    /// The steps of a gateway's hop that runs every filter and routes: its server, the
    /// normalized path, CUSTOM, JWT, DENY, ALLOW and the route.
    pub(crate) const GATEWAY_STEPS: usize = 7;

    /// A hop with room for `steps` steps: a proxy that runs its filters records one step for
    /// each, and a list grown from empty was allocated, then copied into a larger one.
    pub(crate) fn with_room(proxy: Proxy<'m>, steps: usize) -> Self {
        Self {
            proxy,
            steps: Steps::with_capacity(steps),
            outcome: None,
            decided_by: None,
        }
    }

    pub(crate) fn end(&mut self, outcome: Outcome, by: Option<Decider<'m>>) {
        self.outcome = Some(outcome);
        self.decided_by = by;
    }

    pub(crate) fn note(&mut self, text: impl Into<Cow<'m, str>>) {
        self.steps.push(Step::Note { text: text.into() });
    }

    /// This hop's decision at another proxy, its steps shared rather than copied.
    pub(crate) fn at(&mut self, proxy: Proxy<'m>) -> Hop<'m> {
        Hop {
            proxy,
            steps: self.steps.share(),
            outcome: self.outcome.clone(),
            decided_by: self.decided_by,
        }
    }
}

/// One destination of a route, and what happened at each workload behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Branch<'m> {
    /// The destination host.
    pub host: &'m str,
    /// The subset, if the route names one.
    pub subset: Option<&'m str>,
    /// The Service port.
    pub port: u16,
    /// The share of requests, percent.
    pub weight: u32,
    /// The workloads it reaches, each with its inbound hop.
    pub arrivals: Vec<Hop<'m>>,
    /// Set when the destination reaches no workload (or leaves the mesh).
    pub outcome: Option<Outcome>,
    /// The resource behind that outcome (the DestinationRule of a missing subset, say).
    pub decided_by: Option<Decider<'m>>,
}

/// What happened to a request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace<'m> {
    /// The first proxy (the gateway or the caller's sidecar); `None` for a plaintext caller.
    pub entry: Option<Hop<'m>>,
    /// Where it went next, by weight.
    pub branches: Vec<Branch<'m>>,
}

impl<'m> Trace<'m> {
    /// A request that ended at its first proxy, `hop`.
    pub(crate) fn ended(hop: Hop<'m>) -> Self {
        Trace {
            entry: Some(hop),
            branches: Vec::new(),
        }
    }

    /// Every way the request ends, with the share (percent) of requests that end so.
    pub fn endings(&self) -> Vec<(u32, &Outcome)> {
        self.each_ending().collect()
    }

    /// [`Trace::endings`] one by one: the proofs ask of every request whether it is allowed,
    /// and a list for each was an allocation per request.
    fn each_ending(&self) -> impl Iterator<Item = (u32, &Outcome)> {
        let entry = self.entry.as_ref().and_then(|h| h.outcome.as_ref());
        let branches = self
            .branches
            .iter()
            .filter(move |_| entry.is_none())
            .flat_map(|branch| {
                let arrivals = branch.arrivals.iter().filter_map(|a| a.outcome.as_ref());
                branch
                    .outcome
                    .iter()
                    .chain(arrivals)
                    .map(|outcome| (branch.weight, outcome))
            });
        entry
            .map(|outcome| (100, outcome))
            .into_iter()
            .chain(branches)
    }

    /// Whether the request ends somewhere and every way it ends reaches an application.
    pub fn allowed_everywhere(&self) -> bool {
        let mut endings = self.each_ending().peekable();
        endings.peek().is_some() && endings.all(|(_, o)| o.is_allowed())
    }

    /// The outcome when every ending agrees, `None` when they differ.
    pub fn outcome(&self) -> Option<&Outcome> {
        let endings = self.endings();
        let (_, first) = endings.first()?;
        endings.iter().all(|(_, o)| o == first).then_some(*first)
    }

    /// Whether some ending reaches an application.
    pub fn allowed_anywhere(&self) -> bool {
        self.each_ending().any(|(_, o)| o.is_allowed())
    }

    /// Whether some ending depends on something not modelled.
    pub fn not_modelled(&self) -> bool {
        self.each_ending()
            .any(|(_, o)| matches!(o, Outcome::NotModelled { .. }))
    }

    /// The rule that decided the first ending that is not an allow, if any: the answer to "who
    /// stopped it".
    pub fn stopped_by(&self) -> Option<Decider<'_>> {
        if let Some(entry) = &self.entry
            && entry.outcome.is_some()
        {
            return entry.decided_by;
        }
        self.branches.iter().find_map(|branch| {
            if branch.outcome.as_ref().is_some_and(|o| !o.is_allowed()) {
                return branch.decided_by;
            }
            branch
                .arrivals
                .iter()
                .find(|h| h.outcome.as_ref().is_some_and(|o| !o.is_allowed()))
                .and_then(|h| h.decided_by)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decider(part: Part) -> Decider<'static> {
        Decider {
            kind: "AuthorizationPolicy",
            namespace: "ns",
            name: "p",
            part,
        }
    }

    #[test]
    fn deciders_print_kind_name_and_part() {
        assert_eq!(
            decider(Part::Rule(3)).to_string(),
            "AuthorizationPolicy ns/p rules[3]"
        );
        assert_eq!(decider(Part::Whole).to_string(), "AuthorizationPolicy ns/p");
        for (part, text) in [
            (Part::JwtRule(1), "jwtRules[1]"),
            (Part::Http(2), "http[2]"),
            (Part::Tls(1), "tls[1]"),
            (Part::Tcp(0), "tcp[0]"),
            (Part::Server(0), "servers[0]"),
            (Part::Subset(4), "subsets[4]"),
            (Part::Port(8080), "portLevelMtls[8080]"),
        ] {
            assert_eq!(part.to_string(), text);
        }
        assert_eq!(
            serde_json::to_value(decider(Part::Rule(0))).unwrap(),
            "AuthorizationPolicy ns/p rules[0]"
        );
    }

    #[test]
    fn statuses() {
        let cases = [
            (Outcome::Allowed, Some(200), true),
            (
                Outcome::External {
                    host: "h".to_string(),
                },
                Some(200),
                true,
            ),
            (Outcome::Denied, Some(403), false),
            (Outcome::NotFound, Some(404), false),
            (Outcome::BadRequest, Some(400), false),
            (Outcome::Unauthenticated { status: 401 }, Some(401), false),
            (
                Outcome::Redirected {
                    status: 301,
                    location: "x".to_string(),
                },
                Some(301),
                false,
            ),
            (Outcome::Responded { status: 418 }, Some(418), false),
            (Outcome::Aborted { status: 500 }, Some(500), false),
            (Outcome::Unavailable { status: 503 }, Some(503), false),
            (Outcome::Refused, None, false),
            (Outcome::not_modelled("x"), None, false),
        ];
        for (outcome, status, allowed) in cases {
            assert_eq!(outcome.status(), status, "{outcome:?}");
            assert_eq!(outcome.is_allowed(), allowed, "{outcome:?}");
        }
    }

    fn arrival(outcome: Outcome, by: Option<Decider<'static>>) -> Hop<'static> {
        let mut hop = Hop::new(Proxy::Inbound {
            workload: "w",
            namespace: "ns",
            port: 80,
        });
        hop.end(outcome, by);
        hop
    }

    /// A hop at another proxy has the same steps, outcome and decider, lent: a step added to
    /// either afterwards is its own.
    #[test]
    fn a_hop_at_another_proxy_shares_its_steps() {
        let mut first = arrival(Outcome::Denied, Some(decider(Part::Rule(2))));
        first.note("fixed");
        first.note(format!("made {}", 1));
        let other = Proxy::Inbound {
            workload: "w2",
            namespace: "ns",
            port: 81,
        };
        let mut second = first.at(other.clone());
        assert_eq!(second.proxy, other);
        assert_eq!(second.steps, first.steps);
        assert_eq!(second.outcome, first.outcome);
        assert_eq!(second.decided_by, first.decided_by);
        assert!(matches!(&second.steps.0, Held::Shared(_)));
        assert!(
            std::ptr::eq(first.steps.as_ptr(), second.steps.as_ptr()),
            "lent"
        );
        second.note("only the second");
        assert_eq!(first.steps.len(), 2);
        assert_eq!(second.steps.len(), 3);
        first.steps.extend([Step::Note {
            text: "only the first".into(),
        }]);
        assert_eq!(
            first.steps.last(),
            Some(&Step::Note {
                text: "only the first".into()
            })
        );
        assert_eq!(second.steps[..2], first.steps[..2]);
        assert_eq!(
            serde_json::to_value(&first.steps).unwrap(),
            serde_json::to_value(first.steps.to_vec()).unwrap()
        );
        let third = first.at(other);
        assert_eq!(third.steps, first.steps);
    }

    #[test]
    fn a_trace_summarises_its_endings() {
        let mut trace = Trace {
            entry: Some(Hop::new(Proxy::Outbound {
                caller: "c".into(),
                port: 80,
            })),
            branches: vec![
                Branch {
                    host: "h",
                    subset: Some("a"),
                    port: 80,
                    weight: 80,
                    arrivals: vec![arrival(Outcome::Allowed, None)],
                    outcome: None,
                    decided_by: None,
                },
                Branch {
                    host: "h",
                    subset: Some("b"),
                    port: 80,
                    weight: 20,
                    arrivals: vec![arrival(Outcome::Denied, Some(decider(Part::Rule(1))))],
                    outcome: None,
                    decided_by: None,
                },
            ],
        };
        assert_eq!(trace.endings().len(), 2);
        assert_eq!(trace.outcome(), None);
        assert!(trace.allowed_anywhere());
        assert!(!trace.not_modelled());
        assert_eq!(trace.stopped_by(), Some(decider(Part::Rule(1))));
        trace.branches[1].arrivals[0].outcome = Some(Outcome::Allowed);
        assert_eq!(trace.outcome(), Some(&Outcome::Allowed));
        assert_eq!(trace.stopped_by(), None);
        trace.branches[1].outcome = Some(Outcome::not_modelled("x"));
        trace.branches[1].decided_by = Some(decider(Part::Subset(0)));
        assert!(trace.not_modelled());
        assert_eq!(trace.stopped_by(), Some(decider(Part::Subset(0))));
        let entry = trace.entry.as_mut().unwrap();
        entry.end(Outcome::NotFound, Some(decider(Part::Http(0))));
        assert_eq!(trace.endings(), vec![(100, &Outcome::NotFound)]);
        assert_eq!(trace.stopped_by(), Some(decider(Part::Http(0))));
        let empty = Trace {
            entry: None,
            branches: Vec::new(),
        };
        assert_eq!(empty.outcome(), None);
        assert!(!empty.allowed_anywhere());
    }

    /// `allowed_everywhere` is "some ending, and every ending allowed", over the endings in
    /// their order: a branch's own outcome before its arrivals, the entry's alone when it ended.
    #[test]
    fn allowed_everywhere_is_every_ending_allowed() {
        let branch = |weight, outcome: Option<Outcome>, arrivals: Vec<Outcome>| Branch {
            host: "h",
            subset: None,
            port: 80,
            weight,
            arrivals: arrivals.into_iter().map(|o| arrival(o, None)).collect(),
            outcome,
            decided_by: None,
        };
        let external = Outcome::External { host: "x".into() };
        let mut trace = Trace {
            entry: Some(Hop::new(Proxy::Outbound {
                caller: "c".into(),
                port: 80,
            })),
            branches: vec![
                branch(70, None, vec![Outcome::Allowed, Outcome::Allowed]),
                branch(30, Some(external.clone()), vec![Outcome::Denied]),
            ],
        };
        let old = |t: &Trace<'_>| {
            let endings = t.endings();
            !endings.is_empty() && endings.iter().all(|(_, o)| o.is_allowed())
        };
        assert_eq!(
            trace.endings(),
            vec![
                (70, &Outcome::Allowed),
                (70, &Outcome::Allowed),
                (30, &external),
                (30, &Outcome::Denied)
            ]
        );
        assert!(!trace.allowed_everywhere());
        trace.branches[1].arrivals.clear();
        assert!(trace.allowed_everywhere());
        assert_eq!(trace.allowed_everywhere(), old(&trace));
        trace.branches[0].arrivals.clear();
        trace.branches[1].outcome = None;
        assert!(!trace.allowed_everywhere(), "no ending at all");
        trace.branches[0]
            .arrivals
            .push(arrival(Outcome::Allowed, None));
        assert!(trace.allowed_everywhere());
        trace.entry.as_mut().unwrap().end(Outcome::NotFound, None);
        assert!(!trace.allowed_everywhere(), "the entry's ending alone");
        assert_eq!(trace.allowed_everywhere(), old(&trace));
        trace.entry.as_mut().unwrap().outcome = Some(Outcome::Allowed);
        assert!(trace.allowed_everywhere());
    }
}
