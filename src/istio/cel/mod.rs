//! A CEL evaluator for the `x-kubernetes-validations` rules of CRDs: the syntax tree of
//! [`crate::cel`] evaluated with CEL's semantics and the Kubernetes library functions the Istio
//! rules call, with Go's semantics. A rule that uses anything else is refused when it is
//! compiled (statically, even in a branch that would not run), so it is reported as "cannot
//! evaluate", never passed.

pub(crate) mod estimate;
mod eval;
mod k8s;
mod value;

pub(crate) use k8s::parse_duration;

use eval::{FUNCTIONS, OVER_BUDGET, Scope};
use value::Value;

use crate::cel::{self, Expr};
use crate::limits::{MAX_CEL_COST_PER_OBJECT, MAX_CEL_COST_PER_RULE};
use crate::yaml::Node;

/// Cost units one rule may spend on one value ([`MAX_CEL_COST_PER_RULE`]).
pub(crate) const PER_CALL_LIMIT: u64 = MAX_CEL_COST_PER_RULE as u64;

/// Cost units all the rules of one object may spend together ([`MAX_CEL_COST_PER_OBJECT`]).
pub(crate) const RUNTIME_BUDGET: u64 = MAX_CEL_COST_PER_OBJECT as u64;

/// What a rule at its cost limit reports: the per-call limit (the API server's words).
const CALL_LIMIT_MESSAGE: &str = "call cost exceeds limit for rule";

/// What a rule reports when the object's budget runs out: the API server's words; no later
/// rule of the object is run.
const BUDGET_MESSAGE: &str =
    "validation failed due to running out of cost budget, no further validation rules will be run";

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Program {
    expr: Expr,
}

/// The result of a rule on a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The rule holds.
    Pass,
    /// The rule is false.
    Fail,
    /// Evaluation failed on this data (Kubernetes rejects the object too).
    Error(String),
    /// The rule gave something other than a bool: meshc cannot judge it.
    Unsupported(String),
}

/// Compiles `rule`, or says why meshc cannot evaluate it.
pub fn compile(rule: &str) -> Result<Program, String> {
    let expr = cel::parse(rule).map_err(|e| format!("does not compile: {e}"))?;
    let mut problems = Vec::new();
    check(&expr, &mut vec!["self"], &mut problems);
    if problems.is_empty() {
        return Ok(Program { expr });
    }
    problems.sort();
    problems.dedup();
    Err(problems.join("; "))
}

/// Every function is implemented and every name is bound.
fn check<'a>(expr: &'a Expr, bound: &mut Vec<&'a str>, problems: &mut Vec<String>) {
    match expr {
        Expr::Literal(_) => {}
        Expr::Ident(name) if name == "oldSelf" => {
            problems.push("transition rule (oldSelf) cannot be checked on a manifest".into());
        }
        Expr::Ident(name) => {
            if !bound.contains(&name.as_str()) {
                problems.push(format!("undeclared reference to '{name}'"));
            }
        }
        Expr::Select(operand, _)
        | Expr::Has(operand, _)
        | Expr::Not(operand)
        | Expr::Negate(operand) => {
            check(operand, bound, problems);
        }
        Expr::Index(a, b) | Expr::Binary(_, a, b) => {
            check(a, bound, problems);
            check(b, bound, problems);
        }
        Expr::Call { target, name, args } => {
            if !FUNCTIONS.contains(&name.as_str()) {
                problems.push(format!("uses a function meshc does not implement: {name}"));
            }
            if let Some(target) = target {
                check(target, bound, problems);
            }
            for arg in args {
                check(arg, bound, problems);
            }
        }
        Expr::Conditional(a, b, c) => {
            for e in [a, b, c] {
                check(e, bound, problems);
            }
        }
        Expr::And(items) | Expr::Or(items) | Expr::List(items) => {
            for item in items {
                check(item, bound, problems);
            }
        }
        Expr::Map(entries) => {
            for (k, v) in entries {
                check(k, bound, problems);
                check(v, bound, problems);
            }
        }
        Expr::Message { name, .. } => {
            problems.push(format!(
                "uses a message literal ({name}), which meshc does not evaluate"
            ));
        }
        Expr::Comprehension {
            range,
            variable,
            body,
            guard,
            ..
        } => {
            check(range, bound, problems);
            bound.push(variable);
            check(body, bound, problems);
            if let Some(guard) = guard {
                check(guard, bound, problems);
            }
            bound.pop();
        }
    }
}

