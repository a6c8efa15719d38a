//! CKKS parameter sets: ring degree n = 2^log_n, a chain of ciphertext primes q_0..q_L, optional
//! special primes P (key switching), and the error standard deviation sigma.
//!
//! [`ParamsSpec`] is what is asked (unchecked); [`Params::new`] checks it and refuses any set
//! whose log2(QP) exceeds the 128-bit bound of [`crate::security`]. Every prime is NTT-friendly:
//! q = 1 mod 2n, so X^n + 1 splits mod q.

use std::sync::Arc;

use crate::ring::modulus::is_prime;
use crate::ring::rns::RnsBasis;
use crate::security::{self, MAX_LOG_N, MIN_LOG_N};
use crate::{Error, Result};

/// Smallest accepted prime size in bits.
pub const MIN_PRIME_BITS: u32 = 17;
/// Largest accepted prime size in bits.
pub const MAX_PRIME_BITS: u32 = 61;
/// Smallest accepted error standard deviation (the standard's 8 / sqrt(2 pi) ~ 3.19).
pub const MIN_SIGMA: f64 = 3.19;
/// Largest accepted error standard deviation.
pub const MAX_SIGMA: f64 = 16.0;
/// The error standard deviation of the security standard.
pub const DEFAULT_SIGMA: f64 = 3.2;

/// A parameter set as asked: nothing is checked until [`Params::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsSpec {
    /// log2 of the ring degree n.
    pub log_n: u32,
    /// Ciphertext primes q_0, ..., q_L (level L = len - 1).
    pub moduli: Vec<u64>,
    /// Special primes P for key switching (may be empty).
    pub special_moduli: Vec<u64>,
    /// Error standard deviation.
    pub sigma: f64,
}

impl ParamsSpec {
    /// A spec with deterministic primes: for each entry of `bits` then `special_bits`, the largest
    /// prime below 2^bits that is 1 mod 2n and not already chosen. sigma is [`DEFAULT_SIGMA`].
    ///
    /// # Errors
    /// As [`ntt_primes`].
    pub fn with_prime_bits(log_n: u32, bits: &[u32], special_bits: &[u32]) -> Result<Self> {
        let n = degree(log_n)?;
        let mut chosen: Vec<u64> = Vec::with_capacity(bits.len() + special_bits.len());
        for &b in bits.iter().chain(special_bits) {
            let prime = ntt_primes(b, n, 1, &chosen)?;
            chosen.extend(prime);
        }
        let special_moduli = chosen.split_off(bits.len());
        Ok(Self {
            log_n,
            moduli: chosen,
            special_moduli,
            sigma: DEFAULT_SIGMA,
        })
    }
}

/// n = 2^log_n for log_n in the supported range.
fn degree(log_n: u32) -> Result<usize> {
    if (MIN_LOG_N..=MAX_LOG_N).contains(&log_n) {
        Ok(1usize << log_n)
    } else {
        Err(Error::InvalidDegree {
            n: 1usize.checked_shl(log_n).unwrap_or(0),
            min: 1 << MIN_LOG_N,
            max: 1 << MAX_LOG_N,
        })
    }
}

/// The `count` largest primes q < 2^bits with q = 1 mod 2n and q >= 2^(bits-1), skipping
/// `exclude`, in decreasing order. Deterministic.
///
/// # Errors
/// [`Error::ModulusSize`] for bits outside [`MIN_PRIME_BITS`]..=[`MAX_PRIME_BITS`];
/// [`Error::InvalidDegree`] unless n is a power of two in 2..=2^16;
/// [`Error::NotEnoughPrimes`] if the range holds fewer than `count` such primes.
pub fn ntt_primes(bits: u32, n: usize, count: usize, exclude: &[u64]) -> Result<Vec<u64>> {
    if !(MIN_PRIME_BITS..=MAX_PRIME_BITS).contains(&bits) {
        return Err(Error::ModulusSize {
            bits,
            min: MIN_PRIME_BITS,
            max: MAX_PRIME_BITS,
        });
    }
    if !n.is_power_of_two() || !(2..=1 << 16).contains(&n) {
        return Err(Error::InvalidDegree {
            n,
            min: 2,
            max: 1 << 16,
        });
    }
    let two_n = 2 * n as u64;
    let low = 1u64 << (bits - 1);
    // Largest candidate = 1 mod 2n below 2^bits.
    let mut candidate = ((1u64 << bits) - 1) / two_n * two_n + 1;
    let mut found = Vec::with_capacity(count);
    while found.len() < count && candidate > low {
        if is_prime(candidate) && !exclude.contains(&candidate) {
            found.push(candidate);
        }
        candidate -= two_n;
    }
    if found.len() < count {
        return Err(Error::NotEnoughPrimes {
            bits,
            n,
            wanted: count,
            found: found.len(),
        });
    }
    Ok(found)
}

