//! AES-256 in counter mode (NIST SP 800-38A) with a 64-bit big-endian block counter in the last
//! eight bytes of the counter block: the keystream of every PRG and seed expansion here.
//!
//! The keystream is written straight into the caller's buffer in runs of [`RUN`] blocks: the
//! counter blocks are laid out in it and encrypted in place by one call of the `aes` crate's
//! block API, which runs its widest kernel over whole runs (VAES on 512-bit vectors where the
//! processor has it, 64 blocks per call; AES-NI otherwise; constant-time software AES on
//! wasm32) but encrypts the blocks of a shorter call one at a time. Requests shorter than a run
//! are served from a buffered run. The `ctr` crate generates its counter blocks a few at a
//! time and XORs the keystream onto a copy of the input: `docs/benchmarks.md` ("PRG") measures
//! both.
//!
//! # Security
//! The round keys are wiped on drop (the `aes` crate's `zeroize` feature), and so is the
//! keystream left over from a partial block.

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use zeroize::Zeroize;

/// Bytes of one AES block.
const BLOCK: usize = 16;

/// Blocks encrypted per call: the `aes` crate's widest batch (VAES-512).
const RUN: usize = 64;

/// Bytes of one run.
const RUN_BYTES: usize = RUN * BLOCK;

/// The AES-256-CTR keystream of one key and initial counter block.
pub(crate) struct Aes256Ctr64 {
    cipher: aes::Aes256Enc,
    /// The first eight bytes of every counter block.
    prefix: [u8; 8],
    /// The block counter of the next block (big-endian in the last eight bytes).
    counter: u64,
    /// Keystream of the last buffered run, of which the last `spare_len` bytes are unused.
    spare: [u8; RUN_BYTES],
    spare_len: usize,
}

impl Aes256Ctr64 {
    /// The stream keyed by `key` from the counter block `iv` (its last eight bytes are the
    /// initial counter, big-endian; they wrap around modulo 2^64).
    pub(crate) fn new(key: &[u8; 32], iv: [u8; BLOCK]) -> Self {
        let (prefix, counter) = iv.split_at(8);
        let mut head = [0u8; 8];
        head.copy_from_slice(prefix);
        let mut start = [0u8; 8];
        start.copy_from_slice(counter);
        Self {
            cipher: aes::Aes256Enc::new(key.into()),
            prefix: head,
            counter: u64::from_be_bytes(start),
            spare: [0; RUN_BYTES],
            spare_len: 0,
        }
    }

    /// Overwrites `dst` with the next `dst.len()` bytes of the keystream.
    pub(crate) fn fill(&mut self, mut dst: &mut [u8]) {
        while !dst.is_empty() {
            if self.spare_len == 0 {
                // Whole runs straight into `dst`, else one run into the buffer.
                let direct = dst.len() / RUN_BYTES * RUN_BYTES;
                if direct > 0 {
                    let (runs, rest) = dst.split_at_mut(direct);
                    encrypt_counters(&self.cipher, self.prefix, &mut self.counter, runs);
                    dst = rest;
                    continue;
                }
                let spare = self.spare.as_mut_slice();
                encrypt_counters(&self.cipher, self.prefix, &mut self.counter, spare);
                self.spare_len = RUN_BYTES;
            }
            let start = RUN_BYTES - self.spare_len;
            let take = self.spare_len.min(dst.len());
            let (head, rest) = dst.split_at_mut(take);
            if let Some(spare) = self.spare.get(start..start + take) {
                head.copy_from_slice(spare);
            }
            self.spare_len -= take;
            dst = rest;
        }
    }
}

