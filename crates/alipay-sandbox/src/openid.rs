//! Open ids: what Alipay gives apps created since 2023–24 instead of the `2088…` user id (`buyer_open_id` in
//! answers and notifications; Alipay's openid introduction, jeequan/jeepay#123, smartwalle/alipay#219,
//! casdoor#5749). An open id is per app: the same buyer has another one in another app.
//!
//! The sandbox derives it, so that it is stable and resolvable both ways without a table: the user id encrypted
//! (AES-128-CBC, zero IV: deterministic) under a key derived from a sandbox secret and the app id, as URL-safe
//! base64 after a `0` (44 characters). The secret is in the store's `meta` (kept by reset, shared by instances on a
//! shared store). An app gets open ids when its mode settings say so ([`crate::modes::AppModes::open_id`]).

use alipay_core::aes::AesKey;
use alipay_core::Charset;
use base64::Engine as _;

use crate::modes::ModesRepo;
use crate::store::{Repo, StoreError};

/// The `meta` key of the secret open ids are derived from.
pub(crate) const SECRET_KEY: &str = "openid.secret";

/// Makes the secret if the store has none (at seed time).
pub(crate) fn ensure_secret(repo: &dyn Repo) -> Result<(), StoreError> {
    if repo.meta(SECRET_KEY)?.is_none() {
        repo.set_meta(SECRET_KEY, &AesKey::generate().to_base64())?;
    }
    Ok(())
}

/// The open ids of one app.
#[derive(Debug, Clone)]
pub(crate) struct OpenIds {
    key: AesKey,
}

/// The open ids of `app_id` when that app gets open ids, else `None` (it gets user ids).
pub(crate) fn of_app(repo: &dyn Repo, app_id: &str) -> Result<Option<OpenIds>, StoreError> {
    if !repo.app_modes(app_id)?.is_some_and(|m| m.open_id) {
        return Ok(None);
    }
    let secret = repo.meta(SECRET_KEY)?.ok_or_else(|| StoreError::Corrupt("no open id secret".into()))?;
    Ok(Some(OpenIds::new(&secret, app_id)))
}

impl OpenIds {
    fn new(secret: &str, app_id: &str) -> OpenIds {
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        ctx.update(secret.as_bytes());
        ctx.update(b"\0");
        ctx.update(app_id.as_bytes());
        let digest = ctx.finish();
        let bytes = digest.as_ref().get(..16).unwrap_or_default();
        let key = AesKey::from_base64(&base64::engine::general_purpose::STANDARD.encode(bytes))
            .unwrap_or_else(|_| AesKey::generate());
        OpenIds { key }
    }

    /// The buyer `user_id`'s open id in this app.
    pub(crate) fn open_id(&self, user_id: &str) -> String {
        let cipher = self.key.encrypt_bytes(user_id.as_bytes());
        format!("0{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(cipher))
    }

    /// The user id behind an open id of this app (`None`: not one of this app's).
    pub(crate) fn user_id(&self, open_id: &str) -> Option<String> {
        let cipher = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(open_id.strip_prefix('0')?).ok()?;
        let plain = self.key.decrypt_bytes(&cipher).ok()?;
        let user_id = Charset::Utf8.decode(&plain).ok()?.into_owned();
        (!user_id.is_empty() && user_id.bytes().all(|b| b.is_ascii_digit())).then_some(user_id)
    }

    /// `(buyer_user_id, buyer_open_id)` for answers: one of them, as the app gets it.
    pub(crate) fn split(ids: Option<&OpenIds>, user_id: Option<&String>) -> (Option<String>, Option<String>) {
        match (ids, user_id) {
            (Some(ids), Some(u)) => (None, Some(ids.open_id(u))),
            (None, u) => (u.cloned(), None),
            (Some(_), None) => (None, None),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::OpenIds;

    #[test]
    fn open_ids_are_per_app_stable_and_reversible() {
        let a = OpenIds::new("secret", "2021000000000001");
        let b = OpenIds::new("secret", "2021000000000002");
        let id = a.open_id("2088000000000001");
        assert_eq!(id, a.open_id("2088000000000001"), "stable");
        assert!(id.starts_with('0') && id.len() == 44 && !id.contains(['+', '/', '=']), "{id}");
        assert_ne!(id, b.open_id("2088000000000001"), "another app, another open id");
        assert_eq!(a.user_id(&id).as_deref(), Some("2088000000000001"));
        assert_eq!(b.user_id(&id), None, "not b's");
    }
}
