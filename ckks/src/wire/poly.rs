//! Polynomials over an RNS basis on the wire: every row bit-packed ([`super::bitpack`]), in the
//! representation the type says (`Poly<Ntt>` travels in the library's evaluation order,
//! `Poly<Coeff>` as coefficients; the bytes do not say which, the object kind does).
//!
//! Decoding is two-phase so a composite message can check all its lengths (and refuse trailing
//! bytes) before it unpacks anything: [`PackedPoly::read`] borrows exactly the right number of
//! bytes, [`PackedPoly::unpack`] checks every residue and builds the polynomial.

use std::sync::Arc;

use super::{Reader, Writer, bitpack};
use crate::error::Result;
use crate::ring::{Poly, RnsBasis};

/// The moduli of a basis as plain values.
pub(crate) fn moduli(basis: &RnsBasis) -> Vec<u64> {
    basis.moduli().iter().map(|m| m.value()).collect()
}

/// Bytes of a polynomial over `basis` on the wire: `ceil(n * sum_i ceil(log2 q_i) / 8)`.
///
/// # Errors
/// `Error::TooLarge` if the size overflows `usize` (not for any supported basis).
pub fn packed_poly_len(basis: &RnsBasis) -> Result<usize> {
    bitpack::packed_len(basis.n(), &moduli(basis))
}

/// Bytes of `count` chosen coefficients of a polynomial over `basis` ([`write_subset`]).
///
/// # Errors
/// `Error::TooLarge` if the size overflows `usize`.
pub fn packed_subset_len(basis: &RnsBasis, count: usize) -> Result<usize> {
    bitpack::packed_len(count, &moduli(basis))
}

/// Appends `poly`, bit-packed row after row.
///
/// # Errors
/// None for a well-formed polynomial (the `Result` is the packer's, which rechecks residues).
pub fn write_poly<R>(w: &mut Writer, poly: &Poly<R>) -> Result<()> {
    let basis = poly.basis();
    bitpack::pack_rows(w, poly.as_slice(), basis.n(), &moduli(basis))
}

/// Appends, for each row of `poly`, the residues at `indices` in the order given (the scoring
/// response sends only the target coefficients of c0 this way).
///
/// # Errors
/// `Error::IndexOutOfRange` for an index `>= n`.
pub fn write_subset<R>(w: &mut Writer, poly: &Poly<R>, indices: &[usize]) -> Result<()> {
    let basis = poly.basis();
    bitpack::pack_subset(w, poly.as_slice(), basis.n(), &moduli(basis), indices)
}

/// A polynomial's bytes, of the right length for its basis, not yet unpacked.
#[derive(Debug, Clone)]
pub struct PackedPoly<'a> {
    basis: Arc<RnsBasis>,
    bytes: &'a [u8],
}

impl<'a> PackedPoly<'a> {
    /// Takes the [`packed_poly_len`] bytes of a polynomial over `basis` from `r`. Nothing is
    /// allocated and no residue is looked at yet.
    ///
    /// # Errors
    /// `Error::Truncated { what, .. }` when the input is shorter.
    pub fn read(r: &mut Reader<'a>, basis: &Arc<RnsBasis>, what: &'static str) -> Result<Self> {
        let bytes = r.take(packed_poly_len(basis)?, what)?;
        Ok(Self {
            basis: Arc::clone(basis),
            bytes,
        })
    }

    /// The packed bytes.
    #[must_use]
    pub const fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The basis the polynomial is read over.
    #[must_use]
    pub const fn basis(&self) -> &Arc<RnsBasis> {
        &self.basis
    }

    /// Unpacks and checks every residue, then builds the polynomial in the representation `R`
    /// the caller expects.
    ///
    /// # Errors
    /// `Error::ResidueOutOfRange { row, value, modulus }` for a residue `>= q_row`;
    /// `Error::NonZeroPadding` when the unused bits of the last byte are set.
    pub fn unpack<R>(&self) -> Result<Poly<R>> {
        let rows = bitpack::unpack_rows(self.bytes, self.basis.n(), &moduli(&self.basis))?;
        Poly::from_rows(&self.basis, rows)
    }
}

/// The bytes of `count` chosen coefficients per row of a polynomial over a basis, not yet
/// unpacked (what [`write_subset`] wrote).
#[derive(Debug, Clone)]
pub struct PackedSubset<'a> {
    moduli: Vec<u64>,
    count: usize,
    bytes: &'a [u8],
}

impl<'a> PackedSubset<'a> {
    /// Takes the [`packed_subset_len`] bytes of `count` coefficients per row over `basis`.
    ///
    /// # Errors
    /// `Error::Truncated { what, .. }` when the input is shorter; `Error::TooLarge` if the size
    /// overflows.
    pub fn read(
        r: &mut Reader<'a>,
        basis: &RnsBasis,
        count: usize,
        what: &'static str,
    ) -> Result<Self> {
        let moduli = moduli(basis);
        let bytes = r.take(bitpack::packed_len(count, &moduli)?, what)?;
        Ok(Self {
            moduli,
            count,
            bytes,
        })
    }

