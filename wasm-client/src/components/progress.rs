//! The sticky progress line: what the page is doing right now.

use yew::prelude::*;

use crate::state::{Backend, Stage};

/// Properties of [`Progress`].
#[derive(Properties, PartialEq)]
pub struct ProgressProps {
    /// Step of the current run.
    pub stage: Stage,
    /// Who evaluates.
    pub backend: Option<Backend>,
    /// Whether a slider moved and a run is about to start.
    pub pending: bool,
    /// Number of the current run.
    pub run: u32,
    /// Whether the person wiped the keys.
    #[prop_or_default]
    pub wiped: bool,
}

/// One line, announced politely to screen readers, with a spinner while work is under way.
#[component]
pub fn Progress(props: &ProgressProps) -> Html {
    let local = matches!(props.backend, Some(Backend::Local { .. }));
    let (text, working) = match props.stage {
        _ if props.pending => ("Profile changed: encrypting again in a moment…", true),
        Stage::Idle if props.wiped => ("Keys wiped: nothing runs until you make new ones.", false),
        Stage::Idle => ("Waiting.", false),
        Stage::Keys => ("Generating your keys in this page…", true),
        Stage::Encrypting => ("Encrypting your profile…", true),
        Stage::Sending if local => ("Scoring the encrypted profile in the Web Worker…", true),
        Stage::Sending => (
            "Waiting for the server to score the encrypted profile…",
            true,
        ),
        Stage::Decrypting => ("Decrypting your scores…", true),
        Stage::Checking => ("Running the attacker's checks on the captured bytes…", true),
        Stage::Done => (
            "Done: every step below ran on your own keys and bytes.",
            false,
        ),
        Stage::Failed => ("A step failed: see the message below.", false),
    };
    let stage = format!("{:?}", props.stage).to_lowercase();
    html! {
        <div id="progress" class={classes!("progress", working.then_some("progress-working"))}
             data-stage={stage} data-run={props.run.to_string()}
             data-pending={props.pending.to_string()}
             role="status" aria-live="polite">
            if working { <span class="spinner" aria-hidden="true"></span> }
            <span>{ text }</span>
        </div>
    }
}
