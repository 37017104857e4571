//! Validates a value against a structural schema the way the Kubernetes API server does:
//! unknown fields are errors unless the node preserves them, then types, enums, ranges,
//! formats, list uniqueness, `oneOf`/`anyOf`/`allOf`/`not`, and every CEL rule at its node.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::{Additional, Schema, Type};
use crate::diagnostic::Path;
use crate::diagnostic::suggest::did_you_mean;
use crate::istio::cel::{self, Outcome};
use crate::yaml::{Node, Value, short};

/// A problem found by the walk, before [`crate::istio::crd`] places it in its document as a
/// diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issue {
    /// Where.
    pub(crate) path: Path,
    /// Error (the object is refused) or warning.
    pub(crate) error: bool,
    /// What kind of check found it.
    pub(crate) source: IssueSource,
    /// What is wrong.
    pub(crate) message: String,
    /// A type or enum mismatch: Istio's protobuf decoder refuses the value.
    pub(crate) undecodable: bool,
}

/// The check behind an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IssueSource {
    /// The structural schema.
    Schema,
    /// A CEL rule is false or fails.
    Rule,
    /// A CEL rule meshc cannot evaluate.
    Unsupported,
}

/// Validates `value` against `schema`; the issues come in document order.
pub(crate) fn validate(schema: &Schema, value: &Node, path: &Path) -> Vec<Issue> {
    let mut walk = Walk {
        issues: Vec::new(),
        cel_budget: cel::RUNTIME_BUDGET,
    };
    walk.node(schema, value, &Trail::Root(path));
    walk.issues
}

/// [`validate`] on the mapping `object` as if the keys in `skip` were not in it (a manifest's
/// `apiVersion`, `kind` and `metadata`, which its schema does not describe), without copying
/// the rest of it: a copy of a document's `spec` was a tenth of the self-check's instructions.
/// Only a schema whose own rules or `oneOf`/`anyOf`/`allOf`/`not` read the object whole needs the
/// copy.
pub(crate) fn validate_without(
    schema: &Schema,
    object: &Node,
    skip: &[&str],
    path: &Path,
) -> Vec<Issue> {
    let Value::Map(entries) = &object.value else {
        return validate(
            schema,
            &Node::new(object.line, Value::Map(Vec::new())),
            path,
        );
    };
    let reads_whole = !schema.rules.is_empty()
        || schema.not.is_some()
        || !schema.all_of.is_empty()
        || !schema.any_of.is_empty()
        || !schema.one_of.is_empty();
    let admits = !schema.int_or_string && schema.kind.is_none_or(|k| k == Type::Object);
    if reads_whole || !admits {
        let kept: Vec<(Cow<'_, str>, Node<'_>)> = entries
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_ref()))
            .cloned()
            .collect();
        return validate(schema, &Node::new(object.line, Value::Map(kept)), path);
    }
    let mut walk = Walk {
        issues: Vec::new(),
        cel_budget: cel::RUNTIME_BUDGET,
    };
    // What `Walk::node` does for a mapping its schema admits, with nothing else to check.
    walk.mapping(schema, object, entries, skip, &Trail::Root(path));
    walk.issues
}

