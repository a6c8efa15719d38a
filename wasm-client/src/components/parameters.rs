//! Step 2: the active preset's parameters, and the switch between presets.

use scoring::Preset;
use scoring::api::PresetInfo;
use yew::prelude::*;

use super::Step;
use crate::flow;
use crate::format;
use crate::state::StepStatus;

/// Properties of [`ParametersStep`].
#[derive(Properties, PartialEq)]
pub struct ParametersProps {
    /// Presets the service accepts that this page knows.
    pub presets: Vec<Preset>,
    /// The preset in use.
    pub active: Preset,
    /// Products in the catalog (the error bound and response size depend on it).
    pub products: usize,
    /// Whether a run is under way (the switch stays usable: it starts over).
    pub busy: bool,
    /// Picks a preset.
    pub on_select: Callback<Preset>,
}

fn purpose(preset: Preset) -> &'static str {
    match preset {
        Preset::Compact => "smallest messages, error about 1e-6: enough to rank",
        Preset::Exact => "the default: error about 1e-11, request under 72 KiB",
        Preset::PrivatePlus => "adds noise flooding: the brand's weights stay statistically hidden",
    }
}

/// The preset switch and a table of the active preset's numbers.
#[component]
pub fn ParametersStep(props: &ParametersProps) -> Html {
    let info = flow::preset_params(props.active)
        .ok()
        .and_then(|(params, _)| PresetInfo::new(&params, props.products.max(1)).ok());
    let switch = html! {
        <fieldset id="preset-switch" class="preset-switch">
            <legend>{ "Parameter preset" }</legend>
            { for props.presets.iter().map(|&preset| {
                let on_select = props.on_select.clone();
                let onchange = Callback::from(move |_: Event| on_select.emit(preset));
                let id = format!("preset-{}", preset.name());
                html! {
                    <label for={id.clone()} class="preset-option">
                        <input type="radio" name="preset" id={id} value={preset.name()}
                               checked={preset == props.active} {onchange} />
                        <span class="preset-name">{ preset.name() }</span>
                        <span class="preset-purpose">{ purpose(preset) }</span>
                    </label>
                }
            }) }
        </fieldset>
    };
    let table = match info {
        Some(info) => parameter_table(&info, props.products),
        None => html! { <p class="error">{ "This preset cannot be set up in this browser." }</p> },
    };
    html! {
        <Step id="step-2" number={2} title="The parameters" status={StepStatus::Done}>
            <p>
                { "The ciphertext lives in the ring R_Q = Z_Q[X]/(X^n + 1). The profile is packed \
                   into the polynomial's coefficients, so one multiplication by each product's \
                   weight polynomial gives every score, with no rotation and no evaluation key. \
                   Switching the preset generates new keys and runs every step again." }
            </p>
            { switch }
            { table }
        </Step>
    }
}

fn row(name: &str, value: String, note: &str) -> Html {
    html! {
        <tr>
            <th scope="row">{ name.to_owned() }</th>
            <td>{ value }</td>
            <td class="note-cell">{ note.to_owned() }</td>
        </tr>
    }
}

fn parameter_table(info: &PresetInfo, products: usize) -> Html {
    let primes: Vec<String> = info
        .primes
        .iter()
        .map(|q| format!("{q} ({} bits)", 64 - q.leading_zeros()))
        .collect();
    let max = ckks::security::max_log_qp_128(info.ring_degree as usize);
    let security = match max {
        Some(max) => format!(
            "{} bits (log2 Q = {:.1} <= {max}, the HomomorphicEncryption.org limit for n = {})",
            info.security_bits, info.log2_q_exact, info.ring_degree
        ),
        None => format!("{} bits", info.security_bits),
    };
    html! {
        <table id="parameters" class="params" data-preset={info.name.clone()}>
            <tbody>
                { row("ring degree n", info.ring_degree.to_string(), "coefficients per polynomial") }
                { row("primes q_i of Q", primes.join(" x "), "NTT-friendly, q_i = 1 mod 2n") }
                { row("log2 Q", format!("{:.2}", info.log2_q_exact), "the whole budget: no key-switching key") }
                { row("security", security, "uniform ternary secret s") }
                { row("error sigma", format!("{}", info.sigma), "centered binomial") }
                { row("feature scale Df", format::pow2(info.log2_feature_scale), "m(X) = sum round(Df f_i) X^i") }
                { row("weight scale Dw", format::pow2(info.log2_weight_scale), "W(X) = sum round(Dw w_ji) X^(8j+7-i)") }
                { row("output scale Delta'", format::pow2(info.log2_output_scale), "score scale at q_0 after the modulus switch") }
                { row("compression t", format!("{} bits", info.compressed_bits), "public key and response c1'") }
                { row("noise flooding", if info.noise_flooding { "on" } else { "off" }.to_owned(), "statistical model privacy") }
                { row("products per ciphertext", info.products_per_ciphertext.to_string(), "n / 8") }
                { row("error bound", format::sci(info.error_bound), &format!("per score, for {products} products")) }
                { row("request", format::bytes(info.request_bytes as usize), "ciphertext and public key, up") }
                { row("response", format::bytes(info.response_bytes as usize), "encrypted scores, down") }
            </tbody>
        </table>
    }
}
