//! Catalog files: TOML or JSON text -> validated [`Catalog`].
//!
//! Layout (TOML; JSON has the same structure, `{"products": [{...}, ...]}`):
//! ```toml
//! [[products]]
//! id = "purete-mattifying-toner"          # ASCII letters, digits, - _ . ; unique
//! name = "Pureté Mattifying Toner"
//! description = "A light toner ..."
//! targets = ["oiliness", "pores"]         # public: features the product addresses
//! bias = 0.295                            # private, in [-1, 1]
//! [products.weights]                      # private: exactly one weight per feature, in [-1, 1]
//! oiliness = 0.9
//! pores = 0.8
//! # ... all eight features
//! ```
//! Parsing first reads every field as optional, then checks each one, so a problem is reported
//! with the product and the field it concerns rather than as a generic parse failure.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{
    BIAS_BOUND, Catalog, MAX_DESCRIPTION_LEN, MAX_ID_LEN, MAX_NAME_LEN, Product, ProductModel,
    PublicProduct, WEIGHT_BOUND, check_count,
};
use crate::error::{CatalogError, Error, ProductRef, Result};
use crate::profile::{FEATURE_COUNT, SkinFeature};

/// The text format of a catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CatalogFormat {
    /// TOML (`.toml`).
    Toml,
    /// JSON (`.json`).
    Json,
}

impl CatalogFormat {
    /// The format a file name's extension announces, if any.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".toml") {
            Some(Self::Toml)
        } else if lower.ends_with(".json") {
            Some(Self::Json)
        } else {
            None
        }
    }

    const fn label(self) -> &'static str {
        match self {
            Self::Toml => "TOML",
            Self::Json => "JSON",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    products: Option<Vec<RawProduct>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProduct {
    id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    targets: Option<Vec<String>>,
    weights: Option<BTreeMap<String, f64>>,
    bias: Option<f64>,
}

pub(super) fn read(path: &std::path::Path) -> Result<Catalog> {
    let label = path.display().to_string();
    let format = CatalogFormat::from_file_name(&label).ok_or_else(|| Error::Catalog {
        source_name: label.clone(),
        error: CatalogError::UnknownFormat,
    })?;
    let text = std::fs::read_to_string(path).map_err(|e| Error::CatalogIo {
        path: label.clone(),
        reason: e.to_string(),
    })?;
    parse(&label, &text, format)
}

pub(super) fn parse(source_name: &str, text: &str, format: CatalogFormat) -> Result<Catalog> {
    let fail = |error| Error::Catalog {
        source_name: source_name.to_owned(),
        error,
    };
    let raw: RawCatalog = match format {
        CatalogFormat::Toml => toml::from_str(text).map_err(|e| e.to_string()),
        CatalogFormat::Json => serde_json::from_str(text).map_err(|e| e.to_string()),
    }
    .map_err(|message| {
        fail(CatalogError::Syntax {
            format: format.label(),
            message: message.trim_end().to_owned(),
        })
    })?;
    let raw_products = raw.products.unwrap_or_default();
    check_count(source_name, raw_products.len())?;
    let mut parts = Vec::with_capacity(raw_products.len());
    for (index, raw) in raw_products.into_iter().enumerate() {
        parts.push(check_raw(index, raw).map_err(fail)?);
    }
    from_parts(source_name, parts)
}

fn check_raw(
    index: usize,
    raw: RawProduct,
) -> Result<(PublicProduct, [f64; FEATURE_COUNT], f64), CatalogError> {
    let mut product = ProductRef { index, id: None };
    let id = raw.id.ok_or_else(|| missing(&product, "id"))?;
    product.id = Some(id.clone());
    let name = raw.name.ok_or_else(|| missing(&product, "name"))?;
    let description = raw
        .description
        .ok_or_else(|| missing(&product, "description"))?;
    let target_names = raw.targets.ok_or_else(|| missing(&product, "targets"))?;
    let weight_map = raw.weights.ok_or_else(|| missing(&product, "weights"))?;
    let bias = raw.bias.ok_or_else(|| missing(&product, "bias"))?;

    let mut targets = Vec::with_capacity(target_names.len());
    for t in target_names {
        targets.push(feature(&product, "targets", &t)?);
    }
    let mut weights = [None; FEATURE_COUNT];
    for (key, value) in &weight_map {
        let f = feature(&product, "weights", key)?;
        if let Some(slot) = weights.get_mut(f.index()) {
            *slot = Some(*value);
        }
    }
    let mut out = [0.0; FEATURE_COUNT];
    for ((slot, given), f) in out.iter_mut().zip(weights).zip(SkinFeature::ALL) {
        *slot = given.ok_or(CatalogError::WeightCount {
            product: product.clone(),
            expected: FEATURE_COUNT,
            found: weight_map.len(),
            missing: f,
        })?;
    }
    Ok((
        PublicProduct {
            id,
            name,
            description,
            targets,
        },
        out,
        bias,
    ))
}

fn missing(product: &ProductRef, field: &'static str) -> CatalogError {
    CatalogError::MissingField {
        product: product.clone(),
        field,
    }
}

fn feature(
    product: &ProductRef,
    field: &'static str,
    name: &str,
) -> Result<SkinFeature, CatalogError> {
    SkinFeature::from_name(name).map_err(|_| CatalogError::UnknownFeature {
        product: product.clone(),
        field,
        name: name.to_owned(),
    })
}

pub(super) fn from_parts(
    source_name: &str,
    parts: impl IntoIterator<Item = (PublicProduct, [f64; FEATURE_COUNT], f64)>,
) -> Result<Catalog> {
    let fail = |error| Error::Catalog {
        source_name: source_name.to_owned(),
        error,
    };
    let parts: Vec<_> = parts.into_iter().collect();
    check_count(source_name, parts.len())?;
    let mut products = Vec::with_capacity(parts.len());
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, (public, weights, bias)) in parts.into_iter().enumerate() {
        let product = ProductRef {
            index,
            id: Some(public.id.clone()),
        };
        check_public(&product, &public).map_err(fail)?;
        for (f, w) in SkinFeature::ALL.iter().zip(weights) {
            check_value(&product, || format!("weights.{f}"), w, WEIGHT_BOUND).map_err(fail)?;
        }
        check_value(&product, || "bias".to_owned(), bias, BIAS_BOUND).map_err(fail)?;
        if let Some(&first) = seen.get(&public.id) {
            return Err(fail(CatalogError::DuplicateId {
                id: public.id,
                first: first + 1,
                second: index + 1,
            }));
        }
        seen.insert(public.id.clone(), index);
        products.push(Product {
            public,
            model: ProductModel { weights, bias },
        });
    }
    Ok(Catalog { products })
}

