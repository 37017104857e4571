//! What each file's template sees: only the parts of the plan it reads, and of the lists its
//! documents are printed from, only a run of their items.
//!
//! minijinja reads a Rust value through a tree of its own values, built by walking the value
//! with serde; for a large mesh those trees were most of the render stage's memory and a fifth
//! of its instructions (benches/README.md). A file of lists renders in pieces, each a run of
//! its documents, whose tree is built just before the piece renders and dropped right after:
//! the trees alive at once are a few pieces', whatever the size of the mesh. A plan that is
//! not kept hands each run its items ([`take_runs`]), which go with the run's tree, so that
//! the plan shrinks as the text grows.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

use std::sync::Arc;

use minijinja::value::{Serde, Value};
use serde::Serialize;

use crate::plan::egress::ServiceEntry;
use crate::plan::egress_l4::L4Routes;
use crate::plan::gateway::{GatewayResource, RateLimitFilter};
use crate::plan::ids::VirtualServiceId;
use crate::plan::namespace::Namespace;
use crate::plan::security::{AuthorizationPolicy, PeerAuthentication, RequestAuthentication};
use crate::plan::sidecar::Sidecar;
use crate::plan::virtual_service::HttpRoute;
use crate::plan::{
    DestinationRule, GatewayPlan, Meta, Plan, ResourceList, SecurityPlan, Telemetry, VirtualService,
};

/// A top-level field of the plan, as the templates name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Api,
    Operator,
    VirtualServices,
    DestinationRules,
    Security,
    Gateway,
    Telemetry,
    Sidecars,
    Namespaces,
}

impl Part {
    /// Every part: the whole plan.
    #[cfg(test)]
    const ALL: &[Part] = &[
        Part::Api,
        Part::Operator,
        Part::VirtualServices,
        Part::DestinationRules,
        Part::Security,
        Part::Gateway,
        Part::Telemetry,
        Part::Sidecars,
        Part::Namespaces,
    ];

    /// The name templates read it by: the field's name, as serde writes it.
    fn name(self) -> &'static str {
        match self {
            Part::Api => "api",
            Part::Operator => "operator",
            Part::VirtualServices => "virtual_services",
            Part::DestinationRules => "destination_rules",
            Part::Security => "security",
            Part::Gateway => "gateway",
            Part::Telemetry => "telemetry",
            Part::Sidecars => "sidecars",
            Part::Namespaces => "namespaces",
        }
    }

    /// The part's value, each list in it `list(list)`.
    fn value(self, plan: &Plan, list: &impl Fn(List) -> Value) -> Value {
        // Naming every field (no `..`) makes a new field of the plan a compile error here, so
        // that it gets a part, and a template can be given it.
        let Plan {
            api,
            operator,
            virtual_services: _,
            destination_rules: _,
            security,
            gateway,
            telemetry: _,
            sidecars: _,
            namespaces: _,
        } = plan;
        match self {
            Part::Api => Value::from(Serde(api)),
            Part::Operator => Value::from(Serde(operator)),
            Part::VirtualServices => list(List::VirtualServices),
            Part::DestinationRules => list(List::DestinationRules),
            Part::Security => {
                let SecurityPlan {
                    peer_authentications: _,
                    request_authentications: _,
                    authorization_policies: _,
                    service_entries: _,
                } = security;
                fields(List::SECURITY, list)
            }
            Part::Gateway => {
                let GatewayPlan {
                    gateways: _,
                    virtual_services: _,
                    rate_limits: _,
                } = gateway;
                fields(List::GATEWAY, list)
            }
            Part::Telemetry => list(List::Telemetry),
            Part::Sidecars => list(List::Sidecars),
            Part::Namespaces => list(List::Namespaces),
        }
    }
}

/// A part that is a struct of lists, as a map of the lists' values by field name.
fn fields(lists: &[List], value: impl Fn(List) -> Value) -> Value {
    let map: BTreeMap<&'static str, Value> = lists
        .iter()
        .map(|&list| (list.field(), value(list)))
        .collect();
    Value::from_object(map)
}

