//! Authorization: where a merchant gets the ids the product documents tell it to take from authorization.
//!
//! | method | transport | what for |
//! |---|---|---|
//! | `alipay.system.oauth.token` ([`SystemOauthToken`]) | top-level `grant_type`, `code`, `refresh_token` | a user's `auth_code` (from the consent page) → `user_id` or `open_id` and an `access_token`; refresh |
//! | `alipay.user.info.share` ([`UserInfoShare`]) | top-level `auth_token` | the user's public profile (scope `auth_user`) |
//! | `alipay.open.auth.token.app` ([`OpenAuthTokenApp`]) | `biz_content` | a merchant's `app_auth_code` (app-to-app consent) → `app_auth_token`; refresh |
//! | `alipay.open.auth.token.app.query` ([`OpenAuthTokenAppQuery`]) | `biz_content` | what an `app_auth_token` allows, and whether it is still valid |
//!
//! Field names and types follow Alipay's official Java SDK (`alipay/alipay-sdk-java-all`:
//! `src/main/java/com/alipay/api/request/AlipaySystemOauthTokenRequest.java` and
//! `.../response/AlipaySystemOauthTokenResponse.java` (2024-03: `open_id`, `auth_start`),
//! `.../domain/AlipayOpenAuthTokenAppModel.java`, `.../response/AlipayOpenAuthTokenAppResponse.java`,
//! `.../domain/AppTokenExchangeSubElement.java`, `.../response/AlipayOpenAuthTokenAppQueryResponse.java`,
//! `.../response/AlipayUserInfoShareResponse.java`). The Java models type `expires_in` / `re_expires_in` as
//! strings, captured answers send numbers (`"expires_in":1296000`); both are read, numbers are written.
//!
//! The documented failures are [`errors`].
//!
//! ```
//! use alipay_api::auth::{GrantType, SystemOauthToken};
//! use alipay_api::{encode_request, AlipayRequest};
//! let exchange = SystemOauthToken::authorization_code("4b203fe6c11548bcabd8da5bb087a83b");
//! exchange.validate().unwrap();
//! let params = encode_request(&exchange).unwrap();
//! assert!(params.contains(&("grant_type".to_string(), "authorization_code".to_string())));
//! assert!(SystemOauthToken { grant_type: GrantType::RefreshToken, ..exchange }.validate().is_err());
//! ```

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::validate::{self, ValidationError};
use crate::{AlipayRequest, Timestamp, Transport};

string_enum! {
    /// `grant_type`: exchange a code, or refresh with a refresh token.
    #[derive(Default)]
    pub enum GrantType {
        /// Exchange an authorization code (`code`).
        #[default]
        AuthorizationCode = "authorization_code",
        /// Refresh (`refresh_token`).
        RefreshToken = "refresh_token",
    }
}

/// Checks the grant's own field: `code` for `authorization_code`, `refresh_token` for `refresh_token`.
fn validate_grant(grant: &GrantType, code: Option<&str>, refresh_token: Option<&str>) -> Result<(), ValidationError> {
    match grant {
        GrantType::AuthorizationCode => validate::required("code", code.unwrap_or_default(), len::CODE)
            .map_err(|e| e.documented_any(errors::CODE_INVALID)),
        GrantType::RefreshToken => validate::required("refresh_token", refresh_token.unwrap_or_default(), len::TOKEN)
            .map_err(|e| e.documented_any(errors::REFRESH_TOKEN_INVALID)),
        GrantType::Unknown(other) => Err(ValidationError::Documented {
            field: "grant_type",
            reason: format!("{other:?} is neither authorization_code nor refresh_token"),
            code: errors::GRANT_TYPE_INVALID,
        }),
    }
}

/// Maximum lengths (the Java SDK's models and the open documents' tables).
pub mod len {
    /// `code` / `app_auth_code`.
    pub const CODE: usize = 40;
    /// `refresh_token`, `auth_token`, `app_auth_token`.
    pub const TOKEN: usize = 40;
}

