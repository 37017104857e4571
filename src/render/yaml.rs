//! The YAML-safe value formatter: every `{{ value }}` in a template becomes exactly one YAML
//! scalar (or a flow list of them), whatever the value holds.
//!
//! A string is written plain only when it matches a conservative pattern that no YAML 1.1 or
//! 1.2 reader (kubectl's go-yaml, PyYAML, istioctl) resolves to anything but that string;
//! everything else is double-quoted with every non-printable or line-breaking character
//! escaped. So `yes`, `0x1F`, `a: b`, `#x`, `- x`, `~` or a newline stay strings and can never
//! become structure.

use std::fmt::Write;

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

/// Writes `value` as YAML: a scalar, or a flow sequence `[a, b]` of scalars. It writes straight
/// into the template's output: a render prints hundreds of thousands of values, and a `String`
/// per value was a tenth of the render stage's allocations.
pub(super) fn write_value(out: &mut impl Write, value: &Value) -> Result<(), Error> {
    match value.kind() {
        ValueKind::String => write_string(out, value.as_str().unwrap_or_default()),
        ValueKind::Bool => out
            .write_str(if value.is_true() { "true" } else { "false" })
            .map_err(fmt_error),
        ValueKind::Number if value.is_integer() => {
            let number = value.as_i64().ok_or_else(|| {
                Error::new(ErrorKind::InvalidOperation, "integer out of the i64 range")
            })?;
            write_integer(out, number).map_err(fmt_error)
        }
        ValueKind::Number => {
            let number = f64::try_from(value.clone())?;
            write_float(out, number)
        }
        ValueKind::Seq => {
            out.write_char('[').map_err(fmt_error)?;
            for (i, item) in value.try_iter()?.enumerate() {
                if i > 0 {
                    out.write_str(", ").map_err(fmt_error)?;
                }
                if matches!(item.kind(), ValueKind::Seq | ValueKind::Map) {
                    return Err(Error::new(
                        ErrorKind::InvalidOperation,
                        "nested collections must be laid out by the template",
                    ));
                }
                write_value(out, &item)?;
            }
            out.write_char(']').map_err(fmt_error)
        }
        kind => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("a template printed a {kind} value; only scalars and lists can be printed"),
        )),
    }
}

fn fmt_error(_: std::fmt::Error) -> Error {
    Error::new(ErrorKind::WriteFailure, "write failed")
}

/// An integer in decimal, as `Display` writes it, without `write!`'s formatting machinery
/// (about 230 instructions a number, benches/README.md).
fn write_integer(out: &mut impl Write, number: i64) -> std::fmt::Result {
    // The digits from the last, at the end of room for the longest number, `u64::MAX`.
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = number.unsigned_abs();
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + u8::try_from(rest % 10).unwrap_or_default();
        start -= 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if number < 0 {
        out.write_char('-')?;
    }
    let digits = digits.get(start..).unwrap_or_default();
    out.write_str(std::str::from_utf8(digits).map_err(|_| std::fmt::Error)?)
}

/// A float in plain decimal notation with a dot, so that every YAML reader sees a float
/// (`1e-5` is a string to YAML 1.1 readers; Rust's `Display` never uses an exponent).
fn write_float(out: &mut impl Write, number: f64) -> Result<(), Error> {
    if !number.is_finite() {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "a template printed a float that is not finite",
        ));
    }
    let text = number.to_string();
    out.write_str(&text).map_err(fmt_error)?;
    if !text.contains('.') {
        out.write_str(".0").map_err(fmt_error)?;
    }
    Ok(())
}

/// Writes a string as a plain scalar when that is unambiguous, else double-quoted.
fn write_string(out: &mut impl Write, text: &str) -> Result<(), Error> {
    if is_plain_safe(text) {
        out.write_str(text).map_err(fmt_error)
    } else {
        write_quoted(out, text).map_err(fmt_error)
    }
}

/// Words that YAML 1.1 readers turn into booleans or null.
const RESERVED: &[&str] = &["y", "n", "yes", "no", "true", "false", "on", "off", "null"];

/// The length of the longest [`RESERVED`] word: a longer string is none of them.
const LONGEST_RESERVED: usize = 5;

/// The bytes a plain scalar continues with: letters, digits, `.`, `_`, `/` and `-`. A table:
/// the formatter tests every byte of every string a render prints.
const CONTINUES_PLAIN: [bool; 256] = {
    let mut continues = [false; 256];
    let mut b: u8 = 0;
    // Every byte outside ASCII stays `false`.
    while b.is_ascii() {
        continues[b as usize] = b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-');
        b += 1;
    }
    continues
};

