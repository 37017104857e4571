//! PeerAuthentication composed for one workload (istio/istio
//! pilot/pkg/security/authn/policy_applier.go `ComposePeerAuthentication`): the mesh policy
//! (root namespace, no selector), then the namespace policy, then the workload policy (a
//! selector, outside the root namespace) each override an inherited mode unless UNSET; port
//! levels of the workload policy override last; PERMISSIVE when nothing says. A selector in the
//! root namespace is ignored. Of two policies in one scope Istio keeps the older, which the
//! documents do not tell: when they disagree, the answer is "not modelled".

use std::collections::BTreeMap;

use super::decode::{PeerAuthentication, PeerMode};
use super::pod_labels::PodLabels;
use super::select::{Selection, pairs};
use super::topology::{Labels, selects};
use super::trace::{Decider, Part};

/// The effective mode of a workload's ports.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    /// The workload-wide mode and the policy that set it (index into the PeerAuthentications).
    pub mode: (PeerMode, Option<usize>),
    /// Port overrides.
    pub ports: BTreeMap<u16, (PeerMode, usize)>,
    /// Set when two policies of one scope disagree.
    pub ambiguous: Option<String>,
}

/// A policy's selector, `None` when it has none or an empty one.
fn selected(policy: &PeerAuthentication) -> Option<&Labels> {
    policy.selector.as_ref().filter(|s| !s.is_empty())
}

impl Default for Peer {
    fn default() -> Self {
        Self {
            mode: (PeerMode::Permissive, None),
            ports: BTreeMap::new(),
            ambiguous: None,
        }
    }
}

impl Peer {
    /// Composes the policies that apply to a workload in `namespace` with `labels`, looking
    /// only at `candidates` (indices in increasing order, so that the first of a scope is
    /// still the first of the documents, the one a scan kept): every policy that may apply
    /// must be among them, as [`peer_selection`] finds them. Scanning every policy for each
    /// workload was quadratic with one PeerAuthentication per workload.
    pub(crate) fn compose(
        policies: &[PeerAuthentication],
        candidates: &[usize],
        root: &str,
        namespace: &str,
        labels: &PodLabels,
    ) -> Self {
        let mesh = indices(policies, candidates, |p| {
            p.meta.namespace == root && selected(p).is_none()
        });
        let space = indices(policies, candidates, |p| {
            p.meta.namespace == namespace && namespace != root && selected(p).is_none()
        });
        let workload = indices(policies, candidates, |p| {
            p.meta.namespace == namespace
                && namespace != root
                && selected(p).is_some_and(|s| selects(s, labels))
        });
        let mut peer = Peer::default();
        for scope in [&mesh, &space, &workload] {
            if let Some(ambiguity) = disagreement(policies, scope) {
                peer.ambiguous = Some(ambiguity);
            }
            if let Some(&i) = scope.first()
                && policies[i].mode != PeerMode::Unset
            {
                peer.mode = (policies[i].mode, Some(i));
            }
        }
        if let Some(&i) = workload.first() {
            let inherited = peer.mode.0;
            for (&port, &mode) in &policies[i].ports {
                let mode = if mode == PeerMode::Unset {
                    inherited
                } else {
                    mode
                };
                peer.ports.insert(port, (mode, i));
            }
        }
        peer
    }

    /// The mode on a container port, and the policy (and part) that set it.
    pub(crate) fn on<'m>(
        &self,
        port: u16,
        policies: &'m [PeerAuthentication],
    ) -> (PeerMode, Option<Decider<'m>>) {
        let decider = |i: usize, part| {
            let p = &policies[i];
            Decider {
                kind: "PeerAuthentication",
                namespace: &p.meta.namespace,
                name: &p.meta.name,
                part,
            }
        };
        if let Some(&(mode, i)) = self.ports.get(&port) {
            return (mode, Some(decider(i, Part::Port(port))));
        }
        let (mode, by) = self.mode;
        (mode, by.map(|i| decider(i, Part::Whole)))
    }
}

/// The candidates that `keep` accepts, in their order.
fn indices(
    policies: &[PeerAuthentication],
    candidates: &[usize],
    keep: impl Fn(&PeerAuthentication) -> bool,
) -> Vec<usize> {
    candidates
        .iter()
        .copied()
        .filter(|&i| keep(&policies[i]))
        .collect()
}

