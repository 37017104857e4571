//! A profile's text and name, and the mapping from byte offsets to lines and columns.

use std::ops::Range;

use crate::diagnostic::{Code, Diagnostic};

/// One input file: the name it is reported under and its text.
#[derive(Debug, Clone)]
pub struct Source {
    name: String,
    text: String,
    line_starts: Vec<usize>,
}

/// A 1-based line and column (the column counts characters, as editors do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Source {
    /// A source named `name` (usually the path as the user gave it) holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// A source from raw bytes: text that is not UTF-8 is refused with a diagnostic at the
    /// first bad byte (the source then holds the text with that byte replaced, to show it).
    /// The pair is boxed so that the common `Ok` case stays small.
    pub fn from_bytes(
        name: impl Into<String>,
        bytes: Vec<u8>,
    ) -> Result<Self, Box<(Self, Diagnostic)>> {
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Self::new(name, text)),
            Err(error) => {
                let at = error.utf8_error().valid_up_to();
                let source =
                    Self::new(name, String::from_utf8_lossy(error.as_bytes()).into_owned());
                let diagnostic =
                    Diagnostic::new(Code::NotUtf8, at..at + 1, "the profile is not UTF-8 text")
                        .label("this byte is not UTF-8")
                        .help("save the profile as UTF-8");
                Err(Box::new((source, diagnostic)))
            }
        }
    }

    /// The name diagnostics use for this source.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The position of a byte offset; offsets past the end map to the end.
    pub fn position(&self, offset: usize) -> Position {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line.saturating_sub(1)];
        let column = self.text[line_start..offset].chars().count() + 1;
        Position { line, column }
    }

    /// Clamps a span to the text and to character boundaries, so that slicing never panics.
    pub fn clamp(&self, span: &Range<usize>) -> Range<usize> {
        let start = self.floor_char_boundary(span.start.min(self.text.len()));
        let end = self.floor_char_boundary(span.end.clamp(start, self.text.len()));
        start..end
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let source = Source::new("p.toml", "a = 1\nnamé = \"x\"\n");
        assert_eq!(source.position(0), Position { line: 1, column: 1 });
        assert_eq!(source.position(6), Position { line: 2, column: 1 });
        // byte 11 is after "namé" (é is two bytes), the fifth character of line 2
        assert_eq!(source.position(11), Position { line: 2, column: 5 });
        assert_eq!(source.position(999), Position { line: 3, column: 1 });
    }

    #[test]
    fn clamp_keeps_spans_on_char_boundaries() {
        let source = Source::new("p.toml", "é");
        assert_eq!(source.clamp(&(1..5)), 0..2);
    }
}
