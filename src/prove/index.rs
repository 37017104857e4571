//! Indexes of the profile's services for the proofs, so that choosing whom to send a request
//! costs a lookup, not a scan of every service: a large mesh has services by the ten thousand,
//! and the proofs ask once for each caller of each of them.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Listed, Name, Profile, Service};

/// The services by name, with their position in the profile.
pub(super) fn by_name(profile: &Profile) -> BTreeMap<&Name, (usize, &Service)> {
    profile
        .services
        .iter()
        .enumerate()
        .map(|(index, service)| (&service.name, (index, service)))
        .collect()
}

/// The services by where they run: their namespace, and their namespace and service account.
#[derive(Debug, Default)]
pub(super) struct Homes<'p> {
    namespaces: BTreeMap<&'p str, Vec<usize>>,
    accounts: BTreeMap<(&'p str, &'p str), Vec<usize>>,
}

impl<'p> Homes<'p> {
    pub(super) fn of(services: &'p [Service]) -> Self {
        let mut homes = Self::default();
        for (index, service) in services.iter().enumerate() {
            let namespace = service.namespace.as_str();
            homes.namespaces.entry(namespace).or_default().push(index);
            homes
                .accounts
                .entry((namespace, service.service_account.as_str()))
                .or_default()
                .push(index);
        }
        homes
    }

    /// The positions, in order, of the services in one of `namespaces` or running as one of
    /// `accounts`.
    pub(super) fn covered(&self, namespaces: &[Name], accounts: &[(Name, Name)]) -> Vec<usize> {
        let in_namespaces = namespaces
            .iter()
            .filter_map(|ns| self.namespaces.get(ns.as_str()));
        let as_accounts = accounts
            .iter()
            .filter_map(|(ns, sa)| self.accounts.get(&(ns.as_str(), sa.as_str())));
        let covered: BTreeSet<usize> = in_namespaces
            .chain(as_accounts)
            .flatten()
            .copied()
            .collect();
        covered.into_iter().collect()
    }
}

/// Positions of services, kept as runs of consecutive positions (`lo..=hi`), so that the next
/// position outside the set is found by one jump per run.
#[derive(Debug, Default)]
pub(super) struct Runs(Vec<(usize, usize)>);

impl Runs {
    /// The runs of `positions`, in any order, repeats allowed.
    pub(super) fn of(positions: impl IntoIterator<Item = usize>) -> Self {
        let positions: BTreeSet<usize> = positions.into_iter().collect();
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for position in positions {
            match runs.last_mut() {
                Some((_, hi)) if *hi + 1 == position => *hi = position,
                _ => runs.push((position, position)),
            }
        }
        Self(runs)
    }

    /// The last position of the run that holds `position`, if one does.
    fn end_of(&self, position: usize) -> Option<usize> {
        let after = self.0.partition_point(|&(lo, _)| lo <= position);
        let &(_, hi) = self.0.get(after.checked_sub(1)?)?;
        (hi >= position).then_some(hi)
    }
}

/// Which services a caller rule names: by the namespace it names, the service account
/// (namespace and account) it names, and the service it names.
#[derive(Debug, Default)]
pub(super) struct Naming<'p> {
    pub(super) namespaces: BTreeMap<&'p str, Runs>,
    pub(super) accounts: BTreeMap<(&'p str, &'p str), Runs>,
    pub(super) services: BTreeMap<&'p str, Runs>,
}

impl<'p> Naming<'p> {
    pub(super) fn of(services: &'p [Service]) -> Self {
        let Listed {
            services,
            namespaces,
            accounts,
        } = Listed::of(services);
        Self {
            namespaces: runs(namespaces),
            accounts: runs(accounts),
            services: runs(services),
        }
    }
}

fn runs<K: Ord>(map: BTreeMap<K, Vec<usize>>) -> BTreeMap<K, Runs> {
    map.into_iter()
        .map(|(key, positions)| (key, Runs::of(positions)))
        .collect()
}

