//! Portable radix-2 negacyclic NTT with Shoup twiddles and lazy reduction.
//!
//! Forward: Cooley-Tukey butterflies over the powers of psi stored in bit-reversed order
//! (Longa and Naehrig, "Speeding up the Number Theoretic Transform for Faster Ideal
//! Lattice-Based Cryptography", eprint 2016/504, Algorithm 1), which merges the negacyclic twist
//! into the transform. Inverse: Gentleman-Sande butterflies over psi^-1 (Algorithm 2) with the
//! factor n^-1 folded into the last stage. Butterflies follow Harvey ("Faster arithmetic for
//! number-theoretic transforms", J. Symbolic Comput. 2014, arXiv:1205.2926): the forward
//! transform keeps values in [0, 4q), the inverse in [0, 2q), and reduces once at the end, which
//! needs 4q < 2^64 (every [`Modulus`] has q < 2^62).
//!
//! Output order: `forward` leaves `a_hat[i] = a(psi^(2*brv(i) + 1))`, brv the bit reversal on
//! log2(n) bits; `inverse` takes that order back to coefficients and divides by n.
//!
//! # Security
//! Operand-independent time: the only branches depend on n.

use crate::ring::modulus::Modulus;

/// Subtracts `two_q` from `x` when `x >= two_q`, for `x < 2 * two_q` (mask, no branch).
#[inline(always)]
fn reduce_twice(x: u64, two_q: u64) -> u64 {
    let t = x.wrapping_sub(two_q);
    t.wrapping_add(two_q & 0u64.wrapping_sub(t >> 63))
}

/// Precomputed tables of the scalar negacyclic NTT for one (n, q).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ScalarNtt {
    modulus: Modulus,
    /// psi^brv(k) at index k (index 0 unused by the forward loop).
    twid: Vec<u64>,
    twid_shoup: Vec<u64>,
    /// psi^-brv(k) at index k.
    inv_twid: Vec<u64>,
    inv_twid_shoup: Vec<u64>,
    /// n^-1 and n^-1 * psi^-brv(1), for the fused last inverse stage.
    n_inv: u64,
    n_inv_shoup: u64,
    n_inv_w: u64,
    n_inv_w_shoup: u64,
}

impl ScalarNtt {
    /// Builds the tables from a primitive 2n-th root of unity psi (n a power of two >= 2).
    pub(crate) fn new(modulus: Modulus, n: usize, psi: u64) -> Option<Self> {
        let log_n = n.trailing_zeros();
        let psi_inv = modulus.inv(psi)?;
        let n_inv = modulus.inv(n as u64)?;
        let mut twid = vec![0u64; n];
        let mut inv_twid = vec![0u64; n];
        let (mut w, mut w_inv) = (1u64, 1u64);
        for k in 0..n {
            let index = k.reverse_bits() >> (usize::BITS - log_n);
            *twid.get_mut(index)? = w;
            *inv_twid.get_mut(index)? = w_inv;
            w = modulus.mul(w, psi);
            w_inv = modulus.mul(w_inv, psi_inv);
        }
        let twid_shoup = twid.iter().map(|&w| modulus.shoup(w)).collect();
        let inv_twid_shoup = inv_twid.iter().map(|&w| modulus.shoup(w)).collect();
        let n_inv_w = modulus.mul(n_inv, *inv_twid.get(1)?);
        Some(Self {
            modulus,
            twid,
            twid_shoup,
            inv_twid,
            inv_twid_shoup,
            n_inv,
            n_inv_shoup: modulus.shoup(n_inv),
            n_inv_w,
            n_inv_w_shoup: modulus.shoup(n_inv_w),
        })
    }

    /// Forward negacyclic NTT in place: coefficients in [0, q) to bit-reversed evaluations in
    /// [0, q). `a.len()` must be n (checked by the caller).
    pub(crate) fn forward(&self, a: &mut [u64]) {
        let n = a.len();
        let m_ = &self.modulus;
        let q = m_.value();
        let two_q = 2 * q;
        let mut t = n;
        let mut m = 1;
        while m < n / 2 {
            t /= 2;
            let twiddles = self.twid.iter().zip(&self.twid_shoup).skip(m);
            for (block, (&w, &w_shoup)) in a.chunks_exact_mut(2 * t).zip(twiddles) {
                let (lo, hi) = block.split_at_mut(t);
                for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                    // x, y in [0, 4q) -> x, y in [0, 4q).
                    let u = reduce_twice(*x, two_q);
                    let v = m_.lazy_mul_shoup(*y, w, w_shoup);
                    *x = u + v;
                    *y = u + two_q - v;
                }
            }
            m *= 2;
        }
        // Last stage (t = 1, pairs of neighbours) with the final reduction to [0, q) folded in.
        let twiddles = self.twid.iter().zip(&self.twid_shoup).skip(n / 2);
        for (pair, (&w, &w_shoup)) in a.chunks_exact_mut(2).zip(twiddles) {
            if let [x, y] = pair {
                let u = reduce_twice(*x, two_q);
                let v = m_.lazy_mul_shoup(*y, w, w_shoup);
                *x = reduce_twice(reduce_twice(u + v, two_q), q);
                *y = reduce_twice(reduce_twice(u + two_q - v, two_q), q);
            }
        }
    }

    /// Inverse negacyclic NTT in place, dividing by n: bit-reversed evaluations in [0, q) (or
    /// [0, 2q)) to coefficients in [0, q). `a.len()` must be n (checked by the caller).
    pub(crate) fn inverse(&self, a: &mut [u64]) {
        let n = a.len();
        let m_ = &self.modulus;
        let two_q = 2 * m_.value();
        // First stage (t = 1, pairs of neighbours).
        let twiddles = self.inv_twid.iter().zip(&self.inv_twid_shoup).skip(n / 2);
        if n > 2 {
            for (pair, (&w, &w_shoup)) in a.chunks_exact_mut(2).zip(twiddles) {
                if let [x, y] = pair {
                    let (u, v) = (*x, *y);
                    *x = reduce_twice(u + v, two_q);
                    *y = m_.lazy_mul_shoup(u + two_q - v, w, w_shoup);
                }
            }
        }
        let mut t = 2;
        let mut m = n / 2;
        while m > 2 {
            let h = m / 2;
            let twiddles = self.inv_twid.iter().zip(&self.inv_twid_shoup).skip(h);
            for (block, (&w, &w_shoup)) in a.chunks_exact_mut(2 * t).zip(twiddles) {
                let (lo, hi) = block.split_at_mut(t);
                for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                    // x, y in [0, 2q) -> x, y in [0, 2q).
                    let (u, v) = (*x, *y);
                    *x = reduce_twice(u + v, two_q);
                    *y = m_.lazy_mul_shoup(u + two_q - v, w, w_shoup);
                }
            }
            t *= 2;
            m = h;
        }
        // Last stage (m = 2, one block, twiddle psi^-1 at index 1) with n^-1 folded in.
        let (lo, hi) = a.split_at_mut(n / 2);
        for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
            let (u, v) = (*x, *y);
            *x = m_.mul_shoup(u + v, self.n_inv, self.n_inv_shoup);
            *y = m_.mul_shoup(u + two_q - v, self.n_inv_w, self.n_inv_w_shoup);
        }
    }
}