/// A checked parameter set, shared as `Arc<Params>`.
pub struct Params {
    spec: ParamsSpec,
    n: usize,
    /// Bases of the ciphertext moduli at levels 0..=L (index = level).
    levels: Vec<Arc<RnsBasis>>,
    /// The top-level basis (the last of `levels`).
    top: Arc<RnsBasis>,
    special: Option<Arc<RnsBasis>>,
    qp: Option<Arc<RnsBasis>>,
    log_qp: f64,
    id: u32,
}

impl core::fmt::Debug for Params {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Params")
            .field("id", &format_args!("{:#010x}", self.id))
            .field("spec", &self.spec)
            .field("log_qp", &self.log_qp)
            .finish_non_exhaustive()
    }
}

impl Params {
    /// Checks `spec` and builds the bases, refusing sets above the 128-bit bound.
    ///
    /// # Errors
    /// [`Error::InvalidDegree`] unless log_n is in [`MIN_LOG_N`]..=[`MAX_LOG_N`];
    /// [`Error::LengthMismatch`] for an empty modulus chain;
    /// [`Error::ModulusSize`] for a prime outside [`MIN_PRIME_BITS`]..=[`MAX_PRIME_BITS`] bits;
    /// [`Error::InvalidModulus`] unless every modulus is a prime = 1 mod 2n;
    /// [`Error::DuplicateModulus`] if a prime repeats (special primes included);
    /// [`Error::InvalidSigma`] unless sigma is in [`MIN_SIGMA`]..=[`MAX_SIGMA`];
    /// [`Error::InsecureParams`] when log2(QP) exceeds [`security::max_log_qp_128`].
    pub fn new(spec: ParamsSpec) -> Result<Arc<Self>> {
        Self::build(spec, true)
    }

    /// As [`Params::new`] without the security check, for small test rings only.
    ///
    /// # Errors
    /// As [`Params::new`] except [`Error::InsecureParams`].
    ///
    /// # Security
    /// The result may offer far less than 128-bit security.
    pub fn new_insecure_for_tests(spec: ParamsSpec) -> Result<Arc<Self>> {
        Self::build(spec, false)
    }

    fn build(spec: ParamsSpec, check_security: bool) -> Result<Arc<Self>> {
        let n = degree(spec.log_n)?;
        if spec.moduli.is_empty() {
            return Err(Error::LengthMismatch {
                what: "ciphertext moduli",
                expected: 1,
                found: 0,
            });
        }
        let all: Vec<u64> = spec
            .moduli
            .iter()
            .chain(&spec.special_moduli)
            .copied()
            .collect();
        let two_n = 2 * n as u64;
        for (i, &q) in all.iter().enumerate() {
            let bits = u64::BITS - q.leading_zeros();
            if !(MIN_PRIME_BITS..=MAX_PRIME_BITS).contains(&bits) {
                return Err(Error::ModulusSize {
                    bits,
                    min: MIN_PRIME_BITS,
                    max: MAX_PRIME_BITS,
                });
            }
            if q % two_n != 1 || !is_prime(q) {
                return Err(Error::InvalidModulus { modulus: q, two_n });
            }
            if all.iter().take(i).any(|&p| p == q) {
                return Err(Error::DuplicateModulus { modulus: q });
            }
        }
        if !(MIN_SIGMA..=MAX_SIGMA).contains(&spec.sigma) {
            return Err(Error::InvalidSigma {
                sigma: spec.sigma,
                min: MIN_SIGMA,
                max: MAX_SIGMA,
            });
        }
        let log_qp: f64 = all.iter().map(|&q| (q as f64).log2()).sum();
        if check_security {
            security::check_128(n, log_qp)?;
        }
        let top = RnsBasis::new(n, &spec.moduli)?;
        let levels = (1..=spec.moduli.len())
            .map(|len| top.prefix(len))
            .collect::<Result<Vec<_>>>()?;
        let (special, qp) = if spec.special_moduli.is_empty() {
            (None, None)
        } else {
            (
                Some(RnsBasis::new(n, &spec.special_moduli)?),
                Some(RnsBasis::new(n, &all)?),
            )
        };
        let id = fingerprint(&spec);
        Ok(Arc::new(Self {
            spec,
            n,
            levels,
            top,
            special,
            qp,
            log_qp,
            id,
        }))
    }

