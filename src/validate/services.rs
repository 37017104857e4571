//! `[services.<name>]`: load balancing, pools, circuit breakers, subsets, canary, callers.

use super::Checker;
use super::routing::{Budgets, RoutePolicy};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    Caller, Canary, CircuitBreaker, ConnectionPool, LabelKey, LabelValue, Labels, LoadBalancer,
    Locality, Priority, REGION_SUBSET_PREFIX, Service, Subset,
};
use crate::profile::Sp;
use crate::profile::raw::{
    self, RawCaller, RawCircuitBreaker, RawConnectionPool, RawHash, RawProfile, RawService,
};

/// Upper bound of connection and request counts: far above any real pool, low enough that a
/// typo does not become an unlimited pool.
const MAX_POOL: i64 = 10_000_000;

impl Checker {
    /// `[services]`.
    pub(super) fn services(&mut self, raw: &RawProfile, budgets: &Budgets) -> Option<Vec<Service>> {
        if raw.services.is_empty() {
            // An empty or truncated file would otherwise render a mesh without services, and
            // `kubectl apply --prune` of that render deletes every route and policy.
            self.report(
                Diagnostic::new(Code::MissingKey, 0..0, "the profile declares no service")
                    .label("a mesh profile describes at least one service")
                    .help("add `[services.<name>]` with its `port`; if the file is empty or cut short, restore it"),
            );
            return None;
        }
        self.each_in_runs(raw.services.entries(), |c, (name, service)| {
            c.service(name, service, raw, budgets)
        })
    }

