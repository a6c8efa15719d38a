//! The summary: every step's measured time, and a repeatable timing of the client's three steps.

use yew::prelude::*;

use crate::flow::{Benchmark, Spread};
use crate::format;
use crate::state::BenchState;

/// The client's target for key generation, encryption and decryption together, in ms.
pub const CLIENT_TARGET_MS: f64 = 5.0;

/// The times of the latest run, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RunTimes {
    /// One-time parameter setup.
    pub setup: Option<f64>,
    /// Key generation.
    pub keygen: Option<f64>,
    /// Encryption.
    pub encrypt: Option<f64>,
    /// Request to answer.
    pub round_trip: Option<f64>,
    /// Evaluation as reported by the evaluator.
    pub eval: Option<f64>,
    /// Round trip minus the time inside the evaluator.
    pub transit: Option<f64>,
    /// Decryption.
    pub decrypt: Option<f64>,
    /// Attacker's checks.
    pub attack: Option<f64>,
    /// The one-time WebAssembly warm-up: (milliseconds, rounds).
    pub warm_up: Option<(f64, u32)>,
}

/// Properties of [`SummaryStep`].
#[derive(Properties, PartialEq)]
pub struct SummaryProps {
    /// The latest run's times.
    pub times: RunTimes,
    /// Whether the evaluation ran in the page's worker.
    pub local: bool,
    /// The benchmark's progress.
    pub bench: BenchState,
    /// Whether the benchmark can run (keys and an answer exist, nothing else runs).
    pub can_bench: bool,
    /// Starts the benchmark.
    pub on_bench: Callback<()>,
}

fn time_row(id: &str, name: &str, ms: Option<f64>, note: &str) -> Html {
    html! {
        <tr id={id.to_owned()} data-ms={ms.map(|m| m.to_string()).unwrap_or_default()}>
            <th scope="row">{ name.to_owned() }</th>
            <td class="num">{ ms.map_or_else(|| "-".to_owned(), format::ms) }</td>
            <td class="note-cell">{ note.to_owned() }</td>
        </tr>
    }
}

fn spread_row(id: &str, name: &str, s: &Spread) -> Html {
    html! {
        <tr id={id.to_owned()} data-median={s.median.to_string()}>
            <th scope="row">{ name.to_owned() }</th>
            <td class="num">{ format::ms(s.median) }</td>
            <td class="num">{ format::ms(s.min) }</td>
            <td class="num">{ format::ms(s.max) }</td>
        </tr>
    }
}

fn bench_table(b: &Benchmark) -> Html {
    let ok = b.total_median <= CLIENT_TARGET_MS;
    html! {
        <>
            <table id="benchmark" class="bench" data-runs={b.keygen.runs.to_string()}
                   data-total={b.total_median.to_string()}>
                <thead><tr>
                    <th scope="col">{ "step" }</th><th scope="col" class="num">{ "median" }</th>
                    <th scope="col" class="num">{ "min" }</th><th scope="col" class="num">{ "max" }</th>
                </tr></thead>
                <tbody>
                    { spread_row("bench-keygen", "key generation", &b.keygen) }
                    { spread_row("bench-encrypt", "encryption", &b.encrypt) }
                    { spread_row("bench-decrypt", "decryption", &b.decrypt) }
                </tbody>
            </table>
            <p class={if ok { "ok-line" } else { "warn-line" }}>
                { format!("Together {} (medians of {} runs); the target is {}.",
                          format::ms(b.total_median), b.keygen.runs, format::ms(CLIENT_TARGET_MS)) }
            </p>
        </>
    }
}

/// A table of the latest run's times and the benchmark's results.
#[component]
pub fn SummaryStep(props: &SummaryProps) -> Html {
    let t = props.times;
    let client = match (t.keygen, t.encrypt, t.decrypt) {
        (Some(k), Some(e), Some(d)) => Some(k + e + d),
        _ => None,
    };
    let bench = {
        let cb = props.on_bench.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let evaluator = if props.local { "worker" } else { "server" };
    html! {
        <section id="summary" class="card summary" aria-labelledby="summary-title">
            <h2 id="summary-title">{ "Summary: what each step took" }</h2>
            <table class="times">
                <tbody>
                    { time_row("sum-warm-up", "WebAssembly warm-up", t.warm_up.map(|w| w.0),
                               &format!("once, {} untimed rounds of every step so the browser \
                                         compiles and optimizes them",
                                        t.warm_up.map_or(0, |w| w.1))) }
                    { time_row("sum-setup", "parameter setup", t.setup, "once per preset") }
                    { time_row("sum-keygen", "3 key generation", t.keygen, "in this page") }
                    { time_row("sum-encrypt", "4 encryption", t.encrypt, "in this page") }
                    { time_row("sum-round-trip", "6 round trip", t.round_trip,
                               "request sent to answer read") }
                    { time_row("sum-eval", "6 evaluation", t.eval, &format!("in the {evaluator}")) }
                    { time_row("sum-network", "6 network and transfer", t.transit,
                               "round trip minus the time inside the evaluator") }
                    { time_row("sum-decrypt", "7 decryption", t.decrypt, "in this page") }
                    { time_row("sum-attack", "9 attacker's checks", t.attack, "in this page") }
                    { time_row("sum-client", "keys + encryption + decryption", client,
                               &format!("target {}", format::ms(CLIENT_TARGET_MS))) }
                </tbody>
            </table>
            <p>{ "Single timings are noisy. Time the three client steps 20 times on this device \
                  (fresh keys each round; the page stays responsive between rounds):" }</p>
            <button id="bench" type="button" onclick={bench}
                    disabled={!props.can_bench || matches!(props.bench, BenchState::Running { .. })}>
                { "Time 20 runs" }
            </button>
            { match &props.bench {
                BenchState::Idle => html! {},
                BenchState::Running { done, total } => html! {
                    <p role="status"><span class="spinner" aria-hidden="true"></span>
                        { format!(" round {done} of {total}…") }</p>
                },
                BenchState::Done(b) => bench_table(b),
                BenchState::Failed(e) => html! { <p class="error" role="alert">{ e.to_string() }</p> },
            } }
        </section>
    }
}
