//! HTTP vocabulary: header names and values, paths, methods, retry conditions, URLs.

use super::Invalid;
use super::names::string_newtype;
use crate::istio::vocab::{JwksUriError, RETRY_ON, parse_jwks_uri};

string_newtype!(
    /// A lower-case HTTP header name (an RFC 7230 token). Envoy lower-cases header names, so a
    /// mixed-case name in a match or a CEL lookup would never be found.
    HeaderName
);
string_newtype!(
    /// A header value to match exactly: printable ASCII without `%` (Envoy's variable syntax).
    HeaderValue
);
string_newtype!(
    /// An absolute request path (`/v1/intent`): printable ASCII without spaces, `?`, `#`, `*`,
    /// quotes, braces or backslashes, and no `.`/`..` segments.
    HttpPath
);
string_newtype!(
    /// An upper-case HTTP method from the standard set.
    Method
);
string_newtype!(
    /// One Envoy `retry_on` condition (`5xx`, `connect-failure`, or a status code).
    RetryOn
);
string_newtype!(
    /// An `https://` URL of one server: a JWKS URI.
    HttpsUrl
);
string_newtype!(
    /// A JWT issuer: the text a token's `iss` claim must equal. Istio only compares it, never
    /// fetches it, so it need not be a URL (`testing@secure.istio.io` is Istio's own).
    Issuer
);

/// The longest issuer meshc takes; real ones are URLs or e-mail-like names of a few dozen
/// characters.
const MAX_ISSUER: usize = 1024;

impl Issuer {
    /// Checks an issuer: not empty, no control characters (they would end the YAML scalar
    /// or the log line that shows it), and no `*`, which in the `requestPrincipals` meshc
    /// derives from it (`<issuer>/*`) would be read as a wildcard.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        if text.is_empty() {
            return Err(Invalid::new(
                "the issuer is empty: write the `iss` claim of the tokens",
            ));
        }
        if text.len() > MAX_ISSUER {
            return Err(Invalid::new(format!(
                "the issuer is {} bytes long; meshc takes at most {MAX_ISSUER}",
                text.len()
            )));
        }
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(Invalid::new(format!(
                "the issuer holds the control character {c:?}"
            )));
        }
        if text.contains('*') {
            return Err(Invalid::new(format!(
                "`{text}` holds `*`, which request principals (`<issuer>/*`) read as a wildcard"
            )));
        }
        Ok(Self(text.into()))
    }
}

/// Why a JWT issuer or JWKS URI was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlRefusal {
    /// A scheme other than `https`: keys and tokens must come over TLS.
    NotHttps(Invalid),
    /// Not a URL Go reads, or not one that names a single server.
    Invalid(Invalid),
}

impl HeaderName {
    /// Checks a header name.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let token =
            |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b);
        if text.is_empty() || text.len() > 256 {
            return Err(Invalid::new(format!(
                "`{text}` is not a header name: it must be 1 to 256 characters"
            )));
        }
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(Invalid::new(format!(
                "`{text}` is not a lower-case header name; write `{}` (Envoy lower-cases names)",
                text.to_ascii_lowercase()
            )));
        }
        if !text.bytes().all(token) {
            return Err(Invalid::new(format!(
                "`{text}` is not a header name: only letters, digits and !#$%&'*+-.^_`|~ are \
                 allowed"
            )));
        }
        Ok(Self(text.into()))
    }
}

impl HeaderValue {
    /// Checks a header value for an exact match.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        if text.is_empty() || text.len() > 1024 {
            return Err(Invalid::new(
                "a header value must be 1 to 1024 characters".to_string(),
            ));
        }
        if let Some(c) = text.chars().find(|c| !(' '..='~').contains(c) || *c == '%') {
            return Err(Invalid::new(format!(
                "the header value {text:?} holds {c:?}; use printable ASCII without `%`"
            )));
        }
        if text.starts_with(' ') || text.ends_with(' ') {
            return Err(Invalid::new(format!(
                "the header value {text:?} has leading or trailing spaces, which HTTP strips"
            )));
        }
        Ok(Self(text.into()))
    }
}

impl HttpPath {
    /// Checks a path or path prefix.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let bad = |why: &str| Err(Invalid::new(format!("`{text}` is not a path: {why}")));
        if !text.starts_with('/') {
            return bad("it must start with `/`");
        }
        if text.len() > 1024 {
            return bad("it is longer than 1024 characters");
        }
        if let Some(c) = text
            .chars()
            .find(|c| !('!'..='~').contains(c) || "?#*\"'{}\\`<>^|[]".contains(*c))
        {
            return bad(&format!(
                "it holds {c:?}; paths may hold printable ASCII except ?#*\"'{{}}\\`<>^|[] and spaces"
            ));
        }
        if text.contains("//") {
            return bad("it holds an empty segment (`//`)");
        }
        if text.split('/').any(|s| s == "." || s == "..") {
            return bad("it holds a `.` or `..` segment");
        }
        Ok(Self(text.into()))
    }

    /// The root path `/`.
    pub fn root() -> Self {
        Self("/".into())
    }

    /// Whether the path ends with `/` (a prefix that only covers what is below it).
    pub fn ends_with_slash(&self) -> bool {
        self.0.ends_with('/')
    }

    /// Whether every path under `self` (as a segment prefix) is also under `other`.
    pub fn is_within(&self, other: &HttpPath) -> bool {
        let outer = other.0.trim_end_matches('/');
        let inner = self.as_str();
        inner == other.as_str()
            || inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

/// The methods Istio's CORS validation and common HTTP use accept.
pub(super) const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE",
];

