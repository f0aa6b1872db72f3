//! `spfkit srs`: rewrite a sender for forwarding, undo it for a bounce, or
//! make a secret, with core's [`spfkit::srs`] and postsrsd's secrets file.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use spfkit::srs::{Forwarded, Settings, Srs, secret_from_bytes};

use crate::split_flag;

/// Exit status when the address was refused: the error kind is the first
/// word on stderr (`not-srs`, `bad-hash`, `expired`, `bad-timestamp`,
/// `malformed`, `too-long`).
pub const EXIT_REFUSED: i32 = 1;
/// Exit status when the secrets file cannot be read, holds no secret, or
/// the settings are refused.
pub const EXIT_CONFIG: i32 = 3;

/// Octets postsrsd 1.10 reads of one line of its secrets file (fgets into
/// 1024 octets, the newline included): a longer line it splits into
/// several secrets, so spfkit refuses it rather than sign differently.
const MAX_SECRET_LINE: usize = 1022;

/// The usage text of `spfkit srs --help`.
pub const USAGE: &str = "\
usage: spfkit srs forward ADDRESS --secret-file FILE --domain DOMAIN [OPTIONS]
       spfkit srs reverse ADDRESS --secret-file FILE [OPTIONS]
       spfkit srs keygen

The Sender Rewriting Scheme for forwarders, byte for byte as postsrsd and
libsrs2 write it. forward prints the sender to use when forwarding mail
from ADDRESS (an SRS0/SRS1 address at DOMAIN, or ADDRESS itself when it is
local or already rewritten); reverse prints where a bounce to ADDRESS goes.
keygen prints a new secret (24 random octets from /dev/urandom, base64).

  --secret-file FILE  one secret a line, as postsrsd's -s: the first signs,
                      every one verifies; blank lines are skipped; a line
                      ends at CR or LF, other spaces are part of it. A file
                      readable by group or others gets a warning.
  --domain DOMAIN     this forwarder's domain (postsrsd's -d)
  --separator C       =, + or - after SRS0/SRS1 (default =; postsrsd's -a)
  --hash-length N     hash characters written, 1 to 27 (default 4; -n)
  --hash-min N        fewest hash characters accepted (default 4; -N)
  --max-age DAYS      days an address stays valid (default 21)
  --local-domain D    a domain not to rewrite, repeatable; .D for its
                      subdomains (postsrsd's -X)
  --url-safe          write hashes with - and _ instead of + and /
                      (postsrsd 2.2.6 does; 1.10 and libsrs2 refuse them)
  --refuse-long       refuse a rewrite whose local part passes 64 octets
                      instead of writing it with a warning
  --now UNIX          the time in Unix seconds instead of the clock, to
                      reproduce a rewrite or test one

Exit status: 0 when an address was printed, 1 when ADDRESS was refused
(stderr starts with the kind: not-srs, bad-hash, expired, bad-timestamp,
malformed, too-long), 2 for bad arguments, 3 when the secrets file cannot
be read or the settings are refused.
";

/// What `spfkit srs` was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SrsArgs {
    /// `spfkit srs forward|reverse ADDRESS …`
    Rewrite(RewriteArgs),
    /// `spfkit srs keygen`
    Keygen,
    /// `spfkit srs --help`
    Help,
}

/// Which way to rewrite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// For forwarding: [`Srs::forward`].
    Forward,
    /// For a bounce: [`Srs::reverse`].
    Reverse,
}

/// The arguments of `spfkit srs forward` and `spfkit srs reverse`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RewriteArgs {
    /// Which way.
    pub direction: Direction,
    /// The address to rewrite.
    pub address: String,
    /// postsrsd's secrets file.
    pub secret_file: PathBuf,
    /// Everything but the secrets, which come from the file.
    pub settings: Settings,
    /// Unix seconds; the clock when `None`.
    pub now: Option<u64>,
}

