//! Several ingress gateways (`[gateways.<name>]`, or the one `[gateway]`) and the hosts of
//! their routes: the two forms are exclusive, gateways on one workload must not claim the same
//! host on one port, and a route's `hosts` are some of its gateway's.

use super::Checker;
use crate::diagnostic::suggest::did_you_mean;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{ControlPlane, Gateway, Host, HostClass, Name, PathMatch};
use crate::profile::Sp;
use crate::profile::raw::{RawGateway, RawGatewayRoute, RawProfile};

impl Checker {
    /// Every ingress gateway; `None` when one is invalid.
    pub(super) fn gateways(
        &mut self,
        raw: &RawProfile,
        control_plane: Option<&ControlPlane>,
    ) -> Option<Vec<Gateway>> {
        if let (Some(single), Some((first, _))) = (&raw.gateway, raw.gateways.iter().next()) {
            self.report(
                Diagnostic::new(
                    Code::GatewayAndGateways,
                    first.span(),
                    "the profile has both `[gateway]` and `[gateways.<name>]`",
                )
                .secondary(single.span(), "`[gateway]` here")
                .help(
                    "`[gateway]` is the one gateway of a profile; with several, name each one \
                     under `[gateways.<name>]` and move `[gateway]` there",
                ),
            );
            return None;
        }
        let gateways = self.each(raw.ingress_gateways(), |c, (key, gateway)| {
            c.gateway_table(key, gateway, raw, control_plane)
        })?;
        self.gateway_conflicts(raw, &gateways);
        let require_token = raw
            .security
            .jwt
            .as_ref()
            .is_some_and(|jwt| jwt.value.require_token.as_ref().is_none_or(|r| r.value));
        if require_token {
            self.wildcard_token_rules(&gateways);
        }
        Some(gateways)
    }

