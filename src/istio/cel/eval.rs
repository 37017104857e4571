//! Evaluates a CEL syntax tree: CEL's commutative `&&`/`||` (an error loses to a decisive
//! operand), the comprehension macros, and the functions of [`FUNCTIONS`].

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::k8s;
use super::value::{Key, Value, compare, equal, lookup};
use crate::cel::{BinaryOp, Expr, Macro};

/// Every function the evaluator implements, global or as a method; a rule that calls any
/// other is refused before evaluation.
pub(super) const FUNCTIONS: &[&str] = &[
    "size",
    "int",
    "uint",
    "double",
    "string",
    "bool",
    "dyn",
    "duration",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "substring",
    "isURL",
    "url",
    "getScheme",
];

type Result<T> = std::result::Result<T, String>;

/// Variables in scope, innermost last, and the cost of the evaluation so far.
pub(super) struct Scope<'a> {
    /// The value of `self`, apart from `names`: a rule without a comprehension allocates no list
    /// of names (one was allocated on every run).
    this: Value,
    /// The comprehensions' variables, innermost last; they shadow `self`.
    names: Vec<(&'a str, Value)>,
    /// Cost units spent, in the Kubernetes API server's model: one per expression evaluated,
    /// plus a unit per list or map item and per ten bytes of string that an operation goes
    /// through.
    pub(super) spent: u64,
    /// Units the evaluation may spend; past them it stops with [`OVER_BUDGET`].
    pub(super) limit: u64,
}

/// The error of an evaluation stopped at its cost limit (cel-go's words).
pub(super) const OVER_BUDGET: &str = "operation cancelled: actual cost limit exceeded";

impl Scope<'_> {
    /// A scope with `self` bound to `this`, that may spend `limit` units.
    pub(super) fn new(this: Value, limit: u64) -> Self {
        Self {
            this,
            names: Vec::new(),
            spent: 0,
            limit,
        }
    }

    /// Spends `units`, or stops the evaluation past the limit.
    fn charge(&mut self, units: u64) -> Result<()> {
        self.spent = self.spent.saturating_add(units);
        if self.spent > self.limit {
            return Err(OVER_BUDGET.to_string());
        }
        Ok(())
    }

    fn get(&self, name: &str) -> Result<Value> {
        match self.names.iter().rev().find(|(n, _)| *n == name) {
            Some((_, value)) => Ok(value.clone()),
            None if name == "self" => Ok(self.this.clone()),
            None => Err(format!("undeclared reference to '{name}'")),
        }
    }
}

/// The units an operation that goes through `value` costs: a unit per item, or per ten bytes.
fn traversal(value: &Value) -> u64 {
    let units = match value {
        Value::Str(text) => text.len() / 10,
        Value::List(items) => items.len(),
        Value::Map(map) => map.len(),
        _ => 0,
    };
    u64::try_from(units).unwrap_or(u64::MAX)
}

