//! The static cost estimate of a CEL rule: the most cost units one evaluation could spend on
//! any value its schema admits, as the Kubernetes API server estimates it when a CRD is
//! written (and refuses the CRD when a rule is over the limit, see
//! [`crate::istio::schema::cost`]).
//!
//! Ported from cel-go `checker/cost.go` (`coster`: one unit per identifier and field selection,
//! none per literal, 10 to build a list and 30 a map, strings traversed at 0.1 unit per
//! character, a comprehension's loop cost times the most elements its range can hold), with the
//! macros expanded as cel-go `parser/macro.go` expands them, Kubernetes' own function costs
//! (`k8s.io/apiserver/pkg/cel/library/cost.go`, `EstimateCallCost`: `url`, `substring`, …) and
//! the sizes the schema bounds (`k8s.io/apiserver/pkg/cel/common/schemas.go`,
//! `SchemaDeclType`), which [`Decl`] holds. Only the maximum is computed: the API server judges
//! nothing else.

use std::collections::BTreeMap;

use crate::cel::{BinaryOp, Expr, Literal, Macro};

/// cel-go `common.StringTraversalCostFactor`: the cost of a character of a string.
const STRING_TRAVERSAL: f64 = 0.1;
/// cel-go `common.RegexStringLengthCostFactor`: the cost of a character of a regex.
const REGEX_LENGTH: f64 = 0.25;
/// cel-go `common.ListCreateBaseCost`.
const LIST_CREATE: u64 = 10;
/// cel-go `common.MapCreateBaseCost`.
const MAP_CREATE: u64 = 30;
/// An unknown size: the largest there is.
const UNKNOWN: u64 = u64::MAX;

/// The CEL type of a schema node, with the most elements (items, properties, bytes of a
/// string) a value of it can hold: `DeclType` of `k8s.io/apiserver/pkg/cel`.
#[derive(Debug, Clone)]
pub(crate) struct Decl {
    /// What the node holds.
    pub(crate) kind: DeclKind,
    /// `MaxElements`: items of a list, properties of a map, bytes of a string (0 for the
    /// others, as the API server's types have it).
    pub(crate) max_elements: u64,
    /// `MinSerializedSize`: the fewest bytes of JSON a value takes.
    pub(crate) min_size: u64,
}

/// The kinds of [`Decl`].
#[derive(Debug, Clone)]
pub(crate) enum DeclKind {
    /// A boolean.
    Bool,
    /// An integer.
    Int,
    /// A number.
    Double,
    /// A string.
    Str,
    /// Bytes (`format: byte`).
    Bytes,
    /// A duration (`format: duration`).
    Duration,
    /// A timestamp (`format: date` or `date-time`).
    Timestamp,
    /// `x-kubernetes-int-or-string`: either, decided at run time.
    Dyn,
    /// A list of these items.
    List(Box<Decl>),
    /// A map from strings to these values (`additionalProperties`).
    Map(Box<Decl>),
    /// An object with these fields.
    Object(BTreeMap<String, Decl>),
}

/// The type of an expression, as far as the cost model needs it.
#[derive(Debug, Clone)]
enum Ty<'d> {
    /// A value of a schema node: its size is the node's bound.
    Node(&'d Decl),
    Bool,
    Int,
    Double,
    Str,
    Bytes,
    Duration,
    Timestamp,
    /// A list not from the schema, with the largest size of its items.
    List(Box<Ty<'d>>, Option<u64>),
    /// A map not from the schema.
    Map,
    /// Anything else: a URL, a type, null, or not known before run time.
    Dyn,
}

/// What the estimate knows of a subexpression: its most cost, its type, and its size where the
/// expression itself says it (a literal, a concatenation, a comprehension's result).
#[derive(Debug, Clone)]
struct Est<'d> {
    cost: u64,
    ty: Ty<'d>,
    size: Option<u64>,
}

/// The shape of a type, for choosing among overloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Scalar,
    Text,
    List,
    Map,
    Object,
    Dyn,
}

impl<'d> Ty<'d> {
    fn shape(&self) -> Shape {
        match self {
            Ty::Node(decl) => match decl.kind {
                DeclKind::Str | DeclKind::Bytes => Shape::Text,
                DeclKind::List(_) => Shape::List,
                DeclKind::Map(_) => Shape::Map,
                DeclKind::Object(_) => Shape::Object,
                DeclKind::Dyn => Shape::Dyn,
                _ => Shape::Scalar,
            },
            Ty::Str | Ty::Bytes => Shape::Text,
            Ty::List(..) => Shape::List,
            Ty::Map => Shape::Map,
            Ty::Dyn => Shape::Dyn,
            _ => Shape::Scalar,
        }
    }

