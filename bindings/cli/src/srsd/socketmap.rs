//! Postfix's socketmap protocol (socketmap_table(5)), without I/O: each
//! request is one netstring (`LEN:DATA,`, D. J. Bernstein's netstrings)
//! holding `NAME KEY`; each reply is one netstring holding `OK DATA`,
//! `NOTFOUND `, `TEMP REASON`, `TIMEOUT REASON` or `PERM REASON`.
//!
//! Bounds: a netstring announcing more than [`MAX_NETSTRING`] bytes (the
//! reply limit Postfix's client enforces, taken for requests too) or
//! anything that is not a netstring cannot be resynchronised: it is
//! answered `PERM` and the connection is closed, as postsrsd 2.x does.
//! Nothing is held beyond one netstring's bytes.
//!
//! ```
//! use spfkit_cli::srsd::socketmap::{Parser, Request, reply, Status};
//! let mut p = Parser::new();
//! let mut out = Vec::new();
//! p.feed(b"25:forward alice@example.com,", &mut out);
//! assert_eq!(out, [Request::Lookup { name: b"forward".to_vec(), key: b"alice@example.com".to_vec() }]);
//! assert_eq!(reply(Status::NotFound, ""), b"9:NOTFOUND ,");
//! ```

/// The longest netstring taken or written, in bytes of data: Postfix's
/// socketmap client refuses longer replies (socketmap_table(5)).
pub const MAX_NETSTRING: usize = 100_000;
/// Digits in the longest length accepted (`100000`).
const MAX_DIGITS: usize = 6;

/// A request as parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `NAME KEY`.
    Lookup {
        /// The map's name (`forward`, `reverse`).
        name: Vec<u8>,
        /// The key, as sent.
        key: Vec<u8>,
    },
    /// Not a request: answered `PERM` with this reason.
    Bad(String),
}

/// A reply's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `OK`: found; the text is the value.
    Ok,
    /// `NOTFOUND`: not found.
    NotFound,
    /// `TEMP`: try again later.
    Temp,
    /// `PERM`: a permanent error.
    Perm,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::NotFound => "NOTFOUND",
            Status::Temp => "TEMP",
            Status::Perm => "PERM",
        }
    }
}

/// A reply netstring: `STATUS TEXT`, the text cut so that the whole stays
/// within [`MAX_NETSTRING`] (never needed for an address, which is at most
/// 1023 octets).
pub fn reply(status: Status, text: &str) -> Vec<u8> {
    let word = status.word();
    let room = MAX_NETSTRING - word.len() - 1;
    let mut cut = text.len().min(room);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let len = word.len() + 1 + cut;
    let mut out = Vec::with_capacity(len + 8);
    out.extend_from_slice(len.to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(word.as_bytes());
    out.push(b' ');
    out.extend_from_slice(&text.as_bytes()[..cut]);
    out.push(b',');
    out
}

/// Takes bytes as they arrive and hands out requests.
#[derive(Debug, Default)]
pub struct Parser {
    /// Bytes of the netstring under way (never more than one netstring).
    buf: Vec<u8>,
    fatal: Option<String>,
}

impl Parser {
    /// A parser at the start of a connection.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Whether part of a request has arrived.
    pub fn in_request(&self) -> bool {
        !self.buf.is_empty() && self.fatal.is_none()
    }

    /// Why the connection must close, once the input broke the protocol.
    pub fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }

    /// Parses `data`, appending whole requests to `out`. After a fatal
    /// error nothing more is parsed; the error is handed out once as a
    /// [`Request::Bad`] so that it can be answered.
    pub fn feed(&mut self, mut data: &[u8], out: &mut Vec<Request>) {
        while self.fatal.is_none() && !data.is_empty() {
            match self.header() {
                Err(why) => return self.fail(why, out),
                Ok(None) => {
                    // Still reading the length: take bytes up to the colon.
                    let take = data.iter().position(|&b| b == b':').map_or(data.len(), |i| i + 1);
                    let take = take.min(MAX_DIGITS + 1 - self.buf.len().min(MAX_DIGITS + 1)).max(1);
                    self.buf.extend_from_slice(&data[..take]);
                    data = &data[take..];
                }
                Ok(Some((start, len))) => {
                    let want = start + len + 1;
                    let take = (want - self.buf.len()).min(data.len());
                    self.buf.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if self.buf.len() == want {
                        if self.buf[want - 1] != b',' {
                            return self.fail("a netstring not ended by ','".into(), out);
                        }
                        out.push(request(&self.buf[start..want - 1]));
                        self.buf.clear();
                    }
                }
            }
        }
        if self.fatal.is_none() {
            if let Err(why) = self.header() {
                self.fail(why, out);
            }
        }
    }

    /// The data's start and length once the length and its colon are in,
    /// `None` before; an error for anything but a length of at most
    /// [`MAX_DIGITS`] digits and [`MAX_NETSTRING`].
    fn header(&self) -> Result<Option<(usize, usize)>, String> {
        let colon = self.buf.iter().position(|&b| b == b':');
        let digits = &self.buf[..colon.unwrap_or(self.buf.len())];
        if let Some(b) = digits.iter().find(|b| !b.is_ascii_digit()) {
            return Err(format!("not a netstring (byte 0x{b:02x} in its length)"));
        }
        if digits.len() > MAX_DIGITS {
            return Err(format!("a netstring longer than {MAX_NETSTRING} bytes"));
        }
        let Some(colon) = colon else { return Ok(None) };
        if digits.is_empty() {
            return Err("not a netstring (no length)".into());
        }
        let len: usize = std::str::from_utf8(digits).ok().and_then(|d| d.parse().ok()).unwrap_or(usize::MAX);
        if len > MAX_NETSTRING {
            return Err(format!("a netstring of {len} bytes, more than {MAX_NETSTRING}"));
        }
        Ok(Some((colon + 1, len)))
    }

    fn fail(&mut self, why: String, out: &mut Vec<Request>) {
        out.push(Request::Bad(why.clone()));
        self.fatal = Some(why);
        self.buf = Vec::new();
    }
}

