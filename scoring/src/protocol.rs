//! The scoring protocol's two messages, byte for byte, framed with the `ckks::wire` header.
//!
//! Both start with the 10-byte header (magic "BMHE", format version, the preset id as the u32
//! parameter id, kind `ScoreRequest` or `ScoreResponse`). Integers are little-endian; packed
//! blocks use `ckks::wire::bitpack` (LSB first, only the block's last byte padded with zeros).
//!
//! Request (client -> server), `header | seed_c | seed_pk | c0 | pk0`:
//! - `seed_c` (32 B): seed of `c1 = a` at Q (`ckks::sampling::uniform_ntt_from_seed`);
//! - `seed_pk` (32 B): seed of `pk1 = a'` at the key's modulus `Q_k`
//!   ([`PresetParams::key_basis`]: q_0 for `exact`, Q otherwise);
//! - `c0 = -a s + m + e mod Q`, coefficient form, rows q_0.. packed at `bits(q_i)` each;
//! - `pk0 = -a' s + e_pk mod Q_k`, coefficient form, compressed to t bits
//!   (`round(pk0 * 2^t / Q_k)`, [`crate::compress`]), n values of t bits.
//!
//! Response (server -> client),
//! `header | mode u8 | fingerprint u32 | count u32 | c1' blocks | c0' values`:
//! - `mode`: 0 = private (the default: re-randomized, `c1'` compressed to t bits, only the
//!   target coefficients of `c0'`); 1 = open (no re-randomization, `c1'` at `bits(q_0)`, all n
//!   coefficients of `c0'` per block; what a scoring server without model privacy would send,
//!   kept for the model-privacy test and comparisons);
//! - `fingerprint`: [`crate::catalog::fingerprint_ids`] of the catalog's product ids;
//! - `count`: number of products P, 1..=`MAX_PRODUCTS`; they fill `B = ceil(P / (n/8))` blocks;
//! - `c1'` of each block, mod `q_0` (n values each, packed as one block);
//! - private: the P target values `c0'[8j + 7]` mod `q_0` (product j sits in block
//!   `j / (n/8)` at coefficient `8 (j mod n/8) + 7`), packed as one block; open: `B * n` values.
//!
//! Decoders check, in order, the header, the fixed fields, every length computed from the preset
//! and the count (before allocating), then no trailing byte, then every packed value against its
//! modulus.

use ckks::ring::{Coeff, Poly};
use ckks::sampling::{SEED_BYTES, Seed};
use ckks::wire::{Header, Kind, Reader, Writer, bitpack};

use crate::catalog::MAX_PRODUCTS;
use crate::error::{Error, Result};
use crate::presets::{Preset, PresetParams};
use crate::profile::FEATURE_COUNT;

/// How the server protected a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseMode {
    /// Re-randomized, compressed `c1'`, target coefficients of `c0'` only (model privacy).
    #[default]
    Private,
    /// Plain product: no re-randomization, all coefficients (no model privacy).
    Open,
}

impl ResponseMode {
    const fn to_byte(self) -> u8 {
        match self {
            Self::Private => 0,
            Self::Open => 1,
        }
    }

    fn from_byte(byte: u8) -> Result<Self> {
        match byte {
            0 => Ok(Self::Private),
            1 => Ok(Self::Open),
            found => Err(Error::InvalidResponseMode { found }),
        }
    }
}

/// The preset a message announces in its header, read without decoding the rest.
///
/// # Errors
/// The header errors of `ckks::wire::Header::read`; [`Error::UnknownPresetId`] for an id that
/// names no preset.
pub fn message_preset(bytes: &[u8]) -> Result<Preset> {
    let header = Header::read(&mut Reader::new(bytes))?;
    u8::try_from(header.params_id)
        .ok()
        .and_then(Preset::from_id)
        .ok_or(Error::UnknownPresetId {
            found: header.params_id,
        })
}

/// Coefficient of product j (within its block) in a result ciphertext: `8 j + 7`.
pub const fn target_index(local_j: usize) -> usize {
    FEATURE_COUNT * local_j + FEATURE_COUNT - 1
}

