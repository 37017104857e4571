//! A workload's pod labels, kept compact: the mesh holds them for every workload and gateway
//! through all the proofs. As a `BTreeMap` each was a leaf of eleven slots (about 540 bytes for
//! two to four labels) and two `String`s a label, though the keys and most values repeat across
//! workloads (heaptrack at 10,000 services: 16.7 MB of the 203.5 MB heap peak). Here they are a
//! [`VecMap`] of shared strings: whoever builds many may hand the same `Arc` to each.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::topology::Labels;
use crate::vec_map::VecMap;

/// Label keys and values, sorted by key, each key once.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PodLabels(VecMap<Arc<str>, Arc<str>>);

impl PodLabels {
    /// The labels of `pairs`. Of pairs with equal keys the last value is kept, as inserting
    /// them one by one into a map keeps it.
    pub fn from_shared(pairs: impl IntoIterator<Item = (Arc<str>, Arc<str>)>) -> Self {
        Self(VecMap::from_entries(pairs.into_iter().collect()))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|value| &**value)
    }

    /// The pairs, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }
}

impl From<Labels> for PodLabels {
    fn from(labels: Labels) -> Self {
        Self::from_shared(
            labels
                .into_iter()
                .map(|(k, v)| (Arc::from(k), Arc::from(v))),
        )
    }
}

impl FromIterator<(String, String)> for PodLabels {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Self::from(pairs.into_iter().collect::<Labels>())
    }
}

/// As the map prints.
impl fmt::Debug for PodLabels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// As the map writes: a map in key order.
impl Serialize for PodLabels {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// Read as the map: the same input accepted, the same errors, a repeated key's last value.
impl<'de> Deserialize<'de> for PodLabels {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Labels::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::testing::{labels, pod_labels as pod};

    #[test]
    fn it_looks_up_and_iterates_in_key_order() {
        let web = pod(&[("version", "v1"), ("app", "web"), ("b", "2")]);
        assert_eq!(
            web.iter().collect::<Vec<_>>(),
            [("app", "web"), ("b", "2"), ("version", "v1")]
        );
        assert_eq!(web.get("app"), Some("web"));
        assert_eq!(web.get("version"), Some("v1"));
        assert_eq!(web.get("a"), None);
        assert_eq!(web.get("zzz"), None);
        assert_eq!(PodLabels::default().get("app"), None);
        assert_eq!(
            format!("{web:?}"),
            format!(
                "{:?}",
                labels(&[("version", "v1"), ("app", "web"), ("b", "2")])
            )
        );
    }

    #[test]
    fn shared_pairs_keep_the_last_value_of_a_key() {
        let app: Arc<str> = Arc::from("app");
        let shared = PodLabels::from_shared([
            (Arc::from("version"), Arc::from("v1")),
            (app.clone(), Arc::from("first")),
            (app.clone(), Arc::from("last")),
        ]);
        assert_eq!(
            shared.iter().collect::<Vec<_>>(),
            [("app", "last"), ("version", "v1")]
        );
        assert!(shared.0.iter().any(|(k, _)| Arc::ptr_eq(k, &app)));
        let map: PodLabels = [("k", "1"), ("k", "2")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(map, pod(&[("k", "2")]));
    }

    #[test]
    fn it_reads_and_writes_as_the_map_does() {
        for text in [
            r#"{"app": "web", "version": "v1"}"#,
            r#"{"version": "v1", "app": "web", "version": "v2"}"#,
            "{}",
        ] {
            let map: Labels = serde_json::from_str(text).unwrap();
            let read: PodLabels = serde_json::from_str(text).unwrap();
            assert_eq!(read, PodLabels::from(map.clone()));
            assert_eq!(
                serde_json::to_string(&read).unwrap(),
                serde_json::to_string(&map).unwrap()
            );
        }
        assert_eq!(
            serde_json::from_str::<PodLabels>(r#"{"a": "1", "a": "2"}"#).unwrap(),
            pod(&[("a", "2")])
        );
        for bad in [r#"["app"]"#, r#"{"app": 1}"#, "3", r#"{"app": "web""#] {
            let map = serde_json::from_str::<Labels>(bad).unwrap_err();
            let read = serde_json::from_str::<PodLabels>(bad).unwrap_err();
            assert_eq!(read.to_string(), map.to_string(), "{bad}");
        }
        let toml_map = toml::from_str::<Labels>("a = 1").unwrap_err();
        let toml_pod = toml::from_str::<PodLabels>("a = 1").unwrap_err();
        assert_eq!(toml_pod.to_string(), toml_map.to_string());
        let duplicate = "a = \"1\"\na = \"2\"";
        assert_eq!(
            toml::from_str::<PodLabels>(duplicate)
                .unwrap_err()
                .to_string(),
            toml::from_str::<Labels>(duplicate).unwrap_err().to_string()
        );
    }
}
