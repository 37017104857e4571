//! VirtualService rules that can never be used (`analyzeUnreachableHTTPRules` / TCP / TLS):
//! rules after a rule without matches, matches that repeat earlier ones, and HTTP prefix
//! matches that an earlier, shorter prefix already covers. All are warnings.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use super::decode::{Context, Msg, Report, is_null};
use super::go::q;
use crate::yaml::{Node, Value, to_json};

/// Warns about the unreachable rules of route list `key` (`http`, `tcp` or `tls`); HTTP rules
/// are named by their `name` and get the prefix-overlap check too.
pub(super) fn check_reachability(r: Report<'_>, spec: &Msg<'_>, key: &str, http: bool) {
    let at = spec.at(key);
    // The analysis reads what the checks already read: its type mistakes need no second report.
    let scratch = Context::default();
    // A rule's or match's name as a message shows it, made only for a message: most rules
    // have none.
    let label = |name: &str, n: usize| {
        if http && !name.is_empty() {
            q(name)
        } else {
            format!("#{n}")
        }
    };
    // By identity, the rule (its index and name) of each match seen first; the identities of
    // one rule's matches mostly share a long beginning, which a sorted map compares again at
    // every step.
    let mut seen: HashMap<Vec<u8>, (usize, &str), foldhash::fast::RandomState> = HashMap::default();
    let mut empty_seen = false;
    let mut prefixes: Vec<Prefixed<'_>> = Vec::new();
    for (n, item) in spec.items(key).iter().enumerate() {
        if !matches!(item.value, Value::Map(_)) {
            continue;
        }
        let route = Msg::new(Some(item), at.index(n), &scratch);
        let name = route.str("name");
        let unused = |reason: &str| {
            r.warning(
                route.path(),
                format!("virtualService rule {} not used ({reason})", label(name, n)),
            );
        };
        let matches = route.items("match");
        if matches.is_empty() {
            if empty_seen {
                unused("only the last rule can have no matches");
            }
            empty_seen = true;
            continue;
        }
        let mut duplicates = 0;
        for (m, raw) in matches.iter().enumerate() {
            if empty_seen {
                unused("route without matches defined before");
                continue;
            }
            let matched = Msg::new(Some(raw), route.at("match").index(m), &scratch);
            let identity = identity(raw);
            if let Some(&(first, first_name)) = seen.get(&identity) {
                r.warning(
                    matched.path(),
                    format!(
                        "virtualService rule {} match {} is not used (duplicate/overlapping \
                         match in rule {})",
                        label(name, n),
                        label(matched.str("name"), m),
                        label(first_name, first)
                    ),
                );
                duplicates += 1;
                continue;
            }
            seen.insert(identity, (n, name));
            if http {
                if let Some(prefix) = PrefixMatch::of(&matched) {
                    prefixes.push(Prefixed {
                        rule: (n, name),
                        matched: (m, matched.str("name")),
                        prefix,
                    });
                }
            }
        }
        if duplicates == matches.len() {
            unused("all matches used by prior rules");
        }
    }
    let strings: Vec<&str> = prefixes.iter().map(|p| p.prefix.prefix.as_str()).collect();
    for (a, b) in extensions(&strings) {
        let (first, later) = (&prefixes[a], &prefixes[b]);
        if first.prefix.covers(&later.prefix) {
            let ((n, rule), (m, name)) = (later.rule, later.matched);
            r.warning(
                &at.index(n).key("match").index(m),
                format!(
                    "virtualService rule {} match {} of prefix {} is not used \
                     (duplicate/overlapping match in rule {} of prefix {} on {})",
                    label(rule, n),
                    label(name, m),
                    later.prefix.prefix,
                    label(first.matched.1, first.matched.0),
                    first.prefix.prefix,
                    label(first.rule.1, first.rule.0)
                ),
            );
        }
    }
}

