//! Whether a text parses as a CEL expression (the access-log `filter.expression` of a
//! Telemetry). Parse only, like cel-go's `Parse` in `validateTelemetryFilter`: unknown attributes
//! and type errors are not looked for, and neither are the argument shapes of macros.

/// Where a syntax error is: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Position {
    pub(super) line: usize,
    pub(super) column: usize,
}

/// cel-go's default limit on nesting.
const MAX_DEPTH: usize = 250;

const RESERVED: [&str; 17] = [
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

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Literal,
    Punct(&'static str),
    In,
    End,
}

const PUNCTUATION: [&str; 23] = [
    "||", "&&", "==", "!=", "<=", ">=", "?", ":", "<", ">", "+", "-", "*", "/", "%", "!", ".", ",",
    "(", ")", "[", "]", "{",
];

/// Parses `text` as CEL: `Ok` when it is a syntactically valid expression.
pub(super) fn parse(text: &str) -> Result<(), Position> {
    let parsed = lex(text).and_then(|tokens| {
        let mut parser = Parser {
            tokens,
            next: 0,
            depth: 0,
        };
        parser.expr()?;
        match parser.peek() {
            Token::End => Ok(()),
            _ => Err(parser.here()),
        }
    });
    parsed.map_err(|offset| position(text, offset))
}

fn position(text: &str, offset: usize) -> Position {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Position { line, column }
}

fn lex(text: &str) -> Result<Vec<(Token, usize)>, usize> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let at = i;
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
            i += 1;
            continue;
        }
        if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            continue;
        }
        if let Some(end) = string_literal(text, i).map_err(|()| at)? {
            tokens.push((Token::Literal, at));
            i = end;
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            i = number(bytes, i);
            tokens.push((Token::Literal, at));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let end = i + bytes[i..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            let word = &text[i..end];
            let token = match word {
                "true" | "false" | "null" => Token::Literal,
                "in" => Token::In,
                _ => Token::Ident(word.to_string()),
            };
            tokens.push((token, at));
            i = end;
            continue;
        }
        if c == b'}' {
            tokens.push((Token::Punct("}"), at));
            i += 1;
            continue;
        }
        let Some(punct) = PUNCTUATION.iter().find(|p| text[i..].starts_with(**p)) else {
            return Err(at);
        };
        tokens.push((Token::Punct(punct), at));
        i += punct.len();
    }
    tokens.push((Token::End, bytes.len()));
    Ok(tokens)
}

/// The end of a number literal at `start`: decimal or hex integers with an optional `u`, and
/// floats with a fraction or an exponent.
fn number(bytes: &[u8], start: usize) -> usize {
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
    if bytes[start] == b'0'
        && matches!(bytes.get(start + 1), Some(b'x' | b'X'))
        && bytes.get(start + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        let end = digits(start + 2, true);
        return end + usize::from(matches!(bytes.get(end), Some(b'u' | b'U')));
    }
    let mut end = digits(start, false);
    let mut float = false;
    if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end = digits(end + 1, false);
        float = true;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(end + 1), Some(b'+' | b'-')));
        if bytes.get(end + 1 + sign).is_some_and(u8::is_ascii_digit) {
            end = digits(end + 1 + sign, false);
            float = true;
        }
    }
    if !float && matches!(bytes.get(end), Some(b'u' | b'U')) {
        end += 1;
    }
    end
}

