//! The DestinationRule settings beyond limits and 5xx ejection: HTTP/2 upgrade, TCP keepalive,
//! gateway-error and local-origin ejection, the healthy floor, and the mesh's default load
//! balancer (istio-rules.md §1.3).

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{LoadBalancer, LocalOrigin, TcpKeepalive};
use crate::profile::Sp;
use crate::profile::raw::{
    self, H2UpgradePolicy, RawCircuitBreaker, RawConnectionPool, RawTcpKeepalive,
};

/// Envoy's bound on keepalive probes (`TcpKeepalive.keepalive_probes` is a uint32; the kernel
/// takes at most 127, `TCP_MAXKEEPCNT`).
const MAX_PROBES: i64 = 127;

/// What the extra keys of a connection pool add.
pub(super) struct PoolExtras {
    pub(super) h2_upgrade: Option<bool>,
    pub(super) tcp_keepalive: Option<TcpKeepalive>,
}

/// What the extra keys of a circuit breaker add.
pub(super) struct BreakerExtras {
    pub(super) consecutive_gateway_errors: Option<u32>,
    pub(super) min_health_percent: Option<crate::model::Weight>,
    pub(super) local_origin: Option<LocalOrigin>,
}

impl Checker {
    /// `h2-upgrade-policy` and `tcp-keepalive`.
    pub(super) fn pool_extras(&mut self, pool: &RawConnectionPool) -> Option<PoolExtras> {
        let h2_upgrade = pool
            .h2_upgrade_policy
            .as_ref()
            .map(|policy| policy.value == H2UpgradePolicy::Upgrade);
        let tcp_keepalive = match &pool.tcp_keepalive {
            Some(keepalive) => self.tcp_keepalive(keepalive).map(Some),
            None => Some(None),
        };
        Some(PoolExtras {
            h2_upgrade,
            tcp_keepalive: tcp_keepalive?,
        })
    }

    fn tcp_keepalive(&mut self, raw: &Sp<RawTcpKeepalive>) -> Option<TcpKeepalive> {
        let keepalive = &raw.value;
        let time = self.opt_duration(keepalive.time.as_ref());
        let interval = self.opt_duration(keepalive.interval.as_ref());
        let probes = self.opt_count(keepalive.probes.as_ref(), 1..=MAX_PROBES);
        let checked = TcpKeepalive {
            time: time?,
            interval: interval?,
            probes: probes?,
        };
        if checked == TcpKeepalive::default() {
            // Istio writes `tcpKeepalive: {}` as keepalive with the OS defaults, which reads
            // as a mistake; the intent must be spelt out.
            self.report(
                Diagnostic::new(Code::EmptyList, raw.span(), "`tcp-keepalive` sets nothing")
                    .help("set `time`, `interval` or `probes`; the others keep the OS defaults"),
            );
            return None;
        }
        Some(checked)
    }

    /// `consecutive-gateway-errors`, `min-health-percent` and the local-origin split.
    pub(super) fn breaker_extras(&mut self, breaker: &RawCircuitBreaker) -> Option<BreakerExtras> {
        let gateway_errors = self.opt_count(breaker.consecutive_gateway_errors.as_ref(), 1..=1000);
        let min_health = match &breaker.min_health_percent {
            Some(percent) => self.weight(percent).map(Some),
            None => Some(None),
        };
        let failures = self.opt_count(breaker.consecutive_local_origin_failures.as_ref(), 1..=1000);
        let split = breaker
            .split_external_local_origin_errors
            .as_ref()
            .is_some_and(|split| split.value);
        let local_origin = match (&breaker.consecutive_local_origin_failures, split) {
            (_, true) => failures.map(|consecutive_failures| {
                Some(LocalOrigin {
                    consecutive_failures,
                })
            }),
            // Istio's webhook refuses the count without the split (istio-rules.md §1.3).
            (Some(count), false) => {
                self.report(
                    Diagnostic::new(
                        Code::MissingDependency,
                        count.span(),
                        "`consecutive-local-origin-failures` needs `split-external-local-origin-errors = true`",
                    )
                    .help("without the split, local failures count as 5xx errors; add `split-external-local-origin-errors = true`"),
                );
                None
            }
            (None, false) => Some(None),
        };
        Some(BreakerExtras {
            consecutive_gateway_errors: gateway_errors?,
            min_health_percent: min_health?,
            local_origin: local_origin?,
        })
    }

    /// `mesh.default-load-balancer`: a simple algorithm, since a hash needs a key per service.
    pub(super) fn default_load_balancer(
        &mut self,
        raw: Option<&Sp<raw::LoadBalancer>>,
    ) -> Option<Option<LoadBalancer>> {
        let Some(raw) = raw else {
            return Some(None);
        };
        match raw.value {
            raw::LoadBalancer::RoundRobin => Some(Some(LoadBalancer::RoundRobin)),
            raw::LoadBalancer::LeastRequest => Some(Some(LoadBalancer::LeastRequest)),
            raw::LoadBalancer::Random => Some(Some(LoadBalancer::Random)),
            raw::LoadBalancer::ConsistentHash => {
                self.report(
                    Diagnostic::new(
                        Code::UnknownValue,
                        raw.span(),
                        "the mesh's default load balancer cannot be `consistent-hash`",
                    )
                    .label("what to hash on differs from service to service")
                    .help("use `round-robin`, `least-request` or `random`, and set `load-balancer = \"consistent-hash\"` with its `hash` on the services that need it"),
                );
                None
            }
        }
    }
}
