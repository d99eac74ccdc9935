//! Authorization (issue 16): where a merchant gets the ids the product documents tell it to take from
//! authorization — a user's `user_id` / `open_id` from user consent, and a merchant's `app_auth_token` from
//! app-to-app authorization.
//!
//! # Flows
//!
//! 1. **User consent** (`GET /oauth2/publicAppAuthorize.htm?app_id=&scope=&redirect_uri=&state=`, the buyer's
//!    browser face, `crate::cashier`): the buyer signs in and agrees; `302` to `redirect_uri` with `app_id`,
//!    `source=alipay_wallet`, `scope`, `auth_code` and `state` ([`engine::consent_user`]). The app exchanges the
//!    code with `alipay.system.oauth.token` for an `access_token` and the user's id in this app (`user_id`, or
//!    `open_id` for apps that get open ids, `crate::openid`); `auth_user` tokens read the profile with
//!    `alipay.user.info.share`.
//! 2. **App-to-app authorization** (`GET /oauth2/appToAppAuth.htm?app_id=&redirect_uri=&state=`): a merchant
//!    signs in with its pid and authorizes the ISV's app; `302` to `redirect_uri` with `app_id`,
//!    `source=alipay_app_auth`, `app_auth_code` and `state` ([`engine::consent_app`]). The ISV exchanges the code
//!    with `alipay.open.auth.token.app`; the token is the same record `POST /admin/auth-tokens` issues, so every
//!    method called with it acts for that merchant (trades made with it are the merchant's).
//!
//! # Gateway methods
//!
//! | method | transport | engine |
//! |---|---|---|
//! | `alipay.system.oauth.token` | top-level `grant_type`, `code`, `refresh_token` | [`engine::oauth_token`] |
//! | `alipay.user.info.share` | top-level `auth_token` | [`engine::user_info`] |
//! | `alipay.open.auth.token.app` | `biz_content` | [`engine::app_token`] |
//! | `alipay.open.auth.token.app.query` | `biz_content` | [`engine::app_token_query`] |
//!
//! # Answers
//!
//! | when | answer |
//! |---|---|
//! | unknown, used, expired or another app's code (or a code of the other kind) | `40002 isv.code-invalid` 授权码code无效, nothing changes |
//! | unknown, used, revoked or another app's refresh token | `40002 isv.refresh-token-invalid` 刷新令牌refresh_token无效 |
//! | refresh token past its lifetime | `40002 isv.refresh-token-time-out` |
//! | `grant_type` missing or neither grant | `40002 isv.grant-type-invalid` |
//! | user.info.share: unknown or another app's token, or a token without `auth_user` | `20001 aop.invalid-auth-token` 无效的访问令牌 |
//! | user.info.share: token past its lifetime | `20001 aop.auth-token-time-out` 访问令牌已过期 |
//! | token.app.query: a token the caller never got | `20001 aop.invalid-app-auth-token` |
//! | any method with a revoked or unknown `app_auth_token` (common check) | `20001 aop.invalid-app-auth-token` 无效的应用授权令牌 |
//! | any method with an expired `app_auth_token` (common check) | `20001 aop.app-auth-token-time-out` 应用授权令牌已过期 |
//!
//! `alipay.system.oauth.token`'s failures are answered under `error_response`, not under the method's key, as
//! production answers them (the Node SDK's own example of an answer, `alipay-sdk` `lib/alipay.js`:
//! `{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.code-invalid","sub_msg":"授权码code无效"}}`;
//! the same in several SDKs' fixtures); see `Handler::FAILURES_UNDER_ERROR_RESPONSE`. Its successes carry no `code`/`msg`,
//! only the token fields in this order: `{"alipay_system_oauth_token_response":{"access_token":"authusrB…",
//! "auth_start":"2025-10-15 13:19:21","expires_in":1296000,"re_expires_in":2592000,"refresh_token":"authusrB…",
//! "open_id":"083l…"},"sign":"…"}` (a production answer in `lihongsheng/payment-sdk` `adapter/alipay/user/user_test.go`, and older
//! ones with `user_id` pasted in public projects, e.g. `…"refresh_token":"authusrB…X01","user_id":"2088902487861012"}`).
//! Lifetimes: [`engine`].

