//! The words every host uses for spfkit's enumerations: `"both"`,
//! `"mailfrom"`, `"batched"`, `"TXT"`, `"permerror"` … read and written in
//! one place, so a binding only translates and every host refuses a wrong
//! word with the same text.

use core::fmt;
use core::str::FromStr;

use crate::analysis::{Source, Via};
use crate::dns::QueryType;
use crate::options::{LookupPlan, Scope};
use crate::outcome::{Identity, SpfResult};

/// A word that is none of a vocabulary's: its [`Display`](fmt::Display)
/// says what was expected, e.g. `identity must be 'both', 'mailfrom' or
/// 'helo', not "x"`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct UnknownName {
    /// What was being named: `"identity"`, `"plan"`, `"type"`, `"result"`.
    pub what: &'static str,
    /// The words accepted.
    pub expected: &'static [&'static str],
    /// The word given (cut to 60 characters for the message).
    pub given: String,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} must be ", self.what)?;
        for (i, w) in self.expected.iter().enumerate() {
            let sep = match i {
                0 => "",
                _ if i + 1 == self.expected.len() => " or ",
                _ => ", ",
            };
            write!(f, "{sep}'{w}'")?;
        }
        let shown: String = self.given.chars().take(60).collect();
        let more = if shown.len() < self.given.len() { "…" } else { "" };
        write!(f, ", not {shown:?}{more}")
    }
}

impl std::error::Error for UnknownName {}

fn read<T: Copy>(what: &'static str, words: &'static [&'static str], all: &[T], given: &str) -> Result<T, UnknownName> {
    words.iter().position(|w| *w == given).and_then(|i| all.get(i).copied()).ok_or_else(|| UnknownName {
        what,
        expected: words,
        // Kept short: the word may come from a stranger, and only its start
        // is shown.
        given: given.chars().take(61).collect(),
    })
}

impl Scope {
    /// The words for [`Scope`], in its variants' order.
    pub const NAMES: &'static [&'static str] = &["both", "mailfrom", "helo"];
    const ALL: [Scope; 3] = [Scope::Both, Scope::MailFrom, Scope::Helo];

    /// `"both"`, `"mailfrom"` or `"helo"`.
    pub fn as_str(self) -> &'static str {
        Scope::NAMES[Scope::ALL.iter().position(|s| *s == self).unwrap_or(0)]
    }
}

impl FromStr for Scope {
    type Err = UnknownName;
    /// ```
    /// use spfkit::Scope;
    /// assert_eq!("mailfrom".parse::<Scope>(), Ok(Scope::MailFrom));
    /// assert_eq!(
    ///     "all".parse::<Scope>().unwrap_err().to_string(),
    ///     "identity must be 'both', 'mailfrom' or 'helo', not \"all\""
    /// );
    /// ```
    fn from_str(s: &str) -> Result<Scope, UnknownName> {
        read("identity", Scope::NAMES, &Scope::ALL, s)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl LookupPlan {
    /// The words for [`LookupPlan`], in its variants' order.
    pub const NAMES: &'static [&'static str] = &["batched", "sequential"];
    const ALL: [LookupPlan; 2] = [LookupPlan::Batched, LookupPlan::Sequential];

    /// `"batched"` or `"sequential"`.
    pub fn as_str(self) -> &'static str {
        LookupPlan::NAMES[LookupPlan::ALL.iter().position(|s| *s == self).unwrap_or(0)]
    }
}

impl FromStr for LookupPlan {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<LookupPlan, UnknownName> {
        read("plan", LookupPlan::NAMES, &LookupPlan::ALL, s)
    }
}

impl fmt::Display for LookupPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Identity {
    /// The words for [`Identity`], in its variants' order.
    pub const NAMES: &'static [&'static str] = &["helo", "mailfrom"];
    const ALL: [Identity; 2] = [Identity::Helo, Identity::MailFrom];
}

impl FromStr for Identity {
    type Err = UnknownName;
    /// The identity of one check_host(): `"helo"` or `"mailfrom"`.
    fn from_str(s: &str) -> Result<Identity, UnknownName> {
        read("identity", Identity::NAMES, &Identity::ALL, s)
    }
}