    fn service(
        &mut self,
        name: &Sp<String>,
        raw: &RawService,
        profile: &RawProfile,
        budgets: &Budgets,
    ) -> Option<Service> {
        let service_name = self.service_name(name);
        let namespace = self.service_namespace(raw, profile);
        let ports = self.own_ports(raw, name.span());
        let (port, target_port, named_ports) = match ports {
            Some((port, target, named)) => (Some(port), Some(target), Some(named)),
            None => (None, None, None),
        };
        let service_account = match &raw.service_account {
            Some(account) => self.name(account),
            None => service_name.clone(),
        };
        let labels = match &raw.labels {
            Some(labels) => self.labels(labels),
            None => service_name
                .as_ref()
                .map(|n| Labels::from([(LabelKey::known("app"), LabelValue::from_name(n))])),
        };
        let load_balancer = self.load_balancer(raw);
        let connection_pool = match &raw.connection_pool {
            Some(pool) => self.connection_pool(pool).map(Some),
            None => Some(None),
        };
        let circuit_breaker = match &raw.circuit_breaker {
            Some(breaker) => self.circuit_breaker(breaker).map(Some),
            None => Some(None),
        };
        let subsets = self.subsets(raw, profile);
        let subset_names: Vec<&str> = raw.subsets.keys().map(Sp::as_str).collect();
        let default_subset = match &raw.default_subset {
            Some(subset) => self
                .reference(
                    subset,
                    subset_names.iter().copied(),
                    Code::UnknownSubset,
                    "subset",
                )
                .map(Some),
            None => Some(None),
        };
        let policy = self.route_policy(
            raw.retry_budget.as_ref(),
            raw.timeout.as_ref(),
            budgets,
            &RoutePolicy::default(),
        );
        let routes = policy.as_ref().and_then(|policy| {
            self.unique(
                raw.routes.iter().map(|r| (&r.name.value, r.name.span())),
                "route name",
            );
            self.each(&raw.routes, |c, route| {
                c.route(route, &subset_names, budgets, policy, profile)
            })
        });
        if let Some(routes) = &routes {
            self.shadowed_routes(routes, &raw.routes);
        }
        let canary = match &raw.canary {
            Some(canary) => self.canary(canary, &subset_names).map(Some),
            None => Some(None),
        };
        if let (Some(canary), Some(default)) = (&raw.canary, &raw.default_subset) {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    default.span(),
                    "`default-subset` and `canary` both choose where the final route goes",
                )
                .secondary(canary.span(), "canary set here")
                .help("with a canary, the final route splits between its stable and canary subsets; remove `default-subset`"),
            );
        }
        let priority = match &raw.priority {
            Some(priority) => self.priority(priority, &subset_names).map(Some),
            None => Some(None),
        };
        let region_routing = self.region_routing(raw, profile);
        let locality = self.locality(raw, profile);
        let sampling = match &raw.sampling {
            Some(sampling) => {
                if profile.telemetry.tracing.is_none() {
                    self.report(
                        Diagnostic::new(
                            Code::MissingDependency,
                            sampling.span(),
                            "a sampling override needs tracing",
                        )
                        .help("add [telemetry.tracing] with a provider"),
                    );
                }
                self.percent(sampling).map(Some)
            }
            None => Some(None),
        };
        let callers = self.each(&raw.callers, |c, caller| {
            let mut checked = c.caller(caller, profile)?;
            c.caller_ports(
                &caller.value,
                named_ports.as_deref().unwrap_or_default(),
                &mut checked,
            )?;
            Some(checked)
        });
        let workload_mtls = self.workload_mtls(raw);
        let policy = policy?;
        // The priority and canary-override routes may have a retry budget and timeout of
        // their own; what they leave unset is the service's.
        let canary_policy = raw.canary.as_ref().map(|c| {
            self.route_policy(
                c.value.retry_budget.as_ref(),
                c.value.timeout.as_ref(),
                budgets,
                &policy,
            )
        });
        let priority_policy = raw.priority.as_ref().map(|p| {
            self.route_policy(
                p.value.retry_budget.as_ref(),
                p.value.timeout.as_ref(),
                budgets,
                &policy,
            )
        });
        let mut canary = canary?;
        if let (Some(canary), Some(own)) = (&mut canary, canary_policy) {
            let own = own?;
            canary.retries = own.retries;
            canary.timeout = own.timeout;
        }
        let mut priority = priority?;
        if let (Some(priority), Some(own)) = (&mut priority, priority_policy) {
            let own = own?;
            priority.retries = own.retries;
            priority.timeout = own.timeout;
        }
        let (mtls, port_mtls) = workload_mtls?;
        Some(Service {
            name: service_name?,
            port: port?,
            target_port: target_port?,
            service_account: service_account?,
            labels: labels?,
            load_balancer: load_balancer?,
            connection_pool: connection_pool?,
            circuit_breaker: circuit_breaker?,
            subsets: subsets?,
            default_subset: default_subset?,
            routes: routes?,
            canary,
            priority,
            region_routing: region_routing?,
            locality: locality?,
            retries: policy.retries,
            timeout: policy.timeout,
            sampling: sampling?,
            callers: callers?,
            mtls,
            port_mtls,
            namespace: namespace?,
            ports: named_ports?,
        })
    }

    fn load_balancer(&mut self, raw: &RawService) -> Option<Option<LoadBalancer>> {
        use raw::LoadBalancer as Kind;
        let kind = raw.load_balancer.as_ref().map(|k| k.value);
        match (kind, &raw.hash) {
            (Some(Kind::ConsistentHash) | None, Some(hash)) => self.hash(hash).map(Some),
            (Some(Kind::ConsistentHash), None) => {
                let span = raw.load_balancer.as_ref().map_or(0..0, Sp::span);
                self.report(
                    Diagnostic::new(
                        Code::MissingDependency,
                        span,
                        "`consistent-hash` needs to know what to hash on",
                    )
                    .help("add `hash = { header = \"...\" }` (or `query-parameter`, `cookie`, `source-ip = true`)"),
                );
                None
            }
            (Some(other), Some(hash)) => {
                self.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        hash.span(),
                        "`hash` only applies to `load-balancer = \"consistent-hash\"`",
                    )
                    .secondary(
                        raw.load_balancer.as_ref().map_or(0..0, Sp::span),
                        format!("load balancer is `{}`", balancer_name(other)),
                    )
                    .help("remove `hash`, or write `load-balancer = \"consistent-hash\"`"),
                );
                None
            }
            (None, None) => Some(None),
            (Some(Kind::RoundRobin), None) => Some(Some(LoadBalancer::RoundRobin)),
            (Some(Kind::LeastRequest), None) => Some(Some(LoadBalancer::LeastRequest)),
            (Some(Kind::Random), None) => Some(Some(LoadBalancer::Random)),
        }
    }

    fn hash(&mut self, raw: &Sp<RawHash>) -> Option<LoadBalancer> {
        let hash = &raw.value;
        let set = [
            hash.header.is_some(),
            hash.query_parameter.is_some(),
            hash.cookie.is_some(),
            hash.source_ip.is_some(),
        ]
        .iter()
        .filter(|set| **set)
        .count();
        if set != 1 {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    raw.span(),
                    "`hash` needs exactly one of `header`, `query-parameter`, `cookie`, `source-ip`",
                )
                .label(format!("{set} set")),
            );
            return None;
        }
        if let (Some(ttl), None) = (&hash.cookie_ttl, &hash.cookie) {
            self.report(Diagnostic::new(
                Code::ConflictingKeys,
                ttl.span(),
                "`cookie-ttl` only applies to `cookie`",
            ));
            return None;
        }
        if let Some(header) = &hash.header {
            return self.header_name(header).map(LoadBalancer::HashHeader);
        }
        if let Some(parameter) = &hash.query_parameter {
            return self
                .token(parameter, "query parameter")
                .map(LoadBalancer::HashQueryParameter);
        }
        if let Some(cookie) = &hash.cookie {
            let name = self.token(cookie, "cookie name");
            let ttl = self.opt_duration(hash.cookie_ttl.as_ref());
            return Some(LoadBalancer::HashCookie {
                name: name?,
                ttl: ttl?,
            });
        }
        match &hash.source_ip {
            Some(flag) if flag.value => Some(LoadBalancer::HashSourceIp),
            Some(flag) => {
                self.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        flag.span(),
                        "`source-ip = false` hashes on nothing",
                    )
                    .help(
                        "write `source-ip = true`, or hash on a header, query parameter or cookie",
                    ),
                );
                None
            }
            None => None,
        }
    }

    /// A cookie or query-parameter name: an RFC 7230 token.
    fn token(&mut self, raw: &Sp<String>, what: &str) -> Option<String> {
        let is_token = |text: &str| {
            !text.is_empty()
                && text.len() <= 256
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&'*+-.^_`|~".contains(&b))
        };
        self.text(
            raw,
            Code::InvalidHeaderName,
            is_token,
            &format!("a valid {what}: use letters, digits and !#$&'*+-.^_`|~"),
        )
    }

    pub(super) fn connection_pool(
        &mut self,
        raw: &Sp<RawConnectionPool>,
    ) -> Option<ConnectionPool> {
        let pool = &raw.value;
        let max_connections = self.opt_count(pool.max_connections.as_ref(), 1..=MAX_POOL);
        let connect_timeout = self.opt_duration(pool.connect_timeout.as_ref());
        let max_pending_requests = self.opt_count(pool.max_pending_requests.as_ref(), 1..=MAX_POOL);
        let max_requests = self.opt_count(pool.max_requests.as_ref(), 1..=MAX_POOL);
        let max_requests_per_connection =
            self.opt_count(pool.max_requests_per_connection.as_ref(), 1..=MAX_POOL);
        let max_retries = self.opt_count(pool.max_retries.as_ref(), 0..=MAX_POOL);
        let idle_timeout = self.opt_duration(pool.idle_timeout.as_ref());
        let extras = self.pool_extras(pool)?;
        let checked = ConnectionPool {
            max_connections: max_connections?,
            connect_timeout: connect_timeout?,
            max_pending_requests: max_pending_requests?,
            max_requests: max_requests?,
            max_requests_per_connection: max_requests_per_connection?,
            max_retries: max_retries?,
            idle_timeout: idle_timeout?,
            h2_upgrade: extras.h2_upgrade,
            tcp_keepalive: extras.tcp_keepalive,
        };
        if checked == ConnectionPool::default() {
            self.report(
                Diagnostic::new(
                    Code::EmptyList,
                    raw.span(),
                    "the connection pool sets nothing",
                )
                .help("set at least one key, or remove it (Istio refuses an empty pool)"),
            );
            return None;
        }
        Some(checked)
    }

    pub(super) fn circuit_breaker(
        &mut self,
        raw: &Sp<RawCircuitBreaker>,
    ) -> Option<CircuitBreaker> {
        let breaker = &raw.value;
        let errors = self.count(&breaker.consecutive_5xx_errors, 1..=1000);
        let interval = self.duration(&breaker.interval);
        let ejection = self.duration(&breaker.base_ejection_time);
        let max_ejection = match &breaker.max_ejection_percent {
            Some(percent) => self.weight(percent).map(Some),
            None => Some(None),
        };
        let extras = self.breaker_extras(breaker)?;
        Some(CircuitBreaker {
            consecutive_5xx_errors: errors?,
            interval: interval?,
            base_ejection_time: ejection?,
            max_ejection_percent: max_ejection?,
            consecutive_gateway_errors: extras.consecutive_gateway_errors,
            min_health_percent: extras.min_health_percent,
            local_origin: extras.local_origin,
        })
    }

    fn subsets(&mut self, raw: &RawService, profile: &RawProfile) -> Option<Vec<Subset>> {
        if raw.region_routing.as_ref().is_some_and(|r| r.value) {
            for name in raw.subsets.keys() {
                let clash = name
                    .as_str()
                    .strip_prefix(REGION_SUBSET_PREFIX)
                    .is_some_and(|region| profile.regions.keys().any(|r| r.as_str() == region));
                if clash {
                    self.report(
                        Diagnostic::new(
                            Code::DuplicateName,
                            name.span(),
                            format!(
                                "subset `{}` has the name of a region subset",
                                name.as_str()
                            ),
                        )
                        .help(format!(
                            "region routing adds a subset `{REGION_SUBSET_PREFIX}<region>` per region; rename this one"
                        )),
                    );
                }
            }
        }
        self.each(&raw.subsets, |c, (name, subset)| {
            let subset_name = c.name(name);
            let labels = c.labels(&subset.labels);
            let pool = match &subset.connection_pool {
                Some(pool) => c.connection_pool(pool).map(|pool| Some(Box::new(pool))),
                None => Some(None),
            };
            Some(Subset {
                name: subset_name?,
                labels: labels?,
                connection_pool: pool?,
            })
        })
    }

    fn canary(&mut self, raw: &Sp<raw::RawCanary>, subsets: &[&str]) -> Option<Canary> {
        let canary = &raw.value;
        let stable = self.reference(
            &canary.stable,
            subsets.iter().copied(),
            Code::UnknownSubset,
            "subset",
        );
        let under_test = self.reference(
            &canary.canary,
            subsets.iter().copied(),
            Code::UnknownSubset,
            "subset",
        );
        let weight = self.weight(&canary.weight);
        let header = self.header_name_or(canary.header.as_ref(), "x-canary");
        let header_value = match &canary.header_value {
            Some(value) => self.header_value(value),
            None => crate::model::HeaderValue::parse("true").ok(),
        };
        if canary.stable.value == canary.canary.value {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    canary.canary.span(),
                    "the canary subset is the stable subset",
                )
                .secondary(canary.stable.span(), "stable subset"),
            );
            return None;
        }
        Some(Canary {
            stable: stable?,
            canary: under_test?,
            weight: weight?,
            header: header?,
            header_value: header_value?,
            retries: None,
            timeout: None,
        })
    }

    fn priority(&mut self, raw: &Sp<raw::RawPriority>, subsets: &[&str]) -> Option<Priority> {
        let priority = &raw.value;
        let header = self.header_name_or(priority.header.as_ref(), "x-priority");
        if priority.subsets.value.is_empty() {
            self.report(Diagnostic::new(
                Code::EmptyList,
                priority.subsets.span(),
                "`priority.subsets` is empty",
            ));
            return None;
        }
        let pairs = self.each(priority.subsets.value.iter(), |c, (value, subset)| {
            let value = c.header_value(value);
            let subset = c.reference(
                subset,
                subsets.iter().copied(),
                Code::UnknownSubset,
                "subset",
            );
            Some((value?, subset?))
        });
        Some(Priority {
            header: header?,
            subsets: pairs?,
            retries: None,
            timeout: None,
        })
    }

    fn region_routing(&mut self, raw: &RawService, profile: &RawProfile) -> Option<bool> {
        match &raw.region_routing {
            Some(flag) if flag.value && profile.regions.is_empty() => {
                self.report(
                    Diagnostic::new(
                        Code::MissingDependency,
                        flag.span(),
                        "region routing needs declared regions",
                    )
                    .help("add [regions.<name>] tables"),
                );
                None
            }
            Some(flag) => Some(flag.value),
            None => Some(false),
        }
    }

    fn locality(&mut self, raw: &RawService, profile: &RawProfile) -> Option<Locality> {
        let regions = profile.regions.len();
        let (locality, span, explicit) = match &raw.locality {
            Some(l) => (l.value, l.span(), true),
            None if regions >= 2 => (raw::Locality::Failover, 0..0, false),
            None => (raw::Locality::Off, 0..0, false),
        };
        let checked = match locality {
            raw::Locality::Failover => Locality::Failover,
            raw::Locality::Distribute => Locality::Distribute,
            raw::Locality::Off => return Some(Locality::Off),
        };
        if regions < 2 {
            self.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    span,
                    "locality load balancing needs two or more regions",
                )
                .help("declare the regions, or remove `locality`"),
            );
            return None;
        }
        if raw.circuit_breaker.is_none() {
            let span = match (explicit, &raw.port, &raw.ports) {
                (false, Some(port), _) => port.span(),
                (false, None, Some(ports)) => ports.span(),
                _ => span,
            };
            self.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    span,
                    "locality load balancing needs a circuit breaker",
                )
                .label(if explicit { "set here" } else { "this service spans several regions" })
                .help("add `circuit-breaker = { ... }` (Istio only fails over endpoints that outlier detection ejects), or set `locality = \"off\"`"),
            );
            return None;
        }
        Some(checked)
    }

    pub(super) fn caller(&mut self, raw: &Sp<RawCaller>, profile: &RawProfile) -> Option<Caller> {
        let caller = &raw.value;
        if caller.services.is_empty()
            && caller.namespaces.is_empty()
            && caller.service_accounts.is_empty()
            && caller.request_principals.is_empty()
            && caller.claims.is_none()
        {
            self.report(
                Diagnostic::new(
                    Code::CallerWithoutSource,
                    raw.span(),
                    "this caller rule names no caller",
                )
                .label("would allow any workload")
                .help(
                    "add `services`, `namespaces`, `service-accounts`, `request-principals` \
                     or `claims`",
                ),
            );
            return None;
        }
        let services = self.each(&caller.services, |c, s| {
            c.service_reference(s, &profile.services)
        });
        let namespaces = self.each(&caller.namespaces, Self::name);
        let accounts = self.each(&caller.service_accounts, |c, account| {
            match account.as_str().split_once('/') {
                Some((ns, sa)) => {
                    let ns = c.name(&Sp::new(ns.to_string(), account.span()));
                    let sa = c.name(&Sp::new(sa.to_string(), account.span()));
                    Some((ns?, sa?))
                }
                None => {
                    c.report(
                        Diagnostic::new(
                            Code::InvalidName,
                            account.span(),
                            format!("`{}` is not `namespace/service-account`", account.as_str()),
                        )
                        .help("for a service of this mesh, list it under `services`"),
                    );
                    None
                }
            }
        });
        let methods = self.each(&caller.methods, Self::method);
        let paths = self.each(&caller.paths, Self::path);
        let token = self.caller_token(caller, profile);
        let (request_principals, claims) = token?;
        Some(Caller {
            span: raw.span(),
            services: services?.into(),
            namespaces: namespaces?.into(),
            service_accounts: accounts?.into(),
            methods: methods?.into(),
            paths: paths?.into(),
            request_principals: request_principals.into(),
            claims: claims.into(),
            ports: Box::default(),
        })
    }
}

/// A load balancer as the profile writes it.
fn balancer_name(kind: raw::LoadBalancer) -> &'static str {
    match kind {
        raw::LoadBalancer::RoundRobin => "round-robin",
        raw::LoadBalancer::LeastRequest => "least-request",
        raw::LoadBalancer::Random => "random",
        raw::LoadBalancer::ConsistentHash => "consistent-hash",
    }
}
