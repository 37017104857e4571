//! The reader of the API's sources (`api/*.yaml`). They are written in a small subset of YAML:
//! block mappings of plain keys, whose values are a nested block mapping, `{}`, a flow list of
//! plain words (`[A, B]`) or a plain scalar, and whole-line comments. Read line by line here,
//! the four sources cost 1.5 M instructions; through the YAML reader they cost 7.6 M, three
//! quarters of loading the API and a twelfth of a render of prod (callgrind, issue 13), in
//! every process that checks an IstioOperator. Anything outside the subset is refused with its
//! line, and a test reads every source with the YAML reader too and compares.
//!
//! One difference from YAML is meant: the words of a list are enum values, names, so `OFF` in
//! `[UNSPECIFIED, OFF, DEFAULT, STRICT]` is the value `OFF` (Go's `MeshConfig_OFF`), where the
//! YAML reader read a YAML 1.1 boolean and the API lost it.

/// A value of the notation, borrowing the source's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value<'a> {
    /// A plain scalar (a string to YAML).
    Scalar(&'a str),
    /// A block mapping or `{}`, keys in source order.
    Map(Vec<(&'a str, Value<'a>)>),
    /// A flow list of plain words.
    List(Vec<&'a str>),
}

impl<'a> Value<'a> {
    /// The value of `key`, if this is a mapping that has it.
    pub(super) fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.entries()
            .iter()
            .find_map(|(k, v)| (*k == key).then_some(v))
    }

    /// The entries, if this is a mapping.
    pub(super) fn entries(&self) -> &[(&'a str, Value<'a>)] {
        match self {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The text, if this is a scalar.
    pub(super) fn as_str(&self) -> Option<&'a str> {
        match self {
            Value::Scalar(text) => Some(text),
            _ => None,
        }
    }

    /// The words, if this is a list.
    pub(super) fn words(&self) -> &[&'a str] {
        match self {
            Value::List(words) => words,
            _ => &[],
        }
    }
}

/// One line with content: its 1-based number, its indentation and the rest.
struct Line<'a> {
    number: usize,
    indent: usize,
    text: &'a str,
}

/// Reads a source: its top-level mapping.
pub(super) fn read(source: &str) -> Result<Value<'_>, String> {
    let mut lines = Vec::new();
    for (index, line) in source.lines().enumerate() {
        let text = line.trim_start_matches(' ');
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        lines.push(Line {
            number: index + 1,
            indent: line.len() - text.len(),
            text: text.trim_end_matches(' '),
        });
    }
    let mut at = 0;
    let root = mapping(&lines, &mut at, 0)?;
    match lines.get(at) {
        None => Ok(root),
        Some(line) => Err(format!("line {}: unexpected indentation", line.number)),
    }
}

/// The block mapping whose keys are at `indent`, from `lines[*at]` on.
fn mapping<'a>(lines: &[Line<'a>], at: &mut usize, indent: usize) -> Result<Value<'a>, String> {
    let mut entries: Vec<(&'a str, Value<'a>)> = Vec::new();
    while let Some(line) = lines.get(*at).filter(|line| line.indent == indent) {
        let fail = |what: &str| format!("line {}: {what}", line.number);
        let (key, rest) = match line.text.split_once(':') {
            Some((key, rest)) if rest.is_empty() || rest.starts_with(' ') => (key, rest.trim()),
            _ => return Err(fail("expected `key:` or `key: value`")),
        };
        if !is_word(key) {
            return Err(fail(&format!("`{key}` is not a plain key")));
        }
        // The YAML reader refuses a duplicate key; the few hundred keys of a mapping here are
        // searched one by one.
        if entries.iter().any(|(k, _)| *k == key) {
            return Err(fail(&format!("duplicate key `{key}`")));
        }
        *at += 1;
        let value = if rest.is_empty() {
            match lines.get(*at) {
                Some(next) if next.indent > indent => mapping(lines, at, next.indent)?,
                _ => return Err(fail(&format!("`{key}:` has no value"))),
            }
        } else if rest == "{}" {
            Value::Map(Vec::new())
        } else if let Some(inner) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            let words: Vec<&str> = inner.split(',').map(str::trim).collect();
            if let Some(bad) = words.iter().find(|word| !is_name(word)) {
                return Err(fail(&format!("`{bad}` is not a plain word")));
            }
            Value::List(words)
        } else if rest.split(' ').all(is_word) {
            Value::Scalar(rest)
        } else {
            return Err(fail(&format!("`{rest}` is not plain words")));
        };
        entries.push((key, value));
    }
    Ok(Value::Map(entries))
}

