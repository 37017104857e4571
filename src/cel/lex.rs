//! CEL tokens, as cel-go's lexer (its ANTLR grammar) splits a text: the longest match wins, so
//! `rb'x'` is the name `rb` and a string, and `0X1F` is `0` and the name `X1F`.

use super::unescape;

/// A token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) at: usize,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    /// An integer's magnitude: its sign and range are the parser's (`-9223372036854775808`).
    Int(u64),
    Uint(u64),
    /// A double's magnitude.
    Double(f64),
    Str(String),
    Bytes(Vec<u8>),
    Ident(String),
    True,
    False,
    Null,
    In,
    /// An operator or punctuation, such as `&&` or `(`.
    Punct(&'static str),
    /// What is not a token; it ends the list, and the parser reports it when it gets there, so
    /// that an earlier syntax error is reported first.
    Error(String),
    End,
}

/// Longest first, so that `<=` is not `<` and `=`.
const PUNCTUATION: [&str; 24] = [
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",",
    "(", ")", "[", "]", "{", "}",
];

impl Kind {
    /// The token as an error message names it.
    pub(super) fn describe(&self) -> String {
        match self {
            Kind::Int(_) | Kind::Uint(_) | Kind::Double(_) => "number".to_string(),
            Kind::Str(_) => "string literal".to_string(),
            Kind::Bytes(_) => "bytes literal".to_string(),
            Kind::Ident(name) => format!("`{name}`"),
            Kind::True => "`true`".to_string(),
            Kind::False => "`false`".to_string(),
            Kind::Null => "`null`".to_string(),
            Kind::In => "`in`".to_string(),
            Kind::Punct(p) => format!("`{p}`"),
            Kind::Error(message) => message.clone(),
            Kind::End => "end of the expression".to_string(),
        }
    }
}

/// The tokens of `text`, ending with [`Kind::End`] or [`Kind::Error`].
pub(super) fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        let at = i;
        let kind = if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
            i += 1;
            continue;
        } else if bytes[i..].starts_with(b"//") {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            continue;
        } else if c.is_ascii_digit()
            || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let (kind, end) = number(bytes, i);
            i = end;
            kind
        } else if let Some((prefix, raw, is_bytes)) = string_start(bytes, i) {
            match unescape::literal(text, i + prefix, raw, is_bytes) {
                Ok((kind, end)) => {
                    i = end;
                    kind
                }
                Err(message) => Kind::Error(message),
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let end = i + bytes[i..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            let word = &text[i..end];
            i = end;
            match word {
                "true" => Kind::True,
                "false" => Kind::False,
                "null" => Kind::Null,
                "in" => Kind::In,
                _ => Kind::Ident(word.to_string()),
            }
        } else if let Some(punct) = PUNCTUATION
            .iter()
            .find(|p| bytes[i..].starts_with(p.as_bytes()))
        {
            i += punct.len();
            Kind::Punct(punct)
        } else {
            let character = text[i..].chars().next().unwrap_or_default();
            Kind::Error(format!("unexpected character {character:?}"))
        };
        let stop = matches!(kind, Kind::Error(_));
        out.push(Token { kind, at });
        if stop {
            return out;
        }
    }
    out.push(Token {
        kind: Kind::End,
        at: bytes.len(),
    });
    out
}

/// The length of a string literal's prefix at `i` (`r`, `b` or `br`, in either case), whether
/// it is raw and whether it is bytes, when a quote follows the prefix.
fn string_start(bytes: &[u8], i: usize) -> Option<(usize, bool, bool)> {
    let lower = |k: usize| bytes.get(i + k).map(u8::to_ascii_lowercase);
    let (prefix, raw, is_bytes) = match (lower(0), lower(1)) {
        (Some(b'\'' | b'"'), _) => (0, false, false),
        (Some(b'r'), _) => (1, true, false),
        (Some(b'b'), Some(b'r')) => (2, true, true),
        (Some(b'b'), _) => (1, false, true),
        _ => return None,
    };
    matches!(bytes.get(i + prefix), Some(b'\'' | b'"')).then_some((prefix, raw, is_bytes))
}

