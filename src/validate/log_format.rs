//! `format` and `fields` of an access-log provider.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{LogFormat, LogLayout, LogOperator, TagName};
use crate::profile::raw::{self, RawProvider};

impl Checker {
    /// The provider's own access-log format: `Some(None)` when it keeps Istio's.
    pub(super) fn log_format(&mut self, raw: &RawProvider) -> Option<Option<LogFormat>> {
        if raw.fields.is_empty() {
            if let Some(format) = &raw.format {
                self.report(
                    Diagnostic::new(
                        Code::MissingKey,
                        format.span(),
                        "`format` needs `fields`, the values each log line holds",
                    )
                    .help("such as `fields = { code = \"%RESPONSE_CODE%\", duration = \"%DURATION%\" }`"),
                );
                return None;
            }
            return Some(None);
        }
        let layout = match raw.format.as_ref().map(|f| f.value) {
            Some(raw::LogLayout::Text) => LogLayout::Text,
            Some(raw::LogLayout::Json) | None => LogLayout::Json,
        };
        let fields = self.each(&raw.fields, |c, (name, value)| {
            let name = c.parsed(name, Code::InvalidName, TagName::parse);
            let operator = c.parsed(value, Code::InvalidLogField, LogOperator::parse);
            Some((name?, operator?))
        })?;
        Some(Some(LogFormat { layout, fields }))
    }

    /// Whether `omit-empty-values` is left out of every provider but a file access log, the
    /// only one whose MeshConfig settings hold it (`EnvoyFileAccessLogProvider.omitEmptyValues`;
    /// `EnvoyOpenTelemetryLogProvider` has no such field); reports it where it is set.
    pub(super) fn omit_empty_values_fits(&mut self, raw: &RawProvider) -> bool {
        let Some(omit) = &raw.omit_empty_values else {
            return true;
        };
        if raw.kind.value == raw::ProviderKind::FileAccessLog {
            return true;
        }
        self.report(
            Diagnostic::new(
                Code::ConflictingKeys,
                omit.span(),
                "`omit-empty-values` only applies to a `file-access-log` provider",
            )
            .secondary(raw.kind.span(), "another kind of provider")
            .help("Istio's mesh configuration has it for file access logs only; remove it here"),
        );
        false
    }

    /// Whether a provider that writes no access log leaves `format` and `fields` out;
    /// reports each that it sets.
    pub(super) fn no_log_format(&mut self, raw: &RawProvider) -> bool {
        let mut spans = Vec::new();
        if let Some(format) = &raw.format {
            spans.push((format.span(), "format"));
        }
        if let Some((first, _)) = raw.fields.first_key_value() {
            spans.push((first.span(), "fields"));
        }
        for (span, key) in &spans {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    span.clone(),
                    format!("`{key}` only applies to access-log providers"),
                )
                .help("set the access-log format on a `file-access-log` or `otel-access-log` provider"),
            );
        }
        spans.is_empty()
    }
}
