//! The command line: arguments, reading the profile, printing diagnostics, exit codes.
//!
//! This is the only module that prints. Library stages return data; each subcommand turns it
//! into output here and into one of the [`Exit`] codes. Every diagnostic, error and summary goes
//! to stderr through [`Output`], in the one form [`crate::diagnostic::render`] gives them;
//! stdout holds only a command's result (YAML, a diff, an explanation, a document).

mod diff;
mod explain;
mod explain_code;
mod graph;
mod query;
mod render;
mod schema;
mod steps;
mod synth;
mod validate;
mod verify;

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::ffi::OsString;
use std::fmt;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostic::render as report;
use crate::diagnostic::render::{Checked, Files, Style, Summary};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Severity, Span};
use crate::istio;
use crate::limits::MAX_PROFILE_BYTES;
use crate::pipeline::{
    Beside, Compiled, Failure, Handed, InternalError, Simulated, compile, compile_simulated,
    compile_unproved, compile_written, compile_written_beside,
};
use crate::profile;
use crate::source::Source;

/// Compile one TOML mesh profile into Istio manifests.
#[derive(Debug, Parser)]
#[command(name = "meshc", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human, global = true)]
    message_format: MessageFormat,
    /// When to colour human diagnostics (`auto`: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    /// Annotated source, for people.
    Human,
    /// One JSON object per line, for tools.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compile a profile into the Istio files (stdout, or a folder with --out).
    Render(render::RenderArgs),
    /// Check a profile and print its warnings and errors; write nothing.
    Validate(validate::ValidateArgs),
    /// Print the JSON Schema of the profile format, for editors.
    Schema,
    /// Compare two profiles or rendered folders resource by resource (exit 0 same, 1 different,
    /// 2 trouble).
    Diff(diff::DiffArgs),
    /// Summarise a profile's effective mesh, service by service, from the plan the files show.
    Explain(explain::ExplainArgs),
    /// Send one request through a profile's rendered mesh and say what each hop decides and why.
    Query(Box<query::QueryArgs>),
    /// Draw who reaches what (gateway routes, callers, tenants, egress), as meshc's simulator
    /// answers on the rendered mesh: Mermaid, DOT, SVG or a self-contained HTML page.
    Graph(graph::GraphArgs),
    /// Check Istio YAML (meshc's output or hand-written): CRD schemas and CEL rules with
    /// --crds, and rules across resources.
    Verify(verify::VerifyArgs),
    /// Print the document of a diagnostic code (what it catches, why, an example, the fix), or
    /// list every code.
    ExplainCode(explain_code::ExplainCodeArgs),
    /// Print a synthetic profile of a given size, for benchmarks.
    #[command(hide = true)]
    Synth(synth::SynthArgs),
}

/// meshc's exit codes (documented in docs/diagnostics.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success; warnings allowed.
    Success = 0,
    /// The profile is invalid (or, for checks, the output differs; for `verify`, the files
    /// have errors).
    Invalid = 1,
    /// Usage or I/O error.
    Trouble = 2,
    /// meshc produced output it cannot vouch for: a bug in meshc.
    Internal = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Runs meshc with these arguments.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Exit {
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        // `--help` and `--version` are results, on stdout.
        Err(error) if !error.use_stderr() => {
            let _ = error.print();
            return Exit::Success;
        }
        Err(error) if asks_for_json(&args) => {
            let text = error.to_string();
            let message = text.trim().trim_start_matches("error: ");
            write_stderr(&report::failure(message, Style::Json));
            return Exit::Trouble;
        }
        Err(error) => {
            let _ = error.print();
            return Exit::Trouble;
        }
    };
    let output = Output::new(&cli.global);
    let (exit, closing) = match cli.command {
        Command::Render(args) => {
            let closing = if args.quiet {
                Closing::WhenReported
            } else {
                Closing::Always
            };
            (args.run(&output), closing)
        }
        Command::Validate(args) => {
            let closing = if args.quiet {
                Closing::WhenReported
            } else {
                Closing::Always
            };
            (args.run(&output), closing)
        }
        Command::Schema => (schema::run(&output), Closing::Never),
        Command::Diff(args) => (args.run(&output), Closing::WhenReported),
        Command::Explain(args) => (args.run(&output), Closing::WhenReported),
        Command::Query(args) => (args.run(&output), Closing::WhenReported),
        Command::Graph(args) => (args.run(&output), Closing::WhenReported),
        Command::Verify(args) => (args.run(&output), Closing::Always),
        Command::ExplainCode(args) => (args.run(&output), Closing::Never),
        Command::Synth(args) => (args.run(&output), Closing::Never),
    };
    output.close(closing);
    exit
}

