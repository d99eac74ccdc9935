//! Authorization's state machine over the store: consent (codes), user tokens, app authorizations.
//!
//! No HTTP here: the consent pages (`crate::cashier`'s `consent` module) and the gateway handlers
//! (`super`) call these functions inside one store transaction each. Lifetimes run on the sandbox clock.
//!
//! | thing | lifetime | source |
//! |---|---|---|
//! | `auth_code`, `app_auth_code` | [`CODE_TTL`] (3 min), single use | the Java SDK's documentation of authorization codes: "auth_code一次有效，auth_code有效期为3分钟到24小时 … 不会低于3分钟" (`alipay/alipay-sdk-java-all`, the `code` field of the `pay_member` authorization models); the minimum is taken, so what works here works in production |
//! | `access_token` | [`ACCESS_TTL`] (15 days) | a captured production answer: `"expires_in":1296000` |
//! | `refresh_token` | [`REFRESH_TTL`] (30 days), single use | the same answer: `"re_expires_in":2592000` |
//! | `app_auth_token` | [`APP_TOKEN_TTL`] (365 days) | answers pasted in public projects: `"expires_in":31536000` (documented as obsolete: "默认永久有效") |
//! | `app_refresh_token` | [`APP_REFRESH_TTL`] (372 days), single use | the same answers: `"re_expires_in":32140800` |
//! | a refreshed `app_auth_token` | [`APP_REFRESH_GRACE`] (10 min) more | the document of `alipay.open.auth.token.app`: "刷新令牌后，我们会保证老的app_auth_token从刷新开始10分钟内可继续使用" |

use alipay_api::auth::{
    errors, AppAuthStatus, AppToken, GrantType, OpenAuthTokenApp, OpenAuthTokenAppQuery, OpenAuthTokenAppQueryResponse,
    OpenAuthTokenAppResponse, SystemOauthToken, SystemOauthTokenResponse, UserInfoShare, UserInfoShareResponse,
};
use alipay_api::Timestamp;
use alipay_core::{ApiStatus, ResultCode};

use super::store::{AppGrantRecord, AuthCodeRecord, CodeKind, UserTokenRecord};
use crate::caller::Caller;
use crate::ids;
use crate::openid::{self, OpenIds};
use crate::products::auth::store::AuthRepo;
use crate::reply::Reply;
use crate::store::{Repo, StoreError};

/// How long an authorization code can be exchanged.
pub const CODE_TTL: i64 = 180;
/// How long an access token lives.
pub const ACCESS_TTL: i64 = 1_296_000;
/// How long a user refresh token lives.
pub const REFRESH_TTL: i64 = 2_592_000;
/// How long an `app_auth_token` lives.
pub const APP_TOKEN_TTL: i64 = 31_536_000;
/// How long an `app_refresh_token` lives.
pub const APP_REFRESH_TTL: i64 = 32_140_800;
/// How long a refreshed `app_auth_token` keeps working.
pub const APP_REFRESH_GRACE: i64 = 600;