    /// The type of an item of a list, or a key of a map (what a comprehension binds), and its
    /// size if known.
    fn element(&self) -> (Ty<'d>, Option<u64>) {
        match self {
            Ty::Node(decl) => match &decl.kind {
                DeclKind::List(item) => (Ty::Node(item), None),
                DeclKind::Map(_) => (Ty::Node(&STRING_KEY), None),
                _ => (Ty::Dyn, None),
            },
            Ty::List(item, size) => ((**item).clone(), *size),
            _ => (Ty::Dyn, None),
        }
    }
}

/// The key of a map: the API server's `StringType`, whose bound is 0.
static STRING_KEY: Decl = Decl {
    kind: DeclKind::Str,
    max_elements: 0,
    min_size: 2,
};

/// Variables in scope, innermost last: a comprehension's variable and its type and size.
type Scope<'d> = Vec<(&'d str, Ty<'d>, Option<u64>)>;

/// The most cost units `expr` can spend with `self` of type `root` (cel-go's `CostEstimate.Max`).
pub(crate) fn max_cost(expr: &Expr, root: &Decl) -> u64 {
    let mut scope: Scope<'_> = vec![("self", Ty::Node(root), None)];
    estimate(expr, &mut scope).cost
}

fn add(a: u64, b: u64) -> u64 {
    a.saturating_add(b)
}

/// `multiplyByCostFactor`: rounded up, saturating.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn factor(size: u64, per_unit: f64) -> u64 {
    let product = (size as f64 * per_unit).ceil();
    if product >= u64::MAX as f64 {
        UNKNOWN
    } else {
        product as u64
    }
}

/// The size of an expression (cel-go `sizeOrUnknown`): computed, else the schema node's bound,
/// else 1 for a scalar, else unknown.
fn size(est: &Est<'_>) -> u64 {
    if let Some(size) = est.size {
        return size;
    }
    match &est.ty {
        Ty::Node(decl) => decl.max_elements,
        Ty::Bool | Ty::Int | Ty::Double | Ty::Duration | Ty::Timestamp => 1,
        _ => UNKNOWN,
    }
}

fn literal<'d>(literal: &Literal) -> Est<'d> {
    let (ty, size) = match literal {
        Literal::Str(text) => (Ty::Str, text.chars().count()),
        Literal::Bytes(bytes) => (Ty::Bytes, bytes.len()),
        Literal::Bool(_) => (Ty::Bool, 1),
        Literal::Int(_) | Literal::Uint(_) => (Ty::Int, 1),
        Literal::Double(_) => (Ty::Double, 1),
        Literal::Null => (Ty::Dyn, 1),
    };
    Est {
        cost: 0,
        ty,
        size: Some(u64::try_from(size).unwrap_or(UNKNOWN)),
    }
}

