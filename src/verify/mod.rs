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
