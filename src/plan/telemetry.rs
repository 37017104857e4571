//! Telemetry: one selector-less Telemetry for the namespace (tracing, metric tags, access log)
//! and one per service whose sampling differs (istio-rules.md §4.8).

use serde::Serialize;

use super::ids::TelemetryId;
use super::{Context, Label, Meta, Resource, ResourceList, cel, istio_words, labels};
use crate::model::{Metric, Name, Percent, Service, TagValue};

/// A Telemetry resource.
#[derive(Debug, Clone, Serialize)]
pub struct Telemetry {
    /// Id, name, namespace, comment.
    pub meta: Meta<TelemetryId>,
    /// `selector.matchLabels` (empty: the namespace).
    pub selector: Vec<Label>,
    /// `tracing[0]`.
    pub tracing: Option<TracingPolicy>,
    /// `metrics[0].overrides`.
    pub metrics: Vec<MetricOverride>,
    /// `accessLogging[0]`.
    pub access_log: Option<AccessLogPolicy>,
}

impl Resource for Telemetry {
    type Id = TelemetryId;

    fn id(&self) -> &TelemetryId {
        &self.meta.id
    }
}

/// `tracing[0]`.
#[derive(Debug, Clone, Serialize)]
pub struct TracingPolicy {
    /// `providers[0].name`.
    pub provider: Name,
    /// `randomSamplingPercentage`.
    pub sampling: f64,
    /// `customTags`.
    pub tags: Vec<TraceTag>,
}

/// A custom tag from a header.
#[derive(Debug, Clone, Serialize)]
pub struct TraceTag {
    /// Tag name.
    pub name: String,
    /// `header.name`.
    pub header: String,
    /// `header.defaultValue`.
    pub default: String,
}

/// One metrics override.
#[derive(Debug, Clone, Serialize)]
pub struct MetricOverride {
    /// `match.metric`.
    pub metric: IstioMetric,
    /// `tagOverrides`, all `UPSERT` with a CEL value.
    pub tags: Vec<TagOverride>,
}

/// A tag override.
#[derive(Debug, Clone, Serialize)]
pub struct TagOverride {
    /// Tag name.
    pub name: String,
    /// CEL expression.
    pub value: String,
}

/// `accessLogging[0]`.
#[derive(Debug, Clone, Serialize)]
pub struct AccessLogPolicy {
    /// `providers[0].name`.
    pub provider: String,
    /// `filter.expression` (CEL).
    pub filter: String,
}

istio_words! {
    /// `metrics.overrides.match.metric`: the standard metrics meshc adds dimensions to.
    pub enum IstioMetric {
        /// `istio_requests_total`.
        RequestCount = "REQUEST_COUNT",
        /// `istio_request_duration_milliseconds`.
        RequestDuration = "REQUEST_DURATION",
        /// `istio_request_bytes`.
        RequestSize = "REQUEST_SIZE",
        /// `istio_response_bytes`.
        ResponseSize = "RESPONSE_SIZE",
    }
}

/// The metrics whose series get request classes: requests and their latency. TCP metrics have
/// no request path, and size metrics would multiply series for little insight; a metric tag
/// says which metrics it goes to, these by default.
const CLASSIFIED_METRICS: [IstioMetric; 2] =
    [IstioMetric::RequestCount, IstioMetric::RequestDuration];

/// Every metric a tag can go to, in the order their overrides are written.
const METRICS: [(Metric, IstioMetric); 4] = [
    (Metric::RequestCount, IstioMetric::RequestCount),
    (Metric::RequestDuration, IstioMetric::RequestDuration),
    (Metric::RequestSize, IstioMetric::RequestSize),
    (Metric::ResponseSize, IstioMetric::ResponseSize),
];

/// The CEL expression of a tag's value, built from its typed source.
fn tag_value(value: &TagValue) -> String {
    match value {
        TagValue::RequestHeader(header, default) => cel::header_or(header, default),
        TagValue::ResponseHeader(header, default) => cel::response_header_or(header, default),
        TagValue::RequestMethod => "request.method".to_string(),
        TagValue::RequestProtocol => "request.protocol".to_string(),
        TagValue::StatusClass => cel::status_class(),
        TagValue::SlowerThan(limit) => cel::slower_than(&limit.to_string()),
    }
}

