//! The hostile long run: generated hostile inputs fed to `meshc verify`, `verify --crds`,
//! `diff` and `render --check`, each command run as a process under a 2 GiB address-space limit
//! (`ulimit -v`) with a 10 s deadline. None may end by a signal, exit 3 (meshc's own failure) or
//! miss its deadline. The cases: nesting of every kind up to 60,000 levels; aliases and merge
//! keys that copy lists and long strings; CRD rules of nested comprehensions over long lists;
//! byte and line mutations of Istio's CRDs (from the shared folder, when it is at hand) and of
//! rendered files; walked folders holding links to themselves and their parents, dangling links,
//! FIFOs and a sparse file of 1 GiB; names and keys with control characters.
//!
//! ```sh
//! MESHC_HOSTILE_CASES=100000 cargo test --release --test integration -- --ignored hostile
//! ```
//!
//! runs the long version (the default is 2,000 cases); `MESHC_HOSTILE_SEED` changes the cases,
//! and `MESHC_HOSTILE_BIN` runs another meshc binary (an older build fails: that is how the
//! run shows it can fail). A failure names its case and seed, and keeps the case's folder.

#![cfg(unix)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::support::root;

/// The address space each command may use.
const ADDRESS_SPACE_KIB: u64 = 2 * 1024 * 1024;

/// How long each command may run.
const DEADLINE: Duration = Duration::from_secs(10);

/// A small deterministic generator (splitmix64), so that a case can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `range`.
    fn pick(&mut self, range: std::ops::Range<usize>) -> usize {
        let span = (range.end - range.start).max(1) as u64;
        range.start + usize::try_from(self.next() % span).unwrap()
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// What one command did.
enum Verdict {
    Exited(i32),
    Signal(ExitStatus),
    Late,
}

/// Runs meshc with `args` in `dir` under the address-space limit and the deadline.
fn run(dir: &Path, args: &[&str]) -> Verdict {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(
            std::env::var_os("MESHC_HOSTILE_BIN")
                .unwrap_or_else(|| env!("CARGO_BIN_EXE_meshc").into()),
        )
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status
                .code()
                .map_or(Verdict::Signal(status), Verdict::Exited);
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            return Verdict::Late;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A YAML value nested `depth` levels in one of the ways YAML nests.
fn nested(rng: &mut Rng, depth: usize) -> String {
    match rng.pick(0..6) {
        0 => format!("{}x\n", "- ".repeat(depth)),
        1 => format!("{}{}\n", "[".repeat(depth), "]".repeat(depth)),
        2 => format!("{}1{}\n", "{a: ".repeat(depth), "}".repeat(depth)),
        3 => (0..depth.min(3000))
            .map(|i| format!("{}k{i}:\n", " ".repeat(i.min(2000))))
            .collect(),
        4 => format!("{}{}\n", "[{a: ".repeat(depth / 2), "}]".repeat(depth / 2)),
        _ => format!("{}x\n", "? ".repeat(depth)),
    }
}

/// A stream whose aliases and merge keys copy lists and long strings, level on level.
fn aliases(rng: &mut Rng) -> String {
    let mut text = format!("s0: &s0 {}\n", "x".repeat(rng.pick(1..4096)));
    let levels = rng.pick(2..12);
    for level in 1..levels {
        let copies = rng.pick(2..64);
        let list = vec![format!("*s{}", level - 1); copies].join(", ");
        if rng.chance(30) {
            let _ = writeln!(
                text,
                "s{level}: &s{level}\n  <<: [{{a: *s{}}}, {{b: [{list}]}}]",
                level - 1
            );
        } else {
            let _ = writeln!(text, "s{level}: &s{level} [{list}]");
        }
    }
    text
}

/// A CRD whose rule nests comprehensions, and an object with a long list for it.
fn expensive_cel(rng: &mut Rng) -> (String, String) {
    let depth = rng.pick(1..5);
    let mut rule = "a0 == a0".to_string();
    for level in (0..depth).rev() {
        let kind = ["all", "exists", "map", "filter"][rng.pick(0..4)];
        rule = match kind {
            "map" => format!("self.map(a{level}, {rule}).size() >= 0"),
            "filter" => format!("self.filter(a{level}, {rule}).size() >= 0"),
            _ => format!("self.{kind}(a{level}, {rule})"),
        };
    }
    let crd = format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n\
         metadata: {{name: widgets.example.com}}\nspec:\n  group: example.com\n  \
         scope: Namespaced\n  names: {{kind: Widget, plural: widgets}}\n  versions:\n  \
         - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        \
         type: object\n        properties:\n          spec:\n            type: object\n            \
         properties:\n              items:\n                type: array\n                \
         items: {{type: string}}\n                x-kubernetes-validations:\n                \
         - rule: {rule:?}\n"
    );
    let items: Vec<String> = (0..rng.pick(1..2000)).map(|i| format!("i{i}")).collect();
    let object = format!(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: w, namespace: shop}}\n\
         spec:\n  items: [{}]\n",
        items.join(", ")
    );
    (crd, object)
}

