//! Any bytes as a TXT record: parsing never panics, an error's span lies in
//! the record, and a parsed record prints as a record that parses to the
//! same printed form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spfkit::{Record, is_spf_record};

fuzz_target!(|data: &[u8]| {
    let _ = is_spf_record(data);
    match Record::parse_bytes(data) {
        Ok(record) => {
            let printed = record.to_string();
            let again = Record::parse(&printed).unwrap_or_else(|e| panic!("{printed:?} does not parse: {e}"));
            assert_eq!(again.to_string(), printed);
            assert_eq!(again.terms().len(), record.terms().len());
        }
        Err(e) => {
            assert!(e.span.start <= e.span.end && e.span.end <= data.len(), "{e} for {} bytes", data.len());
            let _ = e.to_string();
        }
    }
});
