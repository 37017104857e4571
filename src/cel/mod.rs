//! CEL, the expression language of the CRDs' `x-kubernetes-validations` rules and of Istio's
//! access-log filters: meshc's one front end for it. [`parse`] accepts what cel-go's parser
//! accepts with its default options (the standard macros, no optional syntax) and gives a
//! syntax tree ([`Expr`]) or the first error with its position. The Istio checker evaluates the
//! CRDs' rules on that tree and checks Telemetry filters with it; the tests read the CEL that
//! meshc writes back with it.

mod ast;
mod lex;
mod macros;
mod parse;
mod unescape;

use std::fmt;

pub(crate) use ast::Macro;
pub use ast::{BinaryOp, Expr, Literal};

/// cel-go's default limit on the size of an expression, in code points.
const MAX_CODE_POINTS: usize = 100_000;

/// A place in an expression: 1-based line and column, the column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1.
    pub column: usize,
}

/// Why a text is not a CEL expression, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Where the first error is.
    pub position: Position,
    /// What is wrong there.
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Position { line, column } = self.position;
        write!(f, "line {line}, column {column}: {}", self.message)
    }
}

/// Parses `text` as one CEL expression.
pub fn parse(text: &str) -> Result<Expr, Error> {
    let size = text.chars().count();
    if size > MAX_CODE_POINTS {
        return Err(Error {
            position: Position { line: 1, column: 1 },
            message: format!(
                "expression code point size exceeds limit: size: {size}, limit {MAX_CODE_POINTS}"
            ),
        });
    }
    parse::parse(text).map_err(|failure| Error {
        position: position(text, failure.at),
        message: failure.message,
    })
}