/// `alipay.system.oauth.token` (top-level fields): a user's `auth_code` from the consent page
/// (`publicAppAuthorize.htm`) for an `access_token` and the user's id in this app, or a refresh.
///
/// `user_id` or `open_id` of the answer: apps created since 2023–24 get `open_id` (issue 16).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SystemOauthToken {
    /// `authorization_code` or `refresh_token`; required.
    pub grant_type: GrantType,
    /// The `auth_code` the consent page sent to `redirect_uri` (≤ 40); required with `authorization_code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The last answer's `refresh_token` (≤ 40); required with `refresh_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl SystemOauthToken {
    /// Exchange of a user's `auth_code`.
    pub fn authorization_code(code: &str) -> SystemOauthToken {
        SystemOauthToken { grant_type: GrantType::AuthorizationCode, code: Some(code.to_owned()), refresh_token: None }
    }

    /// Refresh with the last answer's `refresh_token`.
    pub fn refresh(refresh_token: &str) -> SystemOauthToken {
        SystemOauthToken {
            grant_type: GrantType::RefreshToken,
            code: None,
            refresh_token: Some(refresh_token.to_owned()),
        }
    }
}

impl AlipayRequest for SystemOauthToken {
    const METHOD: &'static str = "alipay.system.oauth.token";
    const TRANSPORT: Transport = Transport::TopLevel;
    type Response = SystemOauthTokenResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate_grant(&self.grant_type, self.code.as_deref(), self.refresh_token.as_deref())
    }
}

/// Business fields of the `alipay.system.oauth.token` answer, in production's order (a success has no
/// `code`/`msg`: only these fields; [`crate::ApiResponse`] reads it as a success).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SystemOauthTokenResponse {
    /// The access token (`auth_token` of `alipay.user.info.share`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// When the token's lifetime started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_start: Option<Timestamp>,
    /// Seconds the access token lives, from `auth_start`.
    #[serde(default, deserialize_with = "seconds", skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    /// Seconds the refresh token lives, from `auth_start`.
    #[serde(default, deserialize_with = "seconds", skip_serializing_if = "Option::is_none")]
    pub re_expires_in: Option<i64>,
    /// The refresh token (single use: a refresh answers a new one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The user's open id in this app (apps that get open ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// The user's `2088…` id (apps that get user ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `alipay.user.info.share` (top-level `auth_token`): the profile of the user who granted `auth_user`.
///
/// ```
/// use alipay_api::{auth::UserInfoShare, encode_request, AlipayRequest};
/// let q = UserInfoShare { auth_token: "authusrB60c6c42b28524c2d9fc52835c3a4cX83".into() };
/// q.validate().unwrap();
/// assert_eq!(encode_request(&q).unwrap(), vec![("auth_token".to_string(), q.auth_token.clone())]);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UserInfoShare {
    /// The `access_token` of `alipay.system.oauth.token`; required.
    pub auth_token: String,
}

impl AlipayRequest for UserInfoShare {
    const METHOD: &'static str = "alipay.user.info.share";
    const TRANSPORT: Transport = Transport::TopLevel;
    type Response = UserInfoShareResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::required("auth_token", &self.auth_token, len::TOKEN)
    }
}

/// Business fields of the `alipay.user.info.share` answer (the public profile).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserInfoShareResponse {
    /// The user's `2088…` id (apps that get user ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's open id in this app (apps that get open ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// Nickname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Province name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// City name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// `F` or `M` (meaningful only when `is_certified` is `T`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// `T`: real-name certified; `F`: not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_certified: Option<String>,
    /// `1` company, `2` person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// `T` normal, `Q` quick registration, `B` frozen, `W` not activated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_status: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `alipay.open.auth.token.app` (`biz_content`): a merchant's `app_auth_code` (the app-to-app consent page,
