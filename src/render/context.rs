//! What each file's template sees: only the parts of the plan it reads, and of the lists its
//! documents are printed from, only a run of their items.
//!
//! minijinja reads a Rust value through a tree of its own values, built by walking the value
//! with serde; for a large mesh those trees were most of the render stage's memory and a fifth
//! of its instructions (benches/README.md). A file of lists renders in pieces, each a run of
//! its documents, whose tree is built just before the piece renders and dropped right after:
//! the trees alive at once are a few pieces', whatever the size of the mesh.

use std::collections::BTreeMap;
use std::ops::Range;

use minijinja::value::{Serde, Value};
use serde::Serialize;

use crate::plan::{GatewayPlan, Plan, ResourceList, SecurityPlan};

/// A top-level field of the plan, as the templates name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Api,
    Operator,
    VirtualServices,
    DestinationRules,
    Security,
    Gateway,
    Telemetry,
    Sidecars,
    Namespaces,
}

impl Part {
    /// Every part: the whole plan.
    #[cfg(test)]
    const ALL: &[Part] = &[
        Part::Api,
        Part::Operator,
        Part::VirtualServices,
        Part::DestinationRules,
        Part::Security,
        Part::Gateway,
        Part::Telemetry,
        Part::Sidecars,
        Part::Namespaces,
    ];

    /// The name templates read it by: the field's name, as serde writes it.
    fn name(self) -> &'static str {
        match self {
            Part::Api => "api",
            Part::Operator => "operator",
            Part::VirtualServices => "virtual_services",
            Part::DestinationRules => "destination_rules",
            Part::Security => "security",
            Part::Gateway => "gateway",
            Part::Telemetry => "telemetry",
            Part::Sidecars => "sidecars",
            Part::Namespaces => "namespaces",
        }
    }

    /// The part's value, each list in it cut to `run(list)`.
    fn value(self, plan: &Plan, run: &impl Fn(List) -> Range<usize>) -> Value {
        // Naming every field (no `..`) makes a new field of the plan a compile error here, so
        // that it gets a part, and a template can be given it.
        let Plan {
            api,
            operator,
            virtual_services: _,
            destination_rules: _,
            security,
            gateway,
            telemetry: _,
            sidecars: _,
            namespaces: _,
        } = plan;
        let list = |list: List| list.value(plan, run(list));
        match self {
            Part::Api => Value::from(Serde(api)),
            Part::Operator => Value::from(Serde(operator)),
            Part::VirtualServices => list(List::VirtualServices),
            Part::DestinationRules => list(List::DestinationRules),
            Part::Security => {
                let SecurityPlan {
                    peer_authentications: _,
                    request_authentications: _,
                    authorization_policies: _,
                    service_entries: _,
                } = security;
                fields(List::SECURITY, list)
            }
            Part::Gateway => {
                let GatewayPlan {
                    gateways: _,
                    virtual_services: _,
                    rate_limits: _,
                } = gateway;
                fields(List::GATEWAY, list)
            }
            Part::Telemetry => list(List::Telemetry),
            Part::Sidecars => list(List::Sidecars),
            Part::Namespaces => list(List::Namespaces),
        }
    }
}

/// A part that is a struct of lists, as a map of the lists' values by field name.
fn fields(lists: &[List], value: impl Fn(List) -> Value) -> Value {
    let map: BTreeMap<&'static str, Value> = lists
        .iter()
        .map(|&list| (list.field(), value(list)))
        .collect();
    Value::from_object(map)
}

/// A list of the plan that a file prints one document per item of. Such a file's template
/// prints, for each of its lists in turn, one document per item, in order, and nothing else,
/// so the texts of runs of those documents put end to end are the file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum List {
    VirtualServices,
    DestinationRules,
    PeerAuthentications,
    RequestAuthentications,
    AuthorizationPolicies,
    ServiceEntries,
    Gateways,
    GatewayVirtualServices,
    RateLimits,
    Telemetry,
    Sidecars,
    Namespaces,
}

impl List {
    /// Every list.
    #[cfg(test)]
    const ALL: &[List] = &[
        List::VirtualServices,
        List::DestinationRules,
        List::PeerAuthentications,
        List::RequestAuthentications,
        List::AuthorizationPolicies,
        List::ServiceEntries,
        List::Gateways,
        List::GatewayVirtualServices,
        List::RateLimits,
        List::Telemetry,
        List::Sidecars,
        List::Namespaces,
    ];

    /// The lists of the security part, in the order of its fields.
    const SECURITY: &[List] = &[
        List::PeerAuthentications,
        List::RequestAuthentications,
        List::AuthorizationPolicies,
        List::ServiceEntries,
    ];

