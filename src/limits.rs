//! Hard limits that keep a hostile profile from using unbounded memory or time.
//!
//! Each is far above what a real mesh needs and far below what would hurt: the largest profile
//! these limits admit renders in seconds (README, "Robustness"). Going over any of them is a
//! `too-large` error at the value that goes over.

/// Largest profile meshc reads. Ten thousand services with subsets, a canary, callers and a
/// retry budget each (the benchmark's largest size) take about 9.5 MiB.
pub const MAX_PROFILE_BYTES: usize = 16 * 1024 * 1024;

/// Largest YAML file `meshc verify` reads.
pub const MAX_YAML_BYTES: usize = 256 * 1024 * 1024;

/// Deepest nesting of tables and arrays, counted by the TOML reader, which refuses deeper
/// documents before building them (a profile needs 6 levels).
pub const MAX_DEPTH: usize = 80;

/// Longest string, value or key, in bytes. The longest a profile key can use is 1024 (paths,
/// header values, regular expressions).
pub const MAX_STRING_BYTES: usize = 4096;

/// Most entries in the tables and lists that name services: `[services]`,
/// `[external-services]`, `[gateway.routes]`, and the `services` lists of callers and tenants.
pub const MAX_SERVICES: usize = 20_000;

/// Most tenants in `[tenants]`: what one tenant costs is bounded by the generated-items limit,
/// since isolation writes rules only where a tenant reaches.
pub const MAX_TENANTS: usize = 5_000;

/// Most entries in any other table or list (routes, callers, subsets, tenants, regions, paths,
/// methods, hosts, labels, ...).
pub const MAX_ENTRIES: usize = 256;

/// Most items the profile's multiplying features may generate: tenant isolation writes rules
/// and paths for each tenant on every service the tenant reaches; every gateway route copies its service's routes; region routing adds a subset and
/// a route per region to each service that asks for it.
pub const MAX_GENERATED: usize = 200_000;

/// Every limit, for the README's table and the tests: name, value, what it bounds.
pub const ALL: &[(&str, usize, &str)] = &[
    (
        "profile size",
        MAX_PROFILE_BYTES,
        "bytes of the profile file",
    ),
    (
        "nesting",
        MAX_DEPTH,
        "levels of tables and arrays inside each other",
    ),
    (
        "string length",
        MAX_STRING_BYTES,
        "bytes of one string or key",
    ),
    (
        "services",
        MAX_SERVICES,
        "entries of `[services]`, `[external-services]`, `[gateway.routes]` and of `services` lists",
    ),
    ("tenants", MAX_TENANTS, "entries of `[tenants]`"),
    ("entries", MAX_ENTRIES, "entries of any other table or list"),
    (
        "generated items",
        MAX_GENERATED,
        "tenant rules and paths over the services each tenant reaches, plus gateway routes times their service's \
         routes, plus region subsets and routes",
    ),
];
