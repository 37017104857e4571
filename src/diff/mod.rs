//! The semantic diff for review: two renders compared resource by resource (kind, namespace,
//! name) and, for a changed resource, field by field, with lists matched by their names so that
//! a reorder reads as a reorder and not as a rewrite.
//!
//! Both sides are rendered YAML (a folder read back, or a profile compiled), so a profile can
//! be compared with a folder and comments or layout never count as changes.

mod behaviour;
mod compare;
mod error;
mod json;
mod markdown;
mod path;
mod quantity;
mod text;
mod value;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::limits::MAX_YAML_BYTES;
use crate::{folder, render, yaml};

pub use behaviour::{Access, Answered, Behaviour, Kind, Side};
pub(crate) use error::Error;
pub use json::json;
pub use markdown::markdown;
pub(crate) use path::FieldPath;
pub use text::text;

/// One object of a render.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The file it came from.
    pub file: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace` (empty for a cluster-scoped object).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// The whole object.
    body: Body,
}

/// A resource's object as it is kept until both sides are read: as a tree (`Value`), the
/// objects of a render of 1,000 synthetic services took 83 MB a side, compact JSON a tenth of
/// it, and objects whose text is equal need no tree to compare.
#[derive(Debug, Clone, PartialEq)]
enum Body {
    /// Compact JSON, which reads back as the object.
    Json(Box<str>),
    /// A tree whose JSON would not read back as it: serde_json parses a float to the nearest
    /// value only with its `float_roundtrip` feature, and refuses lists and maps nested 128
    /// deep, which meshc's YAML reader accepts.
    Tree(Value),
}

/// From this depth of nesting an object's JSON is read back before it is kept: well below
/// serde_json's limit, and above any Istio resource's.
const CHECKED_DEPTH: usize = 64;

impl Body {
    fn new(value: Value) -> Self {
        let json = value.to_string();
        if may_not_read_back(&value, 0)
            && serde_json::from_str::<Value>(&json).ok().as_ref() != Some(&value)
        {
            return Self::Tree(value);
        }
        Self::Json(json.into_boxed_str())
    }
}

/// Whether `value`, at `depth`, holds a float or nests [`CHECKED_DEPTH`] deep.
fn may_not_read_back(value: &Value, depth: usize) -> bool {
    let deeper = |item: &Value| may_not_read_back(item, depth + 1);
    match value {
        Value::Number(number) => number.is_f64(),
        Value::Array(_) | Value::Object(_) if depth >= CHECKED_DEPTH => true,
        Value::Array(items) => items.iter().any(deeper),
        Value::Object(map) => map.values().any(deeper),
        Value::Null | Value::Bool(_) | Value::String(_) => false,
    }
}

impl Resource {
    /// `Kind namespace/name`, as every format names it.
    pub fn label(&self) -> String {
        label(&self.kind, &self.namespace, &self.name)
    }

    /// The whole object.
    pub fn value(&self) -> Value {
        match &self.body {
            Body::Json(json) => serde_json::from_str(json).unwrap_or_else(|_| {
                unreachable!("a resource's JSON is a value written by serde_json")
            }),
            Body::Tree(value) => value.clone(),
        }
    }

    /// Whether the two objects are certainly equal without a tree of either: the same JSON.
    fn same_text(&self, other: &Self) -> bool {
        matches!((&self.body, &other.body), (Body::Json(a), Body::Json(b)) if a == b)
    }

    /// What identifies it: its cluster (the folder of a render with `[clusters]`, else empty),
    /// kind, namespace, name.
    fn key(&self) -> (&str, &str, &str, &str) {
        (cluster(&self.file), &self.kind, &self.namespace, &self.name)
    }
}

/// The cluster folder of a file named `<cluster>/<file>`; empty for a file of one folder.
fn cluster(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(cluster, _)| cluster)
}

fn label(kind: &str, namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        format!("{kind} {name}")
    } else {
        format!("{kind} {namespace}/{name}")
    }
}

/// Reads the objects of one YAML file; empty documents are skipped. A file that is not YAML is
/// that error, before any document that is not an object.
pub fn parse(file: &str, content: &str) -> Result<Vec<Resource>, Error> {
    let mut resources = Vec::new();
    let mut not_an_object = None;
    // One document's tree at a time: the file's whole tree was the size of its objects again.
    let error = yaml::read_each(content, |document| {
        if not_an_object.is_some() {
            return;
        }
        match resource(file, document.index, &document.root) {
            Ok(Some(resource)) => resources.push(resource),
            Ok(None) => {}
            Err(error) => not_an_object = Some(error),
        }
    });
    if let Some(source) = error {
        return Err(Error::Yaml {
            file: file.to_string(),
            source,
        });
    }
    match not_an_object {
        Some(error) => Err(error),
        None => Ok(resources),
    }
}

/// The object of one document; `None` for an empty document.
fn resource(file: &str, index: usize, root: &yaml::Node) -> Result<Option<Resource>, Error> {
    let value = yaml::to_json(root);
    if value.is_null() {
        return Ok(None);
    }
    let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str);
    let (Some(kind), Some(name)) = (text("/kind"), text("/metadata/name")) else {
        return Err(Error::NotAnObject {
            file: file.to_string(),
            document: index,
        });
    };
    let (kind, name) = (kind.to_string(), name.to_string());
    let namespace = text("/metadata/namespace").unwrap_or_default().to_string();
    Ok(Some(Resource {
        file: file.to_string(),
        kind,
        namespace,
        name,
        body: Body::new(value),
    }))
}

/// Every object in the YAML files of a rendered folder (and of its clusters' folders, named
/// `<cluster>/<file>`). `kustomization.yaml` only lists the other files, and files of another
/// kind (a README) hold no resources.
pub(crate) fn read_folder(dir: &Path) -> Result<Vec<Resource>, Error> {
    let entries = folder::read(dir)
        .map_err(|source| Error::Read {
            path: dir.to_path_buf(),
            source,
        })?
        .unwrap_or_default();
    let in_folder = |error| Error::InFolder {
        dir: dir.to_path_buf(),
        source: Box::new(error),
    };
    let mut resources = Vec::new();
    for entry in entries {
        let yaml = Path::new(&entry.name)
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml");
        let base = entry.name.rsplit('/').next().unwrap_or_default();
        if !yaml || base == render::KUSTOMIZATION_FILE {
            continue;
        }
        let bytes = match entry.content {
            folder::Content::File(bytes) => bytes,
            folder::Content::Other => continue,
            folder::Content::TooLarge => {
                return Err(Error::Read {
                    path: dir.join(&entry.name),
                    source: std::io::Error::new(
                        std::io::ErrorKind::FileTooLarge,
                        format!("larger than {} MiB", MAX_YAML_BYTES >> 20),
                    ),
                });
            }
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            in_folder(Error::NotUtf8 {
                file: entry.name.clone(),
                source: e.utf8_error(),
            })
        })?;
        resources.extend(parse(&entry.name, &text).map_err(in_folder)?);
    }
    Ok(resources)
}

/// The differences between two renders, each named as the user gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// What the old side is (a path).
    pub old: String,
    /// What the new side is (a path).
    pub new: String,
    /// The resources that differ, ordered by file, kind, namespace and name.
    pub resources: Vec<ResourceDiff>,
    /// The requests whose outcome changes, when both sides are profiles ([`Answered::compare`]).
    pub behaviour: Option<Behaviour>,
}

impl Report {
    /// Whether the two sides differ at all: a resource, or what a request gets.
    pub fn differs(&self) -> bool {
        !self.resources.is_empty()
            || self
                .behaviour
                .as_ref()
                .is_some_and(|b| !b.changes.is_empty())
    }
}

/// A resource that was added, removed or changed.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDiff {
    /// The file it is in (the new one, or the old one when it was removed).
    pub file: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// What happened to it.
    pub change: Change,
}

impl ResourceDiff {
    /// `Kind namespace/name`; in a render with `[clusters]`, `<cluster>: Kind namespace/name`.
    pub fn label(&self) -> String {
        let label = label(&self.kind, &self.namespace, &self.name);
        match cluster(&self.file) {
            "" => label,
            cluster => format!("{cluster}: {label}"),
        }
    }
}

/// What happened to a resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Only the new side has it.
    Added(Value),
    /// Only the old side has it.
    Removed(Value),
    /// Both have it; these fields differ (never empty).
    Changed(Vec<FieldChange>),
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// Where, from the object's root (`spec.` left out).
    pub path: FieldPath,
    /// How.
    pub change: Field,
}

/// How a field differs.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// A value replaced by another.
    Changed {
        /// Before.
        old: Value,
        /// After.
        new: Value,
    },
    /// A key or list entry only the new side has.
    Added(Value),
    /// A key or list entry only the old side has.
    Removed(Value),
    /// A list whose named entries come in another order (order matters: routes are tried in it).
    Reordered {
        /// Names before.
        old: Vec<String>,
        /// Names after.
        new: Vec<String>,
    },
}

/// Compares two renders. Two objects with the same kind, namespace and name on one side are an
/// error: the comparison would be ambiguous.
pub fn compare<'a>(
    old_label: &str,
    old: &'a [Resource],
    new_label: &str,
    new: &'a [Resource],
) -> Result<Report, Error> {
    let index = |label: &str, side: &'a [Resource]| {
        let mut by_key = BTreeMap::new();
        for resource in side {
            if by_key.insert(resource.key(), resource).is_some() {
                return Err(Error::Twice {
                    side: label.to_string(),
                    resource: resource.label(),
                });
            }
        }
        Ok(by_key)
    };
    let before = index(old_label, old)?;
    let after = index(new_label, new)?;
    let mut resources = Vec::new();
    for (key, old) in &before {
        match after.get(key) {
            None => resources.push(diff_of(old, Change::Removed(old.value()))),
            Some(new) if old.same_text(new) => {}
            Some(new) => {
                let fields = compare::values(&old.value(), &new.value());
                if !fields.is_empty() {
                    resources.push(diff_of(new, Change::Changed(fields)));
                }
            }
        }
    }
    for (key, new) in &after {
        if !before.contains_key(key) {
            resources.push(diff_of(new, Change::Added(new.value())));
        }
    }
    resources.sort_by(|a, b| order(a).cmp(&order(b)));
    Ok(Report {
        old: old_label.to_string(),
        new: new_label.to_string(),
        resources,
        behaviour: None,
    })
}

fn diff_of(resource: &Resource, change: Change) -> ResourceDiff {
    ResourceDiff {
        file: resource.file.clone(),
        kind: resource.kind.clone(),
        namespace: resource.namespace.clone(),
        name: resource.name.clone(),
        change,
    }
}

/// The order of the report: by cluster, then meshc's files in output order, then by name.
fn order(diff: &ResourceDiff) -> (&str, usize, &str, &str, &str, &str) {
    let base = diff.file.rsplit('/').next().unwrap_or_default();
    (
        cluster(&diff.file),
        file_rank(base),
        &diff.file,
        &diff.kind,
        &diff.namespace,
        &diff.name,
    )
}

/// meshc's files in output order, then any other file by name.
fn file_rank(file: &str) -> usize {
    render::file_names()
        .position(|name| name == file)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "---\nkind: VirtualService\nmetadata:\n  name: a\n  namespace: ns\nspec:\n  http:\n  - name: default\n    route:\n    - destination:\n        subset: stable\n      weight: 80\n    - destination:\n        subset: canary\n      weight: 20\n";

    #[test]
    fn a_weight_reads_in_one_line() {
        let old = parse("virtual-services.yaml", OLD).unwrap();
        let new = parse(
            "virtual-services.yaml",
            &OLD.replace("weight: 20", "weight: 30"),
        )
        .unwrap();
        let report = compare("old", &old, "new", &new).unwrap();
        assert_eq!(
            text(&report, false),
            "VirtualService ns/a http[default].route[canary].weight: 20 → 30\n"
        );
    }

    #[test]
    fn resources_are_added_and_removed_in_file_order() {
        let old = parse("gateway.yaml", "kind: Gateway\nmetadata:\n  name: g\n").unwrap();
        let new = parse("virtual-services.yaml", OLD).unwrap();
        let report = compare("old", &old, "new", &new).unwrap();
        assert_eq!(
            text(&report, false),
            "VirtualService ns/a added\nGateway g removed\n"
        );
    }

    /// An object is kept as JSON and reads back as it was read, floats included; the same JSON
    /// on both sides is the same object.
    #[test]
    fn an_object_reads_back_as_it_was_read() {
        let text = "kind: Telemetry\nmetadata:\n  name: t\nspec:\n  percent: 25.0\n  \
                    third: 0.30000000000000004\n  tiny: 5e-324\n  list: [1, -2, x]\n";
        let resources = parse("t.yaml", text).unwrap();
        let read = yaml::to_json(&yaml::read(text).documents[0].root);
        assert_eq!(resources[0].value(), read);
        assert!(resources[0].same_text(&parse("u.yaml", text).unwrap()[0]));
        let other = parse("t.yaml", &text.replace("25.0", "26.0")).unwrap();
        assert!(!resources[0].same_text(&other[0]));
    }

    /// An object nested as deep as meshc's YAML reader allows, deeper than serde_json reads
    /// back, is kept as a tree: it compares as any other.
    #[test]
    fn an_object_nested_deeper_than_json_reads_back_is_compared() {
        let nested = |depth: usize, leaf: &str| {
            format!(
                "kind: Foo\nmetadata:\n  name: foo\nspec:\n  v: {}{leaf}{}\n",
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        for depth in [CHECKED_DEPTH - 3, 126] {
            let old = parse("x.yaml", &nested(depth, "1")).unwrap();
            let new = parse("x.yaml", &nested(depth, "2")).unwrap();
            assert_eq!(
                old[0].value(),
                yaml::to_json(&yaml::read(&nested(depth, "1")).documents[0].root)
            );
            assert_eq!(matches!(old[0].body, Body::Tree(_)), depth == 126);
            let report = compare("old", &old, "new", &new).unwrap();
            assert_eq!(report.resources.len(), 1, "depth {depth}");
        }
    }

    /// A file that is not YAML is that error, even after a document that is not an object.
    #[test]
    fn a_syntax_error_is_reported_before_a_document_without_a_name() {
        assert!(matches!(
            parse("x.yaml", "kind: X\n---\na: [\n"),
            Err(Error::Yaml { .. })
        ));
    }

    #[test]
    fn an_object_twice_is_refused() {
        let twice = parse("x.yaml", &format!("{OLD}{OLD}")).unwrap();
        let error = compare("old", &twice, "new", &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "old holds VirtualService ns/a twice; meshc diff needs each object once"
        );
    }

    #[test]
    fn a_document_without_a_name_is_refused() {
        assert!(matches!(
            parse("x.yaml", "kind: X\nmetadata: {name: a}\n---\nkind: X\n"),
            Err(Error::NotAnObject { document: 1, .. })
        ));
        assert!(
            parse("x.yaml", "# only a comment\n---\n")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_folder_names_the_file_that_cannot_be_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), OLD).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not YAML: [").unwrap();
        assert_eq!(read_folder(dir.path()).unwrap().len(), 1);
        std::fs::write(dir.path().join("b.yaml"), "a: [\n").unwrap();
        let error = read_folder(dir.path()).unwrap_err();
        assert!(
            error.to_string().starts_with(&format!(
                "{}/b.yaml:2:1: not valid YAML: ",
                dir.path().display()
            )),
            "{error}"
        );
        let inner = std::error::Error::source(&error).and_then(|e| e.downcast_ref::<Error>());
        assert!(matches!(inner, Some(Error::Yaml { file, .. }) if file == "b.yaml"));
        std::fs::write(dir.path().join("b.yaml"), b"a: caf\xe9\n").unwrap();
        assert_eq!(
            read_folder(dir.path()).unwrap_err().to_string(),
            format!("{}/b.yaml is not UTF-8 text", dir.path().display())
        );
    }
}
