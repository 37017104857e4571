//! The request as one proxy sees it: its headers (which JWT authentication and routes change on
//! the way), the verified token's claims, the peer, the addresses.

use std::borrow::Cow;
use std::net::IpAddr;

use serde_json::Value;

use super::request::Jwt;

/// Headers, names in lower case, in the order they were sent; borrowed from the request until
/// a proxy changes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Headers<'r>(Vec<(Cow<'r, str>, Cow<'r, str>)>);

impl<'r> Headers<'r> {
    pub(crate) fn new(headers: &'r [(String, String)]) -> Self {
        Self(
            headers
                .iter()
                .map(|(k, v)| {
                    let name = if k.bytes().any(|b| b.is_ascii_uppercase()) {
                        Cow::Owned(k.to_ascii_lowercase())
                    } else {
                        Cow::Borrowed(k.as_str())
                    };
                    (name, Cow::Borrowed(v.as_str()))
                })
                .collect(),
        )
    }

    /// The value, several values of one name joined with `,` (as Envoy's header matchers and
    /// Istio's authorization see them).
    pub(crate) fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        let mut values = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        let first = values.next()?;
        match values.next() {
            None => Some(Cow::Borrowed(first)),
            Some(second) => {
                let mut joined = format!("{first},{second}");
                for value in values {
                    joined.push(',');
                    joined.push_str(value);
                }
                Some(Cow::Owned(joined))
            }
        }
    }

    /// Removes every value of `name`; whether there was one.
    pub(crate) fn remove(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|(k, _)| k != name);
        self.0.len() != before
    }

    /// Replaces every value of `name`.
    pub(crate) fn set(&mut self, name: &str, value: &str) {
        self.remove(name);
        self.add(name, value);
    }

    /// Adds a value.
    pub(crate) fn add(&mut self, name: &str, value: &str) {
        self.0
            .push((Cow::Owned(name.to_string()), Cow::Owned(value.to_string())));
    }

    /// The headers, owning their text.
    #[cfg(test)]
    pub(crate) fn into_owned(self) -> Headers<'static> {
        Headers(
            self.0
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())))
                .collect(),
        )
    }
}

