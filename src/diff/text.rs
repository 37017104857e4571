//! The text format: one line per changed field, each naming its resource, so that a line read
//! alone says what changed: `VirtualService ns/a http[default].route[canary].weight: 20 → 30`.
//! Names, keys and values are printed with control characters as visible stand-ins
//! ([`plain`]), so that a hostile manifest cannot rewrite the lines of a CI log.

use std::fmt::Write;

use super::value::compact;
use super::{Change, Field, Report};
use crate::diagnostic::render::plain;

const RED: &str = "\u{1b}[31m";
const GREEN: &str = "\u{1b}[32m";
const RESET: &str = "\u{1b}[0m";

/// The report as text; `color` adds ANSI colours (old values red, new ones green).
pub fn text(report: &Report, color: bool) -> String {
    let paint = |colour: &str, text: &str| {
        let text = plain(text);
        if color {
            format!("{colour}{text}{RESET}")
        } else {
            text
        }
    };
    let mut out = String::new();
    // What requests get comes first: it is what a reviewer must judge; the resources explain it.
    if let Some(behaviour) = &report.behaviour
        && report.differs()
    {
        for line in super::behaviour::text_lines(behaviour) {
            let _ = writeln!(out, "{}", plain(&line));
        }
    }
    for resource in &report.resources {
        let label = plain(&resource.label());
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
                    let path = plain(&field.path.to_string());
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
