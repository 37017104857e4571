//! The IstioOperator decoded as istioctl decodes it, against its [`api`](super::api): the
//! document into Go structs with `encoding/json` (unknown fields refused, a key that matches a
//! field only when case is ignored accepted), `meshConfig` and `values` with protobuf JSON (a
//! field by its JSON or its proto name, scalars and enums as protobuf JSON writes them). Every
//! problem is reported, not only the first one Go stops at. `null` is taken as absent
//! everywhere, as both decoders take it.

use super::Issue;
use super::api::{self, Api, Cardinality, Field, GoType, Message, ProtoType, Scalar};
use crate::diagnostic::Path;
use crate::istio::cel::parse_duration;
use crate::istio::schema::walk::{hint, is_base64, is_date_time};
use crate::yaml::{Node, Value, short};

/// The message whose JSON is either a number or a string (istioctl's custom decoder).
const INT_OR_STRING: &str = "istio.operator.v1alpha1.IntOrString";

/// A message with more fields than this lists only a close match in an unknown field's hint.
const LISTED_FIELDS: usize = 24;

/// Decodes the whole document.
pub(super) fn document(root: &Node) -> Vec<Issue> {
    let mut decoder = Decoder {
        api: api::api(),
        issues: Vec::new(),
    };
    decoder.structure(api::ROOT, root, &Path::root());
    decoder.issues
}

/// Decodes `node` as the mesh config, as istioctl reads `spec.values.meshConfig`.
pub(super) fn mesh_config(node: &Node, path: &Path) -> Vec<Issue> {
    let mut decoder = Decoder {
        api: api::api(),
        issues: Vec::new(),
    };
    decoder.message(MESH_CONFIG, node, path, true);
    decoder.issues
}

/// The mesh config, which Istio itself reads leniently.
pub(super) const MESH_CONFIG: &str = "istio.mesh.v1alpha1.MeshConfig";

struct Decoder {
    api: &'static Api,
    issues: Vec<Issue>,
}

/// `value`'s type and value, for messages: `boolean true`.
fn found(value: &Value) -> String {
    format!("{} {}", value.type_name(), short(value))
}

impl Decoder {
    fn error(&mut self, path: &Path, message: String) {
        self.issues.push(Issue::error(path.clone(), message));
    }

    fn warning(&mut self, path: &Path, message: String) {
        self.issues.push(Issue::warning(path.clone(), message));
    }

    /// Each value of a field: the node itself, each item of a list, each value of a map.
    fn each(
        &mut self,
        cardinality: Cardinality,
        node: &Node,
        path: &Path,
        mut decode: impl FnMut(&mut Self, &Node, &Path),
    ) {
        match (cardinality, &node.value) {
            (_, Value::Null) => {}
            (Cardinality::One, _) => decode(self, node, path),
            (Cardinality::List, Value::Seq(items)) => {
                for (i, item) in items.iter().enumerate() {
                    decode(self, item, &path.index(i));
                }
            }
            (Cardinality::Map, Value::Map(entries)) => {
                for (key, item) in entries {
                    decode(self, item, &path.key(key));
                }
            }
            (Cardinality::List, other) => {
                self.error(path, format!("must be a list, not {}", found(other)));
            }
            (Cardinality::Map, other) => {
                self.error(path, format!("must be a map, not {}", found(other)));
            }
        }
    }