fn fixed(cost: u64, ty: Ty<'_>) -> Est<'_> {
    Est {
        cost,
        ty,
        size: None,
    }
}

#[allow(clippy::too_many_lines)]
fn estimate<'d>(expr: &'d Expr, scope: &mut Scope<'d>) -> Est<'d> {
    match expr {
        Expr::Literal(value) => literal(value),
        Expr::Ident(name) => match scope.iter().rev().find(|(n, ..)| n == name) {
            Some((_, ty, size)) => Est {
                cost: 1,
                ty: ty.clone(),
                size: *size,
            },
            None => fixed(1, Ty::Dyn),
        },
        Expr::Select(operand, field) => {
            let operand = estimate(operand, scope);
            let (step, ty) = select(&operand.ty, field);
            fixed(add(operand.cost, step), ty)
        }
        // A presence test costs one unit whatever it tests, as `!_` does.
        Expr::Has(operand, _) | Expr::Not(operand) => {
            fixed(add(1, estimate(operand, scope).cost), Ty::Bool)
        }
        Expr::Index(operand, index) => {
            let operand = estimate(operand, scope);
            let index = estimate(index, scope);
            let ty = match &operand.ty {
                Ty::Node(decl) => match &decl.kind {
                    DeclKind::List(item) | DeclKind::Map(item) => Ty::Node(item),
                    _ => Ty::Dyn,
                },
                Ty::List(item, _) => (**item).clone(),
                _ => Ty::Dyn,
            };
            fixed(add(1, add(operand.cost, index.cost)), ty)
        }
        Expr::Call { target, name, args } => {
            let target = target.as_deref().map(|t| estimate(t, scope));
            let args: Vec<Est<'d>> = args.iter().map(|a| estimate(a, scope)).collect();
            call(name, target.as_ref(), &args)
        }
        Expr::Negate(operand) => {
            let operand = estimate(operand, scope);
            fixed(add(1, operand.cost), operand.ty)
        }
        Expr::Binary(op, left, right) => {
            let left = estimate(left, scope);
            let right = estimate(right, scope);
            binary(*op, &left, &right)
        }
        // `_&&_` and `_||_` cost their operands only.
        Expr::And(items) | Expr::Or(items) => fixed(
            items
                .iter()
                .fold(0, |sum, item| add(sum, estimate(item, scope).cost)),
            Ty::Bool,
        ),
        Expr::Conditional(condition, then, otherwise) => {
            let condition = estimate(condition, scope);
            let then = estimate(then, scope);
            let otherwise = estimate(otherwise, scope);
            let ty = match (&then.ty, &otherwise.ty) {
                (Ty::List(..), Ty::Node(_)) => otherwise.ty.clone(),
                _ => then.ty.clone(),
            };
            Est {
                cost: add(condition.cost, then.cost.max(otherwise.cost)),
                size: Some(size(&then).max(size(&otherwise))),
                ty,
            }
        }
        Expr::List(items) => {
            let items: Vec<Est<'d>> = items.iter().map(|i| estimate(i, scope)).collect();
            let cost = items.iter().fold(LIST_CREATE, |sum, i| add(sum, i.cost));
            let largest = items.iter().map(size).max().unwrap_or(0);
            let item = items.first().map_or(Ty::Dyn, |i| i.ty.clone());
            Est {
                cost,
                ty: Ty::List(Box::new(item), Some(largest)),
                size: Some(u64::try_from(items.len()).unwrap_or(UNKNOWN)),
            }
        }
        Expr::Map(entries) => {
            let cost = entries.iter().fold(MAP_CREATE, |sum, (k, v)| {
                add(sum, add(estimate(k, scope).cost, estimate(v, scope).cost))
            });
            Est {
                cost,
                ty: Ty::Map,
                size: Some(u64::try_from(entries.len()).unwrap_or(UNKNOWN)),
            }
        }
        // cel-go `common.StructCreateBaseCost`.
        Expr::Message { fields, .. } => fixed(
            fields
                .iter()
                .fold(40, |sum, (_, value)| add(sum, estimate(value, scope).cost)),
            Ty::Dyn,
        ),
        Expr::Comprehension {
            kind,
            range,
            variable,
            body,
            guard,
        } => {
            let range = estimate(range, scope);
            let count = size(&range);
            let (item, item_size) = range.ty.element();
            scope.push((variable, item.clone(), item_size));
            let body = estimate(body, scope);
            let guard = guard.as_deref().map(|g| estimate(g, scope).cost);
            scope.pop();
            comprehension(*kind, &range, count, item, &body, guard)
        }
    }
}

/// A field selection: one unit on a map or an object (none on a value of unknown type), and the
/// field's type.
fn select<'d>(operand: &Ty<'d>, field: &str) -> (u64, Ty<'d>) {
    match operand {
        Ty::Node(decl) => match &decl.kind {
            DeclKind::Object(fields) => (1, fields.get(field).map_or(Ty::Dyn, Ty::Node)),
            DeclKind::Map(value) => (1, Ty::Node(value)),
            _ => (0, Ty::Dyn),
        },
        Ty::Map => (1, Ty::Dyn),
        _ => (0, Ty::Dyn),
    }
}

/// A comprehension as cel-go's macros expand it: the range, the accumulator's start and the
/// result once, the loop condition and step once per element the range can hold.
fn comprehension<'d>(
    kind: Macro,
    range: &Est<'d>,
    count: u64,
    item: Ty<'d>,
    body: &Est<'d>,
    guard: Option<u64>,
) -> Est<'d> {
    // (start + result, condition + step apart from the body)
    let (once, per_element, ty) = match kind {
        // `@not_strictly_false(@result)`, `@result && body`, `@result`
        Macro::All => (1, 3, Ty::Bool),
        // `@not_strictly_false(!@result)`, `@result || body`, `@result`
        Macro::Exists => (1, 4, Ty::Bool),
        // `true`, `body ? @result + 1 : @result`, `@result == 1`
        Macro::ExistsOne => (2, 2, Ty::Bool),
        // `[]`, `true`, `@result + [body]` (behind `guard ? … : @result`), `@result`
        Macro::Map => (
            LIST_CREATE + 1,
            12,
            Ty::List(Box::new(body.ty.clone()), body.size),
        ),
        // `[]`, `true`, `body ? @result + [x] : @result`, `@result`
        Macro::Filter => (LIST_CREATE + 1, 13, Ty::List(Box::new(item), None)),
    };
    let step = add(per_element, add(body.cost, guard.unwrap_or(0)));
    let loop_cost = count.saturating_mul(step);
    let size = matches!(kind, Macro::Map | Macro::Filter).then_some(count);
    Est {
        cost: add(range.cost, add(once, loop_cost)),
        ty,
        size,
    }
}

