//! A brand's product catalog: public facts per product and a private linear model.
//!
//! Product j scores a profile f with `score_j = b_j + sum_i w_ji * f_i`. The weights `w_ji`
//! and the bias `b_j` are the brand's secret: they stay on the server, inside [`ProductModel`],
//! which has no serializer and a redacted `Debug`. [`PublicProduct`] (id, name, description,
//! targets) is what a client may see.
//!
//! Bounds: `|w_ji| <= WEIGHT_BOUND = 1`, `|b_j| <= BIAS_BOUND = 1`, so with every `f_i` in
//! [0, 1] a score lies in `[-SCORE_BOUND, SCORE_BOUND]`, `SCORE_BOUND = 1 + 8 = 9`. The presets
//! size the plaintext scale from this bound (`docs/parameters.md`): a larger weight could wrap
//! around the modulus and decrypt to garbage, so the catalog refuses it.

mod file;
mod synthetic;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::profile::{FEATURE_COUNT, SkinFeature, SkinProfile};

pub use file::CatalogFormat;
pub use synthetic::{hash_unit, lowbias32};

/// Largest |weight| accepted in a catalog.
pub const WEIGHT_BOUND: f64 = 1.0;
/// Largest |bias| accepted in a catalog.
pub const BIAS_BOUND: f64 = 1.0;
/// Largest |score| a valid catalog can produce for a valid profile: `BIAS_BOUND + 8 * WEIGHT_BOUND`.
pub const SCORE_BOUND: f64 = BIAS_BOUND + FEATURE_COUNT as f64 * WEIGHT_BOUND;
/// Largest number of products in a catalog (bounds the response size and the flooding analysis).
pub const MAX_PRODUCTS: usize = 16_384;
/// Longest product id, in bytes.
pub const MAX_ID_LEN: usize = 64;
/// Longest product name, in characters.
pub const MAX_NAME_LEN: usize = 120;
/// Longest product description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 1000;

/// The demo catalog's TOML text (`scoring/catalogs/demo.toml`), embedded in the binary.
pub const DEMO_CATALOG_TOML: &str = include_str!("../../catalogs/demo.toml");

/// What anyone may know about a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicProduct {
    /// Stable identifier, unique in the catalog: ASCII letters, digits, `-`, `_` and `.`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Public description.
    pub description: String,
    /// The features the product addresses, used to explain a recommendation.
    pub targets: Vec<SkinFeature>,
}

/// A product's private linear model: one weight per feature and a bias.
///
/// # Security
/// The brand's secret: no `Serialize`, and `Debug` prints no value.
#[derive(Clone, PartialEq)]
pub struct ProductModel {
    weights: [f64; FEATURE_COUNT],
    bias: f64,
}

impl core::fmt::Debug for ProductModel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ProductModel { .. }")
    }
}

impl ProductModel {
    /// The weights in [`SkinFeature::ALL`] order.
    pub const fn weights(&self) -> &[f64; FEATURE_COUNT] {
        &self.weights
    }

    /// The bias.
    pub const fn bias(&self) -> f64 {
        self.bias
    }

    /// `b + sum_i w_i f_i`, summed in feature order (the peers' reference order).
    pub fn score(&self, profile: &SkinProfile) -> f64 {
        let dot = self
            .weights
            .iter()
            .zip(profile.values())
            .fold(0.0, |acc, (w, f)| acc + w * f);
        self.bias + dot
    }
}

/// One product: its public facts and its private model.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    public: PublicProduct,
    model: ProductModel,
}

impl Product {
    /// Public facts.
    pub const fn public(&self) -> &PublicProduct {
        &self.public
    }

    /// Private model.
    pub const fn model(&self) -> &ProductModel {
        &self.model
    }

    /// Identifier.
    pub fn id(&self) -> &str {
        &self.public.id
    }
}

/// A validated catalog: 1 to [`MAX_PRODUCTS`] products with unique ids and bounded models.
#[derive(Clone, PartialEq)]
pub struct Catalog {
    products: Vec<Product>,
}

impl core::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Catalog")
            .field("products", &self.products.len())
            .finish_non_exhaustive()
    }
}

impl Catalog {
    /// The demo catalog shipped with the product (five products).
    ///
    /// # Errors
    /// None in practice: the embedded file is checked by the tests.
    pub fn demo() -> Result<Self> {
        Self::from_toml_str("demo.toml", DEMO_CATALOG_TOML)
    }

    /// The peers' synthetic catalog of `count` products: `w_ji = h(1 + 8j + i)`,
    /// `b_j = h(1000003 + j)`, h the lowbias32 hash mapped to [-1, 1) (see [`hash_unit`]).
    ///
    /// # Errors
    /// [`crate::CatalogError::Empty`] for 0, [`crate::CatalogError::TooManyProducts`] above [`MAX_PRODUCTS`].
    pub fn synthetic(count: usize) -> Result<Self> {
        synthetic::catalog(count)
    }

    /// Parses and validates a TOML catalog; `source_name` labels error messages.
    ///
    /// # Errors
    /// [`Error::Catalog`] naming the problem, the product and the field.
    pub fn from_toml_str(source_name: &str, text: &str) -> Result<Self> {
        file::parse(source_name, text, CatalogFormat::Toml)
    }

    /// Parses and validates a JSON catalog (same structure as the TOML one).
    ///
    /// # Errors
    /// As [`Catalog::from_toml_str`].
    pub fn from_json_str(source_name: &str, text: &str) -> Result<Self> {
        file::parse(source_name, text, CatalogFormat::Json)
    }