/// A word that YAML reads as the same string, as a plain scalar and as a key: a name that is
/// none of YAML 1.1's booleans or null.
fn is_word(word: &str) -> bool {
    is_name(word) && yaml11_bool(word).is_none() && !word.eq_ignore_ascii_case("null")
}

/// Letters, digits, `_`, `.` and `-`, starting with a letter or `_`.
fn is_name(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// The boolean YAML 1.1 reads a name as, if any.
fn yaml11_bool(word: &str) -> Option<bool> {
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(word));
    if is(&["y", "yes", "true", "on"]) {
        Some(true)
    } else if is(&["n", "no", "false", "off"]) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{self, Node};

    /// Whether the notation read `value` where the YAML reader read `node`; a word of a list
    /// that YAML 1.1 reads as a boolean is the same as that boolean (see the module's doc).
    fn same(value: &Value<'_>, node: &Node) -> bool {
        match (value, &node.value) {
            (Value::Scalar(text), yaml::Value::Str(s)) => text == s,
            (Value::Map(entries), yaml::Value::Map(nodes)) => {
                entries.len() == nodes.len()
                    && entries
                        .iter()
                        .zip(nodes)
                        .all(|((k, v), (key, n))| k == key && same(v, n))
            }
            (Value::List(words), yaml::Value::Seq(items)) => {
                words.len() == items.len()
                    && words
                        .iter()
                        .zip(items)
                        .all(|(word, item)| match &item.value {
                            yaml::Value::Str(s) => word == s,
                            yaml::Value::Bool(b) => yaml11_bool(word) == Some(*b),
                            _ => false,
                        })
            }
            _ => false,
        }
    }

    #[test]
    fn every_source_reads_as_the_yaml_reader_reads_it() {
        let mut booleans = Vec::new();
        for (name, text) in super::super::SOURCES {
            let stream = yaml::read(text);
            assert_eq!(stream.error, None, "{name}");
            let [document] = stream.documents.as_slice() else {
                panic!("{name}: one document")
            };
            let read = read(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(same(&read, &document.root), "{name}: {read:?}");
            collect_booleans(&read, &mut booleans);
        }
        // The one enum value YAML read as a boolean.
        assert_eq!(booleans, ["OFF"]);
    }

    fn collect_booleans<'a>(value: &Value<'a>, out: &mut Vec<&'a str>) {
        match value {
            Value::Scalar(_) => {}
            Value::Map(entries) => entries.iter().for_each(|(_, v)| collect_booleans(v, out)),
            Value::List(words) => out.extend(words.iter().filter(|w| yaml11_bool(w).is_some())),
        }
    }

    #[test]
    fn reads_each_form() {
        let text = "# c\na:\n  b: list x.Y\n  c: {}\n  d: [A, b_c, OFF]\n\n  e:\n    f: g\nh: i\n";
        let expected = Value::Map(vec![
            (
                "a",
                Value::Map(vec![
                    ("b", Value::Scalar("list x.Y")),
                    ("c", Value::Map(vec![])),
                    ("d", Value::List(vec!["A", "b_c", "OFF"])),
                    ("e", Value::Map(vec![("f", Value::Scalar("g"))])),
                ]),
            ),
            ("h", Value::Scalar("i")),
        ]);
        assert_eq!(read(text), Ok(expected));
    }

    #[test]
    fn refuses_what_is_not_in_the_subset() {
        for (text, message) in [
            ("a: 'b'\n", "line 1: `'b'` is not plain words"),
            ("a: yes\n", "line 1: `yes` is not plain words"),
            ("a: [x, 'y']\n", "line 1: `'y'` is not a plain word"),
            ("a: null\n", "line 1: `null` is not plain words"),
            ("a: 1\n", "line 1: `1` is not plain words"),
            ("a: b # c\n", "line 1: `b # c` is not plain words"),
            ("a: {b: c}\n", "line 1: `{b: c}` is not plain words"),
            ("- a\n", "line 1: expected `key:` or `key: value`"),
            ("a:b\n", "line 1: expected `key:` or `key: value`"),
            ("\"a\": b\n", "line 1: `\"a\"` is not a plain key"),
            ("a: b\na: c\n", "line 2: duplicate key `a`"),
            ("a:\nb: c\n", "line 1: `a:` has no value"),
            ("a:\n    b: c\n  d: e\n", "line 3: unexpected indentation"),
            ("a: b\n  c: d\n", "line 2: unexpected indentation"),
        ] {
            assert_eq!(read(text), Err(message.to_string()), "{text:?}");
        }
    }
}
