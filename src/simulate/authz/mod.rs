//! AuthorizationPolicy evaluation at one proxy: CUSTOM, then DENY, then ALLOW (istio/istio
//! pilot/pkg/networking/core/listener_builder.go puts the CUSTOM filters before JWT
//! authentication and the DENY and ALLOW filters after it; authz/builder/builder.go builds them
//! in that order). A proxy with at least one enforced ALLOW policy refuses what none of their
//! rules match; with none, ALLOW is implicit. A policy without rules matches nothing
//! (builder.go `rbacPolicyMatchNever`). Dry-run policies (`istio.io/dry-run`) only report,
//! except CUSTOM ones, which still call the provider (builder.go).

mod index;
mod rule;

use super::context::Attributes;
use super::decode::{Action, AuthorizationPolicy};
use super::trace::{Decider, Outcome, Part, Step};
use index::RuleIndex;

pub(crate) use rule::Rule;

/// Kleene's three-valued logic: a rule over an attribute the simulator cannot know matches
/// `Unknown`, and an answer that depends on it is "not modelled".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tri {
    No,
    Yes,
    /// Depends on this attribute.
    Unknown(&'static str),
}

impl From<bool> for Tri {
    fn from(yes: bool) -> Self {
        if yes { Tri::Yes } else { Tri::No }
    }
}

impl Tri {
    pub(crate) fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Unknown(a), _) | (_, Tri::Unknown(a)) => Tri::Unknown(a),
            (Tri::Yes, Tri::Yes) => Tri::Yes,
        }
    }

    pub(crate) fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::Unknown(a), _) | (_, Tri::Unknown(a)) => Tri::Unknown(a),
            (Tri::No, Tri::No) => Tri::No,
        }
    }

    pub(crate) fn not(self) -> Tri {
        match self {
            Tri::No => Tri::Yes,
            Tri::Yes => Tri::No,
            unknown @ Tri::Unknown(_) => unknown,
        }
    }

    /// `Or` of every value, stopping at the first `Yes`.
    pub(crate) fn any(values: impl IntoIterator<Item = Tri>) -> Tri {
        let mut result = Tri::No;
        for value in values {
            result = result.or(value);
            if result == Tri::Yes {
                break;
            }
        }
        result
    }

    /// `And` of every value, stopping at the first `No`.
    pub(crate) fn all(values: impl IntoIterator<Item = Tri>) -> Tri {
        let mut result = Tri::Yes;
        for value in values {
            result = result.and(value);
            if result == Tri::No {
                break;
            }
        }
        result
    }
}

/// A compiled AuthorizationPolicy.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub namespace: String,
    pub name: String,
    pub action: Action,
    pub dry_run: bool,
    pub provider: Option<String>,
    pub rules: Vec<Rule>,
    /// The positions of the rules an HTTP request without a verified token can match, in
    /// order: the others test a claim or a request principal in every alternative, which such
    /// a request fails (most requests the proofs send carry no token).
    without_token: Vec<usize>,
    /// The rules by the one value of a claim or header each requires, when enough are keyed
    /// so ([`RuleIndex::of`]): a tenant guard holds a few rules per tenant, and a request
    /// names one tenant.
    index: Option<Box<RuleIndex>>,
    /// Whether a rule reads `connection.sni` (which names the subset a sidecar sends to).
    pub reads_sni: bool,
}

impl Policy {
    /// Compiles a decoded policy; `trust` is the trust domain and its aliases.
    pub(crate) fn compile(policy: &AuthorizationPolicy, trust: &[String]) -> Self {
        let namespace = &policy.meta.namespace;
        let rules: Vec<Rule> = policy
            .rules
            .iter()
            .map(|r| Rule::compile(r, namespace, policy.action, trust))
            .collect();
        Self {
            namespace: namespace.clone(),
            name: policy.meta.name.clone(),
            action: policy.action,
            dry_run: policy.meta.dry_run,
            provider: policy.provider.clone(),
            reads_sni: rules.iter().any(Rule::reads_sni),
            without_token: (0..rules.len())
                .filter(|&i| !rules[i].needs_token())
                .collect(),
            index: RuleIndex::of(&rules).map(Box::new),
            rules,
        }
    }

