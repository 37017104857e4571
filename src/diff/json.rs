//! The JSON format, for tools: the whole report with every value as JSON.

use serde_json::{Value, json};

use super::{Change, Field, Report};

/// The report as pretty-printed JSON, with a final line break.
pub fn json(report: &Report) -> String {
    let resources: Vec<Value> = report
        .resources
        .iter()
        .map(|resource| {
            let mut entry = json!({
                "file": resource.file,
                "kind": resource.kind,
                "namespace": resource.namespace,
                "name": resource.name,
            });
            let (change, detail) = match &resource.change {
                Change::Added(value) => ("added", ("object", value.clone())),
                Change::Removed(value) => ("removed", ("object", value.clone())),
                Change::Changed(fields) => (
                    "changed",
                    (
                        "fields",
                        fields
                            .iter()
                            .map(|field| {
                                let mut entry = match &field.change {
                                    Field::Changed { old, new } => {
                                        json!({"change": "changed", "old": old, "new": new})
                                    }
                                    Field::Added(new) => json!({"change": "added", "new": new}),
                                    Field::Removed(old) => {
                                        json!({"change": "removed", "old": old})
                                    }
                                    Field::Reordered { old, new } => {
                                        json!({"change": "reordered", "old": old, "new": new})
                                    }
                                };
                                entry["path"] = Value::String(field.path.to_string());
                                entry
                            })
                            .collect::<Vec<_>>()
                            .into(),
                    ),
                ),
            };
            entry["change"] = Value::String(change.to_string());
            entry[detail.0] = detail.1;
            entry
        })
        .collect();
    let mut document = json!({
        "old": report.old,
        "new": report.new,
        "resources": resources,
    });
    if let Some(behaviour) = &report.behaviour {
        document["behaviour"] = super::behaviour::json(behaviour);
    }
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
