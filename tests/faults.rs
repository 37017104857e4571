//! Output faults: every `--out` meshc cannot or must not replace gets a clear error and leaves
//! everything as it was; concurrent renders end with one complete render; a render killed at
//! any moment leaves the folder as before or as the complete new render.
//!
//! `MESHC_KILLS=N` sets the number of killed renders (default 20; the long run in
//! tests/README.md uses 300) and `MESHC_RACES=N` the concurrent pairs (default 10).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::root;

fn meshc(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshc"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn profile(name: &str) -> PathBuf {
    root().join(format!("profiles/{name}.toml"))
}

/// Renders `profile` into `out`; the exit code and stderr.
fn render(profile: &Path, out: &Path) -> (Option<i32>, String) {
    let output = meshc(&[
        "render".as_ref(),
        profile.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Every file under `dir` (recursively, links not followed) with its bytes; what "as it was"
/// compares.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        let path = entry.path();
        if kind.is_dir() {
            files.insert(path.clone(), b"<dir>".to_vec());
            files.extend(tree(&path));
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&path).unwrap();
            files.insert(path, target.to_string_lossy().as_bytes().to_vec());
        } else {
            files.insert(path.clone(), std::fs::read(&path).unwrap());
        }
    }
    files
}

/// The files of a folder by name.
fn folder(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    tree(dir)
        .into_iter()
        .map(|(path, bytes)| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                bytes,
            )
        })
        .collect()
}

/// Hidden temporary folders that renders into `dir/out` left behind.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".meshc-"))
        .collect()
}

fn count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn out_under_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "mine").unwrap();
    let before = tree(dir.path());
    let (code, stderr) = render(&profile("minimal"), &file.join("out"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("Not a directory") || stderr.contains("not a folder"),
        "{stderr}"
    );
    assert_eq!(before, tree(dir.path()));
    // The file itself is no folder either.
    let (code, stderr) = render(&profile("minimal"), &file);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is not a folder"), "{stderr}");
    assert_eq!(before, tree(dir.path()));
}

#[test]
fn missing_parents_are_created_and_a_folder_without_a_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = render(&profile("minimal"), &dir.path().join("missing/out"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(dir.path().join("missing/out/kustomization.yaml").is_file());
    // `/` has no parent and holds other files; `..` names no folder of its own.
    let (code, stderr) = render(&profile("minimal"), Path::new("/"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("meshc did not write"), "{stderr}");
    let empty = tempfile::tempdir().unwrap();
    let inner = empty.path().join("a");
    std::fs::create_dir(&inner).unwrap();
    let (code, stderr) = render(&profile("minimal"), &inner.join(".."));
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(tree(empty.path()).len(), 1, "only `a` is there");
}

#[test]
fn a_symlink_to_elsewhere_is_refused_and_its_target_kept() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target");
    assert_eq!(render(&profile("minimal"), &target).0, Some(0));
    let link = dir.path().join("out");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let before = tree(dir.path());
    let (code, stderr) = render(&profile("prod"), &link);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(before, tree(dir.path()));
}

#[test]
fn a_folder_with_foreign_files_keeps_every_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(render(&profile("minimal"), &out).0, Some(0));
    std::fs::write(out.join("notes.md"), "mine").unwrap();
    std::fs::create_dir(out.join("sub")).unwrap();
    let before = tree(dir.path());
    let (code, stderr) = render(&profile("prod"), &out);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("notes.md, sub"), "{stderr}");
    assert_eq!(before, tree(dir.path()));
}

/// The new folder is written while the proofs run: a render they refuse removes it, and the
/// folder and its parent stay as they were.
#[test]
fn a_render_its_proofs_refuse_leaves_the_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(render(&profile("minimal"), &out).0, Some(0));
    let before = tree(dir.path());
    let refused = root().join("tests/fixtures/invalid/expectation-failed/profile.toml");
    let (code, stderr) = render(&refused, &out);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("expectation-failed"), "{stderr}");
    assert_eq!(before, tree(dir.path()));
    assert!(leftovers(dir.path()).is_empty());
}

/// Makes a path unwritable for as long as it lives: `chmod` for a user, `chattr +i` for root
/// (whom permission bits do not stop). `None` when neither holds here.
struct ReadOnly {
    path: PathBuf,
    immutable: bool,
}

