//! The standard macros of cel-go (`cel.StandardMacros`, what `cel.NewEnv()` parses with):
//! `has(a.b)` and the comprehensions `all`, `exists`, `exists_one`, `map` and `filter`. A call
//! is a macro when its name, style (global or method) and number of arguments are a macro's;
//! any other call stays a call.

use super::ast::{Expr, Macro};

/// The variable cel-go's expansions keep their result in; an iteration variable may not take it.
const ACCUMULATOR: &str = "__result__";

/// A global call, or `has()`.
pub(super) fn global(name: String, args: Vec<Expr>) -> Result<Expr, String> {
    if name != "has" || args.len() != 1 {
        return Ok(Expr::Call {
            target: None,
            name,
            args,
        });
    }
    match args.into_iter().next() {
        // `has(has(a.b))` passes in cel-go: a presence test is a selection too.
        Some(Expr::Select(operand, field) | Expr::Has(operand, field)) => {
            Ok(Expr::Has(operand, field))
        }
        _ => Err("invalid argument to has() macro".to_string()),
    }
}

/// A method call, or a comprehension macro.
pub(super) fn method(target: Expr, name: String, args: Vec<Expr>) -> Result<Expr, String> {
    let kind = match (name.as_str(), args.len()) {
        ("all", 2) => Macro::All,
        ("exists", 2) => Macro::Exists,
        ("exists_one", 2) => Macro::ExistsOne,
        ("map", 2 | 3) => Macro::Map,
        ("filter", 2) => Macro::Filter,
        _ => {
            return Ok(Expr::Call {
                target: Some(Box::new(target)),
                name,
                args,
            });
        }
    };
    let mut args = args.into_iter();
    let (variable, guard, body) = match (args.next(), args.next(), args.next()) {
        (Some(Expr::Ident(variable)), Some(body), None) => (variable, None, body),
        (Some(Expr::Ident(variable)), Some(guard), Some(body)) => (variable, Some(guard), body),
        // The count is the macro's, so the first argument is not a name.
        _ if matches!(kind, Macro::Map | Macro::Filter) => {
            return Err("argument is not an identifier".to_string());
        }
        _ => return Err("argument must be a simple name".to_string()),
    };
    if variable == ACCUMULATOR {
        return Err("iteration variable overwrites accumulator variable".to_string());
    }
    Ok(Expr::Comprehension {
        kind,
        range: Box::new(target),
        variable,
        body: Box::new(body),
        guard: guard.map(Box::new),
    })
}
