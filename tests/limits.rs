//! Limits that keep a hostile profile from using unbounded memory or time.

use std::fmt::Write;

use meshc::diagnostic::Code;
use meshc::limits::{MAX_DEPTH, MAX_PROFILE_BYTES, MAX_SERVICES};
use meshc::source::Source;

#[test]
fn an_oversized_profile_is_refused_before_parsing() {
    // Valid TOML all the way: a comment padded past the limit.
    let mut text = String::from("[services.a]\nport = 8080\n# ");
    text.push_str(&"x".repeat(MAX_PROFILE_BYTES));
    let source = Source::new("huge.toml", text);
    let diagnostics = meshc::check(&source).expect_err("a profile over the limit is refused");
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::TooLarge]);
    let diagnostic = diagnostics.iter().next().unwrap();
    assert_eq!(
        diagnostic.profile_span(),
        Some(0..0),
        "it points at the start of the file"
    );
    assert!(
        diagnostic.message.contains(&MAX_PROFILE_BYTES.to_string()),
        "{}",
        diagnostic.message
    );
}

fn codes(text: String) -> Vec<Code> {
    match meshc::check(&Source::new("limits.toml", text)) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.iter().map(|d| d.code).collect(),
    }
}

/// A profile of `services` services, each called by the next.
fn services(count: usize) -> String {
    let mut text = String::new();
    for i in 0..count {
        writeln!(
            text,
            "[services.s{i}]\nport = 8080\n[[services.s{i}.callers]]\nservices = [\"s{}\"]",
            (i + 1) % count
        )
        .unwrap();
    }
    text
}

#[test]
fn a_20_mb_profile_is_refused_by_the_command_line_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    // A valid start, then 20 MB of comment lines.
    let mut text = services(2);
    let line = format!("# {}\n", "x".repeat(98));
    text.push_str(&line.repeat(20 * 1024 * 1024 / line.len()));
    std::fs::write(&path, &text).unwrap();
    let out = dir.path().join("out");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_meshc"))
        .args(["--message-format", "json", "render"])
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("\"code\":\"too-large\""), "{stderr}");
    assert!(stderr.contains("\"line\":1,\"column\":1"), "{stderr}");
    // meshc reads one byte past the limit, not the whole file.
    assert!(
        stderr.contains(&format!("{}", MAX_PROFILE_BYTES + 1)),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn the_service_limit_is_a_boundary() {
    assert_eq!(codes(services(MAX_SERVICES)), []);
    assert_eq!(codes(services(MAX_SERVICES + 1)), [Code::TooLarge]);
}

#[test]
fn nesting_up_to_the_limit_is_read_and_deeper_is_too_large() {
    // Arrays inside a value: the document and the key count as two levels.
    let nested = |depth: usize| {
        format!(
            "{}[mesh]\nid = {}\"x\"{}\n",
            services(1),
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    assert_eq!(codes(nested(MAX_DEPTH - 3)), [Code::WrongType]);
    assert_eq!(codes(nested(MAX_DEPTH + 1)), [Code::TooLarge]);
}

#[test]
fn tenants_are_bounded_by_what_they_reach() {
    // 1,000 services and 700 tenants with 150 paths each on one service: two rules on every
    // service, and 700 × (4 + 2 × 150) for the tenants, plus the gateway route.
    let mut text = services(1000);
    text.push_str(
        "[gateway]\nhosts = [\"api.example.com\"]\ncredential = \"tls\"\n\
         [gateway.routes.api]\nprefix = \"/\"\nservice = \"s0\"\n\
         [security.jwt]\nissuer = \"https://auth.example.com\"\n\
         jwks-uri = \"https://auth.example.com/jwks\"\naudiences = [\"api\"]\n",
    );
    for t in 0..700 {
        let paths: Vec<String> = (0..150).map(|p| format!("\"/t{t}/p{p}\"")).collect();
        writeln!(
            text,
            "[tenants.t{t}]\nservices = [\"s0\"]\npaths = [{}]",
            paths.join(", ")
        )
        .unwrap();
    }
    let source = Source::new("tenants.toml", text);
    let Err(diagnostics) = meshc::check(&source) else {
        panic!("too many tenant rules must be refused");
    };
    let found: Vec<_> = diagnostics.iter().collect();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].code, Code::TooLarge);
    assert!(found[0].message.contains("214801"), "{}", found[0].message);
    assert_eq!(&source.text()[found[0].profile_span().unwrap()], "t0");
}

/// Issue 10: ten thousand services with a thousand tenants reaching five services each are
/// admitted, since isolation costs what tenants reach, not services × tenants.
#[test]
fn a_thousand_tenants_on_ten_thousand_services_are_admitted() {
    let text = meshc::synth::profile(meshc::synth::Shape {
        services: 10_000,
        tenants: 1_000,
        reach: 5,
        regions: 3,
    });
    let source = Source::new("synthetic.toml", text);
    if let Err(diagnostics) = meshc::check(&source) {
        panic!(
            "{:?}",
            diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
    }
}

#[test]
fn gateway_routes_times_service_routes_are_bounded() {
    let mut text = String::from(
        "[services.api]\nport = 8080\n[services.api.subsets.v1]\nlabels = { version = \"v1\" }\n",
    );
    for r in 0..250 {
        writeln!(
            text,
            "[[services.api.routes]]\nname = \"r{r}\"\nprefix = \"/r{r}\"\nto = \"v1\""
        )
        .unwrap();
    }
    text.push_str("[gateway]\nhosts = [\"api.example.com\"]\ncredential = \"tls\"\n");
    for g in 0..900 {
        writeln!(
            text,
            "[gateway.routes.g{g}]\nprefix = \"/g{g}\"\nservice = \"api\""
        )
        .unwrap();
    }
    let found = codes(text);
    assert_eq!(found, [Code::TooLarge]);
}
