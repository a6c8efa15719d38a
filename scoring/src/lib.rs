//! Blind Mirror's encrypted-scoring protocol, shared by the browser client and the server.
//!
//! A [`ClientSession`] encrypts a [`SkinProfile`] (8 features in [0, 1]) into request bytes; the
//! server scores them with [`score`] against an [`EncodedCatalog`] (a [`Catalog`] encoded once per
//! [`Preset`]) and answers with response bytes from which only the client decrypts
//! `score_j = b_j + sum_i w_ji f_i` for every product. Coefficient packing, no evaluation key;
//! model privacy by re-randomization and target-only responses (`docs/security.md`); presets and
//! error bounds in `docs/parameters.md`; message layouts in [`protocol`].

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
