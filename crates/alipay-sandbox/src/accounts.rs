//! Accounts: merchants, apps (with their own public key and sign type), third-party tokens, buyers with
//! balances and password-free limits, and single-use payment codes.

use alipay_core::{Money, PublicKey, SignType};

use crate::ids;
use crate::store::{AppRecord, AuthTokenRecord, BuyerRecord, MerchantRecord, PaymentCodeRecord, Repo, StoreError};

/// An account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The public key cannot be parsed.
    #[error("public_key is not an RSA public key: {0}")]
    BadKey(String),
    /// A referenced account does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// An id is already taken.
    #[error("{0} already exists")]
    Exists(String),
    /// An argument is out of range.
    #[error("{0}")]
    Invalid(String),
}

/// Creates a merchant with a fresh PID and a zero balance.
pub fn create_merchant(repo: &dyn Repo, name: &str) -> Result<MerchantRecord, AccountError> {
    let pid = loop {
        let pid = ids::user_id();
        if repo.merchant(&pid)?.is_none() && repo.buyer(&pid)?.is_none() {
            break pid;
        }
    };
    insert_merchant(repo, pid, name)
}

/// The default merchant again after a reset: the same PID, so `app.json` stays true.
pub(crate) fn recreate_merchant(repo: &dyn Repo, pid: &str, name: &str) -> Result<MerchantRecord, AccountError> {
    match repo.merchant(pid)? {
        Some(m) => Ok(m),
        None => insert_merchant(repo, pid.to_owned(), name),
    }
}

fn insert_merchant(repo: &dyn Repo, pid: String, name: &str) -> Result<MerchantRecord, AccountError> {
    let merchant = MerchantRecord {
        email: format!("{}@sandbox.example", &pid),
        pid,
        name: name.to_owned(),
        balance: Money::ZERO,
        primary_app_id: None,
    };
    repo.insert_merchant(&merchant)?;
    Ok(merchant)
}

/// What [`register_app`] needs.
#[derive(Debug, Clone)]
pub struct NewApp {
    /// The app's public key (PEM or base64, SPKI or PKCS#1).
    pub public_key: String,
    /// The algorithm the app signs with.
    pub sign_type: SignType,
    /// A wished app id (a fresh one when `None`).
    pub app_id: Option<String>,
    /// An existing merchant to attach the app to (a new merchant when `None`).
    pub merchant_pid: Option<String>,
}

/// Registers an app; creates its merchant unless an existing one is named.
pub fn register_app(repo: &dyn Repo, new: &NewApp, now: i64) -> Result<(AppRecord, MerchantRecord), AccountError> {
    PublicKey::from_text(&new.public_key).map_err(|e| AccountError::BadKey(e.to_string()))?;
    let app_id = match &new.app_id {
        Some(id) => {
            if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(AccountError::Invalid("app_id must be 1..=32 letters or digits".into()));
            }
            if repo.app(id)?.is_some() {
                return Err(AccountError::Exists(format!("app {id}")));
            }
            id.clone()
        }
        None => loop {
            let id = ids::app_id();
            if repo.app(&id)?.is_none() {
                break id;
            }
        },
    };
    let mut merchant = match &new.merchant_pid {
        Some(pid) => repo.merchant(pid)?.ok_or_else(|| AccountError::NotFound(format!("merchant {pid}")))?,
        None => create_merchant(repo, "沙箱商户")?,
    };
    let app = AppRecord {
        app_id: app_id.clone(),
        merchant_pid: merchant.pid.clone(),
        public_key: new.public_key.clone(),
        sign_type: new.sign_type,
        created_at: now,
    };
    repo.insert_app(&app)?;
    if merchant.primary_app_id.is_none() {
        // A fresh merchant's first app is its own app (the `auth_app_id` of its notifications).
        merchant.primary_app_id = Some(app_id);
        repo.set_primary_app(&merchant.pid, &app.app_id)?;
    }
    Ok((app, merchant))
}

/// Creates a buyer with a balance and a password-free limit.
pub fn create_buyer(
    repo: &dyn Repo,
    balance: Money,
    password_free_limit: Money,
    logon_id: Option<String>,
) -> Result<BuyerRecord, AccountError> {
    if balance < Money::ZERO || password_free_limit < Money::ZERO {
        return Err(AccountError::Invalid("balance and password_free_limit must not be negative".into()));
    }
    let user_id = loop {
        let id = ids::user_id();
        if repo.buyer(&id)?.is_none() && repo.merchant(&id)?.is_none() {
            break id;
        }
    };
    let logon_id = logon_id.unwrap_or_else(|| format!("139{}", ids::digits(8)));
    let buyer = BuyerRecord { user_id, logon_id, balance, password_free_limit };
    repo.insert_buyer(&buyer)?;
    Ok(buyer)
}

/// Issues a single-use payment code for a buyer, valid `ttl_secs`.
pub fn issue_payment_code(
    repo: &dyn Repo,
    user_id: &str,
    ttl_secs: i64,
    now: i64,
) -> Result<PaymentCodeRecord, AccountError> {
    if repo.buyer(user_id)?.is_none() {
        return Err(AccountError::NotFound(format!("buyer {user_id}")));
    }
    let code = loop {
        let code = ids::auth_code();
        if repo.payment_code(&code)?.is_none() {
            break code;
        }
    };
    let record = PaymentCodeRecord { code, user_id: user_id.to_owned(), expires_at: now + ttl_secs, used: false };
    repo.insert_payment_code(&record)?;
    Ok(record)
}

/// Lets `app_id` act for `merchant_pid` with a new `app_auth_token`, valid `ttl_secs`.
pub fn issue_auth_token(
    repo: &dyn Repo,
    app_id: &str,
    merchant_pid: &str,
    ttl_secs: i64,
    now: i64,
) -> Result<AuthTokenRecord, AccountError> {
    if repo.app(app_id)?.is_none() {
        return Err(AccountError::NotFound(format!("app {app_id}")));
    }
    let merchant =
        repo.merchant(merchant_pid)?.ok_or_else(|| AccountError::NotFound(format!("merchant {merchant_pid}")))?;
    let record = AuthTokenRecord {
        token: ids::app_auth_token(),
        app_id: app_id.to_owned(),
        merchant_pid: merchant.pid.clone(),
        auth_app_id: merchant.primary_app_id.unwrap_or_else(|| app_id.to_owned()),
        expires_at: now + ttl_secs,
    };
    repo.insert_auth_token(&record)?;
    Ok(record)
}
