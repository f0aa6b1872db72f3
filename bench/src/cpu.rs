//! CPU time of processes and of the machine, from /proc, for the load
//! clients (policyd-load, srsd-load): read just before the clock starts and
//! after the last reply.

use std::collections::HashMap;

/// The parent of a process, from /proc/PID/stat.
fn parent_of(pid: u32) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    // rest's first field is field 3 (state); the parent is field 4.
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Nanoseconds a process has run, all its threads alive now:
/// /proc/PID/task/TID/schedstat's first field. Not /proc/PID/stat's
/// utime and stime: they count whole clock ticks per process, so a hundred
/// processes of 9 ms each would show nothing.
pub fn process_ns(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return 0 };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// The machine's CPU time in USER_HZ ticks (/proc/stat's first line):
/// (busy, idle, steal). Busy is user, nice, system, irq and softirq;
/// steal is time the hypervisor gave to others.
pub fn machine_ticks() -> (u64, u64, u64) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let f: Vec<u64> =
        text.lines().next().unwrap_or("").split_whitespace().skip(1).map(|v| v.parse().unwrap_or(0)).collect();
    let at = |i: usize| f.get(i).copied().unwrap_or(0);
    (at(0) + at(1) + at(2) + at(5) + at(6), at(3) + at(4), at(7))
}

/// CPU nanoseconds of `root` and every descendant alive now.
pub fn tree_ns(root: u32) -> u64 {
    let mut parent: HashMap<u32, u32> = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            if let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) {
                if let Some(pp) = parent_of(pid) {
                    parent.insert(pid, pp);
                }
            }
        }
    }
    let mut total = 0;
    for &pid in parent.keys() {
        let mut p = pid;
        for _ in 0..64 {
            if p == root {
                total += process_ns(pid);
                break;
            }
            match parent.get(&p) {
                Some(&pp) if pp != 0 => p = pp,
                _ => break,
            }
        }
    }
    total
}
