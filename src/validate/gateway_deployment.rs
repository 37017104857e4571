//! `[gateways.<name>.deployment]`: a gateway on an ingress-gateway deployment of its own, as
//! Istio's recipe for an extra ingress gateway installs it (an IstioOperator
//! `components.ingressGateways` entry with its own name, `istio` label, Service and k8s
//! settings; istio.io "Installing Gateways", "Configuring Gateway Deployments").

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{IngressGateway, Name};
use crate::profile::raw::{RawGateway, RawIngressGateway};

/// `-ingressgateway`, the suffix of an own deployment's name and `istio` label.
const SUFFIX: usize = "-ingressgateway".len();

/// A label value is at most 63 characters (Kubernetes), and the deployment's `istio` label is
/// `<name>-ingressgateway`.
const MAX_NAME: usize = 63 - SUFFIX;

impl Checker {
    /// The gateway's own deployment; `Some(None)` when it runs on the default one.
    pub(super) fn gateway_deployment(
        &mut self,
        gateway: &RawGateway,
        name: Option<&Name>,
        default: &RawIngressGateway,
    ) -> Option<Option<IngressGateway>> {
        let Some(raw) = &gateway.deployment else {
            return Some(None);
        };
        let deployment = self.ingress_gateway(&raw.value);
        let agrees = self.one_autoscale_switch(&raw.value, default, name);
        if let Some(name) = name
            && name.as_str().len() > MAX_NAME
        {
            self.report(
                Diagnostic::new(
                    Code::InvalidName,
                    raw.span(),
                    format!(
                        "gateway `{name}` is too long for a deployment of its own: its pods' label \
                         `istio: {name}-ingressgateway` would exceed 63 characters"
                    ),
                )
                .help(format!(
                    "name the gateway with at most {MAX_NAME} characters"
                )),
            );
            return None;
        }
        agrees?;
        deployment.map(Some)
    }

    /// Istio has one autoscaling switch for every ingress gateway,
    /// `values.gateways.istio-ingressgateway.autoscaleEnabled`: istioctl gives each
    /// `ingressGateways` entry its own name, labels and ports only (operator/pkg/render
    /// `applyComponentValuesToHelmValues`), and the gateway chart renders an autoscaler for
    /// every one of them or for none. meshc sets it from `[control-plane.ingress-gateway]`
    /// (on, Istio's default, unless it has `replicas`), so an own deployment's `replicas`
    /// under the switch on would be taken over by an autoscaler, and its `autoscale` under the
    /// switch off would have no autoscaler to shape: both are refused rather than ignored.
    fn one_autoscale_switch(
        &mut self,
        own: &RawIngressGateway,
        default: &RawIngressGateway,
        name: Option<&Name>,
    ) -> Option<()> {
        let gateway = name.map_or_else(|| "the gateway".to_string(), |n| format!("gateway `{n}`"));
        if let (Some(fixed), Some(autoscale)) = (&default.replicas, &own.autoscale) {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    autoscale.span(),
                    format!(
                        "the `autoscale` of {gateway}'s own deployment would be ignored: \
                         `[control-plane.ingress-gateway]` has `replicas`, which turns \
                         autoscaling off for every ingress gateway"
                    ),
                )
                .secondary(fixed.span(), "autoscaling turned off here")
                .help(
                    "Istio has one autoscaling switch for all ingress gateways: give this \
                     deployment `replicas`, or the default ingress gateway `autoscale` too",
                ),
            );
            return None;
        }
        if let (None, Some(fixed)) = (&default.replicas, &own.replicas) {
            let mut diagnostic = Diagnostic::new(
                Code::ConflictingKeys,
                fixed.span(),
                format!(
                    "the `replicas` of {gateway}'s own deployment would be overridden: ingress \
                     gateways autoscale, so an autoscaler would manage this deployment too"
                ),
            )
            .help(
                "Istio has one autoscaling switch for all ingress gateways: write \
                 `autoscale = { min, max, cpu-percent }` here (`min = max` for a fixed count), \
                 or give `[control-plane.ingress-gateway]` `replicas` too, which turns \
                 autoscaling off for every ingress gateway",
            );
            if let Some(autoscale) = &default.autoscale {
                diagnostic = diagnostic.secondary(autoscale.span(), "autoscaling turned on here");
            }
            self.report(diagnostic);
            return None;
        }
        Some(())
    }
}
