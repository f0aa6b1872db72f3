//! The receiver's settings (docs/policy-settings.md): global rules,
//! overrides per recipient domain and address, and the connection-level
//! choices. Built from a [`Value`](super::Value) tree (TOML, a JS object, a
//! Python dict) by [`super::config`], or field by field.

use core::net::IpAddr;
use core::str::FromStr;
use std::collections::HashMap;
use std::sync::Arc;

use crate::net::in_network;
use crate::outcome::{ResultSet, SpfResult};
use crate::record::Record;

/// Entries a list of networks or domains may hold.
pub const MAX_LIST: usize = 1024;
/// Forwarders one rule set may hold.
pub const MAX_FORWARDERS: usize = 64;
/// `[domain]` or `[address]` overrides a settings file may hold, each.
pub const MAX_OVERRIDES: usize = 100_000;
/// The longest forwarder name, of `[A-Za-z0-9._-]`.
pub const MAX_NAME: usize = 64;
/// The longest address (RFC 5321 §4.5.3.1.3's path is 256 octets with its
/// brackets; a little slack for what MTAs pass on).
pub const MAX_ADDRESS: usize = 320;

/// What a temperror does (RFC 7208 §8.6 leaves it to the receiver).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum TempErrorAction {
    /// Accept, with the header saying temperror.
    #[default]
    Accept,
    /// Defer: `451 4.7.24`.
    Defer,
}

/// Which header fields the accepting decision carries.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum HeaderForm {
    /// `Received-SPF` (RFC 7208 §9.1) only.
    ReceivedSpf,
    /// `Authentication-Results` (RFC 8601) only.
    AuthenticationResults,
    /// Both.
    #[default]
    Both,
    /// Neither.
    None,
}

/// Whether and how iprev (RFC 8601 §3) counts.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum IprevPolicy {
    /// Not checked.
    #[default]
    Off,
    /// Checked and written in Authentication-Results; never rejects.
    Report,
    /// Checked; anything but pass rejects (`5.7.25`) or defers.
    Require,
}

/// A network, `192.0.2.0/24`, `2001:db8::/32` or one address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Cidr {
    /// The network's address.
    pub addr: IpAddr,
    /// Its prefix length.
    pub prefix: u8,
}

impl Cidr {
    /// Whether `ip` lies in the network (an IPv4-mapped IPv6 address as
    /// IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        in_network(ip, self.addr, self.prefix, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Cidr, String> {
        let (addr, prefix) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let addr: IpAddr = addr.parse().map_err(|_| format!("{s:?} is not an IP address or network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|&n| n <= max).ok_or_else(|| format!("{s:?}: prefix over {max}"))?
            }
            Some(_) => return Err(format!("{s:?}: malformed prefix length")),
        };
        // An IPv4-mapped network (::ffff:192.0.2.0/120) is the IPv4 one:
        // clients are matched as IPv4.
        Ok(match addr {
            IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => Cidr { addr: IpAddr::V4(v4), prefix: prefix - 96 },
                None => Cidr { addr, prefix },
            },
            _ => Cidr { addr, prefix },
        })
    }
}

/// Whether any network of `nets` holds `ip`.
pub(crate) fn any_holds(nets: &[Cidr], ip: IpAddr) -> bool {
    nets.iter().any(|n| n.contains(ip))
}

/// The rules for one identity, HELO or MAIL FROM.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IdentityRules {
    /// Whether the identity is checked at all.
    pub check: bool,
    /// Results that reject (never pass or temperror).
    pub reject: ResultSet,
    /// What temperror does.
    pub temperror: TempErrorAction,
    /// A rejecting result rejects only when the domain's record is exactly
    /// `v=spf1 -all` (a domain that sends no mail).
    pub only_minus_all: bool,
    /// Domains (with their subdomains) for which anything but pass rejects.
    pub must_pass: Vec<String>,
}