/// Declares [`Items`], the items of one list in a run, for each list and its item type.
macro_rules! items {
    ($($list:ident: $item:ty),* $(,)?) => {
        /// A run's items of one list: borrowed from a plan that is kept, owned once taken out
        /// of one that is not.
        pub(super) enum Items<'a> {
            $($list(Cow<'a, [$item]>),)*
        }

        impl Items<'_> {
            /// The list they are items of.
            fn list(&self) -> List {
                match self {
                    $(Items::$list(_) => List::$list,)*
                }
            }

            /// How many there are.
            fn len(&self) -> usize {
                match self {
                    $(Items::$list(items) => items.len(),)*
                }
            }

            /// How much text they render to, about, in documents: each HTTP route of a
            /// VirtualService counts as one more, since the gateway's one VirtualService
            /// holds a route per exposed service (480 kB of the 6.2 MB at 1,000 services, a
            /// run of 32 of the mesh's VirtualServices about 105 kB).
            pub(super) fn weight(&self) -> usize {
                match self {
                    Items::VirtualServices(_) | Items::GatewayVirtualServices(_) => self
                        .virtual_services()
                        .iter()
                        .map(|service| 1 + service.http.len())
                        .sum(),
                    _ => self.len(),
                }
            }

            /// Their value, as the whole list's value holds them.
            fn value(&self) -> Value {
                match self {
                    $(Items::$list(items) => Value::from(Serde(&**items)),)*
                }
            }

            /// The items before `at`, and those from `at` on, borrowed or owned as they were.
            fn split_at(self, at: usize) -> (Self, Self) {
                match self {
                    $(Items::$list(Cow::Borrowed(items)) => {
                        let (before, after) = items.split_at(at);
                        (Items::$list(Cow::Borrowed(before)), Items::$list(Cow::Borrowed(after)))
                    })*
                    $(Items::$list(Cow::Owned(mut items)) => {
                        let after = items.split_off(at);
                        (Items::$list(Cow::Owned(items)), Items::$list(Cow::Owned(after)))
                    })*
                }
            }

            /// The items from `at` on, taken out and owned.
            fn split_off(&mut self, at: usize) -> Items<'static> {
                match self {
                    $(Items::$list(items) => Items::$list(Cow::Owned(items.to_mut().split_off(at))),)*
                }
            }
        }
    };
}

impl Items<'_> {
    /// The VirtualServices among them: a list of VirtualServices' items, or none.
    fn virtual_services(&self) -> &[VirtualService] {
        match self {
            Items::VirtualServices(items) | Items::GatewayVirtualServices(items) => items,
            _ => &[],
        }
    }
}

items! {
    VirtualServices: VirtualService,
    DestinationRules: DestinationRule,
    PeerAuthentications: PeerAuthentication,
    RequestAuthentications: RequestAuthentication,
    AuthorizationPolicies: AuthorizationPolicy,
    ServiceEntries: ServiceEntry,
    Gateways: GatewayResource,
    GatewayVirtualServices: VirtualService,
    RateLimits: RateLimitFilter,
    Telemetry: Telemetry,
    Sidecars: Sidecar,
    Namespaces: Namespace,
}

/// A list of the plan that a file prints one document per item of. Such a file's template
/// prints, for each of its lists in turn, one document per item, in order, and nothing else,
/// so the texts of runs of those documents put end to end are the file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum List {
    VirtualServices,
    DestinationRules,
    PeerAuthentications,
    RequestAuthentications,
    AuthorizationPolicies,
    ServiceEntries,
    Gateways,
    GatewayVirtualServices,
    RateLimits,
    Telemetry,
    Sidecars,
    Namespaces,
}