/// The way to the node being checked, borrowed from the walk's stack so that visiting a node
/// allocates nothing; it becomes a [`Path`] only when an issue is reported.
#[derive(Clone, Copy)]
enum Trail<'a> {
    Root(&'a Path),
    Key(&'a Trail<'a>, &'a str),
    Index(&'a Trail<'a>, usize),
}

impl<'a> Trail<'a> {
    fn key(&'a self, key: &'a str) -> Self {
        Trail::Key(self, key)
    }

    fn index(&'a self, index: usize) -> Self {
        Trail::Index(self, index)
    }

    fn path(&self) -> Path {
        match self {
            Trail::Root(path) => (*path).clone(),
            Trail::Key(parent, key) => parent.path().key(key),
            Trail::Index(parent, index) => parent.path().index(*index),
        }
    }
}

struct Walk {
    issues: Vec<Issue>,
    /// CEL cost units the object's rules may still spend; once spent, no rule is run.
    cel_budget: u64,
}

impl Walk {
    fn error(&mut self, path: &Trail<'_>, message: String) {
        self.push(path, true, IssueSource::Schema, message);
    }

    fn push(&mut self, path: &Trail<'_>, error: bool, source: IssueSource, message: String) {
        self.issues.push(Issue {
            path: path.path(),
            error,
            source,
            message,
            undecodable: false,
        });
    }

    /// An error in the value's type or enum, which Istio's decoder refuses too.
    fn undecodable(&mut self, path: &Trail<'_>, message: String) {
        self.error(path, message);
        if let Some(issue) = self.issues.last_mut() {
            issue.undecodable = true;
        }
    }

    /// Checks one node; `None` means it is `null` (and so pruned by the API server).
    fn node<'a>(
        &mut self,
        schema: &Schema,
        value: &'a Node<'a>,
        path: &Trail<'_>,
    ) -> Option<Cow<'a, Node<'a>>> {
        if matches!(value.value, Value::Null) {
            if !schema.nullable && (!schema.preserve_unknown || schema.kind.is_some()) {
                self.push(
                    path,
                    false,
                    IssueSource::Schema,
                    "null for a non-nullable field; the API server drops it".to_string(),
                );
            }
            return None;
        }
        if schema.int_or_string {
            if !matches!(value.value, Value::Str(_) | Value::Int(_)) {
                self.undecodable(
                    path,
                    format!(
                        "must be an integer or a string, not {} {}",
                        value.type_name(),
                        short(&value.value)
                    ),
                );
                return Some(Cow::Borrowed(value));
            }
        } else if let Some(kind) = schema.kind
            && !kind.admits(&value.value)
        {
            match value.value {
                Value::Float(f) if kind == Type::Integer && f.fract() == 0.0 => {
                    self.push(
                        path,
                        false,
                        IssueSource::Schema,
                        format!("integer written as a float ({f:?})"),
                    );
                }
                _ => {
                    self.undecodable(
                        path,
                        format!(
                            "must be {}, not {} {}",
                            kind.described(),
                            value.type_name(),
                            short(&value.value)
                        ),
                    );
                    return Some(Cow::Borrowed(value));
                }
            }
        }
        let value = match &value.value {
            Value::Map(entries) => self.mapping(schema, value, entries, &[], path),
            Value::Seq(items) => {
                self.list(schema, items, path);
                Cow::Borrowed(value)
            }
            scalar => {
                self.scalar(schema, scalar, path);
                Cow::Borrowed(value)
            }
        };
        self.junctors(schema, &value, path);
        if !schema.rules.is_empty() {
            self.rules(schema, &value, path);
        }
        Some(value)
    }

    /// The entries of a mapping (but those named in `skip`, as if absent) against `schema`; the
    /// mapping as the API server keeps it, its `null` entries pruned. With keys skipped, the
    /// mapping returned is `node` itself unless an entry was pruned.
    fn mapping<'a>(
        &mut self,
        schema: &Schema,
        node: &'a Node<'a>,
        entries: &'a [(Cow<'a, str>, Node<'a>)],
        skip: &[&str],
        path: &Trail<'_>,
    ) -> Cow<'a, Node<'a>> {
        let kept = |(key, _): &&(Cow<'_, str>, Node<'_>)| !skip.contains(&key.as_ref());
        let mut pruned: Option<Vec<(Cow<'_, str>, Node<'_>)>> = None;
        for (key, child) in entries.iter().filter(kept) {
            let sub = schema.properties.as_ref().and_then(|p| p.get(key));
            let sub = match (sub, &schema.additional) {
                (Some(sub), _) => sub,
                (None, Additional::Schema(sub)) => sub,
                (None, Additional::Any) => continue,
                (None, Additional::Closed) if schema.preserve_unknown => continue,
                (None, Additional::Closed) => {
                    let known: Vec<&str> = schema
                        .properties
                        .iter()
                        .flat_map(|p| p.keys().map(String::as_str))
                        .collect();
                    self.error(
                        &path.key(key),
                        format!("unknown field {key:?}{}", hint(key, &known)),
                    );
                    continue;
                }
            };
            if self.node(sub, child, &path.key(key)).is_none() && !sub.nullable {
                pruned
                    .get_or_insert_with(|| entries.iter().filter(kept).cloned().collect())
                    .retain(|(k, _)| k != key);
            }
        }
        let value = match pruned {
            Some(kept) => Cow::Owned(Node::new(node.line, Value::Map(kept))),
            None => Cow::Borrowed(node),
        };
        let none: &[(Cow<'_, str>, Node<'_>)] = &[];
        let (pruned, whole) = match &value {
            Cow::Owned(pruned) => (pruned.entries(), none),
            Cow::Borrowed(_) => (none, entries),
        };
        let present = || pruned.iter().chain(whole.iter().filter(kept));
        for required in &schema.required {
            if !present().any(|(k, _)| k == required) {
                self.error(
                    &path.key(required),
                    format!("required field {required:?} is missing"),
                );
            }
        }
        let n = if schema.min_properties.is_some() || schema.max_properties.is_some() {
            present().count() as u64
        } else {
            0
        };
        if schema.min_properties.is_some_and(|min| n < min)
            || schema.max_properties.is_some_and(|max| n > max)
        {
            self.error(
                path,
                format!(
                    "has {n} entries; allowed {}..{}",
                    schema.min_properties.unwrap_or(0),
                    schema
                        .max_properties
                        .map(|m| m.to_string())
                        .unwrap_or_default()
                ),
            );
        }
        value
    }

    fn list(&mut self, schema: &Schema, items: &[Node], path: &Trail<'_>) {
        if let Some(item_schema) = &schema.items {
            for (i, item) in items.iter().enumerate() {
                if matches!(item.value, Value::Null) && !item_schema.nullable {
                    self.error(
                        &path.index(i),
                        "null is not allowed in this list".to_string(),
                    );
                } else {
                    self.node(item_schema, item, &path.index(i));
                }
            }
        }
        let n = items.len() as u64;
        if let Some(min) = schema.min_items.filter(|min| n < *min) {
            self.error(path, format!("must have at least {min} items, has {n}"));
        }
        if let Some(max) = schema.max_items.filter(|max| n > *max) {
            self.error(path, format!("must have at most {max} items, has {n}"));
        }
        if schema.unique {
            let mut seen = HashSet::new();
            for (i, item) in items.iter().enumerate() {
                let identity =
                    if schema.list_map_keys.is_empty() || !matches!(item.value, Value::Map(_)) {
                        canonical(&item.value)
                    } else {
                        schema
                            .list_map_keys
                            .iter()
                            .map(|k| {
                                item.get(k)
                                    .map_or_else(|| "null".to_string(), |v| canonical(&v.value))
                            })
                            .collect::<Vec<_>>()
                            .join("\u{0}")
                    };
                if !seen.insert(identity) {
                    let keys = if schema.list_map_keys.is_empty() {
                        String::new()
                    } else {
                        format!(" for {}", schema.list_map_keys.join(", "))
                    };
                    self.error(&path.index(i), format!("duplicate entry{keys}"));
                }
            }
        }
    }

    fn scalar(&mut self, schema: &Schema, value: &Value, path: &Trail<'_>) {
        if let Some(allowed) = &schema.enumeration
            && !allowed.iter().any(|a| same(a, value))
        {
            let names: Vec<String> = allowed.iter().map(plain).collect();
            self.undecodable(
                path,
                format!(
                    "unsupported value {}; supported: {}",
                    short(value),
                    names.join(", ")
                ),
            );
        }
        match value {
            Value::Str(s) => self.string(schema, s, path),
            Value::Int(_) | Value::Float(_) => self.number(schema, value, path),
            _ => {}
        }
    }

    fn string(&mut self, schema: &Schema, s: &str, path: &Trail<'_>) {
        // Counting characters reads the whole string: only a bounded length needs it.
        let n = if schema.min_length.is_some() || schema.max_length.is_some() {
            s.chars().count() as u64
        } else {
            0
        };
        if schema.min_length.is_some_and(|min| n < min)
            || schema.max_length.is_some_and(|max| n > max)
        {
            self.error(
                path,
                format!(
                    "length {n} outside {}..{}",
                    schema.min_length.unwrap_or(0),
                    schema.max_length.map(|m| m.to_string()).unwrap_or_default()
                ),
            );
        }
        if let Some((pattern, compiled)) = &schema.pattern {
            match compiled {
                Ok(regex) if regex.is_match(s) => {}
                Ok(_) => self.error(
                    path,
                    format!("{} does not match pattern {pattern}", quoted(s)),
                ),
                Err(e) => self.error(
                    path,
                    format!("the schema's pattern {pattern} does not compile: {e}"),
                ),
            }
        }
        match schema.format.as_deref() {
            Some("byte") if !is_base64(s) => {
                self.error(path, format!("{} is not base64 (format byte)", quoted(s)));
            }
            Some("date-time") if !is_date_time(s) => {
                self.error(path, format!("{} is not an RFC 3339 date-time", quoted(s)));
            }
            _ => {}
        }
    }

    #[allow(clippy::float_cmp)]
    fn number(&mut self, schema: &Schema, value: &Value, path: &Trail<'_>) {
        #[allow(clippy::cast_precision_loss)]
        let n = match value {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            _ => return,
        };
        // The value is written out only for a message: most numbers are in range.
        if let Some((min, exclusive)) = schema.minimum
            && (n < min || (exclusive && n == min))
        {
            self.error(
                path,
                format!(
                    "{} is below the minimum {}",
                    plain(value),
                    plain_number(min)
                ),
            );
        }
        if let Some((max, exclusive)) = schema.maximum
            && (n > max || (exclusive && n == max))
        {
            self.error(
                path,
                format!(
                    "{} is above the maximum {}",
                    plain(value),
                    plain_number(max)
                ),
            );
        }
        if let (Value::Int(i), Some(format @ ("int32" | "int64"))) =
            (value, schema.format.as_deref())
            && format == "int32"
            && i32::try_from(*i).is_err()
        {
            self.error(path, format!("{i} does not fit format {format}"));
        }
    }

    fn junctors(&mut self, schema: &Schema, value: &Node, path: &Trail<'_>) {
        if let Some(not) = &schema.not
            && matches(not, value)
        {
            self.error(path, format!("must not match {}", describe(not)));
        }
        if !schema.all_of.is_empty() && !schema.all_of.iter().all(|a| matches(a, value)) {
            let all: Vec<String> = schema.all_of.iter().map(describe).collect();
            self.error(path, format!("must satisfy all of: {}", all.join("; ")));
        }
        if !schema.any_of.is_empty() && !schema.any_of.iter().any(|a| matches(a, value)) {
            let all: Vec<String> = schema.any_of.iter().map(describe).collect();
            self.error(
                path,
                format!("must satisfy at least one of: {}", all.join("; ")),
            );
        }
        if !schema.one_of.is_empty() {
            let hits: Vec<&Schema> = schema.one_of.iter().filter(|a| matches(a, value)).collect();
            let exclusive_fields = schema
                .one_of
                .iter()
                .all(|a| is_only_required(a) || is_only_not(a));
            if hits.len() > 1 && exclusive_fields {
                let fields: Vec<&str> = schema
                    .one_of
                    .iter()
                    .flat_map(|a| a.required.iter().map(String::as_str))
                    .collect();
                let found: Vec<&str> = hits
                    .iter()
                    .flat_map(|a| a.required.iter().map(String::as_str))
                    .collect();
                self.error(
                    path,
                    format!(
                        "only one of {} may be set; found {}",
                        fields.join(", "),
                        found.join(" and ")
                    ),
                );
            } else if hits.len() != 1 {
                let all: Vec<String> = schema.one_of.iter().map(describe).collect();
                let which = if hits.is_empty() {
                    "none does".to_string()
                } else {
                    let hit: Vec<String> = hits.iter().map(|a| describe(a)).collect();
                    format!("these all do: {}", hit.join("; "))
                };
                self.error(
                    path,
                    format!(
                        "must satisfy exactly one of (oneOf): {}; {which}",
                        all.join("; ")
                    ),
                );
            }
        }
    }

    fn rules(&mut self, schema: &Schema, value: &Node, path: &Trail<'_>) {
        let number = schema.kind == Some(Type::Number);
        for rule in &schema.rules {
            if self.cel_budget == 0 {
                return;
            }
            // The rule's path is built only when it has something to report: most rules pass.
            let at = || {
                let mut at = path.path();
                for key in &rule.field_path {
                    at = at.key(key);
                }
                at
            };
            let program = match &rule.program {
                Ok(program) => program,
                Err(why) => {
                    self.push(
                        &Trail::Root(&at()),
                        true,
                        IssueSource::Unsupported,
                        format!("cannot evaluate rule {}: {why}", quoted(&rule.text)),
                    );
                    continue;
                }
            };
            match program.run(value, number, &mut self.cel_budget) {
                Outcome::Pass => {}
                Outcome::Fail => {
                    let message = rule
                        .message_expression
                        .as_ref()
                        .and_then(|m| m.message(value))
                        .or_else(|| rule.message.clone())
                        .unwrap_or_else(|| format!("failed rule: {}", rule.text));
                    let shown = match value.value {
                        Value::Map(_) | Value::Seq(_) => String::new(),
                        ref scalar => format!(" (value {})", short(scalar)),
                    };
                    self.push(
                        &Trail::Root(&at()),
                        true,
                        IssueSource::Rule,
                        format!("{message}{shown}"),
                    );
                }
                Outcome::Error(error) => {
                    let message = rule.message.as_deref().unwrap_or("failed rule");
                    self.push(
                        &Trail::Root(&at()),
                        true,
                        IssueSource::Rule,
                        format!(
                            "{message}: rule evaluation error: {error} [rule: {}]",
                            rule.text
                        ),
                    );
                }
                Outcome::Unsupported(why) => {
                    self.push(
                        &Trail::Root(&at()),
                        true,
                        IssueSource::Unsupported,
                        format!("cannot evaluate rule {}: {why}", quoted(&rule.text)),
                    );
                }
            }
        }
    }
}