impl Method {
    /// Checks a method (case-sensitive, as Envoy compares them).
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        if METHODS.contains(&text) {
            Ok(Self(text.into()))
        } else {
            let hint = if METHODS.contains(&text.to_ascii_uppercase().as_str()) {
                format!("; write `{}`", text.to_ascii_uppercase())
            } else {
                String::new()
            };
            Err(Invalid::new(format!(
                "`{text}` is not an HTTP method (one of {}){hint}",
                METHODS.join(", ")
            )))
        }
    }
}

/// Istio's own default retry policy, used when a budget names no conditions. Istio retries 503
/// by default through `retriable-status-codes`, but an explicit `retryOn` replaces its status
/// codes with the ones it lists, so 503 must be listed to keep that default.
pub(super) const DEFAULT_RETRY_ON: &[&str] = &[
    "connect-failure",
    "refused-stream",
    "unavailable",
    "cancelled",
    "retriable-status-codes",
    "503",
];

impl RetryOn {
    /// Checks one condition.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let status = text.len() == 3
            && text.bytes().all(|b| b.is_ascii_digit())
            && (100..=599).contains(&text.parse::<u16>().unwrap_or(0));
        if RETRY_ON.contains(&text) || status {
            Ok(Self(text.into()))
        } else {
            Err(Invalid::new(format!(
                "`{text}` is not a retry condition: use an HTTP status code or one of {}",
                RETRY_ON.join(", ")
            )))
        }
    }

    /// Istio's default conditions.
    pub fn defaults() -> Vec<Self> {
        DEFAULT_RETRY_ON.iter().map(|c| Self((*c).into())).collect()
    }
}

