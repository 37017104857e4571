//! Gateway rules (`ValidateGateway`, `validateServer`, `validateServerPort`,
//! `validateServerBind`, `validateTLSOptions`).

use super::Meta;
use super::at::At;
use super::decode::{Msg, Report};
use super::go::{list, q};
use super::hosts::{
    Protocol, is_ip, is_label, partial_wildcard_error, port_error, unix_address_error,
    wildcard_domain_error,
};

/// The server TLS modes.
pub(super) const TLS_MODES: &[&str] = &[
    "PASSTHROUGH",
    "SIMPLE",
    "MUTUAL",
    "AUTO_PASSTHROUGH",
    "ISTIO_MUTUAL",
    "OPTIONAL_MUTUAL",
];

/// The cipher suites Istio knows (`security.ValidCipherSuites`).
const CIPHER_SUITES: [&str; 15] = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "ECDHE-RSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES256-GCM-SHA384",
    "AES128-SHA",
    "AES256-SHA",
    "DES-CBC3-SHA",
];

const UNIX: &str = "unix://";

/// The rules of a Gateway.
pub(super) fn check(r: Report<'_>, meta: &Meta<'_>, spec: &Msg<'_>) {
    // Gateways translated from the Kubernetes Gateway API keep their own names.
    let semantics = meta.annotation("internal.istio.io/gateway-semantics") == Some("gateway");
    if !meta.name.is_empty() && !is_label(meta.name) && !semantics {
        r.error(
            &At::root().key("metadata").key("name"),
            format!(
                "invalid gateway name: {} (a Gateway name must be a DNS-1123 label, without dots)",
                q(meta.name)
            ),
        );
    }
    let servers = spec.msgs("servers");
    if spec.items("servers").is_empty() {
        r.error(&spec.at("servers"), "gateway must have at least one server");
    }
    let mut names: Vec<&str> = Vec::new();
    for server in &servers {
        check_server(r, server, semantics);
        let Some(port) = server.msg("port") else {
            continue;
        };
        let name = port.str("name");
        if names.contains(&name) {
            r.error(
                &port.at("name"),
                format!("port names in servers must be unique: duplicate name {name}"),
            );
        }
        names.push(name);
        let http = Protocol::parse(port.str("protocol")).is_some_and(Protocol::is_http);
        let tls = server.sub("tls");
        if !http && tls.bool("httpsRedirect") {
            r.warning(
                &tls.at("httpsRedirect"),
                "tls.httpsRedirect should only be used with http servers",
            );
        }
    }
}

fn check_server(r: Report<'_>, server: &Msg<'_>, semantics: bool) {
    let hosts = server.strs("hosts");
    if server.items("hosts").is_empty() {
        r.error(
            &server.at("hosts"),
            "server config must contain at least one host",
        );
    }
    for (j, host) in hosts {
        for e in host_errors(host, semantics) {
            r.error(&server.at("hosts").index(j), e);
        }
    }
    let port = server.msg("port");
    let bind = server.str("bind");
    let tls = server.msg("tls");
    let port_errors = port_errors(server, port.as_ref(), bind);
    for (path, e) in &port_errors {
        r.error(path, e.clone());
    }
    if let Some(socket) = bind.strip_prefix(UNIX) {
        r.error_if(&server.at("bind"), unix_address_error(socket));
        if let Some(port) = &port {
            let number = port.int("number");
            if number != 0 {
                r.error(
                    &server.at("bind"),
                    format!("port number must be 0 for unix domain socket (port {number})"),
                );
            }
        }
    } else if !bind.is_empty() && !is_ip(bind) {
        r.error(&server.at("bind"), format!("{bind} is not a valid IP"));
    }
    if let Some(tls) = &tls {
        check_tls(r, tls);
    }
    let (Some(port), true) = (port, port_errors.is_empty()) else {
        return;
    };
    let Some(protocol) = Protocol::parse(port.str("protocol")) else {
        return;
    };
    match (&tls, protocol.is_tls()) {
        (None, true) => r.error(
            &server.at("tls"),
            "server must have TLS settings for HTTPS/TLS protocols",
        ),
        (Some(_), false) if !protocol.is_http() => r.error(
            &server.at("tls"),
            "server cannot have TLS settings for non HTTPS/TLS ports",
        ),
        (Some(tls), false) => {
            // Only `httpsRedirect` (mode PASSTHROUGH, the default) suits a plain HTTP server.
            let mode = tls.enumeration("mode", TLS_MODES);
            let passthrough = matches!(mode, "" | "PASSTHROUGH" | "AUTO_PASSTHROUGH");
            let certificates = ["caCertificates", "privateKey", "serverCertificate"]
                .iter()
                .any(|k| !tls.str(k).is_empty());
            if !passthrough || certificates {
                r.error(
                    &server.at("tls"),
                    "server cannot have TLS settings for plain text HTTP ports",
                );
            }
        }
        _ => {}
    }
}

