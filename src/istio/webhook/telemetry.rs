//! Telemetry rules (`ValidateTelemetry`, `validateTelemetryMetrics`, `validateTelemetryTracing`,
//! `validateTelemetryAccessLogging` and `validateTelemetryFilter`).

use super::decode::{Msg, Report};
use super::scope::{check_policy_target, check_workload_selector};
use crate::cel;

/// The metrics an override can match.
pub(super) const METRICS: &[&str] = &[
    "ALL_METRICS",
    "REQUEST_COUNT",
    "REQUEST_DURATION",
    "REQUEST_SIZE",
    "RESPONSE_SIZE",
    "TCP_OPENED_CONNECTIONS",
    "TCP_CLOSED_CONNECTIONS",
    "TCP_SENT_BYTES",
    "TCP_RECEIVED_BYTES",
    "GRPC_REQUEST_MESSAGES",
    "GRPC_RESPONSE_MESSAGES",
];

/// The rules of a Telemetry.
pub(super) fn check(r: Report<'_>, spec: &Msg<'_>) {
    check_policy_target(r, spec);
    check_workload_selector(r, spec.msg("selector").as_ref());
    for metrics in spec.msgs("metrics") {
        check_providers(r, &metrics);
        for tag_override in metrics.msgs("overrides") {
            check_override(r, &tag_override);
        }
    }
    if spec.items("tracing").len() > 1 {
        r.warning(
            &spec.at("tracing"),
            "multiple tracing is not currently supported",
        );
    }
    for tracing in spec.msgs("tracing") {
        check_tracing(r, &tracing);
    }
    for logging in spec.msgs("accessLogging") {
        if let Some(filter) = logging.msg("filter") {
            let expression = filter.str("expression");
            // cel-go's `Parse`, as `validateTelemetryFilter` calls it: syntax and macros only,
            // no attribute or type is looked up.
            if let Err(error) = cel::parse(expression) {
                r.error(
                    &filter.at("expression"),
                    format!("must be a valid CEL expression, syntax error at {error}"),
                );
            }
        }
        check_providers(r, &logging);
    }
}

/// `validateTelemetryProviders`: the first provider without a name.
fn check_providers(r: Report<'_>, msg: &Msg<'_>) {
    let named = msg.indexed("providers");
    for k in 0..msg.items("providers").len() {
        let unnamed = named
            .iter()
            .find(|(i, _)| *i == k)
            .is_none_or(|(_, provider)| provider.str("name").is_empty());
        if unnamed {
            r.error(
                &msg.at("providers").index(k).key("name"),
                "providers.name may not be empty",
            );
            return;
        }
    }
}

fn check_override(r: Report<'_>, tag_override: &Msg<'_>) {
    for (name, _) in tag_override.entries("tagOverrides") {
        if name.is_empty() {
            r.warning(
                &tag_override.at("tagOverrides").key(name),
                "tagOverrides.name may not be empty",
            );
        }
    }
    for (_, tag) in tag_override.msg_entries("tagOverrides") {
        let operation = match tag.enumeration("operation", &["UPSERT", "REMOVE"]) {
            "" => "UPSERT",
            operation => operation,
        };
        let value = tag.str("value");
        if operation == "UPSERT" && value.is_empty() {
            let message = if tag.has("operation") {
                "tagOverrides.value must be set when operation is UPSERT"
            } else {
                "tagOverrides.value must be set when operation is UPSERT (the default operation)"
            };
            r.error(tag.path(), message);
        }
        if operation == "REMOVE" && !value.is_empty() {
            r.error(
                tag.path(),
                "tagOverrides.value may only be set when operation is UPSERT",
            );
        }
    }
    if let Some(matched) = tag_override.msg("match") {
        if matched.has("customMetric") && matched.str("customMetric").is_empty() {
            r.error(&matched.at("customMetric"), "customMetric may not be empty");
        }
    }
}

fn check_tracing(r: Report<'_>, tracing: &Msg<'_>) {
    if tracing.items("providers").len() > 1 {
        r.warning(
            &tracing.at("providers"),
            "multiple providers is not currently supported",
        );
    }
    check_providers(r, tracing);
    if tracing.has("randomSamplingPercentage") {
        let percentage = tracing.float("randomSamplingPercentage");
        if !(0.0..=100.0).contains(&percentage) {
            r.error(
                &tracing.at("randomSamplingPercentage"),
                "randomSamplingPercentage must be in range [0.0, 100.0]",
            );
        }
    }
    for (name, _) in tracing.entries("customTags") {
        if name.is_empty() {
            r.error(
                &tracing.at("customTags").key(name),
                "tag name may not be empty",
            );
        }
    }
    for (_, tag) in tracing.msg_entries("customTags") {
        for (kind, field, what) in [
            ("literal", "value", "literal tag value"),
            ("header", "name", "header tag name"),
            ("environment", "name", "environment tag name"),
        ] {
            if let Some(part) = tag.msg(kind) {
                if part.str(field).is_empty() {
                    r.error(&part.at(field), format!("{what} may not be empty"));
                    break;
                }
            }
        }
    }
}
