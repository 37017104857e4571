//! Stage 5, the self-check: the rendered files read back and handed to the Istio checker
//! ([`crate::istio`]) in a closed world, with the profile's services and workloads as the
//! inventory the rules judge references against. It runs every rule `meshc verify` runs: the
//! schemas (meshc's built-in ones for the target release), the admission webhook's rules and
//! the rules across resources. Any error is a bug in meshc: the render fails and nothing is
//! written.

use std::borrow::Borrow;
use std::fmt;

use crate::diagnostic::{Diagnostic, Severity};
use crate::istio::{self, Checker, Document, Input, Inventory, Options, Schemas, Workload, World};
use crate::model::Profile;
use crate::render::{File, OPERATOR_FILE};
use crate::simulate::Decoded;
use crate::source::Source;

/// The rendered files fail meshc's own check: a bug in meshc.
#[derive(Debug)]
pub struct SelfCheckFailed {
    /// Every error found, in the rendered files.
    pub diagnostics: Vec<Diagnostic>,
    /// The text of each rendered file they point into.
    pub sources: Vec<Source>,
}

impl fmt::Display for SelfCheckFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.diagnostics.len();
        write!(
            f,
            "the rendered files fail meshc's own check ({count} {})",
            if count == 1 { "error" } else { "errors" }
        )
    }
}

impl std::error::Error for SelfCheckFailed {}

impl SelfCheckFailed {
    /// The failure with the text of each rendered file its diagnostics point into, from
    /// `files`: the files checked, or a render of the same profile again (the same bytes).
    pub(crate) fn with_sources(mut self, files: &[File]) -> Self {
        istio::add_sources(&mut self.sources, &self.diagnostics, |name| {
            files
                .iter()
                .rev()
                .find(|file| file.name == name)
                .map(|file| file.content.as_str())
        });
        self
    }
}

/// Checks the rendered files of `profile`; `Err` holds every error found.
pub fn verify(files: &[File], profile: &Profile) -> Result<(), SelfCheckFailed> {
    verify_each(files.iter().collect(), profile).map_err(|failed| failed.with_sources(files))
}

/// [`verify`], letting each file go once read as [`verify_decoding`] does; `Err` holds no text
/// of the files.
pub(crate) fn verify_each<F: Borrow<File>>(
    files: Vec<F>,
    profile: &Profile,
) -> Result<(), SelfCheckFailed> {
    check(files, profile, |(): &mut (), _| {}).map(drop)
}

/// [`verify`], decoding each document for the simulator as it is read: the proofs simulate the
/// documents the self-check read, without reading the files again or keeping their trees. From
/// a megabyte of YAML, each file is let go as soon as it is read, so that a text no one else
/// holds (`Arc<File>`) is gone before the documents of the next files are decoded: at 10,000
/// services the texts were 62 of the 266 MB of heap when the self-check peaked. The decoded
/// documents are given back once the rules across resources are done and their documents gone:
/// the simulator's mesh built beside them was the process's RSS peak at 10,000 services
/// (benches/README.md, branch `mesh8`). `Err` holds no text of the files, which may be gone:
/// [`SelfCheckFailed::with_sources`] adds them.
pub(crate) fn verify_decoding<F: Borrow<File>>(
    files: Vec<F>,
    profile: &Profile,
) -> Result<Decoded, SelfCheckFailed> {
    check(files, profile, Decoded::add).map(Decoded::join)
}

/// [`verify`], giving back a copy of every document it read, whole, in the order of the files
/// (the proofs' benchmark times [`crate::prove::check_documents`] on them).
pub fn verify_keeping(
    files: &[File],
    profile: &Profile,
) -> Result<Vec<Document<'static>>, SelfCheckFailed> {
    let kept = check(
        files.iter().collect(),
        profile,
        |kept: &mut Vec<Document<'static>>, document| kept.push(document.clone().into_owned()),
    )
    .map_err(|failed| failed.with_sources(files))?;
    Ok(kept.into_iter().flatten().collect())
}

/// The self-check, with `visit` seeing each document whole as it is read, with a state for each
/// file or piece of one ([`Checker::add_all_in_pieces`]); the states, in the order of the
/// documents. `Err` holds no text of the files.
fn check<V: Default + Send, F: Borrow<File>>(
    files: Vec<F>,
    profile: &Profile,
    visit: impl Fn(&mut V, &Document) + Sync,
) -> Result<Vec<V>, SelfCheckFailed> {
    let (checker, states) = read(files, profile, visit);
    verdict(checker.finish()).map(|()| states)
}

