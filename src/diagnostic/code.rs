//! The stable diagnostic codes: one per rule, never renamed once released.

use serde::Serialize;

use super::Severity;

/// Declares a closed set of stable codes: an enum whose variants carry a kebab-case name and one
/// more property (`severity`, or a verify family), with `ALL`, `as_str` and `summary` (the first
/// line of the variant's doc comment). Both diagnostic enums use it, so they cannot drift apart.
macro_rules! stable_codes {
    (
        $(#[$meta:meta])*
        pub enum $code:ident, $property:ident: $kind:ident {
            $($(#[doc = $doc:literal])+ $variant:ident = $name:literal, $value:ident;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $code {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl $code {
            /// Every code, in declaration order.
            pub const ALL: &'static [$code] = &[$($code::$variant,)+];

            /// The stable kebab-case name of the code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($code::$variant => $name,)+
                }
            }

            /// The code's property, as declared beside its name.
            pub fn $property(self) -> $kind {
                match self {
                    $($code::$variant => $kind::$value,)+
                }
            }

            /// One line on what the rule checks, from the variant's doc comment.
            pub fn summary(self) -> &'static str {
                match self {
                    $($code::$variant => stable_codes!(@first $($doc)+),)+
                }
            }
        }
    };
    (@first $first:literal $($rest:literal)*) => { $first.trim_ascii() };
}
pub(crate) use stable_codes;

