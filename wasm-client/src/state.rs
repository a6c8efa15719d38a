//! The page's state machine: a pure [`Reducible`], tested without a browser.
//!
//! ```text
//! Loading --ParamsLoaded--> Ready(document)
//!    |    --FetchFailed---> Failed(error) --Retry--> Loading (next attempt)
//! ```
//! Every fetch carries the attempt number it was started for; an answer to an older attempt
//! (a slow reply arriving after a retry) is ignored.

use std::rc::Rc;

use scoring::api::{PARAMS_DOCUMENT_VERSION, ParamsDocument};
use yew::Reducible;

use crate::error::UiError;

/// Where loading the service description stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamsState {
    /// The request is under way.
    Loading,
    /// The server described itself.
    Ready(Rc<ParamsDocument>),
    /// The description could not be obtained or read.
    Failed(UiError),
}

/// The whole state of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    /// Number of the current fetch attempt, starting at 0; a retry increments it.
    pub attempt: u32,
    /// Service description, or why it is missing.
    pub params: ParamsState,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            attempt: 0,
            params: ParamsState::Loading,
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
    },
    /// The person asked to try again.
    Retry,
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let next = match action {
            Action::ParamsLoaded { attempt, .. } | Action::FetchFailed { attempt, .. }
                if attempt != self.attempt =>
            {
                return self;
            }
            Action::ParamsLoaded { document, .. }
                if document.version != PARAMS_DOCUMENT_VERSION =>
            {
                ParamsState::Failed(UiError::UnsupportedVersion {
                    expected: PARAMS_DOCUMENT_VERSION,
                    found: document.version,
                })
            }
            Action::ParamsLoaded { document, .. } => ParamsState::Ready(Rc::new(document)),
            Action::FetchFailed { error, .. } => ParamsState::Failed(error),
            Action::Retry => {
                return Rc::new(Self {
                    attempt: self.attempt.wrapping_add(1),
                    params: ParamsState::Loading,
                });
            }
        };
        Rc::new(Self {
            attempt: self.attempt,
            params: next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scoring::api::params_document;

    fn reduce(state: AppState, action: Action) -> AppState {
        Rc::unwrap_or_clone(Rc::new(state).reduce(action))
    }

    fn unreachable() -> UiError {
        UiError::Network {
            url: "/api/v1/params".to_owned(),
            reason: "connection refused".to_owned(),
        }
    }

    #[test]
    fn starts_loading_at_attempt_zero() {
        assert_eq!(AppState::default().params, ParamsState::Loading);
        assert_eq!(AppState::default().attempt, 0);
    }

    #[test]
    fn loaded_document_makes_the_page_ready() {
        let document = params_document().unwrap();
        let state = reduce(
            AppState::default(),
            Action::ParamsLoaded {
                attempt: 0,
                document: document.clone(),
            },
        );
        assert_eq!(state.params, ParamsState::Ready(Rc::new(document)));
    }

    #[test]
    fn failure_is_kept_with_its_error() {
        let state = reduce(
            AppState::default(),
            Action::FetchFailed {
                attempt: 0,
                error: unreachable(),
            },
        );
        assert_eq!(state.params, ParamsState::Failed(unreachable()));
    }

    #[test]
    fn other_document_version_is_refused() {
        let mut document = params_document().unwrap();
        document.version = PARAMS_DOCUMENT_VERSION + 1;
        let state = reduce(
            AppState::default(),
            Action::ParamsLoaded {
                attempt: 0,
                document,
            },
        );
        assert_eq!(
            state.params,
            ParamsState::Failed(UiError::UnsupportedVersion {
                expected: PARAMS_DOCUMENT_VERSION,
                found: PARAMS_DOCUMENT_VERSION + 1,
            })
        );
    }

    #[test]
    fn retry_starts_a_new_attempt() {
        let failed = reduce(
            AppState::default(),
            Action::FetchFailed {
                attempt: 0,
                error: unreachable(),
            },
        );
        let retried = reduce(failed, Action::Retry);
        assert_eq!(retried.attempt, 1);
        assert_eq!(retried.params, ParamsState::Loading);
    }

    #[test]
    fn answers_to_an_older_attempt_are_ignored() {
        let retried = reduce(AppState::default(), Action::Retry);
        let stale = reduce(
            retried.clone(),
            Action::FetchFailed {
                attempt: 0,
                error: unreachable(),
            },
        );
        assert_eq!(stale, retried);
        let loaded = reduce(
            stale,
            Action::ParamsLoaded {
                attempt: 1,
                document: params_document().unwrap(),
            },
        );
        assert!(matches!(loaded.params, ParamsState::Ready(_)));
    }
}
