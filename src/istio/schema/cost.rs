//! The API server's static cost limits on a CRD's CEL rules: when a CRD is written, each
//! `x-kubernetes-validations` rule's estimated cost ([`crate::istio::cel::estimate`]), times
//! the most times the rule can run on one object, must stay within
//! [`STATIC_ESTIMATED_COST_LIMIT`], and the sum over the CRD within
//! [`STATIC_ESTIMATED_CRD_COST_LIMIT`]; otherwise the API server refuses the CRD.
//!
//! Ported from `k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation`
//! (`validation.go`: the limits, `getExpressionCost`, `getCostErrorMessage`;
//! `cel_validation.go`: `CELSchemaContext.MaxCardinality`, `extractMaxElements`, `TotalCost`),
//! `k8s.io/apiserver/pkg/cel/common/schemas.go` (`SchemaDeclType` and the size estimates of
//! unbounded lists, maps and strings) and `k8s.io/apiserver/pkg/cel/limits.go`.

use std::collections::BTreeMap;

use super::{Additional, Schema, Type};
use crate::diagnostic::Path;
use crate::istio::cel::estimate::{Decl, DeclKind, max_cost};

/// `StaticEstimatedCostLimit`: the most estimated cost of one rule, times the times it can run.
pub(crate) const STATIC_ESTIMATED_COST_LIMIT: u64 = 10_000_000;

/// `StaticEstimatedCRDCostLimit`: the most estimated cost of all the rules of a CRD's schema.
pub(crate) const STATIC_ESTIMATED_CRD_COST_LIMIT: u64 = 100_000_000;

/// `MaxRequestSizeBytes`: the largest request the API server takes, which bounds what the
/// schema leaves unbounded.
const MAX_REQUEST_BYTES: u64 = 3 * 1024 * 1024;

/// `MaxDurationSizeJSON` and `MaxDatetimeSizeJSON`: the longest duration and date-time, quoted.
const MAX_TIME_BYTES: u64 = 32;

/// What the API server would refuse in a schema: where, and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The field of the CRD's schema, from `openAPIV3Schema`.
    pub(crate) path: Path,
    /// The line of the rule (0: the schema as a whole).
    pub(crate) line: u32,
    /// The API server's message.
    pub(crate) message: String,
}

/// The rules' costs summed over a schema, and the most expensive ones (`TotalCost`).
#[derive(Default)]
struct Total {
    sum: u64,
    /// Rules of at least 1 % of the CRD's limit, the most expensive first, at most four.
    expensive: Vec<(u64, Path, u32)>,
}

/// What the API server refuses in the rules of an `openAPIV3Schema`, in schema order; nothing if
/// every rule fits the limits.
pub(crate) fn refusals(root: &Schema) -> Vec<Refusal> {
    let mut total = Total::default();
    let mut found = Vec::new();
    walk(root, &Path::root(), Some(1), true, &mut total, &mut found);
    if total.sum > STATIC_ESTIMATED_CRD_COST_LIMIT {
        for (_, path, line) in total.expensive {
            found.push(Refusal {
                path,
                line,
                message: "contributed to estimated rule cost total exceeding cost limit for \
                          entire OpenAPIv3 schema"
                    .to_string(),
            });
        }
        found.push(Refusal {
            path: Path::root(),
            line: 0,
            message: over_budget(
                "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema",
                total.sum,
                STATIC_ESTIMATED_CRD_COST_LIMIT,
            ),
        });
    }
    found
}

/// The rules of `schema` and of everything below it; `cardinality` is the most times a value
/// of `schema` can occur in one object (`None`: a list or map above it is unbounded).
fn walk(
    schema: &Schema,
    path: &Path,
    cardinality: Option<u64>,
    root: bool,
    total: &mut Total,
    found: &mut Vec<Refusal>,
) {
    if !schema.rules.is_empty()
        && let Some(decl) = decl(schema, root)
    {
        // Under an unbounded list or map, as many as fit in a request.
        let times = cardinality.unwrap_or(MAX_REQUEST_BYTES / (decl.min_size + 1));
        for (i, rule) in schema.rules.iter().enumerate() {
            let Ok(expr) = crate::cel::parse(&rule.text) else {
                continue;
            };
            let at = path.key("x-kubernetes-validations").index(i);
            let estimated = [
                ("rule", Some(max_cost(&expr, &decl))),
                (
                    "messageExpression",
                    rule.message_expression.as_ref().map(|m| m.max_cost(&decl)),
                ),
            ];
            for (key, cost) in estimated {
                let Some(cost) = cost else { continue };
                let cost = if cost == 0 {
                    0
                } else {
                    cost.saturating_mul(times)
                };
                let at = at.key(key);
                if cost > STATIC_ESTIMATED_COST_LIMIT {
                    found.push(Refusal {
                        path: at.clone(),
                        line: rule.line,
                        message: over_budget(
                            &format!("estimated {key} cost"),
                            cost,
                            STATIC_ESTIMATED_COST_LIMIT,
                        ),
                    });
                }
                total.observe(cost, at, rule.line);
            }
        }
    }
    let children = cardinality.and_then(|c| elements(schema).map(|e| c.saturating_mul(e)));
    for (name, property) in schema.properties.iter().flatten() {
        let at = path.key("properties").key(name);
        walk(property, &at, children, false, total, found);
    }
    if let Additional::Schema(values) = &schema.additional {
        let at = path.key("additionalProperties");
        walk(values, &at, children, false, total, found);
    }
    if let Some(items) = &schema.items {
        walk(items, &path.key("items"), children, false, total, found);
    }
}

