//! Diagnostics as JSON, one object per line, the same shape for every command (documented in
//! docs/diagnostics.md). Every key is always present; a field that does not apply
//! to a location is `null`.

use serde::Serialize;

use super::text::YamlLine;
use super::{Checked, Files, Summary};
use crate::diagnostic::{Diagnostic, Location, Severity, Span};
use crate::source::Position;

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    code: &'static str,
    severity: Severity,
    message: &'a str,
    locations: Vec<JsonLocation<'a>>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    document: Option<usize>,
    resource: Option<&'a str>,
    path: Option<String>,
    label: Option<&'a str>,
    primary: bool,
}

/// One diagnostic as a JSON object.
pub(super) fn diagnostic(diagnostic: &Diagnostic, files: &Files<'_>) -> String {
    let record = JsonDiagnostic {
        kind: "diagnostic",
        code: diagnostic.code.as_str(),
        severity: diagnostic.severity,
        message: &diagnostic.message,
        locations: diagnostic
            .locations()
            .enumerate()
            .map(|(i, l)| location(l, i == 0, files))
            .collect(),
        help: diagnostic.help.as_deref(),
    };
    to_line(&record)
}

fn location<'a>(location: &'a Location, primary: bool, files: &Files<'a>) -> JsonLocation<'a> {
    let mut record = JsonLocation {
        file: None,
        line: None,
        column: None,
        end_line: None,
        end_column: None,
        document: None,
        resource: None,
        path: None,
        label: location.label.as_deref(),
        primary,
    };
    match &location.span {
        Span::Toml(range) => {
            if let Some(profile) = files.profile {
                let (source, range) = profile.locate(range);
                let range = source.clamp(&range);
                let Position { line, column } = source.position(range.start);
                let end = source.position(range.end);
                record.file = Some(source.name());
                record.line = Some(line);
                record.column = Some(column);
                record.end_line = Some(end.line);
                record.end_column = Some(end.column);
            }
        }
        Span::Yaml(at) => {
            let line = usize::try_from(at.line).ok();
            record.file = Some(&at.file);
            record.line = line;
            record.document = Some(at.document);
            record.resource = at.resource.as_deref();
            record.path = at.path.as_ref().map(ToString::to_string);
            let shown = files
                .named(&at.file)
                .and_then(|source| YamlLine::of(source, at.line));
            if let Some(shown) = shown {
                let (column, end_column) = shown.columns();
                record.column = Some(column);
                record.end_line = line;
                record.end_column = Some(end_column);
            }
        }
        Span::File(file) => record.file = Some(file),
    }
    record
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    errors: usize,
    warnings: usize,
    notes: usize,
    files: usize,
    objects: Option<usize>,
    schemas: Option<bool>,
    namespace: Option<&'a str>,
    without_namespace: Option<usize>,
    patches: Option<usize>,
}

/// The summary object that ends every stream.
pub(super) fn summary(summary: &Summary) -> String {
    to_line(&JsonSummary {
        kind: "summary",
        errors: summary.errors,
        warnings: summary.warnings,
        notes: summary.notes,
        files: match &summary.files {
            Checked::Profiles(names) => names.len(),
            Checked::Yaml(files) => *files,
        },
        objects: summary.objects,
        schemas: summary.schemas,
        namespace: summary.namespace.as_deref(),
        without_namespace: summary
            .namespace
            .as_ref()
            .map(|_| summary.without_namespace),
        patches: summary.namespace.as_ref().map(|_| summary.patches),
    })
}

#[derive(Serialize)]
struct JsonFailure<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    message: &'a str,
}

/// A failure of the run, not about an input's content.
pub(super) fn failure(message: &str) -> String {
    to_line(&JsonFailure {
        kind: "error",
        message,
    })
}

fn to_line(record: &impl Serialize) -> String {
    // Serialising strings, numbers and options cannot fail; an empty object says so if it did.
    serde_json::to_string(record).unwrap_or_else(|_| "{}".to_string())
}

#[cfg(test)]
mod tests {
    use super::super::{Style, render};
    use super::*;
    use crate::diagnostic::{Code, Path, YamlSpan};
    use crate::source::Source;
    use serde_json::Value;

    fn parse(line: &str) -> Value {
        serde_json::from_str(line.trim_end()).unwrap()
    }

    #[test]
    fn a_profile_diagnostic_points_at_line_and_column() {
        let source = Source::new("p.toml", "[mesh]\nnamespase = \"demo\"\n");
        let diagnostic = Diagnostic::new(Code::UnknownKey, 7..16, "unknown key")
            .label("not a key")
            .help("did you mean `namespace`?")
            .secondary(0..6, "in this table");
        let value = parse(&render(
            &[diagnostic],
            &Files::profile(&source),
            Style::Json,
        ));
        assert_eq!(value["type"], "diagnostic");
        assert_eq!(value["code"], "unknown-key");
        assert_eq!(value["severity"], "error");
        assert_eq!(value["help"], "did you mean `namespace`?");
        let primary = &value["locations"][0];
        assert_eq!(primary["file"], "p.toml");
        assert_eq!(
            (primary["line"].as_u64(), primary["column"].as_u64()),
            (Some(2), Some(1))
        );
        assert_eq!(primary["end_column"], 10);
        assert_eq!(primary["label"], "not a key");
        assert_eq!(primary["primary"], true);
        assert_eq!(primary["path"], Value::Null);
        assert_eq!(value["locations"][1]["primary"], false);
        assert_eq!(value["locations"][1]["line"], 1);
    }

    #[test]
    fn a_yaml_diagnostic_names_document_object_and_field() {
        let sources = [Source::new("vs.yaml", "a: 1\n---\nspec:\n  host: x\n")];
        let at = YamlSpan {
            file: "vs.yaml".into(),
            document: 1,
            line: 4,
            resource: Some("DestinationRule shop/r".into()),
            path: Some(Path::of(&["spec", "host"])),
        };
        let diagnostic = Diagnostic::new(Code::Webhook, at, "bad host");
        let value = parse(&render(&[diagnostic], &Files::yaml(&sources), Style::Json));
        let primary = &value["locations"][0];
        assert_eq!(primary["document"], 1);
        assert_eq!(primary["resource"], "DestinationRule shop/r");
        assert_eq!(primary["path"], "spec.host");
        assert_eq!(
            (primary["column"].as_u64(), primary["end_column"].as_u64()),
            (Some(3), Some(10))
        );
        assert_eq!(value["help"], Value::Null);
    }

    #[test]
    fn every_object_of_a_kind_has_every_key() {
        let source = Source::new("p.toml", "a = 1\n");
        let toml = Diagnostic::new(Code::UnknownKey, 0..1, "x");
        let file = Diagnostic::new(Code::OperatorNotAlone, Span::File("i.yaml".into()), "x");
        let keys = |d: Diagnostic| {
            let value = parse(&render(&[d], &Files::profile(&source), Style::Json));
            let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
            keys.extend(value["locations"][0].as_object().unwrap().keys().cloned());
            keys
        };
        assert_eq!(keys(toml), keys(file));
        let summary = parse(&Summary::default().render(Style::Json));
        assert_eq!(summary["type"], "summary");
        assert_eq!(summary["objects"], Value::Null);
        assert_eq!(
            parse(&super::super::failure("no", Style::Json))["type"],
            "error"
        );
    }
}