impl Default for IdentityRules {
    fn default() -> IdentityRules {
        IdentityRules {
            check: true,
            reject: ResultSet::of(&[SpfResult::Fail]),
            temperror: TempErrorAction::Accept,
            only_minus_all: false,
            must_pass: Vec::new(),
        }
    }
}

/// An override of [`IdentityRules`]: the fields set replace the others'.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct IdentityOverrides {
    /// See [`IdentityRules::check`].
    pub check: Option<bool>,
    /// See [`IdentityRules::reject`].
    pub reject: Option<ResultSet>,
    /// See [`IdentityRules::temperror`].
    pub temperror: Option<TempErrorAction>,
    /// See [`IdentityRules::only_minus_all`].
    pub only_minus_all: Option<bool>,
    /// See [`IdentityRules::must_pass`].
    pub must_pass: Option<Vec<String>>,
}

impl IdentityRules {
    fn apply(&mut self, o: &IdentityOverrides) {
        if let Some(v) = o.check {
            self.check = v;
        }
        if let Some(v) = o.reject {
            self.reject = v;
        }
        if let Some(v) = o.temperror {
            self.temperror = v;
        }
        if let Some(v) = o.only_minus_all {
            self.only_minus_all = v;
        }
        if let Some(v) = &o.must_pass {
            self.must_pass.clone_from(v);
        }
    }
}

/// A trusted forwarder (seed 003): mail it forwards is accepted whatever
/// its SPF result, once the client is shown to be the forwarder.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Forwarder {
    /// A name for logs and the `policy.forwarder` property.
    pub name: String,
    /// How the client is shown to be the forwarder.
    pub kind: ForwarderKind,
}

/// The three ways seed 003 names to know a forwarder.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ForwarderKind {
    /// The forwarder's outbound addresses.
    Networks(Vec<Cidr>),
    /// The client passes SPF for this domain (checked as
    /// `postmaster@<domain>`).
    Domain(String),
    /// The client passes SPF with this address, the one the user set up at
    /// the forwarder, as MAIL FROM: seed 003's "pretend MAIL FROM".
    Address(String),
}

/// When a pass is not acceptable to local policy: RFC 8601 §2.7.2's
/// `policy` result.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnacceptablePass {
    /// A pass through `all` (`+all`): anyone passes.
    pub plus_all: bool,
    /// A pass through a record tree authorising more addresses than this
    /// in the client's family (/64 networks for IPv6); 0 is off.
    pub max_addresses: u64,
    /// A pass from these domains (with subdomains).
    pub domains: Vec<String>,
    /// Reject (`550 5.7.23`) rather than accept with `spf=policy`.
    pub reject: bool,
}

impl Default for UnacceptablePass {
    fn default() -> UnacceptablePass {
        UnacceptablePass { plus_all: true, max_addresses: 0, domains: Vec::new(), reject: false }
    }
}

/// An override of [`UnacceptablePass`].
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct UnacceptablePassOverrides {
    /// See [`UnacceptablePass::plus_all`].
    pub plus_all: Option<bool>,
    /// See [`UnacceptablePass::max_addresses`].
    pub max_addresses: Option<u64>,
    /// See [`UnacceptablePass::domains`].
    pub domains: Option<Vec<String>>,
    /// See [`UnacceptablePass::reject`].
    pub reject: Option<bool>,
}

/// Seed 003's prospective check, opt-in per forwarding address: would the
/// message fail SPF when forwarded from these addresses?
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Prospective {
    /// Where the user's mail is forwarded; the 551 reply names it, so it
    /// reveals the forward path: opt-in.
    pub forward_path: String,
    /// The forwarder's outbound addresses.
    pub outbound: Vec<IpAddr>,
}

