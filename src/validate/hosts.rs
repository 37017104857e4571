//! Gateway hosts of which one covers another (`*.example.com` and `api.example.com`): the
//! gateway's VirtualService lists every gateway host, and istiod's webhook refuses a
//! VirtualService whose hosts overlap ("duplicate hosts in virtual service").

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::Host;
use crate::profile::RawProfile;
use crate::profile::raw::RawGateway;

impl Checker {
    /// Reports each gateway host that an earlier one covers, or that covers an earlier one.
    /// Hosts that are not valid, and exact repeats, are reported by the gateway's own checks.
    pub(super) fn gateway_host_overlaps(&mut self, raw: &RawProfile) {
        for (_, gateway) in raw.ingress_gateways() {
            self.host_overlaps(&gateway.value);
        }
    }

    /// Also with routes per host, where each class of hosts has a VirtualService of its own:
    /// istiod gives a wildcard VirtualService every server host it covers, so the routes of
    /// `*.example.com` would be merged into `api.example.com`'s in an order nobody controls.
    fn host_overlaps(&mut self, gateway: &RawGateway) {
        let hosts: Vec<_> = gateway
            .hosts
            .value
            .iter()
            .filter_map(|written| Some((Host::parse(written.as_str()).ok()?, written.span())))
            .collect();
        for (later, (host, span)) in hosts.iter().enumerate() {
            let earlier = hosts[..later]
                .iter()
                .find(|(first, _)| first != host && first.overlaps(host));
            if let Some((first, first_span)) = earlier {
                // Two distinct names overlap only through a wildcard; of two wildcards, the
                // shorter one covers the longer.
                let first_wider = match (first.is_wildcard(), host.is_wildcard()) {
                    (true, false) => true,
                    (false, true) => false,
                    _ => first.as_str().len() <= host.as_str().len(),
                };
                let (wide, narrow) = if first_wider {
                    (first, host)
                } else {
                    (host, first)
                };
                self.report(
                    Diagnostic::new(
                        Code::OverlappingGatewayHosts,
                        span.clone(),
                        format!(
                            "the gateway hosts `{first}` and `{host}` overlap: `{wide}` covers \
                             `{narrow}`"
                        ),
                    )
                    .secondary(first_span.clone(), "overlapping host")
                    .help(format!(
                        "istiod refuses the gateway's VirtualService, which lists every gateway \
                         host (\"duplicate hosts in virtual service\"); keep `{wide}` alone, or \
                         list the names it should cover instead of the wildcard"
                    )),
                );
            }
        }
    }
}
