//! Step 7: decryption and the recommendation.

use std::rc::Rc;

use yew::prelude::*;

use super::{BarChart, Step};
use crate::flow::Outcome;
use crate::format;
use crate::state::StepStatus;

/// Properties of [`ResultsStep`].
#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    /// Where the step stands.
    pub status: StepStatus,
    /// The latest outcome.
    pub outcome: Option<Rc<Outcome>>,
}

/// The headline, the ranking with an explanation per product, and a bar chart.
#[component]
pub fn ResultsStep(props: &ResultsProps) -> Html {
    let body = match &props.outcome {
        None => html! {
            <p class="note">{ "Only this page holds the secret key, so only it can read the scores." }</p>
        },
        Some(o) => {
            let bars: Vec<(String, f64)> = o
                .ranking
                .iter()
                .map(|r| (r.product.name.clone(), r.score))
                .collect();
            html! {
                <>
                    if let Some(headline) = &o.headline {
                        <p id="headline" class="headline-reco">
                            <span class="reco-label">{ "Recommended for you: " }</span>
                            { headline.clone() }
                        </p>
                    }
                    <dl class="facts">
                        <dt>{ "decryption" }</dt>
                        <dd><span id="time-decrypt" class="timing" data-ms={o.decrypt_ms.to_string()}>
                            { format::ms(o.decrypt_ms) }</span>
                            { format!(" for {} scores: c0'[8j+7] + (c1' s)[8j+7] mod q_0, \
                                       divided by the output scale", o.scores.len()) }</dd>
                    </dl>
                    <div class="results">
                        <BarChart bars={bars} title="Your decrypted scores, best first" />
                        <table id="ranking" class="ranking">
                            <thead><tr>
                                <th scope="col">{ "#" }</th>
                                <th scope="col">{ "product" }</th>
                                <th scope="col" class="num">{ "score" }</th>
                                <th scope="col">{ "why" }</th>
                            </tr></thead>
                            <tbody>
                                { for o.ranking.iter().map(|r| html! {
                                    <tr data-product={r.product.id.clone()}
                                        data-score={r.score.to_string()}>
                                        <td class="num">{ r.rank }</td>
                                        <th scope="row">{ r.product.name.clone() }</th>
                                        <td class="num">{ format::score(r.score) }</td>
                                        <td class="why">{ r.explanation.text.clone() }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                    <p class="note">{ "The explanation uses only your own features and each \
                                       product's public targets; the brand's weights stay secret." }</p>
                </>
            }
        }
    };
    html! {
        <Step id="step-7" number={7} title="Your scores, decrypted here" status={props.status}
              time_ms={props.outcome.as_ref().map(|o| o.decrypt_ms)} time_label="decryption">
            { body }
        </Step>
    }
}
