//! Face-to-face payment (当面付, seed 001; trade.md): `alipay.trade.pay`, `.precreate`, `.query`, `.cancel`,
//! `.close`, `.refund` and `.fastpay.refund.query`; and the payments made on Alipay's side (`alipay.trade.page.pay`,
//! `.wap.pay`: the cashier, `crate::cashier`; `alipay.trade.app.pay`: the wallet), the same trades in every
//! other respect (query, refund, cancel, close, notifications, bills).
//!
//! | module | holds |
//! |---|---|
//! | [`input`] | what the engine reads from the shared `alipay-api` requests beyond their field rules (the trade named, the expiry), and the refusals |
//! | [`engine`] | the state machine over the store: the methods, the buyer's events (scan, confirm, refuse), timeouts |
//! | [`store`] | the trade and refund tables' queries ([`store::TradeRepo`]) |
//! | [`notify`] | the `trade_status_sync` notification |
//! | [`admin`] | the trade controls (`/admin/trades/...`) |

pub(crate) mod admin;
pub(crate) mod engine;
pub(crate) mod input;
pub(crate) mod notify;
pub(crate) mod probe;
pub(crate) mod store;

use alipay_api::trade::{
    PageOrder, TradeAppPay, TradeCancel, TradeCancelResponse, TradeClose, TradeFastpayRefundQuery, TradePagePay,
    TradePay, TradePrecreate, TradeQuery, TradeRefund, TradeWapPay, YesNo,
};

use crate::faults::FaultKind;
use crate::products::{lookup, write, Access, Call, Family, Handler, Refusal};
use crate::reply::Reply;
use crate::store::StoreError;
use crate::SandboxState;
use input::BizError;
use store::TradeKind;

/// Face-to-face payment and the cashier's trades (`alipay.trade.*`): a refused request is `ACQ.INVALID_PARAMETER` (or the field's documented code).
pub(crate) struct Trade;

impl Family for Trade {
    fn refuse(refusal: Refusal) -> Reply {
        refuse(refusal)
    }
}

fn refuse(refusal: Refusal) -> Reply {
    BizError::from(refusal).reply()
}

impl Handler for TradePay {
    type Family = Trade;
    const ACCESS: Access = Access::Write;
    async fn run(state: &SandboxState, call: Call<Self>) -> Result<Reply, StoreError> {
        let r = &call.request;
        match input::expiry(r.timeout_express, r.time_expire, call.now) {
            Ok(expire_at) => {
                write(state, call, move |repo, c| {
                    engine::pay(repo, &c.caller, &c.settings, c.now, &c.request, expire_at)
                })
                .await
            }
            Err(e) => Ok(e.reply()),
        }
    }
}

impl Handler for TradePrecreate {
    type Family = Trade;
    const ACCESS: Access = Access::Write;
    async fn run(state: &SandboxState, call: Call<Self>) -> Result<Reply, StoreError> {
        let r = &call.request;
        let expiries = input::expiry(r.timeout_express, r.time_expire, call.now)
            .and_then(|trade| Ok((trade, input::expiry(r.qr_code_timeout_express, None, call.now)?)));
        match expiries {
            Ok(expiries) => {
                write(state, call, move |repo, c| {
                    engine::precreate(repo, &c.caller, &c.settings, c.now, &c.request, expiries)
                })
                .await
            }
            Err(e) => Ok(e.reply()),
        }
    }
}

impl Handler for TradeQuery {
    type Family = Trade;
    const ACCESS: Access = Access::Read;
    async fn run(state: &SandboxState, call: Call<Self>) -> Result<Reply, StoreError> {
        match input::trade_key(call.request.out_trade_no.clone(), call.request.trade_no.clone()) {
            Ok(key) => lookup(state, call.with(key), |repo, c| engine::query(repo, &c.caller, &c.request)).await,
            Err(e) => Ok(e.reply()),
        }
    }
}

