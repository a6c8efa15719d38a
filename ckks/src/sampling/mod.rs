//! Randomness for keys and encryption: the CSPRNG, the secret, error and uniform distributions,
//! and the expansion of a 32-byte seed into the public uniform polynomial `a`.
//!
//! - Secret s: uniform ternary, each coefficient -1, 0 or 1 with probability 1/3.
//! - Error e: centered binomial CBD(k) = sum_{j<k} (b_j - b'_j) for 2k independent fair bits,
//!   with k = ceil(2 sigma^2): variance k/2, so sigma = 3.2 gives k = 21, standard deviation
//!   sqrt(10.5) = 3.24 >= 3.2 and |e| <= 21 (6.5 standard deviations). Microsoft SEAL draws its
//!   default sigma = 3.2 noise the same way; NewHope and Kyber argue (Renyi divergence) that a
//!   binomial of the same variance is as good as the rounded Gaussian, and the lattice estimates
//!   behind the HomomorphicEncryption.org table depend on the standard deviation only, which is
//!   rounded up here. Unlike a table (CDT) sampler it needs no floating point, no table and no
//!   comparison: a sample is popcount(z) - k for 2k fresh random bits z (one population count,
//!   three samples per 16 random bytes at k = 21), constant time by construction.
//! - Uniform a mod q_i: rejection sampling on ceil(log2 q_i)-bit candidates (no modular bias).
//!   `a` is sampled directly in NTT form: the NTT is a bijection of (Z_q)^n, so uniform values
//!   are uniform in either form. [`uniform_ntt_from_seed`] is part of the protocol: the exact
//!   algorithm is in `docs/wire-format.md` ("Seed expansion") and pinned by known-answer tests.
//!
//! The seed-expansion PRG is AES-256 in counter mode (this crate's counter mode over the `aes`
//! crate's block cipher, which detects VAES and AES-NI at run time; constant-time bitsliced
//! software elsewhere), chosen on the measurements in `docs/benchmarks.md` ("PRG"): on the
//! server's hot path it expands 48 KiB in 6.2 us against 16 us for ChaCha8 and 36 us for
//! ChaCha20 (one session on the current host).
//!
//! # Security
//! Secrets come from [`ChaCha20Rng`] seeded by the operating system or the browser
//! ([`os_rng`]); samplers take the caller's `&mut` [`CryptoRng`] so tests can fix a seed. The
//! ternary and binomial samplers have no secret-dependent branches or memory accesses; rejection
//! decisions depend only on discarded candidates. Secret samples are returned in [`Zeroizing`]
//! buffers, and the random bytes behind them are wiped after use.

mod aes_ctr;
mod aes_rng;
#[cfg(target_arch = "x86_64")]
mod ternary_simd;

pub use aes_rng::{AesCtrRng, RNG_DOMAIN};

use std::sync::Arc;

use aes_ctr::Aes256Ctr64;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, SeedableRng};
use zeroize::{Zeroize, Zeroizing};

use crate::ring::{Modulus, Ntt, Poly, RnsBasis};
use crate::{Error, Result};

/// A 32-byte seed from which both ends expand the same public polynomial.
pub type Seed = [u8; SEED_BYTES];

/// Length of a [`Seed`] in bytes.
pub const SEED_BYTES: usize = 32;

/// Largest centered-binomial parameter k, for sigma = [`crate::params::MAX_SIGMA`] = 16.
pub const MAX_BINOMIAL_K: u32 = 512;

/// Largest k drawn from one population count of at most 64 bits; a larger k is a sum of draws
/// (CBD(a) + CBD(b) = CBD(a + b) for independent draws).
const WORD_BINOMIAL_K: u32 = 32;

/// Domain-separation tag in the first four bytes of every AES-CTR counter block of the
/// expansion of the public polynomial `a`.
pub const EXPANSION_DOMAIN_A: [u8; 4] = *b"BM-a";

/// Most candidates drawn per PRG call when filling a row; a call draws no more groups than the
/// missing values need if none is rejected. The chunk size does not change the output: the
/// stream is consumed in order and what follows the n-th accepted value is discarded.
const CANDIDATES_PER_CHUNK: usize = 512;

/// Candidates read together when filling a row (16 W bytes of stream for W-byte candidates).
const GROUP: usize = 16;

/// A ChaCha20 generator seeded with 32 bytes of operating-system (or, on wasm32, browser
/// `crypto.getRandomValues`) entropy.
///
/// # Errors
/// [`Error::Entropy`] if the system source fails.
pub fn os_rng() -> Result<ChaCha20Rng> {
    let mut seed = Zeroizing::new([0u8; SEED_BYTES]);
    getrandom::fill(seed.as_mut_slice()).map_err(|_| Error::Entropy)?;
    Ok(ChaCha20Rng::from_seed(*seed))
}

/// A fresh uniformly random seed.
pub fn fresh_seed<R: CryptoRng + ?Sized>(rng: &mut R) -> Seed {
    let mut seed = [0u8; SEED_BYTES];
    rng.fill_bytes(&mut seed);
    seed
}

/// n coefficients, each uniform in {-1, 0, 1}.
///
/// Every random byte b < 243 = 3^5 yields five base-3 digits (bytes >= 243 are rejected, so the
/// digits are exactly uniform); digit d becomes d - 1.
///
/// # Security
/// No branch depends on an accepted byte (division by the constant 3 compiles to a multiply);
/// the random bytes are wiped after use.
pub fn ternary<R: CryptoRng + ?Sized>(rng: &mut R, n: usize) -> Zeroizing<Vec<i8>> {
    let mut out = Zeroizing::new(vec![0i8; n]);
    ternary_into(rng, &mut out);
    out
}

