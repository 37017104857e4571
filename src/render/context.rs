//! What each file's template sees: only the parts of the plan it reads.
//!
//! minijinja reads a Rust value through a tree of its own values, built by walking the value
//! with serde; for a large mesh that tree costs a fifth of the render stage's instructions to
//! build and to drop (benches/README.md). Built per file, on the file's own thread, each tree
//! holds only what its template reads, and the files' trees are built in parallel instead of
//! the whole plan's on one thread before any file starts.

use std::collections::BTreeMap;
use std::ops::Range;

use minijinja::value::{Serde, Value};

use crate::plan::Plan;

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

    fn value(self, plan: &Plan) -> Value {
        // Naming every field (no `..`) makes a new field of the plan a compile error here, so
        // that it gets a part, and a template can be given it.
        let Plan {
            api,
            operator,
            virtual_services,
            destination_rules,
            security,
            gateway,
            telemetry,
            sidecars,
            namespaces,
        } = plan;
        match self {
            Part::Api => Value::from(Serde(api)),
            Part::Operator => Value::from(Serde(operator)),
            Part::VirtualServices => Value::from(Serde(virtual_services)),
            Part::DestinationRules => Value::from(Serde(destination_rules)),
            Part::Security => Value::from(Serde(security)),
            Part::Gateway => Value::from(Serde(gateway)),
            Part::Telemetry => Value::from(Serde(telemetry)),
            Part::Sidecars => Value::from(Serde(sidecars)),
            Part::Namespaces => Value::from(Serde(namespaces)),
        }
    }
}

/// A list of the plan whose file can render in pieces, each of a run of its items: the file's
/// template prints one document per item, in order, and nothing else, so the texts of the
/// pieces put end to end are the file's text. The largest files of a large mesh are such
/// lists, and one of them on a thread of its own would be left running alone on one core
/// after the others finish (benches/README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum List {
    VirtualServices,
    DestinationRules,
}

impl List {
    fn part(self) -> Part {
        match self {
            List::VirtualServices => Part::VirtualServices,
            List::DestinationRules => Part::DestinationRules,
        }
    }

    /// The number of items of the list in `plan`.
    pub(super) fn len(self, plan: &Plan) -> usize {
        match self {
            List::VirtualServices => plan.virtual_services.len(),
            List::DestinationRules => plan.destination_rules.len(),
        }
    }

    /// The items in `range`, as the whole list's value would hold them.
    fn value(self, plan: &Plan, range: Range<usize>) -> Value {
        match self {
            List::VirtualServices => {
                Value::from(Serde(&plan.virtual_services.iter().as_slice()[range]))
            }
            List::DestinationRules => {
                Value::from(Serde(&plan.destination_rules.iter().as_slice()[range]))
            }
        }
    }
}

/// `pieces` runs of items, in order, that together hold every item of a list of `len`
/// (fewer when the list is shorter).
pub(super) fn split(len: usize, pieces: usize) -> Vec<Range<usize>> {
    let pieces = pieces.clamp(1, len.max(1));
    (0..pieces)
        .map(|piece| piece * len / pieces..(piece + 1) * len / pieces)
        .collect()
}

/// The template context of `parts` of `plan`.
pub(super) fn of(plan: &Plan, parts: &[Part]) -> Value {
    of_piece(plan, parts, None)
}

/// The template context of `parts` of `plan`, with a list of them cut to a run of its items.
pub(super) fn of_piece(plan: &Plan, parts: &[Part], piece: Option<&(List, Range<usize>)>) -> Value {
    let map: BTreeMap<&'static str, Value> = parts
        .iter()
        .map(|&part| {
            let value = match piece {
                Some((list, range)) if list.part() == part => list.value(plan, range.clone()),
                _ => part.value(plan),
            };
            (part.name(), value)
        })
        .collect();
    Value::from_object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    #[test]
    fn a_list_splits_into_runs_that_hold_every_item_once_in_order() {
        for len in 0..12 {
            for pieces in 0..5 {
                let runs = split(len, pieces);
                let items: Vec<usize> = runs.iter().cloned().flatten().collect();
                assert_eq!(items, (0..len).collect::<Vec<_>>(), "{len} in {pieces}");
                assert_eq!(runs.len(), pieces.clamp(1, len.max(1)), "{len} in {pieces}");
                assert!(
                    runs.iter().all(|run| len == 0 || !run.is_empty()),
                    "{runs:?}"
                );
            }
        }
    }

    #[test]
    fn a_piece_of_a_list_reads_as_that_run_of_the_whole_list() {
        let source = Source::new(
            "synthetic.toml",
            crate::synth::profile(crate::synth::Shape::services(5)),
        );
        let plan = crate::plan::build(&crate::pipeline::check(&source).unwrap().profile);
        for list in [List::VirtualServices, List::DestinationRules] {
            let name = list.part().name();
            let whole = of(&plan, &[Part::Api, list.part()]);
            let whole_list: Vec<Value> =
                whole.get_attr(name).unwrap().try_iter().unwrap().collect();
            assert!(whole_list.len() >= 5, "{name}");
            let mut pieces = Vec::new();
            for range in split(list.len(&plan), 2) {
                let piece = of_piece(&plan, &[Part::Api, list.part()], Some(&(list, range)));
                assert_eq!(
                    piece.get_attr("api").unwrap(),
                    whole.get_attr("api").unwrap()
                );
                pieces.extend(piece.get_attr(name).unwrap().try_iter().unwrap());
            }
            assert_eq!(pieces, whole_list, "{name}");
        }
    }

    #[test]
    fn every_part_reads_as_the_plan_s_field_of_its_name() {
        let source = Source::new(
            "synthetic.toml",
            crate::synth::profile(crate::synth::Shape::services(3)),
        );
        let plan = crate::plan::build(&crate::pipeline::check(&source).unwrap().profile);
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
