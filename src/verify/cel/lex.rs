//! CEL tokens: literals, identifiers, operators (the lexical grammar of the CEL spec).

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    Int(i64),
    Uint(u64),
    Double(f64),
    Str(String),
    Bytes(Vec<u8>),
    Ident(String),
    True,
    False,
    Null,
    In,
    /// Punctuation and operators, such as `&&`, `?`, `.`.
    Op(&'static str),
}

const OPERATORS: &[&str] = &[
    "&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",",
    "(", ")", "[", "]", "{", "}",
];

/// Words the CEL grammar reserves; an expression may not use them as identifiers.
const RESERVED: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// Splits an expression into tokens.
pub(super) fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let (token, next) = number(&chars, i)?;
            out.push(token);
            i = next;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let prefix = word.to_ascii_lowercase();
            if matches!(prefix.as_str(), "r" | "b" | "rb" | "br")
                && matches!(chars.get(i), Some('\'' | '"'))
            {
                let (value, next) = string(&chars, i, prefix.contains('r'))?;
                out.push(if prefix.contains('b') {
                    Token::Bytes(value.into_bytes())
                } else {
                    Token::Str(value)
                });
                i = next;
                continue;
            }
            out.push(match word.as_str() {
                "true" => Token::True,
                "false" => Token::False,
                "null" => Token::Null,
                "in" => Token::In,
                w if RESERVED.contains(&w) => return Err(format!("reserved word `{w}`")),
                _ => Token::Ident(word),
            });
            continue;
        }
        if c == '\'' || c == '"' {
            let (value, next) = string(&chars, i, false)?;
            out.push(Token::Str(value));
            i = next;
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        match OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            Some(op) => {
                out.push(Token::Op(op));
                i += op.len();
            }
            None => return Err(format!("unexpected character {c:?}")),
        }
    }
    Ok(out)
}

fn number(chars: &[char], start: usize) -> Result<(Token, usize), String> {
    let mut i = start;
    if chars[i] == '0' && matches!(chars.get(i + 1), Some('x' | 'X')) {
        i += 2;
        let digits_start = i;
        while i < chars.len() && chars[i].is_ascii_hexdigit() {
            i += 1;
        }
        let digits: String = chars[digits_start..i].iter().collect();
        return integer(&digits, 16, chars, i);
    }
    while i < chars.len() && chars[i].is_ascii_digit() {
        i += 1;
    }
    let mut is_double = false;
    if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        is_double = true;
        i += 1;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        if matches!(chars.get(j), Some('+' | '-')) {
            j += 1;
        }
        if chars.get(j).is_some_and(char::is_ascii_digit) {
            is_double = true;
            i = j;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    let text: String = chars[start..i].iter().collect();
    if is_double {
        let value = text
            .parse::<f64>()
            .map_err(|e| format!("bad number {text}: {e}"))?;
        return Ok((Token::Double(value), i));
    }
    integer(&text, 10, chars, i)
}

fn integer(digits: &str, radix: u32, chars: &[char], end: usize) -> Result<(Token, usize), String> {
    if matches!(chars.get(end), Some('u' | 'U')) {
        let value = u64::from_str_radix(digits, radix)
            .map_err(|_| format!("uint literal {digits} out of range"))?;
        return Ok((Token::Uint(value), end + 1));
    }
    // `-9223372036854775808` is lexed as `-` and a literal one past i64::MAX.
    let value = u64::from_str_radix(digits, radix)
        .map_err(|_| format!("int literal {digits} out of range"))?;
    let value = i64::try_from(value).map_err(|_| format!("int literal {digits} out of range"))?;
    Ok((Token::Int(value), end))
}

fn string(chars: &[char], start: usize, raw: bool) -> Result<(String, usize), String> {
    let quote = chars[start];
    let triple = chars.get(start + 1) == Some(&quote) && chars.get(start + 2) == Some(&quote);
    let mut i = start + if triple { 3 } else { 1 };
    let mut out = String::new();
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("unterminated string".to_string());
        };
        if triple {
            if c == quote && chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote) {
                return Ok((out, i + 3));
            }
        } else if c == quote {
            return Ok((out, i + 1));
        } else if c == '\n' || c == '\r' {
            return Err("newline in a string".to_string());
        }
        if c == '\\' && !raw {
            let (decoded, next) = escape(chars, i)?;
            out.push(decoded);
            i = next;
            continue;
        }
        out.push(c);
        i += 1;
    }
}

fn escape(chars: &[char], at: usize) -> Result<(char, usize), String> {
    let Some(&c) = chars.get(at + 1) else {
        return Err("unterminated escape".to_string());
    };
    let simple = match c {
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\x0b'),
        '\\' | '\'' | '"' | '`' | '?' => Some(c),
        _ => None,
    };
    if let Some(decoded) = simple {
        return Ok((decoded, at + 2));
    }
    let (len, radix, skip) = match c {
        'x' | 'X' => (2, 16, 2),
        'u' => (4, 16, 2),
        'U' => (8, 16, 2),
        '0'..='3' => (3, 8, 1),
        _ => return Err(format!("invalid escape \\{c}")),
    };
    let start = at + skip;
    let digits: String = chars
        .get(start..start + len)
        .ok_or("short escape")?
        .iter()
        .collect();
    let code =
        u32::from_str_radix(&digits, radix).map_err(|_| format!("invalid escape {digits}"))?;
    let decoded = char::from_u32(code).ok_or_else(|| format!("invalid code point {code:#x}"))?;
    Ok((decoded, start + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_the_istio_rule_shapes() {
        let t = tokens("self.all(key, 0 < int(key) && int(key) <= 65535)").unwrap();
        assert!(t.contains(&Token::Int(65535)));
        assert!(t.contains(&Token::Op("&&")));
        let t = tokens(r#"duration(self) >= duration('1ms') || "a\tb" == r'\t'"#).unwrap();
        assert!(t.contains(&Token::Str("1ms".into())));
        assert!(t.contains(&Token::Str("a\tb".into())));
        assert!(t.contains(&Token::Str("\\t".into())));
        assert_eq!(
            tokens("1.5e3 2u 0x10").unwrap(),
            vec![Token::Double(1500.0), Token::Uint(2), Token::Int(16)]
        );
    }

    #[test]
    fn refuses_what_cel_refuses() {
        assert!(tokens("'open").is_err());
        assert!(tokens("a # b").is_err());
        assert!(tokens("if").is_err());
    }
}