/// The rules that decide one recipient: the global ones with that
/// recipient's overrides applied.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Rules {
    /// HELO's rules (RFC 7208 §2.3).
    pub helo: IdentityRules,
    /// MAIL FROM's rules (RFC 7208 §2.4).
    pub mail_from: IdentityRules,
    /// Trusted forwarders.
    pub forwarders: Vec<Forwarder>,
    /// With no forwarders, SPF never rejects or defers (seed 003, item 2).
    pub never_reject_without_forwarders: bool,
    /// When a pass is unacceptable.
    pub unacceptable_pass: UnacceptablePass,
    /// Best-guess results that reject.
    pub best_guess_reject: ResultSet,
    /// iprev.
    pub iprev: IprevPolicy,
    /// Decide and report; never reject or defer.
    pub log_only: bool,
    /// The prospective check (per address only).
    pub prospective: Option<Prospective>,
}

/// Overrides for a recipient domain, a recipient address, or from the
/// host's per-recipient callback: each field set replaces the broader
/// one's.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Overrides {
    /// See [`Rules::helo`].
    pub helo: IdentityOverrides,
    /// See [`Rules::mail_from`].
    pub mail_from: IdentityOverrides,
    /// See [`Rules::forwarders`].
    pub forwarders: Option<Vec<Forwarder>>,
    /// See [`Rules::never_reject_without_forwarders`].
    pub never_reject_without_forwarders: Option<bool>,
    /// See [`Rules::unacceptable_pass`].
    pub unacceptable_pass: UnacceptablePassOverrides,
    /// See [`Rules::best_guess_reject`].
    pub best_guess_reject: Option<ResultSet>,
    /// See [`Rules::iprev`].
    pub iprev: Option<IprevPolicy>,
    /// See [`Rules::log_only`].
    pub log_only: Option<bool>,
    /// See [`Rules::prospective`].
    pub prospective: Option<Prospective>,
}

impl Rules {
    /// Applies `o` over these rules.
    pub fn apply(&mut self, o: &Overrides) {
        self.helo.apply(&o.helo);
        self.mail_from.apply(&o.mail_from);
        if let Some(v) = &o.forwarders {
            self.forwarders.clone_from(v);
        }
        if let Some(v) = o.never_reject_without_forwarders {
            self.never_reject_without_forwarders = v;
        }
        let u = &o.unacceptable_pass;
        if let Some(v) = u.plus_all {
            self.unacceptable_pass.plus_all = v;
        }
        if let Some(v) = u.max_addresses {
            self.unacceptable_pass.max_addresses = v;
        }
        if let Some(v) = &u.domains {
            self.unacceptable_pass.domains.clone_from(v);
        }
        if let Some(v) = u.reject {
            self.unacceptable_pass.reject = v;
        }
        if let Some(v) = o.best_guess_reject {
            self.best_guess_reject = v;
        }
        if let Some(v) = o.iprev {
            self.iprev = v;
        }
        if let Some(v) = o.log_only {
            self.log_only = v;
        }
        if let Some(v) = &o.prospective {
            self.prospective = Some(v.clone());
        }
    }
}

/// Everything a receiver decides by: the global [`Rules`], the overrides,
/// and the choices made per connection or per message.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The rules of a recipient without overrides.
    pub rules: Rules,
    /// Overrides per recipient domain (lower case, no trailing dot).
    pub domains: HashMap<String, Overrides>,
    /// Overrides per recipient address (lower case).
    pub addresses: HashMap<String, Overrides>,
    /// Characters that start an address extension (`user+tag@`).
    pub recipient_delimiter: String,
    /// Clients never checked.
    pub skip_networks: Vec<Cidr>,
    /// Clients whose SPF is checked and reported but never rejects.
    pub trusted_relays: Vec<Cidr>,
    /// Authenticated clients are not checked.
    pub skip_authenticated: bool,
    /// Which header fields to add.
    pub header: HeaderForm,
    /// RFC 8601's authserv-id; also `Received-SPF`'s `receiver`.
    pub authserv_id: String,
    /// `Received-SPF` without the receiver's name.
    pub hide_receiver: bool,
    /// The record evaluated for a MAIL FROM domain without SPF.
    pub best_guess: Option<Arc<Record>>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            rules: Rules::default(),
            domains: HashMap::new(),
            addresses: HashMap::new(),
            recipient_delimiter: "+".to_owned(),
            skip_networks: vec![
                Cidr { addr: IpAddr::from([127, 0, 0, 0]), prefix: 8 },
                Cidr { addr: IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]), prefix: 128 },
            ],
            trusted_relays: Vec::new(),
            skip_authenticated: true,
            header: HeaderForm::Both,
            authserv_id: "unknown".to_owned(),
            hide_receiver: false,
            best_guess: None,
        }
    }
}