/// A decoded score request.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRequest {
    /// Seed of `c1 = a` at Q.
    pub seed_c: Seed,
    /// Seed of `pk1 = a'` at the key's modulus.
    pub seed_pk: Seed,
    /// `c0` at Q, coefficient form.
    pub c0: Poly<Coeff>,
    /// `pk0` compressed to t bits, n values.
    pub pk0: Vec<u64>,
}

impl ScoreRequest {
    /// Exact size in bytes of a request for `params`.
    ///
    /// # Errors
    /// Size overflow (`ckks::Error::TooLarge`), impossible for the presets.
    pub fn encoded_len(params: &PresetParams) -> Result<usize> {
        Ok(Header::LEN + 2 * SEED_BYTES + c0_len(params)? + pk0_len(params)?)
    }

    /// The request bytes.
    ///
    /// # Errors
    /// `ckks::Error::ParamsMismatch` if `c0` is not over the preset's Q; errors of the packer
    /// for a residue out of range.
    pub fn encode(&self, params: &PresetParams) -> Result<Vec<u8>> {
        if !self.c0.basis().same_as(params.ckks().basis()) {
            return Err(ckks::Error::ParamsMismatch.into());
        }
        let mut w = Writer::with_capacity(Self::encoded_len(params)?);
        Header::new(Kind::ScoreRequest, u32::from(params.preset().id())).write(&mut w);
        w.bytes(&self.seed_c);
        w.bytes(&self.seed_pk);
        bitpack::pack_rows(&mut w, self.c0.as_slice(), params.n(), &moduli(params))?;
        bitpack::pack_rows(&mut w, &self.pk0, params.n(), &[compressed_modulus(params)])?;
        Ok(w.into_bytes())
    }

    /// Decodes and checks a request for `params`.
    ///
    /// # Errors
    /// `ckks::Error::{Truncated, BadMagic, UnsupportedVersion, WrongKind, ParamsIdMismatch}` for
    /// a bad header or a request of another preset; `ckks::Error::Truncated` or
    /// `ckks::Error::TrailingBytes` for a wrong length; `ckks::Error::ResidueOutOfRange` for a value
    /// not below its modulus.
    pub fn decode(params: &PresetParams, bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        Header::expect(&mut r, Kind::ScoreRequest, u32::from(params.preset().id()))?;
        let seed_c = *r.take_array::<SEED_BYTES>("request seed_c")?;
        let seed_pk = *r.take_array::<SEED_BYTES>("request seed_pk")?;
        let c0_bytes = r.take(c0_len(params)?, "request c0")?;
        let pk0_bytes = r.take(pk0_len(params)?, "request pk0")?;
        r.finish("score request")?;
        let c0 = bitpack::unpack_rows(c0_bytes, params.n(), &moduli(params))?;
        let pk0 = bitpack::unpack_rows(pk0_bytes, params.n(), &[compressed_modulus(params)])?;
        Ok(Self {
            seed_c,
            seed_pk,
            c0: Poly::from_rows(params.ckks().basis(), c0)?,
            pk0,
        })
    }
}

/// A decoded score response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreResponse {
    /// How the server protected it.
    pub mode: ResponseMode,
    /// Fingerprint of the catalog's product ids.
    pub fingerprint: u32,
    /// Number of products.
    pub count: usize,
    /// `c1'` of every block, n values each: compressed to t bits (private) or mod q_0 (open).
    pub c1: Vec<u64>,
    /// `c0'` mod q_0: the `count` targets (private) or n values per block (open).
    pub c0: Vec<u64>,
}

impl ScoreResponse {
    /// Number of result ciphertexts (blocks of n/8 products) for `count` products.
    pub fn blocks(params: &PresetParams, count: usize) -> usize {
        count.div_ceil(params.products_per_ciphertext())
    }

    /// Exact size in bytes of a response with `count` products.
    ///
    /// # Errors
    /// [`Error::ProductCount`] for a count outside 1..=`MAX_PRODUCTS`.
    pub fn encoded_len(params: &PresetParams, mode: ResponseMode, count: usize) -> Result<usize> {
        check_count(count)?;
        let (c1, c0) = body_lens(params, mode, count)?;
        Ok(Header::LEN + 1 + 4 + 4 + c1 + c0)
    }

