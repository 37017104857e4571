//! A small CEL parser (the grammar of the CEL spec, without macros' meaning), so that tests can
//! read back the expressions meshc writes into Telemetry and prove that no profile value
//! changed one: the parsed tree must equal the tree built from the profile's values.

use serde_norway::Value;

/// A parsed CEL expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// A string literal, decoded.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A bare name.
    Ident(String),
    /// `operand.field`.
    Select(Box<Expr>, String),
    /// `function(args)` or `target.function(args)`.
    Call(Option<Box<Expr>>, String, Vec<Expr>),
    /// `operand[index]`.
    Index(Box<Expr>, Box<Expr>),
    /// `left op right`.
    Binary(&'static str, Box<Expr>, Box<Expr>),
    /// `!operand` or `-operand`.
    Unary(&'static str, Box<Expr>),
    /// `condition ? then : otherwise`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `[items]`.
    List(Vec<Expr>),
    /// `{key: value}`.
    Map(Vec<(Expr, Expr)>),
}

/// Builders that keep expected trees short.
pub(crate) fn s(text: &str) -> Expr {
    Expr::Str(text.to_string())
}
pub(crate) fn ident(name: &str) -> Expr {
    Expr::Ident(name.to_string())
}
pub(crate) fn select(operand: Expr, field: &str) -> Expr {
    Expr::Select(Box::new(operand), field.to_string())
}
pub(crate) fn binary(op: &'static str, left: Expr, right: Expr) -> Expr {
    Expr::Binary(op, Box::new(left), Box::new(right))
}
pub(crate) fn cond(condition: Expr, then: Expr, otherwise: Expr) -> Expr {
    Expr::Cond(Box::new(condition), Box::new(then), Box::new(otherwise))
}
pub(crate) fn method(target: Expr, name: &str, args: Vec<Expr>) -> Expr {
    Expr::Call(Some(Box::new(target)), name.to_string(), args)
}

/// The tree meshc must write for "the header's value, or `default`".
pub(crate) fn header_or(header: &str, default: &str) -> Expr {
    let headers = select(ident("request"), "headers");
    cond(
        binary("in", s(header), headers.clone()),
        Expr::Index(Box::new(headers), Box::new(s(header))),
        s(default),
    )
}

/// The tree of "the request path is `prefix` or lies under it".
pub(crate) fn path_under(prefix: &str) -> Expr {
    let path = select(ident("request"), "url_path");
    if prefix == "/" {
        return Expr::Bool(true);
    }
    if prefix.ends_with('/') {
        return method(path, "startsWith", vec![s(prefix)]);
    }
    binary(
        "||",
        binary("==", path.clone(), s(prefix)),
        method(path, "startsWith", vec![s(&format!("{prefix}/"))]),
    )
}

/// Parses one expression; `Err` says where and why it is not CEL.
pub(crate) fn parse(text: &str) -> Result<Expr, String> {
    let tokens = lex(text)?;
    let mut parser = Parser { tokens, at: 0 };
    let expr = parser.expr(0)?;
    match parser.peek() {
        Tok::End => Ok(expr),
        other => Err(format!("unexpected {other:?} after the expression")),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Int(i64),
    Float,
    Ident(String),
    Punct(&'static str),
    End,
}

const PUNCT: &[&str] = &[
    "||", "&&", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "!", "?", ":", ".", ",",
    "(", ")", "[", "]", "{", "}",
];

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let raw = (c == 'r' || c == 'R') && matches!(chars.get(i + 1), Some('\'' | '"'));
        if c == '\'' || c == '"' || raw {
            let start = if raw { i + 1 } else { i };
            let (value, end) = string(&chars, start, raw)?;
            tokens.push(Tok::Str(value));
            i = end;
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            let literal: String = chars[start..i].iter().collect();
            tokens.push(match literal.parse::<i64>() {
                Ok(number) => Tok::Int(number),
                Err(_) => Tok::Float,
            });
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Tok::Ident(chars[start..i].iter().collect()));
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let Some(punct) = PUNCT.iter().find(|p| rest.starts_with(**p)) else {
            return Err(format!("unexpected character {c:?} at {i}"));
        };
        tokens.push(Tok::Punct(punct));
        i += punct.chars().count();
    }
    tokens.push(Tok::End);
    Ok(tokens)
}

/// A quoted string starting at `start` (its quote); the decoded text and the index after it.
fn string(chars: &[char], start: usize, raw: bool) -> Result<(String, usize), String> {
    let quote = chars[start];
    let triple = chars.get(start + 1) == Some(&quote) && chars.get(start + 2) == Some(&quote);
    let mut i = start + if triple { 3 } else { 1 };
    let mut value = String::new();
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("unterminated string".to_string());
        };
        if c == quote
            && (!triple || (chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote)))
        {
            return Ok((value, i + if triple { 3 } else { 1 }));
        }
        if !triple && (c == '\n' || c == '\r') {
            return Err("a line break in a single-line string".to_string());
        }
        if c == '\\' && !raw {
            let escape = chars.get(i + 1).copied().ok_or("a lone backslash")?;
            i += 2;
            let hex = |i: usize, n: usize| -> Result<char, String> {
                let digits: String = chars.get(i..i + n).ok_or("short escape")?.iter().collect();
                u32::from_str_radix(&digits, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or(format!("bad escape {digits}"))
            };
            match escape {
                '\\' | '\'' | '"' | '`' | '?' => value.push(escape),
                'a' => value.push('\u{7}'),
                'b' => value.push('\u{8}'),
                'f' => value.push('\u{c}'),
                'n' => value.push('\n'),
                'r' => value.push('\r'),
                't' => value.push('\t'),
                'v' => value.push('\u{b}'),
                'x' | 'X' => {
                    value.push(hex(i, 2)?);
                    i += 2;
                }
                'u' => {
                    value.push(hex(i, 4)?);
                    i += 4;
                }
                'U' => {
                    value.push(hex(i, 8)?);
                    i += 8;
                }
                '0'..='3' => {
                    let digits: String = chars
                        .get(i - 1..i + 2)
                        .ok_or("short octal")?
                        .iter()
                        .collect();
                    let code = u32::from_str_radix(&digits, 8).map_err(|e| e.to_string())?;
                    value.push(char::from_u32(code).ok_or("bad octal")?);
                    i += 2;
                }
                other => return Err(format!("unknown escape \\{other}")),
            }
            continue;
        }
        value.push(c);
        i += 1;
    }
}

