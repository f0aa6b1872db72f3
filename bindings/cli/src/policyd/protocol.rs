//! Postfix's policy delegation protocol (SMTPD_POLICY_README), without I/O:
//! a request is `name=value` lines ended by an empty line; a reply is
//! `action=...` and an empty line.
//!
//! [`Parser`] takes bytes as they arrive and hands out whole requests,
//! holding at most [`MAX_REQUEST`] bytes of attributes however the peer
//! misbehaves: a line longer than [`MAX_LINE`], more than
//! [`MAX_ATTRIBUTES`] attributes or more than [`MAX_REQUEST`] bytes make
//! the request bad, its remaining lines are read and dropped, and it is
//! answered like any other; past [`MAX_DISCARD`] bytes in one request the
//! connection is given up. A blank line between requests is no request:
//! it is skipped, unanswered (an answer would put every later reply one
//! request behind), and counted ([`Parser::take_blank_lines`]).
//!
//! ```
//! use spfkit_cli::policyd::protocol::{Parsed, Parser};
//! let mut parser = Parser::new();
//! let mut out = Vec::new();
//! parser.feed(b"request=smtpd_access_policy\nprotocol_state=RCPT\n", &mut out);
//! assert!(out.is_empty() && parser.in_request());
//! parser.feed(b"client_address=192.0.2.1\n\n", &mut out);
//! let Parsed::Request(r) = &out[0] else { panic!() };
//! assert_eq!(r.get("protocol_state"), Some(&b"RCPT"[..]));
//! ```

/// The longest line (`name=value`) kept: 16 KiB. Postfix's longest
/// attributes (a HELO name, an address, a certificate's subject) stay far
/// below it; core itself refuses a HELO or MAIL FROM over 4,096 bytes.
pub const MAX_LINE: usize = 16 * 1024;
/// The most attributes a request may have: 256 (Postfix 3.x sends about 40).
pub const MAX_ATTRIBUTES: usize = 256;
/// The most bytes a request may have, newlines included: 64 KiB.
pub const MAX_REQUEST: usize = 64 * 1024;
/// Bytes of one request read and dropped before the connection is closed:
/// 16 MiB (a bad request is read to its end so that the connection stays
/// in step and the next request is answered).
pub const MAX_DISCARD: usize = 16 << 20;

/// One request's attributes, in the order received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    attributes: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Request {
    /// The value of `name`, if given (the first one when given twice; see
    /// [`Request::duplicated`]).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.attributes.iter().find(|(n, _)| n == name.as_bytes()).map(|(_, v)| v.as_slice())
    }

    /// The value of `name`, empty when absent.
    pub fn value(&self, name: &str) -> &[u8] {
        self.get(name).unwrap_or_default()
    }

    /// The first of `names` given more than once.
    pub fn duplicated<'a>(&self, names: &[&'a str]) -> Option<&'a str> {
        names.iter().copied().find(|n| self.attributes.iter().filter(|(a, _)| a == n.as_bytes()).count() > 1)
    }

    /// How many attributes it has.
    pub fn len(&self) -> usize {
        self.attributes.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty()
    }
}

/// What the parser hands out: a request, or why one was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A well-formed request (its attributes still to be checked).
    Request(Request),
    /// A request that broke a bound or the syntax: to be answered all the
    /// same, with the reason logged.
    Bad(String),
}

/// The request parser: feed it bytes, take whole requests.
#[derive(Debug, Default)]
pub struct Parser {
    line: Vec<u8>,
    /// The current line passed [`MAX_LINE`]: dropped up to its newline.
    skipping: bool,
    attributes: Vec<(Vec<u8>, Vec<u8>)>,
    /// Bytes of the current request so far, dropped ones included.
    bytes: usize,
    lines: usize,
    problem: Option<String>,
    fatal: Option<String>,
    /// Blank lines between requests skipped since last taken.
    blank_lines: u64,
}

impl Parser {
    /// A parser at the start of a request.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Whether part of a request has been read (a request under way).
    pub fn in_request(&self) -> bool {
        self.bytes > 0
    }

