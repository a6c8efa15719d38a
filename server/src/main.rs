//! Blind Mirror server.

fn main() {}
