//! Several ingress gateways, and routes per host: which routes each host of a gateway gets.
//!
//! A gateway's hosts fall into classes, the hosts that get the same routes. Each class becomes
//! one VirtualService, so that no host is in two of them: istiod merges the VirtualServices of
//! one gateway host in an order nobody controls (istio-rules.md §4.5, "Gateway VS fragments
//! for the same host are merged (order across resources undefined)"). Hosts of one gateway never
//! overlap (`overlapping-gateway-hosts`): istiod would give a wildcard's VirtualService every
//! host it covers.

use super::{Gateway, GatewayRoute, Host};

/// The name istioctl gives the default ingress gateway's Deployment and Service.
pub(crate) const DEFAULT_INGRESS: &str = "istio-ingressgateway";

/// Hosts of one gateway that get the same routes.
#[derive(Debug, Clone)]
pub struct HostClass<'a> {
    /// The hosts, in the gateway's order.
    pub hosts: Vec<&'a Host>,
    /// Their routes, in the order Envoy tries them.
    pub routes: Vec<&'a GatewayRoute>,
}

impl GatewayRoute {
    /// Whether the route takes requests for `host`, a host of its gateway.
    pub fn serves(&self, host: &Host) -> bool {
        self.hosts.is_empty() || self.hosts.contains(host)
    }
}

impl Gateway {
    /// The classes of hosts with the same routes, in the order of each class's first host. A
    /// gateway whose routes name no hosts has one class: all its hosts.
    pub fn classes(&self) -> Vec<HostClass<'_>> {
        let mut classes: Vec<HostClass<'_>> = Vec::new();
        for host in &self.hosts {
            let routes: Vec<&GatewayRoute> =
                self.routes.iter().filter(|r| r.serves(host)).collect();
            let same = |class: &&mut HostClass<'_>| {
                class.routes.len() == routes.len()
                    && class
                        .routes
                        .iter()
                        .zip(&routes)
                        .all(|(a, b)| std::ptr::eq(*a, *b))
            };
            match classes.iter_mut().find(same) {
                Some(class) => class.hosts.push(host),
                None => classes.push(HostClass {
                    hosts: vec![host],
                    routes,
                }),
            }
        }
        classes
    }

    /// The name of the ingress-gateway deployment it runs on (its IstioOperator component,
    /// Deployment and Service): `<name>-ingressgateway` for one of its own, else istioctl's
    /// default `istio-ingressgateway`.
    pub fn workload(&self) -> String {
        match self.deployment {
            Some(_) => format!("{}-ingressgateway", self.name),
            None => DEFAULT_INGRESS.to_string(),
        }
    }

    /// The `istio` label of its deployment's pods, which its Gateway and the policies on it
    /// select: the deployment's name for one of its own, `ingressgateway` for the default.
    pub fn workload_label(&self) -> String {
        match self.deployment {
            Some(_) => self.workload(),
            None => "ingressgateway".to_string(),
        }
    }

    /// The service account of its deployment's pods: `<deployment>-service-account`, as the
    /// operator's gateway chart names it (istio/istio
    /// manifests/charts/gateways/istio-ingress/templates/serviceaccount.yaml,
    /// `{{ $gateway.name }}-service-account`).
    pub fn service_account(&self) -> String {
        format!("{}-service-account", self.workload())
    }

    /// The routes of requests for `host`, one of the gateway's hosts.
    pub fn routes_for(&self, host: &Host) -> Vec<&GatewayRoute> {
        self.routes.iter().filter(|r| r.serves(host)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HttpPath, Name, PathMatch, Port, RouteHeaders, TlsVersion};

    fn route(name: &str, hosts: &[&str]) -> GatewayRoute {
        GatewayRoute {
            span: 0..0,
            name: Name::parse(name).unwrap(),
            path: PathMatch::Prefix(HttpPath::parse("/").unwrap()),
            service: Name::parse("s").unwrap(),
            rate_limit: None,
            methods: Vec::new(),
            headers: Vec::new(),
            public: false,
            header_ops: RouteHeaders::default(),
            fault: None,
            hosts: hosts.iter().map(|h| Host::parse(h).unwrap()).collect(),
            port: None,
        }
    }

    fn gateway(hosts: &[&str], routes: Vec<GatewayRoute>) -> Gateway {
        Gateway {
            name: Name::parse("ingress").unwrap(),
            hosts: hosts.iter().map(|h| Host::parse(h).unwrap()).collect(),
            credential: Name::parse("tls").unwrap(),
            min_tls: TlsVersion::V1_3,
            https_port: (Port::known(443), Port::known(8443)),
            http_redirect: None,
            cors: None,
            routes,
            deployment: None,
        }
    }

    fn names<'a>(class: &HostClass<'a>) -> (Vec<&'a str>, Vec<&'a str>) {
        (
            class.hosts.iter().map(|h| h.as_str()).collect(),
            class.routes.iter().map(|r| r.name.as_str()).collect(),
        )
    }

    #[test]
    fn routes_without_hosts_make_one_class() {
        let g = gateway(&["a.io", "b.io"], vec![route("x", &[]), route("y", &[])]);
        let classes = g.classes();
        assert_eq!(classes.len(), 1);
        assert_eq!(names(&classes[0]), (vec!["a.io", "b.io"], vec!["x", "y"]));
    }

    #[test]
    fn hosts_with_the_same_routes_share_a_class() {
        let g = gateway(
            &["a.io", "b.io", "c.io"],
            vec![
                route("api", &["a.io", "c.io"]),
                route("ui", &["b.io"]),
                route("health", &[]),
            ],
        );
        let classes = g.classes();
        assert_eq!(classes.len(), 2);
        assert_eq!(
            names(&classes[0]),
            (vec!["a.io", "c.io"], vec!["api", "health"])
        );
        assert_eq!(names(&classes[1]), (vec!["b.io"], vec!["ui", "health"]));
        let b = Host::parse("b.io").unwrap();
        let for_b: Vec<&str> = g.routes_for(&b).iter().map(|r| r.name.as_str()).collect();
        assert_eq!(for_b, ["ui", "health"]);
    }

    #[test]
    fn a_host_no_route_serves_is_a_class_without_routes() {
        let g = gateway(&["a.io", "b.io"], vec![route("api", &["a.io"])]);
        let classes = g.classes();
        assert_eq!(names(&classes[1]), (vec!["b.io"], vec![]));
    }
}
