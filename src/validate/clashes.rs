//! Profile names that meshc would also give to a generated resource: two objects of one kind in
//! one namespace with one name silently replace each other on `kubectl apply`.

use std::collections::{BTreeMap, HashMap};

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::CROSS_NETWORK_GATEWAY;
use crate::profile::{RawProfile, Sp};

/// A label of a selector, its key and value.
type Label<'a> = (&'a str, &'a str);

/// A service's name, its selector's labels (sorted), and where the selector is written.
type Selector<'a> = (&'a Sp<String>, Vec<Label<'a>>, std::ops::Range<usize>);

impl Checker {
    /// Reports names whose generated resources would collide with other generated resources.
    pub(super) fn name_clashes(&mut self, raw: &RawProfile) {
        for name in raw.external_services.keys() {
            if let Some((service, _)) = raw.services.get_key_value(name.as_str()) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateName,
                        name.span(),
                        format!(
                            "`{}` names both a service and an external service",
                            name.as_str()
                        ),
                    )
                    .secondary(service.span(), "the service")
                    .help(
                        "their VirtualServices and DestinationRules would share a name; rename one",
                    ),
                );
            }
        }
        let default_deny = raw.security.default_deny.as_ref().is_none_or(|d| d.value);
        for (name, service) in &raw.services {
            let taken = match name.as_str() {
                "allow-nothing" if default_deny => {
                    Some("the default-deny AuthorizationPolicy".to_string())
                }
                "default" if service.sampling.is_some() => Some(
                    "the namespace's Telemetry, which its sampling override would replace"
                        .to_string(),
                ),
                "tenant-guard" if !raw.tenants.is_empty() => {
                    Some("the tenant guard of its namespace".to_string())
                }
                other if !raw.tenants.is_empty() => ["-tenant-guard"]
                    .iter()
                    .find_map(|suffix| other.strip_suffix(suffix))
                    .filter(|owner| raw.services.contains_key(*owner))
                    .map(|owner| format!("the tenant guard of service `{owner}`")),
                _ => None,
            };
            if let Some(taken) = taken {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateName,
                        name.span(),
                        format!("service `{}` has the name of {taken}", name.as_str()),
                    )
                    .label("reserved for a generated resource")
                    .help("rename the service; the two resources would replace each other"),
                );
            }
        }
        let multi_network = raw.mesh.multi_network.as_ref().is_some_and(|m| m.value);
        for name in super::gateways::written_gateway_names(raw)
            .filter(|name| multi_network && name.as_str() == CROSS_NETWORK_GATEWAY)
        {
            self.report(
                Diagnostic::new(
                    Code::DuplicateName,
                    name.span(),
                    format!("gateway name `{CROSS_NETWORK_GATEWAY}` is the east-west Gateway's"),
                )
                .secondary(
                    raw.mesh.multi_network.as_ref().map_or(0..0, Sp::span),
                    "the mesh spans networks",
                )
                .help("choose another name for the ingress Gateway"),
            );
        }
    }

    /// Reports services whose label selector also selects another service's pods: every policy
    /// meshc attaches to the first (its callers, its sampling) would apply to the second's pods.
    pub(super) fn overlapping_selectors(&mut self, raw: &RawProfile) {
        let selectors: Vec<Selector<'_>> = raw
            .services
            .iter()
            .map(|(name, service)| match &service.labels {
                Some(labels) => (
                    name,
                    sorted(labels.value.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
                    labels.span(),
                ),
                None => (name, vec![("app", name.as_str())], name.span()),
            })
            .collect();
        let covered = covering(&selectors);
        for (other, (named, count)) in covered.iter().enumerate() {
            if let Some(diagnostic) = exposed(&selectors, other, named, *count) {
                self.report(diagnostic);
            }
        }
    }
}

/// `labels` in one order, so that a selector and the labels it is a subset of are walked alike.
fn sorted<'a>(labels: impl Iterator<Item = Label<'a>>) -> Vec<Label<'a>> {
    let mut labels: Vec<Label<'a>> = labels.collect();
    labels.sort_unstable();
    labels
}