impl QueryType {
    /// The mnemonics, in the variants' order.
    pub const NAMES: &'static [&'static str] = &["A", "AAAA", "MX", "TXT", "PTR"];
    const ALL: [QueryType; 5] = [QueryType::A, QueryType::Aaaa, QueryType::Mx, QueryType::Txt, QueryType::Ptr];

    /// The type with RR type number `code` (RFC 1035, RFC 3596), if SPF
    /// asks for it.
    ///
    /// ```
    /// use spfkit::QueryType;
    /// assert_eq!(QueryType::from_code(16), Some(QueryType::Txt));
    /// assert_eq!(QueryType::from_code(99), None);
    /// ```
    pub fn from_code(code: u16) -> Option<QueryType> {
        QueryType::ALL.into_iter().find(|t| t.code() == code)
    }
}

impl FromStr for QueryType {
    type Err = UnknownName;
    /// A mnemonic in upper case, as queries carry it (`"TXT"`).
    fn from_str(s: &str) -> Result<QueryType, UnknownName> {
        read("type", QueryType::NAMES, &QueryType::ALL, s)
    }
}

impl SpfResult {
    /// The results' names, in the order of [`SpfResult::ALL`].
    pub const NAMES: &'static [&'static str] =
        &["none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"];
}

impl FromStr for SpfResult {
    type Err = UnknownName;
    /// A result's name, any case (as [`SpfResult::from_name`]).
    fn from_str(s: &str) -> Result<SpfResult, UnknownName> {
        SpfResult::from_name(s).ok_or_else(|| UnknownName {
            what: "result",
            expected: SpfResult::NAMES,
            given: s.chars().take(61).collect(),
        })
    }
}

impl Via {
    /// How a report names it: `"root"`, `"include"` or `"redirect"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Root => "root",
            Via::Include => "include",
            Via::Redirect => "redirect",
        }
    }
}

impl Source {
    /// How a report names it: `"dns"` or `"draft"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Dns => "dns",
            Source::Draft => "draft",
        }
    }
}

// The tables above follow the variants' order; a reordered enum must not
// silently change what a word means, nor a word go missing.
const _: () = {
    assert!(Scope::NAMES.len() == Scope::ALL.len());
    assert!(LookupPlan::NAMES.len() == LookupPlan::ALL.len());
    assert!(Identity::NAMES.len() == Identity::ALL.len());
    assert!(QueryType::NAMES.len() == QueryType::ALL.len());
    assert!(SpfResult::ALL.len() == SpfResult::NAMES.len());
    let mut i = 0;
    while i < SpfResult::ALL.len() {
        assert!(SpfResult::ALL[i] as usize == i);
        i += 1;
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>(), Ok(s));
        }
        for p in LookupPlan::ALL {
            assert_eq!(p.as_str().parse::<LookupPlan>(), Ok(p));
        }
        for i in Identity::ALL {
            assert_eq!(i.as_str().parse::<Identity>(), Ok(i));
        }
        for t in QueryType::ALL {
            assert_eq!(t.as_str().parse::<QueryType>(), Ok(t));
            assert_eq!(QueryType::from_code(t.code()), Some(t));
        }
        for r in SpfResult::ALL {
            assert_eq!(r.as_str().parse::<SpfResult>(), Ok(r));
            assert_eq!(SpfResult::NAMES[r as usize], r.as_str());
        }
    }

    #[test]
    fn wrong_words_say_what_was_expected() {
        assert_eq!(
            "both".parse::<Identity>().unwrap_err().to_string(),
            "identity must be 'helo' or 'mailfrom', not \"both\""
        );
        assert_eq!(
            "fast".parse::<LookupPlan>().unwrap_err().to_string(),
            "plan must be 'batched' or 'sequential', not \"fast\""
        );
        let long = "x".repeat(100);
        let e = long.parse::<QueryType>().unwrap_err().to_string();
        assert!(
            e.starts_with("type must be 'A', 'AAAA', 'MX', 'TXT' or 'PTR', not \"xxx") && e.ends_with("\"…"),
            "{e}"
        );
    }
}
