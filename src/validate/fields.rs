//! The checker's helpers: one spanned raw value in, one newtype or one diagnostic out.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use super::Checker;
use crate::diagnostic::suggest::did_you_mean;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    Duration, DurationError, HeaderName, HeaderValue, Host, HttpPath, Invalid, LabelKey,
    LabelValue, Labels, Method, Name, Percent, Port, Weight,
};
use crate::profile::Sp;
use crate::profile::raw::Named;
use crate::vec_map::VecMap;

/// From how many items [`Checker::each_in_runs`] checks them on two threads: below it, as for
/// prod's seven services, starting a thread costs about what it saves.
const RUNS_FROM: usize = 50;

/// How many runs [`Checker::each_in_runs`] cuts its items into: enough that neither thread is
/// left alone with a long run at the end.
const RUNS: usize = 16;

impl Checker {
    /// Parses a string with `parse`, reporting `code` at the value when it fails.
    pub(super) fn parsed<T>(
        &mut self,
        value: &Sp<String>,
        code: Code,
        parse: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<T> {
        match parse(value.as_str()) {
            Ok(parsed) => Some(parsed),
            Err(invalid) => {
                self.report(Diagnostic::new(
                    code,
                    value.span(),
                    invalid.reason().to_string(),
                ));
                None
            }
        }
    }

    /// Free text that must satisfy `valid`, reported as "`<text>` is not <what>" with `code`.
    pub(super) fn text(
        &mut self,
        raw: &Sp<String>,
        code: Code,
        valid: impl Fn(&str) -> bool,
        what: &str,
    ) -> Option<String> {
        let text = raw.as_str();
        if valid(text) {
            Some(text.to_string())
        } else {
            self.report(Diagnostic::new(
                code,
                raw.span(),
                format!("{text:?} is not {what}"),
            ));
            None
        }
    }

    /// A DNS-1123 label.
    pub(super) fn name(&mut self, value: &Sp<String>) -> Option<Name> {
        match Name::parse(value.as_str()) {
            Ok(name) => Some(name),
            Err(invalid) => {
                self.report(
                    Diagnostic::new(Code::InvalidName, value.span(), invalid.reason())
                        .label("not a DNS-1123 label")
                        .help(suggest_label(value.as_str())),
                );
                None
            }
        }
    }

    /// A service's name, which is also the name of its Kubernetes Service: the API server wants
    /// a DNS-1035 label there, a DNS-1123 label that starts with a letter.
    pub(super) fn service_name(&mut self, value: &Sp<String>) -> Option<Name> {
        let name = self.name(value)?;
        if name.as_str().starts_with(|c: char| c.is_ascii_lowercase()) {
            return Some(name);
        }
        self.report(
            Diagnostic::new(
                Code::InvalidName,
                value.span(),
                format!(
                    "`{name}` cannot name a Kubernetes Service, whose name must start with a letter (DNS-1035)"
                ),
            )
            .label("starts with a digit")
            .help(format!("start it with a letter, such as `svc-{name}`")),
        );
        None
    }

    /// A host name.
    pub(super) fn host(&mut self, value: &Sp<String>) -> Option<Host> {
        self.parsed(value, Code::InvalidHost, Host::parse)
    }

    /// A header name.
    pub(super) fn header_name(&mut self, value: &Sp<String>) -> Option<HeaderName> {
        self.parsed(value, Code::InvalidHeaderName, HeaderName::parse)
    }

    /// A header name that defaults to `default` when absent.
    pub(super) fn header_name_or(
        &mut self,
        value: Option<&Sp<String>>,
        default: &str,
    ) -> Option<HeaderName> {
        match value {
            Some(value) => self.header_name(value),
            None => HeaderName::parse(default).ok(),
        }
    }

    /// A header value for an exact match.
    pub(super) fn header_value(&mut self, value: &Sp<String>) -> Option<HeaderValue> {
        self.parsed(value, Code::InvalidHeaderValue, HeaderValue::parse)
    }

    /// A path or path prefix.
    pub(super) fn path(&mut self, value: &Sp<String>) -> Option<HttpPath> {
        self.parsed(value, Code::InvalidPath, HttpPath::parse)
    }

    /// An HTTP method.
    pub(super) fn method(&mut self, value: &Sp<String>) -> Option<Method> {
        self.parsed(value, Code::InvalidMethod, Method::parse)
    }

    /// A Go duration that Istio accepts.
    pub(super) fn duration(&mut self, value: &Sp<String>) -> Option<Duration> {
        match Duration::parse(value.as_str()) {
            Ok(duration) => Some(duration),
            Err(DurationError::Syntax(invalid)) => {
                self.report(
                    Diagnostic::new(Code::InvalidDuration, value.span(), invalid.reason())
                        .help("write a Go duration: a number and a unit, such as `500ms`, `30s`, `5m` or `1h30m`"),
                );
                None
            }
            Err(DurationError::TooShort(invalid)) => {
                self.report(
                    Diagnostic::new(Code::DurationTooShort, value.span(), invalid.reason())
                        .help("use at least `1ms`, in whole milliseconds"),
                );
                None
            }
        }
    }

    /// An optional duration; `Some(None)` when absent, `None` when invalid.
    pub(super) fn opt_duration(&mut self, value: Option<&Sp<String>>) -> Option<Option<Duration>> {
        match value {
            Some(value) => self.duration(value).map(Some),
            None => Some(None),
        }
    }

    /// A port number.
    pub(super) fn port(&mut self, value: &Sp<i64>) -> Option<Port> {
        match Port::new(value.value) {
            Ok(port) => Some(port),
            Err(invalid) => {
                self.report(
                    Diagnostic::new(Code::PortOutOfRange, value.span(), invalid.reason())
                        .label("not a port"),
                );
                None
            }
        }
    }

    /// A port that defaults to `default` when absent.
    pub(super) fn port_or(&mut self, value: Option<&Sp<i64>>, default: u16) -> Option<Port> {
        match value {
            Some(value) => self.port(value),
            None => Port::new(i64::from(default)).ok(),
        }
    }

    /// An integer percentage.
    pub(super) fn weight(&mut self, value: &Sp<i64>) -> Option<Weight> {
        match Weight::new(value.value) {
            Ok(weight) => Some(weight),
            Err(invalid) => {
                self.report(Diagnostic::new(
                    Code::PercentOutOfRange,
                    value.span(),
                    invalid.reason(),
                ));
                None
            }
        }
    }

    /// A fractional percentage.
    pub(super) fn percent(&mut self, value: &Sp<f64>) -> Option<Percent> {
        match Percent::new(value.value) {
            Ok(percent) => Some(percent),
            Err(invalid) => {
                self.report(Diagnostic::new(
                    Code::PercentOutOfRange,
                    value.span(),
                    invalid.reason(),
                ));
                None
            }
        }
    }

    /// An integer within `range`.
    pub(super) fn count(&mut self, value: &Sp<i64>, range: RangeInclusive<i64>) -> Option<u32> {
        if range.contains(&value.value) {
            u32::try_from(value.value).ok()
        } else {
            self.report(
                Diagnostic::new(
                    Code::NumberOutOfRange,
                    value.span(),
                    format!(
                        "{} is outside {} to {}",
                        value.value,
                        range.start(),
                        range.end()
                    ),
                )
                .label("out of range"),
            );
            None
        }
    }

    /// An optional count; `Some(None)` when absent, `None` when out of range.
    pub(super) fn opt_count(
        &mut self,
        value: Option<&Sp<i64>>,
        range: RangeInclusive<i64>,
    ) -> Option<Option<u32>> {
        match value {
            Some(value) => self.count(value, range).map(Some),
            None => Some(None),
        }
    }

    /// Pod labels: checked keys and values, at least one.
    pub(super) fn labels(&mut self, raw: &Sp<VecMap<Sp<String>, Sp<String>>>) -> Option<Labels> {
        if raw.value.is_empty() {
            self.report(
                Diagnostic::new(
                    Code::EmptyList,
                    raw.span(),
                    "a label selector needs a label",
                )
                .help("an empty selector would select every pod"),
            );
            return None;
        }
        let pairs = self.each(raw.value.iter(), |c, (key, value)| {
            let key = c.parsed(key, Code::InvalidLabel, LabelKey::parse);
            let value = c.parsed(value, Code::InvalidLabel, LabelValue::parse);
            Some((key?, value?))
        })?;
        Some(pairs.into_iter().collect())
    }

    /// Resolves a reference to one of `declared`, reporting `code` with "did you mean".
    pub(super) fn reference<'a>(
        &mut self,
        value: &Sp<String>,
        declared: impl IntoIterator<Item = &'a str> + Clone,
        code: Code,
        what: &str,
    ) -> Option<Name> {
        if declared.clone().into_iter().any(|d| d == value.as_str()) {
            return Name::parse(value.as_str()).ok();
        }
        let known: Vec<&str> = declared.into_iter().collect();
        let help = match did_you_mean(value.as_str(), known.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None if known.is_empty() => format!("no {what} is declared"),
            None => format!(
                "declared: {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.report(
            Diagnostic::new(
                code,
                value.span(),
                format!("`{}` is not a declared {what}", value.as_str()),
            )
            .label(format!("unknown {what}"))
            .help(help),
        );
        None
    }

    /// Resolves a reference to a service of the profile: a map lookup, since every caller,
    /// tenant and gateway route refers to services and a linear search each would make
    /// checking quadratic in the number of services.
    pub(super) fn service_reference<T>(
        &mut self,
        value: &Sp<String>,
        services: &Named<T>,
    ) -> Option<Name> {
        if services.contains_key(value.as_str()) {
            return Name::parse(value.as_str()).ok();
        }
        self.reference(
            value,
            services.keys().map(Sp::as_str),
            Code::UnknownService,
            "service",
        )
    }

    /// Applies `check` to every item, reporting every failure; `None` if any failed.
    pub(super) fn each<I, T>(
        &mut self,
        items: I,
        mut check: impl FnMut(&mut Self, I::Item) -> Option<T>,
    ) -> Option<Vec<T>>
    where
        I: IntoIterator,
    {
        let results: Vec<Option<T>> = items.into_iter().map(|item| check(self, item)).collect();
        results.into_iter().collect()
    }

    /// [`Checker::each`] on two threads from [`RUNS_FROM`] items: the items cut into
    /// [`RUNS`] runs that the pool's threads take in turn, each run checked by a checker of its
    /// own, whose diagnostics are appended in the runs' order, so in the order
    /// [`Checker::each`] finds them. Validation runs on one thread before anything else can,
    /// and the services were 5.7 of its 8.4 ms at 1,000 services, 57 of 104 ms at 10,000
    /// (benches/README.md).
    pub(super) fn each_in_runs<T: Sync, U: Send>(
        &mut self,
        items: &[T],
        check: impl Fn(&mut Self, &T) -> Option<U> + Sync,
    ) -> Option<Vec<U>> {
        if items.len() < RUNS_FROM {
            return self.each(items, |checker, item| check(checker, item));
        }
        let runs: Vec<&[T]> = items.chunks(items.len().div_ceil(RUNS)).collect();
        let done = crate::pool::run(&runs, 2, |run| {
            let mut checker = Checker::default();
            let checked: Vec<Option<U>> =
                run.iter().map(|item| check(&mut checker, item)).collect();
            (checker.diagnostics, checked)
        });
        let mut all = Vec::with_capacity(items.len());
        for (diagnostics, checked) in done {
            self.diagnostics.extend(diagnostics);
            all.extend(checked);
        }
        all.into_iter().collect()
    }

    /// Reports a list that must not be empty; `false` if it was.
    pub(super) fn non_empty<T>(&mut self, list: &Sp<Vec<T>>, what: &str) -> bool {
        if list.value.is_empty() {
            self.report(
                Diagnostic::new(Code::EmptyList, list.span(), format!("{what} is empty"))
                    .label("needs at least one entry"),
            );
            false
        } else {
            true
        }
    }

    /// Reports the second and later occurrences of equal values among `items`.
    pub(super) fn unique<'a, T: Ord + std::fmt::Display + 'a>(
        &mut self,
        items: impl IntoIterator<Item = (&'a T, std::ops::Range<usize>)>,
        what: &str,
    ) {
        let mut seen: BTreeMap<&T, std::ops::Range<usize>> = BTreeMap::new();
        for (item, span) in items {
            if let Some(first) = seen.get(item) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateName,
                        span,
                        format!("{what} `{item}` appears twice"),
                    )
                    .secondary(first.clone(), "first here"),
                );
            } else {
                seen.insert(item, span);
            }
        }
    }
}

