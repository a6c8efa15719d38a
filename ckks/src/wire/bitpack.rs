//! Bit-packing of RNS residues and ternary coefficients.
//!
//! A polynomial with rows `r_0, .., r_k` (row i holds n residues mod q_i) is packed row after
//! row; each residue of row i takes exactly `bits(q_i) = ceil(log2 q_i)` bits (the bit length of
//! `q_i - 1`), least significant bit first, into a little-endian bit stream: bit j of the stream
//! is bit `j % 8` of byte `j / 8`. Rows follow each other with no padding; only the last byte is
//! padded, with zero bits. The packed size is `ceil(n * sum_i bits(q_i) / 8)` bytes.
//!
//! A subset of coefficients (indices `k_0, .., k_(m-1)`) is packed the same way with `m` values
//! per row: row i carries `r_i[k_0], .., r_i[k_(m-1)]`, so it unpacks as a polynomial of `m`
//! coefficients ([`unpack_subset`]).
//!
//! Unpacking checks the byte length, every residue (`< q_i`, else `Error::ResidueOutOfRange`)
//! and the padding bits (zero, else `Error::NonZeroPadding`), so every byte string has at most
//! one meaning. Lengths come from the caller's parameters, never from the bytes, and every
//! length product is checked (`Error::TooLarge`).
//!
//! Nothing works bit by bit: the packer shifts each value into a 128-bit accumulator and stores
//! 64-bit words; the unpacker takes a row of a multiple of 64 values as groups of 64 values in
//! b whole 64-bit words, and any other row through an unaligned 8- or 16-byte window at each
//! value's bit offset. The range check is folded into both loops (no branch per value) and the
//! first offender is located only when there is one. About 2 ns per residue on a loaded machine
//! (`docs/benchmarks.md`, "Wire format").
//!
//! # Security
//! Residue packing runs on public data (ciphertexts, public keys) and branches on values only to
//! report errors. The ternary packer, used for a secret key export, maps values without
//! branching and reports an invalid value only after the whole key is processed.

use zeroize::Zeroizing;

use super::Writer;
use crate::error::{Error, Result};

/// Bits needed to store any residue mod `q`: `ceil(log2 q)`, the bit length of `q - 1`.
/// (1 for q = 2, 42 for a 42-bit prime, k for q = 2^k.)
#[must_use]
pub const fn residue_bits(q: u64) -> u32 {
    u64::BITS - q.saturating_sub(1).leading_zeros()
}

/// Bits of each row's residues, checking every modulus is at least 2.
fn row_bits(moduli: &[u64]) -> Result<Vec<u32>> {
    moduli
        .iter()
        .map(|&q| {
            if q < 2 {
                Err(Error::ModulusSize {
                    bits: residue_bits(q),
                    min: 1,
                    max: u64::BITS,
                })
            } else {
                Ok(residue_bits(q))
            }
        })
        .collect()
}

/// Size in bytes of `n` residues per row packed for `moduli`: `ceil(n * sum bits(q_i) / 8)`.
///
/// # Errors
/// `Error::ModulusSize` for a modulus below 2; `Error::TooLarge` when the size overflows `usize`.
pub fn packed_len(n: usize, moduli: &[u64]) -> Result<usize> {
    let bits_per_coeff: usize = row_bits(moduli)?.iter().map(|&b| b as usize).sum();
    let total_bits = n.checked_mul(bits_per_coeff).ok_or(Error::TooLarge {
        what: "packed polynomial",
        found: n,
        max: usize::MAX / bits_per_coeff.max(1),
    })?;
    Ok(total_bits.div_ceil(8))
}

/// Size in bytes of `n` ternary coefficients at 2 bits each: `ceil(n / 4)`.
#[must_use]
pub const fn ternary_packed_len(n: usize) -> usize {
    n.div_ceil(4)
}

/// Appends `rows` (`moduli.len()` rows of `n` residues, row i mod `moduli[i]`) to `w`, packed.
///
/// # Errors
/// `Error::LengthMismatch` when `rows.len() != n * moduli.len()`; `Error::ResidueOutOfRange`
/// for a residue not below its modulus (nothing is appended then); errors of [`packed_len`].
pub fn pack_rows(w: &mut Writer, rows: &[u64], n: usize, moduli: &[u64]) -> Result<()> {
    let bits = row_bits(moduli)?;
    let expected = n.checked_mul(moduli.len()).ok_or(Error::TooLarge {
        what: "polynomial rows",
        found: n,
        max: usize::MAX / moduli.len().max(1),
    })?;
    if rows.len() != expected {
        return Err(Error::LengthMismatch {
            what: "polynomial rows",
            expected,
            found: rows.len(),
        });
    }
    let len = packed_len(n, moduli)?;
    let buf = w.buf_mut();
    let start = buf.len();
    buf.resize(start + len, 0);
    let dst = buf.get_mut(start..).unwrap_or_default();
    if !pack_checked(dst, rows, n, moduli, &bits) {
        buf.truncate(start);
        return check_rows(rows, n, moduli);
    }
    Ok(())
}

