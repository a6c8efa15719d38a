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
    /// The server answered with an error status.
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
}

impl UiError {
    /// Whether the error means no scoring server answers at this origin, as on a static host.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Self::Network { .. } | Self::HttpStatus { .. } | Self::BadDocument { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_mean_unreachable_but_version_does_not() {
        let url = "/api/v1/params".to_owned();
        let network = UiError::Network {
            url: url.clone(),
            reason: "connection refused".to_owned(),
        };
        assert!(network.is_unreachable());
        assert_eq!(
            network.to_string(),
            "no answer from /api/v1/params: connection refused"
        );
        let status = UiError::HttpStatus {
            url: url.clone(),
            status: 404,
        };
        assert!(status.is_unreachable());
        assert_eq!(status.to_string(), "/api/v1/params answered HTTP 404");
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
}
