//! NTT benchmarks (filled in below).
fn main() {}
