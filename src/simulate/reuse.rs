//! One request's deliveries to workloads that decide alike. A route that splits a request
//! between subsets (a canary, a priority subset) sends it to several workloads of one Service,
//! whose sidecars usually hold the same policies: the inbound hop at the second is the hop at
//! the first under another name. [`Mesh::inbound`] reads the workload only through its
//! container port and what applies to its proxy (the policies of each action, the
//! RequestAuthentication rules, its mTLS modes, the resources not modelled and the rate
//! limits), and the subset only through the SNI of the connection, which no filter but an
//! authorization rule on `connection.sni` reads; everything else it reads is the request,
//! the sender and the request as it travels ([`Carried`]), which are compared here. So where
//! all of those are equal, the answer is the same answer, and is copied instead of computed
//! again. The simulator is deterministic: nothing else can make two such hops differ. The
//! DestinationRules that apply to a host are found once for such a request's destinations on
//! it ([`Reuse::rules_for`]).

use super::evaluate::{Sender, Target};
use super::guard::Carried;
use super::hash::Map;
use super::mesh::{Mesh, ProxyIndex, Runs};
use super::mtls::Peer;
use super::request::Request;
use super::trace::{Branch, Hop};

/// The last inbound hop one request got and what it was computed from; one per request.
/// It points at the hop in the request's branches, so that keeping it copies nothing.
#[derive(Default)]
pub(crate) struct Reuse<'a, 'm, 'c> {
    last: Option<Last<'a, 'm, 'c>>,
    /// The DestinationRules that applied to the last host delivered to.
    rules: Option<(&'m str, Result<Vec<usize>, &'static str>)>,
    /// What the last host delivered to is.
    target: Option<(&'m str, Target<'m>)>,
}

struct Last<'a, 'm, 'c> {
    /// Where the hop is: branch, arrival.
    at: (usize, usize),
    workload: usize,
    host: &'m str,
    port: u16,
    target: u16,
    subset: Option<&'m str>,
    mtls: bool,
    carried: &'a Carried<'c>,
}

/// Where a delivery's hop goes: the request's branches before this one (`earlier`, whose hops
/// lend their steps to a hop that decides alike), and its arrival in the branch being built
/// (its index is `earlier.len()`).
pub(crate) struct Place<'e, 'm> {
    pub earlier: &'e mut [Branch<'m>],
    pub arrival: usize,
}

impl<'m> Reuse<'_, 'm, '_> {
    /// The Service or ServiceEntry `host` names for the request's sender (`lookup`), looked up
    /// once for destinations in a row on one host (the canary split's two), where each
    /// delivery hashed the host again: what a host names depends on the host and the sender's
    /// namespace alone, and one request has one sender.
    pub(crate) fn target(
        &mut self,
        host: &'m str,
        lookup: impl FnOnce() -> Target<'m>,
    ) -> Target<'m> {
        match self.target {
            Some((last, target)) if last == host => target,
            _ => self.target.insert((host, lookup())).1,
        }
    }

    /// The DestinationRules that apply to `host` for the request's sender (`compute`), computed
    /// once for destinations in a row on one host: which rules apply depends on the sender and
    /// the host alone (and the host's namespace, which the host decides), and one request's
    /// destinations have one sender.
    /// They are lent, not copied: one request's destinations read them in turn.
    pub(crate) fn rules_for(
        &mut self,
        host: &'m str,
        compute: impl FnOnce() -> Result<Vec<usize>, &'static str>,
    ) -> Result<&[usize], &'static str> {
        if self.rules.as_ref().is_some_and(|(last, _)| *last != host) {
            self.rules = None;
        }
        let (_, rules) = self.rules.get_or_insert_with(|| (host, compute()));
        rules.as_deref().map_err(|&what| what)
    }
}

