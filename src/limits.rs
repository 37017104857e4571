//! Hard limits that keep a hostile profile from using unbounded memory or time.
//!
//! Each is far above what a real mesh needs and far below what would hurt: the largest profile
//! these limits admit renders in seconds (docs/robustness.md). Going over any of them is a
//! `too-large` error at the value that goes over.

use std::io::Read;

/// Largest profile meshc reads. Ten thousand services with subsets, a canary, callers and a
/// retry budget each (the benchmark's largest size) take about 9.5 MiB.
pub const MAX_PROFILE_BYTES: usize = 16 * 1024 * 1024;

/// Most profiles in one chain of `extends` (the profile named on the command line and every
/// base below it). A real chain has two to four: a base, an environment, a cluster.
pub const MAX_LAYERS: usize = 16;

/// Largest YAML file `meshc verify` and `meshc diff` read (and CRD file `--crds` reads).
pub(crate) const MAX_YAML_BYTES: usize = 256 * 1024 * 1024;

/// The bytes of `file` if there are at most `limit` of them, else `None`. A file whose size is
/// over the limit is not read at all: a sparse file of a terabyte costs nothing to make, and
/// reading one up to 256 MiB took 550 to 810 MB of memory (the doubling of a growing buffer)
/// and seconds to refuse it. A file that grows while it is read (or a stream with no size) is
/// read one byte past the limit, never further.
pub(crate) fn read_at_most(file: std::fs::File, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let size = file.metadata()?.len();
    if size > u64::try_from(limit).unwrap_or(u64::MAX) {
        return Ok(None);
    }
    read_capped(file, limit, usize::try_from(size).unwrap_or(0))
}

/// The bytes `reader` gives if there are at most `limit` of them, else `None`, reading one byte
/// past the limit at most; `expected` is room reserved for them up front.
pub(crate) fn read_capped(
    reader: impl Read,
    limit: usize,
    expected: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::with_capacity(expected.min(limit));
    reader
        .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() <= limit).then_some(bytes))
}

/// Deepest nesting of lists and mappings in a YAML document (Istio's CRDs need 29 levels, a
/// rendered file 10). The reader refuses a deeper document before building it, so that no walk
/// of a tree, nor dropping one, recurses deeper than this.
pub(crate) const MAX_YAML_DEPTH: usize = 128;

/// Most bytes the values of one YAML stream may take in memory, aliases expanded, weighed as
/// the alias budget weighs them (each value's own size, its string and its key). A render of
/// 1,000 synthetic services, 7.9 MB of YAML, weighs 28 MB.
pub(crate) const MAX_YAML_TREE_BYTES: usize = 1024 * 1024 * 1024;

/// Largest pair of files `render --check` shows the differences of, in bytes together; a larger
/// pair is reported as differing, without hunks.
pub(crate) const MAX_DIFF_BYTES: usize = 16 * 1024 * 1024;

/// Longest time `render --check` spends on the diff of one file, in seconds (past it the file is
/// reported as differing, without hunks), and `meshc diff` on aligning one list (past it, the
/// changes found are reported, not the fewest).
pub(crate) const MAX_DIFF_SECONDS: usize = 2;

/// Most bytes that aliases may copy in one YAML stream, counted as the tree they expand to
/// takes in memory (each value's own size, its string and its key): a "billion laughs" of few
/// values and long strings stops here as surely as one of many small values.
pub(crate) const MAX_YAML_ALIAS_BYTES: usize = 64 * 1024 * 1024;

/// Deepest nesting of tables and arrays, counted by the TOML reader, which refuses deeper
/// documents before building them (a profile needs 6 levels).
pub const MAX_DEPTH: usize = 80;

/// Longest string, value or key, in bytes. The longest a profile key can use is 1024 (paths,
/// header values, regular expressions).
pub(crate) const MAX_STRING_BYTES: usize = 4096;

/// Most entries in the tables and lists that name services: `[services]`,
/// `[external-services]`, `[gateway.routes]`, and the `services` lists of callers and tenants.
pub const MAX_SERVICES: usize = 20_000;

/// Most tenants in `[tenants]`: what one tenant costs is bounded by the generated-items limit,
/// since isolation writes rules only where a tenant reaches.
pub(crate) const MAX_TENANTS: usize = 5_000;

/// Most clusters in `[clusters]`: each cluster renders the mesh's configuration again, so the
/// output grows with their number.
pub(crate) const MAX_CLUSTERS: usize = 64;

/// Most entries in any other table or list (routes, callers, subsets, tenants, regions, paths,
/// methods, hosts, labels, ...).
pub(crate) const MAX_ENTRIES: usize = 256;

