//! Which match entries of a VirtualService could take a path, without trying them all.
//!
//! A gateway VirtualService holds a rule per service and tenant path, and every request would
//! otherwise try each entry in turn. An entry's `uri` exact or prefix condition is necessary for
//! it to match, so the entries are filed by that string: a path's candidates are the entries
//! filed under the path itself and under each of its prefixes, plus every entry that cannot be
//! filed (no `uri`, a regex, or a condition that can answer "unknown" before the path is
//! looked at). Trying the candidates in rule and entry order keeps Istio's first match.

use std::collections::HashMap;

use super::{Match, Matcher};

/// A rule, and its match entry (`None`: a rule without `match`, which takes everything).
pub(super) type Slot = (usize, Option<usize>);

/// The entries of a VirtualService's `http` rules, filed by their `uri` exact or prefix string.
#[derive(Debug, Default)]
pub(super) struct RouteIndex {
    exact: HashMap<Box<str>, Vec<Slot>>,
    prefix: HashMap<Box<str>, Vec<Slot>>,
    /// `ignoreUriCase` entries, filed by their ASCII-lowercased string.
    exact_any_case: HashMap<Box<str>, Vec<Slot>>,
    prefix_any_case: HashMap<Box<str>, Vec<Slot>>,
    /// Entries every path must try, in order.
    always: Vec<Slot>,
}

impl RouteIndex {
    pub(super) fn new(rules: &[Vec<Match>]) -> Self {
        let mut index = Self::default();
        for (i, matches) in rules.iter().enumerate() {
            if matches.is_empty() {
                index.always.push((i, None));
            }
            for (j, m) in matches.iter().enumerate() {
                let slot = (i, Some(j));
                // `Match::eval` answers "unknown" for source labels before it reads the path.
                let may_be_unknown = m.gateways.is_empty() && !m.source_labels.is_empty();
                let filed = match (&m.uri, m.ignore_uri_case) {
                    _ if may_be_unknown => None,
                    (Some(Matcher::Exact(e)), false) => Some((&mut index.exact, e.clone())),
                    (Some(Matcher::Prefix(p)), false) => Some((&mut index.prefix, p.clone())),
                    (Some(Matcher::Exact(e)), true) => Some((&mut index.exact_any_case, lower(e))),
                    (Some(Matcher::Prefix(p)), true) => {
                        Some((&mut index.prefix_any_case, lower(p)))
                    }
                    (Some(Matcher::Regex(_)) | None, _) => None,
                };
                match filed {
                    Some((map, key)) => map.entry(key).or_default().push(slot),
                    None => index.always.push(slot),
                }
            }
        }
        index
    }

    /// The entries that could take `path` (without its query), in rule and entry order.
    pub(super) fn candidates(&self, path: &str) -> Vec<Slot> {
        let mut found = self.always.clone();
        let mut add = |map: &HashMap<Box<str>, Vec<Slot>>, key: &str| {
            if let Some(slots) = map.get(key) {
                found.extend_from_slice(slots);
            }
        };
        add(&self.exact, path);
        for head in heads(path) {
            add(&self.prefix, head);
        }
        if !self.exact_any_case.is_empty() || !self.prefix_any_case.is_empty() {
            let path = path.to_ascii_lowercase();
            add(&self.exact_any_case, &path);
            for head in heads(&path) {
                add(&self.prefix_any_case, head);
            }
        }
        found.sort_unstable();
        found
    }
}

fn lower(s: &str) -> Box<str> {
    s.to_ascii_lowercase().into()
}

/// Every prefix of `path` that ends on a character boundary, the empty one and `path` included:
/// a string prefix that `path` starts with is one of them.
fn heads(path: &str) -> impl Iterator<Item = &str> {
    path.char_indices()
        .map(|(at, _)| &path[..at])
        .chain(std::iter::once(path))
}