/// Parses the arguments after `srs`. The error is a message for the user.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<SrsArgs, String> {
    let mut args = args.into_iter();
    let direction = match args.next().as_deref() {
        Some("forward") => Direction::Forward,
        Some("reverse") => Direction::Reverse,
        Some("keygen") => {
            return match args.next() {
                None => Ok(SrsArgs::Keygen),
                Some(a) if a == "-h" || a == "--help" => Ok(SrsArgs::Help),
                Some(a) => Err(format!("srs keygen takes no argument, not {a:?}")),
            };
        }
        Some("-h" | "--help" | "help") => return Ok(SrsArgs::Help),
        Some(other) => return Err(format!("unknown srs command {other:?}; they are `forward`, `reverse`, `keygen`")),
        None => return Err("missing srs command: `forward`, `reverse` or `keygen`".into()),
    };
    // Reverse never writes the domain; Settings wants one all the same.
    let mut settings = Settings::new("reverse.invalid", "");
    settings.secrets.clear();
    let (mut address, mut secret_file, mut domain, mut now) = (None, None, None, None);
    let mut options_done = false;
    while let Some(arg) = args.next() {
        if options_done || !arg.starts_with('-') || arg == "-" {
            if address.replace(arg).is_some() {
                return Err("one ADDRESS only".into());
            }
            continue;
        }
        let (flag, inline) = split_flag(&arg);
        let mut value = || inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|_| format!("{flag}: {v:?} is not a number"));
        match flag.as_str() {
            "--secret-file" => secret_file = Some(PathBuf::from(value()?)),
            "--domain" => domain = Some(value()?),
            "--separator" => {
                let v = value()?;
                let mut chars = v.chars();
                settings.separator = match (chars.next(), chars.next()) {
                    (Some(c @ ('=' | '+' | '-')), None) => c,
                    _ => return Err(format!("--separator: {v:?} is not =, + or -")),
                };
            }
            "--hash-length" => settings.hash_length = number(value()?)?.try_into().unwrap_or(usize::MAX),
            "--hash-min" => settings.hash_min = number(value()?)?.try_into().unwrap_or(usize::MAX),
            "--max-age" => settings.max_age_days = number(value()?)?.try_into().unwrap_or(u32::MAX),
            "--local-domain" => settings.local_domains.push(value()?),
            "--now" => now = Some(number(value()?)?),
            "--url-safe" if inline.is_none() => settings.url_safe = true,
            "--refuse-long" if inline.is_none() => settings.refuse_long = true,
            "--" if inline.is_none() => options_done = true,
            "-h" | "--help" => return Ok(SrsArgs::Help),
            _ => return Err(format!("unknown option {arg:?}")),
        }
    }
    let address = address.ok_or("ADDRESS is required")?;
    let secret_file = secret_file.ok_or("--secret-file is required")?;
    match (direction, domain) {
        (_, Some(d)) => settings.domain = d,
        (Direction::Forward, None) => return Err("--domain is required to forward".into()),
        (Direction::Reverse, None) => {}
    }
    Ok(SrsArgs::Rewrite(RewriteArgs { direction, address, secret_file, settings, now }))
}

/// The secrets of a file as postsrsd 1.10 reads them: each line up to its
/// first CR or LF (leading ones skipped, as strtok does), empty lines left
/// out, every other octet (spaces too) part of the secret.
pub fn read_secrets(text: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut secrets = Vec::new();
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        if line.len() > MAX_SECRET_LINE {
            return Err(format!("line {} is longer than {MAX_SECRET_LINE} octets", n + 1));
        }
        let secret = line.split(|&b| b == b'\r').find(|s| !s.is_empty()).unwrap_or_default();
        if secret.contains(&0) {
            return Err(format!("line {} holds a NUL octet", n + 1));
        }
        if !secret.is_empty() {
            secrets.push(secret.to_vec());
        }
    }
    if secrets.is_empty() {
        return Err("no secret in it".into());
    }
    Ok(secrets)
}

/// Runs `spfkit srs`.
pub fn main(args: SrsArgs) -> ExitCode {
    match args {
        SrsArgs::Help => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        SrsArgs::Keygen => keygen(),
        SrsArgs::Rewrite(args) => rewrite(args),
    }
}

fn keygen() -> ExitCode {
    let mut random = [0u8; 24];
    match std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut random)) {
        Ok(()) => {
            println!("{}", secret_from_bytes(&random));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("spfkit: /dev/urandom: {e}");
            ExitCode::FAILURE
        }
    }
}

