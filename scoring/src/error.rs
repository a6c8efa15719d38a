//! The one error type of the crate: every failure a caller can meet, with the values that explain it.

use crate::profile::SkinFeature;

/// Everything that can go wrong in `scoring`: a bad profile, a bad catalog, bad bytes, a
/// failure of the underlying CKKS library.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A skin feature is NaN, infinite or outside [0, 1].
    #[error("feature {feature} = {value} is not a finite number in [0, 1]")]
    FeatureOutOfRange {
        /// The offending feature.
        feature: SkinFeature,
        /// The value given.
        value: f64,
    },
    /// A profile was built from the wrong number of values.
    #[error("a skin profile has {expected} features, {found} values were given")]
    FeatureCount {
        /// Number of features of a profile.
        expected: usize,
        /// Number of values given.
        found: usize,
    },
    /// A name is not one of the eight skin features.
    #[error("unknown skin feature `{name}`")]
    UnknownFeature {
        /// The name given.
        name: String,
    },
    /// A preset name is not one of the presets.
    #[error("unknown preset `{name}` (expected compact, exact or private-plus)")]
    UnknownPreset {
        /// The name given.
        name: String,
    },
    /// A catalog file or text is invalid.
    #[error("catalog {source_name}: {error}")]
    Catalog {
        /// File name or other label of the catalog source.
        source_name: String,
        /// What is wrong.
        error: CatalogError,
    },
    /// A catalog file could not be read.
    #[error("catalog {path}: cannot read the file: {reason}")]
    CatalogIo {
        /// Path of the file.
        path: String,
        /// The operating system's explanation.
        reason: String,
    },
    /// A message names a preset id that does not exist.
    #[error("unknown preset id {found}")]
    UnknownPresetId {
        /// The id in the message header.
        found: u32,
    },
    /// A response's mode byte is neither private (0) nor open (1).
    #[error("invalid response mode {found}")]
    InvalidResponseMode {
        /// The byte found.
        found: u8,
    },
    /// A product count is 0 or above the limit.
    #[error("product count {found} is outside 1..={max}")]
    ProductCount {
        /// The count found.
        found: usize,
        /// Largest count accepted.
        max: usize,
    },
    /// A response is for another catalog than the one the client holds.
    #[error(
        "response is for a catalog with fingerprint {found:#010x} and {found_count} products, expected {expected:#010x} and {expected_count}"
    )]
    CatalogMismatch {
        /// Fingerprint of the client's product list.
        expected: u32,
        /// Fingerprint in the response.
        found: u32,
        /// Products in the client's list.
        expected_count: usize,
        /// Products in the response.
        found_count: usize,
    },
    /// A message is for another preset than the session or catalog.
    #[error("message is for preset {found}, expected {expected}")]
    PresetMismatch {
        /// The preset expected.
        expected: crate::presets::Preset,
        /// The preset of the message.
        found: crate::presets::Preset,
    },
    /// The worker threads could not be set up (already set, or the system refused).
    #[error("cannot set up {threads} worker threads (the pool is already set up)")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
    },
    /// The CKKS library refused an operation.
    #[error(transparent)]
    Ckks(#[from] ckks::Error),
}

/// Where in a catalog a problem sits: the product's position and, once known, its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRef {
    /// Position of the product in the file (0-based).
    pub index: usize,
    /// Identifier of the product, when the file gives one.
    pub id: Option<String>,
}

impl core::fmt::Display for ProductRef {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "product #{} (`{id}`)", self.index + 1),
            None => write!(f, "product #{}", self.index + 1),
        }
    }
}

/// What is wrong with a catalog; wrapped in [`Error::Catalog`] with the catalog's name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The text is not valid TOML or JSON, or has a field of the wrong type or an unknown field.
    #[error("{format} syntax: {message}")]
    Syntax {
        /// `TOML` or `JSON`.
        format: &'static str,
        /// The parser's explanation, with line and column.
        message: String,
    },
    /// The file name does not end in `.toml` or `.json`.
    #[error("unknown catalog format: expected a file ending in .toml or .json")]
    UnknownFormat,
    /// The catalog lists no product.
    #[error("the catalog has no product")]
    Empty,
    /// The catalog lists more products than a response may carry.
    #[error("the catalog has {count} products, more than the limit of {max}")]
    TooManyProducts {
        /// Products in the catalog.
        count: usize,
        /// Largest number accepted.
        max: usize,
    },
    /// A required field is absent.
    #[error("{product}: missing field `{field}`")]
    MissingField {
        /// The product.
        product: ProductRef,
        /// The field's name.
        field: &'static str,
    },
    /// A text field is empty, too long or uses characters that are not allowed.
    #[error("{product}: field `{field}` is invalid: {rule}")]
    InvalidText {
        /// The product.
        product: ProductRef,
        /// The field's name.
        field: &'static str,
        /// The rule the value breaks.
        rule: &'static str,
    },
    /// Two products share an id.
    #[error("products #{first} and #{second} share the id `{id}`")]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// 1-based position of the first product with this id.
        first: usize,
        /// 1-based position of the second one.
        second: usize,
    },
    /// A weight or target names no skin feature.
    #[error("{product}: `{field}` names an unknown feature `{name}`")]
    UnknownFeature {
        /// The product.
        product: ProductRef,
        /// `weights` or `targets`.
        field: &'static str,
        /// The unknown name.
        name: String,
    },
    /// The weights do not give exactly one value per feature.
    #[error("{product}: `weights` has {found} of the {expected} features; `{missing}` is missing")]
    WeightCount {
        /// The product.
        product: ProductRef,
        /// Number of features.
        expected: usize,
        /// Number of weights given.
        found: usize,
        /// First feature without a weight.
        missing: SkinFeature,
    },
    /// A target feature is listed twice.
    #[error("{product}: `targets` lists {feature} twice")]
    DuplicateTarget {
        /// The product.
        product: ProductRef,
        /// The repeated feature.
        feature: SkinFeature,
    },
    /// A weight or bias is NaN or infinite.
    #[error("{product}: `{field}` = {value} is not finite")]
    NonFinite {
        /// The product.
        product: ProductRef,
        /// `bias` or `weights.<feature>`.
        field: String,
        /// The value.
        value: f64,
    },
    /// A weight or bias is larger in magnitude than the presets support.
    #[error("{product}: `{field}` = {value} is outside [-{bound}, {bound}]")]
    OutOfBound {
        /// The product.
        product: ProductRef,
        /// `bias` or `weights.<feature>`.
        field: String,
        /// The value.
        value: f64,
        /// The largest magnitude accepted.
        bound: f64,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
