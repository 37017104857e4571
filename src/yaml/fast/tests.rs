//! The fast reader against saphyr-parser: wherever it reads a text, the events and their spans
//! are saphyr-parser's, to the last one.

use std::path::PathBuf;

use proptest::prelude::*;
use saphyr_parser::Parser;

use super::*;

type Events<'a> = Vec<(Event<'a>, Span)>;

fn saphyr(text: &str) -> Result<Events<'_>, String> {
    Parser::new_from_str(text)
        .map(|event| event.map_err(|e| e.to_string()))
        .collect()
}

/// The events [`read`] hands on, and how far it read.
fn handed(text: &str) -> (Events<'_>, Read<()>) {
    let mut found = Vec::new();
    let read = read(text, |event, span| {
        found.push((event, span));
        Ok(())
    });
    (found, read)
}

fn fast(text: &str) -> Option<Events<'_>> {
    let (found, read) = handed(text);
    (read == Read::Done(Ok(()))).then_some(found)
}

/// Whether the fast reader reads `text`; where it does, its events are saphyr-parser's.
fn same(text: &str) -> bool {
    let Some(found) = fast(text) else {
        return false;
    };
    assert_eq!(Ok(found), saphyr(text), "{text:?}");
    true
}

fn texts(dir: &str) -> Vec<(PathBuf, String)> {
    crate::yaml::files_below(dir)
        .into_iter()
        .filter_map(|path| Some((path.clone(), std::fs::read_to_string(path).ok()?)))
        .collect()
}

/// Every YAML fixture, valid or not, is read as saphyr-parser reads it, or left to it.
#[test]
fn fixtures_read_as_saphyr_reads_them() {
    let fixtures = texts("tests/fixtures");
    assert!(fixtures.len() > 100, "{}", fixtures.len());
    let read = fixtures.iter().filter(|(_, text)| same(text)).count();
    // Most fixtures are hand-written Istio YAML, much of it in the subset.
    assert!(read * 3 > fixtures.len(), "{read} of {}", fixtures.len());
}

/// The committed renders are meshc's writer's output: all of it is in the subset.
#[test]
fn committed_renders_are_read_fast() {
    let renders = texts("out");
    assert!(renders.len() >= 30, "{}", renders.len());
    for (path, text) in &renders {
        assert!(same(text), "{} is not read fast", path.display());
    }
}

#[test]
fn the_writers_constructs_are_read_with_saphyrs_spans() {
    let text = "# head é\n---\n# x\na: 1\nb:\n  c: \"x\\\\y\\\"z\\n\" # t\n  d:\n  - e\n  - f: g\n    \
                h: [A, \"B\", c d, 'it''s']\n  i: |\n    l1\n\n      l2\n\n  j: k\n  l: |-\n    m\n  \
                n: []\n  p: {}  # q\n  r: ['s'] \n  o:\n---\n---\n- a: 1\n  b:\n- - x\n";
    assert!(
        !same(text),
        "a sequence right in an item is left to saphyr-parser"
    );
    let text = text.replace("- - x\n", "- x:\n    - y\n  z:\n  - w\n");
    assert!(same(&text));
    assert!(same(""));
    assert!(same("# only a comment\n\n"));
    assert!(same("---\n"));
    assert!(same("a:\n  b:\n  c: 1\nd:\n"));
    assert!(same("l:\n  - a: 1\n    b:\n  - c: 2\n"));
    assert!(same("a: -1\nb: -x\nc: x:y\nd: a#b\n\"e\": 'f'\n<<: g\n"));
    // Every escape the writer may emit in a double-quoted scalar is read here, not left to
    // saphyr-parser.
    for escape in ["\\\\", "\\\"", "\\/", "\\n", "\\t", "\\r"] {
        assert!(same(&format!("k: \"a{escape}b\"\n")), "{escape}");
    }
}

#[test]
fn what_is_outside_the_subset_is_left_to_saphyr() {
    for text in [
        "a: b",
        "a: b\r\n",
        "\u{feff}a: b\n",
        "a: &x b\nc: *x\n",
        "a: !t b\n",
        "a: {b: c}\n",
        "a: { }\n",
        "a: b\n  c\n",
        "a:\tb\n",
        "? a\n: b\n",
        "%YAML 1.2\n---\na: b\n",
        "a: b\n...\n",
        "--- a\n",
        "a: >\n  b\n",
        "a: |+\n  b\n",
        "a: |\n  b\n \n",
        "- |\n  a\n",
        "x\n",
        "a: [b,c]\n",
        "a: [ b ]\n",
        "a: [b\n  ]\n",
        "a : b\n",
        "a: \"b\n  c\"\n",
        "a: \"\\x41\"\n",
        "a: b: c\n",
        "a: ü\n",
        "-\n",
        "- # c\n",
        "  a: 1\nb: 2\n",
    ] {
        assert!(fast(text).is_none(), "{text:?}");
    }
}