/// Starts with a letter or `/`, continues with letters, digits, `.`, `_`, `/` and `-`, and is
/// not a YAML 1.1 boolean or null. No such string is a number, a timestamp, an anchor, a tag, a
/// comment, a key or an indicator in any YAML version.
fn is_plain_safe(text: &str) -> bool {
    // Bytes, not chars: every byte of a character outside ASCII fails both tests.
    let Some((&first, rest)) = text.as_bytes().split_first() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == b'/')
        && rest.iter().all(|&b| CONTINUES_PLAIN[usize::from(b)])
        && (text.len() > LONGEST_RESERVED
            || !RESERVED.iter().any(|word| word.eq_ignore_ascii_case(text)))
}

/// A double-quoted scalar. Escapes what YAML does not allow raw (C0 and C1 controls, DEL,
/// surrogates' neighbours U+FFFE/U+FFFF) and what YAML 1.1 readers take as line breaks (NEL,
/// LINE and PARAGRAPH SEPARATOR), plus the byte-order mark.
fn write_quoted(out: &mut impl Write, text: &str) -> std::fmt::Result {
    out.write_char('"')?;
    // Runs of characters that need no escape are written whole, and found a byte at a time:
    // char by char, decoding each, the quoted strings were a sixth of the formatter's
    // instructions (benches/README.md). Only a byte [`STOPS_RUN`] marks is looked at as a char.
    let bytes = text.as_bytes();
    let mut plain = 0;
    let mut at = 0;
    while let Some(offset) = bytes
        .get(at..)
        .and_then(|rest| rest.iter().position(|&byte| STOPS_RUN[usize::from(byte)]))
    {
        at += offset;
        let c = text
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .unwrap_or_default();
        if let Some(escape) = escape(c) {
            out.write_str(text.get(plain..at).unwrap_or_default())?;
            escape.write(out)?;
            plain = at + c.len_utf8();
        }
        at += c.len_utf8();
    }
    out.write_str(text.get(plain..).unwrap_or_default())?;
    out.write_char('"')
}

/// The bytes that may need an escape inside double quotes: the ASCII ones [`escape`] escapes,
/// and every byte outside ASCII, since the char it starts may be one of those it escapes.
const STOPS_RUN: [bool; 256] = {
    let mut stops = [true; 256];
    let mut b: u8 = 0;
    while b.is_ascii() {
        stops[b as usize] = escape(b as char).is_some();
        b += 1;
    }
    stops
};

/// How a char is written inside double quotes when not as itself.
enum Escape {
    /// A short escape, such as `\n`.
    Short(&'static str),
    /// `\u` and the code point in four or more hex digits.
    Code(u32),
}

impl Escape {
    fn write(self, out: &mut impl Write) -> std::fmt::Result {
        match self {
            Self::Short(escape) => out.write_str(escape),
            Self::Code(code) => write!(out, "\\u{code:04X}"),
        }
    }
}

/// The escape of `c` inside double quotes; `None` when it is written as itself.
const fn escape(c: char) -> Option<Escape> {
    match c {
        '"' => Some(Escape::Short("\\\"")),
        '\\' => Some(Escape::Short("\\\\")),
        '\n' => Some(Escape::Short("\\n")),
        '\t' => Some(Escape::Short("\\t")),
        '\r' => Some(Escape::Short("\\r")),
        c if needs_escape(c) => Some(Escape::Code(c as u32)),
        _ => None,
    }
}

const fn needs_escape(c: char) -> bool {
    matches!(
        c as u32,
        0..0x20 | 0x7F..=0x9F | 0x2028 | 0x2029 | 0xFEFF | 0xFFFE | 0xFFFF
    )
}

/// Any JSON value as block YAML (2-space indent, lists at their key's column), every scalar
/// through the same formatter as the templates' values: for showing objects, such as a resource
/// that a diff adds or removes.
pub(crate) fn to_block(value: &serde_json::Value) -> String {
    let mut out = String::new();
    block(&mut out, value, 0, false);
    out
}

/// Writes `value` at `indent`; with `inline`, its first line continues the current one (a map
/// that is a list item starts on the `- ` line).
fn block(out: &mut String, value: &serde_json::Value, indent: usize, inline: bool) {
    use serde_json::Value as Json;
    let pad = " ".repeat(indent);
    let mut first = inline;
    let mut start = |out: &mut String| {
        if !std::mem::take(&mut first) {
            out.push_str(&pad);
        }
    };
    match value {
        Json::Object(map) if !map.is_empty() => {
            for (key, item) in map {
                start(out);
                let _ = write_string(out, key);
                out.push(':');
                match item {
                    Json::Object(m) if !m.is_empty() => {
                        out.push('\n');
                        block(out, item, indent + 2, false);
                    }
                    // Lists under a key sit at the key's column, as kubectl writes them.
                    Json::Array(items) if !items.is_empty() => {
                        out.push('\n');
                        block(out, item, indent, false);
                    }
                    scalar => {
                        out.push(' ');
                        json_scalar(out, scalar);
                        out.push('\n');
                    }
                }
            }
        }
        Json::Array(items) if !items.is_empty() => {
            for item in items {
                start(out);
                out.push_str("- ");
                match item {
                    Json::Object(m) if !m.is_empty() => block(out, item, indent + 2, true),
                    Json::Array(i) if !i.is_empty() => {
                        out.push('\n');
                        block(out, item, indent + 2, false);
                    }
                    scalar => {
                        json_scalar(out, scalar);
                        out.push('\n');
                    }
                }
            }
        }
        scalar => {
            start(out);
            json_scalar(out, scalar);
            out.push('\n');
        }
    }
}

fn json_scalar(out: &mut String, value: &serde_json::Value) {
    use serde_json::Value as Json;
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => match n.as_f64().filter(|_| n.is_f64()) {
            Some(float) => {
                let _ = write_float(out, float);
            }
            None => out.push_str(&n.to_string()),
        },
        Json::String(s) => {
            let _ = write_string(out, s);
        }
        Json::Array(_) => out.push_str("[]"),
        Json::Object(_) => out.push_str("{}"),
    }
}

