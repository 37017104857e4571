//! Stage 4: the plan to YAML text, one template per output file.
//!
//! Templates come from `templates/`, compiled into the binary. Every value they print passes
//! through [`yaml::write_value`]; the `safe` filter is removed, so no profile string can reach
//! the output unescaped. Undefined values are errors, so a template cannot silently print
//! nothing for a field the plan lacks.

mod context;
mod indent;
mod yaml;

use std::ops::Range;
use std::sync::{Mutex, OnceLock, PoisonError};

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use crate::plan::Plan;
use crate::plan::cluster::ClusterPlan;
use context::{Items, List, Part, Work};

pub(crate) use yaml::{comment_line, to_block as to_block_yaml};

/// The file of the IstioOperator, which `istioctl install -f` takes and the API server does not.
pub(crate) const OPERATOR_FILE: &str = "istio-service-mesh-config.yaml";

/// One rendered output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// File name, such as `virtual-services.yaml`; in a render of several clusters, its path
    /// in the output folder, such as `east/virtual-services.yaml`.
    pub name: String,
    /// YAML text: a header comment, then documents each starting with `---`.
    pub content: String,
}

/// An output file: its name, its template, and whether a plan gives it any document.
struct Output {
    name: &'static str,
    template: &'static str,
    source: &'static str,
    has_documents: fn(&Plan) -> bool,
    /// The parts of the plan its template reads.
    reads: &'static [Part],
    /// The lists it prints one document per item of, in turn, and nothing else: the file
    /// renders in runs of those documents. None: it renders whole.
    lists: &'static [List],
}

/// The seven files, in the order `istioctl install` and `kubectl apply` want them.
const OUTPUTS: &[Output] = &[
    Output {
        name: OPERATOR_FILE,
        template: "istio-service-mesh-config.yaml.j2",
        source: include_str!("../../templates/istio-service-mesh-config.yaml.j2"),
        has_documents: |_| true,
        reads: &[Part::Operator],
        lists: &[],
    },
    NAMESPACES,
    Output {
        name: "virtual-services.yaml",
        template: "virtual-services.yaml.j2",
        source: include_str!("../../templates/virtual-services.yaml.j2"),
        has_documents: |plan| !plan.virtual_services.is_empty(),
        reads: &[Part::Api, Part::VirtualServices],
        lists: &[List::VirtualServices],
    },
    Output {
        name: "destination-rules.yaml",
        template: "destination-rules.yaml.j2",
        source: include_str!("../../templates/destination-rules.yaml.j2"),
        has_documents: |plan| !plan.destination_rules.is_empty(),
        reads: &[Part::Api, Part::DestinationRules],
        lists: &[List::DestinationRules],
    },
    Output {
        name: "security-policies.yaml",
        template: "security-policies.yaml.j2",
        source: include_str!("../../templates/security-policies.yaml.j2"),
        has_documents: |_| true,
        reads: &[Part::Api, Part::Security, Part::Sidecars],
        lists: &[
            List::PeerAuthentications,
            List::RequestAuthentications,
            List::AuthorizationPolicies,
            List::ServiceEntries,
            List::Sidecars,
        ],
    },
    Output {
        name: "gateway.yaml",
        template: "gateway.yaml.j2",
        source: include_str!("../../templates/gateway.yaml.j2"),
        has_documents: |plan| !plan.gateway.gateways.is_empty(),
        reads: &[Part::Api, Part::Gateway],
        lists: &[
            List::Gateways,
            List::GatewayVirtualServices,
            List::RateLimits,
        ],
    },
    Output {
        name: "telemetry-config.yaml",
        template: "telemetry-config.yaml.j2",
        source: include_str!("../../templates/telemetry-config.yaml.j2"),
        has_documents: |plan| !plan.telemetry.is_empty(),
        reads: &[Part::Api, Part::Telemetry],
        lists: &[List::Telemetry],
    },
];

