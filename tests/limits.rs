//! Limits that keep a hostile profile from using unbounded memory or time.

use std::fmt::Write;

use meshc::Code;
use meshc::Source;
use meshc::testing::limits::{MAX_DEPTH, MAX_PROFILE_BYTES, MAX_SERVICES};

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
fn a_terabyte_profile_is_refused_by_the_command_line_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    // A valid start, then a terabyte of zeros that take no disk (a sparse file): read whole,
    // it would exhaust the memory or the test's time.
    std::fs::write(&path, services(2)).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
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
    assert!(
        stderr.contains(&format!(
            "the profile is larger than {MAX_PROFILE_BYTES} bytes, the most meshc reads"
        )),
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
    let text = meshc::testing::synth::profile(meshc::testing::synth::Shape {
        services: 10_000,
        tenants: 1_000,
        reach: 5,
        regions: 3,
        reach_max: 5,
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

/// `count` services, each with its own trace sampling or not, and nothing else.
fn plain_services(count: usize, sampling: bool) -> String {
    let mut text = String::new();
    for i in 0..count {
        writeln!(text, "[services.s{i}]\nport = 8080").unwrap();
        if sampling {
            text.push_str("sampling = 5\n");
        }
        writeln!(
            text,
            "[[services.s{i}.callers]]\nservices = [\"s{}\"]",
            (i + 1) % count
        )
        .unwrap();
    }
    text
}

/// The diagnostics of a profile that must be refused, with the text each points at.
fn refused(text: String) -> Vec<(Code, String, String)> {
    let source = Source::new("amplified.toml", text);
    let Err(diagnostics) = meshc::check(&source) else {
        panic!("the profile must be refused");
    };
    diagnostics
        .iter()
        .map(|d| {
            let at = source.text()[d.profile_span().unwrap()].to_string();
            (d.code, at, d.message.clone())
        })
        .collect()
}

/// A 0.6 MB profile rendered 808 MB: every service with its own sampling gets a Telemetry that
/// repeats every tracing tag. Refused from the estimate, at the first tag, before planning.
#[test]
fn tracing_tags_repeated_per_service_are_estimated_and_refused() {
    let mut text = plain_services(2000, true);
    text.push_str(
        "[telemetry.providers.otel]\nkind = \"opentelemetry\"\n\
         service = \"otel.observability.svc.cluster.local\"\nport = 4317\n\
         [telemetry.tracing]\nprovider = \"otel\"\n",
    );
    for t in 0..256 {
        let header = "h".repeat(250);
        let default = "d".repeat(256);
        writeln!(
            text,
            "[telemetry.tracing.tags.t{t}]\nheader = \"x-{header}{t}\"\ndefault = \"{default}\""
        )
        .unwrap();
    }
    assert!(text.len() < 400_000, "{}", text.len());
    let found = refused(text);
    assert_eq!(found.len(), 1, "{found:?}");
    let (code, at, message) = &found[0];
    assert_eq!((*code, at.as_str()), (Code::TooLarge, "t0"));
    assert!(message.contains("about 314 MiB"), "{message}");
}

/// 522 KB rendered 446 MB: the CORS policy is copied into every HTTP rule of the gateway (this
/// 0.7 MB profile would render about 340 MiB).
#[test]
fn a_cors_policy_copied_into_every_gateway_rule_is_estimated_and_refused() {
    let mut text = plain_services(5000, false);
    let origins: Vec<String> = (0..256)
        .map(|k| format!("\"https://{}{k}.example.com\"", "o".repeat(200)))
        .collect();
    writeln!(
        text,
        "[gateway]\nhosts = [\"shop.example.com\"]\ncredential = \"shop-tls\"\n\
         [gateway.cors]\nallow-origins = [{}]\nallow-methods = [\"GET\"]",
        origins.join(", ")
    )
    .unwrap();
    for i in 0..5000 {
        writeln!(
            text,
            "[gateway.routes.r{i}]\nprefix = \"/r{i}\"\nservice = \"s{i}\""
        )
        .unwrap();
    }
    assert!(text.len() < 800_000, "{}", text.len());
    let found = refused(text);
    assert_eq!(found.len(), 1, "{found:?}");
    let (code, at, message) = &found[0];
    assert_eq!(*code, Code::TooLarge);
    assert_eq!(at, "[gateway.cors]");
    assert!(message.contains("would render about 343 MiB"), "{message}");
}

/// The estimate admits the benchmark's largest mesh: 10,000 synthetic services with tenants,
/// regions, a gateway with CORS and per-service sampling.
#[test]
fn the_estimate_admits_ten_thousand_synthetic_services() {
    let text = meshc::testing::synth::profile(meshc::testing::synth::Shape::services(10_000));
    let source = Source::new("synthetic.toml", text);
    let raw = meshc::testing::profile::load(&source).unwrap();
    if let Err(diagnostics) = meshc::testing::validate::validate(&raw) {
        let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
        panic!("refused: {codes:?}");
    }
}

/// Every primary cluster renders the mesh configuration again: 10,000 clusters are refused at
/// the first one over the table limit, and 65 at the first one over the cluster limit.
#[test]
fn clusters_are_bounded() {
    for (count, at) in [(10_000, "c256"), (65, "c64")] {
        let mut text = services(1);
        for c in 0..count {
            writeln!(text, "[clusters.c{c}]\nnetwork = \"n{c}\"").unwrap();
        }
        let source = Source::new("clusters.toml", text);
        let Err(diagnostics) = meshc::check(&source) else {
            panic!("{count} clusters must be refused");
        };
        let found: Vec<_> = diagnostics.iter().collect();
        assert_eq!(found.len(), 1, "{count}: {found:?}");
        assert_eq!(found[0].code, Code::TooLarge);
        assert_eq!(&source.text()[found[0].profile_span().unwrap()], at);
    }
}
