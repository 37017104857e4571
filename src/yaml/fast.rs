//! A fast reader for the YAML meshc's own writer emits: the same events, with the same spans,
//! that saphyr-parser produces for it, at a fraction of the cost. A document it is not sure of
//! is left to saphyr-parser, with the rest of the text, from its `---` line ([`read`]), so what
//! is accepted and reported never depends on which reader read it.
//!
//! The subset, exactly; anything else anywhere in a document makes it and the rest of the text
//! saphyr-parser's:
//!
//! - the text is empty or ends with a line break; no byte below 0x20 but the line break (no
//!   tab, no carriage return), no DEL, no byte order mark;
//! - lines that are empty, blank or comments (`#` first on the line) are skipped; a line that
//!   is exactly `---` starts a document (so no `...`, no directives, nothing after `---`);
//! - a document is empty, or its content is a block mapping or a block sequence;
//! - a block mapping's entries are `key: value` or `key:` on lines of the mapping's column; a
//!   key is a plain or quoted scalar on one line, under 512 bytes, right before its `:`;
//! - a block sequence's items are `- ` and then a scalar, a flow sequence, `{}` or the first entry of
//!   a mapping (`- key: value`), on lines of the sequence's column; a sequence under a key may
//!   have its dashes on the key's column;
//! - a `key:` with nothing after it (but a comment) has its value on the next lines, a mapping
//!   or a sequence further right (a sequence also on the key's column), or is empty;
//! - a value on the key's line is a scalar, a flow sequence, `{}` or a literal block scalar;
//! - a plain scalar is one line of printable ASCII that starts with a letter, a digit, one of
//!   `/._$~+()=<^\;` or `-` before a letter, digit or `.`, holds no `[]{}`, no `: ` and no ` #`
//!   and does not end with `:`;
//! - a double-quoted scalar is one line of printable ASCII whose escapes are `\\ \" \/ \n \t
//!   \r`; a single-quoted one is one line of printable ASCII (`''` for a quote);
//! - a flow sequence is one line: `[]`, or `[` items separated by `, ` `]`, each item a plain
//!   scalar without `:` or `,` or a quoted scalar;
//! - a block scalar is `|` or `|-` alone after its key, its first line right of the key and not
//!   blank, its lines empty or at least as far right as the first; it ends at the first line
//!   further left;
//! - a scalar, flow sequence or comment ends its line (blanks and a ` #` comment may follow);
//!   non-ASCII text is in comments and block scalars only.

use std::borrow::Cow;

use saphyr_parser::{Event, Marker, ScalarStyle, Span};

/// Longest key read here: saphyr-parser refuses a key of more than 1,024 characters.
const MAX_KEY: usize = 512;

/// How far [`read`] read a text.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Read<E> {
    /// The text was read to its end, or to the end of the document in which the sink refused
    /// an event: what the sink refused, if anything.
    Done(Result<(), E>),
    /// The text leaves the subset in the document that starts at this line: the events of the
    /// documents before it were handed on, and those handed on after them must be discarded;
    /// the text from that line on is saphyr-parser's.
    From(Start),
}

/// Where a document starts: the byte and the 1-based number of its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Start {
    pub(super) byte: usize,
    pub(super) line: usize,
}

/// Reads `text` into `sink` in one pass, handing each event on as it is read. The events of a
/// document are saphyr-parser's only once the whole document is known to be in the subset, and
/// saphyr-parser reads the documents after a `---` line as it would read them on their own
/// (nothing in the subset carries over a document's end: no anchor, tag or directive). So a
/// document that leaves the subset is read again from its `---` line by saphyr-parser, and a
/// refusal of the sink stands only once the rest of its document is checked (the sink is handed
/// nothing more meanwhile).
pub(super) fn read<'a, E>(
    text: &'a str,
    sink: impl FnMut(Event<'a>, Span) -> Result<(), E>,
) -> Read<E> {
    let start = Start { byte: 0, line: 1 };
    if !(text.is_empty() || text.ends_with('\n')) {
        return Read::From(start);
    }
    let mut reader = Reader {
        lines: Lines {
            rest: text,
            number: 1,
            chars: 0,
        },
        len: text.len(),
        sink,
        refused: None,
        stack: Vec::new(),
        pending: None,
        document: Document::None,
        start,
    };
    match reader.stream() {
        Ok(()) => Read::Done(Ok(())),
        Err(Stop::Sink(e)) => Read::Done(Err(e)),
        Err(Stop::Outside) => Read::From(reader.start),
    }
}