/// Overwrites `out` (whole blocks) with the keystream of the blocks from `counter` on, and
/// advances the counter past them.
fn encrypt_counters(cipher: &aes::Aes256Enc, prefix: [u8; 8], counter: &mut u64, out: &mut [u8]) {
    let (blocks, _) = out.as_chunks_mut::<BLOCK>();
    let start = *counter;
    // A plain loop over the block index, which vectorizes with AVX-512 where available.
    crate::ring::vectorized(
        #[inline(always)]
        || {
            for (j, block) in blocks.iter_mut().enumerate() {
                let (head, tail) = block.split_at_mut(8);
                head.copy_from_slice(&prefix);
                tail.copy_from_slice(&start.wrapping_add(j as u64).to_be_bytes());
            }
        },
    );
    *counter = start.wrapping_add(blocks.len() as u64);
    let (blocks, _) = aes::Block::slice_as_chunks_mut(out);
    cipher.encrypt_blocks(blocks);
}

impl Drop for Aes256Ctr64 {
    fn drop(&mut self) {
        self.spare.as_mut_slice().zeroize();
        self.counter.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// NIST SP 800-38A, F.5.5 CTR-AES256.Encrypt: the keystream XOR the plaintext is the
    /// ciphertext (the initial counter does not wrap its low 64 bits over four blocks).
    #[test]
    fn nist_sp800_38a_ctr_aes256_vector() {
        let key: [u8; 32] = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
            .try_into()
            .unwrap();
        let iv: [u8; 16] = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff").try_into().unwrap();
        let plain = hex(concat!(
            "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
            "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
        ));
        let cipher = hex(concat!(
            "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5",
            "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6"
        ));
        // In uneven pieces: partial blocks carry over between calls.
        for cuts in [vec![64], vec![5, 11, 16, 1, 31], vec![1; 64]] {
            let mut stream = Aes256Ctr64::new(&key, iv);
            let mut keystream = Vec::new();
            for len in cuts {
                let mut piece = vec![0xAA; len];
                stream.fill(&mut piece);
                keystream.extend(piece);
            }
            let got: Vec<u8> = keystream.iter().zip(&plain).map(|(k, p)| k ^ p).collect();
            assert_eq!(got, cipher);
        }
    }

    /// One call, whole runs with buffered remainders, and odd pieces give one stream: the
    /// AES-256 encryptions of the successive counter blocks.
    #[test]
    fn runs_and_buffered_pieces_give_one_stream() {
        let key = [9u8; 32];
        let iv = [0x42u8; 16];
        let cipher = aes::Aes256Enc::new(&key.into());
        let total = 5 * RUN_BYTES + 123;
        let reference: Vec<u8> = (0..total.div_ceil(BLOCK) as u64)
            .flat_map(|j| {
                let mut block = iv;
                let start = u64::from_be_bytes(iv[8..].try_into().unwrap());
                block[8..].copy_from_slice(&start.wrapping_add(j).to_be_bytes());
                let mut block = aes::Block::from(block);
                cipher.encrypt_block(&mut block);
                block.to_vec()
            })
            .take(total)
            .collect();
        for cuts in [
            vec![total],
            vec![7, RUN_BYTES, 2 * RUN_BYTES + 1, 900, 1],
            vec![100; 52],
        ] {
            let mut stream = Aes256Ctr64::new(&key, iv);
            let mut got = Vec::new();
            for len in cuts {
                let mut piece = vec![0u8; len];
                stream.fill(&mut piece);
                got.extend(piece);
            }
            assert_eq!(got.len(), total.min(got.len()));
            assert_eq!(got, reference[..got.len()]);
        }
    }

    #[test]
    fn counter_wraps_in_its_low_64_bits_only() {
        let key = [3u8; 32];
        let mut iv = [0x11u8; 16];
        iv[8..].copy_from_slice(&u64::MAX.to_be_bytes());
        let mut stream = Aes256Ctr64::new(&key, iv);
        let mut two = [0u8; 32];
        stream.fill(&mut two);
        let cipher = aes::Aes256Enc::new(&key.into());
        for (j, counter) in [u64::MAX, 0].into_iter().enumerate() {
            let mut block = [0x11u8; 16];
            block[8..].copy_from_slice(&counter.to_be_bytes());
            let mut block = block.into();
            cipher.encrypt_block(&mut block);
            assert_eq!(&two[16 * j..16 * j + 16], block.as_slice(), "block {j}");
        }
    }
}
