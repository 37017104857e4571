//! Layered profiles: `extends = "base.toml"` at the top of a profile makes it an overlay of
//! another. [`read`] follows the chain from the file named on the command line to the last
//! base, reading each file once, into one [`Source`]; [`parse`] turns each file of it into TOML
//! in one address space and lays them over each other (the rules are in [`super::merge`]).

use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::merge::{self, Overrides};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::limits::{MAX_LAYERS, MAX_PROFILE_BYTES};
use crate::source::Source;

/// The key that names the profile a file extends.
pub(super) const EXTENDS: &str = "extends";
/// The key that lists the inherited entries an overlay takes out.
pub(super) const REMOVE: &str = "remove";

/// Follows `extends` from `top`, read from `path`: each base is read with `read_file`, given
/// its path (relative to the file that names it) and the bytes left of the profile size limit,
/// and placed in the returned source. A base that cannot be read, a cycle, a chain too long or
/// too large, or a base that is not UTF-8 ends the chain with a diagnostic; a file that is not
/// TOML ends it silently, for [`parse`] to report.
pub fn read(
    top: Source,
    path: &Path,
    read_file: &mut dyn FnMut(&Path, usize) -> std::io::Result<Vec<u8>>,
) -> (Source, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let mut source = top;
    let mut chain = vec![(normal(path), source.name().to_string())];
    let mut disk = path.to_path_buf();
    loop {
        let (offset, file) = source.layers().last().unwrap_or((0, &source));
        let Some((name, span)) = named_base(file.text()) else {
            break;
        };
        let span = span.start + offset..span.end + offset;
        let base_disk = beside(&disk, &name);
        let base_name = normal(&beside(Path::new(file.name()), &name))
            .to_string_lossy()
            .replace('\\', "/");
        if chain.len() >= MAX_LAYERS {
            diagnostics.push(
                Diagnostic::new(
                    Code::TooLarge,
                    span,
                    format!(
                        "this `extends` makes the chain longer than {MAX_LAYERS} profiles, the \
                         most meshc reads"
                    ),
                )
                .label("one base too many")
                .help("merge some of the bases into one"),
            );
            break;
        }
        let key = normal(&base_disk);
        if let Some(first) = chain.iter().position(|(seen, _)| *seen == key) {
            let names: Vec<&str> = chain[first..].iter().map(|(_, n)| n.as_str()).collect();
            diagnostics.push(
                Diagnostic::new(
                    Code::ExtendsCycle,
                    span,
                    format!(
                        "`extends` makes a cycle: {} -> {base_name}",
                        names.join(" -> ")
                    ),
                )
                .label("extends a profile that extends this one")
                .help("a base must not extend its overlays: remove `extends` from the base, or point it at another file"),
            );
            break;
        }
        let used: usize = source.layers().map(|(_, f)| f.text().len()).sum();
        let left = MAX_PROFILE_BYTES.saturating_sub(used);
        let bytes = match read_file(&base_disk, left) {
            Ok(bytes) => bytes,
            Err(error) => {
                diagnostics.push(
                    Diagnostic::new(
                        Code::MissingBase,
                        span,
                        format!("cannot read the profile this one extends, {base_name}: {error}"),
                    )
                    .label("extended here")
                    .help("`extends` takes a path relative to the file that holds it"),
                );
                break;
            }
        };
        if bytes.len() > left {
            diagnostics.push(
                Diagnostic::new(
                    Code::TooLarge,
                    span,
                    format!(
                        "this profile and the ones it extends are more than {MAX_PROFILE_BYTES} \
                         bytes together; meshc reads at most {MAX_PROFILE_BYTES}"
                    ),
                )
                .label("this base goes over the limit")
                .help("split the mesh into several profiles, one per namespace"),
            );
            break;
        }
        match super::decode(base_name.clone(), bytes) {
            Ok(base) => source = source.with_base(base),
            Err(invalid) => {
                let (base, diagnostic) = *invalid;
                source = source.with_base(base);
                let (start, _) = source.layers().last().unwrap_or((0, &source));
                diagnostics.push(diagnostic.shifted(start));
                break;
            }
        }
        chain.push((key, base_name));
        disk = base_disk;
    }
    (source, diagnostics)
}

/// The `extends` value of a profile's text and its span there, if it names one. A text that
/// is not TOML, or whose `extends` is not a string, names none: [`parse`] reports it.
fn named_base(text: &str) -> Option<(String, Range<usize>)> {
    // Most profiles extend none: they are not parsed twice.
    if !may_extend(text) {
        return None;
    }
    let text_start = text.len() - text.trim_start_matches('\u{feff}').len();
    let table = DeTable::parse(&text[text_start..]).ok()?.into_inner();
    let value = table.get(EXTENDS)?;
    let name = value.get_ref().as_str()?.to_string();
    let span = value.span();
    Some((name, span.start + text_start..span.end + text_start))
}

/// Whether `text` may have an `extends` key: the word is on a line that is not a comment, or a
/// line starts with a quoted key that holds an escape, which may spell it (`"\u0065xtends"`).
/// A key starts its line, so a line that starts with `#` (a comment, or text in a multi-line
/// string) holds none, and an escape further on (in a string value, such as the regex of the
/// shipped base's CORS origins) spells no key. A base that only mentions `extends` in its
/// comments is then not parsed an extra time: that parse was 2.8 M of prod's 86 M instructions
/// (callgrind, issue 13), and, while any backslash made a line a candidate, 2.4 M of 60.8 M
/// for the one in the shipped base's regex.
fn may_extend(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        !line.starts_with('#')
            && (line.contains(EXTENDS) || line.starts_with('"') && line.contains('\\'))
    })
}

