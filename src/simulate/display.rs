//! The text form of a trace: one block per hop, a line per step, the outcome and what decided
//! it.

use std::fmt::{self, Display, Formatter, Write as _};

use super::decode::Action;
use super::trace::{Branch, Hop, JwtResult, Outcome, Proxy, Step, Trace};

impl Display for Outcome {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Allowed => f.write_str("allowed"),
            Outcome::Denied => f.write_str("denied (403)"),
            Outcome::Unauthenticated { status } => write!(f, "unauthenticated ({status})"),
            Outcome::NotFound => f.write_str("not found (404)"),
            Outcome::Redirected { status, location } => {
                write!(f, "redirected ({status}) to {location}")
            }
            Outcome::Responded { status } => write!(f, "answered by the proxy ({status})"),
            Outcome::Refused => f.write_str("refused"),
            Outcome::Aborted { status } => write!(f, "aborted by fault: {status} (100%)"),
            Outcome::Unavailable { status } => write!(f, "unavailable ({status})"),
            Outcome::BadRequest => f.write_str("bad request (400)"),
            Outcome::External { host } => write!(f, "leaves the mesh for {host}"),
            Outcome::NotModelled { reason } => write!(f, "not modelled: {reason}"),
        }
    }
}

impl Display for Proxy<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Proxy::Gateway {
                name,
                namespace,
                port,
                target_port,
            } => write!(
                f,
                "gateway {namespace}/{name}, port {port} (container port {target_port})"
            ),
            Proxy::Outbound { caller, port } => write!(f, "sidecar of {caller}, to port {port}"),
            Proxy::Unknown { origin } => write!(f, "{origin}"),
            Proxy::Inbound {
                workload,
                namespace,
                port,
            } => write!(f, "sidecar of {namespace}/{workload}, port {port}"),
        }
    }
}

impl Display for Step<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Step::Server { by, protocol } => write!(f, "server  {by} ({protocol})"),
            Step::Path {
                normalization,
                path,
            } => write!(f, "path    {path} ({})", normalization.as_str()),
            Step::Mtls { mode, by, peer } => {
                write!(f, "mtls    {}", mode.as_str())?;
                match by {
                    Some(by) => write!(f, " ({by})")?,
                    None => f.write_str(" (no PeerAuthentication)")?,
                }
                match peer {
                    Some(peer) => write!(f, "; peer {peer}"),
                    None => f.write_str("; plaintext, no peer identity"),
                }
            }
            Step::Jwt {
                result,
                by,
                reason,
                principal,
                removed,
                set,
                forwarded,
            } => {
                let what = match result {
                    JwtResult::Verified => "verified",
                    JwtResult::NoToken => "no token",
                    JwtResult::Bypassed => "skipped",
                    JwtResult::Rejected => "rejected",
                };
                write!(f, "jwt     {what}")?;
                if let Some(by) = by {
                    write!(f, " by {by}")?;
                }
                if let Some(reason) = reason {
                    write!(f, ": {reason}")?;
                }
                if let Some(principal) = principal {
                    write!(f, "; principal {principal}")?;
                }
                for name in removed {
                    write!(f, "; removed the client's {name}")?;
                }
                for (name, value) in set {
                    write!(f, "; set {name}: {value}")?;
                }
                match (result, forwarded) {
                    (JwtResult::Verified, true) => f.write_str("; token forwarded"),
                    (JwtResult::Verified, false) => f.write_str("; token removed"),
                    (JwtResult::NoToken, true) => f.write_str("; a token no rule reads goes on"),
                    _ => Ok(()),
                }
            }
            Step::Authz {
                action,
                policies,
                matched,
            } => {
                let name = match action {
                    Action::Custom => "custom ",
                    Action::Deny => "deny   ",
                    Action::Allow => "allow  ",
                    Action::Audit => "audit  ",
                };
                let plural = if *policies == 1 { "policy" } else { "policies" };
                match (matched, action) {
                    (Some(by), _) => write!(f, "{name} {by} matches"),
                    (None, Action::Allow) if *policies == 0 => {
                        write!(f, "{name} no ALLOW policy: allowed by default")
                    }
                    (None, _) => write!(f, "{name} no rule matches ({policies} {plural})"),
                }
            }
            Step::Route {
                by,
                name,
                timeout,
                retries,
            } => {
                write!(f, "route   {by}")?;
                if let Some(name) = name {
                    write!(f, " ({name})")?;
                }
                if let Some(timeout) = timeout {
                    write!(f, "; timeout {timeout}")?;
                }
                if let Some((attempts, per_try, on)) = retries {
                    write!(f, "; {attempts} retries")?;
                    if let Some(per_try) = per_try {
                        write!(f, " of {per_try}")?;
                    }
                    if let Some(on) = on {
                        write!(f, " on {on}")?;
                    }
                }
                Ok(())
            }
            Step::DefaultRoute { host } => write!(f, "route   no VirtualService: all of {host}"),
            Step::Note { text } => write!(f, "note    {text}"),
        }
    }
}

