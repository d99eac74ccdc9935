//! Product families beyond face-to-face payment. Each owns its engine, its store component
//! (`crate::store::ebpp`, `crate::store::coupon`), its gateway methods and its admin routes, and plugs in here:
//! the wire layer asks [`handles`] and calls [`dispatch`]; the router merges [`admin_router`].

pub mod coupon;
pub mod ebpp;

use std::sync::Arc;

use crate::engine::Reply;
use crate::store::StoreError;
use crate::wire::common::Checked;
use crate::SandboxState;

/// `true` if a product family serves `method`.
pub fn handles(method: &str) -> bool {
    ebpp::METHODS.contains(&method) || coupon::METHODS.contains(&method)
}

/// Runs a verified request of a product family's method; `None` if no family serves it.
pub async fn dispatch(state: &SandboxState, req: &Checked) -> Result<Option<Reply>, StoreError> {
    let method = req.method.as_str();
    if ebpp::METHODS.contains(&method) {
        return ebpp::dispatch(state, req).await.map(Some);
    }
    if coupon::METHODS.contains(&method) {
        return coupon::dispatch(state, req).await.map(Some);
    }
    Ok(None)
}

/// The product families' simulation controls.
pub fn admin_router(state: Arc<SandboxState>) -> axum::Router {
    ebpp::admin_router(Arc::clone(&state)).merge(coupon::admin_router(state))
}
