//! Which match entries of a VirtualService could take a path, without trying them all.
//!
//! A gateway VirtualService holds a rule per service and tenant path, and every request would
//! otherwise try each entry in turn. An entry's `uri` exact or prefix condition is necessary for
//! it to match, so the entries are filed by that string: a path's candidates are the entries
//! filed under the path itself and under each of its prefixes, plus every entry that cannot be
//! filed (no `uri`, a regex, or a condition that can answer "unknown" before the path is
//! looked at). Trying the candidates in rule and entry order keeps Istio's first match.
//!
//! An entry without a `uri` to file it by that tests a header for an exact value can take only
//! a request whose header has that value (as Envoy's header matchers see it, values of one
//! name joined): such entries are grouped by the header's name. A mesh's VirtualServices route
//! by header (`x-canary`, `x-priority`, `x-region`), and every request tried each such entry in
//! turn, one header look-up each; the request's header of each name is now looked up once, and
//! an entry whose value it does not have is not a candidate. The groups hold positions in the
//! rules, not copies of the names and values (the mesh's route indexes were 8.6 MB at 10,000
//! services, heaptrack).

use std::borrow::Cow;

use super::{HeaderTest, Match, Matcher, Rule};
use crate::simulate::context::Headers;
use crate::simulate::hash::Map;

/// A rule, and its match entry (`None`: a rule without `match`, which takes everything).
pub(super) type Slot = (usize, Option<usize>);

/// The entries of a VirtualService's `http` rules, filed by their `uri` exact or prefix string.
#[derive(Debug, Default)]
pub(super) struct RouteIndex {
    exact: Map<Box<str>, Vec<Slot>>,
    prefix: Map<Box<str>, Vec<Slot>>,
    /// `ignoreUriCase` entries, filed by their ASCII-lowercased string.
    exact_any_case: Map<Box<str>, Vec<Slot>>,
    prefix_any_case: Map<Box<str>, Vec<Slot>>,
    /// The lengths of the keys of `prefix` and of `prefix_any_case`, sorted: a path's prefixes
    /// of other lengths are filed under no key, so only these are looked up (a path of 40
    /// bytes was hashed 41 times, once per prefix, for the few lengths a mesh's routes have).
    prefix_lengths: Vec<usize>,
    prefix_any_case_lengths: Vec<usize>,
    /// The rule and entry of each entry filed by a header's exact value ([`exact_header`]),
    /// those of one header name together, each group in rule and entry order.
    by_header: Vec<(usize, usize)>,
    /// Where each group of `by_header` ends.
    header_groups: Vec<usize>,
    /// Entries every path must try, in order.
    always: Vec<Slot>,
}

impl RouteIndex {
    pub(super) fn new(rules: &[Rule]) -> Self {
        let mut index = Self::default();
        let mut by_header = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if rule.matches.is_empty() {
                index.always.push((i, None));
            }
            for (j, m) in rule.matches.iter().enumerate() {
                let slot = (i, Some(j));
                // `Match::eval` answers "unknown" for source labels before it reads the path.
                let rare = m.rare();
                let may_be_unknown = rare.gateways.is_empty() && !rare.source_labels.is_empty();
                let filed = match (&m.uri, rare.ignore_uri_case) {
                    _ if may_be_unknown => None,
                    (Some(Matcher::Exact(e)), false) => Some((&mut index.exact, e.clone())),
                    (Some(Matcher::Prefix(p)), false) => Some((&mut index.prefix, p.clone())),
                    (Some(Matcher::Exact(e)), true) => Some((&mut index.exact_any_case, lower(e))),
                    (Some(Matcher::Prefix(p)), true) => {
                        Some((&mut index.prefix_any_case, lower(p)))
                    }
                    (Some(Matcher::Regex(_)) | None, _) => None,
                };
                match (filed, exact_header(m)) {
                    (Some((map, key)), _) => map.entry(key).or_default().push(slot),
                    (None, Some((name, _))) if !may_be_unknown => by_header.push((name, i, j)),
                    (None, _) => index.always.push(slot),
                }
            }
        }
        // A list grown by pushing holds room for four entries, and most hold one: 2.8 MB of
        // the heap's peak at 10,000 services (heaptrack).
        for map in [
            &mut index.exact,
            &mut index.prefix,
            &mut index.exact_any_case,
            &mut index.prefix_any_case,
        ] {
            map.values_mut().for_each(Vec::shrink_to_fit);
        }
        index.always.shrink_to_fit();
        index.prefix_lengths = lengths(&index.prefix);
        index.prefix_any_case_lengths = lengths(&index.prefix_any_case);
        index.group_by_header(by_header);
        index
    }

    /// Files the entries `(header name, rule, entry)`, found in rule and entry order.
    fn group_by_header(&mut self, mut by_header: Vec<(&str, usize, usize)>) {
        // Stable: each name's entries stay in rule and entry order.
        by_header.sort_by_key(|&(name, _, _)| name);
        self.by_header = by_header.iter().map(|&(_, i, j)| (i, j)).collect();
        self.header_groups = (1..=by_header.len())
            .filter(|&end| {
                by_header
                    .get(end)
                    .is_none_or(|next| next.0 != by_header[end - 1].0)
            })
            .collect();
    }

    /// The entries of `rules` that could take `path` (without its query) with `headers`, in
    /// rule and entry order: the one list filed that holds any, borrowed (a sidecar's
    /// VirtualService, whose rules match headers and no path, has only its rules without a
    /// match in `always`), else the lists merged.
    pub(super) fn candidates(
        &self,
        rules: &[Rule],
        path: &str,
        headers: &Headers<'_>,
    ) -> Cow<'_, [Slot]> {
        let mut found = Cow::Borrowed(&self.always[..]);
        let mut start = 0;
        for &end in &self.header_groups {
            let group = &self.by_header[start..end];
            start = end;
            let tested = |&(i, j): &(usize, usize)| exact_header(&rules[i].matches[j]);
            let Some(value) = group
                .first()
                .and_then(tested)
                .and_then(|(name, _)| headers.get(name))
            else {
                continue;
            };
            for entry in group {
                if tested(entry).is_some_and(|(_, wanted)| wanted == value) {
                    found.to_mut().push((entry.0, Some(entry.1)));
                }
            }
        }
        gather(&mut found, &self.exact, path);
        for head in heads(path, &self.prefix_lengths) {
            gather(&mut found, &self.prefix, head);
        }
        if !self.exact_any_case.is_empty() || !self.prefix_any_case.is_empty() {
            let path = path.to_ascii_lowercase();
            gather(&mut found, &self.exact_any_case, &path);
            for head in heads(&path, &self.prefix_any_case_lengths) {
                gather(&mut found, &self.prefix_any_case, head);
            }
        }
        if let Cow::Owned(merged) = &mut found {
            merged.sort_unstable();
        }
        found
    }
}

