//! Integration tests of `blind-mirror-server`: the real server on an ephemeral loopback port,
//! driven by a real HTTP client (reqwest over hyper).

// The helpers of this test crate are not `#[test]` functions, so clippy's test allowances do
// not reach them; like the tests, they fail the test loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed step fails the test"
)]

mod api;
mod binary;
mod common;
mod concurrency;
mod errors;
mod openapi;
mod static_files;