/// Why reading stopped.
pub(super) enum Stop<E> {
    /// The text leaves the subset here.
    Outside,
    /// The sink refused an event of a document that is in the subset.
    Sink(E),
}

/// One line, without its break.
#[derive(Clone, Copy)]
struct Line<'a> {
    text: &'a str,
    /// 1-based.
    number: usize,
    /// Characters of the text before the line.
    chars: usize,
}

impl Line<'_> {
    /// The place of byte `col`; every place marked is in the line's ASCII start, where bytes
    /// are characters.
    fn at(&self, col: usize) -> Marker {
        Marker::new(self.chars + col, self.number, col)
    }

    fn empty(&self, col: usize) -> Span {
        Span::empty(self.at(col))
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.at(start), self.at(end))
    }
}

/// The lines still to read.
#[derive(Clone, Copy)]
struct Lines<'a> {
    rest: &'a str,
    number: usize,
    chars: usize,
}

impl<'a> Lines<'a> {
    fn next<E>(&mut self) -> Result<Option<Line<'a>>, Stop<E>> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let Some((end, ascii)) = scan::line_end(self.rest.as_bytes()) else {
            return Err(Stop::Outside);
        };
        let text = &self.rest[..end];
        let chars = if ascii {
            text.len()
        } else if text.contains('\u{feff}') {
            return Err(Stop::Outside);
        } else {
            text.chars().count()
        };
        let line = Line {
            text,
            number: self.number,
            chars: self.chars,
        };
        self.rest = &self.rest[end + 1..];
        self.number += 1;
        self.chars += chars + 1;
        Ok(Some(line))
    }

    /// Where the text ends.
    fn end(&self) -> Marker {
        Marker::new(self.chars, self.number, 0)
    }
}

/// An open block collection and the column of its keys or dashes.
#[derive(Clone, Copy)]
enum Block {
    Map(usize),
    Seq(usize),
    /// A sequence under a key with its dashes on the key's column.
    Indentless(usize),
}

/// Where the stream is between documents.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Document {
    /// No document open.
    None,
    /// A `---` read and no content yet.
    Empty,
    /// A document with content.
    Open,
}

/// How a plain scalar ended.
enum End {
    /// At the end of the line or at a comment.
    Line,
    /// At a `:` that makes it a key, at this byte.
    Colon(usize),
    /// At a flow indicator, at this byte.
    Flow(usize),
}

struct Reader<'a, E, F> {
    lines: Lines<'a>,
    /// Bytes of the whole text.
    len: usize,
    sink: F,
    /// What the sink refused, until the rest of its document is checked.
    refused: Option<E>,
    stack: Vec<Block>,
    /// The `:` of the innermost mapping's key whose value is on the next lines, and the column
    /// of that mapping.
    pending: Option<(usize, Marker)>,
    document: Document,
    /// Where the document being read starts.
    start: Start,
}

