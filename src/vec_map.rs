//! `VecMap`: a map as a sorted `Vec` of its entries, for the profile's tables and the checker's
//! inventory of pod labels.
//!
//! The raw profile's tables and the checked profile's labels mostly hold one to a dozen keys
//! (a subset's labels, a service's subsets), and a `BTreeMap` allocates a leaf of eleven slots
//! for even one key: heaptrack of the 10,000-service synthetic profile showed its raw profile
//! at 16.7 kB a service, most of it such leaves, and every label map of the checked profile,
//! alive through the whole run, at 544 bytes. A sorted `Vec` holds what it is given; its
//! entries, in key order, and its lookups by key are the `BTreeMap`'s.

use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A map of unique keys, in key order.
#[derive(Clone, PartialEq, Eq)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// The entries in key order. Of entries with equal keys, the first key is kept with the
    /// last value, as inserting them one by one into a `BTreeMap` keeps them.
    pub fn from_entries(mut entries: Vec<(K, V)>) -> Self {
        entries.sort_by(|(a, _), (b, _)| a.cmp(b));
        entries.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                std::mem::swap(&mut later.1, &mut earlier.1);
            }
            same
        });
        entries.shrink_to_fit();
        Self { entries }
    }

    /// The entries in key order, if no two keys are equal.
    pub fn from_unique(entries: Vec<(K, V)>) -> Option<Self> {
        let len = entries.len();
        let map = Self::from_entries(entries);
        (map.len() == len).then_some(map)
    }

    /// The value of `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.get_key_value(key).map(|(_, value)| value)
    }

    /// The entry of `key`.
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries
            .binary_search_by(|(k, _)| k.borrow().cmp(key))
            .ok()
            .and_then(|at| self.entries.get(at))
            .map(|(k, v)| (k, v))
    }

    /// Whether `key` has an entry.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.get_key_value(key).is_some()
    }
}

impl<K, V> VecMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The entry of the least key.
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    /// The entries in key order, as a slice (to cut into runs).
    pub fn entries(&self) -> &[(K, V)] {
        &self.entries
    }

    /// The entries in key order, taken.
    pub fn into_entries(self) -> Vec<(K, V)> {
        self.entries
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        Self::from_entries(entries.into_iter().collect())
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for VecMap<K, V> {
    fn from(entries: [(K, V); N]) -> Self {
        Self::from_entries(Vec::from(entries))
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for VecMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(Entries(PhantomData))
    }
}

/// Reads a map's entries as they come, then sorts them.
struct Entries<K, V>(PhantomData<(K, V)>);

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for Entries<K, V> {
    type Value = VecMap<K, V>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(0).min(4096));
        while let Some(entry) = access.next_entry()? {
            entries.push(entry);
        }
        Ok(VecMap::from_entries(entries))
    }
}

impl<K: JsonSchema, V: JsonSchema> JsonSchema for VecMap<K, V> {
    fn inline_schema() -> bool {
        <std::collections::BTreeMap<K, V>>::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        <std::collections::BTreeMap<K, V>>::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        <std::collections::BTreeMap<K, V>>::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        <std::collections::BTreeMap<K, V>>::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key that compares by its name alone, as a spanned name does.
    #[derive(Debug, Clone, Copy)]
    struct Key(&'static str, usize);

    impl PartialEq for Key {
        fn eq(&self, other: &Self) -> bool {
            self.0 == other.0
        }
    }

    impl Eq for Key {}

    impl PartialOrd for Key {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }

    impl Ord for Key {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            self.0.cmp(other.0)
        }
    }

    impl Borrow<str> for Key {
        fn borrow(&self) -> &str {
            self.0
        }
    }

    #[test]
    fn entries_are_in_key_order_and_a_repeated_key_keeps_its_first_key_and_last_value() {
        let map = VecMap::from_entries(vec![
            (Key("b", 0), 20),
            (Key("a", 1), 10),
            (Key("b", 2), 21),
        ]);
        let keys: Vec<_> = map.keys().map(|k| (k.0, k.1)).collect();
        assert_eq!(keys, [("a", 1), ("b", 0)]);
        assert_eq!(map.values().copied().collect::<Vec<_>>(), [10, 21]);
        assert_eq!(map.get("b"), Some(&21));
        assert!(VecMap::from_unique(vec![(Key("a", 0), ()), (Key("a", 1), ())]).is_none());
        let unique = VecMap::from_unique(vec![(Key("b", 0), ()), (Key("a", 1), ())]);
        assert_eq!(unique.map(|m| m.len()), Some(2));
        let sorted = VecMap::from([(Key("a", 0), 1), (Key("c", 1), 3)]);
        assert_eq!(sorted.first_key_value(), Some((&Key("a", 0), &1)));
    }

    #[test]
    fn it_reads_and_prints_as_a_btree_map() {
        let text = "b = 2\na = 1\nc = 3\n";
        let map: VecMap<String, i64> = toml::from_str(text).unwrap_or_default();
        let tree: std::collections::BTreeMap<String, i64> =
            toml::from_str(text).unwrap_or_default();
        assert_eq!(format!("{map:?}"), format!("{tree:?}"));
        assert_eq!(map.get("c"), Some(&3));
        assert!(!map.contains_key("d"));
        let collected: VecMap<_, _> = tree.clone().into_iter().rev().collect();
        assert_eq!(
            collected.into_entries(),
            tree.into_iter().collect::<Vec<_>>()
        );
    }
}
