//! Cash red packets (seed 003): engine, gateway methods and simulation controls.

use std::sync::Arc;

use alipay_core::ResultCode;

use crate::engine::Reply;
use crate::store::StoreError;
use crate::wire::common::Checked;
use crate::SandboxState;

/// The gateway methods this family serves.
pub const METHODS: &[&str] = &[];

/// Runs one verified request of a method in [`METHODS`], as one store transaction.
pub async fn dispatch(_state: &SandboxState, _req: &Checked) -> Result<Reply, StoreError> {
    Ok(Reply::error(ResultCode::InvalidArgument, "isv.invalid-method", "不存在的方法名"))
}

/// This family's simulation controls under `/admin/...`.
pub fn admin_router(state: Arc<SandboxState>) -> axum::Router {
    axum::Router::new().with_state(state)
}
