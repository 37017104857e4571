//! The architecture, enforced: every `crate::…` reference (and every `super::…` that climbs to
//! the crate root) in `src/**/*.rs` is an import of one top-level module by another, and
//!
//! - the checker's side ([`CHECKER`]: the Istio checker, the YAML reader, the CEL front end, the
//!   simulator) imports nothing of the compiler or of the tools ([`COMPILER_AND_TOOLS`]), nor
//!   the crate root's pipeline (`crate::compile`);
//! - what both sides share ([`SHARED`]: diagnostics, sources, the thread pool, `VecMap`) imports
//!   neither side;
//! - only [`RENDERER`] uses annotate-snippets, so diagnostics look the same everywhere;
//! - no compiler stage imports a later one ([`STAGES`]);
//! - no two top-level modules import each other, directly or around a longer cycle (the crate
//!   root, `lib.rs`, counts as one: it imports the stages it runs);
//! - no file in `src/` is over [`MAX_LINES`] lines.
//!
//! Unit tests count as code of their module, except for cycles: a `#[cfg(test)]` block may build
//! its input through the crate's entry points (`crate::check` in the render's tests). Comments,
//! strings and character literals are skipped, so a doc link is not an import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::root;

/// The checker's side: libraries that know nothing of profiles.
const CHECKER: &[&str] = &["istio", "yaml", "cel", "simulate"];

/// What the checker's side must never import.
const COMPILER_AND_TOOLS: &[&str] = &[
    "profile",
    "validate",
    "model",
    "plan",
    "render",
    "selfcheck",
    "emit",
    "cli",
    "pipeline",
    "diff",
    "explain",
    "synth",
    "drift",
    "folder",
    "graph",
];

/// What the compiler and the checker both use, which must import neither.
const SHARED: &[&str] = &["diagnostic", "source", "pool", "vec_map"];

/// The one file that draws diagnostics with annotate-snippets.
const RENDERER: &str = "src/diagnostic/render/human.rs";

/// The compiler's stages in order; a stage may import the stages of its own rank and before.
const STAGES: &[&[&str]] = &[
    &["profile"],
    &["validate", "model"],
    &["plan"],
    &["render"],
    &["selfcheck", "prove"],
    &["emit"],
];

/// The longest a source file may be.
const MAX_LINES: usize = 1000;

/// The crate root (`lib.rs`) as a node of the import graph.
const ROOT: &str = "crate";

/// One reference from a file to a top-level module (or to an item of the crate root).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Import {
    /// The importing file, `src/…`.
    file: String,
    line: usize,
    /// The top-level module of the importing file ([`ROOT`] for `lib.rs`).
    from: String,
    /// The module imported ([`ROOT`] for an item of the crate root).
    to: String,
    /// The path as written, up to the imported module: `crate::model`, `super::super::plan`.
    written: String,
    /// Inside a `#[cfg(test)]` item.
    test: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    PathSep,
    Punct(char),
}

