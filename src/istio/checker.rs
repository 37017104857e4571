//! The [`Checker`]: files go in one at a time, the report comes out at the end. Each document
//! is checked on its own ([`object`](super::object)) as it is read, then trimmed to what the
//! rules across resources read ([`rules::keep`]); once every file is in, the bundle is checked
//! against those rules ([`rules`](super::rules)). So the whole trees of a bundle are never in
//! memory together: one document's per thread, and the rest trimmed.

use std::collections::HashMap;
use std::sync::Arc;

use super::document::{self, Document};
use super::{Input, Options, Report, Schemas, object};
use super::{batch, rules};
use crate::diagnostic::{Diagnostic, Span};

/// From this many bytes of YAML, each file is read and checked on a thread of its own; below
/// it, on [`SMALL_WORKERS`] threads, largest file first, as a thread per file costs a small
/// mesh more than it saves (the render stage of prod was 1.5 ms slower on six threads).
pub(crate) const PARALLEL_FROM_BYTES: usize = 1 << 20;

/// How many threads read and check a bundle below [`PARALLEL_FROM_BYTES`]: prod's 83 kB took
/// 26.9 M instructions on one thread, two fifths of the 67.4 M on a render's first thread, while
/// the second core had finished building the schemas and templates (callgrind, f885ec1).
const SMALL_WORKERS: usize = 2;

/// A check in progress: the files added so far, each document checked and trimmed.
#[derive(Debug)]
pub struct Checker<'a> {
    options: Options<'a>,
    /// [`Options::namespace`], shared by every document.
    namespace: Arc<str>,
    /// The names of the files added, in order: diagnostics are reported in this order.
    files: Vec<String>,
    /// Every document, trimmed to what the rules across resources read.
    documents: Vec<Document<'static>>,
    diagnostics: Vec<Diagnostic>,
    /// Files left out as Kustomize patches.
    patches: usize,
}

/// A piece of a file ([`batch`]) read, each of its documents checked on its own and trimmed,
/// and the state its visitor left.
#[derive(Debug, Default)]
struct PieceChecked<V> {
    first_document: usize,
    error: Option<crate::yaml::SyntaxError>,
    used: crate::yaml::PieceUse,
    documents: Vec<Document<'static>>,
    found: Vec<Diagnostic>,
    state: V,
}

/// What a worker of [`Checker::add_all_in_pieces`] did: a piece, or a file it read whole.
#[derive(Debug)]
enum Unit<V> {
    Piece(PieceChecked<V>),
    Whole(CheckedFile, V),
}

/// A file put back together from its pieces ([`Checker::join`]): its syntax error, documents
/// and findings, and its pieces' visitor states in their order.
type Joined<V> = (
    Option<crate::yaml::SyntaxError>,
    Vec<Document<'static>>,
    Vec<Diagnostic>,
    Vec<V>,
);