/// `validateServerPort`: (path, message) of each problem.
fn port_errors<'a>(server: &Msg<'a>, port: Option<&Msg<'a>>, bind: &str) -> Vec<(At<'a>, String)> {
    let Some(port) = port else {
        return vec![(server.at("port"), "port is required".to_string())];
    };
    let mut errors = Vec::new();
    let protocol = port.str("protocol");
    if Protocol::parse(protocol).is_none() {
        errors.push((
            port.at("protocol"),
            format!(
                "invalid protocol {}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, \
                 REDIS, MYSQL, TCP",
                q(protocol)
            ),
        ));
    }
    let number = port.int("number");
    // Port 0 is the port of a unix domain socket bind.
    if number > 0 || !bind.starts_with(UNIX) {
        if let Some(e) = port_error(number) {
            errors.push((port.at("number"), e));
        }
    }
    if port.int("targetPort") > 0 {
        errors.push((
            port.at("targetPort"),
            "targetPort has no impact on Gateways".to_string(),
        ));
    }
    if port.str("name").is_empty() {
        errors.push((port.at("name"), "port name must be set".to_string()));
    }
    errors
}

/// `agent.ValidateNamespaceSlashWildcardHostname` for a server host: `[namespace/]dnsName`.
fn host_errors(host: &str, semantics: bool) -> Vec<String> {
    let Some((namespace, name)) = host.split_once('/') else {
        return host_name_errors(host);
    };
    let mut errors = Vec::new();
    if namespace.is_empty() || name.is_empty() {
        errors.push("config namespace and dnsName in host entry cannot be empty".to_string());
    }
    let namespace_ok =
        matches!(namespace, "*" | ".") || (namespace == "~" && semantics) || is_label(namespace);
    if !namespace_ok {
        errors.push(format!(
            "invalid namespace value {} in gateway",
            q(namespace)
        ));
    }
    errors.extend(host_name_errors(name));
    errors
}

/// `validateSidecarOrGatewayHostnamePart` for a gateway: an FQDN or `*`, a wildcard only as a
/// prefix; IPs are allowed.
fn host_name_errors(name: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if name != "*" && !name.contains('.') {
        errors.push("short names (non FQDN) are not allowed".to_string());
    }
    if let Some(e) = wildcard_domain_error(name) {
        if !is_ip(name) {
            errors.push(e);
        }
    }
    errors.extend(partial_wildcard_error(name));
    errors
}

