//! The [`Checker`]: files go in one at a time, the report comes out at the end. Each document
//! is checked on its own ([`object`](super::object)) as it is read, then trimmed to what the
//! rules across resources read ([`rules::keep`]); once every file is in, the bundle is checked
//! against those rules ([`rules`](super::rules)). So the whole trees of a bundle are never in
//! memory together: one document's per thread, and the rest trimmed.

use std::collections::HashMap;
use std::sync::Arc;

use super::document::{self, Document};
use super::rules;
use super::{Input, Options, Report, Schemas, object};
use crate::diagnostic::{Diagnostic, Span};

/// Below this many bytes of YAML, threads cost more than they save: starting them takes about
/// as long as checking a small mesh such as prod's 37 documents.
pub(super) const PARALLEL_FROM_BYTES: usize = 1 << 20;

/// A check in progress: the files added so far, each document checked and trimmed.
#[derive(Debug)]
pub struct Checker<'a> {
    options: Options<'a>,
    /// [`Options::namespace`], shared by every document.
    namespace: Arc<str>,
    /// The names of the files added, in order: diagnostics are reported in this order.
    files: Vec<String>,
    /// Every document, trimmed to what the rules across resources read.
    documents: Vec<Document>,
    diagnostics: Vec<Diagnostic>,
    /// Files left out as Kustomize patches.
    patches: usize,
}

/// One file read, each of its documents checked on its own and trimmed.
#[derive(Debug, Default)]
pub(super) struct CheckedFile {
    name: String,
    documents: Vec<Document>,
    /// The syntax error and the install file's finding first, then each document's findings.
    diagnostics: Vec<Diagnostic>,
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

    /// Reads and checks a file; a YAML error becomes a diagnostic, and the documents before it
    /// are kept.
    pub fn add(&mut self, input: Input<'_>) {
        let namespace = self.namespace.clone();
        let file = self.check_file(input, &namespace, &mut |_: &Document| {});
        self.add_checked(file);
    }

    /// Reads a file whose objects that name no namespace are in `namespace` (a Kustomize
    /// resource's), not in [`Options::namespace`].
    pub fn add_in(&mut self, input: Input<'_>, namespace: &str) {
        let file = self.check_file(input, &namespace.into(), &mut |_: &Document| {});
        self.add_checked(file);
    }

    /// Counts a file left out as a Kustomize patch.
    pub fn skip_patch(&mut self) {
        self.patches += 1;
    }

    /// Reads and checks each file (on several threads for a megabyte of YAML or more, one
    /// file each), objects that name no namespace in the namespace given with it or else in
    /// [`Options::namespace`]; `visit` sees each document whole, before it is trimmed, with
    /// a state of its file's own. The files are added in order; their states are returned in
    /// that order.
    pub(super) fn add_all<V: Default + Send>(
        &mut self,
        inputs: &[(Input<'_>, Option<&str>)],
        visit: impl Fn(&mut V, &Document) + Sync,
    ) -> Vec<V> {
        let bytes: usize = inputs.iter().map(|(input, _)| input.text.len()).sum();
        let this = &*self;
        let one = |(input, namespace): &(Input<'_>, Option<&str>)| {
            let namespace = namespace.map_or_else(|| this.namespace.clone(), Arc::from);
            let mut state = V::default();
            let file = this.check_file(*input, &namespace, &mut |document: &Document| {
                visit(&mut state, document);
            });
            (file, state)
        };
        let checked = if bytes >= PARALLEL_FROM_BYTES {
            in_parallel(inputs, one)
        } else {
            inputs.iter().map(one).collect()
        };
        checked
            .into_iter()
            .map(|(file, state)| {
                self.add_checked(file);
                state
            })
            .collect()
    }

    /// Reads one file, checking each document on its own as it is read; `visit` sees it whole,
    /// then it is trimmed.
    fn check_file(
        &self,
        input: Input<'_>,
        namespace: &Arc<str>,
        visit: &mut dyn FnMut(&Document),
    ) -> CheckedFile {
        let Options {
            schemas, webhook, ..
        } = self.options;
        let mut documents = Vec::new();
        let mut found = Vec::new();
        let error = document::read_each(input.name, input.text, namespace, |mut document| {
            found.extend(object::check_document(&document, schemas, webhook));
            visit(&document);
            rules::keep::trim(&mut document);
            documents.push(document);
        });
        let mut diagnostics: Vec<Diagnostic> = error
            .map(|error| document::syntax_diagnostic(input.name, &error))
            .into_iter()
            .collect();
        if self.options.install_file == Some(input.name) {
            let objects = documents.iter().filter(|d| !d.is_empty()).count();
            diagnostics.extend(rules::install::install_file(input.name, objects));
        }
        diagnostics.append(&mut found);
        CheckedFile {
            name: input.name.to_string(),
            documents,
            diagnostics,
        }
    }

    fn add_checked(&mut self, file: CheckedFile) {
        self.diagnostics.extend(file.diagnostics);
        self.files.push(file.name);
        self.documents.extend(file.documents);
    }

    /// Checks the rules across the documents: the diagnostics, in the order of the files
    /// added, then document and line. The report holds no source text: [`super::check`] and
    /// [`super::check_paths`] add the texts of the files it names.
    pub fn finish(self) -> Report {
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
        diagnostics.extend(rules::check_bundle(&documents, &inventory, options.world));
        sort(&mut diagnostics, &files);
        // What the API server would refuse in the CRDs themselves comes after the files'.
        let mut sources = Vec::new();
        if let Schemas::Crds(crds) = options.schemas {
            diagnostics.extend(crds.findings().iter().cloned());
            sources.extend(crds.sources().iter().cloned());
        }
        Report {
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
        }
    }
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
