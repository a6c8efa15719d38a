//! Arithmetic in Z_q for one word-sized modulus q < 2^62.
//!
//! Products are reduced with Barrett's method (HAC 14.42 with k = bit length of q):
//! for x = a*b < q^2 < 2^(2k), the estimate `qhat = ((x >> (k-1)) * mu) >> (k+1)` with
//! `mu = floor(2^(2k) / q)` is at most 2 below floor(x/q), so `x - qhat*q` lies in [0, 3q) and two
//! masked subtractions bring it into [0, q). Products with a fixed operand w use Shoup's method
//! (Harvey, "Faster arithmetic for number-theoretic transforms", 2014, arXiv:1205.2926): with
//! `w' = floor(w * 2^64 / q)`, `a*w - hi64(a*w')*q` lies in [0, 2q) for every a < 2^64.
//!
//! # Security
//! `add`, `sub`, `neg`, `mul`, `mul_shoup`, `reduce*`, `center`, `pow` and the slice helpers run in
//! time independent of their operands (masks, no data-dependent branches or divisions).
//! `inv` (extended Euclid) and [`is_prime`] are variable time: use them on public values only.

use crate::{Error, Result};

/// Largest supported modulus bit length: every q is below 2^62 (so 4q fits a u64 lane).
pub const MAX_MODULUS_BITS: u32 = 62;

/// A modulus q with 2 <= q < 2^62 and its precomputed reduction constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Modulus {
    /// q.
    q: u64,
    /// ceil(log2 q): bits needed to store a residue in [0, q).
    bits: u32,
    /// Bit length k of q (q < 2^k <= 2q).
    k: u32,
    /// floor(2^(2k) / q) (< 2^(k+1) <= 2^63).
    mu: u64,
    /// floor(2^64 / q), for reducing a single word.
    mu64: u64,
    /// 2^64 mod q, for reducing the high word of a u128.
    r64: u64,
}

/// All-ones when the top bit of `x` is set, else zero.
#[inline(always)]
fn sign_mask(x: u64) -> u64 {
    0u64.wrapping_sub(x >> 63)
}

/// High 64 bits of a 64x64-bit product.
#[inline(always)]
fn mul_hi(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) >> 64) as u64
}

impl Modulus {
    /// Precomputes the reduction constants of q.
    ///
    /// # Errors
    /// [`Error::ModulusSize`] unless 2 <= q < 2^62.
    pub fn new(q: u64) -> Result<Self> {
        let k = u64::BITS - q.leading_zeros();
        if q < 2 || k > MAX_MODULUS_BITS {
            return Err(Error::ModulusSize {
                bits: k,
                min: 2,
                max: MAX_MODULUS_BITS,
            });
        }
        let q128 = u128::from(q);
        let mu = ((1u128 << (2 * k)) / q128) as u64;
        let mu64 = ((1u128 << 64) / q128) as u64;
        let r64 = ((1u128 << 64) % q128) as u64;
        let bits = u64::BITS - (q - 1).leading_zeros();
        Ok(Self {
            q,
            bits,
            k,
            mu,
            mu64,
            r64,
        })
    }

    /// The modulus q.
    #[inline]
    pub fn value(&self) -> u64 {
        self.q
    }

    /// ceil(log2 q): the number of bits needed to store a residue in [0, q).
    #[inline]
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// log2 q as a float.
    pub fn log2(&self) -> f64 {
        (self.q as f64).log2()
    }

    /// Subtracts q once if `a >= q`, for `a < q + 2^63` (in practice `a < 3q`).
    #[inline(always)]
    fn reduce_once(&self, a: u64) -> u64 {
        let t = a.wrapping_sub(self.q);
        t.wrapping_add(self.q & sign_mask(t))
    }

    /// a + b mod q for a, b in [0, q).
    #[inline(always)]
    pub fn add(&self, a: u64, b: u64) -> u64 {
        self.reduce_once(a + b)
    }

