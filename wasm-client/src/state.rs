//! The page's state machine: a pure [`Reducible`], tested without a browser.
//!
//! ```text
//! params:  Loading --ParamsLoaded--> Ready { Server }
//!                  --FetchFailed (unreachable)--> Ready { Local } (the demo catalog, in a worker)
//!                  --FetchFailed (other)--> Failed --Retry--> Loading
//! run:     Keys -> Encrypting -> Sending -> Decrypting -> Checking -> Done
//!                 (any step) --StepFailed--> Failed
//! ```
//!
//! Every run has a number. Moving a slider, switching the preset or resetting starts a new run
//! (slider moves after a pause: the app debounces them into one [`Action::Rerun`]); results
//! that arrive for an older run are ignored, so a slow answer never overwrites a newer one. A
//! run keeps the keys when the preset has not changed, so only the first run generates them.
//! [`Action::Reset`] drops the keys: the last `Rc` of the session goes, and the library zeroizes
//! the secret key.

use std::rc::Rc;

use scoring::api::{PARAMS_DOCUMENT_VERSION, ParamsDocument};
use scoring::{FEATURE_COUNT, Preset, SkinProfile};
use yew::Reducible;

use crate::error::UiError;
use crate::flow::{Attack, Benchmark, Encrypted, Exchange, Keys, Outcome};

/// Who evaluates the scores.
#[derive(Debug, Clone, PartialEq)]
pub enum Backend {
    /// The scoring server that served this page.
    Server,
    /// No server answered: the same code runs in a Web Worker on the bundled demo catalog.
    Local {
        /// Why the server was considered unreachable.
        reason: UiError,
    },
}

/// Where loading the service description stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamsState {
    /// The request is under way.
    Loading,
    /// The service is described, by the server or by the page itself.
    Ready {
        /// The description.
        document: Rc<ParamsDocument>,
        /// Who evaluates.
        backend: Backend,
    },
    /// The description could not be obtained or read, and no local fallback applies.
    Failed(UiError),
}

/// The step a run is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Nothing runs (before the service is known, or after a reset).
    Idle,
    /// Generating keys.
    Keys,
    /// Encrypting the profile.
    Encrypting,
    /// Waiting for the evaluation.
    Sending,
    /// Decrypting and ranking.
    Decrypting,
    /// Running the attacker's checks.
    Checking,
    /// Every step done.
    Done,
    /// A step failed (see [`AppState::error`]).
    Failed,
}

/// How a step of the page stands in the current run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// Not reached yet, nothing to show.
    Waiting,
    /// Working on it now.
    Running,
    /// Shown results belong to the current run.
    Done,
    /// Shown results belong to an earlier run; the current one has not reached this step.
    Stale,
    /// The current run failed at this step.
    Failed,
}

impl StepStatus {
    /// Lower-case name (a CSS class suffix and a data attribute for tests).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Running => "running",
            Self::Done => "done",
            Self::Stale => "stale",
            Self::Failed => "failed",
        }
    }
}

/// The timing benchmark's progress.
#[derive(Debug, Clone, PartialEq)]
pub enum BenchState {
    /// Not run.
    Idle,
    /// Running: `done` of `total` rounds finished.
    Running {
        /// Rounds finished.
        done: u32,
        /// Rounds planned.
        total: u32,
    },
    /// Finished.
    Done(Benchmark),
    /// Failed.
    Failed(UiError),
}

