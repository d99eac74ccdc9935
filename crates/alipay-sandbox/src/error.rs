//! [`SandboxError`]: why the sandbox could not start or run.

use crate::accounts::AccountError;
use crate::modes;
use crate::store::StoreError;

/// The sandbox could not start or run. Each variant's message says what failed; its cause is its
/// [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// A file or socket operation failed.
    #[error("{context}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A key could not be generated or read.
    #[error("the sandbox's keys cannot be generated or read")]
    Key(#[from] alipay_core::KeyError),
    /// Seeding accounts failed.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The CA or the Alipay certificates could not be made or read.
    #[error("the sandbox's certificate authority: {0}")]
    Modes(#[from] modes::ModesError),
    /// app.json could not be written.
    #[error("cannot write app.json")]
    Json(#[from] serde_json::Error),
}

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> SandboxError {
    let context = context.into();
    move |source| SandboxError::Io { context, source }
}