/// Fills `out` with coefficients uniform in {-1, 0, 1}: the first `out.len()` values
/// [`ternary`] gives for the same generator state, written into the caller's buffer (which the
/// caller wipes).
pub fn ternary_into<R: CryptoRng + ?Sized>(rng: &mut R, out: &mut [i8]) {
    const TRITS_PER_BYTE: usize = 5;
    const ACCEPT_BELOW: u8 = 243;
    let n = out.len();
    // Every byte writes its five digits at the current end; only an accepted byte advances it
    // (no branch on the byte's value). The last positions take a prefix of the digits.
    let mut filled = 0usize;
    let mut bytes = Zeroizing::new([0u8; 256]);
    while filled < n {
        rng.fill_bytes(bytes.as_mut_slice());
        // Eight bytes at a time on AVX-512 while 64 bytes of `out` remain; the loop below
        // continues with the same output from the next byte.
        #[cfg(target_arch = "x86_64")]
        let (next, start) =
            ternary_simd::append_digits(bytes.as_slice(), out, filled).unwrap_or((filled, 0));
        #[cfg(not(target_arch = "x86_64"))]
        let (next, start) = (filled, 0);
        filled = next;
        for &byte in bytes.iter().skip(start) {
            if filled >= n {
                break;
            }
            let digits = trit_bytes(byte).to_le_bytes().map(|d| d as i8);
            // Eight bytes at once where they fit (the three after the five digits are
            // overwritten next), then a prefix at the end: a branch on the position, not on
            // the byte.
            if let Some(slot) = out.get_mut(filled..filled + digits.len()) {
                slot.copy_from_slice(&digits);
            } else {
                for (slot, &d) in out
                    .iter_mut()
                    .skip(filled)
                    .zip(digits.iter().take(TRITS_PER_BYTE))
                {
                    *slot = d;
                }
            }
            filled += TRITS_PER_BYTE * usize::from(byte < ACCEPT_BELOW);
        }
    }
}

/// The five base-3 digits d_i of `byte` (least significant first) as the bytes `d_i - 1`
/// (two's complement) of one word, bytes 5 to 7 zero. The digits come from independent
/// divisions by 3^i (multiplications by constants) and are assembled in a register: building
/// them in memory byte by byte and reading them back as one word stalls store forwarding.
#[inline(always)]
fn trit_bytes(byte: u8) -> u64 {
    let b = u64::from(byte);
    let (b1, b2, b3, b4) = (b / 3, b / 9, b / 27, b / 81);
    let trit = |high: u64, low: u64| (high - 3 * low).wrapping_sub(1) & 0xFF;
    trit(b, b1) | trit(b1, b2) << 8 | trit(b2, b3) << 16 | trit(b3, b4) << 24 | trit(b4, 0) << 32
}

/// A buffer of secret random bytes, wiped on drop in one bulk zeroization of its contents
/// (`Zeroizing<Vec<u8>>` wipes element by element). Its length never changes, so no copy is
/// left behind by a reallocation.
struct WipedBytes(Vec<u8>);

impl Drop for WipedBytes {
    fn drop(&mut self) {
        self.0.as_mut_slice().zeroize();
    }
}

/// The centered-binomial parameter k = ceil(2 sigma^2) for a target standard deviation sigma.
///
/// # Errors
/// [`Error::InvalidSigma`] unless sigma is finite, positive and k <= [`MAX_BINOMIAL_K`]
/// (sigma <= 16).
pub fn binomial_k(sigma: f64) -> Result<u32> {
    let max = (f64::from(MAX_BINOMIAL_K) / 2.0).sqrt();
    let k = (2.0 * sigma * sigma).ceil();
    if !(sigma.is_finite() && sigma > 0.0 && k <= f64::from(MAX_BINOMIAL_K)) {
        return Err(Error::InvalidSigma {
            sigma,
            min: 0.0,
            max,
        });
    }
    Ok(k as u32)
}

/// The standard deviation sqrt(k / 2) the error sampler actually has for a target sigma.
///
/// # Errors
/// As [`binomial_k`].
pub fn error_std_dev(sigma: f64) -> Result<f64> {
    Ok((f64::from(binomial_k(sigma)?) / 2.0).sqrt())
}

/// The largest error magnitude the sampler can produce for a target sigma (k).
///
/// # Errors
/// As [`binomial_k`].
pub fn error_bound(sigma: f64) -> Result<u64> {
    Ok(u64::from(binomial_k(sigma)?))
}

