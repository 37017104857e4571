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
    // Most plain scalars are names: a letter that starts no special word means a string, and a
    // letter starts no number, so a name that is not null or a boolean is a string.
    if let Some(first) = text.as_bytes().first().filter(|b| b.is_ascii_alphabetic()) {
        if !b"yYnNtTfFoO".contains(first) {
            return Value::Str(text);
        }
        return match text.as_ref() {
            "null" | "Null" | "NULL" => Value::Null,
            _ => boolean(&text).map_or(Value::Str(text), Value::Bool),
        };
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

    #[test]
    fn digits_with_and_without_underscores_parse_alike() {
        for (text, want) in [("1_0_0", 100), ("100", 100), ("0x_ff", 255), ("0b1_1", 3)] {
            assert_eq!(plain(Cow::Borrowed(text)), Value::Int(want), "{text}");
        }
    }
}