fn binary<'d>(op: BinaryOp, left: &Est<'d>, right: &Est<'d>) -> Est<'d> {
    let args = add(left.cost, right.cost);
    let (left_shape, right_shape) = (left.ty.shape(), right.ty.shape());
    let text = |shape: Shape| matches!(shape, Shape::Text | Shape::Dyn);
    // Comparing: the shorter of the two, traversed.
    let compare = || factor(size(left).min(size(right)), STRING_TRAVERSAL);
    match op {
        BinaryOp::Eq | BinaryOp::Ne => fixed(add(compare(), args), Ty::Bool),
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            let cost = if text(left_shape) && text(right_shape) {
                compare().max(1)
            } else {
                1
            };
            fixed(add(cost, args), Ty::Bool)
        }
        BinaryOp::In => {
            let cost = match right_shape {
                Shape::List => size(right),
                Shape::Dyn => size(right).max(1),
                _ => 1,
            };
            fixed(add(cost, args), Ty::Bool)
        }
        BinaryOp::Add => {
            let sum = add(size(left), size(right));
            match (left_shape, right_shape) {
                (Shape::List, _) | (_, Shape::List) => {
                    let item = match &left.ty {
                        Ty::Node(_) => left.ty.element().0,
                        Ty::List(item, _) => (**item).clone(),
                        _ => Ty::Dyn,
                    };
                    Est {
                        cost: add(1, args),
                        ty: Ty::List(Box::new(item), None),
                        size: Some(sum),
                    }
                }
                (Shape::Text, _) | (_, Shape::Text) => Est {
                    cost: add(factor(sum, STRING_TRAVERSAL), args),
                    ty: if matches!(left.ty, Ty::Bytes) {
                        Ty::Bytes
                    } else {
                        Ty::Str
                    },
                    size: Some(sum),
                },
                (Shape::Dyn, Shape::Dyn) => {
                    fixed(add(factor(sum, STRING_TRAVERSAL), args), Ty::Dyn)
                }
                _ => fixed(add(1, args), left.ty.clone()),
            }
        }
        BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
            fixed(add(1, args), left.ty.clone())
        }
    }
}

