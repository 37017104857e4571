//! The value of a scalar as kubectl reads it (sigs.k8s.io/yaml on go-yaml v2): quoted and block
//! scalars are strings, plain ones resolve by YAML 1.1 (`yes`, `on`, `y` are booleans; `0x1F`
//! and `017` are integers; `1e3` is a number), timestamps stay strings.

use std::borrow::Cow;

use saphyr_parser::{ScalarStyle, Tag};

use super::node::Value;

/// The value of a scalar: quoted and block scalars are strings; plain ones resolve by YAML 1.1.
/// A string borrows `text` where it borrows from the text read.
pub(super) fn resolve<'a>(
    text: Cow<'a, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<Value<'a>, String> {
    if let Some(tag) = tag {
        if !(tag.is_yaml_core_schema() || tag.handle == "!!") {
            return Err(format!("unsupported tag {tag}"));
        }
        return match tag.suffix.as_str() {
            "str" => Ok(Value::Str(text)),
            "null" => Ok(Value::Null),
            "bool" => boolean(&text)
                .map(Value::Bool)
                .ok_or_else(|| format!("{text:?} is not a bool")),
            "int" => integer(&text).ok_or_else(|| format!("{text:?} is not an int")),
            "float" => float(&text)
                .or_else(|| integer(&text).map(|v| to_float(&v)))
                .ok_or_else(|| format!("{text:?} is not a float")),
            _ => Err(format!("unsupported tag {tag}")),
        };
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::Str(text));
    }
    Ok(plain(text))
}

/// The text a key is compared and kept as when it is not its own: that of the number, boolean
/// or null it resolves to. A name or a quoted key without a tag is its own text, and is not
/// resolved into a value that would only be dropped (issue 13: most keys are names).
pub(super) fn resolved_key(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<Option<Cow<'static, str>>, String> {
    if tag.is_none() && (style != ScalarStyle::Plain || is_name(text)) {
        return Ok(None);
    }
    Ok(match resolve(Cow::Borrowed(text), style, tag)? {
        Value::Null => Some(Cow::Borrowed("null")),
        Value::Bool(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
        Value::Int(i) => Some(Cow::Owned(i.to_string())),
        Value::Float(f) => Some(Cow::Owned(python_float(f))),
        Value::Str(_) | Value::Seq(_) | Value::Map(_) => None,
    })
}

/// How Python prints a float key, since the referee turns keys into strings that way.
fn python_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

fn to_float(value: &Value<'_>) -> Value<'static> {
    match value {
        #[allow(clippy::cast_precision_loss)]
        Value::Int(i) => Value::Float(*i as f64),
        other => other.clone().into_owned(),
    }
}

/// YAML 1.1 resolution of a plain scalar (PyYAML's resolvers without timestamps, plus `y`/`n`
/// and exponent-only floats such as `1e3`, as go-yaml v2 reads them).
fn plain(text: Cow<'_, str>) -> Value<'_> {
    if is_name(&text) {
        return Value::Str(text);
    }
    if let Some(i) = small_decimal(&text) {
        return Value::Int(i);
    }
    if matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
        return Value::Null;
    }
    if let Some(b) = boolean(&text) {
        return Value::Bool(b);
    }
    if let Some(value) = integer(&text) {
        return value;
    }
    if let Some(value) = float(&text) {
        return value;
    }
    Value::Str(text)
}

/// Whether a plain scalar is a name, which resolves to itself: most plain scalars are names, a
/// letter starts no number, and a word that starts with a letter is a string unless it is null
/// or a boolean. A mapping's keys are tested with it too ([`resolved_key`]), so that a name key
/// is neither resolved into a value nor dropped again (issue 13).
fn is_name(text: &str) -> bool {
    match text.as_bytes().first() {
        Some(first) if first.is_ascii_alphabetic() => {
            !b"yYnNtTfFoO".contains(first)
                || !(matches!(text, "null" | "Null" | "NULL") || boolean(text).is_some())
        }
        _ => false,
    }
}

/// A plain scalar of decimal digits that fits 64 bits whatever they are (at most 18), without a
/// leading zero (an octal number) unless it is `0`: its value, read without the general
/// integer rules' prefixes, underscores and 128-bit parse (ports, weights and counts are most
/// of the numbers meshc writes).
fn small_decimal(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let plain_digits = (1..=18).contains(&bytes.len())
        && bytes.iter().all(u8::is_ascii_digit)
        && (bytes[0] != b'0' || bytes.len() == 1);
    plain_digits.then(|| {
        bytes
            .iter()
            .fold(0, |value, digit| value * 10 + i64::from(digit - b'0'))
    })
}

fn boolean(text: &str) -> Option<bool> {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" | "y" | "Y" => {
            Some(true)
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" | "n" | "N" => {
            Some(false)
        }
        _ => None,
    }
}

