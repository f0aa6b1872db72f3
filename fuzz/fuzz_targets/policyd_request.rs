//! `spfkit policyd`'s requests: hostile bytes, arriving in pieces of any
//! size, through the request parser and a session deciding against a small
//! zone. Nothing may panic; every request the parser completes gets exactly
//! one reply, `action=...` on one line and the empty line.
//!
//! Input layout: one byte (the size of the pieces, 0 read as 1), then the
//! bytes as they arrive on the connection.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use spfkit::policy::{Policy, Settings};
use spfkit::{RData, Zone};
use spfkit_cli::policyd::log::Logger;
use spfkit_cli::policyd::protocol::Parser;
use spfkit_cli::policyd::session::{Context, Current, Session};

fn context() -> &'static Context {
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let mut zone = Zone::new();
        let txt = |z: &mut Zone, name: &str, text: &str| z.add(name, RData::Txt(text.as_bytes().to_vec()));
        txt(&mut zone, "example.com", "v=spf1 ip4:192.0.2.0/24 include:inc.example.com -all");
        txt(&mut zone, "inc.example.com", "v=spf1 a mx ~all");
        txt(&mut zone, "mail.example.com", "v=spf1 ?all");
        let settings = Settings { authserv_id: "mx.example.net".into(), ..Settings::default() };
        let current = Current { policy: Policy::new(settings), timeout: Duration::from_secs(1) };
        Context::new(current, Box::new(zone), Arc::new(Logger::nowhere()))
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&size, bytes)) = data.split_first() else { return };
    let mut session = Session::new(context(), "fuzz");
    let mut parser = Parser::new();
    let mut parsed = Vec::new();
    for piece in bytes.chunks(usize::from(size).max(1)) {
        parser.feed(piece, &mut parsed);
        for p in parsed.drain(..) {
            let reply = session.handle(&p);
            assert!(reply.starts_with(b"action=") && reply.ends_with(b"\n\n"), "{reply:?}");
            assert_eq!(reply.iter().filter(|&&b| b == b'\n').count(), 2, "{reply:?}");
        }
        if parser.fatal().is_some() {
            break;
        }
    }
});
