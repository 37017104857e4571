//! Diagnostics as annotated source, as rustc and cargo print them. This is the only module
//! that uses annotate-snippets. A byte range of the profile shows its lines with the range
//! underlined; a YAML location shows its line with the content underlined, labelled with the
//! object and the field; a whole file shows its name.

use std::fmt::Write as _;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Element, Group, Level, Origin, Renderer, Snippet};

use super::text::{YamlLine, plain, visible};
use super::{Checked, Files, Summary};
use crate::diagnostic::{Diagnostic, Location, Severity, Span, YamlSpan};
use crate::source::Source;

/// Each diagnostic as a block of annotated source, followed by a blank line.
pub(super) fn render(diagnostics: &[Diagnostic], files: &Files<'_>, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    diagnostics
        .iter()
        .map(|d| format!("{}\n\n", one(d, files, &renderer)))
        .collect()
}

fn one(diagnostic: &Diagnostic, files: &Files<'_>, renderer: &Renderer) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    };
    let title = level
        .primary_title(plain(&diagnostic.message))
        .id(diagnostic.code.as_str());
    let mut elements = Vec::new();
    // The ranges in one file of the profile share one snippet, so that "first declared here"
    // shows beside the place it explains; a layered profile's other files get their own, and
    // every other location is an element of its own, in order. The primary location comes
    // first.
    let locations: Vec<(&Location, bool)> = diagnostic
        .locations()
        .enumerate()
        .map(|(i, l)| (l, i == 0))
        .collect();
    let mut files_shown: Vec<&str> = Vec::new();
    for &(location, primary) in &locations {
        match &location.span {
            Span::Toml(range) => {
                let Some(profile) = files.profile else {
                    // A byte range without its text cannot be shown; nothing in meshc renders
                    // one so.
                    if files_shown.is_empty() {
                        files_shown.push("");
                        elements.push(Origin::path("<profile>").into());
                    }
                    continue;
                };
                let (file, _) = profile.locate(range);
                if files_shown.contains(&file.name()) {
                    continue;
                }
                files_shown.push(file.name());
                let here: Vec<(&Location, bool, Range<usize>)> = locations
                    .iter()
                    .filter_map(|&(l, p)| match &l.span {
                        Span::Toml(range) => {
                            let (other, local) = profile.locate(range);
                            std::ptr::eq(other, file).then_some((l, p, local))
                        }
                        Span::Yaml(_) | Span::File(_) => None,
                    })
                    .collect();
                elements.extend(profile_snippets(&here, file));
            }
            Span::Yaml(at) => elements.extend(yaml_snippet(at, location, primary, files)),
            Span::File(file) => elements.push(Origin::path(plain(file)).into()),
        }
    }
    let mut group = Group::with_title(title).elements(elements);
    if let Some(help) = &diagnostic.help {
        group = group.element(Level::HELP.message(plain(help)));
    }
    renderer.render(&[group])
}

/// Largest stretch of a file shown as one snippet. Past it each location is shown on its own:
/// the stretch's text is copied and scanned for every diagnostic, and thousands of diagnostics
/// that each point near both ends of a large profile made rendering them quadratic (2.4 s of
/// 2.6 s for 9,000 errors in a 1.3 MB profile).
const LARGEST_WINDOW: usize = 16 * 1024;

/// The lines of one file of the profile that hold `locations` (each with whether it is the
/// primary one, and its range in the file), each underlined with its label: one snippet, or
/// one per location where they lie far apart.
fn profile_snippets<'a>(
    locations: &[(&Location, bool, Range<usize>)],
    source: &Source,
) -> Vec<Element<'a>> {
    let spans: Vec<Range<usize>> = locations
        .iter()
        .map(|(_, _, range)| source.clamp(range))
        .collect();
    let window = Window::around(source, &spans);
    if window.text.len() <= LARGEST_WINDOW {
        return vec![profile_snippet(&window, locations, &spans, source)];
    }
    locations
        .iter()
        .zip(&spans)
        .map(|(location, span)| {
            let window = Window::around(source, std::slice::from_ref(span));
            profile_snippet(
                &window,
                std::slice::from_ref(location),
                std::slice::from_ref(span),
                source,
            )
        })
        .collect()
}

