//! Receiver policy: hostile settings (a fuzzed TOML file, or settings built
//! field by field with no validation, as a Rust host may), a hostile
//! connection and recipients, and fuzzed answers given in any order.
//! Nothing may panic; every decision finishes; headers and replies carry
//! no control character and no line over 998 characters.
//!
//! Input layout: four flag bytes, 16 address bytes, the settings' strings
//! (length-prefixed), the connection's, up to four recipients, then the
//! answer script (see script.rs).
#![no_main]

#[path = "script.rs"]
mod script;

use std::net::IpAddr;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use script::{Script, answer};
use spfkit::policy::{
    Cidr, Connection, Decide, Decision, Forwarder, ForwarderKind, HeaderForm, IprevPolicy, Policy, Prospective,
    Settings, TempErrorAction, settings_from_toml,
};
use spfkit::{Answer, Query, Record, ResultSet, SpfResult, Step};

const RESULTS: [SpfResult; 5] =
    [SpfResult::Fail, SpfResult::SoftFail, SpfResult::Neutral, SpfResult::None, SpfResult::PermError];

fn results(bits: u8) -> ResultSet {
    let set: Vec<SpfResult> = RESULTS.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, r)| *r).collect();
    ResultSet::of(&set)
}

fn ip(raw: &[u8], v6: bool) -> IpAddr {
    if v6 {
        std::array::from_fn::<u8, 16, _>(|i| raw.get(i).copied().unwrap_or(0)).into()
    } else {
        std::array::from_fn::<u8, 4, _>(|i| raw.get(i).copied().unwrap_or(0)).into()
    }
}

/// Settings field by field: whatever strings the input holds.
fn built(s: &mut Script<'_>, f: [u8; 4]) -> Settings {
    let mut st = Settings::default();
    st.header = [HeaderForm::Both, HeaderForm::ReceivedSpf, HeaderForm::AuthenticationResults, HeaderForm::None]
        [usize::from(f[1] & 3)];
    st.hide_receiver = f[1] & 4 != 0;
    st.rules.iprev = [IprevPolicy::Off, IprevPolicy::Report, IprevPolicy::Require, IprevPolicy::Require]
        [usize::from(f[1] >> 3) & 3];
    st.rules.log_only = f[1] & 32 != 0;
    st.rules.never_reject_without_forwarders = f[1] & 64 != 0;
    st.rules.unacceptable_pass.plus_all = f[1] & 128 != 0;
    st.rules.helo.reject = results(f[2]);
    st.rules.mail_from.reject = results(f[3]);
    st.rules.helo.temperror = if f[2] & 32 != 0 { TempErrorAction::Defer } else { TempErrorAction::Accept };
    st.rules.mail_from.temperror = if f[3] & 32 != 0 { TempErrorAction::Defer } else { TempErrorAction::Accept };
    st.rules.helo.only_minus_all = f[2] & 64 != 0;
    st.rules.mail_from.only_minus_all = f[3] & 64 != 0;
    st.rules.helo.check = f[2] & 128 == 0;
    st.rules.mail_from.check = f[3] & 128 == 0;
    st.authserv_id = s.name();
    st.recipient_delimiter = s.name();
    st.rules.mail_from.must_pass = vec![s.name()];
    st.rules.unacceptable_pass.domains = vec![s.name()];
    st.rules.unacceptable_pass.max_addresses = 1u64 << (s.byte() % 64);
    st.rules.unacceptable_pass.reject = f[0] & 8 != 0;
    let net = Cidr { addr: ip(s.bytes(4), false), prefix: s.byte() };
    st.trusted_relays = vec![Cidr { addr: ip(s.bytes(16), true), prefix: s.byte() }];
    st.rules.forwarders = vec![
        Forwarder { name: s.name(), kind: ForwarderKind::Networks(vec![net]) },
        Forwarder { name: s.name(), kind: ForwarderKind::Domain(s.name()) },
        Forwarder { name: s.name(), kind: ForwarderKind::Address(s.name()) },
    ];
    if f[0] & 16 != 0 {
        st.rules.forwarders.clear();
    }
    st.rules.best_guess_reject = results(s.byte());
    st.best_guess = Record::parse_bytes(s.short()).ok().map(Arc::new);
    if f[0] & 32 != 0 {
        st.rules.prospective = Some(Prospective { forward_path: s.name(), outbound: vec![ip(s.bytes(4), false)] });
    }
    let override_rules = spfkit::policy::Overrides { log_only: Some(f[0] & 64 != 0), ..Default::default() };
    st.addresses.insert(s.name(), override_rules);
    st
}

/// Drives one decision, holding some answers back.
fn run(s: &mut Script<'_>, mut d: Decide) -> Decision {
    let mut held: Vec<Query> = Vec::new();
    for _ in 0..10_000 {
        let queries = match d.next() {
            Step::Done(_) => break,
            Step::Lookup(qs) => qs.to_vec(),
            Step::Pending => {
                assert!(!held.is_empty(), "the decision waits, yet every query was answered");
                while let Some(q) = held.pop() {
                    let a = answer(s, &q).unwrap_or(Answer::TempError);
                    d.answer(q.id, a).expect("a held query is unanswered");
                }
                continue;
            }
        };
        for q in queries {
            match answer(s, &q) {
                Some(a) => d.answer(q.id, a).expect("a new query is unanswered"),
                None => held.push(q),
            }
        }
    }
    d.into_decision().expect("the decision finishes")
}

fn check(d: &Decision) {
    for (name, value) in &d.headers {
        assert!(!name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':'), "{name:?}");
        for (i, line) in value.split("\r\n").enumerate() {
            assert!(line.len() <= 998 && (i == 0 || line.starts_with(' ')), "{value:?}");
            assert!(!line.chars().any(char::is_control), "{value:?}");
        }
    }
    for r in [&d.reply, &d.intended].into_iter().flatten() {
        assert!(r.text.bytes().all(|b| (b' '..=b'~').contains(&b)), "{r}");
        assert!((400..600).contains(&r.code), "{r}");
    }
    assert_eq!(d.refuses(), d.reply.is_some());
}

fuzz_target!(|data: &[u8]| {
    let mut s = Script(data);
    let f = [s.byte(), s.byte(), s.byte(), s.byte()];
    let settings = if f[0] & 4 != 0 {
        let len = usize::from(s.byte()) * 4;
        let text = String::from_utf8_lossy(s.bytes(len)).into_owned();
        match settings_from_toml(&text, "fuzz.toml") {
            Ok(st) => st,
            Err(e) => {
                assert!(!e.to_string().contains(['\r', '\n']), "{e:?}");
                Settings::default()
            }
        }
    } else {
        built(&mut s, f)
    };
    let client = ip(s.bytes(16), f[0] & 1 != 0);
    let connection =
        Connection { ip: client, mail_from: s.name(), helo: s.name(), authenticated: f[0] & 2 != 0 };
    let message = Policy::new(settings).message(connection);
    let recipients = 1 + s.byte() % 4;
    let mut carried = 0;
    for _ in 0..recipients {
        let recipient = s.short().to_vec();
        let d = run(&mut s, message.decide(recipient));
        check(&d);
        carried += usize::from(!d.headers.is_empty());
    }
    assert!(carried <= 1, "headers on {carried} decisions of one message");
});