/// Packs `values` (one row, every value below `modulus`) into `dst`, which must be exactly
/// [`packed_len`]`(values.len(), &[modulus])` bytes long: the bytes [`pack_rows`] would append,
/// written in place (a caller filling one buffer from several workers gives each its slice).
///
/// # Errors
/// `Error::LengthMismatch` when `dst` has another length; `Error::ResidueOutOfRange` for a value
/// not below `modulus` (`dst` then holds no meaningful bytes); errors of [`packed_len`].
pub fn pack_into(dst: &mut [u8], values: &[u64], modulus: u64) -> Result<()> {
    let bits = row_bits(&[modulus])?;
    let expected = packed_len(values.len(), &[modulus])?;
    if dst.len() != expected {
        return Err(Error::LengthMismatch {
            what: "packed row",
            expected,
            found: dst.len(),
        });
    }
    if !pack_checked(dst, values, values.len(), &[modulus], &bits) {
        return check_rows(values, values.len(), &[modulus]);
    }
    Ok(())
}

/// Packs `rows` (rows of `n` values, row i below `moduli[i]` at `bits[i]` bits each) into `dst`
/// (of the packed length); false if a value is out of range (the bytes are then meaningless).
fn pack_checked(dst: &mut [u8], rows: &[u64], n: usize, moduli: &[u64], bits: &[u32]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if let Some(in_range) = pack_groups(dst, rows, n, moduli, bits) {
        return in_range;
    }
    let mut out_of_range = false;
    let mut bw = BitWriter::new(dst);
    if n > 0 {
        for ((row, &q), &b) in rows.chunks_exact(n).zip(moduli).zip(bits) {
            // Range check folded into the packing loop (no branch per value).
            let mut bad = 0_u64;
            for &v in row {
                bad |= u64::from(v >= q);
                bw.push(v, b);
            }
            out_of_range |= bad != 0;
        }
    }
    bw.finish();
    !out_of_range
}

/// Appends, for each row, the residues at `indices` (in the order given), packed as a
/// polynomial of `indices.len()` coefficients.
///
/// # Errors
/// `Error::LengthMismatch` when `rows.len() != n * moduli.len()`; `Error::IndexOutOfRange` for an
/// index `>= n`; `Error::ResidueOutOfRange`; errors of [`packed_len`].
pub fn pack_subset(
    w: &mut Writer,
    rows: &[u64],
    n: usize,
    moduli: &[u64],
    indices: &[usize],
) -> Result<()> {
    let expected = n.checked_mul(moduli.len()).ok_or(Error::TooLarge {
        what: "polynomial rows",
        found: n,
        max: usize::MAX / moduli.len().max(1),
    })?;
    if rows.len() != expected {
        return Err(Error::LengthMismatch {
            what: "polynomial rows",
            expected,
            found: rows.len(),
        });
    }
    if let Some(&index) = indices.iter().find(|&&k| k >= n) {
        return Err(Error::IndexOutOfRange { index, n });
    }
    let picked: Vec<u64> = if n == 0 {
        Vec::new()
    } else {
        rows.chunks_exact(n)
            .flat_map(|row| indices.iter().filter_map(move |&k| row.get(k).copied()))
            .collect()
    };
    pack_rows(w, &picked, indices.len(), moduli)
}

/// Unpacks `moduli.len()` rows of `n` residues from exactly [`packed_len`]`(n, moduli)` bytes.
///
/// # Errors
/// `Error::LengthMismatch` for any other byte length (checked before allocating);
/// `Error::ResidueOutOfRange { row, value, modulus }` for the first residue not below its
/// modulus; `Error::NonZeroPadding` when the final byte's unused bits are not zero; errors of
/// [`packed_len`].
pub fn unpack_rows(bytes: &[u8], n: usize, moduli: &[u64]) -> Result<Vec<u64>> {
    let expected = packed_len(n, moduli)?;
    if bytes.len() != expected {
        return Err(Error::LengthMismatch {
            what: "packed polynomial",
            expected,
            found: bytes.len(),
        });
    }
    // n * moduli.len() <= n * sum(bits) <= 8 * bytes.len() (every modulus has >= 1 bit),
    // so this cannot overflow once the length check passed.
    let total = n.checked_mul(moduli.len()).ok_or(Error::TooLarge {
        what: "polynomial rows",
        found: n,
        max: usize::MAX / moduli.len().max(1),
    })?;
    let mut out = vec![0_u64; total];
    unpack_rows_into(bytes, n, moduli, &mut out)?;
    Ok(out)
}

