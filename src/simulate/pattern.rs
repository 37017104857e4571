//! Istio's value forms (`*`, `prefix*`, `*suffix`, exact) as Envoy matches them, and Istio's
//! `StringMatch` (exact, prefix, RE2 regex) of routes.
//!
//! An AuthorizationPolicy value becomes an Envoy `StringMatcher` (istio/istio
//! pilot/pkg/security/authz/matcher/string.go `StringMatcherWithPrefix`: `*` is the regex `.+`,
//! so it needs a non-empty value) or a `HeaderMatcher` (matcher/header.go `HeaderMatcher`: `*`
//! is a presence match, so an empty header value matches).

use std::cell::RefCell;
use std::collections::HashMap;

use regex::Regex;

use super::decode::StringMatch;

/// How many compiled regexes a thread keeps.
const CACHED_REGEXES: usize = 1024;

thread_local! {
    /// Regexes this thread compiled, by pattern: a mesh repeats the same CORS origin or route
    /// regex many times, and compiling one costs more than matching thousands of requests.
    static REGEXES: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

/// `pattern` compiled to match a whole value, once per thread.
pub(crate) fn whole(pattern: &str) -> Result<Regex, regex::Error> {
    REGEXES.with(|cache| {
        if let Some(found) = cache.borrow().get(pattern) {
            return Ok(found.clone());
        }
        let regex = Regex::new(&format!("^(?:{pattern})$"))?;
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHED_REGEXES {
            cache.clear();
        }
        cache.insert(pattern.to_string(), regex.clone());
        Ok(regex)
    })
}

/// One value of Istio's `*`/`prefix*`/`*suffix`/exact forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// `*` in a `StringMatcher`: any non-empty value.
    NonEmpty,
    /// `*` in a `HeaderMatcher`: any value, empty included.
    Present,
    Exact(Box<str>),
    Prefix(Box<str>),
    Suffix(Box<str>),
}

impl Pattern {
    /// As a `StringMatcher` reads it (paths, claims, audiences, SNI).
    pub(crate) fn string(value: &str) -> Self {
        Self::read(value, Pattern::NonEmpty)
    }

    /// As a `HeaderMatcher` reads it (methods, hosts, request headers).
    pub(crate) fn header(value: &str) -> Self {
        Self::read(value, Pattern::Present)
    }

    fn read(value: &str, star: Pattern) -> Self {
        if value == "*" {
            star
        } else if let Some(suffix) = value.strip_prefix('*') {
            Pattern::Suffix(suffix.into())
        } else if let Some(prefix) = value.strip_suffix('*') {
            Pattern::Prefix(prefix.into())
        } else {
            Pattern::Exact(value.into())
        }
    }

    /// Whether `value` matches, case-sensitively.
    pub(crate) fn matches(&self, value: &str) -> bool {
        match self {
            Pattern::NonEmpty => !value.is_empty(),
            Pattern::Present => true,
            Pattern::Exact(e) => value == &**e,
            Pattern::Prefix(p) => value.starts_with(&**p),
            Pattern::Suffix(s) => value.ends_with(&**s),
        }
    }

    /// Whether `value` matches, ignoring ASCII case (hosts).
    pub(crate) fn matches_ignoring_case(&self, value: &str) -> bool {
        match self {
            Pattern::NonEmpty => !value.is_empty(),
            Pattern::Present => true,
            Pattern::Exact(e) => value.eq_ignore_ascii_case(e),
            Pattern::Prefix(p) => value
                .get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p)),
            Pattern::Suffix(s) => value
                .len()
                .checked_sub(s.len())
                .and_then(|start| value.get(start..))
                .is_some_and(|tail| tail.eq_ignore_ascii_case(s)),
        }
    }
}

/// Istio's `StringMatch` of a route, compiled; regexes are RE2 and match the whole value, as
/// Envoy's `safe_regex` does.
#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Exact(Box<str>),
    Prefix(Box<str>),
    /// Boxed: few matchers are regexes, and inline one made every matcher 40 bytes instead of
    /// 24 (a large mesh holds one or two in each of its 82,000 route match entries at 10,000
    /// services, and one in each header test).
    Regex(Box<Regex>),
}

impl Matcher {
    /// Compiles a `StringMatch`; `Err` holds RE2's complaint.
    pub(crate) fn new(matched: &StringMatch) -> Result<Self, String> {
        Ok(match matched {
            StringMatch::Exact(e) => Matcher::Exact(e.as_str().into()),
            StringMatch::Prefix(p) => Matcher::Prefix(p.as_str().into()),
            StringMatch::Regex(r) => {
                Matcher::Regex(Box::new(whole(r).map_err(|e| format!("regex `{r}`: {e}"))?))
            }
        })
    }

