//! What a change does, not only what it rewrites: requests generated from both profiles
//! ([`requests`]) are sent through both sides' simulations, and every request whose outcome
//! changes is listed: whether it gets in (`allow → deny`, with the rule that now decides) or,
//! when that stays, where it goes (`80 % cart/stable, 20 % cart/canary → …`).
//!
//! Both sides must be profiles: the simulator needs the workloads a profile describes, which a
//! folder of rendered YAML does not say.

mod requests;

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write};

use crate::model::Profile;
use crate::simulate::{Mesh, Outcome, Request, Trace};
use crate::topology;

/// The most changes a report lists; the rest are counted ("and N more").
pub(super) const MAX_LISTED: usize = 50;

/// One side of the comparison: a profile and its rendered files read back into the simulator.
#[derive(Debug)]
pub struct Side {
    profile: Profile,
    mesh: Mesh,
}

impl Side {
    /// The side of a profile and the mesh its compiled files make (the first primary's, with
    /// clusters, as `meshc query` reads it): what `compile_simulated` keeps.
    pub fn new(profile: Profile, mesh: Mesh) -> Self {
        Self { profile, mesh }
    }

    /// The checked profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The old side's answers to the requests generated from its profile and `new`, its mesh
    /// dropped: the new side is compiled and simulated after, and both meshes at once were
    /// 1,009 MB at 4,000 synthetic services.
    pub fn answer(self, new: &Profile) -> Answered {
        let services = by_host(&self.profile);
        let mut effects = Vec::new();
        requests::generate(&[&self.profile, new], |probe| {
            effects.push(Effect::of(&services, &self.mesh.evaluate(&probe.request)));
        });
        Answered {
            profile: self.profile,
            effects,
        }
    }
}

/// The old side once it has answered: its profile, which generates the requests again, and how
/// each of them ended there, in the order generated.
#[derive(Debug)]
pub struct Answered {
    profile: Profile,
    effects: Vec<Effect>,
}

impl Answered {
    /// Sends the requests this side answered through the new side's mesh, and lists those
    /// whose outcome changes. They are generated again from both profiles, the same and in the
    /// same order, rather than kept. The answers are dropped with it, before the new side's
    /// files are read back.
    pub fn compare(self, new: &Side) -> Behaviour {
        let Answered { profile, effects } = self;
        let new_services = by_host(&new.profile);
        let mut before = effects.into_iter();
        let mut changes = Vec::new();
        let requests = requests::generate(&[&profile, &new.profile], |probe| {
            let Some(before) = before.next() else {
                unreachable!("the requests generated again are those the old side answered")
            };
            let after = Effect::of(&new_services, &new.mesh.evaluate(&probe.request));
            let kind = if before.access != after.access {
                Kind::Access
            } else if before.routes != after.routes && before.access != Access::Deny {
                Kind::Route
            } else {
                return;
            };
            changes.push(BehaviourChange {
                request: probe.label(),
                sent: probe.request,
                kind,
                old: before,
                new: after,
            });
        });
        Behaviour { requests, changes }
    }
}

/// The requests sent and those whose outcome changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    /// How many requests went through both sides.
    pub requests: usize,
    /// Each request whose outcome changes, in the order the requests were generated.
    pub changes: Vec<BehaviourChange>,
}

impl Behaviour {
    /// The changes a report shows, and how many it leaves out.
    pub fn listed(&self) -> (&[BehaviourChange], usize) {
        let shown = self.changes.len().min(MAX_LISTED);
        (&self.changes[..shown], self.changes.len() - shown)
    }

    /// The summary line every format opens with.
    pub fn summary(&self) -> String {
        let requests = self.requests;
        let noun = if requests == 1 { "request" } else { "requests" };
        let changed = match self.changes.len() {
            0 => "none gets another outcome".to_string(),
            1 => "1 gets another outcome".to_string(),
            n => format!("{n} get another outcome"),
        };
        format!("{requests} generated {noun} sent through both meshes; {changed}")
    }
}

/// One request whose outcome changes.
#[derive(Debug, Clone, PartialEq)]
pub struct BehaviourChange {
    /// Who sends what where: `operator-b GET /v1/tenants/operator-b/x → llm-processor`.
    pub request: String,
    /// The request itself.
    pub sent: Request,
    /// What changes: access, or (access unchanged) the route.
    pub kind: Kind,
    /// Before.
    pub old: Effect,
    /// After.
    pub new: Effect,
}

impl fmt::Display for BehaviourChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.request)?;
        match self.kind {
            Kind::Access => write!(
                f,
                "{}{} → {}{}",
                self.old.access,
                self.old.why(),
                self.new.access,
                self.new.why()
            ),
            Kind::Route => write!(
                f,
                "routed {} → {}",
                self.old.route_text(),
                self.new.route_text()
            ),
        }
    }
}

