//! A fast CSPRNG for bulk secret sampling: AES-256 in counter mode behind [`RngCore`].
//!
//! The server samples a fresh ternary polynomial and n error coefficients for every result
//! ciphertext (about 25 KiB of randomness each at n = 4096). With VAES the AES-256-CTR stream
//! is produced about 3.7x faster than ChaCha12 (`docs/benchmarks.md`, "PRG"); its security is
//! that of AES-256 as a PRF (the stream of one key is at most 2^64 blocks here, far below any
//! distinguishing bound). Where AES-NI is missing (wasm32) the `aes` crate falls back to a
//! constant-time bitsliced software AES, which is slower than ChaCha: callers there keep
//! [`rand_chacha`] generators.

use rand_core::{CryptoRng, RngCore, SeedableRng};

use super::SEED_BYTES;
use super::aes_ctr::Aes256Ctr64;

/// Domain-separation tag in the first four bytes of every counter block of [`AesCtrRng`]
/// (distinct from the tag of the public-polynomial expansion, so one seed never yields both).
pub const RNG_DOMAIN: [u8; 4] = *b"BM-r";

/// AES-256-CTR keyed by a 32-byte seed: counter blocks `"BM-r" || 0u32 || be64(j)`.
///
/// # Security
/// A CSPRNG when seeded from one ([`super::os_rng`] or [`super::fresh_seed`]); the cipher
/// state (round keys, counter) is wiped on drop.
pub struct AesCtrRng {
    stream: Aes256Ctr64,
}

impl core::fmt::Debug for AesCtrRng {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AesCtrRng { .. }")
    }
}

impl SeedableRng for AesCtrRng {
    type Seed = [u8; SEED_BYTES];

    fn from_seed(seed: Self::Seed) -> Self {
        let mut iv = [0u8; 16];
        if let Some(tag) = iv.get_mut(..4) {
            tag.copy_from_slice(&RNG_DOMAIN);
        }
        let key = zeroize::Zeroizing::new(seed);
        Self {
            stream: Aes256Ctr64::new(&key, iv),
        }
    }
}

impl RngCore for AesCtrRng {
    fn next_u32(&mut self) -> u32 {
        let mut bytes = [0u8; 4];
        self.fill_bytes(&mut bytes);
        u32::from_le_bytes(bytes)
    }

    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        self.fill_bytes(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.stream.fill(dst);
    }
}

impl CryptoRng for AesCtrRng {}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::{BlockCipherEncrypt, KeyInit};

    #[test]
    fn stream_is_aes256_of_the_counter_blocks() {
        let seed = [7u8; SEED_BYTES];
        let mut rng = AesCtrRng::from_seed(seed);
        let mut got = [0u8; 48];
        rng.fill_bytes(&mut got[..5]);
        rng.fill_bytes(&mut got[5..]);
        let cipher = aes::Aes256::new(&seed.into());
        for (j, chunk) in got.chunks(16).enumerate() {
            let mut block = [0u8; 16];
            block[..4].copy_from_slice(&RNG_DOMAIN);
            block[8..].copy_from_slice(&(j as u64).to_be_bytes());
            let mut block = aes::Block::from(block);
            cipher.encrypt_block(&mut block);
            assert_eq!(chunk, block.as_slice(), "block {j}");
        }
    }

    #[test]
    fn seeds_give_different_streams_and_words_follow_the_stream() {
        let mut a = AesCtrRng::from_seed([1; SEED_BYTES]);
        let mut b = AesCtrRng::from_seed([2; SEED_BYTES]);
        assert_ne!(a.next_u64(), b.next_u64());
        let mut c = AesCtrRng::from_seed([1; SEED_BYTES]);
        let mut bytes = [0u8; 12];
        c.fill_bytes(&mut bytes);
        let mut d = AesCtrRng::from_seed([1; SEED_BYTES]);
        assert_eq!(d.next_u64().to_le_bytes(), bytes[..8]);
        assert_eq!(d.next_u32().to_le_bytes(), bytes[8..]);
        assert!(format!("{d:?}").contains(".."));
    }
}