/// n error coefficients from CBD(k), k = [`binomial_k`]`(sigma)`: for sigma = 3.2, values in
/// [-21, 21] with standard deviation 3.24.
///
/// Each sample is popcount(z) - k for 2k fresh random bits z. Splitting z into halves x and y,
/// popcount(x) - popcount(y) = popcount(x) + popcount(NOT y) - k, and NOT y is as uniform as y:
/// this is CBD(k) = sum_{j<k} (b_j - b'_j) exactly (Binomial(2k, 1/2) - k).
///
/// Bit layout, for k <= 32: the random bytes are read as pairs (a, b) of little-endian 64-bit
/// words. With p = floor(32 / k) and r = 64 - 2kp, a pair gives p samples from each word (bits
/// 2ki .. 2ki + 2k - 1, i < p) and, when r >= k, one more from the top r bits of a joined with
/// the top r bits of b (a >> 2kp | (b >> 2kp) << r, low 2k bits): floor(64 / k) samples per
/// 16 bytes, 3 at k = 21 (5.33 bytes per sample). Up to 256 pairs are drawn at a time, all words
/// a first, then all words b; samples leave a draw slot by slot (i = 0 of every a, of every b,
/// i = 1, ..., the joined samples last). A larger k adds independent draws of CBD(32) and one
/// of CBD(k mod 32).
///
/// # Errors
/// As [`binomial_k`].
///
/// # Security
/// Constant time: shifts, masks and population counts only (branch-free bit arithmetic where
/// the target lacks a population-count instruction). The output is zeroized on drop and the
/// random bytes after use.
pub fn error<R: CryptoRng + ?Sized>(
    rng: &mut R,
    n: usize,
    sigma: f64,
) -> Result<Zeroizing<Vec<i64>>> {
    let mut out = Zeroizing::new(vec![0i64; n]);
    error_into(rng, &mut out, sigma)?;
    Ok(out)
}

/// Fills `out` with CBD(k) samples as [`error`] (the same values for the same generator state),
/// written into the caller's buffer, which the caller wipes.
///
/// # Errors
/// As [`binomial_k`].
pub fn error_into<R: CryptoRng + ?Sized>(rng: &mut R, out: &mut [i64], sigma: f64) -> Result<()> {
    let k = binomial_k(sigma)?;
    centered_binomial_into(rng, out, k);
    Ok(())
}

/// Fills `out` with CBD(k) for 1 <= k <= [`MAX_BINOMIAL_K`] (k is clamped into that range): one
/// draw up to k = 32, else the sum of CBD(32) draws and one CBD(k mod 32) draw.
fn centered_binomial_into<R: CryptoRng + ?Sized>(rng: &mut R, out: &mut [i64], k: u32) {
    let k = k.clamp(1, MAX_BINOMIAL_K);
    if k <= WORD_BINOMIAL_K {
        centered_binomial_word_into(rng, out, k);
        return;
    }
    out.fill(0);
    let mut draw = Zeroizing::new(vec![0i64; out.len()]);
    let (full, rest) = (k / WORD_BINOMIAL_K, k % WORD_BINOMIAL_K);
    let parts =
        core::iter::repeat_n(WORD_BINOMIAL_K, full as usize).chain((rest > 0).then_some(rest));
    for part in parts {
        centered_binomial_word_into(rng, &mut draw, part);
        for (acc, &d) in out.iter_mut().zip(draw.iter()) {
            *acc += d;
        }
    }
}

/// Fills `out` with CBD(k) for 1 <= k <= 32 (k is clamped into that range), each the
/// population count of 2k fresh random bits minus k, floor(64 / k) per 16 random bytes in the
/// layout described at [`error`].
fn centered_binomial_word_into<R: CryptoRng + ?Sized>(rng: &mut R, out: &mut [i64], k: u32) {
    const PAIRS_PER_CHUNK: usize = 256;
    let n = out.len();
    let k = k.clamp(1, WORD_BINOMIAL_K);
    let width = 2 * k;
    let mask = u64::MAX >> (u64::BITS - width);
    let per_word = u64::BITS / width;
    let shift_rest = width * per_word;
    let rest = u64::BITS - shift_rest;
    // The bits left over in both words of a pair make one more sample when 2 rest >= 2k.
    let extra = rest >= k;
    let per_pair = 2 * per_word as usize + usize::from(extra);
    let offset = i64::from(k);
    let sample = move |bits: u64| i64::from((bits & mask).count_ones()) - offset;
    let max_pairs = n.div_ceil(per_pair).min(PAIRS_PER_CHUNK);
    let mut bytes = WipedBytes(vec![0u8; 16 * max_pairs]);
    // Compiled for AVX-512 with VPOPCNTQ where the processor has it: the sample loops
    // vectorize (the output is the same).
    crate::ring::vectorized(
        #[inline(always)]
        || {
            let mut filled = 0usize;
            while filled < n {
                let pairs = (n - filled).div_ceil(per_pair).min(PAIRS_PER_CHUNK);
                let Some(chunk) = bytes.0.get_mut(..16 * pairs) else {
                    break;
                };
                rng.fill_bytes(chunk);
                let (lo, hi) = chunk.as_chunks::<8>().0.split_at(pairs);
                // Samples leave in the documented order, one segment of `pairs` samples per
                // slot and word half; the last chunk's surplus falls beyond `out` and is
                // dropped.
                let mut segment = 0usize;
                let mut next_range = || {
                    let start = (filled + segment * pairs).min(n);
                    segment += 1;
                    start..(start + pairs).min(n)
                };
                for i in 0..per_word {
                    let shift = width * i;
                    for half in [lo, hi] {
                        let dst = out.get_mut(next_range()).unwrap_or_default();
                        for (slot, w) in dst.iter_mut().zip(half) {
                            *slot = sample(u64::from_le_bytes(*w) >> shift);
                        }
                    }
                }
                if extra {
                    let dst = out.get_mut(next_range()).unwrap_or_default();
                    for (slot, (a, b)) in dst.iter_mut().zip(lo.iter().zip(hi)) {
                        let a = u64::from_le_bytes(*a) >> shift_rest;
                        let b = u64::from_le_bytes(*b) >> shift_rest;
                        *slot = sample(a | (b << rest));
                    }
                }
                filled += per_pair * pairs;
            }
        },
    );
}