impl Total {
    fn observe(&mut self, cost: u64, path: Path, line: u32) {
        self.sum = self.sum.saturating_add(cost);
        if cost < STATIC_ESTIMATED_CRD_COST_LIMIT / 100 {
            return;
        }
        self.expensive.push((cost, path, line));
        self.expensive.sort_by_key(|e| std::cmp::Reverse(e.0));
        self.expensive.truncate(4);
    }
}

/// `extractMaxElements`: how many values of its children one value of `schema` holds (`None`:
/// unbounded).
fn elements(schema: &Schema) -> Option<u64> {
    match schema.kind {
        Some(Type::Object) if !matches!(schema.additional, Additional::Closed) => {
            schema.max_properties
        }
        Some(Type::Array) => schema.max_items,
        _ => Some(1),
    }
}

/// `getCostErrorMessage`.
fn over_budget(what: &str, cost: u64, limit: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let factor = cost as f64 / limit as f64;
    let factor = if factor > 100.0 {
        "more than 100x".to_string()
    } else if factor < 1.5 {
        format!("{factor:.6}x")
    } else {
        format!("{factor:.1}x")
    };
    format!(
        "{what} exceeds budget by factor of {factor} (try simplifying the rule, or adding \
         maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"
    )
}

/// The CEL type of a schema node and its bounds (`SchemaDeclType`); `None` where the API server
/// exposes nothing to CEL (a node without a type, an array without items).
fn decl(schema: &Schema, root: bool) -> Option<Decl> {
    let unbounded_text = MAX_REQUEST_BYTES - 2;
    if schema.int_or_string {
        return Some(Decl {
            kind: DeclKind::Dyn,
            max_elements: schema.max_length.map_or(unbounded_text, |n| n * 4),
            min_size: 1,
        });
    }
    let simple = |kind, min_size| {
        Some(Decl {
            kind,
            max_elements: 0,
            min_size,
        })
    };
    match schema.kind? {
        Type::Boolean => simple(DeclKind::Bool, 4),
        Type::Integer => simple(DeclKind::Int, 1),
        Type::Number => simple(DeclKind::Double, 1),
        Type::String => Some(string(schema, unbounded_text)),
        Type::Array => {
            let item = decl(schema.items.as_deref()?, false)?;
            let max = schema
                .max_items
                .unwrap_or((MAX_REQUEST_BYTES - 2) / (item.min_size + 1));
            Some(Decl {
                kind: DeclKind::List(Box::new(item)),
                max_elements: max,
                min_size: 2,
            })
        }
        Type::Object => {
            if let Additional::Schema(values) = &schema.additional {
                let value = decl(values, false)?;
                let max = schema
                    .max_properties
                    .unwrap_or((MAX_REQUEST_BYTES - 2) / (value.min_size + 6));
                return Some(Decl {
                    kind: DeclKind::Map(Box::new(value)),
                    max_elements: max,
                    min_size: 2,
                });
            }
            let mut fields = BTreeMap::new();
            let mut min_size = 2;
            for (name, property) in schema.properties.iter().flatten() {
                let Some(field) = decl(property, false) else {
                    continue;
                };
                if schema.required.contains(name) && !property.has_default {
                    let name = u64::try_from(name.len()).unwrap_or(u64::MAX);
                    min_size += name.saturating_add(field.min_size).saturating_add(4);
                }
                fields.insert(name.clone(), field);
            }
            if root {
                // `apiVersion`, `kind` and `metadata.name`/`generateName` are always there.
                let text = || string(&Schema::default(), unbounded_text);
                for key in ["apiVersion", "kind"] {
                    fields.entry(key.to_string()).or_insert_with(text);
                }
                let metadata: BTreeMap<String, Decl> = ["name", "generateName"]
                    .into_iter()
                    .map(|key| (key.to_string(), text()))
                    .collect();
                fields.insert(
                    "metadata".to_string(),
                    Decl {
                        kind: DeclKind::Object(metadata),
                        max_elements: 0,
                        min_size: 2,
                    },
                );
            }
            Some(Decl {
                kind: DeclKind::Object(fields),
                max_elements: 0,
                min_size,
            })
        }
    }
}

