//! The checks `istioctl install` runs on an IstioOperator after decoding it, those that need no
//! cluster: istioctl's `ParseAndValidateIstioOperator`, ported from reading istio/istio
//! `operator/pkg/apis/validation/validation.go` at commit
//! 86c9f01fd735fb01d8192f5bcaf0d424afb7f14c. The revision is a DNS label, the tag an image tag,
//! the sidecar's IP ranges and inbound ports parse, gateway names are object names, a gateway
//! port below 1024 needs root, and `replicaCount` does not fight the autoscaler (a warning);
//! `values.meshConfig` is decoded as a mesh config. Left out: the hub (a registry and
//! repository name) and the Kubernetes types inside `values` (affinity, tolerations, …), which
//! istioctl decodes strictly into Kubernetes' own Go types.

use std::net::IpAddr;

use super::Issue;
use super::api::{self, ProtoType};
use super::decode;
use crate::diagnostic::Path;
use crate::yaml::{Node, Value, short};

/// The protobuf message of `spec.values`.
const VALUES: &str = "istio.operator.v1alpha1.Values";

/// Runs every check on `spec`.
pub(super) fn check(spec: &Node) -> Vec<Issue> {
    let mut issues = Vec::new();
    let values = spec.get("values");
    let values_path = Path::of(&["spec", "values"]);
    if let Some(mesh) = values.and_then(|v| field(v, VALUES, "meshConfig")) {
        // A `google.protobuf.Value` in Values, which istioctl validates as a mesh config.
        issues.extend(decode::mesh_config(mesh, &values_path.key("meshConfig")));
    }
    revision(spec, &mut issues);
    tag(spec, &mut issues);
    proxy(values, &values_path, &mut issues);
    gateway_names(spec, &mut issues);
    service_ports(spec, values, &values_path, &mut issues);
    replicas(spec, values, &mut issues);
    issues
}

/// The value at `keys` below `node`, a message `message`: each key a field's JSON name, found
/// under its JSON or its proto name, as protobuf JSON finds it.
fn field<'a>(node: &'a Node<'a>, message: &str, key: &str) -> Option<&'a Node<'a>> {
    path(node, message, &[key])
}

fn path<'a>(mut node: &'a Node<'a>, message: &str, keys: &[&str]) -> Option<&'a Node<'a>> {
    let api = api::api();
    let mut message = message.to_string();
    for key in keys {
        let field = api.messages.get(&message)?.field(key)?;
        node = node
            .entries()
            .iter()
            .find(|(k, _)| *k == field.json || *k == field.proto)
            .map(|(_, v)| v)?;
        if let ProtoType::Message(next) = &field.ty {
            message.clone_from(next);
        }
    }
    Some(node)
}

/// Whether `values.<keys>` is `true`.
fn enabled(values: Option<&Node>, keys: &[&str]) -> bool {
    values
        .and_then(|v| path(v, VALUES, keys))
        .is_some_and(|n| n.value == Value::Bool(true))
}

/// `[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?`, at most 63 characters: Istio's own label rule,
/// which admits upper case.
fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

fn revision(spec: &Node, issues: &mut Vec<Issue>) {
    if let Some(Value::Str(revision)) = spec.get("revision").map(|r| &r.value)
        && !revision.is_empty()
        && !is_dns_label(revision)
    {
        issues.push(Issue::error(
            Path::of(&["spec", "revision"]),
            format!(
                "invalid revision {}: must be a DNS-1123 label",
                short(&Value::Str(revision.clone()))
            ),
        ));
    }
}

