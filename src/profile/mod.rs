//! Stage 1: TOML text to [`RawProfile`], with every TOML and shape error as a diagnostic.

mod bounds;
mod duplicate;
pub(crate) mod expect;
pub(crate) mod raw;
mod serde_error;
pub(crate) mod spanned;

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
    let text = source.text();
    if text.len() > MAX_PROFILE_BYTES {
        return Err(Diagnostic::new(
            Code::TooLarge,
            0..0,
            format!(
                "the profile is {} bytes; meshc reads at most {MAX_PROFILE_BYTES}",
                text.len()
            ),
        )
        .help("split the mesh into several profiles, one per namespace")
        .into());
    }
    // A byte-order mark is not TOML; editors on Windows write one, so accept it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let offset = source.text().len() - text.len();
    let shift = |diagnostic: Diagnostic| diagnostic.shifted(offset);
    let document =
        toml::de::DeTable::parse(text).map_err(|e| shift(serde_error::diagnose(&e, text)))?;
    let over = bounds::exceeded(document.get_ref());
    if !over.is_empty() {
        let mut diagnostics = Diagnostics::new();
        for diagnostic in over {
            diagnostics.push(shift(diagnostic));
        }
        return Err(diagnostics);
    }
    RawProfile::deserialize(toml::de::Deserializer::from(document))
        .map_err(|e| shift(serde_error::diagnose(&e, text)).into())
}

/// The JSON Schema of the profile format, for editors (Taplo, VS Code Even Better TOML).
pub fn schema() -> schemars::Schema {
    schemars::schema_for!(RawProfile)
}
