//! Reads a YAML stream the way kubectl does (sigs.k8s.io/yaml on go-yaml v2): YAML 1.1 plain
//! scalars (`yes`, `on`, `y` are booleans; `0x1F` and `017` are integers; `1e3` is a number),
//! timestamps stay strings, non-string keys become strings, and a duplicate key is an error.
//! Every value keeps its line, so findings can point into the file.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::error::Error;
use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use super::fast;
use super::node::{Node, Value};
use super::scalar::{resolve, resolved_key};
use crate::limits::{MAX_YAML_ALIAS_BYTES, MAX_YAML_DEPTH, MAX_YAML_TREE_BYTES};

/// What one value takes in memory besides its text: the weight of a value is this, plus its
/// string, plus its key and the key's own size in a mapping. The tree and the copies aliases
/// make are budgeted in it.
const NODE_BYTES: usize = std::mem::size_of::<Node<'_>>();
const KEY_BYTES: usize = std::mem::size_of::<Cow<'_, str>>();

/// The reader's bounds ([`crate::limits`]; tests use small ones).
#[derive(Debug, Clone, Copy)]
struct Limits {
    depth: usize,
    tree_bytes: usize,
    alias_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            depth: MAX_YAML_DEPTH,
            tree_bytes: MAX_YAML_TREE_BYTES,
            alias_bytes: MAX_YAML_ALIAS_BYTES,
        }
    }
}

/// Mappings up to this size are searched for a duplicate key one by one; larger ones get an
/// index, so that a mapping of n keys costs O(n) and not O(n²).
const SMALL_MAP: usize = 16;

/// One document of a stream.
#[derive(Debug, Clone)]
pub(crate) struct Document<'a> {
    /// 0-based position in the stream; empty documents count.
    pub index: usize,
    /// Line where the document's content starts (its `---` when it is empty).
    pub line: u32,
    /// The content; `Null` for an empty document.
    pub root: Node<'a>,
}

/// Why the rest of a stream could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Index of the document the error is in.
    pub document: usize,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl Error for SyntaxError {}

/// The documents read, and the error that stopped reading, if any.
#[derive(Debug, Clone)]
pub(crate) struct Stream<'a> {
    /// Documents before the error.
    pub documents: Vec<Document<'a>>,
    /// The error, if the stream is not valid YAML.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "read whole only where meshc wrote the text; `diff` reads each document"
        )
    )]
    pub error: Option<SyntaxError>,
}

/// Reads every document of `text`.
pub(crate) fn read(text: &str) -> Stream<'_> {
    read_within(text, Limits::default())
}

/// Reads `text` one document at a time, handing each to `each` as soon as it is read, so that
/// a caller that keeps less than the whole tree holds one document's tree at a time, not the
/// stream's; gives the error that stopped reading, if any.
pub(crate) fn read_each<'a>(text: &'a str, each: impl FnMut(Document<'a>)) -> Option<SyntaxError> {
    read_each_within(text, Limits::default(), each)
}

fn read_within(text: &str, limits: Limits) -> Stream<'_> {
    let mut documents = Vec::new();
    let error = read_each_within(text, limits, |document| documents.push(document));
    Stream { documents, error }
}

/// What reading one piece of a stream ([`read_piece`]) used of the stream's budgets and how many
/// documents it held: a stream read in pieces is read as it would be whole only if the pieces
/// together stay within the budgets and each started at the document it was said to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PieceUse {
    /// How many documents the piece held.
    pub documents: usize,
    held: usize,
    copied: usize,
}

impl PieceUse {
    /// Whether pieces that used this much read as their stream would whole: together within
    /// the budgets a whole stream has.
    pub(crate) fn within_budgets(pieces: &[PieceUse]) -> bool {
        let limits = Limits::default();
        let sum =
            |f: fn(&PieceUse) -> usize| pieces.iter().map(f).fold(0usize, usize::saturating_add);
        sum(|p| p.held) <= limits.tree_bytes && sum(|p| p.copied) <= limits.alias_bytes
    }
}