stable_codes! {
    /// A stable identifier of a diagnostic rule, printed as `error[<code>]`; its severity says
    /// whether the rule refuses the profile.
    pub enum Code, severity: Severity {
        /// meshc failed on a profile it should handle: a bug, reported instead of a crash.
        Internal = "internal", Error;
        /// The profile is not UTF-8 text.
        NotUtf8 = "not-utf8", Error;
        /// The profile exceeds a size limit (bytes, nesting, string length, entries, generated items).
        TooLarge = "too-large", Error;
        /// The profile is not valid TOML.
        TomlSyntax = "toml-syntax", Error;
        /// A key appears twice in one table.
        DuplicateKey = "duplicate-key", Error;
        /// A key that the profile format does not have (often a misspelling).
        UnknownKey = "unknown-key", Error;
        /// A value of the wrong type, such as a string where a number belongs.
        WrongType = "wrong-type", Error;
        /// A required key is missing.
        MissingKey = "missing-key", Error;
        /// A value outside a closed set of choices.
        UnknownValue = "unknown-value", Error;
        /// A name that is not a DNS-1123 label (lower case, digits, `-`, at most 63 characters).
        InvalidName = "invalid-name", Error;
        /// Two things that must have different names share one.
        DuplicateName = "duplicate-name", Error;
        /// One service's pod labels select another service's pods, so its policies would apply there too.
        OverlappingSelectors = "overlapping-selectors", Error;
        /// A reference to a service that the profile does not declare.
        UnknownService = "unknown-service", Error;
        /// A reference to a subset that the service does not declare.
        UnknownSubset = "unknown-subset", Error;
        /// A reference to a retry budget that the profile does not declare.
        UnknownRetryBudget = "unknown-retry-budget", Error;
        /// A reference to a region that the profile does not declare.
        UnknownRegion = "unknown-region", Error;
        /// A reference to a telemetry provider that the profile does not declare.
        UnknownProvider = "unknown-provider", Error;
        /// A provider is used for something its kind cannot do (tracing through an access-log provider).
        ProviderKindMismatch = "provider-kind-mismatch", Error;
        /// Region weights do not add up to 100.
        RegionWeightsSum = "region-weights-sum", Error;
        /// The weights of a split do not add up to 100.
        SplitWeightsSum = "split-weights-sum", Error;
        /// A percentage outside 0 to 100.
        PercentOutOfRange = "percent-out-of-range", Error;
        /// A number outside the range its key allows.
        NumberOutOfRange = "number-out-of-range", Error;
        /// A duration that Go's `time.ParseDuration` (and so Istio) does not accept.
        InvalidDuration = "invalid-duration", Error;
        /// A duration under 1 ms, or not a whole number of milliseconds, which Istio refuses.
        DurationTooShort = "duration-too-short", Error;
        /// A retry's per-try timeout is longer than the route's overall timeout.
        PerTryExceedsTimeout = "per-try-exceeds-timeout", Error;
        /// The overall timeout ends before every retry can run.
        RetriesCutByTimeout = "retries-cut-by-timeout", Warning;
        /// A port outside 1 to 65535.
        PortOutOfRange = "port-out-of-range", Error;
        /// A gateway target port below 1024, which needs a root gateway.
        PrivilegedTargetPort = "privileged-target-port", Error;
        /// A gateway server port that the ingress gateway's Service does not expose.
        GatewayPortNotExposed = "gateway-port-not-exposed", Error;
        /// A JWT issuer or JWKS URI that is not an `https://` URL.
        JwtUrlNotHttps = "jwt-url-not-https", Error;
        /// CORS allows any origin and credentials at once, which browsers refuse.
        CorsWildcardCredentials = "cors-wildcard-credentials", Error;
        /// A weaker security setting without its explicit opt-in in `security.allow-insecure`.
        InsecureWithoutOptIn = "insecure-without-opt-in", Error;
        /// A weaker security setting that the profile opted into.
        InsecureSetting = "insecure-setting", Warning;
        /// An opt-in in `security.allow-insecure` that no setting uses.
        UnusedOptIn = "unused-opt-in", Warning;
        /// A gateway host `*`, which accepts any Host header.
        WildcardGatewayHost = "wildcard-gateway-host", Warning;
        /// A header name that is not a lower-case HTTP token.
        InvalidHeaderName = "invalid-header-name", Error;
        /// A header value with characters Envoy refuses.
        InvalidHeaderValue = "invalid-header-value", Error;
        /// A host name that is not a valid DNS name.
        InvalidHost = "invalid-host", Error;
        /// A Kubernetes label key or value that Kubernetes refuses.
        InvalidLabel = "invalid-label", Error;
        /// An HTTP path or path prefix that is not a clean absolute path.
        InvalidPath = "invalid-path", Error;
        /// An HTTP method that is not one of the standard methods.
        InvalidMethod = "invalid-method", Error;
        /// A regular expression Istio refuses (Go's RE2 parser), Envoy's RE2 would not load, or RE2 reads otherwise than other engines.
        InvalidRegex = "invalid-regex", Error;
        /// A Kubernetes resource quantity (`500m`, `2Gi`) that does not parse.
        InvalidQuantity = "invalid-quantity", Error;
        /// A URL that Go's `net/url` does not parse, or a JWT URL that names no single DNS host.
        InvalidUrl = "invalid-url", Error;
        /// An Istio version that meshc cannot target.
        UnsupportedIstioVersion = "unsupported-istio-version", Error;
        /// A setting that the targeted Istio release does not support (or not safely).
        NeedsNewerIstio = "needs-newer-istio", Error;
        /// A list that must hold at least one entry is empty.
        EmptyList = "empty-list", Error;
        /// Two keys that exclude each other are both set, or neither of two required ones.
        ConflictingKeys = "conflicting-keys", Error;
        /// A value depends on a setting that is missing (a tenant without JWT, failover without a circuit breaker).
        MissingDependency = "missing-dependency", Error;
        /// Autoscaling whose minimum is above its maximum.
        AutoscaleRange = "autoscale-range", Error;
        /// A region that fails over to itself.
        FailoverToSelf = "failover-to-self", Error;
        /// A caller rule that names no source, which would allow anyone.
        CallerWithoutSource = "caller-without-source", Error;
        /// A service that nothing may call: no callers, no gateway route, no tenant.
        UnreachableService = "unreachable-service", Warning;
        /// A rate-limited gateway route reaches a service that routes by subsets without any subset.
        IngressBypassesSubsets = "ingress-bypasses-subsets", Warning;
        /// A route that can never match because an earlier route catches its requests.
        UnreachableRoute = "unreachable-route", Warning;
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_kebab_case() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "duplicate code name {name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{name} is not kebab-case"
            );
            assert!(!code.summary().is_empty());
        }
    }
}
