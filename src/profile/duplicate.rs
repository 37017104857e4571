//! A key or table defined twice. The TOML reader points only at the second definition; the
//! first is found here, in the text, so that both are labelled, and the help fits the case: a
//! table (`[services.cart]`) is merged, a key (`port = …`) is set once, and two spellings of one
//! key (`a` and `"a"`) are named as such.

use std::ops::Range;

use crate::diagnostic::{Code, Diagnostic};

/// The diagnostic for the duplicate at `span` (the second definition's key) in `text`.
pub(super) fn diagnostic(text: &str, span: Range<usize>) -> Diagnostic {
    let line_start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = line_of(text, line_start);
    let trimmed = line.trim_start();
    let first = if trimmed.starts_with('[') && !trimmed.starts_with("[[") {
        header(trimmed).and_then(|path| earlier_header(text, line_start, &path))
    } else {
        earlier_key(text, line_start, &spelled_key(text, &span))
    };
    let table = trimmed.starts_with('[');
    if let Some(name) = trimmed
        .strip_prefix("[[")
        .and_then(|inner| inner.split("]]").next())
    {
        let name = normal(name);
        return Diagnostic::new(
            Code::DuplicateKey,
            span,
            format!("[[{name}]] makes {name} a list of tables, but it is already a table"),
        )
        .label("second definition")
        .help(format!(
            "write {name} either as one table ([{name}], [{name}.…]) or as a list ([[{name}]]), not both"
        ));
    }
    let (message, help) = if table {
        let name = header(trimmed).unwrap_or_default();
        // `[services.NAME]`, `[external-services.NAME]`: a service, whose name is its identity.
        let service = name
            .split_once('.')
            .filter(|(table, rest)| {
                matches!(*table, "services" | "external-services") && !rest.contains('.')
            })
            .map(|(_, service)| service.to_string());
        if let Some(service) = service {
            let diagnostic = Diagnostic::new(
                Code::DuplicateKey,
                span,
                format!("service {service} is defined twice"),
            )
            .label("second definition");
            let help = format!(
                "a service is defined once: merge the two [{name}] tables into one, or rename \
                 one of them if they are two services"
            );
            return with_first(text, first, raw(trimmed, table), diagnostic, help);
        }
        (
            format!("table [{name}] is defined twice"),
            format!(
                "a table is defined once: move the keys of the second [{name}] into the first, \
                 and delete the second header"
            ),
        )
    } else {
        let name = spelled_key(text, &span);
        (
            format!("key `{name}` is set twice in this table"),
            format!(
                "keep one `{name} = …`: TOML does not let a later value replace an earlier one"
            ),
        )
    };
    let diagnostic = Diagnostic::new(Code::DuplicateKey, span, message).label("second definition");
    with_first(text, first, raw(trimmed, table), diagnostic, help)
}

/// `diagnostic` with the first definition labelled, when found, and `help`, which names two
/// spellings of one key when they differ.
fn with_first(
    text: &str,
    first: Option<Range<usize>>,
    spelled_second: &str,
    diagnostic: Diagnostic,
    help: String,
) -> Diagnostic {
    match first {
        Some(first) => {
            let spelled_first = text[first.clone()].trim();
            let help = if spelled_first == spelled_second {
                help
            } else {
                format!("{help} (`{spelled_first}` and `{spelled_second}` are one key to TOML)")
            };
            diagnostic.secondary(first, "first definition").help(help)
        }
        None => diagnostic.help(help),
    }
}

/// The duplicate key itself (the span TOML gives), as TOML compares it: in `a = {x = 1, x = 2}`
/// it is `x`, not the line's `a`.
fn spelled_key(text: &str, span: &Range<usize>) -> String {
    normal(text.get(span.clone()).unwrap_or_default())
}

/// The name as written on a header line (between the brackets) or a key line (before `=`).
fn raw(line: &str, table: bool) -> &str {
    let name = if table {
        line.strip_prefix('[')
            .and_then(|inner| inner.split(']').next())
            .unwrap_or(line)
    } else {
        line.split('=').next().unwrap_or(line)
    };
    name.trim()
}

fn line_of(text: &str, start: usize) -> &str {
    let rest = &text[start..];
    rest.split('\n').next().unwrap_or(rest)
}

/// A dotted name with quotes and the spaces around dots removed: how TOML compares keys.
fn normal(name: &str) -> String {
    name.split('.')
        .map(|part| {
            let part = part.trim();
            match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(basic) => unescape(basic),
                None => part.trim_matches('\'').to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The `\uXXXX` and `\UXXXXXXXX` escapes of a basic string, which name keys too; another
/// escape is kept as written.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let width = match after.chars().next() {
            Some('u') => 4,
            Some('U') => 8,
            _ => 0,
        };
        let decoded = after
            .get(1..=width)
            .filter(|_| width > 0)
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32);
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[1 + width..];
            }
            None => {
                out.push('\\');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The table a header line names, normalized.
fn header(line: &str) -> Option<String> {
    let inner = line.strip_prefix('[')?;
    let end = inner.find(']')?;
    Some(normal(&inner[..end]))
}

/// The key a `key = value` line sets, normalized.
fn key(line: &str) -> Option<String> {
    let (name, _) = line.split_once('=')?;
    Some(normal(name))
}

/// Each line before `before`: its start and its text.
fn lines_before(text: &str, before: usize) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text[..before].split_inclusive('\n').map(move |line| {
        let at = start;
        start += line.len();
        (at, line.trim_end_matches(['\n', '\r']))
    })
}

