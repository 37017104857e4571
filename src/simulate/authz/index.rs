//! Look-ups that answer what a scan of a rule's values, or of a policy's rules, would answer,
//! without testing each entry: a request's principal, path or claim is looked up among a long
//! list's values by hash, and a policy whose rules each hold for one value of a claim (a tenant
//! guard: a few rules per tenant) tries only the rules that name the request's value.
//!
//! A value of Istio's `*`/`prefix*`/`*suffix`/exact forms is one Envoy `StringMatcher` or
//! `HeaderMatcher` (istio/istio pilot/pkg/security/authz/matcher/string.go, header.go), and a
//! field's values are ORed (model.go `New`), so their order does not change a field's answer:
//! a value matches or not, and no string test answers "unknown". Exact values are found in a
//! set, prefixes and suffixes in a set by the lengths they have. Case as each field's matcher
//! has it ([`Test::eval`]): hosts ignore ASCII case (Envoy's `:authority` matcher with
//! `ignore_case`, header.go `HostMatcher`), everything else is compared as written.

use std::borrow::Cow;
use std::cell::RefCell;
use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use super::rule::{ClaimPath, Rule, Test};
use crate::simulate::context::Attributes;
use crate::simulate::hash::Map;
use crate::simulate::pattern::Pattern;

/// From how many values a side of a field is looked up instead of scanned, and from how many
/// rules keyed by one attribute a policy finds its candidates by that key: below, a scan of a
/// few comparisons costs less than hashing the request's value.
pub(super) const INDEX_FROM: usize = 8;

/// The tests of a side by their pattern's text, each held as its position among the tests: a
/// copy of every text was about 40 bytes a value beside its test (`scale-gen.py callers_all`:
/// a policy of a thousand principals per service).
type Positions = HashTable<u32>;

/// The one string attribute of the request a test compares with its pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Subject {
    /// `:authority`, compared ignoring ASCII case.
    Host,
    Method,
    Path,
    /// The peer URI after `spiffe://` ([`super::rule`]'s `principal`).
    Principal,
    /// Every string of the claim at this path (Istio's "list or string" matcher).
    Claim(ClaimPath),
    Header(Arc<str>),
    Sni,
}

impl Subject {
    /// The attribute a test reads and the pattern it compares it with, when it is one of
    /// Istio's string forms.
    fn of(test: &Test) -> Option<(Subject, &Pattern)> {
        Some(match test {
            Test::Host(p) => (Subject::Host, p),
            Test::Method(p) => (Subject::Method, p),
            Test::Path(p) => (Subject::Path, p),
            Test::Principal(p) => (Subject::Principal, p),
            Test::Claim(path, p) => (Subject::Claim(path.clone()), p),
            Test::Header(name, p) => (Subject::Header(name.clone()), p),
            Test::Sni(p) => (Subject::Sni, p),
            _ => return None,
        })
    }

    /// Whether `test` is true of some string of the attribute in the request; none when the
    /// request lacks it.
    fn any(&self, a: &Attributes<'_>, test: impl Fn(&str) -> bool) -> bool {
        match self {
            Subject::Host => test(&fold(a.host)),
            Subject::Method => test(a.method),
            Subject::Path => test(a.path),
            Subject::Principal => a
                .peer
                .and_then(|peer| peer.strip_prefix("spiffe://"))
                .is_some_and(test),
            Subject::Claim(path) => a
                .jwt
                .and_then(|jwt| jwt.get(path))
                .is_some_and(|claim| claim.any(test)),
            Subject::Header(name) => a.headers.get(name).is_some_and(|v| test(&v)),
            Subject::Sni => a.sni.name().is_some_and(|sni| test(&sni)),
        }
    }

    /// A pattern's text as the look-up compares it.
    fn key<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self {
            Subject::Host => fold(text),
            _ => Cow::Borrowed(text),
        }
    }

    /// Whether a pattern's text is a request's value as [`Subject::any`] hands it (a host
    /// folded to lower case).
    fn is(&self, text: &str, value: &str) -> bool {
        match self {
            Subject::Host => text.eq_ignore_ascii_case(value),
            _ => text == value,
        }
    }
}

/// The pattern of a test of one of Istio's string forms.
fn pattern(test: &Test) -> Option<&Pattern> {
    match test {
        Test::Host(p)
        | Test::Method(p)
        | Test::Path(p)
        | Test::Principal(p)
        | Test::Claim(_, p)
        | Test::Header(_, p)
        | Test::Sni(p) => Some(p),
        _ => None,
    }
}

