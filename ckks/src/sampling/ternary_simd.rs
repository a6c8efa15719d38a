//! The ternary sampler's digits on AVX-512 (x86-64), eight random bytes per step.
//!
//! Each byte goes to a 64-bit lane, which receives its five base-3 digits minus one as five
//! bytes (divisions by 3 as exact multiply-shifts); the lanes of accepted bytes (below 243) are
//! compressed to the front (`VPCOMPRESSQ`), and the 40-bit lanes are packed end to end by the
//! wire format's [`GroupPacker`], which is exactly the scalar sampler's output: the five
//! digits of each accepted byte, in stream order.
//!
//! # Security
//! No memory access or branch depends on an accepted byte: the arithmetic, compression and
//! packing run in fixed time; only the number of accepted bytes (which reveals the rejected
//! ones alone) moves the write position.

use core::arch::x86_64::__m512i;

use crate::ring::simd::Ifma;
use crate::wire::GroupPacker;

/// Bits of one accepted byte's digits: five bytes.
const DIGIT_BITS: u32 = 40;

/// The task of [`append_digits`] in its vectorized region.
struct AppendDigits<'a> {
    simd: Ifma,
    packer: &'a GroupPacker,
    bytes: &'a [u8],
    out: &'a mut [u8],
    filled: usize,
}

/// Writes the digits of the accepted bytes of `bytes` (each byte below 243 gives its five
/// base-3 digits, least significant first, minus one) to `out` from `filled` on, while at least
/// 64 bytes of `out` remain; returns the new fill level and how many bytes it read (a multiple
/// of 8). The scalar loop of [`super::ternary_into`] continues from there.
pub(super) fn append_digits(bytes: &[u8], out: &mut [i8], filled: usize) -> Option<(usize, usize)> {
    let simd = Ifma::try_new()?;
    let packer = GroupPacker::for_bits(DIGIT_BITS)?;
    let out: &mut [u8] = bytemuck::cast_slice_mut(out);
    Some(simd.vectorize(AppendDigits {
        simd,
        packer,
        bytes,
        out,
        filled,
    }))
}

impl pulp::NullaryFnOnce for AppendDigits<'_> {
    type Output = (usize, usize);

    #[inline(always)]
    fn call(self) -> (usize, usize) {
        let Self {
            simd,
            packer,
            bytes,
            out,
            mut filled,
        } = self;
        let (f, bw) = (simd.avx512f, simd.avx512bw);
        let splat = |v: u64| f._mm512_set1_epi64(v as i64);
        let limit = splat(243);
        // (q * 43691) >> 17 = floor(q / 3) for q < 2^16.
        let third = splat(43_691);
        // One subtracted from each of the five digit bytes only (the packer takes 40 bits).
        let ones = splat(0x01_0101_0101);
        let tables = packer.tables(f);
        let mut read = 0;
        for group in bytes.as_chunks::<8>().0 {
            if filled + 64 > out.len() {
                break;
            }
            let x = f._mm512_cvtepu8_epi64(pulp::cast([u64::from_le_bytes(*group), 0]));
            let accepted = f._mm512_cmplt_epu64_mask(x, limit);
            let div3 = |q: __m512i| f._mm512_srli_epi64::<17>(f._mm512_mul_epu32(q, third));
            let q1 = div3(x);
            let q2 = div3(q1);
            let q3 = div3(q2);
            let q4 = div3(q3);
            let q5 = div3(q4);
            let digit = |q: __m512i, next: __m512i| {
                f._mm512_sub_epi64(q, f._mm512_add_epi64(next, f._mm512_add_epi64(next, next)))
            };
            let or = |a, b| f._mm512_or_si512(a, b);
            let lanes = or(
                or(digit(x, q1), f._mm512_slli_epi64::<8>(digit(q1, q2))),
                or(
                    or(
                        f._mm512_slli_epi64::<16>(digit(q2, q3)),
                        f._mm512_slli_epi64::<24>(digit(q3, q4)),
                    ),
                    f._mm512_slli_epi64::<32>(digit(q4, q5)),
                ),
            );
            let lanes = bw._mm512_sub_epi8(lanes, ones);
            let packed = f._mm512_maskz_compress_epi64(accepted, lanes);
            if let Some(dst) = out.get_mut(filled..) {
                tables.store(f, packed, dst, 0);
            }
            filled += 5 * accepted.count_ones() as usize;
            read += 8;
        }
        (filled.min(out.len()), read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: five digits minus one per byte below 243, in order.
    fn reference(bytes: &[u8]) -> Vec<i8> {
        let mut want = Vec::new();
        for &byte in bytes.iter().filter(|&&b| b < 243) {
            let mut b = byte;
            for _ in 0..5 {
                want.push((b % 3) as i8 - 1);
                b /= 3;
            }
        }
        want
    }

    #[test]
    fn digits_of_every_byte_value_follow_the_reference() {
        if Ifma::try_new().is_none() {
            return;
        }
        // Every byte value, then runs of rejected and accepted bytes in odd positions.
        let mut bytes: Vec<u8> = (0..=255u8).collect();
        bytes.extend((0..256u32).map(|i| {
            if i % 7 < 3 {
                243 + (i % 13) as u8
            } else {
                (i * 37 % 243) as u8
            }
        }));
        let want = reference(&bytes);
        for start in [0usize, 1, 5, 63] {
            let mut out = vec![99i8; start + want.len() + 64];
            let (filled, read) = append_digits(&bytes, &mut out, start).expect("AVX-512");
            assert_eq!(read % 8, 0);
            let expected = reference(bytes.get(..read).expect("read within the bytes"));
            assert_eq!(filled - start, expected.len(), "start {start}");
            assert_eq!(&out[start..filled], &expected[..], "start {start}");
            assert!(
                out[..start].iter().all(|&v| v == 99),
                "nothing before the start"
            );
        }
    }

    #[test]
    fn stops_while_64_bytes_of_output_remain() {
        if Ifma::try_new().is_none() {
            return;
        }
        let bytes = [7u8; 256];
        let mut out = vec![0i8; 100];
        let (filled, read) = append_digits(&bytes, &mut out, 0).expect("AVX-512");
        assert!(
            filled + 64 > out.len() && filled <= out.len(),
            "filled {filled}"
        );
        assert_eq!(filled, 5 * read);
        assert_eq!(&out[..filled], &reference(&bytes[..read])[..]);
    }
}
