//! The one table of gateway methods: [`METHODS`].
//!
//! Every method the gateway serves is one [`Method`] entry, made by [`entry`] from the method's `alipay-api`
//! request type, which implements the family contract's `Handler` (`crate::products`) in its product family. The
//! common-parameter check (unknown method → `isv.invalid-method`), dispatch and the list of supported methods
//! all read this table, so adding a method is one entry here plus one `Handler` impl in its family.
//!
//! A call runs in three steps, the first two the same for every method:
//! 1. decode the business parameters with the very type the SDK encodes (`products::read`, over `alipay_api::decode_request`);
//! 2. check the type's field rules ([`alipay_api::AlipayRequest::validate`]); a failure of either step is
//!    answered by the family's [`Handler::refuse`] (its documented sub-code) and changes nothing;
//! 3. [`Handler::run`]: the family's engine over the store, as one transaction ([`write`]) or a read
//!    ([`lookup`]); the answer is returned only after the transaction committed.

use std::future::Future;
use std::pin::Pin;

use alipay_api::bill::BillDownloadUrlQuery;
use alipay_api::coupon::{
    CouponOperationQuery, CouponOrderAgreementPay, CouponOrderAppPay, CouponOrderDisburse, CouponOrderPagePay,
    CouponOrderRefund,
};
use alipay_api::deduct::{PdeductBillPayStatus, PdeductPay, PdeductSignAdd, PdeductSignCancel, PdeductSignQuery};
use alipay_api::ebpp::{EbppBillAdd, EbppBillGet};
use alipay_api::trade::{
    TradeAppPay, TradeCancel, TradeClose, TradeFastpayRefundQuery, TradePagePay, TradePay, TradePrecreate, TradeQuery,
    TradeRefund, TradeWapPay,
};

use super::common::Checked;
use crate::faults::FaultKind;
use crate::products::{Access, Call, Handler};
use crate::reply::Reply;
use crate::store::StoreError;
use crate::SandboxState;

/// Every gateway method, in the order of the product documents.
pub(crate) static METHODS: &[Method] = &[
    // Face-to-face payment (seed 001), plus close and refund query.
    entry::<TradePay>(),
    entry::<TradePrecreate>(),
    entry::<TradeQuery>(),
    entry::<TradeCancel>(),
    entry::<TradeClose>(),
    entry::<TradeRefund>(),
    entry::<TradeFastpayRefundQuery>(),
    // Paid on Alipay's side: the cashier (page, wap) and the wallet (app); issue 10.
    entry::<TradePagePay>(),
    entry::<TradeWapPay>(),
    entry::<TradeAppPay>(),
    // Reconciliation bills (seed 001).
    entry::<BillDownloadUrlQuery>(),
    // EBPP bills (seed 000).
    entry::<EbppBillAdd>(),
    entry::<EbppBillGet>(),
    // Direct deduct (seeds 000, 002, 004).
    entry::<PdeductSignAdd>(),
    entry::<PdeductSignQuery>(),
    entry::<PdeductSignCancel>(),
    entry::<PdeductPay>(),
    entry::<PdeductBillPayStatus>(),
    // Cash red packets (seed 003).
    entry::<CouponOrderAgreementPay>(),
    entry::<CouponOrderPagePay>(),
    entry::<CouponOrderAppPay>(),
    entry::<CouponOrderDisburse>(),
    entry::<CouponOrderRefund>(),
    entry::<CouponOperationQuery>(),
    // Authorization: user consent and app-to-app (issue 16).
    entry::<alipay_api::auth::SystemOauthToken>(),
    entry::<alipay_api::auth::UserInfoShare>(),
    entry::<alipay_api::auth::OpenAuthTokenApp>(),
    entry::<alipay_api::auth::OpenAuthTokenAppQuery>(),
    // Certificate mode: Alipay's certificates by SN (crate::modes).
    entry::<alipay_api::cert::AlipayCertDownload>(),
];

/// The entry of `method`, if the gateway serves it.
pub(crate) fn find(method: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.name == method)
}

/// The future a method's run returns.
pub(crate) type RunFuture<'a> = Pin<Box<dyn Future<Output = Result<Reply, StoreError>> + Send + 'a>>;

/// One served method.
#[derive(Clone, Copy)]
pub(crate) struct Method {
    /// The `method` common parameter.
    pub name: &'static str,
    /// Read or write.
    #[allow(dead_code)] // read by the console's method list (issue 10) and the tests
    pub access: Access,
    /// Decodes, validates and runs a verified request (see the module documentation).
    pub run: for<'a> fn(&'a SandboxState, Checked, String) -> RunFuture<'a>,
    /// The answer of an injected failure ([`Handler::fault`]).
    pub fault: fn(FaultKind) -> Reply,
    /// Its failures are answered under `error_response` (`Handler::FAILURES_UNDER_ERROR_RESPONSE`).
    pub failures_under_error_response: bool,
}

impl std::fmt::Debug for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Method").field("name", &self.name).field("access", &self.access).finish_non_exhaustive()
    }
}

/// The table entry of the method whose request type is `H`.
pub(crate) const fn entry<H: Handler>() -> Method {
    Method {
        name: H::METHOD,
        access: H::ACCESS,
        run: run::<H>,
        fault: H::fault,
        failures_under_error_response: H::FAILURES_UNDER_ERROR_RESPONSE,
    }
}

fn run<H: Handler>(state: &SandboxState, checked: Checked, base_url: String) -> RunFuture<'_> {
    Box::pin(async move {
        let request = match crate::products::read::<H>(&checked.params) {
            Ok(r) => r,
            Err(refusal) => return Ok(H::refuse(refusal)),
        };
        let call = Call {
            request,
            caller: checked.caller,
            now: state.clock.now(),
            settings: state.config.settings.clone(),
            base_url,
        };
        H::run(state, call).await
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_method_is_listed_once() {
        let mut names: Vec<_> = METHODS.iter().map(|m| m.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), METHODS.len());
        assert!(find("alipay.trade.pay").is_some());
        assert!(find("alipay.trade.nope").is_none());
    }
}
