//! The "special FFT" of CKKS: evaluation of a degree < s complex polynomial at the roots
//! zeta^(5^j), j = 0..s, where zeta = exp(2 pi i / (4 s)), in O(s log s).
//!
//! With s = n/2 slots, zeta is a primitive 2n-th root of unity and the points zeta^(5^j) are
//! one root of each conjugate pair of the primitive 2n-th roots (5 generates the subgroup of
//! (Z/2nZ)^* of residues 1 mod 4). The algorithm is the radix-2 Cooley-Tukey FFT of the HEAAN
//! library (`fftSpecial` / `fftSpecialInv`), described in Cheon, Han, Kim, Kim and Song,
//! "Bootstrapping for approximate homomorphic encryption" (eprint 2018/1043): stage `len`
//! (len = 2, 4, ..., s) multiplies by w_j = exp(2 pi i (5^j mod 4 len) / (4 len)), j < len/2.
//!
//! The matrix V with V_(j,k) = zeta^(5^j k) satisfies V^H V = s I (the powers 5^j k - 5^j l
//! sum to zero unless k = l), so the inverse transform is V^H / s: the same butterflies with
//! conjugated twiddles, in reverse order.

use core::f64::consts::TAU;

use num_complex::Complex64;

/// exp(2 pi i k / m), for `m` a power of two >= 4.
///
/// The angle is reduced to [0, pi/4] by quadrant and octant symmetries before `cos`/`sin`
/// are called, so the result is within about one ulp of the true value per component and the
/// symmetric roots (1, i, -1, -i) are exact. No repeated multiplication is used.
pub(crate) fn root_of_unity(k: usize, m: usize) -> Complex64 {
    let quarter = m / 4;
    let k = k % m;
    let quadrant = k / quarter;
    let r = k % quarter;
    // exp(2 pi i r / m) with r in [0, m/4): use the octant [0, pi/4] directly or via
    // cos(pi/2 - t) = sin t.
    let (c, s) = if 2 * r <= quarter {
        let t = TAU * (r as f64) / (m as f64);
        (t.cos(), t.sin())
    } else {
        let t = TAU * ((quarter - r) as f64) / (m as f64);
        (t.sin(), t.cos())
    };
    // Multiply by i^quadrant exactly.
    match quadrant {
        0 => Complex64::new(c, s),
        1 => Complex64::new(-s, c),
        2 => Complex64::new(-c, -s),
        _ => Complex64::new(s, -c),
    }
}

/// Precomputed tables of the special FFT for `s` slots (a power of two).
#[derive(Clone)]
pub(crate) struct SpecialFft {
    /// Stage tables, one per len = 2, 4, ..., s: entry j < len/2 is
    /// exp(2 pi i (5^j mod 4 len) / (4 len)).
    stages: Vec<Vec<Complex64>>,
    /// Index pairs (i, rev(i)) with i < rev(i), rev = bit reversal over log2(s) bits.
    swaps: Vec<(usize, usize)>,
    /// Number of slots s.
    slots: usize,
    /// 1/s (exact: s is a power of two).
    inv_slots: f64,
}

impl SpecialFft {
    /// Tables for `slots` (a power of two, at least 2) slots; `rotation_group[j]` must be
    /// 5^j mod (4 * slots) for j < slots (or the same modulo any multiple of 4 * slots).
    pub(crate) fn new(slots: usize, rotation_group: &[usize]) -> Self {
        let mut stages = Vec::new();
        let mut len = 2;
        while len <= slots {
            let lenq = 4 * len;
            let stage = rotation_group
                .iter()
                .take(len / 2)
                .map(|&g| root_of_unity(g % lenq, lenq))
                .collect();
            stages.push(stage);
            len *= 2;
        }
        let bits = slots.trailing_zeros();
        let swaps = if bits == 0 {
            Vec::new()
        } else {
            (0..slots)
                .map(|i| (i, i.reverse_bits() >> (usize::BITS - bits)))
                .filter(|&(i, r)| i < r)
                .collect()
        };
        Self {
            stages,
            swaps,
            slots,
            inv_slots: 1.0 / slots as f64,
        }
    }

    fn bit_reverse(&self, vals: &mut [Complex64]) {
        for &(i, r) in &self.swaps {
            vals.swap(i, r);
        }
    }

