//! Step 9: what an attacker who captured the bytes can do with them, tried live.

use std::rc::Rc;

use scoring::inspect::stats::ChiSquare;
use yew::prelude::*;

use super::{Histogram, Step};
use crate::flow::{Attack, Outcome};
use crate::format;
use crate::state::StepStatus;

/// Properties of [`AttackerStep`].
#[derive(Properties, PartialEq)]
pub struct AttackerProps {
    /// Where the step stands.
    pub status: StepStatus,
    /// The latest checks.
    pub attack: Option<Rc<Attack>>,
    /// The latest outcome (the true scores, for comparison).
    pub outcome: Option<Rc<Outcome>>,
}

fn verdict(test: Option<&ChiSquare>) -> String {
    match test {
        Some(t) if t.p_value >= 0.001 => format!(
            "chi-square {:.1} with {} degrees of freedom, p = {:.3}: indistinguishable from \
             uniform random bytes",
            t.statistic, t.degrees_of_freedom, t.p_value
        ),
        Some(t) => format!(
            "chi-square {:.1} with {} degrees of freedom, p = {:.1e}: not uniform",
            t.statistic, t.degrees_of_freedom, t.p_value
        ),
        None => "no bytes".to_owned(),
    }
}

/// The byte histogram, the wrong-key decryption and the lattice estimate.
#[component]
pub fn AttackerStep(props: &AttackerProps) -> Html {
    let body = match &props.attack {
        None => html! {
            <p class="note">{ "Once the bytes are captured, this step attacks them." }</p>
        },
        Some(a) => {
            let req = &a.request_histogram;
            let p_value = a.request_test.map_or(f64::NAN, |t| t.p_value);
            let names: Vec<(String, f64)> = props
                .outcome
                .as_ref()
                .map(|o| {
                    o.scores
                        .iter()
                        .map(|s| {
                            let name = o
                                .ranking
                                .iter()
                                .find(|r| r.product.id == s.id)
                                .map_or_else(|| s.id.clone(), |r| r.product.name.clone());
                            (name, s.score)
                        })
                        .collect()
                })
                .unwrap_or_default();
            html! {
                <>
                    <h3>{ "1. Look for structure in the bytes" }</h3>
                    <p>{ format!("The {} request bytes by value. A plaintext would pile up on a \
                                  few values (zeros, small numbers); RLWE ciphertext does not.",
                                 format::thousands(req.total() as usize)) }</p>
                    <Histogram counts={req.counts().to_vec()} expected={req.expected()}
                               title="Histogram of the request's byte values" />
                    <ul class="checks">
                        <li id="uniformity" data-p-value={p_value.to_string()}>
                            { format!("Request: {}; entropy {:.4} bits per byte (8 is the maximum).",
                                      verdict(a.request_test.as_ref()), req.entropy_bits()) }
                        </li>
                        <li>{ format!("Response: {}.", verdict(a.response_test.as_ref())) }</li>
                    </ul>
                    <h3>{ "2. Decrypt with a key of one's own" }</h3>
                    <p>{ format!("A freshly generated key, same preset, decrypting the captured \
                                  answer ({}):", format::ms(a.wrong_key_ms)) }</p>
                    <table id="wrong-key" class="wrong-key">
                        <thead><tr>
                            <th scope="col">{ "product" }</th>
                            <th scope="col" class="num">{ "your key" }</th>
                            <th scope="col" class="num">{ "wrong key" }</th>
                        </tr></thead>
                        <tbody>
                            { for a.wrong_key_scores.iter().enumerate().map(|(i, w)| {
                                let (name, real) = names.get(i).cloned()
                                    .unwrap_or_else(|| (format!("#{}", i + 1), f64::NAN));
                                html! {
                                    <tr data-wrong={w.to_string()}>
                                        <th scope="row">{ name }</th>
                                        <td class="num">{ format::score(real) }</td>
                                        <td class="num">{ format::score(*w) }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                    <p>{ format!("Without the secret key each value is uniform over +-{:.2}, the \
                                  whole range the output modulus holds: numbers that look like \
                                  scores and carry nothing.", a.wrong_key_range) }</p>
                    <h3>{ "3. Attack the lattice" }</h3>
                    if let Some(l) = a.lattice {
                        <p id="lattice" data-bits={l.bits.to_string()}>
                            { format!("The best known attack on these samples (primal, unique-SVP: \
                                       BKZ on a lattice of dimension {} built from {} LWE samples, \
                                       n = {}, log2 Q = {:.1}) needs block size {}: about 2^{:.0} \
                                       operations (core-SVP 2^{:.0}). The 128-bit level is 2^128.",
                                      l.dimension, l.samples, l.n, l.log2_q, l.block_size,
                                      l.bits, l.core_svp_bits) }
                        </p>
                    }
                    <p class="note">{ "What the server learns is the same as what this attacker \
                                       learns: nothing about the profile beyond its size." }</p>
                </>
            }
        }
    };
    html! {
        <Step id="step-9" number={9} title="What an attacker can do with the captured bytes"
              status={props.status} time_ms={props.attack.as_ref().map(|a| a.total_ms)}
              time_label="attacker's checks">
            { body }
        </Step>
    }
}