/// The span of the name in the last header before `before` that names `path`.
fn earlier_header(text: &str, before: usize, path: &str) -> Option<Range<usize>> {
    lines_before(text, before)
        .filter(|(_, line)| {
            let line = line.trim_start();
            !line.starts_with("[[") && header(line).as_deref() == Some(path)
        })
        .last()
        .map(|(at, line)| {
            let open = at + line.find('[').unwrap_or(0) + 1;
            let close = at + line.find(']').unwrap_or(line.len());
            open..close
        })
}

/// The span of the key on the line of the current table, before `before`, that sets `name`.
fn earlier_key(text: &str, before: usize, name: &str) -> Option<Range<usize>> {
    let mut found = None;
    for (at, line) in lines_before(text, before) {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            // A new table: what came before is another table's.
            found = None;
        } else if key(trimmed).as_deref() == Some(name) {
            let indent = line.len() - trimmed.len();
            let end = line
                .find('=')
                .map_or(line.len(), |i| line[..i].trim_end().len());
            found = Some(at + indent..at + end);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message, the labelled spans' text and the help, for a duplicate whose key is the
    /// first `key_len` bytes of the last `second` in `text`.
    fn labels(text: &str, second: &str, key_len: usize) -> (String, Vec<String>, Option<String>) {
        let start = text.rfind(second).unwrap();
        let diagnostic = diagnostic(text, start..start + key_len);
        let spans = diagnostic
            .locations()
            .map(|l| match &l.span {
                crate::diagnostic::Span::Toml(r) => text[r.clone()].to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        (diagnostic.message, spans, diagnostic.help)
    }

    #[test]
    fn a_table_defined_twice_labels_both_headers() {
        let text = "[services.hello]\nport = 1\n\n[[services.hello.callers]]\nnamespaces = []\n\n[services.hello]\nport = 2\n";
        let (message, spans, help) = labels(text, "hello]\nport = 2", 5);
        assert_eq!(message, "service hello is defined twice");
        assert_eq!(spans, ["hello", "services.hello"]);
        assert!(help.unwrap().starts_with("a service is defined once"));
        let other = "[mesh.tracing]\n[mesh.tracing]\n";
        let (message, spans, help) = labels(other, "tracing]\n", 7);
        assert_eq!(message, "table [mesh.tracing] is defined twice");
        assert_eq!(spans, ["tracing", "mesh.tracing"]);
        assert!(help.unwrap().starts_with("a table is defined once"));
    }

    #[test]
    fn a_key_set_twice_labels_both_in_its_table_only() {
        let text = "[a]\nport = 1\n[b]\nport = 2\nport = 3\n";
        let start = text.rfind("port").unwrap();
        let diagnostic = diagnostic(text, start..start + 4);
        let first = diagnostic.locations().nth(1).unwrap();
        assert_eq!(first.span, crate::diagnostic::Span::Toml(17..21));
        assert_eq!(diagnostic.message, "key `port` is set twice in this table");
    }

    #[test]
    fn two_spellings_of_one_key_are_named() {
        let text = "[services.\"hello\"]\nport = 1\n[services.hello]\n";
        let start = text.rfind("services.hello").unwrap();
        let diagnostic = diagnostic(text, start..start + 14);
        assert!(
            diagnostic
                .help
                .as_deref()
                .unwrap()
                .ends_with("(`services.\"hello\"` and `services.hello` are one key to TOML)"),
            "{:?}",
            diagnostic.help
        );
    }

    #[test]
    fn keys_compare_as_toml_reads_them() {
        assert_eq!(normal(r#"services."\u0061pi""#), "services.api");
        assert_eq!(normal(r#" a . 'b' . "c\U00000064" "#), "a.b.cd");
        assert_eq!(normal(r#""x\n\uZZZZ""#), r"x\n\uZZZZ");
    }

    #[test]
    fn without_a_first_definition_the_help_still_fits() {
        let diagnostic = diagnostic("a = {x = 1, x = 2}\n", 12..13);
        assert_eq!(diagnostic.message, "key `x` is set twice in this table");
        assert!(diagnostic.locations().nth(1).is_none());
        assert!(diagnostic.help.is_some());
        let array = super::diagnostic("[a.b]\n[[a]]\n", 8..9);
        assert_eq!(
            array.message,
            "[[a]] makes a a list of tables, but it is already a table"
        );
        assert!(array.help.is_some());
    }
}