/// The methods an `app_auth_token` may call for its merchant (`auth_methods` of the query): every merchant
/// method the gateway serves (a test keeps the list equal to the gateway's table, less the authorization methods
/// themselves and the certificate download, which are the app's own). Named from the `alipay-api` models, so the
/// engine needs nothing of the gateway.
pub const AUTH_METHODS: &[&str] = {
    use alipay_api::bill::BillDownloadUrlQuery;
    use alipay_api::coupon::{
        CouponOperationQuery, CouponOrderAgreementPay, CouponOrderAppPay, CouponOrderDisburse, CouponOrderPagePay,
        CouponOrderRefund,
    };
    use alipay_api::deduct::{PdeductBillPayStatus, PdeductPay, PdeductSignAdd, PdeductSignCancel, PdeductSignQuery};
    use alipay_api::ebpp::{EbppBillAdd, EbppBillGet};
    use alipay_api::trade::{
        TradeAppPay, TradeCancel, TradeClose, TradeFastpayRefundQuery, TradePagePay, TradePay, TradePrecreate,
        TradeQuery, TradeRefund, TradeWapPay,
    };
    use alipay_api::AlipayRequest;
    &[
        TradePay::METHOD,
        TradePrecreate::METHOD,
        TradeQuery::METHOD,
        TradeCancel::METHOD,
        TradeClose::METHOD,
        TradeRefund::METHOD,
        TradeFastpayRefundQuery::METHOD,
        TradePagePay::METHOD,
        TradeWapPay::METHOD,
        TradeAppPay::METHOD,
        BillDownloadUrlQuery::METHOD,
        EbppBillAdd::METHOD,
        EbppBillGet::METHOD,
        PdeductSignAdd::METHOD,
        PdeductSignQuery::METHOD,
        PdeductSignCancel::METHOD,
        PdeductPay::METHOD,
        PdeductBillPayStatus::METHOD,
        CouponOrderAgreementPay::METHOD,
        CouponOrderPagePay::METHOD,
        CouponOrderAppPay::METHOD,
        CouponOrderDisburse::METHOD,
        CouponOrderRefund::METHOD,
        CouponOperationQuery::METHOD,
    ]
};

/// `auth_base`: the user's id only (silent in production).
pub const SCOPE_BASE: &str = "auth_base";
/// `auth_user`: the user's id and public profile (`alipay.user.info.share`).
pub const SCOPE_USER: &str = "auth_user";

/// A consent could not be given.
#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No such app.
    #[error("app {0} does not exist")]
    UnknownApp(String),
    /// No buyer with that logon id.
    #[error("buyer {0} does not exist")]
    UnknownBuyer(String),
    /// No such merchant.
    #[error("merchant {0} does not exist")]
    UnknownMerchant(String),
    /// `scope` names no scope the sandbox grants.
    #[error("scope {0:?} is not auth_base or auth_user")]
    BadScope(String),
    /// `redirect_uri` is not an absolute http(s) URL.
    #[error("redirect_uri {0:?} is not an http(s) URL")]
    BadRedirect(String),
    /// `redirect_uri` is not under the app's authorization callback address (授权回调地址).
    #[error("redirect_uri {redirect_uri:?} is not under the app's authorization callback address {configured:?}")]
    RedirectNotConfigured {
        /// What the page was asked to redirect to.
        redirect_uri: String,
        /// The app's callback address.
        configured: String,
    },
}

/// A revocation could not be done.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No authorization has that token.
    #[error("no app authorization has that app_auth_token")]
    NotFound,
}

/// The scopes of a `scope` parameter (comma-separated), checked and normalised.
pub fn scopes(scope: &str) -> Result<String, ConsentError> {
    let parts: Vec<&str> = scope.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if parts.is_empty() || parts.iter().any(|s| *s != SCOPE_BASE && *s != SCOPE_USER) {
        return Err(ConsentError::BadScope(scope.to_owned()));
    }
    Ok(parts.join(","))
}

/// Whether `redirect_uri` is under the app's authorization callback address, when it has one: the same scheme
/// and host (port included). Alipay asks for it before users are sent to the consent page ("在请求之前，开发者需要
/// 先到开发者中心对应应用内，配置授权回调地址", the `redirect_uri` row of Alipay's user-authorization doc, as
/// mirrored on apifox `docs-site/3618910/doc-3285819`). A host with user info (`a.example@b.example`) is not
/// `a.example`.
pub fn check_configured_redirect(redirect_uri: &str, configured: Option<&str>) -> Result<(), ConsentError> {
    let Some(configured) = configured else { return Ok(()) };
    let origin = |url: &str| -> Option<String> {
        let lower = url.trim().to_ascii_lowercase();
        let (scheme, rest) = lower.split_once("://")?;
        let host = rest.split(['/', '?', '#']).next().filter(|h| !h.is_empty())?;
        Some(format!("{scheme}://{host}"))
    };
    match (origin(redirect_uri), origin(configured)) {
        (Some(asked), Some(allowed)) if asked == allowed => Ok(()),
        _ => Err(ConsentError::RedirectNotConfigured {
            redirect_uri: redirect_uri.to_owned(),
            configured: configured.to_owned(),
        }),
    }
}

