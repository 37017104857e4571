//! What a caller's token must say: its request principal (`<issuer>/<subject>`) and its claims.
//! AuthorizationPolicy matches both as strings in which a leading or trailing `*` is a
//! wildcard, so none of these values may hold one: a value is matched exactly or refused.

use super::Invalid;
use super::http::Issuer;
use super::names::string_newtype;

string_newtype!(
    /// A JWT claim name, as `request.auth.claims[<name>]` reads it: letters, digits and
    /// `_ - . : /`, so that no name can close the brackets or open a nested claim.
    ClaimName
);
string_newtype!(
    /// A claim value a caller's token must hold: no `*` (a wildcard in policies), no control
    /// characters.
    ClaimValue
);

/// The longest claim name or value meshc takes.
const MAX_CLAIM: usize = 256;

impl ClaimName {
    /// Checks a claim name.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        if text.is_empty() || text.len() > MAX_CLAIM {
            return Err(Invalid::new(format!(
                "a claim name has 1 to {MAX_CLAIM} characters"
            )));
        }
        if let Some(c) = text
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || "_-.:/".contains(c)))
        {
            return Err(Invalid::new(format!(
                "`{}` holds {c:?}; a claim name has letters, digits and `_ - . : /` only, so \
                 that it cannot change the key `request.auth.claims[...]`",
                text.escape_debug()
            )));
        }
        Ok(Self(text.into()))
    }
}

impl ClaimValue {
    /// Checks a claim value.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        exact("a claim value", text).map(|()| Self(text.into()))
    }
}

/// A value AuthorizationPolicy matches exactly: not empty, not too long, no control
/// characters, and no `*`, which it reads as a wildcard.
fn exact(what: &str, text: &str) -> Result<(), Invalid> {
    if text.is_empty() || text.len() > MAX_CLAIM {
        return Err(Invalid::new(format!(
            "{what} has 1 to {MAX_CLAIM} characters"
        )));
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(Invalid::new(format!(
            "{what} holds the control character {c:?}"
        )));
    }
    if text.contains('*') {
        return Err(Invalid::new(format!(
            "`{text}` holds `*`, which an AuthorizationPolicy reads as a wildcard: {what} is \
             matched exactly"
        )));
    }
    Ok(())
}

/// A request principal: the token of this issuer with this subject (`sub`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct RequestPrincipal {
    /// `iss`.
    pub issuer: Issuer,
    /// `sub`.
    pub subject: String,
}

impl RequestPrincipal {
    /// `text` as `<issuer>/<subject>` for one of `issuers`; the longest issuer that prefixes
    /// it wins, since an issuer may itself hold `/`.
    pub fn parse<'a>(
        text: &str,
        issuers: impl IntoIterator<Item = &'a Issuer>,
    ) -> Result<Self, PrincipalRefusal> {
        let issuer = issuers
            .into_iter()
            .filter(|issuer| {
                text.strip_prefix(issuer.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|issuer| issuer.as_str().len())
            .ok_or(PrincipalRefusal::UnknownIssuer)?;
        let subject = &text[issuer.as_str().len() + 1..];
        exact("a token subject", subject).map_err(PrincipalRefusal::Invalid)?;
        Ok(Self {
            issuer: issuer.clone(),
            subject: subject.to_string(),
        })
    }
}

impl std::fmt::Display for RequestPrincipal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.issuer, self.subject)
    }
}

/// Why a request principal was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalRefusal {
    /// It starts with no declared issuer followed by `/`.
    UnknownIssuer,
    /// Its subject is empty or not matched exactly.
    Invalid(Invalid),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_names_cannot_leave_their_brackets() {
        for good in [
            "tenant_id",
            "groups",
            "https://example.com/roles",
            "a.b",
            "x-y:z",
        ] {
            assert!(ClaimName::parse(good).is_ok(), "{good}");
        }
        assert!(ClaimName::parse(&"a".repeat(256)).is_ok());
        for bad in [
            "",
            "a]",
            "a][b",
            "a b",
            "a'b",
            "a\"b",
            "*",
            "é",
            &"a".repeat(257),
        ] {
            assert!(ClaimName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn claim_values_are_matched_exactly() {
        for good in ["admins", "it's \"quoted\"", "a b", "x]y", "é"] {
            assert_eq!(ClaimValue::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "*", "adm*", "*ins", "a\nb", &"a".repeat(257)] {
            assert!(ClaimValue::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ClaimValue::parse(&"a".repeat(256)).is_ok());
    }

    #[test]
    fn principals_take_the_longest_declared_issuer() {
        let short = Issuer::parse("https://auth.example.com").unwrap();
        let long = Issuer::parse("https://auth.example.com/tenants").unwrap();
        let issuers = [short.clone(), long.clone()];
        let principal =
            RequestPrincipal::parse("https://auth.example.com/tenants/alice", &issuers).unwrap();
        assert_eq!(principal.issuer, long);
        assert_eq!(principal.subject, "alice");
        assert_eq!(
            principal.to_string(),
            "https://auth.example.com/tenants/alice"
        );
        let principal =
            RequestPrincipal::parse("https://auth.example.com/admin@example.com", &issuers)
                .unwrap();
        assert_eq!(principal.issuer, short);
        assert_eq!(principal.subject, "admin@example.com");
        for unknown in [
            "admin@example.com/*",
            "https://auth.example.comx/alice",
            "https://auth.example.com",
        ] {
            assert_eq!(
                RequestPrincipal::parse(unknown, &issuers),
                Err(PrincipalRefusal::UnknownIssuer),
                "{unknown}"
            );
        }
        for invalid in ["https://auth.example.com/", "https://auth.example.com/al*"] {
            assert!(
                matches!(
                    RequestPrincipal::parse(invalid, &issuers),
                    Err(PrincipalRefusal::Invalid(_))
                ),
                "{invalid}"
            );
        }
    }
}
