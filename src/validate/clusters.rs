//! `[clusters]`: each cluster's role, network and regions, and the checks that hold the
//! clusters together (Istio's multi-primary, primary-remote and multi-network installs).

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::limits::MAX_CLUSTERS;
use crate::model::{CROSS_NETWORK_GATEWAY, Cluster, Host, LabelValue, Role};
use crate::profile::raw::{ClusterRole, RawCluster};
use crate::profile::{RawProfile, Sp};

/// The Gateway a primary with remotes exposes istiod through (templates/istiod-gateway.yaml.j2).
const ISTIOD_GATEWAY: &str = "istiod-gateway";

/// How many clusters hold a copy of the mesh configuration: the primaries.
pub(super) fn primaries(raw: &RawProfile) -> usize {
    raw.clusters
        .values()
        .filter(|cluster| role(cluster) == ClusterRole::Primary)
        .count()
}

fn role(cluster: &RawCluster) -> ClusterRole {
    cluster
        .role
        .as_ref()
        .map_or(ClusterRole::Primary, |r| r.value)
}

impl Checker {
    /// `[clusters]`; empty when the profile declares none.
    pub(super) fn clusters(&mut self, raw: &RawProfile) -> Option<Vec<Cluster>> {
        let Some(first) = raw.clusters.keys().min_by_key(|name| name.span().start) else {
            return Some(Vec::new());
        };
        let first = first.span();
        self.mesh_keys_with_clusters(raw, first.clone());
        if raw.clusters.len() > MAX_CLUSTERS {
            let mut keys: Vec<_> = raw.clusters.keys().map(Sp::span).collect();
            keys.sort_by_key(|span| span.start);
            self.report(
                Diagnostic::new(
                    Code::TooLarge,
                    keys[MAX_CLUSTERS].clone(),
                    format!("`[clusters]` holds more than {MAX_CLUSTERS} clusters"),
                )
                .label(format!(
                    "cluster {} and the ones after it are too many",
                    MAX_CLUSTERS + 1
                ))
                .help("each primary renders the whole mesh configuration again; split the mesh"),
            );
            return None;
        }
        let named_networks = raw.clusters.values().any(|c| c.network.is_some());
        let clusters = self.each(&raw.clusters, |c, (name, cluster)| {
            c.cluster(raw, name, cluster, named_networks)
        });
        self.regions_served(raw);
        self.gateway_name_taken(raw);
        clusters
    }

    /// The ingress Gateway's name must not be one a cluster's render gives a Gateway of its own
    /// in the root namespace: the two would replace each other.
    fn gateway_name_taken(&mut self, raw: &RawProfile) {
        for name in super::gateways::written_gateway_names(raw) {
            self.gateway_name_free(raw, name);
        }
    }

    fn gateway_name_free(&mut self, raw: &RawProfile, name: &Sp<String>) {
        let mut networks: Vec<&str> = raw
            .clusters
            .values()
            .filter_map(|c| c.network.as_ref().map(Sp::as_str))
            .collect();
        networks.sort_unstable();
        networks.dedup();
        let remotes = raw
            .clusters
            .values()
            .any(|c| role(c) == ClusterRole::Remote);
        let taken = match name.as_str() {
            CROSS_NETWORK_GATEWAY if networks.len() > 1 => {
                "the east-west Gateway of a mesh whose clusters span networks"
            }
            ISTIOD_GATEWAY if remotes => "the Gateway that exposes istiod to remote clusters",
            _ => return,
        };
        self.report(
            Diagnostic::new(
                Code::DuplicateName,
                name.span(),
                format!("gateway name `{}` is {taken}", name.as_str()),
            )
            .label("reserved for a generated Gateway")
            .help("choose another name for the ingress Gateway"),
        );
    }

