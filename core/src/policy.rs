//! Receiver policy: what a receiving mail server does with SPF results
//! (docs/policy-settings.md). An SPF result is a fact; rejecting on it is
//! the receiver's choice, per recipient, knowing the forwarders its users
//! set up (seed 003: "Local policy for SPF results must consider
//! forwarders").
//!
//! No I/O here either: a [`Message`] hands out [`Decide`] computations that
//! ask DNS through the same step API as an [`Evaluation`](crate::Evaluation),
//! one per recipient (decisions come after RCPT TO and may differ per
//! recipient). A message's SPF evaluation, iprev and forwarder checks are
//! made once, by the first recipient that needs them.
//!
//! - Settings: [`Settings`], [`Rules`], [`Overrides`] (per recipient domain,
//!   address, or a host's callback), from a [`Value`] tree
//!   ([`settings_from_value`]) or TOML (`settings_from_toml`, feature
//!   `policy-toml`).
//! - Decisions: [`Decision`] with its [`Action`], [`Rule`], the SMTP reply
//!   (RFC 7372 codes), the header fields (RFC 7208 §9.1, RFC 8601) and the
//!   reputation key.

mod config;
mod decide;
mod decision;
mod settings;
#[cfg(feature = "policy-toml")]
mod toml;

pub use config::{MAX_OUTBOUND, SettingsError, Value, overrides_from_value, settings_from_value};
pub use decide::{Connection, Decide, Message, Policy, RecipientRules};
pub use decision::{Action, Decision, Rule};
pub use settings::{
    Cidr, Forwarder, ForwarderKind, HeaderForm, IdentityOverrides, IdentityRules, IprevPolicy, MAX_ADDRESS,
    MAX_FORWARDERS, MAX_LIST, MAX_NAME, MAX_OVERRIDES, Overrides, Prospective, Rules, Settings, TempErrorAction,
    UnacceptablePass, UnacceptablePassOverrides,
};
#[cfg(feature = "policy-toml")]
pub use toml::{MAX_FILE, settings_from_toml, value_from_toml};