    /// The edge's token rule for a wildcard host covers every host of the ingress gateway
    /// (istio-rules.md §7: an AuthorizationPolicy host matches the Host header with its port,
    /// and `*.example.com` cannot be written with one), so it would refuse a tokenless request
    /// on another host's public route unless that path is public on the wildcard's hosts too.
    fn wildcard_token_rules(&mut self, gateways: &[Gateway]) {
        let classes: Vec<(&Gateway, HostClass<'_>)> = gateways
            .iter()
            .flat_map(|g| g.classes().into_iter().map(move |c| (g, c)))
            .collect();
        for (gateway, wide) in &classes {
            let Some(wildcard) = wide.hosts.iter().find(|h| h.is_wildcard()) else {
                continue;
            };
            let open = |path: &PathMatch| wide.routes.iter().any(|r| r.public && &r.path == path);
            let mut reported: Vec<&std::ops::Range<usize>> = Vec::new();
            for (other, class) in &classes {
                if std::ptr::eq(class.hosts[0], wide.hosts[0]) {
                    continue;
                }
                let Some(route) = class
                    .routes
                    .iter()
                    .find(|r| r.public && !open(&r.path) && !reported.contains(&&r.span))
                else {
                    continue;
                };
                reported.push(&route.span);
                self.report(
                    Diagnostic::new(
                        Code::WildcardTokenRule,
                        route.span.clone(),
                        format!(
                            "public route `{}` of gateway `{}` would need a token: the token rule \
                             of wildcard host `{wildcard}` (gateway `{}`) covers every host of \
                             the ingress gateway",
                            route.name, other.name, gateway.name
                        ),
                    )
                    .help(format!(
                        "an AuthorizationPolicy cannot name `{wildcard}` with the port a Host \
                             header may carry, so its rule names no host; list `{wildcard}`'s names \
                             instead of the wildcard, or make this path public on its hosts too"
                    )),
                );
            }
        }
    }

    /// The Gateway resource's name: `name` (default `ingress`) in `[gateway]`, the key in
    /// `[gateways.<key>]`.
    pub(super) fn gateway_name(
        &mut self,
        key: Option<&Sp<String>>,
        gateway: &RawGateway,
    ) -> Option<Name> {
        let Some(key) = key else {
            return self.name_or(gateway.name.as_ref(), "ingress");
        };
        if let Some(name) = &gateway.name {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    name.span(),
                    format!(
                        "`[gateways.{}]` is named by its key; `name` is only for `[gateway]`",
                        key.as_str()
                    ),
                )
                .secondary(key.span(), "its name")
                .help("remove `name`, or rename the table"),
            );
            return None;
        }
        self.name(key)
    }

    /// A route's `hosts`: each one of its gateway's hosts, written as the gateway writes it.
    /// `gateway` is `None` when the gateway's hosts are invalid (reported there).
    pub(super) fn route_hosts(
        &mut self,
        route: &RawGatewayRoute,
        gateway: Option<&[Host]>,
    ) -> Option<Vec<Host>> {
        let Some(hosts) = &route.hosts else {
            return Some(Vec::new());
        };
        if !self.non_empty(hosts, "`hosts`") {
            return None;
        }
        self.unique(hosts.value.iter().map(|h| (&h.value, h.span())), "host");
        let gateway = gateway?;
        self.each(&hosts.value, |c, written| {
            if let Some(host) = gateway.iter().find(|h| h.as_str() == written.as_str()) {
                return Some(host.clone());
            }
            let help = match did_you_mean(written.as_str(), gateway.iter().map(Host::as_str)) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!(
                    "the gateway serves {}",
                    gateway
                        .iter()
                        .map(|h| format!("`{h}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            c.report(
                Diagnostic::new(
                    Code::UnknownGatewayHost,
                    written.span(),
                    format!("`{}` is not a host of this gateway", written.as_str()),
                )
                .label("not in the gateway's `hosts`")
                .help(help),
            );
            None
        })
    }

    /// Two gateways on one workload (the default ingress gateway, unless a gateway has a
    /// `deployment` of its own) with servers on one port whose hosts overlap: istiod cannot
    /// tell which server a request belongs to (IST0145 ConflictingGateways), and one of them
    /// silently loses. On two deployments the host's DNS name would lead to one of them only,
    /// and the other's routes for it are never taken (nor proven: the simulator sends a host's
    /// requests to the first deployment that serves it), so that is refused too.
    fn gateway_conflicts(&mut self, raw: &RawProfile, gateways: &[Gateway]) {
        let written: Vec<(&Sp<String>, &Sp<RawGateway>)> = raw.gateways.iter().collect();
        if written.len() != gateways.len() {
            return;
        }
        for (later, gateway) in gateways.iter().enumerate() {
            for (earlier, other) in gateways[..later].iter().enumerate() {
                let Some((port, mine, theirs)) = shared_server(gateway, other) else {
                    continue;
                };
                let span = |at: usize, host: &Host| {
                    let table = written[at].1;
                    table
                        .value
                        .hosts
                        .value
                        .iter()
                        .find(|h| h.as_str() == host.as_str())
                        .map_or(table.span(), Sp::span)
                };
                let how = if mine == theirs {
                    format!("both serve `{mine}`")
                } else {
                    format!("`{mine}` and `{theirs}` overlap")
                };
                self.report(
                    Diagnostic::new(
                        Code::GatewayHostConflict,
                        span(later, mine),
                        if gateway.workload_label() == other.workload_label() {
                            format!(
                                "gateways `{}` and `{}` run on the same ingress gateway and port {port}: {how}",
                                gateway.name, other.name
                            )
                        } else {
                            format!(
                                "gateways `{}` and `{}` both serve port {port} on their deployments: {how}, and a host's DNS name leads to one of them",
                                gateway.name, other.name
                            )
                        },
                    )
                    .secondary(span(earlier, theirs), format!("served by `{}` here", other.name))
                    .help(
                        "istiod gives a host on one port of one gateway workload to one server only \
                         (IST0145): serve each host from one gateway, and use route `hosts` to route \
                         its paths differently",
                    ),
                );
                // One error per gateway, with the first it conflicts with: one per pair would
                // be millions for a few thousand gateways that serve one host.
                break;
            }
        }
    }
}

/// A port two gateways both listen on with overlapping hosts, and the first two such hosts.
fn shared_server<'a>(a: &'a Gateway, b: &'a Gateway) -> Option<(u16, &'a Host, &'a Host)> {
    let ports = |g: &Gateway| {
        std::iter::once(g.https_port.0.get())
            .chain(g.http_redirect.map(|(port, _)| port.get()))
            .collect::<Vec<_>>()
    };
    let theirs = ports(b);
    let port = ports(a).into_iter().find(|p| theirs.contains(p))?;
    a.hosts.iter().find_map(|mine| {
        b.hosts
            .iter()
            .find(|other| mine.overlaps(other))
            .map(|other| (port, mine, other))
    })
}

/// The names the profile gives its Gateways: `[gateway]`'s `name`, or each `[gateways.<key>]`
/// key. (A `[gateway]` without `name` is `ingress`.)
pub(super) fn written_gateway_names(raw: &RawProfile) -> impl Iterator<Item = &Sp<String>> {
    raw.ingress_gateways()
        .filter_map(|(key, gateway)| key.or(gateway.value.name.as_ref()))
}