/// Reads a piece of a stream that starts at a line of its own: the piece's first line is line
/// `first_line` of the stream and its first document is document `first_document`, so that
/// documents and errors have the places they would have in the whole stream. Gives the error
/// that stopped reading, if any, and what the piece used.
pub(crate) fn read_piece<'a>(
    text: &'a str,
    first_line: u32,
    first_document: usize,
    each: impl FnMut(Document<'a>),
) -> (Option<SyntaxError>, PieceUse) {
    let mut builder = Builder {
        limits: Limits::default(),
        documents: first_document,
        line_offset: first_line.saturating_sub(1),
        ..Builder::default()
    };
    let error = builder.read(text, each);
    let used = PieceUse {
        documents: builder.documents - first_document,
        held: builder.held,
        copied: builder.copied,
    };
    (error, used)
}

fn read_each_within<'a>(
    text: &'a str,
    limits: Limits,
    each: impl FnMut(Document<'a>),
) -> Option<SyntaxError> {
    let mut builder = Builder {
        limits,
        ..Builder::default()
    };
    builder.read(text, each)
}

impl<'a> Builder<'a> {
    fn read(&mut self, text: &'a str, mut each: impl FnMut(Document<'a>)) -> Option<SyntaxError> {
        let failure = match fast::read(text, |event, span| self.step(event, span, &mut each)) {
            fast::Read::Done(read) => read.err(),
            fast::Read::From(start) => {
                // The documents before `start` were handed on; what was built of the one that
                // starts there is dropped, and that document is read again.
                self.rewind();
                let before = u32::try_from(start.line - 1).unwrap_or(u32::MAX);
                self.line_offset = self.line_offset.saturating_add(before);
                self.read_saphyr(&text[start.byte..], &mut each)
            }
        };
        failure.map(|failure| self.syntax_error(failure))
    }

    /// `failure`, placed in the stream: its document, and its line counted from the stream's
    /// first.
    fn syntax_error(&self, failure: Failure) -> SyntaxError {
        SyntaxError {
            document: self.documents,
            line: failure.line.saturating_add(self.line_offset),
            column: failure.column,
            message: failure.message,
        }
    }

    /// Drops what was built of the document being read, and its weight: the builder is as it
    /// was at the end of the document before.
    fn rewind(&mut self) {
        self.stack.clear();
        self.items.clear();
        self.entries.clear();
        self.anchors.clear();
        self.root = None;
        self.finished = None;
        (self.held, self.copied) = self.settled;
    }

    /// Reads `text` with saphyr-parser, for what [`fast`] leaves to it.
    fn read_saphyr(
        &mut self,
        text: &'a str,
        each: &mut impl FnMut(Document<'a>),
    ) -> Option<Failure> {
        for event in Parser::new_from_str(text) {
            let step = match event {
                Ok((event, span)) => self.step(event, span, each),
                Err(e) => Err(Failure {
                    line: line_of(e.marker().line()),
                    column: u32::try_from(e.marker().col() + 1).unwrap_or(u32::MAX),
                    message: e.info().to_string(),
                }),
            };
            if let Err(failure) = step {
                return Some(failure);
            }
        }
        None
    }

    /// Takes one event, and hands on the document it finishes, if any; inlined into the
    /// reader's hand-over, as [`Builder::event`] may be.
    #[inline]
    fn step(
        &mut self,
        event: Event<'a>,
        span: Span,
        each: &mut impl FnMut(Document<'a>),
    ) -> Result<(), Failure> {
        self.event(event, span)?;
        if let Some(document) = self.finished.take() {
            each(document);
        }
        Ok(())
    }
}

struct Failure {
    line: u32,
    column: u32,
    message: String,
}

fn failure(span: Span, message: impl Into<String>) -> Failure {
    Failure {
        line: line_of(span.start.line()),
        column: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
        message: message.into(),
    }
}

fn line_of(line: usize) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

/// A collection being built, with the weight of what it holds so far; its items or entries so
/// far are those of [`Builder::items`] or [`Builder::entries`] from `start` on.
enum Frame<'a> {
    Seq {
        line: u32,
        anchor: usize,
        weight: usize,
        start: usize,
    },
    Map {
        line: u32,
        anchor: usize,
        weight: usize,
        start: usize,
        merges: Vec<Node<'a>>,
        /// The key read, waiting for its value (`None` for a merge key `<<`).
        key: Option<Option<Cow<'a, str>>>,
        /// The keys so far, once the mapping is too large to search them one by one.
        index: Option<HashSet<Cow<'a, str>>>,
    },
}