    /// A Go struct, as `encoding/json` with unknown fields disallowed decodes it.
    fn structure(&mut self, name: &str, node: &Node, path: &Path) {
        let entries = match &node.value {
            Value::Null => return,
            Value::Map(entries) => entries,
            other => return self.error(path, format!("must be an object, not {}", found(other))),
        };
        let Some(fields) = self.api.structs.get(name) else {
            return self.error(path, format!("meshc has no Go type {name}"));
        };
        for (key, child) in entries {
            let at = path.key(key);
            let field = match fields.get(key.as_ref()) {
                Some(field) => field,
                None => match fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
                    Some((known, field)) => {
                        self.warning(
                            &at,
                            format!(
                                "matches field {known:?} only when case is ignored, which Go's \
                                 encoding/json accepts: write {known:?}"
                            ),
                        );
                        field
                    }
                    None => {
                        let known: Vec<&str> = fields.keys().map(String::as_str).collect();
                        self.error(&at, format!("unknown field {key:?}{}", hint(key, &known)));
                        continue;
                    }
                },
            };
            self.each(field.cardinality, child, &at, |this, node, path| {
                this.go_value(&field.ty, node, path);
            });
        }
    }

    fn go_value(&mut self, ty: &GoType, node: &Node, path: &Path) {
        let value = &node.value;
        match ty {
            GoType::String if !matches!(value, Value::Str(_)) => {
                self.error(
                    path,
                    format!("must be a string, not {} (quote it)", found(value)),
                );
            }
            GoType::Bool if !matches!(value, Value::Bool(_)) => {
                self.error(path, format!("must be true or false, not {}", found(value)));
            }
            GoType::Uint32 if !matches!(value, Value::Int(n) if u32::try_from(*n).is_ok()) => {
                self.error(
                    path,
                    format!("must be an integer 0..4294967295, not {}", short(value)),
                );
            }
            GoType::Kubernetes(name) if !matches!(value, Value::Map(_)) => {
                self.error(
                    path,
                    format!("must be an object ({name}), not {}", found(value)),
                );
            }
            GoType::Proto(message) => {
                self.message(message, node, path, message == MESH_CONFIG);
            }
            GoType::Struct(name) => self.structure(name, node, path),
            _ => {}
        }
    }

    /// A protobuf message, as protobuf JSON decodes it; `mesh`: inside the mesh config, whose
    /// unknown fields Istio drops silently (they are still errors here: the setting is lost).
    fn message(&mut self, name: &str, node: &Node, path: &Path, mesh: bool) {
        let value = &node.value;
        if name == INT_OR_STRING {
            if !matches!(value, Value::Int(_) | Value::Str(_) | Value::Null) {
                self.error(
                    path,
                    format!("must be an integer or a string, not {}", found(value)),
                );
            }
            return;
        }
        let entries = match value {
            Value::Null => return,
            Value::Map(entries) => entries,
            other => {
                let short_name = name.rsplit('.').next().unwrap_or(name);
                return self.error(
                    path,
                    format!("must be an object ({short_name}), not {}", found(other)),
                );
            }
        };
        let Some(message) = self.api.messages.get(name) else {
            return self.error(path, format!("meshc has no message {name}"));
        };
        let mut oneofs: Vec<(&str, Vec<&str>)> = Vec::new();
        for (key, child) in entries {
            let at = path.key(key);
            let Some(field) = message.field(key) else {
                self.unknown(name, message, key, &at, mesh);
                continue;
            };
            if field.deprecated {
                self.warning(&at, format!("deprecated field ({name}.{})", field.proto));
            }
            if let Some(oneof) = &field.oneof
                && child.value != Value::Null
            {
                match oneofs.iter_mut().find(|(o, _)| o == oneof) {
                    Some((_, keys)) => keys.push(key),
                    None => oneofs.push((oneof, vec![key])),
                }
            }
            self.each(field.cardinality, child, &at, |this, node, path| {
                this.field(field, node, path, mesh);
            });
        }
        for (oneof, keys) in oneofs.into_iter().filter(|(_, keys)| keys.len() > 1) {
            self.warning(
                path,
                format!(
                    "fields {} belong to oneof {oneof}; only one takes effect",
                    keys.join(", ")
                ),
            );
        }
    }

    fn unknown(&mut self, name: &str, message: &Message, key: &str, at: &Path, mesh: bool) {
        let known: Vec<&str> = message.fields.iter().map(|f| f.json.as_str()).collect();
        let lenient = if mesh {
            " (Istio drops unknown mesh config fields silently, so the setting is lost)"
        } else {
            ""
        };
        let hint = if known.len() > LISTED_FIELDS {
            crate::diagnostic::suggest::did_you_mean(key, known.iter().copied())
                .map(|k| format!("; did you mean {k:?}?"))
                .unwrap_or_default()
        } else {
            hint(key, &known)
        };
        self.error(
            at,
            format!("unknown field {key:?} in {name}{lenient}{hint}"),
        );
    }

    fn field(&mut self, field: &Field, node: &Node, path: &Path, mesh: bool) {
        match &field.ty {
            ProtoType::Message(name) => self.message(name, node, path, mesh),
            ProtoType::Enum(name) => self.enumeration(name, &node.value, path),
            ProtoType::Scalar(scalar) => {
                if let Some(problem) = scalar_problem(*scalar, &node.value) {
                    self.error(path, problem);
                }
            }
        }
    }

    fn enumeration(&mut self, name: &str, value: &Value, path: &Path) {
        let values = self.api.enums.get(name).map_or(&[][..], Vec::as_slice);
        let known = match value {
            Value::Null | Value::Int(_) => true,
            Value::Str(s) => values.iter().any(|v| v == s),
            _ => false,
        };
        if !known {
            let short_name = name.rsplit('.').next().unwrap_or(name);
            self.error(
                path,
                format!(
                    "unsupported value {} for enum {short_name}; supported: {}",
                    short(value),
                    values.join(", ")
                ),
            );
        }
    }
}

