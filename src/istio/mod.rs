//! The Istio checker: Istio YAML checked as the API server and istiod would check it. Every
//! document against a schema of its kind (meshc's built-in schemas, or the CRDs a user supplies,
//! CEL rules included) and istiod's admission webhook rules, then the bundle against rules
//! across resources. It knows nothing of profiles: `meshc verify` hands it files and folders,
//! and the compiler's self-check ([`crate::selfcheck`]) the files it rendered.
//!
//! [`check`] and [`check_paths`] are the entry points; both feed a [`Checker`] one file at a
//! time. The pieces: [`files`] (the folder walk and capped reads), [`document`] (files into
//! documents), [`crd`] and [`schema`] (structural schemas), [`cel`] (the CEL evaluator),
//! [`metadata`], [`operator`] (the IstioOperator against istioctl's API), [`webhook`], [`rules`] (across resources, with the [`Inventory`] they judge
//! references against) and [`vocab`] (the Istio vocabulary the compiler shares). What it finds
//! is reported as [`Diagnostic`]s, placed in their file by [`document`].

pub(crate) mod batch;
pub(crate) mod cel;
mod checker;
pub(crate) mod crd;
pub(crate) mod document;
pub(crate) mod files;
pub(crate) mod kustomize;
pub(crate) mod metadata;
mod object;
pub(crate) mod operator;
pub(crate) mod rules;
pub(crate) mod schema;
pub(crate) mod vocab;
pub(crate) mod webhook;

use std::path::PathBuf;
use std::sync::Arc;

pub use checker::Checker;
pub(crate) use checker::PARALLEL_FROM_BYTES;
pub use crd::{CrdError, Crds};
pub use document::Document;
pub use files::ReadError;
pub use rules::{Inventory, Labels, Workload};

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Source;
use vocab::IstioVersion;

/// What each document is checked against.
#[derive(Debug, Clone, Copy)]
pub enum Schemas<'a> {
    /// meshc's built-in schemas and the apiVersions of the target release.
    Builtin(IstioVersion),
    /// CustomResourceDefinitions.
    Crds(&'a Crds),
    /// No schema: only the webhook's rules (when asked for) and the rules across resources.
    Nothing,
}

/// Whether the files checked are the whole configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum World {
    /// The files are part of a configuration (a folder of a repository, one file of a
    /// Kustomize base): what they refer to may be defined in files not given. A reference the
    /// files cannot resolve is a note, never an error; a Service or workload of a namespace
    /// the files hold none of is not judged at all.
    Open,
    /// The files are the whole configuration (a render, or a folder a user declares
    /// complete): a reference to anything they do not hold is an error.
    Closed,
}

/// How to check.
#[derive(Debug)]
pub struct Options<'a> {
    /// What each document is checked against.
    pub schemas: Schemas<'a>,
    /// Whether istiod's admission webhook rules ([`webhook`]) run on each document.
    pub webhook: bool,
    /// Whether the files are the whole configuration.
    pub world: World,
    /// Services and workloads that exist beside the Kubernetes objects among the files (a
    /// render knows them from its profile). The gateways of an IstioOperator among the files
    /// are added either way.
    pub inventory: Inventory,
    /// The namespace of objects that name none, as `kubectl apply --namespace` takes it.
    pub namespace: &'a str,
    /// The name of the file meant for `istioctl install -f`, which must hold exactly one
    /// object.
    pub install_file: Option<&'a str>,
}

impl<'a> Options<'a> {
    /// Checks against `schemas` with the webhook's rules, in an open world, with no declared
    /// inventory, objects that name no namespace in `default`, and no install file.
    pub fn new(schemas: Schemas<'a>) -> Self {
        Self {
            schemas,
            webhook: true,
            world: World::Open,
            inventory: Inventory::default(),
            namespace: document::DEFAULT_NAMESPACE,
            install_file: None,
        }
    }
}

/// One YAML file to check, already in memory.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The name diagnostics give for it.
    pub name: &'a str,
    /// Its text.
    pub text: &'a str,
}