impl Mesh {
    /// [`Mesh::inbound`] for one request, whose earlier deliveries `reuse` remembers: the hop
    /// of the last one under workload `w`'s name where it is the same answer (see the module).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn inbound_reusing<'a, 'm, 'c>(
        &'m self,
        reuse: &mut Reuse<'a, 'm, 'c>,
        place: &mut Place<'_, 'm>,
        w: usize,
        host: &'m str,
        (port, target): (u16, u16),
        subset: Option<&'m str>,
        carried: &'a Carried<'c>,
        sender: &Sender<'_, 'm>,
        request: &Request,
        mtls: bool,
    ) -> Hop<'m> {
        if let Some(last) = &reuse.last
            && last.host == host
            && last.port == port
            && last.target == target
            && last.mtls == mtls
            && same_request(last.carried, carried)
            && self.decide_alike(last.workload, w, last.subset != subset)
            && let Some(earlier) = place
                .earlier
                .get_mut(last.at.0)
                .and_then(|b| b.arrivals.get_mut(last.at.1))
        {
            return earlier.at(self.inbound_proxy(w, target));
        }
        reuse.last = Some(Last {
            at: (place.earlier.len(), place.arrival),
            workload: w,
            host,
            port,
            target,
            subset,
            mtls,
            carried,
        });
        self.inbound(
            w,
            host,
            (port, target),
            subset,
            carried,
            sender,
            request,
            mtls,
        )
    }

    /// Whether the proxies of workloads `a` and `b` decide every request alike, on connections
    /// whose SNI differs when `sni_differs`.
    fn decide_alike(&self, a: usize, b: usize, sni_differs: bool) -> bool {
        let reads_sni = |index: &ProxyIndex| {
            index
                .custom
                .iter()
                .chain(&index.deny)
                .chain(&index.allow)
                .any(|&i| self.policies[i].reads_sni)
        };
        (self.alike[a] == self.alike[b]) && !(sni_differs && reads_sni(&self.proxies[a]))
    }
}

/// For each proxy, the first proxy whose filters are the same ([`same_filters`]): two proxies
/// decide alike where these are equal, which one comparison of numbers tells instead of one of
/// each list of the two. Proxies are filed by their authorization lists, and compared in full
/// only with the first proxy of each kind filed with them.
pub(crate) fn alike(proxies: &Runs<ProxyIndex>) -> Vec<usize> {
    type Filed<'p> = (&'p [usize], &'p [usize], &'p [usize]);
    let mut filed: Map<Filed<'_>, Vec<usize>> = Map::default();
    let mut first = Vec::with_capacity(proxies.len());
    for (p, proxy) in proxies.iter().enumerate() {
        let kinds = filed
            .entry((&proxy.custom, &proxy.deny, &proxy.allow))
            .or_default();
        match kinds.iter().find(|&&k| same_filters(&proxies[k], proxy)) {
            Some(&k) => first.push(k),
            None => {
                kinds.push(p);
                first.push(p);
            }
        }
    }
    first
}

/// Everything of two proxies that an inbound hop reads. Written out field by field, so that a
/// field added to [`ProxyIndex`] must be sorted here.
pub(super) fn same_filters(x: &ProxyIndex, y: &ProxyIndex) -> bool {
    let ProxyIndex {
        custom,
        deny,
        allow,
        jwt,
        peer,
        unmodelled,
        rate_limits,
        // The Sidecar scopes where the workload sends, not what it accepts.
        sidecar: _,
    } = x;
    *custom == y.custom
        && *deny == y.deny
        && *allow == y.allow
        && *jwt == y.jwt
        && same_peer(peer, &y.peer)
        && *unmodelled == y.unmodelled
        && *rate_limits == y.rate_limits
}

fn same_peer(x: &Peer, y: &Peer) -> bool {
    let Peer {
        mode,
        ports,
        ambiguous,
    } = x;
    *mode == y.mode && *ports == y.ports && *ambiguous == y.ambiguous
}

/// Whether two deliveries carry the same request. Field by field, as [`same_filters`]; at
/// once where both send the route's own request (their destinations change no header).
fn same_request(x: &Carried<'_>, y: &Carried<'_>) -> bool {
    if std::ptr::eq(x, y) {
        return true;
    }
    let Carried {
        host,
        method,
        path,
        headers,
        token,
        token_present,
        l4,
        // Known or not, whether a proxy admits the method and path as they are is the same.
        admitted: _,
    } = x;
    *host == y.host
        && *method == y.method
        && *path == y.path
        && *headers == y.headers
        && std::ptr::eq(*token, y.token)
        && *token_present == y.token_present
        && *l4 == y.l4
}