/// The workload namespaces. They come first in the Kustomization, as Kustomize orders it anyway,
/// so that `kubectl apply -f` of the files in order creates the namespaces before what lives
/// in it; a file of its own keeps it out of reach of the Istio files' diffs, and lets a
/// remote cluster, which needs the namespaces but none of the Istio resources, take them alone.
const NAMESPACES: Output = Output {
    name: "namespaces.yaml",
    template: "namespaces.yaml.j2",
    source: include_str!("../../templates/namespaces.yaml.j2"),
    has_documents: |plan| !plan.namespaces.is_empty(),
    reads: &[Part::Namespaces],
    lists: &[List::Namespaces],
};

/// Templates shared by several files.
const LIBRARIES: &[(&str, &str)] = &[("macros.j2", include_str!("../../templates/macros.j2"))];

/// istiod exposed to remote clusters, in the folder of their primary.
const ISTIOD_GATEWAY: Output = Output {
    name: "istiod-gateway.yaml",
    template: "istiod-gateway.yaml.j2",
    source: include_str!("../../templates/istiod-gateway.yaml.j2"),
    has_documents: |_| true,
    reads: &[Part::Api],
    lists: &[],
};

/// The folder's Kustomize base, written beside the rendered files.
const KUSTOMIZATION: Output = Output {
    name: KUSTOMIZATION_FILE,
    template: "kustomization.yaml.j2",
    source: include_str!("../../templates/kustomization.yaml.j2"),
    has_documents: |_| true,
    reads: &[],
    lists: &[],
};

/// The name Kustomize looks for.
pub(crate) const KUSTOMIZATION_FILE: &str = "kustomization.yaml";

/// The names of every file meshc can write, in output order.
pub(crate) fn file_names() -> impl Iterator<Item = &'static str> {
    OUTPUTS.iter().chain([&ISTIOD_GATEWAY]).map(|o| o.name)
}

/// A failure inside a template: always a bug in meshc, never the profile's fault. It keeps
/// minijinja's error, with its template, line and detail, as its cause.
#[derive(Debug)]
pub enum RenderError {
    /// The templates do not compile.
    Templates(&'static minijinja::Error),
    /// A template failed on the plan.
    Template {
        /// The template.
        template: &'static str,
        /// minijinja's error.
        source: minijinja::Error,
    },
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Templates(_) => f.write_str("meshc's templates do not compile"),
            Self::Template { template, .. } => write!(f, "template {template} failed"),
        }
    }
}

impl std::error::Error for RenderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Templates(source) => Some(*source),
            Self::Template { source, .. } => Some(source),
        }
    }
}

/// Renders the files that have documents, each opening with `header` as comment lines.
///
/// A file of lists renders in runs of at most `RUN` of its documents, each run with a template
/// context of its own (`context::of_items`) built just before it renders and dropped right
/// after: built for whole files, the trees minijinja reads the plan through made the render
/// stage the process's peak at 10,000 services (benches/README.md), and the runs keep one
/// small tree per thread alive at once.
/// A large plan renders its runs on every core, each thread taking the next run not yet
/// taken, so that no file is left running alone on one core; a small plan renders on two,
/// this thread and one more: prod's render (9.5 M instructions) ran alone on the first
/// thread while the second core, done with [`prepare`], waited for the self-check.
pub fn render(plan: &Plan, header: &str) -> Result<Vec<File>, RenderError> {
    render_in_runs(plan, header, RUN, workers(plan))
}

/// [`render`] of a plan that is not kept: each run of documents takes its items out of the
/// plan and drops them once rendered, so that the plan shrinks as the text grows. Rendered
/// from a borrowed plan, the whole plan (about 150 MB at 10,000 services) and the whole text
/// (62 MB) were alive together at the end of the render stage (benches/README.md).
pub(crate) fn render_taking(plan: Plan, header: &str) -> Result<Vec<File>, RenderError> {
    let workers = workers(&plan);
    take_in_runs(plan, header, RUN, workers)
}

/// How many threads render `plan`.
fn workers(plan: &Plan) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if plan.virtual_services.len() < PARALLEL_FROM {
        cores.min(SMALL_WORKERS)
    } else {
        cores
    }
}

/// A run of a file's documents, or a whole file: the file's place among the files rendered,
/// its output, and its documents (`None`: the whole file).
type Run = (usize, &'static Output, Option<Range<usize>>);

/// A piece of a file to render.
struct Piece<'a> {
    /// The file's place among the files rendered.
    file: usize,
    /// Its place among the file's pieces.
    order: usize,
    output: &'static Output,
    /// What it renders, which the thread that renders it takes; `None`: the whole file.
    work: Option<Mutex<Work<'a>>>,
}

