//! The public description of the scoring service, served as JSON at `GET /api/v1/params`.
//!
//! A client reads it before it generates keys: it names the parameter presets the server accepts
//! (ring degree n, the primes q_i of Q, the output modulus q', the scales Df and Dw, the error
//! bound for this catalog, the security level and the message sizes) and the public facts of
//! the catalog's products (id, name, description, targets) in the order of the encrypted
//! scores. Nothing in it is secret: the catalog's weights and biases never appear here, only
//! what [`crate::PublicProduct`] holds.
//!
//! Fields added after version 1 carry `#[serde(default)]`, so a client reads a document from an
//! older server (and a server's document with fields it does not know) without failing.

use std::sync::Arc;

use ckks::sampling::SEED_BYTES;
use ckks::wire::bitpack;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, fingerprint_ids};
use crate::error::Result;
use crate::presets::{Preset, PresetParams};
use crate::profile::SkinFeature;
use crate::protocol::{ResponseMode, ScoreRequest, ScoreResponse};

/// Version of the [`ParamsDocument`] layout; a client refuses a document with another version.
pub const PARAMS_DOCUMENT_VERSION: u32 = 1;

/// Everything a client needs to know before it encrypts: presets and public catalog facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamsDocument {
    /// Layout version of this document, equal to [`PARAMS_DOCUMENT_VERSION`].
    pub version: u32,
    /// Name of the preset a client uses unless the person picks another.
    pub default_preset: String,
    /// Parameter presets the server accepts, in display order.
    pub presets: Vec<PresetInfo>,
    /// Products of the catalog, in catalog order (the order of the encrypted scores).
    pub products: Vec<ProductInfo>,
    /// The eight skin features in protocol order (feature i is coefficient i of the plaintext).
    #[serde(default)]
    pub features: Vec<SkinFeature>,
    /// Fingerprint of the catalog's product ids (FNV-1a 32, as 8 lower-case hex digits): the
    /// value every response carries, and what `POST /api/v1/score?catalog=` may name.
    #[serde(default)]
    pub catalog_fingerprint: String,
}

/// Public facts about one parameter preset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresetInfo {
    /// Preset name, as used in requests (for example `exact`).
    pub name: String,
    /// Ring degree n of `R_q = Z_q[X]/(X^n + 1)`.
    pub ring_degree: u32,
    /// Bit size of the ciphertext modulus Q (the sum of the primes' bit sizes).
    pub log2_q: u32,
    /// Classical security level in bits, from the HomomorphicEncryption.org standard table.
    pub security_bits: u32,
    /// One-byte preset identifier carried in every request and response header.
    #[serde(default)]
    pub id: u8,
    /// The primes q_0, q_1, ... of Q (each below 2^50, `q_i = 1 mod 2n`).
    #[serde(default)]
    pub primes: Vec<u64>,
    /// log2 Q, exactly (not rounded up to whole bits).
    #[serde(default)]
    pub log2_q_exact: f64,
    /// The output modulus q' = q_0 of the response and of the re-randomization.
    #[serde(default)]
    pub output_modulus: u64,
    /// log2 of the feature scale Df (the client encodes `round(Df * f_i)`).
    #[serde(default)]
    pub log2_feature_scale: f64,
    /// log2 of the weight scale Dw (the server encodes `round(Dw * w_ji)`).
    #[serde(default)]
    pub log2_weight_scale: f64,
    /// log2 of the scale `Delta' = Df * Dw * q_0 / Q` of a decrypted score.
    #[serde(default)]
    pub log2_output_scale: f64,
    /// Bits per coefficient of the compressed public key and response `c1'`.
    #[serde(default)]
    pub compressed_bits: u32,
    /// Standard deviation of the error distribution.
    #[serde(default)]
    pub sigma: f64,
    /// Whether the server adds noise flooding to the response (statistical model privacy).
    #[serde(default)]
    pub noise_flooding: bool,
    /// Products packed in one result ciphertext: n / 8.
    #[serde(default)]
    pub products_per_ciphertext: u32,
    /// Bound on |decrypted score - cleartext score| for this catalog (`docs/parameters.md`).
    #[serde(default)]
    pub error_bound: f64,
    /// Size in bytes of a score request (header, both seeds, `c0`, compressed `pk0`).
    #[serde(default)]
    pub request_bytes: u64,
    /// Bytes of the request that are the public key (its seed and compressed `pk0`).
    #[serde(default)]
    pub public_key_bytes: u64,
    /// Size in bytes of the response for this catalog (with model privacy).
    #[serde(default)]
    pub response_bytes: u64,
}

