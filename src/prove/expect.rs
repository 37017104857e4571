//! One `[[expect]]`: its request built from the profile's names, sent through the mesh, and
//! its outcome compared with the one stated.

use std::fmt::Write;

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Expect, ExpectFrom, ExpectHost, ExpectToken, Profile};
use crate::simulate::{Jwt, Mesh, Origin, Request, Scheme, Token, Trace};
use crate::topology;

/// The diagnostic of an expectation that does not hold, if it does not.
pub(super) fn check(mesh: &Mesh, profile: &Profile, expect: &Expect) -> Option<Diagnostic> {
    let request = match request(profile, expect) {
        Ok(request) => request,
        Err(why) => return Some(failed(expect, why)),
    };
    let trace = mesh.evaluate(&request);
    let endings = trace.endings();
    if trace.not_modelled() {
        return Some(failed(
            expect,
            format!("it cannot be decided: {}", describe(profile, &trace)),
        ));
    }
    let reached = !endings.is_empty() && endings.iter().all(|(_, o)| o.is_allowed());
    let none = endings.iter().all(|(_, o)| !o.is_allowed());
    if expect.allow && !reached {
        return Some(failed(
            expect,
            format!("expected allow, but {}", describe(profile, &trace)),
        ));
    }
    if !expect.allow && !none {
        return Some(failed(
            expect,
            format!("expected deny, but {}", describe(profile, &trace)),
        ));
    }
    if let Some((service, subset)) = &expect.route {
        let host = profile
            .services
            .iter()
            .find(|s| &s.name == service)
            .map(topology::host)?;
        let sent = trace.branches.iter().any(|branch| {
            branch.host == host
                && subset
                    .as_ref()
                    .is_none_or(|s| branch.subset == Some(s.as_str()))
        });
        if !sent {
            let wanted = match subset {
                Some(subset) => format!("{service}/{subset}"),
                None => service.to_string(),
            };
            return Some(failed(
                expect,
                format!(
                    "expected a route to {wanted}, but {}",
                    describe(profile, &trace)
                ),
            ));
        }
    }
    None
}

fn failed(expect: &Expect, why: String) -> Diagnostic {
    Diagnostic::new(Code::ExpectationFailed, expect.span.clone(), why)
        .label("this expectation does not hold")
        .help("`meshc query` shows the request hop by hop; fix the profile, or the expectation")
}

/// What happened: each destination with its share, outcome and the resource that decided.
pub(super) fn describe(profile: &Profile, trace: &Trace<'_>) -> String {
    if let Some(entry) = &trace.entry
        && let Some(outcome) = &entry.outcome
    {
        return match entry.decided_by {
            Some(by) => format!("it is {outcome} at the first proxy by {by}"),
            None => format!("it is {outcome} at the first proxy"),
        };
    }
    let mut parts = Vec::new();
    for branch in &trace.branches {
        let service = profile
            .services
            .iter()
            .find(|s| topology::host(s) == branch.host)
            .map_or_else(|| branch.host.to_string(), |s| s.name.to_string());
        let mut destination = service;
        if let Some(subset) = branch.subset {
            let _ = write!(destination, "/{subset}");
        }
        let endings = branch.outcome.iter().map(|o| (o, branch.decided_by)).chain(
            branch
                .arrivals
                .iter()
                .filter_map(|hop| hop.outcome.as_ref().map(|o| (o, hop.decided_by))),
        );
        let mut seen: Vec<String> = Vec::new();
        for (outcome, by) in endings {
            let text = match by {
                Some(by) => format!("{outcome} by {by}"),
                None => outcome.to_string(),
            };
            if !seen.contains(&text) {
                seen.push(text);
            }
        }
        parts.push(format!(
            "{} % to {destination}: {}",
            branch.weight,
            seen.join("; ")
        ));
    }
    if parts.is_empty() {
        return "it goes nowhere".to_string();
    }
    format!("it goes {}", parts.join(", "))
}

/// The request an expectation sends (also one of those `meshc diff` sends through both sides).
pub(crate) fn request(profile: &Profile, expect: &Expect) -> Result<Request, String> {
    let from = match &expect.from {
        ExpectFrom::Gateway(None) => Origin::Gateway(None),
        ExpectFrom::Gateway(Some(name)) => topology::origin(profile, &format!("gateway:{name}"))?,
        ExpectFrom::Plaintext => Origin::Plaintext,
        ExpectFrom::Service(name) => topology::origin(profile, name.as_str())?,
        ExpectFrom::Account(namespace, account) => Origin::Identity {
            namespace: namespace.to_string(),
            service_account: account.to_string(),
        },
    };
    // A service named without a port is dialled on its main port, which a service with
    // several ports needs said.
    let mut main_port = None;
    let host = match &expect.host {
        Some(ExpectHost::Literal(host)) => host.clone(),
        Some(ExpectHost::Service(name)) => {
            let service = profile
                .services
                .iter()
                .find(|s| &s.name == name)
                .ok_or_else(|| format!("no service `{name}`"))?;
            main_port = Some(service.port.get());
            topology::host(service)
        }
        None => {
            let origin = match &expect.from {
                ExpectFrom::Gateway(Some(name)) => format!("gateway:{name}"),
                _ => "gateway".to_string(),
            };
            topology::gateway_host(profile, &origin).ok_or("the profile has no gateway host")?
        }
    };
    let jwt = profile.security.jwt.as_ref();
    let token = match &expect.token {
        ExpectToken::None => Token::None,
        ExpectToken::Invalid => Token::Invalid,
        ExpectToken::Claims {
            issuer,
            audiences,
            claims,
        } => Token::Valid(Jwt {
            issuer: issuer
                .clone()
                .or_else(|| jwt.map(|j| j.issuer.to_string()))
                .ok_or("the profile has no issuer")?,
            // A `sub` claim is the token's subject, so that `request-principals` can be
            // expected; without one, any subject will do.
            subject: Some(
                claims
                    .get("sub")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("expect")
                    .to_string(),
            ),
            audiences: audiences
                .clone()
                .unwrap_or_else(|| jwt.map(|j| j.audiences.clone()).unwrap_or_default()),
            claims: claims.clone(),
        }),
    };
    let gateway = matches!(from, Origin::Gateway(_));
    Ok(Request {
        from,
        host,
        port: expect.port.map(crate::model::Port::get).or(main_port),
        scheme: if gateway { Scheme::Https } else { Scheme::Http },
        sni: None,
        method: expect.method.to_string(),
        path: expect.path.clone(),
        headers: expect
            .headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect(),
        token,
        source_ip: None,
    })
}
