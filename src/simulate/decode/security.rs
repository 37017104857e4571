//! `security.istio.io`: AuthorizationPolicy, RequestAuthentication and PeerAuthentication
//! (istio/api security/v1beta1 authorization.proto, request_authentication.proto,
//! peer_authentication.proto).

use std::collections::BTreeMap;

use super::{CompileError, Meta, boolean, exact, field, items, labels, object, string, strings};
use crate::simulate::selector::Selector;
use crate::simulate::topology::Labels;
use crate::yaml::Node;

/// What an AuthorizationPolicy does with a request its rules match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    /// Admit (the default).
    Allow,
    /// Refuse with 403.
    Deny,
    /// Log only.
    Audit,
    /// Ask an external authorizer.
    Custom,
}

impl Action {
    /// The name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "ALLOW",
            Action::Deny => "DENY",
            Action::Audit => "AUDIT",
            Action::Custom => "CUSTOM",
        }
    }
}

/// `values` and `notValues` of one field of a source or operation, boxed where either is given.
/// Most of a source's seven fields and an operation's four are absent: as two lists each, a
/// source took 336 bytes, and the 40,000 sources decoded at 10,000 services (alive together
/// at the end of the self-check, the process's heap peak) took 13.6 MB (heaptrack).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Values(Option<Box<Lists>>);

/// The two lists of a field with either given.
#[derive(Debug, Clone, PartialEq)]
struct Lists {
    values: Vec<String>,
    not: Vec<String>,
}

impl Values {
    fn read(meta: &Meta, node: &Node, key: &str, not_key: &str) -> Result<Self, CompileError> {
        let values = strings(meta, node, key)?;
        let not = strings(meta, node, not_key)?;
        if values.is_empty() && not.is_empty() {
            return Ok(Self(None));
        }
        Ok(Self(Some(Box::new(Lists { values, not }))))
    }

    /// `values`.
    pub(crate) fn values(&self) -> &[String] {
        self.0.as_ref().map_or(&[], |lists| &lists.values)
    }

    /// `notValues`.
    pub(crate) fn not(&self) -> &[String] {
        self.0.as_ref().map_or(&[], |lists| &lists.not)
    }
}

/// `rules[].from[].source`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Source {
    pub principals: Values,
    pub request_principals: Values,
    pub namespaces: Values,
    pub ip_blocks: Values,
    pub remote_ip_blocks: Values,
    pub service_accounts: Values,
    pub trust_domains: Values,
}

/// `rules[].to[].operation`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Operation {
    pub hosts: Values,
    pub ports: Values,
    pub methods: Values,
    pub paths: Values,
}

/// `rules[].when[]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub key: String,
    pub values: Vec<String>,
    pub not_values: Vec<String>,
}

/// One rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Rule {
    pub from: Vec<Source>,
    pub to: Vec<Operation>,
    pub when: Vec<Condition>,
}

/// An AuthorizationPolicy.
#[derive(Debug, Clone)]
pub(crate) struct AuthorizationPolicy {
    pub meta: Meta,
    /// `selector.matchLabels`; `None` when there is no selector. A sorted slice: as a map, a
    /// node of eleven entries for one or two labels, the decoded policies' selectors were
    /// 6.08 MB of the heap's peak at 10,000 services, while the self-check decoded (heaptrack).
    pub selector: Option<Selector>,
    /// `targetRef`/`targetRefs` is set: sidecars and the classic ingress gateway ignore the
    /// policy (istio/istio pilot/pkg/model/policyattachment.go `ShouldAttachPolicy`).
    pub targeted: bool,
    pub action: Action,
    /// `provider.name` of a CUSTOM policy.
    pub provider: Option<String>,
    pub rules: Vec<Rule>,
}