/// Evaluates `expr`, charging its cost to `scope`.
pub(super) fn eval<'a>(expr: &'a Expr, scope: &mut Scope<'a>) -> Result<Value> {
    scope.charge(1)?;
    match expr {
        Expr::Literal(literal) => Ok(Value::literal(literal)),
        Expr::Ident(name) => scope.get(name),
        Expr::Select(operand, field) => select(&eval(operand, scope)?, field),
        Expr::Has(operand, field) => match eval(operand, scope)? {
            Value::Map(map) => Ok(Value::Bool(
                map.contains_key(&Key::Str(field.as_str().into())),
            )),
            other => Err(format!(
                "invalid type for field selection: {}",
                other.type_name()
            )),
        },
        Expr::Index(operand, index) => {
            let operand = eval(operand, scope)?;
            let index = eval(index, scope)?;
            self::index(&operand, &index)
        }
        Expr::Call { target, name, args } => {
            // The target and the arguments in one list, as the functions take them.
            let operands = target.as_deref().into_iter().chain(args);
            if usize::from(target.is_some()) + args.len() <= FEW {
                let mut few: [Value; FEW] = [Value::Null, Value::Null];
                let n = evaluate_into(&mut few, operands, scope)?;
                call_charged(name, &few[..n], scope)
            } else {
                let operands = operands
                    .map(|operand| eval(operand, scope))
                    .collect::<Result<Vec<_>>>()?;
                call_charged(name, &operands, scope)
            }
        }
        Expr::Not(operand) => match eval(operand, scope)? {
            Value::Bool(b) => Ok(Value::Bool(!b)),
            other => Err(no_overload("!_", &[&other])),
        },
        Expr::Negate(operand) => match eval(operand, scope)? {
            Value::Int(i) => i.checked_neg().map(Value::Int).ok_or_else(overflow),
            Value::Double(d) => Ok(Value::Double(-d)),
            other => Err(no_overload("-_", &[&other])),
        },
        Expr::Binary(op, left, right) => {
            let left = eval(left, scope)?;
            let right = eval(right, scope)?;
            scope.charge(traversal(&left).saturating_add(traversal(&right)))?;
            binary(*op, &left, &right)
        }
        Expr::And(operands) => logic(operands, scope, false),
        Expr::Or(operands) => logic(operands, scope, true),
        Expr::Conditional(condition, then, otherwise) => match eval(condition, scope)? {
            Value::Bool(true) => eval(then, scope),
            Value::Bool(false) => eval(otherwise, scope),
            other => Err(no_overload("_?_:_", &[&other])),
        },
        Expr::List(items) => Ok(Value::List(Arc::new(
            items
                .iter()
                .map(|item| eval(item, scope))
                .collect::<Result<_>>()?,
        ))),
        Expr::Map(entries) => {
            let mut map = BTreeMap::new();
            for (key, value) in entries {
                let key = eval(key, scope)?;
                let key = key
                    .key()
                    .ok_or_else(|| format!("unsupported map key type: {}", key.type_name()))?;
                let value = eval(value, scope)?;
                if map.insert(key, value).is_some() {
                    return Err("repeated key in a map literal".to_string());
                }
            }
            Ok(Value::Map(Arc::new(map)))
        }
        Expr::Message { name, .. } => Err(format!("message literals are not supported: {name}")),
        Expr::Comprehension {
            kind,
            range,
            variable,
            body,
            guard,
        } => {
            let range = eval(range, scope)?;
            scope.charge(traversal(&range))?;
            let elements: Vec<Value> = match &range {
                Value::List(items) => items.as_ref().clone(),
                Value::Map(map) => map.keys().map(Key::value).collect(),
                other => return Err(no_overload("comprehension", &[other])),
            };
            comprehension(*kind, &elements, variable, body, guard.as_deref(), scope)
        }
    }
}

/// Operands a call holds on the stack: every function of [`FUNCTIONS`] but `substring` with an
/// end takes at most two, and a list of them was an allocation on every call of a rule.
const FEW: usize = 2;

/// Evaluates `operands` into the first slots of `slots`, in order, stopping at the first error
/// as collecting them into a list does; how many there were.
fn evaluate_into<'a>(
    slots: &mut [Value],
    operands: impl Iterator<Item = &'a Expr>,
    scope: &mut Scope<'a>,
) -> Result<usize> {
    let mut n = 0;
    for (slot, operand) in slots.iter_mut().zip(operands) {
        *slot = eval(operand, scope)?;
        n += 1;
    }
    Ok(n)
}

/// Function `name` on its evaluated operands, after charging what it goes through.
fn call_charged(name: &str, operands: &[Value], scope: &mut Scope<'_>) -> Result<Value> {
    scope.charge(operands.iter().map(traversal).sum())?;
    call(name, operands)
}

/// `&&` (`decisive` = false) and `||` (`decisive` = true) over every operand: a decisive value
/// wins over an error anywhere, as in cel-go; without one, the leftmost error wins.
fn logic<'a>(operands: &'a [Expr], scope: &mut Scope<'a>, decisive: bool) -> Result<Value> {
    let op = if decisive { "_||_" } else { "_&&_" };
    let mut error = None;
    for operand in operands {
        match eval(operand, scope) {
            Ok(Value::Bool(b)) if b == decisive => return Ok(Value::Bool(decisive)),
            Ok(Value::Bool(_)) => {}
            Ok(other) => error = error.or_else(|| Some(no_overload(op, &[&other]))),
            Err(e) => error = error.or(Some(e)),
        }
    }
    error.map_or(Ok(Value::Bool(!decisive)), Err)
}

