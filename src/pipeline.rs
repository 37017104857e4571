//! The pipeline in one call: [`check`] (profile → validate) and [`compile`] (every stage but
//! emitting, with the proofs), and what they return.

use std::borrow::Borrow;
use std::error::Error;
use std::fmt;
use std::sync::Arc;

use crate::diagnostic::Diagnostics;
use crate::model::Profile;
use crate::plan::Plan;
use crate::plan::cluster::ClusterPlan;
use crate::pool::Slot;
use crate::render::{File, RenderError};
use crate::selfcheck::SelfCheckFailed;
use crate::simulate::{Mesh, Refused};
use crate::source::Source;
use crate::validate::Checked;

/// A compiled profile: its files, its plan and the warnings on the way.
#[derive(Debug)]
pub struct Compiled {
    /// The rendered files, in output order.
    pub files: Vec<File>,
    /// The `kustomization.yaml` that lists them, for a folder.
    pub kustomization: File,
    /// The resources the files hold.
    pub plan: Plan,
    /// Warnings about the profile.
    pub warnings: Diagnostics,
    /// With `[clusters]`, each cluster's folder, in name order; `files`, `kustomization` and
    /// `plan` are then those of the first primary, which holds the mesh configuration that
    /// `explain`, `query` and `graph` describe.
    pub clusters: Vec<ClusterFolder>,
}

/// The folder of one cluster.
#[derive(Debug)]
pub struct ClusterFolder {
    /// The cluster name, the folder's name.
    pub name: String,
    /// Its rendered files, in output order, named as in a one-cluster folder.
    pub files: Vec<File>,
    /// Its `kustomization.yaml`.
    pub kustomization: File,
    /// What the cluster's render adds to the mesh's plan.
    pub plan: ClusterPlan,
}

impl Compiled {
    /// Every file `render --out` writes: the rendered files, then `kustomization.yaml`; with
    /// clusters, each cluster's, named `<cluster>/<file>`. Takes the files rather than copying
    /// them: a large mesh renders to tens of megabytes.
    pub fn into_folder(self) -> Vec<File> {
        self.into_written().into_folder()
    }

    /// The files of the stdout stream: the rendered files; with clusters, each cluster's, named
    /// `<cluster>/<file>`.
    pub fn into_stream(self) -> Vec<File> {
        self.into_written().into_stream()
    }

    fn into_written(self) -> Written {
        Written {
            files: self.files,
            kustomization: self.kustomization,
            warnings: self.warnings,
            clusters: self.clusters,
        }
    }
}

/// A compiled profile without its plan: what `render` and `validate` need ([`compile_written`]).
#[derive(Debug)]
pub(crate) struct Written {
    /// The rendered files, in output order.
    pub files: Vec<File>,
    /// The `kustomization.yaml` that lists them, for a folder.
    pub kustomization: File,
    /// Warnings about the profile.
    pub warnings: Diagnostics,
    /// With `[clusters]`, each cluster's folder, in name order (see [`Compiled::clusters`]).
    pub clusters: Vec<ClusterFolder>,
}

impl Written {
    /// As [`Compiled::into_folder`].
    pub(crate) fn into_folder(self) -> Vec<File> {
        self.into_files(true)
    }

    /// As [`Compiled::into_stream`].
    pub(crate) fn into_stream(self) -> Vec<File> {
        self.into_files(false)
    }

    fn into_files(self, with_kustomization: bool) -> Vec<File> {
        if self.clusters.is_empty() {
            let mut files = self.files;
            files.extend(with_kustomization.then_some(self.kustomization));
            return files;
        }
        self.clusters
            .into_iter()
            .flat_map(|cluster| {
                let name = cluster.name;
                let kustomization = with_kustomization.then_some(cluster.kustomization);
                cluster
                    .files
                    .into_iter()
                    .chain(kustomization)
                    .map(move |file| in_folder(&name, file))
            })
            .collect()
    }
}

fn in_folder(folder: &str, file: File) -> File {
    File {
        name: format!("{folder}/{}", file.name),
        content: file.content,
    }
}