/// The self-check's reading: each file checked on its own, `visit` seeing each document as in
/// [`check`]; the checker, holding what the rules across resources read, and the states. Below
/// a megabyte of YAML the files are read together, two at a time; from a megabyte, one after
/// another, each in pieces on every core, and each let go once read.
fn read<V: Default + Send, F: Borrow<File>>(
    files: Vec<F>,
    profile: &Profile,
    visit: impl Fn(&mut V, &Document) + Sync,
) -> (Checker<'static>, Vec<V>) {
    let mut checker = Checker::new(Options {
        webhook: true,
        // The profile declares the whole mesh.
        world: World::Closed,
        inventory: inventory(profile),
        install_file: Some(OPERATOR_FILE),
        ..Options::new(Schemas::Builtin(profile.mesh.istio_version))
    });
    let states = if is_large(&files) {
        let mut states = Vec::new();
        for group in one_by_one_then_together(files) {
            let inputs: Vec<_> = group.iter().map(input).collect();
            states.extend(checker.add_all_in_pieces(&inputs, &visit));
        }
        states
    } else {
        let inputs: Vec<_> = files.iter().map(input).collect();
        checker.add_all_in_pieces(&inputs, &visit)
    };
    (checker, states)
}

/// Whether `files` are a large bundle: from a megabyte of YAML they are read one after another,
/// each in pieces on every core.
fn is_large<F: Borrow<File>>(files: &[F]) -> bool {
    files
        .iter()
        .map(|file| file.borrow().content.len())
        .sum::<usize>()
        >= istio::PARALLEL_FROM_BYTES
}

/// The self-check's verdict on the checker's report: its errors, if any.
fn verdict(report: istio::Report) -> Result<(), SelfCheckFailed> {
    if report.errors().next().is_none() {
        return Ok(());
    }
    let mut diagnostics = report.diagnostics;
    diagnostics.retain(|d| d.severity == Severity::Error);
    Err(SelfCheckFailed {
        diagnostics,
        sources: report.sources,
    })
}

/// The files of a large bundle in the groups they are read in: one by one, each let go once
/// read, until those left are together no larger than half the largest file, which are read
/// together. One file at a time, a file of one large document (the gateway's VirtualService,
/// 480 kB of gateway.yaml's 481 kB at 1,000 services) was read on one thread while the other
/// core waited: 7.3 ms of a 235 ms render, 75 ms of 2.9 s at 10,000 (benches/README.md);
/// together, its document is read beside the pieces of the others. A group's texts are let go
/// only once it is read, while the documents decoded for the simulator grow, so the group is
/// kept small: with every file after the largest read together, the peak at 10,000 services
/// rose by 10 to 20 MB more than with the half (benches/README.md).
fn one_by_one_then_together<F: Borrow<File>>(files: Vec<F>) -> Vec<Vec<F>> {
    let size = |file: &F| file.borrow().content.len();
    let largest = files.iter().map(size).max().unwrap_or_default();
    let mut left: usize = files.iter().map(size).sum();
    let mut groups = Vec::new();
    let mut together = Vec::new();
    for file in files {
        if left > largest / 2 {
            left -= size(&file);
            groups.push(vec![file]);
        } else {
            together.push(file);
        }
    }
    groups.extend((!together.is_empty()).then_some(together));
    groups
}

/// A rendered file as the checker reads it, its objects that name no namespace in the
/// checker's.
fn input<F: Borrow<File>>(file: &F) -> (Input<'_>, Option<&str>) {
    let file = file.borrow();
    (
        Input {
            name: &file.name,
            text: &file.content,
        },
        None,
    )
}

