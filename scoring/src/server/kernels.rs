//! Arithmetic kernels of the server's hot path, on RNS rows (row i mod q_i).
//!
//! - small signed values (errors e) added to residue rows without division;
//! - the rescale of a few target values, the residues of large integral f64 biases, the uniform
//!   flooding sampler.
//!
//! # Security
//! Variable time is fine here: the server handles its own randomness and public data only; the
//! sampled u and e are wiped by their owners ([`zeroize::Zeroizing`]).

use ckks::ring::{Modulus, RnsBasis};
use rand_core::CryptoRng;

use crate::error::Result;

/// The rescale of `c1` from Q = q_0 q_1 to q_0 and its compression to t bits in one pass.
///
/// The rescale is `(x_0 - c) q_1^-1 mod q_0` with `c = [x_1]_(q_1)` centered, and compression
/// takes `round(2^t y / q_0) mod 2^t` of the result y. With `z = x_0 - c + q_1 e + q_0` (e the
/// small value added after the rescale, `q_1 e` being e before it; z is a positive integer below
/// `3 q_0 < 2^52` for `(|e| + 1/2) q_1 < q_0`), `y = z q_1^-1 mod q_0`, and the compression is
/// rounded exactly: `2^t y / q_0` is never a tie (q_0 is odd) but can lie as close as
/// `1 / (2 q_0)` to one, so the scalar path divides exactly in 128-bit integers (a 128-bit
/// fixed-point product `z round(2^128 q_1^-1 / q_0)` would be off by up to 2^-30 there and round
/// about one value in 2^29 the wrong way).
///
/// On processors with AVX-512 IFMA the same exactly rounded values come from 52-bit
/// arithmetic, eight lanes at a time, without reducing y: `2^t y / q_0 = 2^t frac(z q_1^-1 /
/// q_0)`, read from the fraction bits 104..156 (U) of `z K` with the 156-bit constant
/// `K = floor(2^156 (q_1^-1 mod q_0) / q_0)` in three 52-bit limbs (five IFMA products). `z K`
/// is below `2^156 frac` by less than z < 2^52 units of 2^-156, 2^-57 of an output unit, while
/// `2^t y / q_0` is at least `1 / (2 q_0) > 2^-51` from a tie, so rounding the computed value
/// gives the exact result: `(U + 2^(51 - t)) >> (52 - t)` (the bits below U cannot carry the
/// sum across a multiple of `2^(52 - t)`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FusedRescaleCompress {
    q1: Modulus,
    /// `q_0`, keeping z positive.
    offset: u64,
    /// `q_1^-1 mod q_0`.
    inv: u64,
    bits: u32,
    #[cfg(target_arch = "x86_64")]
    ifma: Option<IfmaConstants>,
}

/// The constant of the IFMA path, `K` in 52-bit limbs (least significant first), with the
/// CPU-feature token.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
struct IfmaConstants {
    simd: ckks::ring::simd::Ifma,
    k: [u64; 3],
}

impl FusedRescaleCompress {
    /// The constants for `q_1 < q_0 < 2^50`, `1 <= bits <= 50` with `2^bits < q_0`, and values
    /// added after the rescale of magnitude at most `max_post` with `(max_post + 1/2) q_1 < q_0`;
    /// else `None`.
    pub(crate) fn new(q0: &Modulus, q1: &Modulus, bits: u32, max_post: u64) -> Option<Self> {
        let fits = q1.value() < q0.value()
            && q0.value() < 1 << 50
            && (1..=50).contains(&bits)
            && (1u64 << bits) < q0.value()
            && u128::from(max_post)
                .checked_mul(2)
                .map(|m| (m + 1) * u128::from(q1.value()) < 2 * u128::from(q0.value()))
                == Some(true);
        if !fits {
            return None;
        }
        let inv = q0.inv(q1.value() % q0.value())?;
        Some(Self {
            q1: *q1,
            offset: q0.value(),
            inv,
            bits,
            #[cfg(target_arch = "x86_64")]
            ifma: ckks::ring::simd::Ifma::try_new().map(|simd| IfmaConstants {
                simd,
                k: fraction_limbs(inv, q0.value()),
            }),
        })
    }

    /// As [`FusedRescaleCompress::new`], on the scalar path only (tests compare the two).
    #[cfg(all(test, target_arch = "x86_64"))]
    fn scalar_only(mut self) -> Self {
        self.ifma = None;
        self
    }

