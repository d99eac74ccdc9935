//! Authorization (issue 16): the consent URLs a merchant sends a browser to, and the calls that turn what comes
//! back into ids and tokens.
//!
//! **User authorization.** Send the buyer's browser to [`user_authorize_url`]; Alipay redirects it to your
//! `redirect_uri` with `auth_code` (and your `state`). [`AlipayClient::oauth_token`] exchanges the code for
//! the user's id in your app (`user_id`, or `open_id` for apps created since 2023–24) and an access token;
//! [`AlipayClient::user_info_share`] reads the profile (scope `auth_user`); [`AlipayClient::oauth_refresh`]
//! refreshes (the refresh token is single use: keep the new one).
//!
//! **App-to-app authorization (ISV).** Send the merchant to [`app_to_app_authorize_url`]; the redirect brings
//! `app_auth_code`. [`AlipayClient::app_auth_token`] exchanges it; then call the merchant's methods with
//! [`crate::CallOptions::for_merchant`]. [`AlipayClient::app_auth_refresh`] refreshes (the old token keeps
//! working 10 minutes), [`AlipayClient::app_auth_token_query`] tells whether a token is still valid.
//!
//! Every call returns the verified answer; a refusal (`isv.code-invalid`, `aop.invalid-auth-token`, …, see
//! [`alipay_api::auth::errors`]) is its status, [`crate::ResponseExt::ok`] turns it into [`Error::Api`].
//!
//! ```no_run
//! # async fn run(client: alipay_client::AlipayClient, auth_code: &str) -> Result<(), alipay_client::Error> {
//! use alipay_client::auth::{user_authorize_url, PRODUCTION_OPENAUTH};
//! use alipay_client::ResponseExt;
//! let url = user_authorize_url(PRODUCTION_OPENAUTH, client.app_id(), "auth_user", "https://shop.example/cb", Some("x1"));
//! assert!(url.starts_with("https://openauth.alipay.com/oauth2/publicAppAuthorize.htm?app_id="));
//! // … the browser comes back to https://shop.example/cb?…&auth_code=…&state=x1
//! let token = client.oauth_token(auth_code).await?.ok()?;
//! let who = token.open_id.or(token.user_id);
//! let profile = client.user_info_share(token.access_token.as_deref().unwrap_or_default()).await?.ok()?;
//! println!("{who:?} {:?}", profile.nick_name);
//! # Ok(()) }
//! ```

use alipay_api::auth::{
    OpenAuthTokenApp, OpenAuthTokenAppQuery, OpenAuthTokenAppQueryResponse, OpenAuthTokenAppResponse, SystemOauthToken,
    SystemOauthTokenResponse, UserInfoShare, UserInfoShareResponse,
};
use alipay_api::ApiResponse;
use alipay_core::{form, Charset};

use crate::client::AlipayClient;
use crate::error::Error;

/// Where production serves the consent pages.
pub const PRODUCTION_OPENAUTH: &str = "https://openauth.alipay.com";

/// `base` (e.g. [`PRODUCTION_OPENAUTH`], or the local gateway's `http://127.0.0.1:<port>`) + `path` + query.
fn url(base: &str, path: &str, pairs: &[(&str, &str)]) -> String {
    let query = form::encode(pairs.iter().copied(), Charset::Utf8).unwrap_or_default();
    format!("{}{path}?{query}", base.trim_end_matches('/'))
}

/// The user consent URL: `<base>/oauth2/publicAppAuthorize.htm?app_id=&scope=&redirect_uri=&state=`.
/// `scope` is `auth_base` (the user's id, silent) or `auth_user` (the profile too), comma-separated for both.
///
/// ```
/// let url = alipay_client::auth::user_authorize_url("http://127.0.0.1:8080/", "2021000000000001", "auth_base",
///     "http://shop/cb?a=1", None);
/// assert_eq!(url, "http://127.0.0.1:8080/oauth2/publicAppAuthorize.htm?app_id=2021000000000001&scope=auth_base&redirect_uri=http%3A%2F%2Fshop%2Fcb%3Fa%3D1");
/// ```
pub fn user_authorize_url(base: &str, app_id: &str, scope: &str, redirect_uri: &str, state: Option<&str>) -> String {
    let mut pairs = vec![("app_id", app_id), ("scope", scope), ("redirect_uri", redirect_uri)];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    url(base, "/oauth2/publicAppAuthorize.htm", &pairs)
}

/// The app-to-app authorization URL a merchant opens to authorize the ISV's app `app_id`:
/// `<base>/oauth2/appToAppAuth.htm?app_id=&redirect_uri=&state=`.
///
/// ```
/// let url = alipay_client::auth::app_to_app_authorize_url(alipay_client::auth::PRODUCTION_OPENAUTH,
///     "2021000000000002", "https://isv.example/cb", Some("m1"));
/// assert_eq!(url, "https://openauth.alipay.com/oauth2/appToAppAuth.htm?app_id=2021000000000002&redirect_uri=https%3A%2F%2Fisv.example%2Fcb&state=m1");
/// ```
pub fn app_to_app_authorize_url(base: &str, app_id: &str, redirect_uri: &str, state: Option<&str>) -> String {
    let mut pairs = vec![("app_id", app_id), ("redirect_uri", redirect_uri)];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    url(base, "/oauth2/appToAppAuth.htm", &pairs)
}

impl AlipayClient {
    /// `alipay.system.oauth.token` with `grant_type=authorization_code`: the user's id in this app and an
    /// access token for the `auth_code` of the consent redirect (single use, valid minutes).
    pub async fn oauth_token(&self, auth_code: &str) -> Result<ApiResponse<SystemOauthTokenResponse>, Error> {
        self.execute(&SystemOauthToken::authorization_code(auth_code)).await
    }

    /// `alipay.system.oauth.token` with `grant_type=refresh_token`: a new access token and a new refresh token
    /// (the one given is used up).
    pub async fn oauth_refresh(&self, refresh_token: &str) -> Result<ApiResponse<SystemOauthTokenResponse>, Error> {
        self.execute(&SystemOauthToken::refresh(refresh_token)).await
    }

    /// `alipay.user.info.share`: the profile behind an `auth_user` access token.
    pub async fn user_info_share(&self, access_token: &str) -> Result<ApiResponse<UserInfoShareResponse>, Error> {
        self.execute(&UserInfoShare { auth_token: access_token.to_owned() }).await
    }

    /// `alipay.open.auth.token.app` with `grant_type=authorization_code`: the merchant's `app_auth_token` for
    /// the `app_auth_code` of the app-to-app redirect ([`OpenAuthTokenAppResponse::token`] reads it).
    pub async fn app_auth_token(&self, app_auth_code: &str) -> Result<ApiResponse<OpenAuthTokenAppResponse>, Error> {
        self.execute(&OpenAuthTokenApp::authorization_code(app_auth_code)).await
    }

    /// `alipay.open.auth.token.app` with `grant_type=refresh_token`: a new `app_auth_token`.
    pub async fn app_auth_refresh(
        &self,
        app_refresh_token: &str,
    ) -> Result<ApiResponse<OpenAuthTokenAppResponse>, Error> {
        self.execute(&OpenAuthTokenApp::refresh(app_refresh_token)).await
    }

    /// `alipay.open.auth.token.app.query`: the token's merchant, methods, lifetime and `status`.
    pub async fn app_auth_token_query(
        &self,
        app_auth_token: &str,
    ) -> Result<ApiResponse<OpenAuthTokenAppQueryResponse>, Error> {
        self.execute(&OpenAuthTokenAppQuery { app_auth_token: app_auth_token.to_owned() }).await
    }
}
