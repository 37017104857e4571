//! `[security]`, `[tenancy]` and `[tenants]`: secure defaults, explicit opt-outs, tenants.

use std::collections::BTreeSet;
use std::ops::Range;

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    HttpsUrl, Issuer, Jwt, MtlsMode, MtlsScope, Name, OutboundTraffic, Security, Tenancy, Tenant,
    UrlRefusal,
};
use crate::profile::Sp;
use crate::profile::raw::{
    self, ExternalProtocol, InsecureOptIn, PathNormalization, RawJwt, RawProfile,
};

impl Checker {
    /// `[security]`, and the weaker settings of other sections that need its opt-ins: path
    /// normalisation, and CORS that lets any origin send credentials.
    pub(super) fn security(&mut self, profile: &RawProfile) -> Option<Security> {
        let raw = &profile.security;
        let opted: BTreeSet<InsecureOptIn> = raw.allow_insecure.iter().map(|o| o.value).collect();
        let mut used = BTreeSet::new();
        let mut weaker = |c: &mut Self, opt_in: InsecureOptIn, span: Range<usize>, what: &str| {
            used.insert(opt_in);
            let name = opt_in_name(opt_in);
            let diagnostic = if opted.contains(&opt_in) {
                Diagnostic::new(
                    Code::InsecureSetting,
                    span,
                    format!("{what} (opted in as `{name}`)"),
                )
                .help("remove this setting as soon as the workloads allow it")
            } else {
                Diagnostic::new(
                    Code::InsecureWithoutOptIn,
                    span,
                    format!("{what}; this needs the opt-in `{name}`"),
                )
                .label("weaker than the default")
                .help(format!(
                    "if this is intended, add `allow-insecure = [\"{name}\"]` to [security]"
                ))
            };
            c.report(diagnostic);
        };
        let mtls = raw
            .mtls
            .as_ref()
            .map_or(MtlsMode::Strict, |m| m.value.into());
        match (mtls, &raw.mtls) {
            (MtlsMode::Permissive, Some(m)) => weaker(
                self,
                InsecureOptIn::PermissiveMtls,
                m.span(),
                "mTLS is permissive: workloads accept plain text",
            ),
            (MtlsMode::Disable, Some(m)) => weaker(
                self,
                InsecureOptIn::DisabledMtls,
                m.span(),
                "mTLS is disabled: traffic between workloads is plain text",
            ),
            _ => {}
        }
        for (name, service) in &profile.services {
            let workload = service.mtls.iter().map(|m| (m, String::new()));
            let ports = service.port_mtls.iter().flat_map(|ports| {
                ports
                    .value
                    .iter()
                    .map(|(port, m)| (m, format!(" on port {}", port.as_str())))
            });
            for (mode, place) in workload.chain(ports) {
                let service = name.as_str();
                match mode.value {
                    raw::MtlsMode::Permissive => weaker(
                        self,
                        InsecureOptIn::PermissiveMtls,
                        mode.span(),
                        &format!(
                            "mTLS is permissive for `{service}`{place}: it accepts plain text"
                        ),
                    ),
                    raw::MtlsMode::Disable => weaker(
                        self,
                        InsecureOptIn::DisabledMtls,
                        mode.span(),
                        &format!(
                            "mTLS is disabled for `{service}`{place}: its traffic is plain text"
                        ),
                    ),
                    raw::MtlsMode::Strict => {}
                }
            }
        }
        let default_deny = raw.default_deny.as_ref().is_none_or(|d| d.value);
        if let Some(flag) = raw.default_deny.as_ref().filter(|d| !d.value) {
            weaker(
                self,
                InsecureOptIn::NoDefaultDeny,
                flag.span(),
                "default deny is off: a workload without policies accepts every request",
            );
        }
        let outbound = raw
            .outbound_traffic
            .as_ref()
            .map_or(OutboundTraffic::RegistryOnly, |o| o.value.into());
        if let Some(o) = raw
            .outbound_traffic
            .as_ref()
            .filter(|_| outbound == OutboundTraffic::AllowAny)
        {
            weaker(
                self,
                InsecureOptIn::AllowAnyOutbound,
                o.span(),
                "outbound traffic may go anywhere, not only to registered services",
            );
        }
        let jwt = match &raw.jwt {
            Some(jwt) => {
                if let Some(flag) = jwt.value.require_token.as_ref().filter(|r| !r.value) {
                    weaker(
                        self,
                        InsecureOptIn::OptionalToken,
                        flag.span(),
                        "the gateway lets requests without a token through",
                    );
                }
                self.jwt(jwt).map(Some)
            }
            None => Some(None),
        };
        if let Some(normalization) = &profile.control_plane.path_normalization
            && let Some(what) = weak_normalization(normalization.value)
        {
            weaker(
                self,
                InsecureOptIn::WeakPathNormalization,
                normalization.span(),
                what,
            );
        }
        let cors = profile
            .ingress_gateways()
            .filter_map(|(_, g)| g.value.cors.as_ref());
        for cors in cors {
            if !cors
                .value
                .allow_credentials
                .as_ref()
                .is_some_and(|c| c.value)
            {
                continue;
            }
            for regex in &cors.value.allow_origin_regexes {
                if let Some(origin) = foreign_origin(regex.as_str()) {
                    let what = format!(
                        "CORS origin regex `{}` admits the origins of any website (it matches \
                         `{origin}`) and `allow-credentials` is on: any website may send requests \
                         with the user's credentials and read the answers",
                        regex.as_str()
                    );
                    weaker(
                        self,
                        InsecureOptIn::AnyOriginCredentials,
                        regex.span(),
                        &what,
                    );
                }
            }
        }
        let service_faults = profile.services.values().flat_map(|service| {
            service
                .routes
                .iter()
                .filter_map(|route| Some((route.name.as_str(), route.fault.as_deref()?)))
        });
        let gateway_faults = profile.ingress_gateways().flat_map(|(_, gateway)| {
            gateway
                .value
                .routes
                .iter()
                .filter_map(|(name, route)| Some((name.as_str(), route.fault.as_ref()?)))
        });
        for (route, fault) in service_faults.chain(gateway_faults) {
            weaker(
                self,
                InsecureOptIn::FaultInjection,
                fault.span(),
                &format!("route `{route}` delays or aborts requests on purpose"),
            );
        }
        for (name, protocol) in plaintext_egress(profile) {
            weaker(
                self,
                InsecureOptIn::PlaintextEgress,
                protocol.span(),
                &format!(
                    "external service `{}` is called in plain text: its requests cross the network unencrypted",
                    name.as_str()
                ),
            );
        }
        let issuers = self.issuers(profile);
        for opt_in in &raw.allow_insecure {
            if !used.contains(&opt_in.value) {
                self.report(
                    Diagnostic::new(
                        Code::UnusedOptIn,
                        opt_in.span(),
                        format!(
                            "`{}` is allowed but nothing uses it",
                            opt_in_name(opt_in.value)
                        ),
                    )
                    .help("remove it, so that a later weakening is caught"),
                );
            }
        }
        Some(Security {
            mtls,
            mtls_scope: raw
                .mtls_scope
                .as_ref()
                .map_or(MtlsScope::Mesh, |s| s.value.into()),
            default_deny,
            outbound_traffic: outbound,
            jwt: jwt?,
            issuers: issuers?,
        })
    }

