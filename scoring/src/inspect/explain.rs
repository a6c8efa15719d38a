//! Why a product is recommended, and how the decrypted scores compare with cleartext ones.
//!
//! A recommendation is explained from public facts only: the person's own features and the
//! features each product publicly targets (never the brand's weights). Each target is named with
//! the person's value and a level, strongest first, e.g.
//! "high sensitivity (0.65) and moderate redness (0.48)".
//!
//! The validation compares decrypted scores with cleartext scores `b_j + sum_i w_ji f_i` computed
//! from a catalog whose weights are public (the demo catalog): the largest absolute error must
//! stay below the preset's bound.

use crate::catalog::{Catalog, PublicProduct, fingerprint_ids};
use crate::client::ProductScore;
use crate::error::{Error, Result};
use crate::profile::{SkinFeature, SkinProfile};

/// Values from this one up are "high".
pub const HIGH_FROM: f64 = 0.6;
/// Values from this one up (and below [`HIGH_FROM`]) are "moderate"; below, "low".
pub const MODERATE_FROM: f64 = 0.35;

/// How pronounced a feature is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Below [`MODERATE_FROM`].
    Low,
    /// From [`MODERATE_FROM`] to below [`HIGH_FROM`].
    Moderate,
    /// [`HIGH_FROM`] and above.
    High,
}

impl Level {
    /// The level of a feature value in [0, 1].
    pub fn of(value: f64) -> Self {
        if value >= HIGH_FROM {
            Self::High
        } else if value >= MODERATE_FROM {
            Self::Moderate
        } else {
            Self::Low
        }
    }

    /// Lower-case word.
    pub const fn word(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Moderate => "moderate",
            Self::High => "high",
        }
    }
}

/// One reason: a feature the product targets, with the person's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reason {
    /// The targeted feature.
    pub feature: SkinFeature,
    /// The person's value of it.
    pub value: f64,
    /// Its level.
    pub level: Level,
}

/// The explanation of one product's place.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The product's targets with the person's values, highest value first.
    pub reasons: Vec<Reason>,
    /// The reasons as one phrase, e.g. "high sensitivity (0.65) and moderate redness (0.48)".
    pub text: String,
}

/// Explains a product from its public targets and the person's profile.
pub fn explain(targets: &[SkinFeature], profile: &SkinProfile) -> Explanation {
    let mut reasons: Vec<Reason> = targets
        .iter()
        .map(|&feature| {
            let value = profile.get(feature);
            Reason {
                feature,
                value,
                level: Level::of(value),
            }
        })
        .collect();
    reasons.sort_by(|a, b| b.value.total_cmp(&a.value));
    let parts: Vec<String> = reasons
        .iter()
        .map(|r| {
            format!(
                "{} {} ({:.2})",
                r.level.word(),
                r.feature.label().to_lowercase(),
                r.value
            )
        })
        .collect();
    let text = match parts.as_slice() {
        [] => "no public target".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    Explanation { reasons, text }
}

/// One line of the ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// 1 for the best score.
    pub rank: usize,
    /// The product's public facts.
    pub product: PublicProduct,
    /// Its decrypted score.
    pub score: f64,
    /// Why it scores as it does.
    pub explanation: Explanation,
}

/// Ranks decrypted scores (best first, ties in catalog order) and explains each product.
///
/// # Errors
/// [`Error::CatalogMismatch`] when `scores` and `products` do not list the same ids in order.
pub fn rank_and_explain(
    scores: &[ProductScore],
    products: &[PublicProduct],
    profile: &SkinProfile,
) -> Result<Vec<Ranked>> {
    check_same_ids(
        scores.iter().map(|s| s.id.as_str()),
        products.iter().map(|p| p.id.as_str()),
    )?;
    let mut lines: Vec<(&ProductScore, &PublicProduct)> = scores.iter().zip(products).collect();
    lines.sort_by(|a, b| b.0.score.total_cmp(&a.0.score));
    Ok(lines
        .into_iter()
        .enumerate()
        .map(|(index, (score, product))| Ranked {
            rank: index + 1,
            explanation: explain(&product.targets, profile),
            product: product.clone(),
            score: score.score,
        })
        .collect())
}

/// The headline: the best product and why, e.g.
/// "high sensitivity (0.65) and moderate redness (0.48): Sensitive Soothing Lotion".
pub fn headline(ranking: &[Ranked]) -> Option<String> {
    ranking
        .first()
        .map(|top| format!("{}: {}", top.explanation.text, top.product.name))
}

/// One product of the validation table.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationRow {
    /// Product id.
    pub id: String,
    /// Product name.
    pub name: String,
    /// The score decrypted from the server's answer.
    pub fhe: f64,
    /// The score computed in the clear from the public catalog.
    pub cleartext: f64,
    /// `|fhe - cleartext|`.
    pub error: f64,
}

/// The FHE-versus-cleartext comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// One row per product, in catalog order.
    pub rows: Vec<ValidationRow>,
    /// The largest error.
    pub max_error: f64,
    /// The preset's error bound for this catalog size.
    pub bound: f64,
}

impl Validation {
    /// Whether every error is within the bound.
    pub fn within_bound(&self) -> bool {
        self.max_error <= self.bound
    }
}

