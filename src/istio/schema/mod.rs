//! Structural schemas (the OpenAPI v3 subset with Kubernetes extensions that CRDs use), read
//! from a CRD's `openAPIV3Schema` or from meshc's own compact schemas ([`builtin`]), and the
//! walk that validates a document against one ([`walk`]).

pub(crate) mod builtin;
pub(crate) mod cost;
pub(crate) mod properties;
pub(crate) mod walk;

use std::collections::BTreeMap;

use regex::Regex;

pub(crate) use self::properties::Properties;
use super::cel::{self, Program};
use crate::yaml::{Node, Value};

/// A JSON type of the schema language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Type {
    /// `object`.
    Object,
    /// `array`.
    Array,
    /// `string`.
    String,
    /// `integer`.
    Integer,
    /// `number`.
    Number,
    /// `boolean`.
    Boolean,
}

impl Type {
    fn parse(name: &str) -> Result<Self, String> {
        Ok(match name {
            "object" => Type::Object,
            "array" => Type::Array,
            "string" => Type::String,
            "integer" => Type::Integer,
            "number" => Type::Number,
            "boolean" => Type::Boolean,
            other => return Err(format!("unknown type {other:?}")),
        })
    }

    /// The name, with its article, for messages.
    pub(crate) fn described(self) -> &'static str {
        match self {
            Type::Object => "an object",
            Type::Array => "an array",
            Type::String => "a string",
            Type::Integer => "an integer",
            Type::Number => "a number",
            Type::Boolean => "a boolean",
        }
    }

    /// Whether `value` has this type.
    pub(crate) fn admits(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (Type::Object, Value::Map(_))
                | (Type::Array, Value::Seq(_))
                | (Type::String, Value::Str(_))
                | (Type::Integer, Value::Int(_))
                | (Type::Number, Value::Int(_) | Value::Float(_))
                | (Type::Boolean, Value::Bool(_))
        )
    }
}

/// What a mapping admits beyond its `properties`.
#[derive(Debug, Clone, Default)]
pub(crate) enum Additional {
    /// Nothing (unknown fields are errors, unless the node preserves them).
    #[default]
    Closed,
    /// Anything (`additionalProperties: true`).
    Any,
    /// Values of this schema (a map).
    Schema(Box<Schema>),
}

/// An `x-kubernetes-validations` rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// The CEL text.
    pub text: String,
    /// The compiled rule, or why meshc cannot evaluate it.
    pub program: Result<Program, String>,
    /// `message`.
    pub message: Option<String>,
    /// `messageExpression`, compiled.
    pub message_expression: Option<Program>,
    /// `fieldPath`, split into keys.
    pub field_path: Vec<String>,
    /// The line of the rule in its CRD (0 in meshc's own schemas).
    pub line: u32,
}

impl Rule {
    /// A rule of meshc's own schemas.
    pub(crate) fn new(text: &str, message: &str) -> Self {
        Self {
            text: text.to_string(),
            program: cel::compile(text),
            message: Some(message.to_string()),
            message_expression: None,
            field_path: Vec::new(),
            line: 0,
        }
    }
}

/// A structural schema node: one field per keyword, so its flags are keywords, not a state.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Default)]
pub(crate) struct Schema {
    /// `type`.
    pub kind: Option<Type>,
    /// `properties` (`None`: the keyword is absent).
    pub properties: Option<Properties>,
    /// `additionalProperties`.
    pub additional: Additional,
    /// `x-kubernetes-preserve-unknown-fields`.
    pub preserve_unknown: bool,
    /// `x-kubernetes-int-or-string`.
    pub int_or_string: bool,
    /// `nullable`.
    pub nullable: bool,
    /// `items`.
    pub items: Option<Box<Schema>>,
    /// `required`.
    pub required: Vec<String>,
    /// `enum`.
    pub enumeration: Option<Vec<Value<'static>>>,
    /// `minimum`, and whether it is exclusive.
    pub minimum: Option<(f64, bool)>,
    /// `maximum`, and whether it is exclusive.
    pub maximum: Option<(f64, bool)>,
    /// `minLength`.
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `minProperties`.
    pub min_properties: Option<u64>,
    /// `maxProperties`.
    pub max_properties: Option<u64>,
    /// `pattern`, compiled (or why it does not compile).
    pub pattern: Option<(String, Result<Regex, String>)>,
    /// `format`.
    pub format: Option<String>,
    /// `x-kubernetes-list-type` is `set` or `map`, or `uniqueItems`.
    pub unique: bool,
    /// `x-kubernetes-list-map-keys`.
    pub list_map_keys: Vec<String>,
    /// `oneOf`.
    pub one_of: Vec<Schema>,
    /// `anyOf`.
    pub any_of: Vec<Schema>,
    /// `allOf`.
    pub all_of: Vec<Schema>,
    /// `not`.
    pub not: Option<Box<Schema>>,
    /// `x-kubernetes-validations`.
    pub rules: Vec<Rule>,
    /// Whether a `default` is set (a required property with one counts for nothing in the
    /// smallest size of its object: the API server fills it in).
    pub has_default: bool,
}

