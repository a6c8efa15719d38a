//! The fixed 10-byte header every top-level object starts with.
//!
//! ```text
//! offset size field
//!      0    4 magic      "BMHE" (0x42 0x4d 0x48 0x45)
//!      4    1 version    FORMAT_VERSION
//!      5    4 params id  u32 little-endian: Params::id() for ckks objects, the preset id for
//!                        the scoring protocol's messages
//!      9    1 kind       Kind as a byte
//! ```
//! A decoder checks the fields in the order magic, version, kind, params id, and stops at the
//! first mismatch.

use super::{Reader, Writer};
use crate::error::{Error, Result};

/// The four bytes every encoded object starts with ("BMHE": Blind Mirror, homomorphic encryption).
pub const MAGIC: [u8; 4] = *b"BMHE";

/// The only wire format version this code reads and writes.
pub const FORMAT_VERSION: u8 = 2;

/// What an encoded object is. The byte values are part of the format: a value is never reused
/// for another kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u8)]
pub enum Kind {
    /// A ternary secret key; only ever written by an explicit, user-initiated export.
    SecretKey = 0x01,
    /// A seeded public key: the 32-byte seed of `a` and `pk0`.
    PublicKey = 0x02,
    /// A seeded ciphertext: the 32-byte seed of `c1` and `c0`.
    SeededCiphertext = 0x03,
    /// A ciphertext with both polynomials.
    Ciphertext = 0x04,
    /// An encoded plaintext polynomial.
    Plaintext = 0x05,
    /// The scoring protocol's request (framed by the `scoring` crate).
    ScoreRequest = 0x10,
    /// The scoring protocol's response (framed by the `scoring` crate).
    ScoreResponse = 0x11,
}

impl Kind {
    /// Every kind, in byte order.
    pub const ALL: [Self; 7] = [
        Self::SecretKey,
        Self::PublicKey,
        Self::SeededCiphertext,
        Self::Ciphertext,
        Self::Plaintext,
        Self::ScoreRequest,
        Self::ScoreResponse,
    ];

    /// The byte that stands for this kind on the wire.
    #[must_use]
    pub const fn to_byte(self) -> u8 {
        self as u8
    }

    /// The kind a byte stands for, if any.
    #[must_use]
    pub const fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0x01 => Some(Self::SecretKey),
            0x02 => Some(Self::PublicKey),
            0x03 => Some(Self::SeededCiphertext),
            0x04 => Some(Self::Ciphertext),
            0x05 => Some(Self::Plaintext),
            0x10 => Some(Self::ScoreRequest),
            0x11 => Some(Self::ScoreResponse),
            _ => None,
        }
    }
}

/// The header of an encoded object: its kind and the id of the parameters it belongs to
/// (magic and version are implied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// What follows the header.
    pub kind: Kind,
    /// Id of the parameter set (or protocol preset) the object belongs to.
    pub params_id: u32,
}

impl Header {
    /// Encoded size in bytes.
    pub const LEN: usize = 10;

    /// A header for an object of `kind` under the parameters `params_id`.
    #[must_use]
    pub const fn new(kind: Kind, params_id: u32) -> Self {
        Self { kind, params_id }
    }

    /// Appends the 10 header bytes.
    pub fn write(&self, w: &mut Writer) {
        w.bytes(&MAGIC);
        w.u8(FORMAT_VERSION);
        w.u32(self.params_id);
        w.u8(self.kind.to_byte());
    }

    /// Reads a header of any known kind (to dispatch on the kind).
    ///
    /// # Errors
    /// In this order: `Truncated` (fewer than 10 bytes), `BadMagic`, `UnsupportedVersion`,
    /// `UnknownKind`.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (kind, params_id) = read_raw(r)?;
        let kind = Kind::from_byte(kind).ok_or(Error::UnknownKind { found: kind })?;
        Ok(Self { kind, params_id })
    }

    /// Reads a header and checks that it announces `kind` under `params_id`.
    ///
    /// # Errors
    /// In this order: `Truncated` (fewer than 10 bytes), `BadMagic`, `UnsupportedVersion`,
    /// `WrongKind`, `ParamsIdMismatch`.
    pub fn expect(r: &mut Reader<'_>, kind: Kind, params_id: u32) -> Result<()> {
        let (found_kind, found_id) = read_raw(r)?;
        if found_kind != kind.to_byte() {
            return Err(Error::WrongKind {
                expected: kind.to_byte(),
                found: found_kind,
            });
        }
        if found_id != params_id {
            return Err(Error::ParamsIdMismatch {
                expected: params_id,
                found: found_id,
            });
        }
        Ok(())
    }
}