/// The policies filed by namespace and selector, for [`Peer::compose`]'s candidates. A
/// selector in the root namespace is left out: Istio ignores it (istio-rules.md §1.6), and
/// filed, each one would be a candidate of every workload it selects.
pub(crate) fn peer_selection(policies: &[PeerAuthentication], root: &str) -> Selection {
    let mut selection = Selection::default();
    for (i, policy) in policies.iter().enumerate() {
        let selector = selected(policy);
        if selector.is_none() || policy.meta.namespace != root {
            selection.add(i, Some(&policy.meta.namespace), pairs(selector));
        }
    }
    selection
}

fn disagreement(policies: &[PeerAuthentication], scope: &[usize]) -> Option<String> {
    let first = &policies[*scope.first()?];
    scope[1..]
        .iter()
        .map(|&i| &policies[i])
        .find(|p| p.mode != first.mode || p.ports != first.ports)
        .map(|p| {
            format!(
                "PeerAuthentications {}/{} and {}/{} apply to the same scope and differ; Istio \
                 keeps the older",
                first.meta.namespace, first.meta.name, p.meta.namespace, p.meta.name
            )
        })
}

#[cfg(test)]
mod tests {
    use proptest::strategy::Strategy;

    use super::*;
    use crate::istio::document::read;
    use crate::simulate::decode::{Meta, Resources, decode};
    use crate::simulate::testing::generated;

    fn policies(text: &str) -> Vec<PeerAuthentication> {
        let (documents, _) = read("t.yaml", text, &"default".into());
        let Resources {
            peer_authentications,
            ..
        } = decode(&documents).unwrap();
        peer_authentications
    }

    fn pa(namespace: &str, name: &str, rest: &str) -> String {
        format!(
            "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {rest}\n"
        )
    }

    fn labels(app: &str) -> PodLabels {
        [("app".to_string(), app.to_string())].into_iter().collect()
    }

    /// The policies composed for a workload as the mesh composes them: from the candidates
    /// their selection gives.
    fn composed(policies: &[PeerAuthentication], ns: &str, labels: &PodLabels) -> Peer {
        let candidates = peer_selection(policies, ROOT).candidates(ns, ROOT, labels);
        Peer::compose(policies, &candidates, ROOT, ns, labels)
    }

    const ROOT: &str = "istio-system";

    fn mode(policies: &[PeerAuthentication], ns: &str, app: &str, port: u16) -> (PeerMode, String) {
        let peer = composed(policies, ns, &labels(app));
        let (mode, by) = peer.on(port, policies);
        (mode, by.map(|d| d.to_string()).unwrap_or_default())
    }

    #[test]
    fn permissive_when_nothing_says() {
        assert_eq!(
            mode(&[], "ns", "a", 80),
            (PeerMode::Permissive, String::new())
        );
        let unset = policies(&pa("istio-system", "default", "{}"));
        assert_eq!(mode(&unset, "ns", "a", 80).0, PeerMode::Permissive);
    }

    /// istio-rules.md §4.6: mesh STRICT, namespace overrides, workload overrides, port last.
    #[test]
    fn narrower_scopes_override() {
        let all = policies(&format!(
            "{}{}{}{}",
            pa("istio-system", "default", "{mtls: {mode: STRICT}}"),
            pa("ns", "default", "{mtls: {mode: PERMISSIVE}}"),
            pa(
                "ns",
                "a",
                "{selector: {matchLabels: {app: a}}, mtls: {mode: DISABLE}, portLevelMtls: {\"8080\": {mode: STRICT}, \"9090\": {}}}"
            ),
            pa(
                "istio-system",
                "root-selector",
                "{selector: {matchLabels: {app: b}}, mtls: {mode: DISABLE}}"
            ),
        ));
        assert_eq!(
            mode(&all, "other", "b", 80),
            (
                PeerMode::Strict,
                "PeerAuthentication istio-system/default".into()
            )
        );
        assert_eq!(
            mode(&all, "ns", "b", 80),
            (PeerMode::Permissive, "PeerAuthentication ns/default".into())
        );
        assert_eq!(
            mode(&all, "ns", "a", 80),
            (PeerMode::Disable, "PeerAuthentication ns/a".into())
        );
        assert_eq!(
            mode(&all, "ns", "a", 8080),
            (
                PeerMode::Strict,
                "PeerAuthentication ns/a portLevelMtls[8080]".into()
            )
        );
        // An UNSET port inherits the workload's mode.
        assert_eq!(
            mode(&all, "ns", "a", 9090),
            (
                PeerMode::Disable,
                "PeerAuthentication ns/a portLevelMtls[9090]".into()
            )
        );
        assert!(composed(&all, "ns", &labels("a")).ambiguous.is_none());
    }

