//! A large one-file profile read into its [`RawProfile`] entry by entry. Built whole, the
//! `toml` crate's document tree of the 10,000-service, 1,000-tenant synthetic profile (9.7 MB)
//! was 234 MB (heaptrack: a `BTreeMap` leaf of 1,072 bytes for every table, most holding one
//! to four keys), alive until it had become the raw profile. Here each entry of a name-keyed
//! table (`[services.<name>]`, `[tenants.<name>]`) becomes its raw struct as soon as the
//! sections past it no longer add to it, and its tree is dropped: only one entry's tree and
//! the rest of the document (`[mesh]`, `[security]` and the like) are alive at once.
//!
//! Whatever this cannot decide as the whole document would (a layered profile, a byte-order
//! mark, an entry over a limit or of the wrong shape, a header that reopens a taken entry) it
//! leaves to the whole document's path: every error is reported there, as it always was.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use super::raw::{Named, RawProfile};
use super::{bounds, layers, sections, spanned};
use crate::source::Source;

/// The profile of `source`, read entry by entry; `None` where the whole document decides.
pub(super) fn load(source: &Source) -> Option<RawProfile> {
    if source.layers().nth(1).is_some() {
        return None;
    }
    let text = source.text();
    if text.starts_with('\u{feff}') {
        return None;
    }
    let mut taken = Taken::default();
    let mut rest = sections::taking(text, &mut taken)?;
    if rest.contains_key(layers::EXTENDS) || rest.contains_key(layers::REMOVE) {
        return None;
    }
    for field in FIELDS {
        let left = match rest.get(field).map(Spanned::get_ref) {
            Some(DeValue::Table(table)) => table.len(),
            _ => 0,
        };
        if !bounds::entries_within(field, taken.count(field) + left) {
            return None;
        }
    }
    if !bounds::exceeded(&rest).is_empty() {
        return None;
    }
    // Spans of the rest's entries are the text's own: the document's span is never read
    // from a profile that deserializes.
    let document = Spanned::new(0..0, std::mem::take(&mut rest));
    let raw = RawProfile::deserialize(toml::de::Deserializer::from(document)).ok()?;
    taken.into_profile(raw)
}

/// The name-keyed tables whose entries are taken, as the profile spells them.
const FIELDS: [&str; 7] = [
    "regions",
    "retry-budgets",
    "services",
    "external-services",
    "tenants",
    "clusters",
    "gateways",
];

/// The entries taken so far, each table's in the order they were read.
#[derive(Default)]
struct Taken {
    regions: Entries<super::raw::RawRegion>,
    retry_budgets: Entries<super::raw::RawRetryBudget>,
    services: Entries<super::raw::RawService>,
    external_services: Entries<super::raw::RawExternalService>,
    tenants: Entries<super::raw::RawTenant>,
    clusters: Entries<super::raw::RawCluster>,
    gateways: Entries<super::Sp<super::raw::RawGateway>>,
}

/// A name-keyed table's entries, not yet sorted.
type Entries<T> = Vec<(super::Sp<String>, T)>;

impl Taken {
    fn count(&self, field: &str) -> usize {
        match field {
            "regions" => self.regions.len(),
            "retry-budgets" => self.retry_budgets.len(),
            "services" => self.services.len(),
            "external-services" => self.external_services.len(),
            "tenants" => self.tenants.len(),
            "clusters" => self.clusters.len(),
            "gateways" => self.gateways.len(),
            _ => 0,
        }
    }

    /// `raw` with the taken entries added to its tables; `None` if a key is taken twice or
    /// `raw` has it already (the sections never lay one entry twice, so this does not happen).
    fn into_profile(self, mut raw: RawProfile) -> Option<RawProfile> {
        add(&mut raw.regions, self.regions)?;
        add(&mut raw.retry_budgets, self.retry_budgets)?;
        add(&mut raw.services, self.services)?;
        add(&mut raw.external_services, self.external_services)?;
        add(&mut raw.tenants, self.tenants)?;
        add(&mut raw.clusters, self.clusters)?;
        add(&mut raw.gateways, self.gateways)?;
        Some(raw)
    }
}

impl<'i> sections::Take<'i> for Taken {
    fn takes(&self, field: &str) -> bool {
        FIELDS.contains(&field)
    }

