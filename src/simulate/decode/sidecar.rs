//! Sidecar resources, as far as the simulator models them: which hosts a workload's proxy
//! knows (`egress[].hosts`). A Sidecar that also sets ingress listeners, egress ports,
//! bind addresses, capture modes or its own outbound policy is left unmodelled.

use super::{CompileError, Meta, Node, Value, items, labels, object, strings};
use crate::simulate::topology::Labels;

/// A Sidecar that only scopes egress hosts.
#[derive(Debug, Clone)]
pub(crate) struct Sidecar {
    pub meta: Meta,
    /// `workloadSelector.labels`; `None` for the namespace's default Sidecar.
    pub selector: Option<Labels>,
    /// `egress[].hosts`, each `namespace/host`, lower case.
    pub hosts: Vec<String>,
}

/// `Ok(None)` when the Sidecar sets something the simulator does not model.
pub(super) fn sidecar(meta: &Meta, spec: &Node) -> Result<Option<Sidecar>, CompileError> {
    let modelled_keys = ["workloadSelector", "egress"];
    if spec
        .entries()
        .iter()
        .any(|(key, value)| !modelled_keys.contains(&key.as_ref()) && value.value != Value::Null)
    {
        return Ok(None);
    }
    let selector = match object(meta, spec, "workloadSelector")? {
        Some(selector) => Some(labels(meta, selector, "labels")?),
        None => None,
    };
    let mut hosts = Vec::new();
    for listener in items(meta, spec, "egress")? {
        // A port-scoped listener changes which ports reach a host: not modelled.
        if listener
            .entries()
            .iter()
            .any(|(key, value)| key != "hosts" && value.value != Value::Null)
        {
            return Ok(None);
        }
        hosts.extend(
            strings(meta, listener, "hosts")?
                .into_iter()
                .map(|h| h.to_ascii_lowercase()),
        );
    }
    // Without egress listeners a Sidecar keeps the default one, which imports every host.
    if hosts.is_empty() && items(meta, spec, "egress")?.is_empty() {
        hosts.push("*/*".to_string());
    }
    Ok(Some(Sidecar {
        meta: meta.clone(),
        selector,
        hosts,
    }))
}