/// The whole state of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    /// Number of the current fetch of the service description; a retry increments it.
    pub attempt: u32,
    /// Service description, or why it is missing.
    pub params: ParamsState,
    /// The preset in use.
    pub preset: Option<Preset>,
    /// The slider values, in [`scoring::SkinFeature::ALL`] order.
    pub profile: [f64; FEATURE_COUNT],
    /// Whether a slider moved since the last run started (a re-run is pending).
    pub profile_changed: bool,
    /// Number of the current run.
    pub run: u32,
    /// Step of the current run.
    pub stage: Stage,
    /// The key pair, while the page holds one.
    pub keys: Option<Keys>,
    /// Whether the person wiped the keys (the page waits for them to start again).
    pub wiped: bool,
    /// The latest request.
    pub encrypted: Option<Rc<Encrypted>>,
    /// The latest answer.
    pub exchange: Option<Rc<Exchange>>,
    /// The latest decrypted outcome.
    pub outcome: Option<Rc<Outcome>>,
    /// The latest attacker's checks.
    pub attack: Option<Rc<Attack>>,
    /// Why the current run failed.
    pub error: Option<UiError>,
    /// The step at which the current run failed.
    pub failed_at: Option<Stage>,
    /// The timing benchmark.
    pub bench: BenchState,
    /// The one-time WebAssembly warm-up, once it ran: (milliseconds, rounds).
    pub warm_up: Option<(f64, u32)>,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            attempt: 0,
            params: ParamsState::Loading,
            preset: None,
            profile: SkinProfile::REFERENCE_VALUES,
            profile_changed: false,
            run: 0,
            stage: Stage::Idle,
            keys: None,
            wiped: false,
            encrypted: None,
            exchange: None,
            outcome: None,
            attack: None,
            error: None,
            failed_at: None,
            bench: BenchState::Idle,
            warm_up: None,
        }
    }
}

impl AppState {
    /// The service description and backend, once known.
    pub fn ready(&self) -> Option<(&Rc<ParamsDocument>, &Backend)> {
        match &self.params {
            ParamsState::Ready { document, backend } => Some((document, backend)),
            _ => None,
        }
    }

    /// The current profile (the sliders only produce values in [0, 1]).
    pub fn skin_profile(&self) -> Option<SkinProfile> {
        SkinProfile::new(self.profile).ok()
    }

    /// Whether a run is under way.
    pub fn busy(&self) -> bool {
        !matches!(self.stage, Stage::Idle | Stage::Done | Stage::Failed)
    }

    /// How the step that runs at `stage` stands, given whether a result of it is shown.
    pub fn step_status(&self, stage: Stage, has_result: bool) -> StepStatus {
        if self.stage == stage {
            return StepStatus::Running;
        }
        if let Some(failed) = self.failed_at {
            return match stage.cmp(&failed) {
                core::cmp::Ordering::Less if has_result => StepStatus::Done,
                core::cmp::Ordering::Equal => StepStatus::Failed,
                _ if has_result => StepStatus::Stale,
                _ => StepStatus::Waiting,
            };
        }
        match (has_result, self.stage > stage) {
            (true, true) => StepStatus::Done,
            (true, false) => StepStatus::Stale,
            (false, _) => StepStatus::Waiting,
        }
    }

    /// The presets of the description this page can use, in the description's order.
    pub fn usable_presets(document: &ParamsDocument) -> Vec<Preset> {
        document
            .presets
            .iter()
            .filter_map(|p| Preset::from_name(&p.name).ok())
            .collect()
    }

    /// A new run from the first step that is needed.
    fn start_run(mut self) -> Self {
        self.run = self.run.wrapping_add(1);
        self.error = None;
        self.failed_at = None;
        self.profile_changed = false;
        self.stage = match (&self.keys, self.preset) {
            (Some(keys), Some(preset)) if keys.preset == preset => Stage::Encrypting,
            _ => Stage::Keys,
        };
        self
    }

    /// Drops the keys and everything computed with them.
    fn forget_keys(mut self) -> Self {
        self.keys = None;
        self.encrypted = None;
        self.exchange = None;
        self.outcome = None;
        self.attack = None;
        self.bench = BenchState::Idle;
        self
    }

    fn with_document(mut self, document: ParamsDocument, backend: Backend) -> Self {
        let usable = Self::usable_presets(&document);
        let preset = Preset::from_name(&document.default_preset)
            .ok()
            .filter(|p| usable.contains(p))
            .or_else(|| usable.first().copied());
        match preset {
            Some(preset) => {
                self.preset = Some(preset);
                self.params = ParamsState::Ready {
                    document: Rc::new(document),
                    backend,
                };
                self.start_run()
            }
            None => {
                let names: Vec<&str> = document.presets.iter().map(|p| p.name.as_str()).collect();
                self.params = ParamsState::Failed(UiError::NoUsablePreset {
                    names: names.join(", "),
                });
                self
            }
        }
    }
}

