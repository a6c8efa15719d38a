//! Codecs of the library's objects: public key, seeded ciphertext, ciphertext, plaintext and the
//! explicit secret key export.
//!
//! Two layers:
//! - **Bodies** (`write_*` / `Packed*::read` + `unpack`) over a basis the caller names, with no
//!   header and no level: the scoring protocol puts them inside its own messages (for instance a
//!   public key over its one-prime output basis next to a seeded ciphertext).
//! - **Objects** (`encode_*` / `decode_*`): `Header` | level (u8) | body, for a basis of the
//!   parameter chain (`Params::basis_at(level)`).
//!
//! Polynomials travel in NTT form, in the evaluation order of [`crate::ring::ntt`]
//! (`a_hat[i] = a(psi^(2*brv(i) + 1))`, psi fixed for each (n, q)): keys and fresh ciphertexts
//! are made in that form, seeds expand straight into it, and the server multiplies in it, so
//! neither end spends a transform on what it receives.
//!
//! Every decoder reads the fixed fields and checks them as it goes (header, level, scale),
//! takes each packed field by its length computed from the parameters, calls
//! [`Reader::finish`], and only then unpacks and range-checks the residues and builds the
//! object.

use std::sync::Arc;

use zeroize::Zeroizing;

use super::{Header, Kind, PackedPoly, Reader, Writer, bitpack, packed_poly_len, write_poly};
use crate::ciphertext::{Ciphertext, SeededCiphertext};
use crate::error::{Error, Result};
use crate::keys::{PublicKey, SecretKey};
use crate::params::Params;
use crate::plaintext::{Plaintext, check_scale};
use crate::ring::{Ntt, RnsBasis};
use crate::sampling::{SEED_BYTES, Seed};

/// Bytes of the level field of an object.
const LEVEL_LEN: usize = 1;
/// Bytes of a scale (IEEE 754 binary64).
const SCALE_LEN: usize = 8;

/// `a + b + ...` with overflow reported as `Error::TooLarge`.
fn sum(what: &'static str, parts: &[usize]) -> Result<usize> {
    parts.iter().try_fold(0_usize, |acc, &x| {
        acc.checked_add(x).ok_or(Error::TooLarge {
            what,
            found: acc,
            max: usize::MAX - x,
        })
    })
}

/// Bytes of a public key body over `basis`: seed (32) + packed p0.
///
/// # Errors
/// `Error::TooLarge` on overflow (not for any supported basis).
pub fn public_key_body_len(basis: &RnsBasis) -> Result<usize> {
    sum("public key", &[SEED_BYTES, packed_poly_len(basis)?])
}

/// Bytes of a seeded ciphertext body over `basis`: scale (8) + seed (32) + packed c0.
///
/// # Errors
/// `Error::TooLarge` on overflow.
pub fn seeded_ciphertext_body_len(basis: &RnsBasis) -> Result<usize> {
    sum(
        "seeded ciphertext",
        &[SCALE_LEN, SEED_BYTES, packed_poly_len(basis)?],
    )
}

/// Bytes of a ciphertext body over `basis`: scale (8) + packed c0 + packed c1.
///
/// # Errors
/// `Error::TooLarge` on overflow.
pub fn ciphertext_body_len(basis: &RnsBasis) -> Result<usize> {
    let poly = packed_poly_len(basis)?;
    sum("ciphertext", &[SCALE_LEN, poly, poly])
}

/// Bytes of a plaintext body over `basis`: scale (8) + packed m.
///
/// # Errors
/// `Error::TooLarge` on overflow.
pub fn plaintext_body_len(basis: &RnsBasis) -> Result<usize> {
    sum("plaintext", &[SCALE_LEN, packed_poly_len(basis)?])
}

/// Bytes of an encoded object (header, level, body) whose body has `body_len` bytes.
///
/// # Errors
/// `Error::TooLarge` on overflow.
pub fn object_len(body_len: usize) -> Result<usize> {
    sum("encoded object", &[Header::LEN, LEVEL_LEN, body_len])
}

/// Appends a public key body: seed | p0 (NTT form, packed over the key's basis).
///
/// # Errors
/// None for a well-formed key (the packer's `Result`).
pub fn write_public_key(w: &mut Writer, pk: &PublicKey) -> Result<()> {
    w.bytes(pk.seed());
    write_poly(w, pk.p0())
}

/// Appends a seeded ciphertext body: scale | seed | c0 (NTT form, packed).
///
/// # Errors
/// None for a well-formed ciphertext (the packer's `Result`).
pub fn write_seeded_ciphertext(w: &mut Writer, ct: &SeededCiphertext) -> Result<()> {
    w.f64(ct.scale());
    w.bytes(ct.seed());
    write_poly(w, ct.c0())
}