/// Hosts match ignoring ASCII case: both sides folded to lower case, which keeps every byte
/// outside ASCII and so every length and char boundary.
fn fold(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// The tests a look-up was made of, and what it compares their texts with.
struct Of<'a> {
    tests: &'a [Test],
    subject: &'a Subject,
    hasher: &'a foldhash::fast::RandomState,
}

impl Of<'_> {
    /// The text of the exact value, prefix or suffix at `at`.
    fn text(&self, at: u32) -> &str {
        match pattern(&self.tests[at as usize]) {
            Some(Pattern::Exact(text) | Pattern::Prefix(text) | Pattern::Suffix(text)) => text,
            _ => unreachable!("a look-up holds the positions of exact values and affixes"),
        }
    }

    fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Adds the test at `at` unless a test of the same text is there already.
    fn add(&self, positions: &mut Positions, at: u32) {
        let key = self.subject.key(self.text(at));
        let hash = self.hash(&key);
        let same = |&other: &u32| self.subject.is(self.text(other), &key);
        let rehash = |&other: &u32| self.hash(&self.subject.key(self.text(other)));
        if let Entry::Vacant(vacant) = positions.entry(hash, same, rehash) {
            vacant.insert(at);
        }
    }

    fn find(&self, positions: &Positions, value: &str) -> bool {
        let same = |&at: &u32| self.subject.is(self.text(at), value);
        positions.find(self.hash(value), same).is_some()
    }
}

/// Prefixes or suffixes, and the lengths they come in: a value is looked up at those lengths
/// only.
#[derive(Debug, Clone, Default)]
struct Affixes {
    keys: Positions,
    lengths: Vec<usize>,
}

impl Affixes {
    fn add(&mut self, of: &Of<'_>, at: u32) {
        let length = of.text(at).len();
        if let Err(to) = self.lengths.binary_search(&length) {
            self.lengths.insert(to, length);
        }
        of.add(&mut self.keys, at);
    }

    /// Whether `cut` gives, at one of the lengths, a piece that is a key.
    fn find<'v>(&self, of: &Of<'_>, cut: impl Fn(usize) -> Option<&'v str>) -> bool {
        self.lengths
            .iter()
            .any(|&n| cut(n).is_some_and(|piece| of.find(&self.keys, piece)))
    }
}

/// One side of a field (its values, or its `not` values) as a look-up: the tests of one
/// subject by their patterns, and the positions of the others, which are scanned.
#[derive(Debug, Clone)]
pub(super) struct Lookup {
    subject: Subject,
    hasher: foldhash::fast::RandomState,
    exact: Positions,
    prefixes: Affixes,
    suffixes: Affixes,
    /// `*` of a `StringMatcher`: any non-empty value.
    non_empty: bool,
    /// `*` of a `HeaderMatcher`, or of a principal: any value.
    present: bool,
    /// The tests of another kind (a path template beside paths), in order.
    pub rest: Vec<usize>,
}

impl Lookup {
    /// The look-up of `tests` by the subject most of them compare, when at least
    /// [`INDEX_FROM`] do.
    pub(super) fn of(tests: &[Test]) -> Option<Self> {
        // Most sides hold a value or two: they are not looked at further.
        if tests.len() < INDEX_FROM {
            return None;
        }
        let subject = most(tests.iter().filter_map(Subject::of).map(|(s, _)| s))?;
        let mut lookup = Lookup {
            hasher: foldhash::fast::RandomState::default(),
            // Most of a long side's values are exact: grown by doubling, the table was hashed
            // again at each size.
            exact: Positions::with_capacity(tests.len()),
            prefixes: Affixes::default(),
            suffixes: Affixes::default(),
            non_empty: false,
            present: false,
            rest: Vec::new(),
            subject,
        };
        for (i, test) in tests.iter().enumerate() {
            match Subject::of(test) {
                Some((subject, pattern)) if subject == lookup.subject => {
                    lookup.add(tests, pattern, u32::try_from(i).ok()?);
                }
                _ => lookup.rest.push(i),
            }
        }
        Some(lookup)
    }

    fn add(&mut self, tests: &[Test], pattern: &Pattern, at: u32) {
        let of = Of {
            tests,
            subject: &self.subject,
            hasher: &self.hasher,
        };
        match pattern {
            // `principal`: `*` is any peer URI, which after `spiffe://` is any rest, empty too.
            Pattern::NonEmpty if self.subject == Subject::Principal => self.present = true,
            Pattern::NonEmpty => self.non_empty = true,
            Pattern::Present => self.present = true,
            Pattern::Exact(_) => of.add(&mut self.exact, at),
            Pattern::Prefix(_) => self.prefixes.add(&of, at),
            Pattern::Suffix(_) => self.suffixes.add(&of, at),
        }
    }