    /// The spec this set was built from.
    pub fn spec(&self) -> &ParamsSpec {
        &self.spec
    }

    /// The ring degree n.
    pub fn n(&self) -> usize {
        self.n
    }

    /// log2 n.
    pub fn log_n(&self) -> u32 {
        self.spec.log_n
    }

    /// A stable 32-bit id: FNV-1a over, little endian, log_n (u32), the number of ciphertext
    /// moduli (u32), each modulus (u64), the number of special moduli (u32), each special modulus
    /// (u64), and the IEEE-754 bits of sigma (u64).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The basis of all ciphertext moduli (top level L).
    pub fn basis(&self) -> &Arc<RnsBasis> {
        &self.top
    }

    /// The basis at `level` (its first level + 1 moduli).
    ///
    /// # Errors
    /// [`Error::InvalidLevel`] above [`Params::max_level`].
    pub fn basis_at(&self, level: usize) -> Result<Arc<RnsBasis>> {
        self.levels.get(level).cloned().ok_or(Error::InvalidLevel {
            level,
            max: self.max_level(),
        })
    }

    /// The basis of the special moduli P alone, if any.
    pub fn special_basis(&self) -> Option<&Arc<RnsBasis>> {
        self.special.as_ref()
    }

    /// The basis of the ciphertext moduli followed by the special moduli (QP), if any special.
    pub fn qp_basis(&self) -> Option<&Arc<RnsBasis>> {
        self.qp.as_ref()
    }

    /// The top level L (number of ciphertext moduli - 1).
    pub fn max_level(&self) -> usize {
        self.spec.moduli.len() - 1
    }

    /// The error standard deviation.
    pub fn sigma(&self) -> f64 {
        self.spec.sigma
    }

    /// log2(QP): sum of log2 of every modulus, special ones included.
    pub fn log_qp(&self) -> f64 {
        self.log_qp
    }

    /// 128 when log2(QP) is within the 128-bit bound for n, else 0 (possible only through
    /// [`Params::new_insecure_for_tests`]).
    pub fn security_bits(&self) -> u32 {
        if security::check_128(self.n, self.log_qp).is_ok() {
            128
        } else {
            0
        }
    }
}