/// Whether `value` satisfies a value-validation schema (a branch of `oneOf` and friends).
fn matches(schema: &Schema, value: &Node) -> bool {
    if let Some(kind) = schema.kind
        && !matches!(value.value, Value::Null)
        && !kind.admits(&value.value)
    {
        return false;
    }
    if let Some(allowed) = &schema.enumeration
        && !allowed.iter().any(|a| same(a, &value.value))
    {
        return false;
    }
    if let Value::Map(_) = value.value {
        if schema.required.iter().any(|r| value.get(r).is_none()) {
            return false;
        }
        if let Some(properties) = &schema.properties
            && properties
                .iter()
                .any(|(k, sub)| value.get(k).is_some_and(|v| !matches(sub, v)))
        {
            return false;
        }
    }
    if let (Value::Str(s), Some((_, Ok(regex)))) = (&value.value, &schema.pattern)
        && !regex.is_match(s)
    {
        return false;
    }
    if schema.not.as_ref().is_some_and(|n| matches(n, value)) {
        return false;
    }
    if !schema.any_of.is_empty() && !schema.any_of.iter().any(|a| matches(a, value)) {
        return false;
    }
    if !schema.all_of.iter().all(|a| matches(a, value)) {
        return false;
    }
    if !schema.one_of.is_empty() && schema.one_of.iter().filter(|a| matches(a, value)).count() != 1
    {
        return false;
    }
    true
}