/// What a check found.
#[derive(Debug, Clone)]
pub struct Report {
    /// Every diagnostic, in the order of the files given, then document and line.
    pub diagnostics: Vec<Diagnostic>,
    /// How many objects (documents that are not empty) were checked.
    pub objects: usize,
    /// How many files were read.
    pub files: usize,
    /// How many objects name no namespace, and so were taken to be in
    /// [`Options::namespace`].
    pub defaulted: usize,
    /// How many files were left out as Kustomize patches ([`kustomize`]).
    pub patches: usize,
    /// The text of each file a diagnostic names, for showing the lines they point at.
    pub sources: Vec<Source>,
}

impl Report {
    /// How many diagnostics have this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// The errors, leaving out warnings and notes.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    /// Keeps the text of every file the diagnostics name; `text` finds a file's text by name.
    fn with_sources<'t>(mut self, text: impl Fn(&str) -> Option<&'t str>) -> Self {
        add_sources(&mut self.sources, &self.diagnostics, text);
        self
    }
}

/// Adds to `sources` the text of every file `diagnostics` name that it does not hold yet;
/// `text` finds a file's text by name.
pub(crate) fn add_sources<'t>(
    sources: &mut Vec<Source>,
    diagnostics: &[Diagnostic],
    text: impl Fn(&str) -> Option<&'t str>,
) {
    for diagnostic in diagnostics {
        for file in diagnostic.locations().filter_map(|l| l.span.file()) {
            if sources.iter().any(|s| s.name() == file) {
                continue;
            }
            if let Some(text) = text(file) {
                sources.push(Source::new(file, text));
            }
        }
    }
}