    /// The response bytes.
    ///
    /// # Errors
    /// [`Error::ProductCount`]; `ckks::Error::LengthMismatch` if the vectors do not have the
    /// lengths the mode and count give; errors of the packer for a value out of range.
    pub fn encode(&self, params: &PresetParams) -> Result<Vec<u8>> {
        let mut buffer = ResponseBuffer::new(params, (self.mode, self.fingerprint, self.count))?;
        let n = params.n();
        let c1_modulus = buffer.c1_modulus();
        let blocks = ScoreResponse::blocks(params, self.count);
        let c1_values = n.checked_mul(blocks).ok_or(too_large(blocks))?;
        if self.c1.len() != c1_values {
            return Err(ckks::Error::LengthMismatch {
                what: "response c1",
                expected: c1_values,
                found: self.c1.len(),
            }
            .into());
        }
        for (dst, values) in buffer.c1_blocks_mut().zip(self.c1.chunks_exact(n)) {
            bitpack::pack_into(dst, values, c1_modulus)?;
        }
        buffer.finish(&self.c0)
    }

    /// Decodes and checks a response for `params`.
    ///
    /// # Errors
    /// Header errors as [`ScoreRequest::decode`]; [`Error::InvalidResponseMode`];
    /// [`Error::ProductCount`] for a count of 0 or above `MAX_PRODUCTS`; truncation, trailing
    /// bytes and out-of-range values as for a request.
    pub fn decode(params: &PresetParams, bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        Header::expect(&mut r, Kind::ScoreResponse, u32::from(params.preset().id()))?;
        let mode = ResponseMode::from_byte(r.u8("response mode")?)?;
        let fingerprint = r.u32("response fingerprint")?;
        let count = usize::try_from(r.u32("response count")?).unwrap_or(usize::MAX);
        check_count(count)?;
        let (c1_len, c0_len) = body_lens(params, mode, count)?;
        let c1_bytes = r.take(c1_len, "response c1")?;
        let c0_bytes = r.take(c0_len, "response c0")?;
        r.finish("score response")?;
        let blocks = Self::blocks(params, count);
        let (c1_modulus, c0_count) = shape(params, mode, count, blocks)?;
        let c1_values = params.n().checked_mul(blocks).ok_or(too_large(blocks))?;
        let c1 = bitpack::unpack_rows(c1_bytes, c1_values, &[c1_modulus])?;
        let c0 = bitpack::unpack_rows(c0_bytes, c0_count, &[params.output_modulus()])?;
        Ok(Self {
            mode,
            fingerprint,
            count,
            c1,
            c0,
        })
    }
}

/// Packed length of one block's `c1'` (n values: whole bytes, since n is a multiple of 8).
fn packed_c1_len(params: &PresetParams, mode: ResponseMode) -> Result<usize> {
    let (c1_modulus, _) = shape(params, mode, 1, 1)?;
    Ok(bitpack::packed_len(params.n(), &[c1_modulus])?)
}

/// A response written in place: the header at once, then each block packs its `c1'` into its
/// own slice ([`ResponseBuffer::c1_blocks_mut`], so blocks evaluated in parallel write without
/// copies), and [`ResponseBuffer::finish`] packs the `c0'` values.
pub(crate) struct ResponseBuffer {
    bytes: Vec<u8>,
    /// Where the `c1'` blocks start and how long each one is.
    c1_start: usize,
    block_len: usize,
    blocks: usize,
    /// Where `c0'` starts, and its count and modulus.
    c0_start: usize,
    c0_count: usize,
    c0_modulus: u64,
    c1_modulus: u64,
}

