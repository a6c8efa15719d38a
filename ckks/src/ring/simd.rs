//! The CPU-feature token of the AVX-512 IFMA kernels (x86-64 only), and [`vectorized`].
//!
//! [`Ifma`] exists only when the processor has AVX-512 F/DQ/VL/BW and the 52-bit integer
//! multiply-add (IFMA): [`Ifma::try_new`] checks at run time, and [`Ifma::vectorize`] runs a
//! closure compiled for those features. The intrinsics are reached through the token's fields
//! (pulp's safe wrappers), so kernels written with it need no `unsafe`; every kernel keeps a
//! scalar path for other processors and for wasm32, and the tests compare the two.
//!
//! IFMA multiplies the low 52 bits of two lanes and adds the low or the high 52 bits of the
//! 104-bit product to a third: with moduli below 2^50 that is a Shoup product in two
//! instructions (`docs/benchmarks.md`).

pub use token::Ifma;

mod token {
    // The fields are pulp's feature tokens, one per feature, named after it; their methods are
    // the intrinsics of that feature.
    #![allow(missing_docs)]

    pulp::simd_type! {
        /// AVX-512 (F, DQ, VL, BW) with IFMA and VPOPCNTDQ (Ice Lake and later, Zen 4), with
        /// POPCNT, BMI2 and AVX2, checked at run time. Each field is the token of the feature
        /// it is named after; its methods are that feature's intrinsics.
        pub struct Ifma {
            pub popcnt: "popcnt",
            pub bmi2: "bmi2",
            pub avx2: "avx2",
            pub avx512f: "avx512f",
            pub avx512dq: "avx512dq",
            pub avx512vl: "avx512vl",
            pub avx512bw: "avx512bw",
            pub avx512ifma: "avx512ifma",
            pub avx512vpopcntdq: "avx512vpopcntdq",
        }
    }
}

/// Runs `f` compiled for the [`Ifma`] features when the processor has them, so that plain
/// loops inside it vectorize with AVX-512 (and count bits with POPCNT/VPOPCNTQ); else runs it
/// as is. `f` must be inlined into the call (`#[inline(always)]` on what it calls).
#[inline(always)]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    match Ifma::try_new() {
        Some(simd) => simd.vectorize(f),
        None => f(),
    }
}

/// Montgomery products modulo an odd q < 2^50 with R = 2^52, eight lanes per IFMA step.
///
/// A multiplicand in Montgomery form `y R mod q` ([`Montgomery52::montgomery_form`]) turns
/// `mont(x, y R) = x y R R^-1` into the plain product `x y mod q`. For inputs below q the
/// 104-bit products (and sums of two) fit the IFMA halves exactly, and the reduction
/// `(p + m q) / 2^52` with `m = -p q^-1 mod 2^52` is below `1.5 q`, so one conditional
/// subtraction ends in [0, q).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Montgomery52 {
    simd: Ifma,
    q: u64,
    /// `-q^-1 mod 2^52`.
    q_neg_inv: u64,
    /// `R^2 mod q`.
    r2: u64,
}