/// The tag as Go's `%v` prints the value `encoding/json` decodes into `any` (a float as its
/// shortest decimal, which Go writes alike unless it needs an exponent).
fn go_text(value: &Value) -> Option<String> {
    Some(match value {
        Value::Str(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        _ => return None,
    })
}

/// go-containerregistry's `name.NewTag("istio/pilot:<tag>")`: a tag of at most 128 characters
/// of `[A-Za-z0-9_.-]`.
fn tag(spec: &Node, issues: &mut Vec<Issue>) {
    let Some(node) = spec.get("tag") else { return };
    let at = Path::of(&["spec", "tag"]);
    if let Value::Float(f) = node.value {
        issues.push(Issue::warning(
            at.clone(),
            format!("tag is the number {f} (1.20 would be 1.2): quote it"),
        ));
    }
    let Some(text) = go_text(&node.value) else {
        if !matches!(node.value, Value::Null) {
            issues.push(Issue::error(at, format!("bad tag {}", short(&node.value))));
        }
        return;
    };
    let ok = text.len() <= 128
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !ok {
        issues.push(Issue::error(
            at,
            format!(
                "bad tag {}: an image tag is at most 128 letters, digits, '_', '-' and '.'",
                short(&Value::Str(text.into()))
            ),
        ));
    }
}

/// `values.global.proxy`: IP ranges and inbound ports.
fn proxy(values: Option<&Node>, values_path: &Path, issues: &mut Vec<Issue>) {
    let Some(proxy) = values.and_then(|v| path(v, VALUES, &["global", "proxy"])) else {
        return;
    };
    let at = values_path.key("global").key("proxy");
    for key in ["includeIPRanges", "excludeIPRanges"] {
        let Some(Value::Str(ranges)) = proxy.get(key).map(|n| &n.value) else {
            continue;
        };
        if ranges.is_empty() || ranges == "*" {
            continue;
        }
        for range in ranges.split(',') {
            if let Err(why) = prefix(range) {
                issues.push(Issue::error(
                    at.key(key),
                    format!("bad CIDR {}: {why}", short(&Value::Str(range.into()))),
                ));
            }
        }
    }
    for key in ["includeInboundPorts", "excludeInboundPorts"] {
        let Some(Value::Str(ports)) = proxy.get(key).map(|n| &n.value) else {
            continue;
        };
        for port in ports.split(',') {
            if port.is_empty() || port == "*" {
                continue;
            }
            // Go's strconv.ParseInt(port, 10, 32), then 0..=65535.
            let digits = port.strip_prefix(['+', '-']).unwrap_or(port);
            let number = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| port.parse::<i64>().ok())
                .flatten();
            if !number.is_some_and(|n| (0..=65535).contains(&n)) {
                issues.push(Issue::error(
                    at.key(key),
                    format!(
                        "bad port {}: a port is 0 to 65535",
                        short(&Value::Str(port.into()))
                    ),
                ));
            }
        }
    }
}

/// Go's `netip.ParsePrefix`: an IP address, `/`, and a prefix length in decimal without
/// leading zeros, at most the address's bits.
fn prefix(text: &str) -> Result<(), &'static str> {
    let (address, bits) = text.split_once('/').ok_or("no '/'")?;
    let address: IpAddr = address.parse().map_err(|_| "not an IP address")?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    let well_formed = !bits.is_empty()
        && bits.bytes().all(|b| b.is_ascii_digit())
        && (bits == "0" || !bits.starts_with('0'));
    match bits.parse::<u32>() {
        Ok(n) if well_formed && n <= max => Ok(()),
        _ => Err("bad prefix length"),
    }
}

/// Gateway names: Kubernetes object names, `[a-z0-9.-]{1,254}`.
fn gateway_names(spec: &Node, issues: &mut Vec<Issue>) {
    for list in ["egressGateways", "ingressGateways"] {
        for (i, gateway) in gateways(spec, list) {
            let Some(Value::Str(name)) = gateway.get("name").map(|n| &n.value) else {
                continue;
            };
            let ok = name.len() <= 254
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
                });
            if !name.is_empty() && !ok {
                issues.push(Issue::error(
                    Path::of(&["spec", "components", list]).index(i).key("name"),
                    format!(
                        "invalid gateway name {}: lower-case letters, digits, '-' and '.'",
                        short(&Value::Str(name.clone()))
                    ),
                ));
            }
        }
    }
}

