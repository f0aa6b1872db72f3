//! `spfkit srsd`'s requests: hostile bytes, arriving in pieces of any size,
//! through either protocol's parser and a connection's conversation, which
//! looks keys up in the forward and reverse maps (the system clock, as the
//! server does). Nothing may panic (libfuzzer-sys aborts on a panic even
//! where srsd would catch it and answer TEMP), and every request parsed gets
//! exactly one reply, well-formed and bounded:
//!
//! - socketmap: one netstring whose length is its data's, at most 100000
//!   bytes, holding `OK VALUE`, `NOTFOUND `, `PERM REASON` (never `TEMP`:
//!   that means internal trouble); after a fatal error no more requests.
//! - tcp_table: one line of at most 4096 bytes, `200 `/`500 ` and text
//!   with no byte needing `%XX` left raw, which decodes.
//!
//! And what the forward map writes, the reverse map reads back.
//!
//! Input layout: one flags byte (bits 0-1: 0 or 3 socketmap, 1 tcp_table
//! forward, 2 tcp_table reverse; bit 2: `--reverse-bad perm`), one byte for
//! the size of the pieces (0 read as 1), then the bytes as they arrive.
//! The secret and domain are tests/srs/vectors.json's, so its addresses
//! verify (until they expire).
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use spfkit::srs::{MAX_ADDRESS_LEN, Settings, Srs};
use spfkit_cli::daemon::connections::{Conversation, Service};
use spfkit_cli::daemon::log::Logger;
use spfkit_cli::srsd::maps::{Answer, Map, Maps, ReverseBad};
use spfkit_cli::srsd::service::{Context, Endpoint, SrsdRequest};
use spfkit_cli::srsd::socketmap::MAX_NETSTRING;
use spfkit_cli::srsd::tcp_table::{self, MAX_REPLY};

fn context(reverse_bad: ReverseBad) -> &'static Context {
    static CONTEXTS: OnceLock<[Context; 2]> = OnceLock::new();
    let all = CONTEXTS.get_or_init(|| {
        let make = |reverse_bad| {
            let mut s = Settings::new("fwd.example", "test-secret-one");
            s.local_domains = vec!["local.example".into(), ".sub.example".into()];
            let maps = Maps { srs: Srs::new(s).expect("settings"), reverse_bad };
            Context::new(maps, Arc::new(Logger::nowhere()))
        };
        [make(ReverseBad::NotFound), make(ReverseBad::Perm)]
    });
    &all[usize::from(reverse_bad == ReverseBad::Perm)]
}

/// A socketmap reply: `LEN:DATA,` with LEN DATA's length, the data one of
/// the statuses; the data.
fn check_netstring(reply: &[u8]) -> &[u8] {
    let colon = reply.iter().position(|&b| b == b':').unwrap_or_else(|| panic!("no colon: {reply:?}"));
    let digits = &reply[..colon];
    assert!(!digits.is_empty() && digits.iter().all(u8::is_ascii_digit), "{reply:?}");
    assert!(digits.len() == 1 || digits[0] != b'0', "leading zero: {reply:?}");
    let len: usize = std::str::from_utf8(digits).unwrap().parse().unwrap();
    assert!(len <= MAX_NETSTRING, "{len}");
    assert_eq!(reply.len(), colon + 1 + len + 1, "{reply:?}");
    assert_eq!(reply.last(), Some(&b','), "{reply:?}");
    let data = &reply[colon + 1..reply.len() - 1];
    assert!(
        [&b"OK "[..], b"NOTFOUND ", b"PERM "].iter().any(|s| data.starts_with(s)),
        "status: {:?}",
        String::from_utf8_lossy(data)
    );
    data
}

/// A tcp_table reply: one line, bounded, encoded; the decoded value of a
/// `200`.
fn check_line(reply: &[u8]) -> Option<Vec<u8>> {
    assert!(reply.len() <= MAX_REPLY, "{} bytes", reply.len());
    assert_eq!(reply.last(), Some(&b'\n'), "{reply:?}");
    let text = &reply[..reply.len() - 1];
    assert!(text.starts_with(b"200 ") || text.starts_with(b"500 "), "{reply:?}");
    let body = &text[4..];
    assert!(body.iter().all(u8::is_ascii_graphic), "raw byte in {reply:?}");
    let decoded = tcp_table::decode(body).unwrap_or_else(|| panic!("bad %XX in {reply:?}"));
    text.starts_with(b"200 ").then_some(decoded)
}

/// What forward wrote, reverse reads back (the timestamp is today's, or
/// yesterday's across midnight: both valid for 21 days).
fn check_round_trip(ctx: &Context, value: &[u8]) {
    assert!(value.len() <= MAX_ADDRESS_LEN);
    let answer = ctx.lookup("fuzz", Map::Reverse, value);
    assert!(matches!(answer, Answer::Found(_)), "{:?} reversed: {answer:?}", String::from_utf8_lossy(value));
}

fuzz_target!(|data: &[u8]| {
    let Some((&[flags, size], bytes)) = data.split_first_chunk::<2>() else { return };
    let reverse_bad = if flags & 4 != 0 { ReverseBad::Perm } else { ReverseBad::NotFound };
    let ctx = context(reverse_bad);
    let endpoint = match flags & 3 {
        1 => Endpoint::TcpTable(Map::Forward),
        2 => Endpoint::TcpTable(Map::Reverse),
        _ => Endpoint::Socketmap,
    };
    let mut conversation = ctx.open(&endpoint, "fuzz");
    let mut requests = Vec::new();
    for piece in bytes.chunks(usize::from(size).max(1)) {
        conversation.feed(piece, &mut requests);
        for request in requests.drain(..) {
            let reply = conversation.answer(&request);
            match (&request, endpoint) {
                (SrsdRequest::Socketmap(r), Endpoint::Socketmap) => {
                    let body = check_netstring(&reply);
                    if let Some(value) = body.strip_prefix(b"OK ") {
                        use spfkit_cli::srsd::socketmap::Request;
                        let Request::Lookup { name, .. } = r else { panic!("OK for {r:?}") };
                        if name == b"forward" {
                            check_round_trip(ctx, value);
                        }
                    }
                }
                (SrsdRequest::TcpTable(r), Endpoint::TcpTable(map)) => {
                    if let Some(value) = check_line(&reply) {
                        assert!(matches!(r, tcp_table::Request::Get(_)), "200 for {r:?}");
                        if map == Map::Forward {
                            check_round_trip(ctx, &value);
                        }
                    }
                }
                _ => panic!("a request of the other protocol"),
            }
        }
        if conversation.fatal().is_some() {
            // Nothing more is parsed once the stream cannot be resynchronised.
            conversation.feed(b"11:forward a@b,get a@b\n", &mut requests);
            assert!(requests.is_empty());
            break;
        }
    }
});
