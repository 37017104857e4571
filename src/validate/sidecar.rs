//! `[sidecar]`: Sidecar resources that limit the hosts each proxy knows. Their egress hosts
//! are `namespace/host` (networking/v1/sidecar.proto): the namespace `*`, `.` (the Sidecar's
//! own), `~` (none) or a name, and the host `*`, a wildcard or a fully qualified name; Istio
//! refuses short names (the old `./postgresql`, istio-rules.md §5.7 MIN-04).

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{EgressHost, Host, Name, SidecarScoping};
use crate::profile::Sp;
use crate::profile::raw::{RawProfile, SidecarScope};

impl Checker {
    /// `[sidecar]`; `Some(None)` when absent.
    pub(super) fn sidecar(&mut self, raw: &RawProfile) -> Option<Option<SidecarScoping>> {
        let Some(sidecar) = &raw.sidecar else {
            return Some(None);
        };
        let derive = sidecar.value.derive.as_ref().is_none_or(|d| d.value);
        let hosts = self.each(&sidecar.value.hosts, Self::egress_host);
        if !derive && sidecar.value.hosts.is_empty() {
            self.report(
                Diagnostic::new(
                    Code::EmptyList,
                    sidecar.span(),
                    "with `derive = false`, the Sidecars would know no host",
                )
                .help("list the hosts in `hosts`, or derive them from the callers and external services"),
            );
            return None;
        }
        let mut hosts = hosts?;
        hosts.sort();
        hosts.dedup();
        Some(Some(SidecarScoping {
            per_workload: sidecar.value.scope.value == SidecarScope::Workload,
            derive,
            hosts,
        }))
    }

    fn egress_host(&mut self, raw: &Sp<String>) -> Option<EgressHost> {
        let text = raw.as_str();
        let refuse = |c: &mut Self, why: String| {
            c.report(
                Diagnostic::new(Code::InvalidHost, raw.span(), why).help(
                    "write `namespace/host`: the namespace `*`, `.` (the Sidecar's own), `~` or a name, and the host `*`, `*.example.com` or a fully qualified name such as `cart.shop.svc.cluster.local`",
                ),
            );
            None
        };
        let Some((namespace, host)) = text.split_once('/') else {
            return refuse(self, format!("`{text}` is not `namespace/host`"));
        };
        let namespace_ok = matches!(namespace, "*" | "." | "~") || Name::parse(namespace).is_ok();
        if !namespace_ok {
            return refuse(
                self,
                format!("`{namespace}` is not a namespace in `{text}`"),
            );
        }
        if host != "*" {
            match Host::parse(host) {
                Err(invalid) => return refuse(self, invalid.reason().to_string()),
                Ok(parsed) if !parsed.is_qualified() => {
                    return refuse(
                        self,
                        format!("`{host}` is a short name: Istio refuses it in a Sidecar"),
                    );
                }
                Ok(_) => {}
            }
        }
        Some(EgressHost {
            namespace: namespace.to_string(),
            host: host.to_string(),
        })
    }
}
