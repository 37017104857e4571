//! Turns toml's and serde's error messages into coded diagnostics.
//!
//! serde reports shape errors through a handful of fixed sentences (`unknown field`,
//! `missing field`, `invalid type`, `unknown variant`; see `serde::de::Error`'s provided
//! methods). Recognising them here gives each its own code and a "did you mean" built from the
//! alternatives serde lists; any other message is a TOML syntax error.

use crate::diagnostic::suggest::did_you_mean;
use crate::diagnostic::{Code, Diagnostic};
use crate::limits::MAX_DEPTH;

/// The diagnostic for a failed parse of `text`.
pub(super) fn diagnose(error: &toml::de::Error, text: &str) -> Diagnostic {
    let span = error.span().unwrap_or(0..0);
    let message = error.message().trim();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (name, expected) = split_expected(rest);
        let known = ticked(expected);
        return Diagnostic::new(Code::UnknownKey, span, format!("unknown key `{name}`"))
            .label("not a key of this table")
            .help(alternatives(&name, &known, "keys"));
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (name, expected) = split_expected(rest);
        let known = ticked(expected);
        return Diagnostic::new(Code::UnknownValue, span, format!("unknown value `{name}`"))
            .label("not one of the allowed values")
            .help(alternatives(&name, &known, "values"));
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let name = ticked(rest).into_iter().next().unwrap_or_default();
        return Diagnostic::new(
            Code::MissingKey,
            span,
            format!("missing required key `{name}`"),
        )
        .label("in this table")
        .help(format!(
            "add `{name} = ...`; `meshc schema` describes every key"
        ));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        // toml hands integers beyond 64 bits to serde as i128, which reads as a type error.
        if let Some(number) = found.strip_suffix(" as i128") {
            let number = ticked(number).into_iter().next().unwrap_or_default();
            return out_of_64_bits(span, &number);
        }
        return Diagnostic::new(
            Code::WrongType,
            span,
            format!("expected {}, found {}", describe(expected), found),
        )
        .label(format!("expected {}", describe(expected)));
    }
    // toml reads integers beyond i64 as unsigned, which serde reports as a value out of range.
    if let Some(rest) = message.strip_prefix("invalid value: integer ")
        && rest.ends_with("expected i64")
    {
        let number = ticked(rest).into_iter().next().unwrap_or_default();
        return out_of_64_bits(span, &number);
    }
    if message.contains("recursion") {
        return Diagnostic::new(
            Code::TooLarge,
            span,
            format!(
                "tables and arrays are nested more than {MAX_DEPTH} levels deep here; meshc \
                 reads at most {MAX_DEPTH}"
            ),
        )
        .label("too deep")
        .help("a profile needs at most 6 levels of nesting");
    }
    if message == "duplicate key" {
        return super::duplicate::diagnostic(text, span);
    }
    Diagnostic::new(Code::TomlSyntax, span, format!("invalid TOML: {message}"))
}

fn out_of_64_bits(span: std::ops::Range<usize>, number: &str) -> Diagnostic {
    Diagnostic::new(
        Code::NumberOutOfRange,
        span,
        format!("{number} is out of range for any key of a profile"),
    )
    .label("does not fit in 64 bits")
}

/// Splits "`name`, expected …" into the name and the part after "expected".
fn split_expected(rest: &str) -> (String, &str) {
    let name = ticked(rest).into_iter().next().unwrap_or_default();
    let expected = rest.split_once("expected").map_or("", |(_, e)| e);
    (name, expected)
}

/// Every `backticked` word of a serde message.
fn ticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn alternatives(wrong: &str, known: &[String], what: &str) -> String {
    let candidates = known.iter().map(String::as_str);
    match did_you_mean(wrong, candidates) {
        Some(best) => format!("did you mean `{best}`?"),
        None if known.is_empty() => format!("this table takes no {what}"),
        None => format!(
            "expected one of: {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// serde's Rust type names in words a profile author knows.
fn describe(expected: &str) -> &str {
    match expected {
        "i64" | "u32" | "u16" | "i32" => "an integer",
        "f64" => "a number",
        "a boolean" | "bool" => "`true` or `false`",
        "a string" | "a borrowed string" => "a string",
        "a sequence" => "an array",
        "a map" => "a table",
        other if other.starts_with("struct ") => "a table",
        other if other.starts_with("enum ") => "one of the allowed values",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::RawProfile;

    fn diagnose_text(text: &str) -> Diagnostic {
        let error = toml::from_str::<RawProfile>(text).expect_err("the profile must fail");
        diagnose(&error, text)
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        let d = diagnose_text("[mesh]\nnamespase = \"x\"\n");
        assert_eq!(d.code, Code::UnknownKey);
        assert_eq!(d.profile_span(), Some(7..16));
        assert_eq!(d.help.as_deref(), Some("did you mean `namespace`?"));
    }

    #[test]
    fn unknown_values_get_a_suggestion() {
        let d = diagnose_text("[services.a]\nport = 1\nload-balancer = \"least-requests\"\n");
        assert_eq!(d.code, Code::UnknownValue);
        assert_eq!(d.help.as_deref(), Some("did you mean `least-request`?"));
    }

    #[test]
    fn types_are_named_in_words() {
        let d = diagnose_text("[services.a]\nport = \"x\"\n");
        assert_eq!(d.code, Code::WrongType);
        assert_eq!(d.message, "expected an integer, found string \"x\"");
    }

    #[test]
    fn integers_beyond_64_bits_are_out_of_range() {
        let d = diagnose_text("[services.a]\nport = 99999999999999999999\n");
        assert_eq!(d.code, Code::NumberOutOfRange);
        assert_eq!(
            d.message,
            "99999999999999999999 is out of range for any key of a profile"
        );
        for text in ["9223372036854775808", "-9223372036854775809"] {
            let d = diagnose_text(&format!("[services.a]\nport = {text}\n"));
            assert_eq!(d.code, Code::NumberOutOfRange, "{text}");
            assert_eq!(
                d.message,
                format!("{text} is out of range for any key of a profile")
            );
        }
    }

    #[test]
    fn missing_and_duplicate_keys_have_their_own_codes() {
        assert_eq!(
            diagnose_text("[services.a]\nports = [{ port = 1 }]\n").code,
            Code::MissingKey
        );
        assert_eq!(
            diagnose_text("[services.a]\nport = 1\n[services.\"a\"]\nport = 2\n").code,
            Code::DuplicateKey
        );
        assert_eq!(diagnose_text("x = \n").code, Code::TomlSyntax);
        let deep = format!("a = {}1{}\n", "[".repeat(200), "]".repeat(200));
        assert_eq!(diagnose_text(&deep).code, Code::TooLarge);
        let dotted = format!("[{}]\n", vec!["a"; 200].join("."));
        assert_eq!(diagnose_text(&dotted).code, Code::TooLarge);
    }
}