#[derive(Default)]
struct Builder<'a> {
    /// How many documents were read.
    documents: usize,
    /// The document just read, until it is handed on.
    finished: Option<Document<'a>>,
    stack: Vec<Frame<'a>>,
    /// The items of the lists being built, innermost list's last. A finished list takes its
    /// own in one allocation of its length, where a `Vec` of its own grew by doubling: one
    /// allocation per list instead of about log2 of its length, and no spare capacity.
    items: Vec<Node<'a>>,
    /// The entries of the mappings being built, as [`Builder::items`] holds lists' items.
    entries: Vec<(Cow<'a, str>, Node<'a>)>,
    /// Each anchored value, and its weight.
    anchors: HashMap<usize, (Node<'a>, usize)>,
    limits: Limits,
    /// Weight of the values read so far, aliases expanded.
    held: usize,
    /// Weight that aliases have copied so far.
    copied: usize,
    /// `held` and `copied` at the end of the last document read.
    settled: (usize, usize),
    document_line: u32,
    root: Option<Node<'a>>,
    /// Lines of the stream before the text read ([`read_piece`]).
    line_offset: u32,
}

impl<'a> Builder<'a> {
    /// Takes one event: a small dispatch that may be inlined where events are handed on, what
    /// each event does being a function of its own (callgrind of `meshc render` at 1,000
    /// services: the builder 231 → 223 M instructions when its one `match` held it all).
    #[inline]
    fn event(&mut self, event: Event<'a>, span: Span) -> Result<(), Failure> {
        let line = line_of(span.start.line()).saturating_add(self.line_offset);
        match event {
            Event::DocumentStart(_) => {
                self.document_line = line;
                self.root = None;
                self.anchors.clear();
            }
            Event::DocumentEnd => self.document_end(),
            Event::Scalar(text, style, anchor, tag) => {
                self.scalar(text, style, anchor, tag.as_deref(), line, span)?;
            }
            Event::Alias(id) => self.alias(id, span)?,
            Event::SequenceStart(anchor, tag) => {
                Self::collection_tag(tag.as_deref(), "seq", span)?;
                self.open(
                    Frame::Seq {
                        line,
                        anchor,
                        weight: NODE_BYTES,
                        start: self.items.len(),
                    },
                    span,
                )?;
            }
            Event::MappingStart(anchor, tag) => {
                Self::collection_tag(tag.as_deref(), "map", span)?;
                self.open(
                    Frame::Map {
                        line,
                        anchor,
                        weight: NODE_BYTES,
                        start: self.entries.len(),
                        merges: Vec::new(),
                        key: None,
                        index: None,
                    },
                    span,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(span)?,
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    /// The end of a document: its root is the document just read.
    fn document_end(&mut self) {
        let root = self
            .root
            .take()
            .unwrap_or_else(|| Node::new(self.document_line, Value::Null));
        self.finished = Some(Document {
            index: self.documents,
            line: if root.value == Value::Null {
                self.document_line
            } else {
                root.line
            },
            root,
        });
        self.documents += 1;
        self.settled = (self.held, self.copied);
    }

    /// An alias: a copy of its anchored value, weighed before it is made.
    fn alias(&mut self, id: usize, span: Span) -> Result<(), Failure> {
        let Some(&(_, weight)) = self.anchors.get(&id) else {
            return Err(failure(span, "alias of an unknown anchor"));
        };
        if self.stack_top_wants_key() {
            return Err(failure(span, "an alias as a mapping key is not supported"));
        }
        self.copy(weight, span)?;
        self.hold(weight, span)?;
        let node = self.anchors[&id].0.clone();
        self.value(node, weight, 0, span)
    }

    /// Starts building the list or mapping of `frame`.
    fn open(&mut self, frame: Frame<'a>, span: Span) -> Result<(), Failure> {
        self.no_complex_key(span)?;
        self.deeper(span)?;
        self.stack.push(frame);
        Ok(())
    }

    /// Finishes the innermost list or mapping, and places it.
    fn close(&mut self, span: Span) -> Result<(), Failure> {
        match self.stack.pop() {
            Some(Frame::Seq {
                line,
                anchor,
                weight,
                start,
            }) => {
                let items = self.items.split_off(start);
                self.hold(NODE_BYTES, span)?;
                self.value(Node::new(line, Value::Seq(items)), weight, anchor, span)
            }
            Some(Frame::Map {
                line,
                anchor,
                weight,
                start,
                merges,
                ..
            }) => {
                let mut entries = self.entries.split_off(start);
                // Merged entries were weighed as the aliases that brought them in. Few mappings
                // merge any: the others skip the walk of an empty list.
                if !merges.is_empty() {
                    merge(&mut entries, merges, span)?;
                }
                self.hold(NODE_BYTES, span)?;
                self.value(Node::new(line, Value::Map(entries)), weight, anchor, span)
            }
            None => Ok(()),
        }
    }

    /// A scalar at `line`: a key, or a value.
    fn scalar(
        &mut self,
        text: Cow<'a, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        line: u32,
        span: Span,
    ) -> Result<(), Failure> {
        if self.stack_top_wants_key() {
            return self.key(text, style, tag, span);
        }
        let value = resolve(text, style, tag).map_err(|m| failure(span, m))?;
        let weight = NODE_BYTES + text_bytes(&value);
        self.hold(weight, span)?;
        self.value(Node::new(line, value), weight, anchor, span)
    }

    /// Counts `weight` more of the tree against the stream's budget.
    fn hold(&mut self, weight: usize, span: Span) -> Result<(), Failure> {
        self.held = self.held.saturating_add(weight);
        if self.held > self.limits.tree_bytes {
            return Err(failure(
                span,
                format!(
                    "the stream's values take more than {} MiB, aliases expanded",
                    self.limits.tree_bytes >> 20
                ),
            ));
        }
        Ok(())
    }

    /// Counts what an alias copies against the stream's budget, before copying it.
    fn copy(&mut self, weight: usize, span: Span) -> Result<(), Failure> {
        self.copied = self.copied.saturating_add(weight);
        if self.copied > self.limits.alias_bytes {
            return Err(failure(
                span,
                format!(
                    "the aliases of the stream copy more than {} MiB",
                    self.limits.alias_bytes >> 20
                ),
            ));
        }
        Ok(())
    }

    /// Refuses a list or mapping that would nest deeper than the limit, before it is built.
    fn deeper(&self, span: Span) -> Result<(), Failure> {
        if self.stack.len() >= self.limits.depth {
            return Err(failure(
                span,
                format!(
                    "lists and mappings nest deeper than {} levels",
                    self.limits.depth
                ),
            ));
        }
        Ok(())
    }

    fn stack_top_wants_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn no_complex_key(&self, span: Span) -> Result<(), Failure> {
        if self.stack_top_wants_key() {
            return Err(failure(
                span,
                "a list or mapping as a mapping key is not supported",
            ));
        }
        Ok(())
    }

    fn collection_tag(tag: Option<&Tag>, expected: &str, span: Span) -> Result<(), Failure> {
        match tag {
            None => Ok(()),
            Some(tag) if tag.is_yaml_core_schema() && tag.suffix == expected => Ok(()),
            Some(tag) => Err(failure(span, format!("unsupported tag {tag}"))),
        }
    }

    /// A mapping's key: a string is its own text, any other scalar the text of its value.
    fn key(
        &mut self,
        text: Cow<'a, str>,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<(), Failure> {
        let resolved = resolved_key(&text, style, tag).map_err(|m| failure(span, m))?;
        let Some(Frame::Map {
            key, start, index, ..
        }) = self.stack.last_mut()
        else {
            return Ok(());
        };
        let entries = &self.entries[*start..];
        if style == ScalarStyle::Plain && text == "<<" {
            *key = Some(None);
            return Ok(());
        }
        // Keys are compared as resolved, as go-yaml does (`yes` and `true` are one key).
        let compared: &str = resolved.as_deref().unwrap_or(&text);
        if entries.len() >= SMALL_MAP && index.is_none() {
            *index = Some(entries.iter().map(|(k, _)| k.clone()).collect());
        }
        let duplicate = match index {
            Some(index) => index.contains(compared),
            None => entries.iter().any(|(k, _)| k == compared),
        };
        if duplicate {
            return Err(failure(span, format!("duplicate key {text:?}")));
        }
        let name = resolved.unwrap_or(text);
        if let Some(index) = index {
            index.insert(name.clone());
        }
        let weight = KEY_BYTES + name.len();
        *key = Some(Some(name));
        self.hold(weight, span)
    }

    /// Places a finished value of `weight` in the collection being built (or as the root).
    fn value(
        &mut self,
        node: Node<'a>,
        weight: usize,
        anchor: usize,
        span: Span,
    ) -> Result<(), Failure> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), weight));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { weight: sum, .. }) => {
                *sum = sum.saturating_add(weight);
                self.items.push(node);
            }
            Some(Frame::Map {
                merges,
                key,
                weight: sum,
                ..
            }) => match key.take() {
                Some(Some(name)) => {
                    *sum = sum.saturating_add(weight + KEY_BYTES + name.len());
                    self.entries.push((name, node));
                }
                Some(None) => {
                    *sum = sum.saturating_add(weight);
                    merges.push(node);
                }
                None => return Err(failure(span, "a mapping value without a key")),
            },
        }
        Ok(())
    }
}

