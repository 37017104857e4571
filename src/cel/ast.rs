//! The syntax tree of a CEL expression, with the standard macros expanded into nodes of their
//! own. It carries no positions, so that two trees compare equal when they mean the same.

use std::sync::Arc;

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A signed integer, such as `-1` or `0x1F`.
    Int(i64),
    /// An unsigned integer, such as `1u`.
    Uint(u64),
    /// A double, such as `1.5e3`.
    Double(f64),
    /// A string, its escapes decoded.
    Str(Arc<str>),
    /// A bytes literal (`b'…'`), its escapes decoded.
    Bytes(Arc<[u8]>),
}

/// An operator between two operands; `&&` and `||` have nodes of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinaryOp {
    /// The operator as CEL writes it.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
}

/// A comprehension macro.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Macro {
    /// `range.all(x, predicate)`
    All,
    /// `range.exists(x, predicate)`
    Exists,
    /// `range.exists_one(x, predicate)`
    ExistsOne,
    /// `range.map(x, transform)` or `range.map(x, guard, transform)`
    Map,
    /// `range.filter(x, predicate)`
    Filter,
}

impl Macro {
    /// The macro's name as CEL spells it.
    pub fn name(self) -> &'static str {
        match self {
            Macro::All => "all",
            Macro::Exists => "exists",
            Macro::ExistsOne => "exists_one",
            Macro::Map => "map",
            Macro::Filter => "filter",
        }
    }
}

/// A CEL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal.
    Literal(Literal),
    /// A name; one written with a leading `.` (the root scope) keeps it.
    Ident(String),
    /// `operand.field`
    Select(Box<Expr>, String),
    /// `has(operand.field)`
    Has(Box<Expr>, String),
    /// `operand[index]`
    Index(Box<Expr>, Box<Expr>),
    /// A function call, global (`size(x)`) or a method (`x.size()`).
    Call {
        /// The receiver of a method.
        target: Option<Box<Expr>>,
        /// The function.
        name: String,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `!operand`
    Not(Box<Expr>),
    /// `-operand`, where the operand is not a number literal (`-1` is a literal).
    Negate(Box<Expr>),
    /// An arithmetic, comparison or `in` operator.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `a && b && …`, the operands in order (at least two).
    And(Vec<Expr>),
    /// `a || b || …`, the operands in order (at least two).
    Or(Vec<Expr>),
    /// `condition ? then : otherwise`
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `[items]`
    List(Vec<Expr>),
    /// `{key: value, …}`
    Map(Vec<(Expr, Expr)>),
    /// A message literal, `pkg.Name{field: value, …}`.
    Message {
        /// The message type, dotted.
        name: String,
        /// The fields in order.
        fields: Vec<(String, Expr)>,
    },
    /// A comprehension macro over `range`, binding `variable`.
    Comprehension {
        /// Which macro.
        kind: Macro,
        /// The list or map iterated over.
        range: Box<Expr>,
        /// The name of each element (a map's keys).
        variable: String,
        /// The predicate, or the transform of `map`.
        body: Box<Expr>,
        /// The predicate of `map`'s three-argument form: other elements are left out.
        guard: Option<Box<Expr>>,
    },
}