/// The gateways of `spec.components.<list>`, with their index.
fn gateways<'a>(spec: &'a Node<'a>, list: &str) -> impl Iterator<Item = (usize, &'a Node<'a>)> {
    spec.at(&["components", list])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, g)| matches!(g.value, Value::Map(_)))
}

/// A gateway's Service port whose target port is below 1024 needs a root container, which
/// istioctl refuses unless `values.gateways.istio-<kind>gateway.runAsRoot` is set. A named
/// target port is not checked; without one, the target is the port itself.
fn service_ports(spec: &Node, values: Option<&Node>, values_path: &Path, issues: &mut Vec<Issue>) {
    for (kind, list) in [("ingress", "ingressGateways"), ("egress", "egressGateways")] {
        let values_name = format!("istio-{kind}gateway");
        if enabled(values, &["gateways", &values_name, "runAsRoot"]) {
            continue;
        }
        for (i, gateway) in gateways(spec, list) {
            let name = gateway
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or_default();
            let ports = gateway
                .at(&["k8s", "service", "ports"])
                .map(Node::items)
                .unwrap_or_default();
            for (j, port) in ports.iter().enumerate() {
                let number = match port.get("port").map(|p| &p.value) {
                    Some(Value::Int(n)) => *n,
                    _ => 0,
                };
                // A target port of another type is a decoding error of the Kubernetes
                // Service type, which is not checked here.
                let target = match port.get("targetPort").map(|p| &p.value) {
                    Some(Value::Int(n)) => *n,
                    None | Some(Value::Null) => 0,
                    Some(_) => continue,
                };
                if (target == 0 && number > 1024) || target >= 1024 {
                    continue;
                }
                let port_name = port.get("name").and_then(Node::as_str).unwrap_or_default();
                let target = if target == 0 {
                    format!("no target port, so it listens on {number}")
                } else {
                    format!("target port {target}")
                };
                issues.push(Issue::error(
                    Path::of(&["spec", "components", list])
                        .index(i)
                        .key("k8s")
                        .key("service")
                        .key("ports")
                        .index(j),
                    format!(
                        "port {port_name}/{number} in gateway {name} has {target}, which needs \
                         root: use a target port above 1024 or set \
                         values.gateways.{values_name}.runAsRoot=true"
                    ),
                ));
            }
        }
    }
    // `values.gateways.istio-ingressgateway.ingressPorts`, checked whatever runAsRoot says, as
    // istioctl checks them.
    let Some(ports) = values.and_then(|v| {
        path(
            v,
            VALUES,
            &["gateways", "istio-ingressgateway", "ingressPorts"],
        )
    }) else {
        return;
    };
    for (j, port) in ports.items().iter().enumerate() {
        let number = |key: &str| match port.get(key).map(|p| &p.value) {
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            Some(Value::Float(f)) => Some(Some(*f as i64)),
            Some(Value::Int(n)) => Some(Some(*n)),
            None | Some(Value::Null) => Some(None),
            Some(_) => None,
        };
        let (Some(target), Some(Some(number))) = (number("targetPort"), number("port")) else {
            continue;
        };
        let target = target.unwrap_or(0);
        if (target == 0 && number > 1024) || target >= 1024 {
            continue;
        }
        issues.push(Issue::error(
            values_path
                .key("gateways")
                .key("istio-ingressgateway")
                .key("ingressPorts")
                .index(j),
            format!(
                "port {number} has target port {target}, which needs root: use a target port \
                 above 1024"
            ),
        ));
    }
}