impl ReadOnly {
    fn new(path: &Path) -> Option<Self> {
        use std::os::unix::fs::PermissionsExt;
        let mode = |m| std::fs::set_permissions(path, std::fs::Permissions::from_mode(m)).unwrap();
        mode(0o555);
        let probe = path.join(".probe");
        if std::fs::write(&probe, "").is_err() {
            return Some(Self {
                path: path.to_path_buf(),
                immutable: false,
            });
        }
        // Permission bits did not stop us: we are root.
        std::fs::remove_file(&probe).unwrap();
        mode(0o755);
        let chattr = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(Stdio::null())
            .status();
        if chattr.is_ok_and(|s| s.success()) && std::fs::write(&probe, "").is_err() {
            return Some(Self {
                path: path.to_path_buf(),
                immutable: true,
            });
        }
        let _ = std::fs::remove_file(&probe);
        None
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").arg(&self.path).status();
        } else {
            let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o755));
        }
    }
}

#[test]
fn a_read_only_folder_or_parent_is_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().join("parent");
    std::fs::create_dir(&parent).unwrap();
    let out = parent.join("out");
    assert_eq!(render(&profile("minimal"), &out).0, Some(0));
    let before = tree(dir.path());
    {
        let Some(_guard) = ReadOnly::new(&out) else {
            println!(
                "skipped: neither permission bits nor `chattr +i` make a folder read-only here"
            );
            return;
        };
        let (code, stderr) = render(&profile("prod"), &out);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("read-only") || stderr.contains("not permitted"),
            "{stderr}"
        );
        assert_eq!(before, tree(dir.path()), "{stderr}");
    }
    {
        let _guard = ReadOnly::new(&parent).unwrap();
        let (code, stderr) = render(&profile("prod"), &out);
        assert_eq!(code, Some(2), "{stderr}");
        assert_eq!(before, tree(dir.path()), "{stderr}");
        let (code, stderr) = render(&profile("prod"), &parent.join("new"));
        assert_eq!(code, Some(2), "{stderr}");
        assert_eq!(before, tree(dir.path()), "{stderr}");
    }
    // One read-only file in the folder is enough to refuse: it could not be removed.
    let file = out.join("virtual-services.yaml");
    {
        let Some(_guard) = ReadOnly::new_file(&file) else {
            println!("skipped: a read-only file cannot be made here");
            return;
        };
        let (code, stderr) = render(&profile("prod"), &out);
        assert_eq!(code, Some(2), "{stderr}");
        assert_eq!(before, tree(dir.path()), "{stderr}");
    }
}

impl ReadOnly {
    /// A file that cannot be removed from its folder: immutable (needs root).
    fn new_file(path: &Path) -> Option<Self> {
        let chattr = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(Stdio::null())
            .status();
        chattr.is_ok_and(|s| s.success()).then(|| Self {
            path: path.to_path_buf(),
            immutable: true,
        })
    }
}

/// A small tmpfs mounted for as long as it lives (root only).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(path).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "meshc-test"])
            .arg(path)
            .stderr(Stdio::null())
            .status();
        status
            .is_ok_and(|s| s.success())
            .then(|| Self(path.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_filesystem_leaves_the_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("disk");
    // A page for each of minimal's few small files and their folder, and not more.
    let Some(_disk) = Tmpfs::mount(&mount, "40k") else {
        println!(
            "skipped the tmpfs case: `mount -t tmpfs` needs root; the RLIMIT_FSIZE case below still runs"
        );
        return file_size_limit(dir.path());
    };
    let out = mount.join("out");
    let (code, stderr) = render(&profile("minimal"), &out);
    assert_eq!(code, Some(0), "{stderr}");
    let before = tree(&mount);
    let (code, stderr) = render(&profile("prod"), &out);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("is unchanged"), "{stderr}");
    assert_eq!(before, tree(&mount));
    file_size_limit(dir.path());
}