/// Reads the 10 bytes, checks magic and version, and returns (kind byte, params id).
fn read_raw(r: &mut Reader<'_>) -> Result<(u8, u32)> {
    let bytes = r.take_array::<{ Header::LEN }>("header")?;
    let mut h = Reader::new(bytes);
    let magic = *h.take_array::<4>("magic")?;
    if magic != MAGIC {
        return Err(Error::BadMagic {
            expected: MAGIC,
            found: magic,
        });
    }
    let version = h.u8("version")?;
    if version != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion {
            expected: FORMAT_VERSION,
            found: version,
        });
    }
    let params_id = h.u32("params id")?;
    let kind = h.u8("kind")?;
    h.finish("header")?;
    Ok((kind, params_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(kind: Kind, id: u32) -> Vec<u8> {
        let mut w = Writer::new();
        Header::new(kind, id).write(&mut w);
        w.into_bytes()
    }

    #[test]
    fn header_layout_is_magic_version_id_kind() {
        let bytes = encoded(Kind::SeededCiphertext, 0x0403_0201);
        assert_eq!(
            bytes,
            [b'B', b'M', b'H', b'E', FORMAT_VERSION, 1, 2, 3, 4, 0x03]
        );
    }

    #[test]
    fn every_kind_round_trips_through_its_byte() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_byte(kind.to_byte()), Some(kind));
            let bytes = encoded(kind, 77);
            assert_eq!(
                Header::read(&mut Reader::new(&bytes)).unwrap(),
                Header::new(kind, 77)
            );
            Header::expect(&mut Reader::new(&bytes), kind, 77).unwrap();
        }
        let known = Kind::ALL.map(Kind::to_byte);
        for byte in 0..=u8::MAX {
            assert_eq!(Kind::from_byte(byte).is_some(), known.contains(&byte));
        }
    }

    #[test]
    fn header_errors_come_in_validation_order() {
        let good = encoded(Kind::PublicKey, 9);
        let short = good.get(..9).unwrap();
        assert_eq!(
            Header::read(&mut Reader::new(short)),
            Err(Error::Truncated {
                what: "header",
                needed: 10,
                left: 9
            })
        );

        let mut bad_magic = good.clone();
        bad_magic[0] = b'X';
        // A wrong version too: magic is reported first.
        bad_magic[4] = 9;
        assert_eq!(
            Header::expect(&mut Reader::new(&bad_magic), Kind::PublicKey, 9),
            Err(Error::BadMagic {
                expected: MAGIC,
                found: *b"XMHE"
            })
        );

        let mut bad_version = good.clone();
        // The previous version (1: the scoring request's c0 in NTT form) is refused too.
        for old in [1, FORMAT_VERSION + 1] {
            bad_version[4] = old;
            bad_version[9] = 0x7f;
            assert_eq!(
                Header::expect(&mut Reader::new(&bad_version), Kind::PublicKey, 9),
                Err(Error::UnsupportedVersion {
                    expected: FORMAT_VERSION,
                    found: old
                })
            );
        }

        let mut wrong_kind = good.clone();
        wrong_kind[5] = 10;
        assert_eq!(
            Header::expect(&mut Reader::new(&wrong_kind), Kind::SeededCiphertext, 10),
            Err(Error::WrongKind {
                expected: 0x03,
                found: 0x02
            })
        );
        assert_eq!(
            Header::expect(&mut Reader::new(&good), Kind::PublicKey, 10),
            Err(Error::ParamsIdMismatch {
                expected: 10,
                found: 9
            })
        );

        let mut unknown = good;
        unknown[9] = 0xee;
        assert_eq!(
            Header::read(&mut Reader::new(&unknown)),
            Err(Error::UnknownKind { found: 0xee })
        );
    }
}