/// [`unpack_rows`] into a caller's buffer of `n * moduli.len()` values (rows in order). On error
/// the buffer holds a partial result and must not be used.
///
/// # Errors
/// As [`unpack_rows`], plus `Error::LengthMismatch` when `out` has the wrong length.
pub fn unpack_rows_into(bytes: &[u8], n: usize, moduli: &[u64], out: &mut [u64]) -> Result<()> {
    let bits = row_bits(moduli)?;
    let expected = packed_len(n, moduli)?;
    if bytes.len() != expected {
        return Err(Error::LengthMismatch {
            what: "packed polynomial",
            expected,
            found: bytes.len(),
        });
    }
    let rows = n.checked_mul(moduli.len()).ok_or(Error::TooLarge {
        what: "polynomial rows",
        found: n,
        max: usize::MAX / moduli.len().max(1),
    })?;
    if out.len() != rows {
        return Err(Error::LengthMismatch {
            what: "output rows",
            expected: rows,
            found: out.len(),
        });
    }
    if n > 0 && n.is_multiple_of(GROUP) {
        // Every row is a whole number of 64-value groups, b words each (and no padding).
        let mut rest = bytes;
        for (row_index, ((row, &q), &b)) in
            out.chunks_exact_mut(n).zip(moduli).zip(&bits).enumerate()
        {
            let row_len = n / 8 * b as usize;
            let (row_bytes, tail) =
                rest.split_at_checked(row_len)
                    .ok_or(Error::LengthMismatch {
                        what: "packed row",
                        expected: row_len,
                        found: rest.len(),
                    })?;
            if unpack_row_grouped(row_bytes, b, q, row) != 0 {
                let value = row.iter().copied().find(|&v| v >= q).unwrap_or(q);
                return Err(Error::ResidueOutOfRange {
                    row: row_index,
                    value,
                    modulus: q,
                });
            }
            rest = tail;
        }
        return Ok(());
    }
    let mut br = BitReader::new(bytes);
    if n > 0 {
        for (row_index, ((row, &q), &b)) in
            out.chunks_exact_mut(n).zip(moduli).zip(&bits).enumerate()
        {
            // Range check folded into the loop; the first offender is located only on error.
            let mut bad = 0_u64;
            if b <= 56 {
                for slot in row.iter_mut() {
                    let value = br.pull_short(b);
                    bad |= u64::from(value >= q);
                    *slot = value;
                }
            } else {
                for slot in row.iter_mut() {
                    let value = br.pull(b);
                    bad |= u64::from(value >= q);
                    *slot = value;
                }
            }
            if bad != 0 {
                let value = row.iter().copied().find(|&v| v >= q).unwrap_or(q);
                return Err(Error::ResidueOutOfRange {
                    row: row_index,
                    value,
                    modulus: q,
                });
            }
        }
    }
    br.finish("packed polynomial")
}

/// Unpacks what [`pack_subset`] wrote for `count` indices: `moduli.len()` rows of `count`
/// residues (the same layout as a polynomial of `count` coefficients).
///
/// # Errors
/// As [`unpack_rows`] with `n = count`.
pub fn unpack_subset(bytes: &[u8], count: usize, moduli: &[u64]) -> Result<Vec<u64>> {
    unpack_rows(bytes, count, moduli)
}

/// Appends ternary coefficients at 2 bits each, LSB first: 0 -> 0b00, 1 -> 0b01, -1 -> 0b10
/// (the value mod 3); the final byte is padded with zero bits.
///
/// # Errors
/// `Error::InvalidSecretKey` for a value outside {-1, 0, 1} (nothing is appended then).
///
/// # Security
/// Constant time in the values: the code is a branch-free map, and validity is checked once over
/// the whole input.
pub fn pack_ternary(w: &mut Writer, coeffs: &[i8]) -> Result<()> {
    // x + 1 is in {0, 1, 2} exactly for valid values.
    let invalid = coeffs.iter().fold(0_u8, |acc, &x| {
        acc | u8::from((x.wrapping_add(1) as u8) > 2)
    });
    if invalid != 0 {
        let (index, &value) = coeffs
            .iter()
            .enumerate()
            .find(|&(_, &x)| !(-1..=1).contains(&x))
            .ok_or(Error::InvalidSecretKey { index: 0, value: 0 })?;
        return Err(Error::InvalidSecretKey {
            index,
            value: i64::from(value),
        });
    }
    let out = w.buf_mut();
    out.reserve(ternary_packed_len(coeffs.len()));
    for chunk in coeffs.chunks(4) {
        let byte = chunk.iter().enumerate().fold(0_u8, |acc, (j, &x)| {
            // -1 -> 2, 0 -> 0, 1 -> 1 without a branch: (x & 3) maps -1 to 3; subtract the sign bit.
            let code = ((x as u8) & 3) - ((x as u8) >> 7);
            acc | (code << (2 * j))
        });
        out.push(byte);
    }
    Ok(())
}

/// Unpacks `n` ternary coefficients from exactly [`ternary_packed_len`]`(n)` bytes.
///
/// # Errors
/// `Error::LengthMismatch` for another length; `Error::InvalidSecretKey { index, value: 3 }` for
/// the code 0b11; `Error::NonZeroPadding` when the unused bits of the last byte are not zero.
///
/// # Security
/// The result is zeroized on drop. Codes are mapped without branching; an invalid code is reported
/// after the whole input is processed.
pub fn unpack_ternary(bytes: &[u8], n: usize) -> Result<Zeroizing<Vec<i8>>> {
    let expected = ternary_packed_len(n);
    if bytes.len() != expected {
        return Err(Error::LengthMismatch {
            what: "packed ternary key",
            expected,
            found: bytes.len(),
        });
    }
    let mut out = Zeroizing::new(vec![0_i8; n]);
    let mut invalid = 0_u8;
    for (chunk, &byte) in out.chunks_mut(4).zip(bytes) {
        for (j, slot) in chunk.iter_mut().enumerate() {
            let code = (byte >> (2 * j)) & 3;
            invalid |= code & (code >> 1);
            // 0 -> 0, 1 -> 1, 2 -> -1 (3 is flagged above).
            *slot = ((code & 1) as i8) - ((code >> 1) as i8);
        }
    }
    if invalid != 0 {
        let bad = bytes
            .iter()
            .flat_map(|&byte| (0..4).map(move |j| (byte >> (2 * j)) & 3))
            .take(n)
            .position(|code| code == 3);
        if let Some(index) = bad {
            return Err(Error::InvalidSecretKey { index, value: 3 });
        }
    }
    let used = n % 4;
    if used != 0 {
        let last = bytes.last().copied().unwrap_or(0);
        let padding = last >> (2 * used);
        if padding != 0 {
            return Err(Error::NonZeroPadding {
                what: "packed ternary key",
                value: padding,
            });
        }
    }
    Ok(out)
}

