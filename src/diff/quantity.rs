//! Kubernetes resource quantities (`500m`, `2`, `1Gi`, `1e3`) compared by value, as the API
//! server compares them: `2000m` and `"2"` ask for the same CPU, `1Gi` and `1024Mi` for the
//! same memory. The grammar is apimachinery's `resource.ParseQuantity`: a signed decimal
//! number, then a binary suffix (`Ki` … `Ei`), a decimal one (`n`, `u`, `m`, `k`, `M` … `E`) or
//! an exponent (`e3`, `E-2`).

use serde_json::Value;

/// A quantity as `mantissa × 10^exponent`, reduced so that equal values are equal here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Exact {
    mantissa: i128,
    exponent: i32,
}

/// Whether two JSON values (a number, or a string) are the same quantity. Values that are not
/// quantities, or too large to compare exactly, are never the same here.
pub(super) fn same(a: &Value, b: &Value) -> bool {
    match (parse_value(a), parse_value(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn parse_value(value: &Value) -> Option<Exact> {
    match value {
        Value::String(text) => parse(text),
        Value::Number(number) => parse(&number.to_string()),
        _ => None,
    }
}

fn parse(text: &str) -> Option<Exact> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => (1, text),
    };
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let mut mantissa: i128 = 0;
    for digit in whole.bytes().chain(fraction.bytes()) {
        if !digit.is_ascii_digit() {
            return None;
        }
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(i128::from(digit - b'0'))?;
    }
    let mut exponent = -i32::try_from(fraction.len()).ok()?;
    let (binary, decimal) = suffix_scale(suffix)?;
    mantissa = mantissa.checked_mul(1i128.checked_shl(binary)?)?;
    exponent = exponent.checked_add(decimal)?;
    Some(reduce(sign * mantissa, exponent))
}

/// The binary shift and decimal exponent a suffix stands for.
fn suffix_scale(suffix: &str) -> Option<(u32, i32)> {
    Some(match suffix {
        "" => (0, 0),
        "Ki" => (10, 0),
        "Mi" => (20, 0),
        "Gi" => (30, 0),
        "Ti" => (40, 0),
        "Pi" => (50, 0),
        "Ei" => (60, 0),
        "n" => (0, -9),
        "u" => (0, -6),
        "m" => (0, -3),
        "k" => (0, 3),
        "M" => (0, 6),
        "G" => (0, 9),
        "T" => (0, 12),
        "P" => (0, 15),
        "E" => (0, 18),
        exponent => {
            let digits = exponent.strip_prefix(['e', 'E'])?;
            let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (0, digits.parse().ok()?)
        }
    })
}

fn reduce(mut mantissa: i128, mut exponent: i32) -> Exact {
    if mantissa == 0 {
        return Exact {
            mantissa: 0,
            exponent: 0,
        };
    }
    while mantissa % 10 == 0 {
        mantissa /= 10;
        exponent += 1;
    }
    Exact { mantissa, exponent }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn equal_quantities_in_any_spelling() {
        for (a, b) in [
            (json!("2000m"), json!("2")),
            (json!("2"), json!(2)),
            (json!("0.5"), json!("500m")),
            (json!("1Gi"), json!("1024Mi")),
            (json!("1k"), json!("1e3")),
            (json!("1.5Gi"), json!("1536Mi")),
            (json!("0"), json!("0m")),
            (json!("100u"), json!("100000n")),
        ] {
            assert!(same(&a, &b), "{a} and {b}");
        }
    }

    #[test]
    fn different_or_unreadable_values_differ() {
        for (a, b) in [
            (json!("2"), json!("2001m")),
            (json!("1G"), json!("1Gi")),
            (json!("-1"), json!("1")),
            (json!("1Gb"), json!("1Gb")),
            (json!("."), json!(".")),
            (json!(true), json!(true)),
            (json!("1e"), json!("1e")),
            (
                json!("99999999999999999999999999999999999999999Ei"),
                json!("1"),
            ),
        ] {
            assert!(!same(&a, &b), "{a} and {b}");
        }
    }
}
