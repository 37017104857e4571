//! `[telemetry]`: providers, tracing, metric tags, request classes, access logging.

use super::Checker;
use super::edge::is_file_path;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    AccessLog, Classify, HeaderTag, Percent, Provider, ProviderKind, TagName, Telemetry, Tracing,
};
use crate::profile::Sp;
use crate::profile::raw::{self, Named, RawHeaderTag, RawProvider, RawTelemetry};

/// The metric tag of request classes when the profile names none.
const DEFAULT_CLASS_TAG: &str = "request_class";

impl Checker {
    /// `[telemetry]`.
    pub(super) fn telemetry(&mut self, raw: &RawTelemetry) -> Option<Telemetry> {
        let providers = self.each(&raw.providers, |c, (name, provider)| {
            c.provider(name, provider)
        });
        let tracing = match &raw.tracing {
            Some(tracing) => self.tracing(tracing, &raw.providers).map(Some),
            None => Some(None),
        };
        let metric_tags = self.metric_tags(&raw.metrics.tags);
        let proxy_stats = self.proxy_stats(&raw.proxy_stats);
        let classify = match &raw.metrics.classify {
            Some(classify) => {
                let checked = self.classify(classify);
                self.classify_tag_is_free(classify, &raw.metrics.tags)
                    .then_some(checked)
                    .flatten()
                    .map(Some)
            }
            None => Some(None),
        };
        let access_log = match &raw.access_log {
            Some(log) => self.access_log(log, &raw.providers).map(Some),
            None => Some(None),
        };
        Some(Telemetry {
            providers: providers?,
            tracing: tracing?,
            metric_tags: metric_tags?,
            classify: classify?,
            access_log: access_log?,
            proxy_stats,
        })
    }

    fn provider(&mut self, name: &Sp<String>, raw: &RawProvider) -> Option<Provider> {
        let checked = self.name(name);
        if matches!(name.as_str(), "envoy" | "prometheus" | "stackdriver") {
            self.report(
                Diagnostic::new(
                    Code::DuplicateName,
                    name.span(),
                    format!("`{}` is a built-in Istio provider", name.as_str()),
                )
                .help("a provider of this name would replace Istio's own; choose another name"),
            );
            return None;
        }
        let network = |c: &mut Self| {
            let service = match &raw.service {
                Some(service) => c.host(service),
                None => {
                    c.report(
                        Diagnostic::new(
                            Code::MissingKey,
                            raw.kind.span(),
                            "this provider needs `service` (the collector's host)",
                        )
                        .help("such as `service = \"otel-collector.observability.svc.cluster.local\"`"),
                    );
                    None
                }
            };
            let port = match &raw.port {
                Some(port) => c.port(port),
                None => {
                    c.report(Diagnostic::new(
                        Code::MissingKey,
                        raw.kind.span(),
                        "this provider needs `port` (the collector's port)",
                    ));
                    None
                }
            };
            if let Some(path) = &raw.path {
                c.report(Diagnostic::new(
                    Code::ConflictingKeys,
                    path.span(),
                    "`path` only applies to `file-access-log` providers",
                ));
                return None;
            }
            Some((service?, port?))
        };
        if matches!(
            raw.kind.value,
            raw::ProviderKind::Opentelemetry | raw::ProviderKind::Zipkin
        ) && !self.no_log_format(raw)
        {
            return None;
        }
        if !self.omit_empty_values_fits(raw) {
            return None;
        }
        let kind = match raw.kind.value {
            raw::ProviderKind::Opentelemetry => {
                network(self).map(|(service, port)| ProviderKind::Opentelemetry { service, port })
            }
            raw::ProviderKind::Zipkin => {
                network(self).map(|(service, port)| ProviderKind::Zipkin { service, port })
            }
            raw::ProviderKind::OtelAccessLog => {
                let checked = network(self);
                let format = self.log_format(raw);
                checked
                    .zip(format)
                    .map(|((service, port), format)| ProviderKind::OtelAccessLog {
                        service,
                        port,
                        format,
                    })
            }
            raw::ProviderKind::FileAccessLog => {
                if let Some(service) = &raw.service {
                    self.report(Diagnostic::new(
                        Code::ConflictingKeys,
                        service.span(),
                        "`service` does not apply to a file access log",
                    ));
                }
                if let Some(port) = &raw.port {
                    self.report(Diagnostic::new(
                        Code::ConflictingKeys,
                        port.span(),
                        "`port` does not apply to a file access log",
                    ));
                }
                let path = match &raw.path {
                    Some(path) => self.text(
                        path,
                        Code::InvalidPath,
                        is_file_path,
                        "an absolute file path",
                    ),
                    None => Some("/dev/stdout".to_string()),
                };
                let format = self.log_format(raw);
                path.zip(format)
                    .map(|(path, format)| ProviderKind::FileAccessLog {
                        path,
                        format,
                        omit_empty: raw.omit_empty_values.as_ref().is_some_and(|o| o.value),
                    })
            }
        };
        Some(Provider {
            name: checked?,
            kind: kind?,
        })
    }