impl<'a, E, F: FnMut(Event<'a>, Span) -> Result<(), E>> Reader<'a, E, F> {
    /// Hands `event` on, unless the sink has refused one.
    fn emit(&mut self, event: Event<'a>, span: Span) {
        if self.refused.is_none() {
            self.refused = (self.sink)(event, span).err();
        }
    }

    /// Stops at the sink's refusal, once the document it came in is known to be in the subset.
    fn settle(&mut self) -> Result<(), Stop<E>> {
        self.refused.take().map_or(Ok(()), |e| Err(Stop::Sink(e)))
    }

    fn stream(&mut self) -> Result<(), Stop<E>> {
        self.emit(Event::StreamStart, Span::empty(Marker::new(0, 1, 0)));
        loop {
            let byte = self.len - self.lines.rest.len();
            let Some(line) = self.lines.next()? else {
                break;
            };
            let col = scan::spaces(line.text.as_bytes(), 0);
            let content = &line.text[col..];
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            if col == 0 && ["---", "...", "%"].iter().any(|m| content.starts_with(m)) {
                if content != "---" {
                    return Err(Stop::Outside);
                }
                let marker = line.span(0, 3);
                self.end_document(marker);
                self.settle()?;
                self.start = Start {
                    byte,
                    line: line.number,
                };
                self.emit(Event::DocumentStart(true), marker);
                self.document = Document::Empty;
                continue;
            }
            self.content(line, col)?;
        }
        let end = Span::empty(self.lines.end());
        self.end_document(end);
        self.emit(Event::StreamEnd, end);
        self.settle()
    }

    /// Ends the document open, if any, at the token `next`.
    fn end_document(&mut self, next: Span) {
        match self.document {
            Document::None => return,
            Document::Empty => self.emit(empty_scalar(), next),
            Document::Open => {
                self.resolve_pending();
                self.close_while(Span::empty(next.start), |_| true);
            }
        }
        self.document = Document::None;
        self.emit(Event::DocumentEnd, next);
    }

    /// The empty value of a key with nothing on its next lines.
    fn resolve_pending(&mut self) {
        if let Some((_, colon)) = self.pending.take() {
            self.emit(empty_scalar(), Span::empty(colon));
        }
    }

    fn close_while(&mut self, at: Span, close: impl Fn(Block) -> bool) {
        while let Some(&top) = self.stack.last() {
            if !close(top) {
                break;
            }
            self.stack.pop();
            let event = match top {
                Block::Map(_) => Event::MappingEnd,
                Block::Seq(_) | Block::Indentless(_) => Event::SequenceEnd,
            };
            self.emit(event, at);
        }
    }

    /// A line whose content starts at `col`.
    fn content(&mut self, line: Line<'a>, col: usize) -> Result<(), Stop<E>> {
        let dash = line.text[col..].starts_with("- ");
        if let Some((key_col, _)) = self.pending {
            if col > key_col {
                self.pending = None;
                return self.open(line, col, dash, line.empty(col));
            }
            if col == key_col && dash {
                self.pending = None;
                let item = item_start(line.text, col)?;
                return self.open(line, col, true, line.empty(item));
            }
            self.resolve_pending();
        }
        if self.stack.is_empty() {
            match self.document {
                Document::Open => return Err(Stop::Outside),
                Document::None => self.emit(Event::DocumentStart(false), line.empty(col)),
                Document::Empty => {}
            }
            self.document = Document::Open;
            return self.open(line, col, dash, line.empty(col));
        }
        self.close_while(line.empty(col), |top| match top {
            Block::Map(indent) | Block::Seq(indent) => indent > col,
            Block::Indentless(indent) => indent > col || (indent == col && !dash),
        });
        match self.stack.last() {
            Some(&Block::Map(indent)) if indent == col && !dash => self.entry(line, col),
            Some(&(Block::Seq(indent) | Block::Indentless(indent))) if indent == col && dash => {
                self.item(line, col)
            }
            _ => Err(Stop::Outside),
        }
    }

    /// Opens the collection that starts on `line` at `col`, its start event at `start`.
    fn open(&mut self, line: Line<'a>, col: usize, dash: bool, start: Span) -> Result<(), Stop<E>> {
        if dash {
            let indentless =
                matches!(self.stack.last(), Some(&Block::Map(indent)) if indent == col);
            self.stack.push(if indentless {
                Block::Indentless(col)
            } else {
                Block::Seq(col)
            });
            self.emit(Event::SequenceStart(0, None), start);
            self.item(line, col)
        } else {
            self.stack.push(Block::Map(col));
            self.emit(Event::MappingStart(0, None), start);
            self.entry(line, col)
        }
    }

    /// `key: ...` at `col`, in the mapping of that column.
    fn entry(&mut self, line: Line<'a>, col: usize) -> Result<(), Stop<E>> {
        let (key, colon) = key(line, col)?;
        let Some(colon) = colon else {
            return Err(Stop::Outside);
        };
        self.emit_scalar(key, line);
        self.value(line, col, colon)
    }

    /// `- ...` at `col`, in the sequence of that column.
    fn item(&mut self, line: Line<'a>, col: usize) -> Result<(), Stop<E>> {
        let start = item_start(line.text, col)?;
        if matches!(line.text.as_bytes()[start], b'[' | b'{') {
            return self.flow(line, start);
        }
        let (scalar, colon) = key(line, start)?;
        match colon {
            Some(colon) => {
                self.stack.push(Block::Map(start));
                self.emit(Event::MappingStart(0, None), line.empty(start));
                self.emit_scalar(scalar, line);
                self.value(line, start, colon)
            }
            None => {
                let scalar = ends_line(line.text, scalar)?;
                self.emit_scalar(scalar, line);
                Ok(())
            }
        }
    }

    fn emit_scalar(&mut self, (text, style, start, end): Scalar<'a>, line: Line<'a>) {
        self.emit(Event::Scalar(text, style, 0, None), line.span(start, end));
    }

    /// What follows the `:` at `colon` of a key of the mapping at `col`.
    fn value(&mut self, line: Line<'a>, col: usize, colon: usize) -> Result<(), Stop<E>> {
        let text = line.text;
        let start = colon + 1 + scan::spaces(text.as_bytes(), colon + 1);
        match text.as_bytes().get(start) {
            None | Some(b'#') => {
                self.pending = Some((col, line.at(colon)));
                Ok(())
            }
            Some(b'|') => match &text[start..] {
                "|" => self.literal(col, false),
                "|-" => self.literal(col, true),
                _ => Err(Stop::Outside),
            },
            Some(b'[' | b'{') => self.flow(line, start),
            Some(b'"' | b'\'') => {
                let scalar = ends_line(text, quoted(text, start)?)?;
                self.emit_scalar(scalar, line);
                Ok(())
            }
            Some(_) => match plain(text, start, false)? {
                (end, End::Line) => {
                    let scalar = (
                        Cow::Borrowed(&text[start..end]),
                        ScalarStyle::Plain,
                        start,
                        end,
                    );
                    self.emit_scalar(scalar, line);
                    Ok(())
                }
                _ => Err(Stop::Outside),
            },
        }
    }

    /// A flow sequence, or an empty flow mapping, at `start` that ends its line; the span of
    /// its end takes in the blanks and comment after it, as saphyr-parser's does.
    fn flow(&mut self, line: Line<'a>, start: usize) -> Result<(), Stop<E>> {
        let text = line.text;
        let bytes = text.as_bytes();
        if bytes[start] == b'{' {
            if bytes.get(start + 1) != Some(&b'}') {
                return Err(Stop::Outside);
            }
            rest_is_blank(text, start + 2)?;
            self.emit(Event::MappingStart(0, None), line.span(start, start + 1));
            self.emit(Event::MappingEnd, line.span(start + 1, text.len()));
            return Ok(());
        }
        self.emit(Event::SequenceStart(0, None), line.span(start, start + 1));
        let mut at = start + 1;
        if bytes.get(at) != Some(&b']') {
            loop {
                let scalar = match bytes.get(at) {
                    Some(b'"' | b'\'') => quoted(text, at)?,
                    Some(_) => match plain(text, at, true)? {
                        (end, End::Flow(stop)) if stop == end => {
                            (Cow::Borrowed(&text[at..end]), ScalarStyle::Plain, at, end)
                        }
                        _ => return Err(Stop::Outside),
                    },
                    None => return Err(Stop::Outside),
                };
                let end = scalar.3;
                self.emit_scalar(scalar, line);
                match (bytes.get(end), bytes.get(end + 1), bytes.get(end + 2)) {
                    (Some(b']'), _, _) => {
                        at = end;
                        break;
                    }
                    (Some(b','), Some(b' '), Some(b)) if *b != b' ' => at = end + 2,
                    _ => return Err(Stop::Outside),
                }
            }
        }
        rest_is_blank(text, at + 1)?;
        self.emit(Event::SequenceEnd, line.span(at, text.len()));
        Ok(())
    }

    /// A literal block scalar whose `|` (`|-` with `strip`) ended the line of a key of the
    /// mapping at `col`.
    fn literal(&mut self, col: usize, strip: bool) -> Result<(), Stop<E>> {
        let mut lines = self.lines;
        let Some(first) = lines.next()? else {
            return Err(Stop::Outside);
        };
        let indent = indentation(first.text)?;
        if indent <= col {
            return Err(Stop::Outside);
        }
        let mut value = first.text[indent..].to_string();
        self.lines = lines;
        let mut breaks = 0;
        let end = loop {
            let mut next = self.lines;
            let Some(line) = next.next()? else {
                break self.lines.end();
            };
            if line.text.is_empty() {
                breaks += 1;
            } else {
                let spaces = indentation(line.text)?;
                if spaces < indent {
                    break line.at(spaces);
                }
                value.push('\n');
                value.extend(std::iter::repeat_n('\n', breaks));
                value.push_str(&line.text[indent..]);
                breaks = 0;
            }
            self.lines = next;
        };
        if !strip {
            value.push('\n');
        }
        let start = first.at(indent);
        self.emit(
            Event::Scalar(Cow::Owned(value), ScalarStyle::Literal, 0, None),
            Span::new(start, end),
        );
        Ok(())
    }
}

