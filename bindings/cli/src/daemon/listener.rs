//! Listening sockets: TCP, a unix socket (with its mode, a stale file
//! replaced, removed at the end), the sockets systemd passes (socket
//! activation), and the accepted connections.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// A listening socket.
#[derive(Debug)]
pub enum Listener {
    /// TCP.
    Tcp(TcpListener),
    /// A unix socket, and its file when this process made it (removed
    /// when the listener is dropped, unless replaced meanwhile).
    Unix(UnixListener, Option<SocketFile>),
}

/// A unix socket's file, as made: its path, device and inode.
#[derive(Debug)]
pub struct SocketFile {
    path: PathBuf,
    id: (u64, u64),
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Listener::Unix(_, Some(file)) = self {
            // Only the socket this process made: a server started since
            // with the same path keeps its own.
            if std::fs::symlink_metadata(&file.path).is_ok_and(|m| (m.dev(), m.ino()) == file.id) {
                let _ = std::fs::remove_file(&file.path);
            }
        }
    }
}

/// An accepted connection.
pub(super) enum Stream {
    /// TCP.
    Tcp(TcpStream),
    /// A unix socket.
    Unix(UnixStream),
}

impl Stream {
    pub(super) fn try_clone(&self) -> io::Result<Stream> {
        match self {
            Stream::Tcp(s) => s.try_clone().map(Stream::Tcp),
            Stream::Unix(s) => s.try_clone().map(Stream::Unix),
        }
    }

    pub(super) fn shutdown(&self) {
        let _ = match self {
            Stream::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
            Stream::Unix(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }

    pub(super) fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Stream::Tcp(s) => s.as_fd(),
            Stream::Unix(s) => s.as_fd(),
        }
    }
}

impl Listener {
    /// Listens on TCP `addr` (`HOST:PORT`, `[v6]:PORT`; a name is resolved
    /// and its first address that binds is used).
    pub fn tcp(addr: &str) -> Result<Listener, String> {
        let listener = TcpListener::bind(addr).map_err(|e| format!("tcp:{addr}: {e}"))?;
        longer_queue(listener.as_fd());
        Ok(Listener::Tcp(listener))
    }

    /// Listens on a unix socket at `path`, with permissions `mode`. A
    /// socket file left by a server that is gone (nothing accepts on it)
    /// is removed first, and the second value says so; a live one, or
    /// anything that is not a socket, is an error.
    pub fn unix(path: &Path, mode: u32) -> Result<(Listener, bool), String> {
        let shown = path.display();
        let mut stale = false;
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_socket() => match UnixStream::connect(path) {
                Ok(_) => return Err(format!("unix:{shown}: a server is already listening there")),
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                    std::fs::remove_file(path).map_err(|e| format!("unix:{shown}: removing a stale socket: {e}"))?;
                    stale = true;
                }
                Err(e) => return Err(format!("unix:{shown}: {e}")),
            },
            Ok(_) => return Err(format!("unix:{shown}: exists and is not a socket (not removed)")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("unix:{shown}: {e}")),
        }
        let listener = UnixListener::bind(path).map_err(|e| format!("unix:{shown}: {e}"))?;
        longer_queue(listener.as_fd());
        let made = std::fs::symlink_metadata(path).map_err(|e| format!("unix:{shown}: {e}"))?;
        let file = SocketFile { path: path.to_owned(), id: (made.dev(), made.ino()) };
        let listener = Listener::Unix(listener, Some(file));
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("unix:{shown}: setting mode {mode:o}: {e}"))?;
        Ok((listener, stale))
    }

    /// The socket systemd passed (socket activation: `LISTEN_PID` is this
    /// process, `LISTEN_FDS=1`, the socket is descriptor 3), TCP or unix
    /// as it is; `None` when systemd passed nothing to this process.
    /// `program` names the command in errors.
    pub fn systemd(program: &str) -> Result<Option<Listener>, String> {
        let mut all = Listener::systemd_named(program, 1)?;
        Ok(all.pop().map(|(l, _)| l))
    }

    /// The sockets systemd passed, at most `max` (descriptors 3 on), each
    /// with its name from `LISTEN_FDNAMES` (a socket unit's
    /// `FileDescriptorName=`; systemd's default is the unit's name);
    /// empty when systemd passed nothing to this process.
    pub fn systemd_named(program: &str, max: usize) -> Result<Vec<(Listener, String)>, String> {
        let for_us =
            std::env::var("LISTEN_PID").ok().and_then(|p| p.trim().parse::<u32>().ok()) == Some(std::process::id());
        if !for_us {
            return Ok(Vec::new());
        }
        // The descriptors get one owner: a second call finds them taken.
        static TAKEN: AtomicBool = AtomicBool::new(false);
        if TAKEN.swap(true, Ordering::SeqCst) {
            return Err("the sockets from systemd were taken already".to_owned());
        }
        let count = std::env::var("LISTEN_FDS").unwrap_or_default();
        let count = match count.trim() {
            "" => 0,
            n => n.parse::<usize>().map_err(|_| format!("LISTEN_FDS={n:?} is not a number"))?,
        };
        if count > max {
            let most = if max == 1 { "one".to_owned() } else { format!("at most {max}") };
            return Err(format!("systemd passed {count} sockets (LISTEN_FDS); {program} takes {most}"));
        }
        let names = std::env::var("LISTEN_FDNAMES").unwrap_or_default();
        let mut names = names.split(':').map(str::to_owned);
        let mut out = Vec::with_capacity(count);
        for fd in 3..3 + count as libc::c_int {
            out.push((inherited(fd)?, names.next().unwrap_or_default()));
        }
        Ok(out)
    }

    /// `tcp:ADDR:PORT` or `unix:PATH`, as bound.
    pub fn describe(&self) -> String {
        match self {
            Listener::Tcp(l) => match l.local_addr() {
                Ok(a) => format!("tcp:{a}"),
                Err(_) => "tcp".to_owned(),
            },
            Listener::Unix(l, _) => match l.local_addr().ok().and_then(|a| a.as_pathname().map(Path::to_owned)) {
                Some(p) => format!("unix:{}", p.display()),
                None => "unix".to_owned(),
            },
        }
    }

    /// Whether a TCP listener accepts from beyond this host (it has no
    /// access control of its own).
    pub fn is_public(&self) -> bool {
        match self {
            Listener::Tcp(l) => l.local_addr().is_ok_and(|a| !a.ip().is_loopback()),
            Listener::Unix(..) => false,
        }
    }

    pub(super) fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Listener::Tcp(l) => l.as_fd(),
            Listener::Unix(l, _) => l.as_fd(),
        }
    }

    pub(super) fn set_nonblocking(&self) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.set_nonblocking(true),
            Listener::Unix(l, _) => l.set_nonblocking(true),
        }
    }

    pub(super) fn accept(&self, id: u64) -> io::Result<(Stream, String)> {
        match self {
            Listener::Tcp(l) => l.accept().map(|(s, a)| (Stream::Tcp(s), format!("{a} (connection {id})"))),
            Listener::Unix(l, _) => l.accept().map(|(s, _)| (Stream::Unix(s), format!("unix (connection {id})"))),
        }
    }
}