    fn tracing(
        &mut self,
        raw: &Sp<raw::RawTracing>,
        providers: &Named<RawProvider>,
    ) -> Option<Tracing> {
        let tracing = &raw.value;
        let provider = self.provider_reference(&tracing.provider, providers, "tracing", |k| {
            matches!(
                k,
                raw::ProviderKind::Opentelemetry | raw::ProviderKind::Zipkin
            )
        });
        let sampling = match &tracing.sampling {
            Some(sampling) => self.percent(sampling),
            None => Percent::new(1.0).ok(),
        };
        let tags = self.header_tags(&tracing.tags);
        Some(Tracing {
            provider: provider?,
            sampling: sampling?,
            tags: tags?,
        })
    }

    /// A reference to a declared provider whose kind suits `use_for`.
    fn provider_reference(
        &mut self,
        reference: &Sp<String>,
        providers: &Named<RawProvider>,
        use_for: &str,
        suits: impl Fn(raw::ProviderKind) -> bool,
    ) -> Option<crate::model::Name> {
        let declared: Vec<&str> = providers.keys().map(Sp::as_str).collect();
        let name = self.reference(
            reference,
            declared.iter().copied(),
            Code::UnknownProvider,
            "provider",
        )?;
        let kind = providers.get(name.as_str()).map(|p| p.kind.value)?;
        if suits(kind) {
            Some(name)
        } else {
            let declared_at = providers
                .get_key_value(name.as_str())
                .map_or(0..0, |(k, _)| k.span());
            self.report(
                Diagnostic::new(
                    Code::ProviderKindMismatch,
                    reference.span(),
                    format!("provider `{name}` cannot be used for {use_for}"),
                )
                .secondary(declared_at, format!("declared as `{}`", kind_name(kind)))
                .help(match use_for {
                    "tracing" => "tracing needs an `opentelemetry` or `zipkin` provider",
                    _ => "access logs need an `otel-access-log` or `file-access-log` provider",
                }),
            );
            None
        }
    }

    fn header_tags(&mut self, raw: &Named<RawHeaderTag>) -> Option<Vec<HeaderTag>> {
        self.each(raw, |c, (name, tag)| {
            let name = c.parsed(name, Code::InvalidName, TagName::parse);
            let header = c.header_name(&tag.header);
            let default = match &tag.default {
                Some(default) => c.literal(default),
                None => Some("unknown".to_string()),
            };
            Some(HeaderTag {
                name: name?,
                header: header?,
                default: default?,
            })
        })
    }

    /// A literal value that ends up inside a CEL string or a span tag: printable, no quotes
    /// needed, short.
    pub(super) fn literal(&mut self, raw: &Sp<String>) -> Option<String> {
        self.text(
            raw,
            Code::InvalidHeaderValue,
            |text| {
                !text.is_empty()
                    && text.len() <= 256
                    && text.chars().all(|c| (' '..='~').contains(&c))
            },
            "a value of 1 to 256 printable ASCII characters",
        )
    }

