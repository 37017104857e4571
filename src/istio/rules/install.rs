//! The install file: `istioctl install -f` takes a file that holds exactly one object, so an
//! IstioOperator must be alone in its file, and a file meant for it must hold exactly one.

use std::collections::HashMap;

use super::{Bundle, Found};
use crate::diagnostic::{Code, Diagnostic, Path, Span};

/// A file meant for `istioctl install -f` that holds `objects` objects rather than one.
pub(crate) fn install_file(file: &str, objects: usize) -> Option<Diagnostic> {
    (objects != 1).then(|| {
        Diagnostic::new(
            Code::OperatorNotAlone,
            Span::File(file.into()),
            format!("holds {objects} objects; `istioctl install -f` needs exactly one"),
        )
    })
}

/// Reports every IstioOperator whose file holds other objects.
pub(crate) fn check(bundle: &Bundle<'_>, out: &mut Found) {
    let mut objects: HashMap<&str, usize> = HashMap::new();
    for document in bundle.documents.iter().filter(|d| !d.is_empty()) {
        *objects.entry(&document.file).or_default() += 1;
    }
    for operator in &bundle.operators {
        let count = objects.get(&*operator.file).copied().unwrap_or(0);
        if count > 1 {
            out.add(
                operator,
                Code::OperatorNotAlone,
                Path::root(),
                format!(
                    "this file holds {count} objects; `istioctl install -f` takes exactly one \
                     (\"contains multiple IstioOperator CRs\"): put the IstioOperator in a file of its own"
                ),
            );
        }
    }
}