    /// Unpacks the values: `basis.len()` rows of `count` residues, row after row (value j of
    /// row i, at `i * count + j`, is coefficient `indices[j]` mod q_i).
    ///
    /// # Errors
    /// `Error::ResidueOutOfRange`, `Error::NonZeroPadding`.
    pub fn unpack(&self) -> Result<Vec<u64>> {
        bitpack::unpack_rows(self.bytes, self.count, &self.moduli)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::ring::{Coeff, Ntt};

    // Two 42-bit NTT-friendly primes for n = 4096 and a small prime for n = 16.
    fn basis(n: usize, moduli: &[u64]) -> Arc<RnsBasis> {
        RnsBasis::new(n, moduli).unwrap()
    }

    fn small() -> Arc<RnsBasis> {
        // 97 = 3 * 32 + 1, 193 = 6 * 32 + 1: NTT-friendly for n = 16.
        basis(16, &[97, 193])
    }

    #[test]
    fn poly_round_trips_in_both_forms() {
        let b = small();
        let coeffs: Vec<i64> = (0..16).map(|i| i * 7 - 50).collect();
        let p = Poly::<Coeff>::from_i64(&b, &coeffs).unwrap();
        let mut w = Writer::new();
        write_poly(&mut w, &p).unwrap();
        let q = p.to_ntt();
        write_poly(&mut w, &q).unwrap();
        let bytes = w.into_bytes();
        // 16 * (7 + 8) bits = 30 bytes each.
        assert_eq!(packed_poly_len(&b).unwrap(), 30);
        assert_eq!(bytes.len(), 60);
        let mut r = Reader::new(&bytes);
        let p_packed = PackedPoly::read(&mut r, &b, "p").unwrap();
        let q_packed = PackedPoly::read(&mut r, &b, "q").unwrap();
        r.finish("two polys").unwrap();
        assert_eq!(p_packed.unpack::<Coeff>().unwrap(), p);
        assert_eq!(q_packed.unpack::<Ntt>().unwrap(), q);
    }

    #[test]
    fn short_input_is_truncated_with_the_field_name() {
        let b = small();
        let bytes = [0_u8; 29];
        let mut r = Reader::new(&bytes);
        assert_eq!(
            PackedPoly::read(&mut r, &b, "c0").map(|_| ()),
            Err(Error::Truncated {
                what: "c0",
                needed: 30,
                left: 29
            })
        );
    }

    #[test]
    fn residue_at_modulus_is_refused() {
        let b = small();
        // Row 0 is 7 bits per value: set the first value to 97 = q_0.
        let mut bytes = [0_u8; 30];
        bytes[0] = 97;
        let mut r = Reader::new(&bytes);
        let packed = PackedPoly::read(&mut r, &b, "c0").unwrap();
        assert_eq!(
            packed.unpack::<Ntt>(),
            Err(Error::ResidueOutOfRange {
                row: 0,
                value: 97,
                modulus: 97
            })
        );
    }

    #[test]
    fn subset_padding_bits_must_be_zero() {
        let b = small();
        // 3 values of 7 + 8 bits: 45 bits in 6 bytes, 3 padding bits.
        assert_eq!(packed_subset_len(&b, 3).unwrap(), 6);
        let bytes = [0, 0, 0, 0, 0, 0b1000_0000];
        let mut r = Reader::new(&bytes);
        let packed = PackedSubset::read(&mut r, &b, 3, "c0 targets").unwrap();
        r.finish("subset").unwrap();
        assert_eq!(
            packed.unpack(),
            Err(Error::NonZeroPadding {
                what: "packed polynomial",
                value: 0b100
            })
        );
    }

    #[test]
    fn subset_round_trips() {
        let b = small();
        let coeffs: Vec<i64> = (0..16).map(|i| 3 - i * i).collect();
        let p = Poly::<Coeff>::from_i64(&b, &coeffs).unwrap();
        let indices = [7, 15, 0];
        let mut w = Writer::new();
        write_subset(&mut w, &p, &indices).unwrap();
        let bytes = w.into_bytes();
        assert_eq!(bytes.len(), packed_subset_len(&b, 3).unwrap());
        let mut r = Reader::new(&bytes);
        let values = PackedSubset::read(&mut r, &b, 3, "c0 targets")
            .unwrap()
            .unpack()
            .unwrap();
        r.finish("subset").unwrap();
        let expect: Vec<u64> = p.rows().flat_map(|row| indices.map(|k| row[k])).collect();
        assert_eq!(values, expect);
    }
}