    /// a - b mod q for a, b in [0, q).
    #[inline(always)]
    pub fn sub(&self, a: u64, b: u64) -> u64 {
        let t = a.wrapping_sub(b);
        t.wrapping_add(self.q & sign_mask(t))
    }

    /// -a mod q for a in [0, q).
    #[inline(always)]
    pub fn neg(&self, a: u64) -> u64 {
        // (q - a) when a != 0, else 0.
        let nonzero = 0u64.wrapping_sub(u64::from(a != 0));
        (self.q - a) & nonzero
    }

    /// Reduces x < q^2 (or any x < 2^(2k), k the bit length of q) into [0, q).
    #[inline(always)]
    fn reduce_product(&self, x: u128) -> u64 {
        // 2 <= k <= 62, so every shift below is by 1..=63 bits: plain u64 shifts, no branch on
        // the shift amount as a u128 shift would need.
        let (lo, hi) = (x as u64, (x >> 64) as u64);
        let x_shift = (hi << (65 - self.k)) | (lo >> (self.k - 1));
        let p = u128::from(x_shift) * u128::from(self.mu);
        let qhat = (((p >> 64) as u64) << (63 - self.k)) | ((p as u64) >> (self.k + 1));
        let r = lo.wrapping_sub(qhat.wrapping_mul(self.q));
        self.reduce_once(self.reduce_once(r))
    }

    /// a * b mod q for a, b in [0, q) (Barrett).
    #[inline(always)]
    pub fn mul(&self, a: u64, b: u64) -> u64 {
        self.reduce_product(u128::from(a) * u128::from(b))
    }

    /// a mod q for any u64.
    #[inline(always)]
    pub fn reduce(&self, a: u64) -> u64 {
        let qhat = mul_hi(a, self.mu64);
        self.reduce_once(a.wrapping_sub(qhat.wrapping_mul(self.q)))
    }

    /// a mod q for any u128.
    #[inline]
    pub fn reduce_u128(&self, a: u128) -> u64 {
        let hi = self.reduce((a >> 64) as u64);
        let lo = self.reduce(a as u64);
        self.add(self.mul(hi, self.r64), lo)
    }

    /// a mod q in [0, q) for any i64.
    #[inline]
    pub fn reduce_i64(&self, a: i64) -> u64 {
        let r = self.reduce(a.unsigned_abs());
        let negative = sign_mask(a as u64);
        (self.neg(r) & negative) | (r & !negative)
    }

    /// a mod q in [0, q) for any i128.
    #[inline]
    pub fn reduce_i128(&self, a: i128) -> u64 {
        let r = self.reduce_u128(a.unsigned_abs());
        let negative = sign_mask((a >> 64) as u64);
        (self.neg(r) & negative) | (r & !negative)
    }

    /// Shoup's precomputation for a fixed multiplicand w in [0, q): floor(w * 2^64 / q).
    #[inline]
    pub fn shoup(&self, w: u64) -> u64 {
        ((u128::from(w) << 64) / u128::from(self.q)) as u64
    }

    /// a * w mod q in [0, 2q), for any a < 2^64, w in [0, q) and `w_shoup = self.shoup(w)`.
    #[inline(always)]
    pub fn lazy_mul_shoup(&self, a: u64, w: u64, w_shoup: u64) -> u64 {
        let qhat = mul_hi(a, w_shoup);
        a.wrapping_mul(w).wrapping_sub(qhat.wrapping_mul(self.q))
    }

    /// a * w mod q in [0, q), for any a < 2^64, w in [0, q) and `w_shoup = self.shoup(w)`.
    #[inline(always)]
    pub fn mul_shoup(&self, a: u64, w: u64, w_shoup: u64) -> u64 {
        self.reduce_once(self.lazy_mul_shoup(a, w, w_shoup))
    }

    /// a^e mod q (square and multiply over all 64 bits of e, operand-independent time).
    pub fn pow(&self, a: u64, e: u64) -> u64 {
        let mut result = self.reduce(1);
        let mut base = self.reduce(a);
        for i in 0..u64::BITS {
            let bit = 0u64.wrapping_sub((e >> i) & 1);
            let product = self.mul(result, base);
            result = (product & bit) | (result & !bit);
            base = self.mul(base, base);
        }
        result
    }

