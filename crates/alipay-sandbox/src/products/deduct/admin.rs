//! The family's simulation controls (routes listed in the [`super`] module documentation).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::engine as deduct;
use crate::admin::AdminError;
use crate::clock::time_text;
use crate::products::ebpp::admin::{default_buyer, seller_of};
use crate::store::Repo;
use crate::SandboxState;

type AdminResult = Result<Json<Value>, AdminError>;
type St = State<Arc<SandboxState>>;

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

#[derive(Debug, Default, Deserialize)]
struct TokenBody {
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    ttl_secs: Option<i64>,
}

async fn token(State(state): St, body: Option<Json<TokenBody>>) -> AdminResult {
    let body = body.map(|b| b.0).unwrap_or_default();
    let now = state.clock.now();
    let ttl = body.ttl_secs.unwrap_or(600);
    let t = state
        .store
        .write(move |r| -> Result<_, AdminError> {
            let user = default_buyer(r, body.user_id)?;
            deduct::issue_token(r, &user, ttl, now)
        })
        .await?;
    Ok(Json(json!({"pay_password_token": t.token, "user_id": t.user_id, "expires_at": time_text(t.expires_at)})))
}

#[derive(Debug, Default, Deserialize)]
struct AppQuery {
    #[serde(default)]
    app_id: Option<String>,
}

async fn agreement_view(State(state): St, Path(agreement_id): Path<String>, Query(q): Query<AppQuery>) -> AdminResult {
    let v = state
        .store
        .read(move |r| {
            Ok((|| -> Result<Value, AdminError> {
                let seller = seller_of(r, q.app_id.as_deref())?;
                let a = r
                    .agreement(&seller, &agreement_id)?
                    .ok_or_else(|| AdminError::NotFound(format!("agreement {agreement_id} not found")))?;
                Ok(json!({
                    "agreement_id": a.agreement_id, "status": a.status,
                    "agreement_status": a.status.agreement_status(), "user_id": a.user_id, "pid": a.pid,
                    "biz_type": a.biz_type, "sub_biz_type": a.sub_biz_type, "charge_inst": a.charge_inst,
                    "bill_key": a.bill_key, "out_agreement_id": a.out_agreement_id,
                    "sign_date": time_text(a.sign_date), "cancel_date": a.cancel_date.and_then(time_text),
                }))
            })())
        })
        .await??;
    Ok(Json(v))
}

#[derive(Debug, Deserialize)]
struct HoldBody {
    #[serde(default)]
    agreement_id: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    count: Option<i64>,
}

async fn hold(State(state): St, Json(body): Json<HoldBody>) -> AdminResult {
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
    Ok(Json(json!({"scope": scope, "key": key, "remaining": count})))
}

#[derive(Debug, Deserialize)]
struct ResolveBody {
    out_order_no: String,
    result: String,
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    order_result_code: Option<String>,
    #[serde(default)]
    order_result_msg: Option<String>,
}

async fn resolve(State(state): St, Json(body): Json<ResolveBody>) -> AdminResult {
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
            deduct::resolve(r, &seller, &body.out_order_no, success, failure, now)
        })
        .await?;
    Ok(Json(deduct::deduction_json(&d)))
}

#[derive(Debug, Deserialize)]
struct DeductionQuery {
    out_order_no: String,
    #[serde(default)]
    app_id: Option<String>,
}

async fn deduction_view(State(state): St, Query(q): Query<DeductionQuery>) -> AdminResult {
    let v = state
        .store
        .read(move |r| {
            Ok((|| -> Result<Value, AdminError> {
                let seller = seller_of(r, q.app_id.as_deref())?;
                let d = r
                    .deduction(&seller, &q.out_order_no)?
                    .ok_or_else(|| AdminError::NotFound(format!("deduction {} not found", q.out_order_no)))?;
                Ok(deduct::deduction_json(&d))
            })())
        })
        .await??;
    Ok(Json(v))
}

#[derive(Debug, Deserialize)]
struct FaultBody {
    method: String,
    sub_code: String,
    #[serde(default)]
    count: Option<i64>,
}

fn pending(r: &dyn Repo) -> Result<Value, AdminError> {
    let list: Vec<Value> = r
        .ebpp_faults()?
        .into_iter()
        .map(|(method, sub_code, remaining)| json!({"method": method, "sub_code": sub_code, "remaining": remaining}))
        .collect();
    Ok(json!({"pending": list}))
}

async fn add_fault(State(state): St, Json(body): Json<FaultBody>) -> AdminResult {
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
        .write(move |r| -> Result<Value, AdminError> {
            r.add_ebpp_fault(&body.method, &body.sub_code, count)?;
            pending(r)
        })
        .await?;
    Ok(Json(v))
}

async fn faults_view(State(state): St) -> AdminResult {
    let v = state.store.read(|r| Ok(pending(r))).await??;
    Ok(Json(v))
}