    /// Why the connection must be closed: the current request went past
    /// [`MAX_DISCARD`] bytes. Nothing more is parsed after it.
    pub fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }

    /// How many blank lines between requests were skipped since the last
    /// call.
    pub fn take_blank_lines(&mut self) -> u64 {
        core::mem::take(&mut self.blank_lines)
    }

    /// Parses `data`, appending each request it completes to `out`.
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<Parsed>) {
        let mut rest = data;
        while !rest.is_empty() && self.fatal.is_none() {
            match rest.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.take(&rest[..i + 1]);
                    rest = &rest[i + 1..];
                    if self.fatal.is_none() {
                        self.end_line(out);
                    }
                }
                None => {
                    self.take(rest);
                    rest = &[];
                }
            }
        }
    }

    /// Keeps `chunk` (ending at most at a newline, which is counted but
    /// not kept) in the current line, within the bounds.
    fn take(&mut self, chunk: &[u8]) {
        self.bytes = self.bytes.saturating_add(chunk.len());
        if self.bytes > MAX_DISCARD {
            self.fatal = Some(format!("a request over {MAX_DISCARD} bytes"));
            return;
        }
        let text = chunk.strip_suffix(b"\n").unwrap_or(chunk);
        if self.skipping {
            return;
        }
        if self.line.len() + text.len() > MAX_LINE {
            self.line = Vec::new();
            self.skipping = true;
            self.problem.get_or_insert_with(|| format!("a line over {MAX_LINE} bytes"));
            return;
        }
        self.line.extend_from_slice(text);
    }

    fn end_line(&mut self, out: &mut Vec<Parsed>) {
        self.lines += 1;
        if self.skipping {
            self.skipping = false;
            return;
        }
        let mut line = core::mem::take(&mut self.line);
        // Tolerated: CRLF line ends.
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.is_empty() {
            if self.lines == 1 {
                // A blank line where a request would start: none did.
                self.bytes = 0;
                self.lines = 0;
                self.blank_lines = self.blank_lines.saturating_add(1);
            } else {
                out.push(self.finish());
            }
            return;
        }
        if self.problem.is_some() {
            return;
        }
        if self.bytes > MAX_REQUEST {
            self.problem = Some(format!("a request over {MAX_REQUEST} bytes"));
        } else if self.attributes.len() >= MAX_ATTRIBUTES {
            self.problem = Some(format!("more than {MAX_ATTRIBUTES} attributes"));
        } else {
            match line.iter().position(|&b| b == b'=') {
                None => self.problem = Some(format!("line {} is not name=value", self.lines)),
                Some(0) => self.problem = Some(format!("line {} has no attribute name", self.lines)),
                Some(i) => {
                    let value = line.split_off(i + 1);
                    line.truncate(i);
                    self.attributes.push((line, value));
                }
            }
        }
    }

    fn finish(&mut self) -> Parsed {
        let attributes = core::mem::take(&mut self.attributes);
        let problem = self.problem.take();
        self.bytes = 0;
        self.lines = 0;
        // Called after at least one line that either gave an attribute or
        // a problem (blank lines before a request are skipped): a request
        // without attributes cannot come here.
        match problem {
            Some(p) => Parsed::Bad(p),
            None => Parsed::Request(Request { attributes }),
        }
    }
}