/// A scalar at `start` that may be a key: the scalar, and its `:` if it is one.
fn key<E>(line: Line<'_>, start: usize) -> Result<(Scalar<'_>, Option<usize>), Stop<E>> {
    let text = line.text;
    let scalar = match text.as_bytes()[start] {
        b'"' | b'\'' => quoted(text, start)?,
        _ => {
            let (end, stop) = plain(text, start, false)?;
            let scalar = (
                Cow::Borrowed(&text[start..end]),
                ScalarStyle::Plain,
                start,
                end,
            );
            match stop {
                End::Colon(colon) if colon == end => return key_within(scalar, Some(colon)),
                End::Line => scalar,
                End::Colon(_) | End::Flow(_) => return Err(Stop::Outside),
            }
        }
    };
    let end = scalar.3;
    let after = text.as_bytes().get(end + 1);
    if text.as_bytes().get(end) == Some(&b':') && matches!(after, None | Some(b' ')) {
        return key_within(scalar, Some(end));
    }
    Ok((scalar, None))
}

/// A scalar: its value, style, and first and past-the-end bytes in its line.
type Scalar<'a> = (Cow<'a, str>, ScalarStyle, usize, usize);

fn empty_scalar<'a>() -> Event<'a> {
    Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None)
}

fn key_within<E>(
    scalar: Scalar<'_>,
    colon: Option<usize>,
) -> Result<(Scalar<'_>, Option<usize>), Stop<E>> {
    if colon.is_some_and(|colon| colon - scalar.2 >= MAX_KEY) {
        return Err(Stop::Outside);
    }
    Ok((scalar, colon))
}

