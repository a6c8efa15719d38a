//! The line that says whether the scoring server answered.

use yew::prelude::*;

use crate::state::ParamsState;

/// Properties of [`StatusBanner`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct StatusBannerProps {
    /// Loading state of the service description.
    pub params: ParamsState,
    /// Called when the person asks to try again.
    pub on_retry: Callback<()>,
}

/// Connection status, with a retry button after a failure.
///
/// Its `data-state` attribute (`loading`, `ready`, `unreachable`, `incompatible`) lets
/// browser tests wait for an outcome.
#[component]
pub fn StatusBanner(props: &StatusBannerProps) -> Html {
    let retry = {
        let on_retry = props.on_retry.clone();
        Callback::from(move |_: MouseEvent| on_retry.emit(()))
    };
    match &props.params {
        ParamsState::Loading => html! {
            <section id="status" class="status status-loading" data-state="loading" role="status">
                <p>{ "Contacting the scoring server…" }</p>
            </section>
        },
        ParamsState::Ready(_) => html! {
            <section id="status" class="status status-ready" data-state="ready" role="status">
                <p>{ "Connected to the scoring server." }</p>
            </section>
        },
        ParamsState::Failed(error) => {
            let (state, headline) = if error.is_unreachable() {
                ("unreachable", "The scoring server is unreachable.")
            } else {
                (
                    "incompatible",
                    "The scoring server speaks another version of the protocol.",
                )
            };
            html! {
                <section id="status" class="status status-failed" data-state={state} role="alert">
                    <p class="headline">{ headline }</p>
                    <p class="detail">{ error.to_string() }</p>
                    if error.is_unreachable() {
                        <p class="hint">
                            { "The page needs the Blind Mirror server at this address \
                               (`bash tools/demo.sh` starts it). Start it, then try again." }
                        </p>
                    }
                    <button id="retry" type="button" onclick={retry}>{ "Try again" }</button>
                </section>
            }
        }
    }
}
