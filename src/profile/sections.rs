//! A TOML document parsed one table section at a time. The `toml` crate lexes a whole
//! document into a list of tokens and a list of parser events before it builds the tree: at
//! 10,000 services and 1,000 tenants (a 9.7 MB profile) those two lists were 223 MB of the
//! 467 MB heap peak of loading (heaptrack), alive together with the tree. Parsed section by
//! section, they only ever hold one section's.
//!
//! Each section (a `[table]` or `[[array]]` header and the keys under it, or the keys before the
//! first header) is parsed alone and laid into the document as the whole parse would have
//! placed it, with the same keys, values and spans. Where that needs rules this module does not
//! follow (a header that reopens a table, extends one a key defined, or goes through an array of
//! tables), and whenever a section does not parse, the whole document is parsed instead, so
//! that every error and every tree is the `toml` crate's own.

use std::collections::{HashMap, HashSet};

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use super::ahead::{self, Parsed};
use super::merge;

/// Below this size a document is parsed whole: its lists are small (a 1 MB profile's were
/// 22 MB), and moving each section's spans into place costs instructions (81 M of the 247 M
/// that loading the 1 MB profile took, callgrind). The shipped profiles are 30 kB at most,
/// layers together.
const SECTIONS_FROM: usize = 256 * 1024;

/// `text` parsed as [`DeTable::parse`] parses it, one section at a time where it can be and
/// the text is large enough for the lists to matter.
pub(super) fn parse(text: &str) -> Result<Spanned<DeTable<'_>>, toml::de::Error> {
    let sectioned = if text.len() < SECTIONS_FROM {
        None
    } else {
        by_section(text, &starts(text), &mut Keep)
    };
    match sectioned {
        Some(table) => Ok(Spanned::new(0..0, table)),
        None => DeTable::parse(text),
    }
}

/// Where each line that starts with `[` (after blanks) starts: every header does. So may a
/// line inside a multi-line array or string; the section before such a line then ends inside
/// that array or string and does not parse, and the whole document is parsed instead.
pub(super) fn starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start_matches([' ', '\t']).starts_with('[') {
            starts.push(at + line.len() - line.trim_start_matches([' ', '\t']).len());
        }
        at += line.len();
    }
    starts
}

/// What a header made of a key path, as far as this module lays sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Made {
    /// A table named on the way to a header's own (`services` of `[services.cart]`).
    Implicit,
    /// A `[table]`.
    Table,
    /// An `[[array]]` of tables.
    Array,
}

/// Takes finished entries of name-keyed tables (`[services.<name>]`) out of the document as
/// it is laid, so that their trees need not be alive together.
pub(super) trait Take<'i> {
    /// Whether entries of the top-level table `field` are taken.
    fn takes(&self, field: &str) -> bool;

    /// Takes the entry `key` of `field`, which no later section adds to, its spans counted
    /// from byte `at` of the text; `None` where the whole parse has to decide.
    fn take(
        &mut self,
        field: &str,
        key: Spanned<DeString<'i>>,
        value: Spanned<DeValue<'i>>,
        at: usize,
    ) -> Option<()>;
}

/// Takes nothing: the whole tree is built.
struct Keep;

impl<'i> Take<'i> for Keep {
    fn takes(&self, _: &str) -> bool {
        false
    }

    fn take(
        &mut self,
        _: &str,
        _: Spanned<DeString<'i>>,
        _: Spanned<DeValue<'i>>,
        _: usize,
    ) -> Option<()> {
        None
    }
}

/// `text` laid section by section as [`parse`] lays it, each entry of a table that `taker`
/// takes handed to it once the sections past it no longer add to it, and the rest of the
/// document; `None` where the whole parse has to decide, or where `text` is too small for the
/// sections to pay.
pub(super) fn taking<'i>(text: &'i str, taker: &mut dyn Take<'i>) -> Option<DeTable<'i>> {
    if text.len() < SECTIONS_FROM {
        return None;
    }
    by_section(text, &starts(text), taker)
}

