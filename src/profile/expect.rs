//! `[[expect]]`: a request and the outcome the rendered mesh must give it.

use std::collections::BTreeMap;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, de::value::MapAccessDeserializer};

use super::spanned::Sp;

/// `[[expect]]`: one request through the rendered mesh, and what must happen to it. Checked on
/// every render and validate by meshc's simulation of Istio.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawExpect {
    /// Where the request enters: `gateway` (the first gateway), `gateway:<name>` (one of
    /// `[gateways]`), a service of the profile, `<namespace>/<service-account>`, or `plaintext`
    /// (no sidecar, no identity).
    pub from: Sp<String>,
    /// The Host header: a host, or a service of the profile (its cluster name). Default at a
    /// gateway: that gateway's first host; required from inside the mesh.
    pub host: Option<Sp<String>>,
    /// The port dialled. Default: 443 at the gateway, the Service's port inside.
    pub port: Option<Sp<i64>>,
    /// The method. Default: `GET`.
    pub method: Option<Sp<String>>,
    /// The path as sent, query included. Default: `/`.
    pub path: Option<Sp<String>>,
    /// Request headers, by name.
    #[serde(default)]
    pub headers: BTreeMap<Sp<String>, Sp<String>>,
    /// The token: `"none"` (the default), `"invalid"` (fails verification), or
    /// `{ claims = { ... } }`, a valid token of the profile's issuer and audiences.
    pub token: Option<Sp<RawToken>>,
    /// What must happen: `allow` (the request reaches a workload, or its external host) or
    /// `deny` (it reaches none).
    pub outcome: Sp<RawOutcome>,
    /// With `allow`: one of the destinations, `service` or `service/subset`.
    pub route: Option<Sp<String>>,
}

/// What an expected request must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawOutcome {
    /// It reaches a workload (every destination it is sent to).
    Allow,
    /// It reaches no workload.
    Deny,
}

/// `token`: `"none"`, `"invalid"`, or a table of claims.
#[derive(Debug)]
pub enum RawToken {
    /// No token.
    None,
    /// A token that fails verification.
    Invalid,
    /// A valid token with these claims.
    Claims(RawClaims),
}

/// `token = { claims = { ... } }`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawClaims {
    /// The token's claims; a list or table is kept as such.
    #[serde(default)]
    pub claims: BTreeMap<String, serde_json::Value>,
    /// Its issuer. Default: the profile's.
    pub issuer: Option<Sp<String>>,
    /// Its audiences. Default: the profile's.
    pub audiences: Option<Vec<Sp<String>>>,
}

impl<'de> Deserialize<'de> for RawToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TokenVisitor;

        impl<'de> Visitor<'de> for TokenVisitor {
            type Value = RawToken;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"none\", \"invalid\" or a table `{ claims = { ... } }`")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawToken, E> {
                match text {
                    "none" => Ok(RawToken::None),
                    "invalid" => Ok(RawToken::Invalid),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawToken, A::Error> {
                RawClaims::deserialize(MapAccessDeserializer::new(map)).map(RawToken::Claims)
            }
        }

        deserializer.deserialize_any(TokenVisitor)
    }
}

impl JsonSchema for RawToken {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RawToken".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let claims = generator.subschema_for::<RawClaims>();
        json_schema!({
            "description": "`\"none\"`, `\"invalid\"`, or `{ claims = { ... } }`.",
            "oneOf": [
                { "type": "string", "enum": ["none", "invalid"] },
                claims
            ]
        })
    }
}
