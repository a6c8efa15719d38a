//! Blind Mirror's encrypted-scoring protocol, shared by the browser client and the server.

pub mod catalog;
pub mod error;
pub mod presets;
pub mod profile;

pub use catalog::{Catalog, Product, ProductModel, PublicProduct};
pub use error::{CatalogError, Error, ProductRef, Result};
pub use presets::{Preset, PresetParams};
pub use profile::{FEATURE_COUNT, SkinFeature, SkinProfile};
