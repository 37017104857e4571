//! Large files on every core: `meshc verify` of one file of a megabyte or more checked its
//! documents on one thread. Files are cut at their `---` lines into pieces ([`cut`]) that are
//! read and checked on their own on a pool of threads ([`crate::pool::run`]), each piece read
//! with the line and the document index it starts at in its file, so that its findings are the
//! ones a read of the whole file gives. A file whose pieces do not read as the whole would (a
//! syntax error in one, a piece holding more or fewer documents than its place said, the file's
//! budgets exceeded by the pieces together) is read again whole by the caller.

/// No piece is cut smaller than this: below it, the work of a piece is less than handing it
/// to a thread.
pub(super) const MIN_PIECE_BYTES: usize = 128 << 10;

/// A piece of a file: its text, the line of the file it starts at (1-based) and the index of
/// its first document in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Piece<'t> {
    pub(super) text: &'t str,
    pub(super) first_line: u32,
    pub(super) first_document: usize,
}

/// Cuts `text` into pieces of at least `size` bytes, each after the first starting at a line
/// that is exactly `---`; `None` when its lines cannot be counted as the YAML reader counts them
/// (a `\r`, which the reader takes as a line break of its own). The documents before a piece are
/// counted from the document markers (lines that start with `---` and a space, a tab or nothing)
/// and, before the first marker, a line of content (neither blank, a comment nor a directive):
/// a count that is wrong shows when the pieces are read, and the file is then read whole.
pub(super) fn cut(text: &str, size: usize) -> Option<Vec<Piece<'_>>> {
    // The `memchr` crate's searches, vectorised, instead of `str`'s: `contains('\r')` ran std's
    // word-at-a-time `memchr` and `find("\n---")` the two-way searcher, about 1.2 and 3.8
    // instructions a byte (callgrind of `render --out` at 1,000 / 100: 6.6 M and 21.7 M).
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        return None;
    }
    let markers = memchr::memmem::Finder::new(b"\n---");
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut first_line = 1u32;
    let mut first_document = 0;
    // Before the first marker, each line is looked at: whether there is content before it.
    let mut content_before = false;
    let mut at = 0;
    let mut marker = None;
    for body in text.split('\n') {
        if is_marker(body) {
            marker = Some(at);
            break;
        }
        let trimmed = body.trim_start();
        content_before |= !(trimmed.is_empty() || trimmed.starts_with(['#', '%']));
        at += body.len() + 1;
    }
    // From the first marker on, only the lines that start with `---` matter: they are searched
    // for, and lines are counted only up to where a piece starts. Going through every line
    // cost about 200 instructions a line (callgrind, `meshc verify` of 1,000 synthetic
    // services: 58 M of its 2.07 G instructions).
    let mut documents = usize::from(content_before && marker.is_some());
    let (mut counted, mut line) = (0, 1u32);
    while let Some(at) = marker {
        let body = text[at..].split('\n').next().unwrap_or_default();
        if is_marker(body) {
            if body == "---" && at - start >= size && documents > first_document {
                line = line.saturating_add(lines(&text[counted..at]));
                counted = at;
                pieces.push(Piece {
                    text: &text[start..at],
                    first_line,
                    first_document,
                });
                start = at;
                first_line = line;
                first_document = documents;
            }
            documents += 1;
        }
        marker = markers.find(&text.as_bytes()[at..]).map(|i| at + i + 1);
    }
    pieces.push(Piece {
        text: &text[start..],
        first_line,
        first_document,
    });
    Some(pieces)
}