    /// In place: u -> z with z_j = sum_k u_k zeta^(5^j k) (natural order in and out).
    ///
    /// `vals.len()` must be the slot count the tables were built for.
    pub(crate) fn forward(&self, vals: &mut [Complex64]) {
        debug_assert_eq!(vals.len(), self.slots);
        self.bit_reverse(vals);
        for stage in &self.stages {
            let half = stage.len();
            for block in vals.chunks_exact_mut(2 * half) {
                let (lo, hi) = block.split_at_mut(half);
                for ((u, v), w) in lo.iter_mut().zip(hi.iter_mut()).zip(stage) {
                    let t = *v * *w;
                    let a = *u;
                    *u = a + t;
                    *v = a - t;
                }
            }
        }
    }

    /// In place: z -> u = V^H z / s, the inverse of [`Self::forward`] (natural order in and out).
    ///
    /// `vals.len()` must be the slot count the tables were built for.
    pub(crate) fn inverse(&self, vals: &mut [Complex64]) {
        debug_assert_eq!(vals.len(), self.slots);
        for stage in self.stages.iter().rev() {
            let half = stage.len();
            for block in vals.chunks_exact_mut(2 * half) {
                let (lo, hi) = block.split_at_mut(half);
                for ((u, v), w) in lo.iter_mut().zip(hi.iter_mut()).zip(stage) {
                    let a = *u + *v;
                    let b = (*u - *v) * w.conj();
                    *u = a;
                    *v = b;
                }
            }
        }
        self.bit_reverse(vals);
        for v in vals.iter_mut() {
            *v = v.scale(self.inv_slots);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 5^j mod m for j < count.
    fn rotation_group(count: usize, m: usize) -> Vec<usize> {
        let mut g = 1;
        (0..count)
            .map(|_| {
                let out = g;
                g = g * 5 % m;
                out
            })
            .collect()
    }

    #[test]
    fn root_of_unity_matches_direct_formula_and_is_exact_on_axes() {
        let m = 1 << 12;
        let mut worst: f64 = 0.0;
        for k in 0..2 * m {
            let r = root_of_unity(k, m);
            let t = TAU * ((k % m) as f64) / m as f64;
            worst = worst.max((r - Complex64::new(t.cos(), t.sin())).norm());
            // |r| = 1 to rounding.
            assert!((r.norm() - 1.0).abs() < 4.0 * f64::EPSILON);
        }
        // Both formulas are within a few ulps of the truth; the direct one loses up to
        // |t| * 2^-53 ~ 7e-16 for t near 2 pi.
        assert!(worst < 2e-15, "worst deviation {worst}");
        assert_eq!(root_of_unity(0, m), Complex64::new(1.0, 0.0));
        assert_eq!(root_of_unity(m / 4, m), Complex64::new(0.0, 1.0));
        assert_eq!(root_of_unity(m / 2, m), Complex64::new(-1.0, 0.0));
        assert_eq!(root_of_unity(3 * m / 4, m), Complex64::new(0.0, -1.0));
        let half = core::f64::consts::FRAC_1_SQRT_2;
        let r = root_of_unity(m / 8, m);
        assert!((r.re - half).abs() <= f64::EPSILON && (r.im - half).abs() <= f64::EPSILON);
    }

    /// Naive O(s^2) evaluation z_j = sum_k u_k zeta^(5^j k), zeta = exp(2 pi i / 4s).
    fn naive_forward(u: &[Complex64]) -> Vec<Complex64> {
        let s = u.len();
        let m = 4 * s;
        rotation_group(s, m)
            .iter()
            .map(|&g| {
                u.iter()
                    .enumerate()
                    .map(|(k, &uk)| uk * root_of_unity(g * k % m, m))
                    .sum()
            })
            .collect()
    }

    fn pseudo_random(count: usize, seed: u64) -> Vec<Complex64> {
        let mut x = seed;
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        };
        (0..count).map(|_| Complex64::new(next(), next())).collect()
    }

    #[test]
    fn forward_matches_naive_evaluation_and_inverse_undoes_it() {
        for log_s in 1..=9 {
            let s = 1 << log_s;
            let fft = SpecialFft::new(s, &rotation_group(s, 4 * s));
            let u = pseudo_random(s, log_s);
            let mut z = u.clone();
            fft.forward(&mut z);
            let expected = naive_forward(&u);
            // |u_k| <= sqrt(2), |z_j| <= s sqrt(2); both computations carry ~ log2(s) and
            // s rounding steps of relative size 2^-53: 1e-12 * s is far above both.
            let bound = 1e-12 * s as f64;
            for (a, b) in z.iter().zip(&expected) {
                assert!((a - b).norm() < bound, "s = {s}: {a} vs {b}");
            }
            fft.inverse(&mut z);
            for (a, b) in z.iter().zip(&u) {
                assert!((a - b).norm() < 1e-14 * log_s as f64, "s = {s}: {a} vs {b}");
            }
        }
    }
}