/// `appToAppAuth.htm`) for an `app_auth_token` the ISV's app then sends on the merchant's calls; or a refresh
/// with `app_refresh_token`.
///
/// ```
/// use alipay_api::{auth::OpenAuthTokenApp, encode_request, AlipayRequest};
/// let exchange = OpenAuthTokenApp::authorization_code("P1798b23682e34d96859afa000000003");
/// exchange.validate().unwrap();
/// let params = encode_request(&exchange).unwrap();
/// assert_eq!(params[0].1, r#"{"grant_type":"authorization_code","code":"P1798b23682e34d96859afa000000003"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OpenAuthTokenApp {
    /// `authorization_code` or `refresh_token`; required.
    pub grant_type: GrantType,
    /// The `app_auth_code` (≤ 40); required with `authorization_code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The last answer's `app_refresh_token` (≤ 40); required with `refresh_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl OpenAuthTokenApp {
    /// Exchange of a merchant's `app_auth_code`.
    pub fn authorization_code(app_auth_code: &str) -> OpenAuthTokenApp {
        OpenAuthTokenApp {
            grant_type: GrantType::AuthorizationCode,
            code: Some(app_auth_code.to_owned()),
            refresh_token: None,
        }
    }

    /// Refresh with the last answer's `app_refresh_token`.
    pub fn refresh(app_refresh_token: &str) -> OpenAuthTokenApp {
        OpenAuthTokenApp {
            grant_type: GrantType::RefreshToken,
            code: None,
            refresh_token: Some(app_refresh_token.to_owned()),
        }
    }
}

impl AlipayRequest for OpenAuthTokenApp {
    const METHOD: &'static str = "alipay.open.auth.token.app";
    type Response = OpenAuthTokenAppResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate_grant(&self.grant_type, self.code.as_deref(), self.refresh_token.as_deref())
    }
}

/// One merchant's token in an `alipay.open.auth.token.app` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AppToken {
    /// The `app_auth_token` to send on the merchant's calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_auth_token: Option<String>,
    /// The refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_refresh_token: Option<String>,
    /// The authorizing merchant's app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_app_id: Option<String>,
    /// Seconds the token lives (documented as obsolete: tokens are long-lived).
    #[serde(default, deserialize_with = "seconds", skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    /// Seconds the refresh token lives.
    #[serde(default, deserialize_with = "seconds", skip_serializing_if = "Option::is_none")]
    pub re_expires_in: Option<i64>,
    /// The authorizing merchant's pid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// Business fields of the `alipay.open.auth.token.app` answer: the token at the top level (the documents'
/// sample), or in `tokens` (what production answers to an exchange); [`OpenAuthTokenAppResponse::token`] reads
/// either.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OpenAuthTokenAppResponse {
    /// The token, when answered at the top level.
    #[serde(flatten)]
    pub top: AppToken,
    /// The tokens (one per authorizing merchant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<AppToken>>,
}

impl OpenAuthTokenAppResponse {
    /// The token: the top-level fields if the answer has them, else the first of `tokens`.
    pub fn token(&self) -> Option<&AppToken> {
        if self.top.app_auth_token.is_some() {
            return Some(&self.top);
        }
        self.tokens.as_ref().and_then(|t| t.first())
    }
}

/// `alipay.open.auth.token.app.query` (`biz_content`): what an `app_auth_token` allows, and whether it is
/// still valid.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OpenAuthTokenAppQuery {
    /// The token to look at (≤ 40); required.
    pub app_auth_token: String,
}

impl AlipayRequest for OpenAuthTokenAppQuery {
    const METHOD: &'static str = "alipay.open.auth.token.app.query";
    type Response = OpenAuthTokenAppQueryResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::required("app_auth_token", &self.app_auth_token, len::TOKEN)
    }
}

