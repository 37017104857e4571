//! Validation against user-supplied CustomResourceDefinitions (for example the output of
//! `kubectl get crd -o yaml` on the cluster): the version must be served, `metadata` must
//! follow Kubernetes' rules, and the object must fit the version's `openAPIV3Schema`,
//! CEL rules included. [`Crds::load`] reads them from files and folders.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fmt;
use std::path::PathBuf;

use super::document::{self, Document};
use super::files::{self, ReadError};
use super::metadata;
use super::schema::walk::{self, IssueSource};
use super::schema::{Schema, cost};
use crate::diagnostic::{Code, Diagnostic, Path, Severity, YamlSpan};
use crate::source::Source;
use crate::yaml::{Node, SyntaxError, Value};

/// A served (or unserved) version of a kind.
#[derive(Debug)]
struct Version {
    served: bool,
    deprecation: Option<String>,
    schema: Option<Schema>,
}

#[derive(Debug)]
struct Crd {
    versions: BTreeMap<String, Version>,
}

/// The CRDs a check runs against, by group and kind.
#[derive(Debug, Default)]
pub struct Crds {
    kinds: BTreeMap<(String, String), Crd>,
    /// What the API server would refuse in the CRDs themselves: CEL rules over its static cost
    /// limits ([`cost`]). Every check against these CRDs reports them.
    findings: Vec<Diagnostic>,
    /// The text of each CRD file a finding names, for showing its lines.
    sources: Vec<Source>,
}

/// Why CRDs could not be loaded.
#[derive(Debug)]
pub enum CrdError {
    /// A file or folder could not be read.
    Read(ReadError),
    /// A file is not valid YAML.
    Syntax {
        /// The file.
        file: String,
        /// Where and why reading stopped.
        source: SyntaxError,
    },
    /// A CustomResourceDefinition that cannot be used.
    Invalid {
        /// Its file.
        file: String,
        /// Its line.
        line: u32,
        /// What is wrong with it.
        problem: InvalidCrd,
    },
    /// A file or folder given for CRDs that holds none.
    NoneFound {
        /// The path as given.
        path: PathBuf,
    },
}

impl fmt::Display for CrdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(error) => error.fmt(f),
            Self::Syntax { file, .. } => write!(f, "cannot read CRDs: {file} is not valid YAML"),
            Self::Invalid {
                file,
                line,
                problem,
            } => write!(f, "{file}:{line}: CustomResourceDefinition: {problem}"),
            Self::NoneFound { path } => {
                write!(f, "{} holds no CustomResourceDefinition", path.display())
            }
        }
    }
}

impl Error for CrdError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Read(error) => Some(error),
            Self::Invalid { problem, .. } => Some(problem),
            Self::Syntax { source, .. } => Some(source),
            Self::NoneFound { .. } => None,
        }
    }
}

impl From<ReadError> for CrdError {
    fn from(error: ReadError) -> Self {
        Self::Read(error)
    }
}

/// What makes a CustomResourceDefinition unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidCrd {
    /// `spec.group` is missing.
    NoGroup,
    /// `spec.names.kind` is missing.
    NoKind,
    /// An entry of `spec.versions` has no name.
    UnnamedVersion,
    /// A version's `openAPIV3Schema` cannot be read.
    Schema {
        /// The version.
        version: String,
        /// What is wrong with its schema.
        message: String,
    },
}

impl fmt::Display for InvalidCrd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoGroup => f.write_str("spec.group is missing"),
            Self::NoKind => f.write_str("spec.names.kind is missing"),
            Self::UnnamedVersion => f.write_str("a version without a name"),
            Self::Schema { version, message } => write!(f, "{version}: {message}"),
        }
    }
}

impl Error for InvalidCrd {}