/// Why a profile did not compile.
#[derive(Debug)]
pub enum Failure {
    /// The profile is invalid; the diagnostics say why.
    Invalid(Diagnostics),
    /// meshc failed on its own: a bug in meshc.
    Internal(InternalError),
}

/// meshc failed on a valid profile: a bug in meshc, never the profile's fault. It keeps its
/// cause.
#[derive(Debug)]
pub enum InternalError {
    /// A template failed.
    Template(RenderError),
    /// The rendered files fail meshc's own check.
    SelfCheckFailed(SelfCheckFailed),
    /// The simulator cannot read the rendered files.
    Simulation(crate::simulate::Refused),
}

impl fmt::Display for InternalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("meshc failed on its own output, so nothing was written")
    }
}

impl Error for InternalError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Template(error) => Some(error),
            Self::SelfCheckFailed(error) => Some(error),
            Self::Simulation(error) => Some(error),
        }
    }
}

/// Parses and validates a profile.
pub fn check(source: &Source) -> Result<Checked, Diagnostics> {
    let (raw, overrides) = crate::profile::load_layered(source)?;
    crate::validate::validate(&raw)
        .map(|mut checked| {
            checked.warnings = crate::profile::point_at_overridden(checked.warnings, &overrides);
            checked
        })
        .map_err(|diagnostics| crate::profile::point_at_overridden(diagnostics, &overrides))
}

/// Runs every stage but emitting; with `[clusters]`, once for each cluster.
pub fn compile(source: &Source) -> Result<Compiled, Failure> {
    let (handed, plan, _) = compile_keeping(source, Run::Compile, true, None)?;
    Ok(with_plan(handed.kept(), plan))
}

/// [`compile`] for a caller that only writes the files: the plan is dropped once the files are
/// rendered rather than kept through the self-check and the proofs (massif at 1,000 services
/// and 100 tenants: 13.5 MB of the 64 MB alive when the self-check peaks).
pub(crate) fn compile_written(source: &Source) -> Result<Written, Failure> {
    compile_keeping(source, Run::Compile, false, None).map(|(handed, _, _)| handed.kept())
}

/// Something done with a folder's files (as [`Written::into_folder`] gives them) on a second
/// thread while they are checked and proven: `render --out` writes and syncs its new folder
/// there, and puts it in place only once the compile has succeeded; `validate` counts them.
/// It is handed a share of each file, to let go once written: the self-check lets its own go
/// as it reads them, and a text goes when both have.
pub(crate) type Beside<'a> = &'a mut (dyn FnMut(Vec<Arc<File>>) + Send);

/// [`compile_written`], handing a one-folder profile's files to `beside` as soon as they are
/// rendered; with `[clusters]`, `beside` is not called.
pub(crate) fn compile_written_beside(
    source: &Source,
    beside: Beside<'_>,
) -> Result<Handed, Failure> {
    compile_keeping(source, Run::Compile, false, Some(beside)).map(|(handed, _, _)| handed)
}

/// What a compile gives back of its files.
#[derive(Debug)]
pub(crate) enum Handed {
    /// A one-folder profile's files went to `beside`, and were dropped here as the self-check
    /// read them: the proofs do not read the text (62 MB at 10,000 services), and the
    /// mesh they build is the process's peak. Its warnings.
    Beside(Diagnostics),
    /// The files, kept: with `[clusters]`, or with no `beside`.
    Written(Written),
}

impl Handed {
    /// The warnings about the profile, leaving none.
    pub(crate) fn take_warnings(&mut self) -> Diagnostics {
        match self {
            Self::Beside(warnings) | Self::Written(Written { warnings, .. }) => {
                std::mem::take(warnings)
            }
        }
    }

    /// The files of a compile that was given no `beside`, which keeps them.
    fn kept(self) -> Written {
        match self {
            Self::Written(written) => written,
            Self::Beside(_) => unreachable!("files are dropped only once handed to a beside"),
        }
    }
}