/// A claim of a verified token, as Envoy's metadata holds it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Claim<'r> {
    Str(&'r str),
    /// A string claim Envoy splits on spaces into a list (`scope`, `permission`, and the
    /// rule's `spaceDelimitedClaims`).
    Words(&'r str),
    List(&'r [String]),
    Json(&'r Value),
}

impl Claim<'_> {
    /// Whether the claim is a string `test` accepts, or a list with one (Istio's "list or
    /// string" matcher, pilot/pkg/security/authz/matcher/metadata.go).
    pub(crate) fn any(&self, test: impl Fn(&str) -> bool) -> bool {
        match self {
            Claim::Str(s) => test(s),
            Claim::Words(s) => s.split(' ').filter(|w| !w.is_empty()).any(test),
            Claim::List(items) => items.iter().any(|i| test(i)),
            Claim::Json(Value::String(s)) => test(s),
            Claim::Json(Value::Array(items)) => items.iter().any(|i| i.as_str().is_some_and(&test)),
            Claim::Json(_) => false,
        }
    }

    /// The claim as `outputClaimToHeaders` writes it (Envoy jwt_authn authenticator.cc
    /// `addJWTClaimToHeader`): strings as they are, numbers and booleans printed, lists and
    /// objects as base64 JSON; `None` when nothing is written.
    pub(crate) fn header_value(&self) -> Option<String> {
        let text = match self {
            Claim::Str(s) | Claim::Words(s) => (*s).to_string(),
            Claim::List(items) => encode(&Value::from(items.to_vec())),
            Claim::Json(Value::String(s)) => s.clone(),
            Claim::Json(Value::Bool(b)) => b.to_string(),
            Claim::Json(Value::Number(n)) => match n.as_u64() {
                Some(u) => u.to_string(),
                None => format!("{:.6}", n.as_f64().unwrap_or_default()),
            },
            Claim::Json(v @ (Value::Array(_) | Value::Object(_))) => encode(v),
            Claim::Json(Value::Null) => String::new(),
        };
        (!text.is_empty()).then_some(text)
    }
}

fn encode(value: &Value) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = value.to_string().into_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut word = [0u8; 4];
        word[1..=chunk.len()].copy_from_slice(chunk);
        let n = u32::from_be_bytes(word);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The claims of a verified token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Payload<'r> {
    pub jwt: &'r Jwt,
    /// Claims split on spaces, besides `scope` and `permission`.
    pub split: &'r [String],
}

impl<'r> Payload<'r> {
    /// The claim at `path` (nested objects by key).
    pub(crate) fn get(&self, path: &[impl AsRef<str>]) -> Option<Claim<'r>> {
        let (first, rest) = path.split_first()?;
        let first = first.as_ref();
        if rest.is_empty() {
            match first {
                "iss" => return Some(Claim::Str(&self.jwt.issuer)),
                "sub" => return self.jwt.subject.as_deref().map(Claim::Str),
                "aud" if !self.jwt.audiences.is_empty() => {
                    return Some(Claim::List(&self.jwt.audiences));
                }
                _ => {}
            }
        }
        let mut value = self.jwt.claims.get(first)?;
        if rest.is_empty() {
            let split =
                ["scope", "permission"].contains(&first) || self.split.iter().any(|s| s == first);
            return Some(match value {
                Value::String(s) if split => Claim::Words(s),
                other => Claim::Json(other),
            });
        }
        for key in rest {
            value = value.as_object()?.get(key.as_ref())?;
        }
        Some(Claim::Json(value))
    }

    /// `<iss>/<sub>`, when the token has a subject. Joined by hand: every verified token of
    /// the proofs writes one into its hop's trace, and `format!` cost five times as much.
    pub(crate) fn principal(&self) -> Option<String> {
        let subject = self.jwt.subject.as_deref()?;
        let issuer = &self.jwt.issuer;
        let mut principal = String::with_capacity(issuer.len() + 1 + subject.len());
        principal.push_str(issuer);
        principal.push('/');
        principal.push_str(subject);
        Some(principal)
    }
}

/// What a proxy knows when it authorizes a request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attributes<'r> {
    /// `:authority`, port included as sent.
    pub host: &'r str,
    pub method: &'r str,
    /// The normalized path without its query.
    pub path: &'r str,
    /// The port the proxy received the request on (the container port).
    pub port: u16,
    pub headers: &'r Headers<'r>,
    /// The peer's identity URI (`spiffe://…`) when the connection is mTLS.
    pub peer: Option<&'r str>,
    /// The verified token's claims.
    pub jwt: Option<Payload<'r>>,
    /// The peer's address; `None` when the simulator cannot know it.
    pub source_ip: Option<IpAddr>,
    /// The original client's address; `None` when unknown.
    pub remote_ip: Option<IpAddr>,
    /// The TLS server name of the connection.
    pub sni: Sni<'r>,
    /// A TLS or TCP connection the proxy does not read as HTTP: its policies see no HTTP
    /// attribute.
    pub tcp: bool,
}

/// The TLS server name of a connection, built only when a policy asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sni<'r> {
    /// Plaintext.
    None,
    /// What the client sent.
    Name(&'r str),
    /// What a sidecar sends with auto mTLS: `outbound_.<port>_.<subset>_.<host>`.
    Outbound {
        port: u16,
        subset: &'r str,
        host: &'r str,
    },
}