/// A string or bytes literal at `start`: `Ok(Some(end))`, `Ok(None)` when there is none there,
/// `Err` when it is malformed.
fn string_literal(text: &str, start: usize) -> Result<Option<usize>, ()> {
    let rest = &text[start..];
    let prefix_len = rest
        .bytes()
        .take(2)
        .take_while(|b| matches!(b, b'r' | b'R' | b'b' | b'B'))
        .count();
    let prefix = &rest[..prefix_len];
    let raw = prefix.contains(['r', 'R']);
    let repeated = prefix_len == 2 && prefix[..1].eq_ignore_ascii_case(&prefix[1..]);
    let body = &rest[prefix_len..];
    let Some(quote) = body.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return Ok(None);
    };
    if repeated {
        return Ok(None);
    }
    let triple: String = std::iter::repeat_n(quote, 3).collect();
    let (delimiter, multiline) = if body.starts_with(&triple) {
        (triple.as_str(), true)
    } else {
        (&body[..1], false)
    };
    let content_start = start + prefix_len + delimiter.len();
    let mut chars = text[content_start..].char_indices();
    while let Some((offset, c)) = chars.next() {
        let here = &text[content_start + offset..];
        if here.starts_with(delimiter) {
            return Ok(Some(content_start + offset + delimiter.len()));
        }
        if !multiline && (c == '\n' || c == '\r') {
            return Err(());
        }
        if c == '\\' && !raw {
            let Some((_, escape)) = chars.next() else {
                return Err(());
            };
            let hex_digits = match escape {
                'a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | '\\' | '\'' | '"' | '`' | '?' => 0,
                'x' => 2,
                'u' => 4,
                'U' => 8,
                '0'..='3' => {
                    for _ in 0..2 {
                        if !chars.next().is_some_and(|(_, d)| ('0'..='7').contains(&d)) {
                            return Err(());
                        }
                    }
                    0
                }
                _ => return Err(()),
            };
            for _ in 0..hex_digits {
                if !chars.next().is_some_and(|(_, d)| d.is_ascii_hexdigit()) {
                    return Err(());
                }
            }
        }
    }
    Err(())
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    next: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.next.min(self.tokens.len() - 1)].0
    }

    fn here(&self) -> usize {
        self.tokens[self.next.min(self.tokens.len() - 1)].1
    }

    fn eat(&mut self, punct: &str) -> bool {
        if *self.peek() == Token::Punct(static_punct(punct)) {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, punct: &str) -> Result<(), usize> {
        if self.eat(punct) {
            Ok(())
        } else {
            Err(self.here())
        }
    }

    fn expr(&mut self) -> Result<(), usize> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.here());
        }
        self.binary(0)?;
        if self.eat("?") {
            self.binary(0)?;
            self.expect(":")?;
            self.expr()?;
        }
        self.depth -= 1;
        Ok(())
    }

    /// Binary operators by precedence: `||`, `&&`, relations, `+ -`, `* / %`.
    fn binary(&mut self, level: usize) -> Result<(), usize> {
        const LEVELS: [&[&str]; 5] = [
            &["||"],
            &["&&"],
            &["==", "!=", "<", "<=", ">", ">="],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        self.binary(level + 1)?;
        loop {
            let operator = match self.peek() {
                Token::Punct(p) => LEVELS[level].contains(p),
                Token::In => level == 2,
                _ => false,
            };
            if !operator {
                return Ok(());
            }
            self.next += 1;
            self.binary(level + 1)?;
        }
    }

    fn unary(&mut self) -> Result<(), usize> {
        if self.eat("!") {
            while self.eat("!") {}
        } else if self.eat("-") {
            while self.eat("-") {}
        }
        self.member()
    }

    fn member(&mut self) -> Result<(), usize> {
        let mut plain_name = self.primary()?;
        loop {
            if self.eat(".") {
                let Token::Ident(_) = self.peek() else {
                    return Err(self.here());
                };
                self.next += 1;
                if self.eat("(") {
                    self.list(")")?;
                    plain_name = false;
                }
            } else if self.eat("[") {
                self.expr()?;
                self.expect("]")?;
                plain_name = false;
            } else if plain_name && self.eat("{") {
                self.field_inits()?;
                plain_name = false;
            } else {
                return Ok(());
            }
        }
    }

    /// A primary expression; true when it is a plain name (which a message literal may follow).
    fn primary(&mut self) -> Result<bool, usize> {
        let leading_dot = self.eat(".");
        match self.peek().clone() {
            Token::Ident(name) => {
                if RESERVED.contains(&name.as_str()) {
                    return Err(self.here());
                }
                self.next += 1;
                if self.eat("(") {
                    self.list(")")?;
                    return Ok(false);
                }
                Ok(true)
            }
            _ if leading_dot => Err(self.here()),
            Token::Literal => {
                self.next += 1;
                Ok(false)
            }
            Token::Punct("(") => {
                self.next += 1;
                self.expr()?;
                self.expect(")")?;
                Ok(false)
            }
            Token::Punct("[") => {
                self.next += 1;
                self.list("]")?;
                Ok(false)
            }
            Token::Punct("{") => {
                self.next += 1;
                self.map_inits()?;
                Ok(false)
            }
            _ => Err(self.here()),
        }
    }

    /// Expressions separated by commas up to `close` (a trailing comma only in lists).
    fn list(&mut self, close: &str) -> Result<(), usize> {
        if self.eat(close) {
            return Ok(());
        }
        loop {
            self.expr()?;
            if self.eat(close) {
                return Ok(());
            }
            self.expect(",")?;
            if close == "]" && self.eat(close) {
                return Ok(());
            }
        }
    }

    fn map_inits(&mut self) -> Result<(), usize> {
        if self.eat("}") {
            return Ok(());
        }
        loop {
            self.expr()?;
            self.expect(":")?;
            self.expr()?;
            if self.eat("}") {
                return Ok(());
            }
            self.expect(",")?;
            if self.eat("}") {
                return Ok(());
            }
        }
    }

    fn field_inits(&mut self) -> Result<(), usize> {
        if self.eat("}") {
            return Ok(());
        }
        loop {
            let Token::Ident(_) = self.peek() else {
                return Err(self.here());
            };
            self.next += 1;
            self.expect(":")?;
            self.expr()?;
            if self.eat("}") {
                return Ok(());
            }
            self.expect(",")?;
            if self.eat("}") {
                return Ok(());
            }
        }
    }
}

/// The `'static` spelling of a punctuation token.
fn static_punct(punct: &str) -> &'static str {
    PUNCTUATION
        .iter()
        .chain(&["}"])
        .find(|p| **p == punct)
        .copied()
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_log_filters_as_the_referee_tests_them() {
        for (expression, valid) in [
            ("response.code >= 400", true),
            (
                "connection.mtls && request.url_path.contains('v1beta3')",
                true,
            ),
            ("response.code", true),
            (")++++", false),
            ("", false),
            ("response.code >= 400 ||", false),
            ("a ? b : c", true),
            ("a in [1, 2, 3,]", true),
            ("{'a': 1}['a'] == 1", true),
            (
                "has(request.headers.x) && !request.headers.x.startsWith(\"y\")",
                true,
            ),
            ("-1 < 2u && 1.5e3 > .5 && 0x1F == 31", true),
            ("r'raw\\d' + b\"bytes\" + '''multi\nline'''", true),
            ("'unterminated", false),
            ("'bad \\q escape'", false),
            ("if == 1", false),
            ("a.b.Msg{f: 1}", true),
            ("a. == 1", false),
            ("// only a comment", false),
            ("x // trailing comment", true),
            ("a $ b", false),
        ] {
            assert_eq!(parse(expression).is_ok(), valid, "{expression:?}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn errors_have_positions() {
        assert_eq!(parse("a &&\n  )"), Err(Position { line: 2, column: 3 }));
    }
}
