//! One HTTP request: where it enters the mesh, what it carries. Requests read from TOML or JSON
//! (`from = "gateway"`, `token = "none"` or `token = { issuer = …, claims = { … } }`).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where a request enters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// From outside, through an ingress gateway of the topology (`None`: the first).
    Gateway(Option<String>),
    /// From a workload of the topology, through its sidecar (mTLS with its identity).
    Workload(String),
    /// From a sidecar with this identity that the topology does not list.
    Identity {
        /// Its namespace.
        namespace: String,
        /// Its service account.
        service_account: String,
    },
    /// From a client without a sidecar, straight to the destination's pods: no identity.
    Plaintext,
}

impl FromStr for Origin {
    type Err = String;

    /// `gateway`, `gateway:<name>`, `plaintext`, `<namespace>/<service-account>` or a workload
    /// name.
    fn from_str(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("an empty origin".to_string());
        }
        Ok(match text {
            "gateway" => Origin::Gateway(None),
            "plaintext" => Origin::Plaintext,
            _ => match (text.strip_prefix("gateway:"), text.split_once('/')) {
                (Some(name), _) => Origin::Gateway(Some(name.to_string())),
                (None, Some((namespace, service_account))) => {
                    if namespace.is_empty() || service_account.is_empty() {
                        return Err(format!("`{text}` is not `<namespace>/<service-account>`"));
                    }
                    Origin::Identity {
                        namespace: namespace.to_string(),
                        service_account: service_account.to_string(),
                    }
                }
                (None, None) => Origin::Workload(text.to_string()),
            },
        })
    }
}

impl Origin {
    /// The origin as [`fmt::Display`] writes it, joined by hand for an identity: a sidecar's
    /// hop names every request from an identity this way, and `format!` cost several times
    /// as much.
    pub(crate) fn name(&self) -> String {
        match self {
            Origin::Identity {
                namespace,
                service_account,
            } => [namespace.as_str(), "/", service_account].concat(),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Gateway(None) => f.write_str("gateway"),
            Origin::Gateway(Some(name)) => write!(f, "gateway:{name}"),
            Origin::Workload(name) => f.write_str(name),
            Origin::Identity {
                namespace,
                service_account,
            } => write!(f, "{namespace}/{service_account}"),
            Origin::Plaintext => f.write_str("plaintext"),
        }
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Origin {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The scheme a client uses towards a gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Plain HTTP.
    #[default]
    Http,
    /// HTTP over TLS.
    Https,
}

impl Scheme {
    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A JSON Web Token that verifies against its issuer's keys and has not expired; whether a
/// proxy accepts it (issuer, audiences) is the simulator's to say.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Jwt {
    /// `iss`.
    pub issuer: String,
    /// `sub`; without it the token has no request principal.
    #[serde(default)]
    pub subject: Option<String>,
    /// `aud`.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// Every other claim (strings, lists, nested objects, numbers, booleans).
    #[serde(default)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// The token a request carries in `Authorization: Bearer`.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Token {
    /// No token.
    #[default]
    None,
    /// A token that fails verification whoever checks it (bad signature, expired, malformed).
    Invalid,
    /// A well-signed, current token.
    Valid(Jwt),
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum TokenForm {
    Word(String),
    Jwt(Jwt),
}

impl Serialize for Token {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Token::None => serializer.serialize_str("none"),
            Token::Invalid => serializer.serialize_str("invalid"),
            Token::Valid(jwt) => jwt.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match TokenForm::deserialize(deserializer)? {
            TokenForm::Word(word) if word == "none" => Ok(Token::None),
            TokenForm::Word(word) if word == "invalid" => Ok(Token::Invalid),
            TokenForm::Word(word) => Err(serde::de::Error::custom(format!(
                "token `{word}` is neither `none`, `invalid` nor a table of claims"
            ))),
            TokenForm::Jwt(jwt) => Ok(Token::Valid(jwt)),
        }
    }
}

/// One request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Request {
    /// Where it enters.
    pub from: Origin,
    /// The `Host` header as sent (a port and a trailing dot are part of it).
    pub host: String,
    /// The port dialled: a gateway Service port (default 80 for http, 443 for https) or the
    /// destination Service's port (default: its only one).
    #[serde(default)]
    pub port: Option<u16>,
    /// Towards a gateway: plain HTTP or TLS.
    #[serde(default)]
    pub scheme: Scheme,
    /// The TLS server name, when it differs from the host.
    #[serde(default)]
    pub sni: Option<String>,
    /// The method, as sent.
    #[serde(default = "default_method")]
    pub method: String,
    /// The path as sent, query included.
    #[serde(default = "default_path")]
    pub path: String,
    /// Headers as sent; a name may repeat.
    #[serde(default, with = "header_list")]
    pub headers: Vec<(String, String)>,
    /// The token.
    #[serde(default)]
    pub token: Token,
    /// The client's address, for `ipBlocks` and `remoteIpBlocks`.
    #[serde(default)]
    pub source_ip: Option<IpAddr>,
}

fn default_method() -> String {
    "GET".to_string()
}

fn default_path() -> String {
    "/".to_string()
}

impl Request {
    /// `GET /` from `from` to `host`, with no headers and no token.
    pub fn new(from: Origin, host: impl Into<String>) -> Self {
        Self {
            from,
            host: host.into(),
            port: None,
            scheme: Scheme::Http,
            sni: None,
            method: default_method(),
            path: default_path(),
            headers: Vec::new(),
            token: Token::None,
            source_ip: None,
        }
    }