/// Splits a leading sign off.
fn sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

fn integer(text: &str) -> Option<Value<'static>> {
    let (negative, body) = sign(text);
    let digits = |s: &str, radix: u32| {
        !s.is_empty()
            && s.chars().all(|c| c == '_' || c.is_digit(radix))
            && s.chars().any(|c| c != '_')
    };
    let magnitude: i128 = if let Some(bin) = body.strip_prefix("0b") {
        if !digits(bin, 2) {
            return None;
        }
        parse_radix(bin, 2)?
    } else if let Some(hex) = body.strip_prefix("0x") {
        if !digits(hex, 16) {
            return None;
        }
        parse_radix(hex, 16)?
    } else if body.len() > 1 && body.starts_with('0') {
        if !digits(&body[1..], 8) {
            return None;
        }
        parse_radix(&body[1..], 8)?
    } else if body.contains(':') {
        sexagesimal(body)?
    } else if body == "0" {
        0
    } else if body.starts_with(|c: char| c.is_ascii_digit() && c != '0') && digits(body, 10) {
        parse_radix(body, 10)?
    } else {
        return None;
    };
    let value = if negative { -magnitude } else { magnitude };
    Some(match i64::try_from(value) {
        Ok(i) => Value::Int(i),
        #[allow(clippy::cast_precision_loss)]
        Err(_) => Value::Float(value as f64),
    })
}

fn parse_radix(digits: &str, radix: u32) -> Option<i128> {
    // Underscores are rare: the digits are parsed in place unless there are some to drop.
    let clean: Cow<'_, str> = if digits.contains('_') {
        Cow::Owned(digits.chars().filter(|c| *c != '_').collect())
    } else {
        Cow::Borrowed(digits)
    };
    // Beyond i128 the value is certainly not a 64-bit integer; keep it approximately.
    i128::from_str_radix(&clean, radix).ok().or(Some(i128::MAX))
}

/// `190:20:30` (base 60), as YAML 1.1 integers allow.
fn sexagesimal(body: &str) -> Option<i128> {
    let mut parts = body.split(':');
    let first = parts.next()?;
    if !(first.starts_with(|c: char| c.is_ascii_digit() && c != '0')
        && first.chars().all(|c| c == '_' || c.is_ascii_digit()))
    {
        return None;
    }
    let mut value = parse_radix(first, 10)?;
    for part in parts {
        if part.is_empty() || part.len() > 2 || !part.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let n: i128 = part.parse().ok()?;
        if n > 59 || (part.len() == 2 && !part.starts_with(|c: char| ('0'..='5').contains(&c))) {
            return None;
        }
        value = value.checked_mul(60)?.checked_add(n)?;
    }
    Some(value)
}

fn float(text: &str) -> Option<Value<'static>> {
    let (negative, body) = sign(text);
    let apply = |f: f64| Value::Float(if negative { -f } else { f });
    match body {
        ".inf" | ".Inf" | ".INF" => return Some(apply(f64::INFINITY)),
        ".nan" | ".NaN" | ".NAN" if body.len() == text.len() => {
            return Some(Value::Float(f64::NAN));
        }
        _ => {}
    }
    if body.contains(':') {
        let (whole, fraction) = body.split_once('.')?;
        let whole = sexagesimal(whole)?;
        if !fraction.chars().all(|c| c == '_' || c.is_ascii_digit()) {
            return None;
        }
        let fraction: f64 = format!("0.{}", fraction.replace('_', "")).parse().ok()?;
        #[allow(clippy::cast_precision_loss)]
        return Some(apply(whole as f64 + fraction));
    }
    if !is_yaml11_float(body) && !is_exponent_float(body) {
        return None;
    }
    body.replace('_', "").parse::<f64>().ok().map(apply)
}

