//! `[regions]`, `[retry-budgets]`, and the routes, retries and timeouts of a service.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    Duration, HeaderName, HeaderValue, MAX_REGION_NAME, Name, PathMatch, Region, Retries, RetryOn,
    Route, Target, Weight,
};
use crate::profile::Sp;
use crate::profile::raw::{Named, RawProfile, RawRegion, RawRetryBudget, RawRoute};
use crate::vec_map::VecMap;

/// The most retries a budget may ask for; more only multiplies load during an outage.
const MAX_ATTEMPTS: i64 = 10;

/// A checked retry budget and where its overall timeout was written.
#[derive(Debug, Clone)]
pub(super) struct Budget {
    retries: Arc<Retries>,
    timeout: Duration,
}

/// Budgets by name; `None` for a budget whose own keys are invalid (already reported).
pub(super) type Budgets = BTreeMap<String, Option<Budget>>;

/// Retries and timeout of one route, and where each came from (for diagnostics).
#[derive(Debug, Clone, Default)]
pub(super) struct RoutePolicy {
    pub(super) retries: Option<Arc<Retries>>,
    pub(super) timeout: Option<Duration>,
}

impl Checker {
    /// `[regions]`.
    pub(super) fn regions(&mut self, raw: &Named<RawRegion>) -> Option<Vec<Region>> {
        let declared: Vec<&str> = raw.keys().map(Sp::as_str).collect();
        let regions = self.each(raw, |c, (name, region)| {
            let checked_name = c.name(name);
            if name.as_str().len() > MAX_REGION_NAME {
                c.report(
                    Diagnostic::new(
                        Code::InvalidName,
                        name.span(),
                        format!("region names are at most {MAX_REGION_NAME} characters"),
                    )
                    .help(
                        "its subset is named `region-<name>`, which must stay within 63 characters",
                    ),
                );
                return None;
            }
            let weight = c.weight(&region.weight);
            let failover = match &region.failover {
                Some(target) if target.as_str() == name.as_str() => {
                    c.report(
                        Diagnostic::new(
                            Code::FailoverToSelf,
                            target.span(),
                            format!("region `{name}` fails over to itself", name = name.as_str()),
                        )
                        .help("name another region, or remove `failover`"),
                    );
                    None
                }
                Some(target) => c
                    .reference(
                        target,
                        declared.iter().copied(),
                        Code::UnknownRegion,
                        "region",
                    )
                    .map(Some),
                None => Some(None),
            };
            Some(Region {
                name: checked_name?,
                weight: weight?,
                failover: failover?,
            })
        })?;
        let total: u32 = regions.iter().map(|r| r.weight.get()).sum();
        if !regions.is_empty() && total != 100 {
            // Point at the weights in the order they are written, not in name order.
            let mut spans: Vec<_> = raw.values().map(|r| r.weight.span()).collect();
            spans.sort_by_key(|span| span.start);
            let mut spans = spans.into_iter();
            let first = spans.next().unwrap_or(0..0);
            let mut diagnostic = Diagnostic::new(
                Code::RegionWeightsSum,
                first,
                format!("region weights add up to {total}, not 100"),
            )
            .help("make the regions' `weight`s add up to 100");
            for span in spans {
                diagnostic = diagnostic.secondary(span, "weight");
            }
            self.report(diagnostic);
            return None;
        }
        Some(regions)
    }

    /// `[retry-budgets]`.
    pub(super) fn retry_budgets(&mut self, raw: &Named<RawRetryBudget>) -> Budgets {
        raw.iter()
            .map(|(name, budget)| (name.value.clone(), self.retry_budget(name, budget)))
            .collect()
    }

