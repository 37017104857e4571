//! A schema's `properties`: the walk looks up every key of every mapping of a document in
//! them, so the table is built once per schema for that look-up. The entries stay in the order
//! of their names (the order messages and the cost estimate list them in); beside them, an index
//! sorted by each name's length and its first eight bytes as a number, so a look-up searches
//! pairs of numbers and compares the bytes of names only among the few longer than eight bytes
//! that share both (a sorted map called `memcmp` at every step of its search; a search that
//! broke such ties by the bytes after the head called a comparison function at every step).

use std::collections::BTreeMap;

use super::Schema;

/// The bytes of a name that its [`Key`] holds.
const HEAD: usize = 8;

/// What the index compares of a name first: its length, then its first [`HEAD`] bytes; a
/// shorter name's bytes are packed in a way that, for its length, tells every name apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    len: usize,
    head: u64,
}

impl Key {
    fn of(name: &str) -> Self {
        let bytes = name.as_bytes();
        // Not a copy of a slice of unknown length, which is a call to `memcpy`, nor a loop over
        // a short name's bytes (most names are short): a few reads that overlap, which together
        // hold every byte of a name of that length.
        let head = match (bytes.first_chunk::<HEAD>(), bytes.first_chunk::<4>()) {
            (Some(head), _) => u64::from_be_bytes(*head),
            (None, Some(first)) => {
                let last = bytes.last_chunk::<4>().unwrap_or(first);
                u64::from(u32::from_be_bytes(*first)) << 32 | u64::from(u32::from_be_bytes(*last))
            }
            (None, None) => match bytes {
                [] => 0,
                [first, ..] => {
                    let middle = bytes[bytes.len() / 2];
                    let last = bytes[bytes.len() - 1];
                    u64::from(*first) << 16 | u64::from(middle) << 8 | u64::from(last)
                }
            },
        };
        Self {
            len: bytes.len(),
            head,
        }
    }
}

/// The properties of an object schema, by name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Properties {
    /// In the order of their names; names are unique.
    entries: Vec<(String, Schema)>,
    /// Each entry's key and position in `entries`, sorted by key (so names of one key are side
    /// by side).
    index: Vec<(Key, usize)>,
}

impl Properties {
    /// The schema of property `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Schema> {
        let key = Key::of(name);
        let first = self.index.partition_point(|&(k, _)| k < key);
        // Names of one key are equal when they are no longer than the head.
        self.index[first..]
            .iter()
            .take_while(|&&(k, _)| k == key)
            .map(|&(_, at)| &self.entries[at])
            .find(|(entry, _)| {
                key.len <= HEAD || entry.as_bytes()[HEAD..] == name.as_bytes()[HEAD..]
            })
            .map(|(_, schema)| schema)
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
        index.sort_unstable_by_key(|&(key, _)| key);
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
            "retryRemoteA",
            "retryRemoteB",
            "\0",
            "a\0",
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
            "retryRemoteC",
            "\0\0",
            "a\0\0",
        ] {
            assert!(properties.get(absent).is_none(), "{absent}");
        }
        assert!(Properties::default().get("a").is_none());
    }

    /// A name no longer than the head is told apart from every other of its length by its key
    /// alone (the look-up compares no bytes then): every name of up to eight bytes over an
    /// alphabet with a zero byte.
    #[test]
    fn short_names_have_keys_of_their_own() {
        let mut names: Vec<Vec<u8>> = vec![Vec::new()];
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..HEAD {
            names = names
                .iter()
                .flat_map(|name| [b'a', b'b', 0].map(|byte| [name.as_slice(), &[byte]].concat()))
                .collect();
            for name in &names {
                let name = std::str::from_utf8(name).unwrap();
                assert!(seen.insert(Key::of(name)), "{name:?}");
            }
        }
        // 3 + 9 + … + 3⁸ names of one to eight bytes.
        assert_eq!(seen.len(), 9_840);
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
