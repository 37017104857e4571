//! The code registry: every stable diagnostic code meshc reports, from a profile or from Istio
//! YAML, exactly once, with its default severity, where it fires, a one-line summary and its
//! document (`docs/codes/<code>.md`, embedded), which `meshc explain-code` prints.

use std::fmt;

use serde::Serialize;

use super::Severity;

/// Where a code fires: checking a TOML profile, checking Istio YAML, or both with one meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fires {
    /// `meshc validate`, `render`, `explain` and `diff` on a profile.
    Profile,
    /// `meshc verify`, and the render's check of its own output.
    Yaml,
    /// Either.
    Both,
}

impl Fires {
    /// How the code table says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Fires::Profile => "profile",
            Fires::Yaml => "YAML",
            Fires::Both => "both",
        }
    }
}

/// Declares the registry: each code with its kebab-case name, its severities (the default
/// first, then the others a finding may carry, as its document says) and where it fires; the
/// first line of its doc comment is its summary, and `docs/codes/<name>.md` its document.
macro_rules! registry {
    (
        $(#[$meta:meta])*
        pub enum $code:ident {
            $(
                #[doc = $summary:literal]
                $variant:ident = $name:literal, $default:ident $(| $other:ident)*, $fires:ident;
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $code {
            $(#[doc = $summary] $variant,)+
        }

        impl $code {
            /// Every code, in the order of the code table.
            pub const ALL: &'static [$code] = &[$($code::$variant,)+];

            /// The stable kebab-case name, printed as `error[<name>]`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($code::$variant => $name,)+
                }
            }

            /// The severity a diagnostic of this code has unless its document says otherwise.
            pub fn severity(self) -> Severity {
                match self {
                    $($code::$variant => Severity::$default,)+
                }
            }

            /// Every severity a diagnostic of this code may have, the default first.
            pub fn severities(self) -> &'static [Severity] {
                match self {
                    $($code::$variant => &[Severity::$default $(, Severity::$other)*],)+
                }
            }

            /// Where the code fires.
            pub fn fires(self) -> Fires {
                match self {
                    $($code::$variant => Fires::$fires,)+
                }
            }

            /// What the rule catches, in one line.
            pub fn summary(self) -> &'static str {
                match self {
                    $($code::$variant => $summary.trim_ascii(),)+
                }
            }

            /// The code's document: what it catches, why it matters, an example, the fix.
            pub fn doc(self) -> &'static str {
                match self {
                    $($code::$variant => include_str!(concat!("../../docs/codes/", $name, ".md")),)+
                }
            }
        }
    };
}