/// Appends a ciphertext body: scale | c0 | c1 (NTT form, packed).
///
/// # Errors
/// None for a well-formed ciphertext (the packer's `Result`).
pub fn write_ciphertext(w: &mut Writer, ct: &Ciphertext<Ntt>) -> Result<()> {
    w.f64(ct.scale());
    write_poly(w, ct.c0())?;
    write_poly(w, ct.c1())
}

/// Appends a plaintext body: scale | m (NTT form, packed).
///
/// # Errors
/// None for a well-formed plaintext (the packer's `Result`).
pub fn write_plaintext(w: &mut Writer, pt: &Plaintext) -> Result<()> {
    w.f64(pt.scale());
    write_poly(w, pt.poly())
}

/// Reads a scale and checks it is finite and positive.
fn read_scale(r: &mut Reader<'_>) -> Result<f64> {
    let scale = r.f64("scale")?;
    check_scale(scale)?;
    Ok(scale)
}

/// A public key body whose lengths are checked, not yet unpacked.
#[derive(Debug, Clone)]
pub struct PackedPublicKey<'a> {
    seed: Seed,
    p0: PackedPoly<'a>,
}

impl<'a> PackedPublicKey<'a> {
    /// Takes a public key body over `basis` from `r` (seed, then p0's packed bytes).
    ///
    /// # Errors
    /// `Error::Truncated` when the input is shorter than [`public_key_body_len`].
    pub fn read(r: &mut Reader<'a>, basis: &Arc<RnsBasis>) -> Result<Self> {
        let seed = *r.take_array::<SEED_BYTES>("public key seed")?;
        let p0 = PackedPoly::read(r, basis, "public key p0")?;
        Ok(Self { seed, p0 })
    }

    /// Unpacks p0 (every residue checked) and builds the key.
    ///
    /// # Errors
    /// `Error::ResidueOutOfRange`, `Error::NonZeroPadding`.
    pub fn unpack(&self) -> Result<PublicKey> {
        Ok(PublicKey::new(self.seed, self.p0.unpack::<Ntt>()?))
    }
}

/// A seeded ciphertext body whose scale and lengths are checked, not yet unpacked.
#[derive(Debug, Clone)]
pub struct PackedSeededCiphertext<'a> {
    scale: f64,
    seed: Seed,
    c0: PackedPoly<'a>,
}

impl<'a> PackedSeededCiphertext<'a> {
    /// Takes a seeded ciphertext body over `basis` from `r`.
    ///
    /// # Errors
    /// `Error::Truncated`; `Error::InvalidScale` for a scale that is not finite and positive.
    pub fn read(r: &mut Reader<'a>, basis: &Arc<RnsBasis>) -> Result<Self> {
        let scale = read_scale(r)?;
        let seed = *r.take_array::<SEED_BYTES>("ciphertext seed")?;
        let c0 = PackedPoly::read(r, basis, "c0")?;
        Ok(Self { scale, seed, c0 })
    }

    /// Unpacks c0 (every residue checked) and builds the ciphertext (c1 stays a seed).
    ///
    /// # Errors
    /// `Error::ResidueOutOfRange`, `Error::NonZeroPadding`.
    pub fn unpack(&self) -> Result<SeededCiphertext> {
        SeededCiphertext::new(self.c0.unpack::<Ntt>()?, self.seed, self.scale)
    }
}

/// A ciphertext body whose scale and lengths are checked, not yet unpacked.
#[derive(Debug, Clone)]
pub struct PackedCiphertext<'a> {
    scale: f64,
    c0: PackedPoly<'a>,
    c1: PackedPoly<'a>,
}

impl<'a> PackedCiphertext<'a> {
    /// Takes a ciphertext body over `basis` from `r`.
    ///
    /// # Errors
    /// `Error::Truncated`; `Error::InvalidScale`.
    pub fn read(r: &mut Reader<'a>, basis: &Arc<RnsBasis>) -> Result<Self> {
        let scale = read_scale(r)?;
        let c0 = PackedPoly::read(r, basis, "c0")?;
        let c1 = PackedPoly::read(r, basis, "c1")?;
        Ok(Self { scale, c0, c1 })
    }

    /// Unpacks both parts (every residue checked) and builds the ciphertext.
    ///
    /// # Errors
    /// `Error::ResidueOutOfRange`, `Error::NonZeroPadding`.
    pub fn unpack(&self) -> Result<Ciphertext<Ntt>> {
        Ciphertext::new(
            self.c0.unpack::<Ntt>()?,
            self.c1.unpack::<Ntt>()?,
            self.scale,
        )
    }
}

