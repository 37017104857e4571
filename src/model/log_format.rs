//! An access-log format: named fields, each one Envoy command operator from a fixed list.
//!
//! The operators and their arguments follow Envoy's access-log reference
//! (envoyproxy/envoy `docs/root/configuration/observability/access_log/usage.rst`, "Command
//! Operators"). Only a value that is exactly one listed operator is accepted, and it is printed
//! back from its parts, so no profile text reaches the YAML as it was written.

use std::fmt;

use super::{Invalid, TagName};

/// How the fields are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLayout {
    /// One line of `name="value"` pairs (`logFormat.text`).
    Text,
    /// One JSON object per request (`logFormat.labels`).
    Json,
}

/// A provider's access-log format.
#[derive(Debug, Clone)]
pub struct LogFormat {
    /// Text or JSON.
    pub layout: LogLayout,
    /// The fields, in name order.
    pub fields: Vec<(TagName, LogOperator)>,
}

/// The operators without an argument that meshc accepts, as Envoy spells them.
const PLAIN: &[&str] = &[
    "START_TIME",
    "REQUEST_DURATION",
    "RESPONSE_DURATION",
    "DURATION",
    "RESPONSE_CODE",
    "RESPONSE_CODE_DETAILS",
    "RESPONSE_FLAGS",
    "CONNECTION_TERMINATION_DETAILS",
    "UPSTREAM_TRANSPORT_FAILURE_REASON",
    "BYTES_RECEIVED",
    "BYTES_SENT",
    "PROTOCOL",
    "UPSTREAM_HOST",
    "UPSTREAM_CLUSTER",
    "UPSTREAM_LOCAL_ADDRESS",
    "DOWNSTREAM_REMOTE_ADDRESS",
    "DOWNSTREAM_LOCAL_ADDRESS",
    "DOWNSTREAM_PEER_URI_SAN",
    "DOWNSTREAM_LOCAL_URI_SAN",
    "DOWNSTREAM_TLS_VERSION",
    "DOWNSTREAM_TLS_CIPHER",
    "REQUESTED_SERVER_NAME",
    "ROUTE_NAME",
    "CONNECTION_ID",
];

/// The HTTP/2 pseudo-headers `REQ` can read besides ordinary headers.
const PSEUDO_HEADERS: &[&str] = &[":method", ":path", ":authority", ":scheme"];

/// The longest value `REQ(…):N` may truncate to that meshc accepts.
const MAX_TRUNCATE: u32 = 4096;

/// Where a header-reading operator looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderSource {
    /// `REQ`: a request header.
    Request,
    /// `RESP`: a response header.
    Response,
    /// `TRAILER`: a response trailer.
    Trailer,
}

/// One Envoy command operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogOperator {
    /// An operator without argument, such as `%RESPONSE_CODE%`.
    Plain(&'static str),
    /// `%REQ(X?Y):N%`, `%RESP(…)%`, `%TRAILER(…)%`: a header, an optional alternative
    /// header, an optional length limit.
    Header {
        /// Request, response or trailer.
        source: HeaderSource,
        /// The header: lower-case letters, digits, `-`, `_` and `.`, or a pseudo-header such
        /// as `:path`.
        header: String,
        /// Read when `header` is absent.
        alternative: Option<String>,
        /// Truncate the value to this many characters.
        max_length: Option<u32>,
    },
}

impl LogOperator {
    /// Reads one operator: `%NAME%` or `%REQ(HEADER[?ALTERNATIVE])[:LENGTH]%`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let refuse = |why: &str| {
            Invalid::new(format!(
                "`{text}` is not an access-log operator: {why} (`meshc explain-code \
                 invalid-log-field` lists them)"
            ))
        };
        let inner = text
            .strip_prefix('%')
            .and_then(|rest| rest.strip_suffix('%'))
            .ok_or_else(|| refuse("write exactly one operator between two `%`"))?;
        if let Some(name) = PLAIN.iter().find(|name| **name == inner) {
            return Ok(Self::Plain(name));
        }
        let Some((command, rest)) = inner.split_once('(') else {
            return Err(refuse("unknown operator"));
        };
        let source = match command {
            "REQ" => HeaderSource::Request,
            "RESP" => HeaderSource::Response,
            "TRAILER" => HeaderSource::Trailer,
            _ => return Err(refuse("unknown operator")),
        };
        let (argument, tail) = rest
            .split_once(')')
            .ok_or_else(|| refuse("the header is not closed by `)`"))?;
        let max_length = match tail {
            "" => None,
            _ => Some(
                tail.strip_prefix(':')
                    .and_then(|n| n.parse::<u32>().ok())
                    .filter(|n| (1..=MAX_TRUNCATE).contains(n))
                    .ok_or_else(|| {
                        refuse("after `)` only `:N` may follow, a length from 1 to 4096")
                    })?,
            ),
        };
        let header = |name: &str| {
            let lower = name.to_ascii_lowercase();
            let plain = !lower.is_empty()
                && lower.len() <= 256
                && lower
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
            if plain || PSEUDO_HEADERS.contains(&lower.as_str()) {
                Ok(lower)
            } else {
                Err(refuse(&format!("`{name}` is not a header name")))
            }
        };
        let (first, alternative) = match argument.split_once('?') {
            Some((first, alternative)) => (header(first)?, Some(header(alternative)?)),
            None => (header(argument)?, None),
        };
        Ok(Self::Header {
            source,
            header: first,
            alternative,
            max_length,
        })
    }
}

