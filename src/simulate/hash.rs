//! The hasher of the simulator's look-up tables (hosts, workload names, selector labels, route
//! paths). Every request looks up several hosts and paths, and the standard library's SipHash
//! cost more than the look-ups around it: callgrind on the proofs of 1,000 services put a
//! tenth of their instructions in it. The keys come from YAML a user may have been handed
//! (`meshc verify`), so the hash must not let chosen keys collide at will: foldhash's, seeded
//! afresh for each process, is as fast as the unkeyed multiply-rotate hashes and, not knowing
//! the seed, a file cannot pile its keys into one bucket. Only how fast a key is found depends
//! on it: no table it serves is walked, so no answer depends on its order or its seed.

use std::collections::HashMap;

/// A hash map of the simulator, keyed by foldhash with a seed of this process.
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn equal_keys_hash_alike_and_near_keys_apart() {
        let state = foldhash::fast::RandomState::default();
        let hash = |key: &str| state.hash_one(key);
        assert_eq!(
            hash("svc-00001.ns.svc.cluster.local"),
            hash("svc-00001.ns.svc.cluster.local")
        );
        let keys = [
            "",
            "a",
            "a\0",
            "ab",
            "svc-00001.ns.svc.cluster.local",
            "svc-00002.ns.svc.cluster.local",
            "svc-00001.ns.svc.cluster.locam",
            "/t/a",
            "/t/b",
        ];
        let hashes: std::collections::BTreeSet<u64> = keys.iter().map(|k| hash(k)).collect();
        assert_eq!(hashes.len(), keys.len());
    }

    #[test]
    fn a_map_finds_what_it_holds_and_nothing_else() {
        let mut map: Map<String, usize> = Map::default();
        for i in 0..2_000 {
            map.insert(format!("svc-{i:05}.ns-{:03}.svc.cluster.local", i % 7), i);
        }
        for i in 0..2_000 {
            let key = format!("svc-{i:05}.ns-{:03}.svc.cluster.local", i % 7);
            assert_eq!(map.get(&key), Some(&i));
            let other = format!("svc-{i:05}.ns-{:03}.svc.cluster.local", i % 7 + 1);
            assert_eq!(map.get(&other), None);
        }
    }
}