/// `validateTLSOptions` of a server.
fn check_tls(r: Report<'_>, tls: &Msg<'_>) {
    let ciphers = tls.str_list("cipherSuites");
    let min_version = tls.str("minProtocolVersion");
    if matches!(min_version, "TLSV1_0" | "TLSV1_1") && ciphers.is_empty() {
        r.warning(
            &tls.at("minProtocolVersion"),
            "TLS version below TLSV1_2 require setting compatible ciphers as by default they no \
             longer include compatible ciphers.",
        );
    }
    let (mut invalid, mut valid, mut duplicate) = (Vec::new(), Vec::new(), Vec::new());
    for cipher in ciphers {
        // "", "ALL" and expressions that start with an operator such as "-" are passed on.
        let checked = cipher.chars().next().is_some_and(char::is_alphanumeric) && cipher != "ALL";
        if checked && !CIPHER_SUITES.contains(&cipher) {
            invalid.push(cipher);
        } else if valid.contains(&cipher) {
            duplicate.push(cipher);
        } else {
            valid.push(cipher);
        }
    }
    for (problem, mut ciphers) in [("invalid", invalid), ("duplicate", duplicate)] {
        if !ciphers.is_empty() {
            ciphers.sort_unstable();
            ciphers.dedup();
            r.warning(
                &tls.at("cipherSuites"),
                format!("ignoring {problem} cipher suites: {}", list(&ciphers)),
            );
        }
    }
    let mode = match tls.enumeration("mode", TLS_MODES) {
        "" => "PASSTHROUGH",
        mode => mode,
    };
    let certificates = tls.msgs("tlsCertificates");
    let certificate_count = tls.items("tlsCertificates").len();
    let credential = tls.str("credentialName");
    let credentials = !tls.items("credentialNames").is_empty();
    if mode == "ISTIO_MUTUAL" {
        for (key, what) in [
            ("serverCertificate", "server certificate"),
            ("privateKey", "private key"),
            ("caCertificates", "CA bundle"),
            ("tlsCertificates", "tlsCertificates"),
            ("credentialName", "credentialName"),
            ("credentialNames", "credentialNames"),
        ] {
            let set = if key == "tlsCertificates" || key == "credentialNames" {
                !tls.items(key).is_empty()
            } else {
                !tls.str(key).is_empty()
            };
            if set {
                r.error(
                    &tls.at(key),
                    format!("ISTIO_MUTUAL TLS cannot have associated {what}"),
                );
            }
        }
        return;
    }
    let files = [
        "caCrl",
        "serverCertificate",
        "privateKey",
        "caCertificates",
        "credentialName",
    ]
    .iter()
    .any(|k| !tls.str(k).is_empty());
    if matches!(mode, "PASSTHROUGH" | "AUTO_PASSTHROUGH")
        && (files || certificate_count > 0 || credentials)
    {
        r.warning(
            tls.path(),
            format!("{mode} mode does not use certificates, they will be ignored"),
        );
    }
    let key_pair = !tls.str("serverCertificate").is_empty() && !tls.str("privateKey").is_empty();
    let sources = [
        key_pair,
        !credential.is_empty(),
        credentials,
        certificate_count > 0,
    ];
    if sources.iter().filter(|s| **s).count() > 1 {
        r.error(
            tls.path(),
            "only one of credential_name, credential_names, server_certificate/private_key, \
             tls_certificates should be specified",
        );
    }
    let terminating = matches!(mode, "SIMPLE" | "MUTUAL" | "OPTIONAL_MUTUAL");
    if terminating && (!credential.is_empty() || credentials) {
        return; // the credentials are fetched from the cluster
    }
    if terminating {
        let prefix = if mode == "SIMPLE" {
            "SIMPLE TLS"
        } else {
            "MUTUAL TLS"
        };
        if mode != "SIMPLE" && tls.str("caCertificates").is_empty() {
            r.error(
                &tls.at("caCertificates"),
                format!("{prefix} requires a client CA bundle"),
            );
        }
        if certificate_count > 2 {
            r.warning(
                &tls.at("tlsCertificates"),
                format!("{prefix} can support up to 2 server certificates"),
            );
        }
        let to_verify = if certificate_count > 0 {
            certificates
        } else {
            vec![tls.clone()]
        };
        for certificate in to_verify {
            if certificate.str("serverCertificate").is_empty() {
                r.error(
                    &certificate.at("serverCertificate"),
                    format!("{prefix} requires a server certificate"),
                );
            }
            if certificate.str("privateKey").is_empty() {
                r.error(
                    &certificate.at("privateKey"),
                    format!("{prefix} requires a private key"),
                );
            }
        }
    }
    if !tls.str("caCrl").is_empty() {
        if !credential.is_empty() {
            r.error(
                &tls.at("caCrl"),
                "CRL is not supported with credentialName. CRL has to be specified in the \
                 credential",
            );
        }
        if mode == "SIMPLE" {
            r.error(&tls.at("caCrl"), "CRL is not supported with SIMPLE TLS");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_hosts() {
        assert!(host_errors("*", false).is_empty());
        assert!(host_errors("*/*", false).is_empty());
        assert!(host_errors("./api.example.com", false).is_empty());
        assert!(host_errors("prod/*.example.com", false).is_empty());
        assert!(host_errors("10.0.0.1", false).is_empty());
        assert_eq!(host_errors("api", false).len(), 1);
        assert!(!host_errors("api.*.com", false).is_empty());
        assert!(!host_errors("Bad_ns/api.example.com", false).is_empty());
        assert!(!host_errors("~/api.example.com", false).is_empty());
        assert!(host_errors("~/api.example.com", true).is_empty());
        assert!(!host_errors("/api.example.com", false).is_empty());
    }
}
