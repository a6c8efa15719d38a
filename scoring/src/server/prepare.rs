//! One request's inputs in the forms the block evaluation reads, computed once per request.

use ckks::ring::{Coeff, Multiplicand, Ntt, Poly};
use ckks::sampling;

use super::{EncodedCatalog, TargetMethod};
use crate::error::Result;
use crate::protocol::ScoreRequest;

/// The client's public key at the key basis `Q_k` (the block evaluation scales u by
/// `F = Q / Q_k`, so that adding `F (u pk0 + e0, u a' + e1)` at Q before the rescale is adding
/// `(u pk0 + e0, u a' + e1)` at `Q_k`).
pub(super) struct Key {
    /// `a'` in NTT form, rows 0..k, prepared as fixed multiplicands.
    pub(super) a: Vec<Multiplicand>,
    /// `pk0` in NTT form, rows 0..k, prepared (class-inverse targets only).
    pub(super) p0_ntt: Option<Vec<Multiplicand>>,
    /// `pk0` rows reversed, coefficient form, rows 0..k (direct targets only).
    pub(super) p0_reversed: Option<Vec<u64>>,
}

/// A decoded request, ready for every block.
pub(super) struct Prepared {
    /// `c0` at Q, coefficient form.
    pub(super) c0: Poly<Coeff>,
    /// `c0` at Q, NTT form (class-inverse targets and open responses).
    pub(super) c0_ntt: Option<Poly<Ntt>>,
    /// `c1 = a` at Q, NTT form.
    pub(super) a: Poly<Ntt>,
    /// The public key (model privacy on).
    pub(super) key: Option<Key>,
}

impl Prepared {
    /// Expands the seeds and converts what the catalog's target method needs.
    ///
    /// # Errors
    /// Decompression errors of the public key (values at or above 2^t).
    pub(super) fn new(catalog: &EncodedCatalog, req: ScoreRequest, private: bool) -> Result<Self> {
        let params = catalog.params();
        let a = sampling::uniform_ntt_from_seed(params.ckks().basis(), &req.seed_c)?;
        let class = catalog.target_method == TargetMethod::ClassInverse;
        let c0_ntt = (class || !private).then(|| req.c0.to_ntt());
        let key = if private {
            let key_basis = params.key_basis();
            let p0 = catalog.key_compressor.decompress(&req.pk0)?;
            let a = sampling::uniform_ntt_from_seed(key_basis, &req.seed_pk)?;
            let prepare = |rows: Vec<u64>| -> Result<Vec<Multiplicand>> {
                rows.chunks_exact(params.n())
                    .enumerate()
                    .map(|(r, row)| {
                        let plan = key_basis.plan(r).ok_or(ckks::Error::ParamsMismatch)?;
                        Ok(plan.prepare(row))
                    })
                    .collect()
            };
            let (p0_ntt, p0_reversed) = if class {
                (Some(prepare(p0.into_ntt().into_rows())?), None)
            } else {
                let mut rows = p0.into_rows();
                for row in rows.chunks_mut(params.n()) {
                    row.reverse();
                }
                (None, Some(rows))
            };
            Some(Key {
                a: prepare(a.into_rows())?,
                p0_ntt,
                p0_reversed,
            })
        } else {
            None
        };
        Ok(Self {
            c0: req.c0,
            c0_ntt,
            a,
            key,
        })
    }
}
