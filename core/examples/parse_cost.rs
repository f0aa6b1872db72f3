// Throwaway: parse each argument N times (callgrind this).
fn main() {
    let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let recs: Vec<String> = std::env::args().skip(2).collect();
    let mut total = 0;
    for _ in 0..n {
        for r in &recs {
            total += spfkit::Record::parse(std::hint::black_box(r)).map(|r| r.terms().len()).unwrap_or(0);
        }
    }
    println!("{total}");
}
