//! Settings the targeted Istio release lacks. apiVersions follow the release by themselves
//! (`plan::Api::for_release`); what is left are behaviours a profile relies on that older
//! releases do not have.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::IstioVersion;
use crate::profile::RawProfile;
use crate::profile::Sp;

/// From Istio 1.21 the sidecar verifies an origination target's certificate against the OS
/// trust store when no CA bundle is given (`VERIFY_CERTIFICATE_AT_CLIENT`, istio-rules.md §4.3);
/// before that, TLS origination without `caCertificates` verifies nothing.
const VERIFIES_WITHOUT_CA: IstioVersion = IstioVersion {
    major: 1,
    minor: 21,
};

impl Checker {
    /// Refuses what `target` cannot do safely.
    pub(super) fn release_features(&mut self, raw: &RawProfile, target: IstioVersion) {
        if target >= VERIFIES_WITHOUT_CA {
            return;
        }
        let version = raw.mesh.istio_version.as_ref().map(Sp::span);
        for (name, external) in &raw.external_services {
            let Some(origination) = external.tls_origination.as_ref().filter(|t| t.value) else {
                continue;
            };
            if external.ca_certificates.is_some() {
                continue;
            }
            let mut diagnostic = Diagnostic::new(
                Code::NeedsNewerIstio,
                origination.span(),
                format!(
                    "Istio {target} does not verify the certificate of {} when meshc originates TLS without a CA bundle",
                    name.as_str()
                ),
            )
            .label("TLS origination without `ca-certificates`")
            .help(format!(
                "set `ca-certificates` (for example \"/etc/ssl/certs/ca-certificates.crt\"), or target Istio {VERIFIES_WITHOUT_CA} or later, which verifies against the system's trust store"
            ));
            if let Some(span) = version.clone() {
                diagnostic = diagnostic.secondary(span, "targeted release");
            }
            self.report(diagnostic);
        }
    }
}
