//! Synthetic profiles of any size, for benchmarks: `N` services, `T` tenants, `R` regions.
//!
//! Every service carries what makes the real ones expensive: subsets, a canary, a priority
//! route, a profile route, region routing, a connection pool and circuit breaker, callers and a
//! retry budget. Every tenth service is routed by the gateway (one route rate-limited), every
//! tenant reaches several services, and telemetry is set up as in `profiles/prod.toml`. The
//! text is a function of the shape alone, so a benchmark always measures the same profile.

use std::fmt::Write;

/// The size of a synthetic profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Services (at least one).
    pub services: usize,
    /// Tenants (0: no tenancy).
    pub tenants: usize,
    /// Services each tenant reaches (at least one).
    pub reach: usize,
    /// Regions (at least one).
    pub regions: usize,
    /// With more than `reach`, tenants reach from `reach` to this many services, in turn (the
    /// first `reach`, the next one more, …), as real tenants differ.
    pub reach_max: usize,
}

impl Shape {
    /// `services` services with the default tenants and regions.
    pub fn services(services: usize) -> Self {
        Self {
            services,
            ..Self::default()
        }
    }

    /// The shape of issue 13's budgets: `services` services and one tenant per ten of them
    /// (at least one), each reaching 3 to 5 services
    /// (`meshc synth --services N --tenants N/10 --reach 3..5`).
    pub fn tenanted(services: usize) -> Self {
        Self {
            services,
            tenants: (services / 10).max(1),
            reach: 3,
            reach_max: 5,
            ..Self::default()
        }
    }
}

impl Default for Shape {
    /// As many tenants and regions as the production profile has, and then some: 4 tenants
    /// reaching 3 services each, 3 regions, 100 services.
    fn default() -> Self {
        Self {
            services: 100,
            tenants: 4,
            reach: 3,
            regions: 3,
            reach_max: 3,
        }
    }
}

/// Retry budgets the services share, round robin.
const BUDGETS: usize = 4;
/// One service in this many is routed by the gateway.
const GATEWAY_EVERY: usize = 10;
/// One service in this many overrides the trace sampling.
const SAMPLING_EVERY: usize = 10;

/// The TOML text of the profile of `shape` (clamped to at least one service and one region).
pub fn profile(shape: Shape) -> String {
    let shape = Shape {
        services: shape.services.max(1),
        regions: shape.regions.max(1),
        reach: shape.reach.max(1),
        ..shape
    };
    let mut out = String::with_capacity(1_200 * shape.services + 4_096);
    // `write!` into a String cannot fail.
    let _ = write_profile(&mut out, shape);
    out
}

fn write_profile(out: &mut String, shape: Shape) -> std::fmt::Result {
    writeln!(
        out,
        "# Synthetic profile: {} services, {} tenants, {} regions (meshc synth).",
        shape.services, shape.tenants, shape.regions
    )?;
    write_mesh(out, shape)?;
    write_regions(out, shape.regions)?;
    for budget in 0..BUDGETS {
        writeln!(
            out,
            "\n[retry-budgets.budget-{budget}]\nattempts = {}\nper-try-timeout = \"{}s\"\n\
             timeout = \"{}s\"\nretry-on = [\"5xx\", \"reset\", \"connect-failure\", \"refused-stream\"]",
            budget % 3 + 1,
            5 + budget * 5,
            (budget % 3 + 2) * (5 + budget * 5)
        )?;
    }
    for index in 0..shape.services {
        write_service(out, shape, index)?;
    }
    write_edge(out, shape)?;
    write_tenants(out, shape)?;
    write_telemetry(out);
    Ok(())
}

fn service(index: usize) -> String {
    format!("svc-{index:05}")
}

fn write_mesh(out: &mut String, shape: Shape) -> std::fmt::Result {
    writeln!(
        out,
        r#"
[mesh]
id = "synthetic-mesh"
cluster = "synthetic-primary"
network = "synthetic-network"
multi-network = {}
namespace = "synthetic"

[control-plane]
egress-gateway = true

[control-plane.istiod]
autoscale = {{ min = 3, max = 5, cpu-percent = 80 }}
resources = {{ requests = {{ cpu = "500m", memory = "2Gi" }}, limits = {{ cpu = "2", memory = "4Gi" }} }}

[control-plane.proxy]
resources = {{ requests = {{ cpu = "100m", memory = "128Mi" }}, limits = {{ cpu = "2", memory = "1Gi" }} }}

[control-plane.ingress-gateway]
autoscale = {{ min = 3, max = 5, cpu-percent = 80 }}"#,
        shape.regions > 1
    )
}