/// The number at `start` and the offset after it: `0x` hex or decimal integers, with `u` for
/// unsigned, and doubles with a fraction or an exponent.
fn number(bytes: &[u8], start: usize) -> (Kind, usize) {
    let digits = |from: usize, hex: bool| {
        from + bytes[from..]
            .iter()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count()
    };
    if bytes[start..].starts_with(b"0x") && bytes.get(start + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        let end = digits(start + 2, true);
        return integer(&bytes[start + 2..end], 16, bytes, end);
    }
    let mut end = digits(start, false);
    let mut double = false;
    if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end = digits(end + 1, false);
        double = true;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(end + 1), Some(b'+' | b'-')));
        if bytes.get(end + 1 + sign).is_some_and(u8::is_ascii_digit) {
            end = digits(end + 1 + sign, false);
            double = true;
        }
    }
    if !double {
        return integer(&bytes[start..end], 10, bytes, end);
    }
    // Go's ParseFloat refuses what overflows to infinity; Rust's parse gives infinity.
    let value = std::str::from_utf8(&bytes[start..end])
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
        .filter(|value| value.is_finite());
    let kind = value.map_or_else(
        || Kind::Error("invalid double literal".into()),
        Kind::Double,
    );
    (kind, end)
}

/// An integer of `digits`, unsigned when `u` or `U` follows at `end`.
fn integer(digits: &[u8], radix: u32, bytes: &[u8], end: usize) -> (Kind, usize) {
    let value = std::str::from_utf8(digits)
        .ok()
        .and_then(|text| u64::from_str_radix(text, radix).ok());
    if matches!(bytes.get(end), Some(b'u' | b'U')) {
        let kind = value.map_or_else(|| Kind::Error("invalid uint literal".into()), Kind::Uint);
        return (kind, end + 1);
    }
    let kind = value.map_or_else(|| Kind::Error("invalid int literal".into()), Kind::Int);
    (kind, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Kind> {
        tokens(text).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn numbers_follow_cel_go() {
        assert_eq!(
            kinds("1.5e3 2u 0x10 0x1Fu .5 007"),
            vec![
                Kind::Double(1500.0),
                Kind::Uint(2),
                Kind::Int(16),
                Kind::Uint(31),
                Kind::Double(0.5),
                Kind::Int(7),
                Kind::End
            ]
        );
        assert_eq!(
            kinds("0X1F"),
            vec![Kind::Int(0), Kind::Ident("X1F".into()), Kind::End]
        );
        assert_eq!(
            kinds("1e"),
            vec![Kind::Int(1), Kind::Ident("e".into()), Kind::End]
        );
        assert_eq!(
            kinds("18446744073709551616"),
            vec![Kind::Error("invalid int literal".into())]
        );
        assert_eq!(
            kinds("1e999"),
            vec![Kind::Error("invalid double literal".into())]
        );
    }

    #[test]
    fn prefixes_make_strings_only_where_cel_go_has_them() {
        assert_eq!(
            kinds(r"r'\d' b'a' BR'\x' rb'x'"),
            vec![
                Kind::Str(r"\d".into()),
                Kind::Bytes(b"a".to_vec()),
                Kind::Bytes(br"\x".to_vec()),
                Kind::Ident("rb".into()),
                Kind::Str("x".into()),
                Kind::End
            ]
        );
    }

    #[test]
    fn words_comments_and_operators() {
        assert_eq!(
            kinds("a in b // c\n&& inx <= true1"),
            vec![
                Kind::Ident("a".into()),
                Kind::In,
                Kind::Ident("b".into()),
                Kind::Punct("&&"),
                Kind::Ident("inx".into()),
                Kind::Punct("<="),
                Kind::Ident("true1".into()),
                Kind::End
            ]
        );
        let t = tokens("a # b");
        assert_eq!(t[1].kind, Kind::Error("unexpected character '#'".into()));
        assert_eq!(t[1].at, 2);
        assert_eq!(t.len(), 2, "nothing is lexed after an error");
        assert!(matches!(kinds("a\u{a0}b")[1], Kind::Error(_)));
    }
}
