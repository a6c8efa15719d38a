//! End to end: client encrypts, server scores, client decrypts; every preset, compared with the
//! cleartext scores against the preset's error bound (`docs/parameters.md`).

#![cfg(test)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use scoring::{
    Catalog, ClientSession, EncodedCatalog, ModelPrivacy, Preset, PublicProduct, ScoreResponse,
    SkinProfile, score_with,
};

fn max_error(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f64::max)
}

#[test]
fn demo_catalog_round_trip_every_preset() {
    let catalog = Catalog::demo().unwrap();
    let profile = SkinProfile::reference();
    let want = catalog.cleartext_scores(&profile);
    let ids: Vec<String> = catalog
        .public_view()
        .into_iter()
        .map(|p: PublicProduct| p.id)
        .collect();
    for preset in Preset::ALL {
        let params = preset.params().unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(preset.id().into());
        let session = ClientSession::new(params.clone(), &mut rng).unwrap();
        let encoded = EncodedCatalog::new(&catalog, params.clone()).unwrap();
        let request = session.encrypt_profile(&profile, &mut rng).unwrap();
        for privacy in [ModelPrivacy::On, ModelPrivacy::Off] {
            let response = score_with(&encoded, &request, privacy, &mut rng).unwrap();
            let scores = session
                .decrypt_scores(&response, ids.iter().map(String::as_str))
                .unwrap();
            let got: Vec<f64> = scores.iter().map(|s| s.score).collect();
            let err = max_error(&got, &want);
            let bound = params.error_bound(catalog.len());
            println!(
                "{preset} {privacy:?}: max error {err:.3e} (bound {bound:.3e}), {} B",
                response.len()
            );
            assert!(err <= bound, "{preset} {privacy:?}: {err} > {bound}");
            for (s, id) in scores.iter().zip(&ids) {
                assert_eq!(&s.id, id);
            }
            if privacy == ModelPrivacy::On {
                let mode = scoring::ResponseMode::Private;
                assert_eq!(
                    response.len(),
                    ScoreResponse::encoded_len(&params, mode, catalog.len()).unwrap()
                );
            }
        }
    }
}

#[test]
fn mismatched_catalog_and_preset_are_typed_errors() {
    let catalog = Catalog::demo().unwrap();
    let exact = Preset::Exact.params().unwrap();
    let compact = Preset::Compact.params().unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let session = ClientSession::new(exact.clone(), &mut rng).unwrap();
    let request = session
        .encrypt_profile(&SkinProfile::reference(), &mut rng)
        .unwrap();
    // A request of one preset against a catalog encoded for another.
    let other = EncodedCatalog::new(&catalog, compact).unwrap();
    assert_eq!(
        score_with(&other, &request, ModelPrivacy::On, &mut rng).unwrap_err(),
        scoring::Error::PresetMismatch {
            expected: Preset::Compact,
            found: Preset::Exact
        }
    );
    // A response decrypted against another product list (one product missing, or reordered).
    let encoded = EncodedCatalog::new(&catalog, exact).unwrap();
    let response = score_with(&encoded, &request, ModelPrivacy::On, &mut rng).unwrap();
    let ids: Vec<String> = catalog.public_view().into_iter().map(|p| p.id).collect();
    let short = session.decrypt_scores(&response, ids.iter().skip(1).map(String::as_str));
    assert!(matches!(
        short,
        Err(scoring::Error::CatalogMismatch {
            expected_count: 4,
            found_count: 5,
            ..
        })
    ));
    let reordered = session.decrypt_scores(&response, ids.iter().rev().map(String::as_str));
    assert!(matches!(
        reordered,
        Err(scoring::Error::CatalogMismatch { .. })
    ));
    // A truncated response.
    assert!(
        session
            .decrypt_scores(
                &response[..response.len() - 1],
                ids.iter().map(String::as_str)
            )
            .is_err()
    );
}