/// The document of `text`, each section of it (from `starts`) parsed alone, less what `taker`
/// took; `None` where the whole parse has to decide.
///
/// An entry (`[services.cart]`, with any sections below it) is taken when the next header is
/// not below it. A later header at or below a taken entry, or naming the table that holds it,
/// would have to change what was taken: the whole parse decides then.
fn by_section<'i>(
    text: &'i str,
    starts: &[usize],
    taker: &mut dyn Take<'i>,
) -> Option<DeTable<'i>> {
    let first = *starts.first()?;
    let root = section(text, 0, first)?;
    ahead::lay_parsed(text, starts, |sections| lay_all(root, sections, taker))
}

/// `root`, the keys before the first header, with every section of `sections` laid into it as
/// [`by_section`] says.
fn lay_all<'i>(
    mut root: DeTable<'i>,
    sections: &mut dyn Iterator<Item = Parsed<'i>>,
    taker: &mut dyn Take<'i>,
) -> Option<DeTable<'i>> {
    let mut made: HashMap<Vec<String>, Made> = HashMap::new();
    let mut open: Option<[String; 2]> = None;
    let mut lone: Option<Lone<'i>> = None;
    let mut taken: HashSet<[String; 2]> = HashSet::new();
    for (start, table) in sections {
        let table = table?;
        let (path, kind) = header(&table)?;
        if open.as_ref().is_some_and(|entry| !path.starts_with(entry)) {
            let entry = open.take()?;
            match lone.take() {
                Some(only) => take_lone(&mut root, &mut made, only, entry, &mut taken, taker)?,
                None => take_entry(&mut root, entry, &mut taken, taker)?,
            }
        } else if let Some(only) = lone.take() {
            only.lay(&mut root, &mut made)?;
        }
        let through_taken = match path.as_slice() {
            [field] => taken.iter().any(|[f, _]| f == field),
            [field, name, ..] => taken.contains(&[field.clone(), name.clone()]),
            [] => false,
        };
        if through_taken {
            return None;
        }
        if let ([field, name, ..], None) = (path.as_slice(), &open) {
            if taker.takes(field) {
                open = Some([field.clone(), name.clone()]);
                if path.len() == 2 && kind == Made::Table {
                    lone = Some(Lone { table, start, path });
                    continue;
                }
            }
        }
        lay(&mut root, &mut made, merge::shift(table, start), path, kind)?;
    }
    if let Some(entry) = open {
        match lone {
            Some(only) => take_lone(&mut root, &mut made, only, entry, &mut taken, taker)?,
            None => take_entry(&mut root, entry, &mut taken, taker)?,
        }
    }
    Some(root)
}

/// An entry's first section, a `[field.name]` header and its keys, held back from the
/// document until the next header says whether the entry has more sections. Most entries
/// have none; such an entry is then taken as it was parsed, its spans still counted from its
/// own `start`, where moving every span of it (rebuilding each of its tables) only to lay it
/// into the document and take it out again cost 30 M instructions of the 236 M that loading
/// a 1 MB profile took (callgrind).
struct Lone<'i> {
    table: DeTable<'i>,
    start: usize,
    path: Vec<String>,
}

impl<'i> Lone<'i> {
    /// Lays the section into `root` as any other.
    fn lay(self, root: &mut DeTable<'i>, made: &mut HashMap<Vec<String>, Made>) -> Option<()> {
        lay(
            root,
            made,
            merge::shift(self.table, self.start),
            self.path,
            Made::Table,
        )
    }
}