    fn take(
        &mut self,
        field: &str,
        key: Spanned<DeString<'i>>,
        value: Spanned<DeValue<'i>>,
        at: usize,
    ) -> Option<()> {
        if !bounds::entry_within(field, &key, &value) {
            return None;
        }
        let parsed = (key, value, at);
        match field {
            "regions" => entry(&mut self.regions, parsed),
            "retry-budgets" => entry(&mut self.retry_budgets, parsed),
            "services" => entry(&mut self.services, parsed),
            "external-services" => entry(&mut self.external_services, parsed),
            "tenants" => entry(&mut self.tenants, parsed),
            "clusters" => entry(&mut self.clusters, parsed),
            "gateways" => entry(&mut self.gateways, parsed),
            _ => None,
        }
    }
}

/// An entry's key and value, their spans counted from the byte of the text they give.
type Parsed<'i> = (Spanned<DeString<'i>>, Spanned<DeValue<'i>>, usize);

/// The entry `key` deserialized into `table` as the whole table's deserialization reads it:
/// through a table that holds it alone, every span moved to its place in the text.
fn entry<T: DeserializeOwned>(table: &mut Entries<T>, (key, value, at): Parsed<'_>) -> Option<()> {
    let mut alone = DeTable::new();
    alone.insert(key, value);
    let read = spanned::counted_from(at, || {
        Named::<T>::deserialize(toml::de::Deserializer::from(Spanned::new(0..0, alone)))
    });
    table.extend(read.ok()?);
    Some(())
}

/// `taken` added to `table`; `None` if a key is in both, or twice in `taken`.
fn add<T>(table: &mut Named<T>, mut taken: Entries<T>) -> Option<()> {
    if !table.is_empty() {
        taken.extend(std::mem::take(table));
    }
    *table = Named::from_unique(taken)?;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::limits::MAX_STRING_BYTES;

    /// Whether `text` was read entry by entry; either way, the profile or the diagnostics are
    /// the whole document's, spans included.
    fn eager(text: &str) -> bool {
        let source = Source::new("p.toml", text);
        let read = super::super::load_layered(&source).map(|(raw, _)| raw);
        let whole = super::super::load_whole(&source).map(|(raw, _)| raw);
        assert_eq!(
            format!("{read:?}"),
            format!("{whole:?}"),
            "{}",
            text.get(..200).unwrap_or(text)
        );
        load(&source).is_some()
    }

    fn synthetic() -> String {
        crate::synth::profile(crate::synth::Shape::services(400))
    }

    #[test]
    fn a_large_profile_is_read_entry_by_entry_as_the_whole_document_reads_it() {
        let text = synthetic();
        assert!(eager(&text));
        let source = Source::new("p.toml", text.as_str());
        let raw = load(&source).map(|raw| (raw.services.len(), raw.tenants.len()));
        assert_eq!(raw, Some((400, 4)));
        // Entries of one table need not be together.
        let moved = format!("{text}\n[services.last]\nport = 1\n");
        assert!(eager(&moved));
        // An entry of several sections, and a table of entries its own header opened.
        let below =
            format!("{text}\n[services.last]\nport = 1\n[services.last.labels]\na = \"b\"\n");
        assert!(eager(&below));
        assert!(eager(&format!("[services]\n{text}")));
        assert!(!eager(&crate::synth::profile(
            crate::synth::Shape::services(10)
        )));
    }

    #[test]
    fn what_the_entries_cannot_decide_is_read_whole() {
        let text = synthetic();
        let long = "x".repeat(MAX_STRING_BYTES + 1);
        for (before, after) in [
            // An entry reopened after it was taken, which the whole document accepts.
            (
                "",
                "\n[services.svc-00000.labels]\napp = \"a\"\n".to_string(),
            ),
            ("", "\n[services]\nnew.port = 1\n".to_string()),
            // A table of entries that a key, not a header, made.
            ("services.first = { port = 1 }\n", String::new()),
            // An entry defined twice, of the wrong shape, or over a limit.
            ("", "\n[services.svc-00001]\nport = 1\n".to_string()),
            ("", "\n[services.new]\nport = 1\nbogus = 2\n".to_string()),
            ("", "\n[tenants.new]\nservices = 1\n".to_string()),
            (
                "",
                format!("\n[services.new]\nport = 1\nnamespace = \"{long}\"\n"),
            ),
            // A layered profile, and one with a byte-order mark.
            ("extends = \"base.toml\"\n", String::new()),
            ("remove = [\"services.a\"]\n", String::new()),
            ("\u{feff}", String::new()),
        ] {
            assert!(
                !eager(&format!("{before}{text}{after}")),
                "{before}…{after}"
            );
        }
    }
}