/// The position of a byte offset.
fn position(text: &str, offset: usize) -> Position {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Position { line, column }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn ident(name: &str) -> Expr {
        Expr::Ident(name.to_string())
    }

    fn int(value: i64) -> Expr {
        Expr::Literal(Literal::Int(value))
    }

    fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
        Expr::Binary(op, Box::new(left), Box::new(right))
    }

    fn ok(text: &str) -> Expr {
        parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn error(text: &str) -> String {
        match parse(text) {
            Ok(expr) => panic!("{text:?} parsed: {expr:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn precedence_and_associativity_follow_the_grammar() {
        assert_eq!(
            ok("a || b && c ? 1 : x ? 2 : 3"),
            Expr::Conditional(
                Box::new(Expr::Or(vec![
                    ident("a"),
                    Expr::And(vec![ident("b"), ident("c")])
                ])),
                Box::new(int(1)),
                Box::new(Expr::Conditional(
                    Box::new(ident("x")),
                    Box::new(int(2)),
                    Box::new(int(3))
                )),
            )
        );
        assert_eq!(
            ok("1 + 2 * 3 - 4 == 3 in l"),
            binary(
                BinaryOp::In,
                binary(
                    BinaryOp::Eq,
                    binary(
                        BinaryOp::Sub,
                        binary(BinaryOp::Add, int(1), binary(BinaryOp::Mul, int(2), int(3))),
                        int(4)
                    ),
                    int(3)
                ),
                ident("l")
            )
        );
        assert_eq!(
            ok("a || b || (c || d)"),
            Expr::Or(vec![
                ident("a"),
                ident("b"),
                Expr::Or(vec![ident("c"), ident("d")])
            ])
        );
    }

    #[test]
    fn signs_and_prefixes_as_in_cel_go() {
        assert_eq!(ok("-9223372036854775808"), int(i64::MIN));
        assert_eq!(ok("- 1.5"), Expr::Literal(Literal::Double(-1.5)));
        assert_eq!(ok("--1"), int(1));
        assert_eq!(ok("-x"), Expr::Negate(Box::new(ident("x"))));
        assert_eq!(ok("!!x"), ident("x"));
        assert_eq!(ok("!!!x"), Expr::Not(Box::new(ident("x"))));
        assert_eq!(ok("!-1"), Expr::Not(Box::new(int(-1))));
        assert_eq!(ok("1 - -1"), binary(BinaryOp::Sub, int(1), int(-1)));
        assert_eq!(
            ok("-1u"),
            Expr::Negate(Box::new(Expr::Literal(Literal::Uint(1))))
        );
        for bad in ["9223372036854775808", "!-x", "-!x", "1.5u"] {
            error(bad);
        }
    }

    #[test]
    fn members_calls_and_literals() {
        assert_eq!(
            ok("a.b[0].c(1, 'x')"),
            Expr::Call {
                target: Some(Box::new(Expr::Index(
                    Box::new(Expr::Select(Box::new(ident("a")), "b".into())),
                    Box::new(int(0))
                ))),
                name: "c".into(),
                args: vec![int(1), Expr::Literal(Literal::Str(Arc::from("x")))],
            }
        );
        assert_eq!(ok("[1,]"), Expr::List(vec![int(1)]));
        assert_eq!(ok("[,]"), Expr::List(Vec::new()));
        assert_eq!(ok("{1: 2,}"), Expr::Map(vec![(int(1), int(2))]));
        assert_eq!(
            ok(".pkg.Msg{f: 1,}"),
            Expr::Message {
                name: ".pkg.Msg".into(),
                fields: vec![("f".into(), int(1))]
            }
        );
        assert_eq!(
            ok("if{}"),
            Expr::Message {
                name: "if".into(),
                fields: Vec::new()
            }
        );
        assert_eq!(ok(".x"), ident(".x"));
        assert_eq!(ok("a.if"), Expr::Select(Box::new(ident("a")), "if".into()));
        for good in [
            "response.code >= 400",
            "response.code",
            "connection.mtls && request.url_path.contains('v1beta3')",
            "has(request.headers.x) && !request.headers.x.startsWith(\"y\")",
            "!has(a.b) || a.b >= 400",
            "a in [1, 2, 3,]",
            "{'a': [1, 2,], 'b': {}}['a'] == 1",
            "null == b'' && true != false",
            "r'raw\\d' + b\"bytes\" + '''multi\nline'''",
            "x // trailing comment",
            "a.b.Msg{f: 1}.f",
            "0x1F == 31 && 2u > 1u && .5 < 1e3",
        ] {
            ok(good);
        }
    }

    #[test]
    fn macros_expand() {
        assert_eq!(ok("has(a.b)"), Expr::Has(Box::new(ident("a")), "b".into()));
        assert_eq!(
            ok("l.map(x, x > 0, x * 2)"),
            Expr::Comprehension {
                kind: Macro::Map,
                range: Box::new(ident("l")),
                variable: "x".into(),
                body: Box::new(binary(BinaryOp::Mul, ident("x"), int(2))),
                guard: Some(Box::new(binary(BinaryOp::Gt, ident("x"), int(0)))),
            }
        );
        assert!(matches!(
            ok("l.exists_one(x, x)"),
            Expr::Comprehension {
                kind: Macro::ExistsOne,
                ..
            }
        ));
        // Other arities and styles are plain calls.
        assert!(matches!(ok("has(a, b)"), Expr::Call { .. }));
        assert!(matches!(ok("l.all(x)"), Expr::Call { .. }));
        assert!(matches!(ok("l.existsOne(1, x)"), Expr::Call { .. }));
        assert!(matches!(ok("all(l, x, true)"), Expr::Call { .. }));
        assert_eq!(
            error("has(a)"),
            "line 1, column 5: invalid argument to has() macro"
        );
        assert_eq!(
            error("l.all(1, true)"),
            "line 1, column 7: argument must be a simple name"
        );
        assert_eq!(
            error("l.map(x.y, 1)"),
            "line 1, column 7: argument is not an identifier"
        );
        error("l.all(__result__, true)");
    }

    #[test]
    fn what_cel_go_refuses() {
        for bad in [
            "",
            "   ",
            "// only a comment",
            ")++++",
            "a ||",
            "(a",
            "a ? b",
            "a ? b ? c : d : e",
            "a.",
            "a. == 1",
            "a b",
            "'a' 'b'",
            "1 +",
            "f(1,)",
            "[,1]",
            "{1: 2",
            "a.true",
            "a.?b",
            "a[?0]",
            "[?a]",
            "{?a: 1}",
            "`a`",
            "a $ b",
            "a = b",
            "if == 1",
            "x.all(if, true)",
            "for(1)",
            "(a.b){f: 1}",
            "a[0]{f: 1}",
            "Msg{true: 1}",
            "'unterminated",
            "'bad \\q escape'",
            "rb'x'",
            "0X1F",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(
            error("a &&\n  )"),
            "line 2, column 3: unexpected `)`, expected an expression"
        );
        assert_eq!(error(""), "line 1, column 1: empty expression");
        assert_eq!(error("if > 1"), "line 1, column 1: reserved identifier: if");
        assert_eq!(
            error("é + 'x"),
            "line 1, column 1: unexpected character 'é'"
        );
        assert_eq!(
            error("a b 'x"),
            "line 1, column 3: unexpected `b`, expected an operator"
        );
        assert_eq!(error("1 + 'x"), "line 1, column 5: unterminated string");
    }

    #[test]
    fn nesting_and_size_are_limited() {
        let nested = |n: usize| format!("{}1{}", "(".repeat(n), ")".repeat(n));
        ok(&nested(99));
        for deep in [
            nested(100),
            nested(10_000),
            format!("{}1{}", "f([{1: ".repeat(40), "}])".repeat(40)),
            vec!["1"; 101].join(" + "),
            format!("a{}", ".b".repeat(101)),
            "a ? b : ".repeat(100) + "c",
        ] {
            assert!(
                error(&deep).ends_with("max recursion depth exceeded"),
                "{deep}"
            );
        }
        // `||` and `&&` chains are flat, so a long one is no deeper.
        assert!(
            matches!(ok(&vec!["a"; 5_000].join(" || ")), Expr::Or(terms) if terms.len() == 5_000)
        );
        let huge = "1".repeat(MAX_CODE_POINTS + 1);
        assert!(error(&huge).contains("code point size exceeds limit"));
    }
}
