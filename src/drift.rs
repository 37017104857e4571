//! `render --check`: whether a folder holds exactly a fresh render, and, when it does not, a
//! unified diff from the folder to the render (so that `git apply` would bring it up to date).
//!
//! The diff is bounded so that no folder can stall a CI check: a file pair larger than
//! [`MAX_DIFF_BYTES`], or whose diff takes longer than [`DIFF_DEADLINE`], is reported as
//! differing without hunks.

use std::fmt::Write;
use std::time::{Duration, Instant};

use similar::{Algorithm, TextDiff};

use crate::folder::{Content, Entry};
use crate::limits::{MAX_DIFF_BYTES, MAX_DIFF_SECONDS, MAX_YAML_BYTES};
use crate::render::File;

/// How long one file's diff may take before its hunks are given up.
const DIFF_DEADLINE: Duration = Duration::from_secs(MAX_DIFF_SECONDS as u64);

/// What the folder holds under a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Nothing.
    Absent,
    /// A regular file with these bytes.
    File(Vec<u8>),
    /// A regular file too large to read ([`Content::TooLarge`]).
    TooLarge,
    /// Something that is not a regular file (a folder, a link).
    Other,
}

/// A name under which the folder and the fresh render disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// File name.
    pub name: String,
    /// What the folder holds.
    pub found: Found,
    /// What the render holds (`None`: the render has no such file).
    pub expected: Option<String>,
}

/// Every disagreement between the folder's entries (`None`: no folder) and `files`, by name.
pub fn compare(entries: Option<&[Entry]>, files: &[File]) -> Vec<Drift> {
    let entries = entries.unwrap_or_default();
    let mut names: Vec<&str> = entries
        .iter()
        .map(|e| e.name.as_str())
        .chain(files.iter().map(|f| f.name.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let found = match entries.iter().find(|e| e.name == name) {
                None => Found::Absent,
                Some(entry) => match &entry.content {
                    Content::File(bytes) => Found::File(bytes.clone()),
                    Content::TooLarge => Found::TooLarge,
                    Content::Other => Found::Other,
                },
            };
            let expected = files.iter().find(|f| f.name == name).map(|f| &f.content);
            let same = matches!((&found, expected), (Found::File(old), Some(new)) if old == new.as_bytes());
            (!same).then(|| Drift {
                name: name.to_string(),
                found,
                expected: expected.cloned(),
            })
        })
        .collect()
}

/// The drifts as one unified diff, with paths `a/<dir>/<name>` and `b/<dir>/<name>` (or
/// `/dev/null` for a file on one side only), as `git diff` writes them.
pub fn unified_diff(dir: &str, drifts: &[Drift]) -> String {
    let dir = dir.trim_start_matches("./").trim_matches('/');
    let path = |side: &str, name: &str| {
        if dir.is_empty() {
            format!("{side}/{name}")
        } else {
            format!("{side}/{dir}/{name}")
        }
    };
    let mut out = String::new();
    for drift in drifts {
        let old_label = path("a", &drift.name);
        let new_label = path("b", &drift.name);
        let old_header = if drift.found == Found::Absent {
            "/dev/null"
        } else {
            &old_label
        };
        let new_header = if drift.expected.is_none() {
            "/dev/null"
        } else {
            &new_label
        };
        let old_text = match &drift.found {
            Found::Absent => Some(String::new()),
            Found::File(bytes) => String::from_utf8(bytes.clone()).ok(),
            Found::Other => {
                let _ = writeln!(
                    out,
                    "{} is not a regular file; meshc writes only files there",
                    old_label.trim_start_matches("a/")
                );
                continue;
            }
            Found::TooLarge => {
                let _ = writeln!(
                    out,
                    "Files {old_header} and {new_header} differ (the old one is larger than {} \
                     MiB)",
                    MAX_YAML_BYTES >> 20
                );
                continue;
            }
        };
        let Some(old_text) = old_text else {
            let _ = writeln!(out, "Binary files {old_label} and {new_label} differ");
            continue;
        };
        let new_text = drift.expected.clone().unwrap_or_default();
        if old_text.len() + new_text.len() > MAX_DIFF_BYTES {
            let _ = writeln!(
                out,
                "Files {old_header} and {new_header} differ (together larger than {} MiB: no \
                 hunks)",
                MAX_DIFF_BYTES >> 20
            );
            continue;
        }
        match hunks(&old_text, &new_text, old_header, new_header, DIFF_DEADLINE) {
            Some(hunks) => out.push_str(&hunks),
            None => {
                let _ = writeln!(
                    out,
                    "Files {old_header} and {new_header} differ (no hunks: the diff took longer \
                     than {MAX_DIFF_SECONDS} s)"
                );
            }
        }
    }
    out
}