/// `window` of `source` with `locations` (their ranges clamped to the file: `spans`)
/// underlined and labelled.
fn profile_snippet<'a>(
    window: &Window<'_>,
    locations: &[(&Location, bool, Range<usize>)],
    spans: &[Range<usize>],
    source: &Source,
) -> Element<'a> {
    let mut snippet = Snippet::source(visible(window.text))
        .line_start(window.first_line)
        .path(plain(source.name()))
        .fold(true);
    for ((location, primary, _), span) in locations.iter().zip(spans) {
        let kind = if *primary {
            AnnotationKind::Primary
        } else {
            AnnotationKind::Context
        };
        let label = location.label.as_deref().map(plain);
        snippet = snippet.annotation(kind.span(window.shift(span)).label(label));
    }
    snippet.into()
}

/// The line of a YAML location, its content underlined and labelled with the object and the
/// field (`VirtualService shop/cart: spec.http[0].route[0]`) and the location's own label.
/// Without the file's text, the file and line, and the label as a note.
fn yaml_snippet<'a>(
    at: &YamlSpan,
    location: &Location,
    primary: bool,
    files: &Files<'_>,
) -> Vec<Element<'a>> {
    let mut label = String::new();
    for part in [
        at.resource.clone(),
        // The document itself (`.`) says nothing the resource does not.
        at.path
            .as_ref()
            .filter(|path| !path.0.is_empty())
            .map(ToString::to_string),
        location.label.clone(),
    ]
    .into_iter()
    .flatten()
    {
        if !label.is_empty() {
            label.push_str(": ");
        }
        label.push_str(&part);
    }
    let label = (!label.is_empty()).then(|| plain(&label));
    let file = plain(&at.file);
    let Some(line) = files
        .named(&at.file)
        .and_then(|source| YamlLine::of(source, at.line))
    else {
        let origin = Origin::path(file).line(usize::try_from(at.line).unwrap_or(usize::MAX));
        let note = label.map(|label| Level::NOTE.message(label).into());
        return std::iter::once(origin.into()).chain(note).collect();
    };
    let kind = if primary {
        AnnotationKind::Primary
    } else {
        AnnotationKind::Context
    };
    let snippet = Snippet::source(visible(line.text))
        .line_start(usize::try_from(at.line).unwrap_or(usize::MAX))
        .path(file)
        .annotation(kind.span(line.content).label(label));
    vec![snippet.into()]
}

/// The closing line: what was checked, and how many diagnostics of each severity; a check that
/// left schemas out, or placed objects in the default namespace, says so first.
pub(super) fn summary(summary: &Summary) -> String {
    let mut text = String::new();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if summary.schemas == Some(false) {
        text.push_str("note: no --crds given: objects were not checked against CRD schemas\n");
    }
    if let Some(namespace) = summary
        .namespace
        .as_deref()
        .filter(|_| summary.without_namespace > 0)
    {
        let _ = writeln!(
            text,
            "note: objects without metadata.namespace ({}) were checked in namespace {}, as \
             kubectl applies them (--namespace to change)",
            summary.without_namespace,
            plain(namespace)
        );
    }
    if summary.patches > 0 {
        let _ = writeln!(
            text,
            "note: Kustomize patches ({}) were left out, as they are not objects: `kubectl \
             kustomize DIR | meshc verify -` checks what they make",
            summary.patches
        );
    }
    let subject = match (&summary.files, summary.objects) {
        (Checked::Yaml(files), Some(objects)) => format!(
            "{} in {}",
            plural(objects, "object"),
            plural(*files, "file")
        ),
        (Checked::Yaml(files), None) => plural(*files, "file"),
        (Checked::Profiles(names), Some(objects)) => format!(
            "{} ({}, {})",
            plain(&names.join(", ")),
            plural(summary.rendered.unwrap_or_default(), "file"),
            plural(objects, "resource")
        ),
        (Checked::Profiles(names), None) => plain(&names.join(", ")),
    };
    let _ = writeln!(
        text,
        "{subject}: {}, {}, {}",
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.notes, "note")
    );
    text
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

#[cfg(test)]
mod tests {
    use super::super::{Style, render as render_all};
    use super::*;
    use crate::diagnostic::{Code, Path};

    fn sample() -> (Source, Diagnostic) {
        let source = Source::new("p.toml", "[mesh]\nnamespase = \"demo\"\n");
        let diagnostic = Diagnostic::new(Code::UnknownKey, 7..16, "unknown key `namespase`")
            .label("not a key of [mesh]")
            .help("did you mean `namespace`?");
        (source, diagnostic)
    }

    fn plain_text(diagnostics: &[Diagnostic], files: &Files<'_>) -> String {
        render_all(diagnostics, files, Style::Human { color: false })
    }

