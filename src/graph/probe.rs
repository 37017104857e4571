//! The simulator's verdict on a candidate edge: each request the edge stands for is sent through
//! the rendered mesh, and the edge holds only if the request arrives where the edge points.

use crate::simulate::{Mesh, Outcome, Request, Trace};

use super::model::Verdict;

/// What one request made of an edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Arrival {
    /// Every ending reaches the target.
    Full,
    /// Some endings do; why the others do not.
    Some(String),
    /// None does; why.
    None(String),
}

/// Where an edge points: a Service host inside the mesh, or an external host.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target<'a> {
    /// A mesh Service host (`name.namespace.svc.cluster.local`).
    Service(&'a str),
    /// An external host.
    External(&'a str),
}

/// Sends `request` through `mesh`; whether it arrives at `target`.
pub(super) fn arrival(mesh: &Mesh, request: &Request, target: Target<'_>) -> Arrival {
    judge(&mesh.evaluate(request), target)
}

/// Whether the trace's endings arrive at `target`, and why those that do not.
pub(super) fn judge(trace: &Trace<'_>, target: Target<'_>) -> Arrival {
    let mut reached = false;
    let mut why = None;
    if let Some(entry) = &trace.entry
        && let Some(outcome) = &entry.outcome
    {
        return Arrival::None(reason(outcome, entry.decided_by.map(|d| d.to_string())));
    }
    for branch in &trace.branches {
        let endings = branch.outcome.iter().map(|o| (o, branch.decided_by)).chain(
            branch
                .arrivals
                .iter()
                .filter_map(|hop| hop.outcome.as_ref().map(|o| (o, hop.decided_by))),
        );
        for (outcome, by) in endings {
            let arrives = match (target, outcome) {
                (Target::Service(host), Outcome::Allowed) => branch.host == host,
                (Target::External(host), Outcome::External { host: to }) => to == host,
                _ => false,
            };
            if arrives {
                reached = true;
            } else if why.is_none() {
                why = Some(match (target, outcome) {
                    (Target::Service(host), Outcome::Allowed) if branch.host != host => {
                        format!("routed to {}", short(branch.host))
                    }
                    _ => reason(outcome, by.map(|d| d.to_string())),
                });
            }
        }
    }
    match (reached, why) {
        (true, None) => Arrival::Full,
        (true, Some(why)) => Arrival::Some(why),
        (false, why) => Arrival::None(why.unwrap_or_else(|| "no route".to_string())),
    }
}

/// A Service host without its cluster suffix: `llm-processor.nephoran-system`.
fn short(host: &str) -> &str {
    host.strip_suffix(".svc.cluster.local").unwrap_or(host)
}

fn reason(outcome: &Outcome, by: Option<String>) -> String {
    match by {
        Some(by) => format!("{outcome} by {by}"),
        None => outcome.to_string(),
    }
}

/// The verdict of an edge from the arrivals of its requests, each with what it was
/// (`POST /v1/process`).
pub(super) fn verdict(arrivals: Vec<(String, Arrival)>) -> Verdict {
    let total = arrivals.len();
    let mut reasons = Vec::new();
    let mut none = 0;
    for (what, arrival) in arrivals {
        match arrival {
            Arrival::Full => {}
            Arrival::Some(why) => reasons.push(format!("{what}: partly {why}")),
            Arrival::None(why) => {
                none += 1;
                reasons.push(format!("{what}: {why}"));
            }
        }
    }
    if reasons.is_empty() {
        Verdict::Allowed
    } else if none == total {
        Verdict::Denied(reasons.swap_remove(0))
    } else {
        Verdict::Partial(reasons)
    }
}

/// The subsets a trace's branches go to, with their shares: `stable 80%, canary 20%`, or the one
/// subset; `None` when the route names no subset.
pub(super) fn split(trace: &Trace<'_>) -> Option<String> {
    let subsets: Vec<(&str, u32)> = trace
        .branches
        .iter()
        .filter_map(|b| b.subset.map(|s| (s, b.weight)))
        .collect();
    match subsets.as_slice() {
        [] => None,
        [(subset, _)] => Some(format!("to {subset}")),
        many => Some(format!(
            "split {}",
            many.iter()
                .map(|(s, w)| format!("{s} {w}%"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrivals(list: &[Arrival]) -> Vec<(String, Arrival)> {
        list.iter()
            .enumerate()
            .map(|(i, a)| (format!("GET /{i}"), a.clone()))
            .collect()
    }

    use crate::simulate::{Branch, Decider, Hop, Part, Proxy};

    fn hop(outcome: Outcome) -> Hop<'static> {
        Hop {
            proxy: Proxy::Inbound {
                workload: "w",
                namespace: "ns",
                port: 80,
            },
            steps: Vec::new().into(),
            outcome: Some(outcome),
            decided_by: Some(Decider {
                kind: "AuthorizationPolicy",
                namespace: "ns",
                name: "p",
                part: Part::Rule(1),
            }),
        }
    }

    fn branch(host: &'static str, weight: u32, outcome: Outcome) -> Branch<'static> {
        Branch {
            host,
            subset: Some("v1"),
            port: 80,
            weight,
            arrivals: vec![hop(outcome)],
            outcome: None,
            decided_by: None,
        }
    }

    fn trace(branches: Vec<Branch<'static>>) -> Trace<'static> {
        Trace {
            entry: None,
            branches,
        }
    }

    #[test]
    fn a_request_arrives_only_where_the_edge_points() {
        let here = Target::Service("a.ns.svc.cluster.local");
        let allowed = trace(vec![branch(
            "a.ns.svc.cluster.local",
            100,
            Outcome::Allowed,
        )]);
        assert_eq!(judge(&allowed, here), Arrival::Full);
        let elsewhere = trace(vec![branch(
            "b.ns.svc.cluster.local",
            100,
            Outcome::Allowed,
        )]);
        assert_eq!(
            judge(&elsewhere, here),
            Arrival::None("routed to b.ns".into())
        );
        let split = trace(vec![
            branch("a.ns.svc.cluster.local", 80, Outcome::Allowed),
            branch("a.ns.svc.cluster.local", 20, Outcome::Denied),
        ]);
        assert_eq!(
            judge(&split, here),
            Arrival::Some("denied (403) by AuthorizationPolicy ns/p rules[1]".into())
        );
        let mut stopped = trace(Vec::new());
        let mut entry = hop(Outcome::NotFound);
        entry.decided_by = None;
        stopped.entry = Some(entry);
        assert_eq!(
            judge(&stopped, here),
            Arrival::None("not found (404)".into())
        );
        assert_eq!(
            judge(&trace(Vec::new()), here),
            Arrival::None("no route".into())
        );
        let external = Trace {
            entry: None,
            branches: vec![Branch {
                arrivals: Vec::new(),
                outcome: Some(Outcome::External {
                    host: "api.example.com".into(),
                }),
                ..branch("api.example.com", 100, Outcome::Allowed)
            }],
        };
        assert_eq!(
            judge(&external, Target::External("api.example.com")),
            Arrival::Full
        );
        assert!(matches!(
            judge(&external, Target::External("other.example.com")),
            Arrival::None(_)
        ));
        assert!(matches!(judge(&external, here), Arrival::None(_)));
    }

    #[test]
    fn splits_name_their_subsets_and_shares() {
        assert_eq!(split(&trace(Vec::new())), None);
        let one = trace(vec![branch("a", 100, Outcome::Allowed)]);
        assert_eq!(split(&one).as_deref(), Some("to v1"));
        let mut two = trace(vec![
            branch("a", 80, Outcome::Allowed),
            branch("a", 20, Outcome::Allowed),
        ]);
        two.branches[1].subset = Some("v2");
        assert_eq!(split(&two).as_deref(), Some("split v1 80%, v2 20%"));
    }

    #[test]
    fn a_verdict_needs_every_request_to_arrive() {
        assert_eq!(
            verdict(arrivals(&[Arrival::Full, Arrival::Full])),
            Verdict::Allowed
        );
        assert_eq!(
            verdict(arrivals(&[
                Arrival::None("a".into()),
                Arrival::None("b".into())
            ])),
            Verdict::Denied("GET /0: a".into())
        );
        assert_eq!(
            verdict(arrivals(&[Arrival::Full, Arrival::None("b".into())])),
            Verdict::Partial(vec!["GET /1: b".into()])
        );
        assert_eq!(
            verdict(arrivals(&[Arrival::Some("c".into())])),
            Verdict::Partial(vec!["GET /0: partly c".into()])
        );
    }
}