pub(super) fn build(context: &Context<'_>) -> ResourceList<Telemetry> {
    let telemetry = &context.profile.telemetry;
    let tracing = telemetry.tracing.as_ref().map(|tracing| TracingPolicy {
        provider: tracing.provider.clone(),
        sampling: tracing.sampling.get(),
        tags: tracing
            .tags
            .iter()
            .map(|tag| TraceTag {
                name: tag.name.to_string(),
                header: tag.header.to_string(),
                default: tag.default.clone(),
            })
            .collect(),
    });
    let mut class = None;
    if let Some(classify) = &telemetry.classify {
        let value = classify.classes.iter().rev().fold(
            cel::string(&classify.default),
            |otherwise, (class, prefix)| {
                format!(
                    "{} ? {} : {otherwise}",
                    cel::path_under(prefix),
                    cel::string(class)
                )
            },
        );
        class = Some(TagOverride {
            name: classify.tag.to_string(),
            value,
        });
    }
    let metrics: Vec<MetricOverride> = METRICS
        .iter()
        .filter_map(|&(metric, istio)| {
            let tags: Vec<TagOverride> = telemetry
                .metric_tags
                .iter()
                .filter(|tag| tag.metrics.contains(&metric))
                .map(|tag| TagOverride {
                    name: tag.name.to_string(),
                    value: tag_value(&tag.value),
                })
                .chain(
                    class
                        .clone()
                        .filter(|_| CLASSIFIED_METRICS.contains(&istio)),
                )
                .collect();
            (!tags.is_empty()).then_some(MetricOverride {
                metric: istio,
                tags,
            })
        })
        .collect();
    let access_log = telemetry.access_log.as_ref().map(|log| {
        let mut conditions = Vec::new();
        if log.errors {
            // `response.code` is absent when the upstream never answered (a reset, a timeout).
            conditions.push("!has(response.code) || response.code >= 400".to_string());
        }
        if let Some(slow) = log.slower_than {
            conditions.push(format!(
                "request.duration > duration({})",
                cel::string(&slow.to_string())
            ));
        }
        if let Some(header) = &log.debug_header {
            conditions.push(format!(
                "{} in request.headers",
                cel::string(header.as_str())
            ));
        }
        AccessLogPolicy {
            provider: log
                .provider
                .as_ref()
                .map_or_else(|| "envoy".to_string(), ToString::to_string),
            filter: conditions.join(" || "),
        }
    });
    let mut resources = Vec::new();
    if tracing.is_some() || !metrics.is_empty() || access_log.is_some() {
        // A Telemetry without a selector covers its own namespace only: one in each.
        for namespace in context.namespaces() {
            let id = if context.is_mesh_namespace(namespace) {
                TelemetryId::Namespace
            } else {
                TelemetryId::NamespaceIn {
                    namespace: namespace.clone(),
                }
            };
            resources.push(Telemetry {
                meta: Meta::new(
                    id,
                    namespace,
                    "Namespace telemetry: the one Telemetry without a selector here.",
                ),
                selector: Vec::new(),
                tracing: tracing.clone(),
                metrics: metrics.clone(),
                access_log: access_log.clone(),
            });
        }
    }
    if let Some(tracing) = &tracing {
        resources.extend(
            context
                .profile
                .services
                .iter()
                .filter_map(|service| Some((service, service.sampling?)))
                .map(|(service, sampling)| sampling_override(service, sampling, tracing)),
        );
    }
    resources.into()
}

/// A service's own sampling; the tags repeat, since a workload's tracing replaces the namespace's.
fn sampling_override(service: &Service, sampling: Percent, tracing: &TracingPolicy) -> Telemetry {
    Telemetry {
        meta: Meta::new(
            TelemetryId::Sampling {
                service: service.name.clone(),
            },
            &service.namespace,
            format!(
                "Traces {} % of the requests to {}.",
                sampling.get(),
                service.name
            ),
        ),
        selector: labels(&service.labels),
        tracing: Some(TracingPolicy {
            sampling: sampling.get(),
            ..tracing.clone()
        }),
        metrics: Vec::new(),
        access_log: None,
    }
}
