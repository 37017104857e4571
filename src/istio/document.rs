//! Documents read from files: where each one is, what it is (`apiVersion`, `kind`, name), and
//! how a finding in one becomes a [`Diagnostic`] at its file, line, object and field: the one
//! place the checker places its diagnostics.

use std::sync::Arc;

use super::rules::record::Record;
use super::schema::walk::Issue;
use crate::diagnostic::{Code, Diagnostic, Path, Severity, YamlSpan};
use crate::yaml;
use crate::yaml::{Node, SyntaxError, Value};

/// One document of a file; its tree borrows from the file's text (`'a`) until it is kept
/// ([`Document::into_owned`]).
#[derive(Debug, Clone)]
pub struct Document<'a> {
    /// The file, as given.
    pub file: Arc<str>,
    /// 0-based index in the file (empty documents count).
    pub index: usize,
    /// Line where its content starts.
    pub line: u32,
    /// The content.
    pub root: Node<'a>,
    /// The namespace the object is applied to when it names none: kubectl's `--namespace`
    /// ([`Options::namespace`](super::Options::namespace)).
    pub default_namespace: Arc<str>,
    /// What the rules across resources read of a kind whose `spec` is not kept once the
    /// document has been checked on its own ([`rules::keep`](super::rules::keep)).
    pub(crate) record: Option<Box<Record>>,
}

/// The namespace kubectl applies an object without `metadata.namespace` to, unless told
/// otherwise.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Kinds that live in no namespace (and files that are no cluster object at all, such as a
/// Kustomization), so that the default namespace does not apply to them. Any other kind is
/// taken to be namespaced, as every Istio kind is.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("networking.k8s.io", "IngressClass"),
    ("gateway.networking.k8s.io", "GatewayClass"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("kustomize.config.k8s.io", "Kustomization"),
    ("kustomize.config.k8s.io", "Component"),
];

/// A file's documents, and the syntax error that stopped reading it, if any; objects that name
/// no namespace are in `namespace`.
pub fn read<'a>(
    file: &str,
    text: &'a str,
    namespace: &Arc<str>,
) -> (Vec<Document<'a>>, Option<SyntaxError>) {
    let mut documents = Vec::new();
    let error = read_each(file, text, namespace, |document| documents.push(document));
    (documents, error)
}

/// [`read`] one document at a time: each is handed to `each` as soon as it is read, and the
/// syntax error that stopped reading is returned.
pub(crate) fn read_each<'a>(
    file: &str,
    text: &'a str,
    namespace: &Arc<str>,
    mut each: impl FnMut(Document<'a>),
) -> Option<SyntaxError> {
    let name: Arc<str> = file.into();
    yaml::read_each(text, |d| {
        each(Document {
            file: name.clone(),
            index: d.index,
            line: d.line,
            root: d.root,
            default_namespace: namespace.clone(),
            record: None,
        });
    })
}

