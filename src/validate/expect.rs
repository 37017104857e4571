//! `[[expect]]`: each request checked against the profile's names, so that the simulation
//! only ever runs requests that mean something.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Expect, ExpectFrom, ExpectHost, ExpectToken, Method, Name};
use crate::profile::expect::{RawExpect, RawOutcome, RawToken};
use crate::profile::{RawProfile, Sp};

impl Checker {
    /// Every `[[expect]]`.
    pub(super) fn expects(&mut self, raw: &RawProfile) -> Option<Vec<Expect>> {
        self.each(&raw.expect, |c, expect| c.expect(raw, expect))
    }

    fn expect(&mut self, raw: &RawProfile, sp: &Sp<RawExpect>) -> Option<Expect> {
        let expect = &sp.value;
        let from = self.expect_from(raw, &expect.from);
        let host = match &expect.host {
            Some(host) if raw.services.contains_key(host.as_str()) => {
                Some(Name::parse(host.as_str()).ok().map(ExpectHost::Service))
            }
            // The Host header as sent: a port, upper case or a trailing dot are what tests
            // the mesh.
            Some(host) => self
                .text(
                    host,
                    Code::InvalidHost,
                    |h| {
                        !h.is_empty()
                            && h.len() <= 255
                            && h.chars().all(|c| ('!'..='~').contains(&c))
                    },
                    "a Host header: printable ASCII without spaces",
                )
                .map(|h| Some(ExpectHost::Literal(h))),
            // An unknown `gateway:<name>` is reported as such, not as a request from inside.
            None if matches!(from, Some(ExpectFrom::Gateway(_)))
                || (from.is_none() && expect.from.as_str().starts_with("gateway:")) =>
            {
                Some(None)
            }
            None => {
                self.report(
                    Diagnostic::new(
                        Code::MissingKey,
                        expect.from.span(),
                        "a request from inside the mesh needs `host`",
                    )
                    .help("add `host = \"<service>\"`, the service the request is sent to"),
                );
                return None;
            }
        };
        let port = match &expect.port {
            Some(port) => self.port(port).map(Some),
            None => Some(None),
        };
        let method = match &expect.method {
            Some(method) => self.method(method),
            None => Method::parse("GET").ok(),
        };
        let path = match &expect.path {
            Some(path) => self.text(
                path,
                Code::InvalidPath,
                |p| {
                    p.starts_with('/')
                        && p.len() <= 4096
                        && p.chars().all(|c| ('!'..='~').contains(&c))
                },
                "a request path: `/` and then printable ASCII without spaces",
            ),
            None => Some("/".to_string()),
        };
        let headers = self.each(&expect.headers, |c, (name, value)| {
            Some((c.header_name(name)?, value.as_str().to_string()))
        });
        let token = self.expect_token(raw, expect.token.as_ref());
        let allow = expect.outcome.value == RawOutcome::Allow;
        let route = match &expect.route {
            Some(route) if !allow => {
                self.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        route.span(),
                        "`route` says where an allowed request goes; this one must be denied",
                    )
                    .help("remove `route`, or expect `allow`"),
                );
                None
            }
            Some(route) => self.expect_route(raw, route).map(Some),
            None => Some(None),
        };
        Some(Expect {
            span: sp.span(),
            from: from?,
            host: host?,
            port: port?,
            method: method?,
            path: path?,
            headers: headers?,
            token: token?,
            allow,
            route: route?,
        })
    }

    fn expect_from(&mut self, raw: &RawProfile, from: &Sp<String>) -> Option<ExpectFrom> {
        match from.as_str() {
            "gateway" if !raw.has_gateway() => {
                self.report(
                    Diagnostic::new(
                        Code::MissingDependency,
                        from.span(),
                        "a request from the gateway needs [gateway]",
                    )
                    .help("add [gateway], or send the request from a service"),
                );
                None
            }
            "gateway" => Some(ExpectFrom::Gateway(None)),
            text if text.starts_with("gateway:") => self.expect_gateway(raw, from),
            "plaintext" => Some(ExpectFrom::Plaintext),
            text => match text.split_once('/') {
                Some((namespace, account)) => {
                    let part = |c: &mut Self, value: &str| {
                        c.name(&Sp::new(value.to_string(), from.span()))
                    };
                    let namespace = part(self, namespace);
                    let account = part(self, account);
                    Some(ExpectFrom::Account(namespace?, account?))
                }
                None => self
                    .service_reference(from, &raw.services)
                    .map(ExpectFrom::Service),
            },
        }
    }

    /// `gateway:<name>`: the request enters through that gateway (its workload), and its Host
    /// defaults to the gateway's first host.
    fn expect_gateway(&mut self, raw: &RawProfile, from: &Sp<String>) -> Option<ExpectFrom> {
        let name = from.as_str().strip_prefix("gateway:").unwrap_or_default();
        let names: Vec<&str> = super::gateways::written_gateway_names(raw)
            .map(Sp::as_str)
            .chain(
                raw.gateway
                    .as_ref()
                    .filter(|g| g.value.name.is_none())
                    .map(|_| "ingress"),
            )
            .collect();
        if names.contains(&name) {
            return Name::parse(name).ok().map(|n| ExpectFrom::Gateway(Some(n)));
        }
        let help = match crate::diagnostic::suggest::did_you_mean(name, names.iter().copied()) {
            Some(best) => format!("did you mean `gateway:{best}`?"),
            None if names.is_empty() => {
                "add [gateway], or send the request from a service".to_string()
            }
            None => format!(
                "the gateways are {}",
                names
                    .iter()
                    .map(|n| format!("`gateway:{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.report(
            Diagnostic::new(
                Code::UnknownValue,
                from.span(),
                format!("the profile has no gateway `{name}`"),
            )
            .help(help),
        );
        None
    }

    fn expect_token(
        &mut self,
        raw: &RawProfile,
        token: Option<&Sp<RawToken>>,
    ) -> Option<ExpectToken> {
        let Some(token) = token else {
            return Some(ExpectToken::None);
        };
        match &token.value {
            RawToken::None => Some(ExpectToken::None),
            RawToken::Invalid => Some(ExpectToken::Invalid),
            RawToken::Claims(claims) => {
                if raw.security.jwt.is_none() && claims.issuer.is_none() {
                    self.report(
                        Diagnostic::new(
                            Code::MissingDependency,
                            token.span(),
                            "a token needs an issuer: the profile has no [security.jwt]",
                        )
                        .help("add [security.jwt], or give the token an `issuer`"),
                    );
                    return None;
                }
                Some(ExpectToken::Claims {
                    issuer: claims.issuer.as_ref().map(|i| i.as_str().to_string()),
                    audiences: claims
                        .audiences
                        .as_ref()
                        .map(|a| a.iter().map(|a| a.as_str().to_string()).collect()),
                    claims: claims.claims.clone().into_iter().collect(),
                })
            }
        }
    }

    fn expect_route(
        &mut self,
        raw: &RawProfile,
        route: &Sp<String>,
    ) -> Option<(Name, Option<Name>)> {
        let (service, subset) = match route.as_str().split_once('/') {
            Some((service, subset)) => (service, Some(subset)),
            None => (route.as_str(), None),
        };
        let service = Sp::new(service.to_string(), route.span());
        let name = self.service_reference(&service, &raw.services)?;
        let Some(subset) = subset else {
            return Some((name, None));
        };
        let declared = raw.services.get(service.as_str())?;
        let subset = Sp::new(subset.to_string(), route.span());
        let subset = self.reference(
            &subset,
            declared.subsets.keys().map(Sp::as_str),
            Code::UnknownSubset,
            "subset",
        )?;
        Some((name, Some(subset)))
    }
}
