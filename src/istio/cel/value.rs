//! CEL runtime values and their equality and ordering (heterogeneous numeric comparison, as
//! cel-go does it for Kubernetes).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::cel::Literal;
use crate::yaml::{Node, Value as Yaml};

/// A CEL value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    Str(Arc<str>),
    Bytes(Arc<[u8]>),
    /// A duration in nanoseconds.
    Duration(i64),
    List(Arc<Vec<Value>>),
    Map(Arc<BTreeMap<Key, Value>>),
    /// A parsed URL (Kubernetes `url()`), reduced to what the rules ask of it.
    Url {
        scheme: Arc<str>,
    },
}

/// A map key: CEL allows strings, integers and booleans.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Key {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Str(Arc<str>),
}

impl Value {
    /// A string value.
    pub(super) fn string(s: impl Into<Arc<str>>) -> Self {
        Value::Str(s.into())
    }

    /// The value of a literal.
    pub(super) fn literal(literal: &Literal) -> Self {
        match literal {
            Literal::Null => Value::Null,
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Int(i) => Value::Int(*i),
            Literal::Uint(u) => Value::Uint(*u),
            Literal::Double(d) => Value::Double(*d),
            Literal::Str(s) => Value::Str(s.clone()),
            Literal::Bytes(b) => Value::Bytes(b.clone()),
        }
    }

    /// The CEL type name, as error messages say it.
    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null_type",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Uint(_) => "uint",
            Value::Double(_) => "double",
            Value::Str(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::Duration(_) => "google.protobuf.Duration",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Url { .. } => "kubernetes.URL",
        }
    }

    /// The value as a map key, if its type can be one.
    pub(super) fn key(&self) -> Option<Key> {
        match self {
            Value::Bool(b) => Some(Key::Bool(*b)),
            Value::Int(i) => Some(Key::Int(*i)),
            Value::Uint(u) => Some(Key::Uint(*u)),
            Value::Str(s) => Some(Key::Str(s.clone())),
            _ => None,
        }
    }

    /// Converts a YAML value; `double` marks a node the schema types as `number`.
    pub(super) fn from_yaml(node: &Node, double: bool) -> Self {
        match &node.value {
            Yaml::Null => Value::Null,
            Yaml::Bool(b) => Value::Bool(*b),
            #[allow(clippy::cast_precision_loss)]
            Yaml::Int(i) if double => Value::Double(*i as f64),
            Yaml::Int(i) => Value::Int(*i),
            Yaml::Float(f) => Value::Double(*f),
            Yaml::Str(s) => Value::string(s.as_ref()),
            Yaml::Seq(items) => Value::List(Arc::new(
                items
                    .iter()
                    .map(|item| Value::from_yaml(item, false))
                    .collect(),
            )),
            Yaml::Map(entries) => Value::Map(Arc::new(
                entries
                    .iter()
                    .map(|(k, v)| (Key::Str(k.as_ref().into()), Value::from_yaml(v, false)))
                    .collect(),
            )),
        }
    }
}

impl Key {
    pub(super) fn value(&self) -> Value {
        match self {
            Key::Bool(b) => Value::Bool(*b),
            Key::Int(i) => Value::Int(*i),
            Key::Uint(u) => Value::Uint(*u),
            Key::Str(s) => Value::Str(s.clone()),
        }
    }
}

/// CEL equality: numbers compare by value across int, uint and double; values of different
/// types are unequal (never an error).
pub(super) fn equal(a: &Value, b: &Value) -> bool {
    if let Some(ordering) = numeric(a, b) {
        return ordering == Some(Ordering::Equal);
    }
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| lookup(y, k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// A map entry by key, where numeric keys match across int and uint.
pub(super) fn lookup<'a>(map: &'a BTreeMap<Key, Value>, key: &Key) -> Option<&'a Value> {
    if let Some(found) = map.get(key) {
        return Some(found);
    }
    let alternative = match key {
        Key::Int(i) => u64::try_from(*i).ok().map(Key::Uint),
        Key::Uint(u) => i64::try_from(*u).ok().map(Key::Int),
        _ => None,
    }?;
    map.get(&alternative)
}

/// The order of two values, or `None` when CEL does not order them.
pub(super) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    if let Some(ordering) = numeric(a, b) {
        return ordering;
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Bytes(x), Value::Bytes(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// `Some(order)` when both are numbers (`Some(None)`: NaN is unordered).
#[allow(clippy::cast_precision_loss)]
fn numeric(a: &Value, b: &Value) -> Option<Option<Ordering>> {
    Some(match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Uint(x), Value::Uint(y)) => Some(x.cmp(y)),
        (Value::Double(x), Value::Double(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Uint(y)) => Some(i128::from(*x).cmp(&i128::from(*y))),
        (Value::Uint(x), Value::Int(y)) => Some(i128::from(*x).cmp(&i128::from(*y))),
        (Value::Int(x), Value::Double(y)) => (*x as f64).partial_cmp(y),
        (Value::Double(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Uint(x), Value::Double(y)) => (*x as f64).partial_cmp(y),
        (Value::Double(x), Value::Uint(y)) => x.partial_cmp(&(*y as f64)),
        _ => return None,
    })
}
