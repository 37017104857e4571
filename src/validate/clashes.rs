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
        for (index, (name, labels, _)) in selectors.iter().enumerate() {
            let Some(shortest) = labels
                .iter()
                .filter_map(|l| carriers.get(l))
                .min_by_key(|c| c.len())
            else {
                continue;
            };
            for &other in shortest {
                let (other_name, other_labels, other_span) = &selectors[other];
                let covers = other != index && labels.iter().all(|l| other_labels.contains(l));
                // Identical selectors are reported once, on the later service.
                let report = covers && (labels.len() < other_labels.len() || other > index);
                if report {
                    self.report(
                        Diagnostic::new(
                            Code::OverlappingSelectors,
                            other_span.clone(),
                            format!(
                                "the labels of `{}` also select the pods of `{}`",
                                name.as_str(),
                                other_name.as_str()
                            ),
                        )
                        .secondary(name.span(), "this service's selector")
                        .help(format!(
                            "give `{}` a label of its own: `{}`'s authorization policy would \
                             otherwise admit its callers to these pods too",
                            other_name.as_str(),
                            name.as_str()
                        )),
                    );
                }
            }
        }
    }
}
