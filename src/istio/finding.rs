//! What verification reports: a finding with a stable code, a level and a place in a file.

use std::fmt;

use serde::Serialize;

use crate::diagnostic::Path;
use crate::diagnostic::stable_codes;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Istio rejects the object, or the mesh does not do what the files say.
    Error,
    /// Admitted, but probably not what was meant.
    Warning,
    /// Not checked, and why.
    Note,
}

impl Level {
    /// The word printed before the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// Which check a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Reading the YAML.
    Yaml,
    /// The schema of the kind: meshc's own, or a CRD's with its CEL rules.
    Schema,
    /// Rules across resources.
    Rules,
    /// Istio's admission webhook, one document at a time.
    Webhook,
}

stable_codes! {
    /// A stable identifier of a verification rule, printed as `error[<code>]`; its family says
    /// which check it belongs to.
    pub enum Code, family: Family {
        /// The file is not valid YAML (syntax, duplicate key, unsupported tag).
        YamlSyntax = "yaml-syntax", Yaml;
        /// A document is not a Kubernetes object (a list or a scalar).
        NotAnObject = "not-an-object", Yaml;
        /// No schema or CRD knows this group and kind.
        UnknownKind = "unknown-kind", Schema;
        /// The apiVersion is not served (by the CRD, or by the targeted Istio release).
        VersionNotServed = "version-not-served", Schema;
        /// `metadata` breaks Kubernetes' rules (name, namespace, labels, annotations).
        Metadata = "metadata", Schema;
        /// The object does not fit its schema: unknown field, type, enum, required, range, format.
        Schema = "schema", Schema;
        /// An `x-kubernetes-validations` CEL rule is false or fails on the object.
        CelRule = "cel-rule", Schema;
        /// A CEL rule meshc cannot evaluate; reported so that it is never passed silently.
        CelUnsupported = "cel-unsupported", Schema;
        /// A VirtualService routes to a host that no service or ServiceEntry declares (IST0101).
        UnknownDestinationHost = "unknown-destination-host", Rules;
        /// A route names a subset that the host's DestinationRule does not define (IST0101).
        UnknownSubset = "unknown-subset", Rules;
        /// More than one DestinationRule for one host in one namespace; Istio merges them badly.
        DuplicateDestinationRule = "duplicate-destination-rule", Rules;
        /// Two VirtualServices claim one host for the same gateway or for the mesh (IST0109).
        ConflictingVirtualServiceHost = "conflicting-virtual-service-host", Rules;
        /// A VirtualService binds a Gateway that does not exist (IST0101).
        UnknownGateway = "unknown-gateway", Rules;
        /// No server of a bound Gateway covers a host of the VirtualService (IST0132).
        GatewayHostMismatch = "gateway-host-mismatch", Rules;
        /// A gateway-bound VirtualService routes to a host without the subsets its mesh routes use (IST0140).
        IngressBypassesSubsets = "ingress-bypasses-subsets", Rules;
        /// More than one Telemetry without a selector in one namespace (IST0160).
        MultipleDefaultTelemetry = "multiple-default-telemetry", Rules;
        /// A Telemetry names a provider that the mesh config does not declare.
        UnknownTelemetryProvider = "unknown-telemetry-provider", Rules;
        /// A Telemetry uses a provider for what its kind cannot do (tracing through an access-log provider).
        ProviderKindMismatch = "provider-kind-mismatch", Rules;
        /// Locality failover without outlier detection, so failover never happens.
        FailoverWithoutOutlierDetection = "failover-without-outlier-detection", Rules;
        /// A policy's selector matches no declared workload.
        SelectorMatchesNoWorkload = "selector-matches-no-workload", Rules;
        /// A retry's per-try timeout is longer than the route's timeout, so no retry can run.
        PerTryExceedsTimeout = "per-try-exceeds-timeout", Rules;
        /// The route's timeout ends before every retry can run.
        RetriesCutByTimeout = "retries-cut-by-timeout", Rules;
        /// Two objects of one kind with one namespace and name: the one applied last wins.
        DuplicateObject = "duplicate-object", Rules;
        /// An IstioOperator shares its file with other objects; `istioctl install -f` refuses it.
        OperatorNotAlone = "operator-not-alone", Rules;
        /// A rule of Istio's admission webhook (istiod's validating webhook, `istioctl validate`).
        Webhook = "webhook", Webhook;
    }
}

/// A problem found in YAML.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The rule.
    #[serde(serialize_with = "code_name")]
    pub code: Code,
    /// How bad.
    pub level: Level,
    /// File name as given.
    pub file: String,
    /// 0-based index of the document in its file (`None`: the whole file).
    pub document: Option<usize>,
    /// 1-based line.
    pub line: Option<u32>,
    /// `Kind namespace/name`, when the finding is about one object.
    pub resource: Option<String>,
    /// Where in the object.
    #[serde(serialize_with = "path_text")]
    pub path: Option<Path>,
    /// What is wrong.
    pub message: String,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn code_name<S: serde::Serializer>(code: &Code, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(code.as_str())
}

#[allow(clippy::ref_option)]
fn path_text<S: serde::Serializer>(path: &Option<Path>, serializer: S) -> Result<S::Ok, S::Error> {
    match path {
        Some(path) => serializer.serialize_str(&path.to_string()),
        None => serializer.serialize_none(),
    }
}

impl Finding {
    /// A finding about a whole file rather than one of its documents.
    pub fn about_file(code: Code, level: Level, file: &str, message: String) -> Self {
        Self {
            code,
            level,
            file: file.to_string(),
            document: None,
            line: None,
            resource: None,
            path: None,
            message,
        }
    }

    /// The family of the finding's code.
    pub fn family(&self) -> Family {
        self.code.family()
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}[{}]: ", self.level.as_str(), self.code.as_str())?;
        if let Some(resource) = &self.resource {
            write!(f, "{resource}: ")?;
        }
        if let Some(path) = self.path.as_ref().filter(|p| !p.0.is_empty()) {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert!(
            names
                .iter()
                .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        );
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }
}