    /// The inverse of a mod q, or `None` when gcd(a, q) != 1 (a = 0 included).
    ///
    /// # Security
    /// Variable time (extended Euclid): public values only.
    pub fn inv(&self, a: u64) -> Option<u64> {
        let (mut r0, mut r1) = (i128::from(self.q), i128::from(self.reduce(a)));
        let (mut t0, mut t1) = (0i128, 1i128);
        while r1 != 0 {
            let quotient = r0 / r1;
            (r0, r1) = (r1, r0 - quotient * r1);
            (t0, t1) = (t1, t0 - quotient * t1);
        }
        if r0 != 1 {
            return None;
        }
        let q = i128::from(self.q);
        Some(t0.rem_euclid(q) as u64)
    }

    /// The centered representative of a in [0, q): a value in (-q/2, q/2].
    #[inline]
    pub fn center(&self, a: u64) -> i64 {
        let above = 0u64.wrapping_sub(u64::from(a > self.q / 2));
        a.wrapping_sub(self.q & above) as i64
    }

    /// `a[i] = a[i] + b[i] mod q` (both in [0, q)); stops at the shorter slice.
    pub fn add_slices(&self, a: &mut [u64], b: &[u64]) {
        for (x, &y) in a.iter_mut().zip(b) {
            *x = self.add(*x, y);
        }
    }

    /// `a[i] = a[i] - b[i] mod q` (both in [0, q)); stops at the shorter slice.
    pub fn sub_slices(&self, a: &mut [u64], b: &[u64]) {
        for (x, &y) in a.iter_mut().zip(b) {
            *x = self.sub(*x, y);
        }
    }

    /// `a[i] = -a[i] mod q`.
    pub fn neg_slice(&self, a: &mut [u64]) {
        for x in a.iter_mut() {
            *x = self.neg(*x);
        }
    }

    /// `a[i] = a[i] * b[i] mod q` (both in [0, q)); stops at the shorter slice.
    pub fn mul_slices(&self, a: &mut [u64], b: &[u64]) {
        for (x, &y) in a.iter_mut().zip(b) {
            *x = self.mul(*x, y);
        }
    }

    /// `acc[i] = acc[i] + a[i] * b[i] mod q` (all in [0, q)); stops at the shortest slice.
    pub fn mul_add_slices(&self, acc: &mut [u64], a: &[u64], b: &[u64]) {
        for (z, (&x, &y)) in acc.iter_mut().zip(a.iter().zip(b)) {
            *z = self.add(*z, self.mul(x, y));
        }
    }

    /// `a[i] = a[i] * c mod q` for a constant c (any u64, reduced first), via Shoup.
    pub fn mul_scalar_slice(&self, a: &mut [u64], c: u64) {
        let c = self.reduce(c);
        let c_shoup = self.shoup(c);
        for x in a.iter_mut() {
            *x = self.mul_shoup(*x, c, c_shoup);
        }
    }
}

/// a * b mod m with u128 arithmetic (variable time; primality testing only).
fn mul_mod_vt(a: u64, b: u64, m: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(m)) as u64
}

/// a^e mod m (variable time; primality testing only).
fn pow_mod_vt(mut a: u64, mut e: u64, m: u64) -> u64 {
    let mut result = 1 % m;
    a %= m;
    while e > 0 {
        if e & 1 == 1 {
            result = mul_mod_vt(result, a, m);
        }
        a = mul_mod_vt(a, a, m);
        e >>= 1;
    }
    result
}

