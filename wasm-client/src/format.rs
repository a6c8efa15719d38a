//! Number formatting for the page: milliseconds, byte sizes, scores, small errors.

/// Milliseconds with a precision that suits the size: "0.042 ms", "1.23 ms", "12.3 ms", "456 ms".
pub fn ms(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_owned();
    }
    let digits = if value < 0.1 {
        3
    } else if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.digits$} ms")
}

/// An integer with thousands separators: 72778 -> "72,778".
pub fn thousands(value: usize) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte size: "72,778 B (71.1 KiB)", or "938 B" below one KiB.
pub fn bytes(value: usize) -> String {
    if value < 1024 {
        format!("{} B", thousands(value))
    } else {
        format!("{} B ({:.1} KiB)", thousands(value), value as f64 / 1024.0)
    }
}

/// A score with its sign and three decimals: "+1.447", "-0.059".
pub fn score(value: f64) -> String {
    format!("{value:+.3}")
}

/// A small positive quantity in scientific notation with two significant digits: "3.5e-11".
pub fn sci(value: f64) -> String {
    if value == 0.0 {
        "0".to_owned()
    } else {
        format!("{value:.1e}")
    }
}

/// A power of two from its base-2 logarithm: "2^48", "2^36.98".
pub fn pow2(log2: f64) -> String {
    if (log2 - log2.round()).abs() < 1e-9 {
        format!("2^{}", log2.round() as i64)
    } else {
        format!("2^{log2:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_keep_three_significant_digits() {
        assert_eq!(ms(0.0421), "0.042 ms");
        assert_eq!(ms(1.2345), "1.23 ms");
        assert_eq!(ms(12.345), "12.3 ms");
        assert_eq!(ms(456.7), "457 ms");
        assert_eq!(ms(f64::NAN), "n/a");
    }

    #[test]
    fn sizes_and_counts_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(72_778), "72,778");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(bytes(938), "938 B");
        assert_eq!(bytes(72_778), "72,778 B (71.1 KiB)");
    }

    #[test]
    fn scores_errors_and_scales() {
        assert_eq!(score(1.4471), "+1.447");
        assert_eq!(score(-0.0594), "-0.059");
        assert_eq!(sci(3.456e-11), "3.5e-11");
        assert_eq!(sci(0.0), "0");
        assert_eq!(pow2(48.0), "2^48");
        assert_eq!(pow2(36.981), "2^36.98");
    }
}