/// Adds the entries `map` files under `key` (each list sorted, and no entry filed twice) to
/// those found: the first list that holds any is borrowed, a second one makes a copy of both.
fn gather<'i>(found: &mut Cow<'i, [Slot]>, map: &'i Map<Box<str>, Vec<Slot>>, key: &str) {
    let Some(slots) = map.get(key) else {
        return;
    };
    if found.is_empty() {
        *found = Cow::Borrowed(slots);
    } else if !slots.is_empty() {
        found.to_mut().extend_from_slice(slots);
    }
}

/// The name and value of the entry's first test of a header for an exact value, if it has
/// one: a test that must hold for the entry to take a request.
fn exact_header(m: &Match) -> Option<(&str, &str)> {
    m.headers.iter().find_map(|test| match test {
        HeaderTest::Header {
            name,
            matcher: Some(Matcher::Exact(value)),
            invert: false,
        } => Some((&**name, &**value)),
        _ => None,
    })
}

fn lower(s: &str) -> Box<str> {
    s.to_ascii_lowercase().into()
}

/// The distinct lengths of a map's keys, sorted.
fn lengths(map: &Map<Box<str>, Vec<Slot>>) -> Vec<usize> {
    let mut lengths: Vec<usize> = map.keys().map(|k| k.len()).collect();
    lengths.sort_unstable();
    lengths.dedup();
    lengths
}

/// The prefixes of `path` of the given lengths (sorted) that end on a character boundary:
/// a key of one of these lengths that `path` starts with is one of them.
fn heads<'p>(path: &'p str, lengths: &'p [usize]) -> impl Iterator<Item = &'p str> {
    lengths
        .iter()
        .take_while(|&&n| n <= path.len())
        .filter_map(|&n| path.get(..n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filed(lists: &[(&str, &[Slot])]) -> Map<Box<str>, Vec<Slot>> {
        lists
            .iter()
            .map(|(key, slots)| (Box::from(*key), slots.to_vec()))
            .collect()
    }

    /// The first list found is lent as it is; a second one makes a copy of both; a key filed
    /// under nothing, or under an empty list, changes nothing.
    #[test]
    fn gather_lends_one_list_and_copies_two() {
        let map = filed(&[
            ("/a", &[(0, Some(1)), (2, Some(0))]),
            ("/b", &[(1, None)]),
            ("/c", &[]),
        ]);
        let mut found = Cow::Borrowed(&[][..]);
        gather(&mut found, &map, "/x");
        gather(&mut found, &map, "/c");
        assert!(matches!(found, Cow::Borrowed([])));
        gather(&mut found, &map, "/a");
        assert!(matches!(found, Cow::Borrowed(s) if std::ptr::eq(s, map["/a"].as_slice())));
        gather(&mut found, &map, "/c");
        assert!(matches!(found, Cow::Borrowed(_)));
        gather(&mut found, &map, "/b");
        assert_eq!(*found, [(0, Some(1)), (2, Some(0)), (1, None)]);
        assert!(matches!(found, Cow::Owned(_)));
    }
}
