//! What the daemons (`spfkit policyd`, `spfkit srsd`) share: listeners
//! (TCP, unix sockets, systemd's), a thread per connection under a limit,
//! time limits, logging, signals, and the options for all of it.
//!
//! - [`listener`]: the sockets.
//! - [`connections`]: serving them; a daemon brings its protocol as a
//!   [`connections::Conversation`] and what connections share as a
//!   [`connections::Service`].
//! - [`log`]: syslog, a file or standard error.
//! - [`signals`]: SIGHUP reloads, SIGTERM stops.
//! - [`options`]: `--listen`-style addresses, `--max-connections`,
//!   `--socket-mode` and the log options, parsed alike for both.

pub mod connections;
pub mod listener;
pub mod log;
pub mod options;
pub mod signals;