fn write_regions(out: &mut String, regions: usize) -> std::fmt::Result {
    let share = 100 / regions;
    for region in 0..regions {
        // The first region takes what the even shares leave over, so the weights add up to 100.
        let weight = if region == 0 {
            100 - share * (regions - 1)
        } else {
            share
        };
        writeln!(out, "\n[regions.region{region}]\nweight = {weight}")?;
        if regions > 1 {
            writeln!(out, "failover = \"region{}\"", (region + 1) % regions)?;
        }
    }
    Ok(())
}

fn write_service(out: &mut String, shape: Shape, index: usize) -> std::fmt::Result {
    let name = service(index);
    writeln!(out, "\n[services.{name}]\nport = 8080")?;
    match index % 4 {
        0 => writeln!(out, "load-balancer = \"round-robin\"")?,
        1 => writeln!(out, "load-balancer = \"least-request\"")?,
        2 => writeln!(out, "hash = {{ header = \"x-session-id\" }}")?,
        _ => writeln!(out, "hash = {{ query-parameter = \"class\" }}")?,
    }
    writeln!(
        out,
        "connection-pool = {{ max-connections = 100, max-pending-requests = 50, max-requests = 100 }}\n\
         circuit-breaker = {{ consecutive-5xx-errors = 5, interval = \"30s\", base-ejection-time = \"30s\", max-ejection-percent = 50 }}\n\
         canary = {{ stable = \"stable\", canary = \"canary\", weight = {} }}\n\
         priority = {{ subsets = {{ high = \"high-priority\" }} }}\n\
         retry-budget = \"budget-{}\"",
        5 + index % 20,
        index % BUDGETS
    )?;
    if shape.regions > 1 {
        let locality = if index % 2 == 0 {
            "failover"
        } else {
            "distribute"
        };
        writeln!(out, "region-routing = true\nlocality = \"{locality}\"")?;
    }
    if index % SAMPLING_EVERY == 0 {
        writeln!(out, "sampling = 25.0")?;
    }
    writeln!(
        out,
        "subsets = {{ stable = {{ labels = {{ version = \"stable\" }} }}, \
         canary = {{ labels = {{ version = \"canary\" }}, connection-pool = {{ max-connections = 20 }} }}, \
         high-priority = {{ labels = {{ version = \"v2\" }} }} }}\n\
         routes = [{{ name = \"reports\", prefix = \"/v1/reports\", method = \"GET\", to = \"stable\" }}]"
    )?;
    // Callers: the previous service and one further away (when they are other services), and
    // monitoring.
    let mut callers: Vec<String> = [index + shape.services - 1, index + 7]
        .iter()
        .map(|other| other % shape.services)
        .filter(|&other| other != index)
        .map(|other| format!("\"{}\"", service(other)))
        .collect();
    callers.dedup();
    out.push_str("callers = [\n");
    if !callers.is_empty() {
        writeln!(
            out,
            "  {{ services = [{}], methods = [\"GET\", \"POST\"], paths = [\"/v1\"] }},",
            callers.join(", ")
        )?;
    }
    out.push_str(
        "  { namespaces = [\"monitoring\"], methods = [\"GET\"], paths = [\"/metrics\", \"/health\"] },\n]\n",
    );
    Ok(())
}

fn write_edge(out: &mut String, shape: Shape) -> std::fmt::Result {
    out.push_str(
        r#"
[external-services.llm-api]
host = "api.openai.com"
tls-origination = true
retry-budget = "budget-0"

[gateway]
name = "synthetic-gateway"
hosts = ["api.synthetic.example"]
credential = "synthetic-tls-cert"

[gateway.cors]
allow-origins = ["https://console.synthetic.example"]
allow-methods = ["GET", "POST"]
allow-headers = ["authorization", "content-type", "x-tenant-id"]
max-age = "24h"
"#,
    );
    for index in (0..shape.services).step_by(GATEWAY_EVERY) {
        let name = service(index);
        writeln!(
            out,
            "\n[gateway.routes.{name}]\nprefix = \"/{name}\"\nservice = \"{name}\""
        )?;
    }
    writeln!(
        out,
        "\n[gateway.routes.admin]\nprefix = \"/admin\"\nservice = \"{}\"\n\
         rate-limit = {{ requests = 10, per = \"1m\" }}",
        service(0)
    )?;
    out.push_str(
        r#"
[security.jwt]
issuer = "https://auth.synthetic.example"
jwks-uri = "https://auth.synthetic.example/.well-known/jwks.json"
audiences = ["synthetic"]
"#,
    );
    Ok(())
}