impl HttpsUrl {
    /// A JWKS URI: one istiod accepts (`security.ParseJwksURI`: Go's `url.Parse`, a port that
    /// fits an `int`), and meshc's own rule for a URL Envoy fetches signing keys from: `https`,
    /// a DNS host name, not a wildcard, no user information, a port from 1 to 65535, and only
    /// the printable ASCII a URL may hold unescaped.
    pub fn jwks_uri(text: &str) -> Result<Self, UrlRefusal> {
        let invalid = |why: String| Err(UrlRefusal::Invalid(Invalid::new(why)));
        let jwks = match parse_jwks_uri(text) {
            Ok(jwks) => jwks,
            Err(JwksUriError::Scheme(_)) => {
                return Err(UrlRefusal::NotHttps(Invalid::new(format!(
                    "`{text}` is not an https:// URL; tokens and keys must come over TLS"
                ))));
            }
            Err(error) => return invalid(format!("istiod refuses the URL: {error}")),
        };
        let url = &jwks.url;
        if url.scheme != "https" {
            return Err(UrlRefusal::NotHttps(Invalid::new(format!(
                "`{text}` is not an https:// URL; tokens and keys must come over TLS"
            ))));
        }
        let host = url.hostname();
        if host.is_empty() {
            return invalid(format!("`{text}` has no host: write https://host/path"));
        }
        if url.user.is_some() {
            return invalid(format!(
                "`{text}` holds user information (`user@`): keys come from a server, and \
                 credentials in a URL end up in every proxy's configuration"
            ));
        }
        if host.starts_with('*') {
            return invalid(format!(
                "`{text}` has a wildcard host: a JWKS URI names the one server the keys come from"
            ));
        }
        if url.host.starts_with('[') || super::Host::parse(host).is_err() {
            return invalid(format!(
                "`{text}` is not a URL: expected https://host/path with a DNS host"
            ));
        }
        if url.host.ends_with(':') || !(1..=65535).contains(&jwks.port) {
            return invalid(format!(
                "`{text}` has the port `{}`: write one from 1 to 65535, or none for 443",
                url.port()
            ));
        }
        if let Some(c) = text
            .chars()
            .find(|c| !('!'..='~').contains(c) || "\"'\\<>`{}|^".contains(*c))
        {
            return invalid(format!(
                "`{text}` holds {c:?}, which a URL must percent-encode"
            ));
        }
        Ok(Self(text.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_lower_case_tokens() {
        assert!(HeaderName::parse("x-tenant-id").is_ok());
        for bad in ["X-Tenant", "x tenant", "", "x:y", "x\ny", "ä"] {
            assert!(HeaderName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn header_values_are_printable() {
        assert!(HeaderValue::parse("high").is_ok());
        assert!(HeaderValue::parse("a: b").is_ok());
        for bad in ["", "50%", "a\nb", " x", "ü"] {
            assert!(HeaderValue::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn paths() {
        assert!(HttpPath::parse("/v1/intent").is_ok());
        assert!(HttpPath::parse("/").is_ok());
        for bad in [
            "v1", "/a b", "/a/../b", "/a//b", "/a*", "/a?x", "/{x}", "/a'b",
        ] {
            assert!(HttpPath::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn path_containment_respects_segments() {
        let p = |t| HttpPath::parse(t).unwrap();
        assert!(p("/v1/intent/x").is_within(&p("/v1/intent")));
        assert!(p("/v1/intent").is_within(&p("/v1/intent/")));
        assert!(p("/v1/intent").is_within(&p("/")));
        assert!(!p("/v1/intentional").is_within(&p("/v1/intent")));
        assert!(!p("/v1").is_within(&p("/v1/intent")));
    }

    #[test]
    fn methods_and_retry_conditions() {
        assert!(Method::parse("GET").is_ok());
        assert!(Method::parse("get").is_err());
        assert!(RetryOn::parse("503").is_ok());
        assert!(RetryOn::parse("5xx").is_ok());
        assert!(RetryOn::parse("5xx,reset").is_err());
    }

    #[test]
    fn https_urls() {
        for good in [
            "https://auth.example.com/.well-known/jwks.json",
            "https://auth.example.com:8443",
            "https://auth.example.com:1/x",
            "https://auth.example.com:65535/x",
            "https://auth.example.com?tenant=a",
            "HTTPS://auth.example.com/x",
            "https://auth.example.com/a%20b",
        ] {
            assert!(
                HttpsUrl::jwks_uri(good).is_ok(),
                "{good}: {:?}",
                HttpsUrl::jwks_uri(good)
            );
            assert!(Issuer::parse(good).is_ok(), "{good}");
        }
        let refusal = |text: &str| match HttpsUrl::jwks_uri(text) {
            Ok(_) => "accepted".to_string(),
            Err(UrlRefusal::NotHttps(why)) => format!("not-https: {}", why.reason()),
            Err(UrlRefusal::Invalid(why)) => format!("invalid: {}", why.reason()),
        };
        for (text, expected) in [
            (
                "http://a.com",
                "not-https: `http://a.com` is not an https:// URL",
            ),
            (
                "ftp://a.com",
                "not-https: `ftp://a.com` is not an https:// URL",
            ),
            (
                "a.com/jwks",
                "not-https: `a.com/jwks` is not an https:// URL",
            ),
            (
                "https://a.com/%zz",
                r#"invalid: istiod refuses the URL: parse "https://a.com/%zz": invalid URL escape "%zz""#,
            ),
            (
                "https://a b",
                r#"invalid: istiod refuses the URL: parse "https://a b": invalid character " " in host name"#,
            ),
            (
                "https://a.com:99999999999999999999/",
                "invalid: istiod refuses the URL: strconv.Atoi",
            ),
            ("https://", "invalid: `https://` has no host"),
            ("https:///jwks", "invalid: `https:///jwks` has no host"),
            ("https:a.com", "invalid: `https:a.com` has no host"),
            (
                "https://user@a.com/",
                "invalid: `https://user@a.com/` holds user information",
            ),
            ("https://*", "invalid: `https://*` has a wildcard host"),
            (
                "https://*.example.com/jwks.json",
                "invalid: `https://*.example.com/jwks.json` has a wildcard host",
            ),
            (
                "https://[::1]/jwks",
                "invalid: `https://[::1]/jwks` is not a URL: expected https://host/path with a DNS host",
            ),
            (
                "https://1.2.3.4/jwks",
                "invalid: `https://1.2.3.4/jwks` is not a URL",
            ),
            (
                "https://a_b.com/",
                "invalid: `https://a_b.com/` is not a URL",
            ),
            (
                "https://a.com:0/",
                "invalid: `https://a.com:0/` has the port `0`",
            ),
            (
                "https://a.com:65536/",
                "invalid: `https://a.com:65536/` has the port `65536`",
            ),
            (
                "https://a.com:/",
                "invalid: `https://a.com:/` has the port ``",
            ),
            (
                "https://a.com/\"x",
                "invalid: `https://a.com/\"x` holds '\"'",
            ),
            ("https://a.com/é", "invalid: `https://a.com/é` holds 'é'"),
            ("https://a.com/ x", "invalid: `https://a.com/ x` holds ' '"),
        ] {
            let got = refusal(text);
            assert!(got.starts_with(expected), "{text}: {got}");
        }
    }

    #[test]
    fn an_issuer_is_compared_text_not_a_url() {
        for good in [
            "testing@secure.istio.io",
            "https://accounts.google.com",
            "my issuer",
            "é",
        ] {
            assert!(Issuer::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "a\nb",
            "a\u{7f}",
            "https://*.example.com",
            &"x".repeat(MAX_ISSUER + 1),
        ] {
            assert!(Issuer::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Issuer::parse(&"x".repeat(MAX_ISSUER)).is_ok());
    }
}