fn check_public(product: &ProductRef, public: &PublicProduct) -> Result<(), CatalogError> {
    let invalid = |field, rule| CatalogError::InvalidText {
        product: product.clone(),
        field,
        rule,
    };
    let id = &public.id;
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(invalid("id", "must have 1 to 64 characters"));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(invalid(
            "id",
            "only ASCII letters, digits, '-', '_' and '.' are allowed",
        ));
    }
    let name_len = public.name.chars().count();
    if public.name.trim().is_empty() || name_len > MAX_NAME_LEN {
        return Err(invalid(
            "name",
            "must have 1 to 120 characters, not all blank",
        ));
    }
    if public.name.chars().any(char::is_control) {
        return Err(invalid("name", "control characters are not allowed"));
    }
    if public.description.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(invalid("description", "must have at most 1000 characters"));
    }
    if public
        .description
        .chars()
        .any(|c| c.is_control() && c != '\n')
    {
        return Err(invalid(
            "description",
            "control characters other than newline are not allowed",
        ));
    }
    for (i, t) in public.targets.iter().enumerate() {
        if public.targets.iter().take(i).any(|u| u == t) {
            return Err(CatalogError::DuplicateTarget {
                product: product.clone(),
                feature: *t,
            });
        }
    }
    Ok(())
}