/// The reply to a request: `action=<action>` and an empty line. `action`
/// is made one line here whatever it holds (control characters become
/// spaces): the protocol has no escapes.
pub fn reply(action: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(action.len() + 9);
    out.extend_from_slice(b"action=");
    out.extend(action.bytes().map(|b| if b.is_ascii_control() { b' ' } else { b }));
    out.extend_from_slice(b"\n\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(chunks: &[&[u8]]) -> (Vec<Parsed>, Parser) {
        let mut p = Parser::new();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out);
        }
        (out, p)
    }

    #[test]
    fn requests_in_pieces_and_together() {
        let text = b"request=smtpd_access_policy\r\nrecipient=a=b@example.net\n\nrequest=x\n\n";
        for split in 0..text.len() {
            let (out, p) = parse_all(&[&text[..split], &text[split..]]);
            assert_eq!(out.len(), 2, "split at {split}");
            let Parsed::Request(r) = &out[0] else { panic!("{out:?}") };
            assert_eq!(r.get("request"), Some(&b"smtpd_access_policy"[..]));
            assert_eq!(r.value("recipient"), b"a=b@example.net");
            assert_eq!(r.value("absent"), b"");
            assert!(!p.in_request());
        }
    }

    #[test]
    fn bounds_make_a_request_bad_and_the_next_one_still_parses() {
        let good = b"request=smtpd_access_policy\n\n";
        let mut long = b"a=".to_vec();
        long.resize(MAX_LINE + 10, b'x');
        long.extend_from_slice(b"\n\n");
        let many: Vec<u8> = (0..10_000).flat_map(|i| format!("n{i}=v\n").into_bytes()).chain(*b"\n").collect();
        let big: Vec<u8> =
            (0..20).flat_map(|_| [b"n=".as_slice(), &[b'y'; 4000], b"\n"].concat()).chain(*b"\n").collect();
        let cases: [(&[u8], &str); 5] = [
            (&long, "a line over"),
            (&many, "more than 256 attributes"),
            (&big, "a request over 65536 bytes"),
            (b"\x00\xff\xfe junk\n\n", "line 1 is not name=value"),
            (b"=value\n\n", "line 1 has no attribute name"),
        ];
        for (input, why) in cases {
            // In one piece and byte by byte.
            let pieces: Vec<&[u8]> = input.chunks(997).chain([good.as_slice()]).collect();
            let (out, p) = parse_all(&pieces);
            assert_eq!(out.len(), 2, "{why}");
            assert!(matches!(&out[0], Parsed::Bad(b) if b.starts_with(why)), "{why}: {:?}", out[0]);
            assert!(matches!(&out[1], Parsed::Request(r) if r.len() == 1), "{why}");
            assert!(p.fatal().is_none() && !p.in_request());
        }
    }

    #[test]
    fn blank_lines_between_requests_are_skipped() {
        let good = b"request=smtpd_access_policy\n\n";
        let input = [b"\n\r\n\n".as_slice(), good, b"\n", good, b"\n\n\n"].concat();
        for split in 0..input.len() {
            let (out, mut p) = parse_all(&[&input[..split], &input[split..]]);
            assert_eq!(out.len(), 2, "split at {split}: {out:?}");
            assert!(out.iter().all(|r| matches!(r, Parsed::Request(r) if r.len() == 1)), "{out:?}");
            assert_eq!(p.take_blank_lines(), 7);
            assert_eq!(p.take_blank_lines(), 0);
            assert!(!p.in_request());
        }
        // A flood of newlines: nothing to answer, counted.
        let (out, mut p) = parse_all(&[&[b'\n'; 16 * 1024]]);
        assert!(out.is_empty());
        assert_eq!(p.take_blank_lines(), 16 * 1024);
        // Inside a request, a blank line still ends it.
        let (out, _) = parse_all(&[b"junk\n\n"]);
        assert!(matches!(&out[..], [Parsed::Bad(b)] if b == "line 1 is not name=value"), "{out:?}");
    }

    #[test]
    fn memory_stays_bounded() {
        let mut p = Parser::new();
        let mut out = Vec::new();
        let chunk = vec![b'z'; 1 << 20];
        for _ in 0..16 {
            p.feed(&chunk, &mut out);
            assert!(p.line.capacity() <= MAX_LINE * 2 && p.fatal().is_none());
        }
        p.feed(&chunk, &mut out);
        assert_eq!(p.fatal(), Some("a request over 16777216 bytes"));
        assert!(out.is_empty());
        // Nothing more is read once fatal.
        p.feed(b"\n\nrequest=x\n\n", &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn duplicates_and_replies() {
        let (out, _) = parse_all(&[b"sender=a\nsender=b\nrecipient=c\n\n"]);
        let Parsed::Request(r) = &out[0] else { panic!() };
        assert_eq!(r.duplicated(&["recipient", "sender"]), Some("sender"));
        assert_eq!(r.get("sender"), Some(&b"a"[..]));
        assert_eq!(reply("DUNNO"), b"action=DUNNO\n\n");
        assert_eq!(reply("550 5.7.23 a\r\nb"), b"action=550 5.7.23 a  b\n\n");
    }
}
