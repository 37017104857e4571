//! `Sp<T>`: a profile value together with the byte range it was read from.

use std::borrow::Borrow;
use std::cell::Cell;
use std::ops::Range;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer};

/// A value read from the profile and where it was written, so that later stages can point at
/// it. It compares, orders and hashes by value alone, and its JSON Schema is that of `T`.
#[derive(Debug, Clone)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Byte range in the profile text.
    pub span: Range<usize>,
}

impl<T> Sp<T> {
    /// A value at a span (tests and derived values).
    pub fn new(value: T, span: Range<usize>) -> Self {
        Self { value, span }
    }

    /// The span, cloned (ranges are not `Copy`).
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }
}

impl Sp<String> {
    /// The text of the value.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

thread_local! {
    /// Where the text that the deserializer on this thread reads starts in the profile's text:
    /// added to every span read ([`counted_from`]).
    static START: Cell<usize> = const { Cell::new(0) };
}

/// `read()`, every [`Sp`] it deserializes on this thread placed `start` bytes further on: the
/// spans of a piece of the profile's text parsed alone count from the piece's start. Moving
/// them as they are read spares moving every span of the piece's tree beforehand, which
/// rebuilds each of its tables.
pub(crate) fn counted_from<R>(start: usize, read: impl FnOnce() -> R) -> R {
    /// Puts back the start it replaced when dropped, on a panic too.
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            START.set(self.0);
        }
    }
    let _restore = Restore(START.replace(start));
    read()
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = toml::Spanned::<T>::deserialize(deserializer)?;
        let start = START.get();
        let span = spanned.span();
        Ok(Self {
            value: spanned.into_inner(),
            span: span.start + start..span.end + start,
        })
    }
}

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

impl<T: PartialEq> PartialEq for Sp<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Sp<T> {}

impl<T: PartialOrd> PartialOrd for Sp<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.value.partial_cmp(&other.value)
    }
}

impl<T: Ord> Ord for Sp<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl<T: std::hash::Hash> std::hash::Hash for Sp<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl Borrow<str> for Sp<String> {
    fn borrow(&self) -> &str {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(text: &str) -> Sp<i64> {
        #[derive(Deserialize)]
        struct Doc {
            port: Sp<i64>,
        }
        let doc: Result<Doc, _> = toml::from_str(text);
        doc.map_or(Sp::new(0, 0..0), |doc| doc.port)
    }

    #[test]
    fn spans_read_within_a_piece_count_from_its_start_there_only() {
        assert_eq!(port("port = 80").span, 7..9);
        assert_eq!(counted_from(100, || port("port = 80").span), 107..109);
        assert_eq!(port("port = 80").span, 7..9);
    }
}
