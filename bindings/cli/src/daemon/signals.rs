//! SIGHUP, SIGTERM and SIGINT, taken by one thread with sigwait(3): they
//! are blocked in every thread (the mask is set before any thread starts,
//! and threads inherit it), so no handler runs in the middle of anything
//! and the thread that takes them may do whatever it likes (read the
//! settings file, log, wake the others).
//!
//! With libc alone: signal-hook (0.4.6 on crates.io) would do the same
//! through a handler and a pipe, for two dependencies more.

use std::io;
use std::sync::Arc;

use super::connections::{Server, Service};

/// A signal the server acts on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Signal {
    /// SIGHUP: reload the settings, reopen the log file.
    Reload,
    /// SIGTERM or SIGINT: finish what is in flight and exit.
    Stop,
}

/// The blocked signals, to be waited for.
#[derive(Clone, Copy)]
pub struct Blocked {
    set: libc::sigset_t,
}

const SIGNALS: [libc::c_int; 3] = [libc::SIGHUP, libc::SIGTERM, libc::SIGINT];

/// Blocks SIGHUP, SIGTERM and SIGINT in the calling thread, and so in
/// every thread it starts afterwards. Call it before starting any thread.
///
/// Their dispositions are set back to the default first: a signal ignored
/// by the parent (a shell's background job ignores SIGINT) would otherwise
/// be discarded before sigwait could see it.
pub fn block() -> io::Result<Blocked> {
    // SAFETY: plain libc calls on a sigset_t owned here; signal() with
    // SIG_DFL installs no handler.
    unsafe {
        let mut set: libc::sigset_t = core::mem::zeroed();
        if libc::sigemptyset(&mut set) != 0 {
            return Err(io::Error::last_os_error());
        }
        for sig in SIGNALS {
            libc::signal(sig, libc::SIG_DFL);
            libc::sigaddset(&mut set, sig);
        }
        let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, core::ptr::null_mut());
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        Ok(Blocked { set })
    }
}

impl Blocked {
    /// Waits for the next of the blocked signals.
    pub fn wait(&self) -> Signal {
        loop {
            let mut sig: libc::c_int = 0;
            // SAFETY: sigwait reads the set and writes the int it is given.
            let rc = unsafe { libc::sigwait(&self.set, &mut sig) };
            if rc != 0 {
                // Only an invalid set fails; never spin on it.
                std::thread::sleep(std::time::Duration::from_millis(100));
                continue;
            }
            match sig {
                libc::SIGHUP => return Signal::Reload,
                libc::SIGTERM | libc::SIGINT => return Signal::Stop,
                _ => {}
            }
        }
    }
}

/// Starts the thread that takes the signals `blocked` holds for `server`
/// (one for both daemons, so that they answer signals alike): SIGHUP runs
/// `reload`, logging `reload_failed` as an error if it panics; the first
/// SIGTERM or SIGINT stops `server` (no new connections, the requests in
/// flight finished), a second one exits at once.
///
/// The thread is left to run until the process exits: nothing joins it.
pub fn spawn_handler<S, R>(
    blocked: Blocked,
    server: Arc<Server<S>>,
    reload_failed: &'static str,
    reload: R,
) -> io::Result<()>
where
    S: Service,
    R: Fn(&Server<S>) + Send + 'static,
{
    std::thread::Builder::new().name("spfkit-signals".into()).spawn(move || {
        loop {
            match blocked.wait() {
                Signal::Reload => {
                    // This thread is the only one that hears signals: a
                    // panic in a reload must not leave SIGTERM unheard.
                    let reloaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reload(&server)));
                    if reloaded.is_err() {
                        server.service.log().error(reload_failed);
                    }
                }
                Signal::Stop => {
                    if server.stop.is_set() {
                        server.service.log().info("second stop signal: exiting at once");
                        std::process::exit(0);
                    }
                    server.service.log().info("stopping: no new connections; finishing the requests in flight");
                    server.stop.trigger();
                }
            }
        }
    })?;
    Ok(())
}
