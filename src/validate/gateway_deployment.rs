//! `[gateways.<name>.deployment]`: a gateway on an ingress-gateway deployment of its own, as
//! Istio's recipe for an extra ingress gateway installs it (an IstioOperator
//! `components.ingressGateways` entry with its own name, `istio` label, Service and k8s
//! settings; istio.io "Installing Gateways", "Configuring Gateway Deployments").

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{IngressGateway, Name};
use crate::profile::raw::RawGateway;

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
    ) -> Option<Option<IngressGateway>> {
        let Some(raw) = &gateway.deployment else {
            return Some(None);
        };
        let deployment = self.ingress_gateway(&raw.value);
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
        deployment.map(Some)
    }
}