/// The listen queue as long as the system allows (`net.core.somaxconn`,
/// 4096 on current Linux) rather than std's 128: connections past
/// `--max-connections` wait there. (Calling listen(2) again on a listening
/// socket only changes its queue.) A socket from systemd keeps its unit's
/// `Backlog=`.
fn longer_queue(fd: BorrowedFd<'_>) {
    // SAFETY: listen(2) on a socket this process just bound.
    unsafe { libc::listen(fd.as_raw_fd(), libc::SOMAXCONN) };
}

/// Raises the soft limit on open descriptors toward the hard one when
/// `connections` (and some to spare) would not fit: each connection holds
/// one, each decision a socket more while it waits for DNS. The limit
/// reached, when it is still short.
pub fn raise_descriptor_limit(connections: usize) -> Option<u64> {
    let want = (2 * connections + 64) as u64;
    // SAFETY: getrlimit and setrlimit read and write the struct given.
    unsafe {
        let mut lim: libc::rlimit = core::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return None;
        }
        if (lim.rlim_cur as u64) >= want {
            return None;
        }
        let raised = libc::rlimit { rlim_cur: (want as libc::rlim_t).min(lim.rlim_max), rlim_max: lim.rlim_max };
        let now = if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 { raised.rlim_cur } else { lim.rlim_cur };
        ((now as u64) < want).then_some(now as u64)
    }
}

/// Descriptor `fd` from systemd, checked to be a listening stream socket,
/// as a listener of its kind.
fn inherited(fd: libc::c_int) -> Result<Listener, String> {
    let int_option = |option: libc::c_int| -> Result<libc::c_int, String> {
        let mut value: libc::c_int = 0;
        let mut len = core::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: getsockopt writes at most `len` bytes into `value`.
        let rc = unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, option, (&raw mut value).cast(), &mut len) };
        if rc != 0 {
            return Err(format!("descriptor {fd} from systemd: {}", io::Error::last_os_error()));
        }
        Ok(value)
    };
    if int_option(libc::SO_TYPE)? != libc::SOCK_STREAM || int_option(libc::SO_ACCEPTCONN)? != 1 {
        return Err(format!(
            "descriptor {fd} from systemd is not a listening stream socket (the .socket unit needs ListenStream= \
             and Accept=no)"
        ));
    }
    // SAFETY: sockaddr_storage is plain data, all zeros valid;
    // getsockname writes at most `len` bytes of it.
    let mut addr: libc::sockaddr_storage = unsafe { core::mem::zeroed() };
    let mut len = core::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    if unsafe { libc::getsockname(fd, (&raw mut addr).cast(), &mut len) } != 0 {
        return Err(format!("descriptor {fd} from systemd: {}", io::Error::last_os_error()));
    }
    // Not passed on to anything this process might run.
    // SAFETY: fcntl on a descriptor just checked to be open.
    unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    // SAFETY: the descriptor is open (checked above), systemd gave it to
    // this process, and nothing else here owns it (`TAKEN`).
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    match libc::c_int::from(addr.ss_family) {
        libc::AF_UNIX => Ok(Listener::Unix(UnixListener::from(owned), None)),
        libc::AF_INET | libc::AF_INET6 => Ok(Listener::Tcp(TcpListener::from(owned))),
        family => Err(format!("descriptor {fd} from systemd has address family {family}, neither TCP nor unix")),
    }
}
