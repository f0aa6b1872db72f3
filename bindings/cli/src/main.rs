//! `spfkit check`, `spfkit lint`, `spfkit policyd`, `spfkit srs` and
//! `spfkit srsd`: see
//! `spfkit --help`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use spfkit::Zone;
use spfkit_cli::resolver::{StubResolver, system_nameservers};
use spfkit_cli::{
    Command, EXIT_DNS, EXIT_USAGE, EXIT_WARNINGS, EXIT_ZONE, SHORT_USAGE, USAGE, parse_args, render_json,
    render_report_json, render_text, utf8_args, zonefile,
};

/// Where answers come from: a zone file or real DNS.
enum Source {
    Zone(Zone),
    Dns(StubResolver),
}

fn source(zone: Option<&Path>, nameserver: Option<SocketAddr>, timeout: Duration) -> Result<Source, ExitCode> {
    if let Some(path) = zone {
        return zonefile::load_zone(path).map(Source::Zone).map_err(|e| {
            eprintln!("spfkit: zone {e}");
            ExitCode::from(EXIT_ZONE as u8)
        });
    }
    let servers = match nameserver {
        Some(s) => vec![s],
        None => system_nameservers().map_err(|e| {
            eprintln!("spfkit: {e}");
            ExitCode::from(EXIT_DNS as u8)
        })?,
    };
    Ok(Source::Dns(StubResolver::new(servers, timeout)))
}

/// After real DNS: no response at all means no server could be reached.
fn dns_status(source: &Source) -> Option<ExitCode> {
    match source {
        Source::Dns(dns) if dns.sent > 0 && dns.responses == 0 => {
            eprintln!("spfkit: no name server answered ({} queries sent); results are temperror", dns.sent);
            Some(ExitCode::from(EXIT_DNS as u8))
        }
        _ => None,
    }
}

fn main() -> ExitCode {
    match utf8_args(std::env::args_os().skip(1)).and_then(parse_args) {
        Ok(Command::Help) => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("spfkit {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Ok(Command::Check(args)) => {
            let mut src = match source(args.zone.as_deref(), args.nameserver, args.timeout) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let outcome = match &mut src {
                Source::Zone(zone) => args.run(zone),
                Source::Dns(dns) => args.run_dns(dns),
            };
            let text = if args.json {
                format!("{:#}\n", render_json(&outcome, args.authserv_id()))
            } else {
                render_text(&outcome, args.authserv_id())
            };
            match write_out(&text) {
                Ok(()) => dns_status(&src).unwrap_or(ExitCode::SUCCESS),
                Err(code) => code,
            }
        }
        Ok(Command::Lint(args)) => {
            let mut src = match source(args.zone.as_deref(), args.nameserver, args.timeout) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let report = match &mut src {
                Source::Zone(zone) => args.run(zone),
                Source::Dns(dns) => args.run_dns(dns),
            };
            let text = if args.json { format!("{:#}\n", render_report_json(&report)) } else { report.to_string() };
            match write_out(&text) {
                Ok(()) => dns_status(&src).unwrap_or(if report.warnings.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(EXIT_WARNINGS as u8)
                }),
                Err(code) => code,
            }
        }
        #[cfg(unix)]
        Ok(Command::Policyd(args)) => spfkit_cli::policyd::main(args),
        Ok(Command::Srs(args)) => spfkit_cli::srs::main(args),
        #[cfg(unix)]
        Ok(Command::Srsd(args)) => spfkit_cli::srsd::main(args),
        Err(msg) => {
            eprintln!("spfkit: {msg}\n{SHORT_USAGE}(spfkit --help for more)");
            ExitCode::from(EXIT_USAGE as u8)
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is the reader's choice, not
/// a failure to report.
fn write_out(text: &str) -> Result<(), ExitCode> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            eprintln!("spfkit: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}
