//! The bill family's acceptance provocation (`alipay accept run --suite bill`, check B3): the app's next bill
//! URL query answers a URL that is already dead, so its first fetch finds it expired (`404`), as a URL fetched
//! after its 30 s would (seed 001:243 "该下载链接仅30秒"). The merchant must then ask for a new URL, not retry the
//! dead one.
//!
//! The arming is kept in the store (`meta`, one key per app), so on a shared store the instance that answers
//! the query need not be the one that armed it; a query takes it by reading and clearing it in one write, so it
//! fires once however many instances answer.

use std::time::Duration;

use crate::store::{Store, StoreError};

fn key(app_id: &str) -> String {
    format!("accept.dead_bill_url.{app_id}")
}

/// Arms a dead URL for the next bill URL query of `app_id`.
pub(crate) async fn arm_dead_url(store: &Store, app_id: &str) -> Result<(), StoreError> {
    let k = key(app_id);
    store.write(move |r| r.set_meta(&k, "armed")).await
}

/// Removes a dead URL armed for `app_id` that no query took; whether there was one.
pub(crate) async fn disarm(store: &Store, app_id: &str) -> Result<bool, StoreError> {
    let k = key(app_id);
    store
        .write(move |r| -> Result<bool, StoreError> {
            let armed = r.meta(&k)?.as_deref() == Some("armed");
            if armed {
                r.set_meta(&k, "")?;
            }
            Ok(armed)
        })
        .await
}

/// The lifetime of the URL the query of `app_id` answers: zero when a dead URL was armed for it (taking the
/// arming), else `normal`.
pub(crate) async fn url_ttl(store: &Store, app_id: &str, normal: Duration) -> Result<Duration, StoreError> {
    let k = key(app_id);
    // Reading first keeps the common case (nothing armed) off the writer.
    if store.read(move |r| r.meta(&k)).await?.as_deref() != Some("armed") {
        return Ok(normal);
    }
    let taken = disarm(store, app_id).await?;
    Ok(if taken { Duration::ZERO } else { normal })
}