/// Fills `row` with values uniform in [0, q) by rejection: each candidate is the next
/// ceil(log2 q) / 8 (rounded up) bytes of `fill`'s stream read little-endian, masked to
/// ceil(log2 q) bits, and accepted when below q.
fn fill_uniform_row(fill: impl FnMut(&mut [u8]), modulus: &Modulus, row: &mut [u64]) {
    let bits = modulus.bits();
    let mask = u64::MAX >> (u64::BITS - bits);
    let q = modulus.value();
    match bits.div_ceil(8) {
        1 => fill_row_width::<1>(fill, mask, q, row),
        2 => fill_row_width::<2>(fill, mask, q, row),
        3 => fill_row_width::<3>(fill, mask, q, row),
        4 => fill_row_width::<4>(fill, mask, q, row),
        5 => fill_row_width::<5>(fill, mask, q, row),
        6 => fill_row_width::<6>(fill, mask, q, row),
        7 => fill_row_width::<7>(fill, mask, q, row),
        _ => fill_row_width::<8>(fill, mask, q, row),
    }
}

/// [`fill_uniform_row`] for candidates of `W` bytes, read in groups of [`GROUP`] candidates
/// (16 W bytes of stream). A group is first stored whole at the next free positions and kept
/// if none of its candidates is rejected (for the moduli in use, just below a power of two,
/// almost always); otherwise, and at the end of the row, every candidate is written at the next
/// free position, which advances only when the candidate is accepted. No branch depends on the
/// value of an accepted candidate.
fn fill_row_width<const W: usize>(
    mut fill: impl FnMut(&mut [u8]),
    mask: u64,
    q: u64,
    row: &mut [u64],
) {
    let group_bytes = GROUP * W;
    // 8 bytes of slack so every candidate is one little-endian word load (masked to W bytes).
    let mut bytes = vec![0u8; W * CANDIDATES_PER_CHUNK + 8];
    let mut filled = 0usize;
    while filled < row.len() {
        // Only as many groups as the missing values need when none is rejected: the stream is
        // consumed in order, so the chunk size changes the work, not the output.
        let groups = (row.len() - filled)
            .div_ceil(GROUP)
            .min(CANDIDATES_PER_CHUNK / GROUP);
        let len = groups * group_bytes;
        if let Some(stream) = bytes.get_mut(..len) {
            fill(stream);
        }
        for start in (0..len).step_by(group_bytes) {
            let Some(group) = bytes.get(start..start + group_bytes + 8) else {
                break;
            };
            let candidate = |t: usize| {
                let word = group
                    .get(t * W..)
                    .and_then(|w| w.first_chunk::<8>())
                    .copied()
                    .unwrap_or_default();
                u64::from_le_bytes(word) & mask
            };
            // Optimistic: store the whole group, keep it if every candidate is below q
            // (v < q < 2^62 exactly when v - q wraps around, setting bit 63).
            if let Some(dst) = row.get_mut(filled..filled + GROUP) {
                let mut below = u64::MAX;
                for (t, slot) in dst.iter_mut().enumerate() {
                    let v = candidate(t);
                    *slot = v;
                    below &= v.wrapping_sub(q);
                }
                if below >> 63 == 1 {
                    filled += GROUP;
                    continue;
                }
            }
            for v in (0..GROUP).map(candidate) {
                match row.get_mut(filled) {
                    Some(slot) => *slot = v,
                    None => break,
                }
                filled += usize::from(v < q);
            }
        }
    }
}

/// The AES-256-CTR stream of `seed` for row `limb`: counter block
/// `EXPANSION_DOMAIN_A || be32(limb) || be64(block index)`.
fn expansion_stream(seed: &Seed, limb: u32) -> Aes256Ctr64 {
    let mut iv = [0u8; 16];
    let (tag, rest) = iv.split_at_mut(4);
    tag.copy_from_slice(&EXPANSION_DOMAIN_A);
    if let Some(limb_bytes) = rest.get_mut(..4) {
        limb_bytes.copy_from_slice(&limb.to_be_bytes());
    }
    Aes256Ctr64::new(seed, iv)
}

/// The public uniform polynomial `a` over `basis`, in NTT form, expanded from `seed`.
///
/// Row i (modulus q_i) reads the AES-256-CTR stream keyed by the seed with counter blocks
/// `"BM-a" || be32(i) || be64(j)`, j = 0, 1, ..., cuts it into candidates of
/// ceil(bits(q_i) / 8) little-endian bytes masked to bits(q_i) bits, and keeps, in order, the
/// first n candidates below q_i; the j-th kept value is the j-th NTT value of the row in the
/// library's evaluation order. Rows depend only on (seed, i, q_i, n): a prefix basis gives
/// the first rows of a larger one. Specified in `docs/wire-format.md`, "Seed expansion".
///
/// # Errors
/// None: every kept value is below its modulus by construction, and the rows are written in
/// place, so no check of the finished polynomial is needed.
pub fn uniform_ntt_from_seed(basis: &Arc<RnsBasis>, seed: &Seed) -> Result<Poly<Ntt>> {
    let mut a = Poly::zero(basis);
    for (limb, (row, modulus)) in a.rows_mut().zip(basis.moduli()).enumerate() {
        expand_row(seed, limb as u32, modulus, row);
    }
    Ok(a)
}

/// Row `limb` of the expansion of `seed` modulo `modulus`: [`fill_uniform_row`] over
/// [`expansion_stream`].
fn expand_row(seed: &Seed, limb: u32, modulus: &Modulus, row: &mut [u64]) {
    let mut stream = expansion_stream(seed, limb);
    fill_uniform_row(|buf| stream.fill(buf), modulus, row);
}