fn comprehension<'a>(
    kind: Macro,
    elements: &[Value],
    variable: &'a str,
    body: &'a Expr,
    guard: Option<&'a Expr>,
    scope: &mut Scope<'a>,
) -> Result<Value> {
    let run = |element: &Value, expr: &'a Expr, scope: &mut Scope<'a>| {
        scope.names.push((variable, element.clone()));
        let result = eval(expr, scope);
        scope.names.pop();
        result
    };
    let holds =
        |element: &Value, expr: &'a Expr, scope: &mut Scope<'a>| match run(element, expr, scope)? {
            Value::Bool(b) => Ok(b),
            other => Err(no_overload(kind.name(), &[&other])),
        };
    match kind {
        Macro::All | Macro::Exists => {
            let decisive = kind == Macro::Exists;
            let mut error = None;
            for element in elements {
                match run(element, body, scope) {
                    Ok(Value::Bool(b)) if b == decisive => return Ok(Value::Bool(decisive)),
                    Ok(Value::Bool(_)) => {}
                    Ok(other) => error = error.or_else(|| Some(no_overload("macro", &[&other]))),
                    Err(e) => error = error.or(Some(e)),
                }
            }
            error.map_or(Ok(Value::Bool(!decisive)), Err)
        }
        Macro::ExistsOne => {
            let mut count = 0;
            for element in elements {
                count += usize::from(holds(element, body, scope)?);
            }
            Ok(Value::Bool(count == 1))
        }
        Macro::Filter => {
            let mut out = Vec::new();
            for element in elements {
                if holds(element, body, scope)? {
                    out.push(element.clone());
                }
            }
            Ok(Value::List(Arc::new(out)))
        }
        Macro::Map => {
            let mut out = Vec::new();
            for element in elements {
                if let Some(guard) = guard
                    && !holds(element, guard, scope)?
                {
                    continue;
                }
                out.push(run(element, body, scope)?);
            }
            Ok(Value::List(Arc::new(out)))
        }
    }
}

fn select(operand: &Value, field: &str) -> Result<Value> {
    match operand {
        Value::Map(map) => map
            .get(&Key::Str(field.into()))
            .cloned()
            .ok_or_else(|| format!("no such key: {field}")),
        other => Err(format!(
            "type '{}' does not support field selection",
            other.type_name()
        )),
    }
}

fn index(operand: &Value, index: &Value) -> Result<Value> {
    match (operand, index) {
        (Value::List(items), _) => {
            let position = match index {
                Value::Int(i) => usize::try_from(*i).ok(),
                Value::Uint(u) => usize::try_from(*u).ok(),
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Value::Double(d) if d.fract() == 0.0 && *d >= 0.0 => Some(*d as usize),
                other => return Err(no_overload("_[_]", &[operand, other])),
            };
            position
                .and_then(|p| items.get(p).cloned())
                .ok_or_else(|| "index out of range".to_string())
        }
        (Value::Map(map), key) => {
            let key = key
                .key()
                .ok_or_else(|| no_overload("_[_]", &[operand, index]))?;
            lookup(map, &key)
                .cloned()
                .ok_or_else(|| format!("no such key: {}", display_key(&key)))
        }
        _ => Err(no_overload("_[_]", &[operand, index])),
    }
}

fn display_key(key: &Key) -> String {
    match key {
        Key::Str(s) => s.to_string(),
        Key::Int(i) => i.to_string(),
        Key::Uint(u) => u.to_string(),
        Key::Bool(b) => b.to_string(),
    }
}

