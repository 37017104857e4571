//! The checks of one object on its own: its schema (meshc's built-in one or a CRD's, CEL rules
//! included), its apiVersion and kind, and the admission webhook's rules.

use std::collections::HashSet;

use super::Schemas;
use super::crd::{self, SchemaCheck};
use super::document::Document;
use super::metadata;
use super::operator;
use super::schema;
use super::vocab::{IstioVersion, served};
use super::webhook;
use crate::diagnostic::{Code, Diagnostic, Path, Severity, Span};
use crate::yaml::{self, Value};

/// The checks of one document on its own; `webhook` adds the admission webhook's rules.
pub(super) fn check_document(
    document: &Document,
    schemas: Schemas<'_>,
    webhook: bool,
) -> Vec<Diagnostic> {
    if document.is_empty() {
        return Vec::new();
    }
    if !matches!(document.root.value, Value::Map(_)) {
        return vec![document.diagnostic(
            Code::NotAnObject,
            None,
            format!(
                "document is {}, not a Kubernetes object",
                document.root.type_name()
            ),
        )];
    }
    if operator::is_operator(document) {
        return istio_operator(document, schemas);
    }
    let schema = match schemas {
        Schemas::Builtin(target) => builtin(document, target),
        Schemas::Nothing => SchemaCheck::default(),
        Schemas::Crds(crds) => match identity(document) {
            Some(diagnostic) => diagnostic.into(),
            None => crds.check(document).unwrap_or_default(),
        },
    };
    let mut diagnostics = schema.diagnostics;
    // An object whose `spec` Istio's decoder refuses never reaches the webhook.
    if webhook && !schema.spec_undecodable {
        let found = admission(document, &diagnostics);
        diagnostics.extend(found);
    }
    diagnostics
}

/// The admission webhook's rules ([`webhook`]). A finding where the schema already found an
/// error is the same mistake said twice, and is left out.
fn admission(document: &Document, schema: &[Diagnostic]) -> Vec<Diagnostic> {
    let api = document.root.get("apiVersion").and_then(yaml::Node::as_str);
    let covered = api.zip(document.kind());
    if !covered.is_some_and(|(api, kind)| webhook::covers(api, kind)) {
        return Vec::new();
    }
    let reported: HashSet<&Path> = schema
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .filter_map(|d| match &d.primary.span {
            Span::Yaml(at) => at.path.as_ref(),
            Span::Toml(_) | Span::File(_) => None,
        })
        .collect();
    webhook::check_node(&document.root)
        .into_iter()
        .filter(|finding| !reported.contains(&finding.path))
        .map(|finding| {
            document
                .diagnostic(Code::Webhook, Some(finding.path), finding.message)
                .with_severity(finding.severity)
        })
        .collect()
}

/// A missing or malformed `apiVersion` or `kind`.
fn identity(document: &Document) -> Option<Diagnostic> {
    let problem = |key: &str, message: String| {
        Some(document.diagnostic(Code::Schema, Some(Path::of(&[key])), message))
    };
    match document.root.get("apiVersion").map(|a| &a.value) {
        Some(Value::Str(api)) if !api.is_empty() => {
            if !api.contains('/') && crd::istio_group(api) {
                return problem(
                    "apiVersion",
                    format!("{api:?} has no version: write GROUP/VERSION"),
                );
            }
        }
        _ => return problem("apiVersion", "missing apiVersion".to_string()),
    }
    let istio = document
        .api()
        .is_some_and(|(group, _)| crd::istio_group(group));
    match document.root.get("kind").map(|k| &k.value) {
        Some(Value::Str(kind)) if !kind.is_empty() => None,
        _ if istio => problem("kind", "missing kind".to_string()),
        _ => None,
    }
}

