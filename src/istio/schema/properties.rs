//! A schema's `properties`: the walk looks up every key of every mapping of a document in
//! them, so the table is built once per schema for that look-up. The entries stay in the order
//! of their names (the order messages and the cost estimate list them in); beside them, an index
//! sorted by each name's length and its first eight bytes as a number, so a look-up compares two
//! numbers at each step and the bytes of two names only when both are longer than eight bytes
//! and begin alike (a sorted map called `memcmp` at every step of its search).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::Schema;

/// The bytes of a name that its [`Key`] holds.
const HEAD: usize = 8;

/// What the index compares of a name first: its length, then its first [`HEAD`] bytes (zeros
/// after a shorter name's end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    len: usize,
    head: u64,
}

impl Key {
    fn of(name: &str) -> Self {
        let bytes = name.as_bytes();
        let mut head = [0u8; HEAD];
        let n = bytes.len().min(HEAD);
        head[..n].copy_from_slice(&bytes[..n]);
        Self {
            len: bytes.len(),
            head: u64::from_be_bytes(head),
        }
    }
}

/// The properties of an object schema, by name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Properties {
    /// In the order of their names; names are unique.
    entries: Vec<(String, Schema)>,
    /// Each entry's key and position in `entries`, in the order of [`Properties::order`].
    index: Vec<(Key, usize)>,
}

impl Properties {
    /// The order of the index: by key, then (for names of one length that begin alike) by the
    /// bytes after the head.
    fn order(&self, (key, at): (Key, usize), name: &str, name_key: Key) -> Ordering {
        key.cmp(&name_key).then_with(|| {
            if key.len <= HEAD {
                Ordering::Equal
            } else {
                self.entries[at].0.as_bytes()[HEAD..].cmp(&name.as_bytes()[HEAD..])
            }
        })
    }

    /// The schema of property `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Schema> {
        let name_key = Key::of(name);
        self.index
            .binary_search_by(|&entry| self.order(entry, name, name_key))
            .ok()
            .map(|found| &self.entries[self.index[found].1].1)
    }

    /// The properties in the order of their names.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Schema)> {
        self.into_iter()
    }

    /// The names, in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &String> {
        self.entries.iter().map(|(name, _)| name)
    }
}

impl From<BTreeMap<String, Schema>> for Properties {
    fn from(map: BTreeMap<String, Schema>) -> Self {
        let mut properties = Self {
            entries: map.into_iter().collect(),
            index: Vec::new(),
        };
        let mut index: Vec<(Key, usize)> = properties
            .entries
            .iter()
            .enumerate()
            .map(|(at, (name, _))| (Key::of(name), at))
            .collect();
        index
            .sort_unstable_by(|&a, &(key, at)| properties.order(a, &properties.entries[at].0, key));
        properties.index = index;
        properties
    }
}

impl<'a> IntoIterator for &'a Properties {
    type Item = (&'a String, &'a Schema);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Schema)>,
        fn(&'a (String, Schema)) -> (&'a String, &'a Schema),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(name, schema)| (name, schema))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(min_length: u64) -> Schema {
        Schema {
            min_length: Some(min_length),
            ..Schema::default()
        }
    }

    #[test]
    fn every_name_is_found_and_no_other() {
        let names = [
            "b",
            "a",
            "match",
            "route",
            "headers",
            "ab",
            "",
            "retries",
            "é",
            "perTryTimeout",
            "perTryIdleTimeout",
            "perTryIdleTimeouts",
            "retryOn",
            "retryRemoteLocalities",
        ];
        let map: BTreeMap<String, Schema> = names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.to_string(), schema(i as u64)))
            .collect();
        let properties = Properties::from(map);
        for (i, name) in names.iter().enumerate() {
            assert_eq!(
                properties.get(name).and_then(|s| s.min_length),
                Some(i as u64),
                "{name}"
            );
        }
        for absent in [
            "c",
            "matcH",
            "rout",
            "routes",
            "abc",
            "e",
            "perTryTimeouT",
            "perTryIdleTimeoutx",
            "retryRemoteLocalitie",
        ] {
            assert!(properties.get(absent).is_none(), "{absent}");
        }
        assert!(Properties::default().get("a").is_none());
    }

    #[test]
    fn iteration_keeps_the_order_of_names() {
        let map: BTreeMap<String, Schema> = ["route", "b", "match", "ab"]
            .iter()
            .map(|name| (name.to_string(), Schema::default()))
            .collect();
        let properties = Properties::from(map);
        let keys: Vec<&str> = properties.keys().map(String::as_str).collect();
        assert_eq!(keys, ["ab", "b", "match", "route"]);
        let iterated: Vec<&str> = (&properties).into_iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(iterated, keys);
        let pairs: Vec<&str> = properties.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(pairs, keys);
    }
}