/// A write error without root: the shell's file-size limit makes writes past 1 KiB fail with
/// EFBIG (its signal ignored, as `trap` leaves it for `exec`).
fn file_size_limit(dir: &Path) {
    let out = dir.join("limited");
    assert_eq!(render(&profile("minimal"), &out).0, Some(0));
    let before = tree(&out);
    let script = format!(
        "trap '' XFSZ; ulimit -f 2; exec '{}' render '{}' --out '{}'",
        env!("CARGO_BIN_EXE_meshc"),
        profile("prod").display(),
        out.display()
    );
    let output = Command::new("sh").arg("-c").arg(script).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    assert_eq!(before, tree(&out));
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

#[test]
fn concurrent_renders_end_with_one_complete_render() {
    let dir = tempfile::tempdir().unwrap();
    // Two profiles that take as long to render and differ in one value, so that their writes
    // overlap and a mix of the two would show.
    let changed = dir.path().join("changed");
    std::fs::create_dir(&changed).unwrap();
    // prod.toml extends base/nephoran.toml, which holds the canary.
    std::fs::copy(profile("prod"), changed.join("prod.toml")).unwrap();
    let text = std::fs::read_to_string(profile("base/nephoran")).unwrap();
    assert!(text.contains("weight = 20"));
    std::fs::create_dir(changed.join("base")).unwrap();
    std::fs::write(
        changed.join("base/nephoran.toml"),
        text.replacen("weight = 20", "weight = 30", 1),
    )
    .unwrap();
    let profiles = [profile("prod"), changed.join("prod.toml")];
    let reference = |path: &Path, name: &str| {
        let out = dir.path().join(format!("ref-{name}"));
        assert_eq!(render(path, &out).0, Some(0));
        folder(&out)
    };
    let (first, second) = (reference(&profiles[0], "a"), reference(&profiles[1], "b"));
    assert_ne!(first, second);
    for round in 0..count("MESHC_RACES", 10) {
        let out = dir.path().join(format!("out-{round}"));
        // Every other round starts from an existing render, so both swap paths race.
        if round % 2 == 1 {
            assert_eq!(render(&profile("minimal"), &out).0, Some(0));
        }
        let spawn = |path: &Path| {
            Command::new(env!("CARGO_BIN_EXE_meshc"))
                .arg("render")
                .arg(path)
                .arg("--out")
                .arg(&out)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(&profiles[0]), spawn(&profiles[1]));
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let codes = (a.status.code(), b.status.code());
        assert!(
            matches!(codes, (Some(0 | 2), Some(0 | 2))) && codes != (Some(2), Some(2)),
            "{codes:?}: {} {}",
            String::from_utf8_lossy(&a.stderr),
            String::from_utf8_lossy(&b.stderr)
        );
        let result = folder(&out);
        assert!(
            result == first || result == second,
            "round {round}: a mix of two renders"
        );
    }
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

/// A tiny generator, so that kill times differ from run to run without another crate.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound.max(1)
    }
}

#[test]
fn a_killed_render_leaves_the_old_or_the_new_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let new_ref = dir.path().join("ref");
    let started = Instant::now();
    assert_eq!(render(&profile("prod"), &new_ref).0, Some(0));
    // Kill moments spread over a whole render, and a little past it.
    let span = started.elapsed().as_micros() * 5 / 4;
    let new = folder(&new_ref);
    assert_eq!(render(&profile("minimal"), &out).0, Some(0));
    let old = folder(&out);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| {
            u64::try_from(d.as_nanos() % u128::from(u64::MAX)).unwrap_or(1)
        });
    println!("kill seed {seed}");
    let mut random = Lcg(seed);
    let (mut as_before, mut as_new) = (0, 0);
    for round in 0..count("MESHC_KILLS", 20) {
        // Start each round from the old folder.
        if folder(&out) != old {
            assert_eq!(render(&profile("minimal"), &out).0, Some(0));
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_meshc"))
            .arg("render")
            .arg(profile("prod"))
            .arg("--out")
            .arg(&out)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = random.below(u64::try_from(span).unwrap_or(u64::MAX));
        std::thread::sleep(Duration::from_micros(delay));
        let _ = child.kill();
        child.wait().unwrap();
        let result = folder(&out);
        if result == old {
            as_before += 1;
        } else if result == new {
            as_new += 1;
        } else {
            panic!("round {round} (killed after {delay} µs): neither the old nor the new folder");
        }
    }
    println!("killed renders: {as_before} left the old folder, {as_new} the new one");
    // The next render removes what the killed ones left beside the folder.
    assert_eq!(render(&profile("dev"), &out).0, Some(0));
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}
