//! The proof that no profile value changes a CEL expression meshc writes into Telemetry: the
//! expressions of a render, read back with meshc's own CEL parser ([`meshc::cel`]), must equal
//! the trees built here from the profile's values.

use meshc::testing::cel::{BinaryOp, Expr, Literal};
use serde_norway::Value;

/// Builders that keep expected trees short.
pub(crate) fn s(text: &str) -> Expr {
    Expr::Literal(Literal::Str(text.into()))
}
pub(crate) fn int(value: i64) -> Expr {
    Expr::Literal(Literal::Int(value))
}
pub(crate) fn ident(name: &str) -> Expr {
    Expr::Ident(name.to_string())
}
pub(crate) fn select(operand: Expr, field: &str) -> Expr {
    Expr::Select(Box::new(operand), field.to_string())
}
pub(crate) fn has(operand: Expr, field: &str) -> Expr {
    Expr::Has(Box::new(operand), field.to_string())
}
pub(crate) fn not(operand: Expr) -> Expr {
    Expr::Not(Box::new(operand))
}
pub(crate) fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    Expr::Binary(op, Box::new(left), Box::new(right))
}
pub(crate) fn cond(condition: Expr, then: Expr, otherwise: Expr) -> Expr {
    Expr::Conditional(Box::new(condition), Box::new(then), Box::new(otherwise))
}
pub(crate) fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Call {
        target: None,
        name: name.to_string(),
        args,
    }
}
pub(crate) fn method(target: Expr, name: &str, args: Vec<Expr>) -> Expr {
    Expr::Call {
        target: Some(Box::new(target)),
        name: name.to_string(),
        args,
    }
}
/// `a || b || …`; one operand is itself.
pub(crate) fn or(mut operands: Vec<Expr>) -> Expr {
    match operands.len() {
        1 => operands.remove(0),
        _ => Expr::Or(operands),
    }
}

/// The tree meshc must write for "the header's value, or `default`".
pub(crate) fn header_or(header: &str, default: &str) -> Expr {
    let headers = select(ident("request"), "headers");
    cond(
        binary(BinaryOp::In, s(header), headers.clone()),
        Expr::Index(Box::new(headers), Box::new(s(header))),
        s(default),
    )
}

/// The tree of "the request path is `prefix` or lies under it".
pub(crate) fn path_under(prefix: &str) -> Expr {
    let path = select(ident("request"), "url_path");
    if prefix == "/" {
        return Expr::Literal(Literal::Bool(true));
    }
    if prefix.ends_with('/') {
        return method(path, "startsWith", vec![s(prefix)]);
    }
    or(vec![
        binary(BinaryOp::Eq, path.clone(), s(prefix)),
        method(path, "startsWith", vec![s(&format!("{prefix}/"))]),
    ])
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
fn expected_trees_match_what_meshc_writes() {
    assert_eq!(
        meshc::testing::cel::parse("'x-t' in request.headers ? request.headers['x-t'] : 'unknown'")
            .unwrap(),
        header_or("x-t", "unknown")
    );
    assert_eq!(
        meshc::testing::cel::parse(
            "(request.url_path == '/v1' || request.url_path.startsWith('/v1/'))"
        )
        .unwrap(),
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
    let filter = or(vec![
        not(has(ident("response"), "code")),
        binary(BinaryOp::Ge, select(ident("response"), "code"), int(400)),
        binary(
            BinaryOp::Gt,
            select(ident("request"), "duration"),
            call("duration", vec![s("1.5s")]),
        ),
        binary(
            BinaryOp::In,
            s("x-debug'||true||'"),
            select(ident("request"), "headers"),
        ),
    ]);
    expected.push(("filter".to_string(), filter));

    let source = meshc::Source::new("cel.toml", profile);
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
        let parsed = meshc::testing::cel::parse(text)
            .unwrap_or_else(|e| panic!("{name}: {text:?} is not CEL: {e}"));
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

/// Response-header tags with hostile header names and defaults, and the SLI tags, come back as
/// exactly the trees meshc means to write.
#[test]
fn response_header_and_sli_tags_keep_their_shape() {
    use std::fmt::Write;
    let toml = |text: &str| toml::Value::String(text.to_string()).to_string();
    let headers = ["x-it's", "x-a|b", "x-'||true||'"];
    let mut profile = String::from(
        "[services.api]\nport = 8080\n[[services.api.callers]]\nnamespaces = [\"default\"]\n\
         [telemetry.metrics.tags]\nstatus = { attribute = \"status-class\" }\n\
         slow = { slower-than = \"250ms\" }\nmethod = { attribute = \"request-method\" }\n",
    );
    let response = select(ident("response"), "headers");
    let code = select(ident("response"), "code");
    let mut expected = vec![
        (
            "status".to_string(),
            cond(
                has(ident("response"), "code"),
                [(500, "5xx"), (400, "4xx"), (300, "3xx"), (200, "2xx")]
                    .into_iter()
                    .rev()
                    .fold(s("1xx"), |otherwise, (floor, class)| {
                        cond(
                            binary(BinaryOp::Ge, code.clone(), int(floor)),
                            s(class),
                            otherwise,
                        )
                    }),
                s("none"),
            ),
        ),
        (
            "slow".to_string(),
            cond(
                binary(
                    BinaryOp::Gt,
                    select(ident("request"), "duration"),
                    call("duration", vec![s("0.25s")]),
                ),
                s("slow"),
                s("fast"),
            ),
        ),
        ("method".to_string(), select(ident("request"), "method")),
    ];
    for (i, default) in INJECTIONS.iter().enumerate() {
        let header = headers[i % headers.len()];
        let name = format!("r{i:02}");
        writeln!(
            profile,
            "{name} = {{ response-header = {}, default = {} }}",
            toml(header),
            toml(default)
        )
        .unwrap();
        expected.push((
            name,
            cond(
                Expr::And(vec![
                    has(ident("response"), "headers"),
                    binary(BinaryOp::In, s(header), response.clone()),
                ]),
                Expr::Index(Box::new(response.clone()), Box::new(s(header))),
                s(default),
            ),
        ));
    }
    let source = meshc::Source::new("cel.toml", profile);
    let compiled = meshc::compile(&source).unwrap_or_else(|e| panic!("{e:?}"));
    let mut found = Vec::new();
    for file in &compiled.files {
        for document in serde_norway::Deserializer::from_str(&file.content) {
            let value: Value = serde::Deserialize::deserialize(document).unwrap();
            expressions(&value, &mut found);
        }
    }
    for (name, want) in &expected {
        let Some((_, text)) = found.iter().find(|(n, _)| n == name) else {
            panic!("{name} was not written");
        };
        let parsed = meshc::testing::cel::parse(text)
            .unwrap_or_else(|e| panic!("{name}: {text:?} is not CEL: {e}"));
        assert_eq!(&parsed, want, "{name}: {text}");
    }
}