impl Sni<'_> {
    /// The name, if there is one.
    pub(crate) fn name(&self) -> Option<Cow<'_, str>> {
        match *self {
            Sni::None => None,
            Sni::Name(name) => Some(Cow::Borrowed(name)),
            Sni::Outbound { port, subset, host } => {
                Some(Cow::Owned(format!("outbound_.{port}_.{subset}_.{host}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt() -> Jwt {
        let claims = serde_json::json!({
            "tenant": "a",
            "groups": ["g1", 2, "g2"],
            "scope": "read  write",
            "roles": "x y",
            "nested": {"team": {"id": "t1"}},
            "n": 42,
            "f": 1.5,
            "b": true,
            "o": {"k": "v"},
            "empty": "",
            "null": null,
        });
        Jwt {
            issuer: "iss".into(),
            subject: Some("sub".into()),
            audiences: vec!["a1".into(), "a2".into()],
            claims: claims.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn headers_join_repeated_values() {
        let pairs = [
            ("X-A".into(), "1".into()),
            ("x-a".into(), "2".into()),
            ("x-a".into(), "3".into()),
            ("x-b".into(), String::new()),
        ];
        let mut h = Headers::new(&pairs);
        assert_eq!(h.get("x-a").as_deref(), Some("1,2,3"));
        assert_eq!(h.get("x-b").as_deref(), Some(""));
        assert_eq!(h.get("x-c"), None);
        assert!(h.remove("x-a"));
        assert!(!h.remove("x-a"));
        h.set("x-b", "v");
        h.add("x-b", "w");
        assert_eq!(h.get("x-b").as_deref(), Some("v,w"));
        h.set("x-b", "z");
        assert_eq!(h.get("x-b").as_deref(), Some("z"));
    }

    #[test]
    fn claims_are_found_and_matched_as_envoy_does() {
        let jwt = jwt();
        let roles = ["roles".to_string()];
        let p = Payload {
            jwt: &jwt,
            split: &roles,
        };
        let is = |path: &[&str], v: &str| p.get(path).is_some_and(|c| c.any(|s| s == v));
        assert!(is(&["iss"], "iss"));
        assert!(is(&["sub"], "sub"));
        assert!(is(&["aud"], "a2"));
        assert!(is(&["tenant"], "a"));
        assert!(is(&["groups"], "g2"));
        assert!(!is(&["groups"], "2"));
        assert!(is(&["scope"], "write"));
        assert!(!is(&["scope"], "read  write"));
        assert!(!is(&["scope"], ""));
        assert!(is(&["roles"], "y"));
        assert!(is(&["nested", "team", "id"], "t1"));
        assert!(!is(&["nested", "team"], "t1"));
        assert!(!is(&["n"], "42"));
        assert!(!is(&["missing"], "x"));
        assert!(!is(&["tenant", "x"], "a"));
        assert!(p.get(&[] as &[&str]).is_none());
        assert_eq!(p.principal().as_deref(), Some("iss/sub"));
        let mut bare = jwt.clone();
        bare.subject = None;
        bare.audiences.clear();
        let q = Payload {
            jwt: &bare,
            split: &[],
        };
        assert!(q.principal().is_none());
        assert!(q.get(&["sub"]).is_none());
        assert!(q.get(&["aud"]).is_none());
        assert!(q.get(&["roles"]).is_some_and(|c| c.any(|s| s == "x y")));
    }

    #[test]
    fn claims_become_header_values() {
        let jwt = jwt();
        let p = Payload {
            jwt: &jwt,
            split: &[],
        };
        let value = |path: &str| p.get(&[path]).and_then(|c| c.header_value());
        assert_eq!(value("tenant").as_deref(), Some("a"));
        assert_eq!(value("n").as_deref(), Some("42"));
        assert_eq!(value("f").as_deref(), Some("1.500000"));
        assert_eq!(value("b").as_deref(), Some("true"));
        assert_eq!(value("scope").as_deref(), Some("read  write"));
        // {"k":"v"} in base64.
        assert_eq!(value("o").as_deref(), Some("eyJrIjoidiJ9"));
        assert_eq!(value("aud").as_deref(), Some("WyJhMSIsImEyIl0="));
        assert_eq!(value("empty"), None);
        assert_eq!(value("null"), None);
        assert_eq!(value("missing"), None);
        assert_eq!(encode(&Value::from("ab")), "ImFiIg==");
    }
}