#[cfg(test)]
mod tests {
    use crate::simulate::Outcome;
    use crate::simulate::evaluate::Target;
    use crate::simulate::request::{Origin, Request};
    use crate::simulate::testing::mesh;
    use crate::simulate::trace::Hop;

    const TOPOLOGY: &str = r#"
trust-domain = "td"
[[workloads]]
name = "web-v1"
namespace = "shop"
labels = { app = "web", version = "v1" }
service-account = "web"
ports = [
  { service = "web.shop.svc.cluster.local", port = 80, target-port = 8080 },
  { service = "web.shop.svc.cluster.local", port = 81, target-port = 8080 },
  { service = "web.shop.svc.cluster.local", port = 90, target-port = 9090 },
  { service = "alias.shop.svc.cluster.local", port = 80, target-port = 8080 },
]
[[workloads]]
name = "web-v2"
namespace = "shop"
labels = { app = "web", version = "v2" }
service-account = "web"
ports = [
  { service = "web.shop.svc.cluster.local", port = 80, target-port = 8080 },
  { service = "web.shop.svc.cluster.local", port = 81, target-port = 8081 },
  { service = "web.shop.svc.cluster.local", port = 90, target-port = 9090 },
]
[[workloads]]
name = "client"
namespace = "shop"
labels = { app = "client" }
service-account = "client"
"#;

    /// `web` split between its versions, hosts, ports, headers and client TLS settings (one
    /// route each), and `/v2` to its second version alone; `policies` apply.
    fn web(policies: &str) -> String {
        format!(
            r"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: web, namespace: shop}}
spec:
  hosts: [web.shop.svc.cluster.local]
  http:
  - match: [{{uri: {{prefix: /split}}}}]
    route:
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v1, port: {{number: 80}}}}, weight: 50}}
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v2, port: {{number: 80}}}}, weight: 50}}
  - match: [{{uri: {{prefix: /container}}}}]
    route:
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v1, port: {{number: 81}}}}, weight: 50}}
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v2, port: {{number: 81}}}}, weight: 50}}
  - match: [{{uri: {{prefix: /headers}}}}]
    route:
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v1, port: {{number: 80}}}}, weight: 50,
       headers: {{request: {{set: {{x: a}}}}}}}}
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v1, port: {{number: 80}}}}, weight: 50,
       headers: {{request: {{set: {{x: b}}}}}}}}
  - match: [{{uri: {{prefix: /mixed}}}}]
    route:
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v1, port: {{number: 80}}}}, weight: 50}}
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v1, port: {{number: 80}}}}, weight: 50,
       headers: {{request: {{set: {{x: b}}}}}}}}
  - match: [{{uri: {{prefix: /ports}}}}]
    route:
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v1, port: {{number: 80}}}}, weight: 50}}
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v1, port: {{number: 90}}}}, weight: 50}}
  - match: [{{uri: {{prefix: /v2}}}}]
    route:
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v2, port: {{number: 80}}}}}}
  - match: [{{uri: {{prefix: /alias}}}}]
    route:
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v1, port: {{number: 80}}}}, weight: 50}}
    - {{destination: {{host: alias.shop.svc.cluster.local, subset: v1, port: {{number: 80}}}}, weight: 50}}
  - match: [{{uri: {{prefix: /81}}}}]
    route:
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v1, port: {{number: 80}}}}, weight: 50}}
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v1, port: {{number: 81}}}}, weight: 50}}
  - match: [{{uri: {{prefix: /plain}}}}]
    route:
    - {{destination: {{host: web.shop.svc.cluster.local, subset: v1, port: {{number: 80}}}}, weight: 50}}
    - {{destination: {{host: web.shop.svc.cluster.local, subset: plain, port: {{number: 80}}}}, weight: 50}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: web, namespace: shop}}
spec:
  host: web
  subsets:
  - {{name: v1, labels: {{version: v1}}}}
  - {{name: v2, labels: {{version: v2}}}}
  - {{name: plain, labels: {{version: v1}}, trafficPolicy: {{tls: {{mode: DISABLE}}}}}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: alias, namespace: shop}}