/// `text` with a few random byte and line mutations, and sometimes a deep or aliased block.
fn mutated(rng: &mut Rng, text: &str) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
    for _ in 0..rng.pick(1..6) {
        if lines.is_empty() {
            break;
        }
        let at = rng.pick(0..lines.len());
        match rng.pick(0..6) {
            0 => {
                lines.remove(at);
            }
            1 => {
                let copy = lines[at].clone();
                lines.insert(at, copy);
            }
            2 => {
                let line = &mut lines[at];
                if !line.is_empty() {
                    let i = rng.pick(0..line.len());
                    line[i] = u8::try_from(rng.next() % 256).unwrap();
                }
            }
            3 => {
                let depth = rng.pick(100..3000);
                let deep = nested(rng, depth);
                lines.insert(at, format!("deep: {}", deep.trim_end()).into_bytes());
            }
            4 => lines.insert(at, b"  <<: *missing\n".to_vec()),
            _ => lines[at].extend_from_slice(b" &a"),
        }
    }
    lines.join(&b"\n"[..])
}

/// A copy of `out/prod` in `dir`.
fn rendered_copy(dir: &Path) -> PathBuf {
    let copy = dir.join("render");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(root().join("out/prod")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
    }
    copy
}

/// Adds the entries a folder walk must pass over: links to itself and its parent, a dangling
/// link, a FIFO and a sparse file of 1 GiB.
fn odd_entries(rng: &mut Rng, folder: &Path) {
    use std::os::unix::fs::symlink;
    let _ = symlink(".", folder.join("self"));
    let _ = symlink("..", folder.join("parent.yaml"));
    let _ = symlink("missing.yaml", folder.join("dangling.yaml"));
    let _ = Command::new("mkfifo")
        .arg(folder.join("queue.yaml"))
        .status();
    if rng.chance(50) {
        let sparse = std::fs::File::create(folder.join("sparse.yaml")).unwrap();
        sparse.set_len(1 << 30).unwrap();
    }
}

