//! The public description of the scoring service, served as JSON at `GET /api/v1/params`.
//!
//! A client reads it before it generates keys: it names the parameter presets the server accepts
//! (ring degree n, total modulus size log2 Q, security level) and the products of the catalog
//! (identifier and display name). Nothing in it is secret: the catalog's weights and biases
//! never appear here.

use serde::{Deserialize, Serialize};

/// Version of the [`ParamsDocument`] layout; a client refuses a document with another version.
pub const PARAMS_DOCUMENT_VERSION: u32 = 1;

/// Everything a client needs to know before it encrypts: presets and public catalog facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamsDocument {
    /// Layout version of this document, equal to [`PARAMS_DOCUMENT_VERSION`].
    pub version: u32,
    /// Name of the preset a client uses unless the person picks another.
    pub default_preset: String,
    /// Parameter presets the server accepts, in display order.
    pub presets: Vec<PresetInfo>,
    /// Products of the catalog, in catalog order (the order of the encrypted scores).
    pub products: Vec<ProductInfo>,
}

/// Public facts about one parameter preset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresetInfo {
    /// Preset name, as used in requests (for example `exact`).
    pub name: String,
    /// Ring degree n of R_q = Z_q[X]/(X^n + 1).
    pub ring_degree: u32,
    /// Bit size of the ciphertext modulus Q.
    pub log2_q: u32,
    /// Classical security level in bits, from the HomomorphicEncryption.org standard table.
    pub security_bits: u32,
}

/// Public facts about one product of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductInfo {
    /// Stable identifier, unique in the catalog.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// The description of the service: the three presets and the demo catalog's products.
pub fn params_document() -> ParamsDocument {
    let presets = [
        ("exact", 4096, 84),
        ("compact", 4096, 57),
        ("private-plus", 8192, 122),
    ]
    .into_iter()
    .map(|(name, ring_degree, log2_q)| PresetInfo {
        name: name.to_owned(),
        ring_degree,
        log2_q,
        security_bits: 128,
    })
    .collect();
    let products = [
        ("hydrating-serum", "Hydrating Serum"),
        ("calming-cream", "Calming Cream"),
        ("pore-refining-toner", "Pore-Refining Toner"),
        ("brightening-essence", "Brightening Essence"),
        ("firming-night-balm", "Firming Night Balm"),
    ]
    .into_iter()
    .map(|(id, name)| ProductInfo {
        id: id.to_owned(),
        name: name.to_owned(),
    })
    .collect();
    ParamsDocument {
        version: PARAMS_DOCUMENT_VERSION,
        default_preset: "exact".to_owned(),
        presets,
        products,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn document_has_current_version_and_known_default() {
        let doc = params_document();
        assert_eq!(doc.version, PARAMS_DOCUMENT_VERSION);
        assert!(doc.presets.iter().any(|p| p.name == doc.default_preset));
    }

    #[test]
    fn names_and_ids_are_unique_and_non_empty() {
        let doc = params_document();
        let presets: HashSet<_> = doc.presets.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(presets.len(), doc.presets.len());
        let ids: HashSet<_> = doc.products.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), doc.products.len());
        assert!(!doc.presets.is_empty() && !doc.products.is_empty());
        assert!(
            doc.products
                .iter()
                .all(|p| !p.id.is_empty() && !p.name.is_empty())
        );
    }

    #[test]
    fn presets_stay_within_the_128_bit_table() {
        // HomomorphicEncryption.org standard, ternary secret, 128-bit classical security:
        // max log2(Q) is 54 for n = 2048, 109 for 4096, 218 for 8192, 438 for 16384.
        let max_log2_q = |n: u32| match n {
            2048 => Some(54),
            4096 => Some(109),
            8192 => Some(218),
            16384 => Some(438),
            _ => None,
        };
        for p in params_document().presets {
            let max = max_log2_q(p.ring_degree);
            assert!(
                max.is_some_and(|m| p.log2_q <= m),
                "{p:?} exceeds the table"
            );
            assert_eq!(p.security_bits, 128);
        }
    }

    #[test]
    fn json_roundtrip_keeps_the_document() {
        let doc = params_document();
        let json = serde_json::to_string(&doc).unwrap();
        let back: ParamsDocument = serde_json::from_str(&json).unwrap();
        assert_eq!(back, doc);
        assert!(json.contains("\"ring_degree\":4096"));
    }
}