    /// The compressed rescale of the coefficient rows `low` (mod q_0) and `high` (mod q_1),
    /// plus the small values `post` (within the constructor's bound) added after the rescale,
    /// if any, into `out` (as many values as the shortest of the slices).
    pub(crate) fn apply(&self, low: &[u64], high: &[u64], post: Option<&[i64]>, out: &mut [u64]) {
        let len = out.len().min(low.len()).min(high.len());
        let len = post.map_or(len, |e| len.min(e.len()));
        let (Some(out), Some(low), Some(high)) =
            (out.get_mut(..len), low.get(..len), high.get(..len))
        else {
            return;
        };
        let post = post.and_then(|e| e.get(..len));
        #[cfg(target_arch = "x86_64")]
        let done = self.ifma.map_or(0, |c| {
            self.apply_ifma(&c, low, high, post, Sink::Values(out))
        });
        #[cfg(not(target_arch = "x86_64"))]
        let done = 0;
        let (Some(out), Some(low), Some(high)) =
            (out.get_mut(done..), low.get(done..), high.get(done..))
        else {
            return;
        };
        self.apply_scalar(low, high, post.and_then(|e| e.get(done..)), out);
    }

    fn apply_scalar(&self, low: &[u64], high: &[u64], post: Option<&[i64]>, out: &mut [u64]) {
        let q1 = self.q1.value() as i64;
        let q0 = u128::from(self.offset);
        let mask = (1u64 << self.bits) - 1;
        let compress = |x0: u64, x1: u64, e: i64| {
            let z = (x0 as i64 - self.q1.center(x1) + e * q1 + self.offset as i64) as u64;
            let y = u128::from(z) * u128::from(self.inv) % q0;
            ((((y << (self.bits + 1)) + q0) / (2 * q0)) as u64) & mask
        };
        match post {
            Some(e) => {
                for (((y, &x0), &x1), &v) in out.iter_mut().zip(low).zip(high).zip(e) {
                    *y = compress(x0, x1, v);
                }
            }
            None => {
                for ((y, &x0), &x1) in out.iter_mut().zip(low).zip(high) {
                    *y = compress(x0, x1, 0);
                }
            }
        }
    }

    /// The IFMA path on the leading multiple of 8 values (all slices of one length); returns
    /// how many values it wrote.
    #[cfg(target_arch = "x86_64")]
    fn apply_ifma(
        &self,
        c: &IfmaConstants,
        low: &[u64],
        high: &[u64],
        post: Option<&[i64]>,
        mut sink: Sink<'_>,
    ) -> usize {
        use core::arch::x86_64::__m512i;
        let zeros = [0i64; 8];
        let simd = c.simd;
        simd.vectorize(
            #[inline(always)]
            || {
                let (f, ifma) = (simd.avx512f, simd.avx512ifma);
                let splat = |v: u64| f._mm512_set1_epi64(v as i64);
                let q1 = splat(self.q1.value());
                let (half1, offset) = (splat(self.q1.value() / 2), splat(self.offset));
                let [k0, k1, k2] = c.k.map(splat);
                let half = splat(1 << (51 - self.bits));
                let mask_t = splat((1 << self.bits) - 1);
                let shift = splat(u64::from(52 - self.bits));
                let zero = f._mm512_setzero_si512();
                let (low8, _) = low.as_chunks::<8>();
                let (high8, _) = high.as_chunks::<8>();
                let e8 = post.map(|e| e.as_chunks::<8>().0);
                let groups = match &mut sink {
                    Sink::Values(out) => out.as_chunks_mut::<8>().0.len(),
                    Sink::Packed(..) => low8.len(),
                };
                let tables = match &sink {
                    Sink::Packed(_, packer) => Some(packer.tables(f)),
                    Sink::Values(_) => None,
                };
                for (i, (x0, x1)) in low8.iter().zip(high8).enumerate().take(groups) {
                    let x0: __m512i = pulp::cast(*x0);
                    let x1: __m512i = pulp::cast(*x1);
                    let e: __m512i = pulp::cast(*e8.and_then(|e| e.get(i)).unwrap_or(&zeros));
                    // z = x0 + q0 - [x1] + e q1, in (0, 2^52).
                    let above = f._mm512_cmpgt_epu64_mask(x1, half1);
                    let z = f._mm512_sub_epi64(f._mm512_add_epi64(x0, offset), x1);
                    let z = f._mm512_mask_add_epi64(z, above, z, q1);
                    // + e q1, exact mod 2^52, all the IFMA products below read of z.
                    let z = ifma._mm512_madd52lo_epu64(z, e, q1);
                    // U = bits 104..156 of z K: hi(z k0) + z k1 + 2^52 z k2, carried.
                    let middle =
                        ifma._mm512_madd52lo_epu64(ifma._mm512_madd52hi_epu64(zero, z, k0), z, k1);
                    let carry = f._mm512_srli_epi64::<52>(middle);
                    let u = ifma._mm512_madd52hi_epu64(carry, z, k1);
                    let u = ifma._mm512_madd52lo_epu64(u, z, k2);
                    // round: (U + 2^(51 - t)) >> (52 - t), U taken mod 2^52.
                    let rounded = f._mm512_srlv_epi64(f._mm512_add_epi64(u, half), shift);
                    let result = f._mm512_and_si512(rounded, mask_t);
                    match (&mut sink, &tables) {
                        (Sink::Packed(dst, _), Some(tables)) => tables.store(f, result, dst, i),
                        (Sink::Values(out), _) => {
                            if let Some(dst) = out.as_chunks_mut::<8>().0.get_mut(i) {
                                *dst = pulp::cast(result);
                            }
                        }
                        (Sink::Packed(..), None) => {}
                    }
                }
                8 * groups.min(low8.len()).min(high8.len())
            },
        )
    }