pub(super) fn authorization_policy(
    meta: Meta,
    spec: &Node,
) -> Result<AuthorizationPolicy, CompileError> {
    let action = match string(&meta, spec, "action")? {
        None | Some("ALLOW") => Action::Allow,
        Some("DENY") => Action::Deny,
        Some("AUDIT") => Action::Audit,
        Some("CUSTOM") => Action::Custom,
        Some(other) => {
            let node = field(spec, "action").unwrap_or(spec);
            return Err(meta.error(node, format!("unknown action `{other}`")));
        }
    };
    let provider = match object(&meta, spec, "provider")? {
        Some(provider) => string(&meta, provider, "name")?.map(str::to_string),
        None => None,
    };
    let rules = items(&meta, spec, "rules")?
        .iter()
        .map(|rule| self::rule(&meta, rule))
        .collect::<Result<_, _>>()
        .map(exact)?;
    Ok(AuthorizationPolicy {
        selector: selector(&meta, spec)?.map(Selector::from),
        targeted: targeted(spec),
        action,
        provider,
        rules,
        meta,
    })
}

fn rule(meta: &Meta, node: &Node) -> Result<Rule, CompileError> {
    let from = items(meta, node, "from")?
        .iter()
        .map(|from| match object(meta, from, "source")? {
            None => Ok(Source::default()),
            Some(s) => Ok(Source {
                principals: Values::read(meta, s, "principals", "notPrincipals")?,
                request_principals: Values::read(
                    meta,
                    s,
                    "requestPrincipals",
                    "notRequestPrincipals",
                )?,
                namespaces: Values::read(meta, s, "namespaces", "notNamespaces")?,
                ip_blocks: Values::read(meta, s, "ipBlocks", "notIpBlocks")?,
                remote_ip_blocks: Values::read(meta, s, "remoteIpBlocks", "notRemoteIpBlocks")?,
                service_accounts: Values::read(meta, s, "serviceAccounts", "notServiceAccounts")?,
                trust_domains: Values::read(meta, s, "trustDomains", "notTrustDomains")?,
            }),
        })
        .collect::<Result<_, CompileError>>()
        .map(exact)?;
    let to = items(meta, node, "to")?
        .iter()
        .map(|to| match object(meta, to, "operation")? {
            None => Ok(Operation::default()),
            Some(o) => Ok(Operation {
                hosts: Values::read(meta, o, "hosts", "notHosts")?,
                ports: Values::read(meta, o, "ports", "notPorts")?,
                methods: Values::read(meta, o, "methods", "notMethods")?,
                paths: Values::read(meta, o, "paths", "notPaths")?,
            }),
        })
        .collect::<Result<_, CompileError>>()
        .map(exact)?;
    let when = items(meta, node, "when")?
        .iter()
        .map(|when| {
            Ok(Condition {
                key: string(meta, when, "key")?.unwrap_or_default().to_string(),
                values: strings(meta, when, "values")?,
                not_values: strings(meta, when, "notValues")?,
            })
        })
        .collect::<Result<_, CompileError>>()
        .map(exact)?;
    Ok(Rule { from, to, when })
}

/// Where a RequestAuthentication looks for a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenLocation {
    /// A header, and the prefix before the token.
    Header { name: String, prefix: String },
    /// A query parameter.
    Param(String),
    /// A cookie.
    Cookie(String),
}

/// One `jwtRules[]` entry.
#[derive(Debug, Clone)]
pub(crate) struct JwtRule {
    pub issuer: String,
    pub audiences: Vec<String>,
    /// Empty: the defaults (`Authorization: Bearer`, query parameter `access_token`).
    pub locations: Vec<TokenLocation>,
    pub forward_original_token: bool,
    /// `outputClaimToHeaders`: (header, claim).
    pub claim_to_headers: Vec<(String, String)>,
    pub output_payload_to_header: Option<String>,
    /// Claims split on spaces into lists (`scope` and `permission` always).
    pub space_delimited_claims: Vec<String>,
}

/// A RequestAuthentication.
#[derive(Debug, Clone)]
pub(crate) struct RequestAuthentication {
    pub meta: Meta,
    pub selector: Option<Labels>,
    pub targeted: bool,
    pub rules: Vec<JwtRule>,
}