    fn jwt(&mut self, raw: &Sp<RawJwt>) -> Option<Jwt> {
        let jwt = &raw.value;
        let (issuer, jwks_uri, audiences) =
            self.token_rule(&jwt.issuer, &jwt.jwks_uri, &jwt.audiences)?;
        Some(Jwt {
            issuer,
            jwks_uri,
            audiences,
            require_token: jwt.require_token.as_ref().is_none_or(|r| r.value),
        })
    }

    /// `[security.issuers]`: each a JWT rule of the workloads only, with an issuer of its own.
    fn issuers(&mut self, profile: &RawProfile) -> Option<Vec<(Name, Jwt)>> {
        let raw = &profile.security;
        let Some((first, _)) = raw.issuers.iter().next() else {
            return Some(Vec::new());
        };
        let Some(main) = &raw.jwt else {
            self.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    first.span(),
                    "more issuers need [security.jwt]: it is the one that sets up token validation",
                )
                .help("add [security.jwt] with the issuer of the gateway's tokens"),
            );
            return None;
        };
        if let Some((tenant, _)) = profile.tenants.iter().next() {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    first.span(),
                    "with tenants, workloads accept the tokens of [security.jwt] only: a tenant \
                     claim in another issuer's token would be trusted as well",
                )
                .secondary(tenant.span(), "tenant declared here")
                .help("remove [security.issuers], or the tenants"),
            );
            return None;
        }
        let mut seen = vec![(main.value.issuer.as_str(), main.value.issuer.span())];
        self.each(&raw.issuers, |c, (name, issuer)| {
            if let Some((_, first)) = seen
                .iter()
                .find(|(text, _)| *text == issuer.issuer.as_str())
            {
                c.report(
                    Diagnostic::new(
                        Code::DuplicateName,
                        issuer.issuer.span(),
                        format!("issuer `{}` is declared twice", issuer.issuer.as_str()),
                    )
                    .secondary(first.clone(), "first here"),
                );
                return None;
            }
            seen.push((issuer.issuer.as_str(), issuer.issuer.span()));
            let checked = c.name(name);
            let (iss, jwks_uri, audiences) =
                c.token_rule(&issuer.issuer, &issuer.jwks_uri, &issuer.audiences)?;
            Some((
                checked?,
                Jwt {
                    issuer: iss,
                    jwks_uri,
                    audiences,
                    require_token: false,
                },
            ))
        })
    }

    /// An issuer, its JWKS URI and its audiences.
    fn token_rule(
        &mut self,
        issuer: &Sp<String>,
        jwks_uri: &Sp<String>,
        audiences: &Sp<Vec<Sp<String>>>,
    ) -> Option<(Issuer, HttpsUrl, Vec<String>)> {
        let issuer = match Issuer::parse(issuer.as_str()) {
            Ok(issuer) => Some(issuer),
            Err(why) => {
                let diagnostic = Diagnostic::new(Code::InvalidIssuer, issuer.span(), why.reason());
                self.report(diagnostic.help("write the `iss` claim of the tokens exactly"));
                None
            }
        };
        let jwks_uri = self.jwt_url(jwks_uri, HttpsUrl::jwks_uri);
        let audiences = if self.non_empty(audiences, "`audiences`") {
            self.each(&audiences.value, |c, audience| {
                c.text(
                    audience,
                    Code::InvalidHeaderValue,
                    |text| {
                        !text.is_empty()
                            && text.len() <= 256
                            && text.chars().all(|ch| ('!'..='~').contains(&ch))
                    },
                    "an audience: use printable ASCII without spaces",
                )
            })
        } else {
            None
        };
        Some((issuer?, jwks_uri?, audiences?))
    }

    /// A JWT issuer or JWKS URI: `jwt-url-not-https` for another scheme, `invalid-url` for what
    /// is not a URL of one server.
    fn jwt_url(
        &mut self,
        raw: &Sp<String>,
        parse: fn(&str) -> Result<HttpsUrl, UrlRefusal>,
    ) -> Option<HttpsUrl> {
        let (code, why) = match parse(raw.as_str()) {
            Ok(url) => return Some(url),
            Err(UrlRefusal::NotHttps(why)) => (Code::JwtUrlNotHttps, why),
            Err(UrlRefusal::Invalid(why)) => (Code::InvalidUrl, why),
        };
        self.report(Diagnostic::new(code, raw.span(), why.reason().to_string()));
        None
    }

    /// `[tenancy]` and `[tenants]`; `Some(None)` when there are no tenants.
    pub(super) fn tenancy(&mut self, raw: &RawProfile) -> Option<Option<Tenancy>> {
        // [tenancy] is checked even without tenants, so a bad value never waits unseen.
        let claim = match &raw.tenancy.claim {
            Some(claim) => {
                let is_claim = |text: &str| {
                    !text.is_empty()
                        && text.len() <= 128
                        && text
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                };
                self.text(
                    claim,
                    Code::InvalidName,
                    is_claim,
                    "a claim name: use letters, digits, `_` and `-`",
                )
            }
            None => Some("tenant_id".to_string()),
        };
        let mut header = self.header_name_or(raw.tenancy.header.as_ref(), "x-tenant-id");
        // The gateway copies the claim into this header with `outputClaimToHeaders`, whose
        // header names Istio restricts to letters, digits, `-` and `_`.
        if let (Some(written), Some(_)) = (&raw.tenancy.header, &header)
            && !written
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            self.report(
                Diagnostic::new(
                    Code::InvalidHeaderName,
                    written.span(),
                    format!(
                        "`{}` cannot be the tenant header: the gateway sets it from the token with \
                         `outputClaimToHeaders`, which takes only letters, digits, `-` and `_`",
                        written.as_str()
                    ),
                )
                .label("not allowed in outputClaimToHeaders"),
            );
            header = None;
        }
        let Some((first, _)) = raw.tenants.iter().next() else {
            return Some(None);
        };
        if !raw.has_gateway() {
            self.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    first.span(),
                    "tenants need a gateway: tenant requests enter through it",
                )
                .help("add [gateway] with routes to the services the tenants reach"),
            );
        }
        if raw.security.jwt.is_none() {
            self.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    first.span(),
                    "tenants need JWT: the tenant comes from a token claim",
                )
                .help(
                    "add [security.jwt] with the issuer that puts the tenant claim in its tokens",
                ),
            );
        }
        let tenants = self.each(&raw.tenants, |c, (id, tenant)| {
            let checked_id = c.name(id);
            let services = if c.non_empty(&tenant.services, "`services`") {
                c.each(&tenant.services.value, |c, s| {
                    c.service_reference(s, &raw.services)
                })
            } else {
                None
            };
            let paths = if c.non_empty(&tenant.paths, "`paths`") {
                c.each(&tenant.paths.value, Self::path)
            } else {
                None
            };
            let methods = c.each(&tenant.methods, Self::method);
            Some(Tenant {
                span: id.span(),
                id: checked_id?,
                services: services?,
                paths: paths?,
                methods: methods?,
            })
        });
        Some(Some(Tenancy {
            claim: claim?,
            header: header?,
            tenants: tenants?,
        }))
    }

    /// Warns about services nothing may call while default deny is on.
    pub(super) fn reachability(&mut self, raw: &RawProfile) {
        if raw.security.default_deny.as_ref().is_some_and(|d| !d.value) {
            return;
        }
        let routed: BTreeSet<&str> = raw
            .ingress_gateways()
            .flat_map(|(_, g)| g.value.routes.values().map(|r| r.service.as_str()))
            .collect();
        let tenant_reached: BTreeSet<&str> = raw
            .tenants
            .values()
            .flat_map(|t| t.services.value.iter().map(Sp::as_str))
            .collect();
        for (name, service) in &raw.services {
            let reachable = !service.callers.is_empty()
                || routed.contains(name.as_str())
                || tenant_reached.contains(name.as_str());
            if !reachable {
                self.report(
                    Diagnostic::new(
                        Code::UnreachableService,
                        name.span(),
                        format!("nothing may call `{}`", name.as_str()),
                    )
                    .label("no callers, no gateway route, no tenant")
                    .help("with default deny, add [[services.<name>.callers]] or a gateway route"),
                );
            }
        }
    }
}