    fn retry_budget(&mut self, name: &Sp<String>, raw: &RawRetryBudget) -> Option<Budget> {
        let budget_name = self.name(name);
        let attempts = self.count(&raw.attempts, 0..=MAX_ATTEMPTS);
        let per_try_timeout = self.duration(&raw.per_try_timeout);
        let timeout = self.duration(&raw.timeout);
        let retry_on = match &raw.retry_on {
            Some(list) => {
                if self.non_empty(list, "`retry-on`") {
                    self.unique(list.value.iter().map(|c| (&c.value, c.span())), "condition");
                    self.each(&list.value, |c, cond| {
                        c.parsed(cond, Code::UnknownValue, RetryOn::parse)
                    })
                } else {
                    None
                }
            }
            None => Some(RetryOn::defaults()),
        };
        let (attempts, per_try_timeout, timeout) = (attempts?, per_try_timeout?, timeout?);
        if per_try_timeout > timeout {
            self.report(
                Diagnostic::new(
                    Code::PerTryExceedsTimeout,
                    raw.per_try_timeout.span(),
                    format!(
                        "the per-try timeout {per_try_timeout} is longer than the overall timeout {timeout}"
                    ),
                )
                .secondary(raw.timeout.span(), "overall timeout")
                .help("a try can never outlast the request; shorten `per-try-timeout` or lengthen `timeout`"),
            );
            return None;
        }
        self.retries_fit(attempts, per_try_timeout, timeout, raw.timeout.span(), None);
        Some(Budget {
            retries: Arc::new(Retries {
                budget: budget_name?,
                attempts,
                per_try_timeout,
                retry_on: retry_on?,
            }),
            timeout,
        })
    }

    /// Warns when the overall timeout ends before 1 + attempts tries of `per_try` can run.
    fn retries_fit(
        &mut self,
        attempts: u32,
        per_try: Duration,
        timeout: Duration,
        span: Range<usize>,
        budget: Option<Range<usize>>,
    ) {
        let needed = u64::from(attempts + 1) * per_try.as_millis();
        if attempts > 0 && needed > timeout.as_millis() {
            let mut diagnostic = Diagnostic::new(
                Code::RetriesCutByTimeout,
                span,
                format!(
                    "timeout {timeout} ends before {} tries of {per_try} can run",
                    attempts + 1
                ),
            )
            .label("cuts the retries short")
            .help(format!(
                "1 + {attempts} attempts × {per_try} need {}; raise the timeout to that or lower \
                 `attempts` or `per-try-timeout`",
                Duration::from_millis(needed)
                    .map_or_else(|| format!("{needed}ms"), |d| d.to_string())
            ));
            if let Some(budget) = budget {
                diagnostic = diagnostic.secondary(budget, "retry budget");
            }
            self.report(diagnostic);
        }
    }

    /// Resolves the retry budget and timeout of a route: its own keys first, then `inherited`.
    pub(super) fn route_policy(
        &mut self,
        budget: Option<&Sp<String>>,
        timeout: Option<&Sp<String>>,
        budgets: &Budgets,
        inherited: &RoutePolicy,
    ) -> Option<RoutePolicy> {
        let declared = budgets.keys().map(String::as_str);
        let own_budget = match budget {
            Some(reference) => {
                let name = self.reference(
                    reference,
                    declared,
                    Code::UnknownRetryBudget,
                    "retry budget",
                )?;
                // A budget with invalid keys was reported already; give up on this route quietly.
                Some((
                    budgets.get(name.as_str()).cloned().flatten()?,
                    reference.span(),
                ))
            }
            None => None,
        };
        let own_timeout = self.opt_duration(timeout)?;
        let retries = own_budget
            .as_ref()
            .map(|(b, _)| b.retries.clone())
            .or_else(|| inherited.retries.clone());
        let timeout_value = own_timeout
            .or(own_budget.as_ref().map(|(b, _)| b.timeout))
            .or(inherited.timeout);
        if let (Some(retries), Some(timeout_value), Some(span)) =
            (&retries, timeout_value, timeout.map(Sp::span))
        {
            // The budget checked itself against its own timeout; a timeout set here is new.
            if retries.per_try_timeout > timeout_value {
                self.report(
                    Diagnostic::new(
                        Code::PerTryExceedsTimeout,
                        span,
                        format!(
                            "timeout {timeout_value} is shorter than the per-try timeout {} of retry budget `{}`",
                            retries.per_try_timeout, retries.budget
                        ),
                    )
                    .help("lengthen this timeout, or use a budget with a shorter `per-try-timeout`"),
                );
                return None;
            }
            self.retries_fit(
                retries.attempts,
                retries.per_try_timeout,
                timeout_value,
                span,
                budget.map(Sp::span),
            );
        }
        Some(RoutePolicy {
            retries,
            timeout: timeout_value,
        })
    }