fn is_only_required(schema: &Schema) -> bool {
    !schema.required.is_empty() && schema.not.is_none() && is_bare(schema)
}

fn is_only_not(schema: &Schema) -> bool {
    schema.not.is_some() && schema.required.is_empty() && is_bare(schema)
}

/// No keyword but `required` and `not`.
fn is_bare(schema: &Schema) -> bool {
    schema.kind.is_none()
        && schema.properties.is_none()
        && schema.enumeration.is_none()
        && schema.pattern.is_none()
        && schema.one_of.is_empty()
        && schema.any_of.is_empty()
        && schema.all_of.is_empty()
}

/// A branch in words, as the referee words it.
fn describe(schema: &Schema) -> String {
    if is_only_required(schema) {
        return format!("has {}", schema.required.join(" and "));
    }
    if let Some(not) = schema.not.as_deref().filter(|_| is_only_not(schema)) {
        if not.any_of.iter().all(is_only_required) && !not.any_of.is_empty() && is_bare_any_of(not)
        {
            let fields: Vec<&str> = not
                .any_of
                .iter()
                .flat_map(|a| a.required.iter().map(String::as_str))
                .collect();
            return format!("none of {}", fields.join(", "));
        }
        return format!("not ({})", describe(not));
    }
    match schema.kind {
        Some(kind)
            if is_bare(&Schema {
                kind: None,
                ..schema.clone()
            }) && schema.required.is_empty() =>
        {
            format!("is {}", kind.described())
        }
        _ => "a schema".to_string(),
    }
}

