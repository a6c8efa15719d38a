//! The fields of a score request and a score response, as byte ranges with their meaning.
//!
//! A request for a preset with ring degree n, ciphertext primes `q_0 .. q_L` and key
//! compression to t bits is (`crate::protocol`, `docs/wire-format.md`):
//!
//! ```text
//! offset 0   magic "BMHE" (4) | version (1) | preset id u32 LE (4) | kind 0x10 (1)
//! offset 10  seed_c (32)   seed of c1 = a
//! offset 42  seed_pk (32)  seed of pk1 = a'
//! offset 74  c0 row q_0 (n bits(q_0) / 8) | .. | c0 row q_L (n bits(q_L) / 8)
//!            pk0 (n t / 8)
//! ```
//!
//! A response is `header | mode (1) | fingerprint (4) | count (4) | c1' | c0'`. The functions
//! here read only the fixed fields (header, mode, count) to size the rest, check that the
//! lengths add up to exactly the bytes given, and name every range, so a page can annotate each
//! byte of what it sent and received. Rows of a packed polynomial start on whole bytes for every
//! supported n (n bits(q) is a multiple of 8 when n >= 1024).

use ckks::sampling::SEED_BYTES;
use ckks::wire::bitpack::{packed_len, residue_bits};
use ckks::wire::{FORMAT_VERSION, Header, Kind, MAGIC, Reader};

use crate::error::{Error, Result};
use crate::presets::{Preset, PresetParams};
use crate::protocol::{ResponseMode, ScoreRequest, ScoreResponse, message_preset};

/// Which part of a message a field belongs to (one colour per part on the page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldGroup {
    /// The 10-byte header shared by every message.
    Header,
    /// The encrypted profile: its seed and `c0`.
    Ciphertext,
    /// The compressed public key: its seed and `pk0`.
    PublicKey,
    /// The fixed fields of a response: mode, catalog fingerprint, product count.
    ResponseInfo,
    /// The encrypted scores: `c1'` and the target coefficients of `c0'`.
    Scores,
}

impl FieldGroup {
    /// A stable lower-case name (used as a CSS class suffix and in tests).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Ciphertext => "ciphertext",
            Self::PublicKey => "public-key",
            Self::ResponseInfo => "response-info",
            Self::Scores => "scores",
        }
    }
}

/// One field of a message: a byte range and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireField {
    /// Short name, as in `docs/wire-format.md` (`magic`, `seed_c`, `c0 mod q_0`, ...).
    pub name: String,
    /// The part of the message.
    pub group: FieldGroup,
    /// First byte.
    pub offset: usize,
    /// Number of bytes.
    pub len: usize,
    /// What the bytes mean, with the decoded value of small fields.
    pub detail: String,
}

impl WireField {
    /// One past the last byte.
    pub const fn end(&self) -> usize {
        self.offset + self.len
    }
}

/// The index of the field holding byte `offset`, if any (fields sorted and contiguous).
pub fn field_at(fields: &[WireField], offset: usize) -> Option<usize> {
    let index = fields.partition_point(|f| f.end() <= offset);
    fields
        .get(index)
        .filter(|f| f.offset <= offset && offset < f.end())
        .map(|_| index)
}

/// Appends a field after the previous one.
struct Builder {
    fields: Vec<WireField>,
    next: usize,
}

impl Builder {
    const fn new() -> Self {
        Self {
            fields: Vec::new(),
            next: 0,
        }
    }

    fn push(&mut self, name: impl Into<String>, group: FieldGroup, len: usize, detail: String) {
        self.fields.push(WireField {
            name: name.into(),
            group,
            offset: self.next,
            len,
            detail,
        });
        self.next += len;
    }

    /// The fields, after checking they cover exactly `total` bytes.
    fn finish(self, what: &'static str, total: usize) -> Result<Vec<WireField>> {
        if self.next == total {
            Ok(self.fields)
        } else {
            Err(ckks::Error::LengthMismatch {
                what,
                expected: self.next,
                found: total,
            }
            .into())
        }
    }
}