/// Whether a line is a document marker: `---` alone or before a space or a tab.
fn is_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// How many line breaks `text` holds, at most `u32::MAX`. Counted in blocks of 255 bytes into a
/// `u8`, which the compiler turns into vector instructions: counting byte by byte into a `usize`
/// took about 3.7 instructions a byte (callgrind, `meshc verify` of 1,000 synthetic services).
fn lines(text: &str) -> u32 {
    let breaks: usize = text
        .as_bytes()
        .chunks(255)
        .map(|block| {
            block
                .iter()
                .fold(0u8, |n, b| n.wrapping_add(u8::from(*b == b'\n')))
        })
        .map(usize::from)
        .sum();
    u32::try_from(breaks).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(text: &str, size: usize) -> Vec<(usize, u32, usize)> {
        cut(text, size)
            .expect("no carriage return")
            .iter()
            .map(|p| (p.text.len(), p.first_line, p.first_document))
            .collect()
    }

    #[test]
    fn pieces_start_at_bare_markers_with_their_line_and_document() {
        let text = "a: 1\n---\nb: 2\n--- # c\nc: 3\n---\nd: 4\n";
        assert_eq!(places(text, 0), [(5, 1, 0), (22, 2, 1), (9, 6, 3)]);
        let rejoined: String = cut(text, 0).unwrap().iter().map(|p| p.text).collect();
        assert_eq!(rejoined, text);
        // Comments and directives before the first marker hold no document, and stay with it.
        let text = "# head\n%YAML 1.1\n---\na: 1\n---\nb: 2\n";
        assert_eq!(places(text, 0), [(26, 1, 0), (9, 5, 1)]);
        // Pieces are at least `size` bytes.
        assert_eq!(
            places("---\na\n---\nb\n---\nc\n", 7),
            [(12, 1, 0), (6, 5, 2)]
        );
        assert_eq!(places("a\n", 0), [(2, 1, 0)]);
        assert!(cut("a: 1\r\n---\r\nb: 2\r\n", 0).is_none());
    }

    /// The line-by-line cut that [`cut`] replaced, as the reference it must agree with.
    fn cut_line_by_line(text: &str, size: usize) -> Vec<(usize, u32, usize)> {
        let mut pieces = Vec::new();
        let (mut start, mut first_line, mut first_document) = (0, 1u32, 0);
        let (mut documents, mut marker_seen, mut content_before) = (0usize, false, false);
        let (mut at, mut line) = (0, 1u32);
        for body in text.split('\n') {
            if is_marker(body) {
                if !marker_seen {
                    marker_seen = true;
                    documents += usize::from(content_before);
                }
                if body == "---" && at - start >= size && documents > first_document {
                    pieces.push((at - start, first_line, first_document));
                    (start, first_line, first_document) = (at, line, documents);
                }
                documents += 1;
            } else if !marker_seen {
                let trimmed = body.trim_start();
                content_before |= !(trimmed.is_empty() || trimmed.starts_with(['#', '%']));
            }
            at += body.len() + 1;
            line += 1;
        }
        pieces.push((text.len() - start, first_line, first_document));
        pieces
    }

    proptest::proptest! {
        /// Texts made of markers, near-markers, comments, directives, content and blank lines:
        /// the pieces are where reading line by line puts them.
        #[test]
        fn pieces_are_where_reading_line_by_line_puts_them(
            lines in proptest::collection::vec(
                proptest::sample::select(vec![
                    "---", "--- # x", "---\t", "----", "---x", " ---", "# c", "%YAML 1.1", "",
                    "a: 1", "  - b", "--", "-",
                ]),
                0..40,
            ),
            end in proptest::bool::ANY,
            size in 0usize..40,
        ) {
            let mut text = lines.join("\n");
            if end {
                text.push('\n');
            }
            proptest::prop_assert_eq!(places(&text, size), cut_line_by_line(&text, size));
        }
    }

    #[test]
    fn line_breaks_are_counted_across_blocks() {
        let text = "a\n".repeat(1000);
        assert_eq!(lines(&text), 1000);
        assert_eq!(lines(&text[1..]), 1000);
        assert_eq!(lines(&text[..509]), 254);
        assert_eq!(lines(&"\n".repeat(600)), 600);
        assert_eq!(lines(""), 0);
    }
}
