//! Labels a resource selects workloads by (a DestinationRule subset's `labels`), kept as a
//! sorted slice rather than a map: a mesh has a handful of them per DestinationRule, mostly of
//! one label, and a `BTreeMap` allocates a node of eleven entries for each (massif at 1,000
//! services: the subsets' maps were 3.3 MB of the simulator's 12 MB of DestinationRules).

use super::pod_labels::PodLabels;
use super::topology::Labels;

/// Label keys and values, sorted by key, each key once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Selector(Box<[(Box<str>, Box<str>)]>);

impl Selector {
    /// The pairs, in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    /// Whether `labels` carry every pair, as [`super::topology::selects`] decides for a map.
    pub(crate) fn selects(&self, labels: &PodLabels) -> bool {
        self.iter().all(|(k, v)| labels.get(k) == Some(v))
    }
}

impl From<Labels> for Selector {
    fn from(labels: Labels) -> Self {
        Self(
            labels
                .into_iter()
                .map(|(k, v)| (k.into_boxed_str(), v.into_boxed_str()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::testing::{labels, pod_labels};

    #[test]
    fn selects_as_the_map_does() {
        let selector = Selector::from(labels(&[("version", "v1"), ("app", "web")]));
        assert_eq!(
            selector.iter().collect::<Vec<_>>(),
            [("app", "web"), ("version", "v1")]
        );
        let workloads = [
            (
                pod_labels(&[("app", "web"), ("version", "v1"), ("x", "y")]),
                true,
            ),
            (pod_labels(&[("app", "web"), ("version", "v2")]), false),
            (pod_labels(&[("app", "web")]), false),
            (pod_labels(&[]), false),
        ];
        for (workload, expected) in &workloads {
            let map = labels(&[("version", "v1"), ("app", "web")]);
            assert_eq!(selector.selects(workload), *expected, "{workload:?}");
            assert_eq!(super::super::topology::selects(&map, workload), *expected);
        }
        let empty = Selector::default();
        assert_eq!(empty.iter().count(), 0);
        assert!(workloads.iter().all(|(w, _)| empty.selects(w)));
    }
}
