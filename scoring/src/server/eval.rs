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

use std::cell::RefCell;

use ckks::ring::{Coeff, Poly};
use ckks::sampling;
use ckks::wire::bitpack;
use rand_core::CryptoRng;
use zeroize::Zeroize;

use super::encode::Block;
use super::kernels::{add_scaled_small, rescale_values, uniform_symmetric};
use super::prepare::{Key, Prepared};
use super::targets::{TernaryMasks, sparse_product_at, ternary_product_at};
use super::{EncodedCatalog, TargetMethod};
use crate::error::Result;
use crate::protocol::target_index;

fn missing() -> crate::Error {
    ckks::Error::ParamsMismatch.into()
}

/// Buffers one evaluation thread reuses from block to block (no allocation or zero-filling
/// per block). The secret ones (u, its transform, e1) are wiped at the end of every run of
/// blocks ([`with_scratch`]).
#[derive(Default)]
pub(super) struct Scratch {
    /// The ternary u (secret).
    u: Vec<i8>,
    /// `F u` in NTT form on the key rows (secret).
    u_hat: Vec<u64>,
    /// The error e1 of `c1'` (secret).
    e1: Vec<i64>,
    /// The rows of `c1` before the rescale.
    c1: Vec<u64>,
    /// One row: the compressed `c1'`, then `c0 W + F u pk0` for the class inverse; and the
    /// target coefficients.
    row: Vec<u64>,
    targets: Vec<u64>,
}

impl Scratch {
    /// Sizes every buffer for n coefficients, `rows` rows of Q and `key_rows` rows of `Q_k`.
    fn size(&mut self, n: usize, rows: usize, key_rows: usize) {
        self.u.resize(n, 0);
        self.u_hat.resize(key_rows * n, 0);
        self.e1.resize(n, 0);
        self.c1.resize(rows * n, 0);
        self.row.resize(n, 0);
        self.targets.resize(n / crate::profile::FEATURE_COUNT, 0);
    }

    /// Overwrites the secrets with zeros (volatile writes the compiler keeps).
    fn wipe(&mut self) {
        self.u.as_mut_slice().zeroize();
        self.u_hat.as_mut_slice().zeroize();
        self.e1.as_mut_slice().zeroize();
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers (fresh ones if they are in use) and wipes their
/// secrets afterwards, whatever `f` returns. Blocks evaluated inside one call overwrite each
/// other's secrets, so a run of blocks is wiped once, at its end.
pub(super) fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    let run = |scratch: &mut Scratch| {
        let result = f(scratch);
        scratch.wipe();
        result
    };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => run(&mut scratch),
        Err(_) => run(&mut Scratch::default()),
    })
}

/// Evaluates one block with model privacy (re-randomized, only the targets of `c0'`) in the
/// scratch buffers `s` (from [`with_scratch`], which wipes them): packs `c1'` into `c1_out`
/// (the block's slice of the response) and returns the `c0'` targets, modulus-major.
///
/// # Errors
/// [`ckks::Error::ParamsMismatch`] if the prepared request lacks what the catalog's method
/// reads (a caller bug); sampling errors (none for the presets).
pub(super) fn private_block<R: CryptoRng + ?Sized>(
    catalog: &EncodedCatalog,
    req: &Prepared,
    block: &Block,
    rng: &mut R,
    c1_out: &mut [u8],
    s: &mut Scratch,
) -> Result<Vec<u64>> {
    let params = catalog.params();
    let basis = params.ckks().basis();
    let n = params.n();
    let key_rows = catalog.key_factors.len();
    s.size(n, basis.len(), key_rows);
    let key = req.key.as_ref().ok_or_else(missing)?;
    sampling::ternary_into(rng, &mut s.u);
    // F u in NTT form on the key rows: u maps to {-F, 0, F} mod q_r before the transform.
    for ((r, row), &factor) in s
        .u_hat
        .chunks_exact_mut(n)
        .enumerate()
        .zip(&catalog.key_factors)
    {
        let plan = basis.plan(r).ok_or_else(missing)?;
        let minus = plan.modulus().neg(factor);
        ckks::ring::vectorized(
            #[inline(always)]
            || {
                for (x, &t) in row.iter_mut().zip(s.u.iter()) {
                    let positive = u64::from(t > 0).wrapping_neg();
                    let negative = u64::from(t < 0).wrapping_neg();
                    *x = (factor & positive) | (minus & negative);
                }
            },
        );
        plan.forward(row);
    }

    // c1' = rescale(a W + F u a' + F e1), compressed.
    for (r, row) in s.c1.chunks_exact_mut(n).enumerate() {
        let plan = basis.plan(r).ok_or_else(missing)?;
        let a_w = (
            req.a.row(r).ok_or_else(missing)?,
            block.prepared.get(r).ok_or_else(missing)?,
        );
        match (s.u_hat.get(r * n..(r + 1) * n), key.a.get(r)) {
            (Some(u), Some(a_key)) => plan.mul_add_prepared_into(row, a_w, (u, a_key)),
            _ => plan.mul_prepared_into(row, a_w.0, a_w.1),
        }
        plan.inverse(row);
    }
    sampling::error_into(rng, &mut s.e1, params.ckks().sigma())?;
    finish_c1(catalog, &mut s.c1, &s.e1, &mut s.row, c1_out)?;

    // c0' targets = rescale(c0 W + F u pk0 + B + F e0 + flood).
    let products = block.products;
    let mut values = Vec::with_capacity(basis.len() * products);
    match catalog.target_method {
        TargetMethod::Direct => direct_targets(catalog, req, key, block, &s.u, &mut values)?,
        TargetMethod::ClassInverse => class_targets(catalog, req, key, block, s, &mut values)?,
    }
    // e0 reuses the buffer of e1, which is spent.
    let e0 = s.e1.get_mut(..products).ok_or_else(missing)?;
    finish_targets(catalog, block, rng, e0, values)
}

