//! An input file's text and name (a profile, or a YAML file a diagnostic points into), and the
//! mapping from byte offsets to lines and columns. It sits below [`crate::diagnostic`], which
//! points into sources, and imports nothing of the crate.

use std::ops::Range;

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

    /// Line `line` (1-based), without its line break; `None` past the end.
    pub fn line(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        Some(&self.text[start..end])
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
    fn lines_come_without_their_break() {
        let source = Source::new("a.yaml", "a: 1\r\nb: 2\n");
        assert_eq!(source.line(1), Some("a: 1\r"));
        assert_eq!(source.line(2), Some("b: 2"));
        assert_eq!(source.line(3), Some(""));
        assert_eq!(source.line(4), None);
        assert_eq!(source.line(0), None);
    }

    #[test]
    fn clamp_keeps_spans_on_char_boundaries() {
        let source = Source::new("p.toml", "é");
        assert_eq!(source.clamp(&(1..5)), 0..2);
    }
}