/// Most items the profile's multiplying features may generate: tenant isolation writes rules
/// and paths for each tenant on every service the tenant reaches; every gateway route copies its service's routes; region routing adds a subset and
/// a route per region to each service that asks for it.
pub(crate) const MAX_GENERATED: usize = 200_000;

/// Largest render meshc writes, in bytes of YAML, estimated from the profile before planning
/// (`validate::output_size`): the heaviest profiles the other limits admit (16,000 synthetic
/// services; 1,000 services with 198 tenants) stay under it, while a block copied into every
/// service's Telemetry or every gateway rule cannot multiply a small profile into gigabytes.
pub(crate) const MAX_RENDERED_BYTES: usize = 256 * 1024 * 1024;

/// Cost units one CRD validation rule may spend on one value (Kubernetes'
/// `celconfig.PerCallLimit`), counted as the API server counts them.
pub(crate) const MAX_CEL_COST_PER_RULE: usize = 1_000_000;

/// Cost units all the CRD validation rules of one object may spend together (Kubernetes'
/// `celconfig.RuntimeCELCostBudget`).
pub(crate) const MAX_CEL_COST_PER_OBJECT: usize = 10_000_000;

/// Every limit, for the limits table in docs/robustness.md and the tests: name, value, what it bounds.
pub const ALL: &[(&str, usize, &str)] = &[
    (
        "profile size",
        MAX_PROFILE_BYTES,
        "bytes of the profile file, and of a layered profile's files together",
    ),
    (
        "layers",
        MAX_LAYERS,
        "profiles in one chain of `extends`, the overlay named on the command line included",
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
    ("clusters", MAX_CLUSTERS, "entries of `[clusters]`"),
    ("entries", MAX_ENTRIES, "entries of any other table or list"),
    (
        "generated items",
        MAX_GENERATED,
        "tenant rules and paths over the services each tenant reaches, plus gateway routes times their service's \
         routes, plus region subsets and routes",
    ),
    (
        "rendered size",
        MAX_RENDERED_BYTES,
        "bytes of YAML the render is estimated to take, before it is planned",
    ),
    (
        "YAML file size",
        MAX_YAML_BYTES,
        "bytes of one YAML file `verify`, `diff` or `--crds` reads, or `render --check` compares",
    ),
    (
        "YAML nesting",
        MAX_YAML_DEPTH,
        "levels of lists and mappings inside each other in one YAML document",
    ),
    (
        "YAML tree bytes",
        MAX_YAML_TREE_BYTES,
        "bytes the values of one YAML stream take in memory, aliases expanded",
    ),
    (
        "YAML alias bytes",
        MAX_YAML_ALIAS_BYTES,
        "bytes the aliases of one YAML stream copy, as the copies take in memory",
    ),
    (
        "check diff size",
        MAX_DIFF_BYTES,
        "bytes of the two versions of one file whose differences `render --check` shows",
    ),
    (
        "check diff time",
        MAX_DIFF_SECONDS,
        "seconds `render --check` spends on the differences of one file, and `meshc diff` on \
         aligning one list",
    ),
    (
        "CEL cost per rule",
        MAX_CEL_COST_PER_RULE,
        "cost units one CRD validation rule may spend on one value",
    ),
    (
        "CEL cost per object",
        MAX_CEL_COST_PER_OBJECT,
        "cost units all the CRD validation rules of one object may spend together",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(dir: &tempfile::TempDir, bytes: &[u8]) -> std::fs::File {
        let path = dir.path().join("f.yaml");
        std::fs::write(&path, bytes).unwrap();
        std::fs::File::open(path).unwrap()
    }

    #[test]
    fn a_file_is_read_up_to_the_limit_and_no_further() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_at_most(file_of(&dir, b"a: 1\n"), 5).unwrap(),
            Some(b"a: 1\n".to_vec())
        );
        assert_eq!(read_at_most(file_of(&dir, b"a: 12\n"), 5).unwrap(), None);
        assert_eq!(
            read_at_most(file_of(&dir, b""), 0).unwrap(),
            Some(Vec::new())
        );
    }

    #[test]
    fn a_file_over_the_limit_is_refused_by_its_size_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sparse.yaml");
        std::fs::File::create(&path)
            .unwrap()
            .set_len(1 << 40)
            .unwrap();
        let sparse = std::fs::File::open(path).unwrap();
        assert_eq!(read_at_most(sparse, MAX_YAML_BYTES).unwrap(), None);
        // A folder opens, has a size, and fails to read: refused without an error, it was
        // judged by its size alone.
        let folder = std::fs::File::open(dir.path()).unwrap();
        assert_eq!(read_at_most(folder, 0).unwrap(), None);
    }
}
