//! Parameter presets: the ring, the moduli, the plaintext scales and the error bound.
//!
//! Every preset is a ciphertext modulus `Q = q_0 * q_1 [* q_2]` (NTT-friendly primes below
//! 2^50, `q_i = 1 mod 2n`) at ring degree n, whose first prime `q_0` is also the output modulus
//! `q'` of the response, plus the scales of the coefficient packing:
//!
//! - client plaintext `m(X) = sum_i round(Df * f_i) X^i`,
//! - product j's weights `W(X) = sum_i round(Dw * w_ji) X^(8j + 7 - i)`, bias `round(Df*Dw*b_j)`,
//! - after the switch to `q_0` a score s decrypts to `Delta' * s` with
//!   `Delta' = Df * Dw * q_0 / Q`.
//!
//! Correctness needs `|Df * Dw * s| < Q / 2` for every score a valid catalog can produce
//! (`|s| <= SCORE_BOUND = 9`), so `Df * Dw` is set to `(Q / 2) (1 - 2^-20) / 9` (less the
//! flooding bound for `private-plus`). The public key (at Q) and the response's `c1'` (at q_0)
//! are sent compressed to `compressed_bits` bits (`round(x * 2^t / M)`, M = Q or q_0), which
//! costs a little noise and saves bytes. The derivation of every number is in `docs/parameters.md`; [`PresetParams::error_bound`]
//! is its formula.

use std::sync::Arc;

use ckks::params::{Params, ParamsSpec};
use ckks::ring::RnsBasis;

use crate::catalog::{MAX_PRODUCTS, SCORE_BOUND};
use crate::error::{Error, Result};
use crate::profile::FEATURE_COUNT;

/// Tail factor of the probabilistic part of the error bound: a centered Gaussian exceeds 7
/// standard deviations with probability 2.6e-12.
pub const TAIL_SIGMAS: f64 = 7.0;

/// Statistical security of `private-plus` flooding, per response of up to [`MAX_PRODUCTS`]
/// products: the decrypted scores are within statistical distance 2^-40 of a function of the
/// quantized scores only.
pub const FLOOD_STATISTICAL_BITS: u32 = 40;

/// Tail factor z of the bound on the noise term `(e * W)[k]` that flooding hides:
/// `P(|(e*W)[k]| > z * sigma_e * ||W||_2) <= 2 exp(-z^2 / 2) < 2^-57` (sub-Gaussian tail).
const FLOOD_TAIL_Z: f64 = 9.0;

/// A named parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Preset {
    /// Smallest request at about 1e-6 error: enough to rank.
    Compact,
    /// The default: error about 1e-11, request <= 48 KiB, key and response <= 24 KiB.
    #[default]
    Exact,
    /// Noise flooding for statistical model privacy, error <= 1e-9, n = 8192.
    PrivatePlus,
}

/// What defines a preset; the primes are the largest NTT-friendly primes of the given sizes.
struct Recipe {
    log_n: u32,
    prime_bits: &'static [u32],
    log2_df: i32,
    compressed_bits: u32,
    flood: bool,
    /// Primes of the public key and of the re-randomization: 1 = at q_0, after the rescale
    /// (the cheaper order, where the noise budget allows it); all = at Q, before the rescale.
    key_primes: usize,
}

impl Preset {
    /// All presets, in display order.
    pub const ALL: [Self; 3] = [Self::Compact, Self::Exact, Self::PrivatePlus];

    /// Stable name used in requests, files and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Compact => "compact",
            Self::Exact => "exact",
            Self::PrivatePlus => "private-plus",
        }
    }

    /// One-byte identifier carried in every request and response.
    pub const fn id(self) -> u8 {
        match self {
            Self::Compact => 1,
            Self::Exact => 2,
            Self::PrivatePlus => 3,
        }
    }

    /// The preset with this identifier, if any.
    pub fn from_id(id: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The preset with this name.
    ///
    /// # Errors
    /// [`Error::UnknownPreset`] for any other name.
    pub fn from_name(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| Error::UnknownPreset {
                name: name.to_owned(),
            })
    }

    const fn recipe(self) -> Recipe {
        match self {
            Self::Compact => Recipe {
                log_n: 12,
                prime_bits: &[38, 22],
                log2_df: 31,
                compressed_bits: 33,
                flood: false,
                key_primes: 2,
            },
            Self::Exact => Recipe {
                log_n: 12,
                prime_bits: &[50, 45],
                log2_df: 48,
                compressed_bits: 47,
                flood: false,
                key_primes: 1,
            },
            Self::PrivatePlus => Recipe {
                log_n: 13,
                prime_bits: &[49, 44, 44],
                log2_df: 98,
                compressed_bits: 45,
                flood: true,
                key_primes: 3,
            },
        }
    }

    /// Builds the checked parameters (a few milliseconds: NTT tables; build once and share).
    ///
    /// # Errors
    /// A [`ckks::Error`] if the ring layer refuses the set (it checks the 128-bit bound).
    pub fn params(self) -> Result<Arc<PresetParams>> {
        PresetParams::new(self)
    }
}

