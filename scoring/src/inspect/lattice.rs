//! The cost of the best known attack on a preset: the primal lattice attack (unique-SVP).
//!
//! An attacker who captured a request holds RLWE samples `(a, c0 = -a s + m + e)` and
//! `(a', pk0)`: up to m = 2n LWE samples in dimension n, modulus Q, ternary secret (standard
//! deviation `sigma_s = sqrt(2/3)`) and error `sigma_e`. The primal attack embeds them in a
//! lattice of dimension `d = m + n + 1` whose volume is `Q^m nu^n` (secret coordinates scaled by
//! `nu = sigma_e / sigma_s` to balance them with the error) and runs BKZ with block size beta.
//! It succeeds when the projected secret is shorter than the Gram-Schmidt norm BKZ reaches
//! (Alkim, Ducas, Poeppelmann, Schwabe, "Post-quantum key exchange - a new hope", 2016,
//! eprint 2015/1092, section 6):
//!
//! ```text
//! sigma_e sqrt(beta) <= delta(beta)^(2 beta - d - 1) * Vol^(1/d),
//! delta(beta) = ((pi beta)^(1/beta) beta / (2 pi e))^(1/(2 (beta - 1)))
//! ```
//!
//! The estimate is the smallest such beta over m, and its cost
//! `2^(0.292 beta + 16.4 + log2(8 d))` operations (sieving at 2^(0.292 beta) per SVP call,
//! Becker-Ducas-Gama-Laarhoven 2016, with the lattice estimator's polynomial overhead). With
//! this model the HomomorphicEncryption.org table's largest moduli come out at 128 +- 4 bits,
//! which the tests check; it is an estimate of the best known attack, not a proof, and the
//! presets are in any case checked against the table itself (`ckks::security`).

use crate::presets::PresetParams;

/// Standard deviation of a uniform ternary secret: sqrt(2/3).
pub fn ternary_std_dev() -> f64 {
    (2.0f64 / 3.0).sqrt()
}

/// The primal-attack estimate for one parameter set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatticeEstimate {
    /// Ring degree n (LWE dimension).
    pub n: usize,
    /// log2 of the modulus Q.
    pub log2_q: f64,
    /// Error standard deviation.
    pub sigma_e: f64,
    /// Smallest BKZ block size beta for which the attack succeeds.
    pub block_size: u32,
    /// Number of LWE samples used (m, at most 2n: the ciphertext and the public key).
    pub samples: usize,
    /// Lattice dimension d = m + n + 1.
    pub dimension: usize,
    /// Core-SVP hardness 0.292 beta, in bits.
    pub core_svp_bits: f64,
    /// Estimated cost 0.292 beta + 16.4 + log2(8 d), in bits.
    pub bits: f64,
}

/// log2 of the root Hermite factor delta(beta) BKZ-beta reaches.
fn log2_delta(beta: f64) -> f64 {
    let pi = core::f64::consts::PI;
    let e = core::f64::consts::E;
    ((pi * beta).log2() / beta + (beta / (2.0 * pi * e)).log2()) / (2.0 * (beta - 1.0))
}

/// The primal uSVP estimate for LWE with dimension `n`, modulus 2^`log2_q`, `max_samples`
/// samples at most, error deviation `sigma_e` and secret deviation `sigma_s`; `None` if no block
/// size below the lattice dimension succeeds (a modulus too small for the attack to apply).
pub fn primal_usvp(
    n: usize,
    log2_q: f64,
    max_samples: usize,
    sigma_e: f64,
    sigma_s: f64,
) -> Option<LatticeEstimate> {
    if n == 0
        || [log2_q, sigma_e, sigma_s]
            .iter()
            .any(|v| !v.is_finite() || *v <= 0.0)
    {
        return None;
    }
    let log2_nu = (sigma_e / sigma_s).log2();
    let step = (n / 64).max(1);
    let mut best: Option<(u32, usize, usize)> = None;
    let mut m = step;
    while m <= max_samples {
        let d = m + n + 1;
        let log2_vol_root = (m as f64 * log2_q + n as f64 * log2_nu) / d as f64;
        let upper = best.map_or(d, |(beta, _, _)| beta as usize);
        // The first beta that satisfies the condition (it keeps holding as beta grows).
        let found = (40..upper.min(d)).find(|&beta| {
            let b = beta as f64;
            let lhs = sigma_e.log2() + 0.5 * b.log2();
            let rhs = (2.0 * b - d as f64 - 1.0) * log2_delta(b) + log2_vol_root;
            lhs <= rhs
        });
        if let Some(beta) = found.and_then(|b| u32::try_from(b).ok()) {
            best = Some((beta, m, d));
        }
        m += step;
    }
    best.map(|(beta, samples, dimension)| {
        let core = 0.292 * f64::from(beta);
        LatticeEstimate {
            n,
            log2_q,
            sigma_e,
            block_size: beta,
            samples,
            dimension,
            core_svp_bits: core,
            bits: core + 16.4 + (8.0 * dimension as f64).log2(),
        }
    })
}

/// The estimate for a preset's RLWE samples: the ciphertext at Q and the public key at the key
/// modulus `Q_k` (q_0 for `exact`), counted as 2n samples at Q, the attacker's best case (the
/// same noise at a smaller modulus is harder).
pub fn for_preset(params: &PresetParams) -> Option<LatticeEstimate> {
    primal_usvp(
        params.n(),
        params.ckks().basis().log_q(),
        2 * params.n(),
        params.sigma_e(),
        ternary_std_dev(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::Preset;

    #[test]
    fn the_standard_table_comes_out_near_128_bits() {
        // HomomorphicEncryption.org, ternary secret, sigma 3.2: the largest log2 Q at 128 bits.
        for (n, log2_q) in [(2048, 54.0), (4096, 109.0), (8192, 218.0), (16384, 438.0)] {
            let e = primal_usvp(n, log2_q, 2 * n, 3.2, ternary_std_dev()).unwrap();
            assert!((e.bits - 128.0).abs() < 4.0, "n={n}: {e:?}");
            assert_eq!(e.dimension, e.samples + n + 1);
            assert!(e.samples <= 2 * n);
        }
    }

    #[test]
    fn a_larger_modulus_is_easier_to_attack() {
        let mut previous = f64::INFINITY;
        for log2_q in [60.0, 80.0, 109.0, 150.0, 200.0] {
            let e = primal_usvp(4096, log2_q, 8192, 3.2, ternary_std_dev()).unwrap();
            assert!(e.bits < previous, "{log2_q}: {e:?}");
            previous = e.bits;
        }
        // Above the table: below 128 bits, as the library's refusal says.
        let weak = primal_usvp(4096, 150.0, 8192, 3.2, ternary_std_dev()).unwrap();
        assert!(weak.bits < 110.0, "{weak:?}");
    }

    #[test]
    fn every_preset_is_above_128_bits() {
        for preset in Preset::ALL {
            let params = preset.params().unwrap();
            let e = for_preset(&params).unwrap();
            assert!(e.bits >= 128.0, "{preset}: {e:?}");
            assert_eq!(e.n, params.n());
        }
    }

    #[test]
    fn degenerate_inputs_have_no_estimate() {
        assert_eq!(primal_usvp(0, 100.0, 10, 3.2, 0.8), None);
        assert_eq!(primal_usvp(4096, f64::NAN, 8192, 3.2, 0.8), None);
        assert_eq!(primal_usvp(4096, 100.0, 8192, 0.0, 0.8), None);
    }
}