/// The external services called in plain text, and where their protocol is written.
fn plaintext_egress(
    profile: &RawProfile,
) -> impl Iterator<Item = (&Sp<String>, &Sp<ExternalProtocol>)> {
    profile
        .external_services
        .iter()
        .filter_map(|(name, external)| {
            let protocol = external.protocol.as_ref()?;
            matches!(
                protocol.value,
                ExternalProtocol::Http | ExternalProtocol::Tcp
            )
            .then_some((name, protocol))
        })
}

fn opt_in_name(opt_in: InsecureOptIn) -> &'static str {
    match opt_in {
        InsecureOptIn::PermissiveMtls => "permissive-mtls",
        InsecureOptIn::DisabledMtls => "disabled-mtls",
        InsecureOptIn::NoDefaultDeny => "no-default-deny",
        InsecureOptIn::AllowAnyOutbound => "allow-any-outbound",
        InsecureOptIn::OptionalToken => "optional-token",
        InsecureOptIn::WeakPathNormalization => "weak-path-normalization",
        InsecureOptIn::AnyOriginCredentials => "any-origin-credentials",
        InsecureOptIn::FaultInjection => "fault-injection",
        InsecureOptIn::PlaintextEgress => "plaintext-egress",
    }
}

/// What a path normalisation weaker than `decode-and-merge-slashes` lets through. Caller and
/// tenant rules match paths after the proxy normalises them, so a path the proxy leaves as sent
/// can mean one resource to the rules and another to the application.
fn weak_normalization(normalization: PathNormalization) -> Option<&'static str> {
    match normalization {
        PathNormalization::DecodeAndMergeSlashes => None,
        PathNormalization::None => Some(
            "paths are not normalised: `/public/../admin`, `//admin` and `/public%2F..%2Fadmin` \
             reach path-based caller and tenant rules as sent, and can slip past them",
        ),
        PathNormalization::Base => Some(
            "paths are not merged or decoded: `//admin` and `/public%2F..%2Fadmin` reach \
             path-based caller and tenant rules as sent, and can slip past them",
        ),
        PathNormalization::MergeSlashes => Some(
            "`%2F` and `%5C` in paths are not decoded: `/public%2F..%2Fadmin` reaches \
             path-based caller and tenant rules as sent, and can slip past them",
        ),
    }
}

