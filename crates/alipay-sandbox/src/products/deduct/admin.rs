//! The direct-deduct controls (`/admin/deduct/...`). The routes, their bodies and answers: the table of
//! [`alipay_sandbox_admin::ebpp`] (EBPP bills and direct deduct).

use std::sync::Arc;

use alipay_sandbox_admin::{
    Agreement, AppQuery, DeductFault, DeductFaults, Deduction, DeductionLocator, Hold, NewDeductFault, NewHold,
    NewPayPasswordToken, PayPasswordToken, ResolveDeduction,
};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::engine as deduct;
use crate::admin::{AdminError, AdminResult, St};
use crate::clock::time_text;
use crate::products::deduct::store::DeductRepo;
use crate::products::ebpp::admin::{default_buyer, seller_of};
use crate::store::Repo;
use crate::SandboxState;

/// The routes under `/admin/deduct/...`.
pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/admin/deduct/pay-password-tokens", post(token))
        .route("/admin/deduct/agreements/{agreement_id}", get(agreement_view))
        .route("/admin/deduct/holds", post(hold))
        .route("/admin/deduct/resolve", post(resolve))
        .route("/admin/deduct/deductions", get(deduction_view))
        .route("/admin/deduct/faults", get(faults_view).post(add_fault))
        .with_state(state)
}

async fn token(State(state): St, body: Option<Json<NewPayPasswordToken>>) -> AdminResult<PayPasswordToken> {
    let body = body.map(|b| b.0).unwrap_or_default();
    let now = state.clock.now();
    let ttl = body.ttl_secs.unwrap_or(600);
    let t = state
        .store
        .write(move |r| -> Result<_, AdminError> {
            let user = default_buyer(r, body.user_id.clone())?;
            Ok(deduct::issue_token(r, &user, ttl, now)?)
        })
        .await?;
    Ok(Json(PayPasswordToken { pay_password_token: t.token, user_id: t.user_id, expires_at: time_text(t.expires_at) }))
}

async fn agreement_view(
    State(state): St,
    Path(agreement_id): Path<String>,
    Query(q): Query<AppQuery>,
) -> AdminResult<Agreement> {
    let v = state
        .store
        .read(move |r| {
            Ok((|| -> Result<Agreement, AdminError> {
                let seller = seller_of(r, q.app_id.as_deref())?;
                let a = r
                    .agreement(&seller, &agreement_id)?
                    .ok_or_else(|| AdminError::NotFound(format!("agreement {agreement_id} not found")))?;
                Ok(Agreement {
                    agreement_id: a.agreement_id,
                    status: a.status.as_str().to_owned(),
                    agreement_status: Some(a.status.agreement_status().to_owned()),
                    user_id: a.user_id,
                    pid: a.pid,
                    biz_type: a.biz_type,
                    sub_biz_type: a.sub_biz_type,
                    charge_inst: a.charge_inst,
                    bill_key: a.bill_key,
                    out_agreement_id: a.out_agreement_id,
                    sign_date: time_text(a.sign_date),
                    cancel_date: a.cancel_date.and_then(time_text),
                })
            })())
        })
        .await??;
    Ok(Json(v))
}

async fn hold(State(state): St, Json(body): Json<NewHold>) -> AdminResult<Hold> {
    let (scope, key) = match (body.agreement_id, body.user_id) {
        (Some(a), _) => (deduct::HOLD_AGREEMENT, a),
        (None, Some(u)) => (deduct::HOLD_USER, u),
        (None, None) => return Err(AdminError::BadRequest("name agreement_id or user_id".into())),
    };
    let count = body.count.unwrap_or(1);
    if count < 0 {
        return Err(AdminError::BadRequest("count must not be negative".into()));
    }
    let k = key.clone();
    state.store.write(move |r| -> Result<(), AdminError> { Ok(r.set_hold(scope, &k, count)?) }).await?;
    Ok(Json(Hold { scope: scope.to_owned(), key, remaining: count }))
}

async fn resolve(State(state): St, Json(body): Json<ResolveDeduction>) -> AdminResult<Deduction> {
    let success = match body.result.as_str() {
        "success" => true,
        "failed" => false,
        other => return Err(AdminError::BadRequest(format!("result must be success or failed, not {other:?}"))),
    };
    let failure = body.order_result_code.map(|c| (c, body.order_result_msg.unwrap_or_else(|| "支付失败".to_owned())));
    let now = state.clock.now();
    let d = state
        .store
        .write(move |r| -> Result<_, AdminError> {
            let seller = seller_of(r, body.app_id.as_deref())?;
            Ok(deduct::resolve(r, &seller, &body.out_order_no, success, failure.clone(), now)?)
        })
        .await?;
    Ok(Json(deduct::deduction_answer(d)))
}

async fn deduction_view(State(state): St, Query(q): Query<DeductionLocator>) -> AdminResult<Deduction> {
    let v = state
        .store
        .read(move |r| {
            Ok((|| -> Result<Deduction, AdminError> {
                let seller = seller_of(r, q.app_id.as_deref())?;
                let d = r
                    .deduction(&seller, &q.out_order_no)?
                    .ok_or_else(|| AdminError::NotFound(format!("deduction {} not found", q.out_order_no)))?;
                Ok(deduct::deduction_answer(d))
            })())
        })
        .await??;
    Ok(Json(v))
}

fn pending(r: &dyn Repo) -> Result<DeductFaults, AdminError> {
    let pending = r
        .ebpp_faults()?
        .into_iter()
        .map(|(method, sub_code, remaining)| DeductFault { method, sub_code, remaining })
        .collect();
    Ok(DeductFaults { pending })
}

async fn add_fault(State(state): St, Json(body): Json<NewDeductFault>) -> AdminResult<DeductFaults> {
    if !deduct::injectable(&body.method).contains(&body.sub_code.as_str()) {
        return Err(AdminError::BadRequest(format!(
            "{} cannot be injected into {:?}; allowed: {:?}",
            body.sub_code,
            body.method,
            deduct::injectable(&body.method)
        )));
    }
    let count = body.count.unwrap_or(1);
    if count <= 0 {
        return Err(AdminError::BadRequest("count must be positive".into()));
    }
    let v = state
        .store
        .write(move |r| -> Result<DeductFaults, AdminError> {
            r.add_ebpp_fault(&body.method, &body.sub_code, count)?;
            pending(r)
        })
        .await?;
    Ok(Json(v))
}

async fn faults_view(State(state): St) -> AdminResult<DeductFaults> {
    let v = state.store.read(|r| Ok(pending(r))).await??;
    Ok(Json(v))
}
