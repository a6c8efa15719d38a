//! The binary wire format: every object that leaves a device, byte for byte.
//!
//! An encoded object is a 10-byte [`Header`] (magic "BMHE", format version, parameter id, object
//! [`Kind`]) followed by the object's fields: small fixed-size fields first (level, scale, seed),
//! then bit-packed polynomials ([`bitpack`]: `ceil(log2 q_i)` bits per residue, rows back to back,
//! only the last byte padded). `docs/wire-format.md` gives the exact layout of each object.
//!
//! Decoders follow one order: header (magic, version, kind, parameter id), then levels and bases,
//! then every length (sized from the caller's parameters, never from the bytes), then
//! [`Reader::finish`] (no trailing data), and only then the residues are unpacked and checked
//! (`< q_i`) and the object is built. Nothing is allocated before the lengths are known to
//! match, and a failed decode leaves nothing behind. Every failure is a typed [`crate::Error`].
//!
//! The generic pieces ([`Reader`], [`Writer`], [`Header`], [`bitpack`]) are public so the
//! scoring protocol frames its request and response with the same header and packing.

pub mod bitpack;
mod header;
mod objects;
#[cfg(target_arch = "x86_64")]
mod pack_simd;
#[cfg(target_arch = "x86_64")]
pub use pack_simd::{GroupPacker, GroupTables};
mod poly;
mod reader;
mod writer;

pub use header::{FORMAT_VERSION, Header, Kind, MAGIC};
pub use objects::{
    PackedCiphertext, PackedPlaintext, PackedPublicKey, PackedSeededCiphertext,
    ciphertext_body_len, decode_ciphertext, decode_plaintext, decode_public_key,
    decode_seeded_ciphertext, encode_ciphertext, encode_plaintext, encode_public_key,
    encode_seeded_ciphertext, export_secret_key, import_secret_key, object_len, plaintext_body_len,
    public_key_body_len, secret_key_len, seeded_ciphertext_body_len, write_ciphertext,
    write_plaintext, write_public_key, write_seeded_ciphertext,
};
pub use poly::{
    PackedPoly, PackedSubset, packed_poly_len, packed_subset_len, write_poly, write_subset,
};
pub use reader::Reader;
pub use writer::Writer;