/// [`read_each`] of a piece of a file that starts at line `first_line` of it with its document
/// `first_document` ([`yaml::read_piece`]); also gives what the piece used of the file's budgets.
pub(crate) fn read_piece<'a>(
    file: &Arc<str>,
    piece: (&'a str, u32, usize),
    namespace: &Arc<str>,
    mut each: impl FnMut(Document<'a>),
) -> (Option<SyntaxError>, yaml::PieceUse) {
    let (text, first_line, first_document) = piece;
    yaml::read_piece(text, first_line, first_document, |d| {
        each(Document {
            file: file.clone(),
            index: d.index,
            line: d.line,
            root: d.root,
            default_namespace: namespace.clone(),
            record: None,
        });
    })
}

/// The diagnostic of a file that is not valid YAML, at the line where reading stopped.
pub(crate) fn syntax_diagnostic(file: &str, error: &SyntaxError) -> Diagnostic {
    let at = YamlSpan {
        file: file.into(),
        document: error.document,
        line: error.line,
        resource: None,
        path: None,
    };
    let message = format!(
        "YAML syntax error at column {}: {}",
        error.column, error.message
    );
    Diagnostic::new(Code::YamlSyntax, at, message)
}

impl<'a> Document<'a> {
    /// The same document, owning its tree's keys and strings, for what outlives its text.
    pub fn into_owned(self) -> Document<'static> {
        self.map_root(Node::into_owned)
    }

    /// The same document with its tree made anew by `make`, which may change the lifetime of
    /// what the tree borrows (a struct update cannot).
    pub(crate) fn map_root<'b>(self, make: impl FnOnce(Node<'a>) -> Node<'b>) -> Document<'b> {
        let Document {
            file,
            index,
            line,
            root,
            default_namespace,
            record,
        } = self;
        Document {
            file,
            index,
            line,
            root: make(root),
            default_namespace,
            record,
        }
    }

    /// Whether the document is empty (`---` with nothing after it).
    pub fn is_empty(&self) -> bool {
        self.root.value == Value::Null
    }

    /// A top-level string field.
    fn text(&self, key: &str) -> Option<&str> {
        self.root.get(key).and_then(Node::as_str)
    }

    /// `kind`.
    pub fn kind(&self) -> Option<&str> {
        self.text("kind")
    }

    /// `apiVersion` split into group and version (the core group is `""`).
    pub fn api(&self) -> Option<(&str, &str)> {
        let api = self.text("apiVersion")?;
        Some(api.rsplit_once('/').unwrap_or(("", api)))
    }

    /// `metadata.name`.
    pub fn name(&self) -> Option<&str> {
        self.root.at(&["metadata", "name"]).and_then(Node::as_str)
    }

    /// The namespace the object is in: `metadata.namespace`, or the default namespace for an
    /// object of a namespaced kind that names none, as `kubectl apply` places it.
    pub fn namespace(&self) -> Option<&str> {
        match self.root.at(&["metadata", "namespace"]) {
            Some(namespace) => namespace.as_str(),
            None => self
                .takes_default_namespace()
                .then_some(&*self.default_namespace),
        }
    }

    /// Whether this is an object of a namespaced kind without `metadata.namespace`, which
    /// kubectl applies to the default namespace.
    pub fn takes_default_namespace(&self) -> bool {
        let Some((group, _)) = self.api() else {
            return false;
        };
        let Some(kind) = self.kind() else {
            return false;
        };
        matches!(self.root.value, Value::Map(_))
            && self.root.at(&["metadata", "namespace"]).is_none()
            && !CLUSTER_SCOPED.contains(&(group, kind))
    }

    /// Whether this is an object of a kind that lives in no namespace, such as a Namespace.
    pub fn is_cluster_scoped(&self) -> bool {
        self.api()
            .zip(self.kind())
            .is_some_and(|((group, _), kind)| CLUSTER_SCOPED.contains(&(group, kind)))
    }

    /// `spec`, if it is an object.
    pub fn spec(&self) -> Option<&Node<'a>> {
        self.root
            .get("spec")
            .filter(|s| matches!(s.value, Value::Map(_)))
    }

    /// Whether this is an object of `group` and `kind`.
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.kind() == Some(kind) && self.api().is_some_and(|(g, _)| g == group)
    }

    /// `Kind namespace/name`, for messages.
    pub fn resource(&self) -> Option<String> {
        if !matches!(self.root.value, Value::Map(_)) {
            return None;
        }
        let kind = self.kind().unwrap_or("<no kind>");
        let name = self.name().unwrap_or("<no name>");
        Some(match self.namespace() {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        })
    }

    /// A diagnostic of `code` about this document at `path` (`None`: the document as a
    /// whole), with the code's default severity. Its line is the field's, or that of the
    /// deepest field on the way to it.
    pub fn diagnostic(
        &self,
        code: Code,
        path: Option<Path>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let line = path
            .as_ref()
            .map_or(self.line, |path| self.root.deepest(path).line);
        self.placed(code, path, line, message.into())
    }

    /// [`Document::diagnostic`] at a field whose line is known: one of a [`Record`], whose
    /// tree is no longer kept.
    pub(crate) fn diagnostic_at(&self, code: Code, at: (Path, u32), message: String) -> Diagnostic {
        let (path, line) = at;
        self.placed(code, Some(path), line, message)
    }

    fn placed(&self, code: Code, path: Option<Path>, line: u32, message: String) -> Diagnostic {
        let at = YamlSpan {
            file: self.file.clone(),
            document: self.index,
            line,
            resource: self.resource(),
            path,
        };
        Diagnostic::new(code, at, message)
    }

    /// The diagnostic of a schema, metadata or IstioOperator issue found in this document: an
    /// error or a warning as the issue says, under `code`.
    pub(crate) fn issue(&self, code: Code, issue: Issue) -> Diagnostic {
        let severity = if issue.error {
            Severity::Error
        } else {
            Severity::Warning
        };
        self.diagnostic(code, Some(issue.path), issue.message)
            .with_severity(severity)
    }
}
