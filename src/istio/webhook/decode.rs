//! How the webhook reads a document: Istio's protobuf decoder's view of JSON (an absent or null
//! field is its zero value, an empty list is an absent one, an empty map is present), paths in the
//! referee's syntax, and the report that collects findings.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fmt::Write as _;

use super::WebhookFinding;
use super::at::At;
use crate::diagnostic::{Path, Severity, Step};
use crate::yaml::{Node, Value};

/// Whether `node` is JSON's `null` as the API server sees it: YAML's null, and the numbers JSON
/// cannot hold (`.inf`, `.nan`), which kubectl's conversion to JSON turns into `null`.
pub(super) fn is_null(node: &Node) -> bool {
    match node.value {
        Value::Null => true,
        Value::Float(f) => !f.is_finite(),
        _ => false,
    }
}

/// The entries of a mapping in the order of their keys, as a JSON object of Go's (and of
/// `serde_json`) iterates them.
pub(super) fn sorted<'a, 'y>(
    entries: &'a [(Cow<'y, str>, Node<'y>)],
) -> Vec<(&'a str, &'a Node<'y>)> {
    let mut sorted: Vec<(&str, &Node)> = entries.iter().map(|(k, v)| (&**k, v)).collect();
    sorted.sort_unstable_by_key(|(k, _)| *k);
    sorted
}

/// Whether a key can be written after a dot; the referee's rule (a letter, `_`, `$` or `@`
/// first, then word characters, `$`, `@` or `-`; like Python's `$`, a final newline is allowed).
fn is_plain_key(key: &str) -> bool {
    let key = key.strip_suffix('\n').unwrap_or(key);
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '$' | '@'))
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '@' | '-'))
}

/// A key as a JSON string with every non-ASCII character escaped, as the referee writes it.
fn quoted_ascii(key: &str) -> String {
    let mut out = String::from("\"");
    for c in key.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
    out
}

/// `path` as the referee (`../shared/istio/check`) writes it: `spec.http[0].match[1]`, with a key
/// that is not a plain word quoted as a JSON string with every non-ASCII character escaped
/// (`metadata.labels["app.kubernetes.io/name"]`), and the document itself as `.`.
pub fn referee_path(path: &Path) -> String {
    if path.0.is_empty() {
        return ".".to_string();
    }
    let mut out = String::new();
    for (i, step) in path.0.iter().enumerate() {
        match step {
            Step::Index(index) => {
                let _ = write!(out, "[{index}]");
            }
            Step::Key(key) if is_plain_key(key) => {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Key(key) => {
                let _ = write!(out, "[{}]", quoted_ascii(key));
            }
        }
    }
    out
}

/// The state of one document's check: its findings, and whether Istio could decode it at all.
#[derive(Debug, Default)]
pub(super) struct Context {
    findings: RefCell<Vec<WebhookFinding>>,
    /// The findings already recorded, so that one repeated is recorded once without a scan of
    /// the list: a VirtualService of 16,000 routes, each with a warning, took 14 s that way.
    recorded: RefCell<HashSet<WebhookFinding>>,
    undecodable: Cell<bool>,
}

impl Context {
    /// Records that a value has a type (or enum value) that Istio's decoder refuses: the webhook
    /// never sees such a spec, so none of its findings count.
    pub(super) fn refuse(&self) {
        self.undecodable.set(true);
    }

    /// The findings, or none when the spec could not be decoded.
    pub(super) fn into_findings(self) -> Vec<WebhookFinding> {
        if self.undecodable.get() {
            Vec::new()
        } else {
            self.findings.into_inner()
        }
    }

    /// Where findings go.
    pub(super) fn report(&self) -> Report<'_> {
        Report {
            context: self,
            warnings: true,
        }
    }
}

/// Collects findings; an errors-only report mimics Go code that drops warnings (`appendErrors`).
#[derive(Clone, Copy)]
pub(super) struct Report<'c> {
    context: &'c Context,
    warnings: bool,
}