/// Writes case `index` into `dir` and runs its commands; `Err` names the one that failed.
fn case(index: u64, seed: u64, dir: &Path, crds: Option<&str>) -> Result<(), String> {
    let mut rng = Rng(seed ^ index.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let mut commands: Vec<Vec<String>> = Vec::new();
    let s = |v: &str| v.to_string();
    match index % 7 {
        0 => {
            let depth = rng.pick(100..60_000);
            std::fs::write(dir.join("deep.yaml"), nested(&mut rng, depth)).unwrap();
            commands.push(vec![s("verify"), s("deep.yaml")]);
            commands.push(vec![
                s("verify"),
                s("--crds"),
                s("deep.yaml"),
                s("deep.yaml"),
            ]);
        }
        1 => {
            std::fs::write(dir.join("aliases.yaml"), aliases(&mut rng)).unwrap();
            commands.push(vec![s("verify"), s("aliases.yaml")]);
        }
        2 => {
            let (crd, object) = expensive_cel(&mut rng);
            std::fs::write(dir.join("crd.yaml"), crd).unwrap();
            std::fs::write(dir.join("object.yaml"), object).unwrap();
            commands.push(vec![
                s("verify"),
                s("--crds"),
                s("crd.yaml"),
                s("object.yaml"),
            ]);
        }
        3 => {
            let crds = crds.unwrap_or("apiVersion: v1\nkind: List\nitems: []\n");
            std::fs::write(dir.join("crds.yaml"), mutated(&mut rng, crds)).unwrap();
            let copy = rendered_copy(dir);
            commands.push(vec![
                s("verify"),
                s("--crds"),
                s("crds.yaml"),
                copy.to_string_lossy().into_owned(),
            ]);
        }
        4 => {
            let copy = rendered_copy(dir);
            let files: Vec<PathBuf> = std::fs::read_dir(&copy)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            let target = &files[rng.pick(0..files.len())];
            let text = std::fs::read_to_string(target).unwrap();
            std::fs::write(target, mutated(&mut rng, &text)).unwrap();
            let copy = copy.to_string_lossy().into_owned();
            let prod = root().join("out/prod").to_string_lossy().into_owned();
            let profile = root()
                .join("profiles/prod.toml")
                .to_string_lossy()
                .into_owned();
            commands.push(vec![s("verify"), copy.clone()]);
            commands.push(vec![s("diff"), prod.clone(), copy.clone()]);
            commands.push(vec![
                s("diff"),
                s("--format"),
                s("markdown"),
                copy.clone(),
                prod,
            ]);
            commands.push(vec![s("render"), profile, s("--out"), copy, s("--check")]);
        }
        5 => {
            let copy = rendered_copy(dir);
            odd_entries(&mut rng, &copy);
            let copy = copy.to_string_lossy().into_owned();
            let prod = root().join("out/prod").to_string_lossy().into_owned();
            let profile = root()
                .join("profiles/prod.toml")
                .to_string_lossy()
                .into_owned();
            commands.push(vec![s("verify"), copy.clone()]);
            commands.push(vec![s("diff"), prod, copy.clone()]);
            commands.push(vec![s("render"), profile, s("--out"), copy, s("--check")]);
        }
        _ => {
            let controls = ["\\e[31m", "\\a", "\\r", "\\u202e", "\\e]0;x\\a", "\\x9b"];
            let name: String = (0..rng.pick(1..6))
                .map(|_| controls[rng.pick(0..controls.len())])
                .collect();
            let yaml = format!(
                "apiVersion: networking.istio.io/v1\nkind: VirtualService\n\
                 metadata: {{name: \"n{name}\", namespace: shop}}\n\
                 spec: {{hosts: [\"h{name}\"], \"k{name}\": 1}}\n"
            );
            std::fs::create_dir_all(dir.join("a")).unwrap();
            std::fs::create_dir_all(dir.join("b")).unwrap();
            std::fs::write(dir.join("a/x.yaml"), &yaml).unwrap();
            std::fs::write(dir.join("b/x.yaml"), yaml.replace(": 1}", ": 2}")).unwrap();
            commands.push(vec![s("verify"), s("a")]);
            commands.push(vec![s("diff"), s("a"), s("b")]);
        }
    }
    for command in &commands {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        match run(dir, &args) {
            Verdict::Exited(0..=2) => {}
            Verdict::Exited(code) => {
                return Err(format!("`meshc {}` exited {code}", args.join(" ")));
            }
            Verdict::Signal(status) => {
                return Err(format!(
                    "`meshc {}` ended by a signal: {status}",
                    args.join(" ")
                ));
            }
            Verdict::Late => {
                return Err(format!("`meshc {}` ran past {DEADLINE:?}", args.join(" ")));
            }
        }
    }
    Ok(())
}

#[test]
#[ignore = "the hostile long run; see tests/README.md"]
fn hostile_inputs_never_crash_hang_or_exhaust_meshc() {
    let cases: u64 = std::env::var("MESHC_HOSTILE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let seed: u64 = std::env::var("MESHC_HOSTILE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11);
    let crds = crate::support::istio_crds().map(|_| {
        let shared = std::env::var_os("MESHC_SHARED")
            .map_or_else(|| root().join("../shared"), PathBuf::from);
        std::fs::read_to_string(shared.join("istio/crds.gen.yaml")).unwrap()
    });
    let start = Instant::now();
    let mut failures = Vec::new();
    for index in 0..cases {
        let dir = tempfile::tempdir().unwrap();
        if let Err(why) = case(index, seed, dir.path(), crds.as_deref()) {
            let kept = dir.keep();
            eprintln!(
                "case {index} (seed {seed}): {why}; kept in {}",
                kept.display()
            );
            failures.push(index);
        }
    }
    eprintln!(
        "hostile run: {cases} cases (seed {seed}) in {:.0} s, {} failed",
        start.elapsed().as_secs_f64(),
        failures.len()
    );
    assert!(failures.is_empty(), "failed cases: {failures:?}");
}