    /// Locations far apart in a large file are shown each with its own lines, not with the
    /// stretch between them; near each other, as one snippet.
    #[test]
    fn far_locations_are_shown_apart() {
        // Lines of 13 bytes: `k0000 = 0000`.
        let text: String = (0..4000).map(|i| format!("k{i:04} = {i:04}\n")).collect();
        let source = Source::new("p.toml", text);
        let at = |line: usize| (line - 1) * 13..(line - 1) * 13 + 5;
        let diagnostic = |primary: usize, secondary: usize| {
            Diagnostic::new(Code::UnknownKey, at(primary), "here")
                .secondary(at(secondary), "and there")
        };
        let far = plain_text(&[diagnostic(4000, 1)], &Files::profile(&source));
        assert!(
            far.contains("4000 | k3999 = 3999") && far.contains("1 | k0000 = 0000"),
            "{far}"
        );
        assert!(far.contains("::: p.toml:1:1"), "{far}");
        assert!(!far.contains("k2000"), "{far}");
        let near = plain_text(&[diagnostic(20, 10)], &Files::profile(&source));
        assert!(
            near.contains("10 | k0009") && near.contains("20 | k0019"),
            "{near}"
        );
        assert!(!near.contains(":::"), "{near}");
    }

    #[test]
    fn a_profile_diagnostic_names_file_line_column_code_and_help() {
        let (source, diagnostic) = sample();
        let text = plain_text(&[diagnostic], &Files::profile(&source));
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
        let text = plain_text(&[diagnostic], &Files::profile(&source));
        assert!(
            !text.contains('\u{9b}') && !text.contains('\u{202e}'),
            "{text}"
        );
        assert!(text.contains("a\u{b7}2J\u{fffd}b"), "{text}");
    }

    fn yaml_at(line: u32) -> YamlSpan {
        YamlSpan {
            file: "vs.yaml".into(),
            document: 0,
            line,
            resource: Some("VirtualService shop/c\u{1b}[2Jart".into()),
            path: Some(Path::of(&["spec", "hosts"]).index(0)),
        }
    }

    #[test]
    fn a_yaml_diagnostic_shows_its_line_object_and_field() {
        let sources = [Source::new(
            "vs.yaml",
            "kind: VirtualService\nspec:\n  hosts:\n  - \"a\u{9b}b\"\n",
        )];
        let diagnostic = Diagnostic::new(Code::Webhook, yaml_at(4), "bad host \u{7}");
        let text = plain_text(&[diagnostic], &Files::yaml(&sources));
        assert!(text.contains("error[webhook]: bad host \u{2407}"), "{text}");
        assert!(text.contains("--> vs.yaml:4:3\n"), "{text}");
        assert!(text.contains("4 |   - \"a\u{b7}b\""), "{text}");
        assert!(
            text.contains("  |   ^^^^^^^ VirtualService shop/c\u{241b}[2Jart: spec.hosts[0]\n"),
            "{text}"
        );
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\u{7}'),
            "{text}"
        );
    }

    #[test]
    fn a_yaml_diagnostic_without_its_text_still_says_where() {
        let diagnostic = Diagnostic::new(Code::Webhook, yaml_at(4), "bad host");
        let text = plain_text(&[diagnostic], &Files::default());
        assert!(text.contains("vs.yaml:4"), "{text}");
        assert!(text.contains("spec.hosts[0]"), "{text}");
        let file = Diagnostic::new(Code::OperatorNotAlone, Span::File("i.yaml".into()), "x");
        let text = plain_text(&[file], &Files::default());
        assert!(text.contains("--> i.yaml"), "{text}");
    }

    #[test]
    fn the_summary_line_counts_every_severity() {
        let mut summary = Summary {
            files: Checked::Yaml(2),
            objects: Some(1),
            schemas: Some(false),
            ..Summary::default()
        };
        summary.count(&[Diagnostic::new(Code::Webhook, yaml_at(1), "x")]);
        assert_eq!(
            summary.render(Style::Human { color: false }),
            "note: no --crds given: objects were not checked against CRD schemas\n\
             1 object in 2 files: 1 error, 0 warnings, 0 notes\n"
        );
        summary.namespace = Some("shop".into());
        summary.without_namespace = 1;
        assert!(summary.render(Style::Human { color: false }).contains(
            "note: objects without metadata.namespace (1) were checked in namespace shop"
        ));
        let profile = Summary {
            files: Checked::Profiles(vec!["p.toml".into()]),
            warnings: 2,
            ..Summary::default()
        };
        assert_eq!(
            profile.render(Style::Human { color: false }),
            "p.toml: 0 errors, 2 warnings, 0 notes\n"
        );
    }
}