/// One file read, each of its documents checked on its own and trimmed.
#[derive(Debug, Default)]
pub(super) struct CheckedFile {
    name: String,
    documents: Vec<Document<'static>>,
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
            crate::pool::largest_first(inputs, |(input, _)| input.text.len(), SMALL_WORKERS, one)
        };
        checked
            .into_iter()
            .map(|(file, state)| {
                self.add_checked(file);
                state
            })
            .collect()
    }

    /// [`Checker::add_all`], the files cut into pieces checked on every core ([`batch`]): a
    /// file of a megabyte or more is no longer checked on one thread. The findings are the same
    /// as `add_all`'s, in the same order, and `visit` sees the same documents in the same order;
    /// each piece has a state of its own, and the states come back in the order of the
    /// documents they saw (several for a file read in pieces). Files added one call at a time
    /// are reported as if added in one: a caller can let each file's text go once it is read.
    pub(crate) fn add_all_in_pieces<V: Default + Send>(
        &mut self,
        inputs: &[(Input<'_>, Option<&str>)],
        visit: impl Fn(&mut V, &Document) + Sync,
    ) -> Vec<V> {
        let bytes: usize = inputs.iter().map(|(input, _)| input.text.len()).sum();
        let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        if bytes < PARALLEL_FROM_BYTES || workers < 2 {
            return self.add_all(inputs, visit);
        }
        let size = (bytes / (workers * 4)).max(batch::MIN_PIECE_BYTES);
        self.add_in_pieces(inputs, workers, size, &visit).1
    }

    /// [`Checker::add_all_in_pieces`] on `workers` threads, in pieces of at least `size` bytes;
    /// how many files were put together from several pieces (the others were read whole), and
    /// the visitor's states.
    fn add_in_pieces<V: Default + Send>(
        &mut self,
        inputs: &[(Input<'_>, Option<&str>)],
        workers: usize,
        size: usize,
        visit: &(impl Fn(&mut V, &Document) + Sync),
    ) -> (usize, Vec<V>) {
        let mut joined = 0;
        let cuts: Vec<Option<Vec<batch::Piece<'_>>>> = inputs
            .iter()
            .map(|(input, _)| batch::cut(input.text, size))
            .collect();
        let units: Vec<(usize, Option<batch::Piece<'_>>)> = cuts
            .iter()
            .enumerate()
            .flat_map(|(file, cut)| match cut {
                Some(pieces) => pieces.iter().map(|p| (file, Some(*p))).collect(),
                None => vec![(file, None)],
            })
            .collect();
        let namespaces: Vec<Arc<str>> = inputs
            .iter()
            .map(|(_, namespace)| namespace.map_or_else(|| self.namespace.clone(), Arc::from))
            .collect();
        let names: Vec<Arc<str>> = inputs.iter().map(|(input, _)| input.name.into()).collect();
        let this = &*self;
        let whole = |file: usize| {
            let mut state = V::default();
            let checked = this.check_file(inputs[file].0, &namespaces[file], &mut |document| {
                visit(&mut state, document);
            });
            (checked, state)
        };
        // A file of one large document is one unit: taken first, it is read beside the
        // pieces of the others instead of alone after them.
        let size = |(file, piece): &(usize, Option<batch::Piece<'_>>)| {
            piece.map_or(inputs[*file].0.text.len(), |piece| piece.text.len())
        };
        let mut done =
            crate::pool::largest_first(&units, size, workers, |(file, piece)| match piece {
                Some(piece) => {
                    Unit::Piece(this.check_piece(&names[*file], *piece, &namespaces[*file], visit))
                }
                None => {
                    let (checked, state) = whole(*file);
                    Unit::Whole(checked, state)
                }
            })
            .into_iter();
        let mut states = Vec::new();
        let mut files = Vec::new();
        for (file, cut) in cuts.iter().enumerate() {
            let input = inputs[file].0;
            let mut pieces = Vec::new();
            let mut read_whole = None;
            for unit in done.by_ref().take(cut.as_ref().map_or(1, Vec::len)) {
                match unit {
                    Unit::Piece(piece) => pieces.push(piece),
                    Unit::Whole(checked, state) => read_whole = Some((checked, state)),
                }
            }
            let several = pieces.len() > 1;
            match (read_whole, Self::join(pieces)) {
                (Some((checked, state)), _) => {
                    files.push(checked);
                    states.push(state);
                }
                (None, Ok((error, documents, found, pieces))) => {
                    joined += usize::from(several);
                    files.push(self.checked_file(input, error, documents, found));
                    states.extend(pieces);
                }
                (None, Err(())) => {
                    let (checked, state) = whole(file);
                    files.push(checked);
                    states.push(state);
                }
            }
        }
        for checked in files {
            self.add_checked(checked);
        }
        (joined, states)
    }

    /// One document as it is read, whole or in a piece: checked on its own (`visit` sees it
    /// whole), then trimmed to what the rules across resources read, and kept, owning what is
    /// left of its tree.
    fn check_and_keep(
        &self,
        document: Document<'_>,
        visit: &mut dyn FnMut(&Document<'_>),
        documents: &mut Vec<Document<'static>>,
        found: &mut Vec<Diagnostic>,
    ) {
        let Options {
            schemas, webhook, ..
        } = self.options;
        found.extend(object::check_document(&document, schemas, webhook));
        visit(&document);
        documents.push(rules::keep::kept(document));
    }

    /// One piece of a file read and each of its documents checked and trimmed.
    fn check_piece<V: Default>(
        &self,
        file: &Arc<str>,
        piece: batch::Piece<'_>,
        namespace: &Arc<str>,
        visit: &impl Fn(&mut V, &Document),
    ) -> PieceChecked<V> {
        let mut documents = Vec::new();
        let mut found = Vec::new();
        let mut state = V::default();
        let place = (piece.text, piece.first_line, piece.first_document);
        let (error, used) = document::read_piece(file, place, namespace, |document| {
            let mut see = |document: &Document| visit(&mut state, document);
            self.check_and_keep(document, &mut see, &mut documents, &mut found);
        });
        PieceChecked {
            first_document: piece.first_document,
            error,
            used,
            documents,
            found,
            state,
        }
    }

    /// The pieces of one file put back together: its syntax error, documents and findings as a
    /// read of the whole file gives them, and the pieces' states, or `Err` when the pieces did
    /// not read as the whole would (and the file must be read whole). A file in one piece was
    /// read whole.
    fn join<V>(mut pieces: Vec<PieceChecked<V>>) -> Result<Joined<V>, ()> {
        if let [one] = pieces.as_mut_slice() {
            let error = one.error.take();
            let documents = std::mem::take(&mut one.documents);
            let found = std::mem::take(&mut one.found);
            let states = pieces.into_iter().map(|piece| piece.state).collect();
            return Ok((error, documents, found, states));
        }
        let consistent = pieces.iter().all(|p| p.error.is_none())
            && pieces
                .windows(2)
                .all(|w| w[0].first_document + w[0].used.documents == w[1].first_document);
        let used: Vec<crate::yaml::PieceUse> = pieces.iter().map(|p| p.used).collect();
        if !consistent || !crate::yaml::PieceUse::within_budgets(&used) {
            return Err(());
        }
        let mut documents = Vec::new();
        let mut found = Vec::new();
        let mut states = Vec::with_capacity(pieces.len());
        for mut piece in pieces {
            documents.append(&mut piece.documents);
            found.append(&mut piece.found);
            states.push(piece.state);
        }
        Ok((None, documents, found, states))
    }

    /// Reads one file, checking each document on its own as it is read; `visit` sees it whole,
    /// then it is trimmed.
    fn check_file(
        &self,
        input: Input<'_>,
        namespace: &Arc<str>,
        visit: &mut dyn FnMut(&Document),
    ) -> CheckedFile {
        let mut documents = Vec::new();
        let mut found = Vec::new();
        let error = document::read_each(input.name, input.text, namespace, |document| {
            self.check_and_keep(document, visit, &mut documents, &mut found);
        });
        self.checked_file(input, error, documents, found)
    }

    /// A file read: the syntax error and the install file's finding first, then each
    /// document's findings.
    fn checked_file(
        &self,
        input: Input<'_>,
        error: Option<crate::yaml::SyntaxError>,
        documents: Vec<Document<'static>>,
        mut found: Vec<Diagnostic>,
    ) -> CheckedFile {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::istio::vocab::IstioVersion;
    use crate::istio::{Schemas, World};

    /// Every diagnostic of `texts` checked as files whole and in pieces of at least `size`
    /// bytes, as `meshc verify` prints them, the objects counted and every document a visitor
    /// saw, in order; and how many files were put together from several pieces.
    fn both(texts: &[(&str, &str)], size: usize) -> (String, String, usize) {
        let inputs: Vec<(Input<'_>, Option<&str>)> = texts
            .iter()
            .map(|(name, text)| (Input { name, text }, None))
            .collect();
        let options = || Options {
            world: World::Closed,
            install_file: Some("install.yaml"),
            ..Options::new(Schemas::Builtin(IstioVersion {
                major: 1,
                minor: 30,
            }))
        };
        let see = |seen: &mut Vec<String>, document: &Document| seen.push(format!("{document:?}"));
        let mut whole = Checker::new(options());
        let whole_seen = whole.add_all(&inputs, see);
        let mut pieces = Checker::new(options());
        let (joined, pieces_seen) = pieces.add_in_pieces(&inputs, 3, size, &see);
        let show = |report: Report, seen: Vec<Vec<String>>| {
            let seen = seen.concat();
            // Every object was seen, and the documents empty of one.
            assert!(seen.len() >= report.objects, "{} seen", seen.len());
            format!(
                "{} objects: {:#?}\nseen: {seen:#?}",
                report.objects, report.diagnostics
            )
        };
        (
            show(whole.finish(), whole_seen),
            show(pieces.finish(), pieces_seen),
            joined,
        )
    }

    /// YAML files of the repository: the verify and webhook fixtures and the committed renders.
    fn corpus() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut folders = vec![
            root.join("tests/fixtures/verify"),
            root.join("tests/fixtures/webhook"),
            root.join("out"),
        ];
        while let Some(folder) = folders.pop() {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    files.push((path.display().to_string(), text));
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn files_checked_in_pieces_find_what_whole_files_find() {
        let corpus = corpus();
        assert!(corpus.len() > 50, "{} files", corpus.len());
        let mut joined = 0;
        for (name, text) in &corpus {
            for size in [0, 1000] {
                let (whole, pieces, n) = both(&[(name, text)], size);
                assert_eq!(whole, pieces, "{name} in pieces of {size} bytes");
                joined += n;
            }
        }
        // The renders alone are a dozen files of many documents each.
        assert!(joined > 20, "{joined} files put together from pieces");
        let all: Vec<(&str, &str)> = corpus
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let (whole, pieces, joined) = both(&all, 0);
        assert_eq!(whole, pieces, "every file together");
        assert!(joined > 10, "{joined}");
    }

    #[test]
    fn pieces_that_read_otherwise_than_the_whole_are_read_whole() {
        let object = |name: &str| {
            format!(
                "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n\
                 metadata: {{name: {name}, namespace: shop}}\nspec: {{host: {name}}}\n"
            )
        };
        let (a, b, c) = (object("a"), object("b"), object("c"));
        // Each case, and whether its pieces read as the whole does (or the file is read whole).
        let cases = [
            // A syntax error, a duplicate key and a bad value in a later piece.
            (format!("{a}---\n{b}---\nx: [\n---\n{c}"), false),
            (format!("{a}---\n{b}spec: {{}}\n---\n{c}"), false),
            (
                format!("{a}---\n{}---\n{c}", b.replace("host: b", "host: b_c")),
                true,
            ),
            // A quoted value over a marker: an error read whole.
            (format!("{a}---\nx: \"a\n---\nb\"\n---\n{c}"), false),
            // Document ends, markers with content, comments and directives, empty documents.
            (
                format!("# head\n{a}...\n---\n{b}--- # c\n{c}---\n---\n"),
                true,
            ),
            (
                format!("%YAML 1.1\n---\n{a}---\n--- |\n  text\n---\n{b}"),
                true,
            ),
            // An alias of an anchor in an earlier document, and a flow mapping over a marker.
            (format!("a: &x 1\n---\nb: *x\n---\n{c}"), false),
            (format!("{a}---\nx: {{a: 1,\n---\n}}\n---\n{c}"), false),
            // Lines the reader counts otherwise: not cut.
            (format!("{}---\n{b}", a.replace('\n', "\r\n")), false),
            // The install file holds one object.
            (format!("{a}---\n{b}"), true),
        ];
        for (text, in_pieces) in &cases {
            for name in ["file.yaml", "install.yaml"] {
                let (whole, pieces, joined) = both(&[(name, text)], 0);
                assert_eq!(whole, pieces, "{text}");
                assert_eq!(joined, usize::from(*in_pieces), "{text}");
            }
        }
    }
}