spec:
  host: alias
  subsets:
  - {{name: v1, labels: {{version: v1}}}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {{name: callers, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  rules:
  - from: [{{source: {{principals: [td/ns/shop/sa/client]}}}}]
{policies}"
        )
    }

    fn arrivals<'m>(m: &'m crate::simulate::Mesh, path: &str) -> Vec<Hop<'m>> {
        let request = Request::new("client".parse::<Origin>().unwrap(), "web")
            .port(80)
            .path(path);
        m.evaluate(&request)
            .branches
            .into_iter()
            .flat_map(|b| b.arrivals)
            .collect()
    }

    fn outcomes(hops: &[Hop<'_>]) -> Vec<(String, Option<Outcome>)> {
        hops.iter()
            .map(|h| (h.proxy.to_string(), h.outcome.clone()))
            .collect()
    }

    fn at(workload: &str, port: u16, outcome: Outcome) -> (String, Option<Outcome>) {
        (
            format!("sidecar of shop/{workload}, port {port}"),
            Some(outcome),
        )
    }

    /// The second version's hop, copied from the first's, is the hop it gets on its own.
    #[test]
    fn a_copied_hop_is_the_hop_computed_alone() {
        let m = mesh(&web(""), TOPOLOGY);
        let split = arrivals(&m, "/split");
        assert_eq!(
            outcomes(&split),
            [
                at("web-v1", 8080, Outcome::Allowed),
                at("web-v2", 8080, Outcome::Allowed)
            ]
        );
        let alone = arrivals(&m, "/v2");
        assert_eq!(alone.len(), 1);
        assert_eq!(split[1], alone[0]);
        assert_eq!(split[0].steps, split[1].steps);
    }

    /// Whatever applies to the second version's proxy alone, the hop it gets in the split is
    /// the hop it gets on its own: each field of the proxies that [`super::same_filters`]
    /// compares, made to differ by a resource that selects that version only.
    #[test]
    fn a_proxy_of_its_own_is_decided_again() {
        let only_v2 = |kind: &str, group: &str, spec: &str| {
            format!(
                "---\napiVersion: {group}\nkind: {kind}\nmetadata: {{name: v2-only, namespace: shop}}\n\
                 spec:\n  selector: {{matchLabels: {{version: v2}}}}\n{spec}"
            )
        };
        let cases = [
            (
                "allow",
                only_v2(
                    "AuthorizationPolicy",
                    "security.istio.io/v1",
                    "  rules: [{from: [{source: {principals: [td/ns/shop/sa/client]}}]}]\n",
                ),
            ),
            (
                "custom",
                only_v2(
                    "AuthorizationPolicy",
                    "security.istio.io/v1",
                    "  action: CUSTOM\n  provider: {name: ext}\n  rules: [{}]\n",
                ),
            ),
            (
                "jwt",
                only_v2(
                    "RequestAuthentication",
                    "security.istio.io/v1",
                    "  jwtRules: [{issuer: iss, jwksUri: 'https://iss.example/jwks'}]\n",
                ),
            ),
            (
                "peer mode",
                only_v2(
                    "PeerAuthentication",
                    "security.istio.io/v1",
                    "  mtls: {mode: PERMISSIVE}\n",
                ),
            ),
            (
                "peer ports",
                only_v2(
                    "PeerAuthentication",
                    "security.istio.io/v1",
                    "  portLevelMtls: {8080: {mode: PERMISSIVE}}\n",
                ) + "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\n\
                     metadata: {name: shop, namespace: shop}\nspec: {mtls: {mode: STRICT}}\n",
            ),
            (
                "peer ambiguous",
                only_v2("PeerAuthentication", "security.istio.io/v1", "  mtls: {mode: STRICT}\n")
                    + &only_v2("PeerAuthentication", "security.istio.io/v1", "  mtls: {mode: PERMISSIVE}\n")
                        .replace("name: v2-only", "name: v2-also"),
            ),
            (
                // Both versions take their mode from one policy, and a second one selecting
                // the second version alone disagrees with it: the modes are alike, but only
                // the second version's is ambiguous.
                "peer ambiguous, mode alike",
                "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\n\
                 metadata: {name: web, namespace: shop}\n\
                 spec: {selector: {matchLabels: {app: web}}, mtls: {mode: STRICT}}\n"
                    .to_string()
                    + &only_v2("PeerAuthentication", "security.istio.io/v1", "  mtls: {mode: PERMISSIVE}\n"),
            ),
            (
                "rate limits",
                "---\napiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\n\
                 metadata: {name: rl, namespace: shop}\n\
                 spec: {workloadSelector: {labels: {version: v2}}, configPatches: [{applyTo: HTTP_FILTER, \
                 patch: {value: {name: envoy.filters.http.local_ratelimit}}}]}\n"
                    .to_string(),
            ),
            (
                "unmodelled",
                "---\napiVersion: networking.istio.io/v1\nkind: Sidecar\n\
                 metadata: {name: s, namespace: shop}\n\
                 spec: {workloadSelector: {labels: {version: v2}}, outboundTrafficPolicy: {mode: ALLOW_ANY}}\n"
                    .to_string(),
            ),
        ];
        for (what, resources) in cases {
            let m = mesh(&web(&resources), TOPOLOGY);
            let split = arrivals(&m, "/split");
            let alone = arrivals(&m, "/v2");
            assert_eq!(split.len(), 2, "{what}");
            assert_eq!(split[1], alone[0], "{what}");
            assert_ne!(
                split[0].steps, split[1].steps,
                "{what}: the versions differ"
            );
        }
    }

    /// A policy that denies everything to `web`'s second version alone.
    const DENY_V2: &str = "---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-v2, namespace: shop}
spec:
  selector: {matchLabels: {version: v2}}
  action: DENY
  rules: [{}]
";

    /// Each thing the hop reads that differs between two deliveries gives each its own answer.
    #[test]
    fn what_differs_is_decided_again() {
        // Policies of one version only.
        let m = mesh(&web(DENY_V2), TOPOLOGY);
        assert_eq!(
            outcomes(&arrivals(&m, "/split")),
            [
                at("web-v1", 8080, Outcome::Allowed),
                at("web-v2", 8080, Outcome::Denied)
            ]
        );
        // The SNI, which names the subset, where a rule reads it.
        let sni = "---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: sni, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  action: DENY
  rules: [{when: [{key: connection.sni, values: ['outbound_.80_.v2_.*']}]}]
";
        let m = mesh(&web(sni), TOPOLOGY);
        assert_eq!(
            outcomes(&arrivals(&m, "/split")),
            [
                at("web-v1", 8080, Outcome::Allowed),
                at("web-v2", 8080, Outcome::Denied)
            ]
        );
        // The request: headers a destination sets, and the port.
        let header_and_port = "---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: b-and-9090, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  action: DENY
  rules:
  - when: [{key: 'request.headers[x]', values: [b]}]
  - to: [{operation: {ports: ['9090']}}]
";
        let m = mesh(&web(header_and_port), TOPOLOGY);
        assert_eq!(
            outcomes(&arrivals(&m, "/headers")),
            [
                at("web-v1", 8080, Outcome::Allowed),
                at("web-v1", 8080, Outcome::Denied)
            ]
        );
        // The route's own request, then one a destination changes.
        assert_eq!(
            outcomes(&arrivals(&m, "/mixed")),
            [
                at("web-v1", 8080, Outcome::Allowed),
                at("web-v1", 8080, Outcome::Denied)
            ]
        );
        assert_eq!(
            outcomes(&arrivals(&m, "/ports")),
            [
                at("web-v1", 8080, Outcome::Allowed),
                at("web-v1", 9090, Outcome::Denied)
            ]
        );
        // The container port, where two versions listen on different ones.
        let port_8081 = "---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-8081, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  action: DENY
  rules: [{to: [{operation: {ports: ['8081']}}]}]
";
        let m = mesh(&web(port_8081), TOPOLOGY);
        assert_eq!(
            outcomes(&arrivals(&m, "/container")),
            [
                at("web-v1", 8080, Outcome::Allowed),
                at("web-v2", 8081, Outcome::Denied)
            ]
        );
        // The host and the Service port, which the SNI names, to one container port (the
        // subsets of both hosts have one name).
        let sni_host_port = "---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: sni, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  action: DENY
  rules: [{when: [{key: connection.sni, values: ['*_.alias.shop.svc.cluster.local', 'outbound_.81_.*']}]}]
";
        let m = mesh(&web(sni_host_port), TOPOLOGY);
        for path in ["/alias", "/81"] {
            assert_eq!(
                outcomes(&arrivals(&m, path)),
                [
                    at("web-v1", 8080, Outcome::Allowed),
                    at("web-v1", 8080, Outcome::Denied)
                ],
                "{path}"
            );
        }
        // Plaintext to one subset: no peer for the policy to admit.
        let m = mesh(&web(""), TOPOLOGY);
        assert_eq!(
            outcomes(&arrivals(&m, "/plain")),
            [
                at("web-v1", 8080, Outcome::Allowed),
                at("web-v1", 8080, Outcome::Denied)
            ]
        );
    }

    /// Two proxies have the same first alike proxy exactly where their filters are the same:
    /// the two versions of `web` until a policy selects the second alone.
    #[test]
    fn proxies_are_alike_exactly_where_their_filters_are_the_same() {
        for (policies, versions_alike) in [("", true), (DENY_V2, false)] {
            let m = mesh(&web(policies), TOPOLOGY);
            let alike = super::alike(&m.proxies);
            assert_eq!(alike.len(), m.proxies.len());
            for a in 0..m.proxies.len() {
                assert!(alike[a] <= a);
                for b in 0..m.proxies.len() {
                    assert_eq!(
                        alike[a] == alike[b],
                        super::same_filters(&m.proxies[a], &m.proxies[b]),
                        "proxies {a} and {b} with {policies:?}"
                    );
                }
            }
            let at = |name: &str| {
                m.workloads_by_name
                    .get(&m.topology.workloads, name)
                    .unwrap()
            };
            assert_eq!(alike[at("web-v1")] == alike[at("web-v2")], versions_alike);
            assert_ne!(alike[at("web-v1")], alike[at("client")]);
            // And a delivery reuses one's answer for the other exactly then.
            let (v1, v2) = (at("web-v1"), at("web-v2"));
            assert_eq!(m.decide_alike(v1, v2, false), versions_alike);
            assert_eq!(m.decide_alike(v2, v1, true), versions_alike);
            assert!(!m.decide_alike(v1, at("client"), false));
        }
    }

    /// The rules of the last host are lent again for the same host, and computed afresh for
    /// another one: a stale list would send the request by another host's rules.
    #[test]
    fn destination_rules_are_computed_again_for_another_host() {
        let mut reuse = super::Reuse::default();
        assert_eq!(reuse.rules_for("a", || Ok(vec![1])), Ok(&[1][..]));
        assert_eq!(reuse.rules_for("a", || Ok(vec![9])), Ok(&[1][..]));
        assert_eq!(reuse.rules_for("b", || Ok(vec![2])), Ok(&[2][..]));
        assert_eq!(reuse.rules_for("b", || Err("again")), Ok(&[2][..]));
        assert_eq!(reuse.rules_for("a", || Err("none")), Err("none"));
        assert_eq!(reuse.rules_for("a", || Ok(vec![1])), Err("none"));
    }

    /// What the last host names is taken again for the same host, and looked up afresh for
    /// another one: a stale answer would deliver to another host's workloads.
    #[test]
    fn a_host_is_looked_up_again_for_another_host() {
        fn entry(reuse: &mut super::Reuse<'_, 'static, '_>, host: &'static str, i: usize) -> usize {
            match reuse.target(host, || Target::Entry(i, host)) {
                Target::Entry(i, found) if found == host => i,
                _ => usize::MAX,
            }
        }
        let mut reuse = super::Reuse::default();
        assert_eq!(entry(&mut reuse, "a", 1), 1);
        assert_eq!(entry(&mut reuse, "a", 9), 1);
        assert_eq!(entry(&mut reuse, "b", 2), 2);
        assert_eq!(entry(&mut reuse, "b", 8), 2);
        assert_eq!(entry(&mut reuse, "a", 3), 3);
    }
}