fn with_plan(written: Written, plan: Option<Plan>) -> Compiled {
    let Some(plan) = plan else {
        unreachable!("a compile that keeps its plan has one")
    };
    Compiled {
        files: written.files,
        kustomization: written.kustomization,
        plan,
        warnings: written.warnings,
        clusters: written.clusters,
    }
}

/// A compiled profile with what its requests go through: the checked profile and the mesh
/// its rendered files make in the simulator, for `graph` and `query`.
#[derive(Debug)]
pub struct Simulated {
    /// The compiled profile.
    pub compiled: Compiled,
    /// The checked profile (the whole mesh's, with clusters).
    pub profile: Profile,
    /// The rendered files (the first primary's, with clusters) read into the simulator.
    pub mesh: Mesh,
}

/// [`compile`], keeping the profile and the mesh its proofs simulated rather than reading the
/// render into the simulator again (on 1,000 services that was a fifth of `meshc graph`).
pub fn compile_simulated(source: &Source) -> Result<Simulated, Failure> {
    simulated(source, Run::Simulate)
}

/// [`compile_simulated`] without the proofs, for `meshc graph`: the profile is validated, its
/// render checked as on every compile, and the render read into the simulator, but the
/// guarantees and `[[expect]]`s are not proven. The graph sends each grant's own requests
/// through that mesh and draws a grant it refuses in red with the rule that stopped it, so
/// what the proofs would refuse for a grant shows in the picture, as Kiali draws a broken mesh
/// with its problems marked; `validate` and `render` prove the rest. The proofs were a sixth of
/// the time of `meshc graph` on 1,000 services (issue 16's budget is a second).
pub fn compile_unproved(source: &Source) -> Result<Simulated, Failure> {
    simulated(source, Run::Draw)
}

fn simulated(source: &Source, run: Run) -> Result<Simulated, Failure> {
    let (handed, plan, kept) = compile_keeping(source, run, true, None)?;
    let Some((profile, mesh)) = kept else {
        unreachable!("a kept compile keeps its mesh")
    };
    Ok(Simulated {
        compiled: with_plan(handed.kept(), plan),
        profile,
        mesh,
    })
}

/// What a compile does beyond rendering and checking the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    /// Proves the render; keeps no mesh.
    Compile,
    /// Proves the render and keeps the profile and the mesh of [`Simulated`].
    Simulate,
    /// Keeps the profile and the mesh of [`Simulated`], unproven.
    Draw,
    /// Neither proves nor keeps: a cluster's folder for [`Run::Draw`].
    Check,
}

impl Run {
    fn proves(self) -> bool {
        matches!(self, Self::Compile | Self::Simulate)
    }

    fn keeps(self) -> bool {
        matches!(self, Self::Simulate | Self::Draw)
    }
}

/// What a compile gives: the files, the plan when asked for, and with a keeping [`Run`], the
/// profile and the simulated mesh of [`Simulated`].
type Kept = (Handed, Option<Plan>, Option<(Profile, Mesh)>);

