//! The checks of one object on its own: its schema (meshc's built-in one or a CRD's, CEL rules
//! included), its apiVersion and kind, and the admission webhook's rules.

use std::collections::HashSet;

use super::Schemas;
use super::crd;
use super::document::{Document, Problem};
use super::finding::{Code, Level};
use super::schema;
use super::vocab::{IstioVersion, served};
use super::webhook;
use crate::diagnostic::Path;
use crate::yaml::{self, Value};

/// The checks of one document on its own; `webhook` adds the admission webhook's rules.
pub(super) fn check(document: &Document, schemas: Schemas<'_>, webhook: bool) -> Vec<Problem> {
    if document.is_empty() {
        return Vec::new();
    }
    if !matches!(document.root.value, Value::Map(_)) {
        return vec![Problem::error(
            Code::NotAnObject,
            None,
            format!(
                "document is {}, not a Kubernetes object",
                document.root.type_name()
            ),
        )];
    }
    let mut problems = match schemas {
        Schemas::Builtin(target) => builtin(document, target),
        Schemas::Nothing => Vec::new(),
        Schemas::Crds(crds) => match identity(document) {
            Some(problem) => vec![problem],
            None => crds.check(document).unwrap_or_else(|| skipped(document)),
        },
    };
    if webhook {
        problems.extend(admission(document, &problems));
    }
    problems
}

/// The admission webhook's rules ([`webhook`]). An object whose `spec` Istio's decoder refuses
/// never reaches the webhook; a finding where the schema already found an error is the same
/// mistake said twice, and is left out.
fn admission(document: &Document, schema: &[Problem]) -> Vec<Problem> {
    let spec = Path::of(&["spec"]);
    if schema.iter().any(|p| {
        p.undecodable
            && p.path
                .as_ref()
                .is_some_and(|path| path.0.starts_with(&spec.0))
    }) {
        return Vec::new();
    }
    let reported: HashSet<&Path> = schema
        .iter()
        .filter(|p| p.level == Level::Error)
        .filter_map(|p| p.path.as_ref())
        .collect();
    webhook::check(&yaml::to_json(&document.root))
        .into_iter()
        .filter(|finding| !reported.contains(&finding.path))
        .map(|finding| Problem {
            code: Code::Webhook,
            level: match finding.level {
                webhook::Level::Error => Level::Error,
                webhook::Level::Warning => Level::Warning,
            },
            path: Some(finding.path),
            message: finding.message,
            undecodable: false,
        })
        .collect()
}

/// A missing or malformed `apiVersion` or `kind`.
fn identity(document: &Document) -> Option<Problem> {
    let problem = |key: &str, message: String| {
        Some(Problem::error(
            Code::Schema,
            Some(Path::of(&[key])),
            message,
        ))
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

/// A document no CRD covers: an IstioOperator gets a note (it is istioctl's input, and no
/// cluster serves a CRD for it since Istio 1.24); other kinds are not Istio's to judge.
fn skipped(document: &Document) -> Vec<Problem> {
    if document.is("install.istio.io", "IstioOperator") {
        return vec![Problem {
            code: Code::UnknownKind,
            level: Level::Note,
            path: None,
            message: "not checked: no CRD describes IstioOperator (istioctl's input, not a \
                      cluster resource)"
                .to_string(),
            undecodable: false,
        }];
    }
    Vec::new()
}

/// A document of meshc's output against the built-in schema of its kind.
fn builtin(document: &Document, target: IstioVersion) -> Vec<Problem> {
    if let Some(problem) = identity(document) {
        return vec![problem];
    }
    let (group, version) = document.api().unwrap_or_default();
    let kind = document.kind().unwrap_or_default();
    let Some(schema) = schema::builtin::kinds().get(&(group.to_string(), kind.to_string())) else {
        return vec![Problem::error(
            Code::UnknownKind,
            Some(Path::of(&["kind"])),
            format!("meshc has no schema for {group}/{kind}"),
        )];
    };
    let served = served(group, kind, target);
    if served.first() != Some(&version) {
        return vec![Problem::error(
            Code::VersionNotServed,
            Some(Path::of(&["apiVersion"])),
            format!(
                "Istio {target} serves {group}/{kind} as {}; meshc must emit {group}/{}",
                served.join(", "),
                served.first().copied().unwrap_or("nothing")
            ),
        )];
    }
    crd::schema_problems(document, true, Some(&schema.schema))
}
