//! Step 3: the keys, generated in this page.

use yew::prelude::*;

use super::Step;
use crate::format;
use crate::state::StepStatus;

/// What the page shows about its keys (no key material).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyFacts {
    /// Ring degree n (ternary coefficients of the secret key).
    pub n: usize,
    /// Milliseconds of key generation.
    pub keygen_ms: f64,
    /// Milliseconds of the preset's one-time parameter setup.
    pub setup_ms: f64,
    /// Bytes of the compressed public key in every request.
    pub public_key_bytes: usize,
    /// Bits per compressed public-key coefficient.
    pub compressed_bits: u32,
}

/// Properties of [`KeysStep`].
#[derive(Properties, PartialEq)]
pub struct KeysProps {
    /// Where the step stands.
    pub status: StepStatus,
    /// The keys' public facts, while the page holds keys.
    pub facts: Option<KeyFacts>,
    /// Whether the person wiped the keys.
    pub wiped: bool,
    /// Wipes the keys.
    pub on_reset: Callback<()>,
    /// Generates new keys after a wipe.
    pub on_start: Callback<()>,
}

/// Key generation time and sizes, and the buttons to wipe and regenerate.
#[component]
pub fn KeysStep(props: &KeysProps) -> Html {
    let reset = {
        let cb = props.on_reset.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let start = {
        let cb = props.on_start.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let body = match (props.facts, props.wiped) {
        (_, true) => html! {
            <>
                <p id="keys-wiped" class="ok-line">
                    { "Keys wiped: the secret key's memory was overwritten with zeros when the \
                       page dropped it. Nothing about it was ever sent or stored." }
                </p>
                <button id="start" type="button" class="primary" onclick={start}>
                    { "Generate new keys and run again" }
                </button>
            </>
        },
        (Some(k), false) => html! {
            <>
                <dl class="facts">
                    <dt>{ "key generation" }</dt>
                    <dd><span id="time-keygen" class="timing" data-ms={k.keygen_ms.to_string()}>
                        { format::ms(k.keygen_ms) }</span>
                        { " (secret key, public key, compression)" }</dd>
                    <dt>{ "parameter setup" }</dt>
                    <dd>{ format!("{} (NTT tables, once per preset)", format::ms(k.setup_ms)) }</dd>
                    <dt>{ "secret key s" }</dt>
                    <dd>{ format!("{} ternary coefficients in {{-1, 0, 1}} ({} if it were \
                                   written out): in this page's memory only, never sent, \
                                   never stored, wiped on reset",
                                  format::thousands(k.n), format::bytes(k.n / 4)) }</dd>
                    <dt>{ "public key" }</dt>
                    <dd id="public-key-size">{ format!("{}: a 32-byte seed of a' and pk0 = -a' s + e' \
                                   compressed to {} bits per coefficient; sent with each request \
                                   so the server can re-randomize its answer and keep no state",
                                  format::bytes(k.public_key_bytes), k.compressed_bits) }</dd>
                </dl>
                <button id="reset" type="button" onclick={reset}>{ "Wipe the keys" }</button>
            </>
        },
        (None, false) => html! {
            <p class="note">{ "The keys are generated from the browser's cryptographic random \
                               generator (crypto.getRandomValues seeding ChaCha20)." }</p>
        },
    };
    html! {
        <Step id="step-3" number={3} title="Your keys, made in this page" status={props.status}
              time_ms={props.facts.filter(|_| !props.wiped).map(|k| k.keygen_ms)}
              time_label="key generation">
            { body }
        </Step>
    }
}