/// Values per group of the unpacker's fast path: 64 values of b bits fill exactly b 64-bit
/// words, so every group starts on a word.
const GROUP: usize = 64;

/// Unpacks a row of a multiple of [`GROUP`] values of `b` bits from `bytes` (exactly
/// `out.len() / 8 * b` bytes) into `out`. Returns a non-zero flag when a value is not below
/// `q`.
///
/// Up to 56 bits: by groups of eight on AVX-512 where the processor has it, the rest by
/// 8-byte windows ([`unpack_row_windows`]). Wider: value j of a group of 64 sits at bit
/// `o = j * b`: word `o / 64`, shift `o % 64`, its high bits in the next word.
/// `(w << 1) << (63 - s)` is `w << (64 - s)` without the undefined shift by 64 when s = 0.
#[expect(
    clippy::indexing_slicing,
    reason = "word index (j * b) / 64 + 1 <= b <= 64 < 65 by construction"
)]
fn unpack_row_grouped(bytes: &[u8], b: u32, q: u64, out: &mut [u64]) -> u64 {
    if b <= 56 {
        #[cfg(target_arch = "x86_64")]
        if let Some(unpacker) = super::pack_simd::GroupUnpacker::for_bits(b) {
            // The last groups, whose 64-byte window would run past the row, by windows: a
            // group is b bytes, so the rest of the row starts on a byte.
            let (done, bad) = unpacker.unpack(bytes, q, out);
            let (rest_bytes, rest_out) = (
                bytes.get(done / 8 * b as usize..).unwrap_or_default(),
                out.get_mut(done..).unwrap_or_default(),
            );
            return bad | unpack_row_windows(rest_bytes, b, q, rest_out);
        }
        return unpack_row_windows(bytes, b, q, out);
    }
    let width = b as usize;
    let mask = u64::MAX >> (u64::BITS - b);
    let mut bad = 0_u64;
    let mut words = [0_u64; GROUP + 1];
    for (group, values) in bytes
        .chunks_exact(8 * width)
        .zip(out.chunks_exact_mut(GROUP))
    {
        let (chunks, _) = group.as_chunks::<8>();
        for (word, chunk) in words.iter_mut().zip(chunks) {
            *word = u64::from_le_bytes(*chunk);
        }
        for (j, slot) in values.iter_mut().enumerate() {
            let bit = j * width;
            let (word, shift) = (bit / 64, (bit % 64) as u32);
            // Bits of words[b] (stale or zero) land above bit b and are masked off.
            let v = ((words[word] >> shift) | ((words[word + 1] << 1) << (63 - shift))) & mask;
            bad |= u64::from(v >= q);
            *slot = v;
        }
    }
    bad
}

/// [`unpack_row_grouped`] for `b <= 56`: value j is the 8-byte little-endian window at byte
/// `j b / 8` shifted right by `j b mod 8` (at most 7, so the window holds all b bits), masked;
/// no value depends on another, and the range check is a branch-free reduction (`v < q`
/// exactly when `v - q` wraps, for v, q < 2^63). Returns a non-zero flag when a value is not
/// below `q`.
fn unpack_row_windows(bytes: &[u8], b: u32, q: u64, out: &mut [u64]) -> u64 {
    let width = b as usize;
    let mask = u64::MAX >> (u64::BITS - b);
    let mut below = u64::MAX;
    // Values whose whole window lies in `bytes`; the last few read a zero-padded copy.
    let whole = (bytes.len().saturating_sub(8) * 8 / width + 1).min(out.len());
    let (head, tail) = out.split_at_mut(whole);
    for (j, slot) in head.iter_mut().enumerate() {
        let bit = j * width;
        let window = bytes
            .get(bit / 8..bit / 8 + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(0, u64::from_le_bytes);
        let v = (window >> (bit % 8)) & mask;
        below &= v.wrapping_sub(q);
        *slot = v;
    }
    for (j, slot) in tail.iter_mut().enumerate() {
        let bit = (whole + j) * width;
        let mut padded = [0u8; 8];
        for (dst, src) in padded
            .iter_mut()
            .zip(bytes.get(bit / 8..).unwrap_or_default())
        {
            *dst = *src;
        }
        let v = (u64::from_le_bytes(padded) >> (bit % 8)) & mask;
        below &= v.wrapping_sub(q);
        *slot = v;
    }
    u64::from(below >> 63 == 0)
}

/// Checks every residue of `rows` against its modulus.
fn check_rows(rows: &[u64], n: usize, moduli: &[u64]) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    for (row_index, (row, &q)) in rows.chunks_exact(n).zip(moduli).enumerate() {
        if let Some(&value) = row.iter().find(|&&v| v >= q) {
            return Err(Error::ResidueOutOfRange {
                row: row_index,
                value,
                modulus: q,
            });
        }
    }
    Ok(())
}

