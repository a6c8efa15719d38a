//! The root component: owns the state, runs the protocol steps, lays out the nine steps.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use scoring::api::ParamsDocument;
use scoring::{Preset, SkinProfile};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::browser::next_frame;
use crate::components::{
    AttackerStep, EncryptionFacts, HexDump, KeyFacts, KeysStep, ParametersStep, ProfileStep,
    Progress, ResultsStep, RunTimes, ScenarioStep, ServerStep, StatusBanner, Step, SummaryStep,
    ValidationStep,
};
use crate::error::UiError;
use crate::flow::{self, Keys};
use crate::state::{Action, AppState, Backend, BenchState, Stage};
use crate::{api, local};

/// Pause after the last slider move before the page encrypts again.
pub const RERUN_DELAY_MS: u32 = 250;
/// Rounds of the timing benchmark.
pub const BENCH_ROUNDS: u32 = 20;

type Dispatcher = UseReducerDispatcher<AppState>;

/// Everything one run needs, taken from the state when the run starts.
struct Job {
    run: u32,
    stage: Stage,
    preset: Preset,
    profile: [f64; scoring::FEATURE_COUNT],
    keys: Option<Keys>,
    backend: Backend,
    document: Rc<ParamsDocument>,
    /// The page's current run number: a job stops as soon as a newer run starts.
    current: Rc<RefCell<u32>>,
}

impl Job {
    fn from_state(state: &AppState, current: Rc<RefCell<u32>>) -> Option<Self> {
        let (document, backend) = state.ready()?;
        if !matches!(state.stage, Stage::Keys | Stage::Encrypting) {
            return None;
        }
        Some(Self {
            run: state.run,
            stage: state.stage,
            preset: state.preset?,
            profile: state.profile,
            keys: state.keys.clone(),
            backend: backend.clone(),
            document: Rc::clone(document),
            current,
        })
    }

    fn stale(&self) -> bool {
        *self.current.borrow() != self.run
    }

    async fn run(self, dispatcher: Dispatcher) {
        let run = self.run;
        match self.steps(&dispatcher).await {
            Ok(()) => {}
            Err(error) => dispatcher.dispatch(Action::StepFailed { run, error }),
        }
    }

    async fn steps(&self, d: &Dispatcher) -> Result<(), UiError> {
        let run = self.run;
        next_frame().await;
        if flow::needs_warm_up() {
            let mut warm = flow::WarmUp::default();
            loop {
                let (keygen, round) =
                    flow::warm_up_round(self.preset, self.document.products.len())?;
                // Let the page paint and the engine's background compilation proceed.
                next_frame().await;
                if warm.record(keygen, round) {
                    break;
                }
            }
            flow::warm_up_done();
            d.dispatch(Action::WarmedUp {
                ms: warm.total_ms,
                rounds: warm.rounds,
            });
        }
        let keys = match (&self.keys, self.stage) {
            (Some(keys), Stage::Encrypting) => keys.clone(),
            _ => {
                let keys = flow::generate_keys(self.preset)?;
                d.dispatch(Action::KeysReady {
                    run,
                    keys: keys.clone(),
                });
                next_frame().await;
                keys
            }
        };
        if self.stale() {
            return Ok(());
        }
        let profile =
            SkinProfile::new(self.profile).map_err(|e| UiError::protocol("encryption", &e))?;
        let encrypted = Rc::new(flow::encrypt(&keys, profile)?);
        d.dispatch(Action::Encrypted {
            run,
            encrypted: Rc::clone(&encrypted),
        });
        let exchange = match &self.backend {
            Backend::Server => {
                let reply =
                    api::post_score(&encrypted.bytes, &self.document.catalog_fingerprint).await?;
                flow::server_exchange(&keys, reply)?
            }
            Backend::Local { .. } => {
                let reply = local::score_in_worker(encrypted.bytes.clone()).await?;
                flow::worker_exchange(&keys, reply)?
            }
        };
        if self.stale() {
            return Ok(());
        }
        let exchange = Rc::new(exchange);
        d.dispatch(Action::Answered {
            run,
            exchange: Rc::clone(&exchange),
        });
        next_frame().await;
        let outcome = flow::decrypt(&keys, &encrypted, &exchange, &self.document.products)?;
        d.dispatch(Action::Decrypted {
            run,
            outcome: Rc::new(outcome),
        });
        next_frame().await;
        if self.stale() {
            return Ok(());
        }
        let attack = flow::attack(&keys, &encrypted.bytes, &exchange.response)?;
        d.dispatch(Action::Checked {
            run,
            attack: Rc::new(attack),
        });
        Ok(())
    }
}

