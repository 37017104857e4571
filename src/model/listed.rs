//! Which services list a caller: the positions of the services whose caller rules name each
//! service, namespace and service account. Planning the Sidecars and the proofs both ask it
//! for every caller, and scanning every rule of every service for each was quadratic.

use std::collections::BTreeMap;

use super::Service;

/// The positions (in order, a service once per rule that names the key) of the services
/// whose caller rules name each service, namespace, and namespace and service account.
#[derive(Debug, Default)]
pub(crate) struct Listed<'p> {
    pub services: BTreeMap<&'p str, Vec<usize>>,
    pub namespaces: BTreeMap<&'p str, Vec<usize>>,
    pub accounts: BTreeMap<(&'p str, &'p str), Vec<usize>>,
}

impl<'p> Listed<'p> {
    pub(crate) fn of(services: &'p [Service]) -> Self {
        let mut listed = Self::default();
        for (target, service) in services.iter().enumerate() {
            for rule in &service.callers {
                for name in &rule.services {
                    listed
                        .services
                        .entry(name.as_str())
                        .or_default()
                        .push(target);
                }
                for namespace in &rule.namespaces {
                    let entry = listed.namespaces.entry(namespace.as_str());
                    entry.or_default().push(target);
                }
                for (namespace, account) in &rule.service_accounts {
                    let key = (namespace.as_str(), account.as_str());
                    listed.accounts.entry(key).or_default().push(target);
                }
            }
        }
        listed
    }
}