/// What is wrong with `value` as protobuf JSON of `scalar`, if anything.
fn scalar_problem(scalar: Scalar, value: &Value) -> Option<String> {
    let ok = match (scalar, value) {
        (_, Value::Null)
        | (Scalar::Value, _)
        | (Scalar::String, Value::Str(_))
        | (Scalar::Bool, Value::Bool(_))
        | (Scalar::Double, Value::Int(_) | Value::Float(_))
        | (Scalar::Struct, Value::Map(_))
        | (Scalar::ListValue, Value::Seq(_)) => true,
        (Scalar::Empty, Value::Map(entries)) => entries.is_empty(),
        (Scalar::Double, Value::Str(s)) => s.trim().parse::<f64>().is_ok(),
        (Scalar::Bytes, Value::Str(s)) => is_base64(s),
        (Scalar::Timestamp, Value::Str(s)) => is_date_time(s),
        (Scalar::Duration, Value::Str(s)) => {
            return parse_duration(s)
                .err()
                .map(|e| format!("bad Duration: {e}"));
        }
        (Scalar::Int(bits) | Scalar::Uint(bits), _) => return integer_problem(scalar, bits, value),
        _ => false,
    };
    if ok {
        return None;
    }
    Some(match scalar {
        Scalar::String => format!("must be a string, not {} (quote it)", found(value)),
        Scalar::Bool => format!("must be true or false, not {}", found(value)),
        Scalar::Double => format!("must be a number, not {}", found(value)),
        Scalar::Bytes => "must be a base64 string".to_string(),
        Scalar::Timestamp => "must be an RFC 3339 timestamp".to_string(),
        Scalar::Duration => format!(
            "must be a duration string such as \"5s\", not {}",
            found(value)
        ),
        Scalar::Struct => format!("must be an object, not {}", found(value)),
        Scalar::ListValue => format!("must be a list, not {}", found(value)),
        Scalar::Empty => "must be {}".to_string(),
        Scalar::Value | Scalar::Int(_) | Scalar::Uint(_) => return None,
    })
}