/// [`compile`] as `run` says, with the plan if `keep_plan`; keeping, also the profile and the
/// simulated mesh of [`Simulated`]; a one-folder profile's files handed to `beside` as
/// [`compile_written_beside`] says.
fn compile_keeping(
    source: &Source,
    run: Run,
    keep_plan: bool,
    beside: Option<Beside<'_>>,
) -> Result<Kept, Failure> {
    prepare();
    let checked = check(source).map_err(Failure::Invalid)?;
    let header = header(source.name());
    let mut warnings = checked.warnings;
    let profile = checked.profile;
    if profile.clusters.is_empty() {
        let (files, plan, mesh) =
            compile_one(&profile, &header, &mut warnings, run, keep_plan, beside)?;
        let kept = match mesh {
            Some(mesh) if run.keeps() => Some((profile, mesh)),
            mesh => {
                let_go(profile, mesh);
                None
            }
        };
        let handed = match files {
            Some((files, kustomization)) => Handed::Written(Written {
                files,
                kustomization,
                warnings,
                clusters: Vec::new(),
            }),
            None => Handed::Beside(warnings),
        };
        return Ok((handed, plan, kept));
    }
    let mut clusters = Vec::with_capacity(profile.clusters.len());
    let mut mesh = None;
    // Each cluster's own mesh is not kept: the whole profile's is simulated below.
    let each = if run.proves() {
        Run::Compile
    } else {
        Run::Check
    };
    for cluster in &profile.clusters {
        let own = profile.for_cluster(cluster);
        let keeps_plan = keep_plan && mesh.is_none() && !own.is_remote();
        let (Some((files, kustomization)), plan, _) =
            compile_one(&own, &header, &mut warnings, each, keeps_plan, None)?
        else {
            unreachable!("a compile without a beside keeps its files")
        };
        let cluster_plan = crate::plan::cluster::build(&own)
            .unwrap_or_else(|| unreachable!("a profile made for a cluster has its placement"));
        if mesh.is_none() && !own.is_remote() {
            mesh = Some((files.clone(), kustomization.clone(), plan));
        }
        clusters.push(ClusterFolder {
            name: cluster.name.to_string(),
            files,
            kustomization,
            plan: cluster_plan,
        });
    }
    let Some((files, kustomization, plan)) = mesh else {
        unreachable!("validation keeps a primary for every remote")
    };
    // The primary's proofs ran on its own part of the profile; what `graph` and `query`
    // describe is the whole profile's view of the primary's files, read once more here.
    let kept = if run.keeps() {
        let mesh = crate::prove::simulate(&files, &profile)
            .map_err(|refused| Failure::Internal(InternalError::Simulation(refused)))?;
        Some((profile, mesh))
    } else {
        None
    };
    let written = Written {
        files,
        kustomization,
        warnings,
        clusters,
    };
    Ok((Handed::Written(written), plan, kept))
}

/// Compiles the templates and builds the checker's schemas on a second thread while this one
/// reads, validates and plans the profile: built once per process, they are a quarter of the
/// instructions of a small render such as prod's (callgrind: templates 3.8 M, schemas 3.8 M,
/// istioctl's API 12.4 M of 81 M), and the stages that need them wait for them only if they
/// get there first. The thread is not joined: a refused profile does not wait for it. Without
/// a thread, each is built where it is first needed. Started once per process: the command
/// line starts it before it reads the profile's files ([`crate::cli`]), the compile again for
/// a caller that did not.
pub(crate) fn prepare() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("meshc-prepare".to_string())
            .spawn(|| {
                crate::render::prepare();
                crate::istio::prepare();
            });
    });
}

/// From how many services [`let_go`] frees on a thread of its own: below, freeing costs less
/// than starting the thread (prod: 0.17 M instructions, callgrind).
const LET_GO_FROM: usize = 50;

