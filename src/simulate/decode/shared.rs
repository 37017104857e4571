//! Strings and retry policies that the decoded routes of a mesh repeat, each held once. A
//! large mesh's rules name the same host in every rule of a VirtualService and the same few
//! timeouts, retry policies, subsets and rule names in thousands of them, and every rule stays
//! decoded while the mesh is simulated.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::hash::Hash;
use std::sync::Arc;

use super::networking::Retries;

type Set<T> = HashSet<Arc<T>, foldhash::fast::RandomState>;

/// What has been handed out so far, by value.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    texts: Set<str>,
    retries: Set<Retries>,
}

impl Shared {
    /// `text`, shared with every earlier string of the same text.
    pub(crate) fn get(&mut self, text: &str) -> Arc<str> {
        held(&mut self.texts, text)
    }

    /// `retries`, shared with every earlier equal policy: a profile's rules take theirs from a
    /// few retry budgets.
    pub(crate) fn retries(&mut self, retries: Retries) -> Arc<Retries> {
        held(&mut self.retries, retries)
    }
}

/// The one `value` of `set`, put there if it is the first.
fn held<T, V>(set: &mut Set<T>, value: V) -> Arc<T>
where
    T: ?Sized + Hash + Eq,
    V: Borrow<T> + Into<Arc<T>>,
{
    if let Some(held) = set.get(value.borrow()) {
        return Arc::clone(held);
    }
    let held = value.into();
    set.insert(Arc::clone(&held));
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_string_and_others_do_not() {
        let mut shared = Shared::default();
        let a = shared.get("10s");
        let b = shared.get("10s");
        let c = shared.get("5s");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!((&*a, &*c), ("10s", "5s"));
    }

    #[test]
    fn equal_retry_policies_share_one_and_others_do_not() {
        let mut shared = Shared::default();
        let on = Some(shared.get("5xx"));
        let a = shared.retries((2, None, on.clone()));
        let b = shared.retries((2, None, Some("5xx".into())));
        let c = shared.retries((3, None, on));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(c.0, 3);
    }
}