registry! {
    /// A stable identifier of a diagnostic rule. Names are never reused or renamed once released.
    pub enum Code {
        /// meshc failed on its own: a profile refused without a reason, or a render that fails its own check
        Internal = "internal", Error, Profile;
        /// the profile file is not UTF-8 text
        NotUtf8 = "not-utf8", Error, Profile;
        /// the profile exceeds a size limit: bytes, nesting, string length, entries, generated items
        TooLarge = "too-large", Error, Profile;
        /// the profile is not valid TOML
        TomlSyntax = "toml-syntax", Error, Profile;
        /// a key or table is defined twice in one table
        DuplicateKey = "duplicate-key", Error, Profile;
        /// a chain of `extends` that comes back to a profile already in it
        ExtendsCycle = "extends-cycle", Error, Profile;
        /// the profile named by `extends` cannot be read
        MissingBase = "missing-base", Error, Profile;
        /// `remove` names an entry that no profile below the overlay sets
        UnknownRemoval = "unknown-removal", Error, Profile;
        /// a key its table does not have, often a misspelling
        UnknownKey = "unknown-key", Error, Profile;
        /// a value of the wrong TOML type, such as a string for a number
        WrongType = "wrong-type", Error, Profile;
        /// a required key is missing, or the profile declares no service
        MissingKey = "missing-key", Error, Profile;
        /// a value outside its key's closed set of choices
        UnknownValue = "unknown-value", Error, Profile;
        /// a name that is not a DNS-1123 label, or another identifier in the wrong format
        InvalidName = "invalid-name", Error, Profile;
        /// two things share a name, or a name is taken by a generated resource
        DuplicateName = "duplicate-name", Error, Profile;
        /// one service's labels also select another service's pods
        OverlappingSelectors = "overlapping-selectors", Error, Profile;
        /// a reference to a service the profile does not declare
        UnknownService = "unknown-service", Error, Profile;
        /// a route names a subset the service (profile) or no DestinationRule (YAML) defines
        UnknownSubset = "unknown-subset", Error | Note, Both;
        /// a reference to a retry budget the profile does not declare
        UnknownRetryBudget = "unknown-retry-budget", Error, Profile;
        /// a region fails over to a region the profile does not declare
        UnknownRegion = "unknown-region", Error, Profile;
        /// tracing or access logging names a provider the profile does not declare
        UnknownProvider = "unknown-provider", Error, Profile;
        /// a telemetry provider used for what its kind cannot do
        ProviderKindMismatch = "provider-kind-mismatch", Error, Both;
        /// the regions' weights do not add up to 100
        RegionWeightsSum = "region-weights-sum", Error, Profile;
        /// the weights of a split do not add up to 100
        SplitWeightsSum = "split-weights-sum", Error, Profile;
        /// a percentage outside 0 to 100
        PercentOutOfRange = "percent-out-of-range", Error, Profile;
        /// a number outside the range its key allows
        NumberOutOfRange = "number-out-of-range", Error, Profile;
        /// a duration Go's `time.ParseDuration` (and so Istio) does not accept
        InvalidDuration = "invalid-duration", Error, Profile;
        /// a duration under 1 ms or not in whole milliseconds
        DurationTooShort = "duration-too-short", Error, Profile;
        /// a retry's per-try timeout is longer than the route's timeout
        PerTryExceedsTimeout = "per-try-exceeds-timeout", Error, Both;
        /// 1 + attempts tries of the per-try timeout do not fit the route's timeout
        RetriesCutByTimeout = "retries-cut-by-timeout", Warning, Both;
        /// a port outside 1 to 65535
        PortOutOfRange = "port-out-of-range", Error, Profile;
        /// a gateway Service target port below 1024, which needs root
        PrivilegedTargetPort = "privileged-target-port", Error, Profile;
        /// a gateway server port that the gateway's Service does not expose
        GatewayPortNotExposed = "gateway-port-not-exposed", Error, Profile;
        /// a JWKS URI that is not an `https://` URL
        JwtUrlNotHttps = "jwt-url-not-https", Error, Profile;
        /// CORS allows any origin together with credentials
        CorsWildcardCredentials = "cors-wildcard-credentials", Error, Profile;
        /// a weaker security setting without its opt-in
        InsecureWithoutOptIn = "insecure-without-opt-in", Error, Profile;
        /// a weaker security setting the profile opted into
        InsecureSetting = "insecure-setting", Warning, Profile;
        /// an opt-in that no setting uses
        UnusedOptIn = "unused-opt-in", Warning, Profile;
        /// a gateway host `*`, which accepts any Host header
        WildcardGatewayHost = "wildcard-gateway-host", Warning, Profile;
        /// two gateway hosts of which one covers the other, which istiod refuses in the gateway's VirtualService
        OverlappingGatewayHosts = "overlapping-gateway-hosts", Error, Profile;
        /// `[gateway]` and `[gateways.<name>]` in one profile
        GatewayAndGateways = "gateway-and-gateways", Error, Profile;
        /// two ingress gateways serve overlapping hosts on one port
        GatewayHostConflict = "gateway-host-conflict", Error, Profile;
        /// a gateway route names a host its gateway does not serve
        UnknownGatewayHost = "unknown-gateway-host", Error, Profile;
        /// with tokens required, a public route beside a wildcard gateway host whose token rule covers it
        WildcardTokenRule = "wildcard-token-rule", Error, Profile;
        /// a public, exact or conditional gateway route that receives requests under a tenant's path
        RouteOnTenantPath = "route-on-tenant-path", Error, Profile;
        /// a route header operation on a header that carries identity or instructs Envoy
        ProtectedHeader = "protected-header", Error, Profile;
        /// fault injection on a route that has retries or a timeout
        FaultWithRetries = "fault-with-retries", Error, Profile;
        /// a header name that is not a lower-case HTTP token
        InvalidHeaderName = "invalid-header-name", Error, Profile;
        /// a header value (or short text) with characters Envoy or meshc refuse
        InvalidHeaderValue = "invalid-header-value", Error, Profile;
        /// an access-log field that is not one of Envoy's command operators meshc knows
        InvalidLogField = "invalid-log-field", Error, Profile;
        /// a host name that is not a valid DNS name, or not qualified where it must be
        InvalidHost = "invalid-host", Error, Profile;
        /// a Kubernetes label key or value that Kubernetes refuses
        InvalidLabel = "invalid-label", Error, Profile;
        /// an HTTP path that is not a clean absolute path, or a bad file path
        InvalidPath = "invalid-path", Error, Profile;
        /// an HTTP method that is not a standard upper-case method
        InvalidMethod = "invalid-method", Error, Profile;
        /// a regex that istiod (Go's RE2 parser) refuses, Envoy's RE2 would not load, or RE2 reads differently
        InvalidRegex = "invalid-regex", Error, Profile;
        /// a CPU or memory value that is not a Kubernetes quantity
        InvalidQuantity = "invalid-quantity", Error, Profile;
        /// a CORS origin that is not `*` or an `http(s)://` origin, or a JWT URL that Go's `net/url` (istiod) refuses or that names no single DNS host
        InvalidUrl = "invalid-url", Error, Profile;
        /// a JWT issuer that is empty or holds a control character or `*`
        InvalidIssuer = "invalid-issuer", Error, Profile;
        /// an Istio version meshc cannot target (before 1.17, or not a version)
        UnsupportedIstioVersion = "unsupported-istio-version", Error, Profile;
        /// a setting the targeted Istio release does not support safely
        NeedsNewerIstio = "needs-newer-istio", Error, Profile;
        /// a list that must not be empty is empty, or a setting sets nothing
        EmptyList = "empty-list", Error, Profile;
        /// two keys that exclude each other, or values that must differ
        ConflictingKeys = "conflicting-keys", Error, Profile;
        /// a setting without the setting it depends on
        MissingDependency = "missing-dependency", Error, Profile;
        /// an autoscale minimum above its maximum
        AutoscaleRange = "autoscale-range", Error, Profile;
        /// a region that fails over to itself
        FailoverToSelf = "failover-to-self", Error, Profile;
        /// a caller rule that names no caller, so it would allow anyone
        CallerWithoutSource = "caller-without-source", Error, Profile;
        /// a request principal whose issuer is not the profile's JWT issuer
        UnknownIssuer = "unknown-issuer", Error, Profile;
        /// a claim name, claim value or token subject that a policy cannot match exactly
        InvalidClaim = "invalid-claim", Error, Profile;
        /// a port-level mTLS mode on a port the sidecar keeps for itself
        ProxyPort = "proxy-port", Error, Profile;
        /// a service port whose name Istio would read as another protocol, a first port without HTTP, or a gateway route to a port without HTTP
        PortProtocol = "port-protocol", Error, Profile;
        /// two ports of one service with the same number
        DuplicatePort = "duplicate-port", Error, Profile;
        /// a caller's `ports` or a gateway route's `port` names a port its service does not declare
        UnknownPort = "unknown-port", Error, Profile;
        /// a service that nothing may call under default deny
        UnreachableService = "unreachable-service", Warning, Profile;
        /// a gateway route's header regex for which the proofs find no short value to send
        UnprovableRoute = "unprovable-route", Warning, Profile;
        /// a request of `[[expect]]` that the rendered mesh does not treat as stated
        ExpectationFailed = "expectation-failed", Error, Profile;
        /// a remote cluster names a primary the profile does not declare
        UnknownCluster = "unknown-cluster", Error, Profile;
        /// a remote cluster names a remote cluster as its primary
        PrimaryIsRemote = "primary-is-remote", Error, Profile;
        /// a region no cluster of `[clusters]` serves
        RegionWithoutCluster = "region-without-cluster", Error, Profile;
        /// a cluster runs a service on another port than `[services]` declares
        ClusterServiceMismatch = "cluster-service-mismatch", Error, Profile;
        /// a guarantee of the security model that the rendered mesh does not keep
        ProofFailed = "proof-failed", Error, Profile;
        /// two tenants whose paths overlap
        OverlappingTenantPaths = "overlapping-tenant-paths", Error, Profile;
        /// a service a tenant lists that none of its requests can reach
        UnusableTenantGrant = "unusable-tenant-grant", Warning, Profile;
        /// a gateway route that sends a tenant's paths to a service the tenant does not list
        MisroutedTenantPaths = "misrouted-tenant-paths", Warning, Profile;
        /// a gateway route to a service whose mTLS is disabled: the gateway has no identity there
        PlaintextGatewayRoute = "plaintext-gateway-route", Warning, Profile;
        /// ingress traffic skips the subset routing the mesh applies to a service
        IngressBypassesSubsets = "ingress-bypasses-subsets", Warning, Both;
        /// a route that an earlier route shadows completely
        UnreachableRoute = "unreachable-route", Warning, Profile;
        /// a file that is not valid YAML (syntax, duplicate key, tag, alias)
        YamlSyntax = "yaml-syntax", Error, Yaml;
        /// an entry of a walked folder that is not read: a link to a folder, a FIFO, a socket
        SkippedFile = "skipped-file", Note, Yaml;
        /// a document that is a list or a scalar, not a Kubernetes object
        NotAnObject = "not-an-object", Error, Yaml;
        /// an Istio kind that no given CRD defines
        UnknownKind = "unknown-kind", Error, Yaml;
        /// an apiVersion the CRD does not serve
        VersionNotServed = "version-not-served", Error | Warning, Yaml;
        /// `metadata` that breaks Kubernetes' rules
        Metadata = "metadata", Error | Warning, Yaml;
        /// an object that does not fit its CRD's schema
        Schema = "schema", Error | Warning, Yaml;
        /// a CRD's CEL validation rule is false or fails
        CelRule = "cel-rule", Error, Yaml;
        /// a CRD's CEL rule that meshc cannot evaluate
        CelUnsupported = "cel-unsupported", Error, Yaml;
        /// a CRD's CEL rule over the API server's estimated cost limits: the CRD is refused
        CelCost = "cel-cost", Error, Yaml;
        /// an IstioOperator that istioctl install refuses: an unknown field, a wrong type, a bad value
        IstioOperator = "istio-operator", Error | Warning, Yaml;
        /// a route to a host that no Service or ServiceEntry declares (IST0101)
        UnknownDestinationHost = "unknown-destination-host", Error | Note, Yaml;
        /// two DestinationRules for one host in one namespace
        DuplicateDestinationRule = "duplicate-destination-rule", Error, Yaml;
        /// two VirtualServices claim one host for one binding (IST0109)
        ConflictingVirtualServiceHost = "conflicting-virtual-service-host", Error, Yaml;
        /// a VirtualService binds a Gateway that does not exist (IST0101)
        UnknownGateway = "unknown-gateway", Error | Note, Yaml;
        /// no server of the bound Gateway accepts a host of the VirtualService (IST0132)
        GatewayHostMismatch = "gateway-host-mismatch", Error, Yaml;
        /// more than one selector-less Telemetry in a namespace (IST0160)
        MultipleDefaultTelemetry = "multiple-default-telemetry", Error, Yaml;
        /// a Telemetry names a provider the mesh config does not declare
        UnknownTelemetryProvider = "unknown-telemetry-provider", Error | Note, Yaml;
        /// locality failover where no outlier detection applies
        FailoverWithoutOutlierDetection = "failover-without-outlier-detection", Error, Yaml;
        /// a policy's selector matches no declared workload
        SelectorMatchesNoWorkload = "selector-matches-no-workload", Error | Note, Yaml;
        /// two objects with one kind, namespace and name
        DuplicateObject = "duplicate-object", Error, Yaml;
        /// an IstioOperator shares its file with other objects
        OperatorNotAlone = "operator-not-alone", Error, Yaml;
        /// a rule of istiod's validating webhook
        Webhook = "webhook", Error | Warning, Yaml;
    }
}

impl Code {
    /// The code of this name.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.as_str() == name)
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_kebab_case_and_found_by_name() {
        let mut seen = HashSet::new();
        for &code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "duplicate code name {name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{name} is not kebab-case"
            );
            assert_eq!(Code::from_name(name), Some(code));
            assert!(!code.summary().is_empty());
            assert_eq!(code.severities()[0], code.severity());
        }
        assert_eq!(Code::from_name("unknown-subsets"), None);
    }
}