    /// Reads a `.toml` or `.json` catalog file.
    ///
    /// # Errors
    /// [`Error::CatalogIo`] if the file cannot be read, else as [`Catalog::from_toml_str`].
    pub fn from_path(path: &std::path::Path) -> Result<Self> {
        file::read(path)
    }

    /// Builds a catalog from already-parsed parts, applying every validation rule.
    ///
    /// # Errors
    /// As [`Catalog::from_toml_str`], with `source_name` as the label.
    pub fn from_parts(
        source_name: &str,
        parts: impl IntoIterator<Item = (PublicProduct, [f64; FEATURE_COUNT], f64)>,
    ) -> Result<Self> {
        file::from_parts(source_name, parts)
    }

    /// The products, in catalog order (the order of the encrypted scores).
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// Number of products (at least 1).
    pub fn len(&self) -> usize {
        self.products.len()
    }

    /// Always false: a catalog has at least one product.
    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    /// The public view: ids, names, descriptions and targets, never weights.
    pub fn public_view(&self) -> Vec<PublicProduct> {
        self.products.iter().map(|p| p.public.clone()).collect()
    }

    /// Cleartext scores `b_j + sum_i w_ji f_i`, in catalog order.
    pub fn cleartext_scores(&self, profile: &SkinProfile) -> Vec<f64> {
        self.products
            .iter()
            .map(|p| p.model.score(profile))
            .collect()
    }

    /// A 32-bit fingerprint of the product ids in order (FNV-1a), carried in responses so a
    /// client notices a catalog that changed between its params request and its score request.
    pub fn fingerprint(&self) -> u32 {
        fingerprint_ids(self.products.iter().map(Product::id))
    }
}

/// FNV-1a 32 over the ids, each followed by a 0 byte; [`Catalog::fingerprint`] for a public list.
pub fn fingerprint_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |b: u8| {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    };
    for id in ids {
        id.bytes().for_each(&mut eat);
        eat(0);
    }
    h
}

fn check_count(source_name: &str, count: usize) -> Result<()> {
    let error = if count == 0 {
        crate::CatalogError::Empty
    } else if count > MAX_PRODUCTS {
        crate::CatalogError::TooManyProducts {
            count,
            max: MAX_PRODUCTS,
        }
    } else {
        return Ok(());
    };
    Err(Error::Catalog {
        source_name: source_name.to_owned(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_catalog_reproduces_the_reference_table() {
        let catalog = Catalog::demo().unwrap();
        let scores = catalog.cleartext_scores(&SkinProfile::reference());
        let printed: Vec<(String, String)> = catalog
            .products()
            .iter()
            .zip(&scores)
            .map(|(p, s)| (p.public().name.clone(), format!("{s:+.3}")))
            .collect();
        let expected = [
            ("Sensitive Soothing Lotion", "+1.447"),
            ("Pureté Mattifying Toner", "+1.298"),
            ("Lumière Spot Brightener", "+0.725"),
            ("Absolu Anti-Aging Cream", "+0.635"),
            ("Quotidien Hydrating Serum", "+0.299"),
        ];
        assert_eq!(printed.len(), expected.len());
        for ((name, score), (want_name, want_score)) in printed.iter().zip(expected) {
            assert_eq!(name, want_name);
            assert_eq!(score, want_score);
        }
        // Not merely rounding to the table: the biases were solved so the scores hit it.
        for (s, want) in scores.iter().zip([1.447, 1.298, 0.725, 0.635, 0.299]) {
            assert!((s - want).abs() < 1e-12, "{s} vs {want}");
        }
    }

    #[test]
    fn demo_products_are_driven_by_their_targets() {
        let catalog = Catalog::demo().unwrap();
        for p in catalog.products() {
            let w = p.model().weights();
            assert!(!p.public().targets.is_empty());
            let strongest_target = p
                .public()
                .targets
                .iter()
                .map(|t| w[t.index()])
                .fold(f64::MIN, f64::max);
            let strongest_other = SkinFeature::ALL
                .iter()
                .filter(|f| !p.public().targets.contains(f))
                .map(|f| w[f.index()])
                .fold(f64::MIN, f64::max);
            assert!(strongest_target > strongest_other, "{}", p.id());
        }
    }

    #[test]
    fn public_view_never_carries_weights() {
        let catalog = Catalog::demo().unwrap();
        let json = serde_json::to_string(&catalog.public_view()).unwrap();
        assert!(json.contains("sensitive-soothing-lotion"));
        assert!(!json.contains("weights") && !json.contains("bias") && !json.contains("0.526"));
        assert!(!format!("{catalog:?} {:?}", catalog.products()[0]).contains("0.526"));
    }

    #[test]
    fn fingerprint_depends_on_ids_and_order() {
        let a = fingerprint_ids(["x", "y"]);
        assert_ne!(a, fingerprint_ids(["y", "x"]));
        assert_ne!(a, fingerprint_ids(["xy"]));
        let demo = Catalog::demo().unwrap();
        assert_eq!(
            demo.fingerprint(),
            fingerprint_ids(demo.public_view().iter().map(|p| p.id.as_str()))
        );
    }

    #[test]
    fn score_bound_covers_every_valid_product_and_profile() {
        let model = ProductModel {
            weights: [WEIGHT_BOUND; FEATURE_COUNT],
            bias: BIAS_BOUND,
        };
        let score = model.score(&SkinProfile::new([1.0; 8]).unwrap());
        assert_eq!(score, SCORE_BOUND);
    }
}