/// The spaces that start a line that is not blank.
fn indentation<E>(text: &str) -> Result<usize, Stop<E>> {
    let spaces = scan::spaces(text.as_bytes(), 0);
    if spaces == text.len() {
        return Err(Stop::Outside);
    }
    Ok(spaces)
}

/// Where the content of the item whose `- ` is at `col` starts.
fn item_start<E>(text: &str, col: usize) -> Result<usize, Stop<E>> {
    let start = col + 2 + scan::spaces(text.as_bytes(), col + 2);
    match text.as_bytes().get(start) {
        None | Some(b'#') => Err(Stop::Outside),
        Some(_) => Ok(start),
    }
}

/// A scalar that ends its line; a quoted one's span takes in the blanks and comment after it,
/// as saphyr-parser's does.
fn ends_line<'a, E>(text: &str, scalar: Scalar<'a>) -> Result<Scalar<'a>, Stop<E>> {
    rest_is_blank(text, scalar.3)?;
    Ok(match scalar.1 {
        ScalarStyle::Plain => scalar,
        _ => (scalar.0, scalar.1, scalar.2, text.len()),
    })
}

/// Whether only blanks and a comment follow byte `end`.
fn rest_is_blank<E>(text: &str, end: usize) -> Result<(), Stop<E>> {
    let spaces = scan::spaces(text.as_bytes(), end);
    match text.as_bytes().get(end + spaces) {
        None => Ok(()),
        Some(b'#') if spaces > 0 => Ok(()),
        Some(_) => Err(Stop::Outside),
    }
}

