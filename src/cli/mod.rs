//! The command line: arguments, reading the profile, printing diagnostics, exit codes.
//!
//! This is the only module that prints. Library stages return data; each subcommand turns it
//! into output here and into one of the [`Exit`] codes.

mod diff;
mod explain;
mod query;
mod render;
mod schema;
mod synth;
mod validate;
mod verify;

use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostic::Diagnostics;
use crate::diagnostic::report::{self, Style};
use crate::limits::MAX_PROFILE_BYTES;
use crate::source::Source;

/// Compile one TOML mesh profile into Istio manifests.
#[derive(Debug, Parser)]
#[command(name = "meshc", version, about, long_about = None)]
pub struct Cli {
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
    /// Check Istio YAML (meshc's output or hand-written): CRD schemas and CEL rules with
    /// --crds, and rules across resources.
    Verify(verify::VerifyArgs),
    /// Print a synthetic profile of a given size, for benchmarks.
    #[command(hide = true)]
    Synth(synth::SynthArgs),
}

/// meshc's exit codes (documented in the README).
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
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                Exit::Trouble
            } else {
                Exit::Success
            };
        }
    };
    let output = Output::new(&cli.global);
    match cli.command {
        Command::Render(args) => args.run(&output),
        Command::Validate(args) => args.run(&output),
        Command::Schema => schema::run(),
        Command::Diff(args) => args.run(&output),
        Command::Explain(args) => args.run(&output),
        Command::Query(args) => args.run(&output),
        Command::Verify(args) => args.run(&output),
        Command::Synth(args) => args.run(),
    }
}

/// Where and how diagnostics and errors are printed.
struct Output {
    style: Style,
    color: ColorChoice,
    format: MessageFormat,
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
            format: global.message_format,
            color: global.color,
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

    /// Prints diagnostics, and in human form a closing count.
    fn diagnostics(&self, source: &Source, diagnostics: Diagnostics) {
        let sorted = diagnostics.sorted();
        let mut text = report::render(source, &sorted, self.style);
        if matches!(self.style, Style::Human { .. })
            && let Some(summary) = report::summary(&sorted)
        {
            text.push_str(&summary);
            text.push('\n');
        }
        let _ = std::io::stderr().write_all(text.as_bytes());
    }

    /// Prints an error that is not about the profile's content (I/O, usage).
    fn trouble(&self, message: &str) -> Exit {
        self.message("error", message);
        Exit::Trouble
    }

    /// Prints findings of meshc's own checks: a bug in meshc.
    fn internal(&self, findings: &[String]) -> Exit {
        for finding in findings {
            self.message("internal error", finding);
        }
        self.message(
            "internal error",
            "meshc's check of its own output failed, so nothing was written; please report this \
             profile to the meshc maintainers",
        );
        Exit::Internal
    }

    fn message(&self, level: &str, message: &str) {
        let line = match self.style {
            Style::Json => serde_json::json!({ "severity": level, "message": message }).to_string(),
            Style::Human { .. } => format!("{level}: {message}"),
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// Reads a profile. I/O problems are `Err` (exit 2); text that is not UTF-8 is a profile
/// error with a location (exit 1), reported through `Ok(Err(..))`.
fn read_profile(path: &Path) -> Result<Result<Source, (Source, Diagnostics)>, String> {
    let name = path.to_string_lossy().into_owned();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let mut bytes = Vec::new();
    // One byte past the limit is enough to know the profile is too large.
    let limit = u64::try_from(MAX_PROFILE_BYTES).unwrap_or(u64::MAX) + 1;
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    Ok(Source::from_bytes(name, bytes).map_err(|invalid| {
        let (source, diagnostic) = *invalid;
        (source, diagnostic.into())
    }))
}

/// Reads and reports; `Err` holds the exit code when the profile could not be read.
fn load(path: &Path, output: &Output) -> Result<Source, Exit> {
    match read_profile(path) {
        Ok(Ok(source)) => Ok(source),
        Ok(Err((source, diagnostics))) => {
            output.diagnostics(&source, diagnostics);
            Err(Exit::Invalid)
        }
        Err(message) => Err(output.trouble(&message)),
    }
}
