//! String and bytes literals, read and decoded as cel-go does: quotes single or tripled (only
//! tripled ones span lines, and their line breaks become `\n`), raw ones without escapes, and
//! escapes that give code points in strings but bytes in bytes literals (where `\u` is refused).

use super::lex::Kind;

/// What one escape stands for.
enum Decoded {
    Byte(u8),
    Char(char),
}

/// Reads the literal whose opening quote is at `start`: a string, or bytes when `bytes`; its
/// value and the offset after it, or why it is not a literal.
pub(super) fn literal(
    text: &str,
    start: usize,
    raw: bool,
    bytes: bool,
) -> Result<(Kind, usize), String> {
    let quote = &text[start..=start];
    let triple = quote.repeat(3);
    let delimiter = if text[start..].starts_with(&triple) {
        triple.as_str()
    } else {
        quote
    };
    let multiline = delimiter.len() == 3;
    let body = start + delimiter.len();
    let mut value = Vec::new();
    let mut i = body;
    loop {
        let rest = &text[i..];
        if rest.starts_with(delimiter) {
            let end = i + delimiter.len();
            let kind = if bytes {
                Kind::Bytes(value)
            } else {
                Kind::Str(String::from_utf8(value).map_err(|e| e.to_string())?)
            };
            return Ok((kind, end));
        }
        let Some(c) = rest.chars().next() else {
            return Err("unterminated string".to_string());
        };
        if !multiline && (c == '\n' || c == '\r') {
            return Err("a line break in a single-quoted string".to_string());
        }
        if c == '\\' && !raw {
            let (decoded, len) = escape(rest, bytes)?;
            match decoded {
                Decoded::Byte(b) => value.push(b),
                Decoded::Char(c) => value.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
            i += len;
        } else if c == '\r' {
            value.push(b'\n');
            i += if rest.starts_with("\r\n") { 2 } else { 1 };
        } else {
            value.extend_from_slice(&rest.as_bytes()[..c.len_utf8()]);
            i += c.len_utf8();
        }
    }
}

/// The escape at the start of `rest` (its backslash) and its length.
fn escape(rest: &str, bytes: bool) -> Result<(Decoded, usize), String> {
    let code = rest.as_bytes();
    let Some(&c) = code.get(1) else {
        return Err("unterminated string".to_string());
    };
    let simple = match c {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'"' | b'\'' | b'\\' | b'?' | b'`' => Some(c),
        _ => None,
    };
    if let Some(byte) = simple {
        return Ok((Decoded::Byte(byte), 2));
    }
    let (skip, digits, radix) = match c {
        b'x' | b'X' => (2, 2, 16),
        b'u' => (2, 4, 16),
        b'U' => (2, 8, 16),
        b'0'..=b'3' => (1, 3, 8),
        _ => {
            let after = rest[1..].chars().next().unwrap_or_default();
            return Err(format!("invalid escape sequence \\{after}"));
        }
    };
    let number = code
        .get(skip..skip + digits)
        .and_then(|d| std::str::from_utf8(d).ok())
        .filter(|d| d.chars().all(|c| c.is_digit(radix)))
        .and_then(|d| u32::from_str_radix(d, radix).ok())
        .ok_or_else(|| "invalid escape sequence".to_string())?;
    let len = skip + digits;
    if bytes && matches!(c, b'u' | b'U') {
        return Err("unable to unescape string: \\u and \\U are not allowed in bytes".to_string());
    }
    if bytes {
        let byte = u8::try_from(number).map_err(|e| e.to_string())?;
        return Ok((Decoded::Byte(byte), len));
    }
    char::from_u32(number)
        .map(|decoded| (Decoded::Char(decoded), len))
        .ok_or_else(|| "invalid unicode code point".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The literal at the start of `text`, or its error as a token.
    fn read(text: &str, raw: bool, bytes: bool) -> Kind {
        literal(text, 0, raw, bytes).map_or_else(Kind::Error, |(kind, _)| kind)
    }

    fn string(value: &str) -> Kind {
        Kind::Str(value.to_string())
    }

    #[test]
    fn escapes_decode_as_in_cel_go() {
        assert_eq!(
            read(r"'it\'s \x41\X42\u00e9\101\U0001F600'", false, false),
            string("it's ABéA\u{1F600}")
        );
        assert_eq!(
            read(r#""\a\b\f\n\r\t\v\"\\\?\`""#, false, false),
            string("\x07\x08\x0c\n\r\t\x0b\"\\?`")
        );
        assert_eq!(
            read(r"'\xff\377'", false, true),
            Kind::Bytes(vec![0xff, 0xff])
        );
        assert_eq!(read(r"'\xff'", false, false), string("\u{ff}"));
        assert_eq!(read(r"'é'", false, true), Kind::Bytes("é".into()));
    }

    #[test]
    fn quotes_raw_and_triple() {
        assert_eq!(read(r"'\n'", true, false), string(r"\n"));
        assert_eq!(read("'''a'b\r\nc'''", false, false), string("a'b\nc"));
        assert_eq!(read("\"\"\"x\"\"\" + 1", false, false), string("x"));
        assert_eq!(literal("'a' + 'b'", 0, false, false).map(|r| r.1), Ok(3));
    }

    #[test]
    fn malformed_literals_are_errors() {
        for (text, bytes) in [
            ("'open", false),
            ("'a\nb'", false),
            (r"'\q'", false),
            (r"'\é'", false),
            (r"'\x4'", false),
            (r"'\400'", false),
            (r"'\18'", false),
            (r"'\ud800'", false),
            (r"'\U00110000'", false),
            (r"'\u0041'", true),
            ("'\\", false),
        ] {
            assert!(
                matches!(read(text, false, bytes), Kind::Error(_)),
                "{text:?}"
            );
        }
    }
}