    /// The lists of the gateway part, in the order of its fields.
    const GATEWAY: &[List] = &[
        List::Gateways,
        List::GatewayVirtualServices,
        List::RateLimits,
    ];

    /// Its field's name in its part (a list that is a part: the part's name).
    fn field(self) -> &'static str {
        match self {
            List::VirtualServices => Part::VirtualServices.name(),
            List::DestinationRules => Part::DestinationRules.name(),
            List::PeerAuthentications => "peer_authentications",
            List::RequestAuthentications => "request_authentications",
            List::AuthorizationPolicies => "authorization_policies",
            List::ServiceEntries => "service_entries",
            List::Gateways => "gateways",
            List::GatewayVirtualServices => "virtual_services",
            List::RateLimits => "rate_limits",
            List::Telemetry => Part::Telemetry.name(),
            List::Sidecars => Part::Sidecars.name(),
            List::Namespaces => Part::Namespaces.name(),
        }
    }

    /// The number of items of the list in `plan`.
    pub(super) fn len(self, plan: &Plan) -> usize {
        match self {
            List::VirtualServices => plan.virtual_services.len(),
            List::DestinationRules => plan.destination_rules.len(),
            List::PeerAuthentications => plan.security.peer_authentications.len(),
            List::RequestAuthentications => plan.security.request_authentications.len(),
            List::AuthorizationPolicies => plan.security.authorization_policies.len(),
            List::ServiceEntries => plan.security.service_entries.len(),
            List::Gateways => plan.gateway.gateways.len(),
            List::GatewayVirtualServices => plan.gateway.virtual_services.len(),
            List::RateLimits => plan.gateway.rate_limits.len(),
            List::Telemetry => plan.telemetry.len(),
            List::Sidecars => plan.sidecars.len(),
            List::Namespaces => plan.namespaces.len(),
        }
    }

    /// The items in `range` (none outside the list), as the whole list's value would hold them.
    fn value(self, plan: &Plan, range: Range<usize>) -> Value {
        fn run<T: Serialize>(items: &[T], range: Range<usize>) -> Value {
            Value::from(Serde(items.get(range).unwrap_or_default()))
        }
        fn resources<T: Serialize>(list: &ResourceList<T>, range: Range<usize>) -> Value {
            run(list.iter().as_slice(), range)
        }
        match self {
            List::VirtualServices => resources(&plan.virtual_services, range),
            List::DestinationRules => resources(&plan.destination_rules, range),
            List::PeerAuthentications => resources(&plan.security.peer_authentications, range),
            List::RequestAuthentications => {
                resources(&plan.security.request_authentications, range)
            }
            List::AuthorizationPolicies => resources(&plan.security.authorization_policies, range),
            List::ServiceEntries => resources(&plan.security.service_entries, range),
            List::Gateways => resources(&plan.gateway.gateways, range),
            List::GatewayVirtualServices => resources(&plan.gateway.virtual_services, range),
            List::RateLimits => resources(&plan.gateway.rate_limits, range),
            List::Telemetry => resources(&plan.telemetry, range),
            List::Sidecars => resources(&plan.sidecars, range),
            List::Namespaces => run(&plan.namespaces, range),
        }
    }
}

/// Runs of at most `size` items, in order, that together hold every item of a list of `len`
/// (one empty run when the list is).
pub(super) fn split(len: usize, size: usize) -> Vec<Range<usize>> {
    let size = size.max(1);
    let pieces = len.div_ceil(size).max(1);
    (0..pieces)
        .map(|piece| piece * size..((piece + 1) * size).min(len))
        .collect()
}

/// The template context of `parts` of `plan`, whole.
pub(super) fn of(plan: &Plan, parts: &[Part]) -> Value {
    of_parts(plan, parts, |list| 0..list.len(plan))
}

/// The template context of `parts` of `plan` for a run of a file's documents: `documents`
/// counts the items of `lists` as if they were one list, the first list's items first, and
/// each of `lists` is cut to its items in that run (most to none); other lists stay whole.
pub(super) fn of_run(
    plan: &Plan,
    parts: &[Part],
    lists: &[List],
    documents: Range<usize>,
) -> Value {
    of_parts(plan, parts, |list| {
        let mut start = 0;
        for &each in lists {
            let len = each.len(plan);
            if each == list {
                let clamp = |at: usize| at.clamp(start, start + len) - start;
                return clamp(documents.start)..clamp(documents.end);
            }
            start += len;
        }
        0..list.len(plan)
    })
}