    /// One `[[services.<name>.routes]]` entry.
    pub(super) fn route(
        &mut self,
        raw: &RawRoute,
        subsets: &[&str],
        budgets: &Budgets,
        inherited: &RoutePolicy,
        profile: &RawProfile,
    ) -> Option<Route> {
        let name = self.name(&raw.name);
        if is_reserved_route_name(raw.name.as_str()) {
            self.report(
                Diagnostic::new(
                    Code::DuplicateName,
                    raw.name.span(),
                    format!("route name `{}` is reserved for a generated route", raw.name.as_str()),
                )
                .help("meshc names its own routes `default`, `canary-override`, `priority-…` and `region-…`; choose another name"),
            );
        }
        let path = match (&raw.prefix, &raw.exact) {
            (Some(prefix), Some(exact)) => {
                self.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        exact.span(),
                        "a route matches either a `prefix` or an `exact` path, not both",
                    )
                    .secondary(prefix.span(), "prefix set here"),
                );
                None
            }
            (Some(prefix), None) => self.path(prefix).map(|p| Some(PathMatch::Prefix(p))),
            (None, Some(exact)) => self.path(exact).map(|p| Some(PathMatch::Exact(p))),
            (None, None) => Some(None),
        };
        let method = match &raw.method {
            Some(method) => self.method(method).map(Some),
            None => Some(None),
        };
        let headers = match &raw.headers {
            Some(headers) => self.header_matches(headers),
            None => Some(BTreeMap::new()),
        };
        if raw.prefix.is_none()
            && raw.exact.is_none()
            && raw.method.is_none()
            && raw.headers.is_none()
        {
            self.report(
                Diagnostic::new(
                    Code::MissingKey,
                    raw.name.span(),
                    format!("route `{}` has no condition", raw.name.as_str()),
                )
                .label("matches every request")
                .help("add `prefix`, `exact`, `method` or `headers`; the service's final route already takes every other request"),
            );
        }
        let target = self.target(raw, subsets);
        let policy = self.route_policy(
            raw.retry_budget.as_ref(),
            raw.timeout.as_ref(),
            budgets,
            inherited,
        );
        let header_ops = self.route_headers(
            raw.request_headers.as_deref(),
            raw.response_headers.as_deref(),
            profile,
        );
        let fault = self.fault(raw.fault.as_deref());
        let policy = policy?;
        if let Some(fault_span) = raw.fault.as_deref().map(Sp::span)
            && (policy.retries.is_some() || policy.timeout.is_some())
        {
            self.report(
                Diagnostic::new(
                    Code::FaultWithRetries,
                    fault_span,
                    format!(
                        "route `{}` injects faults and has retries or a timeout",
                        raw.name.as_str()
                    ),
                )
                .help("Istio turns off a route's retries and timeout when it injects faults: drop the route's (or its service's) `retry-budget` and `timeout`, or the fault"),
            );
            return None;
        }
        Some(Route {
            name: name?,
            path: path?,
            method: method?,
            headers: headers?,
            target: target?,
            retries: policy.retries,
            timeout: policy.timeout,
            header_ops: header_ops?,
            fault: fault?,
        })
    }

    fn header_matches(
        &mut self,
        raw: &Sp<VecMap<Sp<String>, Sp<String>>>,
    ) -> Option<BTreeMap<HeaderName, HeaderValue>> {
        if raw.value.is_empty() {
            self.report(Diagnostic::new(
                Code::EmptyList,
                raw.span(),
                "`headers` is empty",
            ));
            return None;
        }
        let pairs = self.each(raw.value.iter(), |c, (name, value)| {
            let name = c.header_name(name);
            let value = c.header_value(value);
            Some((name?, value?))
        })?;
        Some(pairs.into_iter().collect())
    }

    fn target(&mut self, raw: &RawRoute, subsets: &[&str]) -> Option<Target> {
        match (&raw.to, &raw.split) {
            (Some(to), None) => self
                .reference(to, subsets.iter().copied(), Code::UnknownSubset, "subset")
                .map(Target::Subset),
            (None, Some(split)) => self.split(split, subsets).map(Target::Split),
            (Some(to), Some(split)) => {
                self.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        split.span(),
                        "a route sends to one subset (`to`) or splits (`split`), not both",
                    )
                    .secondary(to.span(), "`to` set here"),
                );
                None
            }
            (None, None) => {
                self.report(
                    Diagnostic::new(
                        Code::MissingKey,
                        raw.name.span(),
                        format!("route `{}` has no destination", raw.name.as_str()),
                    )
                    .help("add `to = \"<subset>\"` or `split = { <subset> = <percent>, ... }`"),
                );
                None
            }
        }
    }

    /// A weighted split over subsets; the weights add up to 100.
    pub(super) fn split(
        &mut self,
        raw: &Sp<VecMap<Sp<String>, Sp<i64>>>,
        subsets: &[&str],
    ) -> Option<Vec<(Name, Weight)>> {
        if raw.value.len() < 2 {
            self.report(
                Diagnostic::new(
                    Code::EmptyList,
                    raw.span(),
                    "a split needs two or more subsets",
                )
                .help("to send everything to one subset, write `to = \"<subset>\"`"),
            );
            return None;
        }
        let parts = self.each(raw.value.iter(), |c, (subset, weight)| {
            let subset = c.reference(
                subset,
                subsets.iter().copied(),
                Code::UnknownSubset,
                "subset",
            );
            let weight = c.weight(weight);
            Some((subset?, weight?))
        })?;
        let total: u32 = parts.iter().map(|(_, w)| w.get()).sum();
        if total != 100 {
            self.report(
                Diagnostic::new(
                    Code::SplitWeightsSum,
                    raw.span(),
                    format!("split weights add up to {total}, not 100"),
                )
                .help("make the percentages add up to 100"),
            );
            return None;
        }
        Some(parts)
    }

    /// Warns about routes that an earlier route shadows completely.
    pub(super) fn shadowed_routes(&mut self, routes: &[Route], raw: &[RawRoute]) {
        for (j, later) in routes.iter().enumerate() {
            if let Some(earlier) = routes[..j].iter().find(|earlier| covers(earlier, later)) {
                self.report(
                    Diagnostic::new(
                        Code::UnreachableRoute,
                        raw[j].name.span(),
                        format!(
                            "route `{}` never matches: route `{}` before it takes all its requests",
                            later.name, earlier.name
                        ),
                    )
                    .label("left out of the VirtualService")
                    .help("put the more specific route first, or remove it"),
                );
            }
        }
    }
}

/// Whether meshc's own routes use this name (or this name's prefix).
fn is_reserved_route_name(name: &str) -> bool {
    matches!(name, "default" | "canary-override")
        || name.starts_with("priority-")
        || name.starts_with("region-")
}

/// Whether every request `later` matches is matched by `earlier`.
fn covers(earlier: &Route, later: &Route) -> bool {
    let method = earlier.method.is_none() || earlier.method == later.method;
    let headers = earlier
        .headers
        .iter()
        .all(|(name, value)| later.headers.get(name) == Some(value));
    let path = match &later.path {
        Some(path) => path.within(earlier.path.as_ref()),
        None => earlier.path.is_none(),
    };
    method && headers && path
}
