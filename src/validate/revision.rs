//! `[mesh] revision`: the control-plane revision, validated as istioctl validates
//! `spec.revision` (operator/pkg/apis/validation `validateRevision`: a DNS-1123 label).
//!
//! istiod's Service is `istiod-<revision>` (manifests/charts/istio-control/istio-discovery),
//! and a Service name is at most 63 characters, so a revision is at most 56.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::Name;
use crate::profile::Sp;

/// The prefix of istiod's Service name under a revision.
const ISTIOD_PREFIX: &str = "istiod-";

impl Checker {
    /// The revision; `Some(None)` when the profile names none.
    pub(super) fn revision(&mut self, raw: Option<&Sp<String>>) -> Option<Option<Name>> {
        let Some(raw) = raw else {
            return Some(None);
        };
        let name = self.name(raw)?;
        let longest = 63 - ISTIOD_PREFIX.len();
        if name.as_str().len() > longest {
            self.report(
                Diagnostic::new(
                    Code::InvalidName,
                    raw.span(),
                    format!(
                        "revision `{name}` is {} characters; istiod's Service `{ISTIOD_PREFIX}{name}` \
                         would be longer than 63",
                        name.as_str().len()
                    ),
                )
                .label("too long for a revision")
                .help(format!("use at most {longest} characters, such as `1-30`")),
            );
            return None;
        }
        Some(Some(name))
    }
}
