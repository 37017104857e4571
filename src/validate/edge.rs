//! `[gateway]` and each of `[gateways.<name>]`: the mesh's ingress edge (`egress` has the
//! other).

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::istio::vocab::re2::{self, EnvoyRefusal};
use crate::model::{ControlPlane, Cors, Gateway, Port, TlsVersion};
use crate::profile::Sp;
use crate::profile::raw::{RawCors, RawGateway, RawProfile, RawService};

/// The help of a regular expression that Go refuses or RE2 reads otherwise.
const RE2_SYNTAX: &str = "Istio uses RE2 syntax: no look-around, no back-references";

/// The help of a regular expression istiod accepts and Envoy would not load.
fn envoy_help(refusal: &EnvoyRefusal) -> &'static str {
    match refusal {
        EnvoyRefusal::RepeatCount { .. } => {
            "RE2 multiplies nested counts even inside `{0}`: drop the `{0}` part"
        }
        EnvoyRefusal::ProgramTooLarge { .. } => {
            "Envoy would reject the whole route configuration: repeat less, or a shorter part"
        }
        EnvoyRefusal::UnicodeName { .. } | EnvoyRefusal::UnboundedProgram { .. } => {
            "an Origin header is ASCII (browsers send host names as punycode): write the class \
             in ASCII, such as `[a-z]`"
        }
    }
}

