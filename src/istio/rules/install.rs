//! The install file: `istioctl install -f` takes a file that holds exactly one object, so an
//! IstioOperator must be alone in its file, and a file meant for it must hold exactly one.

use std::collections::HashMap;

use super::{Bundle, Findings};
use crate::diagnostic::Path;
use crate::istio::finding::{Code, Finding, Level};

/// A file meant for `istioctl install -f` that holds `objects` objects rather than one.
pub fn install_file(file: &str, objects: usize) -> Option<Finding> {
    (objects != 1).then(|| {
        Finding::about_file(
            Code::OperatorNotAlone,
            Level::Error,
            file,
            format!("holds {objects} objects; `istioctl install -f` needs exactly one"),
        )
    })
}

/// Reports every IstioOperator whose file holds other objects.
pub fn check(bundle: &Bundle<'_>, out: &mut Findings) {
    let mut objects: HashMap<&str, usize> = HashMap::new();
    for document in bundle.documents.iter().filter(|d| !d.is_empty()) {
        *objects.entry(&document.file).or_default() += 1;
    }
    for operator in &bundle.operators {
        let count = objects.get(&*operator.file).copied().unwrap_or(0);
        if count > 1 {
            out.error(
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