impl Program {
    /// Evaluates the rule with `self` bound to `node`; `double` says the schema types the
    /// node as `number`, so that integers written in YAML are doubles to the rule. It spends
    /// at most [`PER_CALL_LIMIT`] units and what is left of the object's `budget`; what it
    /// spends is taken from `budget`.
    pub fn run(&self, node: &Node, double: bool, budget: &mut u64) -> Outcome {
        let limit = PER_CALL_LIMIT.min(*budget);
        let mut scope = Scope::new(Value::from_yaml(node, double), limit);
        let result = eval::eval(&self.expr, &mut scope);
        *budget = budget.saturating_sub(scope.spent.min(limit));
        match result {
            Err(error) if error == OVER_BUDGET => Outcome::Error(if limit == PER_CALL_LIMIT {
                CALL_LIMIT_MESSAGE.to_string()
            } else {
                *budget = 0;
                BUDGET_MESSAGE.to_string()
            }),
            Ok(Value::Bool(true)) => Outcome::Pass,
            Ok(Value::Bool(false)) => Outcome::Fail,
            Ok(other) => {
                Outcome::Unsupported(format!("rule returned {}, not a bool", other.type_name()))
            }
            Err(error) => Outcome::Error(error),
        }
    }

    /// The most cost units the rule can spend with `self` of type `root`: the API server's
    /// static estimate ([`estimate`]).
    pub(crate) fn max_cost(&self, root: &estimate::Decl) -> u64 {
        estimate::max_cost(&self.expr, root)
    }

