//! The C enumerations. Each is written out once with its numbers (cbindgen
//! copies them into the header); [`c_enum!`] pairs the variants with core's
//! values, so no number is written twice.

use std::ffi::c_char;
use std::ptr;

use spfkit_core as spf;

/// What spfkit_evaluation_next() says to do.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_step {
    /// New queries to resolve: read them with spfkit_evaluation_query().
    SPFKIT_STEP_LOOKUP = 1,
    /// Nothing new: answer queries already handed out, then call next again.
    SPFKIT_STEP_PENDING = 2,
    /// Finished: read the outcome with spfkit_evaluation_outcome().
    SPFKIT_STEP_DONE = 3,
}

/// An SPF result (RFC 7208 §2.6).
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_result {
    SPFKIT_RESULT_NONE = 0,
    SPFKIT_RESULT_NEUTRAL = 1,
    SPFKIT_RESULT_PASS = 2,
    SPFKIT_RESULT_FAIL = 3,
    SPFKIT_RESULT_SOFTFAIL = 4,
    SPFKIT_RESULT_TEMPERROR = 5,
    SPFKIT_RESULT_PERMERROR = 6,
}

c_enum!(spfkit_result <=> spf::SpfResult {
    SPFKIT_RESULT_NONE = spf::SpfResult::None,
    SPFKIT_RESULT_NEUTRAL = spf::SpfResult::Neutral,
    SPFKIT_RESULT_PASS = spf::SpfResult::Pass,
    SPFKIT_RESULT_FAIL = spf::SpfResult::Fail,
    SPFKIT_RESULT_SOFTFAIL = spf::SpfResult::SoftFail,
    SPFKIT_RESULT_TEMPERROR = spf::SpfResult::TempError,
    SPFKIT_RESULT_PERMERROR = spf::SpfResult::PermError,
});

/// The longest result name, with its NUL.
const NAME_WIDTH: usize = 10;

/// Core's result names ([`spf::SpfResult::NAMES`], in the order of
/// [`spf::SpfResult::ALL`]), NUL-terminated for C at compile time.
static RESULT_NAMES: [[u8; NAME_WIDTH]; spf::SpfResult::ALL.len()] = nul_terminated(spf::SpfResult::NAMES);

const fn nul_terminated<const N: usize>(names: &[&str]) -> [[u8; NAME_WIDTH]; N] {
    assert!(names.len() == N);
    let mut out = [[0; NAME_WIDTH]; N];
    let mut i = 0;
    while i < N {
        let name = names[i].as_bytes();
        assert!(name.len() < NAME_WIDTH, "NAME_WIDTH leaves room for the NUL");
        let mut j = 0;
        while j < name.len() {
            out[i][j] = name[j];
            j += 1;
        }
        i += 1;
    }
    out
}

/// A result's name as headers write it ("pass", "permerror", ...), static;
/// NULL for a number that is no spfkit_result.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_result_name(result: u32) -> *const c_char {
    match spfkit_result::from_number(result) {
        // NAMES[i] names ALL[i], and core asserts ALL[i] as usize == i.
        Some(r) => RESULT_NAMES[r.value() as usize].as_ptr().cast(),
        None => ptr::null(),
    }
}

/// An identity SPF checks (RFC 7208 §2.3, §2.4). As an argument,
/// SPFKIT_IDENTITY_DECIDING means whichever identity decided the outcome.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_identity {
    SPFKIT_IDENTITY_DECIDING = 0,
    SPFKIT_IDENTITY_HELO = 1,
    SPFKIT_IDENTITY_MAIL_FROM = 2,
}

c_enum!(spfkit_identity <= spf::Identity {
    SPFKIT_IDENTITY_HELO = spf::Identity::Helo,
    SPFKIT_IDENTITY_MAIL_FROM = spf::Identity::MailFrom,
});

/// Which identities an evaluation checks.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_scope {
    /// RFC 7208's check(): HELO first when it is a multi-label domain, then
    /// MAIL FROM unless HELO's result was definitive (pass or fail by
    /// default). The default.
    SPFKIT_SCOPE_BOTH = 0,
    /// One check_host() of the MAIL FROM identity (postmaster@HELO for the
    /// null reverse-path).
    SPFKIT_SCOPE_MAIL_FROM = 1,
    /// One check_host() of the HELO identity.
    SPFKIT_SCOPE_HELO = 2,
}

c_enum!(spfkit_scope <=> spf::Scope {
    SPFKIT_SCOPE_BOTH = spf::Scope::Both,
    SPFKIT_SCOPE_MAIL_FROM = spf::Scope::MailFrom,
    SPFKIT_SCOPE_HELO = spf::Scope::Helo,
});