fn rewrite(args: RewriteArgs) -> ExitCode {
    let config = |msg: String| {
        eprintln!("spfkit: {msg}");
        ExitCode::from(EXIT_CONFIG as u8)
    };
    let mut settings = args.settings;
    settings.secrets = match load_secrets(&args.secret_file) {
        Ok((s, warning)) => {
            if let Some(w) = warning {
                eprintln!("spfkit: warning: {w}");
            }
            s
        }
        Err(e) => return config(format!("{}: {e}", args.secret_file.display())),
    };
    let srs = match Srs::new(settings) {
        Ok(srs) => srs,
        Err(e) => return config(format!("srs settings: {e}")),
    };
    let now = args.now.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
    });
    let result = match args.direction {
        Direction::Forward => srs.forward(&args.address, now).map(|f| {
            match &f {
                Forwarded::Unchanged { reason, .. } => eprintln!("spfkit: unchanged: {reason}"),
                Forwarded::Rewritten { warnings, .. } => {
                    for w in warnings {
                        eprintln!("spfkit: warning: {w}");
                    }
                }
            }
            f.address().to_owned()
        }),
        Direction::Reverse => srs.reverse(&args.address, now),
    };
    match result {
        Ok(address) => {
            println!("{address}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(EXIT_REFUSED as u8)
        }
    }
}

/// The most a secrets file may hold: 1 MiB.
const MAX_SECRETS_FILE: u64 = 1 << 20;

/// Reads a secrets file as postsrsd does ([`read_secrets`]), at most 1 MiB;
/// with a warning when group or others may read it.
pub fn load_secrets(path: &Path) -> Result<(Vec<Vec<u8>>, Option<String>), String> {
    let mut text = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SECRETS_FILE + 1).read_to_end(&mut text))
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_SECRETS_FILE {
        return Err(format!("larger than {MAX_SECRETS_FILE} bytes"));
    }
    let mut warning = None;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode();
            if mode & 0o044 != 0 {
                warning = Some(format!(
                    "{} is readable by group or others (mode {:03o}): anyone who reads it can forge bounces \
                     through this forwarder; chmod 600 it",
                    path.display(),
                    mode & 0o777
                ));
            }
        }
    }
    read_secrets(&text).map(|s| (s, warning))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_read_as_postsrsd_reads_them() {
        let got = read_secrets(b"first\r\n\n  spaced \n\r\rafter-cr\nab\rcd\nlast").unwrap();
        let want: Vec<&[u8]> = vec![b"first", b"  spaced ", b"after-cr", b"ab", b"last"];
        assert_eq!(got, want);
        assert!(read_secrets(b"\n\r\n").is_err());
        assert!(read_secrets(&[b'a'; 1023]).is_err());
        assert!(read_secrets(b"a\0b").is_err());
    }

    #[test]
    fn arguments() {
        let args = |a: &[&str]| parse_args(a.iter().map(|s| s.to_string()));
        let SrsArgs::Rewrite(r) = args(&[
            "forward",
            "a@b",
            "--secret-file",
            "f",
            "--domain=d.example",
            "--separator",
            "+",
            "--hash-length",
            "8",
            "--local-domain",
            "x",
            "--local-domain",
            ".y",
            "--url-safe",
            "--now",
            "5",
        ])
        .unwrap() else {
            panic!()
        };
        assert_eq!((r.direction, r.address.as_str(), r.now), (Direction::Forward, "a@b", Some(5)));
        assert_eq!((r.settings.separator, r.settings.hash_length, r.settings.url_safe), ('+', 8, true));
        assert_eq!(r.settings.local_domains, ["x", ".y"]);
        assert!(args(&["reverse", "a@b", "--secret-file", "f"]).is_ok());
        assert!(args(&["reverse", "--secret-file", "f", "--", "-a@b"]).is_ok());
        assert!(args(&["forward", "a@b", "--secret-file", "f"]).unwrap_err().contains("--domain"));
        assert!(args(&["forward", "a@b", "c@d", "--secret-file", "f"]).is_err());
        assert!(args(&["forward", "a@b", "--separator", "/"]).is_err());
        assert!(args(&["forward", "a@b", "--now", "-1"]).is_err());
        assert_eq!(args(&["keygen"]), Ok(SrsArgs::Keygen));
        assert!(args(&["keygen", "x"]).is_err());
        assert!(args(&["sign"]).is_err());
    }
}