/// The four header fields, checked against the bytes (magic, version, preset, kind).
fn header(b: &mut Builder, bytes: &[u8], kind: Kind, params: &PresetParams) -> Result<()> {
    let preset = message_preset(bytes)?;
    if preset != params.preset() {
        return Err(Error::PresetMismatch {
            expected: params.preset(),
            found: preset,
        });
    }
    Header::expect(&mut Reader::new(bytes), kind, u32::from(preset.id()))?;
    b.push(
        "magic",
        FieldGroup::Header,
        MAGIC.len(),
        "\"BMHE\": a Blind Mirror message".to_owned(),
    );
    b.push(
        "version",
        FieldGroup::Header,
        1,
        format!("wire format version {FORMAT_VERSION}"),
    );
    b.push(
        "preset id",
        FieldGroup::Header,
        4,
        format!("u32 little-endian {}: preset `{}`", preset.id(), preset),
    );
    let kind_name = match kind {
        Kind::ScoreRequest => "score request",
        Kind::ScoreResponse => "score response",
        _ => "library object",
    };
    b.push(
        "kind",
        FieldGroup::Header,
        1,
        format!("{:#04x}: {kind_name}", kind.to_byte()),
    );
    debug_assert_eq!(b.next, Header::LEN);
    Ok(())
}

fn hex_prefix(bytes: &[u8], start: usize, len: usize) -> String {
    let shown = len.min(6);
    let hex: String = bytes
        .get(start..start + shown)
        .unwrap_or_default()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if shown < len { format!("{hex}..") } else { hex }
}

/// The fields of request `bytes` for `params`, covering every byte.
///
/// # Errors
/// Header errors as [`ScoreRequest::decode`] ([`Error::PresetMismatch`] for another preset's
/// request); `ckks::Error::LengthMismatch` when the bytes are not exactly one request long.
pub fn request_fields(params: &PresetParams, bytes: &[u8]) -> Result<Vec<WireField>> {
    let mut b = Builder::new();
    header(&mut b, bytes, Kind::ScoreRequest, params)?;
    let n = params.n();
    b.push(
        "seed_c",
        FieldGroup::Ciphertext,
        SEED_BYTES,
        format!(
            "{}: seed of c1 = a; the server expands it to {} uniform residues",
            hex_prefix(bytes, b.next, SEED_BYTES),
            n * params.ckks().basis().len()
        ),
    );
    b.push(
        "seed_pk",
        FieldGroup::PublicKey,
        SEED_BYTES,
        format!(
            "{}: seed of the public key's a' ({} uniform residues)",
            hex_prefix(bytes, b.next, SEED_BYTES),
            n * params.key_basis().len()
        ),
    );
    for (i, q) in params.ckks().basis().moduli().iter().enumerate() {
        let len = packed_len(n, &[q.value()])?;
        b.push(
            format!("c0 mod q_{i}"),
            FieldGroup::Ciphertext,
            len,
            format!(
                "c0 = -a s + m + e: {n} residues mod q_{i} = {} at {} bits each, coefficient form",
                q.value(),
                residue_bits(q.value())
            ),
        );
    }
    let t = params.compressed_bits();
    b.push(
        "pk0",
        FieldGroup::PublicKey,
        packed_len(n, &[1u64 << t])?,
        format!(
            "pk0 = -a' s + e' mod {key}: {n} coefficients compressed to {t} bits (round(pk0 2^{t} / {key}))",
            key = if params.key_basis().len() == 1 { "q_0" } else { "Q" }
        ),
    );
    let expected = ScoreRequest::encoded_len(params)?;
    debug_assert_eq!(b.next, expected);
    b.finish("score request", bytes.len())
}

