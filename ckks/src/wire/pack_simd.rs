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
use std::sync::OnceLock;

use pulp::core_arch::x86::Avx512f;
use pulp::x86::V4;

/// Most lanes that reach one output word (for t >= 32; narrower values take the scalar path).
const MAX_SOURCES: usize = 3;

/// A disabled table entry: lane 0 shifted out entirely.
const OFF: u64 = 64;

/// One lazily built table per width t in 0..=64 (`None` where the width is not supported).
type PerWidth<T> = [OnceLock<Option<T>>; 65];

/// The table of width `bits` in `cache`, built by `make` on first use.
fn built_once<T>(
    cache: &'static PerWidth<T>,
    bits: u32,
    make: impl FnOnce(u32) -> Option<T>,
) -> Option<&'static T> {
    cache
        .get(bits as usize)?
        .get_or_init(|| make(bits))
        .as_ref()
}

/// Permutation and shift tables packing groups of eight values of t bits into t bytes.
#[derive(Clone, Copy)]
pub struct GroupPacker {
    simd: V4,
    bytes: usize,
    lane: [[u64; 8]; MAX_SOURCES],
    left: [[u64; 8]; MAX_SOURCES],
    right: [[u64; 8]; MAX_SOURCES],
}

impl GroupPacker {
    /// The packer for t = `bits`, built once per width; `None` without AVX-512 or for t < 32.
    pub fn for_bits(bits: u32) -> Option<&'static Self> {
        static PACKERS: PerWidth<GroupPacker> = [const { OnceLock::new() }; 65];
        built_once(&PACKERS, bits, Self::new)
    }

    /// The tables for t = `bits`, or `None` without AVX-512 or when a word would need more than
    /// [`MAX_SOURCES`] lanes (t < 32).
    fn new(bits: u32) -> Option<Self> {
        let simd = V4::try_new()?;
        if !(1..=64).contains(&bits) {
            return None;
        }
        let t = u64::from(bits);
        let mut lane = [[0u64; 8]; MAX_SOURCES];
        let mut left = [[OFF; 8]; MAX_SOURCES];
        let mut right = [[OFF; 8]; MAX_SOURCES];
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
        }
        Some(Self {
            simd,
            bytes: bits as usize,
            lane,
            left,
            right,
        })
    }

    /// Packs `values` (whole groups of eight; any remainder is ignored) into `dst`, which holds
    /// `values.len() / 8 * t` bytes; returns whether every value was below `bound`. A value at
    /// or above 2^t spoils the bytes, which the caller then discards.
    pub(crate) fn pack(&self, values: &[u64], bound: u64, dst: &mut [u8]) -> bool {
        let simd = self.simd;
        simd.vectorize(
            #[inline(always)]
            || {
                let f = simd.avx512f;
                let tables = self.tables(f);
                let bound = f._mm512_set1_epi64(bound as i64);
                let mut bad = 0u8;
                let (groups, _) = values.as_chunks::<8>();
                for (g, group) in groups.iter().enumerate() {
                    let v = pulp::cast(*group);
                    bad |= f._mm512_cmpge_epu64_mask(v, bound);
                    tables.store(f, v, dst, g);
                }
                bad == 0
            },
        )
    }

    /// The tables as vectors, for [`GroupTables::store`] inside a region compiled for AVX-512
    /// (`f` is that region's AVX-512 F token).
    #[inline(always)]
    pub fn tables(&self, f: Avx512f) -> GroupTables {
        let _ = f;
        let vector = |a: [u64; 8]| -> __m512i { pulp::cast(a) };
        GroupTables {
            bytes: self.bytes,
            lane: self.lane.map(vector),
            left: self.left.map(vector),
            right: self.right.map(vector),
        }
    }
}

/// [`GroupPacker`]'s tables loaded into vectors.
#[derive(Clone, Copy)]
pub struct GroupTables {
    bytes: usize,
    lane: [__m512i; MAX_SOURCES],
    left: [__m512i; MAX_SOURCES],
    right: [__m512i; MAX_SOURCES],
}