/// A plaintext body whose scale and length are checked, not yet unpacked.
#[derive(Debug, Clone)]
pub struct PackedPlaintext<'a> {
    scale: f64,
    m: PackedPoly<'a>,
}

impl<'a> PackedPlaintext<'a> {
    /// Takes a plaintext body over `basis` from `r`.
    ///
    /// # Errors
    /// `Error::Truncated`; `Error::InvalidScale`.
    pub fn read(r: &mut Reader<'a>, basis: &Arc<RnsBasis>) -> Result<Self> {
        let scale = read_scale(r)?;
        let m = PackedPoly::read(r, basis, "plaintext")?;
        Ok(Self { scale, m })
    }

    /// Unpacks m (every residue checked) and builds the plaintext.
    ///
    /// # Errors
    /// `Error::ResidueOutOfRange`, `Error::NonZeroPadding`.
    pub fn unpack(&self) -> Result<Plaintext> {
        Plaintext::new(self.m.unpack::<Ntt>()?, self.scale)
    }
}

/// The level of `basis` in `params`' chain, checking the basis is that level's.
fn level_of(params: &Params, basis: &RnsBasis) -> Result<u8> {
    let level = basis.len().checked_sub(1).ok_or(Error::ParamsMismatch)?;
    let chain = params.basis_at(level)?;
    if !chain.same_as(basis) {
        return Err(Error::ParamsMismatch);
    }
    u8::try_from(level).map_err(|_| Error::TooLarge {
        what: "level",
        found: level,
        max: 255,
    })
}

/// Writes header and level, then the body, into a buffer of exactly the object's size.
fn encode_object(
    params: &Params,
    kind: Kind,
    basis: &RnsBasis,
    body_len: usize,
    body: impl FnOnce(&mut Writer) -> Result<()>,
) -> Result<Vec<u8>> {
    let level = level_of(params, basis)?;
    let mut w = Writer::with_capacity(object_len(body_len)?);
    Header::new(kind, params.id()).write(&mut w);
    w.u8(level);
    body(&mut w)?;
    debug_assert_eq!(Some(w.len()), object_len(body_len).ok());
    Ok(w.into_bytes())
}

/// Checks the header and reads the level, returning the basis of that level.
fn open_object<'a>(
    params: &Params,
    kind: Kind,
    bytes: &'a [u8],
) -> Result<(Reader<'a>, Arc<RnsBasis>)> {
    let mut r = Reader::new(bytes);
    Header::expect(&mut r, kind, params.id())?;
    let level = usize::from(r.u8("level")?);
    let basis = params.basis_at(level)?;
    Ok((r, basis))
}

/// Encodes a public key over a basis of `params`' chain: header (kind `PublicKey`) | level |
/// seed | p0.
///
/// # Errors
/// `Error::ParamsMismatch` unless the key's basis is `params.basis_at(level)` for some level
/// (a key over another basis, such as the scoring output prime, travels as a body inside the
/// protocol's own message: [`write_public_key`]).
pub fn encode_public_key(params: &Params, pk: &PublicKey) -> Result<Vec<u8>> {
    let basis = pk.basis();
    encode_object(
        params,
        Kind::PublicKey,
        basis,
        public_key_body_len(basis)?,
        |w| write_public_key(w, pk),
    )
}

/// Decodes what [`encode_public_key`] wrote.
///
/// # Errors
/// In validation order: `Truncated`, `BadMagic`, `UnsupportedVersion`, `WrongKind`,
/// `ParamsIdMismatch` (header); `Truncated` (level), `InvalidLevel`; `Truncated` (seed, p0);
/// `TrailingBytes`; `ResidueOutOfRange`, `NonZeroPadding`.
pub fn decode_public_key(params: &Params, bytes: &[u8]) -> Result<PublicKey> {
    let (mut r, basis) = open_object(params, Kind::PublicKey, bytes)?;
    let packed = PackedPublicKey::read(&mut r, &basis)?;
    r.finish("public key")?;
    packed.unpack()
}

/// Encodes a seeded ciphertext: header (kind `SeededCiphertext`) | level | scale | seed | c0.
///
/// # Errors
/// `Error::ParamsMismatch` unless c0's basis is a level of `params`' chain.
pub fn encode_seeded_ciphertext(params: &Params, ct: &SeededCiphertext) -> Result<Vec<u8>> {
    let basis = ct.basis();
    encode_object(
        params,
        Kind::SeededCiphertext,
        basis,
        seeded_ciphertext_body_len(basis)?,
        |w| write_seeded_ciphertext(w, ct),
    )
}

