//! What each file's template sees: only the parts of the plan it reads.
//!
//! minijinja reads a Rust value through a tree of its own values, built by walking the value
//! with serde; for a large mesh that tree costs a fifth of the render stage's instructions to
//! build and to drop (benches/README.md). Built per file, on the file's own thread, each tree
//! holds only what its template reads, and the files' trees are built in parallel instead of
//! the whole plan's on one thread before any file starts.

use std::collections::BTreeMap;

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

/// The template context of `parts` of `plan`.
pub(super) fn of(plan: &Plan, parts: &[Part]) -> Value {
    let map: BTreeMap<&'static str, Value> = parts
        .iter()
        .map(|part| (part.name(), part.value(plan)))
        .collect();
    Value::from_object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

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
