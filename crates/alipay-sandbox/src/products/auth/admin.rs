//! The authorization controls (`/admin/auth/...`). The routes, their bodies and answers: the table of
//! [`alipay_sandbox_admin::auth`]; the request and answer structs are [`RevokeAppAuthToken`] and
//! [`RevokedAppAuthToken`].

use std::sync::Arc;

use alipay_sandbox_admin::{RevokeAppAuthToken, RevokedAppAuthToken};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

use super::engine::{self, RevokeError};
use crate::admin::{AdminError, AdminResult, St};
use crate::SandboxState;

/// The routes under `/admin/auth/...`.
pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new().route("/admin/auth/app-tokens/revoke", post(revoke)).with_state(state)
}

impl From<RevokeError> for AdminError {
    fn from(e: RevokeError) -> Self {
        match e {
            RevokeError::Store(s) => AdminError::Store(s),
            RevokeError::NotFound => AdminError::NotFound(e.to_string()),
        }
    }
}

async fn revoke(State(state): St, Json(body): Json<RevokeAppAuthToken>) -> AdminResult<RevokedAppAuthToken> {
    let token = body.app_auth_token.trim().to_owned();
    let grant = state
        .store
        .write(move |r| {
            Ok::<_, crate::store::StoreError>(engine::revoke_app_token(r, &token).map_err(AdminError::from))
        })
        .await??;
    Ok(Json(RevokedAppAuthToken {
        app_auth_token: grant.app_auth_token,
        app_id: grant.app_id,
        merchant_pid: grant.merchant_pid,
        auth_app_id: grant.auth_app_id,
        status: "invalid".to_owned(),
    }))
}
