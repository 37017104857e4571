//! The hasher of the simulator's look-up tables (hosts, workload names, selector labels, route
//! paths). Every request looks up several hosts and paths, and the standard library's SipHash,
//! built to resist keys chosen to collide, cost more than the look-ups around it: callgrind on
//! the proofs of 1,000 services put a tenth of their instructions in it. The keys here come
//! from the rendered files and the topology, which the user writes, so there is no attacker to
//! resist; this is the multiply-rotate hash of the Firefox and rustc compilers (`FxHasher`),
//! eight bytes at a time. Only how fast a key is found depends on it: no table it serves is
//! walked, so no answer depends on its order.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A hash map of the simulator, keyed by [`Fx`].
pub(crate) type Map<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// The multiplier of `FxHasher` (rustc-hash): odd, with its bits spread.
const SEED: u64 = 0xf135_7aea_2e62_a9c5;

/// `FxHasher`: each word mixed in by a rotate, an exclusive or and a multiply.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Fx {
    hash: u64,
}

impl Fx {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut buffer = [0; 8];
            buffer.copy_from_slice(word);
            self.add(u64::from_le_bytes(buffer));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut buffer = [0; 8];
            buffer[..rest.len()].copy_from_slice(rest);
            // The length keeps a short tail apart from the same bytes followed by zeros.
            self.add(u64::from_le_bytes(buffer) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    /// The product's high bits are its best mixed: hashbrown takes the bucket from the low
    /// bits, so they are rotated down (as rustc-hash 2 does).
    fn finish(&self) -> u64 {
        self.hash.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    fn hash(key: &str) -> u64 {
        BuildHasherDefault::<Fx>::default().hash_one(key)
    }

    #[test]
    fn equal_keys_hash_alike_and_near_keys_apart() {
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
