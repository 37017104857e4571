//! "Did you mean": the closest known name to a misspelt key or reference.
//!
//! Candidates are compared after folding case and treating `_` as `-` (so `retry_on` finds
//! `retry-on`); otherwise the best normalised Damerau–Levenshtein similarity wins if it reaches
//! [`MIN_SIMILARITY`].

/// The similarity (0 to 1) a candidate needs to be suggested. At 0.6 one or two slips in a
/// short name qualify (`stabel` → `stable`, `retires` → `retries`) while unrelated names of
/// similar length do not.
const MIN_SIMILARITY: f64 = 0.6;

/// The candidate closest to `wrong`, if any is close enough.
pub(crate) fn did_you_mean<'a, I>(wrong: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let folded = fold(wrong);
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == wrong {
            continue;
        }
        let score = if fold(candidate) == folded {
            1.0
        } else {
            strsim::normalized_damerau_levenshtein(&folded, &fold(candidate))
        };
        if score >= MIN_SIMILARITY && best.is_none_or(|(top, _)| score > top) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// The help line for a suggestion: ``did you mean `x`?``.
pub(crate) fn help_for(wrong: &str, candidates: &[&str]) -> Option<String> {
    did_you_mean(wrong, candidates.iter().copied()).map(|name| format!("did you mean `{name}`?"))
}

fn fold(name: &str) -> String {
    name.to_lowercase().replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_transpositions_and_case_and_underscores() {
        assert_eq!(did_you_mean("stabel", ["stable", "canary"]), Some("stable"));
        assert_eq!(did_you_mean("Canary", ["stable", "canary"]), Some("canary"));
        assert_eq!(
            did_you_mean("retry_on", ["retry-on", "attempts"]),
            Some("retry-on")
        );
        assert_eq!(
            did_you_mean("retires", ["retry-budget", "retries"]),
            Some("retries")
        );
    }

    #[test]
    fn stays_quiet_for_unrelated_names() {
        assert_eq!(did_you_mean("weaviate", ["llm-processor", "rag-api"]), None);
        assert_eq!(did_you_mean("x", std::iter::empty()), None);
    }
}
