//! The table of parameter presets.

use scoring::api::PresetInfo;
use yew::prelude::*;

/// Properties of [`PresetTable`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct PresetTableProps {
    /// Presets, in display order.
    pub presets: Vec<PresetInfo>,
    /// Name of the preset used unless another is picked.
    pub default_preset: String,
}

/// One row per preset: ring degree, modulus size, security level.
#[component]
pub fn PresetTable(props: &PresetTableProps) -> Html {
    let rows = props.presets.iter().map(|preset| {
        let is_default = preset.name == props.default_preset;
        html! {
            <tr key={preset.name.clone()} data-preset={preset.name.clone()}>
                <th scope="row">
                    <code>{ &preset.name }</code>
                    if is_default { <span class="badge">{ "default" }</span> }
                </th>
                <td>{ preset.ring_degree }</td>
                <td>{ preset.log2_q }</td>
                <td>{ format!("{} bits", preset.security_bits) }</td>
            </tr>
        }
    });
    html! {
        <section id="presets" class="card">
            <h2>{ "Encryption parameters" }</h2>
            <p class="note">
                { "CKKS over R_q = Z_q[X]/(X^n + 1). Every preset stays within the \
                   HomomorphicEncryption.org table for its security level." }
            </p>
            <table>
                <thead>
                    <tr>
                        <th scope="col">{ "Preset" }</th>
                        <th scope="col">{ "Ring degree n" }</th>
                        <th scope="col">{ "log2 Q" }</th>
                        <th scope="col">{ "Security" }</th>
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}
