//! `[telemetry.metrics.tags]` and `[telemetry] proxy-stats`: the dimensions Istio's metrics get,
//! and the Envoy statistics proxies keep. A tag's value is one typed source (a header name, an
//! attribute, a duration) and a literal default; planning builds the CEL from them.

use std::collections::BTreeSet;

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Metric, MetricTag, ProxyStats, TagName, TagValue};
use crate::profile::Sp;
use crate::profile::raw::{self, Named, RawMetricTag};

impl Checker {
    pub(super) fn metric_tags(&mut self, raw: &Named<RawMetricTag>) -> Option<Vec<MetricTag>> {
        self.each(raw, |c, (name, tag)| {
            let checked = c.parsed(name, Code::InvalidName, TagName::parse);
            let value = c.tag_value(name, tag);
            let metrics = match &tag.metrics {
                Some(metrics) if c.non_empty(metrics, "`metrics`") => {
                    let words: Vec<(&str, std::ops::Range<usize>)> = metrics
                        .value
                        .iter()
                        .map(|m| (metric_word(m.value), m.span()))
                        .collect();
                    c.unique(words.iter().map(|(w, s)| (w, s.clone())), "metric");
                    let set: BTreeSet<Metric> =
                        metrics.value.iter().map(|m| metric(m.value)).collect();
                    Some(set.into_iter().collect())
                }
                Some(_) => None,
                None => Some(vec![Metric::RequestCount, Metric::RequestDuration]),
            };
            Some(MetricTag {
                name: checked?,
                value: value?,
                metrics: metrics?,
            })
        })
    }

    /// The one source of a tag's value, and its default where a header may be absent.
    fn tag_value(&mut self, name: &Sp<String>, tag: &RawMetricTag) -> Option<TagValue> {
        let sources: Vec<(&str, std::ops::Range<usize>)> = [
            tag.header.as_ref().map(|h| ("header", h.span())),
            tag.response_header
                .as_ref()
                .map(|h| ("response-header", h.span())),
            tag.attribute.as_ref().map(|a| ("attribute", a.span())),
            tag.slower_than.as_ref().map(|d| ("slower-than", d.span())),
        ]
        .into_iter()
        .flatten()
        .collect();
        match sources.as_slice() {
            [] => {
                self.report(
                    Diagnostic::new(
                        Code::MissingKey,
                        name.span(),
                        format!("metric tag `{}` has no value", name.as_str()),
                    )
                    .help("set one of `header`, `response-header`, `attribute` or `slower-than`"),
                );
                return None;
            }
            [_] => {}
            [(first, first_span), (second, span), ..] => {
                self.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        span.clone(),
                        format!(
                            "a metric tag takes its value from one source: `{first}` or `{second}`"
                        ),
                    )
                    .secondary(first_span.clone(), "first source here"),
                );
                return None;
            }
        }
        let default = |c: &mut Self| match &tag.default {
            Some(default) => c.literal(default),
            None => Some("unknown".to_string()),
        };
        if let (Some(default), None, None) = (&tag.default, &tag.header, &tag.response_header) {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    default.span(),
                    "`default` is the value of an absent header; this tag reads no header",
                )
                .help("remove `default`"),
            );
            return None;
        }
        if let Some(header) = &tag.header {
            let header = self.header_name(header);
            let default = default(self);
            return Some(TagValue::RequestHeader(header?, default?));
        }
        if let Some(header) = &tag.response_header {
            let header = self.header_name(header);
            let default = default(self);
            return Some(TagValue::ResponseHeader(header?, default?));
        }
        if let Some(attribute) = &tag.attribute {
            return Some(match attribute.value {
                raw::TagAttribute::RequestMethod => TagValue::RequestMethod,
                raw::TagAttribute::RequestProtocol => TagValue::RequestProtocol,
                raw::TagAttribute::StatusClass => TagValue::StatusClass,
            });
        }
        let slower = tag.slower_than.as_ref()?;
        self.duration(slower).map(TagValue::SlowerThan)
    }

    /// `proxy-stats`, each group once.
    pub(super) fn proxy_stats(&mut self, raw: &[Sp<raw::ProxyStats>]) -> Vec<ProxyStats> {
        let words: Vec<(&str, std::ops::Range<usize>)> = raw
            .iter()
            .map(|group| (stats_word(group.value), group.span()))
            .collect();
        self.unique(
            words.iter().map(|(w, s)| (w, s.clone())),
            "statistics group",
        );
        let groups: BTreeSet<ProxyStats> = raw
            .iter()
            .map(|group| match group.value {
                raw::ProxyStats::CircuitBreakers => ProxyStats::CircuitBreakers,
                raw::ProxyStats::OutlierDetection => ProxyStats::OutlierDetection,
                raw::ProxyStats::Retries => ProxyStats::Retries,
                raw::ProxyStats::Timeouts => ProxyStats::Timeouts,
                raw::ProxyStats::Connections => ProxyStats::Connections,
            })
            .collect();
        groups.into_iter().collect()
    }
}

fn metric(name: raw::MetricName) -> Metric {
    match name {
        raw::MetricName::RequestCount => Metric::RequestCount,
        raw::MetricName::RequestDuration => Metric::RequestDuration,
        raw::MetricName::RequestSize => Metric::RequestSize,
        raw::MetricName::ResponseSize => Metric::ResponseSize,
    }
}

/// A metric as the profile writes it.
fn metric_word(name: raw::MetricName) -> &'static str {
    match name {
        raw::MetricName::RequestCount => "request-count",
        raw::MetricName::RequestDuration => "request-duration",
        raw::MetricName::RequestSize => "request-size",
        raw::MetricName::ResponseSize => "response-size",
    }
}

/// A statistics group as the profile writes it.
fn stats_word(group: raw::ProxyStats) -> &'static str {
    match group {
        raw::ProxyStats::CircuitBreakers => "circuit-breakers",
        raw::ProxyStats::OutlierDetection => "outlier-detection",
        raw::ProxyStats::Retries => "retries",
        raw::ProxyStats::Timeouts => "timeouts",
        raw::ProxyStats::Connections => "connections",
    }
}