    fn decider(&self, part: Part) -> Decider<'_> {
        Decider {
            kind: "AuthorizationPolicy",
            namespace: &self.namespace,
            name: &self.name,
            part,
        }
    }

    /// The first rule that matches (`Yes`), or else the first that may (`Unknown`). An HTTP
    /// request tries only the rules it can match: without a verified token, those that need
    /// none; by the index, those its value names and those keyed by nothing. The others answer
    /// `No`, which changes neither. On TCP, where Istio drops HTTP conditions, every rule.
    fn first_match(&self, a: &Attributes<'_>) -> Option<(usize, Tri)> {
        match &self.index {
            _ if a.tcp => self.first_of(0..self.rules.len(), a),
            Some(index) => self.first_of(index.candidates(a).iter().copied(), a),
            None if a.jwt.is_none() => self.first_of(self.without_token.iter().copied(), a),
            None => self.first_of(0..self.rules.len(), a),
        }
    }

    fn first_of(
        &self,
        positions: impl Iterator<Item = usize>,
        a: &Attributes<'_>,
    ) -> Option<(usize, Tri)> {
        let mut unknown = None;
        for i in positions {
            match self.rules[i].eval(a) {
                Tri::Yes => return Some((i, Tri::Yes)),
                Tri::Unknown(attr) => {
                    unknown.get_or_insert((i, Tri::Unknown(attr)));
                }
                Tri::No => {}
            }
        }
        unknown
    }
}

/// What one stage decided.
pub(crate) struct Stage<'m> {
    pub step: Step<'m>,
    /// Set when the stage ends the request.
    pub end: Option<(Outcome, Option<Decider<'m>>)>,
    /// Dry-run policies that would have matched.
    pub notes: Vec<String>,
}

