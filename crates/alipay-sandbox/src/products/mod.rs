//! The product families, one folder each, all of the same shape:
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the family's gateway methods: one [`Handler`] impl per `alipay-api` request type |
//! | `engine.rs` | the state machine over the store: no HTTP, domain values and typed errors in, answers out |
//! | `store.rs` | the family's rows, its repository trait (an extension of [`crate::store::Repo`], implemented for every repository) and migrations (in [`COMPONENTS`]) |
//! | `admin.rs` | the family's simulation controls under `/admin/...` |
//! | `notify.rs` | the family's asynchronous notifications, queued in the shared outbox ([`crate::notify`]) |
//!
//! | family | methods | seeds |
//! |---|---|---|
//! | [`trade`] | `alipay.trade.*` (face-to-face payment) | 001 |
//! | [`bill`] | `alipay.data.dataservice.bill.downloadurl.query` | 001 |
//! | [`ebpp`] | `alipay.ebpp.bill.add`, `.get` | 000 |
//! | [`deduct`] | `alipay.ebpp.pdeduct.*` | 000, 002, 004 |
//! | [`coupon`] | `alipay.fund.coupon.*` (cash red packets) | 003 |
//! | [`auth`] | `alipay.system.oauth.token`, `alipay.user.info.share`, `alipay.open.auth.token.app`, `.query` (authorization) | issue 16 |

pub(crate) mod auth;
pub(crate) mod bill;
mod cert_download;
mod contract;
pub(crate) mod coupon;
pub(crate) mod deduct;
pub(crate) mod ebpp;
pub(crate) mod error;
pub(crate) mod trade;

use std::sync::Arc;

pub(crate) use contract::{default_fault, lookup, read, write, Access, Call, Family, Handler};
pub(crate) use error::{Refusal, SimError};

use crate::settings::Settings;
use crate::store::{Repo, StoreError};
use crate::SandboxState;

/// Every family's store component, in the order their migrations apply (deduct extends EBPP's tables), handed
/// to the store when it opens: the store knows no family.
pub(crate) const COMPONENTS: crate::store::Components = &[
    ("ebpp", ebpp::store::MIGRATIONS),
    ("coupon", coupon::store::MIGRATIONS),
    ("deduct", deduct::store::MIGRATIONS),
    ("modes", crate::modes::MIGRATIONS),
    ("bill", bill::store::MIGRATIONS),
    ("auth", auth::store::MIGRATIONS),
];

/// Every family's simulation controls.
pub(crate) fn admin_router(state: Arc<SandboxState>) -> axum::Router {
    trade::admin::router(Arc::clone(&state))
        .merge(ebpp::admin::router(Arc::clone(&state)))
        .merge(deduct::admin::router(Arc::clone(&state)))
        .merge(coupon::admin::router(Arc::clone(&state)))
        .merge(auth::admin::router(state))
}

/// Applies every family's clock-driven transitions due at `now` (trade timeouts and refund-window ends,
/// red-packet pay timeouts and timeout refunds), in the caller's transaction; how many records changed.
pub(crate) fn sweep(repo: &dyn Repo, settings: &Settings, now: i64) -> Result<usize, StoreError> {
    let trades = trade::engine::sweep(repo, settings, now)?;
    let coupons = coupon::engine::sweep(repo, now)?;
    Ok(trades + coupons.closed + coupons.refunded)
}