impl List {
    /// Every list.
    #[cfg(test)]
    const ALL: &[List] = &[
        List::VirtualServices,
        List::DestinationRules,
        List::PeerAuthentications,
        List::RequestAuthentications,
        List::AuthorizationPolicies,
        List::ServiceEntries,
        List::Gateways,
        List::GatewayVirtualServices,
        List::RateLimits,
        List::Telemetry,
        List::Sidecars,
        List::Namespaces,
    ];

    /// The lists of the security part, in the order of its fields.
    const SECURITY: &[List] = &[
        List::PeerAuthentications,
        List::RequestAuthentications,
        List::AuthorizationPolicies,
        List::ServiceEntries,
    ];

    /// The lists of the gateway part, in the order of its fields.
    const GATEWAY: &[List] = &[
        List::Gateways,
        List::GatewayVirtualServices,
        List::RateLimits,
    ];

    /// Its field's name in its part (a list that is a part: the part's name).
    fn field(self) -> &'static str {
        match self {
            List::VirtualServices => Part::VirtualServices.name(),
            List::DestinationRules => Part::DestinationRules.name(),
            List::PeerAuthentications => "peer_authentications",
            List::RequestAuthentications => "request_authentications",
            List::AuthorizationPolicies => "authorization_policies",
            List::ServiceEntries => "service_entries",
            List::Gateways => "gateways",
            List::GatewayVirtualServices => "virtual_services",
            List::RateLimits => "rate_limits",
            List::Telemetry => Part::Telemetry.name(),
            List::Sidecars => Part::Sidecars.name(),
            List::Namespaces => Part::Namespaces.name(),
        }
    }

    /// The number of items of the list in `plan`.
    pub(super) fn len(self, plan: &Plan) -> usize {
        match self {
            List::VirtualServices => plan.virtual_services.len(),
            List::DestinationRules => plan.destination_rules.len(),
            List::PeerAuthentications => plan.security.peer_authentications.len(),
            List::RequestAuthentications => plan.security.request_authentications.len(),
            List::AuthorizationPolicies => plan.security.authorization_policies.len(),
            List::ServiceEntries => plan.security.service_entries.len(),
            List::Gateways => plan.gateway.gateways.len(),
            List::GatewayVirtualServices => plan.gateway.virtual_services.len(),
            List::RateLimits => plan.gateway.rate_limits.len(),
            List::Telemetry => plan.telemetry.len(),
            List::Sidecars => plan.sidecars.len(),
            List::Namespaces => plan.namespaces.len(),
        }
    }

    /// The items in `range` (none outside the list).
    fn items(self, plan: &Plan, range: Range<usize>) -> Items<'_> {
        fn run<T: Clone>(items: &[T], range: Range<usize>) -> Cow<'_, [T]> {
            Cow::Borrowed(items.get(range).unwrap_or_default())
        }
        fn resources<T: Clone>(list: &ResourceList<T>, range: Range<usize>) -> Cow<'_, [T]> {
            run(list.iter().as_slice(), range)
        }
        let security = &plan.security;
        let gateway = &plan.gateway;
        match self {
            List::VirtualServices => {
                Items::VirtualServices(resources(&plan.virtual_services, range))
            }
            List::DestinationRules => {
                Items::DestinationRules(resources(&plan.destination_rules, range))
            }
            List::PeerAuthentications => {
                Items::PeerAuthentications(resources(&security.peer_authentications, range))
            }
            List::RequestAuthentications => {
                Items::RequestAuthentications(resources(&security.request_authentications, range))
            }
            List::AuthorizationPolicies => {
                Items::AuthorizationPolicies(resources(&security.authorization_policies, range))
            }
            List::ServiceEntries => {
                Items::ServiceEntries(resources(&security.service_entries, range))
            }
            List::Gateways => Items::Gateways(resources(&gateway.gateways, range)),
            List::GatewayVirtualServices => {
                Items::GatewayVirtualServices(resources(&gateway.virtual_services, range))
            }
            List::RateLimits => Items::RateLimits(resources(&gateway.rate_limits, range)),
            List::Telemetry => Items::Telemetry(resources(&plan.telemetry, range)),
            List::Sidecars => Items::Sidecars(resources(&plan.sidecars, range)),
            List::Namespaces => Items::Namespaces(run(&plan.namespaces, range)),
        }
    }

    /// Every item of the list, taken out of `plan`, which is left without them.
    fn take(self, plan: &mut Plan) -> Items<'static> {
        fn owned<T: Clone>(list: &mut ResourceList<T>) -> Cow<'static, [T]> {
            Cow::Owned(std::mem::take(list).into_vec())
        }
        let security = &mut plan.security;
        let gateway = &mut plan.gateway;
        match self {
            List::VirtualServices => Items::VirtualServices(owned(&mut plan.virtual_services)),
            List::DestinationRules => Items::DestinationRules(owned(&mut plan.destination_rules)),
            List::PeerAuthentications => {
                Items::PeerAuthentications(owned(&mut security.peer_authentications))
            }
            List::RequestAuthentications => {
                Items::RequestAuthentications(owned(&mut security.request_authentications))
            }
            List::AuthorizationPolicies => {
                Items::AuthorizationPolicies(owned(&mut security.authorization_policies))
            }
            List::ServiceEntries => Items::ServiceEntries(owned(&mut security.service_entries)),
            List::Gateways => Items::Gateways(owned(&mut gateway.gateways)),
            List::GatewayVirtualServices => {
                Items::GatewayVirtualServices(owned(&mut gateway.virtual_services))
            }
            List::RateLimits => Items::RateLimits(owned(&mut gateway.rate_limits)),
            List::Telemetry => Items::Telemetry(owned(&mut plan.telemetry)),
            List::Sidecars => Items::Sidecars(owned(&mut plan.sidecars)),
            List::Namespaces => Items::Namespaces(Cow::Owned(std::mem::take(&mut plan.namespaces))),
        }
    }

    /// The items in `range` (none outside the list), as the whole list's value would hold them.
    fn value(self, plan: &Plan, range: Range<usize>) -> Value {
        self.items(plan, range).value()
    }
}

