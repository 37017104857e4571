//! Who a caller is by its token (request principals, claims), and the mTLS modes of one
//! service's workloads and ports. Whether a weaker mode is opted into is `security`'s to say.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    ClaimName, ClaimValue, Issuer, MtlsMode, Port, PrincipalRefusal, RequestPrincipal,
};
use crate::profile::Sp;
use crate::profile::raw::{RawCaller, RawClaims, RawProfile, RawService};

/// Container ports the sidecar keeps for itself (Istio's "Ports used by Istio"): inbound
/// traffic to them is not intercepted, so no mTLS mode applies there.
/// <https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio>
const PROXY_PORTS: [u16; 10] = [
    15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090,
];

/// A caller's token conditions.
pub(super) type TokenConditions = (Vec<RequestPrincipal>, Vec<(ClaimName, Vec<ClaimValue>)>);

/// A service's workload and port mTLS modes.
pub(super) type WorkloadMtls = (Option<MtlsMode>, Vec<(Port, MtlsMode)>);

impl Checker {
    /// `request-principals` and `claims` of a caller rule. Both need `[security.jwt]`: only
    /// its issuer's tokens are validated on the workloads, and an unvalidated token has no
    /// principal and no claims.
    pub(super) fn caller_token(
        &mut self,
        caller: &RawCaller,
        profile: &RawProfile,
    ) -> Option<TokenConditions> {
        let claims = caller.claims.as_ref();
        let first = caller
            .request_principals
            .first()
            .map(Sp::span)
            .or_else(|| claims.map(Sp::span));
        let Some(first) = first else {
            return Some((Vec::new(), Vec::new()));
        };
        let Some(jwt) = &profile.security.jwt else {
            self.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    first,
                    "a caller identified by its token needs JWT validation",
                )
                .help("add [security.jwt] with the issuer of the callers' tokens"),
            );
            return None;
        };
        // An invalid issuer is reported with [security]; the principals wait for it.
        let issuer = Issuer::parse(jwt.value.issuer.as_str()).ok();
        let more: Option<Vec<Issuer>> = profile
            .security
            .issuers
            .values()
            .map(|more| Issuer::parse(more.issuer.as_str()).ok())
            .collect();
        let principals = self.each(&caller.request_principals, |c, principal| {
            let issuer = issuer.as_ref()?;
            let more = more.as_ref()?;
            let issuers = std::iter::once(issuer).chain(more);
            match RequestPrincipal::parse(principal.as_str(), issuers) {
                Ok(principal) => Some(principal),
                Err(PrincipalRefusal::UnknownIssuer) => {
                    let declared = if more.is_empty() {
                        format!("the issuer `{issuer}`")
                    } else {
                        let all: Vec<String> = std::iter::once(issuer)
                            .chain(more)
                            .map(|i| format!("`{i}`"))
                            .collect();
                        format!("any declared issuer ({})", all.join(", "))
                    };
                    c.report(
                        Diagnostic::new(
                            Code::UnknownIssuer,
                            principal.span(),
                            format!(
                                "`{}` is not `<issuer>/<subject>` for {declared}",
                                principal.as_str()
                            ),
                        )
                        .label("no token validated here has this principal")
                        .help(format!(
                            "a request principal is the token's `iss` and `sub` joined by `/`: \
                             `{issuer}/<subject>`"
                        )),
                    );
                    None
                }
                Err(PrincipalRefusal::Invalid(why)) => {
                    c.report(Diagnostic::new(
                        Code::InvalidClaim,
                        principal.span(),
                        why.reason().to_string(),
                    ));
                    None
                }
            }
        });
        let claims = match claims {
            Some(claims) => self.claims(claims),
            None => Some(Vec::new()),
        };
        Some((principals?, claims?))
    }

    fn claims(&mut self, raw: &Sp<RawClaims>) -> Option<Vec<(ClaimName, Vec<ClaimValue>)>> {
        if raw.value.is_empty() {
            self.report(
                Diagnostic::new(Code::EmptyList, raw.span(), "`claims` is empty")
                    .label("needs at least one claim"),
            );
            return None;
        }
        self.each(&raw.value, |c, (name, values)| {
            let checked = ClaimName::parse(name.as_str()).map_err(|why| {
                c.report(Diagnostic::new(
                    Code::InvalidClaim,
                    name.span(),
                    why.reason().to_string(),
                ));
            });
            let values = if c.non_empty(values, &format!("claim `{}`", name.as_str())) {
                c.each(&values.value, |c, value| {
                    ClaimValue::parse(value.as_str())
                        .map_err(|why| {
                            c.report(Diagnostic::new(
                                Code::InvalidClaim,
                                value.span(),
                                why.reason().to_string(),
                            ));
                        })
                        .ok()
                })
            } else {
                None
            };
            Some((checked.ok()?, values?))
        })
    }

    /// `mtls` and `port-mtls` of a service.
    pub(super) fn workload_mtls(&mut self, raw: &RawService) -> Option<WorkloadMtls> {
        let mode = raw.mtls.as_ref().map(|m| MtlsMode::from(m.value));
        let Some(ports) = &raw.port_mtls else {
            return Some((mode, Vec::new()));
        };
        if ports.value.is_empty() {
            self.report(
                Diagnostic::new(Code::EmptyList, ports.span(), "`port-mtls` is empty")
                    .label("needs at least one port"),
            );
            return None;
        }
        let mut checked = self.each(&ports.value, |c, (port, port_mode)| {
            // Without leading zeros, so that no two keys name one port.
            let number = port
                .as_str()
                .parse::<i64>()
                .ok()
                .filter(|n| n.to_string() == port.as_str());
            let Some(number) = number else {
                c.report(
                    Diagnostic::new(
                        Code::PortOutOfRange,
                        port.span(),
                        format!("`{}` is not a port number", port.as_str()),
                    )
                    .label("not a port"),
                );
                return None;
            };
            let number = c.port(&Sp::new(number, port.span()))?;
            if PROXY_PORTS.contains(&number.get()) {
                c.report(
                    Diagnostic::new(
                        Code::ProxyPort,
                        port.span(),
                        format!(
                            "port {number} belongs to the sidecar: its inbound traffic is not \
                             intercepted, so no mTLS mode applies there"
                        ),
                    )
                    .label("Istio's own port")
                    .help(
                        "name a port the application listens on; the sidecar's merged metrics \
                         (15020) are scraped in plain text anyway",
                    ),
                );
                return None;
            }
            Some((number, MtlsMode::from(port_mode.value)))
        })?;
        checked.sort_by_key(|(port, _)| *port);
        Some((mode, checked))
    }
}