impl Settings {
    /// The rules for `recipient` (`local@domain`, any case): the global
    /// rules, then the domain's overrides, then the address's (the address
    /// as given, else with its extension removed: `user+tag@` finds
    /// `user@`), then `host`'s (a per-recipient callback's) — the most
    /// specific wins, field by field.
    pub fn rules_for(&self, recipient: &str, host: Option<&Overrides>) -> Rules {
        let mut rules = self.rules.clone();
        let lower = recipient.to_ascii_lowercase();
        if let Some((local, domain)) = lower.rsplit_once('@') {
            let domain = domain.strip_suffix('.').unwrap_or(domain);
            if let Some(o) = self.domains.get(domain) {
                rules.apply(o);
            }
            let exact = format!("{local}@{domain}");
            let found = self.addresses.get(&exact).or_else(|| {
                let base = local.split(|c| self.recipient_delimiter.contains(c)).next().unwrap_or(local);
                (base.len() < local.len() && !base.is_empty())
                    .then(|| self.addresses.get(&format!("{base}@{domain}")))
                    .flatten()
            });
            if let Some(o) = found {
                rules.apply(o);
            }
        }
        if let Some(o) = host {
            rules.apply(o);
        }
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let n: Cidr = "192.0.2.0/24".parse().unwrap();
        assert!(n.contains("192.0.2.77".parse().unwrap()));
        assert!(n.contains("::ffff:192.0.2.77".parse().unwrap()));
        assert!(!n.contains("192.0.3.1".parse().unwrap()));
        let mapped: Cidr = "::ffff:192.0.2.0/120".parse().unwrap();
        assert!(mapped.contains("192.0.2.9".parse().unwrap()) && !mapped.contains("192.0.3.9".parse().unwrap()));
        let one: Cidr = "2001:db8::1".parse().unwrap();
        assert_eq!(one.prefix, 128);
        for bad in ["192.0.2.0/33", "192.0.2.0/", "192.0.2/24", "x", "::1/129", "1.2.3.4/+1", "1.2.3.4/0001"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn most_specific_wins_and_tags_find_the_user() {
        let mut s = Settings::default();
        let domain = Overrides { log_only: Some(true), iprev: Some(IprevPolicy::Report), ..Overrides::default() };
        let user = Overrides { log_only: Some(false), ..Overrides::default() };
        s.domains.insert("example.org".into(), domain);
        s.addresses.insert("alice@example.org".into(), user);
        let r = s.rules_for("Alice+lists@Example.ORG", None);
        assert!(!r.log_only);
        assert_eq!(r.iprev, IprevPolicy::Report);
        assert!(s.rules_for("bob@example.org", None).log_only);
        assert!(!s.rules_for("bob@example.com", None).log_only);
        let host = Overrides { iprev: Some(IprevPolicy::Require), ..Overrides::default() };
        assert_eq!(s.rules_for("alice@example.org", Some(&host)).iprev, IprevPolicy::Require);
        // "+" alone is no user.
        s.addresses.insert("@example.org".into(), Overrides { log_only: Some(false), ..Overrides::default() });
        assert!(s.rules_for("+x@example.org", None).log_only);
    }
}