/// Deterministic Miller-Rabin for every u64: the first twelve primes as bases suffice below
/// 3.3 * 10^24 (Sorenson and Webster, 2015).
///
/// # Security
/// Variable time: public values only.
pub fn is_prime(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    for p in BASES {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    'bases: for a in BASES {
        let mut x = pow_mod_vt(a, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul_mod_vt(x, x, n);
            if x == n - 1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Moduli of every size class the crate meets, up to the 2^62 limit.
    fn moduli() -> impl Strategy<Value = u64> {
        prop_oneof![
            2u64..1 << 20,
            (1u64 << 40)..(1 << 43),
            (1u64 << 58)..(1 << 60),
            ((1u64 << 62) - (1 << 20))..(1 << 62),
            Just((1u64 << 62) - 1),
            Just(1u64 << 61),
        ]
    }

    fn modulus_and_two() -> impl Strategy<Value = (Modulus, u64, u64)> {
        moduli().prop_flat_map(|q| {
            let m = Modulus::new(q).unwrap();
            (Just(m), 0..q, 0..q)
        })
    }

    proptest! {
        #[test]
        fn add_sub_neg_match_u128((m, a, b) in modulus_and_two()) {
            let q = u128::from(m.value());
            let (a1, b1) = (u128::from(a), u128::from(b));
            prop_assert_eq!(u128::from(m.add(a, b)), (a1 + b1) % q);
            prop_assert_eq!(u128::from(m.sub(a, b)), (a1 + q - b1) % q);
            prop_assert_eq!(u128::from(m.neg(a)), (q - a1) % q);
        }

        #[test]
        fn mul_matches_u128((m, a, b) in modulus_and_two()) {
            let q = u128::from(m.value());
            prop_assert_eq!(u128::from(m.mul(a, b)), u128::from(a) * u128::from(b) % q);
        }

        #[test]
        fn extreme_operands_multiply_correctly(q in moduli()) {
            let m = Modulus::new(q).unwrap();
            for (a, b) in [(q - 1, q - 1), (q - 1, 1), (0, q - 1), (q / 2, q - 1)] {
                prop_assert_eq!(u128::from(m.mul(a, b)), u128::from(a) * u128::from(b) % u128::from(q));
            }
        }

        #[test]
        fn shoup_matches_u128((m, w, _b) in modulus_and_two(), a in any::<u64>()) {
            let q = u128::from(m.value());
            let expected = u128::from(a) * u128::from(w) % q;
            let ws = m.shoup(w);
            prop_assert_eq!(u128::from(m.mul_shoup(a, w, ws)), expected);
            let lazy = m.lazy_mul_shoup(a, w, ws);
            prop_assert!(u128::from(lazy) < 2 * q);
            prop_assert_eq!(u128::from(lazy) % q, expected);
        }

        #[test]
        fn reductions_match_u128(q in moduli(), a in any::<u64>(), b in any::<u128>(), c in any::<i64>(), d in any::<i128>()) {
            let m = Modulus::new(q).unwrap();
            prop_assert_eq!(m.reduce(a), a % q);
            prop_assert_eq!(u128::from(m.reduce_u128(b)), b % u128::from(q));
            prop_assert_eq!(i128::from(m.reduce_i64(c)), i128::from(c).rem_euclid(i128::from(q)));
            prop_assert_eq!(i128::from(m.reduce_i128(d)), d.rem_euclid(i128::from(q)));
        }

        #[test]
        fn pow_matches_square_and_multiply((m, a, _b) in modulus_and_two(), e in any::<u64>()) {
            prop_assert_eq!(m.pow(a, e), pow_mod_vt(a, e, m.value()));
        }

        #[test]
        fn inv_is_an_inverse_exactly_when_coprime((m, a, _b) in modulus_and_two()) {
            let q = m.value();
            let gcd = { let (mut x, mut y) = (q, a); while y != 0 { (x, y) = (y, x % y); } x };
            match m.inv(a) {
                Some(i) => { prop_assert!(i < q); prop_assert_eq!(m.mul(a, i), 1 % q); }
                None => prop_assert_ne!(gcd, 1),
            }
        }

        #[test]
        fn center_is_the_centered_representative((m, a, _b) in modulus_and_two()) {
            let q = i128::from(m.value());
            let c = i128::from(m.center(a));
            prop_assert!(2 * c > -q && 2 * c <= q);
            prop_assert_eq!(c.rem_euclid(q), i128::from(a));
        }

        #[test]
        fn slice_helpers_match_scalar_ops(q in moduli(), seed in proptest::collection::vec(any::<u64>(), 3 * 17), c in any::<u64>()) {
            let m = Modulus::new(q).unwrap();
            let v: Vec<u64> = seed.iter().map(|&x| x % q).collect();
            let (a, rest) = v.split_at(17);
            let (b, d) = rest.split_at(17);
            let mut x = a.to_vec();
            m.add_slices(&mut x, b);
            prop_assert!(x.iter().zip(a.iter().zip(b)).all(|(&r, (&s, &t))| r == m.add(s, t)));
            let mut x = a.to_vec();
            m.sub_slices(&mut x, b);
            prop_assert!(x.iter().zip(a.iter().zip(b)).all(|(&r, (&s, &t))| r == m.sub(s, t)));
            let mut x = a.to_vec();
            m.neg_slice(&mut x);
            prop_assert!(x.iter().zip(a).all(|(&r, &s)| r == m.neg(s)));
            let mut x = a.to_vec();
            m.mul_slices(&mut x, b);
            prop_assert!(x.iter().zip(a.iter().zip(b)).all(|(&r, (&s, &t))| u128::from(r) == u128::from(s) * u128::from(t) % u128::from(q)));
            let mut x = d.to_vec();
            m.mul_add_slices(&mut x, a, b);
            prop_assert!(x.iter().zip(d.iter().zip(a.iter().zip(b))).all(|(&r, (&z, (&s, &t)))| u128::from(r) == (u128::from(z) + u128::from(s) * u128::from(t)) % u128::from(q)));
            let mut x = a.to_vec();
            m.mul_scalar_slice(&mut x, c);
            prop_assert!(x.iter().zip(a).all(|(&r, &s)| u128::from(r) == u128::from(s) * u128::from(c) % u128::from(q)));
        }
    }

    #[test]
    fn new_rejects_out_of_range_moduli() {
        for q in [0, 1, 1 << 62, u64::MAX] {
            assert!(matches!(
                Modulus::new(q),
                Err(Error::ModulusSize {
                    min: 2,
                    max: 62,
                    ..
                })
            ));
        }
        assert_eq!(
            Modulus::new(1 << 62),
            Err(Error::ModulusSize {
                bits: 63,
                min: 2,
                max: 62
            })
        );
    }

    #[test]
    fn bits_counts_the_residue_width() {
        assert_eq!(Modulus::new(2).unwrap().bits(), 1);
        assert_eq!(Modulus::new(1 << 40).unwrap().bits(), 40);
        assert_eq!(Modulus::new((1 << 40) + 1).unwrap().bits(), 41);
        assert_eq!(Modulus::new((1 << 62) - 1).unwrap().bits(), 62);
    }

    #[test]
    fn is_prime_agrees_with_trial_division_below_ten_thousand() {
        for n in 0u64..10_000 {
            let by_trial = n >= 2 && (2..n).take_while(|d| d * d <= n).all(|d| n % d != 0);
            assert_eq!(is_prime(n), by_trial, "n = {n}");
        }
    }

    #[test]
    fn is_prime_knows_large_primes_and_strong_pseudoprimes() {
        // 2^61 - 1 is a Mersenne prime; 2^62 - 57 and 2^64 - 59 are the largest primes below
        // their powers of two.
        assert!(is_prime((1 << 61) - 1));
        assert!(is_prime((1 << 62) - 57));
        assert!(is_prime(u64::MAX - 58));
        // Strong pseudoprimes to several small bases, and a Carmichael number.
        for composite in [
            3_215_031_751,
            2_152_302_898_747,
            3_825_123_056_546_413_051,
            561,
            (1 << 61) + 1,
        ] {
            assert!(!is_prime(composite), "{composite}");
        }
    }
}