/// A string node: `maxLength` characters of up to four bytes each, else the longest enum value,
/// else a whole request; bytes, durations and timestamps by their format.
fn string(schema: &Schema, unbounded: u64) -> Decl {
    let (kind, max_elements, min_size) = match schema.format.as_deref() {
        Some("byte") => (DeclKind::Bytes, schema.max_length.unwrap_or(unbounded), 2),
        Some("duration") => (DeclKind::Duration, MAX_TIME_BYTES, 3),
        Some("date") => (DeclKind::Timestamp, 12, 12),
        Some("date-time") => (DeclKind::Timestamp, MAX_TIME_BYTES, 21),
        _ => {
            let longest_enum = schema.enumeration.as_ref().and_then(|values| {
                values
                    .iter()
                    .filter_map(|v| match v {
                        crate::yaml::Value::Str(s) => u64::try_from(s.len()).ok(),
                        _ => None,
                    })
                    .max()
            });
            let max = match (schema.max_length, longest_enum) {
                (Some(n), _) => n.saturating_mul(4),
                (None, Some(longest)) => longest,
                (None, None) => unbounded,
            };
            (DeclKind::Str, max, 2)
        }
    };
    Decl {
        kind,
        max_elements,
        min_size,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn refusals_of(schema: &str) -> Vec<Refusal> {
        let node = yaml::read(schema).documents.remove(0).root;
        refusals(&Schema::from_openapi(&node).unwrap())
    }

    const TAGS: &str = "type: object\nproperties:\n  tags:\n    type: array\n    ITEMS\n    \
                        items:\n      type: string\n      maxLength: 8\n    \
                        x-kubernetes-validations:\n    - rule: RULE\n";

    fn tags(max_items: &str, rule: &str) -> Vec<Refusal> {
        refusals_of(&TAGS.replace("ITEMS", max_items).replace("RULE", rule))
    }

    /// A cubic rule fits with 120 tags at most (6,984,602 units) and is refused without a bound,
    /// at its own path and line, with the API server's message.
    #[test]
    fn a_rule_is_refused_over_the_per_rule_limit() {
        let cubic = "self.all(a, self.all(b, self.all(c, c != '')))";
        assert_eq!(tags("maxItems: 120", cubic), []);
        let refused = tags("x-maxItems: 120", cubic);
        assert_eq!(refused.len(), 3, "{refused:?}");
        assert_eq!(
            refused[0].path.to_string(),
            "properties.tags.x-kubernetes-validations[0].rule"
        );
        assert_eq!(refused[0].line, 10);
        assert!(
            refused[0].message.starts_with(
                "estimated rule cost exceeds budget by factor of more than 100x (try simplifying"
            ),
            "{}",
            refused[0].message
        );
        assert_eq!(refused[1].path, refused[0].path);
        assert_eq!(
            refused[1].message,
            "contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 \
             schema"
        );
        assert_eq!(refused[2].path, Path::root());
        let linear = "self.all(a, a != '')";
        assert_eq!(tags("x-maxItems: 1", linear), []);
    }

    /// Under an unbounded list, a rule runs once per item that fits in a request: 3,145,728
    /// bytes over the item's smallest size and a comma.
    #[test]
    fn a_rule_under_an_unbounded_list_runs_once_per_item_that_fits() {
        let schema = "type: array\nitems:\n  type: object\n  required: [name]\n  properties:\n    \
                      name:\n      type: string\n      maxLength: 4\n  \
                      x-kubernetes-validations:\n  - rule: RULE\n";
        // The item is at least `{"name":""}`: 2 + 4 + 2 + 4 = 12 bytes, so 241,979 items.
        // `self.name == 'abc'` costs 1 + 1 + 0 + ceil(3 × 0.1) = 3: 725,937 in all.
        assert_eq!(
            refusals_of(&schema.replace("RULE", "self.name == 'abc'")),
            []
        );
        // `self.name.matches(<80 characters>)`: 2 + ceil(17 × 0.1) × ceil(80 × 0.25) = 42 per
        // item, 10,163,118 in all: just over.
        let heavy = format!("self.name.matches('{}')", "a".repeat(80));
        let refused = refusals_of(&schema.replace("RULE", &heavy));
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(
            refused[0].message.contains("factor of 1.016312x"),
            "{}",
            refused[0].message
        );
    }

    /// Eleven rules just within the per-rule limit are over the CRD's limit together: the four
    /// most expensive are named, and the schema as a whole.
    #[test]
    fn the_sum_of_a_crd_s_rules_has_its_own_limit() {
        let mut schema = "type: object\nproperties:\n".to_string();
        for i in 0..11 {
            use std::fmt::Write;
            write!(
                schema,
                "  f{i}:\n    type: array\n    maxItems: 1900000\n    items: {{type: integer}}\n    \
                 x-kubernetes-validations:\n    - rule: self.all(x, x > 0)\n"
            ).unwrap();
        }
        let refused = refusals_of(&schema);
        assert_eq!(refused.len(), 5, "{refused:?}");
        assert!(
            refused[..4]
                .iter()
                .all(|r| r.message.starts_with("contributed"))
        );
        assert_eq!(refused[4].path, Path::root());
        assert!(
            refused[4].message.starts_with(
                "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema \
                 exceeds budget by factor of 1.045000x"
            ),
            "{}",
            refused[4].message
        );
    }
}