    /// Whether `value` matches.
    pub(crate) fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(e) => value == &**e,
            Matcher::Prefix(p) => value.starts_with(&**p),
            Matcher::Regex(r) => r.is_match(value),
        }
    }

    /// Whether `value` matches, ignoring ASCII case (`ignoreUriCase`). Envoy's route
    /// `case_sensitive: false` leaves regexes as they are (route_components.proto).
    pub(crate) fn matches_ignoring_case(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(e) => value.eq_ignore_ascii_case(e),
            Matcher::Prefix(p) => value
                .get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p)),
            Matcher::Regex(r) => r.is_match(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_forms() {
        assert_eq!(Pattern::string("*"), Pattern::NonEmpty);
        assert_eq!(Pattern::header("*"), Pattern::Present);
        assert_eq!(Pattern::string("*.io"), Pattern::Suffix(".io".into()));
        assert_eq!(Pattern::string("/a/*"), Pattern::Prefix("/a/".into()));
        assert_eq!(Pattern::header("GET"), Pattern::Exact("GET".into()));
        // `**` is a suffix match of `*`, as Istio reads it.
        assert_eq!(Pattern::string("**"), Pattern::Suffix("*".into()));
    }

    #[test]
    fn matching_is_case_sensitive_unless_asked() {
        let cases = [
            (Pattern::NonEmpty, "", false, false),
            (Pattern::NonEmpty, "x", true, true),
            (Pattern::Present, "", true, true),
            (Pattern::Exact("Api.io".into()), "api.io", false, true),
            (Pattern::Exact("api.io".into()), "api.io:443", false, false),
            (Pattern::Prefix("/A".into()), "/a/b", false, true),
            (Pattern::Prefix("/abc".into()), "/a", false, false),
            (Pattern::Suffix(".IO".into()), "x.io", false, true),
            (Pattern::Suffix("long.io".into()), "g.io", false, false),
            (Pattern::Suffix(".io".into()), "x.io", true, true),
        ];
        for (pattern, value, exact_case, any_case) in cases {
            assert_eq!(pattern.matches(value), exact_case, "{pattern:?} {value}");
            assert_eq!(
                pattern.matches_ignoring_case(value),
                any_case,
                "{pattern:?} {value}"
            );
        }
        // Multi-byte text next to an ASCII boundary must not panic.
        assert!(!Pattern::Prefix("ab".into()).matches_ignoring_case("é"));
        assert!(!Pattern::Suffix("ab".into()).matches_ignoring_case("é"));
    }

    #[test]
    fn route_matchers() {
        let exact = Matcher::new(&StringMatch::Exact("/a".into())).unwrap();
        assert!(exact.matches("/a"));
        assert!(!exact.matches("/A"));
        assert!(exact.matches_ignoring_case("/A"));
        let prefix = Matcher::new(&StringMatch::Prefix("/v1/intent".into())).unwrap();
        // A plain string prefix, not a path segment.
        assert!(prefix.matches("/v1/intentional"));
        assert!(!prefix.matches("/v1/inte"));
        assert!(prefix.matches_ignoring_case("/V1/INTENT/x"));
        assert!(!prefix.matches_ignoring_case("/v2"));
        let regex = Matcher::new(&StringMatch::Regex("/a/[0-9]+".into())).unwrap();
        assert!(regex.matches("/a/12"));
        // The whole value must match.
        assert!(!regex.matches("/a/12/b"));
        assert!(!regex.matches("x/a/1"));
        let lower = Matcher::new(&StringMatch::Regex("/a".into())).unwrap();
        assert!(lower.matches_ignoring_case("/a"));
        assert!(!lower.matches_ignoring_case("/A"));
        assert!(Matcher::new(&StringMatch::Regex("(".into())).is_err());
    }

    #[test]
    fn regexes_are_compiled_once_and_the_cache_stays_bounded() {
        let a = whole("a+").unwrap();
        assert!(a.is_match("aaa"));
        assert!(!a.is_match("aab"));
        assert!(whole("(").is_err());
        for i in 0..=CACHED_REGEXES {
            whole(&format!("x{i}")).unwrap();
        }
        REGEXES.with(|cache| assert!(cache.borrow().len() <= CACHED_REGEXES));
        assert!(whole("x1").unwrap().is_match("x1"));
    }
}