pub(super) fn request_authentication(
    meta: Meta,
    spec: &Node,
) -> Result<RequestAuthentication, CompileError> {
    let rules = items(&meta, spec, "jwtRules")?
        .iter()
        .map(|rule| jwt_rule(&meta, rule))
        .collect::<Result<_, _>>()?;
    Ok(RequestAuthentication {
        selector: selector(&meta, spec)?,
        targeted: targeted(spec),
        rules,
        meta,
    })
}

fn jwt_rule(meta: &Meta, node: &Node) -> Result<JwtRule, CompileError> {
    let mut locations = Vec::new();
    for header in items(meta, node, "fromHeaders")? {
        locations.push(TokenLocation::Header {
            name: string(meta, header, "name")?
                .unwrap_or_default()
                .to_ascii_lowercase(),
            prefix: string(meta, header, "prefix")?
                .unwrap_or_default()
                .to_string(),
        });
    }
    locations.extend(
        strings(meta, node, "fromParams")?
            .into_iter()
            .map(TokenLocation::Param),
    );
    locations.extend(
        strings(meta, node, "fromCookies")?
            .into_iter()
            .map(TokenLocation::Cookie),
    );
    let claim_to_headers = items(meta, node, "outputClaimToHeaders")?
        .iter()
        .map(|pair| {
            Ok((
                string(meta, pair, "header")?
                    .unwrap_or_default()
                    .to_ascii_lowercase(),
                string(meta, pair, "claim")?.unwrap_or_default().to_string(),
            ))
        })
        .collect::<Result<_, CompileError>>()
        .map(exact)?;
    Ok(JwtRule {
        issuer: string(meta, node, "issuer")?
            .unwrap_or_default()
            .to_string(),
        audiences: strings(meta, node, "audiences")?,
        locations,
        forward_original_token: boolean(meta, node, "forwardOriginalToken")?.unwrap_or(false),
        claim_to_headers,
        output_payload_to_header: string(meta, node, "outputPayloadToHeader")?
            .map(str::to_ascii_lowercase),
        space_delimited_claims: strings(meta, node, "spaceDelimitedClaims")?,
    })
}

/// A PeerAuthentication mode; `Unset` inherits from the wider scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PeerMode {
    /// Inherit.
    Unset,
    /// Plaintext only.
    Disable,
    /// mTLS or plaintext.
    Permissive,
    /// mTLS only.
    Strict,
}

impl PeerMode {
    /// The name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PeerMode::Unset => "UNSET",
            PeerMode::Disable => "DISABLE",
            PeerMode::Permissive => "PERMISSIVE",
            PeerMode::Strict => "STRICT",
        }
    }
}

/// A PeerAuthentication.
#[derive(Debug, Clone)]
pub(crate) struct PeerAuthentication {
    pub meta: Meta,
    pub selector: Option<Labels>,
    pub mode: PeerMode,
    /// `portLevelMtls`, by container port.
    pub ports: BTreeMap<u16, PeerMode>,
}

pub(super) fn peer_authentication(
    meta: Meta,
    spec: &Node,
) -> Result<PeerAuthentication, CompileError> {
    let mode = match object(&meta, spec, "mtls")? {
        Some(mtls) => peer_mode(&meta, mtls)?,
        None => PeerMode::Unset,
    };
    let mut ports = BTreeMap::new();
    if let Some(levels) = object(&meta, spec, "portLevelMtls")? {
        for (port, mtls) in levels.entries() {
            let number = port
                .parse::<u16>()
                .map_err(|_| meta.error(mtls, format!("port `{port}` is not a port number")))?;
            let mode = if matches!(mtls.value, crate::yaml::Value::Map(_)) {
                peer_mode(&meta, mtls)?
            } else {
                PeerMode::Unset
            };
            ports.insert(number, mode);
        }
    }
    Ok(PeerAuthentication {
        selector: selector(&meta, spec)?,
        mode,
        ports,
        meta,
    })
}