/// Runs one stage over the policies of its action that apply to the proxy, sorted by
/// namespace and name.
pub(crate) fn stage<'m>(
    action: Action,
    all: &'m [Policy],
    list: &[usize],
    a: &Attributes<'_>,
) -> Stage<'m> {
    let mut notes = Vec::new();
    let policies = || list.iter().map(|&i| &all[i]);
    let enforced = || policies().filter(|p| !p.dry_run || action == Action::Custom);
    // One pass: every dry-run policy reports a match; the enforced ones are counted, and tried
    // until one matches (the tests are pure, so the order between the two kinds is free).
    let mut matched = None;
    let mut unknown = None;
    let mut count = 0;
    for policy in policies() {
        if policy.dry_run && action != Action::Custom {
            if let Some((i, Tri::Yes)) = policy.first_match(a) {
                notes.push(format!(
                    "dry run: {} would match ({})",
                    policy.decider(Part::Rule(i)),
                    action.as_str()
                ));
            }
            continue;
        }
        count += 1;
        if matched.is_some() {
            continue;
        }
        match policy.first_match(a) {
            Some((i, Tri::Yes)) => matched = Some((policy, i)),
            Some((i, Tri::Unknown(attr))) => {
                unknown.get_or_insert((policy, i, attr));
            }
            _ => {}
        }
    }
    let step = Step::Authz {
        action,
        policies: count,
        matched: matched.map(|(p, i)| p.decider(Part::Rule(i))),
    };
    let end = match (action, matched, unknown) {
        (Action::Custom, Some((p, i)), _) => Some((
            Outcome::not_modelled(format!(
                "the external authorizer `{}` decides",
                p.provider.as_deref().unwrap_or("")
            )),
            Some(p.decider(Part::Rule(i))),
        )),
        (Action::Deny, Some((p, i)), _) => Some((Outcome::Denied, Some(p.decider(Part::Rule(i))))),
        (_, None, Some((p, i, attr))) => Some((
            Outcome::not_modelled(format!("the request's {attr} is not known")),
            Some(p.decider(Part::Rule(i))),
        )),
        (Action::Allow, None, None) if count > 0 => {
            let default = enforced()
                .find(|p| p.rules.is_empty())
                .map(|p| p.decider(Part::Whole));
            Some((Outcome::Denied, default))
        }
        _ => None,
    };
    Stage { step, end, notes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::istio::document::read;
    use crate::simulate::context::{Headers, Payload};
    use crate::simulate::decode::decode;

    fn policies(text: &str) -> Vec<Policy> {
        let (documents, error) = read("t.yaml", text, &"default".into());
        assert!(error.is_none());
        decode(&documents)
            .unwrap()
            .authorization_policies
            .iter()
            .map(|p| Policy::compile(p, &["td".to_string()]))
            .collect()
    }

    fn policy(name: &str, action: &str, rules: &str, dry_run: bool) -> String {
        let annotations = if dry_run {
            ", annotations: {istio.io/dry-run: \"true\"}"
        } else {
            ""
        };
        format!(
            "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n\
             metadata: {{name: {name}, namespace: ns{annotations}}}\n\
             spec: {{action: {action}, provider: {{name: ext}}, rules: {rules}}}\n"
        )
    }

    type Run = (
        Option<(Outcome, Option<String>)>,
        Vec<String>,
        Step<'static>,
    );

    fn run(policies: &[Policy], action: Action, path: &str) -> Run {
        let headers = Headers::default();
        let a = Attributes {
            host: "h",
            method: "GET",
            path,
            port: 80,
            headers: &headers,
            peer: None,
            jwt: None,
            source_ip: None,
            remote_ip: None,
            sni: crate::simulate::context::Sni::None,
            tcp: false,
        };
        let list: Vec<usize> = (0..policies.len())
            .filter(|&i| policies[i].action == action)
            .collect();
        let stage = stage(action, policies, &list, &a);
        let end = stage.end.map(|(o, by)| (o, by.map(|d| d.to_string())));
        let step = match stage.step {
            Step::Authz {
                action,
                policies,
                matched,
            } => Step::Authz {
                action,
                policies,
                matched: matched.map(|_| Decider {
                    kind: "",
                    namespace: "",
                    name: "",
                    part: Part::Whole,
                }),
            },
            other => panic!("{other:?}"),
        };
        (end, stage.notes, step)
    }

    /// Istio "Authorization Policy" concepts: a DENY rule that matches refuses; the first match
    /// (by namespace and name, then rule) is reported.
    #[test]
    fn deny_refuses_on_any_match() {
        let all = policies(&format!(
            "{}{}{}",
            policy("b", "DENY", "[{to: [{operation: {paths: [/x]}}]}]", false),
            policy(
                "a",
                "DENY",
                "[{to: [{operation: {paths: [/y]}}]}, {to: [{operation: {paths: [/x]}}]}]",
                false
            ),
            policy("c", "DENY", "[]", false),
        ));
        let mut sorted: Vec<&Policy> = all.iter().collect();
        sorted.sort_by(|x, y| x.name.cmp(&y.name));
        let owned: Vec<Policy> = sorted.into_iter().cloned().collect();
        let (end, notes, _) = run(&owned, Action::Deny, "/x");
        assert_eq!(
            end,
            Some((
                Outcome::Denied,
                Some("AuthorizationPolicy ns/a rules[1]".into())
            ))
        );
        assert!(notes.is_empty(), "no policy here is a dry run: {notes:?}");
        // A DENY policy without rules matches nothing.
        let (end, _, step) = run(&owned, Action::Deny, "/z");
        assert_eq!(end, None);
        assert!(matches!(
            step,
            Step::Authz {
                policies: 3,
                matched: None,
                ..
            }
        ));
    }

    /// ALLOW: with at least one ALLOW policy, what no rule matches is refused; `allow-nothing`
    /// (`spec: {}`) is such a policy and the one reported; with none, ALLOW is implicit.
    #[test]
    fn allow_refuses_what_no_rule_matches() {
        let all = policies(&format!(
            "{}{}",
            policy("allow-nothing", "ALLOW", "[]", false),
            policy(
                "reads",
                "ALLOW",
                "[{to: [{operation: {paths: [/r]}}]}]",
                false
            ),
        ));
        let (end, _, step) = run(&all, Action::Allow, "/r");
        assert_eq!(end, None);
        assert!(matches!(
            step,
            Step::Authz {
                matched: Some(_),
                ..
            }
        ));
        let (end, _, _) = run(&all, Action::Allow, "/w");
        assert_eq!(
            end,
            Some((
                Outcome::Denied,
                Some("AuthorizationPolicy ns/allow-nothing".into())
            ))
        );
        let only_rules = policies(&policy(
            "reads",
            "ALLOW",
            "[{to: [{operation: {paths: [/r]}}]}]",
            false,
        ));
        let (end, _, _) = run(&only_rules, Action::Allow, "/w");
        assert_eq!(end, Some((Outcome::Denied, None)));
        let (end, _, step) = run(&[], Action::Allow, "/w");
        assert_eq!(end, None);
        assert!(matches!(
            step,
            Step::Authz {
                policies: 0,
                matched: None,
                ..
            }
        ));
    }

    /// Dry-run policies only report (builder.go, `istio.io/dry-run`).
    #[test]
    fn dry_run_policies_only_report() {
        let all = policies(&format!(
            "{}{}",
            policy("shadow-deny", "DENY", "[{}]", true),
            policy(
                "shadow-allow",
                "ALLOW",
                "[{to: [{operation: {paths: [/r]}}]}]",
                true
            ),
        ));
        let (end, notes, step) = run(&all, Action::Deny, "/x");
        assert_eq!(end, None);
        assert_eq!(
            notes,
            ["dry run: AuthorizationPolicy ns/shadow-deny rules[0] would match (DENY)"]
        );
        assert!(matches!(step, Step::Authz { policies: 0, .. }));
        // A dry-run ALLOW does not make the proxy default-deny.
        let (end, notes, _) = run(&all, Action::Allow, "/w");
        assert_eq!(end, None);
        assert!(notes.is_empty());
        let (_, notes, _) = run(&all, Action::Allow, "/r");
        assert_eq!(notes.len(), 1);
        // Nor does a dry-run `allow-nothing` become the policy a default denial names.
        let beside = policies(&format!(
            "{}{}",
            policy("a-shadow-nothing", "ALLOW", "[]", true),
            policy(
                "reads",
                "ALLOW",
                "[{to: [{operation: {paths: [/r]}}]}]",
                false
            ),
        ));
        let (end, _, _) = run(&beside, Action::Allow, "/w");
        assert_eq!(end, Some((Outcome::Denied, None)));
    }

    /// CUSTOM sends matching requests to an external authorizer: not modelled; dry-run CUSTOM
    /// policies still call it (builder.go).
    #[test]
    fn custom_is_not_modelled_when_it_matches() {
        let all = policies(&policy(
            "ext",
            "CUSTOM",
            "[{to: [{operation: {paths: [/x]}}]}]",
            true,
        ));
        let (end, notes, _) = run(&all, Action::Custom, "/x");
        assert!(
            notes.is_empty(),
            "a dry-run CUSTOM policy is enforced: {notes:?}"
        );
        let (outcome, by) = end.unwrap();
        assert_eq!(
            outcome,
            Outcome::not_modelled("the external authorizer `ext` decides")
        );
        assert_eq!(by.as_deref(), Some("AuthorizationPolicy ns/ext rules[0]"));
        assert_eq!(run(&all, Action::Custom, "/y").0, None);
    }

    /// An answer that depends on an unknown attribute is not modelled, unless another rule
    /// decides anyway.
    #[test]
    fn unknown_attributes_make_answers_not_modelled() {
        let all = policies(&format!(
            "{}{}",
            policy(
                "a",
                "DENY",
                "[{from: [{source: {ipBlocks: [1.0.0.0/8]}}]}]",
                false
            ),
            policy("b", "DENY", "[{to: [{operation: {paths: [/x]}}]}]", false),
        ));
        let (end, _, _) = run(&all, Action::Deny, "/x");
        assert_eq!(end.unwrap().0, Outcome::Denied);
        let (end, _, _) = run(&all, Action::Deny, "/y");
        let (outcome, by) = end.unwrap();
        assert_eq!(
            outcome,
            Outcome::not_modelled("the request's source.ip is not known")
        );
        assert_eq!(by.as_deref(), Some("AuthorizationPolicy ns/a rules[0]"));
        let allow = policies(&policy(
            "a",
            "ALLOW",
            "[{from: [{source: {ipBlocks: [1.0.0.0/8]}}]}]",
            false,
        ));
        assert!(matches!(
            run(&allow, Action::Allow, "/").0,
            Some((Outcome::NotModelled { .. }, _))
        ));
    }

    /// The rules a request without a token skips are exactly those it fails: whatever the
    /// request, the first match over the skipping list is the first over every rule. A rule
    /// that only `notValues` a claim, names a token in one `from` entry of two, or tests a
    /// claim on a TCP connection (where Istio drops HTTP values) still matches.
    #[test]
    fn a_request_without_a_token_skips_only_rules_it_fails() {
        let all = policies(&policy(
            "p",
            "DENY",
            "[{when: [{key: \"request.auth.claims[t]\", values: [a]}]}, \
             {from: [{source: {requestPrincipals: [\"*\"]}}]}, \
             {from: [{source: {requestPrincipals: [\"*\"]}}, {source: {namespaces: [nsx]}}]}, \
             {when: [{key: \"request.auth.claims[t]\", notValues: [a]}]}, \
             {to: [{operation: {paths: [/x]}}], \
               when: [{key: \"request.auth.claims[t]\", values: [a], notValues: [b]}]}]",
            false,
        ));
        let p = &all[0];
        assert_eq!(p.without_token, [2, 3, 4]);
        let jwt = crate::simulate::request::Jwt {
            issuer: "i".into(),
            subject: Some("s".into()),
            audiences: Vec::new(),
            claims: serde_json::json!({"t": "a"}).as_object().unwrap().clone(),
        };
        let headers = Headers::default();
        let mut answers = Vec::new();
        for token in [
            None,
            Some(Payload {
                jwt: &jwt,
                split: &[],
            }),
        ] {
            for peer in [None, Some("spiffe://td/ns/nsx/sa/x")] {
                for tcp in [false, true] {
                    for path in ["/x", "/y"] {
                        let a = Attributes {
                            host: "h",
                            method: "GET",
                            path,
                            port: 80,
                            headers: &headers,
                            peer,
                            jwt: token,
                            source_ip: None,
                            remote_ip: None,
                            sni: crate::simulate::context::Sni::None,
                            tcp,
                        };
                        let every = p.first_of(0..p.rules.len(), &a);
                        assert_eq!(p.first_match(&a), every, "{token:?} {peer:?} {tcp} {path}");
                        answers.push(every);
                    }
                }
            }
        }
        // Without a token over HTTP, the `notValues` rule matches; on TCP the claim rule does.
        assert_eq!(answers[0], Some((3, Tri::Yes)));
        assert_eq!(answers[2], Some((0, Tri::Yes)));
        // A peer of namespace `nsx` matches the second `from` entry of rule 2.
        assert_eq!(answers[4], Some((2, Tri::Yes)));
        // With the token, its claim matches rule 0.
        assert_eq!(answers[8], Some((0, Tri::Yes)));
    }

    #[test]
    fn kleene_logic() {
        let u = Tri::Unknown("x");
        assert_eq!(Tri::Yes.and(Tri::Yes), Tri::Yes);
        assert_eq!(Tri::Yes.and(Tri::No), Tri::No);
        assert_eq!(u.and(Tri::No), Tri::No);
        assert_eq!(Tri::No.and(u), Tri::No);
        assert_eq!(u.and(Tri::Yes), u);
        assert_eq!(Tri::Yes.and(u), u);
        assert_eq!(Tri::No.or(Tri::No), Tri::No);
        assert_eq!(u.or(Tri::Yes), Tri::Yes);
        assert_eq!(Tri::Yes.or(u), Tri::Yes);
        assert_eq!(u.or(Tri::No), u);
        assert_eq!(Tri::No.or(u), u);
        assert_eq!(u.not(), u);
        assert_eq!(Tri::Yes.not(), Tri::No);
        assert_eq!(Tri::No.not(), Tri::Yes);
        assert_eq!(Tri::any([]), Tri::No);
        assert_eq!(Tri::any([Tri::No, u, Tri::No]), u);
        assert_eq!(Tri::any([u, Tri::Yes]), Tri::Yes);
        assert_eq!(Tri::all([]), Tri::Yes);
        assert_eq!(Tri::all([Tri::Yes, u, Tri::Yes]), u);
        assert_eq!(Tri::all([u, Tri::No]), Tri::No);
        assert_eq!(Tri::from(true), Tri::Yes);
        assert_eq!(Tri::from(false), Tri::No);
    }
}