/// A plain scalar at `start` (in a flow sequence with `flow`): its past-the-end byte, trailing
/// blanks left out, and how it ended.
fn plain<E>(text: &str, start: usize, flow: bool) -> Result<(usize, End), Stop<E>> {
    let bytes = text.as_bytes();
    let first = bytes[start];
    let starts = scan::starts_plain(first)
        || (first == b'-'
            && bytes
                .get(start + 1)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.'));
    if !starts {
        return Err(Stop::Outside);
    }
    let mut at = start;
    let end = loop {
        at = scan::next_stop(bytes, at);
        match bytes.get(at) {
            None => break End::Line,
            Some(b) if !b.is_ascii() => return Err(Stop::Outside),
            Some(b'[' | b']' | b'{' | b'}' | b',') if flow => break End::Flow(at),
            Some(b'[' | b']' | b'{' | b'}') => return Err(Stop::Outside),
            Some(b':') if flow => return Err(Stop::Outside),
            Some(b':') if matches!(bytes.get(at + 1), None | Some(b' ')) => break End::Colon(at),
            Some(b' ') if bytes.get(at + 1) == Some(&b'#') => break End::Line,
            Some(_) => at += 1,
        }
    };
    let stop = match end {
        End::Line => at,
        End::Colon(at) | End::Flow(at) => at,
    };
    Ok((scan::trim_end(bytes, stop), end))
}

/// A quoted scalar that opens at `start` and closes on its line.
fn quoted<E>(text: &str, start: usize) -> Result<Scalar<'_>, Stop<E>> {
    let bytes = text.as_bytes();
    let quote = bytes[start];
    let mut value: Option<String> = None;
    let mut run = start + 1;
    let mut at = start + 1;
    loop {
        let Some(&b) = bytes.get(at) else {
            return Err(Stop::Outside);
        };
        if !b.is_ascii() {
            return Err(Stop::Outside);
        }
        let (unescaped, width) = match (quote, b, bytes.get(at + 1)) {
            (b'\'', b'\'', Some(b'\'')) => ('\'', 2),
            (b'"', b'\\', Some(&e)) => (
                match e {
                    b'\\' | b'"' | b'/' => char::from(e),
                    b'n' => '\n',
                    b't' => '\t',
                    b'r' => '\r',
                    _ => return Err(Stop::Outside),
                },
                2,
            ),
            (b'"', b'\\', None) => return Err(Stop::Outside),
            (_, b, _) if b == quote => break,
            _ => {
                at += 1;
                continue;
            }
        };
        let value = value.get_or_insert_with(String::new);
        value.push_str(&text[run..at]);
        value.push(unescaped);
        at += width;
        run = at;
    }
    let scalar = match value {
        Some(mut value) => {
            value.push_str(&text[run..at]);
            Cow::Owned(value)
        }
        None => Cow::Borrowed(&text[start + 1..at]),
    };
    let style = if quote == b'"' {
        ScalarStyle::DoubleQuoted
    } else {
        ScalarStyle::SingleQuoted
    };
    Ok((scalar, style, start, at + 1))
}

mod scan;

#[cfg(test)]
pub(super) mod tests;