/// A comment's text on one line: line breaks and controls become spaces.
pub(crate) fn comment_line(text: &str) -> String {
    // Printable ASCII, as nearly every comment is, has nothing to replace: copied whole, not
    // char by char (about 3,300 instructions for a VirtualService's comment, benches/README.md).
    if text.bytes().all(|byte| (b' '..=b'~').contains(&byte)) {
        return text.to_string();
    }
    by_char(text)
}

/// [`comment_line`], one char at a time.
fn by_char(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\t' || needs_escape(c) || c == '\u{85}' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(value: &Value) -> String {
        let mut out = String::new();
        write_value(&mut out, value).unwrap();
        out
    }

    #[test]
    fn no_reserved_word_is_longer_than_the_gate() {
        assert_eq!(
            RESERVED.iter().map(|word| word.len()).max(),
            Some(LONGEST_RESERVED)
        );
    }

    #[test]
    fn plain_when_unambiguous() {
        assert_eq!(yaml(&Value::from("llm-processor")), "llm-processor");
        assert_eq!(yaml(&Value::from("/v1/intent")), "/v1/intent");
        assert_eq!(
            yaml(&Value::from("networking.istio.io/v1")),
            "networking.istio.io/v1"
        );
    }

    #[test]
    fn quoted_when_yaml_would_read_something_else() {
        for (text, expected) in [
            ("yes", r#""yes""#),
            ("No", r#""No""#),
            ("on", r#""on""#),
            ("~", r#""~""#),
            ("null", r#""null""#),
            ("0x1F", r#""0x1F""#),
            ("1e3", r#""1e3""#),
            ("8080", r#""8080""#),
            ("- x", r#""- x""#),
            ("a: b", r#""a: b""#),
            ("#x", r##""#x""##),
            ("{}", r#""{}""#),
            ("&a", r#""&a""#),
            ("!!str", r#""!!str""#),
            ("%YAML", r#""%YAML""#),
            ("---", r#""---""#),
            ("", r#""""#),
            ("say \"hi\"", r#""say \"hi\"""#),
            ("back\\slash", r#""back\\slash""#),
            ("line\nbreak", r#""line\nbreak""#),
            ("tab\there", r#""tab\there""#),
            ("carriage\rreturn", r#""carriage\rreturn""#),
            ("nel\u{85}ls\u{2028}", r#""nel\u0085ls\u2028""#),
            ("bell\u{7}del\u{7f}", r#""bell\u0007del\u007F""#),
            ("ünïcode", r#""ünïcode""#),
            ("caf\u{e9}", "\"caf\u{e9}\""),
            ("False", r#""False""#),
        ] {
            assert_eq!(yaml(&Value::from(text)), expected, "{text:?}");
        }
    }

    #[test]
    fn every_string_reads_back_unchanged() {
        let samples = [
            "yes",
            "0x1F",
            "a: b",
            "#x",
            "- x",
            "\"q\"",
            "multi\nline",
            "~",
            "null",
            "1e3",
            "{}",
            "[]",
            "&a",
            "*a",
            "!!str",
            "%YAML",
            "---",
            "'single'",
            "back\\slash",
            "tab\t",
            "\u{feff}bom",
            "\u{2029}",
            "  padded  ",
            "ｙｅｓ",
            "\u{85}",
        ];
        for text in samples {
            let document = format!("key: {}\n", yaml(&Value::from(text)));
            let parsed: std::collections::BTreeMap<String, String> =
                serde_norway::from_str(&document).unwrap();
            assert_eq!(parsed["key"], text, "{document:?}");
        }
    }

    #[test]
    fn numbers_and_lists() {
        assert_eq!(yaml(&Value::from(10.0)), "10.0");
        assert_eq!(yaml(&Value::from(0.00001)), "0.00001");
        assert_eq!(yaml(&Value::from(12.5)), "12.5");
        assert_eq!(yaml(&Value::from(443)), "443");
        assert_eq!(yaml(&Value::from(true)), "true");
        assert_eq!(yaml(&Value::from(vec!["GET", "yes"])), r#"[GET, "yes"]"#);
    }

    #[test]
    fn none_and_maps_are_template_bugs() {
        let mut out = String::new();
        assert!(write_value(&mut out, &Value::from(())).is_err());
        assert!(write_value(&mut out, &Value::UNDEFINED).is_err());
    }

    #[test]
    fn block_yaml_reads_back_as_the_same_tree() {
        let value = serde_json::json!({
            "apiVersion": "networking.istio.io/v1",
            "metadata": {"name": "a", "labels": {"yes": "no", "a: b": "- x"}},
            "spec": {
                "hosts": ["x.example.com", "#x", "line\nbreak"],
                "http": [{"name": "default", "route": [{"weight": 20}], "match": []}],
                "empty": {},
                "ratio": 12.5,
                "flag": true,
                "none": null
            }
        });
        let text = to_block(&value);
        let parsed: serde_json::Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(parsed, value, "{text}");
        assert!(text.contains("  hosts:\n  - x.example.com\n"), "{text}");
    }

    proptest::proptest! {
        #[test]
        fn integers_are_written_as_display_writes_them(number: i64) {
            let mut out = String::new();
            write_integer(&mut out, number).unwrap();
            proptest::prop_assert_eq!(out, number.to_string());
        }
    }

    #[test]
    fn the_extreme_integers_are_written_whole() {
        for number in [0, 1, -1, 9, 10, -10, i64::MAX, i64::MIN] {
            let mut out = String::new();
            write_integer(&mut out, number).unwrap();
            assert_eq!(out, number.to_string());
        }
    }

    /// [`write_quoted`] as it was specified: every char decoded and looked at.
    fn quoted_by_char(text: &str) -> String {
        let mut out = String::from('"');
        for c in text.chars() {
            match escape(c) {
                Some(escape) => escape.write(&mut out).unwrap(),
                None => out.push(c),
            }
        }
        out.push('"');
        out
    }

    fn quoted(text: &str) -> String {
        let mut out = String::new();
        write_quoted(&mut out, text).unwrap();
        out
    }

    #[test]
    fn quoting_by_runs_escapes_every_char_as_quoting_by_char() {
        for c in (0..=0x11_0000).filter_map(char::from_u32) {
            let text = format!("a{c}\u{e9}{c}");
            assert_eq!(quoted(&text), quoted_by_char(&text), "{:x}", u32::from(c));
        }
    }

    proptest::proptest! {
        #[test]
        fn quoting_by_runs_is_quoting_by_char(
            text in "[a-c0-9 :#\"\\\\\n\r\t\u{0}\u{1f}\u{7f}\u{80}\u{85}\u{9f}\u{a0}\u{e9}\u{2028}\u{2029}\u{feff}\u{fffe}\u{ffff}\u{1f600}]{0,24}"
        ) {
            proptest::prop_assert_eq!(quoted(&text), quoted_by_char(&text));
        }

        #[test]
        fn quoting_any_string_by_runs_is_quoting_by_char(text: String) {
            proptest::prop_assert_eq!(quoted(&text), quoted_by_char(&text));
        }
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment_line("a\nb\rc\u{2028}d"), "a b c d");
        // The printable ASCII shortcut gives what the char by char replacement gives.
        for c in (0..=0x11_0000).filter_map(char::from_u32) {
            let text = format!("a {c}~");
            assert_eq!(comment_line(&text), by_char(&text), "{:x}", u32::from(c));
        }
    }
}