impl ResponseBuffer {
    /// The buffer of a response with these fields (`mode`, fingerprint, count), header written.
    ///
    /// # Errors
    /// [`Error::ProductCount`] for a count of 0 or above `MAX_PRODUCTS`; `ckks::Error::TooLarge`
    /// for sizes that overflow.
    pub(crate) fn new(
        params: &PresetParams,
        (mode, fingerprint, count): (ResponseMode, u32, usize),
    ) -> Result<Self> {
        check_count(count)?;
        let count_u32 = u32::try_from(count).map_err(|_| Error::ProductCount {
            found: count,
            max: MAX_PRODUCTS,
        })?;
        let len = ScoreResponse::encoded_len(params, mode, count)?;
        let blocks = ScoreResponse::blocks(params, count);
        let (c1_len, _) = body_lens(params, mode, count)?;
        let (c1_modulus, c0_count) = shape(params, mode, count, blocks)?;
        let block_len = packed_c1_len(params, mode)?;
        if block_len.checked_mul(blocks) != Some(c1_len) {
            return Err(too_large(blocks));
        }
        let mut w = Writer::with_capacity(len);
        Header::new(Kind::ScoreResponse, u32::from(params.preset().id())).write(&mut w);
        w.u8(mode.to_byte());
        w.u32(fingerprint);
        w.u32(count_u32);
        let c1_start = w.len();
        let mut bytes = w.into_bytes();
        bytes.resize(len, 0);
        Ok(Self {
            bytes,
            c1_start,
            block_len,
            blocks,
            c0_start: c1_start + c1_len,
            c0_count,
            c0_modulus: params.output_modulus(),
            c1_modulus,
        })
    }

    /// The value bound of `c1'` (2^t for compressed values, else the output modulus).
    pub(crate) fn c1_modulus(&self) -> u64 {
        self.c1_modulus
    }

    /// One slice per block, in block order, for its packed `c1'` (n values).
    pub(crate) fn c1_blocks_mut(&mut self) -> core::slice::ChunksExactMut<'_, u8> {
        let end = self.c1_start + self.block_len * self.blocks;
        self.bytes
            .get_mut(self.c1_start..end)
            .unwrap_or_default()
            .chunks_exact_mut(self.block_len.max(1))
    }

    /// The response bytes, with the `c0'` values (modulus-major as the mode gives) packed last.
    ///
    /// # Errors
    /// `ckks::Error::LengthMismatch` if `c0` does not have the count the mode gives; the
    /// packer's error for a value out of range.
    pub(crate) fn finish(mut self, c0: &[u64]) -> Result<Vec<u8>> {
        if c0.len() != self.c0_count {
            return Err(ckks::Error::LengthMismatch {
                what: "response c0",
                expected: self.c0_count,
                found: c0.len(),
            }
            .into());
        }
        let dst = self.bytes.get_mut(self.c0_start..).unwrap_or_default();
        bitpack::pack_into(dst, c0, self.c0_modulus)?;
        Ok(self.bytes)
    }
}

fn moduli(params: &PresetParams) -> Vec<u64> {
    params
        .ckks()
        .basis()
        .moduli()
        .iter()
        .map(ckks::ring::Modulus::value)
        .collect()
}

/// The compressed values are residues "mod 2^t" for the packer: t bits each, any value < 2^t.
fn compressed_modulus(params: &PresetParams) -> u64 {
    1u64 << params.compressed_bits()
}

fn c0_len(params: &PresetParams) -> Result<usize> {
    Ok(bitpack::packed_len(params.n(), &moduli(params))?)
}

fn pk0_len(params: &PresetParams) -> Result<usize> {
    Ok(bitpack::packed_len(
        params.n(),
        &[compressed_modulus(params)],
    )?)
}

fn check_count(count: usize) -> Result<()> {
    if (1..=MAX_PRODUCTS).contains(&count) {
        Ok(())
    } else {
        Err(Error::ProductCount {
            found: count,
            max: MAX_PRODUCTS,
        })
    }
}

fn too_large(found: usize) -> Error {
    ckks::Error::TooLarge {
        what: "response blocks",
        found,
        max: MAX_PRODUCTS,
    }
    .into()
}