/// An integer as protobuf JSON takes it: a number, or a string of decimal digits.
fn integer_problem(scalar: Scalar, bits: u32, value: &Value) -> Option<String> {
    let name = match scalar {
        Scalar::Uint(_) => format!("uint{bits}"),
        _ => format!("int{bits}"),
    };
    let n: i128 = match value {
        Value::Int(n) => i128::from(*n),
        Value::Str(s) if is_decimal(s) => match s.parse() {
            Ok(n) => n,
            Err(_) => return Some(format!("{s} is out of range for {name}")),
        },
        other => return Some(format!("must be an integer ({name}), not {}", found(other))),
    };
    let (low, high) = match scalar {
        Scalar::Uint(_) => (0, (1i128 << bits) - 1),
        _ => (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1),
    };
    (n < low || n > high).then(|| format!("{n} is out of range for {name}"))
}

/// `-?[0-9]+`.
fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    /// `E path: message` or `W path: message` of each issue of `text` as an IstioOperator.
    fn issues(text: &str) -> Vec<String> {
        let root = yaml::read(text).documents.remove(0).root;
        document(&root)
            .into_iter()
            .map(|i| {
                format!(
                    "{} {}: {}",
                    if i.error { "E" } else { "W" },
                    i.path,
                    i.message
                )
            })
            .collect()
    }

    fn spec(body: &str) -> Vec<String> {
        issues(&format!(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n\
             metadata: {{name: p, namespace: istio-system}}\nspec:\n{body}"
        ))
    }

    #[test]
    fn a_valid_operator_decodes_cleanly() {
        let found = spec(
            "  profile: default\n  tag: 1.27.0\n  meshConfig:\n    accessLogFile: /dev/stdout\n\
             \x20   default_config: {proxyMetadata: {ISTIO_META_DNS_CAPTURE: \"true\"}, \
             terminationDrainDuration: 30s}\n    outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n\
             \x20 components:\n    pilot: {k8s: {replicaCount: 2, env: [{name: A, value: b}]}}\n\
             \x20   ingressGateways: [{name: gw, enabled: true, label: {istio: gw}}]\n\
             \x20 values:\n    global: {meshID: m, proxy: {includeIPRanges: \"10.0.0.0/8\"}}\n\
             \x20   gateways: {istio-ingressgateway: {autoscaleEnabled: false}}\n\
             \x20   pilot: {env: {EXTERNAL_ISTIOD: false}, autoscaleMin: \"2\"}\n",
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn unknown_fields_are_found_at_every_level() {
        assert_eq!(
            spec("  components: {policy: {enabled: false}}\n"),
            vec![
                "E spec.components.policy: unknown field \"policy\"; known: base, cni, \
                 egressGateways, ingressGateways, istiodRemote, pilot, ztunnel"
            ]
        );
        let k8s = spec("  components: {ingressGateways: [{name: g, k8s: {replicas: 2}}]}\n");
        assert_eq!(k8s.len(), 1);
        assert!(
            k8s[0].starts_with(
                "E spec.components.ingressGateways[0].k8s.replicas: unknown field \"replicas\"; \
                 known: affinity, env, hpaSpec,"
            ),
            "{k8s:?}"
        );
        let global = spec("  values: {global: {meshId: m}}\n");
        assert_eq!(
            global,
            vec![
                "E spec.values.global.meshId: unknown field \"meshId\" in \
                 istio.operator.v1alpha1.GlobalConfig; did you mean \"meshID\"?"
            ]
        );
        let mesh = spec("  meshConfig: {accessLogFileFormat: JSON}\n");
        assert!(mesh[0].starts_with("E spec.meshConfig.accessLogFileFormat: unknown field"));
        assert!(mesh[0].contains("Istio drops unknown mesh config fields silently"));
        let proxy = spec(
            "  meshConfig: {defaultConfig: {proxyStatsMatcher: {inclusion: {regexps: [a]}}}}\n",
        );
        assert_eq!(proxy.len(), 1);
        assert!(
            proxy[0].contains("ProxyConfig.ProxyStatsMatcher"),
            "{proxy:?}"
        );
        assert!(
            proxy[0].contains("known: inclusionPrefixes, inclusionRegexps"),
            "{proxy:?}"
        );
    }

    #[test]
    fn types_are_go_s_and_protobuf_json_s() {
        assert_eq!(
            spec("  meshConfig: {defaultConfig: {proxyMetadata: {DNS: true}}}\n"),
            vec![
                "E spec.meshConfig.defaultConfig.proxyMetadata.DNS: must be a string, not \
                 boolean true (quote it)"
            ]
        );
        assert_eq!(
            spec(
                "  components: {pilot: {enabled: \"yes\", k8s: {replicaCount: -1, affinity: []}}}\n"
            ),
            vec![
                "E spec.components.pilot.enabled: must be true or false, not string \"yes\"",
                "E spec.components.pilot.k8s.replicaCount: must be an integer 0..4294967295, not -1",
                "E spec.components.pilot.k8s.affinity: must be an object (corev1.Affinity), not array []",
            ]
        );
        assert_eq!(
            spec("  values: {pilot: {autoscaleMin: \"x\", replicaCount: 5000000000}}\n"),
            vec![
                "E spec.values.pilot.autoscaleMin: must be an integer (uint32), not string \"x\"",
                "W spec.values.pilot.replicaCount: deprecated field (istio.operator.v1alpha1.PilotConfig.replicaCount)",
                "E spec.values.pilot.replicaCount: 5000000000 is out of range for uint32",
            ]
        );
        assert_eq!(
            spec("  meshConfig: {outboundTrafficPolicy: {mode: OPEN}, connectTimeout: 10}\n"),
            vec![
                "E spec.meshConfig.outboundTrafficPolicy.mode: unsupported value \"OPEN\" for enum Mode; supported: REGISTRY_ONLY, ALLOW_ANY, ALLOW_ANY_DYNAMIC_DNS",
                "E spec.meshConfig.connectTimeout: must be a duration string such as \"5s\", not integer 10",
            ]
        );
        assert_eq!(
            spec("  values: {gateways: {istio-ingressgateway: {rollingMaxSurge: [1]}}}\n"),
            vec![
                "W spec.values.gateways.istio-ingressgateway.rollingMaxSurge: deprecated field (istio.operator.v1alpha1.IngressGatewayConfig.rollingMaxSurge)",
                "E spec.values.gateways.istio-ingressgateway.rollingMaxSurge: must be an integer or a string, not array [1]",
            ]
        );
    }

    #[test]
    fn go_accepts_a_field_whose_case_differs_and_warns() {
        assert_eq!(
            spec("  Profile: demo\n"),
            vec![
                "W spec.Profile: matches field \"profile\" only when case is ignored, which Go's \
                 encoding/json accepts: write \"profile\""
            ]
        );
        // Protobuf JSON does not: the proto name or the JSON name, exactly.
        assert_eq!(spec("  values: {Global: {}}\n").len(), 1);
    }

    #[test]
    fn two_members_of_a_oneof_warn() {
        let found = spec(
            "  meshConfig: {extensionProviders: [{name: x, zipkin: {service: a, port: 1}, \
             opentelemetry: {service: a, port: 1}}]}\n",
        );
        assert_eq!(
            found,
            vec![
                "W spec.meshConfig.extensionProviders[0]: fields zipkin, opentelemetry belong \
                 to oneof provider; only one takes effect"
            ]
        );
    }

    #[test]
    fn protobuf_integers_take_numbers_and_decimal_strings() {
        assert_eq!(
            integer_problem(Scalar::Int(32), 32, &Value::Str("-12".into())),
            None
        );
        assert_eq!(
            integer_problem(Scalar::Int(32), 32, &Value::Int(1 << 31)),
            Some("2147483648 is out of range for int32".into())
        );
        assert!(integer_problem(Scalar::Uint(64), 64, &Value::Float(1.5)).is_some());
        assert_eq!(
            scalar_problem(Scalar::Double, &Value::Str("0.5".into())),
            None
        );
        assert!(scalar_problem(Scalar::Empty, &Value::Map(Vec::new())).is_none());
    }
}
