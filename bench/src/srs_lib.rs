//! bench/srsd's library figure (README.md there): SRS forward and reverse
//! through spfkit's core ([`spfkit::srs`]), one thread, no I/O.
//!
//! usage: srs-lib --secret-file FILE --domain DOMAIN --senders N [--now SECS]
//!                [--keys-out DIR]
//!
//! - N distinct senders (`uI.xxxxxx@dJ.example`, fixed), forwarded one
//!   after another at `--now` (the system clock by default), then each
//!   result reversed: two timed loops. Every reverse must give back its
//!   sender, or the run fails.
//! - `--keys-out DIR` also writes the map load's keys: `forward.txt` (the
//!   senders) and `reverse.txt` (their SRS addresses at that instant), one
//!   a line.
//! - Prints one JSON object: forward/s, reverse/s, and pairs/s (a forward
//!   and its reverse: N over both loops' time).

use std::hint::black_box;
use std::io::Write;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use spfkit::srs::{Forwarded, Settings, Srs};

fn die(msg: &str) -> ! {
    eprintln!("srs-lib: {msg}");
    std::process::exit(2)
}

/// The i-th sender: distinct local parts and 1,000 domains, a little
/// variety in length as real senders have.
fn sender(i: usize) -> String {
    // A fixed scramble so neighbours differ in every octet hashed.
    let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    let tag = if i % 3 == 0 { "+news" } else { "" };
    format!("u{i}.{x:06x}{tag}@d{}.example", i % 1000)
}

fn write_lines(path: &std::path::Path, lines: &[String]) {
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path).unwrap_or_else(|e| die(&format!("{}: {e}", path.display()))),
    );
    for l in lines {
        writeln!(f, "{l}").unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
    }
    f.flush().unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut secret_file, mut domain, mut keys_out, mut now) = (None, None, None, None);
    let mut n = 100_000usize;
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| die(&format!("{a} takes a value")));
        match a.as_str() {
            "--secret-file" => secret_file = Some(val()),
            "--domain" => domain = Some(val()),
            "--senders" => n = val().parse().unwrap_or_else(|_| die("--senders: a number")),
            "--now" => now = Some(val().parse::<u64>().unwrap_or_else(|_| die("--now: Unix seconds"))),
            "--keys-out" => keys_out = Some(val()),
            _ => die(&format!("unknown argument {a}")),
        }
    }
    let secret_file = secret_file.unwrap_or_else(|| die("--secret-file FILE"));
    let text = std::fs::read(&secret_file).unwrap_or_else(|e| die(&format!("{secret_file}: {e}")));
    // The first line signs, as postsrsd reads the file (no other line here).
    let secret = text.split(|&b| b == b'\n').next().unwrap_or_default().to_vec();
    let settings = Settings::new(domain.unwrap_or_else(|| die("--domain DOMAIN")), secret);
    let srs = Srs::new(settings).unwrap_or_else(|e| die(&format!("settings: {e}")));
    let now = now.unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));

    // Inputs built before the clocks start.
    let senders: Vec<String> = (0..n).map(sender).collect();
    let mut rewritten = Vec::with_capacity(n);

    let t = Instant::now();
    for s in &senders {
        match srs.forward(black_box(s), now) {
            Ok(Forwarded::Rewritten { address, .. }) => rewritten.push(address),
            other => die(&format!("{s}: {other:?}")),
        }
    }
    let forward_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut wrong = 0usize;
    for (a, s) in rewritten.iter().zip(&senders) {
        match srs.reverse(black_box(a), now) {
            Ok(back) => wrong += usize::from(back != *s),
            Err(_) => wrong += 1,
        }
    }
    let reverse_s = t.elapsed().as_secs_f64();
    if wrong > 0 {
        die(&format!("{wrong} of {n} reverses did not give the sender back"));
    }

    if let Some(dir) = keys_out {
        let dir = std::path::Path::new(&dir);
        write_lines(&dir.join("forward.txt"), &senders);
        write_lines(&dir.join("reverse.txt"), &rewritten);
    }
    let result = json!({
        "senders": n,
        "now": now,
        "forward_s": forward_s,
        "reverse_s": reverse_s,
        "forward_per_s": n as f64 / forward_s,
        "reverse_per_s": n as f64 / reverse_s,
        "pairs_per_s": n as f64 / (forward_s + reverse_s),
        "ns_per_pair": 1e9 * (forward_s + reverse_s) / n as f64,
    });
    println!("{result}");
}
