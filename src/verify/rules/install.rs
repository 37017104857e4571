//! The install file: `istioctl install -f` takes a file that holds exactly one object, so an
//! IstioOperator must be alone in its file.

use std::collections::HashMap;

use super::{Bundle, Findings};
use crate::verify::finding::Code;
use crate::verify::node::Path;

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
