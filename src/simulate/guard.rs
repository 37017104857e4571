//! The security filters of one proxy, in Envoy's order (istio/istio
//! pilot/pkg/networking/core/listener_builder.go): CUSTOM authorization, JWT authentication,
//! then the DENY and ALLOW authorization filters.

use std::borrow::Cow;
use std::net::IpAddr;

use super::authn::{JwtRules, authenticate};
use super::authz::stage;
use super::context::{Attributes, Headers, Payload, Sni};
use super::decode::Action;
use super::mesh::Mesh;
use super::request::Token;
use super::trace::{Decider, Hop, Outcome};

/// The request as it travels from proxy to proxy.
#[derive(Debug, Clone)]
pub(crate) struct Carried<'r> {
    /// `:authority`.
    pub host: Cow<'r, str>,
    pub method: &'r str,
    /// The path with its query, as the next proxy receives it.
    pub path: Cow<'r, str>,
    pub headers: Headers<'r>,
    pub token: &'r Token,
    /// Whether the token is still in the request.
    pub token_present: bool,
    /// Whether a proxy routed it as TLS or TCP: every proxy after it sees a connection, not
    /// an HTTP request.
    pub l4: bool,
    /// Whether a proxy admitted the method and path as they are ([`Mesh::admit`]): every
    /// proxy checks and normalizes alike, so each proxy after it would admit them as they are
    /// again, where the path was scanned anew at each of a request's hops.
    pub admitted: bool,
}

impl Carried<'_> {
    /// A CORS preflight: OPTIONS with `Origin` and `Access-Control-Request-Method`.
    pub(crate) fn preflight(&self) -> bool {
        self.preflight_with(&self.headers)
    }

    fn preflight_with(&self, headers: &Headers<'_>) -> bool {
        self.method == "OPTIONS"
            && headers.get("origin").is_some_and(|v| !v.is_empty())
            && headers
                .get("access-control-request-method")
                .is_some_and(|v| !v.is_empty())
    }
}

/// What a proxy knows of the connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Connection<'a> {
    /// The container port.
    pub port: u16,
    /// The peer's identity URI under mTLS.
    pub peer: Option<&'a str>,
    pub source_ip: Option<IpAddr>,
    pub remote_ip: Option<IpAddr>,
    pub sni: Sni<'a>,
}

impl Mesh {
    /// Runs proxy `proxy`'s filters; `Err(())` when one ended the request (recorded in `hop`),
    /// else the verified token's claims.
    pub(crate) fn guard<'m: 'p, 'c: 'p, 'p>(
        &'m self,
        proxy: usize,
        hop: &mut Hop<'m>,
        carried: &mut Carried<'c>,
        connection: Connection<'_>,
    ) -> Result<Option<Payload<'p>>, ()> {
        let index = &self.proxies[proxy];
        let end = |hop: &mut Hop<'m>, end: Option<(Outcome, Option<Decider<'m>>)>| match end {
            Some((outcome, by)) => {
                hop.end(outcome, by);
                true
            }
            None => false,
        };
        let mut headers = std::mem::take(&mut carried.headers);
        let (path, query) = super::path::split_query(&carried.path);
        if !index.custom.is_empty() {
            let attributes = attributes(carried, path, &headers, &connection, None);
            let result = stage(Action::Custom, &self.policies, &index.custom, &attributes);
            hop.steps.push(result.step);
            if end(hop, result.end) {
                return Err(());
            }
        }
        let rules = JwtRules {
            all: &self.request_authentications,
            at: &index.jwt,
        };
        let preflight = carried.preflight_with(&headers);
        let authn = authenticate(
            rules,
            carried.token,
            carried.token_present,
            &mut headers,
            preflight,
            query,
        );
        hop.steps.extend(authn.step);
        let mut result = Ok(authn.payload);
        if end(hop, authn.end) {
            result = Err(());
        } else {
            for (action, list) in [(Action::Deny, &index.deny), (Action::Allow, &index.allow)] {
                let attributes = attributes(carried, path, &headers, &connection, authn.payload);
                let stage = stage(action, &self.policies, list, &attributes);
                for note in stage.notes {
                    hop.note(note);
                }
                hop.steps.push(stage.step);
                if end(hop, stage.end) {
                    result = Err(());
                    break;
                }
            }
        }
        carried.token_present = authn.token_kept;
        carried.headers = headers;
        result
    }
}

fn attributes<'a>(
    carried: &'a Carried<'_>,
    path: &'a str,
    headers: &'a Headers<'a>,
    connection: &Connection<'a>,
    jwt: Option<Payload<'a>>,
) -> Attributes<'a> {
    Attributes {
        host: &carried.host,
        method: carried.method,
        path,
        port: connection.port,
        headers,
        peer: connection.peer,
        jwt,
        source_ip: connection.source_ip,
        remote_ip: connection.remote_ip,
        sni: connection.sni,
        tcp: carried.l4,
    }
}
