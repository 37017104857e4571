//! Stage 1: TOML text to [`RawProfile`], with every TOML and shape error as a diagnostic. A
//! layered profile (`extends`) is read file by file ([`layers::read`]) and its files merged
//! before it becomes one [`RawProfile`] ([`merge`]).

mod ahead;
mod bounds;
mod duplicate;
mod eager;
pub(crate) mod expect;
mod layers;
mod merge;
pub(crate) mod raw;
mod sections;
mod serde_error;
pub(crate) mod spanned;

pub use layers::read;
pub use merge::Origin;
pub(crate) use merge::{Overrides, point_at_overridden};
pub use raw::RawProfile;
pub(crate) use spanned::Sp;

use serde::Deserialize;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::limits::MAX_PROFILE_BYTES;
use crate::source::Source;

/// A profile's bytes as text: bytes that are not UTF-8 are refused with a diagnostic at the
/// first bad byte (the source then holds the text with that byte replaced, to show it). The
/// pair is boxed so that the common `Ok` case stays small.
pub fn decode(
    name: impl Into<String>,
    bytes: Vec<u8>,
) -> Result<Source, Box<(Source, Diagnostic)>> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source::new(name, text)),
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let source = Source::new(name, String::from_utf8_lossy(error.as_bytes()).into_owned());
            let diagnostic =
                Diagnostic::new(Code::NotUtf8, at..at + 1, "the profile is not UTF-8 text")
                    .label("this byte is not UTF-8")
                    .help("save the profile as UTF-8");
            Err(Box::new((source, diagnostic)))
        }
    }
}

/// Parses a profile. TOML and serde stop at the first error, so this yields one error, or
/// every string, table and list over the limits of [`crate::limits`].
pub fn load(source: &Source) -> Result<RawProfile, Diagnostics> {
    load_layered(source).map(|(raw, _)| raw)
}

/// [`load`], and where an overlay replaced a base's value.
pub(crate) fn load_layered(source: &Source) -> Result<(RawProfile, Overrides), Diagnostics> {
    let size: usize = source.layers().map(|(_, file)| file.text().len()).sum();
    if size > MAX_PROFILE_BYTES {
        return Err(Diagnostic::new(
            Code::TooLarge,
            0..0,
            // A file is read only to one byte past the limit, so `size` is not its size.
            format!("the profile is larger than {MAX_PROFILE_BYTES} bytes, the most meshc reads"),
        )
        .help("split the mesh into several profiles, one per namespace")
        .into());
    }
    match eager::load(source) {
        Some(raw) => Ok((raw, Overrides::default())),
        None => load_whole(source),
    }
}

/// [`load_layered`] through the whole document's tree: every layer parsed and merged, the
/// limits checked on the tree, then the tree deserialized.
fn load_whole(source: &Source) -> Result<(RawProfile, Overrides), Diagnostics> {
    let (document, overrides) = layers::parse(source)?;
    let over = bounds::exceeded(document.get_ref());
    if !over.is_empty() {
        let mut diagnostics = Diagnostics::new();
        for diagnostic in over {
            diagnostics.push(diagnostic);
        }
        return Err(diagnostics);
    }
    RawProfile::deserialize(toml::de::Deserializer::from(document))
        .map(|raw| (raw, overrides))
        .map_err(|e| serde_error::diagnose(&e, source.text()).into())
}

/// Every effective value of a profile, with where it was set: one per leaf key path, in key
/// order (`meshc explain --origin`).
pub fn origins(source: &Source) -> Result<Vec<Origin>, Diagnostics> {
    let (document, _) = layers::parse(source)?;
    let mut found = Vec::new();
    merge::leaves(document.get_ref(), "", &mut found);
    Ok(found)
}

/// The JSON Schema of the profile format, for editors (Taplo, VS Code Even Better TOML).
/// It has the two keys of layering, which the loader reads before the profile is merged, so
/// that a base, often incomplete on its own, still gets completion and documentation.
pub fn schema() -> schemars::Schema {
    let mut schema = schemars::schema_for!(RawProfile);
    if let Some(properties) = schema
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    {
        properties.insert(
            layers::EXTENDS.to_string(),
            serde_json::json!({
                "description": "The profile this one is an overlay of: a path relative to this \
                    file. Its tables merge key by key (named entries by name), and any other \
                    value, a list included, replaces the base's whole.",
                "type": "string"
            }),
        );
        properties.insert(
            layers::REMOVE.to_string(),
            serde_json::json!({
                "description": "Entries inherited from the profiles this one extends to take \
                    out, as dotted key paths (`services.legacy-api`, `tenants.acme`), before \
                    this profile's own values are laid over them.",
                "type": "array",
                "items": { "type": "string" }
            }),
        );
    }
    schema
}
