//! Field-by-field comparison of two objects. Lists whose entries all have distinct names are
//! matched by name; other lists of objects are aligned by their longest common run (so an
//! inserted rule does not shift every later one), each entry shown with what it is about (the
//! caller, tenant or route of an authorization rule); lists of plain values are compared as
//! entries added and removed. Resource quantities compare by value (`2000m` is `"2"`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::Value;
use similar::{Algorithm, DiffOp, capture_diff_slices_deadline};

use super::path::{FieldPath, Segment};
use super::quantity;
use super::{Field, FieldChange};
use crate::limits::MAX_DIFF_SECONDS;

/// Every field in which `new` differs from `old`.
pub(super) fn values(old: &Value, new: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    walk(&FieldPath::default(), old, new, &mut changes);
    changes
}

fn push(changes: &mut Vec<FieldChange>, path: &FieldPath, change: Field) {
    changes.push(FieldChange {
        path: path.clone(),
        change,
    });
}

fn walk(path: &FieldPath, old: &Value, new: &Value, changes: &mut Vec<FieldChange>) {
    match (old, new) {
        (Value::Object(before), Value::Object(after)) => {
            let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let at = path.join(Segment::Key(key.clone()));
                match (before.get(key), after.get(key)) {
                    (Some(a), Some(b)) => walk(&at, a, b, changes),
                    (Some(a), None) => push(changes, &at, Field::Removed(a.clone())),
                    (None, Some(b)) => push(changes, &at, Field::Added(b.clone())),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(before), Value::Array(after)) if before != after => {
            if before.iter().chain(after).all(is_plain) {
                entries(path, before, after, changes);
            } else if let (Some(old_names), Some(new_names)) = (names(before), names(after)) {
                by_name(path, before, &old_names, after, &new_names, changes);
            } else {
                aligned(path, before, after, changes);
            }
        }
        (a, b) if a != b && !(in_resources(path) && quantity::same(a, b)) => push(
            changes,
            path,
            Field::Changed {
                old: a.clone(),
                new: b.clone(),
            },
        ),
        _ => {}
    }
}

/// Whether `path` is inside a Kubernetes `resources.requests` or `resources.limits`, whose
/// values are quantities.
fn in_resources(path: &FieldPath) -> bool {
    path.0.windows(2).any(|pair| {
        matches!(pair, [Segment::Key(a), Segment::Key(b)]
            if a == "resources" && (b == "requests" || b == "limits"))
    })
}

/// A list of plain values: each value added or removed, one change each; the same values in
/// another order are one reorder.
fn entries(path: &FieldPath, before: &[Value], after: &[Value], changes: &mut Vec<FieldChange>) {
    let mut left: Vec<&Value> = before.iter().collect();
    let mut added = Vec::new();
    for value in after {
        match left.iter().position(|v| *v == value) {
            Some(i) => {
                left.remove(i);
            }
            None => added.push(value),
        }
    }
    if added.is_empty() && left.is_empty() {
        let shown = |items: &[Value]| items.iter().map(super::value::compact).collect();
        push(
            changes,
            path,
            Field::Reordered {
                old: shown(before),
                new: shown(after),
            },
        );
        return;
    }
    for value in left {
        push(changes, path, Field::Removed(value.clone()));
    }
    for value in added {
        push(changes, path, Field::Added(value.clone()));
    }
}

/// What an unnamed list entry is about, for a reviewer: an authorization rule's caller
/// (`from`), tenant (a `when` condition) and route (`to`), each by its first value.
fn about(item: &Value) -> Option<String> {
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_string);
    let source = |key: &str| text(item.pointer(&format!("/from/0/source/{key}/0")));
    let operation = |key: &str| text(item.pointer(&format!("/to/0/operation/{key}/0")));
    let mut parts = Vec::new();
    if let Some(principal) = source("principals") {
        // `cluster.local/ns/NS/sa/SA` is the workload SA of namespace NS.
        let short = principal
            .split_once("/ns/")
            .map(|(_, rest)| rest.replacen("/sa/", "/", 1))
            .unwrap_or(principal);
        parts.push(format!("caller {short}"));
    } else if let Some(namespace) = source("namespaces") {
        parts.push(format!("namespace {namespace}"));
    } else if let Some(issuer) = source("requestPrincipals") {
        parts.push(format!("token {issuer}"));
    }
    if let Some(key) = text(item.pointer("/when/0/key")) {
        let key = key
            .strip_prefix("request.auth.claims[")
            .and_then(|k| k.strip_suffix(']'))
            .map_or(key.clone(), str::to_string);
        match text(item.pointer("/when/0/values/0")) {
            Some(value) => parts.push(format!("{key}={value}")),
            None => parts.push(key),
        }
    }
    if let Some(path) = operation("paths") {
        parts.push(format!("path {path}"));
    } else if let Some(path) = operation("notPaths") {
        parts.push(format!("not path {path}"));
    } else if let Some(host) = operation("hosts") {
        parts.push(format!("host {host}"));
    } else if let Some(port) = operation("ports") {
        parts.push(format!("port {port}"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The segment of an unnamed entry: its index, and what it is about when that can be told.
fn entry(index: usize, item: &Value) -> Segment {
    match about(item) {
        Some(about) => Segment::About(index, about),
        None => Segment::Index(index),
    }
}

fn is_plain(value: &Value) -> bool {
    !matches!(value, Value::Object(_) | Value::Array(_))
}

/// What names a list entry: its `name`, a route destination's subset (or host), a server's port
/// name, a metric override's metric.
fn name_of(item: &Value) -> Option<String> {
    let text = |pointer: &str| item.pointer(pointer).and_then(Value::as_str);
    let name = text("/name")
        .or_else(|| text("/destination/subset"))
        .or_else(|| text("/destination/host"))
        .or_else(|| text("/port/name"))
        .or_else(|| text("/match/metric"))?;
    Some(name.to_string())
}

/// The names of a list's entries, if every entry has one and no two share it.
fn names(items: &[Value]) -> Option<Vec<String>> {
    let names: Vec<String> = items.iter().map(name_of).collect::<Option<_>>()?;
    let distinct: BTreeSet<&String> = names.iter().collect();
    (distinct.len() == names.len()).then_some(names)
}

fn by_name(
    path: &FieldPath,
    before: &[Value],
    old_names: &[String],
    after: &[Value],
    new_names: &[String],
    changes: &mut Vec<FieldChange>,
) {
    let old_at: BTreeMap<&str, usize> = old_names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let new_at: BTreeMap<&str, usize> = new_names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let kept_old = old_names.iter().filter(|n| new_at.contains_key(n.as_str()));
    let kept_new = new_names.iter().filter(|n| old_at.contains_key(n.as_str()));
    if !kept_old.eq(kept_new) {
        push(
            changes,
            path,
            Field::Reordered {
                old: old_names.to_vec(),
                new: new_names.to_vec(),
            },
        );
    }
    for (name, item) in new_names.iter().zip(after) {
        let at = path.join(Segment::Named(name.clone()));
        match old_at.get(name.as_str()) {
            Some(&index) => walk(&at, &before[index], item, changes),
            None => push(changes, &at, Field::Added(item.clone())),
        }
    }
    for (name, item) in old_names.iter().zip(before) {
        if !new_at.contains_key(name.as_str()) {
            push(
                changes,
                &path.join(Segment::Named(name.clone())),
                Field::Removed(item.clone()),
            );
        }
    }
}

fn aligned(path: &FieldPath, before: &[Value], after: &[Value], changes: &mut Vec<FieldChange>) {
    let old_text: Vec<String> = before.iter().map(Value::to_string).collect();
    let new_text: Vec<String> = after.iter().map(Value::to_string).collect();
    // Past the deadline the alignment stops looking for the fewest changes (a long list that
    // changed throughout would otherwise take minutes); what it reports is still every change.
    let deadline = Instant::now() + Duration::from_secs(MAX_DIFF_SECONDS as u64);
    for op in capture_diff_slices_deadline(Algorithm::Myers, &old_text, &new_text, Some(deadline)) {
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for (i, item) in before.iter().enumerate().skip(old_index).take(old_len) {
                    push(
                        changes,
                        &path.join(entry(i, item)),
                        Field::Removed(item.clone()),
                    );
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for (i, item) in after.iter().enumerate().skip(new_index).take(new_len) {
                    push(
                        changes,
                        &path.join(entry(i, item)),
                        Field::Added(item.clone()),
                    );
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                // Entries replaced in place are compared field by field, pairwise; the rest of
                // the longer run was added or removed.
                let paired = old_len.min(new_len);
                for i in 0..paired {
                    walk(
                        &path.join(entry(new_index + i, &after[new_index + i])),
                        &before[old_index + i],
                        &after[new_index + i],
                        changes,
                    );
                }
                for i in paired..old_len {
                    push(
                        changes,
                        &path.join(entry(old_index + i, &before[old_index + i])),
                        Field::Removed(before[old_index + i].clone()),
                    );
                }
                for i in paired..new_len {
                    push(
                        changes,
                        &path.join(entry(new_index + i, &after[new_index + i])),
                        Field::Added(after[new_index + i].clone()),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn lines(old: &Value, new: &Value) -> Vec<String> {
        values(old, new)
            .iter()
            .map(|c| format!("{}: {:?}", c.path, c.change))
            .collect()
    }

    #[test]
    fn named_entries_are_matched_by_name_and_a_reorder_is_one_change() {
        let old = json!({"http": [{"name": "a", "timeout": "1s"}, {"name": "b"}]});
        let new = json!({"http": [{"name": "b"}, {"name": "a", "timeout": "2s"}]});
        assert_eq!(
            lines(&old, &new),
            [
                r#"http: Reordered { old: ["a", "b"], new: ["b", "a"] }"#,
                r#"http[a].timeout: Changed { old: String("1s"), new: String("2s") }"#,
            ]
        );
    }

    #[test]
    fn an_inserted_entry_does_not_shift_the_others() {
        let old = json!({"rules": [{"to": 1}, {"to": 3}]});
        let new = json!({"rules": [{"to": 1}, {"to": 2}, {"to": 3}]});
        assert_eq!(
            lines(&old, &new),
            [r#"rules[1]: Added(Object {"to": Number(2)})"#]
        );
    }

    #[test]
    fn plain_lists_change_by_entries_added_and_removed() {
        let old = json!({"methods": ["GET", "PUT"], "paths": ["/a", "/b", "/a"]});
        let new = json!({"methods": ["GET", "POST"], "paths": ["/a", "/a", "/b"]});
        assert_eq!(
            lines(&old, &new),
            [
                r#"methods: Removed(String("PUT"))"#,
                r#"methods: Added(String("POST"))"#,
                r#"paths: Reordered { old: ["/a", "/b", "/a"], new: ["/a", "/a", "/b"] }"#,
            ]
        );
        let duplicate = lines(&json!({"p": ["/a"]}), &json!({"p": ["/a", "/a"]}));
        assert_eq!(duplicate, [r#"p: Added(String("/a"))"#]);
    }

    #[test]
    fn quantities_compare_by_value_where_resources_are_asked_for() {
        let old = json!({"resources": {"limits": {"cpu": "2000m", "memory": "1Gi"}}});
        let new = json!({"resources": {"limits": {"cpu": "2", "memory": "1024Mi"}}});
        assert!(lines(&old, &new).is_empty());
        let more = json!({"resources": {"limits": {"cpu": "2500m", "memory": "1Gi"}}});
        assert_eq!(
            lines(&old, &more),
            [r#"resources.limits.cpu: Changed { old: String("2000m"), new: String("2500m") }"#]
        );
        // Elsewhere a string and a number differ, even if they read alike.
        assert_eq!(lines(&json!({"port": "80"}), &json!({"port": 80})).len(), 1);
    }

    #[test]
    fn unnamed_rules_say_whose_they_are() {
        let caller = json!({"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/cart"]}}],
                            "to": [{"operation": {"paths": ["/v1/orders"], "methods": ["GET"]}}]});
        let tenant = json!({"to": [{"operation": {"notPaths": ["/t/a"]}}],
                            "when": [{"key": "request.auth.claims[tenant_id]", "values": ["a"]}]});
        let old = json!({"rules": [caller, tenant]});
        let mut changed = caller.clone();
        changed["to"][0]["operation"]["methods"] = json!(["GET", "POST"]);
        let new =
            json!({"rules": [changed, tenant, {"from": [{"source": {"namespaces": ["ops"]}}]}]});
        assert_eq!(
            lines(&old, &new),
            [
                r#"rules[0: caller shop/cart, path /v1/orders].to[0].operation.methods: Added(String("POST"))"#,
                r#"rules[2: namespace ops]: Added(Object {"from": Array [Object {"source": Object {"namespaces": Array [String("ops")]}}]})"#,
            ]
        );
        assert_eq!(
            about(&tenant).as_deref(),
            Some("tenant_id=a, not path /t/a")
        );
        assert_eq!(
            about(&json!({"to": [{"operation": {"hosts": ["h"]}}]})).as_deref(),
            Some("host h")
        );
        assert_eq!(
            about(&json!({"to": [{"operation": {"ports": ["80"]}}]})).as_deref(),
            Some("port 80")
        );
        assert_eq!(
            about(&json!({"from": [{"source": {"requestPrincipals": ["iss/*"]}}]})).as_deref(),
            Some("token iss/*")
        );
        assert_eq!(
            about(&json!({"when": [{"key": "source.ip"}]})).as_deref(),
            Some("source.ip")
        );
        assert_eq!(about(&json!({"weight": 1})), None);
    }

    #[test]
    fn keys_come_and_go() {
        let old = json!({"a": 1, "b": 2});
        let new = json!({"b": 2, "c": 3});
        assert_eq!(
            lines(&old, &new),
            ["a: Removed(Number(1))", "c: Added(Number(3))"]
        );
    }

    #[test]
    fn duplicate_names_fall_back_to_alignment() {
        let old = json!({"route": [{"destination": {"host": "h"}}, {"destination": {"host": "h"}, "weight": 1}]});
        let new = json!({"route": [{"destination": {"host": "h"}}, {"destination": {"host": "h"}, "weight": 2}]});
        assert_eq!(
            lines(&old, &new),
            ["route[1].weight: Changed { old: Number(1), new: Number(2) }"]
        );
    }
}