/// A byte that leaves the subset in every place of the words a line is scanned in, and
/// non-ASCII comments across word boundaries (places after them count characters): the byte
/// scans find each one, and what they pass is read as saphyr-parser reads it.
#[test]
fn hostile_bytes_are_found_in_every_place_of_a_line() {
    for at in 0..24 {
        for hostile in ["\t", "\r", "\u{7f}", "\u{1b}", "\u{0}", "\u{feff}", "é"] {
            let mut value = "v".repeat(24);
            value.insert_str(at, hostile);
            let text = format!("key: {value}\n");
            assert!(fast(&text).is_none(), "{text:?}");
        }
        let comment = format!("k: v # {}é{}\n", "c".repeat(at), "d".repeat(at));
        assert!(same(&comment), "{comment:?}");
        let after = format!("# {}é\u{1F600}\nk: v\n", "c".repeat(at));
        assert!(same(&after), "{after:?}");
        let key = format!("{}: v # x\n", "k".repeat(at + 1));
        assert!(same(&key), "{key:?}");
    }
    // Quotes, `:` and `#` inside a long plain scalar, and `: ` and ` #` inside quoted ones.
    let long = format!("k: {}\n", "a'b\"c:d#e ".repeat(50).trim_end());
    assert!(same(&long));
    assert!(same("k: \"a: b #c\"\nl: 'd: e #f'\n"));
    assert!(!same("k: a: b\n") && !same("k: a #b: c\nl: x y #\tz\n"));
    // Deep nesting, each mapping one column further right.
    let deep: String = (0..60)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .chain([format!("{}v: 1\n", " ".repeat(60))])
        .collect();
    assert!(same(&deep));
}

/// What the sink refuses stops the reading, and comes back.
#[test]
fn the_sinks_refusal_comes_back() {
    let mut seen = 0;
    let read = super::read("a: 1\nb: 2\n", |_, _| {
        seen += 1;
        if seen == 4 { Err("stop") } else { Ok(()) }
    });
    assert_eq!(read, Read::Done(Err("stop")));
    assert_eq!(seen, 4);
    let whole = Read::From(Start { byte: 0, line: 1 });
    assert_eq!(super::read("a: *b\n", |_, _| Ok::<(), ()>(())), whole);
}

/// Pieces of lines: most in the subset, some just outside it, some hostile.
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "k: v",
        "k:",
        "k2: v w",
        "\"k\": v",
        "k: 'v'",
        "k: 'a''b'",
        "k: \"a\\\"b\\\\\"",
        "k: |",
        "k: |-",
        "k: [a, \"b\"]",
        "k: []",
        "v",
        "- v",
        "- k: v",
        "- k:",
        "# c",
        "k: v # c",
        "k: \"v\" # c",
        "x",
        "  x",
        "---",
        "",
        "-1",
        "k: -1",
        "k: ~",
        "<<: v",
        "k: yes",
        "k: a#b",
        "k: x:y",
        "k: /p",
        "k: .5", // just outside, or hostile:
        "&a x",
        "*a",
        "k: &a x",
        "k: *a",
        "!t x",
        "k: {a: b}",
        "k: v\t",
        "\tk: v",
        "? k",
        "k: >",
        "k: |+",
        "k: |2",
        "k: a: b",
        "...",
        "--- x",
        "%YAML 1.2",
        "é",
        "k: x é",
        "\u{feff}k: v",
        "k: [a, ]",
        "k: [ a ]",
        "[a]: b",
        "k : v",
        "k: \"open",
        "k: 'open",
        "k: a #b",
        "-x",
        "-",
        "- - a",
        "k: \"\\x41\"",
        "k: `x`",
        "   ",
        "k: v\r",
        "k: @x",
        "k: %x",
        "k:v",
        "k: \"a\"b",
        "k: [a]b",
        "k: [a,b]",
        "- [a]",
        "- |",
        "k: [a: b]",
        "k: x]",
        "k: {",
        "# é",
        "k: [a] # c",
        "k: []  ",
        "k: {}",
        "- {}",
        "k: {} # c",
        "k: 'v'  ",
        "k: \"v\"  # c",
        "- 'v' # c",
        "k: {a: b}",
        "k: { }",
        "k: {}x",
        "k: v # é",
        "\u{0}",
        "k: \"é\"",
        "- \"k\": v",
        "-  k: v",
    ])
}

