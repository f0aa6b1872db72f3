//! The timestamp field: the day, modulo 1024, as 2 base32 characters
//! (libsrs2's `srs_timestamp_create` and `srs_timestamp_check`).

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const DAY: u64 = 60 * 60 * 24;
/// 2 characters of 5 bits.
const SLOTS: u64 = 1024;

/// The timestamp for `now` (Unix seconds).
pub(super) fn create(now: u64) -> [u8; 2] {
    let day = now / DAY;
    [BASE32[((day >> 5) & 31) as usize], BASE32[(day & 31) as usize]]
}

/// Why a timestamp was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refused {
    /// Not exactly 2 characters, or one outside base32. Exactly 2: libsrs2
    /// before postsrsd 1.10 looped over any length (CVE-2020-35573).
    Bad,
    /// Older than the maximum age, or in the future.
    Expired,
}

/// Checks a timestamp read in any case: its day counts forward to today's
/// slot modulo 1024, so one from the future (or from 1024 days ago) is as
/// old as the wrap makes it, and expires like libsrs2's.
pub(super) fn check(stamp: &[u8], now: u64, max_age_days: u32) -> Result<(), Refused> {
    let [a, b] = stamp else { return Err(Refused::Bad) };
    let value = |c: &u8| BASE32.iter().position(|x| *x == c.to_ascii_uppercase()).map(|v| v as u64);
    let (Some(hi), Some(lo)) = (value(a), value(b)) else { return Err(Refused::Bad) };
    let then = (hi << 5) | lo;
    let mut today = (now / DAY) % SLOTS;
    if today < then {
        today += SLOTS;
    }
    if today <= then + u64::from(max_age_days) { Ok(()) } else { Err(Refused::Expired) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_over_1024_days() {
        // 2026-01-01 is day 20454; 20454 % 1024 = 998 = 31*32 + 6: "7G".
        let now = 1_767_225_600;
        assert_eq!(&create(now), b"7G");
        assert_eq!(check(b"7g", now, 21), Ok(()));
        // Day 1023 made 21 days earlier than day 1020 + 24 (wrapped to 20).
        let later = now + 25 * DAY; // day 1023 -> slot 1023 ... 998 + 25 = 1023
        assert_eq!(&create(later), b"77");
        let wrapped = now + 45 * DAY; // slot 19
        assert_eq!(check(b"7G", wrapped, 45), Ok(()));
        assert_eq!(check(b"7G", wrapped, 44), Err(Refused::Expired));
        // Tomorrow's stamp is 1023 days old.
        assert_eq!(check(&create(now + DAY), now, 21), Err(Refused::Expired));
        assert_eq!(check(b"7", now, 21), Err(Refused::Bad));
        assert_eq!(check(b"7GA", now, 21), Err(Refused::Bad));
        assert_eq!(check(b"71", now, 21), Err(Refused::Bad));
        assert_eq!(check("7é".as_bytes(), now, 21), Err(Refused::Bad));
    }
}
