//! Direct deduct (代扣, seeds 000, 002, 004): `alipay.ebpp.pdeduct.sign.add`, `.sign.query`, `.sign.cancel`,
//! `.pay` and `.bill.pay.status`.
//!
//! The answers, codes and simulation controls are documented with the EBPP family they share the
//! `alipay.ebpp.*` conventions with ([`crate::products::ebpp`]).
//!
//! | module | holds |
//! |---|---|
//! | [`engine`] | agreements, pay-password tokens, deductions (held "unknown" and resolved later), injected failures |
//! | [`store`] | their tables' queries ([`store::DeductRepo`]) |
//! | [`admin`] | the controls under `/admin/deduct/...` |

pub(crate) mod admin;
pub(crate) mod engine;
pub(crate) mod store;

use std::future::Future;

use alipay_api::deduct::{PdeductBillPayStatus, PdeductPay, PdeductSignAdd, PdeductSignCancel, PdeductSignQuery};

use crate::products::ebpp::errors::illegal;
use crate::products::{write, Access, Call, Family, Handler, Refusal};
use crate::reply::Reply;
use crate::store::StoreError;
use crate::SandboxState;

/// Direct deduct (`alipay.ebpp.pdeduct.*`): a refused request is `PARAMETER_ILLEGAL` or the field's documented code.
pub(crate) struct Deduct;

impl Family for Deduct {
    fn refuse(refusal: Refusal) -> Reply {
        refuse(refusal)
    }
}

fn refuse(refusal: Refusal) -> Reply {
    match refusal {
        Refusal::Decode(e) => illegal(&e.to_string()),
        Refusal::Invalid(e) => engine::invalid(&e),
    }
}

impl Handler for PdeductSignAdd {
    type Family = Deduct;
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        write(state, call, |repo, c| engine::sign_add(repo, &c.caller, c.now, c.request))
    }
}

impl Handler for PdeductSignQuery {
    type Family = Deduct;
    // Writes: an injected failure is consumed.
    const ACCESS: Access = Access::Write;
    fn refuse(refusal: Refusal) -> Reply {
        match refusal {
            Refusal::Decode(e) => illegal(&e.to_string()),
            Refusal::Invalid(e) => engine::invalid_query(&e),
        }
    }
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        write(state, call, |repo, c| engine::sign_query(repo, &c.caller, c.now, c.request))
    }
}

impl Handler for PdeductSignCancel {
    type Family = Deduct;
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        write(state, call, |repo, c| engine::sign_cancel(repo, &c.caller, c.now, c.request))
    }
}

impl Handler for PdeductPay {
    type Family = Deduct;
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        write(state, call, |repo, c| engine::pay(repo, &c.caller, c.now, c.request))
    }
}

impl Handler for PdeductBillPayStatus {
    type Family = Deduct;
    // Writes: a deduction held unknown by an acceptance provocation resolves after its k queries.
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        write(state, call, |repo, c| engine::pay_status(repo, &c.caller, c.now, c.request))
    }
}