/// Whether `redirect_uri` can be redirected to at all: an absolute http(s) URL.
pub fn check_redirect(redirect_uri: &str) -> Result<(), ConsentError> {
    if crate::origin::is_http_url(redirect_uri) {
        Ok(())
    } else {
        Err(ConsentError::BadRedirect(redirect_uri.to_owned()))
    }
}

/// A fresh code: 32 characters like production's (`4b203fe6c11548bcabd8da5bb087a83b`).
fn fresh_code(repo: &dyn Repo) -> Result<String, StoreError> {
    loop {
        let code = ids::alnum(32);
        if repo.auth_code(&code)?.is_none() {
            return Ok(code);
        }
    }
}

/// A fresh token with a prefix (`authusrB…` for users, as production's).
fn fresh_token(prefix: &str) -> String {
    format!("{prefix}{}", ids::alnum(40 - prefix.len()))
}

/// The buyer `logon_id` consents to `app_id` with `scope`: a single-use `auth_code`.
pub fn consent_user(
    repo: &dyn Repo,
    app_id: &str,
    logon_id: &str,
    scope: &str,
    now: i64,
) -> Result<AuthCodeRecord, ConsentError> {
    let scope = scopes(scope)?;
    if repo.app(app_id)?.is_none() {
        return Err(ConsentError::UnknownApp(app_id.to_owned()));
    }
    let buyer = repo.buyer_by_logon(logon_id)?.ok_or_else(|| ConsentError::UnknownBuyer(logon_id.to_owned()))?;
    let record = AuthCodeRecord {
        code: fresh_code(repo)?,
        kind: CodeKind::User,
        app_id: app_id.to_owned(),
        subject: buyer.user_id,
        scope,
        created_at: now,
        expires_at: now + CODE_TTL,
        used: false,
    };
    repo.insert_auth_code(&record)?;
    Ok(record)
}

/// The merchant `merchant_pid` authorizes the ISV's app `app_id`: a single-use `app_auth_code`.
pub fn consent_app(
    repo: &dyn Repo,
    app_id: &str,
    merchant_pid: &str,
    now: i64,
) -> Result<AuthCodeRecord, ConsentError> {
    if repo.app(app_id)?.is_none() {
        return Err(ConsentError::UnknownApp(app_id.to_owned()));
    }
    if repo.merchant(merchant_pid)?.is_none() {
        return Err(ConsentError::UnknownMerchant(merchant_pid.to_owned()));
    }
    let record = AuthCodeRecord {
        code: fresh_code(repo)?,
        kind: CodeKind::App,
        app_id: app_id.to_owned(),
        subject: merchant_pid.to_owned(),
        scope: String::new(),
        created_at: now,
        expires_at: now + CODE_TTL,
        used: false,
    };
    repo.insert_auth_code(&record)?;
    Ok(record)
}

fn timestamp(t: i64) -> Option<Timestamp> {
    Timestamp::from_unix(t)
}

/// Takes a code for `caller`: unknown, another kind's, another app's, used or expired codes are all
/// `isv.code-invalid` (the documents: "授权码(auth_code) 错误、状态不对或过期"), and change nothing.
fn take_code(
    repo: &dyn Repo,
    caller: &Caller,
    kind: CodeKind,
    code: &str,
    now: i64,
) -> Result<Option<AuthCodeRecord>, StoreError> {
    let Some(record) = repo.auth_code(code)? else { return Ok(None) };
    if record.kind != kind || record.app_id != caller.app_id || record.used || record.expires_at <= now {
        return Ok(None);
    }
    Ok(repo.use_auth_code(code)?.then_some(record))
}

