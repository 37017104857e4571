//! The merge of a layered profile's files, on the parsed TOML before it becomes a profile:
//! tables merge key by key (a table of named entries, such as `[services]`, so merges by name),
//! any other value, arrays included, replaces the one below it whole, and `remove` takes an
//! inherited entry out. Every value keeps the span it was read at, so that a diagnostic about
//! it points into the file that set it.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::suggest::did_you_mean;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

/// What the overlays did to their bases' values, so that a diagnostic can show both sides.
#[derive(Debug, Default)]
pub(crate) struct Overrides {
    /// Values an overlay replaced: the new value's span, the old one's.
    replaced: Vec<(Range<usize>, Range<usize>)>,
    /// Tables an overlay merged into a base's: the base table's span, which the merged table
    /// keeps, and the overlay's.
    merged: Vec<(Range<usize>, Range<usize>)>,
}

/// Moves every span of `table` by `by` bytes, into its file's place in the address space.
pub(super) fn shift(table: DeTable<'_>, by: usize) -> DeTable<'_> {
    if by == 0 {
        return table;
    }
    table
        .into_iter()
        .map(|(key, value)| {
            (
                moved(&key.span(), by, key.into_inner()),
                shift_value(value, by),
            )
        })
        .collect()
}

fn shift_value(value: Spanned<DeValue<'_>>, by: usize) -> Spanned<DeValue<'_>> {
    let span = value.span();
    let inner = match value.into_inner() {
        DeValue::Table(table) => DeValue::Table(shift(table, by)),
        DeValue::Array(mut items) => {
            for item in items.iter_mut() {
                let taken = std::mem::replace(item, Spanned::new(0..0, DeValue::Boolean(false)));
                *item = shift_value(taken, by);
            }
            DeValue::Array(items)
        }
        other => other,
    };
    moved(&span, by, inner)
}

fn moved<T>(span: &Range<usize>, by: usize, value: T) -> Spanned<T> {
    Spanned::new(span.start + by..span.end + by, value)
}

/// Lays `overlay` over `base`: a table over a table merges key by key; anything else replaces
/// what was there, recorded in `overrides`.
pub(super) fn merge<'a>(base: &mut DeTable<'a>, overlay: DeTable<'a>, overrides: &mut Overrides) {
    for (key, value) in overlay {
        let Some(old) = base.get_mut(key.get_ref().as_ref()) else {
            base.insert(key, value);
            continue;
        };
        let old_span = old.span();
        if let (DeValue::Table(below), DeValue::Table(_)) = (old.get_mut(), value.get_ref()) {
            overrides.merged.push((old_span, value.span()));
            if let DeValue::Table(above) = value.into_inner() {
                merge(below, above, overrides);
            }
            continue;
        }
        overrides.replaced.push((value.span(), old_span));
        // The key too is the overlay's: a diagnostic about it points where it was last set.
        base.remove(key.get_ref().as_ref());
        base.insert(key, value);
    }
}

/// `diagnostics`, each that points at a value an overlay set over a base's with the base's
/// value labelled too, so that the reader sees what the overlay replaced; and each that points
/// at a table an overlay merged into with the overlay's table labelled, since the keys of the
/// two make the table it is about.
pub(crate) fn point_at_overridden(diagnostics: Diagnostics, overrides: &Overrides) -> Diagnostics {
    if overrides.replaced.is_empty() && overrides.merged.is_empty() {
        return diagnostics;
    }
    let mut pointed = Diagnostics::new();
    for diagnostic in &diagnostics {
        let mut diagnostic = diagnostic.clone();
        if let Some(at) = diagnostic.profile_span() {
            let replaced = overrides
                .replaced
                .iter()
                .find(|(new, _)| new.start <= at.start && at.end <= new.end);
            if let Some((_, old)) = replaced {
                diagnostic = diagnostic.secondary(old.clone(), "the value this one overrides");
            }
            for (_, overlay) in overrides.merged.iter().filter(|(base, _)| *base == at) {
                diagnostic = diagnostic.secondary(overlay.clone(), "merged with this table");
            }
        }
        pointed.push(diagnostic);
    }
    pointed
}

/// Takes the entry `path` (a dotted key path, written at `at`) out of `table`, or says why it
/// cannot: the profiles below do not have it, or the path goes through a value that is not a
/// table.
pub(super) fn remove(
    table: &mut DeTable<'_>,
    path: &str,
    at: Range<usize>,
) -> Result<(), Diagnostics> {
    let parts: Vec<&str> = path.split('.').collect();
    let mut here = table;
    for (i, part) in parts.iter().enumerate() {
        if !here.contains_key(*part) {
            let keys: Vec<&str> = here.keys().map(|k| k.get_ref().as_ref()).collect();
            return Err(not_there(path, &parts[..i].join("."), part, &keys, at).into());
        }
        if i + 1 == parts.len() {
            here.remove(*part);
            return Ok(());
        }
        let Some(DeValue::Table(next)) = here.get_mut(*part).map(Spanned::get_mut) else {
            return Err(Diagnostic::new(
                Code::UnknownRemoval,
                at,
                format!(
                    "`{path}` cannot be removed: `{}` is not a table",
                    parts[..=i].join(".")
                ),
            )
            .label("not a table entry")
            .help(
                "`remove` names tables and their keys; a list is replaced whole by writing it \
                 again",
            )
            .into());
        };
        here = next;
    }
    // `split` yields at least one part, so the loop has returned.
    Err(not_there(path, "", "", &[], at).into())
}

fn not_there(path: &str, within: &str, part: &str, keys: &[&str], at: Range<usize>) -> Diagnostic {
    let help = match did_you_mean(part, keys.iter().copied()) {
        Some(best) if within.is_empty() => format!("did you mean `{best}`?"),
        Some(best) => format!("did you mean `{within}.{best}`?"),
        None => "name an entry that a profile this one extends sets, as a dotted path such as \
                 `services.legacy-api`"
            .to_string(),
    };
    Diagnostic::new(
        Code::UnknownRemoval,
        at,
        format!("`{path}` cannot be removed: the profiles this one extends do not set it"),
    )
    .label("not inherited")
    .help(help)
}

/// One effective value: its key path (`services.cart.port`, `expect[2].from`), the value as
/// TOML writes it, and the span that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The key path.
    pub path: String,
    /// The value, as TOML (arrays of plain values inline).
    pub value: String,
    /// Where it was set, in the address space of the profile's files.
    pub span: Range<usize>,
}