fn hop(out: &mut String, hop: &Hop<'_>, indent: &str) -> fmt::Result {
    writeln!(out, "{indent}{}", hop.proxy)?;
    for step in &hop.steps {
        writeln!(out, "{indent}  {step}")?;
    }
    if let Some(outcome) = &hop.outcome {
        write!(out, "{indent}  => {outcome}")?;
        if let Some(by) = &hop.decided_by {
            write!(out, " ({by})")?;
        }
        out.push('\n');
    }
    Ok(())
}

fn branch(out: &mut String, branch: &Branch<'_>) -> fmt::Result {
    write!(out, "-> {}% {}:{}", branch.weight, branch.host, branch.port)?;
    if let Some(subset) = branch.subset {
        write!(out, " subset {subset}")?;
    }
    out.push('\n');
    if let Some(outcome) = &branch.outcome {
        write!(out, "  => {outcome}")?;
        if let Some(by) = &branch.decided_by {
            write!(out, " ({by})")?;
        }
        out.push('\n');
    }
    for arrival in &branch.arrivals {
        hop(out, arrival, "  ")?;
    }
    Ok(())
}

impl Display for Trace<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        if let Some(entry) = &self.entry {
            hop(&mut out, entry, "")?;
        }
        for b in &self.branches {
            branch(&mut out, b)?;
        }
        match self.outcome() {
            Some(outcome) => writeln!(out, "outcome: {outcome}")?,
            None => {
                out.push_str("outcome: it depends on the destination:");
                for (weight, outcome) in self.endings() {
                    write!(out, " {weight}% {outcome};")?;
                }
                out.pop();
                out.push('\n');
            }
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::decode::{Normalization, PeerMode};
    use super::super::trace::{Decider, Part};
    use super::*;

    fn decider(kind: &'static str, part: Part) -> Decider<'static> {
        Decider {
            kind,
            namespace: "ns",
            name: "n",
            part,
        }
    }

    #[test]
    fn outcomes_read_as_words() {
        let cases = [
            (Outcome::Allowed, "allowed"),
            (Outcome::Denied, "denied (403)"),
            (
                Outcome::Unauthenticated { status: 401 },
                "unauthenticated (401)",
            ),
            (Outcome::NotFound, "not found (404)"),
            (
                Outcome::Redirected {
                    status: 301,
                    location: "https://a/".into(),
                },
                "redirected (301) to https://a/",
            ),
            (
                Outcome::Responded { status: 200 },
                "answered by the proxy (200)",
            ),
            (Outcome::Refused, "refused"),
            (
                Outcome::Aborted { status: 503 },
                "aborted by fault: 503 (100%)",
            ),
            (Outcome::Unavailable { status: 503 }, "unavailable (503)"),
            (Outcome::BadRequest, "bad request (400)"),
            (
                Outcome::External { host: "h".into() },
                "leaves the mesh for h",
            ),
            (Outcome::not_modelled("x"), "not modelled: x"),
        ];
        for (outcome, text) in cases {
            assert_eq!(outcome.to_string(), text);
        }
    }

    #[test]
    fn a_trace_prints_hop_by_hop() {
        let mut entry = Hop::new(Proxy::Gateway {
            name: "gw",
            namespace: "istio-system",
            port: 443,
            target_port: 8443,
        });
        entry.steps = vec![
            Step::Server {
                by: decider("Gateway", Part::Server(1)),
                protocol: "HTTPS",
            },
            Step::Path {
                normalization: Normalization::Base,
                path: "/a".into(),
            },
            Step::Jwt {
                result: JwtResult::Verified,
                by: Some(decider("RequestAuthentication", Part::JwtRule(0))),
                reason: None,
                principal: Some("iss/sub".into()),
                removed: vec!["x-tenant"],
                set: vec![("x-tenant", "a".into())],
                forwarded: true,
            },
            Step::Authz {
                action: Action::Deny,
                policies: 1,
                matched: None,
            },
            Step::Authz {
                action: Action::Allow,
                policies: 0,
                matched: None,
            },
            Step::Route {
                by: decider("VirtualService", Part::Http(2)),
                name: Some("r"),
                timeout: Some("5s"),
                retries: Some((3, Some("1s"), Some("5xx"))),
            },
        ]
        .into();
        let mut arrival = Hop::new(Proxy::Inbound {
            workload: "w",
            namespace: "ns",
            port: 8080,
        });
        arrival.steps = vec![
            Step::Mtls {
                mode: PeerMode::Strict,
                by: Some(decider("PeerAuthentication", Part::Whole)),
                peer: Some("spiffe://td/ns/istio-system/sa/gw".into()),
            },
            Step::Authz {
                action: Action::Allow,
                policies: 2,
                matched: Some(decider("AuthorizationPolicy", Part::Rule(0))),
            },
        ]
        .into();
        arrival.end(
            Outcome::Allowed,
            Some(decider("AuthorizationPolicy", Part::Rule(0))),
        );
        let trace = Trace {
            entry: Some(entry),
            branches: vec![Branch {
                host: "h",
                subset: Some("v1"),
                port: 8080,
                weight: 100,
                arrivals: vec![arrival],
                outcome: None,
                decided_by: None,
            }],
        };
        let expected = "\
gateway istio-system/gw, port 443 (container port 8443)
  server  Gateway ns/n servers[1] (HTTPS)
  path    /a (BASE)
  jwt     verified by RequestAuthentication ns/n jwtRules[0]; principal iss/sub; removed the client's x-tenant; set x-tenant: a; token forwarded
  deny    no rule matches (1 policy)
  allow   no ALLOW policy: allowed by default
  route   VirtualService ns/n http[2] (r); timeout 5s; 3 retries of 1s on 5xx
-> 100% h:8080 subset v1
  sidecar of ns/w, port 8080
    mtls    STRICT (PeerAuthentication ns/n); peer spiffe://td/ns/istio-system/sa/gw
    allow   AuthorizationPolicy ns/n rules[0] matches
    => allowed (AuthorizationPolicy ns/n rules[0])
outcome: allowed
";
        assert_eq!(trace.to_string(), expected);
    }

    #[test]
    fn the_other_steps_and_mixed_endings() {
        let steps = [
            (
                Step::Mtls {
                    mode: PeerMode::Permissive,
                    by: None,
                    peer: None,
                },
                "mtls    PERMISSIVE (no PeerAuthentication); plaintext, no peer identity",
            ),
            (
                Step::Jwt {
                    result: JwtResult::Rejected,
                    by: Some(decider("RequestAuthentication", Part::JwtRule(1))),
                    reason: Some("bad"),
                    principal: None,
                    removed: Vec::new(),
                    set: Vec::new(),
                    forwarded: false,
                },
                "jwt     rejected by RequestAuthentication ns/n jwtRules[1]: bad",
            ),
            (
                Step::Jwt {
                    result: JwtResult::Verified,
                    by: None,
                    reason: None,
                    principal: None,
                    removed: Vec::new(),
                    set: Vec::new(),
                    forwarded: false,
                },
                "jwt     verified; token removed",
            ),
            (
                Step::Jwt {
                    result: JwtResult::NoToken,
                    by: None,
                    reason: None,
                    principal: None,
                    removed: Vec::new(),
                    set: Vec::new(),
                    forwarded: false,
                },
                "jwt     no token",
            ),
            (
                Step::Jwt {
                    result: JwtResult::Bypassed,
                    by: None,
                    reason: Some("a CORS preflight"),
                    principal: None,
                    removed: Vec::new(),
                    set: Vec::new(),
                    forwarded: true,
                },
                "jwt     skipped: a CORS preflight",
            ),
            (
                Step::Authz {
                    action: Action::Custom,
                    policies: 1,
                    matched: None,
                },
                "custom  no rule matches (1 policy)",
            ),
            (
                Step::Authz {
                    action: Action::Audit,
                    policies: 2,
                    matched: None,
                },
                "audit   no rule matches (2 policies)",
            ),
            (
                Step::Authz {
                    action: Action::Allow,
                    policies: 2,
                    matched: None,
                },
                "allow   no rule matches (2 policies)",
            ),
            (
                Step::Route {
                    by: decider("VirtualService", Part::Http(0)),
                    name: None,
                    timeout: None,
                    retries: Some((2, None, None)),
                },
                "route   VirtualService ns/n http[0]; 2 retries",
            ),
            (
                Step::DefaultRoute { host: "h" },
                "route   no VirtualService: all of h",
            ),
            (Step::Note { text: "x".into() }, "note    x"),
        ];
        for (step, text) in steps {
            assert_eq!(step.to_string(), text);
        }
        assert_eq!(
            Proxy::Outbound {
                caller: "ns/sa".into(),
                port: 80
            }
            .to_string(),
            "sidecar of ns/sa, to port 80"
        );
        assert_eq!(
            Proxy::Unknown {
                origin: "ghost".into()
            }
            .to_string(),
            "ghost"
        );
        let arrival = |outcome| {
            let mut hop = Hop::new(Proxy::Inbound {
                workload: "w",
                namespace: "ns",
                port: 1,
            });
            hop.end(outcome, None);
            hop
        };
        let trace = Trace {
            entry: None,
            branches: vec![
                Branch {
                    host: "h",
                    subset: None,
                    port: 1,
                    weight: 80,
                    arrivals: vec![arrival(Outcome::Allowed)],
                    outcome: None,
                    decided_by: None,
                },
                Branch {
                    host: "h",
                    subset: Some("b"),
                    port: 1,
                    weight: 20,
                    arrivals: Vec::new(),
                    outcome: Some(Outcome::Unavailable { status: 503 }),
                    decided_by: Some(decider("DestinationRule", Part::Subset(1))),
                },
            ],
        };
        let text = trace.to_string();
        assert!(text.contains(
            "-> 20% h:1 subset b\n  => unavailable (503) (DestinationRule ns/n subsets[1])\n"
        ));
        assert!(
            text.ends_with(
                "outcome: it depends on the destination: 80% allowed; 20% unavailable (503)\n"
            ),
            "{text}"
        );
    }
}