/// [`pack_checked`] by groups of eight values on AVX-512 ([`super::pack_simd`]), when every row
/// has a multiple of 8 values (each row then starts on a byte) and a width the group packer
/// handles; `None` otherwise.
#[cfg(target_arch = "x86_64")]
fn pack_groups(
    dst: &mut [u8],
    rows: &[u64],
    n: usize,
    moduli: &[u64],
    bits: &[u32],
) -> Option<bool> {
    use super::pack_simd::GroupPacker;
    if n == 0 || !n.is_multiple_of(8) {
        return None;
    }
    let packers = bits
        .iter()
        .map(|&b| GroupPacker::for_bits(b))
        .collect::<Option<Vec<_>>>()?;
    let mut in_range = true;
    let mut rest = dst;
    for ((row, &q), (packer, &b)) in rows
        .chunks_exact(n)
        .zip(moduli)
        .zip(packers.iter().zip(bits))
    {
        let (out, tail) = rest.split_at_mut_checked(n / 8 * b as usize)?;
        in_range &= packer.pack(row, q, out);
        rest = tail;
    }
    Some(in_range)
}

/// Writes values of up to 64 bits into consecutive little-endian 64-bit words.
///
/// The word being filled lives in a 64-bit register; a value that fills it stores it and starts
/// the next word with its remaining high bits (64-bit shifts only, no 128-bit accumulator).
struct BitWriter<'v> {
    words: core::slice::ChunksExactMut<'v, u8>,
    acc: u64,
    filled: u32,
}

impl<'v> BitWriter<'v> {
    fn new(out: &'v mut [u8]) -> Self {
        Self {
            words: out.chunks_exact_mut(8),
            acc: 0,
            filled: 0,
        }
    }

    /// Appends the low `bits` bits of `value` (`value < 2^bits`, `1 <= bits <= 64`).
    #[inline(always)]
    fn push(&mut self, value: u64, bits: u32) {
        let low = self.acc | (value << self.filled);
        let total = self.filled + bits;
        if total >= 64 {
            if let Some(word) = self.words.next() {
                word.copy_from_slice(&low.to_le_bytes());
            }
            // The bits of `value` beyond the full word (none when it only just fills it); two
            // shifts keep each amount below 64.
            self.acc = (value >> 1) >> (63 - self.filled);
            self.filled = total - 64;
        } else {
            self.acc = low;
            self.filled = total;
        }
    }

    /// Writes the remaining bits; the rest of the last byte stays zero.
    fn finish(self) {
        if self.filled == 0 {
            return;
        }
        let tail = self.acc.to_le_bytes();
        let mut words = self.words;
        match words.next() {
            Some(word) => word.copy_from_slice(&tail),
            None => {
                for (dst, src) in words.into_remainder().iter_mut().zip(tail) {
                    *dst = src;
                }
            }
        }
    }
}

/// Reads values of up to 64 bits at any bit position through a 16-byte little-endian window.
/// The caller checks the slice length before reading.
struct BitReader<'a> {
    bytes: &'a [u8],
    /// Bit position of the next value.
    pos: usize,
}

impl<'a> BitReader<'a> {
    const fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    /// The 16 bytes from `byte` on, zero-filled past the end of the input.
    #[inline(always)]
    fn window(&self, byte: usize) -> u128 {
        match self.bytes.get(byte..).and_then(<[u8]>::first_chunk::<16>) {
            Some(w) => u128::from_le_bytes(*w),
            None => {
                let mut w = [0_u8; 16];
                for (dst, &src) in w.iter_mut().zip(self.bytes.get(byte..).unwrap_or_default()) {
                    *dst = src;
                }
                u128::from_le_bytes(w)
            }
        }
    }

    /// The next `bits` bits (`1 <= bits <= 64`; a value starts at most 7 bits into its window,
    /// so 64 + 7 < 128 bits always fit).
    #[inline(always)]
    fn pull(&mut self, bits: u32) -> u64 {
        let window = self.window(self.pos >> 3);
        let value = ((window >> (self.pos & 7)) as u64) & (u64::MAX >> (u64::BITS - bits));
        self.pos += bits as usize;
        value
    }

    /// The next `bits` bits for `1 <= bits <= 56` through an 8-byte window (a value starts at
    /// most 7 bits into it, and 7 + 56 <= 64).
    #[inline(always)]
    fn pull_short(&mut self, bits: u32) -> u64 {
        let byte = self.pos >> 3;
        let window = match self.bytes.get(byte..).and_then(<[u8]>::first_chunk::<8>) {
            Some(w) => u64::from_le_bytes(*w),
            None => self.window(byte) as u64,
        };
        let value = (window >> (self.pos & 7)) & (u64::MAX >> (u64::BITS - bits));
        self.pos += bits as usize;
        value
    }

