//! CKKS homomorphic encryption (Cheon-Kim-Kim-Song, eprint 2016/421) in full-RNS form
//! (eprint 2018/931), over `R_q = Z_q[X]/(X^n + 1)`.

#![forbid(unused_must_use)]

pub mod ciphertext;
pub mod encoding;
pub mod encrypt;
pub mod error;
pub mod evaluator;
pub mod keys;
pub mod params;
pub mod plaintext;
pub mod ring;
pub mod sampling;
pub mod security;
pub mod wire;

pub use error::{Error, Result};