/// A match with a URI prefix, with the index and name of its rule and its own.
struct Prefixed<'a> {
    rule: (usize, &'a str),
    matched: (usize, &'a str),
    prefix: PrefixMatch,
}

/// The pairs `(a, b)` with `a < b` where `prefixes[a]` is a proper prefix of `prefixes[b]`, in
/// the order of `a`, then of `b`: the only pairs in which the earlier match can cover the later.
/// In byte order, the strings that are prefixes of a string come before it, and each of them is
/// a prefix of every string between it and that string too; so a walk in that order that keeps
/// a stack of the strings that are prefixes of the current one visits just the related pairs,
/// not every pair (a gateway's VirtualService has a match per route of the whole mesh).
fn extensions(prefixes: &[&str]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..prefixes.len()).collect();
    order.sort_by_key(|&i| prefixes[i]);
    let mut pairs = Vec::new();
    // The groups of equal strings (ranges of `order`) that are prefixes of the current one.
    let mut stack: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let text = prefixes[order[start]];
        let end = start + order[start..].partition_point(|&i| prefixes[i] == text);
        while stack
            .last()
            .is_some_and(|top| !text.starts_with(prefixes[order[top.start]]))
        {
            stack.pop();
        }
        for group in &stack {
            for &a in &order[group.clone()] {
                pairs.extend(
                    order[start..end]
                        .iter()
                        .filter(|&&b| a < b)
                        .map(|&b| (a, b)),
                );
            }
        }
        stack.push(start..end);
        start = end;
    }
    pairs.sort_unstable();
    pairs
}

const MATCH_MAPS: [&str; 4] = ["headers", "queryParams", "withoutHeaders", "sourceLabels"];

/// A match as protobuf JSON writes it (zero values left out), without its name: two matches
/// with the same identity match the same requests.
fn identity(value: &Node) -> Vec<u8> {
    let mut out = Vec::new();
    match &value.value {
        Value::Map(map) => write_map(&mut out, map, |k| k != "name"),
        _ => write_value(&mut out, value),
    }
    out
}

/// The entries of a mapping that `keep` keeps, in the order of their keys (unique: the reader
/// refuses a repeated one), normalized. A match's mappings mostly have one entry, or have their
/// keys in order already: those are written as they are, without a sorted copy.
fn write_map(out: &mut Vec<u8>, map: &[(Cow<'_, str>, Node<'_>)], keep: impl Fn(&str) -> bool) {
    let entries = map
        .iter()
        .filter(|(k, _)| keep(k))
        .map(|(k, v)| (k.as_ref(), v));
    if map.is_sorted_by(|(a, _), (b, _)| a < b) {
        write_normalized(out, entries);
    } else {
        let mut sorted: Vec<(&str, &Node)> = entries.collect();
        sorted.sort_unstable_by_key(|(k, _)| *k);
        write_normalized(out, sorted.into_iter());
    }
}

#[allow(clippy::float_cmp)]
fn is_zero(value: &Node) -> bool {
    match &value.value {
        _ if is_null(value) => true,
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Int(i) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::Str(s) => s.is_empty(),
        Value::Seq(items) => items.is_empty(),
        Value::Map(map) => map.is_empty(),
    }
}

fn write_normalized<'a>(out: &mut Vec<u8>, entries: impl Iterator<Item = (&'a str, &'a Node<'a>)>) {
    out.push(b'{');
    let mut first = true;
    for (key, value) in entries {
        let keep = !is_zero(value)
            || matches!(key, "exact" | "prefix" | "regex")
            || (matches!(value.value, Value::Map(_)) && !MATCH_MAPS.contains(&key));
        if !keep {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        write_str(out, key);
        out.push(b':');
        write_value(out, value);
    }
    out.push(b'}');
}

fn write_value(out: &mut Vec<u8>, value: &Node) {
    match &value.value {
        Value::Map(map) => write_map(out, map, |_| true),
        Value::Seq(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        // A scalar as JSON writes it; a string without a copy into a JSON value first.
        Value::Str(s) => write_str(out, s),
        _ => write_json(out, &to_json(value)),
    }
}

/// A string as JSON writes it: one with nothing to escape (JSON escapes only `"`, `\` and
/// control characters) is copied between quotes, without the serializer.
fn write_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        write_json(out, s);
    }
}

/// `value` as JSON at the end of `out`.
fn write_json(out: &mut Vec<u8>, value: &(impl serde::Serialize + ?Sized)) {
    // Writing to memory cannot fail, and these values (strings, numbers) always serialize.
    let _ = serde_json::to_writer(out, value);
}