/// The answer of a user token: `user_id` or `open_id` as the app gets them.
fn user_token_reply(repo: &dyn Repo, t: &UserTokenRecord) -> Result<Reply, StoreError> {
    let ids = openid::of_app(repo, &t.app_id)?;
    let (user_id, open_id) = OpenIds::split(ids.as_ref(), Some(&t.user_id));
    let body = SystemOauthTokenResponse {
        access_token: Some(t.access_token.clone()),
        auth_start: timestamp(t.auth_start),
        expires_in: Some(t.expires_at - t.auth_start),
        re_expires_in: Some(t.re_expires_at - t.auth_start),
        refresh_token: Some(t.refresh_token.clone()),
        open_id,
        user_id,
        extra: Default::default(),
    };
    // Production answers a successful exchange or refresh with the token fields only (captured answers: see
    // `super`'s documentation).
    Ok(Reply::typed(ApiStatus::success(), &body).bare_success())
}

fn new_user_token(
    repo: &dyn Repo,
    app_id: &str,
    user_id: &str,
    scope: &str,
    now: i64,
) -> Result<UserTokenRecord, StoreError> {
    let token = UserTokenRecord {
        access_token: fresh_token("authusrB"),
        refresh_token: fresh_token("authusrB"),
        app_id: app_id.to_owned(),
        user_id: user_id.to_owned(),
        scope: scope.to_owned(),
        auth_start: now,
        expires_at: now + ACCESS_TTL,
        re_expires_at: now + REFRESH_TTL,
        refreshed: false,
    };
    repo.insert_user_token(&token)?;
    Ok(token)
}

/// `alipay.system.oauth.token`: exchange a user's `auth_code`, or refresh (the old refresh token is used up;
/// the old access token keeps its own lifetime).
pub fn oauth_token(repo: &dyn Repo, caller: &Caller, now: i64, req: SystemOauthToken) -> Result<Reply, StoreError> {
    match req.grant_type {
        GrantType::AuthorizationCode => {
            let code = req.code.unwrap_or_default();
            let Some(record) = take_code(repo, caller, CodeKind::User, code.trim(), now)? else {
                return Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::CODE_INVALID));
            };
            let token = new_user_token(repo, &record.app_id, &record.subject, &record.scope, now)?;
            user_token_reply(repo, &token)
        }
        GrantType::RefreshToken => {
            let refresh = req.refresh_token.unwrap_or_default();
            let Some(old) = repo.user_token_by_refresh(refresh.trim())? else {
                return Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::REFRESH_TOKEN_INVALID));
            };
            if old.app_id != caller.app_id || old.refreshed {
                return Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::REFRESH_TOKEN_INVALID));
            }
            if old.re_expires_at <= now {
                return Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::REFRESH_TOKEN_TIME_OUT));
            }
            if !repo.use_user_refresh(&old.refresh_token)? {
                return Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::REFRESH_TOKEN_INVALID));
            }
            let token = new_user_token(repo, &old.app_id, &old.user_id, &old.scope, now)?;
            user_token_reply(repo, &token)
        }
        GrantType::Unknown(_) => Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::GRANT_TYPE_INVALID)),
    }
}

/// A nickname for a buyer: the sandbox's buyers have a logon id and no profile.
fn nick_name(logon_id: &str) -> String {
    let tail: String = logon_id.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("沙箱买家{tail}")
}