/// Adds the bias, `F e0` on the key rows and, for `private-plus`, the flooding noise to the
/// target values of one block (modulus-major), and rescales them to q_0; e0 is drawn into the
/// caller's buffer `e0` (one value per product), which the caller wipes.
fn finish_targets<R: CryptoRng + ?Sized>(
    catalog: &EncodedCatalog,
    block: &Block,
    rng: &mut R,
    e0: &mut [i64],
    mut values: Vec<u64>,
) -> Result<Vec<u64>> {
    let params = catalog.params();
    let basis = params.ckks().basis();
    let products = block.products;
    sampling::error_into(rng, e0, params.ckks().sigma())?;
    let flood_bound = params.flood_bound();
    let flood: Vec<i128> = if flood_bound > 0 {
        (0..products)
            .map(|_| uniform_symmetric(flood_bound, rng))
            .collect::<Result<_>>()?
    } else {
        Vec::new()
    };
    #[cfg(target_arch = "x86_64")]
    if let Some(kernel) = &catalog.target_rescale
        && flood.is_empty()
    {
        let (x0, x1) = values.split_at(products.min(values.len()));
        let bias = (block.bias_row(0), block.bias_row(1));
        if let Some(out) = kernel.apply((x0, x1), bias, e0) {
            return Ok(out);
        }
    }
    for (r, (row, m)) in values
        .chunks_mut(products.max(1))
        .zip(basis.moduli())
        .enumerate()
    {
        for (x, &b) in row.iter_mut().zip(block.bias_row(r)) {
            *x = m.add(*x, b);
        }
        for (x, &f) in row.iter_mut().zip(&flood) {
            *x = m.add(*x, m.reduce_i128(f));
        }
        if let Some(&factor) = catalog.key_factors.get(r) {
            add_scaled_small(m, row, e0, factor);
        }
    }
    Ok(rescale_values(
        basis,
        &catalog.rescale_inverses,
        values,
        products,
    ))
}

/// Rescales the coefficient rows of `c1` to q_0 with `F e1` added, compresses them (through
/// `values`, n long) and packs them into `out`.
fn finish_c1(
    catalog: &EncodedCatalog,
    c1: &mut [u64],
    e1: &[i64],
    values: &mut [u64],
    out: &mut [u8],
) -> Result<()> {
    let params = catalog.params();
    let basis = params.ckks().basis();
    let n = params.n();
    let key_rows = catalog.key_factors.len();
    let moduli = basis.moduli();
    let compressed = 1u64 << params.compressed_bits();
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
        return fused.apply_packed((low, high), post.then_some(e1), values, out);
    }
    let p = rescale_to_output(Poly::<Coeff>::from_rows(basis, c1.to_vec())?)?;
    let values = catalog.output_compressor.compress(&p)?;
    bitpack::pack_into(out, &values, compressed)?;
    Ok(())
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
/// `values` (`scratch.u_hat` holds `F u` in NTT form).
fn class_targets(
    catalog: &EncodedCatalog,
    req: &Prepared,
    key: &Key,
    block: &Block,
    scratch: &mut Scratch,
    values: &mut Vec<u64>,
) -> Result<()> {
    let params = catalog.params();
    let basis = params.ckks().basis();
    let n = params.n();
    let c0 = req.c0_ntt.as_ref().ok_or_else(missing)?;
    let p0 = key.p0_ntt.as_deref().ok_or_else(missing)?;
    let (buf, out, u_hat) = (&mut scratch.row, &mut scratch.targets, &scratch.u_hat);
    for (r, class) in catalog.class_inverse.iter().enumerate() {
        let plan = basis.plan(r).ok_or_else(missing)?;
        let c0_w = (
            c0.row(r).ok_or_else(missing)?,
            block.prepared.get(r).ok_or_else(missing)?,
        );
        let u_p0 = match (u_hat.get(r * n..(r + 1) * n), p0.get(r)) {
            (Some(u), Some(p0)) => Some((u, p0)),
            _ => None,
        };
        class.apply_products(plan, c0_w, u_p0, buf, out)?;
        values.extend(out.iter().take(block.products));
    }
    Ok(())
}

/// Evaluates one block without model privacy: `(a W, c0 W + B)` rescaled, every coefficient.
/// Packs `c1'` into `c1_out` and returns every coefficient of `c0'`.
///
/// # Errors
/// As [`private_block`].
pub(super) fn open_block(
    catalog: &EncodedCatalog,
    req: &Prepared,
    block: &Block,
    c1_out: &mut [u8],
) -> Result<Vec<u64>> {
    let params = catalog.params();
    let basis = params.ckks().basis();
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
    bitpack::pack_into(c1_out, c1.as_slice(), params.output_modulus())?;
    Ok(c0.into_rows())
}

/// Rescales a coefficient-form polynomial from Q down to its first modulus.
fn rescale_to_output(mut p: Poly<Coeff>) -> Result<Poly<Coeff>> {
    while p.basis().len() > 1 {
        p = p.rescale_last()?;
    }
    Ok(p)
}