/// Public facts about one product of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductInfo {
    /// Stable identifier, unique in the catalog.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Public description.
    #[serde(default)]
    pub description: String,
    /// The features the product addresses, used to explain a recommendation.
    #[serde(default)]
    pub targets: Vec<SkinFeature>,
}

impl PresetInfo {
    /// The public facts of a preset, with the error bound and response size for a catalog of
    /// `products` products.
    ///
    /// # Errors
    /// [`crate::Error::ProductCount`] for a count outside 1..=`MAX_PRODUCTS`; a size overflow
    /// (impossible for the presets).
    pub fn new(params: &PresetParams, products: usize) -> Result<Self> {
        let basis = params.ckks().basis();
        let moduli = basis.moduli();
        let key_values = bitpack::packed_len(params.n(), &[1u64 << params.compressed_bits()])?;
        Ok(Self {
            name: params.preset().name().to_owned(),
            ring_degree: to_u32(params.n()),
            log2_q: moduli.iter().map(ckks::ring::Modulus::bits).sum(),
            security_bits: params.ckks().security_bits(),
            id: params.preset().id(),
            primes: moduli.iter().map(ckks::ring::Modulus::value).collect(),
            log2_q_exact: basis.log_q(),
            output_modulus: params.output_modulus(),
            log2_feature_scale: params.df().log2(),
            log2_weight_scale: params.dw().log2(),
            log2_output_scale: params.output_scale().log2(),
            compressed_bits: params.compressed_bits(),
            sigma: params.ckks().sigma(),
            noise_flooding: params.flood_bound() > 0,
            products_per_ciphertext: to_u32(params.products_per_ciphertext()),
            error_bound: params.error_bound(products),
            request_bytes: to_u64(ScoreRequest::encoded_len(params)?),
            public_key_bytes: to_u64(SEED_BYTES + key_values),
            response_bytes: to_u64(ScoreResponse::encoded_len(
                params,
                ResponseMode::Private,
                products,
            )?),
        })
    }
}

impl ProductInfo {
    /// The public facts of one product (never its model).
    pub fn new(product: &crate::PublicProduct) -> Self {
        Self {
            id: product.id.clone(),
            name: product.name.clone(),
            description: product.description.clone(),
            targets: product.targets.clone(),
        }
    }
}

impl ParamsDocument {
    /// The description of a server holding `catalog` and accepting `presets` (in that order),
    /// with `default_preset` as the one a client picks unless told otherwise.
    ///
    /// # Errors
    /// Errors of [`PresetInfo::new`] (none for a valid catalog).
    pub fn new(
        catalog: &Catalog,
        presets: &[Arc<PresetParams>],
        default_preset: Preset,
    ) -> Result<Self> {
        let presets = presets
            .iter()
            .map(|p| PresetInfo::new(p, catalog.len()))
            .collect::<Result<Vec<_>>>()?;
        let products: Vec<ProductInfo> = catalog
            .products()
            .iter()
            .map(|p| ProductInfo::new(p.public()))
            .collect();
        Ok(Self {
            version: PARAMS_DOCUMENT_VERSION,
            default_preset: default_preset.name().to_owned(),
            catalog_fingerprint: format_fingerprint(fingerprint_ids(
                products.iter().map(|p| p.id.as_str()),
            )),
            presets,
            products,
            features: SkinFeature::ALL.to_vec(),
        })
    }

    /// The preset called `name`, if the document lists it.
    pub fn preset(&self, name: &str) -> Option<&PresetInfo> {
        self.presets.iter().find(|p| p.name == name)
    }
}

/// A catalog fingerprint as 8 lower-case hex digits (how the document and the API write it).
pub fn format_fingerprint(fingerprint: u32) -> String {
    format!("{fingerprint:08x}")
}