impl core::fmt::Display for Preset {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s)
    }
}

/// A preset's checked parameters and every derived constant both ends need.
pub struct PresetParams {
    preset: Preset,
    params: Arc<Params>,
    output: Arc<RnsBasis>,
    key: Arc<RnsBasis>,
    df: f64,
    dw: f64,
    output_scale: f64,
    compressed_bits: u32,
    /// Flooding bound F (uniform integers in [-F, F] added at Q), 0 when off.
    flood: u128,
    sigma_e: f64,
}

impl core::fmt::Debug for PresetParams {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PresetParams")
            .field("preset", &self.preset)
            .field("params", &self.params)
            .field("df", &self.df)
            .field("dw", &self.dw)
            .field("output_scale", &self.output_scale)
            .field("compressed_bits", &self.compressed_bits)
            .field("flood", &self.flood)
            .finish()
    }
}

impl PresetParams {
    fn new(preset: Preset) -> Result<Arc<Self>> {
        let recipe = preset.recipe();
        let spec = ParamsSpec::with_prime_bits(recipe.log_n, recipe.prime_bits, &[])?;
        let params = Params::new(spec)?;
        let output = params.basis_at(0)?;
        let key = params.basis().prefix(recipe.key_primes)?;
        let sigma_e = ckks::sampling::error_std_dev(params.sigma())?;
        let n = params.n();
        let q_big: f64 = params
            .basis()
            .moduli()
            .iter()
            .map(|m| m.value() as f64)
            .product();
        let df = 2f64.powi(recipe.log2_df);
        let half_q = q_big / 2.0 * (1.0 - 2f64.powi(-20));
        // Flooding: F = 2^(lambda + log2 MAX_PRODUCTS + 1) * z * sigma_e * ||W||_2, with
        // ||W||_2 <= sqrt(8 * n/8) * (Dw + 1/2) for a full ciphertext of weights |w| <= 1.
        let flood_per_dw = if recipe.flood {
            // 2^lambda with lambda = 40 + log2(MAX_PRODUCTS) + 1, as an exact product (no
            // libm `log2`/`powf`, whose last bit differs between targets).
            let lambda = 2f64.powi(FLOOD_STATISTICAL_BITS as i32 + 1) * MAX_PRODUCTS as f64;
            lambda * FLOOD_TAIL_Z * sigma_e * (n as f64).sqrt()
        } else {
            0.0
        };
        // K * SCORE_BOUND + F <= Q/2 (1 - 2^-20), K = Df * Dw, F = flood_per_dw * (Dw + 1/2).
        let dw = (half_q - flood_per_dw / 2.0) / (df * SCORE_BOUND + flood_per_dw);
        let flood = (flood_per_dw * (dw + 0.5)).ceil() as u128;
        let higher: f64 = params
            .basis()
            .moduli()
            .iter()
            .skip(1)
            .map(|m| m.value() as f64)
            .product();
        let output_scale = df * dw / higher;
        Ok(Arc::new(Self {
            preset,
            params,
            output,
            key,
            df,
            dw,
            output_scale,
            compressed_bits: recipe.compressed_bits,
            flood,
            sigma_e,
        }))
    }

    /// The preset.
    pub const fn preset(&self) -> Preset {
        self.preset
    }

    /// The checked CKKS parameters (ring degree, ciphertext modulus Q).
    pub fn ckks(&self) -> &Arc<Params> {
        &self.params
    }

    /// Ring degree n.
    pub fn n(&self) -> usize {
        self.params.n()
    }

    /// The one-prime output basis `q' = q_0` of the response and the public key.
    pub fn output_basis(&self) -> &Arc<RnsBasis> {
        &self.output
    }

    /// The basis `Q_k = q_0 ... q_(k-1)` of the client's public key, where the server
    /// re-randomizes: `q_0` alone for `exact` (after the rescale), all of Q otherwise.
    pub fn key_basis(&self) -> &Arc<RnsBasis> {
        &self.key
    }