/// The fields of response `bytes` for `params`, covering every byte.
///
/// # Errors
/// Header errors as [`ScoreResponse::decode`]; [`Error::InvalidResponseMode`];
/// [`Error::ProductCount`]; `ckks::Error::Truncated` for bytes too short for the fixed fields;
/// `ckks::Error::LengthMismatch` when the length does not match the count.
pub fn response_fields(params: &PresetParams, bytes: &[u8]) -> Result<Vec<WireField>> {
    let mut b = Builder::new();
    header(&mut b, bytes, Kind::ScoreResponse, params)?;
    let mut r = Reader::new(bytes.get(Header::LEN..).unwrap_or_default());
    let mode = match r.u8("response mode")? {
        0 => ResponseMode::Private,
        1 => ResponseMode::Open,
        found => return Err(Error::InvalidResponseMode { found }),
    };
    let fingerprint = r.u32("response fingerprint")?;
    let count = usize::try_from(r.u32("response count")?).unwrap_or(usize::MAX);
    let total = ScoreResponse::encoded_len(params, mode, count)?;
    b.push(
        "mode",
        FieldGroup::ResponseInfo,
        1,
        match mode {
            ResponseMode::Private => "0: private (re-randomized, target coefficients only)",
            ResponseMode::Open => "1: open (every coefficient, no model privacy)",
        }
        .to_owned(),
    );
    b.push(
        "fingerprint",
        FieldGroup::ResponseInfo,
        4,
        format!("{fingerprint:#010x}: FNV-1a of the catalog's product ids"),
    );
    b.push(
        "count",
        FieldGroup::ResponseInfo,
        4,
        format!("{count} products"),
    );
    let n = params.n();
    let blocks = ScoreResponse::blocks(params, count);
    let q0 = params.output_modulus();
    let (c1_modulus, c1_what, c0_count) = match mode {
        ResponseMode::Private => (
            1u64 << params.compressed_bits(),
            format!("compressed to {} bits", params.compressed_bits()),
            count,
        ),
        ResponseMode::Open => (
            q0,
            format!("mod q_0 at {} bits", residue_bits(q0)),
            n * blocks,
        ),
    };
    b.push(
        "c1'",
        FieldGroup::Scores,
        packed_len(n * blocks, &[c1_modulus])?,
        format!("{blocks} result ciphertext(s) of {n} coefficients, {c1_what}"),
    );
    b.push(
        "c0' targets",
        FieldGroup::Scores,
        packed_len(c0_count, &[q0])?,
        format!(
            "{c0_count} coefficients 8j+7 mod q_0 = {q0} at {} bits: one per product",
            residue_bits(q0)
        ),
    );
    debug_assert_eq!(b.next, total);
    b.finish("score response", bytes.len())
}

/// The sizes of a request's parts, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestSizes {
    /// The header.
    pub header: usize,
    /// The ciphertext: `seed_c` and `c0`.
    pub ciphertext: usize,
    /// The compressed public key: `seed_pk` and `pk0`.
    pub public_key: usize,
    /// The whole request.
    pub total: usize,
}

impl RequestSizes {
    /// Sums the request's fields by group.
    pub fn of(fields: &[WireField]) -> Self {
        let sum = |group| {
            fields
                .iter()
                .filter(|f| f.group == group)
                .map(|f| f.len)
                .sum()
        };
        Self {
            header: sum(FieldGroup::Header),
            ciphertext: sum(FieldGroup::Ciphertext),
            public_key: sum(FieldGroup::PublicKey),
            total: fields.last().map_or(0, WireField::end),
        }
    }
}