/// Hands the entry `[field, name]`, whose only section is `only`, to `taker` as it was parsed,
/// and leaves `root` and `made` as laying the section and taking the entry out of the document
/// would ([`take_entry`]); where laying it would need more than adding it, it is laid and
/// taken that way.
fn take_lone<'i>(
    root: &mut DeTable<'i>,
    made: &mut HashMap<Vec<String>, Made>,
    only: Lone<'i>,
    entry: [String; 2],
    taken: &mut HashSet<[String; 2]>,
    taker: &mut dyn Take<'i>,
) -> Option<()> {
    let [field, name] = &entry;
    let holder = match (made.get(&only.path[..1]), root.get(field.as_str())) {
        (None, None) => Some(false),
        (Some(Made::Implicit | Made::Table), Some(held)) => match held.get_ref() {
            DeValue::Table(table) if !table.contains_key(name.as_str()) => Some(true),
            _ => None,
        },
        _ => None,
    };
    let Some(held) = holder.filter(|_| !made.contains_key(&only.path)) else {
        only.lay(root, made)?;
        return take_entry(root, entry, taken, taker);
    };
    let Lone {
        mut table,
        start,
        path,
    } = only;
    let DeValue::Table(entries) = table.get_mut(field.as_str())?.get_mut() else {
        return None;
    };
    let (key, value) = entries.remove_entry(name.as_str())?;
    if held {
        made.insert(path, Made::Table);
    } else {
        // The table that holds the entry, now empty, as laying the section would have made it.
        lay(root, made, merge::shift(table, start), path, Made::Table)?;
    }
    taker.take(field, key, value, start)?;
    taken.insert(entry);
    Some(())
}

/// Hands the entry `[field, name]` of `root` to `taker`, and remembers it in `taken`.
fn take_entry<'i>(
    root: &mut DeTable<'i>,
    entry: [String; 2],
    taken: &mut HashSet<[String; 2]>,
    taker: &mut dyn Take<'i>,
) -> Option<()> {
    let [field, name] = &entry;
    let DeValue::Table(table) = root.get_mut(field.as_str())?.get_mut() else {
        return None;
    };
    let (key, value) = table.remove_entry(name.as_str())?;
    taker.take(field, key, value, 0)?;
    taken.insert(entry);
    Some(())
}

/// The text from `start` to `end` parsed alone, its spans counted from `start`.
pub(super) fn section(text: &str, start: usize, end: usize) -> Option<DeTable<'_>> {
    Some(DeTable::parse(text.get(start..end)?).ok()?.into_inner())
}

/// The key path of a section's header and whether it names an array of tables: the section's
/// tables are the header's path, one key each, down to the value whose span is the header's
/// (it starts the section, at 0, as the section was parsed alone); the tables on the way have
/// their keys' spans.
fn header(section: &DeTable<'_>) -> Option<(Vec<String>, Made)> {
    let mut path = Vec::new();
    let mut here = section;
    loop {
        let mut entries = here.iter();
        let (key, value) = entries.next()?;
        if entries.next().is_some() {
            return None;
        }
        path.push(key.get_ref().to_string());
        match value.get_ref() {
            DeValue::Table(_) if value.span().start == 0 => return Some((path, Made::Table)),
            DeValue::Array(items) if value.span().start == 0 && items.len() == 1 => {
                return Some((path, Made::Array));
            }
            DeValue::Table(inner) if value.span().start > 0 => here = inner,
            _ => return None,
        }
    }
}