fn peer_mode(meta: &Meta, mtls: &Node) -> Result<PeerMode, CompileError> {
    Ok(match string(meta, mtls, "mode")? {
        None | Some("UNSET") => PeerMode::Unset,
        Some("DISABLE") => PeerMode::Disable,
        Some("PERMISSIVE") => PeerMode::Permissive,
        Some("STRICT") => PeerMode::Strict,
        Some(other) => {
            let node = field(mtls, "mode").unwrap_or(mtls);
            return Err(meta.error(node, format!("unknown mTLS mode `{other}`")));
        }
    })
}

/// `selector.matchLabels`, `None` without a selector.
fn selector(meta: &Meta, spec: &Node) -> Result<Option<Labels>, CompileError> {
    match object(meta, spec, "selector")? {
        Some(selector) => Ok(Some(labels(meta, selector, "matchLabels")?)),
        None => Ok(None),
    }
}

fn targeted(spec: &Node) -> bool {
    field(spec, "targetRef").is_some()
        || !spec.get("targetRefs").is_none_or(|t| t.items().is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::decode;
    use super::*;
    use crate::istio::document::read;
    use crate::simulate::testing::resources;

    #[test]
    fn an_authorization_policy_keeps_every_field() {
        let r = resources(
            r#"apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: ns}
spec:
  selector: {matchLabels: {app: a}}
  action: DENY
  rules:
  - from:
    - source:
        principals: [a]
        notPrincipals: [b]
        requestPrincipals: [c]
        notRequestPrincipals: [d]
        namespaces: [e]
        notNamespaces: [f]
        ipBlocks: [1.2.3.4]
        notIpBlocks: [5.6.7.8]
        remoteIpBlocks: [9.9.9.9]
        notRemoteIpBlocks: [8.8.8.8]
        serviceAccounts: [g]
        notServiceAccounts: [h]
        trustDomains: [i]
        notTrustDomains: [j]
    - {}
    to:
    - operation: {hosts: [k], notHosts: [l], ports: ["1"], notPorts: ["2"], methods: [GET], notMethods: [PUT], paths: [/m], notPaths: [/n]}
    when:
    - {key: "request.headers[x]", values: [o], notValues: [p]}
"#,
        );
        let policy = &r.authorization_policies[0];
        assert_eq!(policy.action, Action::Deny);
        assert!(!policy.targeted);
        let selector = policy
            .selector
            .as_ref()
            .map(|s| s.iter().collect::<Vec<_>>());
        assert_eq!(selector, Some(vec![("app", "a")]));
        let rule = &policy.rules[0];
        let s = &rule.from[0];
        let pairs = [
            (&s.principals, "a", "b"),
            (&s.request_principals, "c", "d"),
            (&s.namespaces, "e", "f"),
            (&s.ip_blocks, "1.2.3.4", "5.6.7.8"),
            (&s.remote_ip_blocks, "9.9.9.9", "8.8.8.8"),
            (&s.service_accounts, "g", "h"),
            (&s.trust_domains, "i", "j"),
        ];
        for (values, yes, no) in pairs {
            assert_eq!(values.values(), [yes]);
            assert_eq!(values.not(), [no]);
        }
        assert_eq!(rule.from[1], Source::default());
        let o = &rule.to[0];
        for (values, yes, no) in [
            (&o.hosts, "k", "l"),
            (&o.ports, "1", "2"),
            (&o.methods, "GET", "PUT"),
            (&o.paths, "/m", "/n"),
        ] {
            assert_eq!(values.values(), [yes]);
            assert_eq!(values.not(), [no]);
        }
        assert_eq!(rule.when[0].key, "request.headers[x]");
        assert_eq!(rule.when[0].values, ["o"]);
        assert_eq!(rule.when[0].not_values, ["p"]);
    }

    #[test]
    fn actions_and_target_refs() {
        for (text, action) in [
            ("{}", Action::Allow),
            ("{action: ALLOW}", Action::Allow),
            ("{action: AUDIT}", Action::Audit),
            ("{action: CUSTOM, provider: {name: ext}}", Action::Custom),
        ] {
            let r = resources(&format!(
                "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: p}}\nspec: {text}\n"
            ));
            assert_eq!(r.authorization_policies[0].action, action, "{text}");
        }
        let r = resources(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\n\
             spec: {action: CUSTOM, provider: {name: ext}, targetRefs: [{kind: Gateway, name: g}]}\n",
        );
        let policy = &r.authorization_policies[0];
        assert_eq!(policy.provider.as_deref(), Some("ext"));
        assert!(policy.targeted);
        let r = resources(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\n\
             spec: {targetRef: {kind: Gateway, name: g}}\n",
        );
        assert!(r.authorization_policies[0].targeted);
        let r = resources(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\n\
             spec: {targetRefs: []}\n",
        );
        assert!(!r.authorization_policies[0].targeted);
    }

    #[test]
    fn an_unknown_action_is_an_error() {
        let (documents, _) = read(
            "t.yaml",
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec: {action: MAYBE}\n",
            &"default".into(),
        );
        let errors = decode(&documents).unwrap_err();
        assert!(errors[0].message.contains("MAYBE"));
    }

    #[test]
    fn jwt_rules_keep_locations_and_outputs() {
        let r = resources(
            r#"apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: r, namespace: ns}
spec:
  jwtRules:
  - issuer: iss
    audiences: [a]
    fromHeaders: [{name: X-Token, prefix: "T "}]
    fromParams: [tok]
    fromCookies: [c]
    forwardOriginalToken: true
    outputClaimToHeaders: [{header: X-Tenant, claim: tenant}]
    outputPayloadToHeader: X-Payload
    spaceDelimitedClaims: [roles]
  - issuer: other
"#,
        );
        let rule = &r.request_authentications[0].rules[0];
        assert_eq!(rule.issuer, "iss");
        assert_eq!(rule.audiences, ["a"]);
        assert_eq!(
            rule.locations,
            [
                TokenLocation::Header {
                    name: "x-token".into(),
                    prefix: "T ".into()
                },
                TokenLocation::Param("tok".into()),
                TokenLocation::Cookie("c".into()),
            ]
        );
        assert!(rule.forward_original_token);
        assert_eq!(
            rule.claim_to_headers,
            [("x-tenant".to_string(), "tenant".to_string())]
        );
        assert_eq!(rule.output_payload_to_header.as_deref(), Some("x-payload"));
        assert_eq!(rule.space_delimited_claims, ["roles"]);
        let other = &r.request_authentications[0].rules[1];
        assert!(!other.forward_original_token);
        assert!(other.locations.is_empty());
    }

    #[test]
    fn peer_authentication_modes_and_ports() {
        let r = resources(
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p, namespace: ns}\n\
             spec:\n  selector: {matchLabels: {app: a}}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    \
             \"8080\": {mode: DISABLE}\n    \"9090\": {mode: PERMISSIVE}\n    \"7070\": {}\n",
        );
        let pa = &r.peer_authentications[0];
        assert_eq!(pa.mode, PeerMode::Strict);
        assert_eq!(pa.ports[&8080], PeerMode::Disable);
        assert_eq!(pa.ports[&9090], PeerMode::Permissive);
        assert_eq!(pa.ports[&7070], PeerMode::Unset);
        let r = resources(
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p}\nspec: {mtls: {mode: UNSET}}\n",
        );
        assert_eq!(r.peer_authentications[0].mode, PeerMode::Unset);
        assert!(r.peer_authentications[0].selector.is_none());
        let (documents, _) = read(
            "t.yaml",
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p}\nspec: {portLevelMtls: {http: {mode: STRICT}}}\n",
            &"default".into(),
        );
        assert!(decode(&documents).is_err());
    }
}
