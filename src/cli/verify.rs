//! `meshc verify PATH... [--crds FILE|DIR]`: checks any Istio YAML, hand-written too.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use super::{Exit, MessageFormat, Output};
use crate::limits::MAX_YAML_BYTES;
use crate::verify::{self, Crds, Document, Finding, Inventory, Level, Schemas, document};

/// Arguments of `meshc verify`.
#[derive(Debug, Args)]
pub(super) struct VerifyArgs {
    /// YAML files, or folders searched for `*.yaml` and `*.yml`.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// CustomResourceDefinitions to check against (a file or folder, such as the output of
    /// `kubectl get crd -o yaml`); may be given more than once.
    #[arg(long, value_name = "FILE|DIR")]
    crds: Vec<PathBuf>,
}

impl VerifyArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        let crds = match self.load_crds() {
            Ok(crds) => crds,
            Err(message) => return output.trouble(&message),
        };
        let files = match files(&self.paths) {
            Ok(files) => files,
            Err(message) => return output.trouble(&message),
        };
        let mut documents = Vec::new();
        let mut findings = Vec::new();
        for path in &files {
            let text = match read(path) {
                Ok(text) => text,
                Err(message) => return output.trouble(&message),
            };
            let (read, error) = document::read(&path.to_string_lossy(), &text);
            documents.extend(read);
            findings.extend(error);
        }
        let mut inventory = Inventory::from_documents(&documents);
        inventory.add_operators(&documents);
        let schemas = if crds.is_empty() {
            Schemas::Nothing
        } else {
            Schemas::Crds(&crds)
        };
        findings.extend(verify::verify(&documents, schemas, &inventory));
        sort(&mut findings, &files);
        report(output, &findings, &documents, crds.is_empty());
        if findings.iter().any(|f| f.level == Level::Error) {
            Exit::Invalid
        } else {
            Exit::Success
        }
    }

    fn load_crds(&self) -> Result<Crds, String> {
        let mut crds = Crds::default();
        for path in &self.crds {
            let mut found = 0;
            for file in files(std::slice::from_ref(path))? {
                let text = read(&file)?;
                let name = file.to_string_lossy();
                let (documents, error) = document::read(&name, &text);
                if let Some(error) = error {
                    return Err(format!("cannot read CRDs: {error}"));
                }
                found += crds.add(&documents)?;
            }
            if found == 0 {
                return Err(format!(
                    "{} holds no CustomResourceDefinition",
                    path.display()
                ));
            }
        }
        Ok(crds)
    }
}

/// The files named, folders walked in name order.
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
        {
            out.push(path);
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_YAML_BYTES).unwrap_or(u64::MAX) + 1;
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() > MAX_YAML_BYTES {
        return Err(format!(
            "{} is larger than {} MiB",
            path.display(),
            MAX_YAML_BYTES >> 20
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{} is not UTF-8 text (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// Findings in file order (as given), then document and line.
fn sort(findings: &mut [Finding], files: &[PathBuf]) {
    let order: HashMap<String, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.to_string_lossy().into_owned(), i))
        .collect();
    findings.sort_by_key(|f| {
        (
            order.get(&f.file).copied().unwrap_or(usize::MAX),
            f.document,
            f.line,
        )
    });
}

fn report(output: &Output, findings: &[Finding], documents: &[Document], no_crds: bool) {
    let mut out = std::io::stdout().lock();
    let mut text = String::new();
    match output.format {
        MessageFormat::Json => {
            for finding in findings {
                let mut object = serde_json::to_value(finding).unwrap_or_default();
                if let Some(map) = object.as_object_mut() {
                    map.insert(
                        "family".into(),
                        serde_json::to_value(finding.family()).unwrap_or_default(),
                    );
                }
                text.push_str(&object.to_string());
                text.push('\n');
            }
        }
        MessageFormat::Human => {
            for finding in findings {
                text.push_str(&finding.to_string());
                text.push('\n');
            }
            if no_crds {
                text.push_str(
                    "note: no --crds given: objects were not checked against their schemas\n",
                );
            }
            let count = |level| findings.iter().filter(|f| f.level == level).count();
            let objects = documents.iter().filter(|d| !d.is_empty()).count();
            let _ = writeln!(
                text,
                "{objects} objects checked, {} errors, {} warnings",
                count(Level::Error),
                count(Level::Warning)
            );
        }
    }
    let _ = out.write_all(text.as_bytes());
}
