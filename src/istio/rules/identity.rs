//! One object, one definition: two documents with the same kind, namespace and name (in one
//! file or across files) overwrite each other, so whichever is applied last silently wins.
//! IstioOperators are not applied to a cluster: each file is one `istioctl install -f`, and a
//! repository holds one per cluster or revision, often under one name.

use std::collections::HashMap;

use super::{Bundle, Found};
use crate::diagnostic::Code;
use crate::diagnostic::Path;
use crate::istio::operator;

/// Reports every object defined again after its first definition.
pub(crate) fn check(bundle: &Bundle<'_>, out: &mut Found) {
    let mut first: HashMap<(&str, &str, &str, &str), (&str, u32)> = HashMap::new();
    for document in bundle.documents {
        let (Some((group, _)), Some(kind), Some(name)) =
            (document.api(), document.kind(), document.name())
        else {
            continue;
        };
        if group == operator::GROUP {
            continue;
        }
        let namespace = document.namespace().unwrap_or_default();
        match first.get(&(group, kind, namespace, name)) {
            Some((file, line)) => out.add(
                document,
                Code::DuplicateObject,
                Path::of(&["metadata", "name"]),
                format!(
                    "{kind} {namespace}/{name} is already defined at {file}:{line}; the one \
                     applied last replaces the other: keep one definition"
                ),
            ),
            None => {
                first.insert(
                    (group, kind, namespace, name),
                    (&document.file, document.line),
                );
            }
        }
    }
}
