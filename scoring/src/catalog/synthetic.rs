//! The peers' synthetic catalog (`bench/peers/task.py`): weights and biases from a 32-bit
//! integer hash, so every implementation builds the same catalog of any size without a file.
//!
//! `h(k)` = lowbias32(k) / 2^31 - 1, in [-1, 1); `w_ji = h(1 + 8j + i)`, `b_j = h(1000003 + j)`.

use super::{Catalog, PublicProduct, check_count};
use crate::error::Result;
use crate::profile::FEATURE_COUNT;

/// The lowbias32 integer hash (Chris Wellons' constants), as in the peers' `hash_unit`.
pub const fn lowbias32(k: u32) -> u32 {
    let mut x = k;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7FEB_352D);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846C_A68B);
    x ^= x >> 16;
    x
}

/// lowbias32 of `k mod 2^32`, mapped to [-1, 1) exactly as `x / 2147483648.0 - 1.0`.
pub fn hash_unit(k: u64) -> f64 {
    // The peers mask k to 32 bits (`k & 0xFFFFFFFF`); the truncation is the hash's definition.
    let x = lowbias32((k & 0xFFFF_FFFF) as u32);
    f64::from(x) / 2_147_483_648.0 - 1.0
}

fn weight(j: usize, i: usize) -> f64 {
    hash_unit(1 + (FEATURE_COUNT as u64) * (j as u64) + i as u64)
}

fn bias(j: usize) -> f64 {
    hash_unit(1_000_003 + j as u64)
}

pub(super) fn catalog(count: usize) -> Result<Catalog> {
    let label = format!("synthetic-{count}");
    check_count(&label, count)?;
    let parts = (0..count).map(|j| {
        let public = PublicProduct {
            id: format!("product-{j}"),
            name: format!("Product {j}"),
            description: format!("Synthetic product {j} of the peers' benchmark catalog."),
            targets: Vec::new(),
        };
        (public, core::array::from_fn(|i| weight(j, i)), bias(j))
    });
    Catalog::from_parts(&label, parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{CatalogError, Error};
    use crate::profile::SkinProfile;

    // Reference values printed by `python3 -c "import task; ..."` in bench/peers (task.py).
    #[test]
    fn hash_matches_the_peers_reference_values() {
        assert_eq!(hash_unit(0), -1.0);
        assert_eq!(hash_unit(1), -0.18330183625221252);
        assert_eq!(hash_unit(2), 0.6333963279612362);
        assert_eq!(hash_unit(8), 0.8306693704798818);
        assert_eq!(hash_unit(9), -0.47949723387137055);
        assert_eq!(hash_unit(1_000_003), 0.5843443754129112);
        assert_eq!(hash_unit(1_000_004), -0.6799474842846394);
        assert_eq!(hash_unit(1_010_002), -0.2704226588830352);
    }

    #[test]
    fn synthetic_catalog_matches_the_peers_catalog_and_scores() {
        let c = Catalog::synthetic(10_000).unwrap();
        assert_eq!(c.len(), 10_000);
        let first = c.products()[0].model();
        assert_eq!(first.weights()[0], -0.18330183625221252);
        assert_eq!(first.weights()[7], 0.8306693704798818);
        assert_eq!(first.bias(), 0.5843443754129112);
        let last = c.products()[9999].model();
        assert_eq!(last.weights()[0], 0.17859650449827313);
        assert_eq!(last.weights()[7], -0.025434068404138088);
        assert_eq!(last.bias(), -0.2704226588830352);
        // task.cleartext_scores(*task.catalog(10000)) at indices 0, 1, 4, 9999.
        let s = c.cleartext_scores(&SkinProfile::reference());
        assert_eq!(s[0], 1.8191430964367465);
        assert_eq!(s[1], -1.5914437276124955);
        assert_eq!(s[4], 0.6779334827838466);
        assert_eq!(s[9999], 1.3992234555399046);
    }

    #[test]
    fn synthetic_catalog_sizes_are_checked() {
        assert!(matches!(
            Catalog::synthetic(0),
            Err(Error::Catalog {
                error: CatalogError::Empty,
                ..
            })
        ));
        assert!(matches!(
            Catalog::synthetic(super::super::MAX_PRODUCTS + 1),
            Err(Error::Catalog {
                error: CatalogError::TooManyProducts { .. },
                ..
            })
        ));
        assert_eq!(Catalog::synthetic(1).unwrap().len(), 1);
    }
}