/// What changes about a request. Where a request refused on both sides would have gone is no
/// change: its client sees none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Whether it gets in.
    Access,
    /// Where it goes (it gets in, or not, as before).
    Route,
}

impl Kind {
    /// `access` or `route`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Access => "access",
            Kind::Route => "route",
        }
    }
}

/// Whether a request gets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Every way it ends reaches an application.
    Allow,
    /// No way it ends does.
    Deny,
    /// Some share of it (percent) does: a route split over destinations that decide apart.
    Partly(u32),
    /// The simulator cannot say.
    Undecided,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Access::Allow => f.write_str("allow"),
            Access::Deny => f.write_str("deny"),
            Access::Partly(percent) => write!(f, "allow {percent} %"),
            Access::Undecided => f.write_str("undecided"),
        }
    }
}

/// How a request ends on one side.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// Whether it gets in.
    pub access: Access,
    /// Where it is sent: each destination (`service/subset`) with its share, by destination.
    pub routes: Vec<(String, u32)>,
    /// What stopped it, when something did: `403 by AuthorizationPolicy ns/x rules[3]`.
    pub stopped: Option<String>,
}

impl Effect {
    fn of(services: &ByHost, trace: &Trace<'_>) -> Self {
        let endings = trace.endings();
        let access = if endings.is_empty() || trace.not_modelled() {
            Access::Undecided
        } else {
            let allowed: u32 = endings
                .iter()
                .filter(|(_, o)| o.is_allowed())
                .map(|(w, _)| *w)
                .sum();
            if endings.iter().all(|(_, o)| o.is_allowed()) {
                Access::Allow
            } else if allowed == 0 {
                Access::Deny
            } else {
                Access::Partly(allowed.min(100))
            }
        };
        let mut routes: BTreeMap<String, u32> = BTreeMap::new();
        for branch in &trace.branches {
            let service = services
                .get(branch.host)
                .map_or_else(|| branch.host.to_string(), Clone::clone);
            let destination = match branch.subset {
                Some(subset) => format!("{service}/{subset}"),
                None => service,
            };
            *routes.entry(destination).or_default() += branch.weight;
        }
        let stopped = first_refusal(trace);
        Self {
            access,
            routes: routes.into_iter().collect(),
            stopped,
        }
    }

    /// ` (403 by …)` after anything but allow.
    fn why(&self) -> String {
        match (&self.access, &self.stopped) {
            (Access::Allow, _) | (_, None) => String::new(),
            (_, Some(stopped)) => format!(" ({stopped})"),
        }
    }

