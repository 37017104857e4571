//! Go's `strconv.Quote`, which `net/url` and `net/netip` use in their messages (`%q`): printable
//! characters as they are, `"` and `\` escaped, the C escapes, `\xNN` for other ASCII controls
//! and for bytes that are not UTF-8, `\uNNNN` and `\UNNNNNNNN` for other non-printable code
//! points. Go's `unicode.IsPrint` needs the Unicode tables; here a non-ASCII code point is
//! printable unless it is a control, a separator, a format character meshc knows of, private
//! use or a noncharacter, which differs from Go only for unassigned code points.

use std::fmt::Write as _;

/// `strconv.Quote` of a Go string (bytes, usually UTF-8).
pub(crate) fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{7}' => out.push_str("\\a"),
                '\u{8}' => out.push_str("\\b"),
                '\u{C}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{B}' => out.push_str("\\v"),
                c if is_print(c) => out.push(c),
                c if u32::from(c) < 0x80 => {
                    let _ = write!(out, "\\x{:02x}", u32::from(c));
                }
                c if u32::from(c) < 0x1_0000 => {
                    let _ = write!(out, "\\u{:04x}", u32::from(c));
                }
                c => {
                    let _ = write!(out, "\\U{:08x}", u32::from(c));
                }
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.IsPrint`, as closely as meshc can without Unicode's tables.
fn is_print(c: char) -> bool {
    let code = u32::from(c);
    if c.is_ascii() {
        return (0x20..0x7F).contains(&code);
    }
    let format = matches!(code,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xE0001 | 0xE0020..=0xE007F);
    let private = matches!(code, 0xE000..=0xF8FF | 0xF_0000..=0x10_FFFF);
    let noncharacter = (code & 0xFFFE) == 0xFFFE || (0xFDD0..=0xFDEF).contains(&code);
    !(c.is_control() || c.is_whitespace() || format || private || noncharacter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_as_go_does() {
        assert_eq!(quote(b"abc"), r#""abc""#);
        assert_eq!(quote(b"a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(
            quote(b"a\nb\tc\r\x07\x08\x0c\x0b"),
            r#""a\nb\tc\r\a\b\f\v""#
        );
        assert_eq!(quote(b"\x00\x1b\x7f"), r#""\x00\x1b\x7f""#);
        assert_eq!(quote("é世😀".as_bytes()), "\"é世😀\"");
        assert_eq!(
            quote("\u{a0}\u{202e}\u{2028}\u{85}".as_bytes()),
            r#""\u00a0\u202e\u2028\u0085""#
        );
        assert_eq!(
            quote("\u{e0001}\u{10fffd}".as_bytes()),
            r#""\U000e0001\U0010fffd""#
        );
        assert_eq!(quote(b"%\xff\xfe"), r#""%\xff\xfe""#);
        assert_eq!(quote("\u{fffe}\u{fdd0}".as_bytes()), r#""\ufffe\ufdd0""#);
        assert_eq!(quote(b""), r#""""#);
    }
}
