//! Finding the resources that may select a proxy without scanning them all: a resource without a
//! selector is filed under its namespace, one with a selector under its namespace and one of
//! its labels. A proxy's candidates are those of its namespace and the root namespace, by
//! namespace and by each of its labels; the caller still checks the whole selector. A mesh of
//! 10,000 workloads and as many policies then indexes in linear time, not quadratic.

use super::hash::Map;
use super::pod_labels::PodLabels;
use super::topology::Labels;

/// An index of resources by namespace and selector.
#[derive(Debug, Default)]
pub(crate) struct Selection {
    everywhere: Vec<usize>,
    by_namespace: Map<String, Vec<usize>>,
    /// By namespace, label key, label value: nested, so that a proxy's labels are looked up as
    /// they are, where a key of the three copied each of them for every look-up.
    by_label: Map<String, Map<String, Map<String, Vec<usize>>>>,
}

impl Selection {
    /// Files item `i` of `namespace` (`None`: applies in every namespace) with `selector`.
    pub(crate) fn add(&mut self, i: usize, namespace: Option<&str>, selector: Option<&Labels>) {
        let first = selector.and_then(|s| s.iter().next());
        self.add_by_first(i, namespace, first.map(|(k, v)| (k.as_str(), v.as_str())));
    }

    /// [`Selection::add`] with the selector's first label in key order (`None`: no selector, or
    /// an empty one), the one it is filed under.
    pub(crate) fn add_by_first(
        &mut self,
        i: usize,
        namespace: Option<&str>,
        first: Option<(&str, &str)>,
    ) {
        let Some(namespace) = namespace else {
            self.everywhere.push(i);
            return;
        };
        match first {
            None => self
                .by_namespace
                .entry(namespace.to_string())
                .or_default()
                .push(i),
            Some((key, value)) => self
                .by_label
                .entry(namespace.to_string())
                .or_default()
                .entry(key.to_string())
                .or_default()
                .entry(value.to_string())
                .or_default()
                .push(i),
        }
    }

    /// The items that may select a proxy in `namespace` with `labels`, in index order, each
    /// once.
    pub(crate) fn candidates(&self, namespace: &str, root: &str, labels: &PodLabels) -> Vec<usize> {
        let mut out = self.everywhere.clone();
        for ns in [namespace, root] {
            out.extend(self.by_namespace.get(ns).into_iter().flatten());
            if let Some(by_key) = self.by_label.get(ns) {
                for (key, value) in labels.iter() {
                    let found = by_key.get(key).and_then(|by_value| by_value.get(value));
                    out.extend(found.into_iter().flatten());
                }
            }
            if namespace == root {
                break;
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::testing::{labels, pod_labels};

    #[test]
    fn candidates_come_from_the_namespace_the_root_and_the_labels() {
        let mut s = Selection::default();
        s.add(0, Some("ns"), None);
        s.add(1, Some("root"), None);
        s.add(2, Some("other"), None);
        s.add(3, Some("ns"), Some(&labels(&[("app", "a"), ("v", "1")])));
        s.add(4, Some("root"), Some(&labels(&[("app", "a")])));
        s.add(5, Some("ns"), Some(&labels(&[("app", "b")])));
        s.add(6, None, None);
        s.add(7, Some("ns"), Some(&Labels::new()));
        let a = pod_labels(&[("app", "a"), ("v", "2")]);
        assert_eq!(s.candidates("ns", "root", &a), [0, 1, 3, 4, 6, 7]);
        assert_eq!(s.candidates("root", "root", &a), [1, 4, 6]);
        assert_eq!(s.candidates("x", "root", &PodLabels::default()), [1, 6]);
        // A label is filed under its namespace, key and value together.
        assert_eq!(s.candidates("other", "root", &a), [1, 2, 4, 6]);
        let b = pod_labels(&[("app", "b"), ("v", "1")]);
        assert_eq!(s.candidates("ns", "root", &b), [0, 1, 5, 6, 7]);
        let swapped = pod_labels(&[("a", "app"), ("1", "v")]);
        assert_eq!(s.candidates("ns", "root", &swapped), [0, 1, 6, 7]);
    }
}
