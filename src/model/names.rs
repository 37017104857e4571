//! Names and identifiers: DNS labels, hosts, Kubernetes labels, tag names, and the Istio
//! releases meshc targets.

use super::Invalid;
use crate::istio::vocab::IstioVersion;

/// A checked string that never grows once made: a `Box<str>`, 16 bytes where a `String` is 24,
/// for the tens of thousands of names, hosts and labels a large profile and its plan hold.
macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(Box<str>);

        impl $name {
            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}
pub(crate) use string_newtype;

string_newtype!(
    /// A DNS-1123 label: what Kubernetes and Istio accept as a name of a service, namespace,
    /// subset, port or resource (lower case letters, digits and `-`, at most 63 characters).
    Name
);
string_newtype!(
    /// A DNS host name (`api.example.com`, `svc.ns.svc.cluster.local`), or `*.example.com`.
    Host
);
string_newtype!(
    /// A Kubernetes label key: an optional DNS prefix and `/`, then a name.
    LabelKey
);
string_newtype!(
    /// A Kubernetes label value: at most 63 of `[A-Za-z0-9._-]`, alphanumeric at both ends.
    LabelValue
);
string_newtype!(
    /// A metric label or trace tag name: `[a-z_][a-z0-9_]*`, as Prometheus accepts.
    TagName
);

impl Name {
    /// Checks a DNS-1123 label.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        check_dns_label(text).map(|()| Self(text.into()))
    }

    /// Joins validated parts with `-`; the result is cut to 63 characters and stays a label.
    pub fn joined(parts: &[&str]) -> Self {
        let mut text = parts.join("-");
        text.truncate(63);
        Self(text.trim_end_matches('-').into())
    }
}

fn check_dns_label(text: &str) -> Result<(), Invalid> {
    let why = if text.is_empty() {
        Some("it is empty")
    } else if text.len() > 63 {
        Some("it is longer than 63 characters")
    } else if let Some(c) = text.chars().find(|c| !c.is_ascii()) {
        // A look-alike (Cyrillic `а`, fullwidth `ａ`) reads as a Latin letter; name it.
        return Err(Invalid::new(format!(
            "`{text}` is not a DNS-1123 label: it holds `{c}` (U+{:04X}), which is not ASCII",
            u32::from(c)
        )));
    } else if !text
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some("it may only hold lower-case letters, digits and `-`")
    } else if text.starts_with('-') || text.ends_with('-') {
        Some("it must start and end with a letter or digit")
    } else {
        None
    };
    match why {
        Some(why) => Err(Invalid::new(format!(
            "`{text}` is not a DNS-1123 label: {why}"
        ))),
        None => Ok(()),
    }
}

impl Host {
    /// Checks a host name; `*.` may only stand as the whole first label.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let bad = |why: &str| Err(Invalid::new(format!("`{text}` is not a host name: {why}")));
        if text.len() > 253 {
            return bad("it is longer than 253 characters");
        }
        let body = text.strip_prefix("*.").unwrap_or(text);
        let labels: Vec<&str> = body.split('.').collect();
        if text == "*" {
            return Ok(Self(text.into()));
        }
        for label in &labels {
            if check_dns_label(label).is_err() {
                return bad("each dot-separated part must be a lower-case DNS label");
            }
        }
        if labels
            .last()
            .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
        {
            return bad("the last part must not be all digits");
        }
        Ok(Self(text.into()))
    }

    /// A host built from labels already checked (service FQDNs).
    pub fn fqdn(service: &Name, namespace: &Name) -> Self {
        Self(format!("{service}.{namespace}.svc.cluster.local").into())
    }

    /// Every service host of the cluster domain that [`Host::fqdn`] names.
    pub fn cluster_wildcard() -> Self {
        Self("*.cluster.local".into())
    }

    /// Whether this is `*` or starts with `*.`.
    pub fn is_wildcard(&self) -> bool {
        self.0.starts_with('*')
    }

    /// Whether the name has at least two labels (a fully qualified name).
    pub fn is_qualified(&self) -> bool {
        self.0.contains('.')
    }

    /// Whether one of the two names covers the other (Istio's `host.Name.Matches`): `*` covers
    /// every name, `*.example.com` covers `api.example.com`, `a.b.example.com` and
    /// `*.api.example.com`, never `example.com`.
    pub fn overlaps(&self, other: &Host) -> bool {
        let (a, b) = (self.as_str(), other.as_str());
        match (a.strip_prefix('*'), b.strip_prefix('*')) {
            (Some(a_rest), Some(b_rest)) => a_rest.ends_with(b_rest) || b_rest.ends_with(a_rest),
            (Some(a_rest), None) => b.ends_with(a_rest),
            (None, Some(b_rest)) => a.ends_with(b_rest),
            (None, None) => a == b,
        }
    }
}