fn is_bare_any_of(schema: &Schema) -> bool {
    schema.kind.is_none()
        && schema.required.is_empty()
        && schema.not.is_none()
        && schema.one_of.is_empty()
        && schema.all_of.is_empty()
}

/// Equality of two YAML values as JSON compares them (numbers by value).
fn same(a: &Value, b: &Value) -> bool {
    #[allow(clippy::cast_precision_loss, clippy::float_cmp)]
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => *x as f64 == *y,
        _ => identical(a, b),
    }
}

/// Whether the two values have one [`canonical`] text, without writing it: enums compare every
/// value of a document with their choices.
fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| identical(&x.value, &y.value))
        }
        // Keys are unique (the reader refuses a repeated one), so equal sizes and every entry
        // found are the same sorted entries.
        (Value::Map(x), Value::Map(y)) => {
            let y: HashMap<&str, &Value> = y.iter().map(|(k, v)| (k.as_ref(), &v.value)).collect();
            x.len() == y.len()
                && x.iter()
                    .all(|(key, x)| y.get(key.as_ref()).is_some_and(|y| identical(&x.value, y)))
        }
        (Value::Float(_), Value::Float(_)) => canonical(a) == canonical(b),
        _ => false,
    }
}

/// A canonical text of a value, for identity.
fn canonical(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Str(s) => serde_json::Value::from(s.as_ref()).to_string(),
        Value::Seq(items) => {
            let inner: Vec<String> = items.iter().map(|i| canonical(&i.value)).collect();
            format!("[{}]", inner.join(","))
        }
        Value::Map(entries) => {
            let mut inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}:{}",
                        serde_json::Value::from(k.as_ref()),
                        canonical(&v.value)
                    )
                })
                .collect();
            inner.sort();
            format!("{{{}}}", inner.join(","))
        }
    }
}

