//! DestinationRule lookup and subsets (istio/istio pilot/pkg/model/push_context.go
//! `destinationRule`).

use std::sync::Arc;

use super::*;
use crate::istio::document::read;
use crate::simulate::decode::decode;
use crate::simulate::topology::Labels;

fn rules(yaml: &str) -> Vec<DestinationRule> {
    let (documents, error) = read("t.yaml", yaml, &"default".into());
    assert!(error.is_none(), "{error:?}");
    decode(&documents).unwrap().destination_rules
}

fn dr(name: &str, namespace: &str, spec: &str) -> String {
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {spec}\n"
    )
}

const HOST: &str = "web.shop.svc.cluster.local";

fn lookup(
    all: &[DestinationRule],
    namespace: &str,
    labels: Option<&PodLabels>,
) -> Result<Vec<String>, &'static str> {
    let caller = Caller { namespace, labels };
    let candidates: Vec<usize> = (0..all.len()).collect();
    rules_for(
        all,
        &full_hosts(all),
        &candidates,
        HOST,
        Some("shop"),
        &caller,
        "istio-system",
    )
    .map(|found| found.iter().map(|&i| all[i].meta.name.clone()).collect())
}

/// The caller's namespace first, then the host's, then the root; an exact host over a
/// wildcard; `exportTo` and `workloadSelector` respected.
#[test]
fn which_rules_apply() {
    let all = rules(&format!(
        "{}{}{}{}{}{}",
        dr("own", "client", "{host: web.shop.svc.cluster.local}"),
        dr("service", "shop", "{host: web}"),
        dr("service-2", "shop", "{host: web, subsets: [{name: extra}]}"),
        dr("wild", "shop", "{host: '*.shop.svc.cluster.local'}"),
        dr("root", "istio-system", "{host: '*.svc.cluster.local'}"),
        dr("private", "hidden", "{host: web.shop.svc.cluster.local}"),
    ));
    assert_eq!(lookup(&all, "client", None).unwrap(), ["own"]);
    assert_eq!(
        lookup(&all, "other", None).unwrap(),
        ["service", "service-2"]
    );
    let only_root = rules(&dr("root", "istio-system", "{host: '*.svc.cluster.local'}"));
    assert_eq!(lookup(&only_root, "x", None).unwrap(), ["root"]);
    let wild = rules(&dr("wild", "shop", "{host: '*.shop.svc.cluster.local'}"));
    assert_eq!(lookup(&wild, "x", None).unwrap(), ["wild"]);
    let unexported = rules(&dr("s", "shop", "{host: web, exportTo: ['.']}"));
    assert!(lookup(&unexported, "x", None).unwrap().is_empty());
    assert_eq!(lookup(&unexported, "shop", None).unwrap(), ["s"]);
    assert!(lookup(&[], "x", None).unwrap().is_empty());
    // Wildcards found before an exact name give way to it; without one, they all apply, in
    // order.
    let mixed = rules(&format!(
        "{}{}{}{}",
        dr("wild-1", "shop", "{host: '*.shop.svc.cluster.local'}"),
        dr("service", "shop", "{host: web}"),
        dr("wild-2", "shop", "{host: '*.svc.cluster.local'}"),
        dr("service-2", "shop", "{host: web.shop.svc.cluster.local}"),
    ));
    assert_eq!(lookup(&mixed, "x", None).unwrap(), ["service", "service-2"]);
    let wilds = rules(&format!(
        "{}{}",
        dr("wild-1", "shop", "{host: '*.shop.svc.cluster.local'}"),
        dr("wild-2", "shop", "{host: '*.svc.cluster.local'}"),
    ));
    assert_eq!(lookup(&wilds, "x", None).unwrap(), ["wild-1", "wild-2"]);
}