/// Whether arguments clap refused still asked for JSON, so that a usage error is a JSON object
/// like every other error.
fn asks_for_json(args: &[OsString]) -> bool {
    args.windows(2)
        .any(|pair| pair[0] == "--message-format" && pair[1] == "json")
        || args.iter().any(|arg| arg == "--message-format=json")
}

/// Whether a command ends its output with a [`Summary`]. In JSON, every command that reads a
/// profile or YAML does, so that a tool knows the stream is complete; in human form, the
/// checking commands always do (the count is their verdict), the others only after printing a
/// diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    Never,
    WhenReported,
    Always,
}

/// What a render holds (or would write), for the summary: its files and their objects.
#[derive(Debug, Clone, Copy)]
struct Rendered {
    files: usize,
    objects: usize,
}

impl Rendered {
    fn of<'a>(files: impl IntoIterator<Item = &'a crate::render::File>) -> Self {
        files.into_iter().fold(
            Self {
                files: 0,
                objects: 0,
            },
            |counted, f| Self {
                files: counted.files + 1,
                objects: counted.objects + separators(&f.content),
            },
        )
    }

    /// What a folder's files hold, its `kustomization.yaml` aside.
    fn of_folder<'a>(files: impl IntoIterator<Item = &'a crate::render::File>) -> Self {
        Self::of(files.into_iter().filter(|file| !is_kustomization(file)))
    }
}

/// How many lines of `text` are `---`, as `str::lines` splits them (at `\n`, a `\r` before it
/// dropped). The `---` are found with `memchr`'s substring search and only they are looked at:
/// going through every line cost about 150 instructions a line, 41.9 M of a render's 2,779 M
/// at 1,000 services (callgrind), to count the objects of the summary.
fn separators(text: &str) -> usize {
    let bytes = text.as_bytes();
    memchr::memmem::find_iter(bytes, b"---")
        .filter(|&at| {
            let starts_line = at == 0 || bytes[at - 1] == b'\n';
            let rest = &bytes[at + 3..];
            starts_line && (rest.is_empty() || rest.starts_with(b"\n") || rest.starts_with(b"\r\n"))
        })
        .count()
}

/// Whether `file` is a `kustomization.yaml` (with clusters, `<cluster>/kustomization.yaml`).
fn is_kustomization(file: &crate::render::File) -> bool {
    file.name.rsplit('/').next() == Some(crate::render::KUSTOMIZATION_FILE)
}

/// Where and how diagnostics and errors are printed (stderr), and the summary they add up to.
struct Output {
    style: Style,
    color: ColorChoice,
    summary: RefCell<Summary>,
    reported: Cell<bool>,
}

impl Output {
    fn new(global: &GlobalArgs) -> Self {
        let style = match global.message_format {
            MessageFormat::Json => Style::Json,
            MessageFormat::Human => Style::Human {
                color: match global.color {
                    ColorChoice::Always => true,
                    ColorChoice::Never => false,
                    ColorChoice::Auto => {
                        std::io::stderr().is_terminal()
                            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    }
                },
            },
        };
        Self {
            style,
            color: global.color,
            summary: RefCell::new(Summary::default()),
            reported: Cell::new(false),
        }
    }

    /// Whether results printed to stdout may be coloured (as diagnostics are on stderr).
    fn stdout_color(&self) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    /// Prints diagnostics about `files` and counts them.
    fn diagnostics(&self, files: &Files<'_>, diagnostics: &[Diagnostic]) {
        if diagnostics.is_empty() {
            return;
        }
        self.summary.borrow_mut().count(diagnostics);
        self.reported.set(true);
        write_stderr(&report::render(diagnostics, files, self.style));
    }

    /// Prints a profile's diagnostics, in the order of the file; the exit code they call for.
    fn profile_diagnostics(&self, source: &Source, diagnostics: Diagnostics) -> Exit {
        let sorted = diagnostics.sorted();
        self.diagnostics(&Files::profile(source), &sorted);
        Exit::for_diagnostics(&sorted)
    }

