//! The one error type of the crate: every failure a caller can meet, with the numbers that explain it.

/// Everything that can go wrong in `ckks`: bad parameters, mismatched operands, malformed bytes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The ring degree is not a supported power of two.
    #[error("ring degree {n} is not a power of two in {min}..={max}")]
    InvalidDegree {
        /// Degree asked for.
        n: usize,
        /// Smallest supported degree.
        min: usize,
        /// Largest supported degree.
        max: usize,
    },
    /// log2(QP) is above the HomomorphicEncryption.org 128-bit bound for this degree.
    #[error("log2(QP) = {log_qp} exceeds the {max} bits allowed for n = {n} at 128-bit security")]
    InsecureParams {
        /// Ring degree.
        n: usize,
        /// Total modulus size in bits (sum of ceil-free log2 of all primes, rounded up).
        log_qp: u32,
        /// Largest size allowed by the table.
        max: u32,
    },
    /// A modulus is not an NTT-friendly prime for this degree.
    #[error("modulus {modulus} is not a prime congruent to 1 mod {two_n}")]
    InvalidModulus {
        /// The offending modulus.
        modulus: u64,
        /// 2n.
        two_n: u64,
    },
    /// A modulus has a bit size outside the supported range.
    #[error("modulus of {bits} bits is outside the supported {min}..={max} bits")]
    ModulusSize {
        /// Bit size asked for.
        bits: u32,
        /// Smallest supported size.
        min: u32,
        /// Largest supported size.
        max: u32,
    },
    /// The same prime appears twice in a modulus chain.
    #[error("modulus {modulus} appears more than once in the chain")]
    DuplicateModulus {
        /// The repeated prime.
        modulus: u64,
    },
    /// Not enough NTT-friendly primes of the requested size exist below the start point.
    #[error("found only {found} of {wanted} NTT-friendly primes of {bits} bits for n = {n}")]
    NotEnoughPrimes {
        /// Bit size asked for.
        bits: u32,
        /// Ring degree.
        n: usize,
        /// Primes asked for.
        wanted: usize,
        /// Primes found.
        found: usize,
    },
    /// The error standard deviation is outside the accepted range.
    #[error("error standard deviation {sigma} is outside [{min}, {max}]")]
    InvalidSigma {
        /// Value asked for.
        sigma: f64,
        /// Smallest accepted value.
        min: f64,
        /// Largest accepted value.
        max: f64,
    },
    /// Two operands live in different rings or parameter sets.
    #[error("operands belong to different parameter sets or moduli")]
    ParamsMismatch,
    /// A level is out of range for the modulus chain.
    #[error("level {level} is above the maximum {max}")]
    InvalidLevel {
        /// Level asked for.
        level: usize,
        /// Highest level of the chain.
        max: usize,
    },
    /// A slice has the wrong length.
    #[error("{what} has length {found}, expected {expected}")]
    LengthMismatch {
        /// What was measured.
        what: &'static str,
        /// Length required.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A value to encode is NaN or infinite.
    #[error("value at index {index} is not finite")]
    NonFiniteValue {
        /// Position of the value.
        index: usize,
    },
    /// A value times the scale does not fit the modulus (or 2^126 for the integer path).
    #[error("value at index {index} times the scale is too large to encode: |{scaled}| > {limit}")]
    ValueOutOfRange {
        /// Position of the value.
        index: usize,
        /// The scaled value.
        scaled: f64,
        /// The largest magnitude accepted.
        limit: f64,
    },
    /// An encoding scale is not finite and positive.
    #[error("scale {scale} must be finite and greater than zero")]
    InvalidScale {
        /// Scale asked for.
        scale: f64,
    },
    /// A coefficient index is outside 0..n.
    #[error("coefficient index {index} is outside 0..{n}")]
    IndexOutOfRange {
        /// Index asked for.
        index: usize,
        /// Ring degree.
        n: usize,
    },
    /// Two values were given the same coefficient position.
    #[error("coefficient position {position} is given more than one value")]
    DuplicatePosition {
        /// The repeated position.
        position: usize,
    },
    /// More slot values than slots.
    #[error("{count} values do not fit in {slots} slots")]
    TooManySlots {
        /// Values given.
        count: usize,
        /// Slots available (n/2).
        slots: usize,
    },
    /// Bytes ended before a field was complete.
    #[error("{what} truncated: needed {needed} bytes, {left} left")]
    Truncated {
        /// Field being read.
        what: &'static str,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the input.
        left: usize,
    },
    /// Bytes remain after a complete object.
    #[error("{what}: {extra} trailing bytes after the object")]
    TrailingBytes {
        /// Object decoded.
        what: &'static str,
        /// Number of bytes left over.
        extra: usize,
    },
    /// The input does not start with the format's magic bytes.
    #[error("bad magic bytes {found:02x?}, expected {expected:02x?}")]
    BadMagic {
        /// Magic expected.
        expected: [u8; 4],
        /// Bytes found.
        found: [u8; 4],
    },
    /// The format version is not supported.
    #[error("wire format version {found} is not supported (expected {expected})")]
    UnsupportedVersion {
        /// Version supported.
        expected: u8,
        /// Version found.
        found: u8,
    },
    /// The object kind byte is not the one expected.
    #[error("object kind {found} where kind {expected} was expected")]
    WrongKind {
        /// Kind expected.
        expected: u8,
        /// Kind found.
        found: u8,
    },
    /// The parameter id in the bytes does not match the parameters given.
    #[error("parameter id {found:#010x} does not match the expected {expected:#010x}")]
    ParamsIdMismatch {
        /// Id of the parameters given to the decoder.
        expected: u32,
        /// Id in the bytes.
        found: u32,
    },
    /// A decoded residue is not below its modulus.
    #[error("residue {value} in row {row} is not below its modulus {modulus}")]
    ResidueOutOfRange {
        /// Row (RNS limb) of the residue.
        row: usize,
        /// Value found.
        value: u64,
        /// Modulus of the row.
        modulus: u64,
    },
    /// A length arithmetic overflowed or a declared length exceeds its maximum.
    #[error("{what} length {found} exceeds the maximum {max}")]
    TooLarge {
        /// What was sized.
        what: &'static str,
        /// Length found or computed.
        found: usize,
        /// Largest length accepted.
        max: usize,
    },
    /// The object kind byte is not a kind this format knows.
    #[error("unknown object kind {found}")]
    UnknownKind {
        /// Kind byte found.
        found: u8,
    },
    /// The unused bits at the end of a bit-packed field are not zero.
    #[error("{what}: padding bits {value:#04x} are not zero")]
    NonZeroPadding {
        /// Field decoded.
        what: &'static str,
        /// The padding bits found (shifted down to bit 0).
        value: u8,
    },
    /// The operating system or browser could not provide entropy.
    #[error("the system random number generator failed")]
    Entropy,
    /// Two operands carry different scales (their values would not add up).
    #[error("scales differ: {left} and {right}")]
    ScaleMismatch {
        /// Scale of the left operand.
        left: f64,
        /// Scale of the right operand.
        right: f64,
    },
    /// An imported secret-key coefficient is not -1, 0 or 1.
    #[error("secret-key coefficient {index} is {value}, not -1, 0 or 1")]
    InvalidSecretKey {
        /// Position of the coefficient.
        index: usize,
        /// Value found.
        value: i64,
    },
}

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = core::result::Result<T, E>;