/// PyYAML's `[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?` and `\.[0-9_]+([eE][-+][0-9]+)?`.
fn is_yaml11_float(body: &str) -> bool {
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let Some((whole, fraction)) = mantissa.split_once('.') else {
        return false;
    };
    let whole_ok = whole.is_empty()
        || (whole.starts_with(|c: char| c.is_ascii_digit())
            && whole.chars().all(|c| c == '_' || c.is_ascii_digit()));
    let fraction_ok = fraction.chars().all(|c| c == '_' || c.is_ascii_digit())
        && (!whole.is_empty() || fraction.starts_with(|c: char| c.is_ascii_digit() || c == '_'))
        && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        e.len() > 1 && e.starts_with(['-', '+']) && e[1..].chars().all(|c| c.is_ascii_digit())
    });
    whole_ok && fraction_ok && exponent_ok
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)[eE][-+]?[0-9]+`: go-yaml v2 reads `1e3` as a float.
fn is_exponent_float(body: &str) -> bool {
    let Some(at) = body.find(['e', 'E']) else {
        return false;
    };
    let (mantissa, exponent) = (&body[..at], &body[at + 1..]);
    let exponent = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            whole.chars().all(|c| c.is_ascii_digit())
                && fraction.chars().all(|c| c.is_ascii_digit())
                && (!whole.is_empty() || !fraction.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.chars().all(|c| c.is_ascii_digit()),
    };
    mantissa_ok && !exponent.is_empty() && exponent.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_resolve_as_yaml_1_1() {
        let cases: &[(&str, Value<'_>)] = &[
            ("yes", Value::Bool(true)),
            ("off", Value::Bool(false)),
            ("y", Value::Bool(true)),
            ("N", Value::Bool(false)),
            ("0x1F", Value::Int(31)),
            ("017", Value::Int(15)),
            ("1_000", Value::Int(1000)),
            ("190:20:30", Value::Int(685_230)),
            ("1e3", Value::Float(1000.0)),
            ("1.5", Value::Float(1.5)),
            ("1.", Value::Float(1.0)),
            ("-.inf", Value::Float(f64::NEG_INFINITY)),
            ("~", Value::Null),
            ("2001-12-14", Value::Str("2001-12-14".into())),
            ("1.0.0", Value::Str("1.0.0".into())),
            ("08", Value::Str("08".into())),
            ("0", Value::Int(0)),
            ("-12", Value::Int(-12)),
        ];
        for (text, want) in cases {
            assert_eq!(&plain(Cow::Borrowed(text)), want, "{text}");
        }
    }

    /// A word that starts with a letter is null, a boolean or a string, never a number: the
    /// shortcut for such words gives what the whole resolution would.
    #[test]
    fn words_resolve_without_the_number_rules() {
        let cases: &[(&str, Value<'_>)] = &[
            ("name", Value::Str("name".into())),
            ("namespace", Value::Str("namespace".into())),
            ("n", Value::Bool(false)),
            ("No", Value::Bool(false)),
            ("on", Value::Bool(true)),
            ("TRUE", Value::Bool(true)),
            ("Null", Value::Null),
            ("nULL", Value::Str("nULL".into())),
            ("e3", Value::Str("e3".into())),
            ("f1.5", Value::Str("f1.5".into())),
            ("o017", Value::Str("o017".into())),
            ("t1:20", Value::Str("t1:20".into())),
            ("inf", Value::Str("inf".into())),
            ("nan", Value::Str("nan".into())),
        ];
        for (text, want) in cases {
            assert_eq!(&plain(Cow::Borrowed(text)), want, "{text}");
        }
    }

    /// The shortcut for plain decimals gives what the general integer rules give, at its
    /// bounds and past them (19 digits, a leading zero, a sign, an underscore).
    #[test]
    fn small_decimals_resolve_as_the_integer_rules_do() {
        for text in [
            "0",
            "7",
            "10",
            "8080",
            "999999999999999999",
            "1000000000000000000",
            "9223372036854775807",
            "9223372036854775808",
            "00",
            "08",
            "017",
            "-5",
            "+5",
            "1_0",
            "1a",
            "",
        ] {
            if let Some(i) = small_decimal(text) {
                assert_eq!(integer(text), Some(Value::Int(i)), "{text}");
            }
        }
        assert_eq!(
            small_decimal("999999999999999999"),
            Some(999_999_999_999_999_999)
        );
        assert_eq!(small_decimal("1000000000000000000"), None);
        assert_eq!(small_decimal("08"), None);
        assert_eq!(small_decimal("0"), Some(0));
    }

    /// A name is what a plain scalar resolves to itself among the words that start with a
    /// letter; nothing that starts otherwise is one.
    #[test]
    fn names_are_the_words_that_resolve_to_themselves() {
        for text in [
            "name",
            "namespace",
            "timeout",
            "to",
            "from",
            "yes",
            "Yes",
            "n",
            "N",
            "null",
            "NULL",
            "nULL",
            "on",
            "off",
            "true",
            "e3",
            "o017",
            "1a",
            "-a",
            "_a",
            "",
            "~",
            "<<",
            "8080",
        ] {
            let itself = matches!(plain(Cow::Borrowed(text)), Value::Str(_));
            let letter = text.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
            assert_eq!(is_name(text), letter && itself, "{text}");
        }
    }

    #[test]
    fn digits_with_and_without_underscores_parse_alike() {
        for (text, want) in [("1_0_0", 100), ("100", 100), ("0x_ff", 255), ("0b1_1", 3)] {
            assert_eq!(plain(Cow::Borrowed(text)), Value::Int(want), "{text}");
        }
    }
}