/// Envoy's spelling: operators and header names in upper case (Envoy matches header names
/// without regard to case).
impl fmt::Display for LogOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Plain(name) => write!(f, "%{name}%"),
            Self::Header {
                source,
                header,
                alternative,
                max_length,
            } => {
                let command = match source {
                    HeaderSource::Request => "REQ",
                    HeaderSource::Response => "RESP",
                    HeaderSource::Trailer => "TRAILER",
                };
                write!(f, "%{command}({}", header.to_ascii_uppercase())?;
                if let Some(alternative) = alternative {
                    write!(f, "?{}", alternative.to_ascii_uppercase())?;
                }
                f.write_str(")")?;
                if let Some(length) = max_length {
                    write!(f, ":{length}")?;
                }
                f.write_str("%")
            }
        }
    }
}

impl LogFormat {
    /// `logFormat.text`: the fields as `name="value"` pairs on one line (Istio adds the
    /// newline: MeshConfig `EnvoyFileAccessLogProvider.LogFormat.text`).
    pub fn text(&self) -> String {
        self.fields
            .iter()
            .map(|(name, operator)| format!("{}=\"{operator}\"", name.as_str()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> String {
        LogOperator::parse(text).map_or_else(|e| format!("refused: {e:?}"), |op| op.to_string())
    }

    #[test]
    fn operators_come_back_in_envoys_spelling() {
        assert_eq!(shown("%RESPONSE_CODE%"), "%RESPONSE_CODE%");
        assert_eq!(shown("%REQ(x-request-id)%"), "%REQ(X-REQUEST-ID)%");
        assert_eq!(
            shown("%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"),
            "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"
        );
        assert_eq!(
            shown("%RESP(x-envoy-upstream-service-time)%"),
            "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%"
        );
        assert_eq!(shown("%TRAILER(grpc-status)%"), "%TRAILER(GRPC-STATUS)%");
        assert_eq!(shown("%REQ(user-agent):100%"), "%REQ(USER-AGENT):100%");
        assert_eq!(shown("%REQ(:authority)%"), "%REQ(:AUTHORITY)%");
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "%",
            "%%",
            "RESPONSE_CODE",
            "%RESPONSE_CODE",
            "%response_code%",
            "%DOWNSTREAM_TLS_SNI%",
            "%START_TIME%x",
            "code: %RESPONSE_CODE%",
            "%RESPONSE_CODE%%DURATION%",
            "%REQ()%",
            "%REQ(x-a%",
            "%REQ(x a)%",
            "%REQ(:status)%",
            "%REQ(x-a?)%",
            "%REQ(x-a?b?c)%",
            "%REQ(x-a):0%",
            "%REQ(x-a):4097%",
            "%REQ(x-a):%",
            "%REQ(x-a)x%",
            "%REQ(x-a)):1%",
            "%FILTER_STATE(x)%",
            "%REQ(x-a\n)%",
            "%REQ(x%a)%",
            "%REQ(x'a)%",
            "%REQ(x\"a)%",
            "%REQ(x-a?y b)%",
        ] {
            assert!(shown(text).starts_with("refused"), "{text:?} was accepted");
        }
    }

    #[test]
    fn header_names_hold_up_to_256_characters() {
        let longest = "a".repeat(256);
        assert_eq!(
            shown(&format!("%REQ({longest})%")),
            format!("%REQ({})%", longest.to_ascii_uppercase())
        );
        assert!(shown(&format!("%REQ({longest}a)%")).starts_with("refused"));
    }

    #[test]
    fn longest_truncation_is_accepted() {
        assert_eq!(shown("%REQ(x-a):4096%"), "%REQ(X-A):4096%");
        assert_eq!(shown("%REQ(x-a):1%"), "%REQ(X-A):1%");
    }

    #[test]
    fn text_joins_quoted_pairs() {
        let format = LogFormat {
            layout: LogLayout::Text,
            fields: vec![
                (
                    TagName::parse("code").unwrap(),
                    LogOperator::Plain("RESPONSE_CODE"),
                ),
                (
                    TagName::parse("id").unwrap(),
                    LogOperator::parse("%REQ(x-request-id)%").unwrap(),
                ),
            ],
        };
        assert_eq!(
            format.text(),
            "code=\"%RESPONSE_CODE%\" id=\"%REQ(X-REQUEST-ID)%\""
        );
    }
}
