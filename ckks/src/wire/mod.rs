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
mod reader;
mod writer;

pub use header::{FORMAT_VERSION, Header, Kind, MAGIC};
pub use reader::Reader;
pub use writer::Writer;