/// An IstioOperator: no cluster serves a CRD for it, so it is checked against istioctl's API
/// ([`operator`]) whatever the schemas, and its `metadata` as istioctl takes it, without a
/// name ([`metadata::check_install`]). meshc's own
/// output is held to its built-in schema too, which admits exactly what meshc emits; a finding
/// of it where istioctl's API already found an error is the same mistake said twice, and is
/// left out.
fn istio_operator(document: &Document, schemas: Schemas<'_>) -> Vec<Diagnostic> {
    let found = operator::check(document);
    let mut diagnostics = match schemas {
        Schemas::Builtin(target) => {
            let reported: HashSet<Path> = found
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .filter_map(|d| match &d.primary.span {
                    Span::Yaml(at) => at.path.clone(),
                    Span::Toml(_) | Span::File(_) => None,
                })
                .collect();
            let mut own = builtin(document, target).diagnostics;
            own.retain(|d| match &d.primary.span {
                Span::Yaml(at) => at.path.as_ref().is_none_or(|p| !reported.contains(p)),
                Span::Toml(_) | Span::File(_) => true,
            });
            own
        }
        Schemas::Crds(_) | Schemas::Nothing => {
            metadata::check_install(document.root.get("metadata"))
                .into_iter()
                .map(|issue| document.issue(Code::Metadata, issue))
                .collect()
        }
    };
    diagnostics.extend(found);
    diagnostics
}

/// A document of meshc's output against the built-in schema of its kind.
fn builtin(document: &Document, target: IstioVersion) -> SchemaCheck {
    if let Some(diagnostic) = identity(document) {
        return diagnostic.into();
    }
    let (group, version) = document.api().unwrap_or_default();
    let kind = document.kind().unwrap_or_default();
    let Some(schema) = schema::builtin::kinds().get(&(group.to_string(), kind.to_string())) else {
        return document
            .diagnostic(
                Code::UnknownKind,
                Some(Path::of(&["kind"])),
                format!("meshc has no schema for {group}/{kind}"),
            )
            .into();
    };
    let served = served(group, kind, target);
    if served.first() != Some(&version) {
        let message = format!(
            "Istio {target} serves {group}/{kind} as {}; meshc must emit {group}/{}",
            served.join(", "),
            served.first().copied().unwrap_or("nothing")
        );
        return document
            .diagnostic(
                Code::VersionNotServed,
                Some(Path::of(&["apiVersion"])),
                message,
            )
            .into();
    }
    crd::schema_check(
        document,
        !document.is_cluster_scoped(),
        Some(&schema.schema),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::istio::document;

    /// The codes and paths meshc's own check finds in `yaml`.
    fn own_check(yaml: &str) -> Vec<(Code, String)> {
        let namespace: Arc<str> = "default".into();
        let (documents, error) = document::read("namespaces.yaml", yaml, &namespace);
        assert!(error.is_none(), "{error:?}");
        let target = IstioVersion {
            major: 1,
            minor: 30,
        };
        documents
            .iter()
            .flat_map(|d| check_document(d, Schemas::Builtin(target), true))
            .map(|d| (d.code, d.message))
            .collect()
    }

    #[test]
    fn meshc_s_namespace_passes_its_own_check_without_a_namespace_of_its_own() {
        let yaml = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    \
                    istio-injection: enabled\n    topology.istio.io/network: net-a\n";
        assert_eq!(own_check(yaml), []);
    }

    #[test]
    fn meshc_s_istio_objects_still_name_their_namespace() {
        let yaml = "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: s\nspec:\n  \
                    egress:\n  - hosts: [\"./*\"]\n";
        let found = own_check(yaml);
        assert!(
            found
                .iter()
                .any(|(code, message)| *code == Code::Metadata && message.contains("namespace")),
            "{found:?}"
        );
    }

    #[test]
    fn a_namespace_with_more_than_meshc_emits_or_a_bad_label_is_refused() {
        let spec = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\nspec:\n  \
                    finalizers: [kubernetes]\n";
        let found = own_check(spec);
        assert!(
            found.iter().any(|(code, _)| *code == Code::Schema),
            "{found:?}"
        );
        let label = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    \
                     istio-injection: \"en abled\"\n";
        let found = own_check(label);
        assert!(
            found.iter().any(|(code, _)| *code == Code::Metadata),
            "{found:?}"
        );
        let version = "apiVersion: v1beta1\nkind: Namespace\nmetadata:\n  name: shop\n";
        let found = own_check(version);
        assert!(
            found
                .iter()
                .any(|(code, _)| *code == Code::VersionNotServed),
            "{found:?}"
        );
    }
}