    /// Checks that the unread bits of the last byte (the padding) are zero. The caller sized the
    /// input as `ceil(total bits / 8)`, so fewer than 8 bits are left.
    fn finish(self, what: &'static str) -> Result<()> {
        let used = self.pos & 7;
        if used == 0 {
            return Ok(());
        }
        let last = self.bytes.get(self.pos >> 3).copied().unwrap_or(0);
        let padding = last >> used;
        if padding != 0 {
            return Err(Error::NonZeroPadding {
                what,
                value: padding,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reference packer: one bit at a time, straight from the definition.
    fn pack_naive(rows: &[u64], n: usize, moduli: &[u64]) -> Vec<u8> {
        let mut bits = Vec::new();
        for (row, &q) in rows.chunks_exact(n.max(1)).zip(moduli) {
            for &v in row {
                for j in 0..residue_bits(q) {
                    bits.push((v >> j) & 1 == 1);
                }
            }
        }
        let mut out = vec![0_u8; bits.len().div_ceil(8)];
        for (j, &bit) in bits.iter().enumerate() {
            out[j / 8] |= u8::from(bit) << (j % 8);
        }
        out
    }

    fn packed(rows: &[u64], n: usize, moduli: &[u64]) -> Vec<u8> {
        let mut w = Writer::new();
        pack_rows(&mut w, rows, n, moduli).unwrap();
        w.into_bytes()
    }

    const Q42A: u64 = (1 << 42) - 11;
    const Q42B: u64 = (1 << 42) - 35;

    #[test]
    fn residue_bits_is_ceil_log2() {
        assert_eq!(residue_bits(2), 1);
        assert_eq!(residue_bits(3), 2);
        assert_eq!(residue_bits(4), 2);
        assert_eq!(residue_bits(5), 3);
        assert_eq!(residue_bits(1 << 46), 46);
        assert_eq!(residue_bits((1 << 46) + 1), 47);
        assert_eq!(residue_bits(Q42A), 42);
        assert_eq!(residue_bits(u64::MAX), 64);
    }

    #[test]
    fn packed_len_counts_bits_without_row_padding() {
        assert_eq!(packed_len(4096, &[Q42A, Q42B]).unwrap(), 4096 * 84 / 8);
        // 3 coefficients of 3 + 5 bits = 24 bits; 3 of 3 + 6 bits = 27 bits -> 4 bytes.
        assert_eq!(packed_len(3, &[5, 17]).unwrap(), 3);
        assert_eq!(packed_len(3, &[5, 33]).unwrap(), 4);
        assert_eq!(packed_len(0, &[5]).unwrap(), 0);
    }

    #[test]
    fn packed_len_overflow_is_too_large() {
        assert!(matches!(
            packed_len(usize::MAX / 2, &[Q42A]),
            Err(Error::TooLarge { .. })
        ));
    }

    #[test]
    fn modulus_below_two_is_refused() {
        assert_eq!(
            packed_len(4, &[1]),
            Err(Error::ModulusSize {
                bits: 0,
                min: 1,
                max: 64
            })
        );
    }

    /// A xorshift64 generator of test values spread over all 64 bits (`state` non-zero).
    fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    #[test]
    fn groups_of_eight_pack_as_the_bit_by_bit_reference_at_every_width() {
        // Multiples of 8 values take the AVX-512 group packer where the CPU has it.
        let mut next = xorshift(0x2545_F491_4F6C_DD1D);
        for bits in 1..=64u32 {
            let q = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - (next() % 3)
            };
            let q = q.max(2);
            for n in [8usize, 64, 520] {
                let rows: Vec<u64> = (0..2 * n).map(|_| next() % q).collect();
                let moduli = [q, q];
                assert_eq!(
                    packed(&rows, n, &moduli),
                    pack_naive(&rows, n, &moduli),
                    "bits {bits}, n {n}"
                );
                for bad in [0, n / 2 + 3, 2 * n - 1] {
                    let mut wrong = rows.clone();
                    wrong[bad] = q;
                    let mut w = Writer::new();
                    assert!(
                        matches!(
                            pack_rows(&mut w, &wrong, n, &moduli),
                            Err(Error::ResidueOutOfRange { .. })
                        ),
                        "bits {bits}, n {n}, position {bad}"
                    );
                    assert!(w.is_empty());
                }
            }
        }
    }

    #[test]
    fn pack_into_writes_what_pack_rows_appends() {
        let q = (1u64 << 47) - 115;
        let values: Vec<u64> = (0..37u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) % q)
            .collect();
        let expected = pack_naive(&values, values.len(), &[q]);
        let mut dst = vec![0xAA_u8; expected.len()];
        pack_into(&mut dst, &values, q).unwrap();
        assert_eq!(dst, expected);
        assert_eq!(dst, packed(&values, values.len(), &[q]));
        // Power-of-two "moduli" (compressed values): every value below 2^t, t bits each.
        let small: Vec<u64> = values.iter().map(|v| v >> 2).collect();
        let mut dst = vec![0_u8; packed_len(small.len(), &[1 << 45]).unwrap()];
        pack_into(&mut dst, &small, 1 << 45).unwrap();
        assert_eq!(dst, pack_naive(&small, small.len(), &[1 << 45]));
    }

    #[test]
    fn pack_into_refuses_a_wrong_length_or_an_out_of_range_value() {
        let mut dst = vec![0_u8; 5];
        pack_into(&mut dst, &[1, 2, 3], 1 << 12).unwrap();
        assert_eq!(dst, pack_naive(&[1, 2, 3], 3, &[1 << 12]));
        let mut short = vec![0_u8; 4];
        assert!(matches!(
            pack_into(&mut short, &[1, 2, 3], 1 << 12),
            Err(Error::LengthMismatch {
                expected: 5,
                found: 4,
                ..
            })
        ));
        assert!(matches!(
            pack_into(&mut dst, &[1, 1 << 12, 3], 1 << 12),
            Err(Error::ResidueOutOfRange { .. })
        ));
    }

    #[test]
    fn rows_of_different_widths_share_bytes() {
        // q = 5 (3 bits), q = 3 (2 bits); n = 3: 9 + 6 = 15 bits, 2 bytes.
        let rows = [4, 1, 2, 2, 0, 1];
        let bytes = packed(&rows, 3, &[5, 3]);
        // Stream, bit 0 first: 001 100 010 | 01 00 10, then one zero padding bit.
        assert_eq!(bytes, pack_naive(&rows, 3, &[5, 3]));
        assert_eq!(bytes.len(), 2);
        assert_eq!(bytes, vec![0b1000_1100, 0b0010_0100]);
        assert_eq!(unpack_rows(&bytes, 3, &[5, 3]).unwrap(), rows);
    }

    #[test]
    fn decode_rejects_residue_equal_to_modulus() {
        let mut rows = vec![1_u64; 8];
        let bytes = packed(&rows, 4, &[Q42A, Q42B]);
        rows[6] = Q42B;
        let bad = pack_naive(&rows, 4, &[Q42A, Q42B]);
        assert_ne!(bad, bytes);
        assert_eq!(
            unpack_rows(&bad, 4, &[Q42A, Q42B]),
            Err(Error::ResidueOutOfRange {
                row: 1,
                value: Q42B,
                modulus: Q42B
            })
        );
    }

    #[test]
    fn grouped_rows_unpack_at_every_width_and_flag_every_group() {
        // Rows of a multiple of 64 values up to 56 bits take the AVX-512 group unpacker where the
        // CPU has it, then windows for the groups at the end of the row: every width, values
        // spread over the whole range, an offender in the first, a middle and the last groups.
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        for bits in 1..=64u32 {
            let top = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            let q = (top - next() % 3).max(2);
            for n in [64usize, 128, 4096] {
                let mut rows: Vec<u64> = (0..2 * n).map(|_| next() % q).collect();
                rows[0] = q - 1;
                rows[2 * n - 1] = q - 1;
                let moduli = [q, q];
                let bytes = pack_naive(&rows, n, &moduli);
                assert_eq!(
                    unpack_rows(&bytes, n, &moduli).unwrap(),
                    rows,
                    "bits {bits}, n {n}"
                );
                if q.is_power_of_two() {
                    continue; // q = 2^width itself does not fit: nothing is out of range
                }
                for position in [0, 9, n - 1, n, n + n / 2 + 5, 2 * n - 8, 2 * n - 1] {
                    let mut wrong = rows.clone();
                    wrong[position] = q;
                    let bytes = pack_naive(&wrong, n, &moduli);
                    assert_eq!(
                        unpack_rows(&bytes, n, &moduli),
                        Err(Error::ResidueOutOfRange {
                            row: position / n,
                            value: q,
                            modulus: q
                        }),
                        "bits {bits}, n {n}, position {position}"
                    );
                }
            }
        }
    }

    #[test]
    fn grouped_rows_reject_every_out_of_range_position() {
        // Rows of a multiple of 64 values take the grouped paths (windows up to 56 bits, words
        // above): an offender anywhere, the last value included, is found.
        for (q, bits) in [(Q42A, 42), ((1 << 50) - 27, 50), ((1 << 59) - 55, 59)] {
            let n = 128;
            for position in [0, 1, 63, 64, 126, 127] {
                let mut rows: Vec<u64> = (0..n as u64).map(|i| (i * 0x9e37_79b9) % q).collect();
                let clean = packed(&rows, n, &[q]);
                assert_eq!(unpack_rows(&clean, n, &[q]).unwrap(), rows, "{bits} bits");
                rows[position] = q;
                let bad = pack_naive(&rows, n, &[q]);
                assert_eq!(
                    unpack_rows(&bad, n, &[q]),
                    Err(Error::ResidueOutOfRange {
                        row: 0,
                        value: rows[position],
                        modulus: q
                    }),
                    "{bits} bits, position {position}"
                );
            }
        }
    }

    #[test]
    fn pack_rejects_residue_out_of_range_and_writes_nothing() {
        let mut w = Writer::new();
        assert_eq!(
            pack_rows(&mut w, &[0, 7, 1, 1], 2, &[7, 11]),
            Err(Error::ResidueOutOfRange {
                row: 0,
                value: 7,
                modulus: 7
            })
        );
        assert!(w.is_empty());
        assert_eq!(
            pack_rows(&mut w, &[0, 1, 1], 2, &[7, 11]),
            Err(Error::LengthMismatch {
                what: "polynomial rows",
                expected: 4,
                found: 3
            })
        );
    }

    #[test]
    fn decode_rejects_nonzero_padding() {
        // 3 values of 3 bits: 9 bits, 7 padding bits.
        let mut bytes = packed(&[1, 2, 3], 3, &[5]);
        assert_eq!(bytes.len(), 2);
        bytes[1] |= 0b1000_0000;
        assert_eq!(
            unpack_rows(&bytes, 3, &[5]),
            Err(Error::NonZeroPadding {
                what: "packed polynomial",
                value: 0b0100_0000
            })
        );
    }

    #[test]
    fn decode_rejects_wrong_length_before_allocating() {
        let bytes = packed(&[1, 2, 3], 3, &[5]);
        assert_eq!(
            unpack_rows(&bytes[..1], 3, &[5]),
            Err(Error::LengthMismatch {
                what: "packed polynomial",
                expected: 2,
                found: 1
            })
        );
        // A huge n with a short input fails on the length, not on an allocation.
        assert_eq!(
            unpack_rows(&bytes, 1 << 40, &[5]),
            Err(Error::LengthMismatch {
                what: "packed polynomial",
                expected: 3 << 37,
                found: 2
            })
        );
    }

    #[test]
    fn subset_packs_chosen_coefficients_of_every_row() {
        let n = 16;
        let moduli = [Q42A, 97];
        let rows: Vec<u64> = (0..2 * n as u64).map(|i| i * 3 % 97).collect();
        let indices = [15, 7, 0];
        let mut w = Writer::new();
        pack_subset(&mut w, &rows, n, &moduli, &indices).unwrap();
        let bytes = w.into_bytes();
        assert_eq!(bytes.len(), packed_len(3, &moduli).unwrap());
        let expect: Vec<u64> = [0, n]
            .iter()
            .flat_map(|&base| indices.map(|k| rows[base + k]))
            .collect();
        assert_eq!(unpack_subset(&bytes, 3, &moduli).unwrap(), expect);

        let mut w = Writer::new();
        assert_eq!(
            pack_subset(&mut w, &rows, n, &moduli, &[3, 16]),
            Err(Error::IndexOutOfRange { index: 16, n })
        );
    }

    #[test]
    fn ternary_round_trip_and_layout() {
        let coeffs = [1_i8, -1, 0, 1, -1];
        let mut w = Writer::new();
        pack_ternary(&mut w, &coeffs).unwrap();
        let bytes = w.into_bytes();
        assert_eq!(bytes, vec![0b01_00_10_01, 0b10]);
        assert_eq!(*unpack_ternary(&bytes, 5).unwrap(), coeffs);
    }

    #[test]
    fn ternary_rejects_three_padding_and_bad_values() {
        assert_eq!(
            unpack_ternary(&[0b0011_0000], 4).map(|_| ()),
            Err(Error::InvalidSecretKey { index: 2, value: 3 })
        );
        assert_eq!(
            unpack_ternary(&[0b0100_0000], 3).map(|_| ()),
            Err(Error::NonZeroPadding {
                what: "packed ternary key",
                value: 1
            })
        );
        assert_eq!(
            unpack_ternary(&[0, 0], 4).map(|_| ()),
            Err(Error::LengthMismatch {
                what: "packed ternary key",
                expected: 1,
                found: 2
            })
        );
        let mut w = Writer::new();
        assert_eq!(
            pack_ternary(&mut w, &[0, 1, 2]),
            Err(Error::InvalidSecretKey { index: 2, value: 2 })
        );
        assert_eq!(
            pack_ternary(&mut w, &[-2]),
            Err(Error::InvalidSecretKey {
                index: 0,
                value: -2
            })
        );
        assert!(w.is_empty());
    }

    /// Moduli of every width from 1 to 64 bits: q in (2^(b-1), 2^b], so bits(q) = b.
    fn moduli_strategy() -> impl Strategy<Value = Vec<u64>> {
        let modulus = (1_u32..=64).prop_flat_map(|b| {
            let lo = if b == 1 { 2 } else { (1_u64 << (b - 1)) + 1 };
            let hi = if b == 64 { u64::MAX } else { 1_u64 << b };
            lo..=hi
        });
        prop::collection::vec(modulus, 1..4)
    }

    proptest! {
        #[test]
        fn pack_matches_bitwise_reference_and_round_trips(
            moduli in moduli_strategy(),
            n in prop_oneof![0_usize..40, Just(64), Just(128), Just(192)],
            seed in any::<u64>(),
        ) {
            // Residues below each modulus from a simple LCG (values spread over the full width).
            let mut x = seed;
            let rows: Vec<u64> = moduli.iter().flat_map(|&q| {
                (0..n).map(|_| { x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); x % q }).collect::<Vec<_>>()
            }).collect();
            let bytes = packed(&rows, n, &moduli);
            prop_assert_eq!(&bytes, &pack_naive(&rows, n, &moduli));
            prop_assert_eq!(bytes.len(), packed_len(n, &moduli).unwrap());
            prop_assert_eq!(unpack_rows(&bytes, n, &moduli).unwrap(), rows);
        }

        #[test]
        fn unpack_of_arbitrary_bytes_never_panics(
            (moduli, n, bytes) in (moduli_strategy(), prop_oneof![0_usize..20, Just(64)]).prop_flat_map(|(moduli, n)| {
                // Mostly the exact length (so residues and padding are reached), sometimes off by a few.
                let len = packed_len(n, &moduli).unwrap();
                let lens = prop_oneof![4 => Just(len), 1 => 0..len + 3];
                (Just(moduli), Just(n), lens.prop_flat_map(|l| prop::collection::vec(any::<u8>(), l)))
            }),
        ) {
            if let Ok(rows) = unpack_rows(&bytes, n, &moduli) {
                // Whatever decodes re-encodes to the same bytes (one meaning per byte string).
                prop_assert_eq!(packed(&rows, n, &moduli), bytes);
            }
        }

        #[test]
        fn ternary_round_trips(coeffs in prop::collection::vec(-1_i8..=1, 0..50)) {
            let mut w = Writer::new();
            pack_ternary(&mut w, &coeffs).unwrap();
            let bytes = w.into_bytes();
            prop_assert_eq!(bytes.len(), ternary_packed_len(coeffs.len()));
            prop_assert_eq!(&*unpack_ternary(&bytes, coeffs.len()).unwrap(), &coeffs);
        }

        #[test]
        fn ternary_unpack_of_arbitrary_bytes_is_canonical(bytes in prop::collection::vec(any::<u8>(), 0..20), n in 0_usize..80) {
            if let Ok(coeffs) = unpack_ternary(&bytes, n) {
                let mut w = Writer::new();
                pack_ternary(&mut w, &coeffs).unwrap();
                prop_assert_eq!(w.into_bytes(), bytes);
            }
        }
    }
}