impl Schema {
    /// Reads an OpenAPI v3 schema as a CRD holds it.
    pub(crate) fn from_openapi(node: &Node) -> Result<Self, String> {
        let mut schema = Schema::default();
        for (key, value) in node.entries() {
            let at = |e: String| format!("{key}: {e}");
            match key.as_ref() {
                "type" => schema.kind = Some(Type::parse(text(value)).map_err(at)?),
                "properties" => {
                    let mut properties = BTreeMap::new();
                    for (name, sub) in value.entries() {
                        properties.insert(
                            name.to_string(),
                            Schema::from_openapi(sub).map_err(|e| format!("{name}.{e}"))?,
                        );
                    }
                    schema.properties = Some(properties.into());
                }
                "additionalProperties" => {
                    schema.additional = match &value.value {
                        Value::Bool(true) => Additional::Any,
                        Value::Bool(false) => Additional::Closed,
                        _ => Additional::Schema(Box::new(Schema::from_openapi(value).map_err(at)?)),
                    };
                }
                "items" => schema.items = Some(Box::new(Schema::from_openapi(value).map_err(at)?)),
                "x-kubernetes-preserve-unknown-fields" => schema.preserve_unknown = flag(value),
                "x-kubernetes-int-or-string" => schema.int_or_string = flag(value),
                "nullable" => schema.nullable = flag(value),
                "required" => schema.required = value.strings().map(str::to_string).collect(),
                "enum" => {
                    schema.enumeration = Some(
                        value
                            .items()
                            .iter()
                            .map(|n| n.value.clone().into_owned())
                            .collect(),
                    );
                }
                "minimum" => schema.minimum = number(value).map(|n| (n, false)),
                "maximum" => schema.maximum = number(value).map(|n| (n, false)),
                "minLength" => schema.min_length = count(value),
                "maxLength" => schema.max_length = count(value),
                "minItems" => schema.min_items = count(value),
                "maxItems" => schema.max_items = count(value),
                "minProperties" => schema.min_properties = count(value),
                "maxProperties" => schema.max_properties = count(value),
                "pattern" => {
                    let pattern = text(value).to_string();
                    let compiled = Regex::new(&pattern).map_err(|e| e.to_string());
                    schema.pattern = Some((pattern, compiled));
                }
                "format" => schema.format = Some(text(value).to_string()),
                "default" => schema.has_default = true,
                "uniqueItems" => schema.unique |= flag(value),
                "x-kubernetes-list-type" => schema.unique |= matches!(text(value), "set" | "map"),
                "x-kubernetes-list-map-keys" => {
                    schema.list_map_keys = value.strings().map(str::to_string).collect();
                }
                "oneOf" | "anyOf" | "allOf" => {
                    let alternatives = value
                        .items()
                        .iter()
                        .map(Schema::from_openapi)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(at)?;
                    match key.as_ref() {
                        "oneOf" => schema.one_of = alternatives,
                        "anyOf" => schema.any_of = alternatives,
                        _ => schema.all_of = alternatives,
                    }
                }
                "not" => schema.not = Some(Box::new(Schema::from_openapi(value).map_err(at)?)),
                "x-kubernetes-validations" => {
                    for rule in value.items() {
                        schema.rules.push(rule_of(rule));
                    }
                }
                _ => {}
            }
        }
        for (bound, key) in [
            (&mut schema.minimum, "exclusiveMinimum"),
            (&mut schema.maximum, "exclusiveMaximum"),
        ] {
            if let Some((_, exclusive)) = bound {
                *exclusive = node.get(key).is_some_and(flag);
            }
        }
        Ok(schema)
    }
}

fn rule_of(node: &Node) -> Rule {
    let text_of = |key: &str| node.get(key).and_then(Node::as_str).map(str::to_string);
    let source = text_of("rule").unwrap_or_default();
    Rule {
        program: cel::compile(&source),
        text: source,
        message: text_of("message"),
        message_expression: text_of("messageExpression").and_then(|m| cel::compile(&m).ok()),
        field_path: text_of("fieldPath")
            .map(|p| {
                p.split('.')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        line: node.get("rule").map_or(node.line, |rule| rule.line),
    }
}

fn text<'a>(node: &'a Node<'_>) -> &'a str {
    node.as_str().unwrap_or_default()
}

fn flag(node: &Node) -> bool {
    node.value == Value::Bool(true)
}

fn number(node: &Node) -> Option<f64> {
    match node.value {
        #[allow(clippy::cast_precision_loss)]
        Value::Int(i) => Some(i as f64),
        Value::Float(f) => Some(f),
        _ => None,
    }
}

fn count(node: &Node) -> Option<u64> {
    match node.value {
        Value::Int(i) => u64::try_from(i).ok(),
        _ => None,
    }
}