/// Runs of at most `size` items, in order, that together hold every item of a list of `len`
/// (one empty run when the list is).
pub(super) fn split(len: usize, size: usize) -> Vec<Range<usize>> {
    let size = size.max(1);
    let pieces = len.div_ceil(size).max(1);
    (0..pieces)
        .map(|piece| piece * size..((piece + 1) * size).min(len))
        .collect()
}

/// The template context of `parts` of `plan`, whole.
pub(super) fn of(plan: &Plan, parts: &[Part]) -> Value {
    of_parts(plan, parts, &|list| list.value(plan, 0..list.len(plan)))
}

/// The items of a run of a file's documents, borrowed from `plan`: `documents` counts the
/// items of `lists` as if they were one list, the first list's items first, and each of
/// `lists` gives its items in that run (most none).
pub(super) fn run_items<'a>(
    plan: &'a Plan,
    lists: &[List],
    documents: Range<usize>,
) -> Vec<Items<'a>> {
    let mut start = 0;
    lists
        .iter()
        .map(|&list| {
            let len = list.len(plan);
            let clamp = |at: usize| at.clamp(start, start + len) - start;
            let items = list.items(plan, clamp(documents.start)..clamp(documents.end));
            start += len;
            items
        })
        .collect()
}

/// The items of each of `runs` as [`run_items`] gives them, taken out of `plan` (which is left
/// without the items of `lists`), so that each run's go when the run is rendered. `runs` hold
/// the documents of `lists` in order, each after the one before.
pub(super) fn take_runs(
    plan: &mut Plan,
    lists: &[List],
    runs: &[Range<usize>],
) -> Vec<Vec<Items<'static>>> {
    let mut taken: Vec<Vec<Items<'static>>> = runs.iter().map(|_| Vec::new()).collect();
    let mut start = 0;
    for &list in lists {
        let mut items = list.take(plan);
        let len = items.len();
        // From the last run back, each takes the list's tail, so no item moves twice.
        for (run, documents) in taken.iter_mut().zip(runs).rev() {
            let from = documents.start.clamp(start, start + len) - start;
            run.push(items.split_off(from.min(items.len())));
        }
        start += len;
    }
    taken
}