/// `alipay.user.info.share`: the profile of the user behind an `auth_user` access token.
pub fn user_info(repo: &dyn Repo, caller: &Caller, now: i64, req: UserInfoShare) -> Result<Reply, StoreError> {
    let Some(token) = repo.user_token(req.auth_token.trim())? else {
        return Ok(Reply::documented_as(ResultCode::InsufficientTokenPermissions, &errors::INVALID_AUTH_TOKEN));
    };
    if token.app_id != caller.app_id {
        return Ok(Reply::documented_as(ResultCode::InsufficientTokenPermissions, &errors::INVALID_AUTH_TOKEN));
    }
    if token.expires_at <= now {
        return Ok(Reply::documented_as(ResultCode::InsufficientTokenPermissions, &errors::AUTH_TOKEN_TIME_OUT));
    }
    if !token.scope.split(',').any(|s| s == SCOPE_USER) {
        return Ok(Reply::documented_as(ResultCode::InsufficientTokenPermissions, &errors::INVALID_AUTH_TOKEN));
    }
    let Some(buyer) = repo.buyer(&token.user_id)? else {
        return Ok(Reply::documented_as(ResultCode::InsufficientTokenPermissions, &errors::INVALID_AUTH_TOKEN));
    };
    let ids = openid::of_app(repo, &token.app_id)?;
    let (user_id, open_id) = OpenIds::split(ids.as_ref(), Some(&buyer.user_id));
    let body = UserInfoShareResponse {
        user_id,
        open_id,
        nick_name: Some(nick_name(&buyer.logon_id)),
        is_certified: Some("T".to_owned()),
        user_type: Some("2".to_owned()),
        user_status: Some("T".to_owned()),
        ..Default::default()
    };
    Ok(Reply::typed(ApiStatus::success(), &body))
}

fn app_token_of(g: &AppGrantRecord, expires_at: i64, now: i64) -> AppToken {
    AppToken {
        app_auth_token: Some(g.app_auth_token.clone()),
        app_refresh_token: Some(g.app_refresh_token.clone()),
        auth_app_id: Some(g.auth_app_id.clone()),
        expires_in: Some(expires_at - now),
        re_expires_in: Some(g.re_expires_at - now),
        user_id: Some(g.merchant_pid.clone()),
    }
}

/// A new `app_auth_token` for `merchant_pid` (the core's token row, what the gateway checks, and the grant).
fn new_grant(
    repo: &dyn Repo,
    app_id: &str,
    merchant_pid: &str,
    now: i64,
) -> Result<Option<(AppGrantRecord, i64)>, StoreError> {
    let token = match crate::accounts::issue_auth_token(repo, app_id, merchant_pid, APP_TOKEN_TTL, now) {
        Ok(t) => t,
        Err(crate::accounts::AccountError::Store(e)) => return Err(e),
        Err(_) => return Ok(None),
    };
    let grant = AppGrantRecord {
        app_auth_token: token.token,
        app_refresh_token: ids::app_auth_token(),
        app_id: app_id.to_owned(),
        merchant_pid: token.merchant_pid,
        auth_app_id: token.auth_app_id,
        auth_start: now,
        re_expires_at: now + APP_REFRESH_TTL,
        revoked: false,
        refreshed: false,
    };
    repo.insert_app_grant(&grant)?;
    Ok(Some((grant, token.expires_at)))
}

/// `alipay.open.auth.token.app`: exchange a merchant's `app_auth_code` (answered in `tokens`, as production
/// answers an exchange), or refresh (answered at the top level, the documents' sample; the old token works
/// [`APP_REFRESH_GRACE`] more).
pub fn app_token(repo: &dyn Repo, caller: &Caller, now: i64, req: OpenAuthTokenApp) -> Result<Reply, StoreError> {
    match req.grant_type {
        GrantType::AuthorizationCode => {
            let code = req.code.unwrap_or_default();
            let Some(record) = take_code(repo, caller, CodeKind::App, code.trim(), now)? else {
                return Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::CODE_INVALID));
            };
            let Some((grant, expires_at)) = new_grant(repo, &record.app_id, &record.subject, now)? else {
                return Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::CODE_INVALID));
            };
            let body = OpenAuthTokenAppResponse {
                top: AppToken::default(),
                tokens: Some(vec![app_token_of(&grant, expires_at, now)]),
            };
            Ok(Reply::typed(ApiStatus::success(), &body))
        }
        GrantType::RefreshToken => {
            let refresh = req.refresh_token.unwrap_or_default();
            let Some(old) = repo.app_grant_by_refresh(refresh.trim())? else {
                return Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::REFRESH_TOKEN_INVALID));
            };
            if old.app_id != caller.app_id || old.refreshed || old.revoked {
                return Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::REFRESH_TOKEN_INVALID));
            }
            if old.re_expires_at <= now {
                return Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::REFRESH_TOKEN_TIME_OUT));
            }
            if !repo.use_app_refresh(&old.app_refresh_token)? {
                return Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::REFRESH_TOKEN_INVALID));
            }
            repo.end_auth_token_by(&old.app_auth_token, now + APP_REFRESH_GRACE)?;
            let Some((grant, expires_at)) = new_grant(repo, &old.app_id, &old.merchant_pid, now)? else {
                return Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::REFRESH_TOKEN_INVALID));
            };
            let body = OpenAuthTokenAppResponse { top: app_token_of(&grant, expires_at, now), tokens: None };
            Ok(Reply::typed(ApiStatus::success(), &body))
        }
        GrantType::Unknown(_) => Ok(Reply::documented_as(ResultCode::InvalidArgument, &errors::GRANT_TYPE_INVALID)),
    }
}