    /// The output modulus `q' = q_0`.
    pub fn output_modulus(&self) -> u64 {
        self.output
            .moduli()
            .first()
            .map_or(0, ckks::ring::Modulus::value)
    }

    /// Feature scale Df (a power of two, so `Df * f` is exact in f64).
    pub const fn df(&self) -> f64 {
        self.df
    }

    /// Weight scale Dw.
    pub const fn dw(&self) -> f64 {
        self.dw
    }

    /// Scale `Delta' = Df * Dw * q_0 / Q` of a score in the decrypted response.
    pub const fn output_scale(&self) -> f64 {
        self.output_scale
    }

    /// Bits per compressed coefficient of the public key and of the response's `c1'`.
    pub const fn compressed_bits(&self) -> u32 {
        self.compressed_bits
    }

    /// Flooding bound F (the server adds uniform integers in [-F, F] at Q), 0 when off.
    pub const fn flood_bound(&self) -> u128 {
        self.flood
    }

    /// Products packed in one result ciphertext: n / 8.
    pub fn products_per_ciphertext(&self) -> usize {
        self.n() / FEATURE_COUNT
    }

    /// Standard deviation of the error sampler (the centered binomial behind sigma = 3.2).
    pub const fn sigma_e(&self) -> f64 {
        self.sigma_e
    }

    /// The error model of `docs/parameters.md`, for `products` products in one ciphertext.
    pub fn error_model(&self, products: usize) -> ErrorModel {
        let n = self.n() as f64;
        let p = products.clamp(1, self.products_per_ciphertext()) as f64;
        let f_count = FEATURE_COUNT as f64;
        let k = self.df * self.dw;
        let var_e = self.sigma_e * self.sigma_e;
        // Deterministic: feature rounding sum|w|/(2 Df) <= 4/Df, weight rounding
        // sum f/(2 Dw) <= 4/Dw (+ the f64 rounding of Dw*w, 2^-53 Dw each), bias and cross
        // terms (1/2 + 8/4)/K, f64 arithmetic on a score <= 9 (a few ulps, 2^-44 covers it).
        let deterministic = f_count / 2.0 / self.df
            + f_count / 2.0 / self.dw
            + f_count * 2f64.powi(-53)
            + 3.0 / k
            + 2f64.powi(-44);
        let flood = self.flood as f64 / k;
        // Gaussian part at Q: (e*W)[k], variance sigma_e^2 * ||W||^2 <= sigma_e^2 * 8P (Dw+1/2)^2.
        let enc_std = self.sigma_e * (f_count * p).sqrt() * (self.dw + 0.5) / k;
        // At q_0: the rescale rounding r0 + (r1*s)[k] and the compression of c1', (d_c1*s)[k]
        // with step c = q_0/2^t. The re-randomization u*(e_pk + d_pk) + e0 + e1*s happens at
        // the key's modulus Q_k (d_pk: the key's compression error, step Q_k/2^t) and shrinks
        // by q_0/Q_k in the rescale: negligible but for u*d_pk when Q_k = Q, whole when
        // Q_k = q_0. s, u ternary (weight h = 2n/3).
        let h = 2.0 * n / 3.0;
        let q0 = self.output_modulus() as f64;
        let q_key: f64 = self.key.moduli().iter().map(|m| m.value() as f64).product();
        let step = q0 / 2f64.powi(self.compressed_bits as i32);
        let var_compress = step * step / 12.0 + 1.0 / 12.0;
        let shrink = q0 / q_key;
        let var_key_compress = h * (step * step + shrink * shrink) / 12.0;
        let var_rerandomize = shrink * shrink * (2.0 * h * var_e + var_e);
        let var_out = (1.0 + h) / 12.0 + h * var_compress + var_key_compress + var_rerandomize;
        let out_std = var_out.sqrt() / self.output_scale;
        ErrorModel {
            deterministic,
            flood,
            // sqrt of a sum (correctly rounded everywhere) rather than `hypot`, whose libm
            // results differ in the last bit between targets: the browser shows the same bound
            // as the server.
            gaussian_std: (enc_std * enc_std + out_std * out_std).sqrt(),
            output_noise_std: var_out.sqrt(),
        }
    }

