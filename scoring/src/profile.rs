//! The consumer's skin profile: eight features, each a finite number in [0, 1].
//!
//! The order of [`SkinFeature::ALL`] is part of the protocol: feature i is coefficient i of the
//! client's plaintext `m(X) = sum_i round(Df * f_i) X^i`, and weight i of every product.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Number of skin features in a profile.
pub const FEATURE_COUNT: usize = 8;

/// One of the eight skin features, in protocol order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkinFeature {
    /// Shine and sebum.
    Oiliness,
    /// Visible, enlarged pores.
    Pores,
    /// Reactivity to products and the environment.
    Sensitivity,
    /// Persistent or diffuse redness.
    Redness,
    /// Lack of water in the upper skin layers.
    Dehydration,
    /// Dark spots and uneven tone.
    Pigmentation,
    /// Fine lines and wrinkles.
    Wrinkles,
    /// Loss of firmness and elasticity.
    LossOfFirmness,
}

impl SkinFeature {
    /// All features in protocol order (the index of a feature is its coefficient).
    pub const ALL: [Self; FEATURE_COUNT] = [
        Self::Oiliness,
        Self::Pores,
        Self::Sensitivity,
        Self::Redness,
        Self::Dehydration,
        Self::Pigmentation,
        Self::Wrinkles,
        Self::LossOfFirmness,
    ];

    /// Position of the feature in a profile and in a product's weights.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Stable snake_case name, used in catalog files, JSON and the page.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Oiliness => "oiliness",
            Self::Pores => "pores",
            Self::Sensitivity => "sensitivity",
            Self::Redness => "redness",
            Self::Dehydration => "dehydration",
            Self::Pigmentation => "pigmentation",
            Self::Wrinkles => "wrinkles",
            Self::LossOfFirmness => "loss_of_firmness",
        }
    }

    /// Human label for display.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Oiliness => "Oiliness",
            Self::Pores => "Pores",
            Self::Sensitivity => "Sensitivity",
            Self::Redness => "Redness",
            Self::Dehydration => "Dehydration",
            Self::Pigmentation => "Pigmentation",
            Self::Wrinkles => "Wrinkles",
            Self::LossOfFirmness => "Loss of firmness",
        }
    }

    /// The feature with this snake_case name.
    ///
    /// # Errors
    /// [`Error::UnknownFeature`] for any other name.
    pub fn from_name(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| Error::UnknownFeature {
                name: name.to_owned(),
            })
    }
}

impl core::fmt::Display for SkinFeature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for SkinFeature {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s)
    }
}

/// A validated skin profile: eight finite values in [0, 1], in [`SkinFeature::ALL`] order.
///
/// Only [`SkinProfile::new`] (and the helpers built on it) make one, so every profile in the
/// program is valid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkinProfile {
    values: [f64; FEATURE_COUNT],
}

impl SkinProfile {
    /// The reference profile of the demo: oiliness 0.78, pores 0.71, sensitivity 0.65,
    /// redness 0.48, dehydration 0.36, pigmentation 0.59, wrinkles 0.27, loss of firmness 0.83.
    pub const REFERENCE_VALUES: [f64; FEATURE_COUNT] =
        [0.78, 0.71, 0.65, 0.48, 0.36, 0.59, 0.27, 0.83];

    /// A profile from eight values in [`SkinFeature::ALL`] order.
    ///
    /// # Errors
    /// [`Error::FeatureOutOfRange`] naming the first value that is NaN, infinite or outside [0, 1].
    pub fn new(values: [f64; FEATURE_COUNT]) -> Result<Self> {
        for (feature, &value) in SkinFeature::ALL.iter().zip(&values) {
            if !(0.0..=1.0).contains(&value) {
                return Err(Error::FeatureOutOfRange {
                    feature: *feature,
                    value,
                });
            }
        }
        Ok(Self { values })
    }

    /// A profile from a slice, which must hold exactly eight values.
    ///
    /// # Errors
    /// [`Error::FeatureCount`] for another length, else as [`SkinProfile::new`].
    pub fn from_slice(values: &[f64]) -> Result<Self> {
        let array: [f64; FEATURE_COUNT] = values.try_into().map_err(|_| Error::FeatureCount {
            expected: FEATURE_COUNT,
            found: values.len(),
        })?;
        Self::new(array)
    }