/// `replicaCount` set beside an autoscaler: a warning, as istioctl gives it.
fn replicas(spec: &Node, values: Option<&Node>, issues: &mut Vec<Issue>) {
    if enabled(values, &["pilot", "autoscaleEnabled"])
        && let Some(Value::Int(n)) = spec
            .at(&["components", "pilot", "k8s", "replicaCount"])
            .map(|r| &r.value)
        && *n > 1
    {
        issues.push(Issue::warning(
            Path::of(&["spec", "components", "pilot", "k8s", "replicaCount"]),
            "should not be set when values.pilot.autoscaleEnabled is true".to_string(),
        ));
    }
    for (kind, list) in [("ingress", "ingressGateways"), ("egress", "egressGateways")] {
        let values_name = format!("istio-{kind}gateway");
        if !enabled(values, &["gateways", &values_name, "autoscaleEnabled"]) {
            continue;
        }
        for (i, gateway) in gateways(spec, list) {
            let set = gateway
                .at(&["k8s", "replicaCount"])
                .is_some_and(|r| !matches!(r.value, Value::Null | Value::Int(0)));
            if set {
                issues.push(Issue::warning(
                    Path::of(&["spec", "components", list]).index(i).key("k8s").key("replicaCount"),
                    format!("should not be set when values.gateways.{values_name}.autoscaleEnabled is true"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn issues(spec: &str) -> Vec<String> {
        let root = yaml::read(spec).documents.remove(0).root;
        check(&root)
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

    #[test]
    fn revisions_and_tags() {
        assert!(issues("{revision: 1-27, tag: 1.27.0-distroless}").is_empty());
        assert_eq!(issues("{revision: \"1.27\"}").len(), 1);
        assert!(
            issues("{revision: Canary-1}").is_empty(),
            "Istio's label rule admits upper case"
        );
        assert_eq!(issues("{tag: \"a/b\"}").len(), 1);
        assert_eq!(
            issues("{tag: \"\"}").len(),
            0,
            "an empty tag is Go's default tag"
        );
        assert_eq!(
            issues("{tag: 1.20}"),
            vec!["W spec.tag: tag is the number 1.2 (1.20 would be 1.2): quote it"]
        );
        assert!(issues("{tag: 7}").is_empty());
    }

    #[test]
    fn ip_ranges_and_ports() {
        assert!(prefix("10.0.0.0/8").is_ok() && prefix("fd00::/8").is_ok());
        assert!(prefix("10.0.0.0").is_err() && prefix("10.0.0.0/33").is_err());
        assert!(prefix("10.0.0.0/08").is_err() && prefix("010.0.0.0/8").is_err());
        let bad = issues(
            "{values: {global: {proxy: {includeIPRanges: \"10.0.0.0/8,10.1.0.0\", \
             excludeIPRanges: \"*\", includeInboundPorts: \"80,*,70000,x\"}}}}",
        );
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert!(
            bad[0].starts_with("E spec.values.global.proxy.includeIPRanges: bad CIDR \"10.1.0.0\"")
        );
    }

    #[test]
    fn gateway_ports_below_1024_need_root() {
        let spec = "{components: {ingressGateways: [{name: gw, k8s: {service: {ports: [\
                    {name: http, port: 80, targetPort: 8080}, {name: https, port: 443}, \
                    {name: named, port: 80, targetPort: http}, {name: high, port: 8443}, \
                    {name: typed, port: 80, targetPort: [80]}]}}}]}}";
        let found = issues(spec);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with(
            "E spec.components.ingressGateways[0].k8s.service.ports[1]: port https/443"
        ));
        let root = spec.replacen(
            "{components",
            "{values: {gateways: {istio_ingressgateway: {runAsRoot: true}}}, components",
            1,
        );
        assert!(issues(&root).is_empty(), "the proto name counts too");
        assert_eq!(
            issues("{components: {egressGateways: [{name: Bad_Name}]}}").len(),
            1
        );
    }

    #[test]
    fn replicas_beside_an_autoscaler_warn() {
        let found = issues(
            "{values: {pilot: {autoscaleEnabled: true}, gateways: {istio-egressgateway: \
             {autoscaleEnabled: true}}}, components: {pilot: {k8s: {replicaCount: 2}}, \
             egressGateways: [{name: e, k8s: {replicaCount: 1}}]}}",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|f| f.starts_with('W')));
    }

    #[test]
    fn the_values_mesh_config_is_a_mesh_config() {
        let found = issues("{values: {meshConfig: {accessLogFileFormat: JSON}}}");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("E spec.values.meshConfig.accessLogFileFormat: unknown field")
        );
    }
}