/// Lets the checked profile and the mesh go once proven, from [`LET_GO_FROM`] services on a
/// thread that no one waits for: freed object by object on this thread, they took 50 ms of one
/// core at 10,000 services and 5 ms at 1,000 (perf), between the proofs and putting the folder
/// in place, while the other core waited. A process that ends before the thread leaves their
/// pages to the kernel, as it does every other page; where no thread can be started, they are
/// freed here.
fn let_go(profile: Profile, mesh: Option<Mesh>) {
    if profile.services.len() < LET_GO_FROM {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("meshc-let-go".to_string())
        .spawn(move || drop((profile, mesh)));
}

/// One folder compiled: its files and `kustomization.yaml` unless they were handed to a
/// `beside`, its plan if kept, and its mesh.
type Folder = (Option<(Vec<File>, File)>, Option<Plan>, Option<Mesh>);

/// Plans, renders, checks and (as `run` says) proves one folder, with the plan if
/// `keep_plan` (else the render consumes it), and the mesh the proofs simulated, or with
/// `run` keeping, an unproven one. With `beside`, its files, `kustomization.yaml` last, are
/// handed to it on a second thread while they are checked and proven, and not given back: each
/// file's text is dropped once the self-check has read it and `beside` is done with it,
/// whichever is last, so neither waits for the other. A remote cluster's folder holds its
/// IstioOperator alone, so there is nothing of the mesh to prove in it (and no mesh): its
/// primary's folder holds the configuration that applies to its workloads.
fn compile_one(
    profile: &Profile,
    header: &str,
    warnings: &mut Diagnostics,
    run: Run,
    keep_plan: bool,
    beside: Option<Beside<'_>>,
) -> Result<Folder, Failure> {
    let template = |error| Failure::Internal(InternalError::Template(error));
    let (files, plan) = render(profile, crate::plan::build(profile), header, keep_plan);
    let mut files = files.map_err(template)?;
    files.push(crate::render::kustomization(&files, header).map_err(template)?);
    let rendered = files.len() - 1;
    let self_check = |failed| Failure::Internal(InternalError::SelfCheckFailed(failed));
    let Some(beside) = beside else {
        let built = self_check_of(profile, files[..rendered].iter().collect(), run)
            .map_err(|failed| self_check(failed.with_sources(&files[..rendered])))?;
        let mesh = simulate(built, profile, warnings, run)?;
        let Some(kustomization) = files.pop() else {
            unreachable!("the kustomization was pushed above")
        };
        return Ok((Some((files, kustomization)), plan, mesh));
    };
    let handed: Vec<Arc<File>> = files.into_iter().map(Arc::new).collect();
    let mut checked = handed.clone();
    checked.truncate(rendered);
    let done = Slot::new();
    let mesh = std::thread::scope(|scope| {
        done.spawn(scope, move || beside(handed));
        // The texts checked are gone: a failure points into the same files rendered again.
        let built = self_check_of(profile, checked, run).map_err(|failed| {
            let again = render(profile, crate::plan::build(profile), header, false).0;
            self_check(failed.with_sources(&again.unwrap_or_default()))
        });
        built.and_then(|built| simulate(built, profile, warnings, run))
    });
    // A panic is a bug: it goes on as it would on one thread.
    done.take();
    Ok((None, plan, mesh?))
}

/// The rendered files of `profile` from its `plan`, and the plan if `keep_plan` (else the
/// render consumes it).
fn render(
    profile: &Profile,
    plan: Plan,
    header: &str,
    keep_plan: bool,
) -> (Result<Vec<File>, RenderError>, Option<Plan>) {
    match crate::plan::cluster::build(profile) {
        Some(cluster) => (
            crate::render::render_cluster(&plan, &cluster, header),
            keep_plan.then_some(plan),
        ),
        None if keep_plan => (crate::render::render(&plan, header), Some(plan)),
        // The plan not kept goes as its files are rendered (`render_taking`).
        None => (crate::render::render_taking(plan, header), None),
    }
}

/// The self-check of one folder's rendered files, each let go once read; when `run` simulates
/// them, the simulator's mesh of their documents, decoded as the self-check reads each one
/// (reading YAML is most of either, and the documents' trees are never kept together) and built
/// once the rules across resources are done: built beside them, the mesh grew while the rules'
/// documents were alive, and its end was the process's RSS peak at 10,000 services
/// (benches/README.md, branch `mesh8`). `Err` holds no text of the files.
fn self_check_of<F: Borrow<File>>(
    profile: &Profile,
    files: Vec<F>,
    run: Run,
) -> Result<Option<Result<Mesh, Refused>>, SelfCheckFailed> {
    if !profile.is_remote() && (run.proves() || run.keeps()) {
        crate::selfcheck::verify_decoding(files, profile).map(|decoded| {
            Some(Mesh::from_decoded(decoded, crate::topology::of(profile)).map_err(Refused))
        })
    } else {
        crate::selfcheck::verify_each(files, profile).map(|()| None)
    }
}

/// As `run` says, the proofs of the mesh the self-check's documents made, or with `run`
/// keeping, the mesh unproven.
fn simulate(
    mesh: Option<Result<Mesh, Refused>>,
    profile: &Profile,
    warnings: &mut Diagnostics,
    run: Run,
) -> Result<Option<Mesh>, Failure> {
    let Some(mesh) = mesh else {
        return Ok(None);
    };
    let mesh = mesh.map_err(|refused| Failure::Internal(InternalError::Simulation(refused)))?;
    if run.proves() {
        return prove(mesh, profile, warnings).map(Some);
    }
    Ok(Some(mesh))
}

/// The proofs of one folder's mesh, which they give back.
fn prove(mesh: Mesh, profile: &Profile, warnings: &mut Diagnostics) -> Result<Mesh, Failure> {
    // A profile refused by its proofs still hears about its warnings, as one refused earlier
    // does.
    crate::prove::check_mesh(mesh, profile).map_err(|failed| {
        let mut all = std::mem::take(warnings);
        all.extend(failed);
        Failure::Invalid(all)
    })
}

/// The comment that opens every file: where it came from and that it is generated. It holds no
/// time, version or absolute path, so the same profile always gives the same bytes, however
/// its path is spelled ([`shown_path`]).
fn header(profile: &str) -> String {
    let shown = shown_path(std::path::Path::new(profile));
    format!(
        "{} from {shown}. Do not edit: change the profile,\nthen run `meshc render {shown} --out <folder>` again.",
        crate::emit::HEADER_MARK.trim_start_matches("# ")
    )
}

/// How the header names a profile: its path from the root of the Git repository that holds
/// it (the folder with `.git`), which works from there and is the same whether the profile was
/// given as `./profiles/p.toml`, `/abs/.../profiles/p.toml` or `p.toml` from `profiles/`.
/// Outside a repository, its path from the current folder when it lies below it, else the file
/// name alone; a profile not on disk (standard input, a test), its name as given, without a
/// leading `./`.
fn shown_path(path: &std::path::Path) -> String {
    let slashed = |p: &std::path::Path| {
        p.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    };
    let Ok(full) = path.canonicalize() else {
        return slashed(path.strip_prefix(".").unwrap_or(path));
    };
    let root = full
        .ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").exists())
        .map(std::path::Path::to_path_buf)
        .or_else(|| std::env::current_dir().ok()?.canonicalize().ok());
    match root
        .as_deref()
        .and_then(|root| full.strip_prefix(root).ok())
    {
        Some(inside) => slashed(inside),
        None => full
            .file_name()
            .map_or_else(|| slashed(path), |n| n.to_string_lossy().into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str) -> Source {
        let path = format!("{}/profiles/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Source::new(format!("profiles/{name}.toml"), text)
    }

    #[test]
    fn a_one_folder_profile_hands_its_folder_to_beside_and_keeps_nothing() {
        let source = profile("minimal");
        let mut handed = Vec::new();
        let mut beside =
            |files: Vec<Arc<File>>| handed = files.iter().map(|file| (**file).clone()).collect();
        let compiled = compile_written_beside(&source, &mut beside);
        assert!(matches!(compiled, Ok(Handed::Beside(_))), "{compiled:?}");
        let kept = compile_written(&source).map(Written::into_folder);
        let Ok(kept) = kept else {
            panic!("minimal compiles")
        };
        assert_eq!(handed, kept, "beside sees what render --out writes");
    }

    #[test]
    fn a_profile_with_clusters_keeps_its_files_and_calls_no_beside() {
        let source = profile("multicluster");
        let mut called = false;
        let mut beside = |_: Vec<Arc<File>>| called = true;
        let compiled = compile_written_beside(&source, &mut beside);
        let Ok(Handed::Written(written)) = compiled else {
            panic!("the files are kept: {compiled:?}")
        };
        assert!(!called);
        assert!(!written.clusters.is_empty());
    }

    #[test]
    fn a_proving_or_drawing_compile_keeps_the_mesh_built_after_the_self_check() {
        let source = profile("minimal");
        for compiled in [compile_simulated(&source), compile_unproved(&source)] {
            let Ok(simulated) = compiled else {
                panic!("minimal compiles")
            };
            assert!(!simulated.mesh.topology().workloads.is_empty());
        }
    }
}