    /// Evaluates a `messageExpression`: the string it gives, if it gives one.
    pub fn message(&self, node: &Node) -> Option<String> {
        let mut scope = Scope::new(Value::from_yaml(node, false), PER_CALL_LIMIT);
        match eval::eval(&self.expr, &mut scope) {
            Ok(Value::Str(s)) if !s.trim().is_empty() => Some(s.to_string()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn run(rule: &str, yaml_text: &str) -> Outcome {
        let node = yaml::read(yaml_text).documents.remove(0).root;
        let mut budget = RUNTIME_BUDGET;
        compile(rule)
            .expect("compiles")
            .run(&node, false, &mut budget)
    }

    /// A `messageExpression` gives its string, read from `self`; a blank string, another type
    /// or an error gives none (the rule's fixed message is used then).
    #[test]
    fn message_expressions_give_their_string() {
        let message = |rule: &str, yaml_text: &str| {
            let node = yaml::read(yaml_text).documents.remove(0).root;
            compile(rule).expect("compiles").message(&node)
        };
        assert_eq!(
            message("'host ' + self.host + ' is taken'", "host: a.io\n"),
            Some("host a.io is taken".to_string())
        );
        assert_eq!(message("self.host", "host: '  '\n"), None);
        assert_eq!(message("size(self.host)", "host: a.io\n"), None);
        assert_eq!(message("self.missing", "host: a.io\n"), None);
    }

    /// `bool()` of a string and `dyn()`, as CEL has them (no rule of Istio's CRDs calls them).
    #[test]
    fn bool_of_a_string_and_dyn() {
        let yaml_text = "a: 1\n";
        assert_eq!(
            run("bool('true') && bool('t') && bool('1')", yaml_text),
            Outcome::Pass
        );
        assert_eq!(
            run("bool('false') || bool('FALSE') || bool('0')", yaml_text),
            Outcome::Fail
        );
        assert_eq!(
            run("bool('yes')", yaml_text),
            Outcome::Error("type conversion error from 'string' to 'bool': yes".into())
        );
        assert_eq!(run("dyn(self.a) == 1", yaml_text), Outcome::Pass);
    }

    /// A name bound neither as `self` nor by a comprehension is refused when compiled; were
    /// evaluation to meet one, it would be an error, never the value of `self`.
    #[test]
    fn an_unbound_name_is_an_error() {
        assert!(compile("other == 1").is_err());
        let node = yaml::read("a: 1\n").documents.remove(0).root;
        let expr = cel::parse("other").expect("parses");
        let mut scope = Scope::new(Value::from_yaml(&node, false), PER_CALL_LIMIT);
        assert_eq!(
            eval::eval(&expr, &mut scope).err().as_deref(),
            Some("undeclared reference to 'other'")
        );
    }

    /// Every distinct rule of Istio's CRDs, each with a value it accepts and one it refuses.
    #[test]
    fn the_istio_rules_evaluate() {
        use Outcome::{Error, Fail, Pass};
        let cases: &[(&str, &str, Outcome)] = &[
            (
                "(has(self.selector) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1",
                "{selector: {}, targetRefs: []}",
                Fail,
            ),
            (
                "(has(self.selector) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1",
                "{selector: {}}",
                Pass,
            ),
            ("has(self.wasm) != has(self.lua)", "{wasm: {}}", Pass),
            ("has(self.wasm) != has(self.lua)", "{}", Fail),
            (
                "self.all(key, !key.contains(\"*\"))",
                "{a: 1, 'b*': 2}",
                Fail,
            ),
            ("self.all(key, key.size() != 0)", "{'': 1}", Fail),
            ("self.all(key, key.size() != 0)", "{a: 1}", Pass),
            ("!self.contains(\"*\")", "'a*'", Fail),
            ("self.size() == 0", "''", Pass),
            (
                "isURL(self) ? (url(self).getScheme() in [\"\", \"http\", \"https\", \"file\", \"oci\"]) : (isURL(\"http://\" + self) &&\nurl(\"http://\" + self).getScheme() in [\"\", \"http\", \"https\", \"file\", \"oci\"])",
                "'oci://x/y'",
                Pass,
            ),
            (
                "isURL(self) ? (url(self).getScheme() in [\"\", \"http\", \"https\", \"file\", \"oci\"]) : (isURL(\"http://\" + self) &&\nurl(\"http://\" + self).getScheme() in [\"\", \"http\", \"https\", \"file\", \"oci\"])",
                "'ftp://x/y'",
                Fail,
            ),
            (
                "isURL(self) ? (url(self).getScheme() in [\"\", \"http\", \"https\", \"file\", \"oci\"]) : (isURL(\"http://\" + self) &&\nurl(\"http://\" + self).getScheme() in [\"\", \"http\", \"https\", \"file\", \"oci\"])",
                "'registry.io/img'",
                Pass,
            ),
            (
                "(has(self.valueFrom) ? self.valueFrom : \"\") != \"HOST\" || !has(self.value)",
                "{valueFrom: HOST, value: x}",
                Fail,
            ),
            ("duration(self) >= duration('1ms')", "'0s'", Fail),
            ("duration(self) >= duration('1ms')", "'1.5s'", Pass),
            (
                "duration(self) >= duration('1ms')",
                "'10'",
                Error("time: missing unit in duration \"10\"".into()),
            ),
            (
                "has(self.context) ? ((self.context == \"WAYPOINT\") ? has(self.waypoint) : !has(self.waypoint)) : !has(self.waypoint)",
                "{context: WAYPOINT}",
                Fail,
            ),
            ("0 < self && self <= 65535", "0", Fail),
            ("0 < self && self <= 65535", "8080", Pass),
            (
                "(has(self.tlsCertificates) ? 1 : 0) + (has(self.credentialNames) ? 1 : 0) <= 1",
                "{tlsCertificates: [], credentialNames: []}",
                Fail,
            ),
            (
                "!((has(self.addresses) ? self.addresses : []).exists(k, k.contains(\"/\")) && !((has(self.resolution) ? self.resolution : \"NONE\") in [\"STATIC\", \"NONE\"]))",
                "{addresses: [10.0.0.0/8], resolution: DNS}",
                Fail,
            ),
            (
                "!((has(self.addresses) ? self.addresses : []).exists(k, k.contains(\"/\")) && !((has(self.resolution) ? self.resolution : \"NONE\") in [\"STATIC\", \"NONE\"]))",
                "{addresses: [10.0.0.0/8]}",
                Pass,
            ),
            (
                "((has(self.resolution) ? self.resolution : \"NONE\") == \"NONE\") ? !has(self.endpoints) : true",
                "{endpoints: []}",
                Fail,
            ),
            (
                "((has(self.resolution) ? self.resolution : \"\") == \"DNS_ROUND_ROBIN\") ? ((has(self.endpoints) ? self.endpoints : []).size() <= 1) : true",
                "{resolution: DNS_ROUND_ROBIN, endpoints: [{}, {}]}",
                Fail,
            ),
            ("has(self.address) || has(self.network)", "{}", Fail),
            (
                "(has(self.address) ? self.address : \"\").startsWith(\"unix://\") ? !has(self.ports) : true",
                "{address: 'unix:///x', ports: {}}",
                Fail,
            ),
            (
                "self.startsWith(\"unix://\") ? (self.substring(7, 8) == \"/\" || self.substring(7, 8) == \"@\") : true",
                "'unix://x'",
                Fail,
            ),
            (
                "self.startsWith(\"unix://\") ? (self.substring(7, 8) == \"/\" || self.substring(7, 8) == \"@\") : true",
                "'unix://'",
                Error("index out of range: 8".into()),
            ),
            (
                "self.startsWith(\"unix://\") ? !self.endsWith(\"/\") : true",
                "'unix:///a/'",
                Fail,
            ),
            (
                "self.all(key, size(key) < 63 && key.matches(\"^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$\"))",
                "{'-a': x}",
                Fail,
            ),
            (
                "self.all(key, size(key) < 63 && key.matches(\"^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$\"))",
                "{a-b: x}",
                Pass,
            ),
            ("self != \"*\"", "'*'", Fail),
            (
                "self.all(l1, self.exists_one(l2, l1.number == l2.number))",
                "[{number: 80}, {number: 80}]",
                Fail,
            ),
            (
                "self.all(l1, self.exists_one(l2, l1.number == l2.number))",
                "[{number: 80}, {number: 443}]",
                Pass,
            ),
            ("self in [\"\", \"HTTP\", \"HTTPS\"]", "TCP", Fail),
            (
                "(has(self.serviceAccounts) || has(self.notServiceAccounts)) ? (!has(self.principals) &&\n!has(self.notPrincipals) && !has(self.namespaces) && !has(self.notNamespaces)) : true",
                "{serviceAccounts: [a], principals: [b]}",
                Fail,
            ),
            (
                "has(self.portLevelMtls) ? (((has(self.selector) && has(self.selector.matchLabels)) ? self.selector.matchLabels : {}).size() > 0) : true",
                "{portLevelMtls: {}}",
                Fail,
            ),
            (
                "self.all(key, 0 < int(key) && int(key) <= 65535)",
                "{'80': x}",
                Pass,
            ),
            (
                "self.all(key, 0 < int(key) && int(key) <= 65535)",
                "{http: x}",
                Error("strconv.ParseInt: parsing \"http\": invalid syntax".into()),
            ),
            (
                "url(self).getScheme() in [\"http\", \"https\"]",
                "'ftp://a/b'",
                Fail,
            ),
            (
                "url(self).getScheme() in [\"http\", \"https\"]",
                "'https://a/b'",
                Pass,
            ),
            (
                "((has(self.operation) ? self.operation : \"\") == \"UPSERT\") ? (self.value != \"\") : true",
                "{operation: UPSERT}",
                Error("no such key: value".into()),
            ),
            (
                "((has(self.operation) ? self.operation : \"\") == \"REMOVE\") ? !has(self.value) : true",
                "{operation: REMOVE, value: x}",
                Fail,
            ),
        ];
        for (rule, value, want) in cases {
            assert_eq!(&run(rule, value), want, "{rule} on {value}");
        }
    }

    #[test]
    fn errors_lose_to_a_decisive_operand() {
        assert_eq!(run("self.missing || true", "{}"), Outcome::Pass);
        assert_eq!(run("self.missing && false", "{}"), Outcome::Fail);
        assert!(matches!(
            run("self.missing && true", "{}"),
            Outcome::Error(_)
        ));
        assert_eq!(
            run("[1, 2].exists(x, x / 0 == 1 || x == 2)", "{}"),
            Outcome::Pass
        );
    }

    #[test]
    fn unknown_functions_and_transition_rules_are_refused() {
        assert!(compile("self.lowerAscii() == 'a'").is_err());
        assert!(compile("false ? url(self).getHost() == '' : true").is_err());
        assert!(compile("self == oldSelf").is_err());
        assert!(compile("other > 1").is_err());
        assert!(compile("self.all(x, x > 1)").is_ok());
    }

    /// At the parser's nesting limit, evaluation recurses as deep as the tree; it fits the
    /// 2 MiB stack of a test thread, as it fits the threads the checker runs on.
    #[test]
    fn the_deepest_rules_evaluate() {
        let lists = format!("{}self{}.size() == 1", "[".repeat(95), "]".repeat(95));
        assert_eq!(run(&lists, "1"), Outcome::Pass);
        let sums = format!("{} == 99", vec!["self"; 99].join(" + "));
        assert_eq!(run(&sums, "1"), Outcome::Pass);
        let negations = format!("{}self{} == -1", "-(".repeat(97), ")".repeat(97));
        assert_eq!(run(&negations, "1"), Outcome::Pass);
        let choices = format!("{}true", "self == 0 ? false : ".repeat(98));
        assert_eq!(run(&choices, "1"), Outcome::Pass);
    }

    #[test]
    fn numbers_compare_across_types() {
        assert_eq!(run("self == 1.0", "1"), Outcome::Pass);
        assert_eq!(run("self < 2u", "1"), Outcome::Pass);
        assert_eq!(run("self == 'a'", "1"), Outcome::Fail);
        assert!(matches!(
            run("self + 1", "9223372036854775807"),
            Outcome::Error(_)
        ));
        assert!(matches!(run("self", "1"), Outcome::Unsupported(_)));
    }

    /// A call's operands are evaluated in order and the first error is the call's, with one
    /// operand, two, or more than a call holds on the stack.
    #[test]
    fn a_call_gives_its_first_operands_error() {
        let error = |message: &str| Outcome::Error(message.to_string());
        assert_eq!(run("size(self.a) == 1", "b: x\n"), error("no such key: a"));
        assert_eq!(
            run("self.a.startsWith(self.b)", "b: x\n"),
            error("no such key: a")
        );
        assert_eq!(
            run("self.a.startsWith(self.b)", "a: x\n"),
            error("no such key: b")
        );
        assert_eq!(
            run("self.a.substring(self.b, self.c) == ''", "a: x\nb: 0\n"),
            error("no such key: c")
        );
        assert_eq!(
            run("self.a.startsWith(self.b)", "a: xy\nb: x\n"),
            Outcome::Pass
        );
    }

    /// Nested comprehensions over 1,000 items ran for more than a minute, and nested `map()`
    /// exhausted 4 GB: each stops at the per-call limit, quickly, with the API server's words.
    #[test]
    fn rules_stop_at_the_cost_limit() {
        let items = format!("[{}]", vec!["1"; 1000].join(", "));
        let node = yaml::read(&items).documents.remove(0).root;
        for rule in [
            "self.all(a, self.all(b, self.all(c, a == b)))",
            "self.map(a, self.map(b, self.map(c, [a, b, c]))).size() > 0",
            "self.exists(a, self.exists(b, a != b))",
        ] {
            let mut budget = RUNTIME_BUDGET;
            let outcome = compile(rule).unwrap().run(&node, false, &mut budget);
            assert_eq!(outcome, Outcome::Error(CALL_LIMIT_MESSAGE.into()), "{rule}");
            assert_eq!(budget, RUNTIME_BUDGET - PER_CALL_LIMIT, "{rule}");
        }
        // A rule linear in the list costs a few units per item.
        let mut budget = RUNTIME_BUDGET;
        let linear = compile("self.all(a, a == 1)").unwrap();
        assert_eq!(linear.run(&node, false, &mut budget), Outcome::Pass);
        let spent = RUNTIME_BUDGET - budget;
        assert!((3_000..10_000).contains(&spent), "{spent}");
    }

    /// Ten rules at the per-call limit spend the object's budget; the one that finds it empty
    /// says so, and leaves nothing for the rules after it.
    #[test]
    fn the_object_budget_runs_out() {
        let items = format!("[{}]", vec!["1"; 1000].join(", "));
        let node = yaml::read(&items).documents.remove(0).root;
        let heavy = compile("self.all(a, self.all(b, a == b))").unwrap();
        let mut budget = RUNTIME_BUDGET;
        for _ in 0..10 {
            assert_eq!(
                heavy.run(&node, false, &mut budget),
                Outcome::Error(CALL_LIMIT_MESSAGE.into())
            );
        }
        assert_eq!(budget, 0);
        let light = compile("self.size() > 0").unwrap();
        assert_eq!(
            light.run(&node, false, &mut budget),
            Outcome::Error(BUDGET_MESSAGE.into())
        );
        let mut budget = 10;
        assert_eq!(
            heavy.run(&node, false, &mut budget),
            Outcome::Error(BUDGET_MESSAGE.into())
        );
        assert_eq!(budget, 0);
    }

    /// Costs are counted exactly: one unit per expression, one per list or map item and per
    /// ten bytes of string an operation goes through; a rule that spends exactly its budget
    /// passes, one unit less stops it.
    #[test]
    fn costs_are_counted_as_documented() {
        let cases = [
            // The call, `self`, the literal, and 100 bytes of string: 1 + 1 + 1 + 10.
            (
                "self.contains('a')",
                format!("'{}'", "b".repeat(100)),
                Outcome::Fail,
                13,
            ),
            // The call, `self` and seven items.
            (
                "self.size() == 7",
                "[1, 2, 3, 4, 5, 6, 7]".to_string(),
                Outcome::Pass,
                1 + 9 + 1,
            ),
            // The comparison, the call, `self`, five entries and the literal.
            (
                "self.size() == 5",
                "{a: 1, b: 2, c: 3, d: 4, e: 5}".to_string(),
                Outcome::Pass,
                9,
            ),
            // Three operands, beyond those a call holds on the stack: the call, `self`, two
            // literals and 20 bytes of string, then the comparison and its literal.
            (
                "self.substring(1, 3) == 'bc'",
                format!("'{}'", "abcd".repeat(5)),
                Outcome::Pass,
                1 + 1 + 1 + 1 + 1 + 2 + 1,
            ),
            // The comparison, and each call with its operand.
            (
                "duration(self) >= duration('1ms')",
                "'2ms'".to_string(),
                Outcome::Pass,
                5,
            ),
        ];
        for (rule, value, outcome, cost) in cases {
            let node = yaml::read(&value).documents.remove(0).root;
            let program = compile(rule).unwrap();
            let mut budget = cost;
            assert_eq!(program.run(&node, false, &mut budget), outcome, "{rule}");
            assert_eq!(budget, 0, "{rule}");
            let mut budget = cost - 1;
            assert_eq!(
                program.run(&node, false, &mut budget),
                Outcome::Error(BUDGET_MESSAGE.into()),
                "{rule}"
            );
        }
    }
}