fn write_tenants(out: &mut String, shape: Shape) -> std::fmt::Result {
    let routed = shape.services.div_ceil(GATEWAY_EVERY);
    for tenant in 0..shape.tenants {
        // Spread each tenant's services over the routed ones, and give it a path under each of
        // their routes, so that every grant is used.
        let spread = shape.reach_max.saturating_sub(shape.reach) + 1;
        let mut reached: Vec<usize> = (0..shape.reach + tenant % spread)
            .map(|k| (tenant + k * 37) % routed * GATEWAY_EVERY)
            .collect();
        reached.sort_unstable();
        reached.dedup();
        let services: Vec<String> = reached
            .iter()
            .map(|&index| format!("\"{}\"", service(index)))
            .collect();
        let paths: Vec<String> = reached
            .iter()
            .map(|&index| format!("\"/{}/tenants/tenant-{tenant}\"", service(index)))
            .collect();
        writeln!(
            out,
            "\n[tenants.tenant-{tenant}]\nservices = [{}]\npaths = [{}]",
            services.join(", "),
            paths.join(", ")
        )?;
        if tenant % 2 == 1 {
            writeln!(out, "methods = [\"GET\", \"POST\"]")?;
        }
    }
    Ok(())
}

fn write_telemetry(out: &mut String) {
    out.push_str(
        r#"
[telemetry.providers.jaeger]
kind = "opentelemetry"
service = "jaeger-collector.istio-system.svc.cluster.local"
port = 4317

[telemetry.tracing]
provider = "jaeger"
sampling = 10.0
tags = { tenant_id = { header = "x-tenant-id", default = "unknown" } }

[telemetry.metrics.tags]
priority = { header = "x-priority", default = "normal" }
tenant_id = { header = "x-tenant-id", default = "unknown" }

[telemetry.metrics.classify]
classes = [{ name = "reports", prefix = "/v1/reports" }, { name = "health_check", prefix = "/health" }]

[telemetry.access-log]
errors = true
slower-than = "2s"
debug-header = "x-debug"
"#,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    fn compile(shape: Shape) -> crate::pipeline::Compiled {
        let source = Source::new("synthetic.toml", profile(shape));
        match crate::pipeline::compile(&source) {
            Ok(compiled) => compiled,
            Err(failure) => panic!("{shape:?} does not compile: {failure:?}"),
        }
    }

    #[test]
    fn small_profiles_compile_without_warnings() {
        for shape in [
            Shape::services(1),
            Shape::services(2),
            Shape::services(12),
            Shape::tenanted(30),
            Shape {
                services: 40,
                tenants: 0,
                reach: 1,
                regions: 1,
                reach_max: 1,
            },
            Shape {
                services: 25,
                tenants: 9,
                reach: 4,
                regions: 5,
                reach_max: 4,
            },
            Shape {
                services: 60,
                tenants: 6,
                reach: 3,
                regions: 2,
                reach_max: 5,
            },
        ] {
            let compiled = compile(shape);
            assert!(compiled.warnings.is_empty(), "{shape:?}: {compiled:?}");
            assert_eq!(compiled.plan.virtual_services.len(), shape.services + 1);
        }
    }

    #[test]
    fn the_same_shape_gives_the_same_text() {
        let shape = Shape::services(30);
        assert_eq!(profile(shape), profile(shape));
        assert_ne!(profile(shape), profile(Shape::services(31)));
    }

    #[test]
    fn tenants_reach_from_the_least_to_the_most_in_turn() {
        let shape = Shape {
            services: 100,
            tenants: 4,
            reach: 3,
            regions: 1,
            reach_max: 5,
        };
        let reached: Vec<usize> = profile(shape)
            .lines()
            .filter(|line| line.starts_with("services = ["))
            .map(|line| line.matches('"').count() / 2)
            .collect();
        assert_eq!(reached, [3, 4, 5, 3]);
    }

    #[test]
    fn ten_thousand_services_fit_the_size_limit() {
        for shape in [Shape::services(10_000), Shape::tenanted(10_000)] {
            let text = profile(shape);
            assert!(
                text.len() < crate::limits::MAX_PROFILE_BYTES,
                "{shape:?}: {}",
                text.len()
            );
        }
    }
}