/// The preset a message's header names, for annotating bytes before choosing parameters.
///
/// # Errors
/// As [`message_preset`].
pub fn preset_of(bytes: &[u8]) -> Result<Preset> {
    message_preset(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;
    use crate::client::ClientSession;
    use crate::profile::SkinProfile;
    use crate::server::{EncodedCatalog, ModelPrivacy, score_with};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn request(preset: Preset) -> (std::sync::Arc<PresetParams>, ClientSession, Vec<u8>) {
        let params = preset.params().unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let session = ClientSession::new(params.clone(), &mut rng).unwrap();
        let bytes = session
            .encrypt_profile(&SkinProfile::reference(), &mut rng)
            .unwrap();
        (params, session, bytes)
    }

    fn assert_contiguous(fields: &[WireField], total: usize) {
        let mut next = 0;
        for f in fields {
            assert_eq!(f.offset, next, "{}", f.name);
            assert!(f.len > 0, "{}", f.name);
            next = f.end();
        }
        assert_eq!(next, total);
    }

    #[test]
    fn request_fields_cover_every_byte_of_every_preset() {
        for preset in Preset::ALL {
            let (params, _, bytes) = request(preset);
            let fields = request_fields(&params, &bytes).unwrap();
            assert_contiguous(&fields, bytes.len());
            // header (4) + two seeds + one row per prime + pk0
            assert_eq!(fields.len(), 4 + 2 + params.ckks().basis().len() + 1);
            let sizes = RequestSizes::of(&fields);
            assert_eq!(sizes.header, Header::LEN);
            assert_eq!(
                sizes.header + sizes.ciphertext + sizes.public_key,
                bytes.len()
            );
            assert_eq!(
                sizes.public_key,
                SEED_BYTES + params.n() * params.compressed_bits() as usize / 8
            );
        }
    }

    #[test]
    fn request_fields_point_at_the_decoded_values() {
        let (params, _, bytes) = request(Preset::Exact);
        let fields = request_fields(&params, &bytes).unwrap();
        let decoded = ScoreRequest::decode(&params, &bytes).unwrap();
        let slice = |name: &str| {
            let f = fields.iter().find(|f| f.name == name).unwrap();
            &bytes[f.offset..f.end()]
        };
        assert_eq!(slice("magic"), b"BMHE");
        assert_eq!(slice("version"), [FORMAT_VERSION]);
        assert_eq!(
            slice("preset id"),
            u32::from(Preset::Exact.id()).to_le_bytes()
        );
        assert_eq!(slice("kind"), [Kind::ScoreRequest.to_byte()]);
        assert_eq!(slice("seed_c"), decoded.seed_c);
        assert_eq!(slice("seed_pk"), decoded.seed_pk);
        // Row q_1 of c0 unpacks to the decoded row 1, on its own.
        let q1 = params.ckks().basis().moduli()[1].value();
        let row1 =
            ckks::wire::bitpack::unpack_rows(slice("c0 mod q_1"), params.n(), &[q1]).unwrap();
        assert_eq!(row1, decoded.c0.as_slice()[params.n()..]);
        let pk0 = ckks::wire::bitpack::unpack_rows(
            slice("pk0"),
            params.n(),
            &[1 << params.compressed_bits()],
        )
        .unwrap();
        assert_eq!(pk0, decoded.pk0);
        let preset_field = fields.iter().find(|f| f.name == "preset id").unwrap();
        assert!(preset_field.detail.contains("exact"));
    }

    #[test]
    fn request_fields_refuse_wrong_lengths_and_presets() {
        let (params, _, mut bytes) = request(Preset::Exact);
        let compact = Preset::Compact.params().unwrap();
        assert_eq!(
            request_fields(&compact, &bytes),
            Err(Error::PresetMismatch {
                expected: Preset::Compact,
                found: Preset::Exact
            })
        );
        let full = bytes.len();
        bytes.push(0);
        assert_eq!(
            request_fields(&params, &bytes),
            Err(ckks::Error::LengthMismatch {
                what: "score request",
                expected: full,
                found: full + 1
            }
            .into())
        );
        assert!(request_fields(&params, &bytes[..5]).is_err());
        bytes[9] = Kind::ScoreResponse.to_byte();
        assert!(matches!(
            request_fields(&params, &bytes[..full]),
            Err(Error::Ckks(ckks::Error::WrongKind { .. }))
        ));
    }

    #[test]
    fn response_fields_cover_private_and_open_responses() {
        let (params, _, req) = request(Preset::Exact);
        let catalog = Catalog::demo().unwrap();
        let encoded = EncodedCatalog::new(&catalog, params.clone()).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        for privacy in [ModelPrivacy::On, ModelPrivacy::Off] {
            let resp = score_with(&encoded, &req, privacy, &mut rng).unwrap();
            let fields = response_fields(&params, &resp).unwrap();
            assert_contiguous(&fields, resp.len());
            let count = fields.iter().find(|f| f.name == "count").unwrap();
            assert_eq!(
                resp[count.offset..count.end()],
                (catalog.len() as u32).to_le_bytes()
            );
            let fp = fields.iter().find(|f| f.name == "fingerprint").unwrap();
            assert!(
                fp.detail
                    .starts_with(&format!("{:#010x}", catalog.fingerprint()))
            );
            let truncated = &resp[..resp.len() - 1];
            assert!(matches!(
                response_fields(&params, truncated),
                Err(Error::Ckks(ckks::Error::LengthMismatch { .. }))
            ));
        }
    }

    #[test]
    fn field_at_finds_the_field_of_each_byte() {
        let (params, _, bytes) = request(Preset::Compact);
        let fields = request_fields(&params, &bytes).unwrap();
        for (index, f) in fields.iter().enumerate() {
            assert_eq!(field_at(&fields, f.offset), Some(index));
            assert_eq!(field_at(&fields, f.end() - 1), Some(index));
        }
        assert_eq!(field_at(&fields, bytes.len()), None);
        assert_eq!(field_at(&[], 0), None);
    }
}