fn binary(op: BinaryOp, left: &Value, right: &Value) -> Result<Value> {
    use BinaryOp::{Add, Div, Mul, Rem, Sub};
    use Value::{Double, Duration, Int, List, Str, Uint};
    let ordered = |accept: fn(std::cmp::Ordering) -> bool| {
        compare(left, right)
            .map(|o| Value::Bool(accept(o)))
            .ok_or_else(|| no_overload(op.symbol(), &[left, right]))
    };
    match op {
        BinaryOp::Eq => Ok(Value::Bool(equal(left, right))),
        BinaryOp::Ne => Ok(Value::Bool(!equal(left, right))),
        BinaryOp::Lt => ordered(std::cmp::Ordering::is_lt),
        BinaryOp::Le => ordered(std::cmp::Ordering::is_le),
        BinaryOp::Gt => ordered(std::cmp::Ordering::is_gt),
        BinaryOp::Ge => ordered(std::cmp::Ordering::is_ge),
        BinaryOp::In => match right {
            List(items) => Ok(Value::Bool(items.iter().any(|item| equal(item, left)))),
            Value::Map(map) => Ok(Value::Bool(
                left.key().is_some_and(|key| lookup(map, &key).is_some()),
            )),
            _ => Err(no_overload("@in", &[left, right])),
        },
        _ => match (op, left, right) {
            (Add, Int(a), Int(b)) => a.checked_add(*b).map(Int).ok_or_else(overflow),
            (Sub, Int(a), Int(b)) => a.checked_sub(*b).map(Int).ok_or_else(overflow),
            (Mul, Int(a), Int(b)) => a.checked_mul(*b).map(Int).ok_or_else(overflow),
            (Div, Int(_), Int(0)) | (Div, Uint(_), Uint(0)) => Err("division by zero".into()),
            (Rem, Int(_), Int(0)) | (Rem, Uint(_), Uint(0)) => Err("modulus by zero".into()),
            (Div, Int(a), Int(b)) => a.checked_div(*b).map(Int).ok_or_else(overflow),
            (Rem, Int(a), Int(b)) => a.checked_rem(*b).map(Int).ok_or_else(overflow),
            (Add, Uint(a), Uint(b)) => a.checked_add(*b).map(Uint).ok_or_else(overflow),
            (Sub, Uint(a), Uint(b)) => a.checked_sub(*b).map(Uint).ok_or_else(overflow),
            (Mul, Uint(a), Uint(b)) => a.checked_mul(*b).map(Uint).ok_or_else(overflow),
            (Div, Uint(a), Uint(b)) => Ok(Uint(a / b)),
            (Rem, Uint(a), Uint(b)) => Ok(Uint(a % b)),
            (Add, Double(a), Double(b)) => Ok(Double(a + b)),
            (Sub, Double(a), Double(b)) => Ok(Double(a - b)),
            (Mul, Double(a), Double(b)) => Ok(Double(a * b)),
            (Div, Double(a), Double(b)) => Ok(Double(a / b)),
            (Add, Str(a), Str(b)) => Ok(Value::string(format!("{a}{b}"))),
            (Add, Value::Bytes(a), Value::Bytes(b)) => {
                Ok(Value::Bytes([a.as_ref(), b.as_ref()].concat().into()))
            }
            (Add, List(a), List(b)) => {
                Ok(List(Arc::new(a.iter().chain(b.iter()).cloned().collect())))
            }
            (Add, Duration(a), Duration(b)) => a.checked_add(*b).map(Duration).ok_or_else(overflow),
            (Sub, Duration(a), Duration(b)) => a.checked_sub(*b).map(Duration).ok_or_else(overflow),
            _ => Err(no_overload(op.symbol(), &[left, right])),
        },
    }
}

fn overflow() -> String {
    "integer overflow".to_string()
}

fn no_overload(op: &str, args: &[&Value]) -> String {
    let types: Vec<&str> = args.iter().map(|a| a.type_name()).collect();
    format!("no such overload: {op}({})", types.join(", "))
}

