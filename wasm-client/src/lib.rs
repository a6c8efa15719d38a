//! Blind Mirror browser app: a Yew single-page app built for `wasm32-unknown-unknown` by trunk.
//!
//! The page reads the service description from `GET /api/v1/params` and shows the parameter
//! presets and the catalog's products. Its state machine ([`state`]) is plain Rust and is
//! tested natively; the components only render it and dispatch actions.

#![forbid(unused_must_use)]

pub mod api;
pub mod app;
pub mod components;
pub mod error;
pub mod state;

pub use app::App;
pub use error::UiError;

/// Mounts the app on the document body.
pub fn start() {
    yew::Renderer::<App>::new().render();
}
