//! Step 8: FHE against cleartext, on the public demo catalog.

use std::rc::Rc;

use yew::prelude::*;

use super::Step;
use crate::flow::Outcome;
use crate::format;
use crate::state::StepStatus;

/// Properties of [`ValidationStep`].
#[derive(Properties, PartialEq)]
pub struct ValidationProps {
    /// Where the step stands.
    pub status: StepStatus,
    /// The latest outcome.
    pub outcome: Option<Rc<Outcome>>,
}

/// One row per product: decrypted score, cleartext score, error; the largest error and the bound.
#[component]
pub fn ValidationStep(props: &ValidationProps) -> Html {
    let body = match props.outcome.as_ref().map(|o| &o.validation) {
        None => html! {
            <p class="note">{ "Waiting for the decrypted scores." }</p>
        },
        Some(None) => html! {
            <p id="validation-unavailable" class="note">
                { "This server's catalog is not the public demo catalog: its weights are the \
                   brand's secret, so there is no cleartext score to compare with." }
            </p>
        },
        Some(Some(v)) => {
            let ok = v.within_bound();
            html! {
                <>
                    <p class="demo-label" role="note">
                        <strong>{ "Demo only. " }</strong>
                        { "The cleartext column is computed in this page from the demo catalog's \
                           weights, which are public for this demonstration. A real brand's \
                           weights never reach the page." }
                    </p>
                    <div class="table-scroll">
                    <table id="validation" class="validation"
                           data-max-error={v.max_error.to_string()} data-bound={v.bound.to_string()}>
                        <thead><tr>
                            <th scope="col">{ "product" }</th>
                            <th scope="col" class="num">{ "FHE (decrypted)" }</th>
                            <th scope="col" class="num">{ "cleartext (demo)" }</th>
                            <th scope="col" class="num">{ "|error|" }</th>
                        </tr></thead>
                        <tbody>
                            { for v.rows.iter().map(|r| html! {
                                <tr data-product={r.id.clone()} data-error={r.error.to_string()}
                                    data-fhe={r.fhe.to_string()} data-cleartext={r.cleartext.to_string()}>
                                    <th scope="row">{ r.name.clone() }</th>
                                    <td class="num mono">{ format!("{:+.12}", r.fhe) }</td>
                                    <td class="num mono">{ format!("{:+.12}", r.cleartext) }</td>
                                    <td class="num mono">{ format::sci(r.error) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                    </div>
                    <p id="validation-verdict" class={if ok { "ok-line" } else { "error" }}>
                        { format!("Largest error {} {} the preset's bound {} (derived in \
                                   docs/parameters.md for {} products).",
                                  format::sci(v.max_error), if ok { "is within" } else { "EXCEEDS" },
                                  format::sci(v.bound), v.rows.len()) }
                    </p>
                </>
            }
        }
    };
    html! {
        <Step id="step-8" number={8} title="Validation: encrypted versus cleartext" status={props.status}>
            { body }
        </Step>
    }
}