impl Montgomery52 {
    /// The constants for q, or `None` without IFMA or for an even q or q >= 2^50.
    pub(crate) fn new(q: u64) -> Option<Self> {
        let simd = Ifma::try_new()?;
        if q.is_multiple_of(2) || q >= 1 << 50 {
            return None;
        }
        // q^-1 mod 2^64 by Newton's iteration (each step doubles the correct low bits).
        let mut inv = q;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(q.wrapping_mul(inv)));
        }
        Some(Self {
            simd,
            q,
            q_neg_inv: inv.wrapping_neg() & MASK52,
            r2: ((1u128 << 104) % u128::from(q)) as u64,
        })
    }

    /// `out[i] = y[i] R mod q` for y in [0, q) (the first `out.len()` values); the values past
    /// the last multiple of 8 are left to the caller.
    pub(crate) fn montgomery_form(&self, y: &[u64], out: &mut [u64]) -> usize {
        let r2 = [self.r2; 8];
        self.run(out, |mont, i| {
            let y = y.as_chunks::<8>().0.get(i).copied().unwrap_or([0; 8]);
            mont.product(y, r2)
        })
    }

    /// `out[i] = x[i] y[i] mod q` for x in [0, q) and `y_mont = y R mod q`; returns how many
    /// leading values (a multiple of 8) it wrote.
    pub(crate) fn mul(&self, out: &mut [u64], x: &[u64], y_mont: &[u64]) -> usize {
        let (x, y) = (x.as_chunks::<8>().0, y_mont.as_chunks::<8>().0);
        let limit = x.len().min(y.len());
        let out = out.get_mut(..8 * limit).unwrap_or_default();
        self.run(out, |mont, i| match (x.get(i), y.get(i)) {
            (Some(&x), Some(&y)) => mont.product(x, y),
            _ => mont.zero(),
        })
    }

    /// `out[i] = x[i] y[i] + z[i] w[i] mod q` for x, z in [0, q) and y, w in Montgomery form;
    /// returns how many leading values (a multiple of 8) it wrote.
    pub(crate) fn mul_add(
        &self,
        out: &mut [u64],
        (x, y_mont): (&[u64], &[u64]),
        (z, w_mont): (&[u64], &[u64]),
    ) -> usize {
        let (x, y) = (x.as_chunks::<8>().0, y_mont.as_chunks::<8>().0);
        let (z, w) = (z.as_chunks::<8>().0, w_mont.as_chunks::<8>().0);
        let limit = x.len().min(y.len()).min(z.len()).min(w.len());
        let out = out.get_mut(..8 * limit).unwrap_or_default();
        self.run(out, |mont, i| {
            match (x.get(i), y.get(i), z.get(i), w.get(i)) {
                (Some(&x), Some(&y), Some(&z), Some(&w)) => mont.sum_of_products(x, y, z, w),
                _ => mont.zero(),
            }
        })
    }

    /// Fills the whole groups of eight of `out` with `lanes(ops, group index)`, compiled for
    /// the IFMA features; returns how many values it wrote.
    fn run(&self, out: &mut [u64], lanes: impl Fn(&Lanes, usize) -> [u64; 8]) -> usize {
        let simd = self.simd;
        simd.vectorize(
            #[inline(always)]
            || {
                let ops = Lanes::new(self);
                let (groups, _) = out.as_chunks_mut::<8>();
                for (i, group) in groups.iter_mut().enumerate() {
                    *group = lanes(&ops, i);
                }
                8 * groups.len()
            },
        )
    }
}

/// Weighted sums of eight consecutive values modulo q < 2^50: `out[j] = sum_i w_(8j+i)
/// x_(8j+i) mod q` (the fold of [`crate::ring::ClassInverse`] with d = 8).
///
/// Each product is a lazy 52-bit Shoup product in [0, 2q); eight of them stay below 2^54, and
/// a transposing tree of shuffles sums eight groups into one vector before four conditional
/// subtractions (8q, 4q, 2q, q) reduce the sums.
#[derive(Debug, Clone)]
pub(crate) struct WeightedSums8 {
    simd: Ifma,
    q: u64,
    weights: Vec<u64>,
    /// `floor(w 2^52 / q)` for each weight.
    shoup: Vec<u64>,
}

impl WeightedSums8 {
    /// For `weights` in [0, q) (one per input value), or `None` without IFMA or for q >= 2^50.
    pub(crate) fn new(q: u64, weights: Vec<u64>) -> Option<Self> {
        let simd = Ifma::try_new()?;
        if q >= 1 << 50 || weights.iter().any(|&w| w >= q) {
            return None;
        }
        let shoup = weights
            .iter()
            .map(|&w| ((u128::from(w) << 52) / u128::from(q)) as u64)
            .collect();
        Some(Self {
            simd,
            q,
            weights,
            shoup,
        })
    }

    /// As [`WeightedSums8::apply`] on the values `x y + z w mod q` (`z w` when given), computed
    /// in registers by the Montgomery products of `mont` (same q; `y` and `w` in Montgomery
    /// form) and never stored; returns how many sums it wrote.
    pub(crate) fn apply_products(
        &self,
        mont: &Montgomery52,
        (x, y): (&[u64], &[u64]),
        zw: Option<(&[u64], &[u64])>,
        out: &mut [u64],
    ) -> usize {
        if mont.q != self.q {
            return 0;
        }
        // A closure this large would be called, not inlined, from the vectorized region (and its
        // intrinsics with it); a task type with an always-inlined `call` is inlined.
        self.simd.vectorize(FoldProducts {
            fold: self,
            mont,
            xy: (x, y),
            zw,
            out,
        })
    }