/// `NAME KEY` from a netstring's data.
fn request(data: &[u8]) -> Request {
    match data.iter().position(|&b| b == b' ') {
        Some(i) if i > 0 => Request::Lookup { name: data[..i].to_vec(), key: data[i + 1..].to_vec() },
        _ => Request::Bad("a request that is not NAME KEY".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(chunks: &[&[u8]]) -> (Vec<Request>, Option<String>) {
        let mut p = Parser::new();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out);
        }
        (out, p.fatal().map(str::to_owned))
    }

    #[test]
    fn byte_by_byte_and_several_at_once() {
        let all = b"19:reverse a@b.example,11:forward x@y,";
        let bytes: Vec<&[u8]> = all.chunks(1).collect();
        let (one, fatal) = parse(&bytes);
        assert_eq!(fatal, None);
        assert_eq!(one, parse(&[all]).0);
        assert_eq!(one.len(), 2);
        assert_eq!(one[1], Request::Lookup { name: b"forward".to_vec(), key: b"x@y".to_vec() });
    }

    #[test]
    fn junk_is_answered_then_fatal() {
        for junk in [&b"get x\n"[..], b"1000001:x", b"5:abcdef", b":x,", b"0000000", b"-1:,"] {
            let (out, fatal) = parse(&[junk]);
            assert!(matches!(out.last(), Some(Request::Bad(_))), "{junk:?}: {out:?}");
            assert!(fatal.is_some(), "{junk:?}");
        }
        // Not NAME KEY: answered, the connection goes on.
        let (out, fatal) = parse(&[b"7:forward,0:,"]);
        assert!(matches!(out[..], [Request::Bad(_), Request::Bad(_)]) && fatal.is_none(), "{out:?}");
        // The largest netstring is taken.
        let mut big = b"100000:forward ".to_vec();
        big.extend(std::iter::repeat_n(b'a', 100_000 - 8));
        big.push(b',');
        let (out, fatal) = parse(&[&big]);
        assert!(fatal.is_none() && matches!(out[..], [Request::Lookup { .. }]));
    }

    #[test]
    fn replies() {
        assert_eq!(reply(Status::Ok, "a@b"), b"6:OK a@b,");
        assert_eq!(reply(Status::Perm, "bad"), b"8:PERM bad,");
        let long = reply(Status::Temp, &"x".repeat(200_000));
        assert!(long.starts_with(b"100000:TEMP xx") && long.len() == 100_000 + 8);
    }
}