    /// [`FusedRescaleCompress::apply`], packed into `out` (`packed_len(n, 2^t)` bytes, n the
    /// length of `low` and `high`) through `values` (n values of scratch). On AVX-512 IFMA the
    /// compressed values go from registers straight into the packed bytes.
    ///
    /// # Errors
    /// The packer's errors (a wrong length of `out`).
    pub(crate) fn apply_packed(
        &self,
        (low, high): (&[u64], &[u64]),
        post: Option<&[i64]>,
        values: &mut [u64],
        out: &mut [u8],
    ) -> Result<()> {
        let n = low.len();
        #[cfg(target_arch = "x86_64")]
        if let (Some(c), Some(packer)) = (&self.ifma, ckks::wire::GroupPacker::for_bits(self.bits))
            && n.is_multiple_of(8)
            && high.len() == n
            && post.is_none_or(|e| e.len() == n)
            && out.len() == n / 8 * self.bits as usize
        {
            let done = self.apply_ifma(c, low, high, post, Sink::Packed(out, packer));
            debug_assert_eq!(done, n);
            return Ok(());
        }
        let found = values.len();
        let values = values.get_mut(..n).ok_or(ckks::Error::LengthMismatch {
            what: "compressed values",
            expected: n,
            found,
        })?;
        self.apply(low, high, post, values);
        ckks::wire::bitpack::pack_into(out, values, 1 << self.bits)?;
        Ok(())
    }
}

/// `floor(2^156 inv / q)` for `inv < q < 2^50`, in three 52-bit limbs (least significant first):
/// long division, one limb at a time.
#[cfg(target_arch = "x86_64")]
fn fraction_limbs(inv: u64, q: u64) -> [u64; 3] {
    let (q, mut rest) = (u128::from(q), u128::from(inv));
    let mut limbs = [0u64; 3];
    for limb in limbs.iter_mut().rev() {
        let shifted = rest << 52;
        *limb = (shifted / q) as u64;
        rest = shifted % q;
    }
    limbs
}

/// The targets of one block finished on AVX-512 IFMA for two primes q_1 < q_0 < 2^50: the bias
/// and `F_r e0` added to each row, then the rescale to q_0, eight targets per step:
/// `y = (x_0 - [x_1]_(q_1)) q_1^-1 mod q_0`, exactly [`rescale_values`] after the scalar
/// additions of `add_target_noise`.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct TargetRescale {
    simd: ckks::ring::simd::Ifma,
    q: [u64; 2],
    /// `F_r` and its 52-bit Shoup constant per row (`F_r = 0` on a row without the key).
    factor: [[u64; 2]; 2],
    /// `q_1^-1 mod q_0` and its 52-bit Shoup constant.
    inv: [u64; 2],
}

#[cfg(target_arch = "x86_64")]
impl TargetRescale {
    /// For `moduli = [q_0, q_1]` with q_1 < q_0 < 2^50 and the key factors of the rows (one or
    /// two), or `None` (other bases, or no IFMA).
    pub(crate) fn new(moduli: &[Modulus], key_factors: &[u64]) -> Option<Self> {
        let simd = ckks::ring::simd::Ifma::try_new()?;
        let [m0, m1] = moduli else { return None };
        let (q0, q1) = (m0.value(), m1.value());
        if !(q1 < q0 && q0 < 1 << 50) || key_factors.len() > 2 {
            return None;
        }
        let shoup52 = |w: u64, q: u64| ((u128::from(w) << 52) / u128::from(q)) as u64;
        let factor = |r: usize, q: u64| {
            let f = key_factors.get(r).copied().unwrap_or(0);
            [f, shoup52(f, q)]
        };
        let inv = m0.inv(q1 % q0)?;
        Some(Self {
            simd,
            q: [q0, q1],
            factor: [factor(0, q0), factor(1, q1)],
            inv: [inv, shoup52(inv, q0)],
        })
    }

