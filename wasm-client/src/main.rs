//! Blind Mirror browser app.

fn main() {}
