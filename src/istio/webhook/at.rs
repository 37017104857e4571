//! Where the webhook rules are in a document as they walk it, made into a [`Path`] only when a
//! finding is reported: the rules name a field path for every message and field they visit, and
//! almost none of them ever reach a finding. A path here is a few steps held inline, borrowing
//! their keys from the rules or the document, over a shared chain of earlier steps: a longer path
//! copies no text, and allocates only when its inline steps are full (one link takes them all).

use std::rc::Rc;

use crate::diagnostic::{Path, Step};

/// Steps held inline before they are moved into a shared link.
const INLINE: usize = 4;

/// One step, its key borrowed.
#[derive(Debug, Clone, Copy)]
enum Part<'a> {
    Key(&'a str),
    Index(usize),
}

/// Up to [`INLINE`] steps, in order.
#[derive(Debug, Clone, Copy)]
struct Steps<'a> {
    parts: [Part<'a>; INLINE],
    len: usize,
}

impl<'a> Steps<'a> {
    const EMPTY: Self = Self {
        parts: [Part::Index(0); INLINE],
        len: 0,
    };

    fn as_slice(&self) -> &[Part<'a>] {
        &self.parts[..self.len]
    }
}

/// Earlier steps, shared by every path that goes on from them.
#[derive(Debug)]
struct Link<'a> {
    parent: Option<Rc<Link<'a>>>,
    steps: Steps<'a>,
}

/// A path into the document being checked (see the module's comment).
#[derive(Debug, Clone)]
pub(super) struct At<'a> {
    shared: Option<Rc<Link<'a>>>,
    steps: Steps<'a>,
}

impl<'a> At<'a> {
    /// The document itself.
    pub(super) fn root() -> Self {
        Self {
            shared: None,
            steps: Steps::EMPTY,
        }
    }

    /// This path with key `key` added.
    #[must_use]
    pub(super) fn key<'k>(&self, key: &'k str) -> At<'k>
    where
        'a: 'k,
    {
        self.with(Part::Key(key))
    }

    /// This path with index `index` added.
    #[must_use]
    pub(super) fn index(&self, index: usize) -> Self {
        self.with(Part::Index(index))
    }

    fn with<'k>(&self, part: Part<'k>) -> At<'k>
    where
        'a: 'k,
    {
        let mut at: At<'k> = self.clone();
        if at.steps.len == INLINE {
            at.shared = Some(Rc::new(Link {
                parent: at.shared.take(),
                steps: at.steps,
            }));
            at.steps = Steps::EMPTY;
        }
        at.steps.parts[at.steps.len] = part;
        at.steps.len += 1;
        at
    }

    /// The path, for a finding.
    pub(super) fn to_path(&self) -> Path {
        let mut groups: Vec<&[Part<'a>]> = vec![self.steps.as_slice()];
        let mut link = self.shared.as_deref();
        while let Some(current) = link {
            groups.push(current.steps.as_slice());
            link = current.parent.as_deref();
        }
        Path(
            groups
                .iter()
                .rev()
                .flat_map(|group| group.iter())
                .map(|part| match *part {
                    Part::Key(key) => Step::Key(key.into()),
                    Part::Index(index) => Step::Index(index),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_its_steps_in_order_however_deep() {
        assert_eq!(At::root().to_path(), Path::root());
        let mut at = At::root();
        let mut expected = Path::root();
        for depth in 0..11 {
            if depth % 2 == 0 {
                at = at.key("k");
                expected = expected.key("k");
            } else {
                at = at.index(depth);
                expected = expected.index(depth);
            }
            assert_eq!(at.to_path(), expected, "at depth {depth}");
        }
    }

    #[test]
    fn paths_that_share_steps_stay_apart() {
        let base = At::root().key("spec").key("http").index(0).key("route");
        let first = base.index(1).key("destination");
        let second = base.index(2).key("weight");
        assert_eq!(
            first.to_path(),
            Path::of(&["spec", "http"])
                .index(0)
                .key("route")
                .index(1)
                .key("destination")
        );
        assert_eq!(
            second.to_path(),
            Path::of(&["spec", "http"])
                .index(0)
                .key("route")
                .index(2)
                .key("weight")
        );
        assert_eq!(
            base.to_path(),
            Path::of(&["spec", "http"]).index(0).key("route")
        );
    }
}
