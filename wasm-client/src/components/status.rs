//! The banner under the title: where the service description came from.

use yew::prelude::*;

use crate::state::{Backend, ParamsState};

/// Properties of [`StatusBanner`].
#[derive(Properties, PartialEq)]
pub struct StatusProps {
    /// Loading state of the service description.
    pub params: ParamsState,
    /// Asks for another attempt.
    pub on_retry: Callback<()>,
}

/// Loading, connected to the server, running locally, or failed (with a retry button).
#[component]
pub fn StatusBanner(props: &StatusProps) -> Html {
    let retry = {
        let on_retry = props.on_retry.clone();
        Callback::from(move |_: MouseEvent| on_retry.emit(()))
    };
    let retry_button = html! {
        <button id="retry" type="button" onclick={retry}>{ "Try the server again" }</button>
    };
    match &props.params {
        ParamsState::Loading => html! {
            <div id="status" class="status status-loading" data-state="loading" role="status">
                <p class="headline"><span class="spinner" aria-hidden="true"></span>
                    { "Asking the scoring server for its parameters…" }</p>
            </div>
        },
        ParamsState::Ready {
            document,
            backend: Backend::Server,
        } => html! {
            <div id="status" class="status status-ready" data-state="server" role="status">
                <p class="headline">{ "Connected to the scoring server." }</p>
                <p class="detail">
                    { format!("It scores a catalog of {} products and accepts {} parameter preset(s); \
                               your profile is encrypted before anything is sent.",
                              document.products.len(), document.presets.len()) }
                </p>
            </div>
        },
        ParamsState::Ready {
            backend: Backend::Local { reason },
            ..
        } => html! {
            <div id="status" class="status status-local" data-state="local" role="status">
                <p class="headline">
                    { "Local mode: no scoring server answers here, so this page runs the server's \
                       own evaluation code in a Web Worker on the bundled demo catalog." }
                </p>
                <p class="detail">{ format!("Why: {reason}.") }</p>
                <p class="hint">
                    { "Everything else is unchanged: the worker only ever sees the encrypted bytes \
                       below, exactly as a server would." }
                </p>
                { retry_button }
            </div>
        },
        ParamsState::Failed(error) => html! {
            <div id="status" class="status status-failed" data-state="failed" role="alert">
                <p class="headline">{ error.headline() }</p>
                <p class="detail">{ error.to_string() }</p>
                { retry_button }
            </div>
        },
    }
}
