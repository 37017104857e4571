//! Values in one line, as the text and Markdown formats show them: `20`, `80s`, `[GET, POST]`,
//! `{name: a, weight: 20}`; a string is quoted only when it could be misread.

use serde_json::Value;

/// `value` on one line.
pub(super) fn compact(value: &Value) -> String {
    match value {
        Value::String(text) if reads_plain(text) => text.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(key, value)| format!("{}: {}", compact_key(key), compact(value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        // Numbers, booleans, null, and strings that need quotes: JSON reads them unambiguously.
        other => other.to_string(),
    }
}

fn compact_key(key: &str) -> String {
    if reads_plain(key) {
        key.to_string()
    } else {
        Value::String(key.to_string()).to_string()
    }
}

/// Whether a string shown bare cannot be taken for a number, a boolean, null, or part of the
/// surrounding list or mapping.
fn reads_plain(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:*@+".contains(c))
        && !matches!(text, "true" | "false" | "null")
        && text.parse::<f64>().is_err()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn plain_where_unambiguous_quoted_where_not() {
        assert_eq!(compact(&json!(20)), "20");
        assert_eq!(compact(&json!("80s")), "80s");
        assert_eq!(compact(&json!("20")), "\"20\"");
        assert_eq!(compact(&json!("true")), "\"true\"");
        assert_eq!(compact(&json!("a, b")), "\"a, b\"");
        assert_eq!(compact(&json!("")), "\"\"");
        assert_eq!(
            compact(&json!({"methods": ["GET", "POST"], "x y": null})),
            "{methods: [GET, POST], \"x y\": null}"
        );
    }
}
