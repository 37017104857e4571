//! CEL expressions to a syntax tree, with the macros (`has`, `all`, `exists`, `exists_one`,
//! `map`, `filter`) expanded into their own nodes, as the CEL spec's grammar defines them.

use super::lex::{Token, tokens};
use super::value::Value;

/// Nesting depth past which an expression is refused rather than risking the stack.
const MAX_DEPTH: usize = 96;

/// A comprehension macro.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Macro {
    All,
    Exists,
    ExistsOne,
    Map,
    Filter,
}

/// A CEL expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Literal(Value),
    Ident(String),
    Select(Box<Expr>, String),
    Has(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    /// A function call, global (`size(x)`) or a method (`x.size()`).
    Call {
        target: Option<Box<Expr>>,
        name: String,
        args: Vec<Expr>,
    },
    Not(Box<Expr>),
    Negate(Box<Expr>),
    /// An arithmetic, comparison or `in` operator.
    Binary(&'static str, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Comprehension {
        kind: Macro,
        range: Box<Expr>,
        variable: String,
        predicate: Box<Expr>,
        transform: Option<Box<Expr>>,
    },
}

/// Parses an expression.
pub(super) fn parse(text: &str) -> Result<Expr, String> {
    let tokens = tokens(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let expr = parser.expr()?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(format!("unexpected {token:?} after the expression")),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Token::Op(o)) if *o == op) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> Result<(), String> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(format!("expected `{op}`, found {:?}", self.peek()))
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("expression nested too deeply".to_string());
        }
        let condition = self.or()?;
        let result = if self.eat("?") {
            let then = self.or()?;
            self.expect(":")?;
            let otherwise = self.expr()?;
            Expr::Conditional(Box::new(condition), Box::new(then), Box::new(otherwise))
        } else {
            condition
        };
        self.depth -= 1;
        Ok(result)
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.relation()?;
        while self.eat("&&") {
            left = Expr::And(Box::new(left), Box::new(self.relation()?));
        }
        Ok(left)
    }

    fn relation(&mut self) -> Result<Expr, String> {
        let mut left = self.addition()?;
        loop {
            let op = match self.peek() {
                Some(Token::In) => "in",
                Some(Token::Op(op @ ("==" | "!=" | "<" | "<=" | ">" | ">="))) => op,
                _ => return Ok(left),
            };
            self.at += 1;
            left = Expr::Binary(op, Box::new(left), Box::new(self.addition()?));
        }
    }

    fn addition(&mut self) -> Result<Expr, String> {
        let mut left = self.multiplication()?;
        loop {
            let op = match self.peek() {
                Some(Token::Op(op @ ("+" | "-"))) => *op,
                _ => return Ok(left),
            };
            self.at += 1;
            left = Expr::Binary(op, Box::new(left), Box::new(self.multiplication()?));
        }
    }

    fn multiplication(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Token::Op(op @ ("*" | "/" | "%"))) => *op,
                _ => return Ok(left),
            };
            self.at += 1;
            left = Expr::Binary(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    /// Prefix operators are collected in a loop, so `!!!…x` cannot exhaust the stack.
    fn unary(&mut self) -> Result<Expr, String> {
        let mut prefixes = Vec::new();
        loop {
            if self.eat("!") {
                prefixes.push("!");
            } else if self.eat("-") {
                prefixes.push("-");
            } else {
                break;
            }
        }
        let mut expr = self.member()?;
        for prefix in prefixes.into_iter().rev() {
            expr = match (prefix, expr) {
                ("!", inner) => Expr::Not(Box::new(inner)),
                (_, Expr::Literal(Value::Int(i))) => Expr::Literal(Value::Int(-i)),
                (_, Expr::Literal(Value::Double(d))) => Expr::Literal(Value::Double(-d)),
                (_, inner) => Expr::Negate(Box::new(inner)),
            };
        }
        Ok(expr)
    }

    fn member(&mut self) -> Result<Expr, String> {
        let mut expr = self.primary()?;
        loop {
            if self.eat(".") {
                let Some(Token::Ident(name)) = self.next() else {
                    return Err("expected a field or method name after `.`".to_string());
                };
                if self.eat("(") {
                    let args = self.arguments(")")?;
                    expr = method(expr, name, args)?;
                } else {
                    expr = Expr::Select(Box::new(expr), name);
                }
            } else if self.eat("[") {
                let index = self.expr()?;
                self.expect("]")?;
                expr = Expr::Index(Box::new(expr), Box::new(index));
            } else {
                return Ok(expr);
            }
        }
    }

    fn arguments(&mut self, close: &str) -> Result<Vec<Expr>, String> {
        let mut args = Vec::new();
        if self.eat(close) {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat(close) {
                return Ok(args);
            }
            self.expect(",")?;
            if self.eat(close) {
                return Ok(args);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let Some(token) = self.next() else {
            return Err("unexpected end of the expression".to_string());
        };
        Ok(match token {
            Token::Int(i) => Expr::Literal(Value::Int(i)),
            Token::Uint(u) => Expr::Literal(Value::Uint(u)),
            Token::Double(d) => Expr::Literal(Value::Double(d)),
            Token::Str(s) => Expr::Literal(Value::string(s)),
            Token::Bytes(b) => Expr::Literal(Value::Bytes(b.into())),
            Token::True => Expr::Literal(Value::Bool(true)),
            Token::False => Expr::Literal(Value::Bool(false)),
            Token::Null => Expr::Literal(Value::Null),
            Token::Ident(name) => {
                if self.eat("(") {
                    let args = self.arguments(")")?;
                    if name == "has" {
                        return match <[Expr; 1]>::try_from(args) {
                            Ok([Expr::Select(operand, field)]) => Ok(Expr::Has(operand, field)),
                            _ => Err("has() takes one field selection, such as has(a.b)".into()),
                        };
                    }
                    Expr::Call {
                        target: None,
                        name,
                        args,
                    }
                } else {
                    Expr::Ident(name)
                }
            }
            Token::Op("(") => {
                let inner = self.expr()?;
                self.expect(")")?;
                inner
            }
            Token::Op("[") => Expr::List(self.arguments("]")?),
            Token::Op("{") => {
                let mut entries = Vec::new();
                if !self.eat("}") {
                    loop {
                        let key = self.expr()?;
                        self.expect(":")?;
                        entries.push((key, self.expr()?));
                        if self.eat("}") {
                            break;
                        }
                        self.expect(",")?;
                        if self.eat("}") {
                            break;
                        }
                    }
                }
                Expr::Map(entries)
            }
            Token::Op(".") => return Err("qualified names are not supported".to_string()),
            other => return Err(format!("unexpected {other:?}")),
        })
    }
}

/// A method call, or one of the comprehension macros it may spell.
fn method(target: Expr, name: String, args: Vec<Expr>) -> Result<Expr, String> {
    let kind = match name.as_str() {
        "all" => Macro::All,
        "exists" => Macro::Exists,
        "exists_one" => Macro::ExistsOne,
        "map" => Macro::Map,
        "filter" => Macro::Filter,
        _ => {
            return Ok(Expr::Call {
                target: Some(Box::new(target)),
                name,
                args,
            });
        }
    };
    let mut args = args.into_iter();
    let (Some(Expr::Ident(variable)), Some(first)) = (args.next(), args.next()) else {
        return Err(format!("{name}() takes a variable name and an expression"));
    };
    let second = args.next();
    if args.next().is_some() || (second.is_some() && kind != Macro::Map) {
        return Err(format!("{name}() takes two arguments"));
    }
    let (predicate, transform) = match second {
        Some(transform) => (first, Some(Box::new(transform))),
        None => (first, None),
    };
    Ok(Expr::Comprehension {
        kind,
        range: Box::new(target),
        variable,
        predicate: Box::new(predicate),
        transform,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_follows_the_spec() {
        let e = parse("a || b && c ? 1 : 2").unwrap();
        let Expr::Conditional(condition, _, _) = e else {
            panic!("conditional expected")
        };
        assert!(matches!(*condition, Expr::Or(_, _)));
        let e = parse("1 + 2 * 3 == 7").unwrap();
        assert!(matches!(e, Expr::Binary("==", _, _)));
    }

    #[test]
    fn macros_expand() {
        assert!(matches!(parse("has(self.a)").unwrap(), Expr::Has(_, _)));
        assert!(matches!(
            parse("self.all(l1, self.exists_one(l2, l1.number == l2.number))").unwrap(),
            Expr::Comprehension {
                kind: Macro::All,
                ..
            }
        ));
        assert!(parse("has(self)").is_err());
        assert!(parse("self.all(1, true)").is_err());
    }

    #[test]
    fn bad_syntax_is_an_error() {
        for text in ["(a", "a ? b", "a.", "{1: 2", "a b", &"(".repeat(200)] {
            assert!(parse(text).is_err(), "{text}");
        }
    }
}
