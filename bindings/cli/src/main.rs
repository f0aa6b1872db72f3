//! `spfkit check`: see `spfkit --help`.

use std::io::Write as _;
use std::process::ExitCode;

use spfkit_cli::{
    Command, EXIT_USAGE, EXIT_WARNINGS, EXIT_ZONE, LintArgs, USAGE, parse_args, render_json, render_report_json,
    render_text, zonefile,
};

fn lint(args: &LintArgs) -> ExitCode {
    let zone = match zonefile::load_zone(&args.zone) {
        Ok(zone) => zone,
        Err(e) => {
            eprintln!("spfkit: zone {e}");
            return ExitCode::from(EXIT_ZONE as u8);
        }
    };
    let report = args.run(&zone);
    let text = if args.json { format!("{:#}\n", render_report_json(&report)) } else { report.to_string() };
    match write_out(&text) {
        Ok(()) if report.warnings.is_empty() => ExitCode::SUCCESS,
        Ok(()) => ExitCode::from(EXIT_WARNINGS as u8),
        Err(code) => code,
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

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Check(args)) => args,
        Ok(Command::Lint(args)) => return lint(&args),
        Err(msg) => {
            eprintln!("spfkit: {msg}\n\n{USAGE}");
            return ExitCode::from(EXIT_USAGE as u8);
        }
    };
    let zone = match zonefile::load_zone(&args.zone) {
        Ok(zone) => zone,
        Err(e) => {
            eprintln!("spfkit: zone {e}");
            return ExitCode::from(EXIT_ZONE as u8);
        }
    };
    let outcome = args.run(&zone);
    let text = if args.json {
        format!("{:#}\n", render_json(&outcome, args.authserv_id()))
    } else {
        render_text(&outcome, args.authserv_id())
    };
    match write_out(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}