/// (modulus of the `c1'` values, number of `c0'` values) for a mode and count.
fn shape(
    params: &PresetParams,
    mode: ResponseMode,
    count: usize,
    blocks: usize,
) -> Result<(u64, usize)> {
    Ok(match mode {
        ResponseMode::Private => (compressed_modulus(params), count),
        ResponseMode::Open => (
            params.output_modulus(),
            params.n().checked_mul(blocks).ok_or(too_large(blocks))?,
        ),
    })
}

/// Packed byte lengths of (`c1'` blocks, `c0'` values).
fn body_lens(params: &PresetParams, mode: ResponseMode, count: usize) -> Result<(usize, usize)> {
    let blocks = ScoreResponse::blocks(params, count);
    let (c1_modulus, c0_count) = shape(params, mode, count, blocks)?;
    let c1_values = params.n().checked_mul(blocks).ok_or(too_large(blocks))?;
    Ok((
        bitpack::packed_len(c1_values, &[c1_modulus])?,
        bitpack::packed_len(c0_count, &[params.output_modulus()])?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::{Arc, OnceLock};

    fn exact() -> &'static Arc<PresetParams> {
        static P: OnceLock<Arc<PresetParams>> = OnceLock::new();
        P.get_or_init(|| Preset::Exact.params().unwrap())
    }

    fn sample_request(params: &PresetParams) -> ScoreRequest {
        let n = params.n();
        let rows: Vec<u64> = params
            .ckks()
            .basis()
            .moduli()
            .iter()
            .flat_map(|m| (0..n as u64).map(move |k| (k * 7919 + 13) % m.value()))
            .collect();
        ScoreRequest {
            seed_c: [1; 32],
            seed_pk: [2; 32],
            c0: Poly::from_rows(params.ckks().basis(), rows).unwrap(),
            pk0: (0..n as u64)
                .map(|k| (k * 104_729) % (1 << params.compressed_bits()))
                .collect(),
        }
    }

    fn sample_response(params: &PresetParams, mode: ResponseMode, count: usize) -> ScoreResponse {
        let blocks = ScoreResponse::blocks(params, count);
        let (c1_mod, c0_count) = shape(params, mode, count, blocks).unwrap();
        let q0 = params.output_modulus();
        ScoreResponse {
            mode,
            fingerprint: 0xDEAD_BEEF,
            count,
            c1: (0..(params.n() * blocks) as u64)
                .map(|k| (k * 31 + 5) % c1_mod)
                .collect(),
            c0: (0..c0_count as u64)
                .map(|k| (k * 1_000_003 + 1) % q0)
                .collect(),
        }
    }

    #[test]
    fn request_round_trips_and_has_the_documented_size() {
        let p = exact();
        let req = sample_request(p);
        let bytes = req.encode(p).unwrap();
        assert_eq!(bytes.len(), ScoreRequest::encoded_len(p).unwrap());
        // 10 + 64 + 4096 * 95 / 8 + 4096 * 47 / 8
        assert_eq!(bytes.len(), 10 + 64 + 48_640 + 24_064);
        assert_eq!(ScoreRequest::decode(p, &bytes).unwrap(), req);
        assert_eq!(message_preset(&bytes).unwrap(), Preset::Exact);
    }

    #[test]
    fn response_round_trips_in_both_modes() {
        let p = exact();
        for (mode, count) in [
            (ResponseMode::Private, 5),
            (ResponseMode::Private, 513),
            (ResponseMode::Open, 5),
        ] {
            let resp = sample_response(p, mode, count);
            let bytes = resp.encode(p).unwrap();
            assert_eq!(
                bytes.len(),
                ScoreResponse::encoded_len(p, mode, count).unwrap()
            );
            assert_eq!(ScoreResponse::decode(p, &bytes).unwrap(), resp);
        }
        // 5 products, private: header, mode, fingerprint, count, 4096 * 47 bits, 5 * 50 bits.
        assert_eq!(
            ScoreResponse::encoded_len(p, ResponseMode::Private, 5).unwrap(),
            10 + 1 + 4 + 4 + 24_064 + 32
        );
    }

    #[test]
    fn truncated_and_oversized_requests_are_typed_errors() {
        let p = exact();
        let bytes = sample_request(p).encode(p).unwrap();
        for cut in [0, 5, 10, 41, 74, 1000, bytes.len() - 1] {
            let e = ScoreRequest::decode(p, &bytes[..cut]).unwrap_err();
            assert!(
                matches!(e, Error::Ckks(ckks::Error::Truncated { .. })),
                "cut {cut}: {e:?}"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            ScoreRequest::decode(p, &long).unwrap_err(),
            Error::Ckks(ckks::Error::TrailingBytes {
                what: "score request",
                extra: 1
            })
        );
    }

    #[test]
    fn requests_for_another_preset_are_refused() {
        let compact = Preset::Compact.params().unwrap();
        let bytes = sample_request(&compact).encode(&compact).unwrap();
        assert_eq!(message_preset(&bytes).unwrap(), Preset::Compact);
        assert_eq!(
            ScoreRequest::decode(exact(), &bytes).unwrap_err(),
            Error::Ckks(ckks::Error::ParamsIdMismatch {
                expected: 2,
                found: 1
            })
        );
        let mut unknown = bytes.clone();
        unknown[5] = 9;
        assert_eq!(
            message_preset(&unknown).unwrap_err(),
            Error::UnknownPresetId { found: 9 }
        );
        let mut wrong_kind = sample_response(exact(), ResponseMode::Private, 5)
            .encode(exact())
            .unwrap();
        assert!(matches!(
            ScoreRequest::decode(exact(), &wrong_kind).unwrap_err(),
            Error::Ckks(ckks::Error::WrongKind { .. })
        ));
        wrong_kind[0] = b'X';
        assert!(matches!(
            ScoreResponse::decode(exact(), &wrong_kind).unwrap_err(),
            Error::Ckks(ckks::Error::BadMagic { .. })
        ));
    }

    #[test]
    fn out_of_range_coefficients_are_refused() {
        let p = exact();
        let mut bytes = sample_request(p).encode(p).unwrap();
        // First residue of c0 (row q_0, 50 bits) set to all ones: 2^50 - 1 >= q_0.
        let start = 10 + 64;
        for b in &mut bytes[start..start + 6] {
            *b = 0xFF;
        }
        bytes[start + 6] |= 0x03;
        assert!(matches!(
            ScoreRequest::decode(p, &bytes).unwrap_err(),
            Error::Ckks(ckks::Error::ResidueOutOfRange { row: 0, .. })
        ));
    }

    #[test]
    fn bad_response_fields_are_typed_errors() {
        let p = exact();
        let bytes = sample_response(p, ResponseMode::Private, 5)
            .encode(p)
            .unwrap();
        let mut bad_mode = bytes.clone();
        bad_mode[10] = 7;
        assert_eq!(
            ScoreResponse::decode(p, &bad_mode).unwrap_err(),
            Error::InvalidResponseMode { found: 7 }
        );
        for count in [0u32, MAX_PRODUCTS as u32 + 1, u32::MAX] {
            let mut bad_count = bytes.clone();
            bad_count[15..19].copy_from_slice(&count.to_le_bytes());
            assert!(matches!(
                ScoreResponse::decode(p, &bad_count).unwrap_err(),
                Error::ProductCount { .. }
            ));
        }
        // A count that does not match the body: the lengths no longer fit.
        let mut six = bytes.clone();
        six[15..19].copy_from_slice(&6u32.to_le_bytes());
        assert!(matches!(
            ScoreResponse::decode(p, &six).unwrap_err(),
            Error::Ckks(ckks::Error::Truncated { .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), cut in 0usize..80_000) {
            let p = exact();
            let _ = ScoreRequest::decode(p, &bytes);
            let _ = ScoreResponse::decode(p, &bytes);
            let _ = message_preset(&bytes);
            // A valid prefix with garbage after the header.
            let mut valid = sample_request(p).encode(p).unwrap();
            let cut = cut.min(valid.len());
            valid.truncate(cut);
            valid.extend_from_slice(&bytes);
            let _ = ScoreRequest::decode(p, &valid);
        }
    }
}
