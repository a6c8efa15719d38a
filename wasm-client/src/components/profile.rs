//! Step 4: the eight feature sliders and the encryption.

use scoring::inspect::explain::Level;
use scoring::{FEATURE_COUNT, SkinFeature};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::Step;
use crate::format;
use crate::state::StepStatus;

/// What the page shows about the latest encryption.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EncryptionFacts {
    /// Milliseconds of encryption.
    pub encrypt_ms: f64,
    /// Bytes of the ciphertext (its seed and `c0`).
    pub ciphertext_bytes: usize,
    /// Bytes of the whole request.
    pub request_bytes: usize,
    /// The feature scale's exponent: `round(2^k f_i)`.
    pub log2_df: f64,
}

/// Properties of [`ProfileStep`].
#[derive(Properties, PartialEq)]
pub struct ProfileProps {
    /// Where the step stands.
    pub status: StepStatus,
    /// The slider values.
    pub profile: [f64; FEATURE_COUNT],
    /// The latest encryption.
    pub facts: Option<EncryptionFacts>,
    /// A slider moved: (feature index, value).
    pub on_change: Callback<(usize, f64)>,
}

/// Eight labelled range inputs (arrow keys move them by 0.01) and the encryption's figures.
#[component]
pub fn ProfileStep(props: &ProfileProps) -> Html {
    let sliders = SkinFeature::ALL
        .iter()
        .zip(props.profile)
        .map(|(&feature, value)| {
            let index = feature.index();
            let id = format!("feature-{}", feature.name());
            let on_change = props.on_change.clone();
            let oninput = Callback::from(move |e: InputEvent| {
                let input: HtmlInputElement = e.target_unchecked_into();
                if let Ok(v) = input.value().parse::<f64>() {
                    on_change.emit((index, v));
                }
            });
            let level = Level::of(value).word();
            html! {
                <div class="slider">
                    <label for={id.clone()}>{ feature.label() }</label>
                    <input type="range" id={id.clone()} name={feature.name()} min="0" max="1"
                           step="0.01" value={format!("{value:.2}")}
                           aria-valuetext={format!("{value:.2}, {level}")} {oninput} />
                    <output for={id} class="slider-value">{ format!("{value:.2}") }</output>
                    <span class={classes!("level", format!("level-{level}"))}>{ level }</span>
                </div>
            }
        });
    html! {
        <Step id="step-4" number={4} title="Your profile, encrypted" status={props.status}
              time_ms={props.facts.map(|f| f.encrypt_ms)} time_label="encryption">
            <p>
                { "Move a slider (or focus it and use the arrow keys): the page encrypts the new \
                   profile and runs every step again a moment after you stop." }
            </p>
            <div id="sliders" class="sliders">{ for sliders }</div>
            if let Some(f) = props.facts {
                <dl class="facts">
                    <dt>{ "encryption" }</dt>
                    <dd><span id="time-encrypt" class="timing" data-ms={f.encrypt_ms.to_string()}>
                        { format::ms(f.encrypt_ms) }</span>
                        { format!(" (m(X) = sum round({} f_i) X^i, then c0 = -a s + m + e with a \
                                    fresh seed for a)", format::pow2(f.log2_df)) }</dd>
                    <dt>{ "ciphertext" }</dt>
                    <dd>{ format!("{} (seed of a and c0); with the public key the request is {}",
                                  format::bytes(f.ciphertext_bytes), format::bytes(f.request_bytes)) }</dd>
                </dl>
            }
        </Step>
    }
}
