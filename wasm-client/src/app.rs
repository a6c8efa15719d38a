//! The root component: owns the state, starts fetches, lays out the page.

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::{PresetTable, ProductList, StatusBanner};
use crate::state::{Action, AppState, ParamsState};

/// The whole page.
#[component]
pub fn App() -> Html {
    let state = use_reducer(AppState::default);

    // One fetch per attempt: on mount, then after each retry.
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.attempt, move |&attempt| {
            spawn_local(async move {
                let action = match api::fetch_params().await {
                    Ok(document) => Action::ParamsLoaded { attempt, document },
                    Err(error) => Action::FetchFailed { attempt, error },
                };
                dispatcher.dispatch(action);
            });
        });
    }

    let on_retry = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Action::Retry))
    };

    let body = match &state.params {
        ParamsState::Ready(document) => html! {
            <>
                <PresetTable
                    presets={document.presets.clone()}
                    default_preset={document.default_preset.clone()}
                />
                <ProductList products={document.products.clone()} />
            </>
        },
        ParamsState::Loading | ParamsState::Failed(_) => html! {},
    };

    html! {
        <main class="page">
            <header class="masthead">
                <h1>{ "Blind Mirror" }</h1>
                <p class="tagline">
                    { "Skin-care recommendations computed on encrypted data. Your skin profile is \
                       encrypted in this page; the brand's server scores its catalog without \
                       seeing it, and only this page can read the scores." }
                </p>
            </header>
            <StatusBanner params={state.params.clone()} {on_retry} />
            { body }
        </main>
    }
}