#[test]
fn workload_selectors() {
    let all = rules(&dr(
        "sel",
        "client",
        "{host: web.shop.svc.cluster.local, workloadSelector: {matchLabels: {app: a}}}",
    ));
    let a: PodLabels = [("app".to_string(), "a".to_string())].into_iter().collect();
    let b: PodLabels = [("app".to_string(), "b".to_string())].into_iter().collect();
    assert_eq!(lookup(&all, "client", Some(&a)).unwrap(), ["sel"]);
    assert!(lookup(&all, "client", Some(&b)).unwrap().is_empty());
    assert!(lookup(&all, "client", None).is_err());
    let elsewhere = rules(&dr(
        "sel",
        "shop",
        "{host: web, workloadSelector: {matchLabels: {app: a}}}",
    ));
    assert!(lookup(&elsewhere, "client", Some(&a)).unwrap().is_empty());
}

#[test]
fn subsets_and_client_tls() {
    let all = rules(&format!(
        "{}{}",
        dr(
            "a",
            "shop",
            "{host: web, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}, portLevelSettings: [{port: {number: 80}, tls: {mode: DISABLE}}, {port: {number: 81}}]}, \
            subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}, trafficPolicy: {tls: {mode: SIMPLE}}}]}"
        ),
        dr(
            "b",
            "shop",
            "{host: web, subsets: [{name: v1, labels: {version: other}}, {name: v3, labels: {version: v3}}]}"
        ),
    ));
    let applied = [0, 1];
    let (labels, tls, by) = subset(&all, &applied, "v1", 80).unwrap();
    assert_eq!(labels.iter().collect::<Vec<_>>(), [("version", "v1")]);
    assert_eq!(tls, TlsMode::Unset);
    assert_eq!(by.to_string(), "DestinationRule shop/a subsets[0]");
    assert_eq!(
        subset(&all, &applied, "v3", 80).unwrap().2.to_string(),
        "DestinationRule shop/b subsets[1]"
    );
    assert!(subset(&all, &applied, "v4", 80).is_none());
    let v2 = subset(&all, &applied, "v2", 80).unwrap().1;
    assert_eq!(
        client_tls(&all, &applied, v2, 8080),
        TlsMode::Set(TrafficTls::Other)
    );
    assert_eq!(
        client_tls(&all, &applied, TlsMode::Unset, 80),
        TlsMode::Set(TrafficTls::Disable)
    );
    assert_eq!(
        client_tls(&all, &applied, TlsMode::Unset, 81),
        TlsMode::Set(TrafficTls::IstioMutual)
    );
    assert_eq!(
        client_tls(&all, &applied, TlsMode::Unset, 8080),
        TlsMode::Set(TrafficTls::IstioMutual)
    );
    assert_eq!(client_tls(&all, &[], TlsMode::Unset, 80), TlsMode::Unset);
}

#[test]
fn who_speaks_mtls() {
    assert_eq!(sends_mtls(TlsMode::Unset, true, false), Ok(true));
    assert_eq!(sends_mtls(TlsMode::Unset, true, true), Ok(false));
    assert_eq!(sends_mtls(TlsMode::Unset, false, false), Ok(false));
    assert_eq!(
        sends_mtls(TlsMode::Set(TrafficTls::IstioMutual), false, true),
        Ok(true)
    );
    assert_eq!(
        sends_mtls(TlsMode::Set(TrafficTls::Disable), true, false),
        Ok(false)
    );
    assert!(sends_mtls(TlsMode::Set(TrafficTls::Other), true, false).is_err());
}

#[test]
fn subset_labels_and_regions() {
    let workload = Workload {
        name: "w".into(),
        namespace: "ns".into(),
        labels: [("version".to_string(), "v1".to_string())]
            .into_iter()
            .collect(),
        service_account: "sa".into(),
        regions: Arc::from(["eu".to_string()]),
        ports: Arc::default(),
    };
    let labels = |pairs: &[(&str, &str)]| -> Selector {
        Selector::from(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect::<Labels>(),
        )
    };
    assert!(in_subset(&labels(&[("version", "v1")]), &workload));
    assert!(in_subset(
        &labels(&[(REGION_LABEL, "eu"), ("version", "v1")]),
        &workload
    ));
    assert!(!in_subset(&labels(&[(REGION_LABEL, "us")]), &workload));
    assert!(!in_subset(&labels(&[("version", "v2")]), &workload));
    assert!(!in_subset(&labels(&[("other", "eu")]), &workload));
    assert!(in_subset(&Selector::default(), &workload));
}