/// Rust source as identifiers, `::` and punctuation with their lines; comments, strings, char
/// literals, lifetimes and numbers are dropped.
fn tokens(text: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    // Skips a string whose opening quote is at `i` (raw with `hashes`), counting lines.
    let skip_string = |mut i: usize, raw: Option<usize>, line: &mut usize| -> usize {
        i += 1;
        while i < chars.len() {
            match chars[i] {
                '\n' => *line += 1,
                '\\' if raw.is_none() => {
                    if at(i + 1) == '\n' {
                        *line += 1;
                    }
                    i += 1;
                }
                '"' => {
                    let hashes = raw.unwrap_or(0);
                    if (1..=hashes).all(|k| at(i + k) == '#') {
                        return i + 1 + hashes;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        i
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            '/' if at(i + 1) == '/' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if at(i + 1) == '*' => {
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && at(i + 1) == '*' {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && at(i + 1) == '/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if chars[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            '"' => i = skip_string(i, None, &mut line),
            '\'' => {
                if at(i + 1) == '\\' {
                    i += 2;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if at(i + 2) == '\'' {
                    i += 3;
                } else {
                    // A lifetime: its name is read as an identifier and means nothing here.
                    i += 1;
                }
            }
            ':' if at(i + 1) == ':' => {
                out.push((Token::PathSep, line));
                i += 2;
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let raw_prefix = matches!(word.as_str(), "r" | "br" | "b" | "c" | "cr");
                if raw_prefix && (at(i) == '"' || at(i) == '#') {
                    let hashes = chars[i..].iter().take_while(|c| **c == '#').count();
                    if at(i + hashes) == '"' {
                        let raw = word.contains('r').then_some(hashes);
                        i = skip_string(i + hashes, raw, &mut line);
                        continue;
                    }
                }
                if word == "b" && at(i) == '\'' {
                    continue;
                }
                out.push((Token::Ident(word), line));
            }
            c if c.is_ascii_digit() => {
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
            c => {
                out.push((Token::Punct(c), line));
                i += 1;
            }
        }
    }
    out
}

/// The module path of a file (`src/istio/rules/mod.rs` is `["istio", "rules"]`; `lib.rs` is
/// `[]`), or `None` for a file outside the library (`main.rs`).
fn module_path(file: &str) -> Option<Vec<String>> {
    let inner = file.strip_prefix("src/")?.strip_suffix(".rs")?;
    if inner == "main" {
        return None;
    }
    if inner == "lib" {
        return Some(Vec::new());
    }
    let mut parts: Vec<String> = inner.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    Some(parts)
}

/// The first identifiers of the entries of a `{ … }` group starting at `tokens[start]`, with
/// their lines.
fn group_heads(tokens: &[(Token, usize)], start: usize) -> Vec<(String, usize)> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expect_head = true;
    for (token, line) in &tokens[start..] {
        match token {
            Token::Punct('{') => {
                depth += 1;
                expect_head = depth == 1;
            }
            Token::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Token::Punct(',') if depth == 1 => expect_head = true,
            Token::Ident(name) if expect_head && depth == 1 => {
                heads.push((name.clone(), *line));
                expect_head = false;
            }
            _ => {
                if depth == 1 {
                    expect_head = false;
                }
            }
        }
    }
    heads
}

/// Every import of a top-level module in one file. `modules` are the crate's top-level modules.
fn imports(file: &str, text: &str, modules: &BTreeSet<String>) -> Vec<Import> {
    let Some(path) = module_path(file) else {
        return Vec::new();
    };
    let from = path.first().cloned().unwrap_or_else(|| ROOT.to_string());
    let tokens = tokens(text);
    let mut out = Vec::new();
    // Open blocks: (brace depth, inline module name, test code).
    let mut scopes: Vec<(usize, Option<String>, bool)> = Vec::new();
    let mut depth = 0;
    let mut cfg_test = false;
    let in_test = |scopes: &[(usize, Option<String>, bool)]| scopes.iter().any(|s| s.2);
    let mut push = |to: &str, written: String, line: usize, test: bool| {
        let to = if modules.contains(to) { to } else { ROOT };
        if to != from {
            out.push(Import {
                file: file.to_string(),
                line,
                from: from.clone(),
                to: to.to_string(),
                written,
                test,
            });
        }
    };
    let ident = |i: usize| match tokens.get(i) {
        Some((Token::Ident(name), _)) => Some(name.as_str()),
        _ => None,
    };
    let punct = |i: usize, c: char| matches!(tokens.get(i), Some((Token::Punct(p), _)) if *p == c);
    let sep = |i: usize| matches!(tokens.get(i), Some((Token::PathSep, _)));
    let mut i = 0;
    while i < tokens.len() {
        let line = tokens[i].1;
        let test = cfg_test || in_test(&scopes);
        // `#[cfg(test)]`
        if punct(i, '#')
            && punct(i + 1, '[')
            && ident(i + 2) == Some("cfg")
            && punct(i + 3, '(')
            && ident(i + 4) == Some("test")
            && punct(i + 5, ')')
        {
            cfg_test = true;
            i += 7;
            continue;
        }
        match &tokens[i].0 {
            Token::Punct('{') => {
                depth += 1;
                let name = (ident(i.wrapping_sub(2)) == Some("mod"))
                    .then(|| ident(i - 1).map(str::to_string))
                    .flatten();
                if name.is_some() || cfg_test {
                    scopes.push((depth, name, test));
                }
                cfg_test = false;
            }
            Token::Punct('}') => {
                if scopes.last().is_some_and(|s| s.0 == depth) {
                    scopes.pop();
                }
                depth -= 1;
            }
            Token::Punct(';') => cfg_test = false,
            Token::Ident(word) if !sep(i.wrapping_sub(1)) && !punct(i.wrapping_sub(1), '$') => {
                // A path that names a top-level module: `crate::X`, a `super::…::X` that climbs
                // to the root, or `X::…` in `lib.rs` itself.
                let mut here: Vec<String> = path.clone();
                here.extend(scopes.iter().filter_map(|s| s.1.clone()));
                let (climbs, mut next) = match word.as_str() {
                    "crate" if sep(i + 1) => (Some(here.len()), i + 2),
                    "super" if sep(i + 1) => {
                        let mut supers = 1;
                        let mut j = i + 2;
                        while ident(j) == Some("super") && sep(j + 1) {
                            supers += 1;
                            j += 2;
                        }
                        (Some(supers), j)
                    }
                    name if from == ROOT && modules.contains(name) && sep(i + 1) => {
                        push(name, name.to_string(), line, test);
                        (None, i + 1)
                    }
                    _ => (None, i + 1),
                };
                if climbs.is_some_and(|c| c == here.len()) {
                    let prefix: Vec<&str> = tokens[i..next]
                        .iter()
                        .filter_map(|(t, _)| match t {
                            Token::Ident(name) => Some(name.as_str()),
                            _ => None,
                        })
                        .collect();
                    let prefix = prefix.join("::");
                    if let Some(name) = ident(next) {
                        push(name, format!("{prefix}::{name}"), line, test);
                        next += 1;
                    } else if punct(next, '{') {
                        for (name, line) in group_heads(&tokens, next) {
                            push(&name, format!("{prefix}::{name}"), line, test);
                        }
                    }
                }
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Everything wrong with the layering of `files` (path under the repository, text).
fn violations(files: &[(String, String)]) -> Vec<String> {
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|(file, _)| module_path(file)?.first().cloned())
        .collect();
    let mut found = Vec::new();
    for (file, text) in files {
        let lines = text.lines().count();
        if lines > MAX_LINES {
            found.push(format!(
                "{file} has {lines} lines, over {MAX_LINES}: split it into modules"
            ));
        }
        let draws = tokens(text)
            .into_iter()
            .find(|(token, _)| *token == Token::Ident("annotate_snippets".to_string()));
        if let Some((_, line)) = draws.filter(|_| file != RENDERER) {
            found.push(format!(
                "{file}:{line}: annotate_snippets: only {RENDERER} draws diagnostics"
            ));
        }
    }
    let imports: Vec<Import> = files
        .iter()
        .flat_map(|(file, text)| imports(file, text, &modules))
        .collect();
    let rank = |module: &str| STAGES.iter().position(|stage| stage.contains(&module));
    let stages = STAGES
        .iter()
        .map(|stage| stage.join("/"))
        .collect::<Vec<_>>()
        .join(" → ");
    for import in &imports {
        let Import {
            file,
            line,
            from,
            to,
            written,
            ..
        } = import;
        if CHECKER.contains(&from.as_str())
            && (COMPILER_AND_TOOLS.contains(&to.as_str()) || to == ROOT)
        {
            found.push(format!(
                "{file}:{line}: {written}: the checker's side ({from}) imports {to}; it must know \
                 nothing of the compiler or its tools ({})",
                COMPILER_AND_TOOLS.join(", ")
            ));
        }
        if SHARED.contains(&from.as_str())
            && (CHECKER.contains(&to.as_str())
                || COMPILER_AND_TOOLS.contains(&to.as_str())
                || to == ROOT)
        {
            found.push(format!(
                "{file}:{line}: {written}: {from} is shared by the compiler and the checker; it \
                 must import neither"
            ));
        }
        if let (Some(a), Some(b)) = (rank(from), rank(to))
            && b > a
        {
            found.push(format!(
                "{file}:{line}: {written}: stage {from} imports {to}, a later stage ({stages})"
            ));
        }
    }
    found.extend(cycles(&imports));
    found
}

/// Every import cycle between top-level modules, in code outside tests: for each import that
/// lies on a cycle, the shortest way back, each step with the import that makes it.
fn cycles(imports: &[Import]) -> Vec<String> {
    let mut edges: BTreeMap<&str, BTreeMap<&str, &Import>> = BTreeMap::new();
    for import in imports.iter().filter(|i| !i.test) {
        edges
            .entry(import.from.as_str())
            .or_default()
            .entry(import.to.as_str())
            .or_insert(import);
    }
    let mut reported: BTreeSet<Vec<&str>> = BTreeSet::new();
    let mut found = Vec::new();
    for (&from, targets) in &edges {
        for &to in targets.keys() {
            let Some(back) = shortest_path(&edges, to, from) else {
                continue;
            };
            // from → to → … → (back to from); every rotation is the same cycle.
            let mut cycle = vec![from];
            cycle.extend(&back[..back.len() - 1]);
            let mut key = cycle.clone();
            let smallest = (0..key.len()).min_by_key(|&k| key[k]).unwrap_or(0);
            key.rotate_left(smallest);
            if !reported.insert(key) {
                continue;
            }
            let steps: Vec<String> = cycle
                .iter()
                .zip(cycle.iter().cycle().skip(1))
                .map(|(a, b)| {
                    let import = edges[a][b];
                    format!("{}:{} imports {}", import.file, import.line, import.written)
                })
                .collect();
            let mut names = cycle.clone();
            names.push(from);
            found.push(format!(
                "import cycle {}: {}",
                names.join(" → "),
                steps.join("; ")
            ));
        }
    }
    found
}

/// The nodes from `start` to `goal`, both included, by the fewest edges.
fn shortest_path<'a>(
    edges: &BTreeMap<&'a str, BTreeMap<&'a str, &Import>>,
    start: &'a str,
    goal: &'a str,
) -> Option<Vec<&'a str>> {
    let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        if node == goal {
            let mut path = vec![goal];
            let mut at = goal;
            while at != start {
                at = previous[at];
                path.push(at);
            }
            path.reverse();
            return Some(path);
        }
        for &next in edges.get(node).map(BTreeMap::keys).into_iter().flatten() {
            if next != start && !previous.contains_key(next) {
                previous.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    None
}

/// Every `.rs` file under `dir`, named from the repository root with `/`.
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn the_layers_hold() {
    let mut files = Vec::new();
    sources(&root().join("src"), &mut files);
    files.sort();
    assert!(files.len() > 50, "too few sources: {}", files.len());
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|(file, _)| module_path(file)?.first().cloned())
        .collect();
    for module in ["istio", "yaml", "cel", "selfcheck", "model", "plan"] {
        assert!(modules.contains(module), "no module {module}");
    }
    // The checker is seen: its files import each other and the YAML reader.
    let checked: usize = files
        .iter()
        .map(|(file, text)| imports(file, text, &modules).len())
        .sum();
    assert!(checked > 100, "too few imports found: {checked}");
    let found = violations(&files);
    assert!(found.is_empty(), "\n{}", found.join("\n"));
}

#[test]
fn each_rule_can_fail() {
    let file = |name: &str, text: &str| (name.to_string(), text.to_string());
    let files = vec![
        file(
            "src/lib.rs",
            "pub mod a;\nfn compile() { plan::build(); render::render(); }\n",
        ),
        file(
            "src/istio/rules/inventory.rs",
            "//! Not [`crate::model`], nor \"crate::plan\".\nuse crate::yaml::Node;\n\
             use crate::model::Profile;\nfn f() { let c = '\"'; crate::compile(); }\n",
        ),
        file(
            "src/istio/mod.rs",
            "mod inner {\n    use super::super::{diff, yaml};\n}\n",
        ),
        file(
            "src/plan/mod.rs",
            "use crate::model::Name;\nuse crate::{profile, render::File};\n",
        ),
        file(
            "src/render/mod.rs",
            "use crate::plan::Plan;\n#[cfg(test)]\nmod tests {\n    use crate::check;\n}\n",
        ),
        file(
            "src/source.rs",
            "use crate::diagnostic::{Code, Diagnostic};\n",
        ),
        file("src/diagnostic/report.rs", "use crate::source::Source;\n"),
        file("src/yaml/mod.rs", &"// long\n".repeat(MAX_LINES + 1)),
        file(
            "src/model/mod.rs",
            "pub use crate::istio::vocab::IstioVersion;\n",
        ),
        file("src/main.rs", "fn main() { meshc::cli::run(); }\n"),
        file("src/profile/mod.rs", ""),
        file("src/diff/mod.rs", ""),
        file(
            "src/diagnostic/location.rs",
            "use crate::yaml::Node;\nuse crate::cli::Output;\n",
        ),
        file(
            "src/cli/mod.rs",
            "// annotate_snippets\nuse annotate_snippets::Renderer;\n",
        ),
        file(RENDERER, "use annotate_snippets::Renderer;\n"),
    ];
    let found = violations(&files);
    let expected = [
        "src/yaml/mod.rs has 1001 lines, over 1000: split it into modules",
        "src/cli/mod.rs:2: annotate_snippets: only src/diagnostic/render/human.rs draws \
         diagnostics",
        "src/istio/rules/inventory.rs:3: crate::model: the checker's side (istio) imports model; \
         it must know nothing of the compiler or its tools (profile, validate, model, plan, \
         render, selfcheck, emit, cli, pipeline, diff, explain, synth, drift, folder, graph)",
        "src/istio/rules/inventory.rs:4: crate::compile: the checker's side (istio) imports \
         crate; it must know nothing of the compiler or its tools (profile, validate, model, \
         plan, render, selfcheck, emit, cli, pipeline, diff, explain, synth, drift, folder, graph)",
        "src/istio/mod.rs:2: super::super::diff: the checker's side (istio) imports diff; it \
         must know nothing of the compiler or its tools (profile, validate, model, plan, render, \
         selfcheck, emit, cli, pipeline, diff, explain, synth, drift, folder, graph)",
        "src/plan/mod.rs:2: crate::render: stage plan imports render, a later stage (profile → \
         validate/model → plan → render → selfcheck/prove → emit)",
        "src/diagnostic/location.rs:1: crate::yaml: diagnostic is shared by the compiler and the \
         checker; it must import neither",
        "src/diagnostic/location.rs:2: crate::cli: diagnostic is shared by the compiler and the \
         checker; it must import neither",
        // The checker's import of `crate::compile` closes two cycles through the root.
        "import cycle crate → plan → model → istio → crate: src/lib.rs:2 imports plan; \
         src/plan/mod.rs:1 imports crate::model; src/model/mod.rs:1 imports crate::istio; \
         src/istio/rules/inventory.rs:4 imports crate::compile",
        "import cycle crate → render → plan → model → istio → crate: src/lib.rs:2 imports \
         render; src/render/mod.rs:1 imports crate::plan; src/plan/mod.rs:1 imports \
         crate::model; src/model/mod.rs:1 imports crate::istio; src/istio/rules/inventory.rs:4 \
         imports crate::compile",
        "import cycle diagnostic → source → diagnostic: src/diagnostic/report.rs:1 imports \
         crate::source; src/source.rs:1 imports crate::diagnostic",
        "import cycle istio → model → istio: src/istio/rules/inventory.rs:3 imports \
         crate::model; src/model/mod.rs:1 imports crate::istio",
        // The render's test imports the crate root, which imports the render: tests make no
        // cycle, so there is no `crate → render → crate`.
        "import cycle plan → render → plan: src/plan/mod.rs:2 imports crate::render; \
         src/render/mod.rs:1 imports crate::plan",
    ];
    assert_eq!(found, expected);
    // Clean files raise nothing.
    assert!(violations(&files[8..10]).is_empty());
}

/// The facade: what `lib.rs` exports, each name counted once. Growing it is a decision, made
/// here, not a side effect of a new module.
#[test]
fn the_facade_stays_small() {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let mut names = Vec::new();
    for line in lib.lines() {
        if let Some(rest) = line.strip_prefix("pub use ") {
            let (_, items) = rest.rsplit_once("::").unwrap_or(("", rest));
            let items = items
                .trim_end_matches(';')
                .trim_matches(|c| c == '{' || c == '}');
            names.extend(items.split(',').map(|n| n.trim().to_string()));
        } else if let Some(rest) = line.strip_prefix("pub mod ") {
            names.push(rest.trim_end_matches(';').to_string());
        } else {
            assert!(
                !line.starts_with("pub "),
                "src/lib.rs defines `{line}`: define it in a module and re-export it"
            );
        }
    }
    names.sort();
    assert_eq!(
        names,
        [
            "Checked",
            "Code",
            "Compiled",
            "Diagnostic",
            "Diagnostics",
            "Exit",
            "Failure",
            "InternalError",
            "Severity",
            "Source",
            "check",
            "compile",
            "istio",
            "run",
            "simulate",
            "testing",
        ]
    );
}