    /// Records that a profile was read.
    fn read_profile(&self, source: &Source) {
        let mut summary = self.summary.borrow_mut();
        match &mut summary.files {
            Checked::Profiles(names) => names.push(source.name().to_string()),
            Checked::Yaml(_) => {}
        }
    }

    /// Records what a render holds (or would write), for the summary.
    fn rendered(&self, rendered: Rendered) {
        let mut summary = self.summary.borrow_mut();
        summary.rendered = Some(rendered.files);
        summary.objects = Some(rendered.objects);
    }

    /// Records what a check of YAML covered: `schemas` says whether objects were checked
    /// against CRDs, `namespace` is where objects that name none were placed.
    fn checked_yaml(&self, report: &istio::Report, schemas: bool, namespace: &str) {
        let mut summary = self.summary.borrow_mut();
        summary.files = Checked::Yaml(report.files);
        summary.objects = Some(report.objects);
        summary.schemas = Some(schemas);
        summary.namespace = Some(namespace.to_string());
        summary.without_namespace = report.defaulted;
        summary.patches = report.patches;
    }

    /// Prints a failure that is not about an input's content.
    fn failure(&self, message: &str) {
        write_stderr(&report::failure(message, self.style));
    }

    /// Prints an error that is not about an input's content (I/O, usage): exit 2.
    fn trouble(&self, message: &str) -> Exit {
        self.failure(message);
        Exit::Trouble
    }

    /// Prints an error and its causes: exit 2.
    fn error(&self, error: &(dyn Error + 'static)) -> Exit {
        self.trouble(&report::chain(error))
    }

    /// Prints meshc's own failure on `profile`: what its check of its own output found, then
    /// an `internal` diagnostic about the profile. Exit 3.
    fn internal(&self, profile: &Source, error: &InternalError) -> Exit {
        if let InternalError::SelfCheckFailed(failed) = error {
            let files = Files::profile(profile).and_yaml(&failed.sources);
            self.diagnostics(&files, &failed.diagnostics);
        }
        let internal = internal_diagnostic(profile, error);
        self.diagnostics(&Files::profile(profile), &[internal]);
        Exit::Internal
    }

    /// Ends the output with the summary, as `closing` asks.
    fn close(&self, closing: Closing) {
        let summary = self.summary.borrow();
        let checked = match &summary.files {
            Checked::Profiles(names) => !names.is_empty(),
            Checked::Yaml(_) => true,
        };
        let print = match (closing, self.style) {
            (Closing::Never, _) => false,
            (_, Style::Json) => true,
            (Closing::Always, Style::Human { .. }) => checked,
            (Closing::WhenReported, Style::Human { .. }) => self.reported.get(),
        };
        if print {
            write_stderr(&summary.render(self.style));
        }
    }
}

impl Exit {
    /// The exit code for a set of diagnostics: `internal` is meshc's own failure (3), any
    /// other error refuses the input (1).
    fn for_diagnostics(diagnostics: &[Diagnostic]) -> Self {
        if diagnostics.iter().any(|d| d.code == Code::Internal) {
            Exit::Internal
        } else if diagnostics.iter().any(|d| d.severity == Severity::Error) {
            Exit::Invalid
        } else {
            Exit::Success
        }
    }
}

/// The `internal` diagnostic for meshc's own failure on `profile`: what failed, with its causes.
fn internal_diagnostic(profile: &Source, error: &InternalError) -> Diagnostic {
    Diagnostic::new(
        Code::Internal,
        Span::File(profile.name().into()),
        report::chain(error),
    )
    .help(
        "this is a bug in meshc, not in the profile: please report the profile to the meshc \
         maintainers (`meshc explain-code internal` says what to send)",
    )
}

fn write_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Writes a command's result to stdout; a failure to write is exit 2.
fn write_stdout(text: &str, output: &Output) -> Exit {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => Exit::Success,
        Err(source) => output.error(&CannotWriteStdout { source }),
    }
}

/// Stdout that cannot be written (a closed pipe, a full disk).
#[derive(Debug)]
struct CannotWriteStdout {
    source: std::io::Error,
}

impl fmt::Display for CannotWriteStdout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot write to stdout")
    }
}