    /// This request with another method.
    #[must_use]
    pub fn method(mut self, method: &str) -> Self {
        method.clone_into(&mut self.method);
        self
    }

    /// This request with another path.
    #[must_use]
    pub fn path(mut self, path: &str) -> Self {
        path.clone_into(&mut self.path);
        self
    }

    /// This request with a header added.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// This request with a token.
    #[must_use]
    pub fn token(mut self, token: Token) -> Self {
        self.token = token;
        self
    }

    /// This request on another port.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// This request over TLS.
    #[must_use]
    pub fn https(mut self) -> Self {
        self.scheme = Scheme::Https;
        self
    }
}

/// Headers as a map of a name to a value or a list of values.
mod header_list {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Values {
        One(String),
        Many(Vec<String>),
    }

    pub(super) fn serialize<S: Serializer>(
        headers: &[(String, String)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (name, value) in headers {
            map.entry(name).or_default().push(value.clone());
        }
        let map: BTreeMap<&str, Values> = map
            .into_iter()
            .map(|(k, mut v)| {
                let values = if v.len() == 1 {
                    Values::One(v.remove(0))
                } else {
                    Values::Many(v)
                };
                (k, values)
            })
            .collect();
        map.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(String, String)>, D::Error> {
        let map = BTreeMap::<String, Values>::deserialize(deserializer)?;
        Ok(map
            .into_iter()
            .flat_map(|(name, values)| {
                let values = match values {
                    Values::One(v) => vec![v],
                    Values::Many(v) => v,
                };
                values.into_iter().map(move |v| (name.clone(), v))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_parse_and_print() {
        for (text, origin) in [
            ("gateway", Origin::Gateway(None)),
            ("gateway:edge", Origin::Gateway(Some("edge".into()))),
            ("plaintext", Origin::Plaintext),
            ("web", Origin::Workload("web".into())),
            (
                "ns/sa",
                Origin::Identity {
                    namespace: "ns".into(),
                    service_account: "sa".into(),
                },
            ),
        ] {
            assert_eq!(text.parse::<Origin>().unwrap(), origin);
            assert_eq!(origin.to_string(), text);
        }
        for bad in ["", "/sa", "ns/"] {
            assert!(bad.parse::<Origin>().is_err(), "{bad}");
        }
    }

    /// The hand-joined name is the printed origin, for every kind of origin.
    #[test]
    fn an_origin_is_named_as_it_prints() {
        for text in ["gateway", "gateway:edge", "plaintext", "web", "ns/sa"] {
            let origin: Origin = text.parse().unwrap();
            assert_eq!(origin.name(), origin.to_string());
            assert_eq!(origin.name(), text);
        }
    }

    #[test]
    fn requests_read_from_toml_with_defaults() {
        let request: Request = toml::from_str(
            r#"from = "gateway"
host = "api.example.com"
headers = { x-a = "1", x-b = ["2", "3"] }
token = { issuer = "iss", subject = "sub", audiences = ["aud"], claims = { tenant = "a", groups = ["g"] } }
source-ip = "10.0.0.1"
"#,
        )
        .unwrap();
        assert_eq!(request.method, "GET");
        assert_eq!(request.path, "/");
        assert_eq!(request.scheme, Scheme::Http);
        assert_eq!(
            request.headers,
            [
                ("x-a".to_string(), "1".to_string()),
                ("x-b".to_string(), "2".to_string()),
                ("x-b".to_string(), "3".to_string())
            ]
        );
        let Token::Valid(jwt) = &request.token else {
            panic!("a valid token")
        };
        assert_eq!(jwt.subject.as_deref(), Some("sub"));
        assert_eq!(jwt.claims["groups"][0], "g");
        assert_eq!(request.source_ip, Some("10.0.0.1".parse().unwrap()));
        let back: Request = toml::from_str(&toml::to_string(&request).unwrap()).unwrap();
        assert_eq!(back, request);
    }

    #[test]
    fn tokens_are_words_or_tables() {
        #[derive(Deserialize, Serialize)]
        struct T {
            token: Token,
        }
        assert_eq!(
            toml::from_str::<T>("token = \"none\"").unwrap().token,
            Token::None
        );
        assert_eq!(
            toml::from_str::<T>("token = \"invalid\"").unwrap().token,
            Token::Invalid
        );
        assert!(toml::from_str::<T>("token = \"maybe\"").is_err());
        for token in [Token::None, Token::Invalid] {
            let text = toml::to_string(&T {
                token: token.clone(),
            })
            .unwrap();
            assert_eq!(toml::from_str::<T>(&text).unwrap().token, token);
        }
    }

    #[test]
    fn the_builder_sets_each_field() {
        let r = Request::new(Origin::Plaintext, "h")
            .method("POST")
            .path("/p")
            .header("a", "b")
            .port(8080)
            .https()
            .token(Token::Invalid);
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/p");
        assert_eq!(r.headers, [("a".to_string(), "b".to_string())]);
        assert_eq!(r.port, Some(8080));
        assert_eq!(r.scheme, Scheme::Https);
        assert_eq!(r.scheme.as_str(), "https");
        assert_eq!(Scheme::Http.as_str(), "http");
        assert_eq!(r.token, Token::Invalid);
    }
}