    /// The rescaled targets from the rows `x = (row 0, row 1)` of `count` values each, the bias
    /// rows and e0 (|e0| < q_1); `None` unless every slice has `count` values.
    pub(crate) fn apply(
        &self,
        x: (&[u64], &[u64]),
        bias: (&[u64], &[u64]),
        e0: &[i64],
    ) -> Option<Vec<u64>> {
        let count = x.0.len();
        if [x.1.len(), bias.0.len(), bias.1.len(), e0.len()]
            .iter()
            .any(|&len| len != count)
        {
            return None;
        }
        let mut out = vec![0u64; count];
        let done = self.simd.vectorize(TargetTask {
            kernel: self,
            x,
            bias,
            e0,
            out: &mut out,
        });
        // The last count mod 8 targets: the same arithmetic, one lane at a time.
        for j in done..count {
            let lane = |v: &[u64]| v.get(j).copied().unwrap_or(0);
            let e = e0.get(j).copied().unwrap_or(0);
            let value = self.scalar([lane(x.0), lane(x.1)], [lane(bias.0), lane(bias.1)], e);
            if let Some(slot) = out.get_mut(j) {
                *slot = value;
            }
        }
        Some(out)
    }

    /// One target, scalar.
    fn scalar(&self, [x0, x1]: [u64; 2], [b0, b1]: [u64; 2], e: i64) -> u64 {
        let [q0, q1] = self.q;
        let add = |a: u64, b: u64, q: u64| (a + b).min((a + b).wrapping_sub(q));
        let noisy = |x: u64, b: u64, [f, _]: [u64; 2], q: u64| {
            let e_mod = (e as u64).wrapping_add(q & ((e >> 63) as u64));
            let fe = (u128::from(e_mod) * u128::from(f) % u128::from(q)) as u64;
            add(add(x, b, q), fe, q)
        };
        let [f0, f1] = self.factor;
        let (x0, x1) = (noisy(x0, b0, f0, q0), noisy(x1, b1, f1, q1));
        let c = if x1 > q1 / 2 {
            x1 as i128 - q1 as i128
        } else {
            x1 as i128
        };
        let z = (i128::from(x0) - c).rem_euclid(i128::from(q0)) as u128;
        (z * u128::from(self.inv[0]) % u128::from(q0)) as u64
    }
}

/// `a + b mod q` for a, b in [0, q).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn add_mod(
    simd: ckks::ring::simd::Ifma,
    a: core::arch::x86_64::__m512i,
    b: core::arch::x86_64::__m512i,
    q: core::arch::x86_64::__m512i,
) -> core::arch::x86_64::__m512i {
    let f = simd.avx512f;
    let s = f._mm512_add_epi64(a, b);
    f._mm512_min_epu64(s, f._mm512_sub_epi64(s, q))
}

/// The vectorized region of [`TargetRescale::apply`] (a task type, so that it is inlined).
#[cfg(target_arch = "x86_64")]
struct TargetTask<'a> {
    kernel: &'a TargetRescale,
    x: (&'a [u64], &'a [u64]),
    bias: (&'a [u64], &'a [u64]),
    e0: &'a [i64],
    out: &'a mut [u64],
}

#[cfg(target_arch = "x86_64")]
impl pulp::NullaryFnOnce for TargetTask<'_> {
    type Output = usize;

    #[inline(always)]
    fn call(self) -> usize {
        use core::arch::x86_64::__m512i;
        let k = self.kernel;
        let f = k.simd.avx512f;
        let splat = |v: u64| f._mm512_set1_epi64(v as i64);
        let zero = f._mm512_setzero_si512();
        let [q0, q1] = k.q.map(splat);
        let half1 = splat(k.q[1] / 2);
        let [[f0, f0s], [f1, f1s]] = k.factor.map(|[a, b]| [splat(a), splat(b)]);
        let [inv, inv_s] = k.inv.map(splat);
        let (x0s, x1s) = (self.x.0.as_chunks::<8>().0, self.x.1.as_chunks::<8>().0);
        let (b0s, b1s) = (
            self.bias.0.as_chunks::<8>().0,
            self.bias.1.as_chunks::<8>().0,
        );
        let es = self.e0.as_chunks::<8>().0;
        let (outs, _) = self.out.as_chunks_mut::<8>();
        let mut done = 0;
        for (j, out) in outs.iter_mut().enumerate() {
            let (Some(x0), Some(x1), Some(b0), Some(b1), Some(e)) =
                (x0s.get(j), x1s.get(j), b0s.get(j), b1s.get(j), es.get(j))
            else {
                break;
            };
            let v = |a: [u64; 8]| -> __m512i { pulp::cast(a) };
            let e: __m512i = pulp::cast(*e);
            // e mod q for |e| < q: add q where e is negative.
            let negative = f._mm512_cmplt_epi64_mask(e, zero);
            let e0 = f._mm512_mask_add_epi64(e, negative, e, q0);
            let e1 = f._mm512_mask_add_epi64(e, negative, e, q1);
            let simd = k.simd;
            let x0 = with_bias_and_noise(simd, (v(*x0), v(*b0)), e0, (f0, f0s), q0);
            let x1 = with_bias_and_noise(simd, (v(*x1), v(*b1)), e1, (f1, f1s), q1);
            // z = x0 + q0 - [x1]_(q1) in (0, 2 q0 + q1) < 2^52, then y = z q1^-1 mod q0.
            let above = f._mm512_cmpgt_epu64_mask(x1, half1);
            let z = f._mm512_sub_epi64(f._mm512_add_epi64(x0, q0), x1);
            let z = f._mm512_mask_add_epi64(z, above, z, q1);
            *out = pulp::cast(ckks::ring::simd::mul_shoup52(simd, z, (inv, inv_s), q0));
            done += 8;
        }
        done
    }
}