    /// Whether a pattern of the look-up, made of `tests`, matches the request (the tests of
    /// `rest` aside).
    pub(super) fn matches(&self, tests: &[Test], a: &Attributes<'_>) -> bool {
        let of = Of {
            tests,
            subject: &self.subject,
            hasher: &self.hasher,
        };
        self.subject.any(a, |value| self.matches_value(&of, value))
    }

    fn matches_value(&self, of: &Of<'_>, value: &str) -> bool {
        self.present
            || (self.non_empty && !value.is_empty())
            || of.find(&self.exact, value)
            || self.prefixes.find(of, |n| value.get(..n))
            || self.suffixes.find(of, |n| {
                value.len().checked_sub(n).and_then(|at| value.get(at..))
            })
    }
}

/// The rules of a policy by the one value of an attribute each requires: a `when` condition
/// whose values are exact strings of one subject, which an HTTP request fails (and so the
/// rule, `when` being ANDed) unless its attribute is one of them.
#[derive(Debug, Clone)]
pub(super) struct RuleIndex {
    subject: Subject,
    by_value: Map<Box<str>, Vec<usize>>,
    /// The rules without such a condition, in order.
    others: Vec<usize>,
    /// Of those, the ones a request without a token can match ([`Rule::needs_token`]).
    others_without_token: Vec<usize>,
}

impl RuleIndex {
    /// The index by the subject most rules are keyed by, when at least [`INDEX_FROM`] are.
    pub(super) fn of(rules: &[Rule]) -> Option<Self> {
        if rules.len() < INDEX_FROM {
            return None;
        }
        let subject = most(rules.iter().flat_map(|rule| keys(rule).map(|(s, _)| s)))?;
        let mut index = RuleIndex {
            by_value: Map::default(),
            others: Vec::new(),
            others_without_token: Vec::new(),
            subject,
        };
        for (i, rule) in rules.iter().enumerate() {
            match keys(rule).find(|(s, _)| *s == index.subject) {
                Some((_, values)) => {
                    for value in values {
                        let key = index.subject.key(value).into();
                        let list = index.by_value.entry(key).or_default();
                        // A value listed twice in one condition names the rule once.
                        if list.last() != Some(&i) {
                            list.push(i);
                        }
                    }
                }
                None => {
                    index.others.push(i);
                    if !rule.needs_token() {
                        index.others_without_token.push(i);
                    }
                }
            }
        }
        Some(index)
    }

    /// The positions of the rules an HTTP request may match, in order: those the request's
    /// value names and those keyed by nothing; every other rule fails the request.
    pub(super) fn candidates(&self, a: &Attributes<'_>) -> Cow<'_, [usize]> {
        let others = if a.jwt.is_none() {
            &self.others_without_token
        } else {
            &self.others
        };
        // `Subject::any` takes a `Fn`, as a claim's strings are read by one.
        let named: RefCell<Vec<&[usize]>> = RefCell::default();
        self.subject.any(a, |value| {
            if let Some(rules) = self.by_value.get(value) {
                named.borrow_mut().push(rules);
            }
            false
        });
        let named = named.into_inner();
        if named.is_empty() {
            return Cow::Borrowed(others);
        }
        let mut all: Vec<usize> = others
            .iter()
            .chain(named.into_iter().flatten())
            .copied()
            .collect();
        all.sort_unstable();
        all.dedup();
        Cow::Owned(all)
    }
}

/// The subject named most often, when at least [`INDEX_FROM`] times (a field or a policy
/// names a few subjects, so the counts are a short list).
fn most(subjects: impl Iterator<Item = Subject>) -> Option<Subject> {
    let mut counts: Vec<(Subject, usize)> = Vec::new();
    for subject in subjects {
        match counts.iter_mut().find(|(s, _)| *s == subject) {
            Some((_, count)) => *count += 1,
            None => counts.push((subject, 1)),
        }
    }
    let (subject, count) = counts.into_iter().max_by_key(|&(_, count)| count)?;
    (count >= INDEX_FROM).then_some(subject)
}

/// The `when` conditions of a rule that key it: each subject with the exact values its
/// condition lists (a condition with a `*`, a prefix or a suffix keys nothing).
fn keys(rule: &Rule) -> impl Iterator<Item = (Subject, Vec<&str>)> + '_ {
    rule.when.iter().filter_map(|field| {
        let mut subject = None;
        let mut values = Vec::with_capacity(field.values.len());
        for test in &field.values {
            let (s, Pattern::Exact(e)) = Subject::of(test)? else {
                return None;
            };
            if subject.get_or_insert_with(|| s.clone()) != &s {
                return None;
            }
            values.push(&**e);
        }
        subject.map(|s| (s, values))
    })
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