/// How many HTTP routes of one VirtualService render together for each document of a run:
/// a route of the gateway's VirtualService prints about a quarter of the text of one of the
/// mesh's VirtualServices (780 against 3,300 bytes at 1,000 services).
const ROUTES_PER_DOCUMENT: usize = 4;

/// The pieces of runs of at most `run` documents, in order, each run given its items (`None`:
/// a whole file).
fn pieces<'a>(
    runs: impl IntoIterator<Item = (usize, &'static Output, Option<Vec<Items<'a>>>)>,
    run: usize,
) -> Vec<Piece<'a>> {
    let mut pieces: Vec<Piece<'a>> = Vec::new();
    // How many pieces each file has so far.
    let mut counts: Vec<usize> = Vec::new();
    for (file, output, items) in runs {
        let works: Vec<Option<Work<'a>>> = match items {
            Some(items) => context::works(items, run * ROUTES_PER_DOCUMENT)
                .into_iter()
                .map(Some)
                .collect(),
            None => vec![None],
        };
        if counts.len() <= file {
            counts.resize(file + 1, 0);
        }
        for work in works {
            let order = counts[file];
            counts[file] += 1;
            pieces.push(Piece {
                file,
                order,
                output,
                work: work.map(Mutex::new),
            });
        }
    }
    pieces
}

/// The files `plan` has documents for, and their runs of at most `run` documents, in order.
fn layout(plan: &Plan, run: usize) -> (Vec<&'static Output>, Vec<Run>) {
    let outputs: Vec<&'static Output> = OUTPUTS
        .iter()
        .filter(|output| (output.has_documents)(plan))
        .collect();
    let runs = outputs
        .iter()
        .enumerate()
        .flat_map(|(file, &output)| {
            runs(plan, output, run)
                .into_iter()
                .map(move |documents| (file, output, documents))
        })
        .collect();
    (outputs, runs)
}

/// [`render`] in runs of at most `run` documents, on up to `workers` threads.
fn render_in_runs(
    plan: &Plan,
    header: &str,
    run: usize,
    workers: usize,
) -> Result<Vec<File>, RenderError> {
    let (outputs, runs) = layout(plan, run);
    let pieces = pieces(
        runs.into_iter().map(|(file, output, documents)| {
            let items =
                documents.map(|documents| context::run_items(plan, output.lists, documents));
            (file, output, items)
        }),
        run,
    );
    render_pieces(plan, header, &outputs, &pieces, workers)
}

/// [`render_taking`] in runs of at most `run` documents, on up to `workers` threads.
fn take_in_runs(
    mut plan: Plan,
    header: &str,
    run: usize,
    workers: usize,
) -> Result<Vec<File>, RenderError> {
    let (outputs, runs) = layout(&plan, run);
    let mut taken = Vec::with_capacity(runs.len());
    for (file, output) in outputs.iter().enumerate() {
        let documents: Vec<Range<usize>> = runs
            .iter()
            .filter(|(of, _, _)| *of == file)
            .filter_map(|(_, _, documents)| documents.clone())
            .collect();
        taken.extend(context::take_runs(&mut plan, output.lists, &documents));
    }
    let mut taken = taken.into_iter();
    let pieces = pieces(
        runs.into_iter().map(|(file, output, documents)| {
            let items = documents.and_then(|_| taken.next());
            (file, output, items)
        }),
        run,
    );
    render_pieces(&plan, header, &outputs, &pieces, workers)
}

