//! `Reader`: a cursor over borrowed bytes that hands out checked sub-slices.
//!
//! Every read names the field it reads, so a short input fails with
//! `Error::Truncated { what, needed, left }`; [`Reader::finish`] refuses trailing bytes. Nothing
//! here allocates: fields come back as slices of the input.

use crate::error::{Error, Result};

/// A cursor over a borrowed byte slice (the model is rustls' `codec::Reader`).
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader positioned at the first byte of `bytes`.
    #[must_use]
    pub const fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    /// Bytes not read yet.
    #[must_use]
    pub const fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// The next `n` bytes, borrowed from the input.
    ///
    /// # Errors
    /// `Error::Truncated` when fewer than `n` bytes are left (the reader is then unchanged).
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let left = self.rest.len();
        let (head, rest) = self.rest.split_at_checked(n).ok_or(Error::Truncated {
            what,
            needed: n,
            left,
        })?;
        self.rest = rest;
        Ok(head)
    }

    /// The next `N` bytes as a fixed-size array reference.
    ///
    /// # Errors
    /// `Error::Truncated` when fewer than `N` bytes are left.
    pub fn take_array<const N: usize>(&mut self, what: &'static str) -> Result<&'a [u8; N]> {
        let left = self.rest.len();
        let (head, rest) = self.rest.split_first_chunk::<N>().ok_or(Error::Truncated {
            what,
            needed: N,
            left,
        })?;
        self.rest = rest;
        Ok(head)
    }

    /// One byte.
    ///
    /// # Errors
    /// `Error::Truncated` at the end of the input.
    pub fn u8(&mut self, what: &'static str) -> Result<u8> {
        let [b] = *self.take_array::<1>(what)?;
        Ok(b)
    }

    /// A little-endian `u16`.
    ///
    /// # Errors
    /// `Error::Truncated` when fewer than 2 bytes are left.
    pub fn u16(&mut self, what: &'static str) -> Result<u16> {
        Ok(u16::from_le_bytes(*self.take_array(what)?))
    }

    /// A little-endian `u32`.
    ///
    /// # Errors
    /// `Error::Truncated` when fewer than 4 bytes are left.
    pub fn u32(&mut self, what: &'static str) -> Result<u32> {
        Ok(u32::from_le_bytes(*self.take_array(what)?))
    }

    /// A little-endian `u64`.
    ///
    /// # Errors
    /// `Error::Truncated` when fewer than 8 bytes are left.
    pub fn u64(&mut self, what: &'static str) -> Result<u64> {
        Ok(u64::from_le_bytes(*self.take_array(what)?))
    }

    /// An `f64` from its IEEE 754 bits, little-endian. Any bit pattern is returned as is (NaN
    /// included): callers check the range they need.
    ///
    /// # Errors
    /// `Error::Truncated` when fewer than 8 bytes are left.
    pub fn f64(&mut self, what: &'static str) -> Result<f64> {
        Ok(f64::from_bits(self.u64(what)?))
    }

    /// Ends the read: the whole input must have been consumed.
    ///
    /// # Errors
    /// `Error::TrailingBytes { what, extra }` when bytes are left.
    pub fn finish(self, what: &'static str) -> Result<()> {
        match self.rest.len() {
            0 => Ok(()),
            extra => Err(Error::TrailingBytes { what, extra }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_integers_in_order() {
        let bytes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u8("a").unwrap(), 1);
        assert_eq!(r.u16("b").unwrap(), 0x0302);
        assert_eq!(r.u32("c").unwrap(), 0x0706_0504);
        assert_eq!(r.u64("d").unwrap(), 0x0f0e_0d0c_0b0a_0908);
        assert_eq!(r.remaining(), 0);
        r.finish("all").unwrap();
    }

    #[test]
    fn take_past_the_end_is_truncated_and_leaves_reader_unchanged() {
        let bytes = [1, 2, 3];
        let mut r = Reader::new(&bytes);
        assert_eq!(
            r.take(4, "field"),
            Err(Error::Truncated {
                what: "field",
                needed: 4,
                left: 3
            })
        );
        assert_eq!(r.remaining(), 3);
        assert_eq!(
            r.take_array::<8>("word"),
            Err(Error::Truncated {
                what: "word",
                needed: 8,
                left: 3
            })
        );
        assert_eq!(r.take(3, "field").unwrap(), &[1, 2, 3]);
    }

    #[test]
    fn finish_rejects_trailing_bytes() {
        let bytes = [1, 2, 3];
        let mut r = Reader::new(&bytes);
        r.u8("first").unwrap();
        assert_eq!(
            r.finish("object"),
            Err(Error::TrailingBytes {
                what: "object",
                extra: 2
            })
        );
    }

    #[test]
    fn f64_keeps_every_bit() {
        let x = -1234.5e-7_f64;
        let bytes = x.to_bits().to_le_bytes();
        assert_eq!(Reader::new(&bytes).f64("x").unwrap().to_bits(), x.to_bits());
    }
}
