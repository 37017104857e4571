//! The IstioOperator's `spec.meshConfig`: the mesh-wide settings that change a request's fate
//! (istio/api mesh/v1alpha1 config.proto). Absent fields take Istio's defaults.

use serde::Serialize;

use super::{CompileError, Meta, boolean, object, string, strings};
use crate::yaml::Node;

/// `meshConfig.pathNormalization.normalization`
/// (<https://istio.io/latest/docs/reference/config/security/normalization/>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Normalization {
    /// The path as sent.
    None,
    /// RFC 3986 (dot segments, unreserved percent-encodings) and `\` to `/`: Istio's default.
    #[default]
    Base,
    /// `Base`, then `//` to `/`.
    MergeSlashes,
    /// `%2F`/`%5C` decoded first, then `MergeSlashes`.
    DecodeAndMergeSlashes,
}

impl Normalization {
    /// The name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Normalization::None => "NONE",
            Normalization::Base => "BASE",
            Normalization::MergeSlashes => "MERGE_SLASHES",
            Normalization::DecodeAndMergeSlashes => "DECODE_AND_MERGE_SLASHES",
        }
    }
}

/// `meshConfig.outboundTrafficPolicy.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum OutboundPolicy {
    /// Unknown hosts pass through (Istio's default).
    #[default]
    AllowAny,
    /// Unknown hosts get 502.
    RegistryOnly,
}

/// The settings read from `meshConfig`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MeshConfig {
    pub root_namespace: Option<String>,
    pub trust_domain: Option<String>,
    pub trust_domain_aliases: Vec<String>,
    pub normalization: Normalization,
    pub outbound: OutboundPolicy,
    /// `enableAutoMtls`, true when absent.
    pub auto_mtls: bool,
}

pub(super) fn mesh_config(meta: &Meta, spec: &Node) -> Result<MeshConfig, CompileError> {
    let Some(mesh) = object(meta, spec, "meshConfig")? else {
        return Ok(MeshConfig {
            auto_mtls: true,
            ..MeshConfig::default()
        });
    };
    let normalization = match object(meta, mesh, "pathNormalization")? {
        Some(p) => match string(meta, p, "normalization")? {
            None | Some("DEFAULT" | "BASE") => Normalization::Base,
            Some("NONE") => Normalization::None,
            Some("MERGE_SLASHES") => Normalization::MergeSlashes,
            Some("DECODE_AND_MERGE_SLASHES") => Normalization::DecodeAndMergeSlashes,
            Some(other) => return Err(meta.error(p, format!("unknown normalization `{other}`"))),
        },
        None => Normalization::Base,
    };
    let outbound = match object(meta, mesh, "outboundTrafficPolicy")? {
        Some(p) => match string(meta, p, "mode")? {
            Some("REGISTRY_ONLY") => OutboundPolicy::RegistryOnly,
            _ => OutboundPolicy::AllowAny,
        },
        None => OutboundPolicy::AllowAny,
    };
    Ok(MeshConfig {
        root_namespace: string(meta, mesh, "rootNamespace")?.map(str::to_string),
        trust_domain: string(meta, mesh, "trustDomain")?.map(str::to_string),
        trust_domain_aliases: strings(meta, mesh, "trustDomainAliases")?,
        normalization,
        outbound,
        auto_mtls: boolean(meta, mesh, "enableAutoMtls")?.unwrap_or(true),
    })
}

#[cfg(test)]
mod tests {
    use super::super::decode;
    use super::*;
    use crate::istio::document::read;

    fn config(mesh: &str) -> MeshConfig {
        let text = format!(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {{name: c}}\nspec: {mesh}\n"
        );
        let (documents, _) = read("t.yaml", &text);
        decode(&documents).unwrap().mesh_config.unwrap().1
    }

    #[test]
    fn defaults_are_istio_s() {
        let c = config("{}");
        assert_eq!(c.normalization, Normalization::Base);
        assert_eq!(c.outbound, OutboundPolicy::AllowAny);
        assert!(c.auto_mtls);
        assert!(c.root_namespace.is_none());
        let c = config("{meshConfig: {}}");
        assert!(c.auto_mtls);
        assert_eq!(c.normalization, Normalization::Base);
    }

    #[test]
    fn every_setting_is_read() {
        let c = config(
            "{meshConfig: {rootNamespace: root, trustDomain: td, trustDomainAliases: [old], \
             pathNormalization: {normalization: DECODE_AND_MERGE_SLASHES}, \
             outboundTrafficPolicy: {mode: REGISTRY_ONLY}, enableAutoMtls: false}}",
        );
        assert_eq!(c.root_namespace.as_deref(), Some("root"));
        assert_eq!(c.trust_domain.as_deref(), Some("td"));
        assert_eq!(c.trust_domain_aliases, ["old"]);
        assert_eq!(c.normalization, Normalization::DecodeAndMergeSlashes);
        assert_eq!(c.outbound, OutboundPolicy::RegistryOnly);
        assert!(!c.auto_mtls);
        for (name, mode) in [
            ("NONE", Normalization::None),
            ("BASE", Normalization::Base),
            ("DEFAULT", Normalization::Base),
            ("MERGE_SLASHES", Normalization::MergeSlashes),
        ] {
            let c = config(&format!(
                "{{meshConfig: {{pathNormalization: {{normalization: {name}}}}}}}"
            ));
            assert_eq!(c.normalization, mode, "{name}");
            assert_eq!(mode.as_str().replace("DEFAULT", "BASE"), mode.as_str());
        }
        let c = config("{meshConfig: {outboundTrafficPolicy: {mode: ALLOW_ANY}}}");
        assert_eq!(c.outbound, OutboundPolicy::AllowAny);
    }
}