/// Renders `pieces` on up to `workers` threads, each piece's items dropped once it is
/// rendered, and puts each file's pieces end to end under `header` as they come.
fn render_pieces(
    plan: &Plan,
    header: &str,
    outputs: &[&Output],
    pieces: &[Piece<'_>],
    workers: usize,
) -> Result<Vec<File>, RenderError> {
    let environment = environment()?;
    let header = header_comment(header);
    let texts: Vec<Mutex<Text>> = (0..outputs.len())
        .map(|file| {
            let weights = pieces.iter().filter(|piece| piece.file == file).map(weight);
            Mutex::new(Text::new(&header, weights.collect()))
        })
        .collect();
    crate::pool::largest_first(pieces, weight, workers, |piece| {
        let mut text = String::new();
        let context = match &piece.work {
            Some(work) => {
                let work = std::mem::replace(
                    &mut *work.lock().unwrap_or_else(PoisonError::into_inner),
                    Work::Documents(Vec::new()),
                );
                work.context(plan, piece.output.reads, piece.output.lists)
            }
            None => context::of(plan, piece.output.reads),
        };
        render_text(environment, piece.output, &context, &mut text)?;
        texts[piece.file]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .add(piece.order, text);
        Ok(())
    })
    .into_iter()
    .collect::<Result<(), RenderError>>()?;
    Ok(outputs
        .iter()
        .zip(texts)
        .map(|(output, text)| File {
            name: output.name.to_string(),
            content: text
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .content,
        })
        .collect())
}

/// A file's text, its pieces put in it in order as they are rendered, each let go once in: put
/// end to end once all were rendered, the pieces (62 MB at 10,000 services) and the files'
/// fresh pages were alive together, the render stage's highest RSS (benches/README.md).
struct Text {
    content: String,
    /// The weight of each piece ([`weight`]).
    weights: Vec<usize>,
    /// The pieces rendered before one ahead of them, each until its turn.
    waiting: Vec<Option<String>>,
    /// How many pieces are in.
    next: usize,
    /// The bytes and the weight of the pieces rendered so far.
    rendered: (usize, usize),
}

impl Text {
    fn new(header: &str, weights: Vec<usize>) -> Self {
        Self {
            content: header.to_string(),
            waiting: weights.iter().map(|_| None).collect(),
            weights,
            next: 0,
            rendered: (0, 0),
        }
    }

    /// Takes the piece `order`, and puts in every piece whose turn has come.
    fn add(&mut self, order: usize, text: String) {
        self.rendered.0 += text.len();
        self.rendered.1 += self.weights[order];
        self.waiting[order] = Some(text);
        while let Some(text) = self.waiting.get_mut(self.next).and_then(Option::take) {
            if self.next == 0 {
                self.content.reserve(self.estimate());
            }
            self.content.push_str(&text);
            self.next += 1;
        }
    }

    /// The file's length, from the bytes per weight of the pieces rendered so far, with a
    /// margin: a `String` grown by doubling copies what it holds into fresh pages, and room
    /// never written to takes no memory.
    fn estimate(&self) -> usize {
        let (bytes, weight) = self.rendered;
        let whole = bytes * self.weights.iter().sum::<usize>() / weight.max(1);
        whole + whole / ESTIMATE_MARGIN
    }
}

/// The part of its estimate a file's text is given more room by: the pieces of a file differ
/// in bytes per weight by less than that in the synthetic profiles and prod.
const ESTIMATE_MARGIN: usize = 4;

/// How much text a piece renders to, about ([`Work::weight`]); a whole file, which has no
/// lists (the IstioOperator's), little. Taken largest first, no piece is rendered alone at the
/// end of the stage: the gateway's VirtualService, before it rendered in runs of its routes,
/// was 4.7 MB of YAML on one core at 10,000 services while the other waited.
fn weight(piece: &Piece<'_>) -> usize {
    piece.work.as_ref().map_or(1, |work| {
        work.lock().unwrap_or_else(PoisonError::into_inner).weight()
    })
}

/// The runs of documents `output` renders in, at most `size` each: its lists' items counted
/// as one list; `None`, the whole file, for a file of no lists.
fn runs(plan: &Plan, output: &Output, size: usize) -> Vec<Option<Range<usize>>> {
    if output.lists.is_empty() {
        return vec![None];
    }
    let documents = output.lists.iter().map(|list| list.len(plan)).sum();
    context::split(documents, size)
        .into_iter()
        .map(Some)
        .collect()
}

/// Renders the files of one cluster of a profile with `[clusters]`: a remote's IstioOperator
/// and workload namespace alone (its mesh configuration lives in its primary), a primary's
/// files and, when it has
/// remotes, istiod's Gateway on its east-west gateway.
pub(crate) fn render_cluster(
    plan: &Plan,
    cluster: &ClusterPlan,
    header: &str,
) -> Result<Vec<File>, RenderError> {
    let environment = environment()?;
    let cluster_context =
        minijinja::context! { cluster => Value::from(minijinja::value::Serde(cluster)) };
    let header = header_comment(header);
    let outputs: Vec<&Output> = if cluster.remote.is_some() {
        // A remote's injector (its primary's istiod) also selects pods by namespace label.
        OUTPUTS
            .iter()
            .filter(|o| o.name == OPERATOR_FILE || o.name == NAMESPACES.name)
            .filter(|output| (output.has_documents)(plan))
            .collect()
    } else {
        OUTPUTS
            .iter()
            .filter(|output| (output.has_documents)(plan))
            .chain(cluster.istiod_exposure.as_ref().map(|_| &ISTIOD_GATEWAY))
            .collect()
    };
    outputs
        .into_iter()
        .map(|output| {
            let context = minijinja::value::merge_maps([
                cluster_context.clone(),
                context::of(plan, output.reads),
            ]);
            render_file(environment, output, &context, &header)
        })
        .collect()
}

/// The `kustomization.yaml` of `files`: every file but the IstioOperator's, in output order,
/// under the same header as the files, so that the folder stays meshc's own.
pub fn kustomization(files: &[File], header: &str) -> Result<File, RenderError> {
    let resources: Vec<String> = files
        .iter()
        .filter(|file| file.name != OPERATOR_FILE)
        .map(|file| file.name.clone())
        .collect();
    let context = minijinja::context! { resources => resources };
    render_file(
        environment()?,
        &KUSTOMIZATION,
        &context,
        &header_comment(header),
    )
}

/// The number of VirtualServices from which the files render on every core.
const PARALLEL_FROM: usize = 50;

/// How many threads render a plan below [`PARALLEL_FROM`].
const SMALL_WORKERS: usize = 2;

/// The most documents a template context is built for at once: at 10,000 services, runs of 32
/// or of 128 keep the render stage under the process's other peaks alike, and each run
/// compiles the file's imports again; prod's largest file (33 documents) takes two
/// (benches/README.md).
const RUN: usize = 32;

fn render_file(
    environment: &Environment<'static>,
    output: &Output,
    context: &Value,
    header: &str,
) -> Result<File, RenderError> {
    let mut content = header.to_string();
    render_text(environment, output, context, &mut content)?;
    Ok(File {
        name: output.name.to_string(),
        content,
    })
}

/// Appends `output`'s template rendered on `context`, tidied, to `text`.
fn render_text(
    environment: &Environment<'static>,
    output: &Output,
    context: &Value,
    text: &mut String,
) -> Result<(), RenderError> {
    let failed = |source| RenderError::Template {
        template: output.template,
        source,
    };
    let body = environment
        .get_template(output.template)
        .and_then(|template| template.render(context))
        .map_err(failed)?;
    text.reserve(body.len());
    tidy(&body, text);
    Ok(())
}

/// `header` as YAML comment lines, each ending in a line break.
pub(crate) fn header_comment(header: &str) -> String {
    header
        .lines()
        .map(|line| format!("# {}\n", comment_line(line)))
        .collect()
}

/// Appends `body` to `text` without the blank lines and trailing spaces that template control
/// flow leaves behind, so the layout does not depend on how a template is indented. meshc's YAML
/// never needs a blank line: multi-line values are always quoted, with their line breaks
/// escaped.
///
/// Each line is what `str::lines` gives, trimmed with `str::trim_end`. Most lines need
/// neither, so runs of them are copied whole, and only the pair of bytes at each line break is
/// looked at, in blocks the compiler vectorises: line by line, this was a twentieth of the
/// render stage, and a search for each line break with `memchr` still was (callgrind at 1,000
/// services: 26 M of the stage's 700 M, about 95 instructions a line).
fn tidy(body: &str, text: &mut String) {
    let bytes = body.as_bytes();
    let mut kept = 0;
    while let Some(end) = next_untidy(bytes, kept) {
        let start = memchr::memrchr(b'\n', &bytes[kept..end]).map_or(kept, |at| kept + at + 1);
        push_trimmed(text, &body[kept..start], &body[start..end]);
        kept = end + 1;
    }
    // The last line, which has no line break after it; empty when the body ends with one.
    let start = memchr::memrchr(b'\n', &bytes[kept..]).map_or(kept, |at| kept + at + 1);
    push_trimmed(text, &body[kept..start], &body[start..]);
}

/// How many line breaks [`next_untidy`] looks at together: a block is tested without a branch
/// per byte, and only a block that holds an untidy line break is searched byte by byte.
const TIDY_BLOCK: usize = 32;

/// The first line break at or after `from`, the start of a line, that ends a line `trim_end`
/// shortens or a blank one.
fn next_untidy(bytes: &[u8], from: usize) -> Option<usize> {
    if bytes.get(from) == Some(&b'\n') {
        return Some(from);
    }
    // Each line break from `from + 1` on, with the byte before it.
    let before = bytes.get(from..bytes.len().checked_sub(1)?)?;
    let after = bytes.get(from + 1..)?;
    let mut blocks = before
        .chunks_exact(TIDY_BLOCK)
        .zip(after.chunks_exact(TIDY_BLOCK));
    let mut at = from + 1;
    for (before, after) in &mut blocks {
        let untidy = before
            .iter()
            .zip(after)
            .fold(false, |found, (&last, &byte)| found | untidy(last, byte));
        if untidy {
            break;
        }
        at += TIDY_BLOCK;
    }
    let rest = at - from - 1;
    before[rest..]
        .iter()
        .zip(&after[rest..])
        .position(|(&last, &byte)| untidy(last, byte))
        .map(|offset| at + offset)
}

/// Whether `byte` is a line break that ends a blank line or one `trim_end` shortens, `last`
/// being the byte before it. A line ending in any other ASCII byte keeps its length: every
/// other whitespace `trim_end` knows is outside ASCII.
///
/// `|` and `&`, not `||` and `&&`: no branch, so that a block's test is vectorised.
#[allow(clippy::needless_bitwise_bool)]
fn untidy(last: u8, byte: u8) -> bool {
    // `\n` (a blank line), vertical tab, form feed and `\r` are 0x0A to 0x0D.
    let trims =
        (last == b' ') | (last == b'\t') | (last.wrapping_sub(b'\n') < 4) | !last.is_ascii();
    (byte == b'\n') & trims
}

/// Appends the clean lines `kept`, then `line` trimmed, with a line break, unless it is blank.
fn push_trimmed(text: &mut String, kept: &str, line: &str) {
    text.push_str(kept);
    let trimmed = line.trim_end();
    if !trimmed.is_empty() {
        text.push_str(trimmed);
        text.push('\n');
    }
}

/// Compiles the templates now, if no render has yet: [`crate::pipeline`] has it done on a
/// second core while the profile is read.
pub(crate) fn prepare() {
    let _ = environment();
}

fn environment() -> Result<&'static Environment<'static>, RenderError> {
    static ENVIRONMENT: OnceLock<Result<Environment<'static>, minijinja::Error>> = OnceLock::new();
    ENVIRONMENT
        .get_or_init(build_environment)
        .as_ref()
        .map_err(RenderError::Templates)
}

fn build_environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut environment = Environment::new();
    environment.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()?,
    );
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    // Any escaping mode marks macro output as already formatted; the formatter does the rest.
    environment.set_auto_escape_callback(|_| AutoEscape::Custom("yaml".into()));
    environment.set_formatter(|out, _state, value| {
        if value.is_safe() {
            // Only macro output is safe here (the `safe` filter is removed below).
            out.write_str(value.as_str().unwrap_or_default())
                .map_err(|_| {
                    minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed")
                })
        } else {
            yaml::write_value(out, value)
        }
    });
    environment.remove_filter("safe");
    environment.add_filter("indent", indent::indent);
    environment.add_filter("comment", |text: &str| {
        Value::from_safe_string(comment_line(text))
    });
    for (name, source) in LIBRARIES {
        environment.add_template(name, source)?;
    }
    for output in OUTPUTS.iter().chain([&ISTIOD_GATEWAY, &KUSTOMIZATION]) {
        environment.add_template(output.template, output.source)?;
    }
    Ok(environment)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;
    use crate::synth::{self, Shape};

    #[test]
    fn the_kustomization_lists_every_file_but_the_operator_in_order() {
        let file = |name: &str| File {
            name: name.to_string(),
            content: String::new(),
        };
        let files = [
            file(OPERATOR_FILE),
            file("virtual-services.yaml"),
            file("security-policies.yaml"),
        ];
        let kustomization = kustomization(&files, "Generated by meshc from p.toml.").unwrap();
        let content = &kustomization.content;
        assert_eq!(kustomization.name, KUSTOMIZATION_FILE);
        assert!(
            content.starts_with("# Generated by meshc from p.toml.\n"),
            "{content}"
        );
        assert!(
            content.ends_with("resources:\n- virtual-services.yaml\n- security-policies.yaml\n"),
            "{content}"
        );
        assert!(
            !content.contains(&format!("- {OPERATOR_FILE}")),
            "{content}"
        );
    }

    /// `tidy` as it is specified: every line trimmed, the empty ones dropped.
    fn tidy_by_lines(body: &str) -> String {
        body.lines()
            .map(str::trim_end)
            .filter(|line| !line.is_empty())
            .map(|line| format!("{line}\n"))
            .collect()
    }

    fn tidied(body: &str) -> String {
        let mut text = String::from("# header\n");
        tidy(body, &mut text);
        text
    }

    #[test]
    fn tidy_drops_blank_lines_and_trailing_whitespace_only() {
        for (body, expected) in [
            ("", ""),
            ("\n\n", ""),
            ("a\nb\n", "a\nb\n"),
            ("a\nb", "a\nb\n"),
            ("a  \n\n  \nb\t\n", "a\nb\n"),
            ("a\r\nb\r\n", "a\nb\n"),
            ("  indented\n", "  indented\n"),
            ("x\u{a0}\u{2028}\ny\u{b}\u{c}\nz\u{e9}\n", "x\ny\nz\u{e9}\n"),
            ("last line  ", "last line\n"),
        ] {
            assert_eq!(tidied(body), format!("# header\n{expected}"), "{body:?}");
            assert_eq!(
                tidied(body),
                format!("# header\n{}", tidy_by_lines(body)),
                "{body:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn tidy_is_trim_end_of_every_line_without_the_empty_ones(
            body in "([a-c: \t\r\n\u{b}\u{c}\u{85}\u{a0}\u{e9}\u{2028}\u{3000}]{0,12}\n?){0,8}"
        ) {
            proptest::prop_assert_eq!(tidied(&body), format!("# header\n{}", tidy_by_lines(&body)));
        }

        /// Lines longer than a block, so that untidy line breaks fall at every place in one.
        #[test]
        fn tidy_finds_untidy_lines_at_every_place_in_a_block(
            body in "([a-c:]{0,70}[ \t\r\u{b}\u{c}\u{e9}\u{3000}]?\n?){0,12}"
        ) {
            proptest::prop_assert_eq!(tidied(&body), format!("# header\n{}", tidy_by_lines(&body)));
        }
    }

    #[test]
    fn a_template_failure_keeps_minijinja_s_error() {
        let output = Output {
            name: "x.yaml",
            template: "no-such-template.j2",
            source: "",
            has_documents: |_| true,
            reads: &[],
            lists: &[],
        };
        let error =
            render_file(environment().unwrap(), &output, &Value::UNDEFINED, "").unwrap_err();
        assert_eq!(error.to_string(), "template no-such-template.j2 failed");
        let cause = std::error::Error::source(&error).unwrap();
        assert!(cause.is::<minijinja::Error>(), "{cause}");
    }

    /// Every file of `plan` rendered whole, on this thread.
    fn whole_files(plan: &Plan, header: &str) -> Vec<File> {
        let context = Value::from(minijinja::value::Serde(plan));
        let header = header_comment(header);
        OUTPUTS
            .iter()
            .filter(|output| (output.has_documents)(plan))
            .map(|output| render_file(environment().unwrap(), output, &context, &header).unwrap())
            .collect()
    }

    #[test]
    fn a_large_plan_renders_in_parallel_to_the_same_files() {
        let source = Source::new(
            "synthetic.toml",
            synth::profile(Shape::services(PARALLEL_FROM)),
        );
        let plan = crate::plan::build(&crate::pipeline::check(&source).unwrap().profile);
        assert!(plan.virtual_services.len() >= PARALLEL_FROM);
        let whole = whole_files(&plan, "a header");
        assert_eq!(render(&plan, "a header").unwrap(), whole);
        assert_eq!(render_taking(plan, "a header").unwrap(), whole);
    }

    #[test]
    fn the_gateway_s_virtual_service_renders_in_runs_no_heavier_than_the_mesh_s() {
        // The budgets' shape, where the gateway's VirtualService (480 kB) outweighs a run of
        // 32 of the mesh's VirtualServices (about 105 kB) about fivefold.
        let shape = Shape {
            services: 1000,
            tenants: 100,
            reach: 3,
            reach_max: 5,
            ..Shape::default()
        };
        let source = Source::new("synthetic.toml", synth::profile(shape));
        let plan = crate::plan::build(&crate::pipeline::check(&source).unwrap().profile);
        let (outputs, runs) = layout(&plan, RUN);
        let pieces = pieces(
            runs.into_iter().map(|(file, output, documents)| {
                let items =
                    documents.map(|documents| context::run_items(&plan, output.lists, documents));
                (file, output, items)
            }),
            RUN,
        );
        let heaviest = |name: &str| {
            pieces
                .iter()
                .filter(|piece| outputs[piece.file].name == name)
                .map(|piece| (weight(piece), piece))
                .collect::<Vec<_>>()
        };
        let gateway = heaviest("gateway.yaml");
        let mesh = heaviest("virtual-services.yaml");
        assert!(gateway.len() > 4, "{}", gateway.len());
        let most = |pieces: &[(usize, &Piece<'_>)]| pieces.iter().map(|(w, _)| *w).max();
        assert!(
            most(&gateway) <= most(&mesh),
            "{:?} {:?}",
            most(&gateway),
            most(&mesh)
        );
    }

    #[test]
    fn a_virtual_service_in_runs_of_its_routes_keeps_its_tls_and_tcp_routes_last() {
        // No profile gives a VirtualService with TLS or TCP routes more HTTP routes than a
        // run holds, but the runs of routes must not lose or move them if one does.
        let source = Source::new(
            "profile.toml",
            include_str!("../../tests/fixtures/valid/egress-through-gateway-tls-tcp/profile.toml"),
        );
        let mut plan = crate::plan::build(&crate::pipeline::check(&source).unwrap().profile);
        let route = plan
            .virtual_services
            .iter()
            .chain(&plan.gateway.virtual_services)
            .find_map(|service| service.http.first().cloned())
            .unwrap();
        let mut services = std::mem::take(&mut plan.virtual_services).into_vec();
        let service = services.iter_mut().find(|service| service.l4.is_some());
        service.unwrap().http = vec![route; 9];
        plan.virtual_services = services.into();
        let whole = whole_files(&plan, "a header");
        assert!(whole.iter().any(|file| file.content.contains("  tls:")));
        for workers in [1, 3] {
            let files = render_in_runs(&plan, "a header", 1, workers).unwrap();
            assert_eq!(files, whole, "runs of 4 routes on {workers} threads");
            let taken = take_in_runs(plan.clone(), "a header", 1, workers).unwrap();
            assert_eq!(taken, whole, "runs of 4 routes taken on {workers} threads");
        }
    }

    #[test]
    fn files_render_in_runs_of_any_size_to_the_same_text() {
        let source = Source::new("prod.toml", include_str!("../../profiles/prod.toml")).with_base(
            Source::new(
                "base/nephoran.toml",
                include_str!("../../profiles/base/nephoran.toml"),
            ),
        );
        let plan = crate::plan::build(&crate::pipeline::check(&source).unwrap().profile);
        let whole = whole_files(&plan, "a header");
        assert_eq!(whole.len(), OUTPUTS.len());
        for run in [1, 2, 3, 5, 1000] {
            for workers in [1, 3] {
                let files = render_in_runs(&plan, "a header", run, workers).unwrap();
                assert_eq!(files, whole, "runs of {run} on {workers} threads");
                let taken = take_in_runs(plan.clone(), "a header", run, workers).unwrap();
                assert_eq!(taken, whole, "runs of {run} taken on {workers} threads");
            }
        }
    }
}
