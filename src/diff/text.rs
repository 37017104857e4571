//! The text format: one line per changed field, each naming its resource, so that a line read
//! alone says what changed: `VirtualService ns/a http[default].route[canary].weight: 20 → 30`.

use std::fmt::Write;

use super::value::compact;
use super::{Change, Field, Report};

const RED: &str = "\u{1b}[31m";
const GREEN: &str = "\u{1b}[32m";
const RESET: &str = "\u{1b}[0m";

/// The report as text; `color` adds ANSI colours (old values red, new ones green).
pub fn text(report: &Report, color: bool) -> String {
    let paint = |colour: &str, text: &str| {
        if color {
            format!("{colour}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    for resource in &report.resources {
        let label = resource.label();
        match &resource.change {
            Change::Added(_) => {
                let _ = writeln!(out, "{label} {}", paint(GREEN, "added"));
            }
            Change::Removed(_) => {
                let _ = writeln!(out, "{label} {}", paint(RED, "removed"));
            }
            Change::Changed(fields) => {
                for field in fields {
                    let what = match &field.change {
                        Field::Changed { old, new } => format!(
                            "{} → {}",
                            paint(RED, &compact(old)),
                            paint(GREEN, &compact(new))
                        ),
                        Field::Added(new) => format!("added {}", paint(GREEN, &compact(new))),
                        Field::Removed(old) => format!("removed {}", paint(RED, &compact(old))),
                        Field::Reordered { old, new } => format!(
                            "order {} → {}",
                            paint(RED, &old.join(", ")),
                            paint(GREEN, &new.join(", "))
                        ),
                    };
                    let path = field.path.to_string();
                    if path.is_empty() {
                        let _ = writeln!(out, "{label}: {what}");
                    } else {
                        let _ = writeln!(out, "{label} {path}: {what}");
                    }
                }
            }
        }
    }
    out
}