pub(crate) mod admin;
pub(crate) mod engine;
pub(crate) mod store;

use std::future::Future;

use alipay_api::auth::{errors, OpenAuthTokenApp, OpenAuthTokenAppQuery, SystemOauthToken, UserInfoShare};
use alipay_core::ResultCode;

use crate::products::{lookup, write, Access, Call, Family, Handler, Refusal};
use crate::reply::Reply;
use crate::store::StoreError;
use crate::SandboxState;

/// The answer to a grant request whose fields are missing or broken.
fn refuse_grant(refusal: Refusal) -> Reply {
    match refusal {
        // The model documents each field's code (`isv.code-invalid`, `isv.refresh-token-invalid`, ...).
        Refusal::Invalid(e) => {
            Reply::documented_as(ResultCode::InvalidArgument, &e.sub_code().unwrap_or(errors::GRANT_TYPE_INVALID))
        }
        Refusal::Decode(_) => Reply::documented_as(ResultCode::InvalidArgument, &errors::GRANT_TYPE_INVALID),
    }
}

/// User and app authorization: a refused grant request is `isv.code-invalid`, `isv.refresh-token-invalid` or
/// `isv.grant-type-invalid`; the token methods override it with their token's code.
pub(crate) struct Auth;

impl Family for Auth {
    fn refuse(refusal: Refusal) -> Reply {
        refuse_grant(refusal)
    }
}

impl Handler for SystemOauthToken {
    type Family = Auth;
    const FAILURES_UNDER_ERROR_RESPONSE: bool = true;
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        write(state, call, |repo, c| engine::oauth_token(repo, &c.caller, c.now, c.request))
    }
}

impl Handler for UserInfoShare {
    type Family = Auth;
    const ACCESS: Access = Access::Read;
    fn refuse(_: Refusal) -> Reply {
        Reply::documented_as(ResultCode::InsufficientTokenPermissions, &errors::INVALID_AUTH_TOKEN)
    }
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        lookup(state, call, |repo, c| engine::user_info(repo, &c.caller, c.now, c.request))
    }
}

impl Handler for OpenAuthTokenApp {
    type Family = Auth;
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        write(state, call, |repo, c| engine::app_token(repo, &c.caller, c.now, c.request))
    }
}

impl Handler for OpenAuthTokenAppQuery {
    type Family = Auth;
    const ACCESS: Access = Access::Read;
    fn refuse(_: Refusal) -> Reply {
        Reply::documented_as(ResultCode::InsufficientTokenPermissions, &errors::INVALID_APP_AUTH_TOKEN)
    }
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        lookup(state, call, |repo, c| engine::app_token_query(repo, &c.caller, c.now, c.request))
    }
}

#[cfg(test)]
mod tests {
    use alipay_api::AlipayRequest;

    #[test]
    fn an_app_auth_token_may_call_every_merchant_method_of_the_gateway() {
        let own = [
            alipay_api::auth::SystemOauthToken::METHOD,
            alipay_api::auth::UserInfoShare::METHOD,
            alipay_api::auth::OpenAuthTokenApp::METHOD,
            alipay_api::auth::OpenAuthTokenAppQuery::METHOD,
            alipay_api::cert::AlipayCertDownload::METHOD,
        ];
        let mut served: Vec<&str> =
            crate::gateway::methods::METHODS.iter().map(|m| m.name).filter(|m| !own.contains(m)).collect();
        let mut listed = super::engine::AUTH_METHODS.to_vec();
        served.sort_unstable();
        listed.sort_unstable();
        assert_eq!(served, listed);
    }
}
