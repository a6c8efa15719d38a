//! One request against one block of products (one result ciphertext).
//!
//! Private (model privacy), with rows r of Q, key rows r < k (`Q_k`) and `F = Q / Q_k`:
//!
//! ```text
//! c1: a W + F u a'   (NTT, rows r; the u term on key rows)  -> inverse NTT -> + F e1 -> rescale -> compress
//! c0: c0 W + F u pk0 at the targets only                     -> + B + F e0 (+ flood)  -> rescale
//! ```
//!
//! The c0 targets come from the class inverse NTT (coefficients 8j + 7 only) or, for small
//! catalogs, from direct sums in coefficient form ([`super::targets`]).

use ckks::ring::{Coeff, Poly};
use ckks::sampling;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::encode::Block;
use super::kernels::{add_scaled_small, rescale_values, uniform_symmetric};
use super::prepare::{Key, Prepared};
use super::targets::{TernaryMasks, sparse_product_at, ternary_product_at};
use super::{EncodedCatalog, TargetMethod};
use crate::error::Result;
use crate::protocol::{ResponseMode, pack_c1_block, target_index};

/// The response parts of one block: `c1'` packed (n values) and `c0'` (targets, or all n
/// values).
pub(super) type BlockOutput = (Vec<u8>, Vec<u64>);

fn missing() -> crate::Error {
    ckks::Error::ParamsMismatch.into()
}

/// Evaluates one block with model privacy: re-randomized, only the targets of `c0'`.
///
/// # Errors
/// [`ckks::Error::ParamsMismatch`] if the prepared request lacks what the catalog's method
/// reads (a caller bug); sampling errors (none for the presets).
pub(super) fn private_block<R: CryptoRng + ?Sized>(
    catalog: &EncodedCatalog,
    req: &Prepared,
    block: &Block,
    rng: &mut R,
) -> Result<BlockOutput> {
    let params = catalog.params();
    let basis = params.ckks().basis();
    let n = params.n();
    let key = req.key.as_ref().ok_or_else(missing)?;
    let key_rows = catalog.key_factors.len();
    let sigma = params.ckks().sigma();

    let u = sampling::ternary(rng, n);
    // F u in NTT form on the key rows: u maps to {-F, 0, F} mod q_r before the transform.
    let mut u_hat = Zeroizing::new(vec![0u64; key_rows * n]);
    for ((r, row), &factor) in u_hat
        .chunks_exact_mut(n)
        .enumerate()
        .zip(&catalog.key_factors)
    {
        let plan = basis.plan(r).ok_or_else(missing)?;
        let minus = plan.modulus().neg(factor);
        for (x, &t) in row.iter_mut().zip(u.iter()) {
            let positive = u64::from(t > 0).wrapping_neg();
            let negative = u64::from(t < 0).wrapping_neg();
            *x = (factor & positive) | (minus & negative);
        }
        plan.forward(row);
    }

    // c1' = rescale(a W + F u a' + F e1), compressed.
    let mut c1 = vec![0u64; basis.len() * n];
    for (r, row) in c1.chunks_exact_mut(n).enumerate() {
        let plan = basis.plan(r).ok_or_else(missing)?;
        plan.mul_into(
            row,
            req.a.row(r).ok_or_else(missing)?,
            block.weights.row(r).ok_or_else(missing)?,
        );
        if let (Some(ur), Some(ar)) = (u_hat.get(r * n..(r + 1) * n), key.a.get(r * n..(r + 1) * n))
        {
            plan.mul_add_assign(row, ur, ar);
        }
        plan.inverse(row);
    }
    let e1 = sampling::error(rng, n, sigma)?;
    let c1 = finish_c1(catalog, c1, &e1)?;

    // c0' targets = rescale(c0 W + F u pk0 + B + F e0 + flood).
    let products = block.products;
    let mut values = Vec::with_capacity(basis.len() * products);
    match catalog.target_method {
        TargetMethod::Direct => direct_targets(catalog, req, key, block, &u, &mut values)?,
        TargetMethod::ClassInverse => class_targets(catalog, req, key, block, &u_hat, &mut values)?,
    }
    let e0 = sampling::error(rng, products, sigma)?;
    let flood_bound = params.flood_bound();
    let flood: Vec<i128> = (0..products)
        .map(|_| uniform_symmetric(flood_bound, rng))
        .collect::<Result<_>>()?;
    for (r, (row, m)) in values
        .chunks_mut(products.max(1))
        .zip(basis.moduli())
        .enumerate()
    {
        let factor = catalog.key_factors.get(r).copied();
        let factor_shoup = factor.map(|f| m.shoup(f));
        for (j, ((x, &b), &f)) in row
            .iter_mut()
            .zip(block.bias_row(r))
            .zip(&flood)
            .enumerate()
        {
            let mut v = m.add(*x, b);
            if flood_bound > 0 {
                v = m.add(v, m.reduce_i128(f));
            }
            if let (Some(factor), Some(fs), Some(&e)) = (factor, factor_shoup, e0.get(j)) {
                v = m.add(v, m.mul_shoup(m.reduce_i64(e), factor, fs));
            }
            *x = v;
        }
    }
    let c0 = rescale_values(basis, &catalog.rescale_inverses, &values, products);
    Ok((pack_c1_block(params, ResponseMode::Private, &c1)?, c0))
}

