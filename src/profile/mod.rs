//! Stage 1: TOML text to [`RawProfile`], with every TOML and shape error as a diagnostic.

pub mod raw;
mod serde_error;
pub mod spanned;

pub use raw::RawProfile;
pub use spanned::Sp;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::limits::MAX_PROFILE_BYTES;
use crate::source::Source;

/// Parses a profile. TOML and serde stop at the first error, so this yields at most one.
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
    toml::from_str::<RawProfile>(text).map_err(|error| {
        let mut diagnostic = serde_error::diagnose(&error);
        diagnostic.span = diagnostic.span.start + offset..diagnostic.span.end + offset;
        diagnostic.into()
    })
}

/// The JSON Schema of the profile format, for editors (Taplo, VS Code Even Better TOML).
pub fn schema() -> schemars::Schema {
    schemars::schema_for!(RawProfile)
}
