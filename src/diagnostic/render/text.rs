//! Text made safe to print, and the part of a YAML line a location underlines.

use std::ops::Range;

use crate::source::Source;

/// Source text with the characters a terminal would act on or hide replaced by a visible
/// stand-in of the same length in bytes, so that spans into it stay valid: C1 controls
/// (`U+009B` starts an escape sequence on some terminals) and bidirectional and invisible
/// formatting characters (which can make a line read differently from its bytes).
/// annotate-snippets shows the C0 controls of source lines as symbols itself.
pub(super) fn visible(text: &str) -> String {
    text.chars()
        .map(|c| match (hidden(c), c.len_utf8()) {
            (false, _) => c,
            (true, 2) => '\u{b7}',
            (true, _) => '\u{fffd}',
        })
        .collect()
}

/// Free text (a message, a label, a file or resource name, a YAML key) with every control
/// character shown as its symbol (`ESC` as `␛`, a line break as `␊`) and the characters of
/// [`visible`] replaced likewise, so that nothing a profile or a YAML file holds can move the
/// cursor, ring the bell or reorder what the terminal shows. Other outputs that print what a
/// file holds (`meshc diff`) use it too.
pub(crate) fn plain(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            c if hidden(c) && c.len_utf8() == 2 => '\u{b7}',
            c if hidden(c) => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// C1 controls, and the bidirectional and invisible formatting characters.
fn hidden(c: char) -> bool {
    ('\u{80}'..='\u{9f}').contains(&c)
        || matches!(c, '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}')
}

/// The longest part of a YAML line that is shown; a longer line (minified YAML) is cut.
const MAX_LINE_BYTES: usize = 1000;

/// A line of a YAML file as a location shows it: the line's text (cut at
/// [`MAX_LINE_BYTES`]), and the bytes of it that are underlined, its content without the
/// indentation and trailing blanks. meshc's YAML reader knows the line of each field, not its
/// column, so the whole line's content is the span.
pub(super) struct YamlLine<'a> {
    /// The text of the line, without its line break.
    pub(super) text: &'a str,
    /// The underlined bytes of `text`.
    pub(super) content: Range<usize>,
}

impl<'a> YamlLine<'a> {
    /// Line `line` (1-based) of `source`, if it has one.
    pub(super) fn of(source: &'a Source, line: u32) -> Option<Self> {
        let text = source.line(usize::try_from(line).ok()?)?;
        let mut end = text.len().min(MAX_LINE_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let text = text[..end].trim_end_matches('\r');
        let start = text.len() - text.trim_start().len();
        let content = start..text.trim_end().len().max(start);
        Some(Self { text, content })
    }

    /// The 1-based columns, in characters, where the underline starts and ends (exclusive).
    pub(super) fn columns(&self) -> (usize, usize) {
        let column = |byte: usize| self.text[..byte].chars().count() + 1;
        (column(self.content.start), column(self.content.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_shown_not_sent() {
        assert_eq!(plain("a\u{1b}[2Jb\u{7}\n"), "a\u{241b}[2Jb\u{2407}\u{240a}");
        assert_eq!(plain("x\u{9b}y\u{202e}z"), "x\u{b7}y\u{fffd}z");
        let source = "p\u{9b}q\u{202e}r";
        assert_eq!(visible(source).len(), source.len(), "spans stay valid");
    }

    #[test]
    fn a_yaml_line_underlines_its_content() {
        let source = Source::new("a.yaml", "a:\n  subset: v3  \r\n");
        let line = YamlLine::of(&source, 2).unwrap();
        assert_eq!(&line.text[line.content.clone()], "subset: v3");
        assert_eq!(line.columns(), (3, 13));
        assert!(YamlLine::of(&source, 0).is_none());
        assert!(YamlLine::of(&source, 9).is_none());
        let long = Source::new("b.yaml", format!("k: {}\n", "é".repeat(MAX_LINE_BYTES)));
        assert!(YamlLine::of(&long, 1).unwrap().text.len() <= MAX_LINE_BYTES);
    }
}
