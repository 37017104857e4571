//! An input file's text and name (a profile, or a YAML file a diagnostic points into), and the
//! mapping from byte offsets to lines and columns. A layered profile is one [`Source`] holding
//! the file named on the command line and the files it extends, placed one after the other in
//! one byte-address space, so that a byte range names its file and its place in it. It sits
//! below [`crate::diagnostic`], which points into sources, and imports nothing of the crate.

use std::ops::Range;
use std::sync::OnceLock;

/// One input file: the name it is reported under and its text; for a layered profile, also the
/// files it extends ([`Source::locate`]).
#[derive(Debug, Clone)]
pub struct Source {
    name: String,
    text: String,
    /// Where each line starts, found when a position or line is first asked for: a profile
    /// that compiles cleanly never asks, and at 10,000 services the list was 2.1 MB, alive
    /// from loading to the end of the proofs (heaptrack).
    line_starts: OnceLock<Vec<usize>>,
    /// The files a layered profile extends, nearest first, each with the offset of its first
    /// byte: each starts one byte after the end of the one before, so that the end of one file
    /// (where a diagnostic about a missing key may point) is not the start of the next.
    bases: Vec<(usize, Source)>,
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
        Self {
            name: name.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
            bases: Vec::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// This profile with one more file it extends, placed after the files already there.
    /// `base` is taken as one file: files it holds itself are dropped.
    #[must_use]
    pub fn with_base(mut self, mut base: Source) -> Self {
        base.bases.clear();
        let start = self.end() + 1;
        self.bases.push((start, base));
        self
    }

    /// The offset just past the last file.
    fn end(&self) -> usize {
        self.bases
            .last()
            .map_or(self.text.len(), |(start, base)| start + base.text.len())
    }

    /// Every file, this one first (at offset 0), then the files it extends, nearest first, each
    /// with the offset of its first byte.
    pub fn layers(&self) -> impl Iterator<Item = (usize, &Source)> {
        std::iter::once((0, self)).chain(self.bases.iter().map(|(start, base)| (*start, base)))
    }

    /// The file a byte range of the address space points into (the one holding its start), and
    /// the range within that file; the range's end is cut to the file's.
    pub fn locate(&self, span: &Range<usize>) -> (&Source, Range<usize>) {
        let (start, file) = self
            .layers()
            .take_while(|(start, _)| *start <= span.start)
            .last()
            .unwrap_or((0, self));
        let end = span.end.max(span.start).min(start + file.text.len());
        (file, span.start - start..end.max(span.start) - start)
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
        let line_starts = self.line_starts();
        let line = line_starts.partition_point(|&start| start <= offset);
        let line_start = line_starts[line.saturating_sub(1)];
        let column = self.text[line_start..offset].chars().count() + 1;
        Position { line, column }
    }

    /// Line `line` (1-based), without its line break; `None` past the end.
    pub fn line(&self, line: usize) -> Option<&str> {
        let line_starts = self.line_starts();
        let start = *line_starts.get(line.checked_sub(1)?)?;
        let end = line_starts
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
    fn a_layered_source_locates_each_range_in_its_file() {
        let layered = Source::new("prod.toml", "extends = \"b.toml\"\n")
            .with_base(Source::new("b.toml", "[mesh]\n"))
            .with_base(Source::new("a.toml", "x = 1\n"));
        let starts: Vec<(usize, &str)> = layered.layers().map(|(s, f)| (s, f.name())).collect();
        assert_eq!(starts, [(0, "prod.toml"), (20, "b.toml"), (28, "a.toml")]);
        let (file, local) = layered.locate(&(21..25));
        assert_eq!((file.name(), local), ("b.toml", 1..5));
        // The end of a file is its own, not the next file's start.
        let (file, local) = layered.locate(&(27..27));
        assert_eq!((file.name(), local), ("b.toml", 7..7));
        let (file, local) = layered.locate(&(28..99));
        assert_eq!((file.name(), local), ("a.toml", 0..6));
        let (file, local) = layered.locate(&(3..40));
        assert_eq!((file.name(), local), ("prod.toml", 3..19));
        let single = Source::new("p.toml", "abc");
        assert_eq!(single.locate(&(1..2)).1, 1..2);
    }

    #[test]
    fn clamp_keeps_spans_on_char_boundaries() {
        let source = Source::new("p.toml", "é");
        assert_eq!(source.clamp(&(1..5)), 0..2);
    }
}
