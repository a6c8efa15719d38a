//! What the browser app shows about one run of the protocol, computed from real keys and bytes.
//!
//! - [`layout`]: the byte ranges of every field of a request and a response, with what each
//!   holds, so a hex dump can be annotated byte for byte (`docs/wire-format.md`);
//! - [`explain`]: why a product ranks where it does, from the profile and the product's public
//!   targets, and the FHE-versus-cleartext validation table of a public catalog;
//! - [`stats`]: a byte histogram of captured bytes and its chi-square test against uniform;
//! - [`lattice`]: the cost of the primal lattice attack (uSVP) on a preset's RLWE samples.
//!
//! Nothing here touches a secret: the inputs are public parameters, wire bytes, decrypted scores
//! the person already holds, and the public demo catalog.

pub mod explain;
pub mod lattice;
pub mod layout;
pub mod stats;