/// Lays a parsed section (its header's `path` and `kind`) into `root`, as the whole parse would: the
/// tables on its header's path are created where missing, then its table is added, or
/// completes one that only headers below it had named, or its array's table is appended.
/// `made` holds what earlier headers made; `None` for anything else.
fn lay<'i>(
    root: &mut DeTable<'i>,
    made: &mut HashMap<Vec<String>, Made>,
    section: DeTable<'i>,
    path: Vec<String>,
    kind: Made,
) -> Option<()> {
    let mut here = root;
    let mut there = section;
    for depth in 1..=path.len() {
        let (key, value) = there.into_iter().next()?;
        let known = made.get(&path[..depth]).copied();
        if depth < path.len() {
            match known {
                Some(Made::Implicit | Made::Table) => {
                    let DeValue::Table(below) = here.get_mut(key.get_ref().as_ref())?.get_mut()
                    else {
                        return None;
                    };
                    let DeValue::Table(next) = value.into_inner() else {
                        return None;
                    };
                    here = below;
                    there = next;
                    continue;
                }
                Some(Made::Array) => return None,
                None if here.contains_key(key.get_ref().as_ref()) => return None,
                None => {
                    for end in depth..path.len() {
                        made.insert(path[..end].to_vec(), Made::Implicit);
                    }
                    made.insert(path, kind);
                    here.insert(key, value);
                    return Some(());
                }
            }
        }
        match (kind, known) {
            (_, None) if !here.contains_key(key.get_ref().as_ref()) => {
                here.insert(key, value);
            }
            (Made::Table, Some(Made::Implicit)) => {
                let (_, named) = here.remove_entry(key.get_ref().as_ref())?;
                let span = value.span();
                let (DeValue::Table(mut table), DeValue::Table(below)) =
                    (value.into_inner(), named.into_inner())
                else {
                    return None;
                };
                for (name, inner) in below {
                    if table.contains_key(name.get_ref().as_ref()) {
                        return None;
                    }
                    table.insert(name, inner);
                }
                here.insert(key, Spanned::new(span, DeValue::Table(table)));
            }
            (Made::Array, Some(Made::Array)) => {
                let DeValue::Array(items) = here.get_mut(key.get_ref().as_ref())?.get_mut() else {
                    return None;
                };
                let DeValue::Array(added) = value.into_inner() else {
                    return None;
                };
                for item in added {
                    items.push(item);
                }
            }
            _ => return None,
        }
        made.insert(path, kind);
        return Some(());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::fmt::Write as _;
    use std::ops::Range;

    /// Every key, value and span of a document, in key order.
    fn shape(table: &DeTable<'_>) -> String {
        let mut out = String::new();
        table_shape(table, &mut out);
        out
    }

    fn table_shape(table: &DeTable<'_>, out: &mut String) {
        out.push('{');
        for (key, value) in table {
            let _ = write!(out, "{:?}@{:?}=", key.get_ref(), key.span());
            value_shape(value.get_ref(), value.span(), out);
            out.push(',');
        }
        out.push('}');
    }

    fn value_shape(value: &DeValue<'_>, span: Range<usize>, out: &mut String) {
        match value {
            DeValue::Table(table) => table_shape(table, out),
            DeValue::Array(items) => {
                out.push('[');
                for item in items {
                    value_shape(item.get_ref(), item.span(), out);
                    out.push(',');
                }
                out.push(']');
            }
            other => {
                let _ = write!(out, "{other:?}");
            }
        }
        let _ = write!(out, "@{span:?}");
    }

    /// The sections, where they are laid, give the whole parse's tree, spans included; and
    /// [`parse`] gives the whole parse's tree or its error.
    fn same_as_whole(text: &str) {
        let whole = DeTable::parse(text);
        match (by_section(text, &starts(text), &mut Keep), &whole) {
            (Some(sectioned), Ok(whole)) => {
                assert_eq!(shape(&sectioned), shape(whole.get_ref()), "{text}");
            }
            (Some(_), Err(error)) => panic!("{text}: laid by section, but it is {error}"),
            (None, _) => {}
        }
        match (parse(text), whole) {
            (Ok(parsed), Ok(whole)) => {
                assert_eq!(shape(parsed.get_ref()), shape(whole.get_ref()), "{text}");
                assert_eq!(parsed.span(), whole.span());
            }
            (Err(parsed), Err(whole)) => assert_eq!(parsed, whole, "{text}"),
            (parsed, whole) => panic!("{text}: whole {whole:?}, parsed {parsed:?}"),
        }
    }

    /// Whether `text` was laid section by section rather than parsed whole.
    fn sectioned(text: &str) -> bool {
        by_section(text, &starts(text), &mut Keep).is_some()
    }

    #[test]
    fn sections_give_the_whole_parse() {
        for text in [
            "",
            "a = 1\n",
            "a = 1\n[b]\nc = 2\n",
            "[services.a]\nport = 1\n[services.b]\nport = 2\n[gateway]\nname = \"g\"\n",
            "[a.b.c]\nx = 1\n[a]\ny = 2\n[a.b]\nz = 3\n",
            "[[expect]]\nfrom = \"a\"\n[[expect]]\nfrom = \"b\"\n\n  [[expect]] # third\nx = 1\n",
            "x = [\n  [1, 2],\n  [3],\n]\n[t]\ny = { a = [\n1] }\n",
            "s = \"\"\"\n[not.a.header]\n\"\"\"\n[t]\nk = '''\n[[nor]]\n'''\n",
            "\"quoted.key\" = 1\n[\"a.b\".'c']\nd = 2\n[ spaced . path ]\ne = 3\n",
        ] {
            same_as_whole(text);
        }
        assert!(sectioned(
            "[services.a]\nport = 1\n[services.b]\nport = 2\n"
        ));
        assert!(sectioned("[a.b.c]\nx = 1\n[a]\ny = 2\n"));
        assert!(sectioned("[[e]]\nx = 1\n[[e]]\nx = 2\n"));
    }

    #[test]
    fn a_section_starts_at_each_line_that_starts_with_a_bracket() {
        assert_eq!(
            starts("a = [1]\n[b]\n  [[c]]\r\n\tx = \"[d]\"\n[e] # [f]\n"),
            vec![8, 14, 32]
        );
        assert_eq!(starts("a = 1\n"), Vec::<usize>::new());
    }

    #[test]
    fn what_the_sections_cannot_decide_is_parsed_whole() {
        for text in [
            // A table defined twice, and a key defined twice across a header.
            "[a]\nx = 1\n[a]\ny = 2\n",
            "[a]\nb = 1\n[a.b]\nc = 2\n",
            "a = { b = 1 }\n[a.c]\nd = 2\n",
            "a.b = 1\n[a.c]\nd = 2\n",
            // Dotted keys into a table a header named, which the whole parse accepts.
            "[a.b.c]\nx = 1\n[a]\nb.y = 2\n",
            // A header through, or over, an array.
            "[[e]]\nx = 1\n[e.f]\ny = 2\n",
            "e = [1]\n[[e]]\nx = 1\n",
            "[[e]]\nx = 1\n[e]\ny = 2\n",
            "[e]\nx = 1\n[[e]]\ny = 2\n",
            // Sections that do not parse, and brackets that do not balance.
            "[a]\nx = \n[b]\ny = 1\n",
            "[a\nx = 1\n",
            "x = ]\n[a]\n",
            "x = [\n[a]\ny = 1\n",
        ] {
            assert!(!sectioned(text), "{text}");
            same_as_whole(text);
        }
    }

    /// Every `.toml` file under `folder`.
    fn tomls(folder: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(folder) else {
            return;
        };
        for path in entries.flatten().map(|entry| entry.path()) {
            if path.is_dir() {
                tomls(&path, found);
            } else if path.extension().is_some_and(|e| e == "toml") {
                found.push(path);
            }
        }
    }

    #[test]
    fn every_profile_and_fixture_parses_as_a_whole() {
        let mut files = Vec::new();
        tomls("profiles".as_ref(), &mut files);
        tomls("tests/fixtures".as_ref(), &mut files);
        assert!(files.len() > 300, "{} files", files.len());
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            same_as_whole(text.strip_prefix('\u{feff}').unwrap_or(&text));
        }
        let synthetic = crate::synth::profile(crate::synth::Shape::services(400));
        assert!(synthetic.len() >= SECTIONS_FROM);
        assert!(sectioned(&synthetic));
        same_as_whole(&synthetic);
    }
}