/// Rescales the coefficient rows of `c1` to q_0 with `F e1` added, and compresses them.
fn finish_c1(catalog: &EncodedCatalog, mut c1: Vec<u64>, e1: &[i64]) -> Result<Vec<u64>> {
    let params = catalog.params();
    let basis = params.ckks().basis();
    let n = params.n();
    let key_rows = catalog.key_factors.len();
    let moduli = basis.moduli();
    // Two primes with q_1 < q_0: one fused pass. With the key at q_0 it adds e1 after the
    // rescale, exactly the same as F e1 before it (F = q_1 does not change [x]_(q_1));
    // otherwise F e1 goes onto the key rows first.
    let post = catalog.fused_c1.is_some() && key_rows == 1;
    if !post {
        for ((row, m), &f) in c1.chunks_exact_mut(n).zip(moduli).zip(&catalog.key_factors) {
            add_scaled_small(m, row, e1, f);
        }
    }
    if let Some(fused) = &catalog.fused_c1 {
        let (low, high) = c1.split_at(n);
        return Ok(fused.apply(low, high, post.then_some(e1)));
    }
    let p = rescale_to_output(Poly::<Coeff>::from_rows(basis, c1)?)?;
    catalog.output_compressor.compress(&p)
}

/// The targets of `c0 W + F u pk0` by direct sums, modulus-major, appended to `values`.
fn direct_targets(
    catalog: &EncodedCatalog,
    req: &Prepared,
    key: &Key,
    block: &Block,
    u: &[i8],
    values: &mut Vec<u64>,
) -> Result<()> {
    let params = catalog.params();
    let basis = params.ckks().basis();
    let n = params.n();
    let targets = || (0..block.products).map(target_index);
    let p0_rev = key.p0_reversed.as_deref().ok_or_else(missing)?;
    let u = TernaryMasks::new(u);
    let mut up = Vec::with_capacity(block.products);
    for (r, m) in basis.moduli().iter().enumerate() {
        let start = values.len();
        let c0 = req.c0.row(r).ok_or_else(missing)?;
        sparse_product_at(
            m,
            c0,
            &block.positions,
            block.values_row(r),
            targets(),
            values,
        );
        let (Some(&factor), Some(p_rev)) =
            (catalog.key_factors.get(r), p0_rev.get(r * n..(r + 1) * n))
        else {
            continue;
        };
        up.clear();
        ternary_product_at(m, &u, p_rev, targets(), &mut up);
        let factor_shoup = m.shoup(factor);
        for (x, &v) in values.iter_mut().skip(start).zip(&up) {
            *x = m.add(*x, m.mul_shoup(v, factor, factor_shoup));
        }
    }
    Ok(())
}

/// The targets of `c0 W + F u pk0` by the class inverse NTT, modulus-major, appended to
/// `values`.
fn class_targets(
    catalog: &EncodedCatalog,
    req: &Prepared,
    key: &Key,
    block: &Block,
    u_hat: &[u64],
    values: &mut Vec<u64>,
) -> Result<()> {
    let params = catalog.params();
    let basis = params.ckks().basis();
    let n = params.n();
    let c0 = req.c0_ntt.as_ref().ok_or_else(missing)?;
    let p0 = key.p0_ntt.as_deref().ok_or_else(missing)?;
    let mut buf = vec![0u64; n];
    let mut out = vec![0u64; n / crate::profile::FEATURE_COUNT];
    for (r, class) in catalog.class_inverse.iter().enumerate() {
        let plan = basis.plan(r).ok_or_else(missing)?;
        plan.mul_into(
            &mut buf,
            c0.row(r).ok_or_else(missing)?,
            block.weights.row(r).ok_or_else(missing)?,
        );
        if let (Some(ur), Some(pr)) = (u_hat.get(r * n..(r + 1) * n), p0.get(r * n..(r + 1) * n)) {
            plan.mul_add_assign(&mut buf, ur, pr);
        }
        class.apply(&buf, &mut out)?;
        values.extend(out.iter().take(block.products));
    }
    Ok(())
}

/// Evaluates one block without model privacy: `(a W, c0 W + B)` rescaled, every coefficient.
///
/// # Errors
/// As [`private_block`].
pub(super) fn open_block(
    catalog: &EncodedCatalog,
    req: &Prepared,
    block: &Block,
) -> Result<BlockOutput> {
    let basis = catalog.params().ckks().basis();
    let c0_ntt = req.c0_ntt.as_ref().ok_or_else(missing)?;
    let c1 = rescale_to_output(req.a.mul(&block.weights)?.into_coeff())?;
    let mut c0 = c0_ntt.mul(&block.weights)?.into_coeff();
    let n = basis.n();
    for ((r, row), m) in c0.rows_mut().enumerate().zip(basis.moduli()) {
        for (j, &b) in block.bias_row(r).iter().enumerate() {
            if let Some(x) = row.get_mut(target_index(j)) {
                *x = m.add(*x, b);
            }
        }
        debug_assert_eq!(row.len(), n);
    }
    let c0 = rescale_to_output(c0)?;
    let c1 = pack_c1_block(catalog.params(), ResponseMode::Open, c1.as_slice())?;
    Ok((c1, c0.into_rows()))
}

/// Rescales a coefficient-form polynomial from Q down to its first modulus.
fn rescale_to_output(mut p: Poly<Coeff>) -> Result<Poly<Coeff>> {
    while p.basis().len() > 1 {
        p = p.rescale_last()?;
    }
    Ok(p)
}