/// What can happen to the page.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The fetch for `attempt` returned a document.
    ParamsLoaded {
        /// Attempt the answer belongs to.
        attempt: u32,
        /// The decoded document.
        document: ParamsDocument,
    },
    /// The fetch for `attempt` failed.
    FetchFailed {
        /// Attempt the failure belongs to.
        attempt: u32,
        /// What went wrong.
        error: UiError,
        /// The description of the bundled demo catalog, used when the error means no server.
        local: Option<ParamsDocument>,
    },
    /// The person asked to try the server again.
    Retry,
    /// The person picked a preset.
    SelectPreset(Preset),
    /// A slider moved.
    SetFeature {
        /// Index in [`scoring::SkinFeature::ALL`].
        index: usize,
        /// The new value (clamped to [0, 1]).
        value: f64,
    },
    /// The sliders rested: run again with the new profile.
    Rerun,
    /// Wipe the keys and every result.
    Reset,
    /// Start again after a reset.
    Start,
    /// Keys were generated for `run`.
    KeysReady {
        /// The run.
        run: u32,
        /// The keys.
        keys: Keys,
    },
    /// The profile was encrypted for `run`.
    Encrypted {
        /// The run.
        run: u32,
        /// The request.
        encrypted: Rc<Encrypted>,
    },
    /// The answer came for `run`.
    Answered {
        /// The run.
        run: u32,
        /// The answer.
        exchange: Rc<Exchange>,
    },
    /// The answer was decrypted for `run`.
    Decrypted {
        /// The run.
        run: u32,
        /// The outcome.
        outcome: Rc<Outcome>,
    },
    /// The attacker's checks ran for `run`.
    Checked {
        /// The run.
        run: u32,
        /// Their results.
        attack: Rc<Attack>,
    },
    /// A step of `run` failed.
    StepFailed {
        /// The run.
        run: u32,
        /// What went wrong.
        error: UiError,
    },
    /// The one-time warm-up ran.
    WarmedUp {
        /// Its milliseconds.
        ms: f64,
        /// Its rounds.
        rounds: u32,
    },
    /// The benchmark finished `done` of `total` rounds.
    BenchProgress {
        /// Rounds finished.
        done: u32,
        /// Rounds planned.
        total: u32,
    },
    /// The benchmark finished.
    BenchDone(Result<Benchmark, UiError>),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let state = Rc::unwrap_or_clone(self);
        Rc::new(state.apply(action))
    }
}

