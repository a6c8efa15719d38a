//! The 128-bit security bound on log2(QP) per ring degree.
//!
//! Values are the HomomorphicEncryption.org standard (Albrecht et al., "Homomorphic Encryption
//! Security Standard", 2018, Table 1) for classical attacks, uniform ternary secrets and error
//! standard deviation 3.2 (8 / sqrt(2 pi)); SEAL's `util/hestdparms.h` carries the same numbers.
//! [`crate::params::Params::new`] refuses any parameter set above them.

use crate::{Error, Result};

/// Smallest supported log2 of the ring degree (1024: test rings only).
pub const MIN_LOG_N: u32 = 10;
/// Largest supported log2 of the ring degree.
pub const MAX_LOG_N: u32 = 15;

/// (n, max log2(QP)) at 128-bit classical security, ternary secret.
const TABLE_128: [(usize, u32); 6] = [
    (1024, 27),
    (2048, 54),
    (4096, 109),
    (8192, 218),
    (16384, 438),
    (32768, 881),
];

/// The largest log2(QP) that keeps 128-bit security for ring degree n, or `None` for a degree
/// outside the table.
pub fn max_log_qp_128(n: usize) -> Option<u32> {
    TABLE_128
        .iter()
        .find(|&&(degree, _)| degree == n)
        .map(|&(_, max)| max)
}

/// Checks that a modulus of log2(QP) = `log_qp` bits keeps 128-bit security at degree n.
///
/// # Errors
/// [`Error::InvalidDegree`] for a degree outside the table; [`Error::InsecureParams`] when
/// `log_qp` exceeds the bound (or is not a number).
pub fn check_128(n: usize, log_qp: f64) -> Result<()> {
    let max = max_log_qp_128(n).ok_or(Error::InvalidDegree {
        n,
        min: 1 << MIN_LOG_N,
        max: 1 << MAX_LOG_N,
    })?;
    if log_qp <= f64::from(max) {
        Ok(())
    } else {
        Err(Error::InsecureParams {
            n,
            log_qp: if log_qp.is_finite() {
                log_qp.ceil() as u32
            } else {
                u32::MAX
            },
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_standard() {
        let expected = [27, 54, 109, 218, 438, 881];
        for (log_n, max) in (MIN_LOG_N..=MAX_LOG_N).zip(expected) {
            assert_eq!(max_log_qp_128(1 << log_n), Some(max));
        }
        assert_eq!(max_log_qp_128(512), None);
        assert_eq!(max_log_qp_128(3000), None);
    }

    #[test]
    fn check_accepts_the_bound_and_refuses_above_it() {
        assert_eq!(check_128(4096, 109.0), Ok(()));
        assert_eq!(check_128(8192, 84.0), Ok(()));
        assert_eq!(
            check_128(4096, 109.01),
            Err(Error::InsecureParams {
                n: 4096,
                log_qp: 110,
                max: 109
            })
        );
        assert_eq!(
            check_128(2048, f64::NAN),
            Err(Error::InsecureParams {
                n: 2048,
                log_qp: u32::MAX,
                max: 54
            })
        );
        assert_eq!(
            check_128(65536, 10.0),
            Err(Error::InvalidDegree {
                n: 65536,
                min: 1024,
                max: 32768
            })
        );
    }
}