impl Crds {
    /// The CRDs in `paths` (files, or folders searched for YAML files); each path must hold at
    /// least one.
    pub fn load(paths: &[PathBuf]) -> Result<Self, CrdError> {
        let mut crds = Self::default();
        for path in paths {
            let mut found = 0;
            // Entries a folder walk passes over hold no CRD to load.
            for file in files::yaml_files(std::slice::from_ref(path))?.files {
                let text = files::read(&file)?;
                let name = file.to_string_lossy();
                let (documents, error) =
                    document::read(&name, &text, &document::DEFAULT_NAMESPACE.into());
                if let Some(source) = error {
                    let file = name.into_owned();
                    return Err(CrdError::Syntax { file, source });
                }
                let findings = crds.findings.len();
                found += crds.add(&documents)?;
                if crds.findings.len() > findings {
                    crds.sources.push(Source::new(&*name, &text));
                }
            }
            if found == 0 {
                return Err(CrdError::NoneFound { path: path.clone() });
            }
        }
        Ok(crds)
    }

    /// Adds every CustomResourceDefinition among `documents` (a `List` is expanded).
    pub fn add(&mut self, documents: &[Document]) -> Result<usize, CrdError> {
        let mut added = 0;
        for document in documents {
            let items: Vec<&Node> = if document.kind() == Some("List") {
                document
                    .root
                    .get("items")
                    .map(|i| i.items().iter().collect())
                    .unwrap_or_default()
            } else {
                vec![&document.root]
            };
            let listed = document.kind() == Some("List");
            for (i, item) in items.into_iter().enumerate() {
                if item.get("kind").and_then(Node::as_str) != Some("CustomResourceDefinition") {
                    continue;
                }
                let refused = self.add_one(item).map_err(|problem| CrdError::Invalid {
                    file: document.file.to_string(),
                    line: item.line,
                    problem,
                })?;
                let at = if listed {
                    Path::root().key("items").index(i)
                } else {
                    Path::root()
                };
                self.findings.extend(
                    refused
                        .into_iter()
                        .map(|(version, refusal)| finding(document, item, &at, version, refusal)),
                );
                added += 1;
            }
        }
        Ok(added)
    }