string_enum! {
    /// `status` of an `app_auth_token`.
    pub enum AppAuthStatus {
        /// The token acts for the merchant.
        Valid = "valid",
        /// Revoked, refreshed away or expired.
        Invalid = "invalid",
    }
}

/// Business fields of the `alipay.open.auth.token.app.query` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OpenAuthTokenAppQueryResponse {
    /// The authorizing merchant's pid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The authorizing merchant's app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_app_id: Option<String>,
    /// Seconds until the token ends (`Long` in the Java model).
    #[serde(default, deserialize_with = "seconds", skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    /// The methods the token may call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_methods: Option<Vec<String>>,
    /// When the authorization started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_start: Option<Timestamp>,
    /// When it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_end: Option<Timestamp>,
    /// `valid` or `invalid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AppAuthStatus>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Reads seconds sent as a number or as its digits.
fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let text: Option<Value> = Option::deserialize(d)?;
    match text {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| serde::de::Error::custom("seconds out of range")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
        Some(other) => Err(serde::de::Error::custom(format!("seconds: {other}"))),
    }
}

/// The documented failures of the authorization methods.
///
/// | sub_code | sub_msg | code | source |
/// |---|---|---|---|
/// | `isv.code-invalid` | `授权码code无效` | 40002 | alipay/alipay-easysdk `java/src/test/java/com/alipay/easysdk/base/oauth/ClientTest.java` (production answer) |
/// | `isv.refresh-token-invalid` | `刷新令牌refresh_token无效` | 40002 | the same test |
/// | `isv.grant-type-invalid` | `grant_type参数不正确` | 40002 | the open documents' error table (quoted in SDKs' comments) |
/// | `isv.refresh-token-time-out` | `刷新令牌refresh_token过期` | 40002 | the table names the code ("刷新令牌(refresh_token) 过期"); the text is the sandbox's |
/// | `aop.invalid-auth-token` | `无效的访问令牌` | 20001 | the public error table (公共错误码); answers pasted in SDKs' tests (`alipay_user_info_share_response`) |
/// | `aop.auth-token-time-out` | `访问令牌已过期` | 20001 | the public error table |
/// | `aop.invalid-app-auth-token` | `无效的应用授权令牌` | 20001 | the public error table; easysdk's production test with a made-up token |
/// | `aop.app-auth-token-time-out` | `应用授权令牌已过期` | 20001 | the public error table |
pub mod errors {
    use crate::sub_code::SubCode;

    /// An unknown, used, expired or another app's authorization code.
    pub const CODE_INVALID: SubCode = SubCode { code: "isv.code-invalid", msg: "授权码code无效", solution: None };
    /// An unknown, used or another app's refresh token.
    pub const REFRESH_TOKEN_INVALID: SubCode =
        SubCode { code: "isv.refresh-token-invalid", msg: "刷新令牌refresh_token无效", solution: None };
    /// A refresh token past its lifetime.
    pub const REFRESH_TOKEN_TIME_OUT: SubCode =
        SubCode { code: "isv.refresh-token-time-out", msg: "刷新令牌refresh_token过期", solution: None };
    /// `grant_type` is neither `authorization_code` nor `refresh_token`.
    pub const GRANT_TYPE_INVALID: SubCode =
        SubCode { code: "isv.grant-type-invalid", msg: "grant_type参数不正确", solution: None };
    /// An unknown access token, another app's, or one without the scope the method needs.
    pub const INVALID_AUTH_TOKEN: SubCode =
        SubCode { code: "aop.invalid-auth-token", msg: "无效的访问令牌", solution: None };
    /// An access token past its lifetime.
    pub const AUTH_TOKEN_TIME_OUT: SubCode =
        SubCode { code: "aop.auth-token-time-out", msg: "访问令牌已过期", solution: None };
    /// An unknown, revoked, refreshed-away or another app's `app_auth_token`.
    pub const INVALID_APP_AUTH_TOKEN: SubCode =
        SubCode { code: "aop.invalid-app-auth-token", msg: "无效的应用授权令牌", solution: None };
    /// An `app_auth_token` past its lifetime.
    pub const APP_AUTH_TOKEN_TIME_OUT: SubCode =
        SubCode { code: "aop.app-auth-token-time-out", msg: "应用授权令牌已过期", solution: None };
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::decode_request;
    use crate::test_util::pairs;
    use crate::ApiResponse;

