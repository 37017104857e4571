//! What a route does besides routing: its header operations and its fault injection.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Fault, HeaderName, HeaderOps, RouteHeaders};
use crate::profile::Sp;
use crate::profile::raw::{RawFault, RawHeaderOps, RawProfile};

/// Request headers no route may set, add or remove: the token that workloads validate, the
/// client-certificate chain Envoy forwards, the Host the next hop routes by, and Envoy's own
/// control headers (`x-envoy-upstream-rq-timeout-ms` would lift a timeout). On responses,
/// `host` and the CORS headers (`access-control-*`), which `[gateway.cors]` decides.
const PROTECTED_REQUEST: &[&str] = &["authorization", "host", "x-forwarded-client-cert"];

impl Checker {
    /// `request-headers` and `response-headers` of a route.
    pub(super) fn route_headers(
        &mut self,
        request: Option<&Sp<RawHeaderOps>>,
        response: Option<&Sp<RawHeaderOps>>,
        profile: &RawProfile,
    ) -> Option<RouteHeaders> {
        let request = self.header_ops(request, Some(profile));
        let response = self.header_ops(response, None);
        Some(RouteHeaders {
            request: request?,
            response: response?,
        })
    }

    /// One side's operations; `profile` is given for the request side, whose protected
    /// headers include the tenancy header.
    fn header_ops(
        &mut self,
        raw: Option<&Sp<RawHeaderOps>>,
        profile: Option<&RawProfile>,
    ) -> Option<HeaderOps> {
        let Some(raw) = raw else {
            return Some(HeaderOps::default());
        };
        let ops = &raw.value;
        if ops.set.is_empty() && ops.add.is_empty() && ops.remove.is_empty() {
            self.report(
                Diagnostic::new(Code::EmptyList, raw.span(), "no header operation")
                    .help("add `set`, `add` or `remove`, or remove the table"),
            );
            return None;
        }
        self.unique(ops.remove.iter().map(|n| (&n.value, n.span())), "header");
        let tenancy_header = profile.map(|p| {
            p.tenancy
                .header
                .as_ref()
                .map_or("x-tenant-id", Sp::as_str)
                .to_string()
        });
        let mut seen: std::collections::BTreeMap<String, std::ops::Range<usize>> =
            std::collections::BTreeMap::new();
        let mut name = |c: &mut Self, raw_name: &Sp<String>| -> Option<HeaderName> {
            let checked = c.header_name(raw_name)?;
            let text = checked.as_str();
            let protected = if profile.is_some() {
                PROTECTED_REQUEST.contains(&text)
                    || text.starts_with("x-envoy-")
                    || tenancy_header.as_deref() == Some(text)
            } else {
                text == "host" || text.starts_with("access-control-")
            };
            if protected {
                c.report(
                    Diagnostic::new(
                        Code::ProtectedHeader,
                        raw_name.span(),
                        format!("a route may not change header `{text}`"),
                    )
                    .help(protected_help(text, tenancy_header.as_deref())),
                );
                return None;
            }
            if let Some(first) = seen.get(text) {
                c.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        raw_name.span(),
                        format!("header `{text}` has two operations"),
                    )
                    .secondary(first.clone(), "first here")
                    .help("set, add or remove a header, once"),
                );
                return None;
            }
            seen.insert(text.to_string(), raw_name.span());
            Some(checked)
        };
        let set = self.each(&ops.set, |c, (key, value)| {
            let key = name(c, key);
            let value = c.header_value(value);
            Some((key?, value?))
        });
        let add = self.each(&ops.add, |c, (key, value)| {
            let key = name(c, key);
            let value = c.header_value(value);
            Some((key?, value?))
        });
        let remove = self.each(&ops.remove, |c, key| name(c, key));
        Some(HeaderOps {
            set: set?,
            add: add?,
            remove: remove?,
        })
    }

    /// `fault = {...}`; `Some(None)` when absent.
    pub(super) fn fault(&mut self, raw: Option<&Sp<RawFault>>) -> Option<Option<Fault>> {
        let Some(raw) = raw else {
            return Some(None);
        };
        let fault = &raw.value;
        if fault.delay.is_none() && fault.abort.is_none() {
            self.report(
                Diagnostic::new(Code::MissingKey, raw.span(), "the fault neither delays nor aborts")
                    .help("add `delay = \"5s\"` and `delay-percent`, or `abort = 503` and `abort-percent`"),
            );
            return None;
        }
        let delay = self.fault_part(
            fault.delay.as_ref(),
            fault.delay_percent.as_ref(),
            ("delay", "delay-percent"),
            raw.span(),
            Self::duration,
        );
        let abort = self.fault_part(
            fault.abort.as_ref(),
            fault.abort_percent.as_ref(),
            ("abort", "abort-percent"),
            raw.span(),
            |c, status| {
                c.count(status, 400..=599)
                    .and_then(|s| u16::try_from(s).ok())
            },
        );
        Some(Some(Fault {
            delay: delay?,
            abort: abort?,
        }))
    }

    /// A delay or an abort and its percentage, which must come together.
    fn fault_part<R, T>(
        &mut self,
        what: Option<&Sp<R>>,
        percent: Option<&Sp<f64>>,
        (key, percent_key): (&str, &str),
        table: std::ops::Range<usize>,
        check: impl FnOnce(&mut Self, &Sp<R>) -> Option<T>,
    ) -> Option<Option<(T, crate::model::Percent)>> {
        match (what, percent) {
            (None, None) => Some(None),
            (Some(what), Some(percent)) => {
                let value = check(self, what);
                let percent = self.percent(percent);
                Some(Some((value?, percent?)))
            }
            (Some(_), None) => {
                self.report(
                    Diagnostic::new(Code::MissingKey, table, format!("`{key}` needs `{percent_key}`"))
                        .help(format!("say which percent of the requests it applies to, such as `{percent_key} = 0.1`")),
                );
                None
            }
            (None, Some(percent)) => {
                self.report(Diagnostic::new(
                    Code::MissingDependency,
                    percent.span(),
                    format!("`{percent_key}` needs `{key}`"),
                ));
                None
            }
        }
    }
}

fn protected_help(header: &str, tenancy: Option<&str>) -> String {
    if Some(header) == tenancy {
        "it is the tenancy header: setting it would let a request speak for a tenant".to_string()
    } else if header == "authorization" {
        "it carries the request's token, which workloads validate".to_string()
    } else if header == "host" {
        "Istio does not let a route change the Host header".to_string()
    } else if header.starts_with("access-control-") {
        "CORS answers come from `[gateway.cors]`; a response header would widen them past its checks"
            .to_string()
    } else if header == "x-forwarded-client-cert" {
        "it carries the identities of the callers, which Envoy manages".to_string()
    } else {
        "Envoy reads `x-envoy-*` request headers as instructions (timeouts, retries)".to_string()
    }
}