    fn route_text(&self) -> String {
        if self.routes.is_empty() {
            return "nowhere".to_string();
        }
        self.routes
            .iter()
            .map(|(to, weight)| format!("{weight} % {to}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The destinations and their shares, as the route change prints them.
    pub fn route(&self) -> String {
        self.route_text()
    }
}

/// The first way the request ends that is not an allow, with the resource that decided it.
fn first_refusal(trace: &Trace<'_>) -> Option<String> {
    let outcome: &Outcome = trace
        .endings()
        .into_iter()
        .map(|(_, o)| o)
        .find(|o| !o.is_allowed())?;
    let what = match outcome.status() {
        Some(status) => status.to_string(),
        None => outcome.to_string(),
    };
    Some(match trace.stopped_by() {
        Some(by) => format!("{what} by {by}"),
        None => what,
    })
}

/// A profile's service names by their hosts.
type ByHost = HashMap<String, String>;

/// The services of `profile` by host, the first of a host kept. Each branch of each request
/// looked its service up among all of them, the host formatted anew for each: `meshc diff` of
/// 1,000 synthetic services (31,729 requests) took 5.4 s, of 4,000 36.6 s.
fn by_host(profile: &Profile) -> ByHost {
    let mut services = ByHost::new();
    for service in &profile.services {
        services
            .entry(topology::host(service))
            .or_insert_with(|| service.name.to_string());
    }
    services
}

/// The behaviour as text lines: the summary, then one indented line per change listed.
pub(super) fn text_lines(behaviour: &Behaviour) -> Vec<String> {
    let mut lines = vec![format!("behaviour: {}", behaviour.summary())];
    let (listed, more) = behaviour.listed();
    for change in listed {
        lines.push(format!("  {change}"));
    }
    if more > 0 {
        lines.push(format!("  … and {more} more"));
    }
    lines
}

/// The behaviour as JSON.
pub(super) fn json(behaviour: &Behaviour) -> serde_json::Value {
    let (listed, more) = behaviour.listed();
    let effect = |e: &Effect| {
        serde_json::json!({
            "access": e.access.to_string(),
            "routes": e.routes.iter().map(|(to, weight)| serde_json::json!({"to": to, "weight": weight})).collect::<Vec<_>>(),
            "stopped": e.stopped,
        })
    };
    serde_json::json!({
        "requests": behaviour.requests,
        "changed": behaviour.changes.len(),
        "changes": listed.iter().map(|c| serde_json::json!({
            "request": c.request,
            "sent": c.sent,
            "change": c.kind.as_str(),
            "old": effect(&c.old),
            "new": effect(&c.new),
        })).collect::<Vec<_>>(),
        "more": more,
    })
}

/// The behaviour as a Markdown section (escaping is the caller's).
pub(super) fn markdown(behaviour: &Behaviour, out: &mut String, code: impl Fn(&str) -> String) {
    let _ = writeln!(out, "#### Behaviour\n\n{}.\n", behaviour.summary());
    let (listed, more) = behaviour.listed();
    if listed.is_empty() {
        return;
    }
    out.push_str("| request | change | before | after |\n|---|---|---|---|\n");
    for change in listed {
        let (before, after) = match change.kind {
            Kind::Access => (
                format!("{}{}", change.old.access, change.old.why()),
                format!("{}{}", change.new.access, change.new.why()),
            ),
            Kind::Route => (change.old.route_text(), change.new.route_text()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            code(&change.request),
            change.kind.as_str(),
            code(&before),
            code(&after)
        );
    }
    if more > 0 {
        let _ = writeln!(out, "\nand {more} more.");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(n: usize) -> BehaviourChange {
        let effect = |access| Effect {
            access,
            routes: vec![("cart".to_string(), 100)],
            stopped: (access == Access::Deny).then(|| "403 by AuthorizationPolicy ns/p".into()),
        };
        BehaviourChange {
            request: format!("r{n} GET / → cart"),
            sent: Request::new(crate::simulate::Origin::Plaintext, "cart"),
            kind: Kind::Access,
            old: effect(Access::Allow),
            new: effect(Access::Deny),
        }
    }

    #[test]
    fn the_list_stops_at_its_cap_and_counts_the_rest() {
        let behaviour = Behaviour {
            requests: 200,
            changes: (0..MAX_LISTED + 3).map(change).collect(),
        };
        let lines = text_lines(&behaviour);
        assert_eq!(
            lines[0],
            "behaviour: 200 generated requests sent through both meshes; 53 get another outcome"
        );
        assert_eq!(
            lines[1],
            "  r0 GET / → cart: allow → deny (403 by AuthorizationPolicy ns/p)"
        );
        assert_eq!(lines.len(), 1 + MAX_LISTED + 1);
        assert_eq!(lines.last().unwrap(), "  … and 3 more");
        let json = json(&behaviour);
        assert_eq!(json["changed"], 53);
        assert_eq!(json["more"], 3);
        assert_eq!(json["changes"].as_array().unwrap().len(), MAX_LISTED);
    }

    #[test]
    fn summaries_count_in_words() {
        let one = Behaviour {
            requests: 1,
            changes: vec![change(0)],
        };
        assert_eq!(
            one.summary(),
            "1 generated request sent through both meshes; 1 gets another outcome"
        );
        let none = Behaviour {
            requests: 2,
            changes: Vec::new(),
        };
        assert!(none.summary().ends_with("; none gets another outcome"));
        let mut out = String::new();
        markdown(&none, &mut out, str::to_string);
        assert!(!out.contains('|'), "no table without a change: {out}");
    }

    #[test]
    fn a_split_that_decides_apart_is_a_partial_access() {
        let partly = Effect {
            access: Access::Partly(20),
            routes: vec![("a/x".into(), 20), ("a/y".into(), 80)],
            stopped: Some("403 by AuthorizationPolicy ns/p".into()),
        };
        assert_eq!(partly.access.to_string(), "allow 20 %");
        assert_eq!(partly.route(), "20 % a/x, 80 % a/y");
        assert_eq!(partly.why(), " (403 by AuthorizationPolicy ns/p)");
    }

    /// Each service is found by its host, in its own namespace; a host of no service is not.
    #[test]
    fn services_are_found_by_their_hosts() {
        let text = "[services.a]\nport = 8080\ncallers = [{ namespaces = [\"default\"] }]\n\
                    [services.b]\nport = 8080\nnamespace = \"shop\"\n\
                    callers = [{ namespaces = [\"default\"] }]\n";
        let source = crate::source::Source::new("p.toml", text.to_string());
        let services = by_host(&crate::pipeline::check(&source).unwrap().profile);
        assert_eq!(services["a.default.svc.cluster.local"], "a");
        assert_eq!(services["b.shop.svc.cluster.local"], "b");
        assert_eq!(services.len(), 2);
    }
}
