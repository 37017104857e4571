//! The one place diagnostics become text: human (annotated source) or JSON lines.

use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

use super::{Diagnostic, Severity};
use crate::source::{Position, Source};

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Annotated source for people, with or without ANSI colour.
    Human {
        /// Whether to emit ANSI colour codes.
        color: bool,
    },
    /// One JSON object per line, for tools.
    Json,
}

/// Renders `diagnostics` about `source` in `style`; each ends with a newline.
pub fn render(source: &Source, diagnostics: &[Diagnostic], style: Style) -> String {
    match style {
        Style::Human { color } => {
            let renderer = if color {
                Renderer::styled()
            } else {
                Renderer::plain()
            };
            diagnostics
                .iter()
                .map(|d| format!("{}\n\n", human(source, d, &renderer)))
                .collect()
        }
        Style::Json => diagnostics
            .iter()
            .map(|d| format!("{}\n", json(source, d)))
            .collect(),
    }
}

/// The closing line of a human report: how many errors and warnings.
pub fn summary(diagnostics: &[Diagnostic]) -> Option<String> {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => None,
        (0, w) => Some(format!("{} emitted", plural(w, "warning"))),
        (e, 0) => Some(format!("profile refused: {}", plural(e, "error"))),
        (e, w) => Some(format!(
            "profile refused: {}, {}",
            plural(e, "error"),
            plural(w, "warning")
        )),
    }
}

fn human(source: &Source, diagnostic: &Diagnostic, renderer: &Renderer) -> String {
    let level = match diagnostic.severity() {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let spans: Vec<Range<usize>> = std::iter::once(&diagnostic.span)
        .chain(diagnostic.secondary.iter().map(|l| &l.span))
        .map(|span| source.clamp(span))
        .collect();
    let window = Window::around(source, &spans);
    let text = visible(window.text);
    let label = diagnostic.label.as_deref().map(visible);
    let mut primary = AnnotationKind::Primary.span(window.shift(&spans[0]));
    if let Some(label) = &label {
        primary = primary.label(label.as_str());
    }
    let name = visible(source.name());
    let mut snippet = Snippet::source(text.as_str())
        .line_start(window.first_line)
        .path(name.as_str())
        .fold(true)
        .annotation(primary);
    let secondary: Vec<String> = diagnostic
        .secondary
        .iter()
        .map(|l| visible(&l.message))
        .collect();
    for (label, span) in secondary.iter().zip(&spans[1..]) {
        snippet = snippet.annotation(
            AnnotationKind::Context
                .span(window.shift(span))
                .label(label.as_str()),
        );
    }
    let message = visible(&diagnostic.message);
    let mut group = Group::with_title(
        level
            .primary_title(message.as_str())
            .id(diagnostic.code.as_str()),
    )
    .element(snippet);
    let help = diagnostic.help.as_deref().map(visible);
    if let Some(help) = &help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    renderer.render(&[group])
}

/// `text` with the characters a terminal would act on or hide replaced by a visible stand-in
/// of the same length in bytes, so that spans stay valid: C1 controls (`U+009B` starts an
/// escape sequence on some terminals) and bidirectional and invisible formatting characters
/// (which can make a line read differently from its bytes). annotate-snippets already shows
/// the C0 controls as symbols.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            let hidden = ('\u{80}'..='\u{9f}').contains(&c)
                || matches!(c, '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}');
            match (hidden, c.len_utf8()) {
                (false, _) => c,
                (true, 2) => '\u{b7}',
                (true, _) => '\u{fffd}',
            }
        })
        .collect()
}

/// The lines of a source that hold a set of spans, so that a diagnostic about a 20 MB profile
/// does not hand the whole text to the renderer.
struct Window<'a> {
    text: &'a str,
    offset: usize,
    first_line: usize,
}

impl<'a> Window<'a> {
    fn around(source: &'a Source, spans: &[Range<usize>]) -> Self {
        let text = source.text();
        let lo = spans.iter().map(|s| s.start).min().unwrap_or(0);
        let hi = spans.iter().map(|s| s.end).max().unwrap_or(0);
        let start = text[..lo].rfind('\n').map_or(0, |i| i + 1);
        let end = text[hi..].find('\n').map_or(text.len(), |i| hi + i);
        Self {
            text: &text[start..end],
            offset: start,
            first_line: source.position(start).line,
        }
    }

    fn shift(&self, span: &Range<usize>) -> Range<usize> {
        span.start - self.offset..span.end - self.offset
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    line: usize,
    column: usize,
    message: &'a str,
}

fn json(source: &Source, diagnostic: &Diagnostic) -> String {
    let span = source.clamp(&diagnostic.span);
    let Position { line, column } = source.position(span.start);
    let end = source.position(span.end);
    let record = JsonDiagnostic {
        severity: diagnostic.severity(),
        code: diagnostic.code.as_str(),
        message: &diagnostic.message,
        file: source.name(),
        line,
        column,
        end_line: end.line,
        end_column: end.column,
        label: diagnostic.label.as_deref(),
        help: diagnostic.help.as_deref(),
        related: diagnostic
            .secondary
            .iter()
            .map(|l| {
                let Position { line, column } = source.position(l.span.start);
                JsonRelated {
                    line,
                    column,
                    message: &l.message,
                }
            })
            .collect(),
    };
    // Serialising plain strings and numbers cannot fail; fall back to a minimal record anyway.
    serde_json::to_string(&record).unwrap_or_else(|_| {
        format!(
            "{{\"severity\":\"error\",\"code\":\"{}\"}}",
            diagnostic.code.as_str()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    fn sample() -> (Source, Diagnostic) {
        let source = Source::new("p.toml", "[mesh]\nnamespase = \"demo\"\n");
        let diagnostic = Diagnostic::new(Code::UnknownKey, 7..16, "unknown key `namespase`")
            .label("not a key of [mesh]")
            .help("did you mean `namespace`?");
        (source, diagnostic)
    }

    #[test]
    fn human_names_file_line_column_code_and_help() {
        let (source, diagnostic) = sample();
        let text = render(&source, &[diagnostic], Style::Human { color: false });
        assert!(
            text.contains("error[unknown-key]: unknown key `namespase`"),
            "{text}"
        );
        assert!(text.contains("p.toml:2:1"), "{text}");
        assert!(text.contains("did you mean `namespace`?"), "{text}");
        assert!(!text.contains('\u{1b}'), "plain output has no escape codes");
    }

    #[test]
    fn terminal_controls_and_bidi_characters_are_shown_not_sent() {
        let source = Source::new("p.toml", "[services.\"a\u{9b}2J\u{202e}b\"]\nport = 1\n");
        let diagnostic = Diagnostic::new(Code::InvalidName, 10..24, "`a\u{9b}2J\u{202e}b` is bad");
        let text = render(&source, &[diagnostic], Style::Human { color: false });
        assert!(
            !text.contains('\u{9b}') && !text.contains('\u{202e}'),
            "{text}"
        );
        assert!(text.contains("a\u{b7}2J\u{fffd}b"), "{text}");
    }

    #[test]
    fn json_is_one_object_per_line() {
        let (source, diagnostic) = sample();
        let text = render(&source, &[diagnostic], Style::Json);
        let value: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(value["code"], "unknown-key");
        assert_eq!(value["line"], 2);
        assert_eq!(value["column"], 1);
        assert_eq!(value["end_column"], 10);
        assert_eq!(value["help"], "did you mean `namespace`?");
    }
}