    /// Adds one CustomResourceDefinition; what the API server would refuse in its rules comes
    /// back with the index of its version.
    fn add_one(&mut self, crd: &Node) -> Result<Vec<(usize, cost::Refusal)>, InvalidCrd> {
        let text = |keys: &[&str]| crd.at(keys).and_then(Node::as_str);
        let group = text(&["spec", "group"]).ok_or(InvalidCrd::NoGroup)?;
        let kind = text(&["spec", "names", "kind"]).ok_or(InvalidCrd::NoKind)?;
        let mut versions = BTreeMap::new();
        let mut refused = Vec::new();
        for (index, version) in crd
            .at(&["spec", "versions"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let name = version
                .get("name")
                .and_then(Node::as_str)
                .ok_or(InvalidCrd::UnnamedVersion)?;
            let schema = match version.at(&["schema", "openAPIV3Schema"]) {
                Some(node) => {
                    Some(
                        Schema::from_openapi(node).map_err(|message| InvalidCrd::Schema {
                            version: name.to_string(),
                            message,
                        })?,
                    )
                }
                None => None,
            };
            if let Some(schema) = &schema {
                refused.extend(cost::refusals(schema).into_iter().map(|r| (index, r)));
            }
            versions.insert(
                name.to_string(),
                Version {
                    served: version
                        .get("served")
                        .is_some_and(|s| s.value == Value::Bool(true)),
                    deprecation: version
                        .get("deprecated")
                        .is_some_and(|d| d.value == Value::Bool(true))
                        .then(|| {
                            version
                                .get("deprecationWarning")
                                .and_then(Node::as_str)
                                .map_or_else(
                                    || format!("{group}/{name} {kind} is deprecated"),
                                    str::to_string,
                                )
                        }),
                    schema,
                },
            );
        }
        self.kinds
            .insert((group.to_string(), kind.to_string()), Crd { versions });
        Ok(refused)
    }

    /// What the API server would refuse in these CRDs themselves (their CEL rules' estimated
    /// costs), as findings on the CRD files.
    pub fn findings(&self) -> &[Diagnostic] {
        &self.findings
    }

    /// The text of each CRD file that [`Crds::findings`] names.
    pub(crate) fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Whether no CRD was added.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// Checks one object; `None` when no CRD covers it and it is not an Istio kind (skipped).
    pub(super) fn check(&self, document: &Document) -> Option<SchemaCheck> {
        let (group, version) = document.api()?;
        let kind = document.kind().unwrap_or_default();
        let Some(crd) = self.kinds.get(&(group.to_string(), kind.to_string())) else {
            // The IstioOperator is istioctl's input; clusters serve no CRD for it since 1.24.
            let operator = group == "install.istio.io" && kind == "IstioOperator";
            return (istio_group(group) && !operator)
                .then(|| self.unknown_kind(document, group, kind).into());
        };
        let Some(found) = crd.versions.get(version).filter(|v| v.served) else {
            let served: Vec<&str> = crd
                .versions
                .iter()
                .filter(|(_, v)| v.served)
                .map(|(n, _)| n.as_str())
                .collect();
            let message = format!(
                "version {version} of {group}/{kind} is not served (served: {})",
                served.join(", ")
            );
            let api_version = Some(Path::of(&["apiVersion"]));
            return Some(
                document
                    .diagnostic(Code::VersionNotServed, api_version, message)
                    .into(),
            );
        };
        // kubectl applies an object without `metadata.namespace` to its default namespace.
        let mut check = schema_check(document, false, found.schema.as_ref());
        if let Some(warning) = &found.deprecation {
            let api_version = Some(Path::of(&["apiVersion"]));
            let deprecated = document
                .diagnostic(Code::VersionNotServed, api_version, warning.clone())
                .with_severity(Severity::Warning);
            check.diagnostics.insert(0, deprecated);
        }
        Some(check)
    }

    fn unknown_kind(&self, document: &Document, group: &str, kind: &str) -> Diagnostic {
        let kinds: Vec<&str> = self
            .kinds
            .keys()
            .filter(|(g, _)| g == group)
            .map(|(_, k)| k.as_str())
            .collect();
        if kinds.is_empty() {
            let groups: BTreeSet<&str> = self.kinds.keys().map(|(g, _)| g.as_str()).collect();
            let groups: Vec<&str> = groups.into_iter().collect();
            return document.diagnostic(
                Code::UnknownKind,
                Some(Path::of(&["apiVersion"])),
                format!(
                    "API group {group} is in none of the CRDs given (groups: {})",
                    groups.join(", ")
                ),
            );
        }
        document.diagnostic(
            Code::UnknownKind,
            Some(Path::of(&["kind"])),
            format!("no kind {kind} in {group} (kinds: {})", kinds.join(", ")),
        )
    }
}

/// A refusal of the API server in the schema of version `version` of `crd` (at `at` in its
/// document), as a `cel-cost` finding on the CRD's file.
fn finding(
    document: &Document,
    crd: &Node,
    at: &Path,
    version: usize,
    refusal: cost::Refusal,
) -> Diagnostic {
    let mut path = at
        .key("spec")
        .key("versions")
        .index(version)
        .key("schema")
        .key("openAPIV3Schema");
    path.0.extend(refusal.path.0);
    let line = if refusal.line == 0 {
        crd.deepest(&path).line
    } else {
        refusal.line
    };
    let name = crd
        .at(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("(unnamed)");
    let at = YamlSpan {
        file: document.file.clone(),
        document: document.index,
        line,
        resource: Some(format!("CustomResourceDefinition {name}")),
        path: Some(path),
    };
    Diagnostic::new(Code::CelCost, at, refusal.message)
        .help("the API server refuses this CRD until the rule's worst case fits the limit")
}

/// Istio's API groups: `istio.io` and its subgroups.
pub(crate) fn istio_group(group: &str) -> bool {
    group == "istio.io" || group.ends_with(".istio.io")
}

/// What the schema check of one object found.
#[derive(Debug, Default)]
pub(super) struct SchemaCheck {
    /// The diagnostics, in document order.
    pub(super) diagnostics: Vec<Diagnostic>,
    /// A value under `spec` has a type or an enum value that Istio's protobuf decoder refuses,
    /// so the admission webhook never sees the object.
    pub(super) spec_undecodable: bool,
}

impl From<Diagnostic> for SchemaCheck {
    fn from(diagnostic: Diagnostic) -> Self {
        Self {
            diagnostics: vec![diagnostic],
            spec_undecodable: false,
        }
    }
}

/// `metadata` (with `metadata.namespace` required when `namespace_required`) and the schema of
/// everything else but `apiVersion` and `kind`.
pub(super) fn schema_check(
    document: &Document,
    namespace_required: bool,
    schema: Option<&Schema>,
) -> SchemaCheck {
    let mut issues = metadata::issues(document.root.get("metadata"), namespace_required)
        .into_iter()
        .map(|i| (Code::Metadata, i))
        .collect::<Vec<_>>();
    let mut status = None;
    if let Some(schema) = schema {
        if document.root.get("status").is_some() {
            let message = "status in a manifest is ignored by the API server (status subresource)";
            let diagnostic = document
                .diagnostic(Code::Schema, Some(Path::of(&["status"])), message)
                .with_severity(Severity::Warning);
            status = Some(diagnostic);
        }
        let described = ["apiVersion", "kind", "metadata"];
        for issue in walk::validate_without(schema, &document.root, &described, &Path::root()) {
            let code = match issue.source {
                IssueSource::Schema => Code::Schema,
                IssueSource::Rule => Code::CelRule,
                IssueSource::Unsupported => Code::CelUnsupported,
            };
            issues.push((code, issue));
        }
    }
    let spec = Path::of(&["spec"]);
    let spec_undecodable = issues
        .iter()
        .any(|(_, issue)| issue.undecodable && issue.path.0.starts_with(&spec.0));
    let mut diagnostics: Vec<Diagnostic> = issues
        .into_iter()
        .map(|(code, issue)| document.issue(code, issue))
        .collect();
    diagnostics.extend(status);
    SchemaCheck {
        diagnostics,
        spec_undecodable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n\
                       spec:\n  group: example.com\n  names: {kind: Widget}\n  versions:\n  \
                       - {name: v1, served: true}\n";

    #[test]
    fn crds_load_from_files_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("crd.yaml"), CRD).unwrap();
        let crds = Crds::load(&[dir.path().to_path_buf()]).unwrap();
        assert!(!crds.is_empty());
    }

    #[test]
    fn load_errors_name_the_file_and_keep_their_cause() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let no_group = write("no-group.yaml", &CRD.replace("group: example.com", "x: 1"));
        let error = Crds::load(std::slice::from_ref(&no_group)).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "{}:1: CustomResourceDefinition: spec.group is missing",
                no_group.display()
            )
        );
        assert!(matches!(error.source(), Some(cause) if cause.is::<InvalidCrd>()));

        let other = write("other.yaml", "kind: ConfigMap\n");
        let error = Crds::load(std::slice::from_ref(&other)).unwrap_err();
        assert!(matches!(&error, CrdError::NoneFound { path } if *path == other));

        let broken = write("broken.yaml", "a: [\n");
        let error = Crds::load(&[broken]).unwrap_err();
        assert!(matches!(error, CrdError::Syntax { .. }));
        assert!(matches!(error.source(), Some(cause) if cause.is::<SyntaxError>()));
        assert!(error.to_string().starts_with("cannot read CRDs: "));

        let missing = dir.path().join("missing.yaml");
        let error = Crds::load(&[missing]).unwrap_err();
        let read = error.source().and_then(|s| s.downcast_ref::<ReadError>());
        assert!(matches!(read, Some(ReadError::Io { .. })));
    }
}
