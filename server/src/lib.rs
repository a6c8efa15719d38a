//! Blind Mirror HTTP server: the JSON API under `/api/v1` and the built web app at `/`.
//!
//! [`app`] builds the whole router from an [`AppState`], so tests drive it without a socket;
//! the `blind-mirror-server` binary only parses flags, binds and serves it.

#![forbid(unused_must_use)]

pub mod app;
pub mod problem;
mod routes;

pub use app::{AppState, app};
pub use problem::ApiError;
