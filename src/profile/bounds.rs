//! The size limits of [`crate::limits`], checked on the parsed TOML before it becomes a
//! profile, so that no later stage ever holds more than they allow.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use crate::diagnostic::{Code, Diagnostic};
use crate::limits::{MAX_ENTRIES, MAX_SERVICES, MAX_STRING_BYTES, MAX_TENANTS};

/// Every string, table and list of the document that goes over a limit, and every date (which
/// serde would report as a table).
pub(super) fn exceeded(root: &DeTable<'_>) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    table(root, &mut Vec::new(), &mut found);
    found
}

/// Whether the entry `key` of the top-level table `field` (`[services.<name>]`), and what it
/// holds, are within every limit [`exceeded`] checks.
pub(super) fn entry_within<'a>(
    field: &'a str,
    key: &'a Spanned<DeString<'_>>,
    value: &'a Spanned<DeValue<'_>>,
) -> bool {
    let mut found = Vec::new();
    string(key.get_ref(), key.span(), &mut found);
    self::value(value, &mut vec![field, key.get_ref()], &mut found);
    found.is_empty()
}

/// Whether the top-level table `field` may hold `count` entries.
pub(super) fn entries_within(field: &str, count: usize) -> bool {
    count <= entries_limit(&[field])
}

/// `path` is the key path of `table`; it grows and shrinks by one key as the walk goes down
/// and back up, so that no key path is allocated per key (the walk of a 1 MB profile made one
/// for each of its keys).
fn table<'a>(table: &'a DeTable<'_>, path: &mut Vec<&'a str>, found: &mut Vec<Diagnostic>) {
    let limit = entries_limit(path);
    if table.len() > limit {
        // Tables sort by key; the entry to point at is the first one over the limit in the file.
        let mut starts: Vec<Range<usize>> = table.keys().map(Spanned::span).collect();
        starts.sort_by_key(|span| span.start);
        if let Some(span) = starts.get(limit) {
            found.push(too_many(span.clone(), path, limit, "entries"));
        }
    }
    for (key, value) in table {
        string(key.get_ref(), key.span(), found);
        path.push(key.get_ref());
        self::value(value, path, found);
        path.pop();
    }
}

fn value<'a>(
    value: &'a Spanned<DeValue<'_>>,
    path: &mut Vec<&'a str>,
    found: &mut Vec<Diagnostic>,
) {
    match value.get_ref() {
        DeValue::String(text) => string(text, value.span(), found),
        DeValue::Table(inner) => table(inner, path, found),
        DeValue::Array(items) => {
            let limit = entries_limit(path);
            if let Some(extra) = items.get(limit) {
                found.push(too_many(extra.span(), path, limit, "items"));
            }
            for item in items {
                self::value(item, path, found);
            }
        }
        // serde would call a date a "map"; no key of a profile takes one.
        DeValue::Datetime(_) => found.push(
            Diagnostic::new(
                Code::WrongType,
                value.span(),
                "a TOML date or time, which no key of a profile takes",
            )
            .label("an unquoted date or time")
            .help("quote the value if it is text"),
        ),
        DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_) => {}
    }
}

/// The tables and lists that name services may hold as many as a mesh has services.
fn entries_limit(path: &[&str]) -> usize {
    match path {
        ["external-services"] | ["gateway", "routes"] | [.., "services"] => MAX_SERVICES,
        ["tenants"] => MAX_TENANTS,
        _ => MAX_ENTRIES,
    }
}

fn string(text: &str, span: Range<usize>, found: &mut Vec<Diagnostic>) {
    if text.len() > MAX_STRING_BYTES {
        // Only the start of the string is shown: it can be megabytes long.
        let start = span.start;
        found.push(
            Diagnostic::new(
                Code::TooLarge,
                start..start + 1,
                format!(
                    "this string is {} bytes long; meshc reads strings of at most \
                     {MAX_STRING_BYTES} bytes",
                    text.len()
                ),
            )
            .label("starts here")
            .help("no key of a profile needs a longer value"),
        );
    }
}

fn too_many(span: Range<usize>, path: &[&str], limit: usize, what: &str) -> Diagnostic {
    let name = if path.is_empty() {
        "the profile".to_string()
    } else {
        format!("`{}`", path.join("."))
    };
    Diagnostic::new(
        Code::TooLarge,
        span,
        format!("{name} holds more than {limit} {what}"),
    )
    .label(format!(
        "entry {} and the ones after it are too many",
        limit + 1
    ))
    .help(if limit == MAX_SERVICES || limit == MAX_TENANTS {
        "split the mesh into several profiles, one per namespace"
    } else {
        "meshc reads at most 256 entries in one table or list; a profile that needs more is \
         better split, one per namespace"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(Code, String)> {
        let table = DeTable::parse(text).unwrap();
        exceeded(table.get_ref())
            .into_iter()
            .map(|d| {
                (
                    d.code,
                    text[d.profile_span().unwrap_or_default()].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn long_strings_are_refused_at_their_start() {
        let long = "x".repeat(MAX_STRING_BYTES + 1);
        let found = codes(&format!("[mesh]\nid = \"{long}\"\n"));
        assert_eq!(found, [(Code::TooLarge, "\"".to_string())]);
        let found = codes(&format!("[services.\"{long}\"]\nport = 1\n"));
        assert_eq!(found.len(), 1);
        assert!(codes(&format!("a = \"{}\"\n", "x".repeat(MAX_STRING_BYTES))).is_empty());
    }

    #[test]
    fn tables_and_lists_are_counted_by_what_they_hold() {
        let services: String = (0..=MAX_SERVICES)
            .map(|i| format!("[services.s{i}]\nport = 1\n"))
            .collect();
        let found = codes(&services);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.starts_with('s'), "{found:?}");
        let methods = vec!["\"GET\""; MAX_ENTRIES + 1].join(", ");
        assert_eq!(
            codes(&format!("[tenants.a]\nmethods = [{methods}]\n")).len(),
            1
        );
        let names = vec!["\"a\""; MAX_ENTRIES + 1].join(", ");
        assert!(codes(&format!("[tenants.a]\nservices = [{names}]\n")).is_empty());
    }
}