/// What the prefix-overlap check compares of a match with a URI prefix.
struct PrefixMatch {
    prefix: String,
    port: i64,
    method: String,
    authority: String,
    maps: [BTreeMap<String, String>; 3],
}

fn exact_or_prefix(sm: &Msg<'_>) -> String {
    if !sm.str("exact").is_empty() {
        format!("exact:{}", sm.str("exact"))
    } else if !sm.str("prefix").is_empty() {
        format!("prefix:{}", sm.str("prefix"))
    } else {
        String::new()
    }
}

impl PrefixMatch {
    fn of(m: &Msg<'_>) -> Option<Self> {
        let prefix = m.sub("uri").str("prefix");
        if prefix.is_empty() {
            return None;
        }
        let method = match exact_or_prefix(&m.sub("method")) {
            method if method.is_empty() => "exact:GET".to_string(),
            method => method,
        };
        let map = |key: &str| {
            m.msg_entries(key)
                .into_iter()
                .map(|(k, v)| (k.to_string(), exact_or_prefix(&v)))
                .collect()
        };
        Some(Self {
            prefix: prefix.to_string(),
            port: m.int("port"),
            method,
            authority: exact_or_prefix(&m.sub("authority")),
            maps: [map("headers"), map("queryParams"), map("withoutHeaders")],
        })
    }

    /// Whether this earlier match also matches everything `later` matches.
    fn covers(&self, later: &Self) -> bool {
        let value_covers = |a: &str, b: &str| a == b || a.starts_with(b);
        later.prefix.starts_with(&self.prefix)
            && self.port == later.port
            && value_covers(&self.method, &later.method)
            && value_covers(&self.authority, &later.authority)
            && self.maps.iter().zip(&later.maps).all(|(mine, theirs)| {
                mine.len() == theirs.len()
                    && mine
                        .iter()
                        .all(|(k, v)| theirs.get(k).is_some_and(|t| value_covers(v, t)))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair, as the check compared them before the index.
    fn every_pair(prefixes: &[&str]) -> Vec<(usize, usize)> {
        let mut pairs = Vec::new();
        for (a, first) in prefixes.iter().enumerate() {
            for (b, later) in prefixes.iter().enumerate().skip(a + 1) {
                if later != first && later.starts_with(first) {
                    pairs.push((a, b));
                }
            }
        }
        pairs
    }

    #[test]
    fn extensions_are_the_related_pairs_in_order() {
        let prefixes = [
            "/a/b", "/", "/a", "/a", "/ab", "/a/b/c", "/b", "/a/", "/é", "/", "/a/bc", "/a/b",
        ];
        let expected = every_pair(&prefixes);
        assert!(expected.contains(&(1, 2)) && expected.contains(&(0, 5)));
        assert!(!expected.contains(&(2, 3)) && !expected.contains(&(0, 11)));
        assert_eq!(extensions(&prefixes), expected);
        for n in 0..prefixes.len() {
            assert_eq!(extensions(&prefixes[n..]), every_pair(&prefixes[n..]));
        }
        assert!(extensions(&[]).is_empty());
    }

    #[test]
    fn strings_are_written_as_json_writes_them() {
        for s in [
            "",
            "plain",
            "a\"b",
            "back\\slash",
            "tab\tnew\nline",
            "\u{7f}é",
            "\u{1}",
        ] {
            let mut out = Vec::new();
            write_str(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn identity_ignores_the_order_of_keys_and_the_name() {
        let read = |text: &str| {
            crate::yaml::read(text)
                .documents
                .remove(0)
                .root
                .into_owned()
        };
        let a = read(
            "{name: x, uri: {prefix: /a}, method: {exact: GET}, headers: {b: {exact: '1'}, a: {exact: '2'}}}",
        );
        let b = read(
            "{method: {exact: GET}, headers: {a: {exact: '2'}, b: {exact: '1'}}, uri: {prefix: /a}}",
        );
        assert_eq!(identity(&a), identity(&b));
        assert_eq!(
            String::from_utf8(identity(&b)).unwrap(),
            r#"{"headers":{"a":{"exact":"2"},"b":{"exact":"1"}},"method":{"exact":"GET"},"uri":{"prefix":"/a"}}"#
        );
    }
}