/// Per service, the services whose selectors also select its pods: the first few by name, and
/// how many. Services with the same labels share one selector, and the selectors a service's
/// labels contain are looked up in a trie of them, never compared pair by pair: 4,000 services
/// on the same 50 labels, or 16,384 on 14 labels of two values each (every label on half of
/// them), took over a minute that way.
fn covering(selectors: &[Selector<'_>]) -> Vec<(Vec<usize>, usize)> {
    let mut same: BTreeMap<&[Label<'_>], Vec<usize>> = BTreeMap::new();
    for (index, (_, labels, _)) in selectors.iter().enumerate() {
        // An empty selector is refused on its own; it covers nothing here.
        if !labels.is_empty() {
            same.entry(labels).or_default().push(index);
        }
    }
    let groups: Vec<(&[Label<'_>], Vec<usize>)> = same.into_iter().collect();
    let trie = Trie::new(groups.iter().map(|(labels, _)| *labels));
    let mut covered: Vec<(Vec<usize>, usize)> = vec![(Vec::new(), 0); selectors.len()];
    for (group, (labels, members)) in groups.iter().enumerate() {
        let (mut outer, mut count) = (Vec::new(), 0);
        trie.subsets(labels, &mut |smaller| {
            if smaller != group {
                count += groups[smaller].1.len();
                outer.extend(groups[smaller].1.iter().take(NAMED));
            }
        });
        outer.sort_unstable();
        outer.truncate(NAMED);
        // Of identical selectors, each earlier service's covers the later ones.
        for (position, &member) in members.iter().enumerate() {
            let mut named: Vec<usize> = outer
                .iter()
                .chain(&members[..position.min(NAMED)])
                .copied()
                .collect();
            named.sort_unstable();
            named.truncate(NAMED);
            covered[member] = (named, count + position);
        }
    }
    covered
}

/// Distinct selectors as a trie of their sorted labels, node 0 the root.
struct Trie<'a> {
    /// The child of a node by its next label.
    edges: HashMap<(usize, Label<'a>), usize>,
    /// The selector that ends at each node, if one does.
    ends: Vec<Option<usize>>,
}

impl<'a> Trie<'a> {
    fn new<'s>(selectors: impl Iterator<Item = &'s [Label<'a>]>) -> Self
    where
        'a: 's,
    {
        let mut trie = Self {
            edges: HashMap::new(),
            ends: vec![None],
        };
        for (selector, labels) in selectors.enumerate() {
            let mut node = 0;
            for label in labels {
                let fresh = trie.ends.len();
                node = *trie.edges.entry((node, *label)).or_insert(fresh);
                if node == fresh {
                    trie.ends.push(None);
                }
            }
            trie.ends[node] = Some(selector);
        }
        trie
    }

    /// Calls `found` with each selector whose labels are all among `labels` (sorted), one of
    /// the same labels included. Only the trie's paths through `labels` are walked.
    fn subsets(&self, labels: &[Label<'a>], found: &mut impl FnMut(usize)) {
        self.walk(0, labels, found);
    }

    fn walk(&self, node: usize, rest: &[Label<'a>], found: &mut impl FnMut(usize)) {
        for (i, label) in rest.iter().enumerate() {
            if let Some(&child) = self.edges.get(&(node, *label)) {
                if let Some(selector) = self.ends[child] {
                    found(selector);
                }
                self.walk(child, &rest[i + 1..], found);
            }
        }
    }
}

/// The services named in an `overlapping-selectors` error, at most.
const NAMED: usize = 3;

/// The error for service `other`, whose pods the selectors of `count` other services also
/// select, `named` the first of them; `None` when there are none.
fn exposed(
    selectors: &[Selector<'_>],
    other: usize,
    named: &[usize],
    count: usize,
) -> Option<Diagnostic> {
    let (other_name, _, other_span) = &selectors[other];
    let names: Vec<String> = named
        .iter()
        .map(|&i| format!("`{}`", selectors[i].0.as_str()))
        .collect();
    let first = names.first()?;
    let who = match (names.as_slice(), count - named.len()) {
        ([only], 0) => format!("the labels of {only}"),
        ([before @ .., last], 0) => format!("the labels of {} and {last}", before.join(", ")),
        (_, more) => format!(
            "the labels of {} and of {more} more services",
            names.join(", ")
        ),
    };
    let mut diagnostic = Diagnostic::new(
        Code::OverlappingSelectors,
        other_span.clone(),
        format!("{who} also select the pods of `{}`", other_name.as_str()),
    );
    for &i in named {
        diagnostic = diagnostic.secondary(selectors[i].0.span(), "this service's selector");
    }
    let whose = if count == 1 {
        format!("{first}'s authorization policy")
    } else {
        "their authorization policies".to_string()
    };
    Some(diagnostic.help(format!(
        "give `{}` a label of its own: {whose} would otherwise admit {} callers to these pods too",
        other_name.as_str(),
        if count == 1 { "its" } else { "their" }
    )))
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::source::Source;

    /// The message and help of each `overlapping-selectors` error of `text`.
    fn overlaps(text: String) -> Vec<(String, String)> {
        let source = Source::new("p.toml", text);
        let Err(found) = crate::pipeline::check(&source) else {
            return Vec::new();
        };
        found
            .iter()
            .filter(|d| d.code == Code::OverlappingSelectors)
            .map(|d| (d.message.clone(), d.help.clone().unwrap_or_default()))
            .collect()
    }

    /// The messages of the `overlapping-selectors` errors of a profile of `count` services
    /// that all carry the one label `tier = "web"`.
    fn shared_label(count: usize) -> Vec<String> {
        let text: String = (0..count)
            .map(|i| format!("[services.s{i:03}]\nport = 8080\nlabels = {{ tier = \"web\" }}\n"))
            .collect();
        overlaps(text)
            .into_iter()
            .map(|(message, _)| message)
            .collect()
    }

    /// A selector of fewer labels covers one of more wherever either is written; the help
    /// speaks of one policy or of several.
    #[test]
    fn a_smaller_selector_covers_a_larger_one_before_or_after_it() {
        let service = |name: &str, labels: &str| {
            format!("[services.{name}]\nport = 8080\nlabels = {{ {labels} }}\n")
        };
        let found = overlaps(
            service("a", "tier = \"web\", role = \"x\"") + &service("b", "tier = \"web\""),
        );
        assert_eq!(
            found,
            [(
                "the labels of `b` also select the pods of `a`".to_string(),
                "give `a` a label of its own: `b`'s authorization policy would otherwise admit \
                 its callers to these pods too"
                    .to_string()
            )]
        );
        let help = &overlaps(
            service("a", "tier = \"web\", role = \"x\"")
                + &service("b", "tier = \"web\"")
                + &service("c", "role = \"x\""),
        )[0]
        .1;
        assert_eq!(
            help,
            "give `a` a label of its own: their authorization policies would otherwise admit \
             their callers to these pods too"
        );
    }

    /// One error per service whose pods other selectors also select, naming a few of them:
    /// an error per pair would be half a million for a thousand services on one label.
    #[test]
    fn each_exposed_service_is_one_error_however_many_selectors_cover_it() {
        assert_eq!(
            shared_label(3),
            [
                "the labels of `s000` also select the pods of `s001`",
                "the labels of `s000` and `s001` also select the pods of `s002`",
            ]
        );
        assert_eq!(
            shared_label(4)[2],
            "the labels of `s000`, `s001` and `s002` also select the pods of `s003`"
        );
        let many = shared_label(1000);
        assert_eq!(many.len(), 999);
        assert_eq!(
            many[998],
            "the labels of `s000`, `s001`, `s002` and of 996 more services also select the \
             pods of `s999`"
        );
    }

    /// The trie finds what comparing every pair finds: for services on subsets of four
    /// labels, some written twice, each is covered by every smaller subset and by the earlier
    /// services of its own labels, counted and named smallest index first.
    #[test]
    fn covering_finds_what_every_pair_finds() {
        let labels = [("a", "1"), ("b", "1"), ("b", "2"), ("c", "1"), ("d", "1")];
        let sets: Vec<Vec<super::Label<'_>>> = (0..64_u32)
            .map(|bits| {
                let set = labels
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| bits >> i & 1 == 1);
                super::sorted(set.map(|(_, label)| *label))
            })
            .filter(|set| set.windows(2).all(|pair| pair[0].0 != pair[1].0))
            .flat_map(|set| [set.clone(), set])
            .collect();
        let name = crate::profile::Sp::new("s".to_string(), 0..0);
        let selectors: Vec<super::Selector<'_>> =
            sets.iter().map(|set| (&name, set.clone(), 0..0)).collect();
        let covers = |s: &[super::Label<'_>], t: &[super::Label<'_>]| {
            !s.is_empty() && s.iter().all(|label| t.contains(label))
        };
        let expected: Vec<(Vec<usize>, usize)> = (0..sets.len())
            .map(|t| {
                let by: Vec<usize> = (0..sets.len())
                    .filter(|&s| {
                        s != t
                            && covers(&sets[s], &sets[t])
                            && (sets[s].len() < sets[t].len() || s < t)
                    })
                    .collect();
                (by.iter().take(super::NAMED).copied().collect(), by.len())
            })
            .collect();
        assert_eq!(super::covering(&selectors), expected);
    }

    /// Thousands of services on the same many labels are one selector written many times: each
    /// is one error, counting the services before it.
    #[test]
    fn services_on_the_same_many_labels_are_counted_without_comparing_pairs() {
        let labels: Vec<String> = (0..50).map(|i| format!("l{i:02} = \"v\"")).collect();
        let labels = labels.join(", ");
        let text: String = (0..2000)
            .map(|i| format!("[services.s{i:04}]\nport = 8080\nlabels = {{ {labels} }}\n"))
            .collect();
        let found = overlaps(text);
        assert_eq!(found.len(), 1999);
        assert_eq!(
            found[1998].0,
            "the labels of `s0000`, `s0001`, `s0002` and of 1996 more services also select the \
             pods of `s1999`"
        );
    }
}
