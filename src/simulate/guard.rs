//! The security filters of one proxy, in Envoy's order (istio/istio
//! pilot/pkg/networking/core/listener_builder.go): CUSTOM authorization, JWT authentication,
//! then the DENY and ALLOW authorization filters.

use std::net::IpAddr;

use super::authn::{JwtRef, authenticate};
use super::authz::{Policy, stage};
use super::context::{Attributes, Headers, Payload};
use super::decode::Action;
use super::mesh::Mesh;
use super::request::Token;
use super::trace::{Decider, Hop, Outcome};

/// The request as it travels from proxy to proxy.
#[derive(Debug, Clone)]
pub(crate) struct Carried<'r> {
    /// `:authority`.
    pub host: String,
    pub method: &'r str,
    /// The path with its query, as the next proxy receives it.
    pub path: String,
    pub headers: Headers,
    pub token: &'r Token,
    /// Whether the token is still in the request.
    pub token_present: bool,
}

impl Carried<'_> {
    /// A CORS preflight: OPTIONS with `Origin` and `Access-Control-Request-Method`.
    pub(crate) fn preflight(&self) -> bool {
        self.method == "OPTIONS"
            && self.headers.get("origin").is_some_and(|v| !v.is_empty())
            && self
                .headers
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
    pub sni: Option<&'a str>,
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
        let policies = |list: &[usize]| -> Vec<&'m Policy> {
            list.iter().map(|&i| &self.policies[i]).collect()
        };
        let path = super::path::without_query(&carried.path).to_string();
        let end = |hop: &mut Hop<'m>, end: Option<(Outcome, Option<Decider<'m>>)>| match end {
            Some((outcome, by)) => {
                hop.end(outcome, by);
                true
            }
            None => false,
        };
        if !index.custom.is_empty() {
            let attributes = attributes(carried, &path, &connection, None);
            let result = stage(Action::Custom, &policies(&index.custom), &attributes);
            hop.steps.push(result.step);
            if end(hop, result.end) {
                return Err(());
            }
        }
        let rules: Vec<JwtRef<'m>> = index
            .jwt
            .iter()
            .map(|&(ra, rule)| (&self.request_authentications[ra], rule))
            .collect();
        let preflight = carried.preflight();
        let query = carried.path.split_once('?').map_or("", |(_, q)| q);
        let mut headers = std::mem::take(&mut carried.headers);
        let authn = authenticate(
            &rules,
            carried.token,
            carried.token_present,
            &mut headers,
            preflight,
            query,
        );
        carried.headers = headers;
        carried.token_present = authn.token_kept;
        hop.steps.extend(authn.step);
        if end(hop, authn.end) {
            return Err(());
        }
        for (action, list) in [(Action::Deny, &index.deny), (Action::Allow, &index.allow)] {
            let attributes = attributes(carried, &path, &connection, authn.payload);
            let result = stage(action, &policies(list), &attributes);
            for note in result.notes {
                hop.note(note);
            }
            hop.steps.push(result.step);
            if end(hop, result.end) {
                return Err(());
            }
        }
        Ok(authn.payload)
    }
}

fn attributes<'a>(
    carried: &'a Carried<'_>,
    path: &'a str,
    connection: &Connection<'a>,
    jwt: Option<Payload<'a>>,
) -> Attributes<'a> {
    Attributes {
        host: &carried.host,
        method: carried.method,
        path,
        port: connection.port,
        headers: &carried.headers,
        peer: connection.peer,
        jwt,
        source_ip: connection.source_ip,
        remote_ip: connection.remote_ip,
        sni: connection.sni,
    }
}