/// Every leaf of `table` with its origin, in key order.
pub(super) fn leaves(table: &DeTable<'_>, prefix: &str, found: &mut Vec<Origin>) {
    for (key, value) in table {
        let key = key.get_ref().as_ref();
        let bare = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let key = if bare {
            key.to_string()
        } else {
            format!("{key:?}")
        };
        let path = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        leaf(value, path, found);
    }
}

fn leaf(value: &Spanned<DeValue<'_>>, path: String, found: &mut Vec<Origin>) {
    match value.get_ref() {
        DeValue::Table(table) => leaves(table, &path, found),
        DeValue::Array(items)
            if items
                .iter()
                .any(|i| i.get_ref().is_table() || i.get_ref().is_array()) =>
        {
            for (i, item) in items.iter().enumerate() {
                leaf(item, format!("{path}[{i}]"), found);
            }
        }
        _ => found.push(Origin {
            path,
            value: inline(value.get_ref()),
            span: value.span(),
        }),
    }
}

/// A plain value, or an array of plain values, as TOML writes it.
fn inline(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(text) => format!("{text:?}"),
        DeValue::Integer(number) => number.as_str().to_string(),
        DeValue::Float(number) => number.as_str().to_string(),
        DeValue::Boolean(flag) => flag.to_string(),
        DeValue::Datetime(date) => date.to_string(),
        DeValue::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| inline(i.get_ref()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DeValue::Table(_) => "{}".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str, by: usize) -> DeTable<'_> {
        shift(DeTable::parse(text).unwrap().into_inner(), by)
    }

    fn effective(table: &DeTable<'_>) -> Vec<(String, String, Range<usize>)> {
        let mut found = Vec::new();
        leaves(table, "", &mut found);
        found
            .into_iter()
            .map(|o| (o.path, o.value, o.span))
            .collect()
    }

    #[test]
    fn tables_merge_by_key_and_everything_else_replaces() {
        let base_text = "[services.a]\nport = 1\nhosts = [\"x\", \"y\"]\n[services.b]\nport = 2\n";
        let overlay_text = "[services.a]\nport = 3\nhosts = [\"z\"]\n[services.c]\nport = 4\n";
        let mut base = parsed(base_text, 100);
        let mut overrides = Overrides::default();
        merge(&mut base, parsed(overlay_text, 0), &mut overrides);
        let leaves = effective(&base);
        let shown: Vec<(&str, &str)> = leaves
            .iter()
            .map(|(p, v, _)| (p.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("services.a.hosts", "[\"z\"]"),
                ("services.a.port", "3"),
                ("services.b.port", "2"),
                ("services.c.port", "4"),
            ]
        );
        // b comes from the base (shifted by 100), the rest from the overlay.
        assert_eq!(
            &base_text[leaves[2].2.start - 100..leaves[2].2.end - 100],
            "2"
        );
        assert_eq!(&overlay_text[leaves[1].2.clone()], "3");
        // Each replaced value is recorded with the one it replaced, in key order.
        let replaced: Vec<(&str, &str)> = overrides
            .replaced
            .iter()
            .map(|(new, old)| {
                (
                    &overlay_text[new.clone()],
                    &base_text[old.start - 100..old.end - 100],
                )
            })
            .collect();
        assert_eq!(replaced, [("[\"z\"]", "[\"x\", \"y\"]"), ("3", "1")]);
        // `[services]` and `[services.a]` were merged, each recorded with both sides.
        assert_eq!(overrides.merged.len(), 2);
        assert!(
            overrides
                .merged
                .iter()
                .all(|(base, overlay)| base.start >= 100 && overlay.end <= 100)
        );
    }

    #[test]
    fn arrays_of_tables_replace_whole() {
        let mut base = parsed("[[expect]]\nfrom = \"a\"\n[[expect]]\nfrom = \"b\"\n", 50);
        merge(
            &mut base,
            parsed("[[expect]]\nfrom = \"c\"\n", 0),
            &mut Overrides::default(),
        );
        let shown: Vec<String> = effective(&base)
            .into_iter()
            .map(|(p, v, _)| format!("{p} = {v}"))
            .collect();
        assert_eq!(shown, ["expect[0].from = \"c\""]);
    }

    fn only(refused: Result<(), Diagnostics>) -> Diagnostic {
        let refused: Vec<Diagnostic> = refused.unwrap_err().iter().cloned().collect();
        assert_eq!(refused.len(), 1);
        refused.into_iter().next().unwrap()
    }

    #[test]
    fn remove_takes_out_what_is_inherited_and_only_that() {
        let mut base = parsed("[services.a]\nport = 1\n[services.legacy]\nport = 2\n", 0);
        remove(&mut base, "services.legacy", 0..1).unwrap();
        remove(&mut base, "services.a.port", 0..1).unwrap();
        assert_eq!(effective(&base), []);
        let missing = only(remove(&mut base, "services.legacy", 5..9));
        assert_eq!(missing.code, Code::UnknownRemoval);
        assert_eq!(
            missing.message,
            "`services.legacy` cannot be removed: the profiles this one extends do not set it"
        );
        assert_eq!(missing.profile_span(), Some(5..9));
        let typo = only(remove(&mut base, "servics.a", 0..1));
        assert_eq!(typo.help.as_deref(), Some("did you mean `services`?"));
        let mut named = parsed("[services.legacy-api]\nport = 1\n", 0);
        let deeper = only(remove(&mut named, "services.legacy-apu", 0..1));
        assert_eq!(
            deeper.help.as_deref(),
            Some("did you mean `services.legacy-api`?")
        );
        let through = only(remove(&mut parsed("a = [1]\n", 0), "a.b", 0..1));
        assert!(
            through.message.ends_with("`a` is not a table"),
            "{}",
            through.message
        );
        assert!(remove(&mut base, "", 0..1).is_err());
    }

    #[test]
    fn a_diagnostic_within_an_overriding_value_also_points_at_the_value_it_replaced() {
        let overrides = Overrides {
            replaced: vec![(10..20, 100..104)],
            merged: vec![(15..25, 200..210)],
        };
        let mut diagnostics = Diagnostics::new();
        for span in [12..14, 10..20, 5..15, 15..25] {
            diagnostics.push(Diagnostic::new(Code::PortOutOfRange, span, "bad port"));
        }
        let pointed: Vec<Diagnostic> = point_at_overridden(diagnostics.clone(), &overrides)
            .into_iter()
            .collect();
        let replaced: Vec<Vec<crate::diagnostic::Span>> = pointed
            .iter()
            .map(|d| d.secondary.iter().map(|l| l.span.clone()).collect())
            .collect();
        let base = crate::diagnostic::Span::Toml(100..104);
        let overlay = crate::diagnostic::Span::Toml(200..210);
        assert_eq!(
            replaced,
            [vec![base.clone()], vec![base], vec![], vec![overlay]]
        );
        assert_eq!(
            pointed[0].secondary[0].label.as_deref(),
            Some("the value this one overrides")
        );
        assert_eq!(
            point_at_overridden(diagnostics.clone(), &Overrides::default()),
            diagnostics
        );
    }

    #[test]
    fn leaves_quote_keys_that_need_it() {
        let table = parsed(
            "[labels]\n\"app.kubernetes.io/name\" = \"x\"\nv = 1.5\ntenant_id = 2\nmax-age = 3\n\"\" = 4\n",
            0,
        );
        let shown: Vec<String> = effective(&table)
            .into_iter()
            .map(|(p, v, _)| format!("{p} = {v}"))
            .collect();
        assert_eq!(
            shown,
            [
                "labels.\"\" = 4",
                "labels.\"app.kubernetes.io/name\" = \"x\"",
                "labels.max-age = 3",
                "labels.tenant_id = 2",
                "labels.v = 1.5",
            ]
        );
    }
}
