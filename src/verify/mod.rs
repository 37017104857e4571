//! Stage 5: read the rendered YAML back and check it, so that a bug in a template or in the plan
//! is caught before anything is written. A finding here is always meshc's fault.

pub mod webhook;

use serde_norway::Value;

use crate::render::File;

/// A problem found in rendered output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file.
    pub file: String,
    /// 0-based index of the document in the file (`None`: the whole file).
    pub document: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.document {
            Some(index) => write!(f, "{} (document {index}): {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A parsed document and where it came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// File name.
    pub file: String,
    /// Index in the file.
    pub index: usize,
    /// The object.
    pub value: Value,
}

/// Parses every file and checks each document's shape.
pub fn check(files: &[File]) -> Result<Vec<Document>, Vec<Finding>> {
    let mut findings = Vec::new();
    let mut documents = Vec::new();
    for file in files {
        match parse(file) {
            Ok(parsed) => documents.extend(parsed),
            Err(finding) => findings.push(finding),
        }
    }
    for document in &documents {
        if let Err(message) = check_object(&document.value) {
            findings.push(Finding {
                file: document.file.clone(),
                document: Some(document.index),
                message,
            });
        }
    }
    findings.extend(duplicates(&documents));
    let operators = documents
        .iter()
        .filter(|d| d.file == "istio-service-mesh-config.yaml")
        .count();
    if operators != 1 {
        findings.push(Finding {
            file: "istio-service-mesh-config.yaml".to_string(),
            document: None,
            message: format!("holds {operators} objects; `istioctl install -f` needs exactly one"),
        });
    }
    if findings.is_empty() {
        Ok(documents)
    } else {
        Err(findings)
    }
}

/// Objects that share kind, namespace and name: `kubectl apply` would keep only the last one.
fn duplicates(documents: &[Document]) -> Vec<Finding> {
    let mut seen = std::collections::BTreeMap::new();
    let mut findings = Vec::new();
    for document in documents {
        let field = |path: &[&str]| {
            path.iter()
                .try_fold(&document.value, |node, key| node.get(*key))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let identity = (
            field(&["kind"]),
            field(&["metadata", "namespace"]),
            field(&["metadata", "name"]),
        );
        if let Some((file, index)) = seen.get(&identity) {
            findings.push(Finding {
                file: document.file.clone(),
                document: Some(document.index),
                message: format!(
                    "{} {}/{} repeats document {index} of {file}",
                    identity.0, identity.1, identity.2
                ),
            });
        } else {
            seen.insert(identity, (document.file.clone(), document.index));
        }
    }
    findings
}

fn parse(file: &File) -> Result<Vec<Document>, Finding> {
    let mut documents = Vec::new();
    for (index, deserializer) in serde_norway::Deserializer::from_str(&file.content).enumerate() {
        let value = serde::Deserialize::deserialize(deserializer).map_err(|error| Finding {
            file: file.name.to_string(),
            document: Some(index),
            message: format!("not valid YAML: {error}"),
        })?;
        if value != Value::Null {
            documents.push(Document {
                file: file.name.to_string(),
                index,
                value,
            });
        }
    }
    Ok(documents)
}

fn check_object(value: &Value) -> Result<(), String> {
    let text = |path: &[&str]| {
        let mut node = value;
        for key in path {
            node = node.get(*key)?;
        }
        node.as_str().filter(|s| !s.is_empty())
    };
    for path in [
        &["apiVersion"][..],
        &["kind"],
        &["metadata", "name"],
        &["metadata", "namespace"],
    ] {
        if text(path).is_none() {
            return Err(format!("`{}` is missing or not a string", path.join(".")));
        }
    }
    if value.get("spec").is_none() {
        return Err("`spec` is missing".to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documents(content: &str) -> Vec<Document> {
        parse(&File {
            name: "a.yaml",
            content: content.to_string(),
        })
        .unwrap()
    }

    #[test]
    fn an_object_written_twice_is_a_finding() {
        let object = |kind: &str, name: &str| {
            format!(
                "---\napiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: ns\nspec: {{}}\n"
            )
        };
        let distinct = documents(&[object("A", "x"), object("B", "x"), object("A", "y")].concat());
        assert!(duplicates(&distinct).is_empty());
        let repeated = documents(&[object("A", "x"), object("B", "x"), object("A", "x")].concat());
        let findings = duplicates(&repeated);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].document, Some(2));
        assert_eq!(findings[0].message, "A ns/x repeats document 0 of a.yaml");
    }
}
