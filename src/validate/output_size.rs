//! An estimate of the rendered YAML's size, made before anything is planned or rendered, so that
//! a short profile cannot ask for a render of gigabytes. The items the profile multiplies are
//! held to [`MAX_GENERATED`](crate::limits::MAX_GENERATED) by `expansion`; this adds what they
//! leave out: copies of a whole block of the profile, which grow with its size and not its
//! count. Each service with its own trace sampling gets a Telemetry that repeats every tracing
//! tag (a 0.6 MB profile rendered 808 MB), and the CORS policy is copied into every HTTP rule
//! of the gateway's VirtualService (522 KB rendered 446 MB). What grows only linearly with the
//! profile is bounded by the profile's own size limit.

use std::ops::Range;

use super::Checker;
use super::expansion::gateway_rules;
use crate::diagnostic::{Code, Diagnostic};
use crate::limits::{MAX_GENERATED, MAX_RENDERED_BYTES};
use crate::profile::raw::{RawCors, RawTracing};
use crate::profile::{RawProfile, Sp};

/// Rendered bytes of one service without its lists (its VirtualService, DestinationRule and
/// policies): the synthetic services, which have every feature, take 7.8 kB.
const SERVICE_BYTES: usize = 8 * 1024;

/// Rendered bytes of one generated item (a tenant rule or path, a copied route): a copied
/// route with its match, destinations and retries takes about 400 bytes.
const ITEM_BYTES: usize = 512;

/// Rendered bytes of a Telemetry besides its tags.
const TELEMETRY_BYTES: usize = 512;

/// Bytes each YAML line of a list entry adds to its text (indentation, key, quotes).
const LINE_BYTES: usize = 24;

/// The shares of the estimate, each with the place in the profile it comes from.
struct Share {
    what: &'static str,
    bytes: usize,
    span: Range<usize>,
}

impl Checker {
    /// Reports a profile whose render would be larger than [`MAX_RENDERED_BYTES`], at the
    /// value that contributes most.
    pub(super) fn output_size(&mut self, raw: &RawProfile) {
        let shares = estimate(raw);
        // Every primary cluster's folder holds the mesh configuration again.
        let copies = super::clusters::primaries(raw).max(1);
        let total = shares
            .iter()
            .fold(0usize, |sum, share| sum.saturating_add(share.bytes))
            .saturating_mul(copies);
        if total <= MAX_RENDERED_BYTES {
            return;
        }
        let Some(largest) = shares.iter().max_by_key(|share| share.bytes) else {
            return;
        };
        let mib = |bytes: usize| bytes >> 20;
        let parts: Vec<String> = shares
            .iter()
            .map(|share| format!("{}: {} MiB", share.what, mib(share.bytes)))
            .collect();
        self.report(
            Diagnostic::new(
                Code::TooLarge,
                largest.span.clone(),
                format!(
                    "this profile would render about {} MiB of YAML; meshc renders at most {} MiB",
                    mib(total),
                    mib(MAX_RENDERED_BYTES)
                ),
            )
            .label(format!("{} is the largest share", largest.what))
            .help(format!(
                "{}{}. Split the mesh into several profiles, or make the repeated block smaller",
                parts.join("; "),
                if copies > 1 {
                    format!(", each rendered for {copies} primary clusters")
                } else {
                    String::new()
                }
            )),
        );
    }
}

/// The estimate, share by share.
fn estimate(raw: &RawProfile) -> Vec<Share> {
    let first = |span: Option<Range<usize>>| span.unwrap_or(0..0);
    let regions = raw.regions.len();
    let gateway_rules = gateway_rules(raw, regions);
    let items = MAX_GENERATED.min(generated(raw).saturating_add(gateway_rules));
    let mut shares = vec![Share {
        what: "the services",
        bytes: raw
            .services
            .len()
            .saturating_mul(SERVICE_BYTES)
            .saturating_add(items.saturating_mul(ITEM_BYTES)),
        span: first(raw.services.keys().next().map(Sp::span)),
    }];
    if let Some(tracing) = &raw.telemetry.tracing {
        let own = raw.services.values().filter(|s| s.sampling.is_some());
        let copies = own.count();
        shares.push(Share {
            what: "the tracing tags, repeated in the Telemetry of each service with its own \
                       sampling",
            bytes: copies.saturating_mul(TELEMETRY_BYTES + tags_bytes(&tracing.value)),
            span: first(
                tracing
                    .value
                    .tags
                    .keys()
                    .next()
                    .map_or(Some(tracing.span()), |k| Some(k.span())),
            ),
        });
    }
    // The largest CORS policy stands for every gateway's: an upper bound, since each is
    // copied into its own gateway's rules only.
    if let Some(cors) = raw
        .ingress_gateways()
        .filter_map(|(_, g)| g.value.cors.as_ref())
        .max_by_key(|cors| cors_bytes(&cors.value))
    {
        shares.push(Share {
            what: "the CORS policy, copied into every HTTP rule of the gateway",
            bytes: gateway_rules.saturating_mul(cors_bytes(&cors.value)),
            span: cors.span(),
        });
    }
    shares
}

/// The generated items `expansion` counts besides the gateway's copied rules, counted the same
/// way (tenant rules and paths, region subsets and routes).
fn generated(raw: &RawProfile) -> usize {
    let services = raw.services.len();
    let regions = raw.regions.len();
    let tenants: usize = raw
        .tenants
        .values()
        .map(|t| services + t.services.value.len() * t.paths.value.len())
        .sum();
    let region = raw
        .services
        .values()
        .filter(|s| s.region_routing.as_ref().is_some_and(|r| r.value))
        .count()
        * regions
        * 2;
    tenants + region
}

/// The YAML of the tracing tags as a Telemetry repeats them.
fn tags_bytes(tracing: &RawTracing) -> usize {
    tracing
        .tags
        .iter()
        .map(|(name, tag)| {
            let default = tag
                .default
                .as_ref()
                .map_or("unknown".len(), |d| d.as_str().len());
            name.as_str().len() + tag.header.as_str().len() + default + 4 * LINE_BYTES
        })
        .sum()
}

/// The YAML of the CORS policy as each gateway rule repeats it.
fn cors_bytes(cors: &RawCors) -> usize {
    let lists = [
        &cors.allow_origins,
        &cors.allow_origin_regexes,
        &cors.allow_methods,
        &cors.allow_headers,
        &cors.expose_headers,
    ];
    let items: usize = lists
        .iter()
        .flat_map(|list| list.iter())
        .map(|item| item.as_str().len() + LINE_BYTES)
        .sum();
    items + 6 * LINE_BYTES
}
