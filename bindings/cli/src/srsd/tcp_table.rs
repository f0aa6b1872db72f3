//! Postfix's tcp_table protocol (tcp_table(5)), without I/O: a request is
//! one line `get KEY`, the key `%XX`-encoded; a reply is one line of at
//! most [`MAX_REPLY`] bytes: `200 VALUE` (found, `%XX`-encoded), `500
//! REASON` (not found) or `400 REASON` (try again later).
//!
//! Bounds: a line longer than [`MAX_LINE`] is read to its end, dropped and
//! answered `500`; past [`MAX_DISCARD`] bytes in one line the connection
//! is closed. Nothing more than one line is held.
//!
//! ```
//! use spfkit_cli::srsd::tcp_table::{Parser, Request, reply, Status};
//! let mut p = Parser::new();
//! let mut out = Vec::new();
//! p.feed(b"get alice%40example.com\n", &mut out);
//! assert_eq!(out, [Request::Get(b"alice@example.com".to_vec())]);
//! assert_eq!(reply(Status::Found, "a b%"), b"200 a%20b%25\n");
//! ```

/// The longest reply, newline included (tcp_table(5)).
pub const MAX_REPLY: usize = 4096;
/// The longest request line kept, newline excluded: room for `get ` and a
/// key of [`spfkit::srs::MAX_ADDRESS_LEN`] octets every one of them
/// encoded, and more.
pub const MAX_LINE: usize = 16 * 1024;
/// Bytes of one line read and dropped before the connection is closed.
pub const MAX_DISCARD: usize = 1 << 20;

/// A request as parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `get KEY`: the key, decoded.
    Get(Vec<u8>),
    /// Not a request it can answer: `500` with this reason.
    Bad(String),
}

/// A reply's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `200`: the value.
    Found,
    /// `500`: not found; the text says why.
    NotFound,
    /// `400`: a temporary error.
    Temp,
}

/// A reply line: the code, the text `%XX`-encoded, the newline. A text
/// whose encoding would not fit in [`MAX_REPLY`] is cut (a reason) or,
/// for a value, replaced by a `500` (a value cut short would be wrong).
pub fn reply(status: Status, text: &str) -> Vec<u8> {
    let code: &[u8] = match status {
        Status::Found => b"200 ",
        Status::NotFound => b"500 ",
        Status::Temp => b"400 ",
    };
    let mut out = Vec::with_capacity(code.len() + text.len() + 1);
    out.extend_from_slice(code);
    for &b in text.as_bytes() {
        let encoded = needs_encoding(b);
        if out.len() + if encoded { 3 } else { 1 } > MAX_REPLY - 1 {
            if status == Status::Found {
                return reply(Status::NotFound, "the value is too long for a tcp_table reply");
            }
            break;
        }
        if encoded {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        } else {
            out.push(b);
        }
    }
    out.push(b'\n');
    out
}

/// `%`, whitespace and every non-printing octet are sent as `%XX`.
fn needs_encoding(b: u8) -> bool {
    b == b'%' || !b.is_ascii_graphic()
}

/// Decodes `%XX` (either case); `None` for a `%` not followed by two hex
/// digits.
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Takes bytes as they arrive and hands out requests.
#[derive(Debug, Default)]
pub struct Parser {
    line: Vec<u8>,
    /// Bytes of an over-long line dropped so far.
    dropped: usize,
    fatal: Option<String>,
}

impl Parser {
    /// A parser at the start of a connection.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Whether part of a request has arrived.
    pub fn in_request(&self) -> bool {
        (!self.line.is_empty() || self.dropped > 0) && self.fatal.is_none()
    }

    /// Why the connection must close.
    pub fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }

    /// Parses `data`, appending whole requests to `out`.
    pub fn feed(&mut self, mut data: &[u8], out: &mut Vec<Request>) {
        while self.fatal.is_none() && !data.is_empty() {
            let end = data.iter().position(|&b| b == b'\n');
            let part = &data[..end.unwrap_or(data.len())];
            data = end.map_or(&[][..], |e| &data[e + 1..]);
            if self.dropped > 0 || self.line.len() + part.len() > MAX_LINE {
                self.dropped += self.line.len() + part.len();
                self.line.clear();
                if self.dropped > MAX_DISCARD {
                    self.fatal = Some(format!("a request line longer than {MAX_DISCARD} bytes"));
                    return;
                }
            } else {
                self.line.extend_from_slice(part);
            }
            if end.is_none() {
                return;
            }
            if self.dropped > 0 {
                out.push(Request::Bad(format!("a request line longer than {MAX_LINE} bytes")));
                self.dropped = 0;
            } else {
                out.push(request(&self.line));
                self.line.clear();
            }
        }
    }
}

/// A line, without its newline (and a CR before it).
fn request(line: &[u8]) -> Request {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Some(key) = line.get(..4).filter(|c| c.eq_ignore_ascii_case(b"get ")).map(|_| &line[4..]) else {
        return Request::Bad("not a get request".into());
    };
    match decode(key) {
        Some(k) => Request::Get(k),
        None => Request::Bad("a bad %XX in the key".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests() {
        let mut p = Parser::new();
        let mut out = Vec::new();
        p.feed(b"get a%2", &mut out);
        assert!(out.is_empty() && p.in_request());
        p.feed(b"0b\r\nput x y\nGET %zz\nget \n", &mut out);
        assert_eq!(out[0], Request::Get(b"a b".to_vec()));
        assert!(matches!(out[1], Request::Bad(_)) && matches!(out[2], Request::Bad(_)));
        assert_eq!(out[3], Request::Get(Vec::new()));
        assert!(!p.in_request());
    }

    #[test]
    fn long_lines() {
        let mut p = Parser::new();
        let mut out = Vec::new();
        let long = vec![b'a'; MAX_LINE + 1];
        p.feed(b"get ", &mut out);
        p.feed(&long, &mut out);
        p.feed(b"\nget x\n", &mut out);
        assert!(matches!(out[0], Request::Bad(_)), "{out:?}");
        assert_eq!(out[1], Request::Get(b"x".to_vec()));
        let huge = vec![b'a'; 64 * 1024];
        for _ in 0..=MAX_DISCARD / huge.len() {
            p.feed(&huge, &mut out);
        }
        assert!(p.fatal().is_some());
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn replies_are_encoded_and_bounded() {
        assert_eq!(reply(Status::NotFound, "Not an SRS address."), b"500 Not%20an%20SRS%20address.\n");
        assert_eq!(reply(Status::Temp, "x\n"), b"400 x%0A\n");
        let r = reply(Status::Found, &" ".repeat(2000));
        assert!(r.starts_with(b"500 "), "a value cut short is never sent");
        let r = reply(Status::NotFound, &" ".repeat(2000));
        assert!(r.len() <= MAX_REPLY && r.ends_with(b"\n"));
        assert_eq!(decode(b"%41%4a%4A"), Some(b"AJJ".to_vec()));
        assert_eq!(decode(b"%4"), None);
    }
}
