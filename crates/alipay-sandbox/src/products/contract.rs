//! The family contract: what a product family implements for each of its methods ([`Handler`]), what a call
//! hands it ([`Call`]), and the two ways it reaches the store ([`write`], [`lookup`]). The gateway's method table
//! (`gateway/methods.rs`) holds one entry per `Handler` and runs it; a family knows nothing of HTTP.

use std::future::Future;

use alipay_api::AlipayRequest;
use alipay_core::ResultCode;

use super::error::Refusal;
use crate::caller::Caller;
use crate::faults::FaultKind;
use crate::reply::Reply;
use crate::settings::Settings;
use crate::store::{Repo, StoreError};
use crate::SandboxState;

/// Whether a method changes state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// One write transaction (group commit); answered after the commit.
    Write,
    /// A read of committed state.
    Read,
}

/// A verified call of one method, decoded into its request type.
#[derive(Debug, Clone)]
pub(crate) struct Call<R> {
    /// The decoded, validated request.
    pub request: R,
    /// Who calls, for which merchant.
    pub caller: Caller,
    /// The sandbox clock when the call arrived.
    pub now: i64,
    /// The product rules.
    pub settings: Settings,
    /// `http://<host>` the request was sent to (the bill query builds its download URL on it).
    pub base_url: String,
}

impl<R> Call<R> {
    /// The same call carrying `request` (a family's own checked form of the request).
    pub fn with<T>(self, request: T) -> Call<T> {
        Call { request, caller: self.caller, now: self.now, settings: self.settings, base_url: self.base_url }
    }
}

/// A product family, as its methods' [`Handler`]s name it.
pub(crate) trait Family {
    /// The answer to a request of the family that does not decode or breaks a field rule (its documented code).
    fn refuse(refusal: Refusal) -> Reply;
}

/// What a product family does with one method: implemented for the method's `alipay-api` request type.
pub(crate) trait Handler: AlipayRequest {
    /// The family the method belongs to: its answer to a refused request.
    type Family: Family;
    /// Read or write (shown in the method list).
    const ACCESS: Access;
    /// Whether the method's failures are answered under `error_response` instead of `<method>_response`, as
    /// production answers `alipay.system.oauth.token`'s (`crate::products::auth`); `false` for the others.
    const FAILURES_UNDER_ERROR_RESPONSE: bool = false;
    /// The answer to a request that does not decode or breaks a field rule: the family's documented code,
    /// unless the method documents its own.
    fn refuse(refusal: Refusal) -> Reply {
        Self::Family::refuse(refusal)
    }
    /// Runs the method over the store; returns after the transaction committed.
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send;
    /// The answer of an injected failure (`POST /admin/faults`) of `kind`: `20000 isp.unknow-error`, `10003`,
    /// or `40004 ACQ.SYSTEM_ERROR`. A method whose answer tells the caller more on such a failure overrides
    /// it (trade.cancel says `retry_flag=Y`).
    fn fault(kind: FaultKind) -> Reply {
        default_fault(kind)
    }
}

/// The one way a request is read, in the gateway and outside it (an order string the wallet submits): decoded
/// with the very type the SDK encodes ([`alipay_api::decode_request`]), then the model's field rules
/// ([`AlipayRequest::validate`]). A request that fails either is refused and changes nothing.
pub(crate) fn read<R: AlipayRequest>(params: &[(String, String)]) -> Result<R, Refusal> {
    let request: R = alipay_api::decode_request(params).map_err(Refusal::Decode)?;
    request.validate().map_err(Refusal::Invalid)?;
    Ok(request)
}

/// The answer of an injected failure for methods that say nothing more.
pub(crate) fn default_fault(kind: FaultKind) -> Reply {
    match kind {
        FaultKind::UnknownError => Reply::error(ResultCode::UnknownError, "isp.unknow-error", "系统繁忙"),
        FaultKind::InProcess => Reply::of(ResultCode::InProcess),
        _ => Reply::documented(&alipay_api::trade::errors::SYSTEM_ERROR),
    }
}

/// Runs `f` as one write transaction; its answer after the commit. `f` gets its own copy of the call each time
/// it runs (a conflicting transaction on a shared store runs again).
pub(crate) async fn write<R, F>(state: &SandboxState, call: Call<R>, f: F) -> Result<Reply, StoreError>
where
    R: Clone + Send + 'static,
    F: Fn(&dyn Repo, Call<R>) -> Result<Reply, StoreError> + Send + 'static,
{
    state.store.write(move |repo| f(repo, call.clone())).await
}

/// Runs `f` as a point read (lookups by key; on the calling thread with the embedded store).
pub(crate) async fn lookup<R, F>(state: &SandboxState, call: Call<R>, f: F) -> Result<Reply, StoreError>
where
    R: Send + 'static,
    F: FnOnce(&dyn Repo, Call<R>) -> Result<Reply, StoreError> + Send + 'static,
{
    state.store.lookup(move |repo| f(repo, call)).await
}