impl Handler for TradeCancel {
    type Family = Trade;
    const ACCESS: Access = Access::Write;
    /// A cancel that fails for a reason a retry can fix says so: `retry_flag=Y` (trade.md), the trade unchanged.
    fn fault(kind: FaultKind) -> Reply {
        let reply = crate::products::default_fault(kind);
        match kind {
            FaultKind::UnknownError | FaultKind::SystemError => {
                let body = TradeCancelResponse { retry_flag: Some(YesNo::Yes), ..Default::default() };
                Reply::typed(reply.status, &body)
            }
            _ => reply,
        }
    }
    async fn run(state: &SandboxState, call: Call<Self>) -> Result<Reply, StoreError> {
        match input::trade_key(call.request.out_trade_no.clone(), call.request.trade_no.clone()) {
            Ok(key) => {
                write(state, call.with(key), |repo, c| engine::cancel(repo, &c.caller, &c.settings, c.now, &c.request))
                    .await
            }
            Err(e) => Ok(e.reply()),
        }
    }
}

impl Handler for TradeClose {
    type Family = Trade;
    const ACCESS: Access = Access::Write;
    async fn run(state: &SandboxState, call: Call<Self>) -> Result<Reply, StoreError> {
        match input::trade_key(call.request.out_trade_no.clone(), call.request.trade_no.clone()) {
            Ok(key) => write(state, call.with(key), |repo, c| engine::close(repo, &c.caller, c.now, &c.request)).await,
            Err(e) => Ok(e.reply()),
        }
    }
}

impl Handler for TradeRefund {
    type Family = Trade;
    const ACCESS: Access = Access::Write;
    async fn run(state: &SandboxState, call: Call<Self>) -> Result<Reply, StoreError> {
        match input::trade_key(call.request.out_trade_no.clone(), call.request.trade_no.clone()) {
            Ok(key) => {
                write(state, call, move |repo, c| engine::refund(repo, &c.caller, c.now, &key, &c.request)).await
            }
            Err(e) => Ok(e.reply()),
        }
    }
}

impl Handler for TradeFastpayRefundQuery {
    type Family = Trade;
    const ACCESS: Access = Access::Read;
    async fn run(state: &SandboxState, call: Call<Self>) -> Result<Reply, StoreError> {
        let r = call.request.clone();
        match input::trade_key(r.out_trade_no, r.trade_no) {
            Ok(key) => {
                lookup(state, call.with((key, r.out_request_no)), |repo, c| {
                    engine::refund_query(repo, &c.caller, &c.request.0, &c.request.1)
                })
                .await
            }
            Err(e) => Ok(e.reply()),
        }
    }
}

/// Page, wap and app pay share one engine function over the fields they share ([`PageOrder`]); `kind` tells
/// them apart.
async fn run_page<R>(
    state: &SandboxState,
    call: Call<R>,
    kind: TradeKind,
    order: fn(&R) -> PageOrder<'_>,
) -> Result<Reply, StoreError>
where
    R: Clone + Send + 'static,
{
    let o = order(&call.request);
    match input::expiry(o.timeout_express, o.time_expire, call.now) {
        Ok(expire_at) => {
            write(state, call, move |repo, c| {
                engine::page_create(repo, &c.caller, &c.settings, c.now, kind, order(&c.request), expire_at)
            })
            .await
        }
        Err(e) => Ok(e.reply()),
    }
}

impl Handler for TradePagePay {
    type Family = Trade;
    const ACCESS: Access = Access::Write;
    async fn run(state: &SandboxState, call: Call<Self>) -> Result<Reply, StoreError> {
        run_page(state, call, TradeKind::Page, TradePagePay::order).await
    }
}

impl Handler for TradeWapPay {
    type Family = Trade;
    const ACCESS: Access = Access::Write;
    async fn run(state: &SandboxState, call: Call<Self>) -> Result<Reply, StoreError> {
        run_page(state, call, TradeKind::Wap, TradeWapPay::order).await
    }
}

/// Normally never sent to the gateway (the wallet takes the order string); if it is, the trade waits for a
/// buyer like a page pay.
impl Handler for TradeAppPay {
    type Family = Trade;
    const ACCESS: Access = Access::Write;
    async fn run(state: &SandboxState, call: Call<Self>) -> Result<Reply, StoreError> {
        run_page(state, call, TradeKind::App, TradeAppPay::order).await
    }
}