    fn classify(&mut self, raw: &Sp<raw::RawClassify>) -> Option<Classify> {
        let classify = &raw.value;
        let tag = match &classify.tag {
            Some(tag) => self.parsed(tag, Code::InvalidName, TagName::parse),
            None => TagName::parse(DEFAULT_CLASS_TAG).ok(),
        };
        let default = match &classify.default {
            Some(default) => self.literal(default),
            None => Some("other".to_string()),
        };
        let classes = if self.non_empty(&classify.classes, "`classes`") {
            self.unique(
                classify
                    .classes
                    .value
                    .iter()
                    .map(|c| (&c.name.value, c.name.span())),
                "class",
            );
            self.each(&classify.classes.value, |c, class| {
                let name = c.literal(&class.name);
                let prefix = c.path(&class.prefix);
                Some((name?, prefix?))
            })
        } else {
            None
        };
        Some(Classify {
            tag: tag?,
            default: default?,
            classes: classes?,
        })
    }

    /// Whether the request-class tag differs from every metric tag: both become keys of one
    /// `tagOverrides` map, where a repeated key is invalid YAML.
    fn classify_tag_is_free(
        &mut self,
        classify: &Sp<raw::RawClassify>,
        tags: &Named<raw::RawMetricTag>,
    ) -> bool {
        let tag = classify
            .value
            .tag
            .as_ref()
            .map_or(DEFAULT_CLASS_TAG, Sp::as_str);
        let Some((clash, _)) = tags.get_key_value(tag) else {
            return true;
        };
        let (span, note) = match &classify.value.tag {
            Some(own) => (own.span(), "request-class tag set here"),
            None => (
                classify.span(),
                "request classes use the tag `request_class` by default",
            ),
        };
        self.report(
            Diagnostic::new(
                Code::DuplicateName,
                clash.span(),
                format!("metric tag `{tag}` is also the request-class tag"),
            )
            .secondary(span, note)
            .help("rename the metric tag, or set another `tag` in [telemetry.metrics.classify]"),
        );
        false
    }

    fn access_log(
        &mut self,
        raw: &Sp<raw::RawAccessLog>,
        providers: &Named<RawProvider>,
    ) -> Option<AccessLog> {
        let log = &raw.value;
        let provider = match &log.provider {
            Some(provider) => self
                .provider_reference(provider, providers, "access logs", |k| {
                    matches!(
                        k,
                        raw::ProviderKind::OtelAccessLog | raw::ProviderKind::FileAccessLog
                    )
                })
                .map(Some),
            None => Some(None),
        };
        let errors = log.errors.as_ref().is_none_or(|e| e.value);
        let slower_than = self.opt_duration(log.slower_than.as_ref());
        let debug_header = match &log.debug_header {
            Some(header) => self.header_name(header).map(Some),
            None => Some(None),
        };
        if !errors && log.slower_than.is_none() && log.debug_header.is_none() {
            self.report(
                Diagnostic::new(Code::EmptyList, raw.span(), "the access log logs nothing")
                    .help("set `errors = true`, `slower-than` or `debug-header`, or remove [telemetry.access-log]"),
            );
            return None;
        }
        Some(AccessLog {
            provider: provider?,
            errors,
            slower_than: slower_than?,
            debug_header: debug_header?,
        })
    }
}

/// A provider kind as the profile writes it.
fn kind_name(kind: raw::ProviderKind) -> &'static str {
    match kind {
        raw::ProviderKind::Opentelemetry => "opentelemetry",
        raw::ProviderKind::Zipkin => "zipkin",
        raw::ProviderKind::OtelAccessLog => "otel-access-log",
        raw::ProviderKind::FileAccessLog => "file-access-log",
    }
}
