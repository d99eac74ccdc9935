//! The client's errors. Business failures (40004 and friends) are not errors here: they come back as the
//! [`alipay_api::ApiResponse`] status, because flows need their fields. Everything that means "this answer
//! cannot be trusted or was never obtained" is an [`Error`].

use alipay_core::{ApiStatus, CharsetError, EnvelopeError, KeyError, SignError};

/// The client could not be configured.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The app private key could not be loaded.
    #[error("app private key: {0}")]
    AppKey(KeyError),
    /// The Alipay public key could not be loaded (or is the app's own public key).
    #[error("Alipay public key: {0}")]
    AlipayKey(KeyError),
    /// The gateway URL is not an absolute http(s) URL.
    #[error("gateway URL {0:?} is not an absolute http(s) URL")]
    GatewayUrl(String),
    /// A required setting is missing.
    #[error("{0} is required")]
    Missing(&'static str),
    /// A setting has a value the client does not support.
    #[error("{0}")]
    Invalid(String),
    /// The HTTP client could not be built (TLS, proxy).
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// The configuration file could not be read or parsed.
    #[error("configuration file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// A call did not produce a verified answer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request breaks its method's field rules; nothing was sent.
    #[error("invalid request: {0}")]
    Validation(#[from] alipay_api::ValidationError),
    /// The request could not be encoded or signed; nothing was sent.
    #[error("cannot build the request: {0}")]
    Build(String),
    /// The gateway could not be reached; nothing was sent.
    #[error("cannot reach the gateway: {0}")]
    Connect(#[source] reqwest::Error),
    /// The request may have been sent but no complete answer came back (timeout, dropped connection).
    /// The outcome is unknown: query before retrying anything that moves money.
    #[error("no answer from the gateway after sending (outcome unknown, query before retrying): {0}")]
    NoAnswer(#[source] reqwest::Error),
    /// The gateway answered with an HTTP status other than 200.
    #[error("the gateway answered HTTP {status}")]
    HttpStatus {
        /// The HTTP status.
        status: u16,
        /// The start of the body, for diagnostics.
        body: String,
    },
    /// The answer failed verification: it is not from Alipay, was altered, or the Alipay key is wrong.
    #[error("the response failed verification: {0}")]
    Verify(#[from] EnvelopeError),
    /// The verified answer does not fit the method's response model.
    #[error("the verified response does not match the {method} model: {reason}")]
    Decode {
        /// The method.
        method: String,
        /// The deserialisation error.
        reason: String,
    },
    /// A business failure, for callers that turned the answer into a `Result` (see `ApiResultExt`).
    #[error("the call failed: {0}")]
    Api(ApiStatus),
    /// A flow gave up (see the flow's documentation for what state it leaves).
    #[error("{0}")]
    Flow(String),
}

impl Error {
    /// `true` when the request may have reached the gateway but its outcome is unknown: the caller must query
    /// before retrying (seed 001's "20000 / exception" handling).
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::NoAnswer(_) => true,
            Error::HttpStatus { status, .. } => *status >= 500,
            Error::Api(status) => status.code.outcome_pending(),
            _ => false,
        }
    }
}

impl From<CharsetError> for Error {
    fn from(e: CharsetError) -> Self {
        Error::Build(e.to_string())
    }
}

impl From<SignError> for Error {
    fn from(e: SignError) -> Self {
        Error::Build(e.to_string())
    }
}
