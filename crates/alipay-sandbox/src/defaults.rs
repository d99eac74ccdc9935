//! The sandbox's own state in `meta` ([`meta_keys`]): its Alipay key and the default app made on first start
//! ([`seed`]), and `app.json`, everything a client needs to talk to this sandbox ([`AppJson`]).

use std::net::SocketAddr;

use alipay_core::{PrivateKey, SignType};
use serde::Serialize;

use crate::accounts::{self, NewApp};
use crate::error::SandboxError;
use crate::store::{Repo, Store};
use crate::{clock, openid, Config, SandboxState};

/// `meta` keys of the sandbox's own state.
pub(crate) mod meta_keys {
    pub const ALIPAY_KEY: &str = "alipay.private_key";
    pub const DEFAULT_APP_ID: &str = "default.app_id";
    pub const DEFAULT_APP_KEY: &str = "default.app_private_key";
    pub const DEFAULT_BUYER: &str = "default.buyer_id";
    /// The default app's merchant (kept by reset, so `app.json`'s `merchant_pid` stays true).
    pub const DEFAULT_MERCHANT: &str = "default.merchant_pid";
    /// The admin API's bearer token (kept by reset; in the store, so instances sharing a store share it).
    pub const ADMIN_TOKEN: &str = "admin.token";
}

/// The contents of `DIR/app.json`: everything a client needs to talk to this sandbox.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct AppJson {
    /// `http://HOST:PORT/gateway.do`.
    pub gateway_url: String,
    /// The default app.
    pub app_id: String,
    /// Its private key (PKCS#8 PEM).
    pub app_private_key: String,
    /// The same private key as PKCS#1 PEM (`RSA PRIVATE KEY`), the only form Alipay's Python SDK reads.
    #[serde(default)]
    pub app_private_key_pkcs1: String,
    /// Its public key (SPKI PEM).
    pub app_public_key: String,
    /// The sandbox's Alipay public key (SPKI PEM), to verify answers and notifications.
    pub alipay_public_key: String,
    /// `RSA2`.
    pub sign_type: String,
    /// `utf-8`.
    pub charset: String,
    /// The default app's merchant PID.
    pub merchant_pid: String,
    /// A buyer created on first start.
    pub buyer_user_id: String,
    /// Whether this app gets buyers' open ids (`buyer_open_id`) instead of `2088…` user ids. `false` for the
    /// default app (as older apps); apps made with `POST /admin/apps` default to open ids, as Alipay's new apps.
    #[serde(default)]
    pub open_id: bool,
    /// The admin API's bearer token, required on a non-loopback listener (absent in files written before
    /// it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_token: Option<String>,
}

/// First start (or reset): stores the keys and creates the default app, its merchant and a buyer.
pub(crate) async fn seed(
    store: &Store,
    alipay_key: PrivateKey,
    app_key: PrivateKey,
    config: &Config,
) -> Result<(), SandboxError> {
    let now = clock::real_now();
    let alipay_text = alipay_key.to_pkcs8_base64();
    let app_text = app_key.to_pkcs8_base64();
    let app_public = app_key.public_key().to_spki_pem();
    let (balance, limit) = (config.default_buyer_balance, config.default_buyer_limit);
    store
        .write(move |r: &dyn Repo| -> Result<(), SandboxError> {
            // Seeded already (by another instance starting on the same shared store at the same time).
            if let Some(id) = r.meta(meta_keys::DEFAULT_APP_ID)? {
                if r.app(&id)?.is_some() && r.meta(meta_keys::ALIPAY_KEY)?.is_some() {
                    return Ok(());
                }
            }
            if r.meta(meta_keys::ALIPAY_KEY)?.is_none() {
                r.set_meta(meta_keys::ALIPAY_KEY, &alipay_text)?;
            }
            openid::ensure_secret(r)?;
            let app_text = match r.meta(meta_keys::DEFAULT_APP_KEY)? {
                Some(existing) => existing,
                None => {
                    r.set_meta(meta_keys::DEFAULT_APP_KEY, &app_text)?;
                    app_text.clone()
                }
            };
            let public = match PrivateKey::from_text(&app_text) {
                Ok(k) => k.public_key().to_spki_pem(),
                Err(_) => app_public.clone(),
            };
            let wished = r.meta(meta_keys::DEFAULT_APP_ID)?;
            // After a reset, the default app's merchant comes back with its PID (`app.json` names it).
            let merchant_pid = match r.meta(meta_keys::DEFAULT_MERCHANT)? {
                Some(pid) => Some(accounts::recreate_merchant(r, &pid, "沙箱商户")?.pid),
                None => None,
            };
            let new = NewApp { public_key: public, sign_type: SignType::Rsa2, app_id: wished, merchant_pid };
            let (app, merchant) = accounts::register_app(r, &new, now)?;
            r.set_meta(meta_keys::DEFAULT_APP_ID, &app.app_id)?;
            r.set_meta(meta_keys::DEFAULT_MERCHANT, &merchant.pid)?;
            let buyer = accounts::create_buyer(r, balance, limit, None)?;
            r.set_meta(meta_keys::DEFAULT_BUYER, &buyer.user_id)?;
            Ok(())
        })
        .await
}

pub(crate) async fn app_json(state: &SandboxState, addr: SocketAddr) -> Result<AppJson, SandboxError> {
    let (app_id, app_key, buyer) = state
        .store
        .read(|r| {
            Ok((
                r.meta(meta_keys::DEFAULT_APP_ID)?.unwrap_or_default(),
                r.meta(meta_keys::DEFAULT_APP_KEY)?.unwrap_or_default(),
                r.meta(meta_keys::DEFAULT_BUYER)?.unwrap_or_default(),
            ))
        })
        .await?;
    let id = app_id.clone();
    let merchant_pid = state.store.read(move |r| Ok(r.app(&id)?.map(|a| a.merchant_pid).unwrap_or_default())).await?;
    let key = PrivateKey::from_text(&app_key)?;
    Ok(AppJson {
        gateway_url: format!("http://{addr}/gateway.do"),
        app_id,
        app_private_key: key.to_pkcs8_pem(),
        app_private_key_pkcs1: key.to_pkcs1_pem(),
        app_public_key: key.public_key().to_spki_pem(),
        alipay_public_key: state.alipay_key.public_key().to_spki_pem(),
        sign_type: "RSA2".into(),
        charset: "utf-8".into(),
        merchant_pid,
        buyer_user_id: buyer,
        open_id: false,
        admin_token: Some(state.admin_token.to_string()),
    })
}