/// `x + b + F e mod q` for x, b, e in [0, q) and F with its Shoup constant (one row of
/// [`TargetRescale`]).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn with_bias_and_noise(
    simd: ckks::ring::simd::Ifma,
    (x, b): (core::arch::x86_64::__m512i, core::arch::x86_64::__m512i),
    e: core::arch::x86_64::__m512i,
    factor: (core::arch::x86_64::__m512i, core::arch::x86_64::__m512i),
    q: core::arch::x86_64::__m512i,
) -> core::arch::x86_64::__m512i {
    let scaled = ckks::ring::simd::mul_shoup52(simd, e, factor, q);
    add_mod(simd, add_mod(simd, x, b, q), scaled, q)
}

/// Where the IFMA path writes: compressed values, or their packed bytes.
#[cfg(target_arch = "x86_64")]
enum Sink<'a> {
    Values(&'a mut [u64]),
    Packed(&'a mut [u8], &'static ckks::wire::GroupPacker),
}

/// Adds `factor * e` (small signed e, |e| < q) to `row` mod q.
pub(crate) fn add_scaled_small(m: &Modulus, row: &mut [u64], e: &[i64], factor: u64) {
    let q = m.value();
    let factor_shoup = m.shoup(factor);
    for (x, &v) in row.iter_mut().zip(e) {
        let r = (v as u64).wrapping_add(q & ((v >> 63) as u64));
        let r = if factor == 1 {
            r
        } else {
            m.mul_shoup(r, factor, factor_shoup)
        };
        *x = m.add(*x, r);
    }
}

/// For each modulus to drop, from the last down to q_1: its inverse mod every lower modulus.
///
/// # Errors
/// `ckks::Error::ParamsMismatch` if a modulus has no inverse (never for distinct primes).
pub(crate) fn rescale_inverses(basis: &RnsBasis) -> Result<Vec<Vec<u64>>> {
    let moduli = basis.moduli();
    let mut out = Vec::with_capacity(moduli.len().saturating_sub(1));
    for l in (1..moduli.len()).rev() {
        let ql = moduli
            .get(l)
            .map(Modulus::value)
            .ok_or(ckks::Error::ParamsMismatch)?;
        let inverses = moduli
            .iter()
            .take(l)
            .map(|m| m.inv(ql % m.value()).ok_or(ckks::Error::ParamsMismatch))
            .collect::<core::result::Result<Vec<_>, _>>()?;
        out.push(inverses);
    }
    Ok(out)
}

/// Rescales `count` values given modulus-major over `basis` (`values[i * count + j]`) down to
/// q_0, in place: each drop of q_l maps x to `(x - [x]_(q_l)) / q_l`, the exact rounding of
/// [`Poly::rescale_last`]. Returns the q_0 row.
pub(crate) fn rescale_values(
    basis: &RnsBasis,
    inverses: &[Vec<u64>],
    mut values: Vec<u64>,
    count: usize,
) -> Vec<u64> {
    let moduli = basis.moduli();
    let count = count.max(1);
    for (drop, inv_row) in (1..moduli.len()).rev().zip(inverses) {
        let Some(last) = moduli.get(drop) else { break };
        let split = (drop * count).min(values.len());
        let (lower, upper) = values.split_at_mut(split);
        let last_row = upper.get(..count).unwrap_or_default();
        for ((row, m), &inv) in lower.chunks_exact_mut(count).zip(moduli).zip(inv_row) {
            let inv_shoup = m.shoup(inv);
            let q = m.value();
            // [x]_(q_l) is below q_l / 2 in magnitude: below q, it reduces by one addition.
            let small = last.value() / 2 < q;
            for (x, &r) in row.iter_mut().zip(last_row) {
                let c = last.center(r);
                let c_mod = if small {
                    (c as u64).wrapping_add(q & ((c >> 63) as u64))
                } else {
                    m.reduce_i64(c)
                };
                *x = m.mul_shoup(m.sub(*x, c_mod), inv, inv_shoup);
            }
        }
    }
    values.truncate(count);
    values
}