impl LabelKey {
    /// Checks a label key (`app`, `topology.kubernetes.io/region`).
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let (prefix, name) = match text.split_once('/') {
            Some((prefix, name)) => (Some(prefix), name),
            None => (None, text),
        };
        if let Some(prefix) = prefix
            && (prefix.len() > 253 || Host::parse(prefix).is_err() || prefix.starts_with('*'))
        {
            return Err(Invalid::new(format!(
                "`{text}` is not a label key: its prefix must be a DNS subdomain"
            )));
        }
        if !is_label_value(name) || name.is_empty() {
            return Err(Invalid::new(format!(
                "`{text}` is not a label key: the name part must be 1 to 63 of [A-Za-z0-9._-], \
                 starting and ending alphanumeric"
            )));
        }
        Ok(Self(text.into()))
    }

    /// A well-known key.
    pub(crate) fn known(key: &'static str) -> Self {
        Self(key.into())
    }
}

impl LabelValue {
    /// Checks a label value (may be empty).
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        if is_label_value(text) {
            Ok(Self(text.into()))
        } else {
            Err(Invalid::new(format!(
                "`{text}` is not a label value: at most 63 of [A-Za-z0-9._-], starting and ending \
                 alphanumeric"
            )))
        }
    }

    /// A label value from a checked name.
    pub fn from_name(name: &Name) -> Self {
        Self(name.as_str().into())
    }
}

fn is_label_value(text: &str) -> bool {
    text.is_empty()
        || (text.len() <= 63
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && text.starts_with(|c: char| c.is_ascii_alphanumeric())
            && text.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

impl TagName {
    /// Checks a tag name.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let ok = !text.is_empty()
            && text.len() <= 63
            && text.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Self(text.into()))
        } else {
            Err(Invalid::new(format!(
                "`{text}` is not a tag name: use lower-case letters, digits and `_`, starting \
                 with a letter or `_` (Prometheus label syntax)"
            )))
        }
    }
}

/// The Istio release a profile targets when it names none.
pub(crate) const DEFAULT_ISTIO_VERSION: IstioVersion = IstioVersion {
    major: 1,
    minor: 30,
};

/// The oldest Istio release meshc can target: `security.istio.io/v1` is missing before 1.17.
pub(crate) const OLDEST_ISTIO_VERSION: IstioVersion = IstioVersion {
    major: 1,
    minor: 17,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(Name::parse("llm-processor").is_ok());
        assert!(Name::parse("read-replica-1").is_ok());
        for bad in [
            "",
            "LLM",
            "a.b",
            "-a",
            "a-",
            "a_b",
            "a b",
            "ａ",
            &"a".repeat(64),
        ] {
            assert!(Name::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hosts() {
        assert!(Host::parse("api.openai.com").is_ok());
        assert!(Host::parse("*.example.com").is_ok());
        for bad in [
            "",
            "a..b",
            "*.s3.*.amazonaws.com",
            "foo*.com",
            "a.123",
            "A.com",
            "a b.com",
        ] {
            assert!(Host::parse(bad).is_err(), "{bad:?}");
        }
    }

    /// Cases of Istio's `TestNameMatches` (pkg/config/host/name_test.go), both ways round.
    #[test]
    fn hosts_overlap_as_istio_matches_them() {
        let host = |text| Host::parse(text).unwrap();
        for (a, b, overlap) in [
            ("example.com", "example.com", true),
            ("example.com", "example.org", false),
            ("*", "example.com", true),
            ("*", "*.example.com", true),
            ("*.example.com", "api.example.com", true),
            ("*.example.com", "a.b.example.com", true),
            ("*.example.com", "*.api.example.com", true),
            ("*.example.com", "example.com", false),
            ("*.example.com", "api.example.org", false),
            ("*.a.example.com", "*.b.example.com", false),
            ("*.com", "*.example.com", true),
            ("api.example.com", "apiexample.com", false),
        ] {
            assert_eq!(host(a).overlaps(&host(b)), overlap, "{a} {b}");
            assert_eq!(host(b).overlaps(&host(a)), overlap, "{b} {a}");
        }
    }

    #[test]
    fn labels() {
        assert!(LabelKey::parse("app").is_ok());
        assert!(LabelKey::parse("topology.kubernetes.io/region").is_ok());
        assert!(LabelKey::parse("a/b/c").is_err());
        assert!(LabelKey::parse("").is_err());
        assert!(LabelValue::parse("").is_ok());
        assert!(LabelValue::parse("v1.0").is_ok());
        assert!(LabelValue::parse("-v").is_err());
    }

    #[test]
    fn joined_names_stay_labels() {
        let long = "a".repeat(40);
        let name = Name::joined(&[&long, "b-", &long]);
        assert!(Name::parse(name.as_str()).is_ok());
    }
}
