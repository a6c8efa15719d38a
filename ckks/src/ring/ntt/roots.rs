//! The primitive 2n-th root of unity psi that fixes the NTT form of every polynomial.
//!
//! The evaluation form is part of the protocol (seeded `a` and NTT-form keys travel between a
//! browser and a server that may run different kernels), so psi is defined once, here:
//! starting from -1, take the Tonelli-Shanks square root (with z the smallest quadratic
//! non-residue) log2(2n) - 1 times. This is the root `tfhe-ntt` 0.7 `prime64::Plan` uses, so the
//! scalar and SIMD kernels produce identical outputs (checked by tests).

use crate::ring::modulus::Modulus;

/// Tonelli-Shanks square root of `a` modulo the prime q = odd * 2^s + 1 with non-residue z,
/// or `None` when `a` is not a square.
fn sqrt_mod(m: &Modulus, odd: u64, s: u32, z: u64, a: u64) -> Option<u64> {
    let mut bound = s;
    let mut c = m.pow(z, odd);
    let mut t = m.pow(a, odd);
    let mut r = m.pow(a, odd.div_ceil(2));
    loop {
        if t == 0 {
            return Some(0);
        }
        if t == 1 {
            return Some(r);
        }
        let mut i = 0;
        let mut t_pow = t;
        while i < bound {
            t_pow = m.mul(t_pow, t_pow);
            i += 1;
            if t_pow == 1 {
                break;
            }
        }
        if i == bound {
            return None;
        }
        let b = m.pow(c, 1u64 << (bound - i - 1));
        bound = i;
        c = m.mul(b, b);
        t = m.mul(t, c);
        r = m.mul(r, b);
    }
}

/// The canonical primitive `two_n`-th root of unity modulo the prime q (see the module doc),
/// or `None` when `two_n` (a power of two >= 2) does not divide q - 1.
///
/// # Security
/// Variable time: q and n are public.
pub(crate) fn primitive_root(m: &Modulus, two_n: u64) -> Option<u64> {
    let q = m.value();
    if !two_n.is_power_of_two() || two_n < 2 || !(q - 1).is_multiple_of(two_n) {
        return None;
    }
    let s = (q - 1).trailing_zeros();
    let odd = (q - 1) >> s;
    let z = (2..q).find(|&z| m.pow(z, (q - 1) / 2) == q - 1)?;
    let mut root = q - 1;
    for _ in 1..two_n.trailing_zeros() {
        root = sqrt_mod(m, odd, s, z, root)?;
    }
    Some(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_has_exact_order_two_n() {
        // 12289 = 3 * 2^12 + 1 and a 42-bit NTT prime.
        for (q, two_n) in [(12289u64, 4096u64), (12289, 2), (4_398_046_150_657, 8192)] {
            let m = Modulus::new(q).unwrap();
            let psi = primitive_root(&m, two_n).unwrap();
            assert_eq!(m.pow(psi, two_n), 1);
            assert_eq!(m.pow(psi, two_n / 2), q - 1);
        }
    }

    #[test]
    fn root_is_refused_when_two_n_does_not_divide_q_minus_one() {
        let m = Modulus::new(12289).unwrap();
        assert_eq!(primitive_root(&m, 1 << 13), None);
        assert_eq!(primitive_root(&m, 6), None);
    }
}