/// Times the three client steps [`BENCH_ROUNDS`] times, letting the page paint between rounds.
async fn benchmark(
    keys: Keys,
    profile: SkinProfile,
    response: Vec<u8>,
    document: Rc<ParamsDocument>,
    d: Dispatcher,
) {
    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    for round in 0..BENCH_ROUNDS {
        next_frame().await;
        match flow::benchmark_round(&keys, profile, &response, &document.products) {
            Ok(t) => {
                for (list, value) in times.iter_mut().zip(t) {
                    list.push(value);
                }
            }
            Err(error) => {
                d.dispatch(Action::BenchDone(Err(error)));
                return;
            }
        }
        d.dispatch(Action::BenchProgress {
            done: round + 1,
            total: BENCH_ROUNDS,
        });
    }
    let [keygen, encrypt, decrypt] = &times;
    let result = flow::Benchmark::of(keygen, encrypt, decrypt).ok_or(UiError::Protocol {
        step: "timing",
        reason: "no timing was recorded".to_owned(),
    });
    d.dispatch(Action::BenchDone(result));
}

/// The whole page.
#[component]
pub fn App() -> Html {
    let state = use_reducer(AppState::default);
    let current = use_mut_ref(|| 0u32);
    let debounce = use_mut_ref(|| None::<Timeout>);
    *current.borrow_mut() = state.run;

    // One fetch of the service description per attempt: on mount, then after each retry.
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.attempt, move |&attempt| {
            spawn_local(async move {
                let action = match api::fetch_params().await {
                    Ok(document) => Action::ParamsLoaded { attempt, document },
                    Err(error) => {
                        let local = error
                            .is_unreachable()
                            .then(scoring::api::params_document)
                            .and_then(Result::ok);
                        Action::FetchFailed {
                            attempt,
                            error,
                            local,
                        }
                    }
                };
                dispatcher.dispatch(action);
            });
        });
    }

    // One job per run.
    {
        let dispatcher = state.dispatcher();
        let job = Job::from_state(&state, Rc::clone(&current));
        use_effect_with(state.run, move |_| {
            if let Some(job) = job {
                spawn_local(job.run(dispatcher));
            }
        });
    }

    let dispatch = |action: Action| {
        let dispatcher = state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(action.clone()))
    };
    let on_retry = dispatch(Action::Retry);
    let on_reset = dispatch(Action::Reset);
    let on_start = dispatch(Action::Start);
    let on_rerun = {
        let cb = dispatch(Action::Rerun);
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let on_select = {
        let dispatcher = state.dispatcher();
        Callback::from(move |preset| dispatcher.dispatch(Action::SelectPreset(preset)))
    };
    let on_feature = {
        let dispatcher = state.dispatcher();
        Callback::from(move |(index, value): (usize, f64)| {
            dispatcher.dispatch(Action::SetFeature { index, value });
            let later = dispatcher.clone();
            *debounce.borrow_mut() = Some(Timeout::new(RERUN_DELAY_MS, move || {
                later.dispatch(Action::Rerun);
            }));
        })
    };
    let on_bench = {
        let dispatcher = state.dispatcher();
        let job = match (
            &state.keys,
            &state.exchange,
            state.skin_profile(),
            state.ready(),
        ) {
            (Some(keys), Some(exchange), Some(profile), Some((document, _))) => Some((
                keys.clone(),
                profile,
                exchange.response.clone(),
                Rc::clone(document),
            )),
            _ => None,
        };
        Callback::from(move |()| {
            if let Some((keys, profile, response, document)) = job.clone() {
                dispatcher.dispatch(Action::BenchProgress {
                    done: 0,
                    total: BENCH_ROUNDS,
                });
                spawn_local(benchmark(
                    keys,
                    profile,
                    response,
                    document,
                    dispatcher.clone(),
                ));
            }
        })
    };

    let header = html! {
        <header class="masthead">
            <h1>{ "Blind Mirror" }</h1>
            <p class="tagline">
                { "Skin-care recommendations computed on encrypted data. Your skin profile is \
                   encrypted in this page; the brand scores its catalog without seeing it, and \
                   only this page can read the scores." }
            </p>
        </header>
    };
    let banner = html! { <StatusBanner params={state.params.clone()} on_retry={on_retry} /> };

    let Some((document, backend)) = state.ready() else {
        return html! { <main class="page">{ header }{ banner }</main> };
    };
    let local = matches!(backend, Backend::Local { .. });
    let preset = state.preset.unwrap_or_default();
    let products = document.products.len();

    let key_facts = state.keys.as_ref().map(|k| {
        let params = k.session.params();
        KeyFacts {
            n: params.n(),
            keygen_ms: k.keygen_ms,
            setup_ms: k.setup_ms,
            public_key_bytes: state.encrypted.as_ref().map_or(0, |e| e.sizes.public_key),
            compressed_bits: params.compressed_bits(),
        }
    });
    let encryption = state.encrypted.as_ref().map(|e| EncryptionFacts {
        encrypt_ms: e.encrypt_ms,
        ciphertext_bytes: e.sizes.ciphertext,
        request_bytes: e.sizes.total,
        log2_df: state
            .keys
            .as_ref()
            .map_or(0.0, |k| k.session.params().df().log2()),
    });
    let times = RunTimes {
        setup: state.keys.as_ref().map(|k| k.setup_ms),
        keygen: state.keys.as_ref().map(|k| k.keygen_ms),
        encrypt: state.encrypted.as_ref().map(|e| e.encrypt_ms),
        round_trip: state.exchange.as_ref().map(|x| x.round_trip_ms),
        eval: state.exchange.as_ref().and_then(|x| x.eval_ms),
        transit: state.exchange.as_ref().and_then(|x| x.transit_ms()),
        decrypt: state.outcome.as_ref().map(|o| o.decrypt_ms),
        attack: state.attack.as_ref().map(|a| a.total_ms),
        warm_up: state.warm_up,
    };
    let can_bench = state.keys.is_some()
        && state.exchange.is_some()
        && !state.busy()
        && !matches!(state.bench, BenchState::Running { .. });

    let hexdump = match &state.encrypted {
        Some(e) => html! {
            <>
                <p>{ format!("This is the whole POST body sent to /api/v1/score, byte for byte: \
                              the {}-byte header, the ciphertext (a 32-byte seed and c0) and the \
                              compressed public key. Nothing else about you leaves the page.",
                             e.sizes.header) }</p>
                <HexDump id="hexdump" bytes={Rc::new(e.bytes.clone())}
                         fields={Rc::new(e.fields.clone())} label="the request"
                         file_name="blind-mirror-request.bin" />
            </>
        },
        None => html! { <p class="note">{ "Waiting for the encryption." }</p> },
    };

    let error = state.error.as_ref().map(|e| {
        html! {
            <div id="run-error" class="status status-failed" role="alert">
                <p class="headline">{ e.headline() }</p>
                <p class="detail">{ e.to_string() }</p>
                <button type="button" onclick={on_rerun.clone()}>{ "Try again" }</button>
            </div>
        }
    });

    html! {
        <main class="page" data-stage={format!("{:?}", state.stage).to_lowercase()}>
            { header }
            { banner }
            <Progress stage={state.stage} backend={Some(backend.clone())}
                      pending={state.profile_changed} run={state.run} wiped={state.wiped} />
            { for error }
            <ScenarioStep document={Rc::clone(document)} {local} />
            <ParametersStep presets={AppState::usable_presets(document)} active={preset}
                            {products} busy={state.busy()} {on_select} />
            <KeysStep status={state.step_status(Stage::Keys, state.keys.is_some())}
                      facts={key_facts} wiped={state.wiped} {on_reset} {on_start} />
            <ProfileStep status={state.step_status(Stage::Encrypting, state.encrypted.is_some())}
                         profile={state.profile} facts={encryption} on_change={on_feature} />
            <Step id="step-5" number={5} title="The exact bytes that leave your device"
                  status={state.step_status(Stage::Encrypting, state.encrypted.is_some())}>
                { hexdump }
            </Step>
            <ServerStep status={state.step_status(Stage::Sending, state.exchange.is_some())}
                        exchange={state.exchange.clone()} {local} />
            <ResultsStep status={state.step_status(Stage::Decrypting, state.outcome.is_some())}
                         outcome={state.outcome.clone()} />
            <ValidationStep status={state.step_status(Stage::Decrypting, state.outcome.is_some())}
                            outcome={state.outcome.clone()} />
            <AttackerStep status={state.step_status(Stage::Checking, state.attack.is_some())}
                          attack={state.attack.clone()} outcome={state.outcome.clone()} />
            <SummaryStep {times} {local} bench={state.bench.clone()} {can_bench} {on_bench} />
            <footer class="footer">
                <p>{ "Blind Mirror: CKKS over R_Q = Z_Q[X]/(X^n + 1), coefficient packing, \
                      model privacy by re-randomization. Every number on this page was measured \
                      in your browser just now." }</p>
            </footer>
        </main>
    }
}
