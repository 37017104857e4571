//! The resources of one kind in plan order, found by id.

use std::fmt;
use std::sync::OnceLock;

use serde::{Serialize, Serializer};

use super::ids::ResourceId;

/// A generated resource, identified by what it was generated for.
pub trait Resource {
    /// Its kind of id.
    type Id: ResourceId;

    /// Its id.
    fn id(&self) -> &Self::Id;
}

/// Resources of one kind, in the order they are written, with a lookup by id. The templates see
/// a plain list; the index is built on the first lookup, so rendering never pays for it.
#[derive(Clone)]
pub struct ResourceList<T> {
    items: Vec<T>,
    /// Positions in `items`, sorted by id (stably, so that the first of equal ids comes first).
    by_id: OnceLock<Vec<usize>>,
}

impl<T: Resource> ResourceList<T> {
    /// The resource generated for `id`. Ids are unique in a plan that passed the self-check:
    /// the name follows from the id, and two objects of one kind and name are refused. Should
    /// a plan hold two, the first is returned.
    pub fn get(&self, id: &T::Id) -> Option<&T> {
        let by_id = self.by_id.get_or_init(|| {
            let mut by_id: Vec<usize> = (0..self.items.len()).collect();
            by_id.sort_by(|&a, &b| self.items[a].id().cmp(self.items[b].id()));
            by_id
        });
        let at = by_id.partition_point(|&i| self.items[i].id() < id);
        by_id
            .get(at)
            .map(|&i| &self.items[i])
            .filter(|item| item.id() == id)
    }
}

impl<T> ResourceList<T> {
    /// The resources in plan order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The resources in plan order, for a reader that consumes them (the render of a plan that
    /// is not kept).
    pub(crate) fn into_vec(self) -> Vec<T> {
        self.items
    }
}

impl<T> Default for ResourceList<T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<T> From<Vec<T>> for ResourceList<T> {
    fn from(items: Vec<T>) -> Self {
        Self {
            items,
            by_id: OnceLock::new(),
        }
    }
}

impl<T> FromIterator<T> for ResourceList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<T>>().into()
    }
}

impl<'a, T> IntoIterator for &'a ResourceList<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<T: Serialize> Serialize for ResourceList<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(serializer)
    }
}

impl<T: fmt::Debug> fmt::Debug for ResourceList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.items).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{Resource, ResourceList};
    use crate::plan::ids::ResourceId;

    #[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
    struct Id(u8);

    impl ResourceId for Id {
        fn name(&self) -> String {
            self.0.to_string()
        }
    }

    #[derive(Debug, PartialEq)]
    struct Item(Id, &'static str);

    impl Resource for Item {
        type Id = Id;

        fn id(&self) -> &Id {
            &self.0
        }
    }

    #[test]
    fn finds_each_resource_by_its_id_and_keeps_plan_order() {
        let list: ResourceList<Item> = [3, 1, 2].into_iter().map(|n| Item(Id(n), "only")).collect();
        for n in [1, 2, 3] {
            assert_eq!(list.get(&Id(n)).map(|item| &item.0), Some(&Id(n)));
        }
        assert_eq!(list.get(&Id(0)), None);
        assert_eq!(list.get(&Id(4)), None);
        let order: Vec<u8> = list.iter().map(|item| item.0.0).collect();
        assert_eq!(order, [3, 1, 2]);
        assert_eq!(list.len(), 3);
        assert!(!list.is_empty());
        assert!(ResourceList::<Item>::default().is_empty());
    }

    #[test]
    fn the_first_of_two_equal_ids_wins() {
        let list: ResourceList<Item> = vec![
            Item(Id(2), "x"),
            Item(Id(1), "first"),
            Item(Id(1), "second"),
            Item(Id(0), "y"),
        ]
        .into();
        assert_eq!(list.get(&Id(1)).map(|item| item.1), Some("first"));
    }

    #[test]
    fn serializes_and_prints_as_a_plain_list() {
        #[derive(serde::Serialize, Debug)]
        struct Named {
            name: &'static str,
        }
        let list: ResourceList<Named> = vec![Named { name: "a" }, Named { name: "b" }].into();
        assert_eq!(
            serde_json::to_string(&list).unwrap(),
            r#"[{"name":"a"},{"name":"b"}]"#
        );
        assert_eq!(
            format!("{list:?}"),
            r#"[Named { name: "a" }, Named { name: "b" }]"#
        );
    }
}
