//! Errors the page shows to the person using it.

/// Why the page could not do what it was asked.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum UiError {
    /// The request did not reach the server, or no answer came back.
    #[error("no answer from {url}: {reason}")]
    Network {
        /// Requested URL.
        url: String,
        /// What the browser reported.
        reason: String,
    },
    /// The server answered with an error status and no problem document.
    #[error("{url} answered HTTP {status}")]
    HttpStatus {
        /// Requested URL.
        url: String,
        /// HTTP status code.
        status: u16,
    },
    /// The answer was not the expected JSON document.
    #[error("{url} did not send a service description: {reason}")]
    BadDocument {
        /// Requested URL.
        url: String,
        /// Why decoding failed.
        reason: String,
    },
    /// The server speaks another version of the service description.
    #[error("the server's description has version {found}, this page reads version {expected}")]
    UnsupportedVersion {
        /// Version this page understands.
        expected: u32,
        /// Version the server sent.
        found: u32,
    },
    /// The server refused a request and said why in a problem document (RFC 9457).
    #[error("the server refused the request (HTTP {status} {title}): {detail}")]
    Problem {
        /// HTTP status code.
        status: u16,
        /// The problem's short title.
        title: String,
        /// The problem's explanation for this occurrence.
        detail: String,
    },
    /// The service offers no preset this page knows.
    #[error("the service offers no preset this page can use (it names {names})")]
    NoUsablePreset {
        /// The names the service gave, comma-separated.
        names: String,
    },
    /// A protocol step failed in the page (keys, encryption, decryption).
    #[error("{step} failed: {reason}")]
    Protocol {
        /// The step: "key generation", "encryption", "decryption", ...
        step: &'static str,
        /// The protocol library's message.
        reason: String,
    },
    /// The in-page scoring worker could not score the request.
    #[error("the local scoring worker failed: {reason}")]
    Worker {
        /// What the worker reported.
        reason: String,
    },
    /// The in-page scoring worker did not answer in time (it may have failed to load).
    #[error("the local scoring worker did not answer within {seconds} s")]
    WorkerTimeout {
        /// How long the page waited.
        seconds: u32,
    },
}

impl UiError {
    /// Whether the error means no scoring server answers at this origin, as on a static host.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Self::Network { .. } | Self::HttpStatus { .. } | Self::BadDocument { .. }
        )
    }

    /// A protocol error of `step`, from the scoring library.
    pub fn protocol(step: &'static str, error: &scoring::Error) -> Self {
        Self::Protocol {
            step,
            reason: error.to_string(),
        }
    }

    /// A short sentence for the person, to show above the technical message.
    pub fn headline(&self) -> &'static str {
        match self {
            Self::Network { .. } | Self::HttpStatus { .. } | Self::BadDocument { .. } => {
                "The scoring server could not be reached."
            }
            Self::UnsupportedVersion { .. } | Self::NoUsablePreset { .. } => {
                "This page and the scoring server do not speak the same version."
            }
            Self::Problem { status, .. } if *status >= 500 => {
                "The scoring server failed to answer your request."
            }
            Self::Problem { status: 429, .. } => {
                "The scoring server is busy: too many requests. Wait a moment and try again."
            }
            Self::Problem { .. } => "The scoring server refused your request.",
            Self::Protocol { .. } => "A cryptographic step failed in this page.",
            Self::Worker { .. } | Self::WorkerTimeout { .. } => {
                "The in-page scoring (no server) failed."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_mean_unreachable_but_version_does_not() {
        let url = "api/v1/params".to_owned();
        let network = UiError::Network {
            url: url.clone(),
            reason: "connection refused".to_owned(),
        };
        assert!(network.is_unreachable());
        assert_eq!(
            network.to_string(),
            "no answer from api/v1/params: connection refused"
        );
        let status = UiError::HttpStatus {
            url: url.clone(),
            status: 404,
        };
        assert!(status.is_unreachable());
        assert_eq!(status.to_string(), "api/v1/params answered HTTP 404");
        let bad = UiError::BadDocument {
            url,
            reason: "expected value".to_owned(),
        };
        assert!(bad.is_unreachable());
        let version = UiError::UnsupportedVersion {
            expected: 1,
            found: 2,
        };
        assert!(!version.is_unreachable());
        assert_eq!(
            version.to_string(),
            "the server's description has version 2, this page reads version 1"
        );
    }

    #[test]
    fn problems_read_as_sentences_by_status() {
        let problem = |status| UiError::Problem {
            status,
            title: "Unprocessable Content".to_owned(),
            detail: "message is for preset compact, expected exact".to_owned(),
        };
        assert_eq!(
            problem(422).to_string(),
            "the server refused the request (HTTP 422 Unprocessable Content): \
             message is for preset compact, expected exact"
        );
        assert_eq!(
            problem(422).headline(),
            "The scoring server refused your request."
        );
        assert!(problem(500).headline().contains("failed"));
        assert!(problem(429).headline().contains("busy"));
        assert!(!problem(422).is_unreachable());
        let protocol = UiError::protocol(
            "decryption",
            &scoring::Error::InvalidResponseMode { found: 7 },
        );
        assert_eq!(
            protocol.to_string(),
            "decryption failed: invalid response mode 7"
        );
    }
}
