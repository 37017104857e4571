//! The examples of `docs/codes/*.md` print what meshc prints. In each document's Example
//! section, every ```` ```yaml ```` block is the file named on the line before it
//! (`` `gateway.yaml`: ``, else `bundle.yaml`), and every ```` ```toml ```` block the `.toml` file
//! named so (`` `base.toml`: ``, for a layered profile), else `profile.toml`; every
//! ```` ```text ```` block that starts with `$ ` is a shell session on those files, each `$ `
//! line a command run with the built `meshc` first on `PATH` and its output (stdout and stderr,
//! as a terminal shows them) the rest of the block. The test runs them and compares, and checks
//! that the example fires its code.
//!
//! `MESHC_BLESS=1 cargo test --test integration docs` writes the real output into the blocks
//! instead: read every rewritten block before committing it. A session that names `crds.yaml`
//! gets Istio's CRDs (`istio/crds.gen.yaml` of the shared folder: `MESHC_SHARED`, or `../shared`
//! beside the repository) and is skipped, with a note, where there are none. `internal` is the
//! one code without a session: no profile is known to trigger it (its document says so).

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;

use meshc::Code;

use crate::support::root;

/// A fenced block: its language, its first and last content line (0-based, `end` exclusive),
/// and the file name given on the line before it.
struct Block {
    lang: String,
    start: usize,
    end: usize,
    name: Option<String>,
}

/// The fenced blocks between `## Example` and the next heading.
fn example_blocks(lines: &[&str]) -> Vec<Block> {
    let Some(first) = lines.iter().position(|l| *l == "## Example") else {
        return Vec::new();
    };
    let mut blocks = Vec::new();
    let mut i = first + 1;
    while i < lines.len() && !lines[i].starts_with("## ") {
        if let Some(lang) = lines[i].strip_prefix("```") {
            let start = i + 1;
            let end = (start..lines.len())
                .find(|&j| lines[j] == "```")
                .unwrap_or_else(|| panic!("an unclosed block at line {i}"));
            let name = lines[..i]
                .iter()
                .rev()
                .find(|l| !l.is_empty())
                .and_then(|l| l.strip_prefix('`')?.strip_suffix("`:"))
                .map(str::to_string);
            blocks.push(Block {
                lang: lang.to_string(),
                start,
                end,
                name,
            });
            i = end;
        }
        i += 1;
    }
    blocks
}

/// Istio's CRDs, if the shared folder is at hand.
fn istio_crds() -> Option<PathBuf> {
    let shared =
        std::env::var_os("MESHC_SHARED").map_or_else(|| root().join("../shared"), PathBuf::from);
    let crds = shared.join("istio/crds.gen.yaml");
    crds.is_file().then_some(crds)
}

/// Runs `commands` one after another in `dir`, as `bash` with meshc first on `PATH`; their
/// output, in the order a terminal shows it.
fn session(commands: &[&str], dir: &Path) -> String {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_meshc"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut out = String::new();
    for command in commands {
        let output = Command::new("bash")
            .args(["-c", &format!("{command} 2>&1")])
            .current_dir(dir)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .output()
            .unwrap();
        out.push_str(&String::from_utf8_lossy(&output.stdout));
    }
    out
}

/// What is wrong with the examples of one document; with `bless`, its text with every session's
/// output replaced by the real one.
fn check(code: Code, text: &str, bless: bool, skipped: &mut Vec<String>) -> (Vec<String>, String) {
    let lines: Vec<&str> = text.lines().collect();
    let blocks = example_blocks(&lines);
    let dir = tempfile::tempdir().unwrap();
    for block in blocks
        .iter()
        .filter(|b| b.lang == "toml" || b.lang == "yaml")
    {
        let name = match (&block.name, block.lang.as_str()) {
            (Some(name), "yaml") => name.as_str(),
            (Some(name), "toml") if Path::new(name).extension().is_some_and(|e| e == "toml") => {
                name.as_str()
            }
            (_, "toml") => "profile.toml",
            _ => "bundle.yaml",
        };
        let body: String = lines[block.start..block.end]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let mut problems = Vec::new();
    let mut replaced: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let sessions = blocks
        .iter()
        .filter(|b| b.lang == "text" && lines.get(b.start).is_some_and(|l| l.starts_with("$ ")));
    let (mut fired, mut ran, mut skipped_one) = (false, false, false);
    for block in sessions {
        let body = &lines[block.start..block.end];
        let commands: Vec<&str> = body.iter().filter_map(|l| l.strip_prefix("$ ")).collect();
        let link = dir.path().join("crds.yaml");
        if commands.iter().any(|c| c.contains("crds.yaml")) && !link.exists() {
            let Some(crds) = istio_crds() else {
                skipped.push(format!(
                    "{code}: `{}` needs Istio's CRDs",
                    commands.join("; ")
                ));
                skipped_one = true;
                continue;
            };
            std::os::unix::fs::symlink(crds, link).unwrap();
        }
        ran = true;
        let shown: Vec<&str> = body
            .iter()
            .copied()
            .filter(|l| !l.starts_with("$ "))
            .collect();
        let output = session(&commands, dir.path());
        fired |= output.contains(&format!("[{code}]"));
        let real: Vec<&str> = output.lines().collect();
        if bless {
            let mut new: Vec<String> = commands.iter().map(|c| format!("$ {c}")).collect();
            new.extend(real.iter().map(|l| (*l).to_string()));
            replaced.push((block.start, block.end, new));
        } else if trim_end(&shown) != trim_end(&real) {
            problems.push(format!(
                "docs/codes/{code}.md: `{}` prints\n{}\n--- but the document shows\n{}",
                commands.join("; "),
                real.join("\n"),
                shown.join("\n")
            ));
        }
    }
    if code != Code::Internal && !ran && !skipped_one {
        problems.push(format!(
            "docs/codes/{code}.md: the example shows no `$ meshc` session"
        ));
    }
    if ran && !fired {
        problems.push(format!(
            "docs/codes/{code}.md: the example does not report [{code}]"
        ));
    }
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_string()).collect();
    for (start, end, new) in replaced.into_iter().rev() {
        out.splice(start..end, new);
    }
    (problems, out.join("\n") + "\n")
}

fn trim_end<'a>(lines: &'a [&'a str]) -> &'a [&'a str] {
    let keep = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    &lines[..keep]
}

#[test]
fn every_example_prints_what_meshc_prints() {
    let bless = std::env::var_os("MESHC_BLESS").is_some_and(|v| v == "1");
    let mut problems = Vec::new();
    let mut skipped = Vec::new();
    for &code in Code::ALL {
        let path = root().join(format!("docs/codes/{code}.md"));
        let text = std::fs::read_to_string(&path).unwrap();
        let (found, blessed) = check(code, &text, bless, &mut skipped);
        if bless && blessed != text {
            std::fs::write(&path, blessed).unwrap();
        }
        problems.extend(found);
    }
    for note in &skipped {
        eprintln!("skipped: {note} (set MESHC_SHARED, or put ../shared beside the repository)");
    }
    assert!(
        problems.is_empty(),
        "{}\n\nrun `MESHC_BLESS=1 cargo test --test integration docs` and read every rewritten block",
        problems.join("\n\n")
    );
}
