//! `POST /admin/accept/arm` and `/disarm`: the provocations of the refund and bill suites, each armed for one app's next
//! matching call, so another app's traffic on the same sandbox never takes it.
//!
//! - a refund answered `20000` (money moved or not) or dropped after the commit: an injected fault scoped to the
//!   app ([`crate::faults`]), answered by the trade family's own fault replies;
//! - a dead bill URL: the bill family's provocation (`products::bill::probe`);
//! - an early notification (N8): the `notify_first` fault on the app's next `alipay.trade.pay`;
//! - the deduct and coupon suites' provocations: `provoke_fund`.

use std::sync::Arc;

use alipay_sandbox_admin::{ArmRequest, Armed, DisarmRequest, Disarmed, FaultKind, FaultSpec, Provocation};
use axum::extract::State;
use axum::Json;

use super::refund::REFUND;
use crate::admin::{AdminError, AdminResult};
use crate::SandboxState;

const BILL_QUERY: &str = "alipay.data.dataservice.bill.downloadurl.query";
const PAY: &str = "alipay.trade.pay";

pub(super) async fn route(State(state): State<Arc<SandboxState>>, Json(req): Json<ArmRequest>) -> AdminResult<Armed> {
    let app = req.app_id.clone();
    if state.store.read(move |r| r.app(&app)).await?.is_none() {
        return Err(AdminError::NotFound(format!("app {:?} not found", req.app_id)));
    }
    if let Some(armed) = super::provoke_fund::arm(&state, &req.app_id, &req.provocation).await? {
        return Ok(Json(armed));
    }
    let fault = |kind| FaultSpec::new(REFUND, kind).for_app(req.app_id.clone());
    let (spec, what) = match req.provocation {
        Provocation::RefundUnknown { money_moved: true } => (
            Some(fault(FaultKind::UnknownError).execute()),
            "the next refund is made, then answered 20000 (outcome unknown)",
        ),
        Provocation::RefundUnknown { money_moved: false } => {
            (Some(fault(FaultKind::UnknownError)), "the next refund is answered 20000 (outcome unknown) and not made")
        }
        Provocation::RefundDropped => {
            (Some(fault(FaultKind::DropAfterCommit)), "the next refund is made, then its answer is lost")
        }
        Provocation::EarlyNotification => (
            Some(FaultSpec::new(PAY, FaultKind::NotifyFirst).for_app(req.app_id.clone())),
            "the next trade.pay is made, and its notification reaches the notify_url before the synchronous answer",
        ),
        Provocation::DeadBillUrl => {
            crate::products::bill::probe::arm_dead_url(&state.store, &req.app_id).await?;
            (None, "the next bill URL query answers a URL that has already expired")
        }
        _ => return Err(AdminError::BadRequest("an unknown provocation".to_owned())),
    };
    let method = match &spec {
        Some(s) => s.method.clone(),
        None => BILL_QUERY.to_owned(),
    };
    if let Some(spec) = spec {
        state.faults.add(&state.store, spec).await?;
    }
    Ok(Json(Armed { method, what: what.to_owned() }))
}

pub(super) async fn disarm(
    State(state): State<Arc<SandboxState>>,
    Json(req): Json<DisarmRequest>,
) -> AdminResult<Disarmed> {
    let faults = state.faults.remove_for_app(&state.store, &req.app_id).await?;
    let url = crate::products::bill::probe::disarm(&state.store, &req.app_id).await?;
    let holds = super::provoke_fund::disarm(&state, &req.app_id).await?;
    Ok(Json(Disarmed { removed: faults + usize::from(url) + holds }))
}
