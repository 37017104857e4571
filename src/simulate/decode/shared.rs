//! Strings that the decoded routes of a mesh repeat, each held once. A large mesh's rules
//! name the same host in every rule of a VirtualService and the same few timeouts, retry
//! conditions, subsets and rule names in thousands of them, and every rule stays decoded while
//! the mesh is simulated.

use std::collections::HashSet;
use std::sync::Arc;

/// The strings handed out so far, by their text.
#[derive(Debug, Default)]
pub(crate) struct Shared(HashSet<Arc<str>, foldhash::fast::RandomState>);

impl Shared {
    /// `text`, shared with every earlier string of the same text.
    pub(crate) fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(held) = self.0.get(text) {
            return Arc::clone(held);
        }
        let held: Arc<str> = text.into();
        self.0.insert(Arc::clone(&held));
        held
    }
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
}