/// Compares decrypted `scores` with the cleartext scores of a public `catalog`.
///
/// # Errors
/// [`Error::CatalogMismatch`] when the scores are not for this catalog's products, in order.
pub fn validate(
    scores: &[ProductScore],
    catalog: &Catalog,
    profile: &SkinProfile,
    bound: f64,
) -> Result<Validation> {
    check_same_ids(
        scores.iter().map(|s| s.id.as_str()),
        catalog.products().iter().map(|p| p.id()),
    )?;
    let rows: Vec<ValidationRow> = scores
        .iter()
        .zip(catalog.products())
        .zip(catalog.cleartext_scores(profile))
        .map(|((s, p), cleartext)| ValidationRow {
            id: s.id.clone(),
            name: p.public().name.clone(),
            fhe: s.score,
            cleartext,
            error: (s.score - cleartext).abs(),
        })
        .collect();
    let max_error = rows.iter().map(|r| r.error).fold(0.0, f64::max);
    Ok(Validation {
        rows,
        max_error,
        bound,
    })
}

fn check_same_ids<'a>(
    found: impl Iterator<Item = &'a str> + Clone,
    expected: impl Iterator<Item = &'a str> + Clone,
) -> Result<()> {
    let found_count = found.clone().count();
    let expected_count = expected.clone().count();
    let found_fp = fingerprint_ids(found.clone());
    let expected_fp = fingerprint_ids(expected.clone());
    if found_count == expected_count && found.eq(expected) {
        Ok(())
    } else {
        Err(Error::CatalogMismatch {
            expected: expected_fp,
            found: found_fp,
            expected_count,
            found_count,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_scores(profile: &SkinProfile, shift: f64) -> (Catalog, Vec<ProductScore>) {
        let catalog = Catalog::demo().unwrap();
        let scores = catalog
            .products()
            .iter()
            .zip(catalog.cleartext_scores(profile))
            .map(|(p, s)| ProductScore {
                id: p.id().to_owned(),
                score: s + shift,
            })
            .collect();
        (catalog, scores)
    }

    #[test]
    fn levels_split_at_the_thresholds() {
        assert_eq!(Level::of(0.0), Level::Low);
        assert_eq!(Level::of(MODERATE_FROM - 1e-9), Level::Low);
        assert_eq!(Level::of(MODERATE_FROM), Level::Moderate);
        assert_eq!(Level::of(0.48), Level::Moderate);
        assert_eq!(Level::of(HIGH_FROM), Level::High);
        assert_eq!(Level::of(1.0), Level::High);
    }

    #[test]
    fn reference_profile_explains_the_soothing_lotion() {
        let profile = SkinProfile::reference();
        let (catalog, scores) = demo_scores(&profile, 0.0);
        let ranking = rank_and_explain(&scores, &catalog.public_view(), &profile).unwrap();
        assert_eq!(ranking[0].product.id, "sensitive-soothing-lotion");
        assert_eq!(
            headline(&ranking).unwrap(),
            "high sensitivity (0.65) and moderate redness (0.48): Sensitive Soothing Lotion"
        );
        let ranks: Vec<usize> = ranking.iter().map(|r| r.rank).collect();
        assert_eq!(ranks, [1, 2, 3, 4, 5]);
        assert!(ranking.windows(2).all(|w| w[0].score >= w[1].score));
        // The anti-aging cream's targets, highest value first.
        let cream = ranking
            .iter()
            .find(|r| r.product.id == "absolu-anti-aging-cream")
            .unwrap();
        assert_eq!(
            cream.explanation.text,
            "high loss of firmness (0.83) and low wrinkles (0.27)"
        );
    }

    #[test]
    fn explanations_join_any_number_of_targets() {
        let profile = SkinProfile::new([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]).unwrap();
        assert_eq!(explain(&[], &profile).text, "no public target");
        let three = explain(
            &[
                SkinFeature::Oiliness,
                SkinFeature::Wrinkles,
                SkinFeature::Redness,
            ],
            &profile,
        );
        assert_eq!(
            three.text,
            "high wrinkles (0.70), moderate redness (0.40) and low oiliness (0.10)"
        );
        assert_eq!(three.reasons.len(), 3);
    }

    #[test]
    fn ranking_follows_the_scores_not_the_catalog_order() {
        let profile = SkinProfile::new([0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]).unwrap();
        let (catalog, scores) = demo_scores(&profile, 0.0);
        let ranking = rank_and_explain(&scores, &catalog.public_view(), &profile).unwrap();
        let best = scores
            .iter()
            .max_by(|a, b| a.score.total_cmp(&b.score))
            .unwrap();
        assert_eq!(ranking[0].product.id, best.id);
        assert_eq!(ranking[0].product.id, "quotidien-hydrating-serum");
    }

    #[test]
    fn validation_reports_the_largest_error_against_the_bound() {
        let profile = SkinProfile::reference();
        let (catalog, mut scores) = demo_scores(&profile, 0.0);
        scores[2].score += 3e-11;
        scores[4].score -= 5e-11;
        let v = validate(&scores, &catalog, &profile, 1e-10).unwrap();
        assert_eq!(v.rows.len(), 5);
        assert!((v.max_error - 5e-11).abs() < 1e-15);
        assert!(v.within_bound());
        assert_eq!(v.rows[0].name, "Sensitive Soothing Lotion");
        assert!((v.rows[0].cleartext - 1.447).abs() < 1e-12);
        let v = validate(&scores, &catalog, &profile, 4e-11).unwrap();
        assert!(!v.within_bound());
    }

    #[test]
    fn mismatched_products_are_refused() {
        let profile = SkinProfile::reference();
        let (catalog, mut scores) = demo_scores(&profile, 0.0);
        scores.swap(0, 1);
        assert!(matches!(
            validate(&scores, &catalog, &profile, 1.0),
            Err(Error::CatalogMismatch { .. })
        ));
        scores.pop();
        assert!(matches!(
            rank_and_explain(&scores, &catalog.public_view(), &profile),
            Err(Error::CatalogMismatch {
                expected_count: 5,
                found_count: 4,
                ..
            })
        ));
    }
}
