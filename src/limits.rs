//! Hard limits that keep a hostile profile from using unbounded memory or time.

/// Largest profile meshc reads: 16 MiB holds about 40,000 services.
pub const MAX_PROFILE_BYTES: usize = 16 * 1024 * 1024;

/// Largest YAML file `meshc verify` reads.
pub const MAX_YAML_BYTES: usize = 256 * 1024 * 1024;