/// The description of the demo catalog with every preset, `exact` the default: what a server
/// started without `--catalog` serves, and what the static demo shows without a server.
///
/// # Errors
/// None in practice (the embedded catalog and the presets are checked by the tests); a
/// [`crate::Error`] if either were invalid.
pub fn params_document() -> Result<ParamsDocument> {
    let catalog = Catalog::demo()?;
    let presets = Preset::ALL
        .into_iter()
        .map(Preset::params)
        .collect::<Result<Vec<_>>>()?;
    ParamsDocument::new(&catalog, &presets, Preset::default())
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn to_u64(value: usize) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn document_has_current_version_and_known_default() {
        let doc = params_document().unwrap();
        assert_eq!(doc.version, PARAMS_DOCUMENT_VERSION);
        assert!(doc.preset(&doc.default_preset).is_some());
        assert_eq!(doc.default_preset, "exact");
        assert_eq!(doc.features, SkinFeature::ALL.to_vec());
    }

    #[test]
    fn products_are_the_catalogs_public_facts_in_order() {
        let catalog = Catalog::demo().unwrap();
        let doc = params_document().unwrap();
        let public = catalog.public_view();
        assert_eq!(doc.products.len(), public.len());
        for (info, product) in doc.products.iter().zip(&public) {
            assert_eq!(info.id, product.id);
            assert_eq!(info.name, product.name);
            assert_eq!(info.description, product.description);
            assert_eq!(info.targets, product.targets);
        }
        let ids: HashSet<_> = doc.products.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), doc.products.len());
        assert_eq!(
            doc.catalog_fingerprint,
            format!("{:08x}", catalog.fingerprint())
        );
    }

    #[test]
    fn presets_carry_their_real_parameters() {
        let doc = params_document().unwrap();
        let names: Vec<&str> = doc.presets.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["compact", "exact", "private-plus"]);
        for (info, preset) in doc.presets.iter().zip(Preset::ALL) {
            let pp = preset.params().unwrap();
            assert_eq!(info.id, preset.id());
            assert_eq!(info.ring_degree as usize, pp.n());
            assert_eq!(info.primes.len(), pp.ckks().basis().moduli().len());
            assert_eq!(info.primes.first().copied(), Some(info.output_modulus));
            assert_eq!(
                info.log2_q,
                info.primes
                    .iter()
                    .map(|q| 64 - q.leading_zeros())
                    .sum::<u32>()
            );
            assert!((info.log2_q_exact - info.log2_q as f64).abs() < 1.0);
            assert_eq!(
                info.request_bytes as usize,
                ScoreRequest::encoded_len(&pp).unwrap()
            );
            assert_eq!(
                info.response_bytes as usize,
                ScoreResponse::encoded_len(&pp, ResponseMode::Private, 5).unwrap()
            );
            assert!(info.public_key_bytes < info.request_bytes);
            assert_eq!(info.error_bound, pp.error_bound(5));
            assert_eq!(info.noise_flooding, preset == Preset::PrivatePlus);
            assert_eq!(info.sigma, 3.2);
        }
        // The exact preset's sizes: 72,778 B up (24,096 B of them the key), 24,115 B down.
        let exact = doc.preset("exact").unwrap();
        assert_eq!(exact.request_bytes, 10 + 64 + 48_640 + 24_064);
        assert_eq!(exact.public_key_bytes, 32 + 24_064);
        assert_eq!(exact.response_bytes, 10 + 1 + 4 + 4 + 24_064 + 32);
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
        for p in params_document().unwrap().presets {
            let max = max_log2_q(p.ring_degree);
            assert!(
                max.is_some_and(|m| p.log2_q <= m),
                "{p:?} exceeds the table"
            );
            assert_eq!(p.security_bits, 128);
        }
    }

    #[test]
    fn document_never_carries_weights() {
        let json = serde_json::to_string(&params_document().unwrap()).unwrap();
        assert!(json.contains("sensitive-soothing-lotion"));
        // 0.526 is the lotion's bias, 0.9 its sensitivity weight (scoring/catalogs/demo.toml).
        assert!(!json.contains("weights") && !json.contains("bias"));
        assert!(!json.contains("0.526"));
    }

    #[test]
    fn json_roundtrip_keeps_the_document() {
        let doc = params_document().unwrap();
        let json = serde_json::to_string(&doc).unwrap();
        let back: ParamsDocument = serde_json::from_str(&json).unwrap();
        assert_eq!(back, doc);
        assert!(json.contains("\"ring_degree\":4096"));
    }

    #[test]
    fn a_version_one_document_without_the_later_fields_still_reads() {
        let json = r#"{"version":1,"default_preset":"exact",
            "presets":[{"name":"exact","ring_degree":4096,"log2_q":95,"security_bits":128}],
            "products":[{"id":"a","name":"A"}]}"#;
        let doc: ParamsDocument = serde_json::from_str(json).unwrap();
        assert_eq!(doc.products[0].description, "");
        assert!(doc.products[0].targets.is_empty());
        assert!(doc.presets[0].primes.is_empty());
        assert_eq!(doc.catalog_fingerprint, "");
    }
}