fn call<'d>(name: &str, target: Option<&Est<'d>>, args: &[Est<'d>]) -> Est<'d> {
    let arg_cost = args.iter().fold(0, |sum, a| add(sum, a.cost));
    let target_cost = target.map_or(0, |t| t.cost);
    let inputs = add(arg_cost, target_cost);
    let arg = |i: usize| args.get(i).map_or(UNKNOWN, size);
    let receiver = target.map_or(UNKNOWN, size);
    let own = |cost: u64, ty: Ty<'d>| fixed(add(cost, inputs), ty);
    match (name, target) {
        // `dyn` disables type checking: one unit, and the argument's sizes pass through.
        ("dyn", None) if args.len() == 1 => {
            let inner = &args[0];
            Est {
                cost: add(1, inner.cost),
                ty: inner.ty.clone(),
                size: inner.size,
            }
        }
        ("contains", Some(_)) if args.len() == 1 => own(
            factor(receiver, STRING_TRAVERSAL).saturating_mul(factor(arg(0), STRING_TRAVERSAL)),
            Ty::Bool,
        ),
        ("startsWith" | "endsWith", Some(_)) if args.len() == 1 => {
            own(factor(arg(0), STRING_TRAVERSAL), Ty::Bool)
        }
        ("matches", Some(_)) if args.len() == 1 => own(
            factor(add(receiver, 1), STRING_TRAVERSAL).saturating_mul(factor(arg(0), REGEX_LENGTH)),
            Ty::Bool,
        ),
        ("matches", None) if args.len() == 2 => own(
            factor(add(arg(0), 1), STRING_TRAVERSAL).saturating_mul(factor(arg(1), REGEX_LENGTH)),
            Ty::Bool,
        ),
        // Kubernetes' library: parsing a URL traverses its text.
        ("url", None) if args.len() == 1 => own(factor(arg(0), STRING_TRAVERSAL), Ty::Dyn),
        ("lowerAscii" | "upperAscii" | "substring" | "trim", Some(_)) => Est {
            cost: add(factor(receiver, STRING_TRAVERSAL), inputs),
            ty: Ty::Str,
            size: Some(receiver),
        },
        ("size" | "int" | "uint", _) => own(1, Ty::Int),
        ("double", _) => own(1, Ty::Double),
        ("string", _) => own(1, Ty::Str),
        ("bool" | "isURL" | "isIP" | "isCIDR" | "isQuantity", _) => own(1, Ty::Bool),
        ("duration", _) => own(1, Ty::Duration),
        ("timestamp", _) => own(1, Ty::Timestamp),
        ("bytes", _) => own(1, Ty::Bytes),
        // Every other function costs one unit besides its arguments (cel-go's O(1) default).
        _ => own(1, Ty::Dyn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(max_length: Option<u64>) -> Decl {
        Decl {
            kind: DeclKind::Str,
            // `maxLength` counts characters; the API server bounds bytes, four per character.
            max_elements: max_length.map_or(3 * 1024 * 1024 - 2, |n| n * 4),
            min_size: 2,
        }
    }

    fn list(item: Decl, max_items: u64) -> Decl {
        Decl {
            kind: DeclKind::List(Box::new(item)),
            max_elements: max_items,
            min_size: 2,
        }
    }

    fn cost(rule: &str, root: &Decl) -> u64 {
        max_cost(&crate::cel::parse(rule).unwrap(), root)
    }

    /// The per-element cost of `self.all(x, x.contains('gpu'))` that the API server's limit
    /// implies, measured by binary search of the largest `maxItems` it accepts for each
    /// `maxLength`: 11, 30, 106 and 414 units (the largest accepted lists: 909,090, 333,333,
    /// 94,339 and 24,154 items).
    #[test]
    fn contains_over_a_bounded_list_costs_what_the_api_server_measures() {
        for (max_length, per_item) in [(16, 11), (63, 30), (253, 106), (1024, 414)] {
            let root = list(string(Some(max_length)), 1000);
            // `self` once, the result once, and the loop.
            assert_eq!(
                cost("self.all(x, x.contains('gpu'))", &root),
                2 + 1000 * per_item,
                "maxLength {max_length}"
            );
        }
    }

    /// Nested comprehensions multiply; an unbounded string makes a comparison cost a tenth of
    /// the request size.
    #[test]
    fn costs_multiply_and_unbounded_strings_cost_the_request_size() {
        let root = list(string(Some(8)), 10);
        // Inner: 2 + 10 × (3 + 1); outer: 2 + 10 × (3 + inner).
        assert_eq!(
            cost("self.all(a, self.all(b, b != ''))", &root),
            2 + 10 * (3 + 42)
        );
        let unbounded = list(string(None), 10);
        assert_eq!(cost("self.all(a, a == 'x')", &unbounded), 2 + 10 * (3 + 2));
        assert_eq!(
            cost("self.all(a, self.exists(b, a == b))", &unbounded),
            2 + 10 * (3 + 2 + 10 * (4 + 2 + 314_573))
        );
    }

    /// Literals cost nothing, identifiers and selections one unit, a list literal ten, and
    /// `exists_one`, `map` and `filter` as their expansions.
    #[test]
    fn the_elementary_costs() {
        let mut fields = BTreeMap::new();
        fields.insert("n".to_string(), string(Some(1)));
        let object = Decl {
            kind: DeclKind::Object(fields),
            max_elements: 0,
            min_size: 2,
        };
        assert_eq!(cost("true", &object), 0);
        assert_eq!(cost("has(self.n)", &object), 2);
        assert_eq!(cost("self.n in ['a', 'b']", &object), 2 + 10 + 2);
        let root = list(string(Some(1)), 5);
        assert_eq!(
            cost("self.exists_one(x, x == 'a')", &root),
            1 + 2 + 5 * (2 + 1 + 1)
        );
        assert_eq!(
            cost("self.map(x, x).size() == 5", &root),
            1 + 11 + 5 * 13 + 1 + 1
        );
        assert_eq!(
            cost("self.filter(x, true).size() > 0", &root),
            1 + 11 + 5 * 13 + 1 + 1
        );
    }
}
