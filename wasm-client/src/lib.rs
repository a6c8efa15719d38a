//! Blind Mirror browser app: a Yew single-page app built for `wasm32-unknown-unknown` by trunk.
//!
//! The page walks through the protocol in nine steps, each computed live on the person's own keys
//! and bytes: the scenario, the parameters, key generation, the profile and its encryption, the
//! exact request bytes, the server's evaluation, decryption with the recommendation, validation
//! against cleartext, and what an attacker can do with the captured bytes.
//!
//! Layout: [`state`] is the page's state machine (a pure reducer, tested natively); [`flow`] runs
//! the protocol steps on the `scoring` crate and times them (also tested natively, against the
//! server's own evaluation code); [`api`] talks to the server; [`local`] is the Web Worker that
//! stands in for the server on a static host; the components only render and dispatch.

#![forbid(unused_must_use)]

pub mod api;
pub mod app;
pub mod browser;
pub mod clock;
pub mod components;
pub mod error;
pub mod flow;
pub mod format;
pub mod local;
pub mod state;

pub use app::App;
pub use error::UiError;

/// Mounts the app on the document body.
pub fn start() {
    yew::Renderer::<App>::new().render();
}
