//! How random do captured bytes look? A byte histogram and Pearson's chi-square test.
//!
//! For bytes `b_1 .. b_N` with counts `c_v` (v = 0..255), the expected count under uniform bytes
//! is `E = N / 256` and the statistic is `X^2 = sum_v (c_v - E)^2 / E`, chi-square distributed
//! with `k = 255` degrees of freedom if the bytes are uniform. The p-value is
//! `P(chi2_k >= X^2) = Q(k/2, X^2/2)`, the regularized upper incomplete gamma function, computed
//! by its series below `a + 1` and by its continued fraction above (Numerical Recipes, 6.2).
//! A p-value that is not tiny means the test sees no difference from uniform noise; packed
//! residues of an RLWE ciphertext pass it, structured data (text, a plaintext) fails it badly.
//! The Shannon entropy `-sum_v p_v log2 p_v` (8 bits per byte at most) is given beside it.

/// Degrees of freedom of the byte test: 256 values minus one constraint.
pub const BYTE_DEGREES_OF_FREEDOM: u32 = 255;

/// Counts of each byte value in a byte string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteHistogram {
    counts: [u64; 256],
    total: u64,
}

/// The result of the chi-square test against uniform bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquare {
    /// The statistic `X^2`.
    pub statistic: f64,
    /// Degrees of freedom.
    pub degrees_of_freedom: u32,
    /// `P(chi2 >= X^2)` under uniform bytes.
    pub p_value: f64,
}

impl ByteHistogram {
    /// Counts the bytes of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        let mut counts = [0u64; 256];
        for &b in bytes {
            if let Some(c) = counts.get_mut(usize::from(b)) {
                *c += 1;
            }
        }
        Self {
            counts,
            total: bytes.len() as u64,
        }
    }

    /// The count of each byte value, index = value.
    pub const fn counts(&self) -> &[u64; 256] {
        &self.counts
    }

    /// Number of bytes counted.
    pub const fn total(&self) -> u64 {
        self.total
    }

    /// The count expected for each value if the bytes were uniform: total / 256.
    pub fn expected(&self) -> f64 {
        self.total as f64 / 256.0
    }

    /// Pearson's chi-square test against uniform bytes (`None` for an empty string).
    pub fn chi_square(&self) -> Option<ChiSquare> {
        if self.total == 0 {
            return None;
        }
        let e = self.expected();
        let statistic = self
            .counts
            .iter()
            .map(|&c| {
                let d = c as f64 - e;
                d * d / e
            })
            .sum::<f64>();
        Some(ChiSquare {
            statistic,
            degrees_of_freedom: BYTE_DEGREES_OF_FREEDOM,
            p_value: chi_square_p_value(statistic, BYTE_DEGREES_OF_FREEDOM),
        })
    }

    /// Shannon entropy of the byte distribution, in bits per byte (0 for an empty string).
    pub fn entropy_bits(&self) -> f64 {
        let total = self.total as f64;
        self.counts
            .iter()
            .filter(|&&c| c > 0)
            .map(|&c| {
                let p = c as f64 / total;
                -p * p.log2()
            })
            .sum()
    }
}

/// `P(chi2_k >= x)`, the upper tail of the chi-square distribution with `k` degrees of freedom.
pub fn chi_square_p_value(x: f64, k: u32) -> f64 {
    if x.is_nan() || k == 0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    gamma_q(f64::from(k) / 2.0, x / 2.0)
}

/// ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms: relative error below 1e-15).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x).
        let pi = core::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let sum = C
        .iter()
        .enumerate()
        .skip(1)
        .fold(C[0], |acc, (i, &c)| acc + c / (x + i as f64));
    0.5 * (2.0 * core::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The regularized upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a).