/// FNV-1a 32 over the fields listed in [`Params::id`].
fn fingerprint(spec: &ParamsSpec) -> u32 {
    const OFFSET: u32 = 0x811c_9dc5;
    const PRIME: u32 = 0x0100_0193;
    let mut bytes = Vec::new();
    bytes.extend(spec.log_n.to_le_bytes());
    bytes.extend((spec.moduli.len() as u32).to_le_bytes());
    for q in &spec.moduli {
        bytes.extend(q.to_le_bytes());
    }
    bytes.extend((spec.special_moduli.len() as u32).to_le_bytes());
    for q in &spec.special_moduli {
        bytes.extend(q.to_le_bytes());
    }
    bytes.extend(spec.sigma.to_bits().to_le_bytes());
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u32::from(b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(log_n: u32, bits: &[u32], special: &[u32]) -> ParamsSpec {
        ParamsSpec::with_prime_bits(log_n, bits, special).unwrap()
    }

    #[test]
    fn ntt_primes_are_the_largest_friendly_primes_in_order() {
        let n = 4096;
        let primes = ntt_primes(42, n, 3, &[]).unwrap();
        assert_eq!(primes.len(), 3);
        for w in primes.windows(2) {
            assert!(w[0] > w[1]);
        }
        for &q in &primes {
            assert!(is_prime(q) && q % 8192 == 1 && (1 << 41..1 << 42).contains(&q));
        }
        // No friendly prime lies strictly between 2^42 and the first, or between the picks.
        let mut c = (1u64 << 42) - 1;
        while c > primes[2] {
            if c % 8192 == 1 && is_prime(c) {
                assert!(primes.contains(&c), "{c} skipped");
            }
            c -= 1;
        }
        // Excluding the first shifts the list by one.
        assert_eq!(
            ntt_primes(42, n, 2, &primes[..1]).unwrap(),
            primes[1..].to_vec()
        );
        assert_eq!(ntt_primes(42, n, 3, &[]).unwrap(), primes);
    }

    #[test]
    fn ntt_primes_reports_each_error() {
        assert_eq!(
            ntt_primes(16, 4096, 1, &[]).unwrap_err(),
            Error::ModulusSize {
                bits: 16,
                min: 17,
                max: 61
            }
        );
        assert_eq!(
            ntt_primes(62, 4096, 1, &[]).unwrap_err(),
            Error::ModulusSize {
                bits: 62,
                min: 17,
                max: 61
            }
        );
        assert_eq!(
            ntt_primes(30, 3000, 1, &[]).unwrap_err(),
            Error::InvalidDegree {
                n: 3000,
                min: 2,
                max: 65536
            }
        );
        // 17-bit primes = 1 mod 2^16 lie in [2^16, 2^17): only 65537 and 2 * 65536 + 1 = 131073
        // (= 3 * 43691, composite), so one exists.
        assert_eq!(ntt_primes(17, 32768, 1, &[]).unwrap(), vec![65537]);
        assert_eq!(
            ntt_primes(17, 32768, 2, &[]).unwrap_err(),
            Error::NotEnoughPrimes {
                bits: 17,
                n: 32768,
                wanted: 2,
                found: 1
            }
        );
    }

    #[test]
    fn production_shapes_are_accepted_at_128_bits() {
        // 4096 with 2 x 42 bits (84 <= 109) and 8192 with 2 x 42 + 60 special (144 <= 218).
        let p = Params::new(spec(12, &[42, 42], &[])).unwrap();
        assert_eq!((p.n(), p.log_n(), p.max_level()), (4096, 12, 1));
        assert_eq!(p.security_bits(), 128);
        assert!((p.log_qp() - 84.0).abs() < 0.01);
        assert!(p.special_basis().is_none() && p.qp_basis().is_none());
        assert_eq!(p.basis().len(), 2);
        assert_eq!(p.basis_at(0).unwrap().len(), 1);
        assert!(p.basis_at(1).unwrap().same_as(p.basis()));
        assert_eq!(
            p.basis_at(2).unwrap_err(),
            Error::InvalidLevel { level: 2, max: 1 }
        );
        assert_eq!(p.sigma(), DEFAULT_SIGMA);

        let p = Params::new(spec(13, &[42, 42], &[60])).unwrap();
        assert_eq!(p.special_basis().unwrap().len(), 1);
        assert_eq!(p.qp_basis().unwrap().len(), 3);
        let special = p.spec().special_moduli[0];
        assert!(special > 1 << 59 && special % (1 << 14) == 1);
    }

    #[test]
    fn insecure_sets_are_refused_unless_asked_for_tests() {
        // 4096 with 3 x 40 bits = ~120 bits > 109.
        let s = spec(12, &[40, 40, 40], &[]);
        let err = Params::new(s.clone()).unwrap_err();
        assert_eq!(
            err,
            Error::InsecureParams {
                n: 4096,
                log_qp: 120,
                max: 109
            }
        );
        let p = Params::new_insecure_for_tests(s).unwrap();
        assert_eq!(p.security_bits(), 0);
        // Special primes count towards QP: 2048 with 30 + 30 (special) = 60 > 54.
        assert!(matches!(
            Params::new(spec(11, &[30], &[30])),
            Err(Error::InsecureParams {
                n: 2048,
                max: 54,
                ..
            })
        ));
        assert!(Params::new(spec(11, &[30], &[20])).is_ok());
    }

    #[test]
    fn malformed_specs_report_each_error() {
        let good = spec(10, &[20], &[]);
        let with = |f: &dyn Fn(&mut ParamsSpec)| {
            let mut s = good.clone();
            f(&mut s);
            Params::new_insecure_for_tests(s).unwrap_err()
        };
        assert_eq!(
            with(&|s| s.log_n = 9),
            Error::InvalidDegree {
                n: 512,
                min: 1024,
                max: 32768
            }
        );
        assert_eq!(
            with(&|s| s.log_n = 16),
            Error::InvalidDegree {
                n: 65536,
                min: 1024,
                max: 32768
            }
        );
        assert_eq!(
            with(&|s| s.log_n = 99),
            Error::InvalidDegree {
                n: 0,
                min: 1024,
                max: 32768
            }
        );
        assert_eq!(
            with(&|s| s.moduli.clear()),
            Error::LengthMismatch {
                what: "ciphertext moduli",
                expected: 1,
                found: 0
            }
        );
        assert_eq!(
            with(&|s| s.moduli[0] = 12289),
            Error::ModulusSize {
                bits: 14,
                min: 17,
                max: 61
            }
        );
        assert_eq!(
            with(&|s| s.moduli[0] = (1 << 62) - 57),
            Error::ModulusSize {
                bits: 62,
                min: 17,
                max: 61
            }
        );
        let q = good.moduli[0];
        assert_eq!(
            with(&|s| s.moduli[0] = q + 2),
            Error::InvalidModulus {
                modulus: q + 2,
                two_n: 2048
            }
        );
        // 1 mod 2048 but composite: q + 2048 * k for the first composite k.
        let composite = (1..).map(|k| q + 2048 * k).find(|&c| !is_prime(c)).unwrap();
        assert_eq!(
            with(&|s| s.moduli[0] = composite),
            Error::InvalidModulus {
                modulus: composite,
                two_n: 2048
            }
        );
        assert_eq!(
            with(&|s| s.special_moduli = vec![q]),
            Error::DuplicateModulus { modulus: q }
        );
        assert_eq!(
            with(&|s| s.moduli.push(q)),
            Error::DuplicateModulus { modulus: q }
        );
        for sigma in [3.0, 16.5, f64::NAN, f64::INFINITY] {
            let err = with(&|s| s.sigma = sigma);
            assert!(
                matches!(
                    err,
                    Error::InvalidSigma {
                        min: MIN_SIGMA,
                        max: MAX_SIGMA,
                        ..
                    }
                ),
                "{err:?}"
            );
        }
    }

    #[test]
    fn id_is_stable_and_separates_specs() {
        let s = spec(12, &[42, 42], &[]);
        let id = Params::new(s.clone()).unwrap().id();
        assert_eq!(id, Params::new(s.clone()).unwrap().id());
        // Independent FNV-1a 32 over the documented layout.
        let mut bytes = Vec::new();
        bytes.extend(12u32.to_le_bytes());
        bytes.extend(2u32.to_le_bytes());
        bytes.extend(s.moduli[0].to_le_bytes());
        bytes.extend(s.moduli[1].to_le_bytes());
        bytes.extend(0u32.to_le_bytes());
        bytes.extend(3.2f64.to_bits().to_le_bytes());
        let mut h: u32 = 2_166_136_261;
        for b in bytes {
            h ^= u32::from(b);
            h = h.wrapping_mul(16_777_619);
        }
        assert_eq!(id, h);
        let mut other = s.clone();
        other.sigma = 3.3;
        assert_ne!(Params::new(other).unwrap().id(), id);
        // Moving the last prime into the special list changes the id.
        let mut moved = s.clone();
        let last = moved.moduli.pop().unwrap();
        moved.special_moduli.push(last);
        assert_ne!(Params::new(moved).unwrap().id(), id);
        assert!(format!("{:?}", Params::new(s).unwrap()).contains("log_qp"));
    }
}