fn check_value(
    product: &ProductRef,
    field: impl Fn() -> String,
    value: f64,
    bound: f64,
) -> Result<(), CatalogError> {
    if !value.is_finite() {
        return Err(CatalogError::NonFinite {
            product: product.clone(),
            field: field(),
            value,
        });
    }
    if value.abs() > bound {
        return Err(CatalogError::OutOfBound {
            product: product.clone(),
            field: field(),
            value,
            bound,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{DEMO_CATALOG_TOML, MAX_PRODUCTS};

    const ONE: &str = r#"
[[products]]
id = "p1"
name = "One"
description = "d"
targets = ["pores"]
bias = 0.5
[products.weights]
oiliness = 0.1
pores = 0.2
sensitivity = 0.3
redness = 0.4
dehydration = 0.5
pigmentation = 0.6
wrinkles = 0.7
loss_of_firmness = 0.8
"#;

    fn toml_err(text: &str) -> CatalogError {
        match Catalog::from_toml_str("test.toml", text) {
            Err(Error::Catalog { source_name, error }) => {
                assert_eq!(source_name, "test.toml");
                error
            }
            other => panic!("expected a catalog error, got {other:?}"),
        }
    }

    fn p1() -> ProductRef {
        ProductRef {
            index: 0,
            id: Some("p1".into()),
        }
    }

    #[test]
    fn a_valid_catalog_parses_with_weights_in_feature_order() {
        let c = Catalog::from_toml_str("t", ONE).unwrap();
        assert_eq!(c.len(), 1);
        let p = &c.products()[0];
        assert_eq!(
            p.model().weights(),
            &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
        );
        assert_eq!(p.model().bias(), 0.5);
        assert_eq!(p.public().targets, vec![SkinFeature::Pores]);
    }

    #[test]
    fn json_and_toml_give_the_same_catalog() {
        let toml_catalog = Catalog::demo().unwrap();
        let value: toml::Value = toml::from_str(DEMO_CATALOG_TOML).unwrap();
        let json = serde_json::to_string(&value).unwrap();
        let json_catalog = Catalog::from_json_str("demo.json", &json).unwrap();
        assert_eq!(toml_catalog, json_catalog);
    }

    #[test]
    fn syntax_errors_name_the_format_and_position() {
        match toml_err("[[products]\nid=") {
            CatalogError::Syntax { format, message } => {
                assert_eq!(format, "TOML");
                assert!(message.contains("line"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let e = Catalog::from_json_str("c.json", "{\"products\": [").unwrap_err();
        assert!(matches!(
            e,
            Error::Catalog {
                error: CatalogError::Syntax { format: "JSON", .. },
                ..
            }
        ));
        // Unknown fields are refused (a typo must not silently drop a weight).
        assert!(matches!(
            toml_err(&ONE.replace("bias", "biass")),
            CatalogError::Syntax { .. }
        ));
    }

    #[test]
    fn missing_fields_are_named() {
        for field in ["name", "description", "targets", "bias"] {
            let text: String = ONE
                .lines()
                .filter(|l| !l.starts_with(&format!("{field} ")))
                .collect::<Vec<_>>()
                .join("\n");
            assert_eq!(
                toml_err(&text),
                CatalogError::MissingField {
                    product: p1(),
                    field
                },
                "{field}"
            );
        }
        let no_id = ONE.replace("id = \"p1\"\n", "");
        assert_eq!(
            toml_err(&no_id),
            CatalogError::MissingField {
                product: ProductRef { index: 0, id: None },
                field: "id"
            }
        );
        let no_weights = ONE.split("[products.weights]").next().unwrap();
        assert_eq!(
            toml_err(no_weights),
            CatalogError::MissingField {
                product: p1(),
                field: "weights"
            }
        );
    }

    #[test]
    fn wrong_weight_count_and_unknown_features_are_named() {
        let seven = ONE.replace("redness = 0.4\n", "");
        assert_eq!(
            toml_err(&seven),
            CatalogError::WeightCount {
                product: p1(),
                expected: 8,
                found: 7,
                missing: SkinFeature::Redness
            }
        );
        let unknown = ONE.replace("redness = 0.4", "acne = 0.4");
        assert_eq!(
            toml_err(&unknown),
            CatalogError::UnknownFeature {
                product: p1(),
                field: "weights",
                name: "acne".into()
            }
        );
        let bad_target = ONE.replace("targets = [\"pores\"]", "targets = [\"pores\", \"shine\"]");
        assert_eq!(
            toml_err(&bad_target),
            CatalogError::UnknownFeature {
                product: p1(),
                field: "targets",
                name: "shine".into()
            }
        );
        let twice = ONE.replace("targets = [\"pores\"]", "targets = [\"pores\", \"pores\"]");
        assert_eq!(
            toml_err(&twice),
            CatalogError::DuplicateTarget {
                product: p1(),
                feature: SkinFeature::Pores
            }
        );
    }

    #[test]
    fn non_finite_and_out_of_bound_values_are_named() {
        match toml_err(&ONE.replace("wrinkles = 0.7", "wrinkles = nan")) {
            CatalogError::NonFinite {
                product,
                field,
                value,
            } => {
                assert_eq!((product, field.as_str()), (p1(), "weights.wrinkles"));
                assert!(value.is_nan());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            toml_err(&ONE.replace("bias = 0.5", "bias = -inf")),
            CatalogError::NonFinite {
                product: p1(),
                field: "bias".into(),
                value: f64::NEG_INFINITY
            }
        );
        assert_eq!(
            toml_err(&ONE.replace("pores = 0.2", "pores = 1.5")),
            CatalogError::OutOfBound {
                product: p1(),
                field: "weights.pores".into(),
                value: 1.5,
                bound: 1.0
            }
        );
        assert_eq!(
            toml_err(&ONE.replace("bias = 0.5", "bias = -1.01")),
            CatalogError::OutOfBound {
                product: p1(),
                field: "bias".into(),
                value: -1.01,
                bound: 1.0
            }
        );
        // The bounds themselves are accepted.
        assert!(Catalog::from_toml_str("t", &ONE.replace("bias = 0.5", "bias = -1.0")).is_ok());
    }

    #[test]
    fn ids_must_be_unique_and_well_formed() {
        let two = format!("{ONE}\n{}", ONE.replace("name = \"One\"", "name = \"Two\""));
        assert_eq!(
            toml_err(&two),
            CatalogError::DuplicateId {
                id: "p1".into(),
                first: 1,
                second: 2
            }
        );
        assert!(matches!(
            toml_err(&ONE.replace("id = \"p1\"", "id = \"p 1\"")),
            CatalogError::InvalidText { field: "id", .. }
        ));
        assert!(matches!(
            toml_err(&ONE.replace("id = \"p1\"", "id = \"\"")),
            CatalogError::InvalidText { field: "id", .. }
        ));
        assert!(matches!(
            toml_err(&ONE.replace("name = \"One\"", "name = \"  \"")),
            CatalogError::InvalidText { field: "name", .. }
        ));
    }

    #[test]
    fn empty_and_oversized_catalogs_are_refused() {
        assert_eq!(toml_err(""), CatalogError::Empty);
        assert_eq!(toml_err("products = []"), CatalogError::Empty);
        let demo = Catalog::demo().unwrap();
        let template = demo.products()[0].clone();
        let many = (0..=MAX_PRODUCTS).map(|j| {
            let mut public = template.public().clone();
            public.id = format!("p{j}");
            (public, *template.model().weights(), template.model().bias())
        });
        assert_eq!(
            Catalog::from_parts("big", many).unwrap_err(),
            Error::Catalog {
                source_name: "big".into(),
                error: CatalogError::TooManyProducts {
                    count: MAX_PRODUCTS + 1,
                    max: MAX_PRODUCTS
                }
            }
        );
    }

    #[test]
    fn error_messages_name_file_product_and_field() {
        let e = Catalog::from_toml_str("brand.toml", &ONE.replace("pores = 0.2", "pores = 3.0"))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "catalog brand.toml: product #1 (`p1`): `weights.pores` = 3 is outside [-1, 1]"
        );
    }

    #[test]
    fn files_are_read_by_extension() {
        let dir = std::env::temp_dir().join(format!("bm-catalog-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let toml_path = dir.join("c.toml");
        std::fs::write(&toml_path, ONE).unwrap();
        assert_eq!(Catalog::from_path(&toml_path).unwrap().len(), 1);
        let other = dir.join("c.yaml");
        assert!(matches!(
            Catalog::from_path(&other),
            Err(Error::Catalog {
                error: CatalogError::UnknownFormat,
                ..
            })
        ));
        assert!(matches!(
            Catalog::from_path(&dir.join("absent.json")),
            Err(Error::CatalogIo { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