    #[test]
    fn unset_inherits_and_disagreement_is_reported() {
        let all = policies(&format!(
            "{}{}{}",
            pa("istio-system", "default", "{mtls: {mode: STRICT}}"),
            pa("ns", "default", "{mtls: {mode: UNSET}}"),
            pa(
                "ns",
                "w",
                "{selector: {matchLabels: {app: a}}, portLevelMtls: {\"80\": {mode: UNSET}}}"
            ),
        ));
        assert_eq!(mode(&all, "ns", "a", 80).0, PeerMode::Strict);
        assert_eq!(mode(&all, "ns", "a", 81).0, PeerMode::Strict);
        let two = policies(&format!(
            "{}{}",
            pa("ns", "one", "{mtls: {mode: STRICT}}"),
            pa("ns", "two", "{mtls: {mode: DISABLE}}"),
        ));
        let peer = composed(&two, "ns", &labels("a"));
        assert!(peer.ambiguous.unwrap().contains("ns/one and ns/two"));
        let same = policies(&format!(
            "{}{}",
            pa("ns", "one", "{mtls: {mode: STRICT}}"),
            pa("ns", "two", "{mtls: {mode: STRICT}}"),
        ));
        assert!(composed(&same, "ns", &labels("a")).ambiguous.is_none());
        let ports = policies(&format!(
            "{}{}",
            pa(
                "ns",
                "one",
                "{selector: {matchLabels: {app: a}}, portLevelMtls: {\"1\": {mode: STRICT}}}"
            ),
            pa("ns", "two", "{selector: {matchLabels: {app: a}}}"),
        ));
        assert!(composed(&ports, "ns", &labels("a")).ambiguous.is_some());
        // An empty selector is no selector: a namespace policy.
        let empty = policies(&pa(
            "ns",
            "e",
            "{selector: {matchLabels: {}}, mtls: {mode: STRICT}}",
        ));
        assert_eq!(
            mode(&empty, "ns", "z", 1),
            (PeerMode::Strict, "PeerAuthentication ns/e".into())
        );
        let peer = Peer::default();
        assert_eq!(peer.on(1, &empty).0, PeerMode::Permissive);
    }

    const NAMESPACES: [&str; 3] = ["ns", ROOT, "other"];

    const MODES: [PeerMode; 4] = [
        PeerMode::Unset,
        PeerMode::Strict,
        PeerMode::Permissive,
        PeerMode::Disable,
    ];

    /// A policy of a namespace, with no selector, an empty one or one of up to three labels,
    /// a mode and up to two ports, named by its place.
    fn policy() -> impl proptest::strategy::Strategy<Value = PeerAuthentication> {
        (
            proptest::sample::select(&NAMESPACES[..]),
            proptest::option::of(proptest::collection::btree_map(0usize..4, 0usize..2, 0..3)),
            proptest::sample::select(&MODES[..]),
            proptest::collection::btree_map(1u16..3, proptest::sample::select(&MODES[..]), 0..2),
        )
            .prop_map(|(namespace, selector, mode, ports)| PeerAuthentication {
                meta: Meta {
                    kind: "PeerAuthentication",
                    name: String::new(),
                    namespace: namespace.to_string(),
                    file: "t.yaml".into(),
                    line: 1,
                    dry_run: false,
                },
                selector: selector.as_ref().map(generated),
                mode,
                ports,
            })
    }

    proptest::proptest! {
        /// A workload's composed mode, ports and ambiguity are the same from its candidates as
        /// from every policy, in the documents' order.
        #[test]
        fn candidates_compose_as_a_scan(
            generated_policies in proptest::collection::vec(policy(), 0..24),
            proxies in proptest::collection::vec(
                (
                    proptest::sample::select(&NAMESPACES[..]),
                    proptest::collection::btree_map(0usize..4, 0usize..2, 0..5),
                ),
                1..8,
            ),
        ) {
            let mut policies = generated_policies;
            for (i, p) in policies.iter_mut().enumerate() {
                p.meta.name = format!("p{i}");
            }
            let every: Vec<usize> = (0..policies.len()).collect();
            for (ns, pairs) in &proxies {
                let labels = PodLabels::from(generated(pairs));
                let scan = Peer::compose(&policies, &every, ROOT, ns, &labels);
                let indexed = composed(&policies, ns, &labels);
                proptest::prop_assert_eq!(indexed.mode, scan.mode);
                proptest::prop_assert_eq!(indexed.ports, scan.ports);
                proptest::prop_assert_eq!(indexed.ambiguous, scan.ambiguous);
            }
        }
    }
}