    /// `[mesh] cluster`, `network` and `multi-network` say what each cluster now says itself.
    fn mesh_keys_with_clusters(&mut self, raw: &RawProfile, first: std::ops::Range<usize>) {
        let mesh = &raw.mesh;
        let spans = [
            ("cluster", mesh.cluster.as_ref().map(Sp::span)),
            ("network", mesh.network.as_ref().map(Sp::span)),
            ("multi-network", mesh.multi_network.as_ref().map(Sp::span)),
        ];
        for (key, span) in spans {
            let Some(span) = span else { continue };
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    span,
                    format!("`[mesh] {key}` cannot be used with `[clusters]`"),
                )
                .label("says one cluster's identity")
                .secondary(first.clone(), "each cluster is declared here")
                .help(format!(
                    "remove `{key}` from [mesh]; each `[clusters.<name>]` is its cluster name, \
                     and sets `network` (meshc adds the east-west gateways where networks differ)"
                )),
            );
        }
    }

    fn cluster(
        &mut self,
        raw: &RawProfile,
        name: &Sp<String>,
        cluster: &RawCluster,
        named_networks: bool,
    ) -> Option<Cluster> {
        let checked_name = self.name(name);
        let network = match &cluster.network {
            Some(network) if network.as_str().is_empty() => {
                self.report(
                    Diagnostic::new(Code::InvalidLabel, network.span(), "`network` is empty")
                        .help("give the network a name, or remove the key"),
                );
                None
            }
            Some(network) => self
                .parsed(network, Code::InvalidLabel, LabelValue::parse)
                .map(Some),
            None if named_networks => {
                self.report(
                    Diagnostic::new(
                        Code::MissingKey,
                        name.span(),
                        format!("cluster `{}` names no network", name.as_str()),
                    )
                    .label("no `network`")
                    .help(
                        "other clusters name their networks: add `network = \"<name>\"`, so that \
                         Istio knows whether to reach this cluster directly or through an \
                         east-west gateway",
                    ),
                );
                None
            }
            None => Some(None),
        };
        let regions = match &cluster.regions {
            Some(list) => {
                self.unique(
                    list.value.iter().map(|r| (&r.value, r.span())),
                    "region of this cluster",
                );
                self.each(&list.value, |c, region| {
                    c.reference(
                        region,
                        raw.regions.keys().map(Sp::as_str),
                        Code::UnknownRegion,
                        "region",
                    )
                })
            }
            None => Some(Vec::new()),
        };
        let role = self.role(raw, name, cluster);
        self.cluster_services(raw, cluster);
        Some(Cluster {
            name: checked_name?,
            network: network?,
            regions: regions?,
            role: role?,
        })
    }

    fn role(&mut self, raw: &RawProfile, name: &Sp<String>, cluster: &RawCluster) -> Option<Role> {
        match role(cluster) {
            ClusterRole::Primary => {
                if let Some(primary) = &cluster.primary {
                    self.report(
                        Diagnostic::new(
                            Code::ConflictingKeys,
                            primary.span(),
                            "a primary cluster has no primary",
                        )
                        .help("add `role = \"remote\"` if this cluster uses another's istiod"),
                    );
                    return None;
                }
                let has_remotes = raw.clusters.values().any(|other| {
                    role(other) == ClusterRole::Remote
                        && other.primary.as_ref().map(Sp::as_str) == Some(name.as_str())
                });
                let discovery_address = match &cluster.discovery_address {
                    Some(address) => Some(self.discovery_address(address)?),
                    None if has_remotes => {
                        self.report(
                            Diagnostic::new(
                                Code::MissingKey,
                                name.span(),
                                format!(
                                    "primary `{}` has remote clusters but no `discovery-address`",
                                    name.as_str()
                                ),
                            )
                            .label("no `discovery-address`")
                            .help(
                                "add `discovery-address = \"<address>\"`: the load balancer IP or \
                                 host name of its east-west gateway, where its remotes reach istiod",
                            ),
                        );
                        return None;
                    }
                    None => None,
                };
                Some(Role::Primary { discovery_address })
            }
            ClusterRole::Remote => {
                if let Some(address) = &cluster.discovery_address {
                    self.report(
                        Diagnostic::new(
                            Code::ConflictingKeys,
                            address.span(),
                            "a remote cluster runs no istiod to be discovered",
                        )
                        .help("set `discovery-address` on its primary"),
                    );
                    return None;
                }
                let Some(primary) = &cluster.primary else {
                    self.report(
                        Diagnostic::new(
                            Code::MissingKey,
                            cluster.role.as_ref().map_or(name.span(), Sp::span),
                            format!("remote cluster `{}` names no primary", name.as_str()),
                        )
                        .label("a remote needs a primary's istiod")
                        .help("add `primary = \"<cluster>\"`, a primary cluster of [clusters]"),
                    );
                    return None;
                };
                let primary_name = self.reference(
                    primary,
                    raw.clusters.keys().map(Sp::as_str),
                    Code::UnknownCluster,
                    "cluster",
                )?;
                let target = raw
                    .clusters
                    .iter()
                    .find(|(key, _)| key.as_str() == primary.as_str());
                if let Some((key, target)) = target
                    && role(target) == ClusterRole::Remote
                {
                    let primaries: Vec<String> = raw
                        .clusters
                        .iter()
                        .filter(|(_, c)| role(c) == ClusterRole::Primary)
                        .map(|(k, _)| format!("`{}`", k.as_str()))
                        .collect();
                    self.report(
                        Diagnostic::new(
                            Code::PrimaryIsRemote,
                            primary.span(),
                            format!(
                                "`{}` is a remote cluster, so it has no istiod to share",
                                primary.as_str()
                            ),
                        )
                        .label("not a primary")
                        .secondary(
                            target.role.as_ref().map_or(key.span(), Sp::span),
                            "a remote",
                        )
                        .help(if primaries.is_empty() {
                            "make one cluster a primary (`role = \"primary\"`, the default)"
                                .to_string()
                        } else {
                            format!("name a primary: {}", primaries.join(", "))
                        }),
                    );
                    return None;
                }
                Some(Role::Remote {
                    primary: primary_name,
                })
            }
        }
    }

    /// An IP address or a host name, as `values.global.remotePilotAddress` takes it.
    fn discovery_address(&mut self, address: &Sp<String>) -> Option<String> {
        let text = address.as_str();
        if text.parse::<std::net::IpAddr>().is_ok() {
            return Some(text.to_string());
        }
        let host = self.parsed(address, Code::InvalidHost, Host::parse)?;
        if host.is_wildcard() {
            self.report(Diagnostic::new(
                Code::InvalidHost,
                address.span(),
                "a discovery address cannot be a wildcard",
            ));
            return None;
        }
        Some(host.to_string())
    }

    /// `[clusters.<c>.services.<s>]`: a service keeps its port in every cluster, because Istio
    /// merges the endpoints of one host and port across clusters; an endpoint behind another
    /// port would never get the traffic sent to the declared one.
    fn cluster_services(&mut self, raw: &RawProfile, cluster: &RawCluster) {
        for (name, restated) in &cluster.services {
            let Some(_) = self.reference(
                name,
                raw.services.keys().map(Sp::as_str),
                Code::UnknownService,
                "service",
            ) else {
                continue;
            };
            let Some((_, service)) = raw
                .services
                .iter()
                .find(|(key, _)| key.as_str() == name.as_str())
            else {
                continue;
            };
            // The mesh's main port: the shorthand, or the first of `ports`.
            let main = service.port.as_ref().or_else(|| {
                service
                    .ports
                    .as_ref()
                    .and_then(|p| p.value.first())
                    .map(|p| &p.port)
            });
            if let Some(port) = &restated.port
                && let Some(main) = main
                && port.value != main.value
            {
                self.report(
                    Diagnostic::new(
                        Code::ClusterServiceMismatch,
                        port.span(),
                        format!(
                            "`{}` listens on port {} here, but on {} in the mesh",
                            name.as_str(),
                            port.value,
                            main.value
                        ),
                    )
                    .label("another port in this cluster")
                    .secondary(main.span(), "the port every cluster serves")
                    .help(
                        "Istio merges a service's endpoints across clusters by host and port, so \
                         this cluster's pods would never get the traffic; keep the port, or \
                         change it in `[services]` for every cluster",
                    ),
                );
            }
        }
    }

    /// With clusters, every region belongs to one: locality failover and weights, and region
    /// pins, send traffic to the region's nodes, which some cluster must run.
    fn regions_served(&mut self, raw: &RawProfile) {
        for region in raw.regions.keys() {
            let served = raw.clusters.values().any(|cluster| {
                cluster
                    .regions
                    .as_ref()
                    .is_some_and(|list| list.value.iter().any(|r| r.as_str() == region.as_str()))
            });
            if !served {
                self.report(
                    Diagnostic::new(
                        Code::RegionWithoutCluster,
                        region.span(),
                        format!("no cluster serves region `{}`", region.as_str()),
                    )
                    .label("in no cluster's `regions`")
                    .help(format!(
                        "add \"{}\" to the `regions` of the cluster whose nodes run there; \
                         locality settings and region pins would otherwise send traffic to no \
                         endpoint",
                        region.as_str()
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::model::{Placement, Profile, Role};
    use crate::source::Source;

    const SERVICE: &str =
        "[services.a]\nport = 8080\n[[services.a.callers]]\nnamespaces = [\"x\"]\n";

    fn checked(clusters: &str) -> Result<Profile, Vec<(Code, String)>> {
        let source = Source::new("p.toml", format!("{clusters}\n{SERVICE}"));
        crate::pipeline::check(&source)
            .map(|checked| checked.profile)
            .map_err(|found| {
                found
                    .iter()
                    .map(|d| {
                        let at = d.profile_span().unwrap_or_default();
                        (d.code, source.text()[at].to_string())
                    })
                    .collect()
            })
    }

    fn refused(clusters: &str) -> Vec<(Code, String)> {
        checked(clusters).err().unwrap_or_default()
    }

    #[test]
    fn the_ingress_gateway_cannot_take_a_generated_gateway_s_name() {
        let gateway = |name: &str| {
            format!(
                "[gateway]\nname = \"{name}\"\nhosts = [\"a.example.com\"]\ncredential = \"tls\"\n\
                 [gateway.routes.r]\nprefix = \"/\"\nservice = \"a\"\n"
            )
        };
        let two_networks = "[clusters.a]\nnetwork = \"n1\"\n[clusters.b]\nnetwork = \"n2\"\n";
        let remote = "[clusters.a]\ndiscovery-address = \"10.0.0.1\"\n\
                      [clusters.b]\nrole = \"remote\"\nprimary = \"a\"\n";
        for (clusters, name) in [
            (two_networks, "cross-network-gateway"),
            (remote, "istiod-gateway"),
        ] {
            let found = refused(&format!("{clusters}{}", gateway(name)));
            assert_eq!(
                found,
                [(Code::DuplicateName, format!("\"{name}\""))],
                "{name}"
            );
        }
        assert!(checked(&format!("{two_networks}{}", gateway("istiod-gateway"))).is_ok());
        assert!(checked(&format!("{remote}{}", gateway("cross-network-gateway"))).is_ok());
    }

    #[test]
    fn a_region_may_belong_to_several_clusters() {
        let profile = checked(
            "[regions.r]\nweight = 100\n[clusters.a]\nregions = [\"r\"]\n\
             [clusters.b]\nregions = [\"r\"]",
        )
        .unwrap();
        let regions: Vec<usize> = profile.clusters.iter().map(|c| c.regions.len()).collect();
        assert_eq!(regions, [1, 1]);
    }

    #[test]
    fn roles_and_addresses_are_checked_where_they_are_written() {
        assert_eq!(
            refused("[clusters.a]\nprimary = \"b\"\n[clusters.b]"),
            [(Code::ConflictingKeys, "\"b\"".to_string())]
        );
        assert_eq!(
            refused(
                "[clusters.a]\ndiscovery-address = \"1.2.3.4\"\n[clusters.b]\nrole = \"remote\"\n\
                 primary = \"a\"\ndiscovery-address = \"5.6.7.8\""
            ),
            [(Code::ConflictingKeys, "\"5.6.7.8\"".to_string())]
        );
        assert_eq!(
            refused("[clusters.a]\n[clusters.b]\nrole = \"remote\""),
            [(Code::MissingKey, "\"remote\"".to_string())]
        );
        assert_eq!(
            refused("[clusters.a]\nrole = \"remote\"\nprimary = \"a\""),
            [(Code::PrimaryIsRemote, "\"a\"".to_string())]
        );
        for (address, code) in [
            ("*.example.com", Code::InvalidHost),
            ("a b", Code::InvalidHost),
        ] {
            let found = refused(&format!(
                "[clusters.a]\ndiscovery-address = \"{address}\"\n[clusters.b]\nrole = \"remote\"\n\
                 primary = \"a\""
            ));
            assert_eq!(found, [(code, format!("\"{address}\""))], "{address}");
        }
        for address in ["10.0.0.1", "2001:db8::1", "istiod.example.com"] {
            let profile = checked(&format!(
                "[clusters.a]\ndiscovery-address = \"{address}\"\n[clusters.b]\nrole = \"remote\"\n\
                 primary = \"a\""
            ))
            .unwrap();
            assert_eq!(
                profile.clusters[0].role,
                Role::Primary {
                    discovery_address: Some(address.to_string())
                }
            );
        }
    }

    #[test]
    fn each_cluster_sees_its_own_name_network_and_place() {
        let profile = checked(
            "[clusters.a]\nnetwork = \"n1\"\ndiscovery-address = \"10.0.0.1\"\n\
             [clusters.b]\nnetwork = \"n2\"\n\
             [clusters.c]\nrole = \"remote\"\nprimary = \"a\"\nnetwork = \"n1\"",
        )
        .unwrap();
        let [a, b, c] = [0, 1, 2].map(|i| profile.for_cluster(&profile.clusters[i]));
        for (own, name) in [(&a, "a"), (&b, "b"), (&c, "c")] {
            assert_eq!(
                own.mesh
                    .cluster
                    .as_ref()
                    .map(ToString::to_string)
                    .as_deref(),
                Some(name)
            );
            assert!(own.mesh.multi_network, "{name}: two networks are named");
        }
        assert_eq!(
            b.mesh.network.as_ref().map(ToString::to_string).as_deref(),
            Some("n2")
        );
        assert_eq!(
            a.placement,
            Some(Placement::Primary {
                remotes: vec![crate::model::Name::parse("c").unwrap()]
            })
        );
        assert_eq!(b.placement, Some(Placement::Primary { remotes: vec![] }));
        assert!(c.is_remote() && !a.is_remote());
        assert_eq!(
            c.placement,
            Some(Placement::Remote {
                primary: crate::model::Name::parse("a").unwrap(),
                discovery_address: "10.0.0.1".to_string(),
            })
        );

        let one_network =
            checked("[clusters.a]\nnetwork = \"n\"\n[clusters.b]\nnetwork = \"n\"").unwrap();
        let own = one_network.for_cluster(&one_network.clusters[0]);
        assert!(
            !own.mesh.multi_network,
            "one network needs no east-west gateway"
        );
    }
}