/// The residue mod q of an integral f64 of any magnitude: `x = +-mantissa * 2^exponent`.
pub(crate) fn reduce_integral_f64(m: &Modulus, x: f64) -> u64 {
    let bits = x.abs().to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    if exponent == 0 {
        return 0; // zero or subnormal: |x| < 1, and x is integral
    }
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    let shift = exponent - 1075; // x = mantissa * 2^shift
    let magnitude = if shift >= 0 {
        m.mul(m.reduce(mantissa), m.pow(2, shift as u64))
    } else {
        m.reduce(mantissa >> (-shift).min(63))
    };
    if x < 0.0 { m.neg(magnitude) } else { magnitude }
}

/// A uniform integer in [-bound, bound] (0 when bound is 0), by rejection on 128-bit draws.
///
/// # Errors
/// `ckks::Error::TooLarge` for a bound of 2^127 or more.
pub(crate) fn uniform_symmetric<R: CryptoRng + ?Sized>(bound: u128, rng: &mut R) -> Result<i128> {
    if bound == 0 {
        return Ok(0);
    }
    if bound >= 1 << 126 {
        return Err(ckks::Error::TooLarge {
            what: "flooding bound (bits)",
            found: (u128::BITS - bound.leading_zeros()) as usize,
            max: 126,
        }
        .into());
    }
    let span = 2 * bound + 1;
    let bits = u128::BITS - span.leading_zeros();
    let mask = (1u128 << bits) - 1;
    loop {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        let v = u128::from_le_bytes(bytes) & mask;
        if v < span {
            // v - bound is in [-bound, bound], below 2^126 in magnitude.
            return Ok(v as i128 - bound as i128);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ckks::ring::Poly;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};
    use std::sync::Arc;

    fn basis() -> Arc<RnsBasis> {
        let spec = ckks::params::ParamsSpec::with_prime_bits(12, &[50, 45], &[]).unwrap();
        RnsBasis::new(1 << 12, &spec.moduli).unwrap()
    }

    fn random(basis: &Arc<RnsBasis>, rng: &mut ChaCha20Rng) -> Poly<ckks::ring::Ntt> {
        ckks::sampling::uniform_ntt(rng, basis).unwrap()
    }

    #[test]
    fn target_rescale_matches_the_polynomial_rescale() {
        let b = basis();
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let p = random(&b, &mut rng).into_coeff();
        let want = p.rescale_last().unwrap();
        let picks = [7usize, 15, 4095];
        let values: Vec<u64> = p
            .rows()
            .flat_map(|row| picks.iter().map(|&k| row[k]).collect::<Vec<_>>())
            .collect();
        let got = rescale_values(&b, &rescale_inverses(&b).unwrap(), values, picks.len());
        let want: Vec<u64> = picks.iter().map(|&k| want.row(0).unwrap()[k]).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn fused_rescale_and_compression_round_exactly() {
        let b = basis();
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let p = random(&b, &mut rng).into_coeff();
        let rescaled = p.rescale_last().unwrap();
        let (m0, m1) = (&b.moduli()[0], &b.moduli()[1]);
        let q0 = u128::from(m0.value());
        let t = 47;
        let fused = FusedRescaleCompress::new(m0, m1, t, 21).unwrap();
        let (low, high) = (p.row(0).unwrap(), p.row(1).unwrap());
        // Exact rounding of 2^t y / q_0, y the rescaled value plus e (mod q_0).
        let exact = |y: u64| (((u128::from(y) << (t + 1)) + q0) / (2 * q0)) as u64 & ((1 << t) - 1);
        let want: Vec<u64> = rescaled.row(0).unwrap().iter().map(|&y| exact(y)).collect();
        let apply = |post: Option<&[i64]>| {
            let mut out = vec![u64::MAX; b.n()];
            fused.apply(low, high, post, &mut out);
            out
        };
        assert_eq!(apply(None), want);
        let e: Vec<i64> = (0..b.n()).map(|i| (i % 43) as i64 - 21).collect();
        let want: Vec<u64> = rescaled
            .row(0)
            .unwrap()
            .iter()
            .zip(&e)
            .map(|(&y, &v)| exact(m0.add(y, m0.reduce_i64(v))))
            .collect();
        assert_eq!(apply(Some(&e)), want);
        // The compressor of the protocol agrees (it is exact but within 2^-14 of a tie).
        let q0_basis = RnsBasis::new(b.n(), &[m0.value()]).unwrap();
        let c = crate::compress::Compressor::new(&q0_basis, t).unwrap();
        let two_step = c.compress(&rescaled).unwrap();
        let differ = two_step
            .iter()
            .zip(apply(None))
            .filter(|(a, b)| a != &b)
            .count();
        assert!(differ <= 2, "{differ} coefficients differ");
        assert!(FusedRescaleCompress::new(m1, m0, t, 21).is_none());
        assert!(FusedRescaleCompress::new(m0, m1, 51, 21).is_none());
        // q_1 e must stay below q_0 (q_0 / q_1 is about 32 here).
        assert!(FusedRescaleCompress::new(m0, m1, t, 40).is_none());
    }

    /// Values y whose `2^t y / q_0` lies `d / (2 q_0)` from a tie (`2^(t+1) y = (2k + 1) q_0 +
    /// d` for small odd d), the closest there are: both paths still round them exactly.
    #[test]
    fn rescaled_values_next_to_a_tie_round_exactly() {
        let b = basis();
        let (m0, m1) = (&b.moduli()[0], &b.moduli()[1]);
        let (q0, q1, t) = (m0.value(), m1.value(), 47u32);
        let fused = FusedRescaleCompress::new(m0, m1, t, 21).unwrap();
        let inv_2t = m0.inv(m0.reduce_u128(1u128 << t)).unwrap();
        let ys: Vec<u64> = (1..200i64)
            .step_by(2)
            .flat_map(|d| [d, -d])
            .map(|d| {
                let half = u64::try_from((i128::from(q0) + i128::from(d)) / 2).unwrap();
                m0.mul(m0.reduce_u128(u128::from(half)), inv_2t)
            })
            .collect();
        // x_1 = 0, so y = x_0 q_1^-1 mod q_0.
        let low: Vec<u64> = ys.iter().map(|&y| m0.mul(y, q1 % q0)).collect();
        let high = vec![0u64; ys.len()];
        let q0_wide = u128::from(q0);
        let exact = |y: u64| {
            (((u128::from(y) << (t + 1)) + q0_wide) / (2 * q0_wide)) as u64 & ((1 << t) - 1)
        };
        let want: Vec<u64> = ys.iter().map(|&y| exact(y)).collect();
        #[cfg(target_arch = "x86_64")]
        let paths = [fused, fused.scalar_only()];
        #[cfg(not(target_arch = "x86_64"))]
        let paths = [fused];
        for (k, path) in paths.into_iter().enumerate() {
            let mut out = vec![0; ys.len()];
            path.apply(&low, &high, None, &mut out);
            let wrong = out.iter().zip(&want).filter(|(a, b)| a != b).count();
            assert_eq!(wrong, 0, "path {k}: {wrong} of {} differ", want.len());
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn ifma_and_scalar_paths_agree_on_every_edge() {
        let b = basis();
        let (m0, m1) = (&b.moduli()[0], &b.moduli()[1]);
        let (q0, q1) = (m0.value(), m1.value());
        let fused = FusedRescaleCompress::new(m0, m1, 47, 21).unwrap();
        let scalar = fused.scalar_only();
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let mut low: Vec<u64> = (0..1003).map(|_| rng.next_u64() % q0).collect();
        let mut high: Vec<u64> = (0..1003).map(|_| rng.next_u64() % q1).collect();
        let mut e: Vec<i64> = (0..1003).map(|i| (i % 43) as i64 - 21).collect();
        // The extremes of each input, and the centering threshold of x1.
        let edges = [
            (0, 0, -21),
            (q0 - 1, q1 - 1, 21),
            (0, q1 / 2, -21),
            (q0 - 1, q1 / 2 + 1, 21),
        ];
        for (i, &(x0, x1, v)) in edges.iter().enumerate() {
            (low[i], high[i], e[i]) = (x0, x1, v);
        }
        for post in [None, Some(&e[..])] {
            let mut fast = vec![0; low.len()];
            let mut slow = vec![1; low.len()];
            fused.apply(&low, &high, post, &mut fast);
            scalar.apply(&low, &high, post, &mut slow);
            assert_eq!(fast, slow);
        }
        // Packed straight from the registers, against the scalar values packed by bitpack.
        let len = 1000; // a multiple of 8
        let (low, high, e) = (&low[..len], &high[..len], &e[..len]);
        for post in [None, Some(e)] {
            let mut scratch = vec![0; len];
            let mut fast = vec![0xA5u8; len / 8 * 47];
            let mut slow = vec![0x5Au8; len / 8 * 47];
            fused
                .apply_packed((low, high), post, &mut scratch, &mut fast)
                .unwrap();
            scalar
                .apply_packed((low, high), post, &mut scratch, &mut slow)
                .unwrap();
            assert_eq!(fast, slow);
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn target_rescale_matches_the_scalar_additions_and_rescale() {
        let b = basis();
        let (m0, m1) = (&b.moduli()[0], &b.moduli()[1]);
        let (q0, q1) = (m0.value(), m1.value());
        let inverses = rescale_inverses(&b).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        // Key at q_0 (F = q_1 on row 0) as `exact`, and key at Q (F = 1 on both rows).
        for key_factors in [vec![q1 % q0], vec![1, 1]] {
            let Some(kernel) = TargetRescale::new(b.moduli(), &key_factors) else {
                return; // no IFMA on this processor
            };
            for count in [37usize, 512] {
                let mut x: Vec<u64> = (0..count).map(|_| rng.next_u64() % q0).collect();
                x.extend((0..count).map(|_| rng.next_u64() % q1));
                let mut bias: Vec<u64> = (0..count).map(|_| rng.next_u64() % q0).collect();
                bias.extend((0..count).map(|_| rng.next_u64() % q1));
                let e: Vec<i64> = (0..count).map(|i| (i % 43) as i64 - 21).collect();
                // The extremes: the centering threshold of row 1, q - 1 everywhere.
                (x[0], x[count]) = (q0 - 1, q1 / 2);
                (x[1], x[count + 1]) = (0, q1 / 2 + 1);
                (bias[2], bias[count + 2]) = (q0 - 1, q1 - 1);
                let mut want = x.clone();
                for (r, row) in want.chunks_mut(count).enumerate() {
                    let m = &b.moduli()[r];
                    for (v, &bb) in row.iter_mut().zip(&bias[r * count..(r + 1) * count]) {
                        *v = m.add(*v, bb);
                    }
                    if let Some(&f) = key_factors.get(r) {
                        add_scaled_small(m, row, &e, f);
                    }
                }
                let want = rescale_values(&b, &inverses, want, count);
                let (x0, x1) = x.split_at(count);
                let (b0, b1) = bias.split_at(count);
                let got = kernel.apply((x0, x1), (b0, b1), &e).unwrap();
                assert_eq!(got, want, "count {count}, key factors {key_factors:?}");
            }
            assert!(kernel.apply((&[1], &[1, 2]), (&[0], &[0]), &[0]).is_none());
        }
    }

    #[test]
    fn scaled_small_values_add_modulo_q() {
        let m = Modulus::new(1_125_899_906_826_241).unwrap();
        let e = [-21i64, -1, 0, 1, 21];
        for factor in [1u64, 35_184_371_884_033 % m.value()] {
            let mut row = vec![m.value() - 1; e.len()];
            add_scaled_small(&m, &mut row, &e, factor);
            for (x, &v) in row.iter().zip(&e) {
                let want = m.add(m.value() - 1, m.mul(m.reduce_i64(v), factor));
                assert_eq!(*x, want);
            }
        }
    }

    #[test]
    fn integral_f64_reduces_exactly() {
        let m = Modulus::new(1_125_899_906_826_241).unwrap();
        for x in [
            0.0,
            1.0,
            -1.0,
            12345.0,
            -9_007_199_254_740_992.0,
            2f64.powi(52) + 1.0,
        ] {
            assert_eq!(reduce_integral_f64(&m, x), m.reduce_i128(x as i128), "{x}");
        }
        // Beyond 2^127: 3 * 2^130 mod q against modular arithmetic.
        let x = 3.0 * 2f64.powi(130);
        assert_eq!(reduce_integral_f64(&m, x), m.mul(3, m.pow(2, 130)));
        assert_eq!(reduce_integral_f64(&m, -x), m.neg(m.mul(3, m.pow(2, 130))));
    }

    #[test]
    fn uniform_symmetric_stays_in_range_and_covers_it() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        assert_eq!(uniform_symmetric(0, &mut rng).unwrap(), 0);
        let mut seen = [false; 7];
        for _ in 0..500 {
            let v = uniform_symmetric(3, &mut rng).unwrap();
            assert!((-3..=3).contains(&v));
            seen[(v + 3) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        let big = 1u128 << 101;
        for _ in 0..100 {
            assert!(uniform_symmetric(big, &mut rng).unwrap().unsigned_abs() <= big);
        }
        assert!(uniform_symmetric(1 << 126, &mut rng).is_err());
    }
}
