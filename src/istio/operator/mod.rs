//! The IstioOperator checked as `istioctl install` checks it: no cluster serves a CRD for it
//! (since Istio 1.24 it is istioctl's input only), so its schema is istioctl's own API, kept
//! as data ([`api`]): the document decoded into istioctl's Go types and protobuf messages
//! ([`decode`]), then the checks istioctl runs on the result ([`semantics`]). Every finding
//! is of the code `istio-operator`; `metadata` is checked by the metadata rules, as for every
//! object.

mod api;
mod decode;
mod semantics;

use super::document::Document;
use crate::diagnostic::{Code, Diagnostic, Path, Severity};
use crate::yaml::Value;

/// The API group of the IstioOperator.
pub(crate) const GROUP: &str = "install.istio.io";

/// A problem found, before it is placed in its document.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Issue {
    path: Path,
    /// An error (istioctl refuses the file), or a warning.
    error: bool,
    message: String,
}

impl Issue {
    fn error(path: Path, message: String) -> Self {
        Self {
            path,
            error: true,
            message,
        }
    }

    fn warning(path: Path, message: String) -> Self {
        Self {
            path,
            error: false,
            message,
        }
    }
}

/// Loads istioctl's API now, if no check has yet ([`super::prepare`]).
pub(crate) fn prepare() {
    api::api();
}

/// Whether `document` belongs to istioctl: its group is `install.istio.io`.
pub(crate) fn is_operator(document: &Document) -> bool {
    document.api().is_some_and(|(group, _)| group == GROUP)
}

/// Checks a document of the `install.istio.io` group, but its `metadata`.
pub(crate) fn check(document: &Document) -> Vec<Diagnostic> {
    let (_, version) = document.api().unwrap_or_default();
    let mut issues = Vec::new();
    if document.kind() != Some("IstioOperator") {
        issues.push(Issue::error(
            Path::of(&["kind"]),
            format!("{GROUP} has only the kind IstioOperator"),
        ));
    } else if version != "v1alpha1" {
        issues.push(Issue::error(
            Path::of(&["apiVersion"]),
            format!("{GROUP}/{version} does not exist: write {GROUP}/v1alpha1"),
        ));
    } else {
        issues.extend(decode::document(&document.root));
        if let Some(spec) = document
            .root
            .get("spec")
            .filter(|s| matches!(s.value, Value::Map(_)))
        {
            issues.extend(semantics::check(spec));
        }
    }
    issues
        .into_iter()
        .map(|issue| {
            let severity = if issue.error {
                Severity::Error
            } else {
                Severity::Warning
            };
            document
                .diagnostic(Code::IstioOperator, Some(issue.path), issue.message)
                .with_severity(severity)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::istio::document;

    fn codes(text: &str) -> Vec<String> {
        let (documents, _) = document::read("iop.yaml", text, &"default".into());
        check(&documents[0])
            .iter()
            .map(|d| format!("{} {}", d.severity, d.message))
            .collect()
    }

    #[test]
    fn only_istio_operator_v1alpha1_exists() {
        assert_eq!(
            codes("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperatr\n"),
            vec!["error install.istio.io has only the kind IstioOperator"]
        );
        assert_eq!(
            codes("apiVersion: install.istio.io/v1\nkind: IstioOperator\n"),
            vec!["error install.istio.io/v1 does not exist: write install.istio.io/v1alpha1"]
        );
        assert!(
            codes("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec: {}\n")
                .is_empty()
        );
        assert_eq!(
            codes(
                "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec: {revision: a.b}\n"
            ),
            vec!["error invalid revision \"a.b\": must be a DNS-1123 label"]
        );
    }
}