    #[test]
    fn oauth_token_travels_as_top_level_fields() {
        let params = pairs(&[("app_id", "2021"), ("grant_type", "refresh_token"), ("refresh_token", "r1")]);
        let got: SystemOauthToken = decode_request(&params).unwrap();
        assert_eq!(got, SystemOauthToken::refresh("r1"));
        got.validate().unwrap();
        let blank = pairs(&[("grant_type", "authorization_code"), ("code", " ")]);
        let got: SystemOauthToken = decode_request(&blank).unwrap();
        assert_eq!(got.validate().unwrap_err().field(), "code");
        let odd: SystemOauthToken = decode_request(&pairs(&[("grant_type", "password")])).unwrap();
        assert_eq!(odd.validate().unwrap_err().field(), "grant_type");
    }

    #[test]
    fn a_captured_open_id_answer_reads() {
        // A production answer pasted in a public README (2025-05-24; numbers, no code/msg).
        let body = r#"{"access_token":"authusrB60c6c42b28524c2d9fc52835c3a4cX83","auth_start":"2025-05-24 20:18:53",
            "expires_in":1296000,"re_expires_in":2592000,"refresh_token":"authusrB5b807e61b5b54125a834a3f10c499X83",
            "open_id":"083dALza2Yowfx4P-z2Ut1FpAQjtjJ-_sW8m87-yqXIfKsb"}"#;
        let r: SystemOauthTokenResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.expires_in, Some(1_296_000));
        assert_eq!(r.open_id.as_deref(), Some("083dALza2Yowfx4P-z2Ut1FpAQjtjJ-_sW8m87-yqXIfKsb"));
        assert_eq!(r.user_id, None);
        let legacy: SystemOauthTokenResponse = serde_json::from_str(r#"{"expires_in":"300"}"#).unwrap();
        assert_eq!(legacy.expires_in, Some(300));
        // As an answer: no status fields is a success.
        let answer: ApiResponse<SystemOauthTokenResponse> = serde_json::from_str(body).unwrap();
        assert!(answer.status.is_success());
        assert_eq!(answer.body.access_token.as_deref(), Some("authusrB60c6c42b28524c2d9fc52835c3a4cX83"));
        let refused: ApiResponse<SystemOauthTokenResponse> =
            serde_json::from_str(r#"{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.code-invalid"}"#)
                .unwrap();
        assert!(!refused.status.is_success());
    }

    #[test]
    fn app_token_answers_read_both_shapes() {
        // Production's exchange answer carries only `tokens` (a 2019-12 answer pasted in a public project).
        let tokens = r#"{"code":"10000","msg":"Success","tokens":[{"app_auth_token":"201912BB816db31487d74374a493209db2f32X87",
            "app_refresh_token":"201912BBe337978b24ed4091bea6eab51bef6A87","auth_app_id":"2021001102690024",
            "expires_in":31536000,"re_expires_in":32140800,"user_id":"2088612209050876"}]}"#;
        let r: ApiResponse<OpenAuthTokenAppResponse> = serde_json::from_str(tokens).unwrap();
        assert_eq!(r.body.token().unwrap().user_id.as_deref(), Some("2088612209050876"));
        let top = r#"{"code":"10000","msg":"Success","app_auth_token":"a","user_id":"2088","expires_in":31536000}"#;
        let r: ApiResponse<OpenAuthTokenAppResponse> = serde_json::from_str(top).unwrap();
        assert_eq!(r.body.token().unwrap().app_auth_token.as_deref(), Some("a"));
    }
}