    /// The body of [`WeightedSums8::apply_products`], inlined into its vectorized region.
    #[inline(always)]
    fn products_in_region(
        &self,
        mont: &Montgomery52,
        (x, y): (&[u64], &[u64]),
        zw: Option<(&[u64], &[u64])>,
        out: &mut [u64],
    ) -> usize {
        let simd = self.simd;
        let f = simd.avx512f;
        let ops = Lanes::new(mont);
        let splat = |v: u64| f._mm512_set1_epi64(v as i64);
        let (q, mask52) = (splat(self.q), splat(MASK52));
        let (x, y) = (x.as_chunks::<64>().0, y.as_chunks::<64>().0);
        let zw = zw.map(|(z, w)| (z.as_chunks::<64>().0, w.as_chunks::<64>().0));
        let (w8, ws8) = (
            self.weights.as_chunks::<64>().0,
            self.shoup.as_chunks::<64>().0,
        );
        let (dst, _) = out.as_chunks_mut::<8>();
        let mut written = 0;
        for (i, (dst, (wt, ws))) in dst.iter_mut().zip(w8.iter().zip(ws8)).enumerate() {
            let (Some(x), Some(y)) = (x.get(i), y.get(i)) else {
                break;
            };
            let (x, y) = (x.as_chunks::<8>().0, y.as_chunks::<8>().0);
            let zw = zw.and_then(|(z, w)| {
                Some((z.get(i)?.as_chunks::<8>().0, w.get(i)?.as_chunks::<8>().0))
            });
            let (wt, ws) = (wt.as_chunks::<8>().0, ws.as_chunks::<8>().0);
            let t = Terms {
                x,
                y,
                zw,
                weights: wt,
                shoup: ws,
            };
            let p = [
                t.weighted(&ops, 0, q, mask52),
                t.weighted(&ops, 1, q, mask52),
                t.weighted(&ops, 2, q, mask52),
                t.weighted(&ops, 3, q, mask52),
                t.weighted(&ops, 4, q, mask52),
                t.weighted(&ops, 5, q, mask52),
                t.weighted(&ops, 6, q, mask52),
                t.weighted(&ops, 7, q, mask52),
            ];
            *dst = pulp::cast(sum_transposed(simd, p, self.q));
            written += 8;
        }
        written
    }

    /// Writes `out[j]` for the leading groups of 64 values (eight sums each) of `values`, in
    /// [0, q) for values in [0, q); returns how many sums it wrote.
    pub(crate) fn apply(&self, values: &[u64], out: &mut [u64]) -> usize {
        let simd = self.simd;
        simd.vectorize(
            #[inline(always)]
            || {
                let f = simd.avx512f;
                let splat = |v: u64| f._mm512_set1_epi64(v as i64);
                let (q, mask52) = (splat(self.q), splat(MASK52));
                let (x, w, ws) = (
                    values.as_chunks::<64>().0,
                    self.weights.as_chunks::<64>().0,
                    self.shoup.as_chunks::<64>().0,
                );
                let (dst, _) = out.as_chunks_mut::<8>();
                let mut written = 0;
                for (((dst, x), w), ws) in dst.iter_mut().zip(x).zip(w).zip(ws) {
                    let (x, w, ws) = (
                        x.as_chunks::<8>().0,
                        w.as_chunks::<8>().0,
                        ws.as_chunks::<8>().0,
                    );
                    let product = lazy_shoup52;
                    let lanes = |k| (row(x, k), row(w, k), row(ws, k));
                    let p0 = product(simd, lanes(0), q, mask52);
                    let p1 = product(simd, lanes(1), q, mask52);
                    let p2 = product(simd, lanes(2), q, mask52);
                    let p3 = product(simd, lanes(3), q, mask52);
                    let p4 = product(simd, lanes(4), q, mask52);
                    let p5 = product(simd, lanes(5), q, mask52);
                    let p6 = product(simd, lanes(6), q, mask52);
                    let p7 = product(simd, lanes(7), q, mask52);
                    let sums = sum_transposed(simd, [p0, p1, p2, p3, p4, p5, p6, p7], self.q);
                    *dst = pulp::cast(sums);
                    written += 8;
                }
                written
            },
        )
    }
}

/// Row k of eight lanes (zeros past the end).
#[inline(always)]
fn row(rows: &[[u64; 8]], k: usize) -> __m512i {
    pulp::cast(rows.get(k).copied().unwrap_or([0; 8]))
}

/// `x w mod q` in [0, q) for x < 2^52, w < q < 2^50 and `w_shoup = floor(w 2^52 / q)`: a
/// Shoup product on IFMA, for kernels in other crates (run it inside [`Ifma::vectorize`]).
#[inline(always)]
pub fn mul_shoup52(
    simd: Ifma,
    x: __m512i,
    (w, w_shoup): (__m512i, __m512i),
    q: __m512i,
) -> __m512i {
    let f = simd.avx512f;
    let r = lazy_shoup52(simd, (x, w, w_shoup), q, f._mm512_set1_epi64((1 << 52) - 1));
    f._mm512_min_epu64(r, f._mm512_sub_epi64(r, q))
}

