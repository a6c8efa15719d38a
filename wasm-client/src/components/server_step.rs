//! Step 6: the evaluation, by the server or by the in-page worker.

use std::rc::Rc;

use yew::prelude::*;

use super::{HexDump, Step};
use crate::flow::{Evaluator, Exchange};
use crate::format;
use crate::state::StepStatus;

/// Properties of [`ServerStep`].
#[derive(Properties, PartialEq)]
pub struct ServerProps {
    /// Where the step stands.
    pub status: StepStatus,
    /// The latest answer.
    pub exchange: Option<Rc<Exchange>>,
    /// Whether the page runs without a server.
    pub local: bool,
}

/// Round trip, evaluation time, catalog size, and the answer's bytes.
#[component]
pub fn ServerStep(props: &ServerProps) -> Html {
    let title = if props.local {
        "The evaluation, in a Web Worker (no server)"
    } else {
        "The server's evaluation"
    };
    let body = match &props.exchange {
        None => html! {
            <p class="note">{ "The encrypted profile goes out as one POST of the bytes above." }</p>
        },
        Some(x) => {
            let (who, timing_source) = match x.evaluator {
                Evaluator::Server => ("the scoring server", "its Server-Timing header"),
                Evaluator::Worker => ("a Web Worker of this page", "the worker's clock"),
            };
            let network = x.transit_ms();
            let response = Rc::new(x.response.clone());
            let fields = Rc::new(x.fields.clone());
            let evaluator = match x.evaluator {
                Evaluator::Server => "server",
                Evaluator::Worker => "worker",
            };
            html! {
                <>
                    <dl class="facts" id="evaluation" data-evaluator={evaluator}>
                        <dt>{ "evaluated by" }</dt>
                        <dd>{ format!("{who}, on {} products (up to {} per result \
                                       ciphertext), seeing only the request bytes",
                                      x.products, x.per_ciphertext) }</dd>
                        <dt>{ "evaluation" }</dt>
                        <dd>
                            if let Some(eval) = x.eval_ms {
                                <span id="time-eval" class="timing" data-ms={eval.to_string()}>
                                    { format::ms(eval) }</span>
                                { format!(" (from {timing_source}): c0 W and a W for every block, \
                                           re-randomization with your public key, modulus switch, \
                                           compression") }
                            } else {
                                { "not reported (no Server-Timing header)" }
                            }
                        </dd>
                        if let Some(net) = x.network_ms {
                            <dt>{ "network" }</dt>
                            <dd><span id="time-network" class="timing" data-ms={net.to_string()}>
                                { format::ms(net) }</span>
                                { " request to last byte of the answer, by the browser's own \
                                   Resource Timing" }</dd>
                        }
                        <dt>{ "round trip" }</dt>
                        <dd><span id="time-round-trip" class="timing"
                                  data-ms={x.round_trip_ms.to_string()}>
                            { format::ms(x.round_trip_ms) }</span>
                            if let Some(total) = x.server_total_ms {
                                { format!(": {} in the server (queue, evaluation, framing)",
                                          format::ms(total)) }
                            }
                            if let Some(net) = network {
                                { if props.local {
                                    format!(", {} outside the evaluation (messages to and from \
                                             the worker, loading it on first use, and the page \
                                             rendering the previous step meanwhile)",
                                            format::ms(net))
                                } else {
                                    format!("; {} of the network timing is outside the server \
                                             (network and transfer); the rest of the round trip \
                                             is the page rendering the previous step meanwhile",
                                            format::ms(net))
                                } }
                            }
                        </dd>
                        if let Some(encode) = x.encode_ms {
                            <dt>{ "catalog encoding" }</dt>
                            <dd>{ format!("{} (once per preset, in the worker)", format::ms(encode)) }</dd>
                        }
                        <dt>{ "catalog" }</dt>
                        <dd id="catalog-size">{ format!("{} products", x.products) }</dd>
                        <dt>{ "answer" }</dt>
                        <dd>{ format!("{}: one c1' per block and one coefficient of c0' per \
                                       product; the other coefficients never leave the evaluator",
                                      format::bytes(x.response.len())) }</dd>
                        if !x.timing.is_empty() {
                            <dt>{ "Server-Timing" }</dt>
                            <dd class="mono">
                                { x.timing.iter().map(|m| match m.duration_ms {
                                    Some(d) => format!("{}={d:.3} ms", m.name),
                                    None => m.name.clone(),
                                }).collect::<Vec<_>>().join(", ") }
                            </dd>
                        }
                    </dl>
                    <details class="response-bytes">
                        <summary>{ "The answer's bytes, annotated" }</summary>
                        <HexDump id="hexdump-response" bytes={response} fields={fields}
                                 label="the response" file_name="blind-mirror-response.bin" />
                    </details>
                </>
            }
        }
    };
    html! {
        <Step id="step-6" number={6} title={title} status={props.status}
              time_ms={props.exchange.as_ref().map(|x| x.round_trip_ms)} time_label="round trip">
            { body }
        </Step>
    }
}
