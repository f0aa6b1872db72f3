//! SRS forward and reverse (spfkit::srs) on arbitrary input with fuzzed
//! settings and time. Nothing may panic or write past 1023 octets; what
//! forward rewrites, reverse at the same instant must undo: the original
//! for a plain sender, the SRS0 address for another forwarder's SRS0, and
//! some address for its SRS1.
//!
//! Input layout: 4 settings octets (flags: separator, url_safe,
//! refuse_long, a second secret; hash length; hash minimum; maximum age),
//! 8 octets of Unix time (little-endian), then the address (lossy UTF-8).
//! The secret is the vectors' (tests/srs/), so their addresses verify.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spfkit::srs::{Forwarded, MAX_ADDRESS_LEN, Settings, Srs};

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<12>() else { return };
    let [flags, len, min, age, time @ ..] = *head;
    let mut s = Settings::new("fwd.example", "test-secret-one");
    s.separator = ['=', '+', '-', '='][usize::from(flags & 3)];
    s.url_safe = flags & 4 != 0;
    s.refuse_long = flags & 8 != 0;
    if flags & 16 != 0 {
        s.secrets.insert(0, b"new fuzz secret".to_vec());
    }
    if flags & 32 != 0 {
        s.local_domains = vec!["local.example".into(), ".sub.example".into()];
    }
    s.hash_length = 1 + usize::from(len) % 27;
    s.hash_min = 1 + usize::from(min) % s.hash_length;
    s.max_age_days = u32::from(age);
    let Ok(srs) = Srs::new(s) else { return };
    let now = u64::from_le_bytes(time);
    let input = String::from_utf8_lossy(rest);

    if let Ok(out) = srs.reverse(&input, now) {
        assert!(out.len() <= MAX_ADDRESS_LEN);
    }
    match srs.forward(&input, now) {
        Ok(Forwarded::Rewritten { address, .. }) => {
            assert!(address.len() <= MAX_ADDRESS_LEN, "{address}");
            let back = srs.reverse(&address, now).unwrap_or_else(|e| panic!("{address}: {e}"));
            // The tag as libsrs2 recognises it: SRS0/SRS1, any case, and a separator.
            let b = input.as_bytes();
            let tag = (b.len() > 4 && b[..3].eq_ignore_ascii_case(b"srs") && b"=+-".contains(&b[4])).then(|| b[3]);
            match tag {
                Some(b'0') => assert_eq!(back, format!("SRS0{}", &input[4..])),
                Some(b'1') => {}
                _ => assert_eq!(back, input),
            }
        }
        Ok(Forwarded::Unchanged { address, .. }) => assert_eq!(address, input),
        Err(_) => {}
    }
});