/// `x w mod q` in [0, 2q) for x < 2^52, w < q < 2^50 and `w_shoup = floor(w 2^52 / q)`.
#[inline(always)]
fn lazy_shoup52(
    simd: Ifma,
    (x, w, w_shoup): (__m512i, __m512i, __m512i),
    q: __m512i,
    mask52: __m512i,
) -> __m512i {
    let (f, ifma) = (simd.avx512f, simd.avx512ifma);
    let zero = f._mm512_setzero_si512();
    let quot = ifma._mm512_madd52hi_epu64(zero, x, w_shoup);
    let product = f._mm512_sub_epi64(
        ifma._mm512_madd52lo_epu64(zero, x, w),
        ifma._mm512_madd52lo_epu64(zero, quot, q),
    );
    f._mm512_and_si512(product, mask52)
}

/// The task [`WeightedSums8::apply_products`] runs in its vectorized region.
struct FoldProducts<'a> {
    fold: &'a WeightedSums8,
    mont: &'a Montgomery52,
    xy: (&'a [u64], &'a [u64]),
    zw: Option<(&'a [u64], &'a [u64])>,
    out: &'a mut [u64],
}

impl pulp::NullaryFnOnce for FoldProducts<'_> {
    type Output = usize;

    #[inline(always)]
    fn call(self) -> usize {
        self.fold
            .products_in_region(self.mont, self.xy, self.zw, self.out)
    }
}

/// Rows of eight lanes.
type Rows<'a> = &'a [[u64; 8]];

/// One group of 64 inputs of [`WeightedSums8::apply_products`]: rows of eight lanes.
struct Terms<'a> {
    x: &'a [[u64; 8]],
    y: &'a [[u64; 8]],
    zw: Option<(Rows<'a>, Rows<'a>)>,
    weights: &'a [[u64; 8]],
    shoup: &'a [[u64; 8]],
}

impl Terms<'_> {
    /// Row k's value `x y (+ z w) mod q`, times its weights, lazily in [0, 2q).
    #[inline(always)]
    fn weighted(&self, ops: &Lanes, k: usize, q: __m512i, mask52: __m512i) -> __m512i {
        let value = match self.zw {
            Some((z, w)) => {
                ops.sum_of_products_v(row(self.x, k), row(self.y, k), row(z, k), row(w, k))
            }
            None => ops.product_v(row(self.x, k), row(self.y, k)),
        };
        lazy_shoup52(
            ops.simd,
            (value, row(self.weights, k), row(self.shoup, k)),
            q,
            mask52,
        )
    }
}

/// The eight lane sums of `p` (lane k of the result sums the lanes of `p[k]`, each below 2q),
/// reduced into [0, q): a transposing tree of shuffles, then conditional subtractions of 8q,
/// 4q, 2q and q.
#[inline(always)]
fn sum_transposed(simd: Ifma, p: [__m512i; 8], q: u64) -> __m512i {
    let f = simd.avx512f;
    let [p0, p1, p2, p3, p4, p5, p6, p7] = p;
    let (t0, t1) = (add_pairs(simd, p0, p1), add_pairs(simd, p2, p3));
    let (t2, t3) = (add_pairs(simd, p4, p5), add_pairs(simd, p6, p7));
    let (low_half, high_half) = ([0, 1, 8, 9, 4, 5, 12, 13], [2, 3, 10, 11, 6, 7, 14, 15]);
    let u0 = add_selected(simd, t0, t1, low_half, high_half);
    let u1 = add_selected(simd, t2, t3, low_half, high_half);
    let (first, second) = ([0, 1, 2, 3, 8, 9, 10, 11], [4, 5, 6, 7, 12, 13, 14, 15]);
    let mut sums = add_selected(simd, u0, u1, first, second);
    for k in [8, 4, 2, 1] {
        let m = f._mm512_set1_epi64((k * q) as i64);
        sums = f._mm512_min_epu64(sums, f._mm512_sub_epi64(sums, m));
    }
    sums
}

/// `[a0 + a1, b0 + b1, a2 + a3, b2 + b3, ...]`: adjacent lanes of a and b added.
#[inline(always)]
fn add_pairs(simd: Ifma, a: __m512i, b: __m512i) -> __m512i {
    let f = simd.avx512f;
    f._mm512_add_epi64(f._mm512_unpacklo_epi64(a, b), f._mm512_unpackhi_epi64(a, b))
}