/// Origins that no profile can name, one of each form a browser sends: https and http sites
/// of a name that can never be registered (`.invalid`, RFC 2606), one with a port, and `null`
/// (sandboxed frames, `file:` pages, some redirects), which any website can make a browser
/// send. A credentialed CORS regex that admits one of them admits sites of strangers.
const FOREIGN_ORIGINS: [&str; 4] = [
    "https://attacker.invalid",
    "http://attacker.invalid",
    "https://attacker.invalid:8443",
    "null",
];

/// The first of [`FOREIGN_ORIGINS`] that `regex` admits, matched as Envoy matches an origin
/// regex: against the whole origin. `None` for a regex that does not compile, which the regex
/// rule reports.
fn foreign_origin(regex: &str) -> Option<&'static str> {
    let whole = regex::RegexBuilder::new(&format!("^(?:{regex})$"))
        .size_limit(1 << 20)
        .build()
        .ok()?;
    FOREIGN_ORIGINS
        .into_iter()
        .find(|origin| whole.is_match(origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexes_that_admit_any_origin_are_told_from_narrow_ones() {
        for broad in [
            ".*",
            ".+",
            "https?://.*",
            "https://.*",
            "[a-z]+://.*",
            "(?s).*",
        ] {
            assert_eq!(
                foreign_origin(broad),
                Some("https://attacker.invalid"),
                "{broad}"
            );
        }
        assert_eq!(foreign_origin("http://.*"), Some("http://attacker.invalid"));
        assert_eq!(
            foreign_origin("https://[a-z.]+:[0-9]+"),
            Some("https://attacker.invalid:8443")
        );
        assert_eq!(
            foreign_origin("null|https://a\\.example\\.com"),
            Some("null")
        );
        for narrow in [
            "https://[a-z0-9-]+\\.nephoran\\.io",
            "https://.*\\.shop\\.example\\.com",
            "https://(www|api)\\.example\\.com(:[0-9]{2,5})?",
            "(?i)HTTPS://API\\.EXAMPLE\\.COM",
            // Envoy matches the whole origin, so an unanchored regex is no wider.
            "https://api\\.example\\.com",
            "yes",
            "(unclosed",
        ] {
            assert_eq!(foreign_origin(narrow), None, "{narrow}");
        }
    }

    #[test]
    fn only_the_recommended_normalisation_is_strong() {
        assert_eq!(
            weak_normalization(PathNormalization::DecodeAndMergeSlashes),
            None
        );
        for weak in [
            PathNormalization::None,
            PathNormalization::Base,
            PathNormalization::MergeSlashes,
        ] {
            assert!(weak_normalization(weak).is_some());
        }
    }
}
