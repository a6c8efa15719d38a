//! Blind Mirror's encrypted-scoring protocol, shared by the browser client and the server.

pub mod api;
pub mod catalog;
pub mod client;
pub mod compress;
pub mod error;
pub mod inspect;
pub mod presets;
pub mod profile;
pub mod protocol;
pub mod server;

pub use catalog::{Catalog, Product, ProductModel, PublicProduct};
pub use client::{ClientSession, ProductScore};
pub use error::{CatalogError, Error, ProductRef, Result};
pub use presets::{Preset, PresetParams};
pub use profile::{FEATURE_COUNT, SkinFeature, SkinProfile};
pub use protocol::{ResponseMode, ScoreRequest, ScoreResponse};
pub use server::{EncodedCatalog, ModelPrivacy, score, score_with};