/// The template context of `parts` of `plan` for a run of a file's documents: each list of
/// `items` cut to them; other lists whole.
pub(super) fn of_items(plan: &Plan, parts: &[Part], items: &[Items<'_>]) -> Value {
    of_parts(plan, parts, &|list| {
        items
            .iter()
            .find(|items| items.list() == list)
            .map_or_else(|| list.value(plan, 0..list.len(plan)), Items::value)
    })
}

/// What one piece of a file renders: a run of its documents, or a run of the HTTP routes of a
/// VirtualService with more than a run's worth of them, whose tree alone was the render
/// stage's largest (the gateway's, a route per exposed service: about 27 MB of minijinja values
/// for 4.7 MB of YAML at 10,000 services, benches/README.md).
pub(super) enum Work<'a> {
    Documents(Vec<Items<'a>>),
    Routes(RouteRun<'a>),
}

impl Work<'_> {
    /// How much text it renders to, about, as [`Items::weight`] counts.
    pub(super) fn weight(&self) -> usize {
        match self {
            Work::Documents(items) => items.iter().map(Items::weight).sum(),
            Work::Routes(run) => run.routes.len(),
        }
    }

    /// Its template context: [`of_items`] of a run of documents; for a run of routes, its
    /// VirtualService cut to them in its list, and the file's other lists empty.
    pub(super) fn context(&self, plan: &Plan, parts: &[Part], lists: &[List]) -> Value {
        match self {
            Work::Documents(items) => of_items(plan, parts, items),
            Work::Routes(run) => of_parts(plan, parts, &|list| {
                if list == run.service.list() {
                    run.value()
                } else if lists.contains(&list) {
                    Value::from(Vec::<Value>::new())
                } else {
                    list.value(plan, 0..list.len(plan))
                }
            }),
        }
    }
}

/// Some of the HTTP routes of one VirtualService, shared by the runs of its routes.
pub(super) struct RouteRun<'a> {
    /// The VirtualService, the one item of its list.
    service: Arc<Items<'a>>,
    routes: Range<usize>,
}

impl RouteRun<'_> {
    /// The list of its VirtualService, as the macro `virtual_service` reads a run of routes:
    /// a run after the first is `continued` (no document start, no `http:`), and only the
    /// last has the TLS and TCP routes, which come after the HTTP routes.
    fn value(&self) -> Value {
        let views: Vec<RoutesView<'_>> = self
            .service
            .virtual_services()
            .iter()
            .map(|service| RoutesView {
                meta: &service.meta,
                hosts: &service.hosts,
                gateways: &service.gateways,
                http: service.http.get(self.routes.clone()).unwrap_or_default(),
                l4: service
                    .l4
                    .as_ref()
                    .filter(|_| self.routes.end == service.http.len()),
                continued: self.routes.start > 0,
            })
            .collect();
        Value::from(Serde(views))
    }
}

/// A VirtualService with some of its HTTP routes, serialized as [`VirtualService`] is.
#[derive(Serialize)]
struct RoutesView<'v> {
    meta: &'v Meta<VirtualServiceId>,
    hosts: &'v [String],
    gateways: &'v [String],
    http: &'v [HttpRoute],
    l4: Option<&'v L4Routes>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    continued: bool,
}