impl AppState {
    /// The state after `action`.
    pub fn apply(mut self, action: Action) -> Self {
        match action {
            Action::ParamsLoaded { attempt, .. } | Action::FetchFailed { attempt, .. }
                if attempt != self.attempt =>
            {
                self
            }
            Action::ParamsLoaded { document, .. }
                if document.version != PARAMS_DOCUMENT_VERSION =>
            {
                self.params = ParamsState::Failed(UiError::UnsupportedVersion {
                    expected: PARAMS_DOCUMENT_VERSION,
                    found: document.version,
                });
                self
            }
            Action::ParamsLoaded { document, .. } => self.with_document(document, Backend::Server),
            Action::FetchFailed {
                error,
                local: Some(local),
                ..
            } if error.is_unreachable() => {
                self.with_document(local, Backend::Local { reason: error })
            }
            Action::FetchFailed { error, .. } => {
                self.params = ParamsState::Failed(error);
                self
            }
            Action::Retry => {
                let mut next = self.forget_keys();
                next.attempt = next.attempt.wrapping_add(1);
                next.params = ParamsState::Loading;
                next.stage = Stage::Idle;
                next.run = next.run.wrapping_add(1);
                next
            }
            Action::SelectPreset(preset) => {
                let offered = self
                    .ready()
                    .is_some_and(|(doc, _)| Self::usable_presets(doc).contains(&preset));
                if !offered || self.preset == Some(preset) {
                    return self;
                }
                let mut next = self.forget_keys();
                next.preset = Some(preset);
                if next.wiped { next } else { next.start_run() }
            }
            Action::SetFeature { index, value } => {
                if let Some(slot) = self.profile.get_mut(index)
                    && value.is_finite()
                {
                    *slot = value.clamp(0.0, 1.0);
                    self.profile_changed = true;
                }
                self
            }
            Action::Rerun => {
                if self.ready().is_none() || self.wiped {
                    self.profile_changed = false;
                    return self;
                }
                self.start_run()
            }
            Action::Reset => {
                let mut next = self.forget_keys();
                next.wiped = true;
                next.stage = Stage::Idle;
                next.error = None;
                next.failed_at = None;
                next.run = next.run.wrapping_add(1);
                next
            }
            Action::Start => {
                if self.ready().is_none() {
                    return self;
                }
                self.wiped = false;
                self.start_run()
            }
            Action::KeysReady { run, .. }
            | Action::Encrypted { run, .. }
            | Action::Answered { run, .. }
            | Action::Decrypted { run, .. }
            | Action::Checked { run, .. }
            | Action::StepFailed { run, .. }
                if run != self.run =>
            {
                self
            }
            Action::KeysReady { keys, .. } => {
                if self.preset == Some(keys.preset) {
                    self.keys = Some(keys);
                    self.stage = Stage::Encrypting;
                }
                self
            }
            Action::Encrypted { encrypted, .. } => {
                self.encrypted = Some(encrypted);
                self.stage = Stage::Sending;
                self
            }
            Action::Answered { exchange, .. } => {
                self.exchange = Some(exchange);
                self.stage = Stage::Decrypting;
                self
            }
            Action::Decrypted { outcome, .. } => {
                self.outcome = Some(outcome);
                self.stage = Stage::Checking;
                self
            }
            Action::Checked { attack, .. } => {
                self.attack = Some(attack);
                self.stage = Stage::Done;
                self
            }
            Action::StepFailed { error, .. } => {
                self.error = Some(error);
                self.failed_at = Some(self.stage);
                self.stage = Stage::Failed;
                self
            }
            Action::WarmedUp { ms, rounds } => {
                self.warm_up = Some((ms, rounds));
                self
            }
            Action::BenchProgress { done, total } => {
                self.bench = BenchState::Running { done, total };
                self
            }
            Action::BenchDone(result) => {
                self.bench = match result {
                    Ok(bench) => BenchState::Done(bench),
                    Err(error) => BenchState::Failed(error),
                };
                self
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow;
    use scoring::api::params_document;

    fn unreachable() -> UiError {
        UiError::HttpStatus {
            url: "api/v1/params".to_owned(),
            status: 404,
        }
    }

    fn loaded() -> AppState {
        AppState::default().apply(Action::ParamsLoaded {
            attempt: 0,
            document: params_document().unwrap(),
        })
    }

    fn keys(preset: Preset) -> Keys {
        flow::generate_keys(preset).unwrap()
    }

    #[test]
    fn starts_loading_with_the_reference_profile() {
        let state = AppState::default();
        assert_eq!(state.params, ParamsState::Loading);
        assert_eq!(state.stage, Stage::Idle);
        assert_eq!(state.profile, SkinProfile::REFERENCE_VALUES);
        assert!(!state.busy());
    }

    #[test]
    fn a_loaded_document_starts_the_first_run_with_the_default_preset() {
        let state = loaded();
        assert!(matches!(
            state.params,
            ParamsState::Ready {
                backend: Backend::Server,
                ..
            }
        ));
        assert_eq!(state.preset, Some(Preset::Exact));
        assert_eq!(state.stage, Stage::Keys);
        assert_eq!(state.run, 1);
        assert!(state.busy());
    }

    #[test]
    fn an_unreachable_server_switches_to_the_local_demo() {
        let state = AppState::default().apply(Action::FetchFailed {
            attempt: 0,
            error: unreachable(),
            local: Some(params_document().unwrap()),
        });
        assert_eq!(
            state.ready().map(|(_, b)| b.clone()),
            Some(Backend::Local {
                reason: unreachable()
            })
        );
        assert_eq!(state.stage, Stage::Keys);
    }

    #[test]
    fn other_failures_and_versions_are_shown_not_replaced() {
        let refused = UiError::UnsupportedVersion {
            expected: 1,
            found: 9,
        };
        let state = AppState::default().apply(Action::FetchFailed {
            attempt: 0,
            error: refused.clone(),
            local: Some(params_document().unwrap()),
        });
        assert_eq!(state.params, ParamsState::Failed(refused));
        let mut document = params_document().unwrap();
        document.version = PARAMS_DOCUMENT_VERSION + 1;
        let state = AppState::default().apply(Action::ParamsLoaded {
            attempt: 0,
            document,
        });
        assert!(matches!(
            state.params,
            ParamsState::Failed(UiError::UnsupportedVersion { .. })
        ));
        assert_eq!(state.stage, Stage::Idle);
    }

    #[test]
    fn a_document_without_known_presets_is_refused() {
        let mut document = params_document().unwrap();
        for p in &mut document.presets {
            p.name = format!("{}-v2", p.name);
        }
        let state = AppState::default().apply(Action::ParamsLoaded {
            attempt: 0,
            document,
        });
        assert!(matches!(
            state.params,
            ParamsState::Failed(UiError::NoUsablePreset { .. })
        ));
    }

    #[test]
    fn answers_to_an_older_attempt_are_ignored() {
        let retried = AppState::default().apply(Action::Retry);
        assert_eq!(retried.attempt, 1);
        let stale = retried.clone().apply(Action::FetchFailed {
            attempt: 0,
            error: unreachable(),
            local: None,
        });
        assert_eq!(stale, retried);
    }

    #[test]
    fn a_run_walks_through_the_steps_and_keeps_its_keys() {
        let mut state = loaded();
        let run = state.run;
        let k = keys(Preset::Exact);
        state = state.apply(Action::KeysReady {
            run,
            keys: k.clone(),
        });
        assert_eq!(state.stage, Stage::Encrypting);
        let encrypted = Rc::new(flow::encrypt(&k, SkinProfile::reference()).unwrap());
        state = state.apply(Action::Encrypted {
            run,
            encrypted: encrypted.clone(),
        });
        assert_eq!(state.stage, Stage::Sending);
        assert_eq!(state.encrypted, Some(encrypted));
        // A slider moves: the value changes at once, the run starts when the app says Rerun.
        state = state.apply(Action::SetFeature {
            index: 2,
            value: 0.1,
        });
        assert!(state.profile_changed);
        assert_eq!(state.profile[2], 0.1);
        assert_eq!(state.run, run);
        state = state.apply(Action::Rerun);
        assert_eq!(state.run, run + 1);
        assert!(!state.profile_changed);
        // Same preset: the keys stay, the run starts at encryption.
        assert_eq!(state.stage, Stage::Encrypting);
        assert_eq!(state.keys, Some(k));
    }

    #[test]
    fn results_of_an_older_run_are_ignored() {
        let state = loaded().apply(Action::Rerun);
        let stale = state.clone().apply(Action::KeysReady {
            run: state.run - 1,
            keys: keys(Preset::Exact),
        });
        assert_eq!(stale, state);
        let failed = state.clone().apply(Action::StepFailed {
            run: state.run - 1,
            error: unreachable(),
        });
        assert_eq!(failed, state);
        let failed = state.clone().apply(Action::StepFailed {
            run: state.run,
            error: unreachable(),
        });
        assert_eq!(failed.stage, Stage::Failed);
        assert_eq!(failed.error, Some(unreachable()));
        // The next run clears the error.
        let again = failed.apply(Action::Rerun);
        assert_eq!(again.error, None);
        assert_eq!(again.stage, Stage::Keys);
    }

    #[test]
    fn switching_the_preset_drops_the_keys_and_starts_over() {
        let state = loaded();
        let run = state.run;
        let state = state.apply(Action::KeysReady {
            run,
            keys: keys(Preset::Exact),
        });
        let switched = state.clone().apply(Action::SelectPreset(Preset::Compact));
        assert_eq!(switched.preset, Some(Preset::Compact));
        assert_eq!(switched.keys, None);
        assert_eq!(switched.stage, Stage::Keys);
        assert_eq!(switched.run, run + 1);
        // Selecting the current preset does nothing.
        assert_eq!(
            switched
                .clone()
                .apply(Action::SelectPreset(Preset::Compact)),
            switched
        );
        // Keys of another preset arriving late are not taken.
        let late = switched.clone().apply(Action::KeysReady {
            run: switched.run,
            keys: keys(Preset::Exact),
        });
        assert_eq!(late.keys, None);
    }

    #[test]
    fn reset_wipes_the_secret_key() {
        let state = loaded();
        let run = state.run;
        let k = keys(Preset::Compact);
        let session = Rc::downgrade(&k.session);
        let state = state
            .apply(Action::SelectPreset(Preset::Compact))
            .apply(Action::KeysReady {
                run: run + 1,
                keys: k,
            });
        assert!(session.upgrade().is_some());
        let reset = state.apply(Action::Reset);
        // The state held the only reference: the session (and its secret key) is gone.
        assert!(
            session.upgrade().is_none(),
            "the session outlived the reset"
        );
        assert!(reset.wiped);
        assert_eq!(reset.stage, Stage::Idle);
        assert_eq!(reset.keys, None);
        assert_eq!(reset.encrypted, None);
        // Sliders do not restart a wiped page; Start does.
        let moved = reset
            .apply(Action::SetFeature {
                index: 0,
                value: 0.5,
            })
            .apply(Action::Rerun);
        assert_eq!(moved.stage, Stage::Idle);
        let started = moved.apply(Action::Start);
        assert!(!started.wiped);
        assert_eq!(started.stage, Stage::Keys);
    }

    #[test]
    fn sliders_clamp_and_ignore_bad_values() {
        let state = loaded()
            .apply(Action::SetFeature {
                index: 0,
                value: 1.5,
            })
            .apply(Action::SetFeature {
                index: 1,
                value: f64::NAN,
            })
            .apply(Action::SetFeature {
                index: 99,
                value: 0.3,
            });
        assert_eq!(state.profile[0], 1.0);
        assert_eq!(state.profile[1], SkinProfile::REFERENCE_VALUES[1]);
        assert!(state.skin_profile().is_some());
    }

    #[test]
    fn step_status_follows_the_run() {
        let state = loaded();
        assert_eq!(state.step_status(Stage::Keys, false), StepStatus::Running);
        assert_eq!(
            state.step_status(Stage::Encrypting, false),
            StepStatus::Waiting
        );
        let run = state.run;
        let state = state.apply(Action::KeysReady {
            run,
            keys: keys(Preset::Exact),
        });
        assert_eq!(state.step_status(Stage::Keys, true), StepStatus::Done);
        assert_eq!(
            state.step_status(Stage::Encrypting, false),
            StepStatus::Running
        );
        // An earlier run's decryption is still shown while this run encrypts.
        assert_eq!(
            state.step_status(Stage::Decrypting, true),
            StepStatus::Stale
        );
        let failed = state.apply(Action::StepFailed {
            run,
            error: unreachable(),
        });
        assert_eq!(failed.failed_at, Some(Stage::Encrypting));
        assert_eq!(failed.step_status(Stage::Keys, true), StepStatus::Done);
        assert_eq!(
            failed.step_status(Stage::Encrypting, false),
            StepStatus::Failed
        );
        assert_eq!(failed.step_status(Stage::Sending, true), StepStatus::Stale);
        assert_eq!(
            failed.step_status(Stage::Sending, false),
            StepStatus::Waiting
        );
        let done = AppState {
            stage: Stage::Done,
            ..AppState::default()
        };
        assert_eq!(done.step_status(Stage::Checking, true), StepStatus::Done);
        assert_eq!(StepStatus::Stale.name(), "stale");
    }

    #[test]
    fn benchmark_progress_is_recorded() {
        let state = loaded().apply(Action::BenchProgress { done: 3, total: 20 });
        assert_eq!(state.bench, BenchState::Running { done: 3, total: 20 });
        let done = state.apply(Action::BenchDone(Err(unreachable())));
        assert_eq!(done.bench, BenchState::Failed(unreachable()));
    }
}
