//! Presentational components: each renders its properties and reports events by callback.

mod presets;
mod products;
mod status;

pub use presets::{PresetTable, PresetTableProps};
pub use products::{ProductList, ProductListProps};
pub use status::{StatusBanner, StatusBannerProps};