/// Each route of a gateway as written, with the number of VirtualServices it is copied into:
/// one per class of hosts that gets it (hosts that get the same routes share one).
pub(super) fn route_copies(gateway: &RawGateway) -> Vec<(&RawGatewayRoute, usize)> {
    let serves = |route: &RawGatewayRoute, host: &str| {
        route
            .hosts
            .as_ref()
            .is_none_or(|hosts| hosts.value.iter().any(|h| h.as_str() == host))
    };
    let mut classes: Vec<Vec<&Sp<String>>> = Vec::new();
    for host in &gateway.hosts.value {
        let class: Vec<&Sp<String>> = gateway
            .routes
            .iter()
            .filter(|(_, route)| serves(route, host.as_str()))
            .map(|(name, _)| name)
            .collect();
        if !classes.contains(&class) {
            classes.push(class);
        }
    }
    gateway
        .routes
        .iter()
        .map(|(name, route)| {
            let copies = classes.iter().filter(|c| c.contains(&name)).count();
            (route, copies.max(1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use crate::source::Source;

    fn codes(text: &str) -> Vec<Code> {
        let source = Source::new("p.toml", text.to_string());
        match crate::pipeline::check(&source) {
            Ok(_) => Vec::new(),
            Err(found) => found.iter().map(|d| d.code).collect(),
        }
    }

    fn gateway(name: &str, hosts: &str, extra: &str) -> String {
        format!(
            "[gateways.{name}]\nhosts = [{hosts}]\ncredential = \"tls\"\n{extra}\n\
             [gateways.{name}.routes.web]\nprefix = \"/\"\nservice = \"web\"\n"
        )
    }

    const WEB: &str = "[services.web]\nport = 8080\n";

    #[test]
    fn gateways_conflict_only_on_a_shared_port_with_overlapping_hosts() {
        let two = |a: &str, b: &str| {
            codes(&format!(
                "{WEB}{}{}",
                gateway("a", "\"a.example.com\"", a),
                gateway("b", b, "")
            ))
        };
        assert!(two("", "\"b.example.com\"").is_empty());
        assert_eq!(two("", "\"a.example.com\""), [Code::GatewayHostConflict]);
        assert_eq!(two("", "\"*.example.com\""), [Code::GatewayHostConflict]);
        // Only on the redirecting HTTP port.
        assert_eq!(
            two(
                "https-port = 15443\n[control-plane.ingress-gateway]\nports = [{ name = \"http2\", port = 80, target-port = 8080 }, { name = \"https\", port = 443, target-port = 8443 }, { name = \"tls\", port = 15443, target-port = 15443 }]",
                "\"a.example.com\""
            ),
            [Code::GatewayHostConflict]
        );
        // No port in common.
        assert!(two(
            "https-port = 15443\nhttps-redirect = false\n[control-plane.ingress-gateway]\nports = [{ name = \"http2\", port = 80, target-port = 8080 }, { name = \"https\", port = 443, target-port = 8443 }, { name = \"tls\", port = 15443, target-port = 15443 }]",
            "\"a.example.com\""
        )
        .is_empty());
    }

    /// Each gateway that conflicts is one error, with the first gateway it conflicts with.
    #[test]
    fn a_host_served_by_many_gateways_is_one_error_for_each_after_the_first() {
        let many = |count: usize| {
            let gateways: String = (0..count)
                .map(|i| gateway(&format!("g{i:03}"), "\"a.example.com\"", ""))
                .collect();
            codes(&format!("{WEB}{gateways}"))
                .into_iter()
                .filter(|&code| code == Code::GatewayHostConflict)
                .count()
        };
        assert_eq!(many(3), 2);
        assert_eq!(many(256), 255);
    }

    #[test]
    fn a_wildcard_host_refuses_only_public_paths_it_does_not_open_too() {
        const JWT: &str = "[security.jwt]\nissuer = \"https://auth.example.com\"\n\
                           jwks-uri = \"https://auth.example.com/jwks\"\naudiences = [\"a\"]\n";
        let public = |name: &str, path: &str| {
            format!(
                "[gateways.{name}.routes.open]\nexact = \"{path}\"\nservice = \"web\"\n\
                 public = true\n"
            )
        };
        let profile = |wildcard: &str, other: &str, jwt: &str| {
            codes(&format!(
                "{WEB}{}{wildcard}{}{other}{jwt}",
                gateway("apps", "\"*.apps.example.com\"", ""),
                gateway("status", "\"status.example.com\"", ""),
            ))
        };
        let refused = [Code::WildcardTokenRule];
        assert_eq!(profile("", &public("status", "/health"), JWT), refused);
        // Another public path on the wildcard's hosts does not open this one.
        assert_eq!(
            profile(
                &public("apps", "/status"),
                &public("status", "/health"),
                JWT
            ),
            refused
        );
        assert!(
            profile(
                &public("apps", "/health"),
                &public("status", "/health"),
                JWT
            )
            .is_empty()
        );
        // Without a token requirement there is no token rule.
        assert!(profile("", &public("status", "/health"), "").is_empty());
        assert!(profile("", "", JWT).is_empty());
    }

    #[test]
    fn each_route_is_counted_once_per_virtual_service_it_is_copied_into() {
        let raw: RawProfile = toml::from_str(
            "[gateway]\nhosts = [\"a.io\", \"b.io\", \"c.io\"]\ncredential = \"tls\"\n\
             [gateway.routes.all]\nprefix = \"/x\"\nservice = \"s\"\n\
             [gateway.routes.a]\nprefix = \"/\"\nhosts = [\"a.io\"]\nservice = \"s\"\n\
             [gateway.routes.bc]\nprefix = \"/\"\nhosts = [\"b.io\", \"c.io\"]\nservice = \"s\"\n",
        )
        .unwrap();
        let gateway = &raw.gateway.as_ref().unwrap().value;
        let copies: Vec<usize> = route_copies(gateway).into_iter().map(|(_, n)| n).collect();
        // Keys in order: `a`, `all`, `bc`; `b.io` and `c.io` share one VirtualService.
        assert_eq!(copies, [1, 2, 1]);
    }
}