/// A uniform polynomial over `basis` in NTT form drawn from `rng` (same rejection rule as
/// [`uniform_ntt_from_seed`]).
///
/// # Errors
/// None (see [`uniform_ntt_from_seed`]).
pub fn uniform_ntt<R: CryptoRng + ?Sized>(rng: &mut R, basis: &Arc<RnsBasis>) -> Result<Poly<Ntt>> {
    let mut a = Poly::zero(basis);
    for (row, modulus) in a.rows_mut().zip(basis.moduli()) {
        fill_uniform_row(|buf| rng.fill_bytes(buf), modulus, row);
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{Params, ParamsSpec};
    use aes::cipher::{BlockCipherEncrypt, KeyInit};
    use rand_core::RngCore;

    fn test_rng(byte: u8) -> ChaCha20Rng {
        ChaCha20Rng::from_seed([byte; 32])
    }

    fn centered_binomial_word<R: CryptoRng + ?Sized>(rng: &mut R, n: usize, k: u32) -> Vec<i64> {
        let mut out = vec![0; n];
        centered_binomial_word_into(rng, &mut out, k);
        out
    }

    fn centered_binomial<R: CryptoRng + ?Sized>(rng: &mut R, n: usize, k: u32) -> Vec<i64> {
        let mut out = vec![0; n];
        centered_binomial_into(rng, &mut out, k);
        out
    }

    #[test]
    fn filling_a_buffer_gives_the_values_of_the_allocating_samplers() {
        for n in [1, 5, 7, 300, 4096] {
            let whole = ternary(&mut test_rng(3), n + 9);
            let mut part = vec![7i8; n];
            ternary_into(&mut test_rng(3), &mut part);
            assert_eq!(&part[..], &whole[..n], "ternary, n = {n}");
            let whole = error(&mut test_rng(4), n, 3.2).unwrap();
            let mut part = vec![99i64; n];
            error_into(&mut test_rng(4), &mut part, 3.2).unwrap();
            assert_eq!(&part[..], &whole[..], "error, n = {n}");
        }
        // Beyond one chunk of draws, and with k > 32 (a sum of draws).
        let mut a = vec![0i64; 3000];
        error_into(&mut test_rng(5), &mut a, 5.0).unwrap();
        assert!(a.iter().all(|v| v.abs() <= 50) && a.iter().any(|&v| v != 0));
        assert_eq!(&a[..], &error(&mut test_rng(5), 3000, 5.0).unwrap()[..]);
    }

    #[test]
    fn os_rng_produces_distinct_streams() {
        let mut a = os_rng().unwrap();
        let mut b = os_rng().unwrap();
        assert_ne!(fresh_seed(&mut a), fresh_seed(&mut b));
    }

    #[test]
    fn ternary_values_are_in_range_and_balanced() {
        let n = 30_000;
        let s = ternary(&mut test_rng(1), n);
        assert_eq!(s.len(), n);
        let mut counts = [0usize; 3];
        for &v in s.iter() {
            assert!((-1..=1).contains(&v));
            counts[(v + 1) as usize] += 1;
        }
        // Each count is Binomial(n, 1/3): mean 10,000, sd 81.6; 6 sd = 490.
        for c in counts {
            assert!(c.abs_diff(n / 3) < 490, "{counts:?}");
        }
    }

    #[test]
    fn ternary_follows_the_base_3_digits_of_the_accepted_bytes() {
        // Reference: each byte below 243 gives its five base-3 digits (least significant
        // first) minus one, in stream order; bytes are drawn 256 at a time.
        for n in [1, 4, 5, 6, 1024, 4096] {
            let got = ternary(&mut test_rng(9), n);
            let mut rng = test_rng(9);
            let mut want = Vec::new();
            while want.len() < n {
                let mut bytes = [0u8; 256];
                rng.fill_bytes(&mut bytes);
                for &byte in bytes.iter().filter(|&&b| b < 243) {
                    let mut b = byte;
                    for _ in 0..5 {
                        want.push((b % 3) as i8 - 1);
                        b /= 3;
                    }
                }
            }
            want.truncate(n);
            assert_eq!(*got, want, "n = {n}");
        }
    }

    #[test]
    fn ternary_differs_between_seeds_and_repeats_for_one_seed() {
        let a = ternary(&mut test_rng(2), 64);
        let b = ternary(&mut test_rng(2), 64);
        let c = ternary(&mut test_rng(3), 64);
        assert_eq!(*a, *b);
        assert_ne!(*a, *c);
    }

    #[test]
    fn binomial_k_for_standard_sigma_is_21() {
        assert_eq!(binomial_k(3.2).unwrap(), 21);
        assert_eq!(error_bound(3.2).unwrap(), 21);
        assert!((error_std_dev(3.2).unwrap() - 10.5f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn binomial_k_rejects_bad_sigma() {
        for sigma in [0.0, -1.0, f64::NAN, f64::INFINITY, 16.01] {
            assert!(
                matches!(binomial_k(sigma), Err(Error::InvalidSigma { .. })),
                "{sigma}"
            );
        }
        assert_eq!(binomial_k(16.0).unwrap(), 512);
    }

    #[test]
    fn error_has_the_binomial_moments_and_bound() {
        let n = 200_000;
        let e = error(&mut test_rng(4), n, 3.2).unwrap();
        assert_eq!(e.len(), n);
        assert!(e.iter().all(|v| v.abs() <= 21));
        let mean = e.iter().sum::<i64>() as f64 / n as f64;
        let var = e.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n as f64;
        // Mean: sd of the sample mean is sqrt(10.5 / n) = 0.0072; 6 sd = 0.044.
        assert!(mean.abs() < 0.044, "mean {mean}");
        // Variance 10.5; the sample variance has sd ~ sqrt(2 * 10.5^2 / n) = 0.033; 6 sd = 0.2.
        assert!((var - 10.5).abs() < 0.2, "variance {var}");
        // The extremes are reachable but rare: P(|e| >= 15) ~ 1e-5, so some land within [12, 21].
        assert!(e.iter().any(|v| v.abs() >= 12));
    }

    #[test]
    fn wide_binomial_sums_words_to_the_right_variance() {
        // sigma = 6: k = 72 = 32 + 32 + 8, variance 36; sample variance sd ~ 36 sqrt(2 / n).
        let n = 100_000;
        let e = error(&mut test_rng(8), n, 6.0).unwrap();
        assert!(e.iter().all(|v| v.abs() <= 72));
        let var = e.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / n as f64;
        assert!(
            (var - 36.0).abs() < 6.0 * 36.0 * (2.0 / n as f64).sqrt(),
            "variance {var}"
        );
    }

    /// A generator repeating a fixed 16-byte pattern: drives the sampler's bit layout in tests.
    struct PatternRng([u8; 16], usize);

    impl RngCore for PatternRng {
        fn next_u32(&mut self) -> u32 {
            let mut b = [0u8; 4];
            self.fill_bytes(&mut b);
            u32::from_le_bytes(b)
        }

        fn next_u64(&mut self) -> u64 {
            let mut b = [0u8; 8];
            self.fill_bytes(&mut b);
            u64::from_le_bytes(b)
        }

        fn fill_bytes(&mut self, dst: &mut [u8]) {
            for byte in dst {
                *byte = self.0[self.1 % 16];
                self.1 += 1;
            }
        }
    }

    impl CryptoRng for PatternRng {}

    #[test]
    fn binomial_draw_reads_2k_distinct_bits_per_sample() {
        // One pair of words (16 bytes) gives floor(64 / k) samples. Setting one bit at a time
        // raises at most one sample by one; every sample is raised by exactly 2k of the 128
        // bits, so the samples read disjoint sets of 2k bits each (independent, each CBD(k)).
        for k in 1..=WORD_BINOMIAL_K {
            let per_pair = (64 / k) as usize;
            let low = -i64::from(k);
            let mut bits_read = vec![0u32; per_pair];
            for bit in 0..128 {
                let mut pattern = [0u8; 16];
                pattern[bit / 8] = 1 << (bit % 8);
                let e = centered_binomial_word(&mut PatternRng(pattern, 0), per_pair, k);
                assert_eq!(e.len(), per_pair);
                let raised: Vec<usize> = (0..per_pair).filter(|&i| e[i] != low).collect();
                assert!(raised.len() <= 1, "k = {k}, bit {bit}: {:?}", e);
                for i in raised {
                    assert_eq!(e[i], low + 1);
                    bits_read[i] += 1;
                }
            }
            assert!(
                bits_read.iter().all(|&b| b == 2 * k),
                "k = {k}: {bits_read:?}"
            );
            // All bits set: every sample is k, across several pairs and a partial last one.
            let e = centered_binomial_word(&mut PatternRng([0xff; 16], 0), 3 * per_pair + 1, k);
            assert!(e.iter().all(|&v| v == i64::from(k)), "k = {k}");
        }
    }

    /// P(CBD(k) = j) = C(2k, k + j) / 2^(2k) for j = -k..=k (index j + k).
    fn cbd_pmf(k: u32) -> Vec<f64> {
        let two_k = 2 * k as usize;
        let mut c = 1f64;
        (0..=two_k)
            .map(|i| {
                let p = c / 2f64.powi(two_k as i32);
                c = c * (two_k - i) as f64 / (i + 1) as f64;
                p
            })
            .collect()
    }

    /// Pearson's chi-square statistic of `samples` against CBD(k), the values beyond +-`tail`
    /// merged into the two end bins; returns it with its degrees of freedom.
    fn chi_square_against_cbd(samples: &[i64], k: u32, tail: i64) -> (f64, usize) {
        let bin = |v: i64| (v.clamp(-tail, tail) + tail) as usize;
        let mut expected = vec![0f64; 2 * tail as usize + 1];
        for (j, p) in (-i64::from(k)..).zip(cbd_pmf(k)) {
            expected[bin(j)] += p * samples.len() as f64;
        }
        let mut observed = vec![0f64; expected.len()];
        for &v in samples {
            observed[bin(v)] += 1.0;
        }
        let chi = observed
            .iter()
            .zip(&expected)
            .map(|(o, e)| (o - e).powi(2) / e)
            .sum();
        (chi, expected.len() - 1)
    }

    #[test]
    fn error_frequencies_match_the_binomial_pmf() {
        // 200,000 samples of CBD(21) in 25 bins (-12..=12, tails merged; the smallest expected
        // count is 27): 24 degrees of freedom, so the statistic has mean 24 and sd 6.9, and
        // P(chi2 > 60) = 6e-5. CBD(20) or CBD(22) in its place adds about 230 on average, a
        // shift by one about 20,000.
        let n = 200_000;
        let e = error(&mut AesCtrRng::from_seed([12; 32]), n, 3.2).unwrap();
        let (chi, dof) = chi_square_against_cbd(&e, 21, 12);
        assert_eq!(dof, 24);
        assert!(chi < 60.0, "CBD(21): chi2 = {chi}");
        for wrong in [20, 22] {
            let e = centered_binomial(&mut AesCtrRng::from_seed([13; 32]), n, wrong);
            let (chi, _) = chi_square_against_cbd(&e, 21, 12);
            assert!(chi > 60.0, "CBD({wrong}) passed as CBD(21): chi2 = {chi}");
        }
        let shifted: Vec<i64> = e.iter().map(|v| v + 1).collect();
        assert!(chi_square_against_cbd(&shifted, 21, 12).0 > 60.0);
    }

    #[test]
    fn every_k_has_the_binomial_frequencies() {
        // Each k of one draw (every bit layout) and sums of draws, 50,000 samples each, bins
        // with an expected count of at least 20: the statistic stays below dof + 7 sd
        // (sd = sqrt(2 dof)), which a sound sampler exceeds with probability below 1e-3.
        let n = 50_000;
        for k in (1..=WORD_BINOMIAL_K).chain([33, 40, 64, 72]) {
            let e = centered_binomial(&mut AesCtrRng::from_seed([k as u8; 32]), n, k);
            let kk = i64::from(k);
            assert!(e.iter().all(|v| v.abs() <= kk), "k = {k}");
            // The largest tail whose end bins still expect 20 samples or more.
            let pmf = cbd_pmf(k);
            let tail = (1..=kk)
                .rev()
                .find(|&t| pmf[(t + kk) as usize..].iter().sum::<f64>() * n as f64 >= 20.0)
                .unwrap_or(1);
            let (chi, dof) = chi_square_against_cbd(&e, k, tail);
            let bound = dof as f64 + 7.0 * (2.0 * dof as f64).sqrt();
            assert!(chi < bound, "k = {k}: chi2 = {chi} over {dof} dof");
        }
    }

    #[test]
    fn centered_binomial_k1_gives_minus_one_zero_one() {
        let e = centered_binomial(&mut test_rng(5), 4000, 1);
        let mut seen = [false; 3];
        for &v in e.iter() {
            assert!((-1..=1).contains(&v));
            seen[(v + 1) as usize] = true;
        }
        assert_eq!(seen, [true; 3]);
    }

    fn basis_4096() -> Arc<RnsBasis> {
        // The two largest 42-bit primes = 1 mod 8192 (as `ntt_primes(42, 4096, 2, &[])`).
        RnsBasis::new(4096, &[4_398_046_486_529, 4_398_046_240_769]).unwrap()
    }

    #[test]
    fn uniform_rows_are_below_their_moduli_and_spread() {
        let basis = basis_4096();
        let a = uniform_ntt(&mut test_rng(6), &basis).unwrap();
        for (row, m) in a.rows().zip(basis.moduli()) {
            let q = m.value();
            assert!(row.iter().all(|&v| v < q));
            // Mean of n uniform values: q/2 with sd q / sqrt(12 n) = 0.0045 q; 6 sd = 0.027 q.
            let mean = row.iter().map(|&v| v as f64).sum::<f64>() / row.len() as f64;
            assert!((mean / q as f64 - 0.5).abs() < 0.027);
        }
    }

    #[test]
    fn uniform_rejection_has_no_modular_bias() {
        // q = 300 has 9 bits: candidates below 512, 212 of 512 rejected. Reducing candidates
        // mod q instead would put 424/512 = 0.83 of the mass below 212; uniform puts 212/300 =
        // 0.707 there. With 6000 draws the count below 212 has sd sqrt(6000 * 0.707 * 0.293) =
        // 35, and the two hypotheses are 726 apart: accept within 6 sd of 4240.
        let m = Modulus::new(300).unwrap();
        let mut row = vec![0u64; 6000];
        let mut rng = test_rng(7);
        fill_uniform_row(
            |b| rand_core::RngCore::fill_bytes(&mut rng, b),
            &m,
            &mut row,
        );
        assert!(row.iter().all(|&v| v < 300));
        let below = row.iter().filter(|&&v| v < 212).count();
        assert!(below.abs_diff(4240) < 210, "{below} values below 212");
    }

    #[test]
    fn seed_expansion_is_deterministic_and_seed_dependent() {
        let basis = basis_4096();
        let a = uniform_ntt_from_seed(&basis, &[9; 32]).unwrap();
        let b = uniform_ntt_from_seed(&basis, &[9; 32]).unwrap();
        let c = uniform_ntt_from_seed(&basis, &[10; 32]).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a.row(0), a.row(1));
    }

    #[test]
    fn seed_expansion_of_a_prefix_basis_is_the_first_rows() {
        let basis = basis_4096();
        let full = uniform_ntt_from_seed(&basis, &[11; 32]).unwrap();
        let low = uniform_ntt_from_seed(&basis.prefix(1).unwrap(), &[11; 32]).unwrap();
        assert_eq!(low.row(0), full.row(0));
    }

    #[test]
    fn seed_expansion_follows_the_documented_aes_ctr_stream() {
        // Recompute the first candidates of row 1 from single AES-256 block encryptions of
        // "BM-a" || be32(1) || be64(j), 6 little-endian bytes each, masked to 42 bits.
        let basis = basis_4096();
        let seed: Seed = core::array::from_fn(|i| i as u8);
        let a = uniform_ntt_from_seed(&basis, &seed).unwrap();
        let cipher = aes::Aes256::new(&seed.into());
        let mut stream = Vec::new();
        for j in 0u64..3 {
            let mut block = [0u8; 16];
            block[..4].copy_from_slice(b"BM-a");
            block[4..8].copy_from_slice(&1u32.to_be_bytes());
            block[8..].copy_from_slice(&j.to_be_bytes());
            let mut block = aes::Block::from(block);
            cipher.encrypt_block(&mut block);
            stream.extend_from_slice(&block);
        }
        let q = basis.moduli()[1].value();
        let expected: Vec<u64> = stream
            .chunks_exact(6)
            .map(|c| {
                let mut w = [0u8; 8];
                w[..6].copy_from_slice(c);
                u64::from_le_bytes(w) & ((1 << 42) - 1)
            })
            .filter(|&v| v < q)
            .take(8)
            .collect();
        assert_eq!(expected.len(), 8);
        assert_eq!(&a.row(1).unwrap()[..8], expected.as_slice());
    }

    /// Row `limb` of the seed expansion computed literally from `docs/wire-format.md` ("Seed
    /// expansion"): one AES-256 block per counter value, candidates cut one at a time.
    fn reference_row(seed: &Seed, limb: u32, q: u64, n: usize) -> Vec<u64> {
        let bits = Modulus::new(q).unwrap().bits();
        let width = bits.div_ceil(8) as usize;
        let mask = u64::MAX >> (64 - bits);
        let cipher = aes::Aes256::new(&(*seed).into());
        let mut stream = std::collections::VecDeque::new();
        let mut counter = 0u64;
        let mut row = Vec::with_capacity(n);
        while row.len() < n {
            while stream.len() < width {
                let mut block = [0u8; 16];
                block[..4].copy_from_slice(&EXPANSION_DOMAIN_A);
                block[4..8].copy_from_slice(&limb.to_be_bytes());
                block[8..].copy_from_slice(&counter.to_be_bytes());
                let mut block = block.into();
                cipher.encrypt_block(&mut block);
                stream.extend(block);
                counter += 1;
            }
            let mut word = [0u8; 8];
            for byte in &mut word[..width] {
                *byte = stream.pop_front().unwrap();
            }
            let candidate = u64::from_le_bytes(word) & mask;
            if candidate < q {
                row.push(candidate);
            }
        }
        row
    }

    #[test]
    fn seed_expansion_rows_match_the_specification_for_every_width() {
        // Moduli of 1 to 62 bits: just below a power of two (almost no rejection), just above
        // one (almost half the candidates rejected) and in between; row lengths that are not
        // multiples of the extraction group.
        let moduli = [
            2,
            3,
            129,
            255,
            300,
            40_961,
            65_535,
            (1 << 20) + 7,
            (1 << 24) - 3,
            (1 << 31) + 11,
            (1 << 32) - 5,
            (1 << 39) + 1,
            4_398_046_486_529,
            (1 << 45) - 139_263,
            (1 << 49) + 3,
            (1 << 50) - 27,
            (1 << 56) + 1,
            (1 << 61) - 1,
            (1 << 61) + 1,
            (1 << 62) - 57,
        ];
        let seed: Seed = core::array::from_fn(|i| (7 * i + 3) as u8);
        for (limb, &q) in moduli.iter().enumerate() {
            let modulus = Modulus::new(q).unwrap();
            for n in [1, 15, 17, 1000, 4096] {
                let mut row = vec![0u64; n];
                expand_row(&seed, limb as u32, &modulus, &mut row);
                assert_eq!(
                    row,
                    reference_row(&seed, limb as u32, q, n),
                    "q = {q}, n = {n}"
                );
            }
        }
    }

    #[test]
    fn seed_expansion_of_production_bases_matches_the_specification() {
        // The 42-bit pair and the `exact` preset's primes of 50 and 45 bits (n = 4096).
        let exact = Params::new(ParamsSpec::with_prime_bits(12, &[50, 45], &[]).unwrap()).unwrap();
        for basis in [basis_4096(), exact.basis().clone()] {
            for seed in [[0u8; 32], [0xa5; 32]] {
                let a = uniform_ntt_from_seed(&basis, &seed).unwrap();
                for (limb, (row, m)) in a.rows().zip(basis.moduli()).enumerate() {
                    assert_eq!(row, reference_row(&seed, limb as u32, m.value(), 4096));
                }
            }
        }
    }

    /// Known answer: seed 00 01 .. 1f over n = 4096, q = (4398046486529, 4398046240769). The NTT
    /// values pin the PRG, byte order and rejection rule; the coefficients (after the inverse
    /// NTT) also pin the evaluation order. Both ends of the protocol must reproduce these.
    #[test]
    fn seed_expansion_known_answer() {
        let basis = basis_4096();
        let seed: Seed = core::array::from_fn(|i| i as u8);
        let a = uniform_ntt_from_seed(&basis, &seed).unwrap();
        assert_eq!(
            a.row(0).unwrap()[..4],
            [
                119_584_814_930,
                1_000_508_204_901,
                1_099_325_104_790,
                342_186_543_124
            ]
        );
        assert_eq!(
            a.row(1).unwrap()[..4],
            [
                1_137_400_613_265,
                4_033_558_938_689,
                482_231_079_158,
                918_393_420_627
            ]
        );
        let c = a.to_coeff();
        assert_eq!(
            c.row(0).unwrap()[..4],
            [
                3_776_137_255_729,
                4_360_959_076_111,
                2_006_963_583_537,
                896_014_413_488
            ]
        );
        assert_eq!(
            c.row(1).unwrap()[..4],
            [
                1_890_962_616_829,
                316_246_405_704,
                554_118_768_572,
                17_954_821_865
            ]
        );
    }
}