/// The first position after `from`, in the services' order and round to the start (`from`
/// itself left out), that none of `sets` holds.
pub(super) fn next_outside(from: usize, count: usize, sets: &[Option<&Runs>]) -> Option<usize> {
    let first = |mut position: usize, end: usize| {
        'next: while position < end {
            for runs in sets.iter().flatten() {
                if let Some(hi) = runs.end_of(position) {
                    position = hi + 1;
                    continue 'next;
                }
            }
            return Some(position);
        }
        None
    };
    first(from + 1, count).or_else(|| first(0, from.min(count)))
}

/// Whether `path` is one of `folders` (paths without their trailing `/`, the root as the
/// empty path) or below one: each of its ancestors looked up as it stands, where a copy of the
/// path with a `/` added was made for every look-up.
pub(super) fn in_folders(folders: &BTreeSet<String>, path: &str) -> bool {
    path.match_indices('/')
        .map(|(cut, _)| &path[..cut])
        .chain(std::iter::once(path))
        .any(|ancestor| folders.contains(ancestor))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The look-up the index replaced: every folder as `<path>/`, and every `/` of
    /// `<path>/` a cut.
    fn with_slashes(folders: &[&str], path: &str) -> bool {
        let folders: BTreeSet<String> = folders.iter().map(|f| format!("{f}/")).collect();
        let folder = format!("{path}/");
        folder
            .match_indices('/')
            .any(|(cut, _)| folders.contains(&folder[..=cut]))
    }

    #[test]
    fn in_folders_agrees_with_the_lookup_of_paths_with_slashes() {
        let sets: [&[&str]; 4] = [&[], &["/a"], &["/a/b", "/c"], &[""]];
        let paths = [
            "", "/", "/a", "/a/", "/ab", "/a/b", "/a/bc", "/a/b/c", "/a//b", "/c/d", "/b", "a",
        ];
        let mut held = 0;
        for folders in sets {
            let set: BTreeSet<String> = folders.iter().map(ToString::to_string).collect();
            for path in paths {
                let expected = with_slashes(folders, path);
                assert_eq!(in_folders(&set, path), expected, "{path} in {folders:?}");
                held += usize::from(expected);
            }
        }
        // Both answers occur: the sets above hold some paths and not others.
        assert!(held > 0 && held < sets.len() * paths.len());
        assert!(in_folders(&["/a".to_string()].into(), "/a/b"));
        assert!(!in_folders(&["/a".to_string()].into(), "/ab"));
    }

    /// The scan the index replaces.
    fn scanned(from: usize, count: usize, members: &[&[usize]]) -> Option<usize> {
        (1..count)
            .map(|k| (from + k) % count)
            .find(|p| !members.iter().any(|m| m.contains(p)))
    }

    #[test]
    fn runs_join_consecutive_positions_in_any_order() {
        let runs = Runs::of([5, 1, 2, 3, 9, 2]);
        assert_eq!(runs.0, vec![(1, 3), (5, 5), (9, 9)]);
        assert_eq!(runs.end_of(0), None);
        assert_eq!(runs.end_of(1), Some(3));
        assert_eq!(runs.end_of(3), Some(3));
        assert_eq!(runs.end_of(4), None);
        assert_eq!(runs.end_of(5), Some(5));
        assert_eq!(runs.end_of(10), None);
    }

    #[test]
    fn next_outside_agrees_with_a_scan() {
        let sets: [&[usize]; 6] = [
            &[],
            &[0],
            &[1, 2, 3],
            &[0, 1, 2, 3, 4, 5, 6],
            &[6],
            &[2, 4, 6],
        ];
        for count in 1..8 {
            for from in 0..count {
                for a in &sets {
                    for b in &sets {
                        let (ra, rb) = (Runs::of(a.iter().copied()), Runs::of(b.iter().copied()));
                        assert_eq!(
                            next_outside(from, count, &[Some(&ra), None, Some(&rb)]),
                            scanned(from, count, &[a, b]),
                            "from {from} of {count}, sets {a:?} and {b:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn nothing_outside_when_every_other_position_is_held() {
        let all = Runs::of([0, 1, 3]);
        assert_eq!(next_outside(2, 4, &[Some(&all)]), None);
        assert_eq!(next_outside(2, 5, &[Some(&all)]), Some(4));
        assert_eq!(next_outside(0, 1, &[]), None);
    }
}
