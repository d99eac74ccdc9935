//! Runs a checked request's method against the engine, as one store transaction.
//!
//! Business input that cannot be read or breaks a field rule answers `40004 ACQ.INVALID_PARAMETER` (参数无效)
//! — or the more specific sub-code trade.md names (`ACQ.TOTAL_FEE_EXCEED`, `ACQ.REASON_TRADE_REFUND_FEE_ERR`)
//! — before any transaction starts, so nothing changes. The bill query's answers are listed in
//! [`crate::engine::bill`]. A store failure answers `20000 isp.unknow-error`.

use alipay_core::ResultCode;

use super::common::Checked;
use crate::bills;
use crate::engine::trade_requests as biz;
use crate::engine::{bill, trade, Reply};
use crate::store::StoreError;
use crate::SandboxState;

fn store_failed(e: &StoreError) -> Reply {
    tracing::error!(error = %e, "store failure");
    Reply::error(ResultCode::UnknownError, "isp.unknow-error", "系统繁忙")
}

/// Runs the method; the answer is returned only after its transaction committed. `base_url`
/// (`http://<host>`) is where the request was sent: the bill query builds its download URL on it.
pub async fn run(state: &SandboxState, req: Checked, base_url: &str) -> Reply {
    match run_inner(state, req, base_url).await {
        Ok(r) => r,
        Err(e) => store_failed(&e),
    }
}

async fn run_inner(state: &SandboxState, req: Checked, base_url: &str) -> Result<Reply, StoreError> {
    let now = state.clock.now();
    let settings = state.config.settings.clone();
    let caller = req.caller.clone();
    let params = &req.params;
    let reply = match req.method.as_str() {
        "alipay.trade.pay" => {
            let r = match biz::pay(params, now) {
                Ok(r) => r,
                Err(e) => return Ok(e.reply()),
            };
            state.store.write(move |repo| trade::pay(repo, &caller, &settings, now, r)).await?
        }
        "alipay.trade.precreate" => {
            let r = match biz::precreate(params, now) {
                Ok(r) => r,
                Err(e) => return Ok(e.reply()),
            };
            state.store.write(move |repo| trade::precreate(repo, &caller, &settings, now, r)).await?
        }
        "alipay.trade.query" => {
            let key = match biz::query(params) {
                Ok(k) => k,
                Err(e) => return Ok(e.reply()),
            };
            state.store.lookup(|repo| trade::query(repo, &caller, &key))?
        }
        "alipay.trade.cancel" => {
            let key = match biz::cancel(params) {
                Ok(k) => k,
                Err(e) => return Ok(e.reply()),
            };
            state.store.write(move |repo| trade::cancel(repo, &caller, &settings, now, &key)).await?
        }
        "alipay.trade.close" => {
            let key = match biz::close(params) {
                Ok(k) => k,
                Err(e) => return Ok(e.reply()),
            };
            state.store.write(move |repo| trade::close(repo, &caller, now, &key)).await?
        }
        "alipay.trade.refund" => {
            let r = match biz::refund(params) {
                Ok(r) => r,
                Err(e) => return Ok(e.reply()),
            };
            state.store.write(move |repo| trade::refund(repo, &caller, now, r)).await?
        }
        "alipay.trade.fastpay.refund.query" => {
            let (key, no) = match biz::refund_query(params) {
                Ok(k) => k,
                Err(e) => return Ok(e.reply()),
            };
            state.store.lookup(|repo| trade::refund_query(repo, &caller, &key, &no))?
        }
        bill::METHOD => bills::query(state, &caller, params, now, base_url).await?,
        _ => match crate::products::dispatch(state, &req).await? {
            Some(reply) => reply,
            None => Reply::error(ResultCode::InvalidArgument, "isv.invalid-method", "不存在的方法名"),
        },
    };
    state.wake.notify_one();
    Ok(reply)
}