/// `alipay.open.auth.token.app.query`: the token's merchant, lifetime and status. A token the caller's app
/// never got is `aop.invalid-app-auth-token`; a revoked, refreshed-away or expired one is answered with
/// `status` `invalid`.
pub fn app_token_query(
    repo: &dyn Repo,
    caller: &Caller,
    now: i64,
    req: OpenAuthTokenAppQuery,
) -> Result<Reply, StoreError> {
    let Some(grant) = repo.app_grant(req.app_auth_token.trim())? else {
        return Ok(Reply::documented_as(ResultCode::InsufficientTokenPermissions, &errors::INVALID_APP_AUTH_TOKEN));
    };
    if grant.app_id != caller.app_id {
        return Ok(Reply::documented_as(ResultCode::InsufficientTokenPermissions, &errors::INVALID_APP_AUTH_TOKEN));
    }
    let ends_at = repo.auth_token(&grant.app_auth_token)?.map(|t| t.expires_at);
    let valid = !grant.revoked && ends_at.is_some_and(|end| end > now);
    let auth_end = ends_at.unwrap_or(now);
    let methods = AUTH_METHODS.iter().map(|m| (*m).to_owned()).collect();
    let body = OpenAuthTokenAppQueryResponse {
        user_id: Some(grant.merchant_pid.clone()),
        auth_app_id: Some(grant.auth_app_id.clone()),
        expires_in: Some((auth_end - now).max(0)),
        auth_methods: Some(methods),
        auth_start: timestamp(grant.auth_start),
        auth_end: timestamp(auth_end),
        status: Some(if valid { AppAuthStatus::Valid } else { AppAuthStatus::Invalid }),
        extra: Default::default(),
    };
    Ok(Reply::typed(ApiStatus::success(), &body))
}

/// The merchant cancels an app authorization (a simulation control): the token stops working at once (the
/// gateway answers `aop.invalid-app-auth-token`), its refresh token too, and the query shows `invalid`.
pub fn revoke_app_token(repo: &dyn Repo, app_auth_token: &str) -> Result<AppGrantRecord, RevokeError> {
    let grant = repo.app_grant(app_auth_token)?.ok_or(RevokeError::NotFound)?;
    repo.revoke_app_grant(app_auth_token)?;
    Ok(AppGrantRecord { revoked: true, ..grant })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn scopes_and_redirects_are_checked() {
        assert_eq!(scopes("auth_user, auth_base").unwrap(), "auth_user,auth_base");
        assert!(scopes("auth_zhima").is_err());
        assert!(scopes("").is_err());
        check_redirect("http://127.0.0.1:9/cb?x=1").unwrap();
        check_redirect("https://shop.example/cb").unwrap();
        assert!(check_redirect("javascript:alert(1)").is_err());
        assert!(check_redirect("http:///x").is_err());
    }

    #[test]
    fn nicknames_end_with_the_logon_tail() {
        assert_eq!(nick_name("13912345678"), "沙箱买家5678");
        assert_eq!(nick_name("ab"), "沙箱买家ab");
    }
}