fn gamma_q(a: f64, x: f64) -> f64 {
    const EPS: f64 = 1e-15;
    const MAX_ITER: usize = 10_000;
    let log_prefix = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        // P(a, x) = e^-x x^a / Gamma(a + 1) * sum_n x^n / ((a+1)..(a+n)).
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut ap = a;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                break;
            }
        }
        (1.0 - sum * log_prefix.exp()).clamp(0.0, 1.0)
    } else {
        // Continued fraction for Q(a, x), modified Lentz.
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_ITER {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < EPS {
                break;
            }
        }
        (log_prefix.exp() * h).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};

    #[test]
    fn ln_gamma_matches_factorials_and_sqrt_pi() {
        let mut factorial = 1.0f64;
        for n in 1..30u32 {
            // Gamma(n) = (n - 1)!
            assert!(
                (ln_gamma(f64::from(n)) - factorial.ln()).abs() < 1e-12,
                "{n}"
            );
            factorial *= f64::from(n);
        }
        let half = 0.5 * core::f64::consts::PI.ln();
        assert!((ln_gamma(0.5) - half).abs() < 1e-13);
    }

    #[test]
    fn p_value_has_closed_forms_for_two_and_one_degrees() {
        // k = 2: the chi-square is exponential with mean 2, P(X >= x) = e^(-x/2).
        for x in [0.1, 1.0, 2.0, 5.0, 20.0, 100.0] {
            let p = chi_square_p_value(x, 2);
            assert!(
                (p - (-x / 2.0f64).exp()).abs() < 1e-13 * p.max(1e-300) + 1e-300,
                "{x}"
            );
        }
        // k = 1: the 5% and 1% critical values 3.841459 and 6.634897.
        assert!((chi_square_p_value(3.841_459, 1) - 0.05).abs() < 1e-6);
        assert!((chi_square_p_value(6.634_897, 1) - 0.01).abs() < 1e-6);
        assert_eq!(chi_square_p_value(0.0, 255), 1.0);
        assert!(chi_square_p_value(f64::NAN, 255).is_nan());
    }

    #[test]
    fn p_value_at_255_degrees_matches_tables() {
        // Critical values of chi2 with 255 degrees of freedom: 5% at 293.25, 1% at 310.46,
        // median at 254.33.
        assert!((chi_square_p_value(293.25, 255) - 0.05).abs() < 5e-4);
        assert!((chi_square_p_value(310.46, 255) - 0.01).abs() < 2e-4);
        assert!((chi_square_p_value(254.33, 255) - 0.5).abs() < 2e-3);
    }

    #[test]
    fn uniform_bytes_pass_and_text_fails() {
        let mut bytes = vec![0u8; 72_000];
        ChaCha20Rng::seed_from_u64(3).fill_bytes(&mut bytes);
        let h = ByteHistogram::of(&bytes);
        assert_eq!(h.total(), 72_000);
        assert_eq!(h.counts().iter().sum::<u64>(), 72_000);
        let test = h.chi_square().unwrap();
        assert_eq!(test.degrees_of_freedom, 255);
        assert!(test.p_value > 1e-4, "{test:?}");
        assert!(h.entropy_bits() > 7.99);

        let text = "score = bias + sum of weight times feature; ".repeat(1_000);
        let h = ByteHistogram::of(text.as_bytes());
        let test = h.chi_square().unwrap();
        assert!(test.p_value < 1e-100, "{test:?}");
        assert!(h.entropy_bits() < 5.0);
    }

    #[test]
    fn a_real_request_looks_uniform_and_its_plaintext_does_not() {
        use crate::{ClientSession, Preset, SkinProfile};
        let params = Preset::Exact.params().unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let session = ClientSession::new(params.clone(), &mut rng).unwrap();
        let profile = SkinProfile::reference();
        let bytes = session.encrypt_profile(&profile, &mut rng).unwrap();
        let test = ByteHistogram::of(&bytes).chi_square().unwrap();
        assert!(test.p_value > 1e-6, "{test:?}");
        // The same profile as plaintext coefficients round(Df f_i), 8 bytes each, zeros after.
        let plain: Vec<u8> = (0..params.n())
            .flat_map(|i| {
                let f = profile.values().get(i).copied().unwrap_or(0.0);
                ((f * params.df()).round() as u64).to_le_bytes()
            })
            .collect();
        let test = ByteHistogram::of(&plain).chi_square().unwrap();
        assert!(test.p_value < 1e-100, "{test:?}");
    }

    #[test]
    fn empty_input_has_no_test() {
        let h = ByteHistogram::of(&[]);
        assert_eq!(h.chi_square(), None);
        assert_eq!(h.entropy_bits(), 0.0);
    }
}