pub(in crate::yaml) fn line() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![0usize, 0, 0, 2, 2, 4, 1, 6]),
        piece(),
    )
        .prop_map(|(indent, piece)| format!("{}{piece}", " ".repeat(indent)))
}

proptest::proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Text made of the pieces: wherever the fast reader reads it, it reads it as saphyr-parser
    /// does; and it never panics.
    #[test]
    fn pieces_read_as_saphyr_reads_them(
        lines in prop::collection::vec(line(), 0..14),
        ending in prop::sample::select(vec!["\n", "", "\n\n"]),
    ) {
        let text = format!("{}{ending}", lines.join("\n"));
        same(&text);
    }
}

/// A refusal stands once the rest of its document is in the subset, and the sink is handed
/// nothing after it; a document that leaves the subset after the refusal is saphyr-parser's
/// from its `---` line, refusal and all.
#[test]
fn a_refusal_stands_at_the_end_of_its_document() {
    let refuse_at = |text: &str, at: usize| {
        let mut seen = 0;
        let read = super::read(text, |_, _| {
            seen += 1;
            if seen == at { Err(at) } else { Ok(()) }
        });
        (read, seen)
    };
    let text = "a: 1\nb: 2\n---\nc: 3\n---\nd: [4\n";
    // Events: stream, document, mapping, a, 1 (the fifth), b, 2, mapping and document ends.
    assert_eq!(refuse_at(text, 5), (Read::Done(Err(5)), 5));
    // The refusal in the second document stands though the third leaves the subset.
    assert_eq!(refuse_at(text, 12), (Read::Done(Err(12)), 12));
    let third = Start {
        byte: text.rfind("---").unwrap(),
        line: 5,
    };
    assert_eq!(refuse_at(text, 19), (Read::From(third), 19));
    let leaves = "a: 1\nb: 2\n  c\n---\nd: 3\n";
    let whole = Read::From(Start { byte: 0, line: 1 });
    assert_eq!(refuse_at(leaves, 5), (whole, 5));
}

/// A document that leaves the subset is saphyr-parser's from its `---` line: the events of the
/// documents before it are handed on, and are saphyr-parser's.
#[test]
fn a_document_that_leaves_the_subset_is_read_from_its_marker() {
    let text = "a: 1\nb:\n  - c\n---\n# x\ne: |\n  f\n---\nh: [i, 'j']\n";
    let leaves = format!("{text}---\n\nk: &x l\n---\nm: n\n");
    let (found, read) = handed(&leaves);
    let start = Start {
        byte: text.len(),
        line: 10,
    };
    assert_eq!(read, Read::From(start));
    assert!(leaves[start.byte..].starts_with("---\n\nk"));
    let all = saphyr(&leaves).expect("valid YAML");
    let before = all
        .iter()
        .position(|(event, span)| {
            *event == Event::DocumentStart(true) && span.start.line() == start.line
        })
        .expect("the document's start");
    assert_eq!(found[..before], all[..before]);
    assert_eq!(found[before].0, Event::DocumentStart(true));
}

proptest::proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// A text is read to its end, or left to saphyr-parser from the `---` line of the document
    /// that leaves the subset, the events before it handed on as saphyr-parser gives them.
    #[test]
    fn documents_are_read_fast_or_left_at_their_marker(
        lines in prop::collection::vec(line(), 0..14),
    ) {
        let text = format!("{}\n", lines.join("\n"));
        let (found, read) = handed(&text);
        if let Read::From(start) = read {
            let marked = start.byte == 0 || text[start.byte..].starts_with("---\n");
            prop_assert!(marked, "{:?}", start);
            prop_assert_eq!(text[..start.byte].matches('\n').count() + 1, start.line);
            let before = found
                .iter()
                .position(|(_, span)| span.start.line() >= start.line)
                .unwrap_or(found.len());
            if let Ok(all) = saphyr(&text) {
                prop_assert_eq!(&found[..before], &all[..before]);
            }
        }
    }
}
