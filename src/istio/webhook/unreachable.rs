//! VirtualService rules that can never be used (`analyzeUnreachableHTTPRules` / TCP / TLS):
//! rules after a rule without matches, matches that repeat earlier ones, and HTTP prefix
//! matches that an earlier, shorter prefix already covers. All are warnings.

use std::collections::{BTreeMap, HashMap};

use super::decode::{Context, Msg, Report, is_null};
use super::go::q;
use crate::yaml::{Node, Value, to_json};

/// Warns about the unreachable rules of route list `key` (`http`, `tcp` or `tls`); HTTP rules
/// are named by their `name` and get the prefix-overlap check too.
pub(super) fn check_reachability(r: Report<'_>, spec: &Msg<'_>, key: &str, http: bool) {
    let at = spec.at(key);
    // The analysis reads what the checks already read: its type mistakes need no second report.
    let scratch = Context::default();
    let label = |name: &str, n: usize| {
        if http && !name.is_empty() {
            q(name)
        } else {
            format!("#{n}")
        }
    };
    // By identity, the rule of each match seen first; the identities of one rule's matches
    // mostly share a long beginning, which a sorted map compares again at every step.
    let mut seen: HashMap<Vec<u8>, String, foldhash::fast::RandomState> = HashMap::default();
    let mut empty_seen = false;
    let mut prefixes: Vec<(usize, usize, String, String, PrefixMatch)> = Vec::new();
    for (n, item) in spec.items(key).iter().enumerate() {
        if !matches!(item.value, Value::Map(_)) {
            continue;
        }
        let route = Msg::new(Some(item), at.index(n), &scratch);
        let rule = label(route.str("name"), n);
        let unused = |reason: &str| {
            r.warning(
                route.path(),
                format!("virtualService rule {rule} not used ({reason})"),
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
            let name = label(matched.str("name"), m);
            let identity = identity(raw);
            if let Some(first_rule) = seen.get(&identity) {
                r.warning(
                    matched.path(),
                    format!(
                        "virtualService rule {rule} match {name} is not used (duplicate/overlapping \
                         match in rule {first_rule})"
                    ),
                );
                duplicates += 1;
                continue;
            }
            seen.insert(identity, rule.clone());
            if http {
                if let Some(prefix) = PrefixMatch::of(&matched) {
                    prefixes.push((n, m, rule.clone(), name, prefix));
                }
            }
        }
        if duplicates == matches.len() {
            unused("all matches used by prior rules");
        }
    }
    for (a, (_, _, first_rule, first_name, first)) in prefixes.iter().enumerate() {
        for (n, m, rule, name, later) in &prefixes[a + 1..] {
            if later.prefix != first.prefix && first.covers(later) {
                r.warning(
                    &at.index(*n).key("match").index(*m),
                    format!(
                        "virtualService rule {rule} match {name} of prefix {} is not used \
                         (duplicate/overlapping match in rule {first_name} of prefix {} on \
                         {first_rule})",
                        later.prefix, first.prefix
                    ),
                );
            }
        }
    }
}

const MATCH_MAPS: [&str; 4] = ["headers", "queryParams", "withoutHeaders", "sourceLabels"];

/// A match as protobuf JSON writes it (zero values left out), without its name: two matches
/// with the same identity match the same requests.
fn identity(value: &Node) -> Vec<u8> {
    let mut out = Vec::new();
    match &value.value {
        Value::Map(map) => write_normalized(&mut out, sorted(map, |k| k != "name")),
        _ => write_value(&mut out, value),
    }
    out
}

/// The entries of a mapping that `keep` keeps, in the order of their keys (unique: the reader
/// refuses a repeated one).
fn sorted(map: &[(String, Node)], keep: impl Fn(&str) -> bool) -> Vec<(&str, &Node)> {
    let mut entries: Vec<(&str, &Node)> = map
        .iter()
        .filter(|(k, _)| keep(k))
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    entries.sort_unstable_by_key(|(k, _)| *k);
    entries
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

fn write_normalized(out: &mut Vec<u8>, entries: Vec<(&str, &Node)>) {
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
        write_json(out, key);
        out.push(b':');
        write_value(out, value);
    }
    out.push(b'}');
}

fn write_value(out: &mut Vec<u8>, value: &Node) {
    match &value.value {
        Value::Map(map) => write_normalized(out, sorted(map, |_| true)),
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
        Value::Str(s) => write_json(out, s.as_str()),
        _ => write_json(out, &to_json(value)),
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
