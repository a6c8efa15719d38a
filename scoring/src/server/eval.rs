//! One request against one block of products (one result ciphertext).

use ckks::ring::{Coeff, Ntt, Poly};
use ckks::sampling;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::kernels::{add_small, rescale_compress, rescale_values, small_poly, uniform_symmetric};
use super::{Block, EncodedCatalog};
use crate::error::Result;
use crate::protocol::target_index;

/// The client's public key at Q, NTT form: `(pk0, a')`.
pub(super) struct Key {
    pub(super) p0: Poly<Ntt>,
    pub(super) a: Poly<Ntt>,
}

/// What every block's evaluation of one request shares.
pub(super) struct Request<'a> {
    pub(super) catalog: &'a EncodedCatalog,
    /// The client's `c0` at Q, NTT form.
    pub(super) c0: &'a Poly<Ntt>,
    /// The client's `c1 = a` at Q, NTT form.
    pub(super) a: &'a Poly<Ntt>,
    /// The public key (model privacy on) or none (open response).
    pub(super) key: Option<&'a Key>,
}

/// The response values of one block: `c1'` (n values) and `c0'` (targets, or all n values).
pub(super) type BlockOutput = (Vec<u64>, Vec<u64>);

impl Request<'_> {
    /// Evaluates one block.
    ///
    /// Private: `c1 = a W + u a'`, `c0 = c0 W + u pk0` (NTT, fused), inverse NTT, `+ e1`,
    /// `+ B + e0 (+ flood)` at the targets, rescale to q_0, compress `c1'`.
    /// Open: `c1 = a W`, `c0 = c0 W + B`, rescale, every coefficient.
    pub(super) fn evaluate<R: CryptoRng + ?Sized>(
        &self,
        block: &Block,
        rng: &mut R,
    ) -> Result<BlockOutput> {
        let params = &self.catalog.params;
        let basis = params.ckks().basis();
        let n = params.n();
        let targets: Vec<usize> = (0..block.products).map(target_index).collect();
        let Some(key) = self.key else {
            let c1 = rescale_to_output(self.a.mul(&block.weights)?.into_coeff())?;
            let c0 = self.c0.mul(&block.weights)?.into_coeff();
            let values = self.catalog.gather(&c0, &targets, block, None)?;
            let mut c0 = c0;
            super::scatter(&mut c0, &targets, &values);
            let c0 = rescale_to_output(c0)?;
            return Ok((c1.as_slice().to_vec(), c0.as_slice().to_vec()));
        };
        let u = sampling::ternary(rng, n);
        let u = Zeroizing::new(small_poly(basis, &u)?.into_ntt());
        let mut c1 = self.a.mul(&block.weights)?;
        c1.mul_add_assign(&u, &key.a)?;
        let mut c1 = c1.into_coeff();
        let e1 = sampling::error(rng, n, params.ckks().sigma())?;
        add_small(&mut c1, &e1);
        let catalog = self.catalog;
        let c1 = match rescale_compress(&c1, &catalog.rescale_inverses, &catalog.output_compressor)
        {
            Some(values) => values,
            None => catalog
                .output_compressor
                .compress(&rescale_to_output(c1)?)?,
        };
        let mut c0 = self.c0.mul(&block.weights)?;
        c0.mul_add_assign(&u, &key.p0)?;
        let c0 = c0.into_coeff();
        let e0 = sampling::error(rng, block.products, params.ckks().sigma())?;
        let flood = params.flood_bound();
        let noise: Vec<i128> = e0
            .iter()
            .map(|&e| Ok(i128::from(e) + uniform_symmetric(flood, rng)?))
            .collect::<Result<_>>()?;
        let values = self.catalog.gather(&c0, &targets, block, Some(&noise))?;
        let c0 = rescale_values(
            basis,
            &self.catalog.rescale_inverses,
            &values,
            targets.len(),
        );
        Ok((c1, c0))
    }
}

/// Rescales a coefficient-form polynomial from Q down to its first modulus.
fn rescale_to_output(mut p: Poly<Coeff>) -> Result<Poly<Coeff>> {
    while p.basis().len() > 1 {
        p = p.rescale_last()?;
    }
    Ok(p)
}