/// The pieces `items`, a run of a file's documents, render in, in order: each VirtualService of
/// more than `routes` HTTP routes in runs of at most `routes` of them, the documents before and
/// after it in runs of their own.
pub(super) fn works(mut items: Vec<Items<'_>>, routes: usize) -> Vec<Work<'_>> {
    let mut works = Vec::new();
    while let Some((long_list, at)) = first_long(&items, routes) {
        let mut after = Vec::with_capacity(items.len());
        let mut before = Vec::with_capacity(items.len());
        let mut long = None;
        for (list, list_items) in items.into_iter().enumerate() {
            let (head, tail) = match list.cmp(&long_list) {
                std::cmp::Ordering::Less => {
                    let len = list_items.len();
                    list_items.split_at(len)
                }
                std::cmp::Ordering::Equal => list_items.split_at(at),
                std::cmp::Ordering::Greater => list_items.split_at(0),
            };
            before.push(head);
            if list == long_list {
                let (service, rest) = tail.split_at(1);
                long = Some(service);
                after.push(rest);
            } else {
                after.push(tail);
            }
        }
        works.push(Work::Documents(before));
        works.extend(
            long.into_iter()
                .flat_map(|service| route_runs(service, routes)),
        );
        items = after;
    }
    works.push(Work::Documents(items));
    works
}

/// Where the first VirtualService of more than `routes` HTTP routes is: its list's place in
/// `items` and its own in the list.
fn first_long(items: &[Items<'_>], routes: usize) -> Option<(usize, usize)> {
    items.iter().enumerate().find_map(|(list, items)| {
        items
            .virtual_services()
            .iter()
            .position(|service| service.http.len() > routes)
            .map(|at| (list, at))
    })
}

/// The runs of at most `size` HTTP routes of `service`, the one VirtualService it holds.
fn route_runs(service: Items<'_>, size: usize) -> Vec<Work<'_>> {
    let routes = service
        .virtual_services()
        .iter()
        .map(|service| service.http.len())
        .sum();
    let service = Arc::new(service);
    split(routes, size)
        .into_iter()
        .map(|routes| {
            Work::Routes(RouteRun {
                service: Arc::clone(&service),
                routes,
            })
        })
        .collect()
}

fn of_parts(plan: &Plan, parts: &[Part], list: &impl Fn(List) -> Value) -> Value {
    let map: BTreeMap<&'static str, Value> = parts
        .iter()
        .map(|&part| (part.name(), part.value(plan, list)))
        .collect();
    Value::from_object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    fn plan(services: usize) -> Plan {
        let source = Source::new(
            "synthetic.toml",
            crate::synth::profile(crate::synth::Shape::services(services)),
        );
        crate::plan::build(&crate::pipeline::check(&source).unwrap().profile)
    }

    #[test]
    fn a_list_splits_into_runs_that_hold_every_item_once_in_order() {
        for len in 0..12 {
            for size in 0..5 {
                let runs = split(len, size);
                let items: Vec<usize> = runs.iter().cloned().flatten().collect();
                assert_eq!(items, (0..len).collect::<Vec<_>>(), "{len} by {size}");
                assert!(runs.iter().all(|run| run.len() <= size.max(1)), "{runs:?}");
                assert!(
                    runs.iter().all(|run| len == 0 || !run.is_empty()),
                    "{runs:?}"
                );
                assert_eq!(runs.len(), len.div_ceil(size.max(1)).max(1), "{runs:?}");
            }
        }
    }

    /// The items of `list` in the context `context`, as the template reads them.
    fn items(context: &Value, list: List) -> Vec<Value> {
        let name = list.field();
        let holder = match list {
            _ if List::SECURITY.contains(&list) => context.get_attr("security").unwrap(),
            _ if List::GATEWAY.contains(&list) => context.get_attr("gateway").unwrap(),
            _ => context.clone(),
        };
        holder.get_attr(name).unwrap().try_iter().unwrap().collect()
    }

    fn prod() -> Plan {
        let source = Source::new("prod.toml", include_str!("../../profiles/prod.toml")).with_base(
            Source::new(
                "base/nephoran.toml",
                include_str!("../../profiles/base/nephoran.toml"),
            ),
        );
        crate::plan::build(&crate::pipeline::check(&source).unwrap().profile)
    }

    /// The parts security-policies.yaml reads, and its lists: prod has items in each.
    const SECURITY_PARTS: [Part; 3] = [Part::Api, Part::Security, Part::Sidecars];
    const SECURITY_LISTS: [List; 5] = [
        List::PeerAuthentications,
        List::RequestAuthentications,
        List::AuthorizationPolicies,
        List::ServiceEntries,
        List::Sidecars,
    ];

    #[test]
    fn runs_of_a_file_s_documents_read_as_runs_of_its_lists_in_turn() {
        let plan = prod();
        let (parts, lists) = (SECURITY_PARTS, SECURITY_LISTS);
        let whole = of(&plan, &parts);
        let total: usize = lists.iter().map(|list| list.len(&plan)).sum();
        assert!(lists.iter().all(|list| list.len(&plan) > 0), "{lists:?}");
        for size in [1, 2, 3, 7, total] {
            let mut pieces: Vec<Vec<Value>> = vec![Vec::new(); lists.len()];
            let mut documents = 0;
            for run in split(total, size) {
                let piece = of_items(&plan, &parts, &run_items(&plan, &lists, run.clone()));
                assert_eq!(
                    piece.get_attr("api").unwrap(),
                    whole.get_attr("api").unwrap()
                );
                let counts: Vec<usize> = lists
                    .iter()
                    .zip(&mut pieces)
                    .map(|(&list, items_so_far)| {
                        let items = items(&piece, list);
                        let count = items.len();
                        items_so_far.extend(items);
                        count
                    })
                    .collect();
                assert_eq!(counts.iter().sum::<usize>(), run.len(), "{run:?}");
                documents += run.len();
            }
            assert_eq!(documents, total);
            for (list, items_of_pieces) in lists.iter().zip(pieces) {
                assert_eq!(items_of_pieces, items(&whole, *list), "{list:?} by {size}");
            }
        }
    }

    #[test]
    fn runs_taken_out_of_the_plan_read_as_the_runs_borrowed_from_it() {
        let kept = prod();
        let (parts, lists) = (SECURITY_PARTS, SECURITY_LISTS);
        let total: usize = lists.iter().map(|list| list.len(&kept)).sum();
        for size in [1, 3, 7, total] {
            let runs = split(total, size);
            let mut plan = kept.clone();
            let taken = take_runs(&mut plan, &lists, &runs);
            assert_eq!(taken.len(), runs.len());
            assert!(lists.iter().all(|list| list.len(&plan) == 0), "{size}");
            for (items, run) in taken.iter().zip(&runs) {
                assert_eq!(
                    of_items(&plan, &parts, items),
                    of_items(&kept, &parts, &run_items(&kept, &lists, run.clone())),
                    "{run:?} by {size}"
                );
            }
        }
    }

    #[test]
    fn every_list_is_counted_and_read_as_its_field() {
        let plan = plan(3);
        let whole = Value::from(Serde(&plan));
        for list in List::ALL {
            let items = items(&whole, *list);
            assert_eq!(items.len(), list.len(&plan), "{list:?}");
            assert_eq!(list.value(&plan, 0..list.len(&plan)), Value::from(items));
        }
    }

    #[test]
    fn every_part_reads_as_the_plan_s_field_of_its_name() {
        let plan = plan(3);
        let whole = Value::from(Serde(&plan));
        let parts = of(&plan, Part::ALL);
        let names: Vec<String> = whole
            .try_iter()
            .unwrap()
            .map(|key| key.to_string())
            .collect();
        assert_eq!(names.len(), Part::ALL.len());
        for name in names {
            assert_eq!(
                parts.get_attr(&name).unwrap(),
                whole.get_attr(&name).unwrap(),
                "{name}"
            );
        }
    }
}