/// The unified diff of two texts, or `None` when finding it took longer than `deadline` (past
/// it, the diff algorithm gives up on a minimal diff, so what it found is not worth showing).
fn hunks(
    old: &str,
    new: &str,
    old_header: &str,
    new_header: &str,
    deadline: Duration,
) -> Option<String> {
    let start = Instant::now();
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .timeout(deadline)
        .diff_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(old_header, new_header)
        .to_string();
    (start.elapsed() < deadline).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, content: &str) -> Entry {
        Entry {
            name: name.to_string(),
            content: Content::File(content.as_bytes().to_vec()),
        }
    }

    fn file(name: &str, content: &str) -> File {
        File {
            name: name.to_string(),
            content: content.to_string(),
        }
    }

    #[test]
    fn a_matching_folder_has_no_drift() {
        let entries = [entry("a.yaml", "x: 1\n")];
        assert!(compare(Some(&entries), &[file("a.yaml", "x: 1\n")]).is_empty());
    }

    #[test]
    fn changed_missing_and_extra_files_read_as_git_writes_them() {
        let entries = [
            entry("a.yaml", "x: 1\ny: 2\n"),
            entry("old.yaml", "gone: true\n"),
        ];
        let files = [file("a.yaml", "x: 1\ny: 3\n"), file("b.yaml", "new: 1\n")];
        let drifts = compare(Some(&entries), &files);
        assert_eq!(drifts.len(), 3);
        assert_eq!(
            unified_diff("./out/prod/", &drifts),
            "--- a/out/prod/a.yaml\n+++ b/out/prod/a.yaml\n@@ -1,2 +1,2 @@\n x: 1\n-y: 2\n+y: 3\n\
             --- /dev/null\n+++ b/out/prod/b.yaml\n@@ -0,0 +1 @@\n+new: 1\n\
             --- a/out/prod/old.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone: true\n"
        );
    }

    /// 8.7 MB of lines that all differ took more than a minute to diff; past the size bound
    /// there are no hunks, and past the deadline neither.
    #[test]
    fn large_or_slow_diffs_report_that_files_differ_without_hunks() {
        let lines = |tag: &str, n: usize| (0..n).map(|i| format!("{tag}{i}\n")).collect::<String>();
        let old = lines("a", MAX_DIFF_BYTES / 8);
        let entries = [entry("v.yaml", &old)];
        let diff = unified_diff(
            "o",
            &compare(
                Some(&entries),
                &[file("v.yaml", &lines("b", MAX_DIFF_BYTES / 8))],
            ),
        );
        assert_eq!(
            diff,
            "Files a/o/v.yaml and b/o/v.yaml differ (together larger than 16 MiB: no hunks)\n"
        );
        // A deadline far beyond any machine's load keeps this test about the deadline's
        // meaning, not about how fast this machine diffs (that is what benches measure).
        let (old, new) = (lines("a", 200), lines("b", 200));
        assert_eq!(hunks(&old, &new, "a", "b", Duration::ZERO), None);
        let unhurried = Duration::from_secs(3_600);
        let shown = hunks(&old, &new, "a", "b", unhurried).expect("within the deadline");
        assert!(
            shown.starts_with("--- a\n+++ b\n@@ -1,200 +1,200 @@\n-a0\n"),
            "{shown}"
        );
    }

    #[test]
    fn a_missing_folder_lacks_every_file() {
        let drifts = compare(None, &[file("a.yaml", "x: 1\n")]);
        assert_eq!(drifts[0].found, Found::Absent);
    }

    #[test]
    fn a_lost_final_line_break_is_marked() {
        let entries = [entry("a.yaml", "x: 1")];
        let diff = unified_diff("o", &compare(Some(&entries), &[file("a.yaml", "x: 1\n")]));
        assert!(diff.contains("\\ No newline at end of file"), "{diff}");
    }

    #[test]
    fn binary_files_and_folders_are_named_not_diffed() {
        let entries = [
            Entry {
                name: "a.yaml".to_string(),
                content: Content::File(vec![0xff, 0xfe]),
            },
            Entry {
                name: "huge.yaml".to_string(),
                content: Content::TooLarge,
            },
            Entry {
                name: "sub".to_string(),
                content: Content::Other,
            },
        ];
        let diff = unified_diff("o", &compare(Some(&entries), &[file("a.yaml", "x\n")]));
        assert_eq!(
            diff,
            "Binary files a/o/a.yaml and b/o/a.yaml differ\n\
             Files a/o/huge.yaml and /dev/null differ (the old one is larger than 256 MiB)\n\
             o/sub is not a regular file; meshc writes only files there\n"
        );
    }
}
