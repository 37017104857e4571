//! Telemetry rules: one selector-less Telemetry per namespace (IST0160), and every provider a
//! Telemetry names is declared in the mesh config and can do what it is used for (Istio skips
//! an unknown provider silently, and configures no tracing for a provider that cannot trace).

use std::collections::HashMap;

use super::{Bundle, Found};
use crate::diagnostic::Code;
use crate::diagnostic::Path;
use crate::istio::World;
use crate::yaml::Node;

/// Provider kinds (the `extensionProviders` entry's key) that can trace.
const TRACING: &[&str] = &[
    "zipkin",
    "opentelemetry",
    "datadog",
    "skywalking",
    "stackdriver",
    "lightstep",
    "opencensus",
];

/// Provider kinds that can export metrics.
const METRICS: &[&str] = &["prometheus", "stackdriver"];

/// Provider kinds that can write access logs.
const ACCESS_LOGS: &[&str] = &[
    "envoyFileAccessLog",
    "envoyHttpAls",
    "envoyTcpAls",
    "envoyOtelAls",
    "stackdriver",
];

/// Istio's built-in providers, when the mesh config does not replace them.
const BUILT_IN: &[(&str, &str)] = &[
    ("prometheus", "prometheus"),
    ("stackdriver", "stackdriver"),
    ("envoy", "envoyFileAccessLog"),
];

/// Runs the telemetry rules.
pub(crate) fn check(bundle: &Bundle<'_>, out: &mut Found) {
    defaults(bundle, out);
    providers(bundle, out);
}

fn defaults(bundle: &Bundle<'_>, out: &mut Found) {
    let mut first: HashMap<&str, &str> = HashMap::new();
    for document in &bundle.telemetries {
        let spec = document.spec();
        let targeted = ["selector", "targetRef", "targetRefs"]
            .iter()
            .any(|k| spec.is_some_and(|s| s.get(k).is_some()));
        if targeted {
            continue;
        }
        let namespace = document.namespace().unwrap_or_default();
        let name = document.name().unwrap_or_default();
        match first.get(namespace) {
            Some(earlier) => out.add(
                document,
                Code::MultipleDefaultTelemetry,
                Path::of(&["spec"]),
                format!(
                    "Telemetry {earlier} is already the selector-less Telemetry of {namespace}; \
                     with two, Istio picks one arbitrarily: merge them"
                ),
            ),
            None => {
                first.insert(namespace, name);
            }
        }
    }
}

fn providers(bundle: &Bundle<'_>, out: &mut Found) {
    // Without a mesh config among the files, the declared providers are unknown in an open
    // world; in a closed one, the mesh config is Istio's default, with the built-in providers.
    let mut declared: HashMap<&str, &str> = HashMap::new();
    let mut configs = 0;
    for operator in &bundle.operators {
        let spec = operator.spec();
        for config in [
            spec.and_then(|s| s.get("meshConfig")),
            spec.and_then(|s| s.at(&["values", "meshConfig"])),
        ]
        .into_iter()
        .flatten()
        {
            configs += 1;
            for provider in config
                .get("extensionProviders")
                .map(Node::items)
                .unwrap_or_default()
            {
                let Some(name) = provider.get("name").and_then(Node::as_str) else {
                    continue;
                };
                if let Some((kind, _)) = provider.entries().iter().find(|(k, _)| k != "name") {
                    declared.insert(name, kind);
                }
            }
        }
    }
    if configs == 0 && out.world == World::Open {
        return;
    }
    for (name, kind) in BUILT_IN {
        declared.entry(name).or_insert(kind);
    }
    for document in &bundle.telemetries {
        let Some(spec) = document.spec() else {
            continue;
        };
        for (section, kinds, what) in [
            ("tracing", TRACING, "tracing"),
            ("metrics", METRICS, "metrics"),
            ("accessLogging", ACCESS_LOGS, "access logging"),
        ] {
            for (i, entry) in spec
                .get(section)
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                for (j, provider) in entry
                    .get("providers")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    let Some(name) = provider.get("name").and_then(Node::as_str) else {
                        continue;
                    };
                    let path = Path::of(&["spec", section])
                        .index(i)
                        .key("providers")
                        .index(j)
                        .key("name");
                    match declared.get(name) {
                        None => {
                            let mut known: Vec<&str> = declared.keys().copied().collect();
                            known.sort_unstable();
                            out.missing(
                                document,
                                Code::UnknownTelemetryProvider,
                                path,
                                format!(
                                    "provider {name} is not declared in the mesh config \
                                     (extensionProviders), so Istio skips it silently; declared: {}",
                                    known.join(", ")
                                ),
                            );
                        }
                        Some(kind) if !kinds.contains(kind) => out.add(
                            document,
                            Code::ProviderKindMismatch,
                            path,
                            format!(
                                "provider {name} is an {kind} provider, which cannot do {what}"
                            ),
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
    }
}
