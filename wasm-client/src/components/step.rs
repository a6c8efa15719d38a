//! The frame of one numbered step: title, status, measured time.

use yew::prelude::*;

use crate::format;
use crate::state::StepStatus;

/// Properties of [`Step`].
#[derive(Properties, PartialEq)]
pub struct StepProps {
    /// Element id (`step-3`, ...).
    pub id: AttrValue,
    /// Step number, 1 to 9.
    pub number: u8,
    /// Title.
    pub title: AttrValue,
    /// Where the step stands.
    pub status: StepStatus,
    /// The step's measured time, if it has one.
    #[prop_or_default]
    pub time_ms: Option<f64>,
    /// What the time measures ("key generation", ...).
    #[prop_or_default]
    pub time_label: AttrValue,
    /// The step's content.
    #[prop_or_default]
    pub children: Html,
}

/// A numbered card with a status badge and, when measured, the step's time.
#[component]
pub fn Step(props: &StepProps) -> Html {
    let heading = format!("{}-title", props.id);
    let badge = match props.status {
        StepStatus::Waiting => "waiting",
        StepStatus::Running => "working…",
        StepStatus::Done => "done",
        StepStatus::Stale => "updating…",
        StepStatus::Failed => "failed",
    };
    html! {
        <section
            id={props.id.clone()}
            class={classes!("card", "step", format!("step-{}", props.status.name()))}
            aria-labelledby={heading.clone()}
            aria-busy={(props.status == StepStatus::Running).to_string()}
            data-status={props.status.name()}
        >
            <header class="step-head">
                <span class="step-number" aria-hidden="true">{ props.number }</span>
                <h2 id={heading}>{ props.title.clone() }</h2>
                <span class={classes!("step-badge", format!("badge-{}", props.status.name()))}>
                    { badge }
                </span>
                if let Some(ms) = props.time_ms {
                    <span class="step-time" title={props.time_label.clone()}>
                        { format::ms(ms) }
                    </span>
                }
            </header>
            { props.children.clone() }
        </section>
    }
}