impl Error for CannotWriteStdout {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

/// A profile or folder that cannot be read.
#[derive(Debug)]
struct CannotRead {
    path: PathBuf,
    source: std::io::Error,
}

impl fmt::Display for CannotRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read {}", self.path.display())
    }
}

impl Error for CannotRead {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

/// Reads a profile, and the profiles it extends. I/O problems with the profile named are `Err`
/// (exit 2); text that is not UTF-8, and a base that cannot be read, are profile errors with a
/// location (exit 1), reported through `Ok(Err(..))`.
fn read_profile(path: &Path) -> Result<Result<Source, (Source, Diagnostics)>, CannotRead> {
    let cannot = |source| CannotRead {
        path: path.to_path_buf(),
        source,
    };
    let bytes = read_limited(path, MAX_PROFILE_BYTES).map_err(cannot)?;
    let name = path.to_string_lossy().into_owned();
    let source = match profile::decode(name, bytes) {
        Ok(source) => source,
        Err(invalid) => {
            let (source, diagnostic) = *invalid;
            return Ok(Err((source, diagnostic.into())));
        }
    };
    let (source, diagnostics) = profile::read(source, path, &mut read_base);
    Ok(if diagnostics.is_empty() {
        Ok(source)
    } else {
        Err((source, diagnostics))
    })
}

/// A base's bytes, as [`read_limited`] reads them, if it is a regular file: a profile names its
/// base, so a hostile one could name a FIFO or a terminal, which would never end.
fn read_base(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    read_limited(path, limit)
}

/// A file's bytes, up to one byte past `limit`: enough to know it is too large. The buffer is
/// sized from the file's length: a `Take` gives `read_to_end` no size, and grown by doubling
/// the 9.7 MB profile of 10,000 services took 16.8 MB, kept as the profile's text to the end.
fn read_limited(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let limit = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let length = file
        .metadata()
        .map_or(0, |metadata| metadata.len())
        .min(limit);
    let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    file.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads and reports; `Err` holds the exit code when the profile could not be read.
/// A profile loaded and compiled, its warnings printed; `Err` holds the exit code of a failure,
/// reported already.
fn load_compiled(path: &Path, output: &Output) -> Result<(Source, Compiled), Exit> {
    let source = load(path, output)?;
    match compile(&source) {
        Ok(mut compiled) => {
            output.profile_diagnostics(&source, std::mem::take(&mut compiled.warnings));
            Ok((source, compiled))
        }
        Err(failure) => Err(failed(&source, failure, output)),
    }
}

/// [`load_compiled`] without the plan ([`compile_written`]), for a command that only writes
/// the files; with `beside`, a one-folder profile's files are handed to it as soon as they are
/// rendered ([`compile_written_beside`]).
fn load_written(path: &Path, output: &Output, beside: Option<Beside<'_>>) -> Result<Handed, Exit> {
    let source = load(path, output)?;
    let compiled = match beside {
        Some(beside) => compile_written_beside(&source, beside),
        None => compile_written(&source).map(Handed::Written),
    };
    match compiled {
        Ok(mut handed) => {
            output.profile_diagnostics(&source, handed.take_warnings());
            Ok(handed)
        }
        Err(failure) => Err(failed(&source, failure, output)),
    }
}

/// [`load_compiled`], with the profile and the simulated mesh of its render ([`Simulated`]).
fn load_simulated(path: &Path, output: &Output) -> Result<(Source, Simulated), Exit> {
    load_with(path, output, compile_simulated)
}

/// [`load_simulated`] without the proofs ([`compile_unproved`]), for `graph`.
fn load_unproved(path: &Path, output: &Output) -> Result<(Source, Simulated), Exit> {
    load_with(path, output, compile_unproved)
}

fn load_with(
    path: &Path,
    output: &Output,
    compile: fn(&Source) -> Result<Simulated, Failure>,
) -> Result<(Source, Simulated), Exit> {
    let source = load(path, output)?;
    match compile(&source) {
        Ok(mut simulated) => {
            let warnings = std::mem::take(&mut simulated.compiled.warnings);
            output.profile_diagnostics(&source, warnings);
            Ok((source, simulated))
        }
        Err(failure) => Err(failed(&source, failure, output)),
    }
}

/// Reports why a profile did not compile.
fn failed(source: &Source, failure: Failure, output: &Output) -> Exit {
    match failure {
        Failure::Invalid(diagnostics) => output.profile_diagnostics(source, diagnostics),
        Failure::Internal(error) => output.internal(source, &error),
    }
}

fn load(path: &Path, output: &Output) -> Result<Source, Exit> {
    // Every command that loads a profile compiles it: what the compile builds once per
    // process is built while the profile is read.
    crate::pipeline::prepare();
    match read_profile(path) {
        Ok(Ok(source)) => {
            output.read_profile(&source);
            Ok(source)
        }
        Ok(Err((source, diagnostics))) => {
            output.read_profile(&source);
            Err(output.profile_diagnostics(&source, diagnostics))
        }
        Err(error) => Err(output.error(&error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selfcheck::SelfCheckFailed;

    #[test]
    fn internal_is_exit_3_and_any_other_error_exit_1() {
        let at = Span::File("p.toml".into());
        let warning = Diagnostic::new(Code::UnusedOptIn, 0..1, "w");
        let error = Diagnostic::new(Code::UnknownKey, 0..1, "e");
        let internal = Diagnostic::new(Code::Internal, at, "i");
        assert_eq!(Exit::for_diagnostics(&[]), Exit::Success);
        assert_eq!(
            Exit::for_diagnostics(std::slice::from_ref(&warning)),
            Exit::Success
        );
        assert_eq!(
            Exit::for_diagnostics(&[warning, error.clone()]),
            Exit::Invalid
        );
        assert_eq!(Exit::for_diagnostics(&[error, internal]), Exit::Internal);
    }

    /// The search counts the lines `str::lines` gives as `---`, whatever is around them: a
    /// marker first or last, after `\r\n`, longer runs of dashes, dashes within a line.
    #[test]
    fn separators_are_the_lines_that_are_three_dashes() {
        let by_lines = |text: &str| text.lines().filter(|l| *l == "---").count();
        let pieces = [
            "---", "\n", "\r\n", "\r", "-", "--", "----", "a", "a-b", " ---",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            texts = texts
                .iter()
                .flat_map(|text| pieces.iter().map(move |piece| format!("{text}{piece}")))
                .collect();
            for text in &texts {
                assert_eq!(separators(text), by_lines(text), "{text:?}");
            }
        }
        assert_eq!(separators("---\na: 1\n---\r\nb: 2\n---"), 3);
    }

    #[test]
    fn a_file_is_read_into_a_buffer_of_its_length() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        let text = "# a comment line of a profile\n".repeat(5_000);
        std::fs::write(&path, &text).unwrap();
        let bytes = read_limited(&path, text.len()).unwrap();
        assert_eq!(bytes, text.as_bytes());
        assert_eq!(bytes.capacity(), text.len(), "no room left from doubling");
        let over = read_limited(&path, 10).unwrap();
        assert_eq!(over, &text.as_bytes()[..11], "one byte past the limit");
    }

    #[test]
    fn meshc_s_own_failure_names_the_profile_and_its_cause() {
        let profile = Source::new("profiles/prod.toml", "[mesh]\n");
        let failed = SelfCheckFailed {
            diagnostics: vec![Diagnostic::new(Code::Schema, 0..1, "x")],
            sources: Vec::new(),
        };
        let internal = internal_diagnostic(&profile, &InternalError::SelfCheckFailed(failed));
        assert_eq!(internal.code, Code::Internal);
        assert_eq!(
            internal.primary.span,
            Span::File("profiles/prod.toml".into())
        );
        assert_eq!(
            internal.message,
            "meshc failed on its own output, so nothing was written: the rendered files fail \
             meshc's own check (1 error)"
        );
        assert!(
            internal
                .help
                .is_some_and(|h| h.contains("explain-code internal"))
        );
    }

    #[test]
    fn a_profile_that_cannot_be_read_keeps_its_cause() {
        let error = read_profile(Path::new("/no/such/profile.toml")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("cannot read /no/such/profile.toml")
        );
        let cause = error
            .source()
            .and_then(|e| e.downcast_ref::<std::io::Error>());
        assert_eq!(
            cause.map(std::io::Error::kind),
            Some(std::io::ErrorKind::NotFound)
        );
    }
}
