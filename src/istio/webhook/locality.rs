//! Locality strings of locality load balancing (`region[/zone[/subzone]]`), as
//! `validateLocalities` checks them: one `*` at most and only at the end, no empty part, no
//! locality that another one already covers.

use std::collections::{BTreeMap, BTreeSet};

const ALL: &str = "*";

/// Why this list of localities is refused, or `None`. The first problem is reported, in list
/// order.
pub(super) fn locality_error(localities: &[&str]) -> Option<String> {
    let overlap = |locality: &str| {
        Some(format!(
            "locality {locality} overlap with previous specified ones"
        ))
    };
    // region -> zone -> subzones; `*` stands for all zones or subzones.
    let mut seen: BTreeMap<&str, BTreeMap<&str, BTreeSet<&str>>> = BTreeMap::new();
    for locality in localities {
        let stars = locality.matches('*').count();
        if stars > 1 || (stars == 1 && !locality.ends_with('*')) {
            return Some(format!(
                "locality {locality} wildcard '*' number can not exceed 1 and must be in the end"
            ));
        }
        if seen.contains_key(ALL) {
            return overlap(locality);
        }
        let parts: Vec<&str> = locality.splitn(3, '/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Some(format!(
                "locality {locality} must not contain empty region/zone/subzone info"
            ));
        }
        let region = parts[0];
        let zones = seen.get(region);
        match parts[..] {
            [_] => {
                if zones.is_some() {
                    return overlap(locality);
                }
                seen.insert(region, BTreeMap::from([(ALL, BTreeSet::from([ALL]))]));
            }
            [_, zone] => {
                if zones.is_some_and(|z| z.contains_key(ALL) || z.contains_key(zone)) {
                    return overlap(locality);
                }
                seen.entry(region)
                    .or_default()
                    .insert(zone, BTreeSet::from([ALL]));
            }
            [_, zone, subzone] => {
                let covered = zones.is_some_and(|z| {
                    z.contains_key(ALL)
                        || z.get(zone)
                            .is_some_and(|s| s.contains(ALL) || s.contains(subzone))
                });
                if covered {
                    return overlap(locality);
                }
                seen.entry(region)
                    .or_default()
                    .entry(zone)
                    .or_default()
                    .insert(subzone);
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localities_as_istio_tests_them() {
        for (localities, valid) in [
            (&["*/zone/*"][..], false),
            (&["*/zone"], false),
            (&["*", "a/b/c"], false),
            (&["a", "a/b/c"], false),
            (&["a/*", "a/b/c"], false),
            (&["a/b", "a/b/c"], false),
            (&["a/b/*", "a/b/c"], false),
            (&["a1/*", "a2/*", "a3/b3/c3", "a4/b4", "a5/b5/*"], true),
            (&["a//c"], false),
            (&["a/b/c", "a/b/d"], true),
            (&["a/b/c", "a/b/c"], false),
        ] {
            assert_eq!(
                locality_error(localities).is_none(),
                valid,
                "{localities:?}"
            );
        }
    }
}