/// Function `name` on its operands: a method's target first, then its arguments.
fn call(name: &str, operands: &[Value]) -> Result<Value> {
    match (name, operands) {
        ("size", [Value::Str(s)]) => Ok(Value::Int(count(s.chars().count()))),
        ("size", [Value::Bytes(b)]) => Ok(Value::Int(count(b.len()))),
        ("size", [Value::List(l)]) => Ok(Value::Int(count(l.len()))),
        ("size", [Value::Map(m)]) => Ok(Value::Int(count(m.len()))),
        ("int", [Value::Int(i)]) => Ok(Value::Int(*i)),
        ("int", [Value::Uint(u)]) => i64::try_from(*u).map(Value::Int).map_err(|_| overflow()),
        ("int", [Value::Double(d)]) => double_to_int(*d),
        ("int", [Value::Str(s)]) => k8s::parse_int(s).map(Value::Int),
        ("int", [Value::Duration(d)]) => Ok(Value::Int(*d)),
        ("uint", [Value::Int(i)]) => u64::try_from(*i).map(Value::Uint).map_err(|_| overflow()),
        ("uint", [Value::Uint(u)]) => Ok(Value::Uint(*u)),
        ("uint", [Value::Str(s)]) => s
            .parse::<u64>()
            .map(Value::Uint)
            .map_err(|_| format!("strconv.ParseUint: parsing {s:?}: invalid syntax")),
        #[allow(clippy::cast_precision_loss)]
        ("double", [Value::Int(i)]) => Ok(Value::Double(*i as f64)),
        #[allow(clippy::cast_precision_loss)]
        ("double", [Value::Uint(u)]) => Ok(Value::Double(*u as f64)),
        ("double", [Value::Double(d)]) => Ok(Value::Double(*d)),
        ("double", [Value::Str(s)]) => s
            .parse::<f64>()
            .map(Value::Double)
            .map_err(|_| format!("strconv.ParseFloat: parsing {s:?}: invalid syntax")),
        ("string", [Value::Str(s)]) => Ok(Value::Str(s.clone())),
        ("string", [Value::Int(i)]) => Ok(Value::string(i.to_string())),
        ("string", [Value::Uint(u)]) => Ok(Value::string(u.to_string())),
        ("string", [Value::Bool(b)]) => Ok(Value::string(b.to_string())),
        ("bool", [Value::Bool(b)]) => Ok(Value::Bool(*b)),
        ("bool", [Value::Str(s)]) => match s.as_ref() {
            "true" | "True" | "TRUE" | "t" | "1" => Ok(Value::Bool(true)),
            "false" | "False" | "FALSE" | "f" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!(
                "type conversion error from 'string' to 'bool': {s}"
            )),
        },
        ("dyn", [value]) => Ok(value.clone()),
        ("duration", [Value::Str(s)]) => k8s::parse_duration(s).map(Value::Duration),
        ("duration", [Value::Duration(d)]) => Ok(Value::Duration(*d)),
        ("contains", [Value::Str(s), Value::Str(t)]) => Ok(Value::Bool(s.contains(t.as_ref()))),
        ("startsWith", [Value::Str(s), Value::Str(t)]) => {
            Ok(Value::Bool(s.starts_with(t.as_ref())))
        }
        ("endsWith", [Value::Str(s), Value::Str(t)]) => Ok(Value::Bool(s.ends_with(t.as_ref()))),
        ("matches", [Value::Str(s), Value::Str(pattern)]) => matches(s, pattern),
        ("substring", [Value::Str(s), Value::Int(start)]) => {
            k8s::substring(s, *start, None).map(Value::string)
        }
        ("substring", [Value::Str(s), Value::Int(start), Value::Int(end)]) => {
            k8s::substring(s, *start, Some(*end)).map(Value::string)
        }
        ("isURL", [Value::Str(s)]) => Ok(Value::Bool(k8s::parse_request_uri(s).is_ok())),
        ("url", [Value::Str(s)]) => k8s::parse_request_uri(s)
            .map(|scheme| Value::Url {
                scheme: scheme.into(),
            })
            .map_err(|e| format!("URL parse error during conversion from string: {e}")),
        ("getScheme", [Value::Url { scheme }]) => Ok(Value::Str(scheme.clone())),
        _ => Err(no_overload(name, &operands.iter().collect::<Vec<_>>())),
    }
}

/// `matches()` with RE2 syntax; compiled patterns are kept, since a rule runs on every key.
fn matches(text: &str, pattern: &str) -> Result<Value> {
    thread_local! {
        static CACHE: RefCell<HashMap<String, regex::Regex>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(pattern) {
            let regex = regex::Regex::new(pattern)
                .map_err(|e| format!("invalid regular expression {pattern:?}: {e}"))?;
            if cache.len() > 256 {
                cache.clear();
            }
            cache.insert(pattern.to_string(), regex);
        }
        Ok(Value::Bool(
            cache.get(pattern).is_some_and(|r| r.is_match(text)),
        ))
    })
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn double_to_int(d: f64) -> Result<Value> {
    if !d.is_finite() || d <= i64::MIN as f64 || d >= i64::MAX as f64 {
        return Err("double is out of the int range".to_string());
    }
    Ok(Value::Int(d.trunc() as i64))
}