/// `name` as a path beside `file` (relative to its folder), as `extends` means it.
fn beside(file: &Path, name: &str) -> PathBuf {
    file.parent().unwrap_or(Path::new("")).join(name)
}

/// A path with `.` and `..` resolved by its text, so that one file named two ways is known as
/// one (a link is followed only by the limit on the chain's length).
fn normal(path: &Path) -> PathBuf {
    let mut parts: Vec<Component<'_>> = Vec::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if parts
                    .last()
                    .is_some_and(|p| matches!(p, Component::Normal(_))) =>
            {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

/// Every file of `source` parsed, its spans in the address space, and laid over each other:
/// the last base first, then each overlay over it, its `remove` applied before its values. The
/// merged document, and where an overlay replaced a value.
pub(super) fn parse(source: &Source) -> Result<(Spanned<DeTable<'_>>, Overrides), Diagnostics> {
    let mut layers = Vec::new();
    let mut diagnostics = Diagnostics::new();
    let files: Vec<(usize, &Source)> = source.layers().collect();
    for (i, &(offset, file)) in files.iter().enumerate() {
        let text = file.text();
        // A byte-order mark is not TOML; editors on Windows write one, so accept it.
        let trimmed = text.strip_prefix('\u{feff}').unwrap_or(text);
        let start = offset + text.len() - trimmed.len();
        let document = super::sections::parse(trimmed)
            .map_err(|e| super::serde_error::diagnose(&e, trimmed).shifted(start))?;
        let span = document.span();
        let span = span.start + start..span.end + start;
        let mut table = merge::shift(document.into_inner(), start);
        let extends = table.remove(EXTENDS);
        let removals = table.remove(REMOVE);
        // The chain ends at the first file that extends none: files placed after it (by a
        // caller that built the source itself) are no part of the profile.
        let extends_none = extends.is_none();
        let last = extends_none || i + 1 == files.len();
        if let Some(value) = extends {
            if !value.get_ref().is_str() {
                diagnostics.push(not_a(
                    &value,
                    "a string, the path of the profile this one extends",
                ));
            } else if last {
                diagnostics.push(
                    Diagnostic::new(
                        Code::MissingBase,
                        value.span(),
                        "the profile this one extends was not read",
                    )
                    .label("extended here")
                    .help(
                        "meshc's library reads no files: read a layered profile with the \
                         command line, which follows `extends`",
                    ),
                );
            }
        }
        let removals = match removals {
            None => Vec::new(),
            Some(value) => match value.get_ref() {
                DeValue::Array(items) if items.iter().all(|i| i.get_ref().is_str()) => items
                    .iter()
                    .filter_map(|i| Some((i.get_ref().as_str()?.to_string(), i.span())))
                    .collect(),
                _ => {
                    diagnostics.push(not_a(
                        &value,
                        "a list of dotted key paths, such as `remove = [\"services.legacy-api\"]`",
                    ));
                    Vec::new()
                }
            },
        };
        if !removals.is_empty() && extends_none {
            let (_, at) = &removals[0];
            diagnostics.push(
                Diagnostic::new(
                    Code::UnknownRemoval,
                    at.clone(),
                    "`remove` takes out inherited entries, but this profile extends none",
                )
                .label("nothing inherited")
                .help("delete `remove`, or add `extends = \"<base>.toml\"` above it"),
            );
        }
        layers.push((table, removals, span));
        if last {
            break;
        }
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let mut overrides = Overrides::default();
    let mut layers = layers.into_iter().rev();
    let Some((mut merged, _, mut span)) = layers.next() else {
        return Ok((Spanned::new(0..0, DeTable::default()), overrides));
    };
    for (table, removals, top) in layers {
        for (path, at) in removals {
            if let Err(refused) = merge::remove(&mut merged, &path, at) {
                diagnostics.extend(refused);
            }
        }
        merge::merge(&mut merged, table, &mut overrides);
        span = top;
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    Ok((Spanned::new(span, merged), overrides))
}

fn not_a(value: &Spanned<DeValue<'_>>, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::WrongType,
        value.span(),
        format!("expected {what}, found {}", value.get_ref().type_str()),
    )
    .label("wrong type")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_line_that_is_no_comment_may_extend() {
        assert!(!may_extend("# every profile extends this one\n[mesh]\n"));
        assert!(!may_extend("  # extends = \"base.toml\"\n"));
        assert!(may_extend("extends = \"base.toml\"\n"));
        assert!(may_extend("  \"extends\" = \"base.toml\" # a comment\n"));
        // Text in a string may say it too; the parse then finds no key, as before.
        assert!(may_extend("description = \"extends nothing\"\n"));
        // TOML's escapes may spell the key in a quoted one.
        assert!(may_extend("\"\\u0065xtends\" = \"base.toml\"\n"));
        assert!(may_extend("\u{feff}\"\\u0065xtends\" = \"base.toml\"\n"));
        // An escape in a value spells no key.
        assert!(!may_extend(
            "origins = ['https://[a-z0-9-]+\\.example\\.io']\n"
        ));
        assert!(!may_extend("description = \"a \\\"quoted\\\" word\"\n"));
        assert_eq!(
            named_base("\"\\u0065xtends\" = \"a.toml\"\n").map(|(name, _)| name),
            Some("a.toml".to_string())
        );
        assert_eq!(named_base("# extends = \"a.toml\"\n"), None);
        assert_eq!(
            named_base("# a\nextends = \"a.toml\"\n").map(|(name, _)| name),
            Some("a.toml".to_string())
        );
    }
}
