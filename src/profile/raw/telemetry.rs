//! `[telemetry]`: tracing, metrics and access logging, as written.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Named;
use crate::profile::spanned::Sp;

/// `[telemetry]`
#[derive(Debug, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawTelemetry {
    /// Extension providers, by name.
    #[serde(default)]
    pub providers: Named<RawProvider>,
    /// Distributed tracing.
    pub tracing: Option<Sp<RawTracing>>,
    /// Metric dimensions and request classes.
    #[serde(default)]
    pub metrics: RawMetrics,
    /// Access logging.
    pub access_log: Option<Sp<RawAccessLog>>,
    /// Envoy statistics beyond Istio's minimal set that every proxy keeps for Prometheus
    /// (`meshConfig.defaultConfig.proxyStatsMatcher`).
    #[serde(default)]
    pub proxy_stats: Vec<Sp<ProxyStats>>,
}

/// Groups of Envoy statistics a proxy can keep.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum ProxyStats {
    /// Circuit-breaker state and overflows (`circuit_breakers`, `upstream_rq_pending`).
    CircuitBreakers,
    /// Outlier detection: ejections and their causes (`outlier_detection`).
    OutlierDetection,
    /// Retries (`upstream_rq_retry`).
    Retries,
    /// Request timeouts (`upstream_rq_timeout`).
    Timeouts,
    /// Upstream connections (`upstream_cx_`).
    Connections,
}

/// `[telemetry.providers.<name>]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawProvider {
    /// What the provider is.
    pub kind: Sp<ProviderKind>,
    /// Collector host (FQDN) for network providers.
    pub service: Option<Sp<String>>,
    /// Collector port for network providers.
    pub port: Option<Sp<i64>>,
    /// File path for `file-access-log`. Default: `/dev/stdout`.
    pub path: Option<Sp<String>>,
    /// Access-log layout for `file-access-log` and `otel-access-log` providers with `fields`:
    /// `json` (one object per request; the default) or `text` (`name="value"` pairs on one
    /// line, in name order).
    pub format: Option<Sp<LogLayout>>,
    /// Access-log fields, by name: each one Envoy command operator, such as
    /// `"%RESPONSE_CODE%"`, `"%DURATION%"`, `"%UPSTREAM_HOST%"` or `"%REQ(X-REQUEST-ID)%"`.
    /// Default: Istio's own format.
    #[serde(default)]
    pub fields: Named<Sp<String>>,
    /// For `file-access-log`: a value the proxy cannot fill is left empty (`text`) or its field
    /// is left out (`json`), instead of written as `-` (MeshConfig
    /// `EnvoyFileAccessLogProvider.omitEmptyValues`). Default: false.
    pub omit_empty_values: Option<Sp<bool>>,
}

/// Access-log layouts.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LogLayout {
    /// `name="value"` pairs on one line (`logFormat.text`).
    Text,
    /// One JSON object per request (`logFormat.labels`).
    Json,
}

/// Provider kinds.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// Traces over OTLP/gRPC (Jaeger, Tempo, an OpenTelemetry collector).
    Opentelemetry,
    /// Traces in Zipkin format.
    Zipkin,
    /// Access logs over OTLP/gRPC.
    OtelAccessLog,
    /// Access logs to a file.
    FileAccessLog,
}

/// `[telemetry.tracing]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawTracing {
    /// Tracing provider (an `opentelemetry` or `zipkin` provider).
    pub provider: Sp<String>,
    /// Percent of requests traced. Default: 1.
    pub sampling: Option<Sp<f64>>,
    /// Span tags taken from request headers, by tag name.
    #[serde(default)]
    pub tags: Named<RawHeaderTag>,
}

/// A tag read from a request header.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawHeaderTag {
    /// The header.
    pub header: Sp<String>,
    /// Value when the header is absent. Default: `unknown`.
    pub default: Option<Sp<String>>,
}

/// `[telemetry.metrics]`
#[derive(Debug, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawMetrics {
    /// Metric dimensions, by label name: each from a request header, a response header, a
    /// request or response attribute, or the request's duration.
    #[serde(default)]
    pub tags: Named<RawMetricTag>,
    /// A dimension that classifies requests by path.
    pub classify: Option<Sp<RawClassify>>,
}

/// `[telemetry.metrics.tags.<name>]`: exactly one of `header`, `response-header`,
/// `attribute` and `slower-than`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawMetricTag {
    /// The value of this request header.
    pub header: Option<Sp<String>>,
    /// Value when the header (request or response) is absent. Default: `unknown`.
    pub default: Option<Sp<String>>,
    /// The value of this response header.
    pub response_header: Option<Sp<String>>,
    /// A request or response attribute.
    pub attribute: Option<Sp<TagAttribute>>,
    /// `slow` when the request took longer than this duration, else `fast` (a latency SLI).
    pub slower_than: Option<Sp<String>>,
    /// The metrics that get the tag. Default: `request-count` and `request-duration`.
    pub metrics: Option<Sp<Vec<Sp<MetricName>>>>,
}

/// Request and response attributes a metric tag can take.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum TagAttribute {
    /// The HTTP method.
    RequestMethod,
    /// The request's protocol (`HTTP/1.1`, `HTTP/2`).
    RequestProtocol,
    /// The status class, `2xx` to `5xx`, or `none` without a response (an availability SLI).
    StatusClass,
}

/// Istio's standard HTTP metrics.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum MetricName {
    /// `istio_requests_total`.
    RequestCount,
    /// `istio_request_duration_milliseconds`.
    RequestDuration,
    /// `istio_request_bytes`.
    RequestSize,
    /// `istio_response_bytes`.
    ResponseSize,
}

/// `[telemetry.metrics.classify]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawClassify {
    /// Label name. Default: `request_class`.
    pub tag: Option<Sp<String>>,
    /// Class of requests no prefix matches. Default: `other`.
    pub default: Option<Sp<String>>,
    /// Classes, tried in order.
    pub classes: Sp<Vec<RawClass>>,
}

/// One request class.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawClass {
    /// Class name (the label value).
    pub name: Sp<String>,
    /// Path prefix of its requests.
    pub prefix: Sp<String>,
}

/// `[telemetry.access-log]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawAccessLog {
    /// Access-log provider. Default: Istio's built-in `envoy` (stdout).
    pub provider: Option<Sp<String>>,
    /// Log failed requests (status 400 and above, or no response). Default: true.
    pub errors: Option<Sp<bool>>,
    /// Log requests slower than this.
    pub slower_than: Option<Sp<String>>,
    /// Log every request that carries this header.
    pub debug_header: Option<Sp<String>>,
}
