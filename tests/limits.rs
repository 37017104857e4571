//! Limits that keep a hostile profile from using unbounded memory or time.

use meshc::diagnostic::Code;
use meshc::limits::MAX_PROFILE_BYTES;
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
    assert_eq!(diagnostic.span, 0..0, "it points at the start of the file");
    assert!(
        diagnostic.message.contains(&MAX_PROFILE_BYTES.to_string()),
        "{}",
        diagnostic.message
    );
}
