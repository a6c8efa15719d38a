//! AVX-512 bit packing: eight values of t bits become t bytes in a handful of vector operations.
//!
//! The eight values of a group fill bits `t i .. t i + t` of a `8 t`-bit stream, so output word
//! k (bits `64 k .. 64 k + 64`) is the OR of at most a few lanes, each moved to lane k by a
//! permutation and shifted left (a lane starting inside the word) or right (a lane starting
//! before it). Variable shifts by 64 give zero, which disables a table entry. The tables depend
//! on t only ([`GroupPacker::new`]). A group's 64-byte result is stored at its byte offset
//! `8 t g / 8 = t g`; the bytes past the group's t are overwritten by the next group, and the
//! last groups are copied exactly. The output is byte for byte the scalar packer's
//! (`bitpack.rs` tests compare the two).
//!
//! Only AVX-512 F is needed (pulp's [`V4`] token: F, BW, CD, DQ and VL), checked at run time.

use core::arch::x86_64::__m512i;

use pulp::x86::V4;

/// Most lanes that reach one output word (for t >= 22).
const MAX_SOURCES: usize = 4;

/// A disabled table entry: lane 0 shifted out entirely.
const OFF: u64 = 64;

/// Permutation and shift tables packing groups of eight values of t bits into t bytes.
#[derive(Clone, Copy)]
pub(super) struct GroupPacker {
    simd: V4,
    bytes: usize,
    sources: usize,
    lane: [[u64; 8]; MAX_SOURCES],
    left: [[u64; 8]; MAX_SOURCES],
    right: [[u64; 8]; MAX_SOURCES],
}

impl GroupPacker {
    /// The tables for t = `bits`, or `None` without AVX-512 or when a word would need more than
    /// [`MAX_SOURCES`] lanes (t < 22).
    pub(super) fn new(bits: u32) -> Option<Self> {
        let simd = V4::try_new()?;
        if !(1..=64).contains(&bits) {
            return None;
        }
        let t = u64::from(bits);
        let mut lane = [[0u64; 8]; MAX_SOURCES];
        let mut left = [[OFF; 8]; MAX_SOURCES];
        let mut right = [[OFF; 8]; MAX_SOURCES];
        let mut sources = 0;
        for k in 0..(bits as usize).div_ceil(8) {
            let (word_lo, word_hi) = (64 * k as u64, 64 * k as u64 + 64);
            let mut m = 0;
            for i in 0..8u64 {
                let (start, end) = (t * i, t * i + t);
                if start >= word_hi || end <= word_lo {
                    continue;
                }
                let (l, r, s) = (
                    left.get_mut(m)?.get_mut(k)?,
                    right.get_mut(m)?.get_mut(k)?,
                    lane.get_mut(m)?.get_mut(k)?,
                );
                *s = i;
                if start >= word_lo {
                    *l = start - word_lo;
                } else {
                    *r = word_lo - start;
                }
                m += 1;
            }
            sources = sources.max(m);
        }
        Some(Self {
            simd,
            bytes: bits as usize,
            sources,
            lane,
            left,
            right,
        })
    }

    /// Packs `values` (whole groups of eight; any remainder is ignored) into `dst`, which holds
    /// `values.len() / 8 * t` bytes; returns whether every value was below `bound`. A value at
    /// or above 2^t spoils the bytes, which the caller then discards.
    pub(super) fn pack(&self, values: &[u64], bound: u64, dst: &mut [u8]) -> bool {
        let simd = self.simd;
        simd.vectorize(
            #[inline(always)]
            || {
                let f = simd.avx512f;
                let vector = |a: [u64; 8]| -> __m512i { pulp::cast(a) };
                let lane = self.lane.map(vector);
                let left = self.left.map(vector);
                let right = self.right.map(vector);
                let bound = f._mm512_set1_epi64(bound as i64);
                let mut bad = 0u8;
                let (groups, _) = values.as_chunks::<8>();
                for (g, group) in groups.iter().enumerate() {
                    let v = vector(*group);
                    bad |= f._mm512_cmpge_epu64_mask(v, bound);
                    let mut word = f._mm512_setzero_si512();
                    for ((&lane, &left), &right) in
                        lane.iter().zip(&left).zip(&right).take(self.sources)
                    {
                        let moved = f._mm512_permutexvar_epi64(lane, v);
                        let part = f._mm512_or_si512(
                            f._mm512_sllv_epi64(moved, left),
                            f._mm512_srlv_epi64(moved, right),
                        );
                        word = f._mm512_or_si512(word, part);
                    }
                    let out: [u8; 64] = pulp::cast(word);
                    let at = g * self.bytes;
                    if let Some(slot) = dst.get_mut(at..at + out.len()) {
                        slot.copy_from_slice(&out);
                    } else if let (Some(slot), Some(src)) =
                        (dst.get_mut(at..at + self.bytes), out.get(..self.bytes))
                    {
                        slot.copy_from_slice(src);
                    }
                }
                bad == 0
            },
        )
    }
}
