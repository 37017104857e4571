//! Stage 5: read YAML back and check it like Istio would. Every document is checked against a
//! schema of its kind — meshc's own built-in schemas for a render, or the CRDs a user supplies
//! to `meshc verify` — and the bundle against rules across resources ([`rules`]).
//!
//! For a render, any error is a bug in meshc: [`check`] fails and nothing is written.

pub mod cel;
pub mod crd;
pub mod document;
pub mod finding;
pub mod metadata;
pub mod node;
pub mod release;
pub mod rules;
pub mod schema;
pub mod webhook;
pub mod yaml;

use std::collections::HashSet;

use crate::model::{IstioVersion, Profile};
use crate::render::File;

pub use crd::Crds;
pub use document::{Document, Problem};
pub use finding::{Code, Family, Finding, Level};
pub use rules::Inventory;

use node::{Path, Value};

/// What each document is checked against.
#[derive(Debug, Clone, Copy)]
pub enum Schemas<'a> {
    /// meshc's built-in schemas and the apiVersions of the target release.
    Builtin(IstioVersion),
    /// CustomResourceDefinitions.
    Crds(&'a Crds),
    /// Nothing: cross-resource rules only.
    Nothing,
}

/// Checks every document, then the rules across them.
pub fn verify(documents: &[Document], schemas: Schemas<'_>, inventory: &Inventory) -> Vec<Finding> {
    let threads = if documents.len() >= PARALLEL_FROM_DOCUMENTS {
        parallelism()
    } else {
        1
    };
    let chunk = documents.len().div_ceil(threads).max(1);
    let mut findings: Vec<Finding> = in_parallel(documents.chunks(chunk), |documents| {
        documents
            .iter()
            .flat_map(|document| {
                check_document(document, schemas)
                    .into_iter()
                    .map(|problem| document.finding(problem))
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    findings.extend(rules::check(documents, inventory));
    findings
}

/// Below this many documents (or bytes of YAML, for reading), threads cost more than they save:
/// starting them takes about as long as checking a small mesh such as prod's 37 documents.
const PARALLEL_FROM_DOCUMENTS: usize = 500;
const PARALLEL_FROM_BYTES: usize = 1 << 20;

fn parallelism() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// `work` on every item, each on a thread of its own (one item needs none); results in the
/// order of the items.
fn in_parallel<I, T, R>(items: I, work: impl Fn(T) -> R + Sync) -> Vec<R>
where
    I: IntoIterator<Item = T>,
    T: Send,
    R: Send + Default,
{
    let items: Vec<T> = items.into_iter().collect();
    if items.len() <= 1 {
        return items.into_iter().map(work).collect();
    }
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| scope.spawn(move || work(item)))
            .collect();
        // A worker only panics on a bug; its part is then empty rather than crashing meshc.
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap_or_default())
            .collect()
    })
}

/// The checks of one document on its own.
pub fn check_document(document: &Document, schemas: Schemas<'_>) -> Vec<Problem> {
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
        // A render's built-in check leaves the webhook's rules out: they would double its
        // time, and tests hold every shipped render and fixture to them instead.
        Schemas::Builtin(target) => return builtin(document, target),
        Schemas::Nothing => Vec::new(),
        Schemas::Crds(crds) => match identity(document) {
            Some(problem) => vec![problem],
            None => crds.check(document).unwrap_or_else(|| skipped(document)),
        },
    };
    problems.extend(admission(document, &problems));
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
    webhook::check(&node::to_json(&document.root))
        .into_iter()
        .filter_map(|finding| {
            let path = Path::parse(&finding.path);
            if reported.contains(&path) {
                return None;
            }
            Some(Problem {
                code: Code::Webhook,
                level: match finding.level {
                    webhook::Level::Error => Level::Error,
                    webhook::Level::Warning => Level::Warning,
                },
                path: Some(path),
                message: finding.message,
                undecodable: false,
            })
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
    let served = release::served(group, kind, target);
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

/// The file `istioctl install -f` takes.
const INSTALL_FILE: &str = "istio-service-mesh-config.yaml";

/// Reads rendered files back and checks them; any error finding is a bug in meshc.
pub fn check(files: &[File], profile: &Profile) -> Result<Vec<Document>, Vec<Finding>> {
    let mut findings = Vec::new();
    let mut documents = Vec::new();
    let bytes: usize = files.iter().map(|f| f.content.len()).sum();
    let read = |file: &File| document::read(file.name, &file.content);
    let parsed: Vec<_> = if bytes >= PARALLEL_FROM_BYTES {
        in_parallel(files, read)
    } else {
        files.iter().map(read).collect()
    };
    for (file, (read, error)) in files.iter().zip(parsed) {
        findings.extend(error);
        let objects = read.iter().filter(|d| !d.is_empty()).count();
        if file.name == INSTALL_FILE && objects != 1 {
            findings.push(Finding {
                code: Code::OperatorNotAlone,
                level: Level::Error,
                file: file.name.to_string(),
                document: None,
                line: None,
                resource: None,
                path: None,
                message: format!(
                    "holds {objects} objects; `istioctl install -f` needs exactly one"
                ),
            });
        }
        documents.extend(read);
    }
    let mut inventory = Inventory::from_profile(profile);
    inventory.add_operators(&documents);
    findings.extend(verify(
        &documents,
        Schemas::Builtin(profile.mesh.istio_version),
        &inventory,
    ));
    findings.retain(|f| f.level == Level::Error);
    if findings.is_empty() {
        Ok(documents)
    } else {
        Err(findings)
    }
}