/// Checks files in memory. A large bundle (a megabyte of YAML or more) is read on several
/// threads.
pub fn check(inputs: &[Input<'_>], options: Options<'_>) -> Report {
    check_visiting(inputs, options, |(): &mut (), _| {}).0
}

/// [`check`], with `visit` seeing each document whole as it is read, before the checker keeps
/// only what its rules across resources need of it: the compiler's proofs decode the documents
/// for the simulator this way, so that reading YAML, the larger part of either's cost, is done
/// once, and the trees of the whole bundle are never in memory together. A large bundle is
/// read in pieces on several threads, each piece with a state of its own; the states come back
/// in the order of the documents they saw.
pub(crate) fn check_visiting<V: Default + Send>(
    inputs: &[Input<'_>],
    options: Options<'_>,
    visit: impl Fn(&mut V, &Document) + Sync,
) -> (Report, Vec<V>) {
    let mut checker = Checker::new(options);
    let all: Vec<(Input<'_>, Option<&str>)> = inputs.iter().map(|input| (*input, None)).collect();
    let states = checker.add_all_in_pieces(&all, visit);
    let text = |name: &str| inputs.iter().rev().find(|i| i.name == name).map(|i| i.text);
    (checker.finish().with_sources(text), states)
}

/// Each file's documents and the syntax error that stopped reading it, if any; objects that
/// name no namespace are in `namespace`. A large bundle (a megabyte of YAML or more) is read on
/// several threads, one file each; below that, threads cost more than they save.
pub(crate) fn read_all<'a>(
    inputs: &[Input<'a>],
    namespace: &str,
) -> Vec<(Vec<Document<'a>>, Option<crate::yaml::SyntaxError>)> {
    let bytes: usize = inputs.iter().map(|input| input.text.len()).sum();
    let namespace: Arc<str> = namespace.into();
    let read = |input: &Input<'a>| document::read(input.name, input.text, &namespace);
    if bytes >= checker::PARALLEL_FROM_BYTES {
        checker::in_parallel(inputs, read)
    } else {
        inputs.iter().map(read).collect()
    }
}

/// Builds what every check of meshc's own output needs and builds only once (meshc's built-in
/// schemas and istioctl's API, a fifth of a small render's instructions), if no check has yet:
/// the compiler has it done on a second core while it renders.
pub(crate) fn prepare() {
    schema::builtin::kinds();
    operator::prepare();
}

/// The name standard input has in diagnostics.
pub const STDIN_NAME: &str = "<stdin>";

/// Checks files on disk: the files named, the YAML files below each folder named
/// ([`files::yaml_files`]; each entry a walk passes over is a `skipped-file` note), and
/// standard input for `-`, each read (with the size limit of a file) and checked. A megabyte
/// of YAML or more is checked on every core, large files cut into pieces at their `---` lines
/// (`batch`), with the findings of a check one file at a time. Any file or folder that cannot be
/// read ends the check.
pub fn check_paths(paths: &[PathBuf], options: Options<'_>) -> Result<Report, ReadError> {
    let mut checker = Checker::new(options);
    // Every file first: a kustomization says how to read the files beside it.
    let mut names = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            names.push(None);
        } else {
            let listing = files::yaml_files(std::slice::from_ref(path))?;
            names.extend(listing.files.into_iter().map(Some));
            skipped.extend(listing.skipped);
        }
    }
    let layout = kustomize::Layout::of(&names.iter().flatten().cloned().collect::<Vec<_>>());
    // Every file is read before any is checked, so that large files are checked on several
    // threads; the texts are kept for the report anyway.
    let mut texts = Vec::new();
    for path in names {
        let (text, name) = match &path {
            None => (
                files::read_from(std::io::stdin().lock(), std::path::Path::new(STDIN_NAME))?,
                STDIN_NAME.to_string(),
            ),
            Some(path) if layout.is_patch(path) => {
                checker.skip_patch();
                continue;
            }
            Some(path) => (files::read(path)?, path.to_string_lossy().into_owned()),
        };
        let namespace = path
            .as_deref()
            .and_then(|p| layout.namespace(p))
            .map(str::to_string);
        texts.push((name, text, namespace));
    }
    let inputs: Vec<(Input<'_>, Option<&str>)> = texts
        .iter()
        .map(|(name, text, namespace)| (Input { name, text }, namespace.as_deref()))
        .collect();
    checker.add_all_in_pieces(&inputs, |(): &mut (), _| {});
    let text = |name: &str| {
        texts
            .iter()
            .rev()
            .find(|(n, _, _)| n == name)
            .map(|(_, t, _)| t.as_str())
    };
    let mut report = checker.finish();
    report
        .diagnostics
        .extend(skipped.iter().map(files::Skipped::note));
    Ok(report.with_sources(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Path, Span};

    const ROUTE: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\n\
                         metadata: {name: cart, namespace: shop}\n\
                         spec: {hosts: [cart], http: [{route: [{destination: {host: cart}}]}]}\n";
    const BAD_HOST: &str = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n\
                            metadata: {name: r, namespace: shop}\n\
                            spec: {host: reviews_v2.shop.svc.cluster.local}\n";

    fn options(webhook: bool, world: World) -> Options<'static> {
        Options {
            webhook,
            world,
            ..Options::new(Schemas::Nothing)
        }
    }

    /// `file: code` of each diagnostic.
    fn codes(report: &Report) -> Vec<String> {
        report
            .diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.primary.span.file().unwrap_or_default(), d.code))
            .collect()
    }

    #[test]
    fn diagnostics_follow_the_order_of_the_files_then_lines() {
        let inputs = [
            Input {
                name: "b.yaml",
                text: BAD_HOST,
            },
            Input {
                name: "a.yaml",
                text: "a: [\n",
            },
        ];
        let report = check(&inputs, options(true, World::Open));
        assert_eq!(codes(&report), ["b.yaml: webhook", "a.yaml: yaml-syntax"]);
        assert_eq!(report.objects, 1);
        assert_eq!(report.count(Severity::Error), 2);
        let Span::Yaml(at) = &report.diagnostics[0].primary.span else {
            panic!("a webhook finding is placed in its YAML file");
        };
        assert_eq!(
            at.path,
            Some(Path::of(&["spec", "host"])),
            "the webhook's path is kept as it was found"
        );
        let sources: Vec<&str> = report.sources.iter().map(Source::name).collect();
        assert_eq!(
            sources,
            ["b.yaml", "a.yaml"],
            "the texts of the files named are kept"
        );
    }

    #[test]
    fn the_webhook_runs_only_when_asked() {
        let input = [Input {
            name: "r.yaml",
            text: BAD_HOST,
        }];
        assert_eq!(codes(&check(&input, options(true, World::Open))).len(), 1);
        assert!(
            check(&input, options(false, World::Open))
                .diagnostics
                .is_empty()
        );
    }

    #[test]
    fn a_closed_world_judges_every_reference_and_an_open_one_notes_them() {
        let input = [Input {
            name: "vs.yaml",
            text: ROUTE,
        }];
        // The files hold no Service of `shop`, so in an open world `cart` is not judged.
        assert!(
            check(&input, options(false, World::Open))
                .diagnostics
                .is_empty()
        );
        let closed = check(&input, options(false, World::Closed));
        assert_eq!(codes(&closed), ["vs.yaml: unknown-destination-host"]);
        assert_eq!(closed.count(Severity::Error), 1);
        let mut declared = options(false, World::Closed);
        declared.inventory.add_service("cart", "shop");
        assert!(check(&input, declared).diagnostics.is_empty());
        // A Service of `shop` among the files: `cart` is missing, which only a closed world
        // calls an error.
        let service = "apiVersion: v1\nkind: Service\nmetadata: {name: shop-ui, namespace: shop}\n";
        let inputs = [
            input[0],
            Input {
                name: "svc.yaml",
                text: service,
            },
        ];
        let open = check(&inputs, options(false, World::Open));
        assert_eq!(codes(&open), ["vs.yaml: unknown-destination-host"]);
        assert_eq!(open.count(Severity::Note), 1);
        assert!(
            open.diagnostics[0]
                .help
                .as_deref()
                .is_some_and(|h| h.contains("--closed-world"))
        );
        let closed = check(&inputs, options(false, World::Closed));
        assert_eq!(closed.count(Severity::Error), 1);
    }

    #[test]
    fn objects_without_a_namespace_are_in_the_one_given() {
        let route = ROUTE.replace("namespace: shop", "labels: {app: cart}");
        let service = "apiVersion: v1\nkind: Service\nmetadata: {name: cart}\n---\n\
                       apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n";
        let inputs = [
            Input {
                name: "vs.yaml",
                text: &route,
            },
            Input {
                name: "svc.yaml",
                text: service,
            },
        ];
        for namespace in ["default", "shop"] {
            let options = Options {
                namespace,
                ..options(false, World::Closed)
            };
            let report = check(&inputs, options);
            assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
            assert_eq!(report.defaulted, 2, "the Namespace itself is in none");
        }
        let declared = "apiVersion: v1\nkind: Service\nmetadata: {name: cart, namespace: other}\n";
        let inputs = [
            inputs[0],
            Input {
                name: "svc.yaml",
                text: declared,
            },
        ];
        let report = check(&inputs, options(false, World::Closed));
        assert_eq!(codes(&report), ["vs.yaml: unknown-destination-host"]);
        assert_eq!(report.defaulted, 1);
    }

    #[test]
    fn the_install_file_holds_exactly_one_object() {
        let install = |text| {
            let input = [Input {
                name: "install.yaml",
                text,
            }];
            let options = Options {
                install_file: Some("install.yaml"),
                ..options(false, World::Open)
            };
            codes(&check(&input, options))
        };
        assert_eq!(install("# nothing\n"), ["install.yaml: operator-not-alone"]);
        assert!(install(BAD_HOST).is_empty());
    }

    #[test]
    fn paths_on_disk_are_walked_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.yaml"), BAD_HOST).unwrap();
        let report = check_paths(&[dir.path().to_path_buf()], options(true, World::Open)).unwrap();
        assert_eq!(report.diagnostics.len(), 1);
        let file = report.diagnostics[0]
            .primary
            .span
            .file()
            .unwrap_or_default();
        assert!(file.ends_with("r.yaml"));
        assert_eq!(report.sources.len(), 1);
        assert_eq!(report.sources[0].text(), BAD_HOST);
        let missing = dir.path().join("missing");
        assert!(matches!(
            check_paths(&[missing], options(true, World::Open)),
            Err(ReadError::Io { .. })
        ));
    }
}
