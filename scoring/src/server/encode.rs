//! A catalog's products as the server's constants: one block per result ciphertext.

use std::sync::Arc;

use ckks::ring::{Multiplicand, Ntt, Poly, RnsBasis};

use super::kernels::reduce_integral_f64;
use crate::catalog::Product;
use crate::error::Result;
use crate::presets::PresetParams;
use crate::profile::FEATURE_COUNT;
use crate::protocol::target_index;

/// One result ciphertext's worth of products (at most n/8), encoded at Q.
pub(super) struct Block {
    /// `W(X) = sum_j sum_i round(Dw w_ji) X^(8j + 7 - i)`, NTT form.
    pub(super) weights: Poly<Ntt>,
    /// The rows of `weights` prepared as fixed multiplicands, one per modulus of Q.
    pub(super) prepared: Vec<Multiplicand>,
    /// The non-zero coefficients of W in coefficient form: positions `8j + 7 - i`, and their
    /// residues modulus-major (`values[r * positions.len() + t]`), for direct target sums.
    pub(super) positions: Vec<usize>,
    pub(super) values: Vec<u64>,
    /// `round(Df Dw b_j) mod q_r`, modulus-major: `bias[r * products + j]`.
    pub(super) bias: Vec<u64>,
    /// Products in this block.
    pub(super) products: usize,
}

impl Block {
    /// Encodes up to n/8 products.
    ///
    /// # Errors
    /// A [`ckks::Error`] from the ring layer (none expected for a valid catalog).
    pub(super) fn new(params: &PresetParams, products: &[Product]) -> Result<Self> {
        let basis: &Arc<RnsBasis> = params.ckks().basis();
        let n = params.n();
        let k = params.df() * params.dw();
        let mut w = vec![0i64; n];
        let mut positions = Vec::with_capacity(products.len() * FEATURE_COUNT);
        let mut integers = Vec::with_capacity(products.len() * FEATURE_COUNT);
        let mut bias_int = Vec::with_capacity(products.len());
        for (j, product) in products.iter().enumerate() {
            let model = product.model();
            for (i, &wi) in model.weights().iter().enumerate() {
                let position = target_index(j) - i;
                // |Dw w| < 2^43: exact in i64.
                let value = (params.dw() * wi).round() as i64;
                if let Some(slot) = w.get_mut(position) {
                    *slot = value;
                }
                if value != 0 {
                    positions.push(position);
                    integers.push(value);
                }
            }
            // |Df Dw b| <= Q/18 may exceed 2^127 (private-plus): kept as an integral f64.
            bias_int.push((k * model.bias()).round());
        }
        let weights = Poly::from_i64(basis, &w)?.into_ntt();
        let prepared = weights
            .rows()
            .enumerate()
            .map(|(r, row)| {
                basis
                    .plan(r)
                    .map(|plan| plan.prepare(row))
                    .ok_or(ckks::Error::ParamsMismatch)
            })
            .collect::<core::result::Result<_, _>>()?;
        let values = basis
            .moduli()
            .iter()
            .flat_map(|m| integers.iter().map(|&v| m.reduce_i64(v)))
            .collect();
        let bias = basis
            .moduli()
            .iter()
            .flat_map(|m| bias_int.iter().map(|&b| reduce_integral_f64(m, b)))
            .collect();
        Ok(Self {
            weights,
            prepared,
            positions,
            values,
            bias,
            products: products.len(),
        })
    }

    /// The bias residues of row r.
    pub(super) fn bias_row(&self, r: usize) -> &[u64] {
        self.bias
            .get(r * self.products..(r + 1) * self.products)
            .unwrap_or_default()
    }

    /// The residues of W's non-zero coefficients in row r.
    pub(super) fn values_row(&self, r: usize) -> &[u64] {
        let len = self.positions.len();
        self.values.get(r * len..(r + 1) * len).unwrap_or_default()
    }
}