impl Checker {
    /// `[gateway]` (no `key`) or `[gateways.<key>]`; `None` when it is invalid.
    pub(super) fn gateway_table(
        &mut self,
        key: Option<&Sp<String>>,
        gateway: &Sp<RawGateway>,
        raw: &RawProfile,
        control_plane: Option<&ControlPlane>,
    ) -> Option<Gateway> {
        let gw = &gateway.value;
        let name = self.gateway_name(key, gw);
        let hosts = if self.non_empty(&gw.hosts, "`hosts`") {
            self.unique(gw.hosts.value.iter().map(|h| (&h.value, h.span())), "host");
            self.each(&gw.hosts.value, |c, host| {
                let checked = c.host(host)?;
                if checked.as_str() == "*" {
                    c.report(
                        Diagnostic::new(
                            Code::WildcardGatewayHost,
                            host.span(),
                            "the gateway accepts any Host header",
                        )
                        .help("list the host names the gateway serves; `*` exposes routes to every name that resolves to it"),
                    );
                } else if !checked.is_qualified() {
                    c.report(Diagnostic::new(
                        Code::InvalidHost,
                        host.span(),
                        format!("`{checked}` is a short name; a gateway host must be fully qualified"),
                    ));
                    return None;
                }
                Some(checked)
            })
        } else {
            None
        };
        let credential = self.name(&gw.credential);
        let deployment =
            self.gateway_deployment(gw, name.as_ref(), &raw.control_plane.ingress_gateway);
        let https_port = self.port_or(gw.https_port.as_ref(), 443);
        let own = deployment.as_ref().and_then(Option::as_ref);
        let target = |c: &mut Self, port: Option<Port>, raw: Option<&Sp<i64>>| {
            let port = port?;
            let ports = match own {
                Some(own) => &own.ports,
                None => &control_plane?.ingress_gateway.ports,
            };
            let found = ports.iter().find(|p| p.port == port);
            if found.is_none() {
                c.report(
                    Diagnostic::new(
                        Code::GatewayPortNotExposed,
                        raw.map_or(gateway.span(), Sp::span),
                        if own.is_some() {
                            format!(
                                "the Service of the gateway's own deployment has no port {port}"
                            )
                        } else {
                            format!("the ingress gateway's Service has no port {port}")
                        },
                    )
                    .help(if own.is_some() {
                        "add it to the gateway's `deployment.ports`, or use one of its ports"
                    } else {
                        "add it to [control-plane.ingress-gateway] `ports`, or use one of its ports"
                    }),
                );
            }
            Some((port, found?.target_port))
        };
        let https = target(self, https_port, gw.https_port.as_ref());
        let http_redirect = if gw.https_redirect.as_ref().is_none_or(|r| r.value) {
            let http_port = self.port_or(gw.http_port.as_ref(), 80);
            let http = target(self, http_port, gw.http_port.as_ref());
            if let (Some(http), Some(https)) = (http, https)
                && http.1 == https.1
            {
                self.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        gw.http_port
                            .as_ref()
                            .or(gw.https_port.as_ref())
                            .map_or(gateway.span(), Sp::span),
                        format!(
                            "the HTTP server (port {}) and the HTTPS server (port {}) would share \
                             the gateway's container port {}",
                            http.0, https.0, http.1
                        ),
                    )
                    .help("give `http-port` and `https-port` Service ports with different target ports"),
                );
            }
            http.map(Some)
        } else {
            if let Some(port) = &gw.http_port {
                self.report(
                    Diagnostic::new(
                        Code::MissingDependency,
                        port.span(),
                        "`http-port` needs `https-redirect = true`",
                    )
                    .help("without the redirect there is no plain-HTTP server; remove `http-port`"),
                );
            }
            Some(None)
        };
        let cors = match &gw.cors {
            Some(cors) => self.cors(cors).map(Some),
            None => Some(None),
        };
        let routes = self.gateway_routes(&gw.routes, raw, hosts.as_deref());
        Some(Gateway {
            name: name?,
            hosts: hosts?,
            credential: credential?,
            min_tls: gw
                .min_tls
                .as_ref()
                .map_or(TlsVersion::V1_3, |v| v.value.into()),
            https_port: https?,
            http_redirect: http_redirect?,
            cors: cors?,
            routes: routes?,
            deployment: deployment?,
        })
    }

    /// Warns when a rate-limited route, which is one Envoy route to the service's final
    /// destinations, reaches a service that routes by subsets without any subset: ingress
    /// requests on it then go to every pod, canary and special subsets alike (IST0140).
    pub(super) fn rate_limit_bypasses_subsets(
        &mut self,
        route: &Sp<String>,
        limit: std::ops::Range<usize>,
        service: &RawService,
    ) {
        let final_has_subset = service.canary.is_some() || service.default_subset.is_some();
        let routes_by_subset = !service.routes.is_empty()
            || service.priority.is_some()
            || service.region_routing.as_ref().is_some_and(|r| r.value);
        if routes_by_subset && !final_has_subset {
            self.report(
                Diagnostic::new(
                    Code::IngressBypassesSubsets,
                    limit,
                    format!(
                        "requests on rate-limited route `{}` reach every pod of the service, not its subsets",
                        route.as_str()
                    ),
                )
                .help(
                    "a rate-limited route is one Envoy route to the service's final destinations, \
                     so the service's own routes do not apply to it; give the service a \
                     `default-subset` (or a canary) to keep its requests on a subset",
                ),
            );
        }
    }

    fn cors(&mut self, raw: &Sp<RawCors>) -> Option<Cors> {
        let cors = &raw.value;
        let origins = self.each(&cors.allow_origins, |c, origin| {
            let text = origin.as_str();
            let ok = text == "*"
                || ((text.starts_with("https://") || text.starts_with("http://"))
                    && text
                        .chars()
                        .all(|ch| ('!'..='~').contains(&ch) && !"\"'\\".contains(ch)));
            if ok {
                Some(text.to_string())
            } else {
                c.report(
                    Diagnostic::new(
                        Code::InvalidUrl,
                        origin.span(),
                        format!("`{text}` is not an origin"),
                    )
                    .help(
                        "write scheme://host[:port], such as `https://console.example.com`, or `*`",
                    ),
                );
                None
            }
        });
        let regexes = self.each(&cors.allow_origin_regexes, |c, regex| {
            c.regex(regex).map(|()| regex.value.clone())
        });
        let methods = self.each(&cors.allow_methods, Self::method);
        let allow_headers = self.each(&cors.allow_headers, Self::header_name);
        let expose_headers = self.each(&cors.expose_headers, Self::header_name);
        let max_age = match &cors.max_age {
            Some(age) => {
                let duration = self.duration(age);
                if duration.is_some_and(|d| !d.is_whole_seconds()) {
                    self.report(Diagnostic::new(
                        Code::DurationTooShort,
                        age.span(),
                        "CORS `max-age` must be whole seconds",
                    ));
                    None
                } else {
                    duration.map(Some)
                }
            }
            None => Some(None),
        };
        let credentials = cors.allow_credentials.as_ref().is_some_and(|c| c.value);
        let wildcard = cors.allow_origins.iter().find(|o| o.as_str() == "*");
        if let (Some(wildcard), Some(flag)) = (
            wildcard,
            cors.allow_credentials.as_ref().filter(|c| c.value),
        ) {
            self.report(
                Diagnostic::new(
                    Code::CorsWildcardCredentials,
                    wildcard.span(),
                    "CORS allows any origin together with credentials",
                )
                .secondary(flag.span(), "credentials allowed here")
                .help("browsers refuse credentialed responses to `*`; list the origins"),
            );
            return None;
        }
        if cors.allow_origins.is_empty() && cors.allow_origin_regexes.is_empty() {
            self.report(
                Diagnostic::new(Code::EmptyList, raw.span(), "CORS allows no origin")
                    .help("add `allow-origins` or `allow-origin-regexes`"),
            );
            return None;
        }
        Some(Cors {
            origins: origins?,
            origin_regexes: regexes?,
            methods: methods?,
            allow_headers: allow_headers?,
            expose_headers: expose_headers?,
            max_age: max_age?,
            allow_credentials: credentials,
        })
    }

    /// A regular expression that istiod accepts (Go's `regexp.Compile`, at most 1024 bytes),
    /// Envoy loads (RE2's names, counts and program size) and RE2 reads as other engines do.
    pub(super) fn regex(&mut self, raw: &Sp<String>) -> Option<()> {
        let text = raw.as_str();
        let compiles =
            |problem: &str| format!("the regular expression does not compile: {problem}");
        let (message, help) = if text.is_empty() {
            (compiles("it is empty"), RE2_SYNTAX)
        } else if text.len() > re2::MAX_LENGTH {
            (compiles("it is longer than 1024 characters"), RE2_SYNTAX)
        } else {
            match re2::parse(text) {
                Err(error) => (compiles(&error.to_string()), RE2_SYNTAX),
                Ok(regex) => match (regex.envoy_refusal(), regex.surprise()) {
                    (Some(refusal), _) => (
                        format!("Envoy's RE2 would not load the regular expression: {refusal}"),
                        envoy_help(refusal),
                    ),
                    (None, Some(surprise)) => (
                        format!("the regular expression means something else to RE2: {surprise}"),
                        RE2_SYNTAX,
                    ),
                    (None, None) => return Some(()),
                },
            }
        };
        self.report(Diagnostic::new(Code::InvalidRegex, raw.span(), message).help(help));
        None
    }

    /// An absolute file path inside the proxy container.
    pub(super) fn file_path(&mut self, raw: &Sp<String>) -> Option<String> {
        self.text(
            raw,
            Code::InvalidPath,
            is_file_path,
            "an absolute file path",
        )
    }
}

/// An absolute path of printable ASCII without quotes or backslashes, at most 1024 bytes.
pub(super) fn is_file_path(text: &str) -> bool {
    text.starts_with('/')
        && text.len() <= 1024
        && text
            .chars()
            .all(|c| ('!'..='~').contains(&c) && !"\"'\\`".contains(c))
}