/// Applies merge keys (`<<: *base`): merged entries fill in keys the mapping does not set.
fn merge<'a>(
    entries: &mut Vec<(Cow<'a, str>, Node<'a>)>,
    merges: Vec<Node<'a>>,
    span: Span,
) -> Result<(), Failure> {
    for source in merges {
        let maps = match source.value {
            Value::Map(map) => vec![map],
            Value::Seq(items) => items
                .into_iter()
                .map(|item| match item.value {
                    Value::Map(map) => Ok(map),
                    _ => Err(failure(span, "a merge key `<<` takes mappings only")),
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(failure(
                    span,
                    "a merge key `<<` takes a mapping or a list of them",
                ));
            }
        };
        for map in maps {
            for (key, value) in map {
                if !entries.iter().any(|(k, _)| *k == key) {
                    entries.push((key, value));
                }
            }
        }
    }
    Ok(())
}

/// The bytes of a scalar's text held beside its value.
fn text_bytes(value: &Value<'_>) -> usize {
    match value {
        Value::Str(text) => text.len(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::yaml::short;

    /// What a read gives, as text: the documents handed on, the error and the weights used.
    fn outcome(
        documents: &[Document<'_>],
        error: Option<&SyntaxError>,
        builder: &Builder<'_>,
    ) -> String {
        let held = (builder.held, builder.copied, builder.documents);
        format!("{documents:#?}\n{error:?}\n{held:?}")
    }

    /// `text` read as a piece at `first_line`, the fast reader first.
    fn read_as_piece(text: &str, first_line: u32) -> String {
        let mut builder = Builder {
            line_offset: first_line - 1,
            ..Builder::default()
        };
        let mut documents = Vec::new();
        let error = builder.read(text, |d| documents.push(d));
        outcome(&documents, error.as_ref(), &builder)
    }

    /// `text` read as a piece at `first_line` by saphyr-parser alone.
    fn saphyr_alone(text: &str, first_line: u32) -> String {
        let mut builder = Builder {
            line_offset: first_line - 1,
            ..Builder::default()
        };
        let mut documents = Vec::new();
        let error = builder
            .read_saphyr(text, &mut |d| documents.push(d))
            .map(|failure| builder.syntax_error(failure));
        outcome(&documents, error.as_ref(), &builder)
    }

    /// Whatever the fast reader reads of a text, and wherever it leaves it to saphyr-parser,
    /// the documents, the error and its place, and the weights are saphyr-parser's alone.
    #[test]
    fn every_fixture_reads_as_saphyr_alone_reads_it() {
        let files = crate::yaml::files_below("tests/fixtures");
        assert!(files.len() > 100, "{}", files.len());
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for first_line in [1, 40] {
                let fast = read_as_piece(&text, first_line);
                assert_eq!(fast, saphyr_alone(&text, first_line), "{}", path.display());
            }
        }
        // A refusal in a document that then leaves the subset, one in a document before
        // another that leaves it, and a document read again after one handed on.
        for text in [
            "a: 1\na: 2\n  x\n",
            "a: 1\na: 2\n---\nb: [\n",
            "a: 1\n---\nb: 1\nb: 2\nc: &x y\n---\nd: 3\n",
            "a: 1\n---\nb: {c: d}\n---\ne: 2\n",
            "a: 1\n---\nb: 2\n--- x\n",
            "a: [1\n---\nb: 2\n",
        ] {
            assert_eq!(read_as_piece(text, 1), saphyr_alone(text, 1), "{text:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Lines in and out of the fast reader's subset, with document markers and duplicate
        /// keys: read fast or left to saphyr-parser in the middle, the outcome is saphyr-parser's
        /// alone.
        #[test]
        fn texts_read_as_saphyr_alone_reads_them(
            documents in prop::collection::vec(
                prop::collection::vec(crate::yaml::fast::tests::line(), 0..5),
                1..6,
            ),
            first_line in prop::sample::select(vec![1u32, 7]),
        ) {
            let documents: Vec<String> = documents.iter().map(|lines| lines.join("\n")).collect();
            let text = format!("{}\n", documents.join("\n---\n"));
            prop_assert_eq!(read_as_piece(&text, first_line), saphyr_alone(&text, first_line));
        }
    }

    fn one(text: &str) -> Node<'_> {
        let stream = read(text);
        assert_eq!(stream.error, None, "{text}");
        stream
            .documents
            .into_iter()
            .next()
            .expect("a document")
            .root
    }

    /// Nested collections take their own items and entries from the shared buffers, each in one
    /// allocation of its length, and a key is a duplicate only among its own mapping's keys.
    #[test]
    fn nested_collections_keep_their_own_items() {
        let node = one("a: [1, [2, 3], {b: [4]}]\nc: {d: 5, e: [6, {f: 7}]}\ng: []\nh: {}\n");
        let strip = |node: &Node| short(&node.value);
        assert_eq!(strip(node.get("a").unwrap()), "[1, [2, 3], {\"b\": [4]}]");
        assert_eq!(
            strip(node.get("c").unwrap()),
            "{\"d\": 5, \"e\": [6, {\"f\": 7}]}"
        );
        assert_eq!(node.entries().len(), 4);
        assert_eq!(
            node.at(&["c", "e"]).unwrap().items()[0].value,
            Value::Int(6)
        );
        let mut collections = vec![&node];
        while let Some(node) = collections.pop() {
            match &node.value {
                Value::Seq(items) => {
                    assert_eq!(items.capacity(), items.len());
                    collections.extend(items);
                }
                Value::Map(entries) => {
                    assert_eq!(entries.capacity(), entries.len());
                    collections.extend(entries.iter().map(|(_, v)| v));
                }
                _ => {}
            }
        }
        assert_eq!(read("a: 1\nm: {a: 2, m: 3}\n").error, None);
        let error = read("a: {x: 1}\nb: [x]\nx: 2\na: 3\n")
            .error
            .expect("duplicate key");
        assert_eq!(
            (error.line, error.message.as_str()),
            (4, "duplicate key \"a\"")
        );
        let many: String = (0..20)
            .map(|i| format!("k{i}: {{k{i}: [k{i}]}}\n"))
            .collect();
        let node = one(&many);
        assert_eq!(node.entries().len(), 20);
        assert_eq!(
            node.at(&["k19", "k19"]).unwrap().strings().next(),
            Some("k19")
        );
        let error = read(&format!("{many}k7: 1\n"))
            .error
            .expect("duplicate key");
        assert_eq!(error.line, 21);
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        let node = one("a: 'yes'\nb: \"1\"\nc: |\n  x\n");
        assert_eq!(node.get("a").unwrap().value, Value::Str("yes".into()));
        assert_eq!(node.get("b").unwrap().value, Value::Str("1".into()));
        assert_eq!(node.get("c").unwrap().value, Value::Str("x\n".into()));
    }

    #[test]
    fn keys_become_strings_and_duplicates_fail() {
        let node = one("8080: a\ntrue: b\n");
        assert!(node.get("8080").is_some() && node.get("true").is_some());
        let stream = read("a: 1\nb: 2\na: 3\n");
        let error = stream.error.expect("duplicate key");
        assert_eq!((error.line, error.document), (3, 0));
    }

    /// A key is compared as what it resolves to; a name or a quoted key without a tag is its
    /// own text and is not resolved, a tagged one always is.
    #[test]
    fn keys_are_compared_as_resolved() {
        for (text, duplicate) in [
            ("yes: 1\ntrue: 2\n", true),
            ("\"true\": 1\ntrue: 2\n", true),
            ("0x10: 1\n16: 2\n", true),
            ("No: 1\nfalse: 2\n", true),
            ("~: 1\nnull: 2\n", true),
            ("1.0: 1\n1.: 2\n", true),
            ("!!null foo: 1\nnull: 2\n", true),
            ("!!str yes: 1\nyes: 2\n", false),
            ("name: 1\nnamE: 2\n", false),
            ("'yes': 1\nyes: 2\n", false),
        ] {
            assert_eq!(read(text).error.is_some(), duplicate, "{text:?}");
        }
        let node = one("!!str yes: 1\nyes: 2\n0x10: 3\nname: 4\n");
        let keys: Vec<&str> = node.entries().iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["yes", "true", "16", "name"]);
    }

    #[test]
    fn documents_count_empty_ones_and_know_their_lines() {
        let stream = read("# head\n---\na: 1\n---\n---\n# c\nb: 2\n");
        let found: Vec<(usize, u32, bool)> = stream
            .documents
            .iter()
            .map(|d| (d.index, d.line, d.root.value == Value::Null))
            .collect();
        assert_eq!(found, vec![(0, 3, false), (1, 4, true), (2, 7, false)]);
    }

    #[test]
    fn anchors_aliases_and_merges_expand() {
        let node = one("base: &b {a: 1, b: 2}\nuse:\n  <<: *b\n  b: 3\n");
        let used = node.get("use").unwrap();
        assert_eq!(used.get("a").unwrap().value, Value::Int(1));
        assert_eq!(used.get("b").unwrap().value, Value::Int(3));
    }

    #[test]
    fn alias_bombs_stop() {
        let mut lines = vec!["a0: &a0 [x, x, x, x, x, x, x, x, x, x]".to_string()];
        for i in 1..9 {
            let aliases = vec![format!("*a{}", i - 1); 10].join(", ");
            lines.push(format!("a{i}: &a{i} [{aliases}]"));
        }
        let text = lines.join("\n");
        let error = read(&text).error.expect("the bomb stops");
        // Nine levels of ten copies: the byte budget stops it before the count of values.
        assert!(error.message.contains("copy more than 64 MiB"), "{error}");
    }

    /// Few values but long ones: counting values alone would let this copy 20 GB.
    #[test]
    fn aliases_of_long_strings_stop_at_the_byte_budget() {
        let long = "x".repeat(1000);
        let copies = vec!["*s"; 1000].join(", ");
        let mut text = format!("s: &s {long}\nl0: &l0 [{copies}]\n");
        let mut within = text.clone();
        // Each list copies 1,000 strings of 1,000 bytes (1.04 MB with their values): the 64 MiB
        // budget holds 64 of them, `l0` and 63 more.
        for i in 1..100 {
            let line = format!("l{i}: [*l0]\n");
            text.push_str(&line);
            if i < 60 {
                within.push_str(&line);
            }
        }
        assert_eq!(read(&within).error, None);
        let error = read(&text).error.expect("the copies stop");
        assert!(error.message.contains("copy more than 64 MiB"), "{error}");
        assert_eq!(error.line, 66, "{error}");
    }

    /// The tree and the copies are weighed exactly: a stream at a budget is read, one byte
    /// over it is not.
    #[test]
    fn budgets_are_exact_boundaries() {
        let within = |limits: Limits, text: &str| read_within(text, limits).error.is_none();
        // `{ab: [c]}`: the mapping, the key and its text, the list, the scalar and its text.
        let tree = NODE_BYTES + (KEY_BYTES + 2) + NODE_BYTES + (NODE_BYTES + 1);
        let limits = |tree_bytes, alias_bytes| Limits {
            depth: MAX_YAML_DEPTH,
            tree_bytes,
            alias_bytes,
        };
        assert!(within(limits(tree, 0), "{ab: [c]}"));
        assert!(!within(limits(tree - 1, 0), "{ab: [c]}"));
        // Two copies of a three-byte string: the alias budget holds them at exactly their
        // weight, and the tree holds the anchored value as well.
        let copy = NODE_BYTES + 3;
        let text = "[&s abc, *s, *s]";
        let whole = NODE_BYTES + 3 * copy;
        assert!(within(limits(whole, 2 * copy), text));
        assert!(!within(limits(whole, 2 * copy - 1), text));
        assert!(!within(limits(whole - 1, 2 * copy), text));
        // A copied mapping weighs its keys too.
        let map = "[&m {ab: c}, *m]";
        let entry = NODE_BYTES + (KEY_BYTES + 2) + (NODE_BYTES + 1);
        assert!(within(limits(usize::MAX, entry), map));
        assert!(!within(limits(usize::MAX, entry - 1), map));
        let error = read_within(map, limits(usize::MAX, entry - 1))
            .error
            .unwrap();
        assert!(
            error.message.contains("aliases of the stream copy"),
            "{error}"
        );
        let error = read_within(map, limits(entry, usize::MAX)).error.unwrap();
        assert!(error.message.contains("values take more than"), "{error}");
        // Depth: three levels are read, four are not.
        let deep = Limits {
            depth: 3,
            ..Limits::default()
        };
        assert!(within(deep, "[[[x]]]"));
        assert!(!within(deep, "[[[[x]]]]"));
    }

    #[test]
    fn nesting_stops_at_the_limit_before_the_tree_is_built() {
        let nested = |depth: usize, open: &str| format!("{}x\n", open.repeat(depth));
        for open in ["- ", "[", "{a: "] {
            let text = nested(MAX_YAML_DEPTH, open);
            let within = read(&text);
            if open == "- " {
                assert_eq!(within.error, None, "{open}");
            }
            // 50,000 levels in 100 KB: refused, not a stack overflow.
            let text = nested(50_000, open);
            let deep = read(&text);
            let error = deep.error.expect("too deep");
            assert!(
                error.message.contains("nest deeper than 128")
                    || error.message.contains("recursion limit"),
                "{open}: {error}"
            );
        }
        let error = read(&nested(MAX_YAML_DEPTH + 1, "- "))
            .error
            .expect("one too deep");
        assert_eq!(error.column, 257, "{error}");
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let stream = read("a: 1\n---\nb: [1, 2\n");
        assert_eq!(stream.documents.len(), 1);
        let error = stream.error.expect("error");
        assert_eq!(error.document, 1);
    }
}
