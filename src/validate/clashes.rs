//! Profile names that meshc would also give to a generated resource: two objects of one kind in
//! one namespace with one name silently replace each other on `kubectl apply`.

use std::collections::BTreeMap;

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::CROSS_NETWORK_GATEWAY;
use crate::profile::{RawProfile, Sp};

/// A service's name, its selector's labels, and where the selector is written.
type Selector<'a> = (
    &'a Sp<String>,
    Vec<(&'a str, &'a str)>,
    std::ops::Range<usize>,
);

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
                    labels
                        .value
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect(),
                    labels.span(),
                ),
                None => (name, vec![("app", name.as_str())], name.span()),
            })
            .collect();
        // Which services carry each label: a selector covers the services on every one of its
        // labels' lists, so only the shortest list needs scanning.
        let mut carriers: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
        for (index, (_, labels, _)) in selectors.iter().enumerate() {
            for label in labels {
                carriers.entry(*label).or_default().push(index);
            }
        }
        // Per service, the services whose selectors also select its pods: the first few by
        // name, and how many. One error per service whose pods are exposed, however many
        // selectors cover it: thousands of services on one label would otherwise give an
        // error for every pair, millions of them.
        let mut covered: Vec<(Vec<usize>, usize)> = vec![(Vec::new(), 0); selectors.len()];
        for (index, (_, labels, _)) in selectors.iter().enumerate() {
            let Some(shortest) = labels
                .iter()
                .filter_map(|l| carriers.get(l))
                .min_by_key(|c| c.len())
            else {
                continue;
            };
            for &other in shortest {
                let other_labels = &selectors[other].1;
                let covers = other != index && labels.iter().all(|l| other_labels.contains(l));
                // Identical selectors are reported once, on the later service.
                if covers && (labels.len() < other_labels.len() || other > index) {
                    let (named, count) = &mut covered[other];
                    if named.len() < NAMED {
                        named.push(index);
                    }
                    *count += 1;
                }
            }
        }
        for (other, (named, count)) in covered.iter().enumerate() {
            if let Some(diagnostic) = exposed(&selectors, other, named, *count) {
                self.report(diagnostic);
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
}
