//! The client's errors. Business failures (40004 and friends) are not errors here: they come back as the
//! [`alipay_api::ApiResponse`] status, because flows need their fields. Everything that means "this answer
//! cannot be trusted or was never obtained" is an [`Error`].

use alipay_core::aes::AesError;
use alipay_core::cert::CertError;
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
    /// Cert mode: the app certificate could not be loaded, or is not the certificate of the app private key.
    #[error("app certificate: {0}")]
    AppCert(CertError),
    /// Cert mode: the app certificate's public key is not the public half of the app private key.
    #[error("the app certificate (SN {sn}) is not the certificate of the configured app private key")]
    AppCertMismatch {
        /// The app certificate's SN.
        sn: String,
    },
    /// Cert mode: the Alipay certificate could not be loaded, or does not chain to the root bundle.
    #[error("Alipay certificate: {0}")]
    AlipayCert(CertError),
    /// Cert mode: the root bundle could not be loaded.
    #[error("Alipay root certificate: {0}")]
    RootCert(CertError),
    /// The AES key could not be loaded.
    #[error("AES key: {0}")]
    AesKey(AesError),
    /// A certificate or key file could not be read.
    #[error("cannot read {path}: {reason}")]
    ReadFile {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
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
    /// The gateway refused the call before it could sign an answer: Alipay answers an unknown `app_id`
    /// (`40002 isv.invalid-app-id`) without a signature, since it has no app to answer for. `status` is what the
    /// answer claims, **not verified**: only a parameter refusal (`40001`/`40002`) is taken this way; any other
    /// unsigned answer (a success, a business result) stays [`Error::Verify`]. Nothing was done for the call;
    /// check the app id the client is configured with.
    ///
    /// ```
    /// # use alipay_client::Error;
    /// fn explain(e: &Error) -> String {
    ///     match e {
    ///         Error::UnsignedRefusal { status } => format!("check the configuration: {status}"),
    ///         other => other.to_string(),
    ///     }
    /// }
    /// ```
    #[error("the gateway refused the call with an unsigned answer (not verified): {status}")]
    UnsignedRefusal {
        /// The status the unsigned answer claims.
        status: ApiStatus,
    },
    /// The verified answer does not fit the method's response model.
    #[error("the verified response does not match the {method} model: {reason}")]
    Decode {
        /// The method.
        method: String,
        /// The deserialisation error.
        reason: String,
    },
    /// Cert mode: the answer names an Alipay certificate (`alipay_cert_sn` / `alipay-sn`) the client does not
    /// know, and downloading it (`alipay.open.app.alipaycert.download`) failed. The answer was not trusted.
    #[error("the answer is signed with Alipay certificate {sn}, which is not configured, and downloading it failed: {source}")]
    CertDownload {
        /// The unknown SN.
        sn: String,
        /// Why the download failed.
        #[source]
        source: Box<Error>,
    },
    /// Cert mode: the downloaded Alipay certificate is not trusted (does not chain to the root bundle, is
    /// expired, or is not the certificate of the SN asked for). The answer was not trusted.
    #[error("the downloaded Alipay certificate {sn} is not trusted: {source}")]
    CertUntrusted {
        /// The SN asked for.
        sn: String,
        /// Why it is not trusted.
        #[source]
        source: CertError,
    },
    /// Cert mode: the certificate download's own answer is signed with an Alipay certificate the client does
    /// not trust yet (it is never used to trust itself).
    #[error("the answer is signed with Alipay certificate {sn}, which the client does not trust")]
    UnknownAlipayCert {
        /// The SN the answer named.
        sn: String,
    },
    /// AES: the verified answer cannot be decrypted (wrong AES key, or not the ciphertext of a JSON object).
    #[error("the verified answer cannot be decrypted: {0}")]
    Decrypt(#[source] AesError),
    /// AES was asked for a call but no AES key is configured.
    #[error("encryption was requested but no AES key is configured (ClientBuilder::aes_key)")]
    NoAesKey,
    /// v3: the gateway answered HTTP >= 400 with `{code, message}`.
    #[error("v3 call failed: HTTP {status} {code}: {message}")]
    V3Api {
        /// The HTTP status.
        status: u16,
        /// Alipay's error code, e.g. `invalid-signature` or `ACQ.TRADE_NOT_EXIST`.
        code: String,
        /// Alipay's message.
        message: String,
        /// `links` of the answer (help links), as sent.
        links: serde_json::Value,
        /// `true` when the error answer carried a signature that verified; `false` when it was unsigned
        /// (the Node SDK never verifies error answers; the client does when they are signed).
        verified: bool,
    },
    /// v3: the method has no v3 path (see `alipay_client::v3::V3_PATHS`).
    #[error("{0} has no v3 path; call it with the v2 protocol")]
    NoV3Path(String),
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
            Error::V3Api { status, .. } => *status >= 500,
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