impl GroupTables {
    /// Packs the eight values of `v` (each below 2^t) as group `g` of `dst`: bytes
    /// `t g .. t g + t`. Groups must be stored in increasing order (a group's 64-byte store
    /// runs past its t bytes into the next group's, which overwrites them).
    #[inline(always)]
    pub fn store(&self, f: Avx512f, v: __m512i, dst: &mut [u8], g: usize) {
        let mut word = f._mm512_setzero_si512();
        // A fixed trip count (disabled entries add zero) unrolls the loop.
        for ((&lane, &left), &right) in self.lane.iter().zip(&self.left).zip(&self.right) {
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
}

/// Permutation and shift tables unpacking groups of t bytes into eight values of t bits: the
/// inverse of [`GroupPacker`]. Value i of a group starts at bit `t i` of the group's 64-byte
/// window, so it is word `k = t i / 64` shifted right by `s = t i mod 64`, OR word `k + 1`
/// shifted left by `64 - s` (a shift by 64 gives zero), masked to t bits.
#[derive(Clone, Copy)]
pub(crate) struct GroupUnpacker {
    simd: V4,
    bytes: usize,
    low_word: [u64; 8],
    right: [u64; 8],
    left: [u64; 8],
    mask: u64,
}

impl GroupUnpacker {
    /// The unpacker for t = `bits`, built once per width; `None` without AVX-512 or for t
    /// outside 1..=64.
    pub(crate) fn for_bits(bits: u32) -> Option<&'static Self> {
        static UNPACKERS: PerWidth<GroupUnpacker> = [const { OnceLock::new() }; 65];
        built_once(&UNPACKERS, bits, Self::new)
    }

    fn new(bits: u32) -> Option<Self> {
        let simd = V4::try_new()?;
        if !(1..=64).contains(&bits) {
            return None;
        }
        let t = u64::from(bits);
        let mut low_word = [0u64; 8];
        let mut right = [0u64; 8];
        let mut left = [OFF; 8];
        for (i, ((k, r), l)) in (0u64..).zip(low_word.iter_mut().zip(&mut right).zip(&mut left)) {
            let start = t * i;
            (*k, *r) = (start / 64, start % 64);
            // Word k + 1 exists in the window whenever the value reaches into it (t i + t <=
            // 8 t <= 512); when it does not, the shift drops it (s = 0) or the mask does.
            *l = if *r == 0 { OFF } else { 64 - *r };
        }
        Some(Self {
            simd,
            bytes: bits as usize,
            low_word,
            right,
            left,
            mask: u64::MAX >> (64 - bits),
        })
    }

    /// Unpacks the leading groups of `bytes` (t bytes for eight values) whose 64-byte window
    /// lies inside `bytes`, at most `out.len() / 8` of them, into `out`. Returns how many values
    /// it wrote and a flag that is non-zero when one of them is not below `q`.
    pub(crate) fn unpack(&self, bytes: &[u8], q: u64, out: &mut [u64]) -> (usize, u64) {
        let simd = self.simd;
        simd.vectorize(
            #[inline(always)]
            || {
                let f = simd.avx512f;
                let vector = |a: [u64; 8]| -> __m512i { pulp::cast(a) };
                let (low_word, right, left) =
                    (vector(self.low_word), vector(self.right), vector(self.left));
                let high_word = f._mm512_add_epi64(low_word, f._mm512_set1_epi64(1));
                let mask = f._mm512_set1_epi64(self.mask as i64);
                let q = f._mm512_set1_epi64(q as i64);
                let mut bad = 0u8;
                let mut written = 0;
                for (g, group) in out.as_chunks_mut::<8>().0.iter_mut().enumerate() {
                    let at = g * self.bytes;
                    let Some(window) = bytes
                        .get(at..at + 64)
                        .and_then(|w| <[u8; 64]>::try_from(w).ok())
                    else {
                        break;
                    };
                    let words: __m512i = pulp::cast(window);
                    let low =
                        f._mm512_srlv_epi64(f._mm512_permutexvar_epi64(low_word, words), right);
                    let high =
                        f._mm512_sllv_epi64(f._mm512_permutexvar_epi64(high_word, words), left);
                    let v = f._mm512_and_si512(f._mm512_or_si512(low, high), mask);
                    bad |= f._mm512_cmpge_epu64_mask(v, q);
                    *group = pulp::cast(v);
                    written += 8;
                }
                (written, u64::from(bad))
            },
        )
    }
}