impl Report<'_> {
    /// An error at `path`.
    pub(super) fn error(&self, path: &At<'_>, message: impl Into<String>) {
        self.push(Severity::Error, path, message.into());
    }

    /// An error at `path`, if there is one.
    pub(super) fn error_if(&self, path: &At<'_>, message: Option<String>) {
        if let Some(message) = message {
            self.error(path, message);
        }
    }

    /// A warning at `path` (dropped by an errors-only report).
    pub(super) fn warning(&self, path: &At<'_>, message: impl Into<String>) {
        if self.warnings {
            self.push(Severity::Warning, path, message.into());
        }
    }

    /// The same report without its warnings.
    pub(super) fn errors_only(self) -> Self {
        Self {
            warnings: false,
            ..self
        }
    }

    fn push(&self, severity: Severity, path: &At<'_>, message: String) {
        let finding = WebhookFinding {
            severity,
            path: path.to_path(),
            message,
        };
        if self.context.recorded.borrow_mut().insert(finding.clone()) {
            self.context.findings.borrow_mut().push(finding);
        }
    }
}

/// A protobuf message as the decoder sees it: a JSON object at a path, or an absent one (whose
/// fields are all zero values). Reading a field of the wrong JSON type marks the spec undecodable.
/// It reads the YAML tree itself, as kubectl's conversion to JSON would present it (non-finite
/// numbers are `null`, a mapping's keys in sorted order), so no JSON copy of the document is made.
#[derive(Clone)]
pub(super) struct Msg<'a> {
    map: Option<&'a [(Cow<'a, str>, Node<'a>)]>,
    path: At<'a>,
    context: &'a Context,
}

impl<'a> Msg<'a> {
    /// The message `value` at `path` (absent unless it is an object).
    pub(super) fn new(value: Option<&'a Node<'a>>, path: At<'a>, context: &'a Context) -> Self {
        Self {
            map: value.and_then(|v| match &v.value {
                Value::Map(entries) => Some(entries.as_slice()),
                _ => None,
            }),
            path,
            context,
        }
    }