/// How an evaluation asks for address lookups.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_plan {
    /// All the lookups a step may need at once (an mx term's hosts, a ptr
    /// term's names): one round trip instead of up to ten. The default.
    /// Results, limits and the trace are those of the sequential plan.
    SPFKIT_PLAN_BATCHED = 0,
    /// Exactly what a term-by-term evaluation asks, one at a time.
    SPFKIT_PLAN_SEQUENTIAL = 1,
}

c_enum!(spfkit_plan <=> spf::LookupPlan {
    SPFKIT_PLAN_BATCHED = spf::LookupPlan::Batched,
    SPFKIT_PLAN_SEQUENTIAL = spf::LookupPlan::Sequential,
});

/// A DNS record type SPF asks for; the values are the RFC 1035 type codes,
/// so they pass straight to res_nquery() or c-ares.
#[repr(u32)]
// For C only (cbindgen.toml exports it): Rust reads and writes the codes
// through core, spf::QueryType::from_code and QueryType::code.
#[allow(dead_code)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_qtype {
    SPFKIT_QTYPE_A = 1,
    SPFKIT_QTYPE_PTR = 12,
    SPFKIT_QTYPE_MX = 15,
    SPFKIT_QTYPE_TXT = 16,
    SPFKIT_QTYPE_AAAA = 28,
}
// No table for spfkit_qtype: the test below checks that its numbers are
// core's codes.

/// An answer without records.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_answer_kind {
    /// RCODE 3, the name does not exist (a void lookup).
    SPFKIT_ANSWER_NXDOMAIN = 1,
    /// RCODE 0 without records of the type asked (a void lookup).
    SPFKIT_ANSWER_NODATA = 2,
    /// Timeout, SERVFAIL, REFUSED, anything that leaves the answer unknown:
    /// a temperror (RFC 7208 §2.6.6).
    SPFKIT_ANSWER_TEMPERROR = 3,
}

c_enum!(spfkit_answer_kind => spf::Answer {
    SPFKIT_ANSWER_NXDOMAIN = spf::Answer::NxDomain,
    SPFKIT_ANSWER_NODATA = spf::Answer::NoData,
    SPFKIT_ANSWER_TEMPERROR = spf::Answer::TempError,
});

/// What a trace event records.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_trace_kind {
    /// A record was selected for a domain; `text` is the record.
    SPFKIT_TRACE_RECORD = 1,
    /// A term was evaluated; `text` is the term, `matched` whether it matched.
    SPFKIT_TRACE_TERM = 2,
    /// Evaluation stopped with an error; `text` is the term (or NULL),
    /// `message` what went wrong.
    SPFKIT_TRACE_ERROR = 3,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qtype_numbers_are_core_type_codes() {
        for name in spf::QueryType::NAMES {
            let t: spf::QueryType = name.parse().unwrap();
            let c = match t {
                spf::QueryType::A => spfkit_qtype::SPFKIT_QTYPE_A,
                spf::QueryType::Aaaa => spfkit_qtype::SPFKIT_QTYPE_AAAA,
                spf::QueryType::Mx => spfkit_qtype::SPFKIT_QTYPE_MX,
                spf::QueryType::Txt => spfkit_qtype::SPFKIT_QTYPE_TXT,
                spf::QueryType::Ptr => spfkit_qtype::SPFKIT_QTYPE_PTR,
            };
            assert_eq!(c as u16, t.code(), "{name}");
            assert_eq!(spf::QueryType::from_code(c as u16), Some(t));
        }
    }

    #[test]
    fn result_names_are_cores() {
        for r in spfkit_result::ALL {
            // SAFETY: a static NUL-terminated name.
            let name = unsafe { std::ffi::CStr::from_ptr(spfkit_result_name(*r as u32)) };
            assert_eq!(name.to_str().unwrap(), r.value().as_str());
            assert_eq!(spfkit_result::of(r.value()), *r);
        }
        assert!(spfkit_result_name(spfkit_result::ALL.len() as u32).is_null());
    }

    #[test]
    fn every_status_has_its_message() {
        for s in crate::error::spfkit_status::ALL {
            let m = crate::error::spfkit_status_message(*s as u32);
            // SAFETY: static and NUL-terminated.
            assert_eq!(unsafe { std::ffi::CStr::from_ptr(m) }, s.value());
        }
        // SAFETY: as above.
        assert_eq!(unsafe { std::ffi::CStr::from_ptr(crate::error::spfkit_status_message(7000)) }, c"unknown status");
    }
}