fn of_parts(plan: &Plan, parts: &[Part], run: impl Fn(List) -> Range<usize>) -> Value {
    let map: BTreeMap<&'static str, Value> = parts
        .iter()
        .map(|&part| (part.name(), part.value(plan, &run)))
        .collect();
    Value::from_object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    fn plan(services: usize) -> Plan {
        let source = Source::new(
            "synthetic.toml",
            crate::synth::profile(crate::synth::Shape::services(services)),
        );
        crate::plan::build(&crate::pipeline::check(&source).unwrap().profile)
    }

    #[test]
    fn a_list_splits_into_runs_that_hold_every_item_once_in_order() {
        for len in 0..12 {
            for size in 0..5 {
                let runs = split(len, size);
                let items: Vec<usize> = runs.iter().cloned().flatten().collect();
                assert_eq!(items, (0..len).collect::<Vec<_>>(), "{len} by {size}");
                assert!(runs.iter().all(|run| run.len() <= size.max(1)), "{runs:?}");
                assert!(
                    runs.iter().all(|run| len == 0 || !run.is_empty()),
                    "{runs:?}"
                );
                assert_eq!(runs.len(), len.div_ceil(size.max(1)).max(1), "{runs:?}");
            }
        }
    }

    /// The items of `list` in the context `context`, as the template reads them.
    fn items(context: &Value, list: List) -> Vec<Value> {
        let name = list.field();
        let holder = match list {
            _ if List::SECURITY.contains(&list) => context.get_attr("security").unwrap(),
            _ if List::GATEWAY.contains(&list) => context.get_attr("gateway").unwrap(),
            _ => context.clone(),
        };
        holder.get_attr(name).unwrap().try_iter().unwrap().collect()
    }

    fn prod() -> Plan {
        let source = Source::new("prod.toml", include_str!("../../profiles/prod.toml")).with_base(
            Source::new(
                "base/nephoran.toml",
                include_str!("../../profiles/base/nephoran.toml"),
            ),
        );
        crate::plan::build(&crate::pipeline::check(&source).unwrap().profile)
    }

    #[test]
    fn runs_of_a_file_s_documents_read_as_runs_of_its_lists_in_turn() {
        let plan = prod();
        let parts = [Part::Api, Part::Security, Part::Sidecars];
        let lists = [
            List::PeerAuthentications,
            List::RequestAuthentications,
            List::AuthorizationPolicies,
            List::ServiceEntries,
            List::Sidecars,
        ];
        let whole = of(&plan, &parts);
        let total: usize = lists.iter().map(|list| list.len(&plan)).sum();
        assert!(lists.iter().all(|list| list.len(&plan) > 0), "{lists:?}");
        for size in [1, 2, 3, 7, total] {
            let mut pieces: Vec<Vec<Value>> = vec![Vec::new(); lists.len()];
            let mut documents = 0;
            for run in split(total, size) {
                let piece = of_run(&plan, &parts, &lists, run.clone());
                assert_eq!(
                    piece.get_attr("api").unwrap(),
                    whole.get_attr("api").unwrap()
                );
                let counts: Vec<usize> = lists
                    .iter()
                    .zip(&mut pieces)
                    .map(|(&list, items_so_far)| {
                        let items = items(&piece, list);
                        let count = items.len();
                        items_so_far.extend(items);
                        count
                    })
                    .collect();
                assert_eq!(counts.iter().sum::<usize>(), run.len(), "{run:?}");
                documents += run.len();
            }
            assert_eq!(documents, total);
            for (list, items_of_pieces) in lists.iter().zip(pieces) {
                assert_eq!(items_of_pieces, items(&whole, *list), "{list:?} by {size}");
            }
        }
    }

    #[test]
    fn every_list_is_counted_and_read_as_its_field() {
        let plan = plan(3);
        let whole = Value::from(Serde(&plan));
        for list in List::ALL {
            let items = items(&whole, *list);
            assert_eq!(items.len(), list.len(&plan), "{list:?}");
            assert_eq!(list.value(&plan, 0..list.len(&plan)), Value::from(items));
        }
    }

    #[test]
    fn every_part_reads_as_the_plan_s_field_of_its_name() {
        let plan = plan(3);
        let whole = Value::from(Serde(&plan));
        let parts = of(&plan, Part::ALL);
        let names: Vec<String> = whole
            .try_iter()
            .unwrap()
            .map(|key| key.to_string())
            .collect();
        assert_eq!(names.len(), Part::ALL.len());
        for name in names {
            assert_eq!(
                parts.get_attr(&name).unwrap(),
                whole.get_attr(&name).unwrap(),
                "{name}"
            );
        }
    }
}
