//! The [`Checker`]: files go in one at a time, the report comes out at the end. Each document
//! is checked on its own ([`object`](super::object)), then the bundle against the rules across
//! resources ([`rules`](super::rules)).

use std::collections::HashMap;
use std::sync::Arc;

use super::document::{self, Document};
use super::rules;
use super::{Input, Options, Report, Schemas, object};
use crate::diagnostic::{Diagnostic, Span};
use crate::yaml::SyntaxError;

/// Below this many documents (or bytes of YAML, for reading), threads cost more than they save:
/// starting them takes about as long as checking a small mesh such as prod's 37 documents.
const PARALLEL_FROM_DOCUMENTS: usize = 500;
pub(super) const PARALLEL_FROM_BYTES: usize = 1 << 20;

/// A check in progress: the files added so far, read into documents.
#[derive(Debug)]
pub struct Checker<'a> {
    options: Options<'a>,
    /// [`Options::namespace`], shared by every document.
    namespace: Arc<str>,
    /// The names of the files added, in order: diagnostics are reported in this order.
    files: Vec<String>,
    documents: Vec<Document>,
    diagnostics: Vec<Diagnostic>,
    /// Files left out as Kustomize patches.
    patches: usize,
}

impl<'a> Checker<'a> {
    /// A check with these options and no file yet.
    pub fn new(options: Options<'a>) -> Self {
        Self {
            namespace: options.namespace.into(),
            options,
            files: Vec::new(),
            documents: Vec::new(),
            diagnostics: Vec::new(),
            patches: 0,
        }
    }

    /// Reads a file into the check; a YAML error becomes a diagnostic, and the documents before
    /// it are kept.
    pub fn add(&mut self, input: Input<'_>) {
        let (documents, error) = document::read(input.name, input.text, &self.namespace);
        self.add_read(input.name, documents, error);
    }

    /// Reads a file whose objects that name no namespace are in `namespace` (a Kustomize
    /// resource's), not in [`Options::namespace`].
    pub fn add_in(&mut self, input: Input<'_>, namespace: &str) {
        let (documents, error) = document::read(input.name, input.text, &namespace.into());
        self.add_read(input.name, documents, error);
    }

    /// Counts a file left out as a Kustomize patch.
    pub fn skip_patch(&mut self) {
        self.patches += 1;
    }

    /// Adds a file already read by [`document::read`].
    pub(super) fn add_read(
        &mut self,
        name: &str,
        documents: Vec<Document>,
        error: Option<SyntaxError>,
    ) {
        let error = error.map(|error| document::syntax_diagnostic(name, &error));
        self.diagnostics.extend(error);
        if self.options.install_file == Some(name) {
            let objects = documents.iter().filter(|d| !d.is_empty()).count();
            self.diagnostics
                .extend(rules::install::install_file(name, objects));
        }
        self.files.push(name.to_string());
        self.documents.extend(documents);
    }

    /// Checks every document, then the rules across them: the diagnostics, in the order of the
    /// files added, then document and line. The report holds no source text: [`super::check`]
    /// and [`super::check_paths`] add the texts of the files it names.
    pub fn finish(self) -> Report {
        self.finish_keeping().0
    }

    /// [`Self::finish`], giving back the documents read.
    pub(super) fn finish_keeping(self) -> (Report, Vec<Document>) {
        let Self {
            options,
            files,
            documents,
            mut diagnostics,
            namespace,
            patches,
        } = self;
        let mut inventory = options.inventory;
        inventory.add_documents(&documents);
        inventory.add_operators(&documents);
        diagnostics.extend(check_documents(
            &documents,
            options.schemas,
            options.webhook,
        ));
        diagnostics.extend(rules::check_bundle(&documents, &inventory, options.world));
        sort(&mut diagnostics, &files);
        // What the API server would refuse in the CRDs themselves comes after the files'.
        let mut sources = Vec::new();
        if let Schemas::Crds(crds) = options.schemas {
            diagnostics.extend(crds.findings().iter().cloned());
            sources.extend(crds.sources().iter().cloned());
        }
        let report = Report {
            diagnostics,
            objects: documents.iter().filter(|d| !d.is_empty()).count(),
            files: files.len(),
            defaulted: documents
                .iter()
                // An IstioOperator goes to istioctl, not to kubectl's namespace.
                .filter(|d| {
                    d.takes_default_namespace()
                        && d.default_namespace == namespace
                        && !super::operator::is_operator(d)
                })
                .count(),
            patches,
            sources,
        };
        (report, documents)
    }
}

/// Each document on its own, on several threads for a large bundle.
fn check_documents(documents: &[Document], schemas: Schemas<'_>, webhook: bool) -> Vec<Diagnostic> {
    let threads = if documents.len() >= PARALLEL_FROM_DOCUMENTS {
        parallelism()
    } else {
        1
    };
    let chunk = documents.len().div_ceil(threads).max(1);
    in_parallel(documents.chunks(chunk), |documents| {
        documents
            .iter()
            .flat_map(|document| object::check_document(document, schemas, webhook))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Diagnostics in the order of the files (a file named twice counts where it was named last),
/// then document and line, a diagnostic about a whole file first; the sort is stable, so
/// diagnostics at one line keep the order they were found in.
fn sort(diagnostics: &mut [Diagnostic], files: &[String]) {
    let order: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.as_str(), i))
        .collect();
    diagnostics.sort_by_key(|d| {
        let file = d.primary.span.file().unwrap_or_default();
        let place = match &d.primary.span {
            Span::Yaml(at) => Some((at.document, at.line)),
            Span::Toml(_) | Span::File(_) => None,
        };
        (order.get(file).copied().unwrap_or(usize::MAX), place)
    });
}

fn parallelism() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// `work` on every item, each on a thread of its own (one item needs none); results in the
/// order of the items.
pub(super) fn in_parallel<I, T, R>(items: I, work: impl Fn(T) -> R + Sync) -> Vec<R>
where
    I: IntoIterator<Item = T>,
    T: Send,
    R: Send + Default,
{
    let items: Vec<T> = items.into_iter().collect();
    if items.len() <= 1 {
        return items.into_iter().map(work).collect();
    }
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| scope.spawn(move || work(item)))
            .collect();
        // A worker only panics on a bug; its part is then empty rather than crashing meshc.
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap_or_default())
            .collect()
    })
}