/// The lanes of (a, b) picked by `first` plus those picked by `second` (indices 8.. pick b).
#[inline(always)]
fn add_selected(simd: Ifma, a: __m512i, b: __m512i, first: [u64; 8], second: [u64; 8]) -> __m512i {
    let f = simd.avx512f;
    f._mm512_add_epi64(
        f._mm512_permutex2var_epi64(a, pulp::cast(first), b),
        f._mm512_permutex2var_epi64(a, pulp::cast(second), b),
    )
}

const MASK52: u64 = (1 << 52) - 1;

/// The vector constants of [`Montgomery52`], built inside the vectorized region.
struct Lanes {
    simd: Ifma,
    q: __m512i,
    q_neg_inv: __m512i,
    mask52: __m512i,
    zero: __m512i,
}

use core::arch::x86_64::__m512i;

impl Lanes {
    #[inline(always)]
    fn new(m: &Montgomery52) -> Self {
        let f = m.simd.avx512f;
        Self {
            simd: m.simd,
            q: f._mm512_set1_epi64(m.q as i64),
            q_neg_inv: f._mm512_set1_epi64(m.q_neg_inv as i64),
            mask52: f._mm512_set1_epi64(MASK52 as i64),
            zero: f._mm512_setzero_si512(),
        }
    }

    #[inline(always)]
    fn zero(&self) -> [u64; 8] {
        [0; 8]
    }

    /// `x y R^-1 mod q`, on vectors.
    #[inline(always)]
    fn product_v(&self, x: __m512i, y: __m512i) -> __m512i {
        let ifma = self.simd.avx512ifma;
        let lo = ifma._mm512_madd52lo_epu64(self.zero, x, y);
        let hi = ifma._mm512_madd52hi_epu64(self.zero, x, y);
        self.reduce(lo, hi)
    }

    /// `(x y + z w) R^-1 mod q`, on vectors.
    #[inline(always)]
    fn sum_of_products_v(&self, x: __m512i, y: __m512i, z: __m512i, w: __m512i) -> __m512i {
        let (f, ifma) = (self.simd.avx512f, self.simd.avx512ifma);
        let lo = ifma._mm512_madd52lo_epu64(ifma._mm512_madd52lo_epu64(self.zero, x, y), z, w);
        let hi = ifma._mm512_madd52hi_epu64(ifma._mm512_madd52hi_epu64(self.zero, x, y), z, w);
        // The low halves sum to at most 2^53: carry their top bit into the high half.
        let hi = f._mm512_add_epi64(hi, f._mm512_srli_epi64::<52>(lo));
        let lo = f._mm512_and_si512(lo, self.mask52);
        self.reduce(lo, hi)
    }

    /// `x y R^-1 mod q`.
    #[inline(always)]
    fn product(&self, x: [u64; 8], y: [u64; 8]) -> [u64; 8] {
        pulp::cast(self.product_v(pulp::cast(x), pulp::cast(y)))
    }

    /// `(x y + z w) R^-1 mod q`.
    #[inline(always)]
    fn sum_of_products(&self, x: [u64; 8], y: [u64; 8], z: [u64; 8], w: [u64; 8]) -> [u64; 8] {
        let v = |a: [u64; 8]| -> __m512i { pulp::cast(a) };
        pulp::cast(self.sum_of_products_v(v(x), v(y), v(z), v(w)))
    }

    /// `(hi 2^52 + lo) R^-1 mod q` for lo < 2^52 and a value below `2 q^2`.
    #[inline(always)]
    fn reduce(&self, lo: __m512i, hi: __m512i) -> __m512i {
        let (f, ifma) = (self.simd.avx512f, self.simd.avx512ifma);
        // m = -lo q^-1 mod 2^52 makes lo + m q a multiple of 2^52: exactly 2^52 unless lo = 0.
        let m = ifma._mm512_madd52lo_epu64(self.zero, lo, self.q_neg_inv);
        let t = ifma._mm512_madd52hi_epu64(hi, m, self.q);
        let nonzero = f._mm512_test_epi64_mask(lo, lo);
        let t = f._mm512_mask_add_epi64(t, nonzero, t, f._mm512_set1_epi64(1));
        f._mm512_min_epu64(t, f._mm512_sub_epi64(t, self.q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_runs_ifma() {
        let Some(simd) = Ifma::try_new() else { return };
        let out = simd.vectorize(|| {
            let a: core::arch::x86_64::__m512i = pulp::cast([3u64; 8]);
            let b: core::arch::x86_64::__m512i = pulp::cast([5u64; 8]);
            let z = simd.avx512f._mm512_setzero_si512();
            let lo = simd.avx512ifma._mm512_madd52lo_epu64(z, a, b);
            pulp::cast::<_, [u64; 8]>(lo)
        });
        assert_eq!(out, [15; 8]);
    }
}
