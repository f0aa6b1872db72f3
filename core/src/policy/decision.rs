//! What the receiver does with one recipient: the [`Decision`], its
//! [`Action`] and the [`Rule`] that decided.

use core::fmt;

use crate::iprev::IprevResult;
use crate::outcome::SpfResult;
use crate::report::SmtpReply;

/// What the MTA does with the recipient.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Action {
    /// SPF was not checked (a skipped network, an authenticated client, a
    /// recipient that is not an address): accept, add nothing.
    NotChecked,
    /// Accept; the headers went with an earlier recipient's decision (or
    /// none are configured).
    Accept,
    /// Accept and add [`Decision::headers`] to the message.
    AcceptWithHeaders,
    /// Refuse the recipient: a 5xx [`Decision::reply`].
    Reject,
    /// Refuse for now: a 4xx [`Decision::reply`].
    Defer,
}

impl Action {
    /// The stable name: `not-checked`, `accept`, `accept-with-headers`,
    /// `reject`, `defer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::NotChecked => "not-checked",
            Action::Accept => "accept",
            Action::AcceptWithHeaders => "accept-with-headers",
            Action::Reject => "reject",
            Action::Defer => "defer",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! rules {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// The rule that decided (docs/policy-settings.md names each); its
        /// name is stable, for logs and `policy.rule`.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum Rule {
            $($(#[$doc])* $variant,)*
        }

        impl Rule {
            /// Every rule.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable name, e.g. `mail-from-reject`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Rule::$variant => $name,)*
                }
            }
        }
    };
}

rules! {
    /// The recipient is not `local@domain`: not checked.
    BadRecipient => "bad-recipient",
    /// The client is in `skip_networks`: not checked.
    SkipNetwork => "skip-network",
    /// The client authenticated (SMTP AUTH): not checked.
    Authenticated => "authenticated",
    /// The HELO or MAIL FROM is longer than any SMTP carries
    /// ([`Request::MAX_LENGTH`](crate::Request::MAX_LENGTH)): `550 5.7.24`.
    BadConnection => "bad-connection",
    /// HELO's result is in `helo.reject`.
    HeloReject => "helo-reject",
    /// HELO's domain is in `helo.must_pass` and did not pass.
    HeloMustPass => "helo-must-pass",
    /// HELO's result is temperror and `helo.temperror = "defer"`.
    HeloTempError => "helo-temperror",
    /// MAIL FROM's result is in `mail_from.reject`.
    MailFromReject => "mail-from-reject",
    /// MAIL FROM's domain is in `mail_from.must_pass` and did not pass.
    MailFromMustPass => "mail-from-must-pass",
    /// MAIL FROM's result is temperror and `mail_from.temperror = "defer"`.
    MailFromTempError => "mail-from-temperror",
    /// The best guess's result is in `best_guess_policy.reject`.
    BestGuess => "best-guess",
    /// A pass local policy finds unacceptable (RFC 8601's `policy`).
    UnacceptablePass => "unacceptable-pass",
    /// The client is a trusted relay.
    TrustedRelay => "trusted-relay",
    /// The client is a trusted forwarder's outbound address.
    ForwarderNetwork => "forwarder-network",
    /// The client passes SPF for a trusted forwarder's domain.
    ForwarderDomain => "forwarder-domain",
    /// The client passes SPF for the user's forwarding address.
    ForwarderAddress => "forwarder-address",
    /// The recipient never rejects on SPF (no forwarders configured).
    NeverReject => "never-reject",
    /// iprev is required and did not pass.
    Iprev => "iprev",
    /// More than one required check failed.
    Multiple => "multiple",
    /// The message would fail SPF when forwarded: 551.
    Prospective => "prospective",
    /// Nothing refused the recipient.
    Accept => "accept",
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The decision for one recipient.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Decision {
    /// The recipient decided (as given, when it was valid UTF-8).
    pub recipient: String,
    /// What to do.
    pub action: Action,
    /// The SMTP reply for [`Action::Reject`] and [`Action::Defer`]: code,
    /// RFC 7372 enhanced code, text.
    pub reply: Option<SmtpReply>,
    /// In log-only mode, the reply the decision would have sent.
    pub intended: Option<SmtpReply>,
    /// The rule that decided.
    pub rule: Rule,
    /// The trusted forwarder's name, when one decided.
    pub forwarder: Option<String>,
    /// The header fields to add, as (name, value): on the first accepted
    /// recipient's decision of a message only.
    pub headers: Vec<(String, String)>,
    /// Seed 003's reputation key, `domain:RESULT` (`example.com:FAIL`).
    pub reputation_key: Option<String>,
    /// HELO's SPF result, when evaluated.
    pub helo: Option<SpfResult>,
    /// MAIL FROM's SPF result, when evaluated.
    pub mail_from: Option<SpfResult>,
    /// The best guess's result, when evaluated (never an SPF result).
    pub best_guess: Option<SpfResult>,
    /// Whether a pass was found unacceptable (RFC 8601 §2.7.2 `policy`).
    pub unacceptable_pass: bool,
    /// iprev's result, when checked.
    pub iprev: Option<IprevResult>,
    /// DNS queries this decision asked (earlier recipients' are not asked
    /// again).
    pub queries: u32,
    /// Steps with queries this decision took.
    pub round_trips: u32,
}

impl Decision {
    pub(crate) fn new(recipient: String, action: Action, rule: Rule) -> Decision {
        Decision {
            recipient,
            action,
            reply: None,
            intended: None,
            rule,
            forwarder: None,
            headers: Vec::new(),
            reputation_key: None,
            helo: None,
            mail_from: None,
            best_guess: None,
            unacceptable_pass: false,
            iprev: None,
            queries: 0,
            round_trips: 0,
        }
    }

    /// Whether the MTA should refuse the recipient (reject or defer).
    pub fn refuses(&self) -> bool {
        matches!(self.action, Action::Reject | Action::Defer)
    }
}
