//! A header value that a route's RE2 regex matches, for the proofs' probes of a route matched
//! by `header-regexes` (validation warns, `unprovable-route`, where there is none): the shortest string the regex's HIR spells (its literals, the first
//! printable character of each class, each repetition at its minimum, the shortest branch of
//! each alternation, anchors as nothing), then checked with the engine the simulator matches
//! with. `None` where the regex admits no such value cheaply (a repetition minimum above
//! [`LONGEST`], a class of no printable ASCII, a word boundary the sample does not meet).

use regex_syntax::hir::{Class, Hir, HirKind};

/// The longest sample built: a header value of a probe stays small.
const LONGEST: usize = 256;

/// The shortest printable value that `pattern` matches as a whole, as Envoy matches a route's
/// header regex (the whole value, RE2 syntax).
pub(crate) fn header_value(pattern: &str) -> Option<String> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let sample = spell(&hir)?;
    let whole = regex::Regex::new(&format!("^(?:{pattern})$")).ok()?;
    whole.is_match(&sample).then_some(sample)
}

fn spell(hir: &Hir) -> Option<String> {
    let text = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => String::new(),
        HirKind::Literal(literal) => String::from_utf8(literal.0.to_vec()).ok()?,
        HirKind::Class(class) => printable(class)?.to_string(),
        HirKind::Repetition(repetition) => {
            let times = usize::try_from(repetition.min).ok()?;
            if times > LONGEST {
                return None;
            }
            spell(&repetition.sub)?.repeat(times)
        }
        HirKind::Capture(capture) => spell(&capture.sub)?,
        HirKind::Concat(parts) => parts.iter().map(spell).collect::<Option<String>>()?,
        HirKind::Alternation(branches) => {
            branches.iter().filter_map(spell).min_by_key(String::len)?
        }
    };
    (text.len() <= LONGEST).then_some(text)
}

/// The first visible ASCII character of a class, else a space: a header value may hold no
/// control character, and a probe keeps to ASCII.
fn printable(class: &Class) -> Option<char> {
    let fits = |c: u32| (0x21..=0x7e).contains(&c);
    let ranges: Vec<(u32, u32)> = match class {
        Class::Unicode(unicode) => unicode
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        Class::Bytes(bytes) => bytes
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
    };
    ranges
        .iter()
        .find_map(|&(start, end)| {
            let first = start.max(0x21);
            (first <= end && fits(first)).then_some(first)
        })
        .or_else(|| {
            ranges
                .iter()
                .any(|&(start, end)| start <= 0x20 && 0x20 <= end)
                .then_some(0x20)
        })
        .and_then(char::from_u32)
}

#[cfg(test)]
mod tests {
    use super::header_value;

    fn sample(pattern: &str) -> Option<String> {
        header_value(pattern)
    }

    #[test]
    fn literals_classes_and_repetitions_at_their_minimum() {
        assert_eq!(sample("beta").as_deref(), Some("beta"));
        assert_eq!(sample("[a-z]+").as_deref(), Some("a"));
        assert_eq!(sample("v[0-9]{3}").as_deref(), Some("v000"));
        assert_eq!(sample("x*").as_deref(), Some(""));
        assert_eq!(sample(r"\d+-[A-Z]?").as_deref(), Some("0-"));
    }

    #[test]
    fn the_shortest_branch_and_anchors_as_nothing() {
        assert_eq!(sample("canary|b").as_deref(), Some("b"));
        assert_eq!(sample("^(?:on|off)$").as_deref(), Some("on"));
        assert_eq!(sample("(?i)Beta").as_deref(), Some("BETA"));
    }

    #[test]
    fn a_class_takes_its_first_visible_character() {
        assert_eq!(sample(r"[\x00-\x1f !]").as_deref(), Some("!"));
        assert_eq!(sample(r"\s").as_deref(), Some(" "));
        assert_eq!(sample(".").as_deref(), Some("!"));
    }

    #[test]
    fn no_sample_where_none_is_cheap_or_printable() {
        assert_eq!(sample("a{300}"), None);
        assert_eq!(sample("(?:ab{200}){2}"), None);
        assert_eq!(sample(r"[\x00-\x1f]"), None);
        assert_eq!(sample(r"a\bb"), None);
        assert_eq!(sample("(unclosed"), None);
    }
}
