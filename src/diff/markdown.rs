//! The Markdown format, to paste as a pull-request comment: a summary line, then one
//! collapsible section per resource (a table of changed fields, or the YAML of an added or
//! removed object). Every profile string is escaped, so none can break the comment's layout, and
//! control characters are shown as visible stand-ins ([`plain`]), as in a terminal.

use std::fmt::Write;

use serde_json::Value;

use super::value::compact;
use super::{Change, Field, Report};
use crate::diagnostic::render::plain;

/// The report as GitHub-flavoured Markdown.
pub fn markdown(report: &Report) -> String {
    let out = layout(report);
    // The line breaks are the layout's own; every other control character came from a file.
    out.split_inclusive('\n')
        .map(|line| match line.strip_suffix('\n') {
            Some(line) => plain(line) + "\n",
            None => plain(line),
        })
        .collect()
}

fn layout(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### meshc diff {} → {}\n",
        code(&report.old),
        code(&report.new)
    );
    let count = |wanted: fn(&Change) -> bool| {
        report
            .resources
            .iter()
            .filter(|r| wanted(&r.change))
            .count()
    };
    if !report.differs() {
        out.push_str("No difference: both render the same resources.\n");
        return out;
    }
    if let Some(behaviour) = &report.behaviour {
        super::behaviour::markdown(behaviour, &mut out, |text| code(text).replace('|', "\\|"));
        if report.resources.is_empty() {
            return out;
        }
        out.push_str("#### Resources\n\n");
    }
    let counts: Vec<String> = [
        ("changed", count(|c| matches!(c, Change::Changed(_)))),
        ("added", count(|c| matches!(c, Change::Added(_)))),
        ("removed", count(|c| matches!(c, Change::Removed(_)))),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(what, n)| format!("{} {what}", resources(*n)))
    .collect();
    let _ = writeln!(out, "{}.\n", counts.join(", "));
    for resource in &report.resources {
        let (verb, detail) = match &resource.change {
            Change::Added(_) => ("added".to_string(), String::new()),
            Change::Removed(_) => ("removed".to_string(), String::new()),
            Change::Changed(fields) => (
                "changed".to_string(),
                format!(
                    ", {} {}",
                    fields.len(),
                    if fields.len() == 1 { "field" } else { "fields" }
                ),
            ),
        };
        let _ = writeln!(
            out,
            "<details>\n<summary>{verb} <code>{}</code> in {}{detail}</summary>\n",
            html(&resource.label()),
            html(&resource.file)
        );
        match &resource.change {
            Change::Added(value) | Change::Removed(value) => {
                let yaml = crate::render::to_block_yaml(value);
                let fence = "`".repeat(longest_run(&yaml, '`').max(2) + 1);
                let _ = writeln!(out, "{fence}yaml\n{}{fence}\n", ensure_newline(&yaml));
            }
            Change::Changed(fields) => {
                out.push_str("| field | old | new |\n| --- | --- | --- |\n");
                for field in fields {
                    let path = field.path.to_string();
                    let (old, new) = match &field.change {
                        Field::Changed { old, new } => (cell(old), cell(new)),
                        Field::Added(new) => (String::new(), cell(new)),
                        Field::Removed(old) => (cell(old), String::new()),
                        Field::Reordered { old, new } => (
                            format!("order {}", code(&old.join(", "))),
                            format!("order {}", code(&new.join(", "))),
                        ),
                    };
                    let path = if path.is_empty() {
                        "(whole object)".to_string()
                    } else {
                        code(&path)
                    };
                    let _ = writeln!(out, "| {} | {old} | {new} |", path.replace('|', "\\|"));
                }
                out.push('\n');
            }
        }
        out.push_str("</details>\n\n");
    }
    out
}

fn resources(n: usize) -> String {
    format!("{n} {}", if n == 1 { "resource" } else { "resources" })
}

fn cell(value: &Value) -> String {
    // GitHub splits table cells on `|` even inside code spans, unless it is escaped.
    code(&compact(value)).replace('|', "\\|")
}

/// A code span that holds `text` whatever backticks it contains (CommonMark §6.1).
fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn longest_run(text: &str, c: char) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn ensure_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(cell(&Value::String("a|b".into())), "`\"a\\|b\"`");
        assert_eq!(html("<b>&"), "&lt;b&gt;&amp;");
    }
}
