//! Istio's reading of a JWKS URI (`security.ParseJwksURI` in `pkg/config/security/security.go`
//! at istio/istio 86c9f01f, which `validateJwtRule` runs on `jwksUri`): Go's `url.Parse`, the
//! scheme `http` or `https`, and a port `strconv.Atoi` reads.

use std::fmt;

use super::url::{self, Url, UrlError, quote};

/// A JWKS URI istiod accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JwksUri {
    /// The URL as Go parsed it.
    pub url: Url,
    /// The port istiod fetches from: the URL's, or 80 for `http` and 443 for `https`.
    pub port: i64,
}

/// Why istiod refuses a JWKS URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JwksUriError {
    /// Go's `url.Parse` refuses it.
    Parse(UrlError),
    /// The scheme is not `http` or `https`.
    Scheme(String),
    /// The port does not fit an `int`.
    Port(String),
}

impl fmt::Display for JwksUriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse(error) => error.fmt(f),
            Self::Scheme(scheme) => {
                write!(
                    f,
                    "URI scheme {} is not supported",
                    quote(scheme.as_bytes())
                )
            }
            Self::Port(port) => write!(
                f,
                "strconv.Atoi: parsing {}: value out of range",
                quote(port.as_bytes())
            ),
        }
    }
}

impl std::error::Error for JwksUriError {}

/// `security.ParseJwksURI`.
pub(crate) fn parse_jwks_uri(raw: &str) -> Result<JwksUri, JwksUriError> {
    let url = url::parse(raw).map_err(JwksUriError::Parse)?;
    let default_port = match url.scheme.as_str() {
        "http" => 80,
        "https" => 443,
        other => return Err(JwksUriError::Scheme(other.to_string())),
    };
    let port = match url.port() {
        "" => default_port,
        digits => digits
            .parse()
            .map_err(|_| JwksUriError::Port(digits.to_string()))?,
    };
    Ok(JwksUri { url, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(raw: &str) -> String {
        parse_jwks_uri(raw).map_or_else(|e| e.to_string(), |_| "accepted".to_string())
    }

    #[test]
    fn ports_default_by_scheme() {
        let port = |raw: &str| parse_jwks_uri(raw).map(|j| j.port).ok();
        assert_eq!(
            port("https://issuer.example.com/.well-known/jwks.json"),
            Some(443)
        );
        assert_eq!(port("http://keycloak:8080/realms/x/certs"), Some(8080));
        assert_eq!(port("HTTP://x/"), Some(80));
        assert_eq!(port("https://x:/"), Some(443));
        assert_eq!(port("http://[fe80::1%25en0]:8080/"), Some(8080));
        assert_eq!(port("https://x:0/"), Some(0));
        assert_eq!(port("https://x:99999/"), Some(99999));
    }

    #[test]
    fn errors_read_as_istiod_writes_them() {
        for (raw, message) in [
            (
                "ftp://example.com/keys",
                r#"URI scheme "ftp" is not supported"#,
            ),
            ("example.com/keys", r#"URI scheme "" is not supported"#),
            ("mailto:a@b", r#"URI scheme "mailto" is not supported"#),
            (":foo", r#"parse ":foo": missing protocol scheme"#),
            (
                "https://a.com/%zz",
                r#"parse "https://a.com/%zz": invalid URL escape "%zz""#,
            ),
            (
                "https://a.com/x#%z",
                r#"parse "https://a.com/x#%z": invalid URL escape "%z""#,
            ),
            (
                "https://a b/#x",
                r#"parse "https://a b/": invalid character " " in host name"#,
            ),
            (
                "http://foo.com:80a/",
                r#"parse "http://foo.com:80a/": invalid port ":80a" after host"#,
            ),
            (
                "https://a.com:1:2/",
                r#"parse "https://a.com:1:2/": invalid port ":1:2" after host"#,
            ),
            (
                "https://a.com:99999999999999999999/",
                r#"strconv.Atoi: parsing "99999999999999999999": value out of range"#,
            ),
            (
                "https://a.com/\n",
                r#"parse "https://a.com/\n": net/url: invalid control character in URL"#,
            ),
        ] {
            assert_eq!(error(raw), message, "{raw}");
        }
    }
}