/// Decodes what [`encode_seeded_ciphertext`] wrote (c1 stays a seed until
/// [`SeededCiphertext::expand`]).
///
/// # Errors
/// As [`decode_public_key`], plus `InvalidScale` after the level.
pub fn decode_seeded_ciphertext(params: &Params, bytes: &[u8]) -> Result<SeededCiphertext> {
    let (mut r, basis) = open_object(params, Kind::SeededCiphertext, bytes)?;
    let packed = PackedSeededCiphertext::read(&mut r, &basis)?;
    r.finish("seeded ciphertext")?;
    packed.unpack()
}

/// Encodes a ciphertext: header (kind `Ciphertext`) | level | scale | c0 | c1 (NTT form).
///
/// # Errors
/// `Error::ParamsMismatch` unless the basis is a level of `params`' chain.
pub fn encode_ciphertext(params: &Params, ct: &Ciphertext<Ntt>) -> Result<Vec<u8>> {
    let basis = ct.basis();
    encode_object(
        params,
        Kind::Ciphertext,
        basis,
        ciphertext_body_len(basis)?,
        |w| write_ciphertext(w, ct),
    )
}

/// Decodes what [`encode_ciphertext`] wrote.
///
/// # Errors
/// As [`decode_seeded_ciphertext`].
pub fn decode_ciphertext(params: &Params, bytes: &[u8]) -> Result<Ciphertext<Ntt>> {
    let (mut r, basis) = open_object(params, Kind::Ciphertext, bytes)?;
    let packed = PackedCiphertext::read(&mut r, &basis)?;
    r.finish("ciphertext")?;
    packed.unpack()
}

/// Encodes a plaintext: header (kind `Plaintext`) | level | scale | m (NTT form).
///
/// # Errors
/// `Error::ParamsMismatch` unless the basis is a level of `params`' chain.
pub fn encode_plaintext(params: &Params, pt: &Plaintext) -> Result<Vec<u8>> {
    let basis = pt.basis();
    encode_object(
        params,
        Kind::Plaintext,
        basis,
        plaintext_body_len(basis)?,
        |w| write_plaintext(w, pt),
    )
}

/// Decodes what [`encode_plaintext`] wrote.
///
/// # Errors
/// As [`decode_seeded_ciphertext`].
pub fn decode_plaintext(params: &Params, bytes: &[u8]) -> Result<Plaintext> {
    let (mut r, basis) = open_object(params, Kind::Plaintext, bytes)?;
    let packed = PackedPlaintext::read(&mut r, &basis)?;
    r.finish("plaintext")?;
    packed.unpack()
}

/// Bytes of an exported secret key for `params`: header (10) + `ceil(n / 4)`.
///
/// # Errors
/// `Error::TooLarge` on overflow.
pub fn secret_key_len(params: &Params) -> Result<usize> {
    sum(
        "secret key",
        &[Header::LEN, bitpack::ternary_packed_len(params.n())],
    )
}

/// Exports a secret key: header (kind `SecretKey`) | n coefficients at 2 bits each
/// (0 -> 00, 1 -> 01, -1 -> 10, LSB first; see [`bitpack::pack_ternary`]).
///
/// For a user who explicitly asks to save her key, never for anything sent to a server.
///
/// # Errors
/// None for a well-formed key (the packer's `Result`).
///
/// # Security
/// The bytes are the secret key in clear, returned in [`Zeroizing`] (wiped on drop); the buffer
/// is allocated at its final size, so no copy is left behind by a reallocation.
pub fn export_secret_key(sk: &SecretKey) -> Result<Zeroizing<Vec<u8>>> {
    let params = sk.params();
    let coeffs = sk.export_coefficients();
    let mut w = Zeroizing::new(Writer::with_capacity(secret_key_len(params)?));
    Header::new(Kind::SecretKey, params.id()).write(&mut w);
    bitpack::pack_ternary(&mut w, &coeffs)?;
    Ok(Zeroizing::new(core::mem::take(&mut *w).into_bytes()))
}

/// Imports what [`export_secret_key`] wrote.
///
/// # Errors
/// Header errors as [`decode_public_key`]; `Truncated`; `TrailingBytes`;
/// `InvalidSecretKey { index, value: 3 }` for the unused 2-bit code; `NonZeroPadding`.
///
/// # Security
/// The unpacked coefficients are wiped after the key is built.
pub fn import_secret_key(params: &Arc<Params>, bytes: &[u8]) -> Result<SecretKey> {
    let mut r = Reader::new(bytes);
    Header::expect(&mut r, Kind::SecretKey, params.id())?;
    let packed = r.take(bitpack::ternary_packed_len(params.n()), "secret key")?;
    r.finish("secret key")?;
    let coeffs = bitpack::unpack_ternary(packed, params.n())?;
    SecretKey::from_coefficients(params, &coeffs)
}
