//! `spfkit check`: see `spfkit --help`.

use std::io::Write as _;
use std::process::ExitCode;

use spfkit_cli::{Command, EXIT_USAGE, EXIT_ZONE, USAGE, parse_args, render_json, render_text, zonefile};

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Check(args)) => args,
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
    // A closed pipe (`| head`) is the reader's choice, not a failure to report.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("spfkit: {e}");
            ExitCode::FAILURE
        }
    }
}
