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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::istio::World;
    use crate::istio::document::read;

    /// A Service named `name` in `namespace`, as one document of a stream.
    fn service(namespace: &str, name: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {namespace}}}\n"
        )
    }

    /// Every definition after the first is reported, in the order of the documents, each naming
    /// its own object's first definition: runs of two objects interleaved, a third copy, and
    /// the same name in another namespace (another object) or of another kind.
    #[test]
    fn each_definition_again_names_the_first_in_document_order() {
        let operator = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n\
                        metadata: {name: control, namespace: istio-system}\n";
        let gateway = "apiVersion: networking.istio.io/v1\nkind: Gateway\n\
                       metadata: {name: b, namespace: shop}\n";
        let text = [
            service("shop", "b"),
            service("shop", "a"),
            operator.to_string(),
            service("shop", "b"),
            service("other", "a"),
            gateway.to_string(),
            service("shop", "a"),
            operator.to_string(),
            service("shop", "b"),
        ]
        .join("---\n");
        let (documents, _) = read("f.yaml", &text, &Arc::from("default"));
        let mut found = Found {
            diagnostics: Vec::new(),
            world: World::Open,
        };
        check(&super::super::Bundle::new(&documents), &mut found);
        let reported: Vec<(usize, &str)> = found
            .diagnostics
            .iter()
            .map(|d| match &d.primary.span {
                crate::diagnostic::Span::Yaml(at) => (at.document, d.message.as_str()),
                other => panic!("a document, not {other:?}"),
            })
            .collect();
        let again = |object: &str, first: u32| {
            format!(
                "Service {object} is already defined at f.yaml:{first}; the one applied last \
                 replaces the other: keep one definition"
            )
        };
        let (b, a) = (again("shop/b", 1), again("shop/a", 5));
        assert_eq!(
            reported,
            [(3, b.as_str()), (6, a.as_str()), (8, b.as_str())]
        );
    }
}
