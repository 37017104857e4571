//! One object, one definition: two documents with the same kind, namespace and name (in one
//! file or across files) overwrite each other, so whichever is applied last silently wins.
//! IstioOperators are not applied to a cluster: each file is one `istioctl install -f`, and a
//! repository holds one per cluster or revision, often under one name.

use super::{Bundle, Found};
use crate::diagnostic::Code;
use crate::diagnostic::Path;
use crate::istio::document::Document;
use crate::istio::operator;

/// What names an object to the API server: group, kind, namespace and name.
type Key<'d> = (&'d str, &'d str, &'d str, &'d str);

/// Reports every object defined again after its first definition.
///
/// The documents' keys are sorted rather than hashed: a sorted list of them is a third of the
/// hash table's memory at 32,000 documents, and the rules run while the self-check's heap is at
/// its peak (issue 13).
pub(crate) fn check(bundle: &Bundle<'_>, out: &mut Found) {
    let documents = bundle.documents;
    let mut keyed: Vec<(Key<'_>, usize)> = documents
        .iter()
        .enumerate()
        .filter_map(|(i, document)| key(document).map(|key| (key, i)))
        .collect();
    // Within one key the indices sort in document order, so the first is the definition.
    keyed.sort_unstable();
    let mut again: Vec<(usize, usize, Key<'_>)> = keyed
        .chunk_by(|a, b| a.0 == b.0)
        .flat_map(|run| run[1..].iter().map(|&(key, i)| (i, run[0].1, key)))
        .collect();
    drop(keyed);
    again.sort_unstable();
    for (i, first, (_, kind, namespace, name)) in again {
        let (document, first) = (&documents[i], &documents[first]);
        out.add(
            document,
            Code::DuplicateObject,
            Path::of(&["metadata", "name"]),
            format!(
                "{kind} {namespace}/{name} is already defined at {}:{}; the one \
                 applied last replaces the other: keep one definition",
                first.file, first.line
            ),
        );
    }
}

/// The key of a document that names an object, but for an IstioOperator.
fn key<'d>(document: &'d Document<'_>) -> Option<Key<'d>> {
    let (Some((group, _)), Some(kind), Some(name)) =
        (document.api(), document.kind(), document.name())
    else {
        return None;
    };
    if group == operator::GROUP {
        return None;
    }
    Some((group, kind, document.namespace().unwrap_or_default(), name))
}
