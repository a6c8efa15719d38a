//! Decrypted scores against cleartext scores, within each preset's error bound
//! (`PresetParams::error_bound`, derived in `docs/parameters.md`), for random catalogs and
//! profiles of 1, 5, 511, 512, 513 and 10,000 products (block boundaries at n/8 = 512 and
//! 1024), and for the extreme scores +-9 that size the plaintext scale.

#![cfg(test)]

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use scoring::{Catalog, ClientSession, EncodedCatalog, Preset, PublicProduct, SkinProfile, score};

/// A random catalog: weights and biases uniform in [-1, 1].
fn random_catalog(count: usize, seed: u64) -> Catalog {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut unit = move || (rng.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0;
    let parts: Vec<_> = (0..count)
        .map(|j| {
            let public = PublicProduct {
                id: format!("p{j}"),
                name: format!("P {j}"),
                description: String::new(),
                targets: Vec::new(),
            };
            let weights = core::array::from_fn(|_| unit());
            (public, weights, unit())
        })
        .collect();
    Catalog::from_parts("random", parts).unwrap()
}

/// Largest |decrypted - cleartext| for one key, one request.
fn run(preset: Preset, catalog: &Catalog, profile: &SkinProfile, seed: u64) -> f64 {
    let params = preset.params().unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let session = ClientSession::new(params.clone(), &mut rng).unwrap();
    let encoded = EncodedCatalog::new(catalog, params).unwrap();
    let request = session.encrypt_profile(profile, &mut rng).unwrap();
    let response = score(&encoded, &request).unwrap();
    let ids: Vec<String> = catalog.public_view().into_iter().map(|p| p.id).collect();
    let got = session
        .decrypt_scores(&response, ids.iter().map(String::as_str))
        .unwrap();
    let want = catalog.cleartext_scores(profile);
    got.iter()
        .zip(&want)
        .map(|(g, w)| (g.score - w).abs())
        .fold(0.0, f64::max)
}

fn profile_strategy() -> impl Strategy<Value = SkinProfile> {
    proptest::array::uniform8(0.0..=1.0f64).prop_map(|v| SkinProfile::new(v).unwrap())
}

fn check_sizes(
    preset: Preset,
    sizes: &[usize],
    profile: &SkinProfile,
    seed: u64,
) -> Result<(), TestCaseError> {
    let params = preset.params().unwrap();
    for &count in sizes {
        let catalog = random_catalog(count, seed ^ count as u64);
        let err = run(preset, &catalog, profile, seed);
        let bound = params.error_bound(count);
        prop_assert!(
            err <= bound,
            "{preset}, {count} products: error {err:e} > bound {bound:e}"
        );
    }
    Ok(())
}

const SIZES: [usize; 5] = [1, 5, 511, 512, 513];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]

    #[test]
    fn compact_is_within_its_bound(profile in profile_strategy(), seed in any::<u64>()) {
        check_sizes(Preset::Compact, &SIZES, &profile, seed)?;
    }

    #[test]
    fn exact_is_within_its_bound(profile in profile_strategy(), seed in any::<u64>()) {
        check_sizes(Preset::Exact, &SIZES, &profile, seed)?;
    }

    #[test]
    fn private_plus_is_within_its_bound(profile in profile_strategy(), seed in any::<u64>()) {
        check_sizes(Preset::PrivatePlus, &[1, 5, 511, 512, 513, 1024, 1025], &profile, seed)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2))]

    #[test]
    fn ten_thousand_products_every_preset(profile in profile_strategy(), seed in any::<u64>()) {
        for preset in Preset::ALL {
            check_sizes(preset, &[10_000], &profile, seed)?;
        }
    }
}

/// Scores of +9 and -9 (every weight and bias at +-1, every feature at 1) decrypt correctly:
/// the scale leaves room for the largest valid score.
#[test]
fn extreme_scores_do_not_wrap() {
    let parts = [1.0, -1.0].map(|sign| {
        let public = PublicProduct {
            id: format!("s{sign}"),
            name: "extreme".into(),
            description: String::new(),
            targets: Vec::new(),
        };
        (public, [sign; 8], sign)
    });
    let catalog = Catalog::from_parts("extreme", parts).unwrap();
    let ones = SkinProfile::new([1.0; 8]).unwrap();
    assert_eq!(catalog.cleartext_scores(&ones), vec![9.0, -9.0]);
    for preset in Preset::ALL {
        let err = run(preset, &catalog, &ones, 5);
        let bound = preset.params().unwrap().error_bound(2);
        assert!(err <= bound, "{preset}: {err} > {bound}");
    }
}

/// The measured maximum over many keys for the table of `docs/parameters.md`
/// (`cargo test -p scoring --release --test accuracy measured -- --nocapture`).
#[test]
fn measured_maxima_stay_below_the_bounds() {
    let profile = SkinProfile::reference();
    for preset in Preset::ALL {
        let params = preset.params().unwrap();
        for count in [5, 10_000] {
            let catalog = Catalog::synthetic(count).unwrap();
            let keys = if count == 5 { 20 } else { 3 };
            let worst = (0..keys)
                .map(|k| run(preset, &catalog, &profile, 1000 + k))
                .fold(0.0, f64::max);
            let bound = params.error_bound(count);
            println!(
                "{preset}: {count} products, {keys} keys: max error {worst:.2e} (bound {bound:.2e})"
            );
            assert!(worst <= bound, "{preset} {count}: {worst} > {bound}");
        }
    }
}

/// The two ways of computing the targets of `c0'` (direct sums for small catalogs, the class
/// inverse NTT otherwise) are the same function of the request and the server's randomness:
/// byte-identical responses for one seed, decrypted within the bound, at every preset and on
/// both sides of the size that switches between them.
#[test]
fn target_methods_give_identical_responses() {
    use scoring::server::{ModelPrivacy, TargetMethod, score_with};
    for preset in Preset::ALL {
        let params = preset.params().unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(21);
        let session = ClientSession::new(params.clone(), &mut rng).unwrap();
        let profile = SkinProfile::reference();
        let request = session.encrypt_profile(&profile, &mut rng).unwrap();
        for count in [1, 5, 16, 17, 40, 600] {
            let catalog = random_catalog(count, count as u64);
            let responses: Vec<Vec<u8>> = [TargetMethod::Direct, TargetMethod::ClassInverse]
                .into_iter()
                .map(|method| {
                    let encoded =
                        EncodedCatalog::with_method(&catalog, params.clone(), method).unwrap();
                    let mut server_rng = ChaCha20Rng::seed_from_u64(99);
                    score_with(&encoded, &request, ModelPrivacy::On, &mut server_rng).unwrap()
                })
                .collect();
            assert_eq!(responses[0], responses[1], "{preset}, {count} products");
            let ids: Vec<String> = catalog.public_view().into_iter().map(|p| p.id).collect();
            let got = session
                .decrypt_scores(&responses[0], ids.iter().map(String::as_str))
                .unwrap();
            let bound = params.error_bound(count);
            for (g, w) in got.iter().zip(catalog.cleartext_scores(&profile)) {
                assert!(
                    (g.score - w).abs() <= bound,
                    "{preset}, {count}: {} vs {w}",
                    g.score
                );
            }
        }
    }
}