/// A DNS label close to `text`, offered as help.
fn suggest_label(text: &str) -> String {
    if !text.is_ascii() {
        return "use lower-case ASCII letters, digits and `-`, starting and ending with a letter or \
                digit"
            .to_string();
    }
    let mut label: String = text
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    label = label.trim_matches('-').to_string();
    label.truncate(63);
    if Name::parse(&label).is_ok() && label != text {
        format!("use lower-case letters, digits and `-`, such as `{label}`")
    } else {
        "use lower-case letters, digits and `-`, starting and ending with a letter or digit"
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports every third item and refuses every seventh, as a section's check would.
    fn check(checker: &mut Checker, item: usize) -> Option<usize> {
        if item % 3 == 0 {
            checker.report(Diagnostic::new(
                Code::InvalidName,
                item..item + 1,
                format!("{item}"),
            ));
        }
        (item % 7 != 0).then_some(item * 2)
    }

    #[test]
    fn runs_on_two_threads_find_what_one_thread_finds_in_the_same_order() {
        for count in [0, 1, RUNS_FROM - 1, RUNS_FROM, 200, 1001] {
            let items: Vec<usize> = (1..=count).collect();
            let mut one = Checker::default();
            let mut runs = Checker::default();
            assert_eq!(
                runs.each_in_runs(&items, |checker, item| check(checker, *item)),
                one.each(&items, |checker, item| check(checker, *item))
            );
            let messages = |checker: &Checker| {
                checker
                    .diagnostics
                    .iter()
                    .map(|d| d.message.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(messages(&runs), messages(&one), "{count} items");
        }
    }
}