    /// The reference profile ([`SkinProfile::REFERENCE_VALUES`]).
    pub fn reference() -> Self {
        Self {
            values: Self::REFERENCE_VALUES,
        }
    }

    /// The eight values in [`SkinFeature::ALL`] order.
    pub const fn values(&self) -> &[f64; FEATURE_COUNT] {
        &self.values
    }

    /// The value of one feature.
    pub const fn get(&self, feature: SkinFeature) -> f64 {
        let [v0, v1, v2, v3, v4, v5, v6, v7] = self.values;
        match feature {
            SkinFeature::Oiliness => v0,
            SkinFeature::Pores => v1,
            SkinFeature::Sensitivity => v2,
            SkinFeature::Redness => v3,
            SkinFeature::Dehydration => v4,
            SkinFeature::Pigmentation => v5,
            SkinFeature::Wrinkles => v6,
            SkinFeature::LossOfFirmness => v7,
        }
    }
}

impl core::str::FromStr for SkinProfile {
    type Err = Error;
    /// Parses eight comma-separated numbers, as given on a command line.
    fn from_str(s: &str) -> Result<Self> {
        let mut values = Vec::with_capacity(FEATURE_COUNT);
        for (index, part) in s.split(',').enumerate() {
            let feature = SkinFeature::ALL.get(index).copied();
            let value: f64 = part.trim().parse().unwrap_or(f64::NAN);
            if let Some(feature) = feature
                && value.is_nan()
            {
                return Err(Error::FeatureOutOfRange { feature, value });
            }
            values.push(value);
        }
        Self::from_slice(&values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_snake_case() {
        for (i, f) in SkinFeature::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(SkinFeature::from_name(f.name()), Ok(*f));
            assert!(f.name().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            let json = serde_json::to_string(f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.name()));
        }
        assert_eq!(SkinFeature::LossOfFirmness.label(), "Loss of firmness");
    }

    #[test]
    fn unknown_feature_name_is_an_error() {
        assert_eq!(
            SkinFeature::from_name("acne"),
            Err(Error::UnknownFeature {
                name: "acne".into()
            })
        );
    }

    #[test]
    fn reference_profile_is_valid_and_ordered() {
        let p = SkinProfile::reference();
        assert_eq!(SkinProfile::new(SkinProfile::REFERENCE_VALUES), Ok(p));
        assert_eq!(p.get(SkinFeature::Oiliness), 0.78);
        assert_eq!(p.get(SkinFeature::Redness), 0.48);
        assert_eq!(p.get(SkinFeature::LossOfFirmness), 0.83);
        for f in SkinFeature::ALL {
            assert_eq!(p.get(f), p.values()[f.index()]);
        }
    }

    #[test]
    fn profile_rejects_nan_infinity_and_out_of_range_naming_the_feature() {
        for (bad, at) in [
            (f64::NAN, 0),
            (f64::INFINITY, 3),
            (-0.01, 5),
            (1.000_001, 7),
        ] {
            let mut v = SkinProfile::REFERENCE_VALUES;
            v[at] = bad;
            match SkinProfile::new(v) {
                Err(Error::FeatureOutOfRange { feature, value }) => {
                    assert_eq!(feature, SkinFeature::ALL[at]);
                    assert!(value.is_nan() && bad.is_nan() || value == bad);
                }
                other => panic!("expected FeatureOutOfRange, got {other:?}"),
            }
        }
        assert!(SkinProfile::new([0.0; 8]).is_ok());
        assert!(SkinProfile::new([1.0; 8]).is_ok());
    }

    #[test]
    fn profile_parses_from_command_line_text() {
        let p: SkinProfile = "0.78,0.71,0.65,0.48,0.36,0.59,0.27,0.83".parse().unwrap();
        assert_eq!(p, SkinProfile::reference());
        assert_eq!(
            "0.1,0.2".parse::<SkinProfile>(),
            Err(Error::FeatureCount {
                expected: 8,
                found: 2
            })
        );
        assert!(matches!(
            "0.1,x,0,0,0,0,0,0".parse::<SkinProfile>(),
            Err(Error::FeatureOutOfRange {
                feature: SkinFeature::Pores,
                ..
            })
        ));
        assert!(matches!(
            "0,0,0,0,0,0,0,2".parse::<SkinProfile>(),
            Err(Error::FeatureOutOfRange {
                feature: SkinFeature::LossOfFirmness,
                value: 2.0
            })
        ));
    }
}