    /// The error bound per score for a catalog of `products` products: the deterministic
    /// terms, the flooding bound and [`TAIL_SIGMAS`] standard deviations of the Gaussian part.
    pub fn error_bound(&self, products: usize) -> f64 {
        self.error_model(products).bound()
    }
}

/// The terms of the error of one decrypted score, in score units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorModel {
    /// Worst-case rounding terms.
    pub deterministic: f64,
    /// Flooding bound F / (Df Dw) (0 without flooding).
    pub flood: f64,
    /// Standard deviation of the Gaussian part (encryption noise and output noise).
    pub gaussian_std: f64,
    /// Standard deviation of the noise at the output modulus, in units of q_0 (before scaling).
    pub output_noise_std: f64,
}

impl ErrorModel {
    /// `deterministic + flood + TAIL_SIGMAS * gaussian_std`.
    pub fn bound(&self) -> f64 {
        self.deterministic + self.flood + TAIL_SIGMAS * self.gaussian_std
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids_round_trip() {
        for p in Preset::ALL {
            assert_eq!(Preset::from_name(p.name()), Ok(p));
            assert_eq!(Preset::from_id(p.id()), Some(p));
            assert_eq!(p.to_string().parse::<Preset>(), Ok(p));
        }
        assert_eq!(Preset::default(), Preset::Exact);
        assert_eq!(Preset::from_id(0), None);
        assert_eq!(
            Preset::from_name("fast"),
            Err(Error::UnknownPreset {
                name: "fast".into()
            })
        );
    }

    #[test]
    fn presets_are_128_bit_secure_with_primes_below_2_50() {
        for p in Preset::ALL {
            let pp = p.params().unwrap();
            assert_eq!(pp.ckks().security_bits(), 128);
            for m in pp.ckks().basis().moduli() {
                assert!(m.value() < 1 << 50);
                assert_eq!(m.value() % (2 * pp.n() as u64), 1);
            }
            assert!(pp.compressed_bits() <= pp.output_basis().moduli()[0].bits());
        }
    }

    #[test]
    fn scales_leave_room_for_every_valid_score() {
        for p in Preset::ALL {
            let pp = p.params().unwrap();
            let q: f64 = pp
                .ckks()
                .basis()
                .moduli()
                .iter()
                .map(|m| m.value() as f64)
                .product();
            let top = pp.df() * pp.dw() * SCORE_BOUND + pp.flood_bound() as f64;
            assert!(top < q / 2.0 * (1.0 - 2f64.powi(-21)), "{p}");
            assert!(top > q / 2.0 * 0.99, "{p}: scale wastes room");
            // At the output: the largest score and 7 sigma of noise stay below q_0 / 2.
            let q0 = pp.output_modulus() as f64;
            let noise = TAIL_SIGMAS
                * pp.error_model(pp.products_per_ciphertext())
                    .output_noise_std;
            assert!(pp.output_scale() * SCORE_BOUND + noise < q0 / 2.0, "{p}");
        }
    }

    /// Prints the table of `docs/parameters.md` (`cargo test -p scoring preset_table -- --nocapture`)
    /// and checks each preset meets what it aims at.
    #[test]
    fn preset_table_meets_the_aims() {
        for p in Preset::ALL {
            let pp = p.params().unwrap();
            let full = pp.products_per_ciphertext();
            let m = pp.error_model(full);
            let moduli: Vec<String> = pp
                .ckks()
                .basis()
                .moduli()
                .iter()
                .map(|q| format!("{} ({} bits)", q.value(), q.bits()))
                .collect();
            println!(
                "{p}: n={} log2Q={:.2} moduli=[{}] Df=2^{:.2} Dw=2^{:.3} Delta'=2^{:.3} F=2^{:.2} t={} \
                 det={:.3e} flood={:.3e} std={:.3e} out_std={:.1} bound(5)={:.3e} bound(full)={:.3e}",
                pp.n(),
                pp.ckks().basis().log_q(),
                moduli.join(", "),
                pp.df().log2(),
                pp.dw().log2(),
                pp.output_scale().log2(),
                (pp.flood_bound() as f64).log2(),
                pp.compressed_bits(),
                m.deterministic,
                m.flood,
                m.gaussian_std,
                m.output_noise_std,
                pp.error_bound(5),
                m.bound(),
            );
            let aim = match p {
                Preset::Compact => 1e-6,
                Preset::Exact => 1e-10,
                Preset::PrivatePlus => 1e-9,
            };
            assert!(m.bound() <= aim, "{p}: bound {} above {aim}", m.bound());
        }
    }
}
