//! Model privacy: a client holding its secret key tries to recover the catalog's weights and
//! biases from the responses to a few of its own queries.
//!
//! The attack: every decrypted coefficient k of `m * W + B` is a known linear combination of the
//! unknown weights and biases (`sum_i f_i w(k - i)`, plus `b_j` at `k = 8j + 7`), so the
//! attacker stacks one equation per coefficient it can decrypt and solves them by least
//! squares. With model privacy off the server sends every coefficient of `c0'`: two queries give
//! 16 equations per product for 9 unknowns and the model comes out. With it on, only the 5
//! targets of each query leave the server: 2 equations per product, and the same solver
//! returns a model far from the real one.

#![cfg(test)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use scoring::{
    Catalog, ClientSession, EncodedCatalog, FEATURE_COUNT, ModelPrivacy, Preset, ScoreResponse,
    SkinProfile, score_with,
};

/// Unknowns: weights w_(j,i) at index 9j + i, bias b_j at 9j + 8.
const UNKNOWNS_PER_PRODUCT: usize = FEATURE_COUNT + 1;

/// One equation: coefficients over the unknowns and the decrypted value.
struct Equation {
    row: Vec<f64>,
    value: f64,
}

/// The equation coefficient k of a block gives, for a profile f and `products` products.
fn equation(k: usize, f: &[f64; FEATURE_COUNT], products: usize, value: f64) -> Option<Equation> {
    let mut row = vec![0.0; products * UNKNOWNS_PER_PRODUCT];
    let mut any = false;
    for (i, &fi) in f.iter().enumerate() {
        // W has w_(j, i') at position 8j + 7 - i'; coefficient k of m*W takes m_i * W[k - i].
        let Some(t) = k.checked_sub(i) else { continue };
        let j = t / FEATURE_COUNT;
        if j >= products {
            continue;
        }
        let feature = FEATURE_COUNT - 1 - t % FEATURE_COUNT;
        row[j * UNKNOWNS_PER_PRODUCT + feature] += fi;
        any = true;
    }
    if k % FEATURE_COUNT == FEATURE_COUNT - 1 && k / FEATURE_COUNT < products {
        row[(k / FEATURE_COUNT) * UNKNOWNS_PER_PRODUCT + FEATURE_COUNT] = 1.0;
        any = true;
    }
    any.then_some(Equation { row, value })
}

/// Least squares with a tiny ridge term (the minimum-norm solution when underdetermined):
/// (A^T A + lambda I) x = A^T b by Gaussian elimination with partial pivoting.
fn solve(equations: &[Equation], unknowns: usize) -> Vec<f64> {
    let lambda = 1e-12;
    let mut m = vec![vec![0.0; unknowns + 1]; unknowns];
    for eq in equations {
        for (a, &ra) in eq.row.iter().enumerate() {
            if ra == 0.0 {
                continue;
            }
            for (b, &rb) in eq.row.iter().enumerate() {
                m[a][b] += ra * rb;
            }
            m[a][unknowns] += ra * eq.value;
        }
    }
    for (a, row) in m.iter_mut().enumerate() {
        row[a] += lambda;
    }
    for col in 0..unknowns {
        let pivot = (col..unknowns)
            .max_by(|&x, &y| m[x][col].abs().total_cmp(&m[y][col].abs()))
            .unwrap();
        m.swap(col, pivot);
        let pivot_row = m[col].clone();
        for (r, row) in m.iter_mut().enumerate() {
            let factor = row[col] / pivot_row[col];
            if r != col && factor != 0.0 {
                for (x, &p) in row.iter_mut().zip(&pivot_row).skip(col) {
                    *x -= factor * p;
                }
            }
        }
    }
    (0..unknowns).map(|a| m[a][unknowns] / m[a][a]).collect()
}

/// Runs the attack with `queries` profiles and returns the largest error over all weights and
/// biases of the recovered model.
fn attack(privacy: ModelPrivacy, queries: &[SkinProfile]) -> f64 {
    let preset = Preset::Exact;
    let params = preset.params().unwrap();
    let catalog = Catalog::demo().unwrap();
    let products = catalog.len();
    let encoded = EncodedCatalog::new(&catalog, params.clone()).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let session = ClientSession::new(params.clone(), &mut rng).unwrap();
    let mut equations = Vec::new();
    for profile in queries {
        // The attacker uses the features as the server sees them: round(Df f) / Df.
        let f: [f64; FEATURE_COUNT] =
            core::array::from_fn(|i| (profile.values()[i] * params.df()).round() / params.df());
        let request = session.encrypt_profile(profile, &mut rng).unwrap();
        let bytes = score_with(&encoded, &request, privacy, &mut rng).unwrap();
        let response = ScoreResponse::decode(&params, &bytes).unwrap();
        match privacy {
            ModelPrivacy::Off => {
                // Every coefficient of the block, in units of Df * Dw.
                let values = session.decrypt_all_coefficients(&response).unwrap();
                for (k, &v) in values.iter().enumerate() {
                    equations.extend(equation(k, &f, products, v / params.output_scale()));
                }
            }
            ModelPrivacy::On => {
                // Only the targets: the decrypted scores.
                assert!(session.decrypt_all_coefficients(&response).is_err());
                assert_eq!(response.c0.len(), products);
                let scores = session.decrypt_values(&response).unwrap();
                for (j, &v) in scores.iter().enumerate() {
                    equations.extend(equation(8 * j + 7, &f, products, v));
                }
            }
        }
    }
    let x = solve(&equations, products * UNKNOWNS_PER_PRODUCT);
    catalog
        .products()
        .iter()
        .enumerate()
        .flat_map(|(j, p)| {
            let model = p.model();
            let x = &x;
            model
                .weights()
                .iter()
                .chain(std::iter::once(&model.bias()))
                .enumerate()
                .map(move |(i, &truth)| (x[j * UNKNOWNS_PER_PRODUCT + i] - truth).abs())
                .collect::<Vec<_>>()
        })
        .fold(0.0, f64::max)
}

fn queries() -> Vec<SkinProfile> {
    vec![
        SkinProfile::reference(),
        SkinProfile::new([0.12, 0.93, 0.41, 0.77, 0.58, 0.05, 0.66, 0.29]).unwrap(),
    ]
}

#[test]
fn weights_are_recovered_without_model_privacy() {
    let err = attack(ModelPrivacy::Off, &queries());
    println!("model privacy off: largest error of the recovered model {err:.3e}");
    // Decryption error ~1e-12 per coefficient, amplified by the solve: far below 1e-6.
    assert!(
        err < 1e-6,
        "attack should succeed without model privacy, max error {err}"
    );
}

#[test]
fn weights_are_not_recovered_with_model_privacy() {
    let err = attack(ModelPrivacy::On, &queries());
    println!("model privacy on: largest error of the recovered model {err:.3e}");
    // 2 equations for 9 unknowns per product: the minimum-norm solution misses by far.
    assert!(
        err > 0.1,
        "attack should fail with model privacy, max error {err}"
    );
}
