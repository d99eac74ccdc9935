//! What the families' engines and handlers fail with: [`SimError`] (a buyer-side simulation or control that
//! cannot happen: every engine's one error type, turned into HTTP by the faces) and [`Refusal`] (a request's
//! business parameters refused before anything ran, answered by the family's documented code).

use alipay_api::{DecodeError, ValidationError};

use crate::store::StoreError;

/// A simulation (a buyer scanning, paying, refusing; a control moving a bill or a deduction) that cannot
/// happen. The message says why, in words a person reads; the faces choose the HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No such record (trade, buyer, bill, deduction, red packet).
    #[error("{0}")]
    NotFound(String),
    /// The record is not in a state that allows this.
    #[error("{0}")]
    Conflict(String),
    /// The input itself is wrong (a non-positive duration, an amount that overflows).
    #[error("{0}")]
    BadRequest(String),
}

/// Why a request's business parameters were refused before anything ran.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// They do not decode into the request type (missing `biz_content`, bad JSON, wrong types).
    Decode(DecodeError),
    /// A field rule of the request type is broken.
    Invalid(ValidationError),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Decode(e) => e.fmt(f),
            Refusal::Invalid(e) => e.fmt(f),
        }
    }
}