/// A gateway in the root namespace skips the root's exported catch-all and takes the service's
/// own rule; the root's private rules still come first for it (push_context.go
/// `destinationRule`, `setDestinationRules`: `rootNamespaceLocal`).
#[test]
fn a_root_namespace_proxy_takes_the_service_rule_over_the_root_catch_all() {
    let all = rules(&format!(
        "{}{}",
        dr(
            "mesh-default",
            "istio-system",
            "{host: \"*.cluster.local\"}"
        ),
        dr("web", "shop", "{host: web}"),
    ));
    assert_eq!(
        lookup(&all, "istio-system", None),
        Ok(vec!["web".to_string()])
    );
    assert_eq!(lookup(&all, "other", None), Ok(vec!["web".to_string()]));
    let private = rules(&format!(
        "{}{}",
        dr(
            "gateway-only",
            "istio-system",
            "{host: \"*.cluster.local\", exportTo: [\".\"]}"
        ),
        dr("web", "shop", "{host: web}"),
    ));
    assert_eq!(
        lookup(&private, "istio-system", None),
        Ok(vec!["gateway-only".to_string()])
    );
    let only_root = rules(&dr(
        "mesh-default",
        "istio-system",
        "{host: \"*.cluster.local\"}",
    ));
    assert_eq!(
        lookup(&only_root, "istio-system", None),
        Ok(vec!["mesh-default".to_string()])
    );
}

/// A subset's port setting wins over the subset's own `tls`, and the SNI follows the same
/// order: subset port, subset, rule port, rule (istio/istio
/// pilot/pkg/networking/core/cluster_traffic_policy.go `MergeTrafficPolicy`; the egress
/// gateway's subset of istio.io's "Egress Gateways with TLS Origination" sets both on a port).
#[test]
fn subset_port_settings_and_sni() {
    let all = rules(&dr(
        "gw",
        "shop",
        "{host: web, trafficPolicy: {tls: {mode: ISTIO_MUTUAL, sni: rule.example}, \
         portLevelSettings: [{port: {number: 80}, tls: {mode: ISTIO_MUTUAL, sni: rule-port.example}}]}, \
         subsets: [{name: cnn, labels: {istio: egressgateway}, trafficPolicy: {tls: {mode: DISABLE, sni: subset.example}, \
         portLevelSettings: [{port: {number: 443}, tls: {mode: ISTIO_MUTUAL, sni: edition.cnn.com}}]}}, \
         {name: bare, labels: {istio: egressgateway}}]}",
    ));
    let applied = [0];
    let on = |name, port| subset(&all, &applied, name, port).unwrap().1;
    assert_eq!(on("cnn", 443), TlsMode::Set(TrafficTls::IstioMutual));
    assert_eq!(on("cnn", 80), TlsMode::Set(TrafficTls::Disable));
    assert_eq!(on("bare", 443), TlsMode::Unset);
    assert_eq!(
        client_sni(&all, &applied, Some("cnn"), 443),
        Some("edition.cnn.com")
    );
    assert_eq!(
        client_sni(&all, &applied, Some("cnn"), 80),
        Some("subset.example")
    );
    assert_eq!(
        client_sni(&all, &applied, Some("bare"), 80),
        Some("rule-port.example")
    );
    assert_eq!(
        client_sni(&all, &applied, Some("bare"), 443),
        Some("rule.example")
    );
    assert_eq!(
        client_sni(&all, &applied, None, 80),
        Some("rule-port.example")
    );
    assert_eq!(client_sni(&[], &[], None, 80), None);
}