struct Parser {
    tokens: Vec<Tok>,
    at: usize,
}

/// Binary operators by precedence level, lowest first.
const LEVELS: &[&[&str]] = &[
    &["||"],
    &["&&"],
    &["==", "!=", "<", "<=", ">", ">=", "in"],
    &["+", "-"],
    &["*", "/", "%"],
];

impl Parser {
    fn peek(&self) -> Tok {
        self.tokens.get(self.at).cloned().unwrap_or(Tok::End)
    }

    fn next(&mut self) -> Tok {
        let token = self.peek();
        self.at += 1;
        token
    }

    fn eat(&mut self, punct: &str) -> bool {
        if self.peek() == Tok::Punct(PUNCT.iter().find(|p| **p == punct).copied().unwrap_or("")) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, punct: &str) -> Result<(), String> {
        if self.eat(punct) {
            Ok(())
        } else {
            Err(format!("expected `{punct}`, found {:?}", self.peek()))
        }
    }

    /// `level` 0 is the conditional; binary levels follow.
    fn expr(&mut self, level: usize) -> Result<Expr, String> {
        if level == 0 {
            let condition = self.expr(1)?;
            if self.eat("?") {
                let then = self.expr(1)?;
                self.expect(":")?;
                let otherwise = self.expr(0)?;
                return Ok(cond(condition, then, otherwise));
            }
            return Ok(condition);
        }
        let Some(ops) = LEVELS.get(level - 1) else {
            return self.unary();
        };
        let mut left = self.expr(level + 1)?;
        loop {
            let op = match self.peek() {
                Tok::Punct(p) if ops.contains(&p) => p,
                Tok::Ident(name) if name == "in" && ops.contains(&"in") => "in",
                _ => return Ok(left),
            };
            self.at += 1;
            let right = self.expr(level + 1)?;
            left = binary(op, left, right);
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat("!") {
            return Ok(Expr::Unary("!", Box::new(self.unary()?)));
        }
        if self.eat("-") {
            return Ok(Expr::Unary("-", Box::new(self.unary()?)));
        }
        self.member()
    }

    fn member(&mut self) -> Result<Expr, String> {
        let mut operand = self.primary()?;
        loop {
            if self.eat(".") {
                let Tok::Ident(name) = self.next() else {
                    return Err("expected a field name after `.`".to_string());
                };
                if self.eat("(") {
                    let args = self.list(")")?;
                    operand = method(operand, &name, args);
                } else {
                    operand = select(operand, &name);
                }
            } else if self.eat("[") {
                let index = self.expr(0)?;
                self.expect("]")?;
                operand = Expr::Index(Box::new(operand), Box::new(index));
            } else {
                return Ok(operand);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Tok::Str(text) => Ok(Expr::Str(text)),
            Tok::Int(number) => Ok(Expr::Int(number)),
            Tok::Float => Err("meshc writes no floats".to_string()),
            Tok::Ident(name) => match name.as_str() {
                "true" => Ok(Expr::Bool(true)),
                "false" => Ok(Expr::Bool(false)),
                "null" => Ok(Expr::Null),
                "in" => Err("`in` is reserved".to_string()),
                _ if self.eat("(") => Ok(Expr::Call(None, name, self.list(")")?)),
                _ => Ok(Expr::Ident(name)),
            },
            Tok::Punct("(") => {
                let inner = self.expr(0)?;
                self.expect(")")?;
                Ok(inner)
            }
            Tok::Punct("[") => Ok(Expr::List(self.list("]")?)),
            Tok::Punct("{") => {
                let mut entries = Vec::new();
                while !self.eat("}") {
                    let key = self.expr(0)?;
                    self.expect(":")?;
                    entries.push((key, self.expr(0)?));
                    if !self.eat(",") {
                        self.expect("}")?;
                        break;
                    }
                }
                Ok(Expr::Map(entries))
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }

    /// Comma-separated expressions up to `close` (a trailing comma allowed).
    fn list(&mut self, close: &str) -> Result<Vec<Expr>, String> {
        let mut items = Vec::new();
        while !self.eat(close) {
            items.push(self.expr(0)?);
            if !self.eat(",") {
                self.expect(close)?;
                break;
            }
        }
        Ok(items)
    }
}

/// Every CEL expression in rendered YAML, by where it is: the tag name of a tag-override value,
/// or `filter` for an access-log filter.
pub(crate) fn expressions(document: &Value, out: &mut Vec<(String, String)>) {
    match document {
        Value::Mapping(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    (Some("tagOverrides"), Value::Mapping(tags)) => {
                        for (name, tag) in tags {
                            if let (Some(name), Some(text)) =
                                (name.as_str(), tag.get("value").and_then(Value::as_str))
                            {
                                out.push((name.to_string(), text.to_string()));
                            }
                        }
                    }
                    (Some("filter"), filter) => {
                        if let Some(text) = filter.get("expression").and_then(Value::as_str) {
                            out.push(("filter".to_string(), text.to_string()));
                        }
                    }
                    _ => expressions(value, out),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| expressions(item, out)),
        _ => {}
    }
}

#[test]
fn the_parser_reads_cel() {
    assert_eq!(parse("'a' + \"b\"").unwrap(), binary("+", s("a"), s("b")));
    assert_eq!(parse(r"'it\'s \x41\u00e9\101'").unwrap(), s("it's AéA"));
    assert_eq!(parse(r"r'\n'").unwrap(), s("\\n"));
    assert_eq!(parse("'''a'b'''").unwrap(), s("a'b"));
    assert_eq!(
        parse("a || b && c").unwrap(),
        binary("||", ident("a"), binary("&&", ident("b"), ident("c")))
    );
    assert_eq!(
        parse("x ? 1 : y ? 2 : 3").unwrap(),
        cond(
            ident("x"),
            Expr::Int(1),
            cond(ident("y"), Expr::Int(2), Expr::Int(3))
        )
    );
    assert!(parse("!has(a.b) || a.b >= 400").is_ok());
    assert!(parse("{'a': [1, 2,], 'b': {}}").is_ok());
    for bad in [
        "'a", "'a' 'b'", "a ||", "(a", "a ? b", "'\\q'", "'a\nb'", "a.", "1 +",
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn expected_trees_match_what_meshc_writes() {
    assert_eq!(
        parse("'x-t' in request.headers ? request.headers['x-t'] : 'unknown'").unwrap(),
        header_or("x-t", "unknown")
    );
    assert_eq!(
        parse("(request.url_path == '/v1' || request.url_path.startsWith('/v1/'))").unwrap(),
        path_under("/v1")
    );
}

/// Values that would end or extend a naive CEL string literal.
const INJECTIONS: &[&str] = &[
    "' || true || '",
    "\") || true || (\"",
    "\\",
    "\\'",
    "it's",
    "a\"b",
    "''' + '''",
    "r'x'",
    "${x}",
    "%YAML 1.2",
    "\\u0027",
    "\\x27 || true",
    "a ? b : c",
    "request.headers['x']",
    " padded ",
    "`tick`",
];

/// Tag defaults, class names and header names full of CEL syntax come back as exactly the
/// literals of the expression meshc means to write: the parsed trees equal the trees built
/// from the profile's values, so no value added an operator, a call or a literal.
#[test]
fn hostile_values_cannot_change_an_expression() {
    use std::fmt::Write;
    let toml = |text: &str| toml::Value::String(text.to_string()).to_string();
    let headers = ["x-it's", "x-a|b", "x-`q`", "x-$1", "x-!", "x-'||true||'"];
    let mut profile = String::from(
        "[services.api]\nport = 8080\n[[services.api.callers]]\nnamespaces = [\"default\"]\n\
         [telemetry.access-log]\ndebug-header = \"x-debug'||true||'\"\nslower-than = \"1500ms\"\n",
    );
    let mut expected = Vec::new();
    for (i, default) in INJECTIONS.iter().enumerate() {
        let header = headers[i % headers.len()];
        let name = format!("t{i:02}");
        writeln!(
            profile,
            "[telemetry.metrics.tags.{name}]\nheader = {}\ndefault = {}",
            toml(header),
            toml(default)
        )
        .unwrap();
        expected.push((name, header_or(header, default)));
    }
    profile.push_str("[telemetry.metrics.classify]\ndefault = \"other') || ('\"\nclasses = [\n");
    let prefixes = ["/v1/a$b", "/a", "/b/", "/"];
    let classes: Vec<(&str, &str)> = INJECTIONS
        .iter()
        .zip(prefixes.iter().cycle())
        .map(|(name, prefix)| (*name, *prefix))
        .collect();
    for (name, prefix) in &classes {
        writeln!(
            profile,
            "  {{ name = {}, prefix = {} }},",
            toml(name),
            toml(prefix)
        )
        .unwrap();
    }
    profile.push_str("]\n");
    let tree = classes
        .iter()
        .rev()
        .fold(s("other') || ('"), |otherwise, (name, prefix)| {
            cond(path_under(prefix), s(name), otherwise)
        });
    expected.push(("request_class".to_string(), tree));
    let headers_of = |field: &str| select(ident(field), "headers");
    let filter = binary(
        "||",
        binary(
            "||",
            binary(
                "||",
                Expr::Unary(
                    "!",
                    Box::new(Expr::Call(
                        None,
                        "has".to_string(),
                        vec![select(ident("response"), "code")],
                    )),
                ),
                binary(">=", select(ident("response"), "code"), Expr::Int(400)),
            ),
            binary(
                ">",
                select(ident("request"), "duration"),
                Expr::Call(None, "duration".to_string(), vec![s("1.5s")]),
            ),
        ),
        binary("in", s("x-debug'||true||'"), headers_of("request")),
    );
    expected.push(("filter".to_string(), filter));

    let source = meshc::source::Source::new("cel.toml", profile);
    let compiled = meshc::compile(&source).unwrap_or_else(|e| panic!("{e:?}"));
    let mut found = Vec::new();
    for file in &compiled.files {
        for document in serde_norway::Deserializer::from_str(&file.content) {
            let value: Value = serde::Deserialize::deserialize(document).unwrap();
            expressions(&value, &mut found);
        }
    }
    assert!(!found.is_empty(), "the render holds no CEL");
    for (name, text) in &found {
        let parsed = parse(text).unwrap_or_else(|e| panic!("{name}: {text:?} is not CEL: {e}"));
        let Some((_, want)) = expected.iter().find(|(n, _)| n == name) else {
            panic!("unexpected expression {name}");
        };
        assert_eq!(&parsed, want, "{name}: {text}");
    }
    for (name, _) in &expected {
        assert!(
            found.iter().any(|(n, _)| n == name),
            "{name} was not written"
        );
    }
}