/// A scalar as a message shows it: strings bare, numbers as written.
fn plain(value: &Value) -> String {
    match value {
        Value::Str(s) => s.to_string(),
        Value::Float(f) => plain_number(*f),
        other => short(other),
    }
}

fn plain_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

fn quoted(s: &str) -> String {
    short(&Value::Str(s.into()))
}

/// "; did you mean X?" and the known fields.
pub(crate) fn hint(name: &str, known: &[&str]) -> String {
    if known.is_empty() {
        return "; this object takes no fields".to_string();
    }
    let close = did_you_mean(name, known.iter().copied())
        .map(|k| format!("; did you mean {k:?}?"))
        .unwrap_or_default();
    let mut sorted = known.to_vec();
    sorted.sort_unstable();
    format!("{close}; known: {}", sorted.join(", "))
}

/// Base64 as Python's `b64decode(validate=True)` accepts it.
pub(crate) fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len() % 4 == 0
        && s.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// RFC 3339 `date-time`: `2006-01-02T15:04:05(.fraction)?(Z|±hh:mm)`.
pub(crate) fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    if b.len() < 20
        || !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10))
        || !matches!(b[10], b'T' | b't' | b' ')
        || !(digits(11..13) && b[13] == b':' && digits(14..16) && b[16] == b':' && digits(17..19))
    {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    let z = rest.as_bytes();
    matches!(rest, "Z" | "z")
        || (z.len() == 6
            && matches!(z[0], b'+' | b'-')
            && z[1..3].iter().all(u8::is_ascii_digit)
            && z[3] == b':'
            && z[4..6].iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn schema(text: &str) -> Schema {
        Schema::from_openapi(&yaml::read(text).documents.remove(0).root).expect("schema")
    }

    fn issues(schema_text: &str, value: &str) -> Vec<String> {
        let value = yaml::read(value).documents.remove(0).root;
        validate(&schema(schema_text), &value, &Path::root())
            .into_iter()
            .map(|i| {
                format!(
                    "{}{}: {}",
                    if i.error { "E " } else { "W " },
                    i.path,
                    i.message
                )
            })
            .collect()
    }

    const PORT: &str = "
type: object
required: [number]
properties:
  number: {type: integer, format: int32, x-kubernetes-validations: [{rule: '0 < self && self <= 65535', message: port out of range}]}
  name: {type: string, maxLength: 5, pattern: '^[a-z]+$'}
  mode: {type: string, enum: [A, B]}
  target: {x-kubernetes-int-or-string: true}
  free: {type: object, x-kubernetes-preserve-unknown-fields: true}
  labels: {type: object, additionalProperties: {type: string}}
";

    #[test]
    fn structural_checks_find_each_problem() {
        assert!(
            issues(
                PORT,
                "{number: 80, name: http, mode: A, target: x, free: {a: 1}, labels: {a: b}}"
            )
            .is_empty()
        );
        assert_eq!(
            issues(PORT, "{number: 80, nmae: x}"),
            vec![
                r#"E nmae: unknown field "nmae"; did you mean "name"?; known: free, labels, mode, name, number, target"#
            ]
        );
        assert_eq!(
            issues(PORT, "{name: http}"),
            vec![r#"E number: required field "number" is missing"#]
        );
        assert_eq!(
            issues(PORT, "{number: 0}"),
            vec!["E number: port out of range (value 0)"]
        );
        assert_eq!(
            issues(PORT, "{number: '80'}"),
            vec![r#"E number: must be an integer, not string "80""#]
        );
        assert_eq!(
            issues(PORT, "{number: 80.0}"),
            vec!["W number: integer written as a float (80.0)"]
        );
        assert_eq!(
            issues(PORT, "{number: 3000000000}"),
            vec![
                "E number: 3000000000 does not fit format int32",
                "E number: port out of range (value 3000000000)"
            ]
        );
        assert_eq!(
            issues(PORT, "{number: 1, mode: C}"),
            vec!["E mode: unsupported value \"C\"; supported: A, B"]
        );
        assert_eq!(issues(PORT, "{number: 1, name: HTTPSX}").len(), 2);
        assert_eq!(
            issues(PORT, "{number: 1, target: true}"),
            vec!["E target: must be an integer or a string, not boolean true"]
        );
        assert_eq!(
            issues(PORT, "{number: 1, labels: {a: 1}}"),
            vec!["E labels.a: must be a string, not integer 1"]
        );
        assert_eq!(
            issues(PORT, "{number: 1, name: null}"),
            vec!["W name: null for a non-nullable field; the API server drops it"]
        );
    }

    #[test]
    fn one_of_reports_fields_set_together() {
        let lb = "
type: object
oneOf:
- not: {anyOf: [{required: [simple]}, {required: [consistentHash]}]}
- required: [simple]
- required: [consistentHash]
properties:
  simple: {type: string}
  consistentHash: {type: object}
";
        assert!(issues(lb, "{simple: X}").is_empty());
        assert!(issues(lb, "{}").is_empty());
        assert_eq!(
            issues(lb, "{simple: X, consistentHash: {}}"),
            vec![
                "E .: only one of simple, consistentHash may be set; found simple and consistentHash"
            ]
        );
    }

    #[test]
    fn list_types_find_duplicates() {
        let set = "{type: array, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [name], items: {type: object, x-kubernetes-preserve-unknown-fields: true}}";
        assert_eq!(
            issues(set, "[{name: a, x: 1}, {name: a, x: 2}]"),
            vec!["E [1]: duplicate entry for name"]
        );
    }

    #[test]
    fn formats_follow_the_referee() {
        assert!(is_base64("YWJj") && is_base64("YWI=") && !is_base64("YWJ") && !is_base64("Y$=="));
        assert!(
            is_date_time("2024-01-02T03:04:05Z") && is_date_time("2024-01-02T03:04:05.5+01:00")
        );
        assert!(!is_date_time("2024-01-02") && !is_date_time("2024-01-02T03:04:05"));
    }

    #[test]
    fn unevaluable_rules_are_reported() {
        let s = "{type: string, x-kubernetes-validations: [{rule: 'self.lowerAscii() == self'}]}";
        let found = issues(s, "abc");
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("cannot evaluate rule"), "{found:?}");
    }
}