    /// Where this message is.
    pub(super) fn path(&self) -> &At<'a> {
        &self.path
    }

    /// The path of field `key`.
    pub(super) fn at<'k>(&self, key: &'k str) -> At<'k>
    where
        'a: 'k,
    {
        self.path.key(key)
    }

    /// Field `key`, unless absent or null.
    pub(super) fn raw(&self, key: &str) -> Option<&'a Node<'a>> {
        self.map?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| !is_null(v))
    }

    /// Whether field `key` is set (field presence of messages, wrappers and oneof members).
    pub(super) fn has(&self, key: &str) -> bool {
        self.raw(key).is_some()
    }

    fn wrong_type(&self) {
        self.context.refuse();
    }

    /// Sub-message `key`, if set.
    pub(super) fn msg(&self, key: &'a str) -> Option<Msg<'a>> {
        let value = self.raw(key)?;
        if matches!(value.value, Value::Map(_)) {
            Some(Self::new(Some(value), self.at(key), self.context))
        } else {
            self.wrong_type();
            None
        }
    }

    /// Sub-message `key`, absent when not set.
    pub(super) fn sub(&self, key: &'a str) -> Msg<'a> {
        self.msg(key)
            .unwrap_or_else(|| Self::new(None, self.at(key), self.context))
    }

    /// The items of list `key` (an empty list, like an absent one, has none).
    pub(super) fn items(&self, key: &str) -> &'a [Node<'a>] {
        match self.raw(key).map(|v| &v.value) {
            Some(Value::Seq(items)) => items,
            Some(_) => {
                self.wrong_type();
                &[]
            }
            None => &[],
        }
    }

    /// The messages of list `key` with their indexes, each at its own path; null items are
    /// left out.
    pub(super) fn indexed(&self, key: &'a str) -> Vec<(usize, Msg<'a>)> {
        self.messages(key).collect()
    }

    /// The messages of list `key`, each at its own path; null items are left out. Collected
    /// once: a list of them with their indexes, then mapped into another, cost an allocation
    /// more on every route's matches.
    pub(super) fn msgs(&self, key: &'a str) -> Vec<Msg<'a>> {
        self.messages(key).map(|(_, m)| m).collect()
    }

    /// What [`Msg::indexed`] collects, item by item.
    fn messages(&self, key: &'a str) -> impl Iterator<Item = (usize, Msg<'a>)> {
        let items = self.items(key);
        // The list's path is made only for a list with items.
        let path = (!items.is_empty()).then(|| self.at(key));
        items
            .iter()
            .enumerate()
            .filter_map(move |(i, item)| match (&item.value, &path) {
                (Value::Map(_), Some(path)) => {
                    Some((i, Self::new(Some(item), path.index(i), self.context)))
                }
                _ if is_null(item) => None,
                _ => {
                    self.wrong_type();
                    None
                }
            })
    }

    /// The strings of list `key` with their indexes; null items are left out.
    pub(super) fn strs(&self, key: &str) -> Vec<(usize, &'a str)> {
        self.items(key)
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match &item.value {
                Value::Str(s) => Some((i, s.as_ref())),
                _ if is_null(item) => None,
                _ => {
                    self.wrong_type();
                    None
                }
            })
            .collect()
    }

    /// The strings of list `key`.
    pub(super) fn str_list(&self, key: &str) -> Vec<&'a str> {
        self.strs(key).into_iter().map(|(_, s)| s).collect()
    }

    /// String field `key` (`""` when absent).
    pub(super) fn str(&self, key: &str) -> &'a str {
        match self.raw(key).map(|v| &v.value) {
            Some(Value::Str(s)) => s,
            Some(_) => {
                self.wrong_type();
                ""
            }
            None => "",
        }
    }

    /// Enum field `key` (`""` when absent); a value outside `allowed` is undecodable.
    pub(super) fn enumeration(&self, key: &str, allowed: &[&str]) -> &'a str {
        let value = self.str(key);
        if self.has(key) && !allowed.contains(&value) {
            self.wrong_type();
        }
        value
    }

    /// Integer field `key` (0 when absent). A float with no fraction is taken, as the API server
    /// takes it after its JSON round trip.
    pub(super) fn int(&self, key: &str) -> i64 {
        match self.raw(key).map(|v| &v.value) {
            Some(Value::Int(i)) => *i,
            Some(Value::Float(f)) if f.fract() == 0.0 => {
                // Saturating: a value this large is out of every range checked here.
                #[allow(clippy::cast_possible_truncation)]
                let i = *f as i64;
                i
            }
            Some(_) => {
                self.wrong_type();
                0
            }
            None => 0,
        }
    }

    /// Floating-point field `key` (0 when absent).
    pub(super) fn float(&self, key: &str) -> f64 {
        match self.raw(key).map(|v| &v.value) {
            #[allow(clippy::cast_precision_loss)]
            Some(Value::Int(i)) => *i as f64,
            Some(Value::Float(f)) => *f,
            Some(_) => {
                self.wrong_type();
                0.0
            }
            None => 0.0,
        }
    }

    /// Boolean field `key` (false when absent).
    pub(super) fn bool(&self, key: &str) -> bool {
        match self.raw(key).map(|v| &v.value) {
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.wrong_type();
                false
            }
            None => false,
        }
    }

    /// Map field `key`, if set (an empty map is set); its entries in the order of their keys.
    pub(super) fn map(&self, key: &str) -> Option<Vec<(&'a str, &'a Node<'a>)>> {
        match self.raw(key).map(|v| &v.value) {
            Some(Value::Map(entries)) => Some(sorted(entries)),
            Some(_) => {
                self.wrong_type();
                None
            }
            None => None,
        }
    }

    /// The entries of map `key` (none when absent).
    pub(super) fn entries(&self, key: &str) -> Vec<(&'a str, &'a Node<'a>)> {
        self.map(key).unwrap_or_default()
    }

    /// The entries of a `map<string, string>` field; other values are undecodable.
    pub(super) fn str_entries(&self, key: &str) -> Vec<(&'a str, &'a str)> {
        self.entries(key)
            .into_iter()
            .filter_map(|(k, v)| match &v.value {
                Value::Str(s) => Some((k, s.as_ref())),
                _ if is_null(v) => None,
                _ => {
                    self.wrong_type();
                    None
                }
            })
            .collect()
    }

    /// The entries of a `map<string, uint32>` field; other values are undecodable.
    pub(super) fn int_entries(&self, key: &str) -> Vec<(&'a str, i64)> {
        self.entries(key)
            .into_iter()
            .filter_map(|(k, v)| match &v.value {
                Value::Int(i) => Some((k, *i)),
                _ if is_null(v) => None,
                _ => {
                    self.wrong_type();
                    None
                }
            })
            .collect()
    }

    /// The message values of a `map<string, Message>` field, each at its own path.
    pub(super) fn msg_entries(&self, key: &'a str) -> Vec<(&'a str, Msg<'a>)> {
        let path = self.at(key);
        self.entries(key)
            .into_iter()
            .filter_map(|(k, v)| match &v.value {
                Value::Map(_) => Some((k, Self::new(Some(v), path.key(k), self.context))),
                _ if is_null(v) => None,
                _ => {
                    self.wrong_type();
                    None
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_written_like_the_referee() {
        let show = |path: Path| referee_path(&path);
        let path = Path::root()
            .key("spec")
            .key("http")
            .index(0)
            .key("match")
            .index(1);
        assert_eq!(show(path), "spec.http[0].match[1]");
        let labels = Path::of(&["metadata", "labels", "app.kubernetes.io/name"]);
        assert_eq!(show(labels), r#"metadata.labels["app.kubernetes.io/name"]"#);
        assert_eq!(show(Path::root()), ".");
        assert_eq!(show(Path::of(&["x-y", "@a"])), "x-y.@a");
        assert_eq!(show(Path::of(&["8080"])), r#"["8080"]"#);
        assert_eq!(show(Path::of(&["é"])), r#"["\u00e9"]"#);
        assert_eq!(show(Path::of(&["aé", "b\n"])), "aé.b\n");
        assert_eq!(show(Path::of(&["a", ""])), r#"a[""]"#);
    }

    #[test]
    fn decoding_follows_protobuf() {
        let context = Context::default();
        let value = serde_json::json!({"list": [], "map": {}, "n": null, "f": 80.0, "s": "x"});
        let value = crate::yaml::from_json(&value);
        let msg = Msg::new(Some(&value), At::root(), &context);
        assert!(msg.items("list").is_empty());
        assert_eq!(msg.map("map").map(|m| m.len()), Some(0));
        assert!(!msg.has("n"));
        assert_eq!(msg.int("f"), 80);
        assert_eq!(msg.str("s"), "x");
        assert!(!context.undecodable.get());
        assert_eq!(msg.int("s"), 0);
        assert!(context.undecodable.get());
    }

    #[test]
    fn an_undecodable_spec_has_no_findings() {
        let context = Context::default();
        context.report().error(&At::root(), "x");
        context.refuse();
        assert!(context.into_findings().is_empty());
    }

    #[test]
    fn errors_only_drops_warnings() {
        let context = Context::default();
        let report = context.report().errors_only();
        report.warning(&At::root(), "w");
        report.error(&At::root(), "e");
        report.error(&At::root(), "e");
        let findings = context.into_findings();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Error);
    }

    /// A finding repeated is recorded once, where it was first found; the same words at
    /// another path or with another severity are another finding.
    #[test]
    fn a_finding_is_recorded_once_in_the_order_found() {
        let context = Context::default();
        let report = context.report();
        let (first, second) = (At::root(), At::root().key("spec"));
        report.warning(&first, "w");
        report.error(&second, "w");
        report.warning(&first, "w");
        report.warning(&second, "w");
        report.error(&second, "w");
        let found: Vec<(Severity, String)> = context
            .into_findings()
            .into_iter()
            .map(|f| (f.severity, f.path.to_string()))
            .collect();
        assert_eq!(
            found,
            [
                (Severity::Warning, ".".to_string()),
                (Severity::Error, "spec".to_string()),
                (Severity::Warning, "spec".to_string())
            ]
        );
    }
}
