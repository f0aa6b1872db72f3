//! policyd's connections: where they come from (standard input and
//! output as Postfix's spawn(8) passes them, a TCP or unix listener,
//! systemd's socket), a thread each, the connection limit, and stopping;
//! served by [`crate::daemon::connections`] with policyd's protocol.
//!
//! - A thread per connection: Postfix's smtpd processes each hold one
//!   connection for many messages, and a decision waiting on slow DNS
//!   holds up only its own connection.
//! - At most `--max-connections` at once. At the limit, a new connection
//!   waiting to be accepted closes the connection idle longest (between
//!   requests, never one inside a request or waiting for its decision):
//!   Postfix reconnects a closed policy connection by itself, so a peer
//!   holding idle connections cannot starve new ones. When none is idle,
//!   new ones wait in the kernel's listen queue (Postfix gives up after
//!   `smtpd_policy_service_timeout`, 100 s by default, and applies
//!   `smtpd_policy_service_default_action`).
//! - A connection is closed after [`IDLE_TIMEOUT`] without a request, when
//!   a request takes longer than [`REQUEST_TIMEOUT`] to arrive whole, when
//!   the replies to what one read brought take longer than
//!   [`WRITE_TIMEOUT`] in all to write, or when one request passes
//!   [`MAX_DISCARD`](super::protocol::MAX_DISCARD) bytes.
//! - Stopping (SIGTERM): the listener is closed (and a unix socket file
//!   it made removed), each connection finishes the requests it has
//!   received and closes, and the server waits for them (at most the DNS
//!   timeout and 10 s).

use std::io;
use std::os::fd::AsFd;
use std::time::Duration;

pub use crate::daemon::connections::{Conversation, Limits, Server, Service, Shutdown};
pub use crate::daemon::listener::{Listener, raise_descriptor_limit};
pub use crate::daemon::options::DEFAULT_MAX_CONNECTIONS;

use super::log::Logger;
use super::protocol::{Parsed, Parser};
use super::session::{Context, Session};

/// A connection without a request for this long is closed: twice
/// Postfix's `smtpd_policy_service_max_idle` (300 s), after which Postfix
/// closes its side anyway.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// A request must arrive whole within this time of its first byte.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The replies to what one read brought must be written within this time
/// in all (the decisions between them not counted), however slowly the
/// peer reads: a deadline, not a limit per write(2) call. Past it the
/// connection is closed.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// policyd's time limits.
pub const LIMITS: Limits = Limits { idle: IDLE_TIMEOUT, request: REQUEST_TIMEOUT, write: WRITE_TIMEOUT };

/// One policy connection: the parser and the session.
pub struct PolicyConversation<'a> {
    parser: Parser,
    session: Session<'a>,
}

impl Conversation for PolicyConversation<'_> {
    type Request = Parsed;

    fn feed(&mut self, data: &[u8], out: &mut Vec<Parsed>) {
        self.parser.feed(data, out);
    }

    fn in_request(&self) -> bool {
        self.parser.in_request()
    }

    fn answer(&mut self, request: &Parsed) -> Vec<u8> {
        self.session.handle(request)
    }

    fn after_read(&mut self) {
        self.session.blank_lines(self.parser.take_blank_lines());
    }

    fn fatal(&self) -> Option<String> {
        self.parser.fatal().map(str::to_owned)
    }
}

impl Service for Context {
    type Endpoint = ();
    type Conversation<'a> = PolicyConversation<'a>;

    fn log(&self) -> &Logger {
        &self.log
    }

    fn open<'a>(&'a self, _: &(), peer: &str) -> PolicyConversation<'a> {
        PolicyConversation { parser: Parser::new(), session: Session::new(self, peer) }
    }
}

/// Serves standard input and output (Postfix's spawn(8)) until the peer
/// closes or the server stops.
pub fn run_stdio(server: &Server<Context>) -> io::Result<()> {
    let input = std::fs::File::from(io::stdin().as_fd().try_clone_to_owned()?);
    let output = std::fs::File::from(io::stdout().as_fd().try_clone_to_owned()?);
    server.run_files(&(), "spawn", &input, &output);
    Ok(())
}