/// Everything the profile declares: its services and the pods behind them. The gateways come
/// from the rendered IstioOperator, which the checker reads itself.
fn inventory(profile: &Profile) -> Inventory {
    let mut inventory = Inventory::default();
    for service in &profile.services {
        let namespace = service.namespace.as_str();
        inventory.add_service(service.name.as_str(), namespace);
        inventory.add_workload(Workload {
            namespace: namespace.to_string(),
            labels: service
                .labels
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
        });
    }
    // istiod's Service, which a primary with remote clusters exposes on its east-west gateway.
    if matches!(&profile.placement, Some(crate::model::Placement::Primary { remotes }) if !remotes.is_empty())
    {
        let istiod = match &profile.mesh.revision {
            Some(revision) => format!("istiod-{revision}"),
            None => "istiod".to_string(),
        };
        inventory.add_service(&istiod, profile.mesh.root_namespace.as_str());
    }
    inventory
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    #[test]
    fn files_are_read_one_by_one_until_those_left_are_under_half_the_largest() {
        let files: Vec<File> = [4, 10, 300, 100, 40, 5]
            .iter()
            .enumerate()
            .map(|(i, &len)| File {
                name: format!("f{i}.yaml"),
                content: "x".repeat(len),
            })
            .collect();
        let groups: Vec<Vec<usize>> = one_by_one_then_together(files)
            .iter()
            .map(|group| group.iter().map(|file| file.content.len()).collect())
            .collect();
        assert_eq!(groups, [vec![4], vec![10], vec![300], vec![100, 40, 5]]);
        assert!(one_by_one_then_together(Vec::<File>::new()).is_empty());
    }

    /// The self-check judges a render as istiod's webhook would, in a closed world (the profile
    /// declares the whole mesh), and with the IstioOperator's file meant for `istioctl install`:
    /// each of the three finds an error here that the others do not.
    #[test]
    fn the_self_check_runs_the_webhook_in_a_closed_world_with_an_install_file() {
        let source = Source::new("minimal.toml", include_str!("../profiles/minimal.toml"));
        let profile = crate::pipeline::check(&source).unwrap().profile;
        let files = crate::pipeline::compile(&source).unwrap().files;
        verify(&files, &profile).unwrap();
        let appended = |name: &str, text: &str| {
            let mut files = files.clone();
            let file = files.iter_mut().find(|file| file.name == name).unwrap();
            file.content.push_str(text);
            files
        };
        let codes = |files: Vec<File>| -> Vec<Code> {
            let failed = verify(&files, &profile).unwrap_err();
            failed.diagnostics.iter().map(|d| d.code).collect()
        };
        let empty_method = "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n\
            metadata: {name: empty-method, namespace: default}\n\
            spec: {selector: {matchLabels: {app: hello}}, rules: [{to: [{operation: {methods: ['']}}]}]}\n";
        assert_eq!(
            codes(appended("security-policies.yaml", empty_method)),
            [Code::Webhook]
        );
        let nowhere = "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\n\
            metadata: {name: nowhere, namespace: default}\n\
            spec: {hosts: [nowhere], http: [{name: r, route: [{destination: {host: nowhere}}]}]}\n";
        assert_eq!(
            codes(appended("virtual-services.yaml", nowhere)),
            [Code::UnknownDestinationHost]
        );
        let mut no_operator = files.clone();
        let operator = no_operator
            .iter_mut()
            .find(|file| file.name == OPERATOR_FILE)
            .unwrap();
        operator.content = "# nothing\n".to_string();
        assert_eq!(codes(no_operator), [Code::OperatorNotAlone]);
    }

    /// From a megabyte of YAML the files are read in pieces: a finding of the rules across
    /// resources still fails the self-check that decodes them.
    #[test]
    fn a_rule_across_resources_fails_a_large_bundle_it_decodes() {
        let shape = crate::synth::Shape {
            services: 200,
            tenants: 20,
            ..crate::synth::Shape::default()
        };
        let source = Source::new("synthetic.toml", crate::synth::profile(shape));
        let profile = crate::pipeline::check(&source).unwrap().profile;
        let mut files = crate::pipeline::compile(&source).unwrap().files;
        let bytes: usize = files.iter().map(|file| file.content.len()).sum();
        assert!(bytes >= istio::PARALLEL_FROM_BYTES, "{bytes} bytes");
        let decoded = verify_decoding(files.clone(), &profile).unwrap().finish();
        assert!(!decoded.unwrap().virtual_services.is_empty());

        let routes = files
            .iter_mut()
            .find(|file| file.name == "virtual-services.yaml")
            .unwrap();
        let subset = routes.content.find("subset: ").unwrap() + "subset: ".len();
        routes.content.insert_str(subset, "gone-");
        let failed = verify_decoding(files, &profile).unwrap_err();
        assert!(
            failed
                .diagnostics
                .iter()
                .any(|d| d.code == crate::diagnostic::Code::UnknownSubset),
            "{:?}",
            failed.diagnostics
        );
    }
}
