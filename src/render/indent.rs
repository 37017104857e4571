//! The `indent` filter, as the templates use it: `{{ m.macro(...)|indent(n) }}`.
//!
//! minijinja's own `indent` writes every line through `format!`: at 1,000 synthetic services
//! that was a tenth of destination-rules.yaml's thread (23 M instructions for 2,001 calls,
//! benches/README.md). This one gives the same text (`indent(width)` with minijinja's defaults,
//! `first=false` and `blank=false`; a test holds the two together) by copying the lines, and
//! keeps whether the value was safe: a macro's output stays markup, anything else is still
//! quoted by the formatter.

use minijinja::value::Value;
use minijinja::{Error, ErrorKind};

/// Every line of `value` but the first indented by `width` spaces, blank lines left empty, and
/// one trailing line break (`\n`, `\r\n` or `\r`) dropped, as minijinja's `indent(width)`.
pub(super) fn indent(value: &Value, width: usize) -> Result<Value, Error> {
    let Some(text) = value.as_str() else {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "indent takes a string: a macro's output",
        ));
    };
    let text = without_line_break(text);
    let lines = text.bytes().filter(|&byte| byte == b'\n').count();
    let mut out = String::with_capacity(text.len() + width * lines);
    // The line breaks found with `memchr` and the indentation copied as one string: `split`'s
    // char searcher and a space pushed at a time cost about 250 instructions a line
    // (benches/README.md).
    let indentation = " ".repeat(width);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]) {
        let line = text.get(start..end).unwrap_or_default();
        if start > 0 {
            out.push('\n');
            // A blank line in CRLF text is a lone `\r` once split at `\n`.
            if !line.is_empty() && line != "\r" {
                out.push_str(&indentation);
            }
        }
        out.push_str(line);
        start = end + 1;
    }
    // minijinja ends each line with `\n` and then drops one `\n` and one `\r` from the end.
    if out.ends_with('\r') {
        out.pop();
    }
    Ok(if value.is_safe() {
        Value::from_safe_string(out)
    } else {
        Value::from(out)
    })
}

/// `text` without one trailing `\n`, then without one trailing `\r`.
fn without_line_break(text: &str) -> &str {
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.strip_suffix('\r').unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::Environment;

    /// What minijinja's `indent(width)` and this one make of `text`, marked safe or not.
    fn both(text: &str, width: usize, safe: bool) -> (Value, Value) {
        let value = if safe {
            Value::from_safe_string(text.to_string())
        } else {
            Value::from(text)
        };
        let builtin = Environment::new();
        let theirs = builtin
            .compile_expression("value|indent(width)")
            .unwrap()
            .eval(minijinja::context! { value => value.clone(), width => width })
            .unwrap();
        (theirs, indent(&value, width).unwrap())
    }

    #[test]
    fn gives_minijinja_s_text_and_keeps_safety() {
        for text in [
            "",
            "a",
            "a\n",
            "a\nb",
            "a\nb\n",
            "a\n\nb",
            "a\r\nb\r\n",
            "a\r\n\r\nb",
            "a\r",
            "a\r\r",
            "a\n\r",
            "\n",
            "\n\n",
            "\r\n",
            "  x\n    y:\n  - z\n",
        ] {
            for width in [0, 2, 4, 6] {
                for safe in [true, false] {
                    let (theirs, ours) = both(text, width, safe);
                    assert_eq!(ours.as_str(), theirs.as_str(), "{text:?} by {width}");
                    assert_eq!(ours.is_safe(), safe, "{text:?}");
                    assert_eq!(theirs.is_safe(), safe, "{text:?}");
                }
            }
        }
    }

    #[test]
    fn refuses_what_is_not_a_string() {
        assert!(indent(&Value::from(4), 2).is_err());
    }

    proptest::proptest! {
        #[test]
        fn is_minijinja_s_indent(text in "[a :\r\n]{0,16}", width in 0usize..8, safe: bool) {
            let (theirs, ours) = both(&text, width, safe);
            proptest::prop_assert_eq!(ours.as_str(), theirs.as_str());
            proptest::prop_assert_eq!(ours.is_safe(), theirs.is_safe());
        }
    }
}
